"""`kefu amazon`: messages a shop starts about an Amazon order through the SP-API's
Messaging API (docs/channels.md "Amazon"), as the shop's operator (the main account)."""

from __future__ import annotations

import uuid
from typing import Annotated

import typer

from kefu.cli.team import Url, _kefu, _refusals
from kefu.services import amazon_messages

app = typer.Typer(help="Amazon order messages through the SP-API (docs/channels.md)")

Store = Annotated[str, typer.Argument(help="the Amazon store's code")]
Order = Annotated[str, typer.Argument(help="the Amazon order number, 3-7-7 digits")]


@app.command()
def actions(store: Store, order: Order, database_url: Url = None) -> None:
    """List the messages Amazon allows for the order now, one a line."""
    with _kefu(database_url) as kefu, _refusals():
        who = kefu.auth.operator(uow=kefu.uow())
        found = amazon_messages.actions(who, store, order, uow=kefu.uow(), deps=kefu.marketplaces)
    for name in found:
        typer.echo(name)
    if not found:
        typer.echo(f"Amazon allows no message for order {order} now", err=True)


@app.command()
def send(
    store: Store,
    order: Order,
    action: Annotated[str, typer.Argument(help="one of `kefu amazon actions`")],
    text: Annotated[str, typer.Option(help="the text, for actions with one")] = "",
    client_key: Annotated[
        str, typer.Option(help="yours, unique per message; the same key never sends twice")
    ] = "",
    database_url: Url = None,
) -> None:
    """Send one message Amazon offers for the order (the text passes the policy check)."""
    key = client_key or f"cli-{uuid.uuid4()}"
    with _kefu(database_url) as kefu, _refusals():
        who = kefu.auth.operator(uow=kefu.uow())
        done = amazon_messages.send(
            who,
            store,
            order,
            action,
            text=text or None,
            client_key=key,
            uow_factory=kefu.uow,
            deps=kefu.marketplaces,
            gate=kefu.gate,
            clock=kefu.clock,
        )
    m = done.message
    again = " (sent before with this key; nothing sent now)" if done.repeated else ""
    typer.echo(f"{m.action} for order {m.order_number}: {m.state} {m.platform_ref or ''}{again}")
