"""`kefu translate`: evaluate providers, run the pending translations, serve the sandbox."""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from kefu.bootstrap import bootstrap, build_translator, create_translation_sandbox
from kefu.cli.progress import progress_bar
from kefu.config import Settings
from kefu.services.ports import Translator
from kefu.services.translation import PROVIDERS
from kefu.services.translation_eval import evaluate, parse_pairs

app = typer.Typer(help="Machine translation (docs/translation.md).", no_args_is_help=True)

EVAL_SET = Path("data/translation/parallel.jsonl")


@app.command("eval")
def eval_command(
    provider: Annotated[
        list[str] | None,
        typer.Option(help="provider to score (repeat for several); default: KEFU_TRANSLATOR"),
    ] = None,
    pairs: Annotated[Path, typer.Option(help="JSON-lines parallel set")] = EVAL_SET,
    roundtrip: Annotated[bool, typer.Option(help="translate replies back and score that")] = True,
    output: Annotated[str, typer.Option("--format", help="table, csv or json")] = "table",
) -> None:
    """Score providers (chrF) on the parallel set, through kefu's masking and checks."""
    translators = _translators(provider)
    try:
        parsed = parse_pairs(pairs.read_text(encoding="utf-8").splitlines())
    except OSError as unreadable:
        raise typer.BadParameter(str(unreadable), param_hint="--pairs") from unreadable
    with progress_bar() as bar:
        task = bar.add_task("translating", total=None)
        report = evaluate(
            translators,
            parsed,
            roundtrip=roundtrip,
            progress=_Advance(lambda done, total: bar.update(task, completed=done, total=total)),
        )
    header, rows = report.table()
    if output == "json":
        print(
            json.dumps(
                {
                    "rows": [dict(zip(header, r, strict=True)) for r in rows],
                    "problems": {f"{p}:{k}": n for (p, k), n in report.problems.items()},
                }
            )
        )
        return
    if output == "csv":
        writer = csv.writer(sys.stdout)
        writer.writerow(header)
        writer.writerows(rows)
        return
    table = Table(*header)
    for row in rows:
        table.add_row(*("—" if cell is None else str(cell) for cell in row))
    console = Console()
    if not console.is_terminal:
        console.width = 200  # a pipe or a log: the whole table, not 80 columns of it
    console.print(table)
    for (name, problem), count in report.problems.items():
        typer.echo(f"{name}: {count} × {problem}")


def _translators(names: list[str] | None) -> list[Translator]:
    """The providers asked for, each built from the settings as if it were the shop's."""
    settings = Settings()
    translators: list[Translator] = []
    for name in names or [settings.translator]:
        if name not in PROVIDERS:
            raise typer.BadParameter(f"unknown provider {name!r}", param_hint="--provider")
        try:
            built = build_translator(settings.model_copy(update={"translator": name}))
        except ValueError as missing:
            raise typer.BadParameter(str(missing), param_hint="--provider") from missing
        if built is None:
            raise typer.BadParameter("no provider: set KEFU_TRANSLATOR or pass --provider")
        translators.append(built)
    return translators


@dataclass
class _Advance:
    update: Callable[[int, int | None], object]

    def advance(self, done: int, total: int | None = None) -> None:
        self.update(done, total)


@app.command("pending")
def pending(
    limit: Annotated[int, typer.Option(help="messages per round")] = 50,
) -> None:
    """Translate the buyer messages waiting for translation now (the job does it too)."""
    kefu = bootstrap()
    if kefu.translation.translator is None:
        raise typer.BadParameter("no provider: set KEFU_TRANSLATOR")
    total = 0
    while True:
        report = kefu.translation.translate_due(limit)
        handled = report.done + report.failed + report.refused + report.retrying
        total += report.done
        typer.echo(
            f"done {report.done}, retrying {report.retrying}, failed {report.failed}, "
            f"refused {report.refused}"
        )
        if handled < limit:
            break
    typer.echo(f"translated {total} messages")


@app.command("sandbox")
def sandbox(
    host: str = "127.0.0.1",
    port: Annotated[int, typer.Option(help="port to listen on")] = 8090,
) -> None:
    """Serve kefu's translation sandbox (four providers' formats, recorded answers)."""
    import uvicorn

    uvicorn.run(create_translation_sandbox(), host=host, port=port, log_level="warning")
