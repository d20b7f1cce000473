"""Typer root: serve, worker, import, demo, db, bench, team, store."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.progress import TaskID

from kefu import __version__
from kefu.bootstrap import (
    TRACKING_SANDBOX_MOUNT,
    bootstrap,
    create_tracking_sandbox,
    with_tracking_sandbox,
)
from kefu.cli import amazon, bench, data, db, mail, model, report, store, team, translate, worker
from kefu.cli import cases as cases_cli
from kefu.cli import search as search_cli
from kefu.cli import tracking_provider as tracking_cli
from kefu.cli.progress import progress_bar
from kefu.cli.team import _refusals
from kefu.config import Settings
from kefu.services.imports import FORMATS, import_file

if TYPE_CHECKING:
    from starlette.types import ASGIApp

app = typer.Typer(
    help="kefu: customer-service workbench for cross-border sellers.", no_args_is_help=True
)
app.add_typer(db.app, name="db")
app.add_typer(bench.app, name="bench")
app.add_typer(model.app, name="model")
app.add_typer(report.app, name="report")
app.add_typer(team.app, name="team")
app.add_typer(store.app, name="store")
app.add_typer(mail.app, name="mail")
app.add_typer(mail.secrets_app, name="secrets")
app.add_typer(translate.app, name="translate")
app.add_typer(amazon.app, name="amazon")
app.add_typer(search_cli.app, name="search")
app.add_typer(cases_cli.app, name="cases")
app.add_typer(tracking_cli.app, name="tracking")
app.command("worker")(worker.worker)
app.command("classify")(model.classify_command)
console = Console()


def settings_for(database_url: str | None) -> Settings:
    return Settings(database_url=database_url) if database_url else Settings()


DbOption = Annotated[
    str | None,
    typer.Option(
        "--database-url",
        envvar="KEFU_DATABASE_URL",
        help="SQLAlchemy URL; default sqlite:///var/kefu.db",
    ),
]


@app.command()
def version() -> None:
    """Print kefu's version."""
    console.print(__version__)


@app.command()
def serve(
    database_url: DbOption = None,
    host: Annotated[str, typer.Option(help="address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="port to listen on")] = 8000,
    upgrade: Annotated[bool, typer.Option(help="apply database migrations first")] = True,
    sandbox: Annotated[
        bool, typer.Option(help="serve kefu's marketplace sandbox at /sandbox and deliver there")
    ] = False,
    run_jobs: Annotated[
        bool | None,
        typer.Option(
            "--worker/--no-worker",
            help="run the background jobs in this process; default: yes unless KEFU_QUEUE_URL "
            "is set (then `kefu worker` runs them)",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Serve the web workbench and the JSON API; on one machine the background jobs (sending
    replies, the routing sweep) run in this process too."""
    _serve(
        settings_for(database_url), host, port, upgrade=upgrade, sandbox=sandbox, run_jobs=run_jobs
    )


def _serve(
    settings: Settings,
    host: str,
    port: int,
    *,
    upgrade: bool,
    sandbox: bool,
    run_jobs: bool | None,
    live: bool = False,
) -> None:
    """`live`: the demo's live marketplace (kefu.demo.live) at /marketplace, its stores
    connected to it, and buyers writing there."""
    import threading

    import uvicorn

    from kefu.web.app import create_app

    if sandbox:
        settings = settings.model_copy(update={"channel_url": f"http://{host}:{port}/sandbox"})
        settings = with_tracking_sandbox(settings, f"http://{host}:{port}{TRACKING_SANDBOX_MOUNT}")
    with bootstrap(settings) as kefu:
        if upgrade:
            kefu.upgrade()
        mounts: dict[str, ASGIApp] = {}
        if sandbox:  # the 17TRACK sandbox beside the marketplace's (docs/tracking.md)
            mounts[TRACKING_SANDBOX_MOUNT] = create_tracking_sandbox()
        stop = threading.Event()
        if live:
            from kefu.demo.live import LIVE_STORES, MOUNT, LiveMarket, connect_live_stores

            market = LiveMarket.create()
            connect_live_stores(kefu, market, f"http://{host}:{port}{MOUNT}")
            for _ in range(len(LIVE_STORES)):  # something for the first sync
                market.buyer_writes()
            market.open_cases()
            market.start_buyers(LIVE_BUYER_SECONDS, stop)
            mounts[MOUNT] = market.app()
            console.print(
                f"live marketplace sandbox: http://{host}:{port}{MOUNT} — buyers write to "
                f"{', '.join(s.code for s in LIVE_STORES)} about every "
                f"{LIVE_BUYER_SECONDS:.0f} s; the sync runs every minute"
            )
        console.print(
            f"kefu workbench: [bold]http://{host}:{port}[/bold]  "
            f"(API docs: http://{host}:{port}/docs)"
        )
        in_process = kefu.runs_jobs_in_process() if run_jobs is None else run_jobs
        app = create_app(kefu=kefu, worker=in_process, sandbox=sandbox, mounts=mounts)
        try:
            uvicorn.run(app, host=host, port=port, log_level="info")
        finally:
            stop.set()


@app.command("sync")
def sync_command(
    store: Annotated[str | None, typer.Option(help="only this store (default: all due)")] = None,
    since: Annotated[
        datetime | None,
        typer.Option(
            help="read the store again from this date (ISO 8601, UTC when no zone), not "
            "from where its last sync stopped; needs --store",
            formats=["%Y-%m-%d", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M:%S%z"],
        ),
    ] = None,
    database_url: DbOption = None,
) -> None:
    """Pull what changed on the connected stores' marketplaces now (docs/channels.md)."""
    with bootstrap(settings_for(database_url)) as kefu, _refusals():
        kefu.upgrade()
        moment = since if since is None or since.tzinfo else since.replace(tzinfo=UTC)
        report = kefu.sync_marketplaces(store, since=moment)
    for failure in report.failed:
        console.print(f"[red]error[/red] {failure}", highlight=False)
    console.print(
        f"{report.stores} stores, {report.pages} pages, {report.pulled} messages pulled, "
        f"{report.stored} new; {report.applied} platform changes applied, "
        f"{report.pushed} pushed, {len(report.push_errors)} refused"
    )
    for refused in report.record_errors:
        console.print(f"[yellow]not stored[/yellow] {refused}", highlight=False)
    if report.records or report.record_errors:
        counts = ", ".join(f"{n} {name}" for name, n in report.records.items())
        console.print(f"orders, products and parcels: {counts or 'none'}", highlight=False)
    if report.failed:
        raise typer.Exit(code=2)


@app.command("import")
def import_command(
    file: Annotated[
        Path,
        typer.Argument(exists=True, dir_okay=False, readable=True, help="CSV, XLSX or JSONL file"),
    ],
    database_url: DbOption = None,
    kind: Annotated[
        str,
        typer.Option(help=f"what the file holds: messages, {', '.join(data.DATA_KINDS)}"),
    ] = "messages",
    store: Annotated[
        str | None, typer.Option(help="the store's code (products, orders, parcels, tracking)")
    ] = None,
    fmt: Annotated[
        str | None,
        typer.Option("--format", help="csv, xlsx or jsonl; default: by extension"),
    ] = None,
    encoding: Annotated[
        str | None, typer.Option(help="a CSV's encoding (utf-8, gb18030, big5…); default: guessed")
    ] = None,
    mapping: Annotated[
        list[str] | None,
        typer.Option("--map", help="field=column, once per field whose column has another name"),
    ] = None,
    remember: Annotated[
        bool, typer.Option(help="remember the --map columns for this store's next files")
    ] = False,
    preview: Annotated[
        bool, typer.Option(help="show the mapping and the first rows as read; write nothing")
    ] = False,
    errors: Annotated[
        Path | None, typer.Option("--errors", help="write the row errors as CSV to this file")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print the report as JSON")] = False,
) -> None:
    """Import buyer messages, or the shop's products, orders, parcels, tracking events or
    currency rates; good rows are kept, bad rows reported with row, field and reason."""
    if kind != "messages":
        if kind not in data.DATA_KINDS:
            raise typer.BadParameter(
                f"must be messages or one of {', '.join(data.DATA_KINDS)}", param_hint="--kind"
            )
        with bootstrap(settings_for(database_url)) as kefu, _refusals():
            kefu.upgrade()
            code = data.import_data(
                kefu,
                file,
                kind=kind,
                store=store,
                fmt=fmt,
                encoding=encoding,
                mapping=data.parse_mapping(mapping or []),
                remember=remember,
                preview=preview,
                errors_csv=errors,
                as_json=as_json,
            )
        raise typer.Exit(code=code)
    _import_messages(file, database_url, fmt, as_json)


def _import_messages(file: Path, database_url: str | None, fmt: str | None, as_json: bool) -> None:
    """Import buyer messages; good rows are kept, bad rows reported with row, field and reason."""
    if fmt is not None and fmt not in FORMATS:
        raise typer.BadParameter(f"must be one of {', '.join(FORMATS)}", param_hint="--format")
    with bootstrap(settings_for(database_url)) as kefu, progress_bar() as bar:
        kefu.upgrade()
        task = bar.add_task(f"importing {file.name}", total=None)

        class _Bar:
            def advance(self, done: int, total: int | None = None) -> None:
                bar.update(task, completed=done, total=total)

        try:
            report = import_file(
                file,
                kefu.uow(),
                kefu.clock,
                fmt=fmt,
                progress=_Bar(),
                classifier=kefu.ingest_classifier(),
            )
        except ValueError as exc:
            raise typer.BadParameter(str(exc), param_hint="FILE") from None
    if as_json:
        print(
            json.dumps(
                {
                    "received": report.received,
                    "accepted": report.accepted,
                    "duplicates": report.duplicates,
                    "errors": [e.__dict__ for e in report.errors],
                },
                ensure_ascii=False,
            )
        )
    else:
        for error in report.errors:
            console.print(f"[red]error[/red] {error.describe()}", highlight=False)
        console.print(
            f"{file.name}: {report.received} rows, {report.accepted} stored, "
            f"{report.duplicates} already there, {report.rejected_rows} rejected"
        )
    if report.errors:
        raise typer.Exit(code=2)


# The demo's live marketplace: one buyer message about this often (kefu.demo.live).
LIVE_BUYER_SECONDS = 20.0


def _demo_secret_key(path: Path) -> None:
    """The demo seals its live stores' sandbox tokens like a shop's (docs/mail.md): with
    KEFU_SECRET_KEY when set, else with a key of its own kept beside the database."""
    import os

    if os.environ.get("KEFU_SECRET_KEY"):
        return
    from kefu.bootstrap import new_secret_key

    if not path.is_file():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(new_secret_key() + "\n", encoding="ascii")
        path.chmod(0o600)
    os.environ["KEFU_SECRET_KEY"] = path.read_text(encoding="ascii").strip()


def _print_demo_accounts() -> None:
    from rich.table import Table

    from kefu.demo.catalog import ACCOUNT_STORES, ACCOUNTS, DEMO_PASSWORD

    table = Table(title=f"Demo accounts: every password is {DEMO_PASSWORD}")
    for column in ("user name", "role", "stores"):
        table.add_column(column)
    for a in ACCOUNTS:
        stores = "all (main account)" if a.is_main else ", ".join(ACCOUNT_STORES[a.username])
        table.add_row(a.username, a.role, stores)
    console.print(table)


@app.command()
def demo(
    db_path: Annotated[Path, typer.Option("--db", help="SQLite file to build")] = Path(
        "var/demo.db"
    ),
    seed: Annotated[int, typer.Option(help="same seed, same shop")] = 7,
    build_only: Annotated[
        bool, typer.Option("--build-only", help="build the database and stop")
    ] = False,
    scale: Annotated[
        float, typer.Option(help="fraction of the full demo size (tests use small ones)")
    ] = 1.0,
    host: str = "127.0.0.1",
    port: int = 8000,
    database_url: Annotated[
        str | None,
        typer.Option(help="build into this (empty) database instead of a SQLite file"),
    ] = None,
) -> None:
    """Build the demo shop (4 stores, ~3,000 conversations) into a fresh SQLite file; serve it."""
    import time

    from kefu.demo.build import DemoSize, build_demo

    if database_url is None:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db_path}{suffix}").unlink(missing_ok=True)
    url = database_url or f"sqlite:///{db_path}"
    kefu = bootstrap(Settings(database_url=url))
    kefu.upgrade()
    with kefu.uow() as uow:
        if uow.queries.stores():
            kefu.close()
            raise typer.BadParameter("the database already has a shop", param_hint="--database-url")
    started = time.perf_counter()
    with progress_bar() as bar:
        tasks: dict[str, TaskID] = {}

        def step(label: str, done: int, total: int) -> None:
            if label not in tasks:
                tasks[label] = bar.add_task(label, total=total)
            bar.update(tasks[label], completed=done, total=total)

        summary = build_demo(kefu, seed=seed, size=DemoSize().scaled(scale), progress=step)
    kefu.close()
    console.print(
        f"demo shop built in {time.perf_counter() - started:.1f} s at {database_url or db_path}: "
        f"{summary.stores} stores, "
        f"{summary.products} products, {summary.buyers} buyers, {summary.orders} orders, "
        f"{summary.conversations} conversations, {summary.messages} messages "
        f"in {summary.languages} languages"
    )
    _print_demo_accounts()
    if not build_only:
        _demo_secret_key(Path(f"{db_path}.key"))
        settings = settings_for(url)
        _serve(settings, host, port, upgrade=False, sandbox=True, run_jobs=None, live=True)
