"""`kefu mail …`: pull the stores' mail now, or hold IMAP IDLE and pull as it arrives;
`kefu secrets …`: make a key, seal stored passwords with the newest one (docs/mail.md)."""

from __future__ import annotations

import signal
import threading
from typing import Annotated

import typer

from kefu.bootstrap import new_secret_key
from kefu.cli.team import Url, _kefu, _refusals
from kefu.services import mail
from kefu.services.ports import PullReport

app = typer.Typer(
    help="The stores' mailboxes: pull now, or watch (IMAP IDLE).", no_args_is_help=True
)
secrets_app = typer.Typer(help="The key that seals stored credentials.", no_args_is_help=True)


def _line(code: str, report: PullReport) -> str:
    failed = ", ".join(f"{store}: {error}" for store, error in report.failed)
    return (
        f"mail{f' {code}' if code else ''}: {report.mailboxes} mailboxes, {report.pulled} new, "
        f"{report.duplicates} known, {report.refused} refused"
        + (f"; failed {failed}" if failed else "")
    )


@app.command()
def pull(
    store: Annotated[str | None, typer.Option(help="only this store's mailbox")] = None,
    database_url: Url = None,
) -> None:
    """Pull new mail of every enabled store mailbox once (the pull_mail job does it every
    minute); exit code 1 when a mailbox failed (its store page says why)."""
    with _kefu(database_url) as kefu, _refusals():
        kefu.upgrade()
        report = kefu.pull_mail(store)
    typer.echo(_line("", report))
    if report.failed:
        raise typer.Exit(1)


@app.command()
def watch(
    store: Annotated[str | None, typer.Option(help="only this store's mailbox")] = None,
    database_url: Url = None,
) -> None:
    """Hold one IMAP IDLE connection per enabled mailbox and pull each new mail as it
    arrives, until SIGTERM or Ctrl-C (run it beside `kefu serve` or `kefu worker`)."""
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    with _kefu(database_url) as kefu:
        kefu.upgrade()
        mail.watch(
            kefu.uow,
            kefu.mail,
            kefu.clock,
            stop,
            store=store,
            on_pull=lambda code, report: typer.echo(_line(code, report)),
        )


@secrets_app.command("new-key")
def new_key() -> None:
    """Print a new Fernet key for KEFU_SECRET_KEY."""
    typer.echo(new_secret_key())


@secrets_app.command()
def rotate(database_url: Url = None) -> None:
    """Seal every stored password with the first key of KEFU_SECRET_KEY (put the new key
    first, keep the old one after it until this has run)."""
    with _kefu(database_url) as kefu, _refusals():
        done = mail.rotate_secrets(kefu.uow(), kefu.secrets)
    typer.echo(f"{done} mailboxes sealed with the newest key")
