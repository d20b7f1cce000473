"""`kefu report kpi`: the SPEC §11 KPIs for a date range, as a table, CSV or JSON."""

from __future__ import annotations

import csv
import json
import sys
from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from kefu.bootstrap import bootstrap
from kefu.config import Settings
from kefu.services.reports import kpi_report

app = typer.Typer(help="Reports.", no_args_is_help=True)


class Format(StrEnum):
    TABLE = "table"
    CSV = "csv"
    JSON = "json"


@app.command()
def kpi(
    start: Annotated[datetime, typer.Option("--from", formats=["%Y-%m-%d"], help="first day")],
    end: Annotated[datetime, typer.Option("--to", formats=["%Y-%m-%d"], help="last day")],
    store: Annotated[str | None, typer.Option(help="store code")] = None,
    agent: Annotated[
        str | None, typer.Option(help="username: conversations assigned to them")
    ] = None,
    final: Annotated[bool, typer.Option("--final", help="final data only (T+3)")] = False,
    fmt: Annotated[Format, typer.Option("--format")] = Format.TABLE,
    database_url: Annotated[str | None, typer.Option(envvar="KEFU_DATABASE_URL")] = None,
) -> None:
    """Buyers served and answered, messages, 24h rate, conversion, guided GMV, response times."""
    if end < start:
        raise typer.BadParameter("--to is before --from", param_hint="--to")
    settings = Settings(database_url=database_url) if database_url else Settings()
    with bootstrap(settings) as kefu:
        report = kpi_report(
            kefu.uow(),
            start=start.date(),
            end=end.date(),
            today=datetime.now(UTC).date(),
            store=store,
            agent=agent,
            final_only=final,
        )
    if fmt == Format.JSON:
        print(
            json.dumps(
                {
                    "from": report.start.isoformat(),
                    "to": report.end.isoformat(),
                    "store": store,
                    "agent": agent,
                    **report.values(),
                }
            )
        )
    elif fmt == Format.CSV:
        writer = csv.writer(sys.stdout)
        writer.writerow(["metric", "value"])
        writer.writerows(report.rows())
    else:
        table = Table(
            title=f"KPIs {report.start} to {report.end}"
            + (f" · {store}" if store else "")
            + (f" · {agent}" if agent else "")
        )
        table.add_column("metric")
        table.add_column("value", justify="right")
        for name, value in report.rows():
            table.add_row(name, value or "—")
        Console().print(table)
