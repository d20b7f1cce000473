"""File imports (JSONL and CSV) → per-row errors, good rows kept, progress shown.

The file is read as a stream and its rows ingested in chunks, each chunk one transaction:
memory stays flat for any file size, the database's write lock is held for one chunk at a
time (agents' writes go in between), a crash loses at most the chunk in flight, and
re-running the same file is safe because ingestion is idempotent on the message id.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Generator, Iterable, Iterator
from contextlib import closing
from pathlib import Path
from typing import TextIO

from kefu.domain.errors import FieldError
from kefu.services.inbox import IngestReport, ingest
from kefu.services.ports import Classifier, Clock, Progress, UnitOfWork

CHUNK_ROWS = 1000
FORMATS = ("jsonl", "csv")

Row = tuple[int, dict[str, object] | None, FieldError | None]


def detect_format(path: Path) -> str:
    suffix = path.suffix.lower().lstrip(".")
    if suffix in ("jsonl", "ndjson"):
        return "jsonl"
    if suffix == "csv":
        return "csv"
    raise ValueError(
        f"{path.name}: cannot tell the format from the extension; use --format jsonl or csv"
    )


def import_file(
    path: Path,
    uow: UnitOfWork,
    clock: Clock,
    *,
    fmt: str | None = None,
    progress: Progress | None = None,
    classifier: Classifier | None = None,
) -> IngestReport:
    """Import every good row of a JSONL or CSV file; bad rows are reported with row and field."""
    kind = fmt or detect_format(path)
    total = None if kind == "csv" else _count_lines(path)
    rows = _jsonl_rows(path) if kind == "jsonl" else _csv_rows(path)
    with closing(rows):  # the file is closed even when a chunk fails
        report = _import_rows(
            rows,
            uow,
            clock,
            total=total,
            progress=progress,
            classifier=classifier,
        )
    report.errors.sort(key=lambda e: (e.row or 0, e.field))
    return report


def _import_rows(
    rows: Iterable[Row],
    uow: UnitOfWork,
    clock: Clock,
    *,
    total: int | None,
    progress: Progress | None,
    classifier: Classifier | None,
) -> IngestReport:
    report = IngestReport()
    chunk: list[dict[str, object]] = []
    chunk_rows: list[int] = []
    for number, raw, error in rows:
        if error is not None:
            report.received += 1
            report.errors.append(error)
            continue
        assert raw is not None  # noqa: S101
        chunk.append(raw)
        chunk_rows.append(number)
        if len(chunk) >= CHUNK_ROWS:
            _flush(chunk, chunk_rows, uow, clock, report, classifier)
            if progress:
                progress.advance(number, total)
    _flush(chunk, chunk_rows, uow, clock, report, classifier)
    if progress:
        progress.advance(total or report.received, total or report.received)
    return report


def _count_lines(path: Path) -> int:
    """Lines of a JSONL file for the progress bar, read in blocks (not held in memory)."""
    lines, last = 0, b"\n"
    with path.open("rb") as handle:
        while block := handle.read(1 << 20):
            lines += block.count(b"\n")
            last = block[-1:]
    return lines + (0 if last == b"\n" else 1)


def _flush(
    chunk: list[dict[str, object]],
    rows: list[int],
    uow: UnitOfWork,
    clock: Clock,
    report: IngestReport,
    classifier: Classifier | None,
) -> None:
    if not chunk:
        return
    part = ingest(chunk, uow, clock, classifier=classifier)
    # ingest numbers rows within the chunk; map them back to file rows.
    part.errors = [
        FieldError(e.field, e.reason, row=rows[(e.row or 1) - 1], value=e.value)
        for e in part.errors
    ]
    report.merge(part)
    chunk.clear()
    rows.clear()


def _jsonl_rows(path: Path) -> Generator[Row]:
    with path.open("rb") as lines:
        yield from _jsonl_lines(lines)


def _jsonl_lines(lines: Iterable[bytes]) -> Iterator[Row]:
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        text = line.decode("utf-8", errors="surrogateescape")
        if _bad_utf8(text):
            yield number, None, FieldError("(line)", "is not valid UTF-8", row=number)
            continue
        try:
            value = json.loads(text)
        except json.JSONDecodeError as exc:
            yield (
                number,
                None,
                FieldError(
                    "(line)", f"malformed JSON at column {exc.colno}: {exc.msg}", row=number
                ),
            )
            continue
        if not isinstance(value, dict):
            yield number, None, FieldError("(line)", "must be a JSON object", row=number)
            continue
        yield number, value, None


def _csv_rows(path: Path) -> Generator[Row]:
    with path.open(encoding="utf-8-sig", errors="surrogateescape", newline="") as text:
        yield from _csv_records(text)


def _csv_records(text: TextIO) -> Iterator[Row]:
    """Row 1 is the header; data rows are numbered as a spreadsheet shows them."""
    reader = csv.DictReader(text, restkey="(extra)")
    try:
        for record in reader:
            number = reader.line_num
            if "(extra)" in record:
                yield (
                    number,
                    None,
                    FieldError("(row)", "has more cells than the header", row=number),
                )
                continue
            raw: dict[str, object] = {
                k: v for k, v in record.items() if k is not None and v not in (None, "")
            }
            bad = next((k for k, v in raw.items() if isinstance(v, str) and _bad_utf8(v)), None)
            if bad is not None:
                yield number, None, FieldError(bad, "is not valid UTF-8", row=number)
                continue
            yield number, raw, None
    except csv.Error as exc:
        yield (
            reader.line_num,
            None,
            FieldError("(row)", f"malformed CSV: {exc}", row=reader.line_num),
        )


def _bad_utf8(text: str) -> bool:
    """surrogateescape turns each undecodable byte into U+DC80..U+DCFF."""
    return any("\udc80" <= ch <= "\udcff" for ch in text)
