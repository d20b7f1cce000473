"""`kefu team …`: the operator's way in when no one can sign in, and the routing sweep."""

from __future__ import annotations

from typing import Annotated

import typer

from kefu.bootstrap import Kefu, bootstrap
from kefu.config import Settings
from kefu.domain.permissions import Permission
from kefu.services import routing
from kefu.services.auth import principal_of

app = typer.Typer(help="Accounts and routing, for operators.", no_args_is_help=True)
Url = Annotated[str | None, typer.Option("--database-url", envvar="KEFU_DATABASE_URL")]


def _kefu(url: str | None) -> Kefu:
    return bootstrap(Settings(database_url=url) if url else Settings())


@app.command("set-password")
def set_password(
    username: str,
    database_url: Url = None,
    password: Annotated[
        str, typer.Option(prompt=True, hide_input=True, confirmation_prompt=True)
    ] = "",
) -> None:
    """Set an account's password (the owner locked out, say); its sessions end."""
    with _kefu(database_url) as kefu:
        with kefu.uow() as uow:
            account = uow.auth.account_by_username(username)
            owner = next((a for a in uow.auth.accounts() if a.is_main), None)
        if account is None or owner is None:
            raise typer.BadParameter(f"no account {username!r}", param_hint="USERNAME")
        kefu.auth.reset_password(
            principal_of(owner), account.id, password, uow=kefu.uow(), clock=kefu.clock
        )
    typer.echo(f"password of {username} set; their sessions were signed out")


@app.command()
def token(
    username: str,
    name: Annotated[str, typer.Option(help="what the token is for")],
    scope: Annotated[
        list[str] | None, typer.Option(help="a permission; repeat it (default: all the account's)")
    ] = None,
    database_url: Url = None,
) -> None:
    """Issue an API token for an account's integration and print it (shown once)."""
    with _kefu(database_url) as kefu:
        with kefu.uow() as uow:
            account = uow.auth.account_by_username(username)
        if account is None:
            raise typer.BadParameter(f"no account {username!r}", param_hint="USERNAME")
        who = principal_of(account)
        scopes = scope or [p.value for p in Permission if who.can(p)]
        typer.echo(kefu.auth.issue_token(who, name, scopes, uow=kefu.uow(), clock=kefu.clock))


@app.command()
def sweep(database_url: Url = None) -> None:
    """Hand conversations of agents off shift or deactivated to someone on shift now."""
    with _kefu(database_url) as kefu:
        report = routing.sweep(kefu.uow(), kefu.clock)
    typer.echo(
        f"routing: {report.moved} moved, {report.given} given an owner, "
        f"{report.left} still waiting for someone on shift"
    )
