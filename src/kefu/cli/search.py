"""`kefu search reindex`: build the search index again from the stored messages and their
translations (docs/search.md), for example after restoring a backup made without it."""

from __future__ import annotations

from typing import Annotated

import typer

from kefu.bootstrap import bootstrap
from kefu.cli.progress import progress_bar
from kefu.config import Settings

app = typer.Typer(help="The search index (docs/search.md).", no_args_is_help=True)
Url = Annotated[str | None, typer.Option("--database-url", envvar="KEFU_DATABASE_URL")]


@app.command()
def reindex(database_url: Url = None) -> None:
    """Index every message again, in batches, with progress; searches keep working (they
    find fewer messages until it is done)."""
    settings = Settings(database_url=database_url) if database_url else Settings()
    with bootstrap(settings) as kefu, progress_bar() as bar:
        task = bar.add_task("indexing messages", total=None)
        done = kefu.reindex_search(lambda n, total: bar.update(task, completed=n, total=total))
    typer.echo(f"search index rebuilt: {done} messages")
