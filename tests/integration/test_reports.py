"""KPI report on a real database: rows from the read side, formulas from the domain."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

from typer.testing import CliRunner

from kefu.bootstrap import Kefu
from kefu.cli.main import app
from kefu.services import inbox
from kefu.services.reports import kpi_report
from tests.factories import NOW, acting, make_message

DECEMBER_10 = datetime(2026, 12, 10, tzinfo=UTC)


def test_kpis_from_stored_messages(kefu: Kefu) -> None:
    asked = NOW - timedelta(hours=30)
    inbox.ingest(
        [
            make_message(1, sent_at=asked.isoformat()),
            make_message(2, buyer_id="b-2", sent_at=asked.isoformat()),
            make_message(3, sent_at=(asked + timedelta(hours=2)).isoformat(), direction="shop"),
        ],
        kefu.uow(),
        kefu.clock,
    )
    report = kpi_report(
        kefu.uow(), start=date(2026, 11, 1), end=date(2026, 11, 30), now=DECEMBER_10
    )
    values = dict(report.rows())
    assert (values["messages_received"], values["messages_answered"], values["answered_24h"]) == (
        "2",
        "1",
        "1",
    )
    assert (values["buyers_served"], values["buyers_answered"]) == ("2", "1")
    assert values["reply_rate_24h"] == "0.5000"
    assert values["response_p50_hours"] == "2.00"


def test_final_only_stops_three_days_before_today(kefu: Kefu) -> None:
    report = kpi_report(
        kefu.uow(),
        start=date(2026, 8, 1),
        end=date(2026, 8, 31),
        now=datetime(2026, 8, 7, 12, 0, tzinfo=UTC),
        final_only=True,
    )
    assert report.end == date(2026, 8, 4)


def test_cli_prints_json_and_refuses_a_reversed_range(kefu: Kefu) -> None:
    url = kefu.engine.url.render_as_string(hide_password=False)
    inbox.ingest([make_message(1)], kefu.uow(), kefu.clock)
    result = CliRunner().invoke(
        app,
        [
            "report",
            "kpi",
            "--from",
            "2026-11-01",
            "--to",
            "2026-11-30",
            "--store",
            "ali-global",
            "--format",
            "json",
            "--database-url",
            url,
        ],
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["messages_received"] == 1
    reversed_range = CliRunner().invoke(
        app, ["report", "kpi", "--from", "2026-11-30", "--to", "2026-11-01", "--database-url", url]
    )
    assert reversed_range.exit_code == 2 and "before" in reversed_range.output


def test_cli_breaks_the_report_down_by_store_with_its_platform(kefu: Kefu) -> None:
    url = kefu.engine.url.render_as_string(hide_password=False)
    inbox.ingest([make_message(1), make_message(2, buyer_id="b-2")], kefu.uow(), kefu.clock)
    nov = ["--from", "2026-11-01", "--to", "2026-11-30", "--database-url", url]
    result = CliRunner().invoke(app, ["report", "kpi", *nov, "--by", "store", "--format", "json"])
    assert result.exit_code == 0, result.output
    rows = {row["store"]: row for row in json.loads(result.stdout)}
    assert rows["ali-global"]["platform"] == "aliexpress"
    assert (rows["ali-global"]["buyers_served"], rows["ebay-uk"]["buyers_served"]) == (2, 0)
    table = CliRunner().invoke(app, ["report", "kpi", *nov, "--by", "platform", "--format", "csv"])
    assert table.exit_code == 0 and "\naliexpress,2,0," in table.stdout


def test_cli_writes_the_reporting_facts_again(kefu: Kefu) -> None:
    url = kefu.engine.url.render_as_string(hide_password=False)
    inbox.ingest([make_message(1), make_message(2, buyer_id="b-2")], kefu.uow(), kefu.clock)
    args = ["db", "rebuild-facts", "--store", "ali-global", "--database-url", url]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0 and "for 2 conversations" in result.stdout, result.output


def test_resolution_time_of_closed_conversations(kefu: Kefu) -> None:
    from sqlalchemy import select

    from kefu.adapters.db import tables as t

    inbox.ingest([make_message(120)], kefu.uow(), kefu.clock)
    with kefu.session_factory() as session:
        conversation_id = session.scalars(select(t.Conversation.id)).one()
    inbox.close(acting(kefu, 1), conversation_id, uow=kefu.uow(), clock=kefu.clock)
    values = kpi_report(
        kefu.uow(), start=date(2026, 11, 1), end=date(2026, 11, 30), now=DECEMBER_10
    ).values()
    assert values["resolution_p50_hours"] == 2.0
