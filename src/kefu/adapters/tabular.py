"""Reading the shop's files as rows of cells: CSV in any encoding and dialect Chinese ERPs
and Excel write, XLSX, and JSONL — streamed, so a million-row file takes flat memory.

The encoding comes from a byte-order mark, else UTF-8 if the sample decodes, else
charset-normalizer's best guess (GBK and GB2312 are read as GB18030, their superset); the
delimiter is whichever of , ; tab | the header line uses most.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, Any

from charset_normalizer import from_bytes

from kefu.domain.errors import FieldError
from kefu.services.ports import TableError, TableRow

FORMATS = ("csv", "xlsx", "jsonl")
SAMPLE_BYTES = 256 * 1024
MAX_CELL_CHARS = 100_000
MAX_COLUMNS = 500
_ALIASES = {"gb2312": "gb18030", "gbk": "gb18030", "hz": "gb18030", "ascii": "utf-8"}


def detect_format(name: str) -> str:
    suffix = Path(name).suffix.lower().lstrip(".")
    if suffix in ("csv", "txt", "tsv"):
        return "csv"
    if suffix in ("xlsx", "xlsm"):
        return "xlsx"
    if suffix in ("jsonl", "ndjson"):
        return "jsonl"
    raise TableError(f"{name}: cannot tell the format from its name; choose csv, xlsx or jsonl")


def open_table(
    path: Path, *, fmt: str | None = None, encoding: str | None = None, name: str | None = None
) -> Table:
    kind = fmt or detect_format(name or path.name)
    if kind == "csv":
        return CsvTable(path, encoding)
    if kind == "xlsx":
        return XlsxTable(path)
    if kind == "jsonl":
        return JsonlTable(path)
    raise TableError(f"unknown format {kind!r}; choose csv, xlsx or jsonl")


class Table:
    """A file's header and rows; `rows()` may be called once. Rows are numbered as a
    spreadsheet shows them (the header is row 1)."""

    columns: list[str]
    encoding: str | None = None
    delimiter: str | None = None

    def __init__(self, path: Path) -> None:
        self.path = path
        self.size = path.stat().st_size
        self._raw: IO[bytes] | None = None

    def position(self) -> int:
        """Bytes read so far (the progress bar's measure)."""
        return self._raw.tell() if self._raw is not None and not self._raw.closed else self.size

    def rows(self) -> Iterator[TableRow]:
        raise NotImplementedError

    def close(self) -> None:
        if self._raw is not None:
            self._raw.close()

    def __enter__(self) -> Table:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _header(cells: list[Any]) -> list[str]:
    """Empty headers get their position, repeated ones a number, so every column has a name."""
    if len(cells) > MAX_COLUMNS:
        raise TableError(f"the header has {len(cells)} columns; at most {MAX_COLUMNS}")
    names: list[str] = []
    for i, cell in enumerate(cells, start=1):
        name = str(cell).strip() if cell is not None else ""
        name = name or f"({i})"
        base, n = name, 2
        while name in names:
            name, n = f"{base} ({n})", n + 1
        names.append(name[:200])
    return names


def sniff_encoding(sample: bytes) -> str:
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    try:
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=False)
        return "utf-8"
    except UnicodeDecodeError:
        pass
    best = from_bytes(sample).best()
    if best is None:
        raise TableError("cannot tell the file's encoding; give it (utf-8, gb18030, big5…)")
    return _ALIASES.get(best.encoding, best.encoding)


def sniff_delimiter(header_line: str) -> str:
    counts = {d: header_line.count(d) for d in (",", ";", "\t", "|")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


class CsvTable(Table):
    def __init__(self, path: Path, encoding: str | None = None) -> None:
        super().__init__(path)
        with path.open("rb") as probe:
            sample = probe.read(SAMPLE_BYTES)
        try:
            self.encoding = codecs.lookup(encoding).name if encoding else sniff_encoding(sample)
        except LookupError:
            raise TableError(f"unknown encoding {encoding!r}") from None
        first = sample.decode(self.encoding, errors="replace").lstrip("\ufeff").splitlines()
        self.delimiter = sniff_delimiter(first[0] if first else "")
        self._raw = path.open("rb")
        self._text = io.TextIOWrapper(
            self._raw, encoding=self.encoding, errors="surrogateescape", newline=""
        )
        csv.field_size_limit(MAX_CELL_CHARS)
        self._reader = csv.reader(self._text, delimiter=self.delimiter)
        try:
            self.columns = self._head()
        except BaseException:
            self._text.close()  # a refused file leaves no open handle behind
            raise

    def _head(self) -> list[str]:
        try:
            head = next(self._reader, [])
        except csv.Error as exc:
            raise TableError(f"row 1: malformed CSV: {exc}") from None
        if head and head[0].startswith("\ufeff"):
            head[0] = head[0][1:]
        if not any(cell.strip() for cell in head):
            raise TableError("the file has no header row")
        return _header(head)

    def rows(self) -> Iterator[TableRow]:
        number = 1
        while True:
            number += 1
            try:
                record = next(self._reader)
            except StopIteration:
                return
            except csv.Error as exc:
                yield TableRow(number, {}, f"malformed CSV: {exc}")
                continue
            if not any(cell.strip() for cell in record):
                continue
            if len(record) > len(self.columns) and any(
                c.strip() for c in record[len(self.columns) :]
            ):
                yield TableRow(number, {}, "has more cells than the header")
                continue
            cells = dict(zip(self.columns, record, strict=False))
            bad = (
                next((c for c, v in cells.items() if _undecodable(v)), None)
                if _undecodable("".join(record))
                else None
            )
            if bad is not None:
                yield TableRow(number, {}, f"column {bad!r} is not valid {self.encoding}")
                continue
            yield TableRow(number, dict(cells), None)

    def close(self) -> None:
        self._text.close()


_ESCAPED = re.compile("[\udc80-\udcff]")


def _undecodable(text: str) -> bool:
    """surrogateescape turns each undecodable byte into U+DC80..U+DCFF."""
    return _ESCAPED.search(text) is not None


class XlsxTable(Table):
    """The first worksheet, read-only (openpyxl streams it); dates come as datetimes."""

    def __init__(self, path: Path) -> None:
        super().__init__(path)
        from openpyxl import load_workbook

        try:
            self._book = load_workbook(path, read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises zipfile, KeyError, InvalidFileException…
            raise TableError(f"not a readable XLSX workbook ({exc.__class__.__name__})") from None
        try:
            self.columns = self._head()
        except BaseException:
            self._book.close()  # a refused file leaves no open handle behind
            raise

    def _head(self) -> list[str]:
        if not self._book.worksheets:
            raise TableError("the workbook has no worksheet")
        sheet = self._book.worksheets[0]
        self.total_rows = sheet.max_row
        self._rows = sheet.iter_rows(values_only=True)
        self._done = 0
        head: tuple[Any, ...] = ()
        for head in self._rows:
            self._done += 1
            if any(cell not in (None, "") for cell in head):
                break
        else:
            raise TableError("the worksheet has no header row")
        return _header(list(head))

    def position(self) -> int:
        if not self.total_rows:
            return 0
        return int(self.size * min(1.0, self._done / self.total_rows))

    def rows(self) -> Iterator[TableRow]:
        for values in self._rows:
            self._done += 1
            if not any(v not in (None, "") for v in values):
                continue
            if len(values) > len(self.columns) and any(
                v not in (None, "") for v in values[len(self.columns) :]
            ):
                yield TableRow(self._done, {}, "has more cells than the header")
                continue
            yield TableRow(self._done, dict(zip(self.columns, values, strict=False)), None)

    def close(self) -> None:
        self._book.close()


class JsonlTable(Table):
    """One JSON object per line; its keys are the columns (the first object's name them)."""

    def __init__(self, path: Path) -> None:
        super().__init__(path)
        self._raw = path.open("rb")
        self._first: TableRow | None = None
        self.columns = []
        self._lines = self._read()
        for row in self._lines:
            self._first = row
            self.columns = list(row.cells)[:MAX_COLUMNS]
            break

    def _read(self) -> Iterator[TableRow]:
        assert self._raw is not None  # noqa: S101
        for number, line in enumerate(self._raw, start=1):
            if not line.strip():
                continue
            try:
                value = json.loads(line.decode("utf-8-sig" if number == 1 else "utf-8"))
            except UnicodeDecodeError:
                yield TableRow(number, {}, "is not valid UTF-8")
                continue
            except json.JSONDecodeError as exc:
                yield TableRow(number, {}, f"malformed JSON at column {exc.colno}: {exc.msg}")
                continue
            if not isinstance(value, dict):
                yield TableRow(number, {}, "must be a JSON object")
                continue
            yield TableRow(number, value, None)

    def rows(self) -> Iterator[TableRow]:
        if self._first is not None:
            yield self._first
        yield from self._lines


# A cell a spreadsheet would run as a formula (CSV injection) is written as text.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def write_error_csv(errors: Iterable[FieldError], handle: IO[str]) -> int:
    """Row errors as CSV (row, field, reason, value), formulas defused; how many rows."""
    writer = csv.writer(handle)
    writer.writerow(["row", "field", "reason", "value"])
    count = 0
    for e in errors:
        writer.writerow(["" if e.row is None else e.row, e.field, e.reason, safe_cell(e.value)])
        count += 1
    return count
