"""`kefu team …`: the operator's way in when no one can sign in, and the routing sweep."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

import typer

from kefu.bootstrap import Kefu, bootstrap
from kefu.config import Settings
from kefu.domain.errors import DomainError
from kefu.services import routing

app = typer.Typer(help="Accounts and routing, for operators.", no_args_is_help=True)
Url = Annotated[str | None, typer.Option("--database-url", envvar="KEFU_DATABASE_URL")]


def _kefu(url: str | None) -> Kefu:
    return bootstrap(Settings(database_url=url) if url else Settings())


@app.command()
def owner(
    username: str,
    name: Annotated[str, typer.Option(help="the owner's name as the team sees it")] = "",
    database_url: Url = None,
    password: Annotated[
        str,
        typer.Option(
            prompt=True,
            hide_input=True,
            confirmation_prompt=True,
            envvar="KEFU_OWNER_PASSWORD",
            help="asked for when not given (or KEFU_OWNER_PASSWORD)",
        ),
    ] = "",
) -> None:
    """Create the main account on a fresh install (what /setup does in the browser)."""
    with _kefu(database_url) as kefu, _refusals():
        kefu.upgrade()
        kefu.auth.set_up_owner(
            username, name or username, password, uow=kefu.uow(), clock=kefu.clock
        )
    typer.echo(f"main account {username} created; sign in at /signin")


@app.command("set-password")
def set_password(
    username: str,
    database_url: Url = None,
    password: Annotated[
        str, typer.Option(prompt=True, hide_input=True, confirmation_prompt=True)
    ] = "",
) -> None:
    """Set an account's password (the owner locked out, say); its sessions end."""
    with _kefu(database_url) as kefu, _refusals():
        kefu.auth.operator_set_password(username, password, uow=kefu.uow(), clock=kefu.clock)
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
    with _kefu(database_url) as kefu, _refusals():
        secret = kefu.auth.operator_token(username, name, scope, uow=kefu.uow(), clock=kefu.clock)
    typer.echo(secret)


@contextmanager
def _refusals() -> Iterator[None]:
    """A refusal (an unknown user, a scope the account does not hold, a weak password) is
    one line on stderr and exit code 2, like a bad argument — not a traceback."""
    try:
        yield
    except DomainError as exc:
        typer.echo(f"error: {' '.join(exc.message.split())}", err=True)
        raise typer.Exit(2) from None


@app.command()
def sweep(database_url: Url = None) -> None:
    """Hand conversations of agents off shift or deactivated to someone on shift now."""
    with _kefu(database_url) as kefu:
        report = routing.sweep(kefu.uow(), kefu.clock)
    typer.echo(
        f"routing: {report.moved} moved, {report.given} given an owner, "
        f"{report.left} still waiting for someone on shift"
    )
