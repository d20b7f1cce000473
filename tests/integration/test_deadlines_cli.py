"""`kefu cases sweep` and `kefu bench deadlines` at a tiny size, on the test database
(PostgreSQL when KEFU_TEST_DATABASE_URL names one)."""

from __future__ import annotations

import json
import os
import re
from datetime import timedelta

from sqlalchemy import insert, select
from typer.testing import CliRunner

from kefu.adapters.db import tables as t
from kefu.bootstrap import Kefu
from kefu.cli.main import app
from tests.factories import NOW

LINE = re.compile(
    r"deadlines: (sqlite|postgresql), 300 cases \+ 300 conversations: board page 1 [\d.]+ ms "
    r"\(slowest case [\d.]+ ms\); sweep [\d.]+ ms \(30 timed out, \d+ breaches told\), "
    r"again [\d.]+ ms"
)


def test_the_sweep_command_times_out_an_unanswered_cancellation_once(kefu: Kefu) -> None:
    with kefu.engine.begin() as conn:
        store = conn.execute(select(t.Store.id).where(t.Store.code == "ebay-uk")).scalar_one()
        conn.execute(
            insert(t.Case).values(
                store_id=store,
                kind="cancellation",
                state="open",
                is_open=True,
                reason="changed_mind",
                description="",
                opened_at=NOW - timedelta(days=4),
                updated_at=NOW - timedelta(days=4),
                platform_due_at=NOW - timedelta(hours=1),
                platform_due_source="platform",
                platform_due_rule="ebay.cancellation.answer",
                paused_seconds=0,
                push_state="local",
                online_shipping=False,
                version=1,
            )
        )
    url = ["--database-url", kefu.settings.database_url]
    first = CliRunner().invoke(app, ["cases", "sweep", *url, "--json"])
    assert first.exit_code == 0, first.output
    assert json.loads(first.output) == {
        "timed_out": 1,
        "case_breaches": 1,
        "conversation_breaches": 0,
    }
    again = CliRunner().invoke(app, ["cases", "sweep", *url])
    assert again.exit_code == 0, again.output
    assert again.output.strip() == (
        "timed out: 0, case breaches told: 0, conversation breaches told: 0"
    )


def test_the_bench_ends_with_its_line_and_gives_json() -> None:
    url = os.environ.get("KEFU_TEST_DATABASE_URL")
    database = ["--database-url", url] if url else []
    command = ["bench", "deadlines", "--cases", "300", "--conversations", "300", *database]
    result = CliRunner().invoke(app, command)
    assert result.exit_code == 0, result.output
    assert LINE.fullmatch(result.output.strip().splitlines()[-1]), result.output[-500:]
    as_json = CliRunner().invoke(app, [*command, "--backlog", "--json"])
    assert as_json.exit_code == 0, as_json.output
    figures = json.loads(as_json.output.strip().splitlines()[-1])
    assert (figures["bench"], figures["cases"], figures["breaches"]) == (
        "deadlines",
        300,
        "all new",
    )
    assert figures["sweep"]["timed_out"] == 30
    assert figures["sweep"]["case_breaches"] > 0
