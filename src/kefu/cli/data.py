"""`kefu import --kind products|orders|parcels|tracking|rates`: the shop's own data from a
CSV, XLSX or JSONL file of any size (docs/imports.md). Acts as the main account."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import typer
from rich.console import Console

from kefu.bootstrap import Kefu, open_table, write_error_csv
from kefu.cli.progress import progress_bar
from kefu.services import shopdata
from kefu.services.ports import TableError
from kefu.services.upserts import ImportReport

DATA_KINDS = ("products", "orders", "parcels", "tracking", "rates")
console = Console(stderr=True)


def parse_mapping(pairs: list[str]) -> dict[str, str] | None:
    """`--map field=column` options → {field: column}; None when none was given."""
    if not pairs:
        return None
    mapping: dict[str, str] = {}
    for pair in pairs:
        field, sep, column = pair.partition("=")
        if not sep or not field.strip() or not column.strip():
            raise typer.BadParameter(f"{pair!r}: write field=column", param_hint="--map")
        mapping[field.strip()] = column.strip()
    return mapping


def import_data(
    kefu: Kefu,
    file: Path,
    *,
    kind: str,
    store: str | None,
    fmt: str | None,
    encoding: str | None,
    mapping: dict[str, str] | None,
    remember: bool,
    preview: bool,
    errors_csv: Path | None,
    as_json: bool,
) -> int:
    """Run one import (or its preview); returns the exit code (2 when rows were refused)."""
    who = kefu.auth.operator(uow=kefu.uow())
    try:
        table = open_table(file, fmt=fmt, encoding=encoding)
    except TableError as exc:
        raise typer.BadParameter(str(exc), param_hint="FILE") from None
    with table:
        if kind == "rates":
            report = shopdata.import_rates(
                who, table, uow=kefu.uow(), clock=kefu.clock, ref=kefu.reference, source=file.name
            )
            return _print(report, file, as_json, errors_csv)
        if store is None:
            raise typer.BadParameter("which store the rows are for", param_hint="--store")
        if preview:
            shown = shopdata.preview(
                who, store, kind, table, uow=kefu.uow(), ref=kefu.reference, mapping=mapping
            )
            _print_preview(shown, table.encoding, table.delimiter)
            return 2 if shown.problems else 0
        with progress_bar() as bar:
            task = bar.add_task(f"importing {file.name}", total=table.size)
            report = shopdata.import_table(
                who,
                store,
                kind,
                table,
                uow=kefu.uow(),
                clock=kefu.clock,
                ref=kefu.reference,
                mapping=mapping,
                remember=remember,
                source=file.name,
                progress=lambda done, total: bar.update(task, completed=done, total=total),
            )
    return _print(report, file, as_json, errors_csv)


def _print_preview(shown: shopdata.Preview, encoding: str | None, delimiter: str | None) -> None:
    read = f"encoding {encoding}, delimiter {delimiter!r}" if encoding else "read"
    typer.echo(f"{read}; columns: {', '.join(shown.columns)}")
    origin = "remembered for this store" if shown.remembered else "suggested from the headers"
    typer.echo(f"mapping ({origin}):")
    for name in shown.fields:
        mark = "*" if name in shown.required else " "
        typer.echo(f"  {mark} {name:<22} ← {shown.mapping.get(name, '-')}")
    for problem in shown.problems:
        typer.echo(f"problem: {problem}")
    for row in shown.rows:
        cells = ", ".join(f"{k}={v}" for k, v in row.values.items())
        typer.echo(f"row {row.row}: {cells}")
        for error in row.errors:
            typer.echo(f"  error {error.describe()}")


def _print(report: ImportReport, file: Path, as_json: bool, errors_csv: Path | None) -> int:
    if errors_csv is not None:
        write_errors(report, errors_csv)
    if as_json:
        print(
            json.dumps(
                {**report.counts(), "errors": [e.__dict__ for e in report.errors]},
                ensure_ascii=False,
            )
        )
    else:
        for error in report.errors[:200]:
            console.print(f"[red]error[/red] {error.describe()}", highlight=False)
        if len(report.errors) > 200:
            console.print(f"… and {len(report.errors) - 200} more (--errors FILE writes them all)")
        typer.echo(
            f"{file.name}: {report.rows} rows; {report.created} created, {report.updated} "
            f"updated, {report.unchanged} unchanged, {report.stale} older than stored, "
            f"{report.set_aside} set aside, {report.rejected} rows rejected"
        )
    return 2 if report.errors else 0


def write_errors(report: ImportReport, path: Path) -> None:
    """The row errors as CSV with a BOM, so Excel shows the Chinese; `-` is stdout."""
    if str(path) == "-":
        write_error_csv(report.errors, sys.stdout)
        return
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        write_error_csv(report.errors, handle)
