"""`kefu import` for JSONL and CSV: per-row errors, good rows kept, re-import adds nothing."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from kefu.bootstrap import Kefu
from kefu.cli.main import app
from kefu.services.imports import import_file
from tests.factories import make_message


def write_jsonl(path: Path, lines: list[bytes]) -> Path:
    path.write_bytes(b"\n".join(lines) + b"\n")
    return path


def test_jsonl_keeps_good_rows_and_names_bad_ones(kefu: Kefu, tmp_path: Path) -> None:
    path = write_jsonl(
        tmp_path / "in.jsonl",
        [
            json.dumps(make_message(1)).encode(),
            b"{not json",
            json.dumps(make_message(3, buyer_country="Spain")).encode(),
            json.dumps(make_message(4, text="caf\u00e9")).encode()[:-3] + b'\xff"}',
            b"[1, 2]",
            json.dumps(make_message(6)).encode(),
        ],
    )
    report = import_file(path, kefu.uow(), kefu.clock)
    assert report.accepted == 2
    assert [(e.row, e.field) for e in report.errors] == [
        (2, "(line)"),
        (3, "buyer_country"),
        (4, "(line)"),
        (5, "(line)"),
    ]
    assert "UTF-8" in report.errors[2].reason
    again = import_file(path, kefu.uow(), kefu.clock)
    assert (again.accepted, again.duplicates) == (0, 2)


def test_csv_rows_are_numbered_as_a_spreadsheet_shows_them(kefu: Kefu, tmp_path: Path) -> None:
    path = tmp_path / "in.csv"
    path.write_text(
        "store,message_id,buyer_id,sent_at,text,attachments\n"
        'ali-global,c1,b-1,2026-11-20T08:00:00+08:00,"hola, ¿tienen talla M?",\n'
        "ali-global,c2,b-1,2026-11-20T08:05:00,sin zona,\n"
        'ali-global,c3,b-1,2026-11-20T08:06:00Z,"dos\nlíneas",https://x.test/a.jpg|https://x.test/b.jpg\n',
        encoding="utf-8",
    )
    report = import_file(path, kefu.uow(), kefu.clock)
    assert report.accepted == 2
    assert [(e.row, e.field) for e in report.errors] == [(3, "sent_at")]


def test_cli_import_prints_errors_and_exits_2(kefu: Kefu, tmp_path: Path) -> None:
    path = write_jsonl(
        tmp_path / "in.jsonl", [json.dumps(make_message(1)).encode(), b'{"store": 5}']
    )
    url = kefu.engine.url.render_as_string(hide_password=False)
    result = CliRunner().invoke(app, ["import", str(path), "--database-url", url, "--json"])
    assert result.exit_code == 2, result.output
    body = json.loads(result.stdout.strip().splitlines()[-1])
    assert body["accepted"] == 1
    assert {e["field"] for e in body["errors"]} >= {"message_id", "buyer_id", "sent_at"}


def test_cli_refuses_unknown_extension(kefu: Kefu, tmp_path: Path) -> None:
    path = tmp_path / "in.txt"
    path.write_text("x")
    result = CliRunner().invoke(
        app,
        [
            "import",
            str(path),
            "--database-url",
            kefu.engine.url.render_as_string(hide_password=False),
        ],
    )
    assert result.exit_code == 2
    assert "format" in result.output
