"""`kefu cases sweep`: what the worker's periodic job does, run once now (docs/deadlines.md):
breach notifications to holders and leads, and the timed-out sweep."""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Annotated

import typer

from kefu.bootstrap import bootstrap
from kefu.config import Settings
from kefu.services import deadlines

app = typer.Typer(help="After-sale cases (docs/cases.md, docs/deadlines.md).", no_args_is_help=True)
Url = Annotated[str | None, typer.Option("--database-url", envvar="KEFU_DATABASE_URL")]


@app.command()
def sweep(
    database_url: Url = None,
    as_json: Annotated[bool, typer.Option("--json", help="print the counts as JSON")] = False,
) -> None:
    """Notify new breaches once and time out unanswered requests the platform counts as
    declined; running it again changes nothing."""
    settings = Settings(database_url=database_url) if database_url else Settings()
    with bootstrap(settings) as kefu:
        report = deadlines.sweep(kefu.uow(), kefu.clock)
    if as_json:
        typer.echo(json.dumps(asdict(report)))
        return
    typer.echo(
        f"timed out: {report.timed_out}, case breaches told: {report.case_breaches}, "
        f"conversation breaches told: {report.conversation_breaches}"
    )
