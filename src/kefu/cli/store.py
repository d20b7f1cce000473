"""`kefu store …`: add, list and archive the shop's stores from a shell (docs/stores.md).
The command acts as the main account; a refusal is one line on stderr and exit code 2."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from kefu.cli.team import Url, _kefu, _refusals
from kefu.domain.stores import StoreDraft
from kefu.services import shop

app = typer.Typer(help="The shop's stores: add, list, archive.", no_args_is_help=True)


@app.command()
def add(
    code: Annotated[str, typer.Argument(help="2–64 characters a-z, 0-9, '-'; imports name it")],
    platform: Annotated[str, typer.Option(help="aliexpress, amazon, ebay or wish")],
    site: Annotated[str, typer.Option(help="a site of the platform: amazon.de, ebay.co.uk…")],
    name: Annotated[str, typer.Option(help="the store's name as agents see it")],
    currency: Annotated[str, typer.Option(help="ISO 4217 code: USD, EUR, GBP, CNY…")],
    timezone: Annotated[str, typer.Option(help="IANA zone: America/Los_Angeles…")],
    holiday_country: Annotated[
        str | None, typer.Option(help="ISO 3166 alpha-2 with a public-holiday calendar")
    ] = None,
    database_url: Url = None,
) -> None:
    """Add a store, with default reply settings in its zone."""
    draft = StoreDraft(code, platform, site, name, currency, timezone, holiday_country)
    with _kefu(database_url) as kefu, _refusals():
        kefu.upgrade()
        who = kefu.auth.operator(uow=kefu.uow())
        view = shop.create_store(
            who, draft, checks=kefu.store_checks, uow=kefu.uow(), clock=kefu.clock
        )
    typer.echo(f"store {view.code} added: {view.name} ({view.platform}, {view.site})")


@app.command("list")
def list_stores(
    as_json: Annotated[bool, typer.Option("--json", help="one JSON array")] = False,
    database_url: Url = None,
) -> None:
    """Every store, archived ones marked."""
    with _kefu(database_url) as kefu, _refusals():
        who = kefu.auth.operator(uow=kefu.uow())
        stores = shop.shop_stores(who, uow=kefu.uow())
    if as_json:
        rows = [
            {
                "code": s.code,
                "name": s.name,
                "platform": s.platform,
                "site": s.site,
                "currency": s.currency,
                "timezone": s.timezone,
                "holiday_country": s.holiday_country,
                "archived_at": s.archived_at.isoformat() if s.archived_at else None,
            }
            for s in stores
        ]
        typer.echo(json.dumps(rows, ensure_ascii=False))
        return
    for s in stores:
        mark = "  (archived)" if s.archived else ""
        typer.echo(f"{s.code}\t{s.platform}\t{s.site}\t{s.currency}\t{s.timezone}\t{s.name}{mark}")


@app.command()
def archive(code: str, database_url: Url = None) -> None:
    """Archive a store: its history stays; it leaves the inbox, routing and imports."""
    with _kefu(database_url) as kefu, _refusals():
        who = kefu.auth.operator(uow=kefu.uow())
        changed = shop.archive_store(who, code, uow=kefu.uow(), clock=kefu.clock)
    typer.echo(f"store {code} archived" if changed else f"store {code} was archived already")
