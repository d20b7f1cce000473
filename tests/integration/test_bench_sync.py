"""`kefu bench sync` at a tiny size: it syncs every message the sandbox holds (it fails
otherwise), ends with its one `sync: …` line, and gives the same figures as JSON
(docs/benchmarks.md). On the test database when KEFU_TEST_DATABASE_URL names one."""

from __future__ import annotations

import json
import os
import re

from typer.testing import CliRunner

from kefu.cli.main import app

LINE = re.compile(
    r"sync: (?P<messages>\d+) messages / (?P<conversations>\d+) conversations in [\d.]+ s, "
    r"[\d.]+ s of it the sandbox's = [\d,]+ msg/s of kefu's own \((sqlite|postgresql)\); "
    r"lag p95 [\d.]+ s over (?P<probes>\d+) messages at a 1 s interval"
)


def bench(*options: str) -> str:
    url = os.environ.get("KEFU_TEST_DATABASE_URL")
    database = ["--db", url] if url else []
    command = ["bench", "sync", "--conversations", "30", "--messages", "120", "--no-triage"]
    result = CliRunner().invoke(app, [*command, *database, *options])
    assert result.exit_code == 0, result.output
    return result.output


def test_the_bench_syncs_everything_and_ends_with_its_line() -> None:
    lines = bench("--lag-seconds", "3", "--interval", "1").strip().splitlines()
    found = LINE.fullmatch(lines[-1])
    assert found, lines[-1]
    assert (found["messages"], found["conversations"]) == ("120", "30")
    assert int(found["probes"]) >= 1  # buyers wrote during the 3 s, and each arrived


def test_the_bench_gives_its_figures_as_json() -> None:
    figures = json.loads(bench("--lag-seconds", "0", "--json").strip().splitlines()[-1])
    assert figures["bench"] == "sync"
    assert (figures["messages"], figures["conversations"]) == (120, 30)
    assert figures["messages_per_second"] > 0 and figures["requests"] > 3
    assert figures["lag_probes"] == 0 and figures["lag_p95_seconds"] is None
