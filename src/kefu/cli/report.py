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
from kefu.domain.kpis import Kpis
from kefu.services.reports import (
    FIRST_DAY,
    LAST_DAY,
    Breakdowns,
    breakdown_rows,
    breakdown_values,
    kpi_breakdowns,
    kpi_report,
)

app = typer.Typer(help="Reports.", no_args_is_help=True)


class Format(StrEnum):
    TABLE = "table"
    CSV = "csv"
    JSON = "json"


class By(StrEnum):
    STORE = "store"
    PLATFORM = "platform"
    AGENT = "agent"


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
    by: Annotated[
        By | None, typer.Option(help="one row per store (with its platform), platform or agent")
    ] = None,
    database_url: Annotated[str | None, typer.Option(envvar="KEFU_DATABASE_URL")] = None,
) -> None:
    """Buyers served and answered, messages, 24h rate, conversion, guided GMV, response times."""
    if end < start:
        raise typer.BadParameter("--to is before --from", param_hint="--to")
    for day, hint in ((start, "--from"), (end, "--to")):
        if not FIRST_DAY <= day.date() <= LAST_DAY:  # the period before must stay a date
            raise typer.BadParameter(f"a day from {FIRST_DAY} to {LAST_DAY}", param_hint=hint)
    settings = Settings(database_url=database_url) if database_url else Settings()
    if by is not None:
        with bootstrap(settings) as kefu:
            breakdowns = kpi_breakdowns(
                kefu.uow(),
                start=start.date(),
                end=end.date(),
                now=datetime.now(UTC),
                store=store,
                agent=agent,
                final_only=final,
            )
        _print_breakdown(breakdowns, by, fmt)
        return
    with bootstrap(settings) as kefu:
        report = kpi_report(
            kefu.uow(),
            start=start.date(),
            end=end.date(),
            now=datetime.now(UTC),
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


def _print_breakdown(breakdowns: Breakdowns, by: By, fmt: Format) -> None:
    groups = {
        By.STORE: breakdowns.by_store,
        By.PLATFORM: breakdowns.by_platform,
        By.AGENT: breakdowns.by_agent,
    }[by]
    lead = ["store", "platform"] if by == By.STORE else [by.value]

    def labels(name: str) -> list[str]:
        return [name, breakdowns.platforms[name]] if by == By.STORE else [name]

    if fmt == Format.JSON:
        print(
            json.dumps(
                [
                    {**dict(zip(lead, labels(name), strict=True)), **breakdown_values(k)}
                    for name, k in groups
                ]
            )
        )
        return
    header = [*lead, *breakdown_values(Kpis())]
    rows = [[*labels(name), *breakdown_rows(k)] for name, k in groups]
    if fmt == Format.CSV:
        writer = csv.writer(sys.stdout)
        writer.writerow(header)
        writer.writerows(rows)
        return
    table = Table(title=f"KPIs by {by.value}")
    for n, column in enumerate(header):
        table.add_column(column, justify="left" if n < len(lead) else "right")
    for row in rows:
        table.add_row(*(value or "—" for value in row))
    Console().print(table)
