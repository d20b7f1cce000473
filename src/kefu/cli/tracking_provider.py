"""`kefu tracking refresh`: the tracking refresh job's run, once, now (docs/tracking.md
"Providers")."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from kefu.bootstrap import bootstrap
from kefu.config import Settings

app = typer.Typer(help="Parcel tracking (docs/tracking.md).", no_args_is_help=True)
Url = Annotated[str | None, typer.Option("--database-url", envvar="KEFU_DATABASE_URL")]
console = Console()


@app.command()
def refresh(
    store: Annotated[str | None, typer.Option(help="only this store's parcels")] = None,
    database_url: Url = None,
) -> None:
    """Register the parcels shipped lately and poll the due ones at the tracking provider
    (KEFU_TRACKING_URL, KEFU_TRACKING_KEY), within its quota; without one, ask AliExpress
    about its orders' parcels. Print what it did."""
    settings = Settings(database_url=database_url) if database_url else Settings()
    with bootstrap(settings) as kefu:
        kefu.upgrade()
        report = kefu.refresh_tracking(store)
    if settings.tracking_key is None:
        console.print(
            "no tracking provider (KEFU_TRACKING_KEY): AliExpress's own tracking was asked "
            "about its orders' parcels (docs/tracking.md)"
        )
    table = Table(title=f"tracking refresh — {report.provider}", show_header=False)
    for label, value in (
        ("registered", report.registered),
        ("refused", report.refused),
        ("polled", report.polled),
        ("events", report.events),
        ("stopped", report.stopped),
        ("waiting for quota", report.waiting_for_quota),
        ("quota left", "?" if report.quota_left is None else report.quota_left),
    ):
        table.add_row(label, str(value))
    console.print(table)
    for number, code, message in report.refusals:
        console.print(f"[yellow]refused[/yellow] {number}: {code} {message}")
    if report.error:
        console.print(f"[red]provider error:[/red] {report.error}")
        raise typer.Exit(1)
