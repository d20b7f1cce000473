"""`kefu import FILE` streams the file and commits each chunk of rows on its own, so a big
import never holds the database's write lock for long and a crash costs one chunk."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pytest

from kefu.bootstrap import Kefu
from kefu.services import imports
from kefu.services.imports import import_file
from kefu.services.inbox import IngestReport
from tests.factories import make_message


def test_a_crash_keeps_the_chunks_before_it_and_a_rerun_finishes_the_file(
    kefu: Kefu, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "big.jsonl"
    path.write_text("".join(json.dumps(make_message(n)) + "\n" for n in range(1, 9)))
    monkeypatch.setattr(imports, "CHUNK_ROWS", 3)
    monkeypatch.setattr(Path, "read_bytes", lambda self: pytest.fail("read whole"))
    real = imports.ingest
    sizes: list[int] = []

    def crash_on_third(chunk: list[dict[str, Any]], *args: Any, **kw: Any) -> IngestReport:
        sizes.append(len(chunk))
        if len(sizes) == 3:
            raise RuntimeError("power cut")
        return real(chunk, *args, **kw)

    monkeypatch.setattr(imports, "ingest", crash_on_third)
    with pytest.raises(RuntimeError):
        import_file(path, kefu.uow(), kefu.clock)
    assert sizes == [3, 3, 2]

    monkeypatch.setattr(imports, "ingest", real)
    again = import_file(path, kefu.uow(), kefu.clock)
    assert (again.received, again.accepted, again.duplicates) == (8, 2, 6)


def test_csv_is_streamed_too(kefu: Kefu, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "in.csv"
    rows = [make_message(n) for n in (1, 2, 3)]
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    monkeypatch.setattr(imports, "CHUNK_ROWS", 2)
    monkeypatch.setattr(Path, "read_bytes", lambda self: pytest.fail("read whole"))
    report = import_file(path, kefu.uow(), kefu.clock)
    assert (report.accepted, report.errors) == (3, [])
