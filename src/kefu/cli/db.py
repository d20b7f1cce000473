"""`kefu db upgrade|downgrade|rebuild-facts`: Alembic migrations with the URL from settings,
and the KPI report's reporting facts written again."""

from __future__ import annotations

from typing import Annotated

import typer

from kefu.bootstrap import Kefu, bootstrap
from kefu.config import Settings
from kefu.services.ports import REBUILD_KPI_FACTS

app = typer.Typer(help="Database migrations and reporting facts.", no_args_is_help=True)
Url = Annotated[str | None, typer.Option("--database-url", envvar="KEFU_DATABASE_URL")]


def _kefu(url: str | None) -> Kefu:
    return bootstrap(Settings(database_url=url) if url else Settings())


@app.command()
def upgrade(database_url: Url = None, revision: str = "head") -> None:
    """Apply migrations up to REVISION (default: the newest)."""
    with _kefu(database_url) as kefu:
        kefu.upgrade(revision)
    typer.echo(f"database upgraded to {revision}")


@app.command()
def downgrade(revision: str, database_url: Url = None) -> None:
    """Undo migrations down to REVISION ('base' empties the database)."""
    with _kefu(database_url) as kefu:
        kefu.downgrade(revision)
    typer.echo(f"database downgraded to {revision}")


@app.command("rebuild-facts")
def rebuild_facts(
    database_url: Url = None,
    store: Annotated[str | None, typer.Option(help="only this store code")] = None,
    background: Annotated[
        bool, typer.Option("--background", help="leave it to a worker (`kefu worker`)")
    ] = False,
) -> None:
    """Write the KPI report's facts again from the stored messages, for example after a
    store's working hours, holidays or time zone changed (each fact's day is re-derived
    in the store's zone; the shop settings do this by themselves for a zone change)."""
    with _kefu(database_url) as kefu:
        if background:
            if not kefu.jobs.enqueue(REBUILD_KPI_FACTS, {"store": store}):
                raise typer.Exit(code=1)
            typer.echo("asked a worker to write the reporting facts again")
            return
        done = kefu.rebuild_kpi_facts(store)
    typer.echo(f"reporting facts written again for {done} conversations")
