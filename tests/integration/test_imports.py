"""`kefu import` for JSONL and CSV: per-row errors, good rows kept, re-import adds nothing."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import select
from typer.testing import CliRunner

from kefu.adapters.db import tables as t
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


def test_csv_and_jsonl_carry_automatic_replies_and_platform_notices(
    kefu: Kefu, tmp_path: Path
) -> None:
    csv_path = tmp_path / "history.csv"
    csv_path.write_text(
        "store,message_id,buyer_id,sent_at,text,direction,automatic,kind\n"
        "ali-global,h1,b-1,2026-11-20T08:00:00+08:00,hola,buyer,,\n"
        "ali-global,h2,b-1,2026-11-20T08:00:05+08:00,Welcome!,shop,Yes,\n"
        "ali-global,h3,b-1,2026-11-20T08:01:00+08:00,Order shipped,buyer,no,notice\n"
        "ali-global,h4,b-1,2026-11-20T08:02:00+08:00,hola?,buyer,1,\n"
        "ali-global,h5,b-1,2026-11-20T08:03:00+08:00,hmm,shop,perhaps,\n"
        "ali-global,h6,b-1,2026-11-20T08:04:00+08:00,x,buyer,,refund\n",
        encoding="utf-8",
    )
    report = import_file(csv_path, kefu.uow(), kefu.clock)
    assert report.accepted == 3
    assert [(e.row, e.field) for e in report.errors] == [
        (5, "automatic"),
        (6, "automatic"),
        (7, "kind"),
    ]
    jsonl = write_jsonl(
        tmp_path / "history.jsonl",
        [
            json.dumps(make_message(1, direction="shop", automatic=True)).encode(),
            json.dumps(make_message(2, kind="system", text="Dispute closed")).encode(),
            json.dumps(make_message(3, kind="notice", direction="shop", automatic=True)).encode(),
        ],
    )
    report = import_file(jsonl, kefu.uow(), kefu.clock)
    assert report.accepted == 2
    assert [(e.row, e.field) for e in report.errors] == [(3, "automatic")]
    with kefu.session_factory() as session:
        stored = {
            m.platform_message_id: (m.direction, m.is_automatic, m.kind)
            for m in session.scalars(select(t.Message))
        }
    assert stored == {
        "h1": ("buyer", False, None),
        "h2": ("shop", True, None),
        "h3": ("platform", False, "notice"),
        "m-1": ("shop", True, None),
        "m-2": ("platform", False, "system"),
    }
