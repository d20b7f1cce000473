"""`kefu search reindex` and `kefu bench search` at a tiny size, on the test database
(PostgreSQL when KEFU_TEST_DATABASE_URL names one)."""

from __future__ import annotations

import json
import os
import re

from typer.testing import CliRunner

from kefu.bootstrap import Kefu
from kefu.cli.main import app
from kefu.services import inbox
from tests.factories import make_message

LINE = re.compile(
    r"search: (sqlite|postgresql), (?P<messages>\d+) messages, 200 mixed queries: "
    r"p50 [\d.]+ ms p95 [\d.]+ ms \(target p95 < 50 ms; first pass p95 [\d.]+ ms\); "
    r"agent p95 [\d.]+ ms"
)


def test_reindex_indexes_every_message_with_progress(kefu: Kefu) -> None:
    inbox.ingest([make_message(n) for n in range(1, 4)], kefu.uow(), kefu.clock)
    url = ["--database-url", kefu.settings.database_url]
    result = CliRunner().invoke(app, ["search", "reindex", *url])
    assert result.exit_code == 0, result.output
    assert result.output.strip().splitlines()[-1] == "search index rebuilt: 3 messages"


def test_the_bench_ends_with_its_line_and_gives_json() -> None:
    url = os.environ.get("KEFU_TEST_DATABASE_URL")
    database = ["--database-url", url] if url else []
    command = ["bench", "search", "--messages", "3000", *database]
    result = CliRunner().invoke(app, command)
    assert result.exit_code == 0, result.output
    found = LINE.fullmatch(result.output.strip().splitlines()[-1])
    assert found and found["messages"] == "3000", result.output[-500:]
    as_json = CliRunner().invoke(app, [*command, "--json"])
    figures = json.loads(as_json.output.strip().splitlines()[-1])
    assert figures["queries"] == 200 and figures["translations"] == 1500
