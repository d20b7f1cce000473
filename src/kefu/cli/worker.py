"""`kefu worker`: run the background jobs (docs/deploy.md, docs/adr/0008-background-jobs.md)."""

from __future__ import annotations

import logging
from typing import Annotated

import typer

from kefu.bootstrap import bootstrap
from kefu.config import Settings


def worker(
    database_url: Annotated[
        str | None,
        typer.Option("--database-url", envvar="KEFU_DATABASE_URL", help="SQLAlchemy URL"),
    ] = None,
    queue_url: Annotated[
        str | None,
        typer.Option(
            "--queue-url",
            envvar="KEFU_QUEUE_URL",
            help="redis://host:6379/0; default: the SQLite queue file next to the database",
        ),
    ] = None,
    workers: Annotated[
        int | None,
        typer.Option("--workers", min=1, help="threads running jobs (default KEFU_WORKER_THREADS)"),
    ] = None,
    verbose: Annotated[
        bool, typer.Option("--verbose", help="log every job run, idle ones too")
    ] = False,
) -> None:
    """Run the background jobs — sending replies, automatic replies, the routing sweep,
    translating new buyer messages, rebuilding KPI facts — until SIGTERM or SIGINT, which
    let the jobs in hand finish.

    Start one or more on any machine that reaches the database and KEFU_QUEUE_URL; each
    job runs once however many there are. On one machine `kefu serve` runs them itself.
    """
    updates: dict[str, object] = {}
    if database_url:
        updates["database_url"] = database_url
    if queue_url:
        updates["queue_url"] = queue_url
    settings = Settings().model_copy(update=updates)
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    # huey says "Executing …" for every run; kefu's own line says what each run did.
    logging.getLogger("huey").setLevel(logging.INFO if verbose else logging.WARNING)
    log = logging.getLogger("kefu.jobs")
    with bootstrap(settings) as kefu:
        threads = workers or settings.worker_threads
        log.info(
            "kefu worker: %d threads, queue %s, jobs %s",
            threads,
            _shown(settings.queue_url) or "(SQLite file next to the database)",
            ", ".join(job.name for job in kefu.jobs.registry),
        )
        kefu.run_worker(threads)
        log.info("kefu worker stopped")


def _shown(url: str | None) -> str | None:
    """The queue URL without a password."""
    if url is None or "@" not in url:
        return url
    scheme, _, rest = url.partition("://")
    return f"{scheme}://***@{rest.rpartition('@')[2]}"
