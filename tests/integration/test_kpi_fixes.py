"""The four KPI defects of issue 20's cross-check, on a real database: a fact's day after a
store's zone changed, T+3 on each store's calendar, undelivered replies, and the two
readings of conversion and guided GMV (docs/kpis.md)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from fastapi.testclient import TestClient
from sqlalchemy import insert, select, update
from typer.testing import CliRunner

from kefu.adapters.db import tables as t
from kefu.bootstrap import Kefu
from kefu.cli.main import app
from kefu.domain.kpis import Kpis
from kefu.services import inbox, shop
from kefu.services.reports import kpi_breakdowns, kpi_dashboard, kpi_report
from tests.factories import NOW, acting, make_message
from tests.integration.test_api import first_id
from tests.integration.test_kpi_facts import facts, ids, ingest, raw, reply
from tests.web import signed_in

# 07:30 UTC on 5 November: 23:30 on the 4th in Los Angeles, 15:30 on the 5th in Shanghai.
EDGE = datetime(2026, 11, 5, 7, 30, tzinfo=UTC)
NOV_4, NOV_5 = date(2026, 11, 4), date(2026, 11, 5)


def days_of(kefu: Kefu, store: str) -> dict[date, int]:
    with kefu.uow() as uow:
        counts = uow.queries.kpi_counts(NOV_4, NOV_5, store, None, by="day")
    return {day: k.messages_received for day, k in counts.items() if isinstance(day, date)}


def test_rebuild_facts_moves_each_fact_to_its_day_in_the_stores_new_zone(kefu: Kefu) -> None:
    ingest(kefu, [raw("amazon-us", "z-1", 1, EDGE), raw("ali-global", "z-2", 1, EDGE)])
    assert days_of(kefu, "amazon-us") == {NOV_4: 1}
    # The zone changed behind kefu's back (an older release, a hand-edited row).
    with kefu.session_factory() as s:
        s.execute(
            update(t.Store).where(t.Store.code == "amazon-us").values(timezone="Asia/Shanghai")
        )
        s.commit()
    assert days_of(kefu, "amazon-us") == {NOV_4: 1}  # stale until the facts are rebuilt
    url = kefu.engine.url.render_as_string(hide_password=False)
    result = CliRunner().invoke(
        app, ["db", "rebuild-facts", "--store", "amazon-us", "--database-url", url]
    )
    assert result.exit_code == 0, result.output
    assert "for 1 conversations" in result.output
    assert days_of(kefu, "amazon-us") == {NOV_5: 1}
    assert days_of(kefu, "ali-global") == {NOV_5: 1}


def test_changing_a_stores_zone_in_the_shop_settings_rebuilds_its_facts(kefu: Kefu) -> None:
    ingest(kefu, [raw("amazon-us", "z-1", 1, EDGE), raw("ali-global", "z-2", 1, EDGE)])
    others = [f for f in facts(kefu) if f["conversation_id"] == ids(kefu)[1]["z-2"]]
    changed = shop.update_store(
        acting(kefu),
        "amazon-us",
        name="Sunrise Home · Amazon US",
        timezone="Asia/Shanghai",
        uow=kefu.uow(),
        clock=kefu.clock,
    )
    assert changed.timezone == "Asia/Shanghai"
    assert days_of(kefu, "amazon-us") == {NOV_5: 1}
    assert [f for f in facts(kefu) if f["conversation_id"] == ids(kefu)[1]["z-2"]] == others
    # Back to Los Angeles: back to the 4th, in the same use case.
    shop.update_store(
        acting(kefu),
        "amazon-us",
        name="Sunrise Home · Amazon US",
        timezone="America/Los_Angeles",
        uow=kefu.uow(),
        clock=kefu.clock,
    )
    assert days_of(kefu, "amazon-us") == {NOV_4: 1}


def final_end(kefu: Kefu, now: datetime, store: str | None) -> date:
    start = date(2026, 11, 20)
    report = kpi_report(
        kefu.uow(), start=start, end=date(2026, 12, 31), now=now, store=store, final_only=True
    )
    breakdowns_end = kpi_dashboard(
        kefu.uow(), start=start, end=date(2026, 12, 31), now=now, store=store, final_only=True
    ).current.end
    assert breakdowns_end == report.end  # the dashboard stops on the same day
    return report.end


def test_final_data_stops_three_days_before_each_stores_own_today(kefu: Kefu) -> None:
    # 02:00 UTC on 7 December: the 7th in UTC and Shanghai, 18:00 on the 6th in LA.
    morning = datetime(2026, 12, 7, 2, 0, tzinfo=UTC)
    assert final_end(kefu, morning, "amazon-us") == date(2026, 12, 3)
    assert final_end(kefu, morning, "ali-global") == date(2026, 12, 4)
    assert final_end(kefu, morning, None) == date(2026, 12, 3)  # final in every store
    # Hour by hour from midnight UTC: the LA store's last final day moves at 08:00 UTC
    # (its midnight) only.
    hours = [datetime(2026, 12, 7, h, 0, tzinfo=UTC) for h in range(0, 12)]
    ends = [final_end(kefu, at, "amazon-us") for at in hours]
    assert len(ends) == 12
    assert ends == [date(2026, 12, 3)] * 8 + [date(2026, 12, 4)] * 4
    breakdowns = kpi_breakdowns(
        kefu.uow(),
        start=date(2026, 12, 4),
        end=date(2026, 12, 31),
        now=morning,
        store="amazon-us",
        final_only=True,
    )
    assert [code for code, _ in breakdowns.by_store] == ["amazon-us"]


def test_a_reply_answers_when_the_platform_confirmed_it_and_undelivered_ones_show_apart(
    kefu: Kefu,
) -> None:
    t0 = datetime(2026, 11, 3, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai
    ingest(
        kefu,
        [
            raw("ali-global", "d-never", 1, t0),
            raw("ali-global", "d-late", 1, t0),
            raw("ali-global", "d-failed", 1, t0),
            # A reply imported from the platform is there already: it counts at its time.
            raw("ali-global", "d-imported", 1, t0),
            raw("ali-global", "d-imported", 2, t0 + timedelta(hours=2), shop=True),
        ],
    )
    _, convs, accounts = ids(kefu)
    for conv in ("d-never", "d-late", "d-failed"):
        inbox.assign(acting(kefu), convs[conv], accounts["lina"], uow=kefu.uow(), clock=kefu.clock)
    written = t0 + timedelta(hours=1)
    reply(kefu, convs["d-never"], written, delivered=None)
    late = reply(kefu, convs["d-late"], written, delivered=None)
    failed = reply(kefu, convs["d-failed"], written, delivered=None)
    with kefu.uow() as uow:
        uow.replies.mark_retry(failed, "the platform refused it", None, 8)
        uow.commit()

    def report() -> Kpis:
        return kpi_report(kefu.uow(), start=date(2026, 11, 1), end=date(2026, 11, 10), now=NOW).kpis

    before = report()
    assert (before.messages_received, before.messages_answered, before.answered_24h) == (4, 1, 1)
    assert before.undelivered_replies == 3
    assert before.response_seconds == [2 * 3600.0]  # the imported reply, at its own time
    # The platform confirms one 30 hours after it was written: answered then, not in 24 h.
    with kefu.uow() as uow:
        uow.replies.mark_delivered(late, "ext-late", written + timedelta(hours=30))
        uow.commit()
    after = report()
    assert (after.messages_answered, after.answered_24h, after.undelivered_replies) == (2, 1, 2)
    assert sorted(after.response_seconds) == [2 * 3600.0, 31 * 3600.0]
    # Shown apart per store and per agent (the conversation's holder, as every count).
    breakdowns = kpi_breakdowns(
        kefu.uow(), start=date(2026, 11, 1), end=date(2026, 11, 10), now=NOW
    )
    by_store = {code: k.undelivered_replies for code, k in breakdowns.by_store}
    assert by_store["ali-global"] == 2 and sum(by_store.values()) == 2
    by_agent = {name: k.undelivered_replies for name, k in breakdowns.by_agent}
    assert by_agent["lina"] == 2 and sum(by_agent.values()) == 2
    # A rebuild from the stored messages gives the same facts.
    snapshot = facts(kefu)
    kefu.rebuild_kpi_facts()
    assert facts(kefu) == snapshot


def test_a_buyer_message_that_came_while_the_reply_was_on_its_way_is_answered_by_it(
    kefu: Kefu,
) -> None:
    t0 = datetime(2026, 11, 3, 2, 0, tzinfo=UTC)
    ingest(kefu, [raw("ali-global", "w-1", 1, t0)])
    conv = ids(kefu)[1]["w-1"]
    message = reply(kefu, conv, t0 + timedelta(hours=1), delivered=None)
    ingest(kefu, [raw("ali-global", "w-1", 2, t0 + timedelta(hours=2))])
    with kefu.uow() as uow:
        uow.replies.mark_delivered(message, "ext-1", t0 + timedelta(hours=3))
        uow.commit()
    answers = sorted((f["sent_at"], f["answer_seconds"]) for f in facts(kefu))
    assert answers == [(t0, 3 * 3600.0), (t0 + timedelta(hours=2), 3600.0)]
    snapshot = facts(kefu)
    kefu.rebuild_kpi_facts()
    assert facts(kefu) == snapshot


def test_a_late_import_from_before_the_confirmation_is_answered_by_the_reply(kefu: Kefu) -> None:
    """The buyer's message of 03:00 reaches kefu after the reply written at 02:00 was
    confirmed at 04:00: the reply reached the buyer after it, so it answers it."""
    t0 = datetime(2026, 11, 3, 1, 0, tzinfo=UTC)
    ingest(kefu, [raw("ali-global", "l-1", 1, t0)])
    conv = ids(kefu)[1]["l-1"]
    reply(kefu, conv, t0 + timedelta(hours=1), delivered=timedelta(hours=2))
    ingest(kefu, [raw("ali-global", "l-1", 2, t0 + timedelta(hours=2))])
    answers = sorted((f["sent_at"], f["answer_seconds"]) for f in facts(kefu))
    assert answers == [(t0, 3 * 3600.0), (t0 + timedelta(hours=2), 3600.0)]
    snapshot = facts(kefu)
    kefu.rebuild_kpi_facts()
    assert facts(kefu) == snapshot


def test_the_dashboard_shows_both_readings_of_conversion_with_their_meaning(kefu: Kefu) -> None:
    """One buyer asks on 3 and 4 November, answered at once, and pays 19.40 once: the
    range's reading counts 19.40, the per-day one 38.80."""
    t0 = datetime(2026, 11, 3, 2, 0, tzinfo=UTC)
    ingest(
        kefu,
        [
            raw("ali-global", "c-1", 1, t0, buyer="c-buyer"),
            raw("ali-global", "c-1", 2, t0 + timedelta(minutes=5), shop=True, buyer="c-buyer"),
            raw("ali-global", "c-1", 3, t0 + timedelta(days=1), buyer="c-buyer"),
            raw(
                "ali-global",
                "c-1",
                4,
                t0 + timedelta(days=1, minutes=5),
                shop=True,
                buyer="c-buyer",
            ),
        ],
    )
    stores, _, _ = ids(kefu)
    with kefu.session_factory() as s:
        buyer = s.scalar(
            select(t.BuyerIdentity.buyer_id).where(t.BuyerIdentity.platform_buyer_id == "c-buyer")
        )
        paid = t0 + timedelta(hours=30)
        s.execute(
            insert(t.Order).values(
                store_id=stores["ali-global"],
                buyer_id=buyer,
                order_number="C-1",
                status="paid",
                total_cents=19_40,
                total_usd_cents=19_40,
                placed_at=paid,
                paid_at=paid,
            )
        )
        s.commit()
    values = kpi_report(
        kefu.uow(), start=date(2026, 11, 1), end=date(2026, 11, 10), now=NOW
    ).values()
    assert (values["guided_gmv_usd"], values["inquiry_conversion"]) == (19.40, 1.0)
    assert (values["daily_guided_gmv_usd"], values["daily_inquiry_conversion"]) == (38.80, 1.0)


def test_the_page_api_and_downloads_show_the_readings_and_undelivered_replies(
    kefu: Kefu,
) -> None:
    with signed_in(kefu) as client:
        _page_api_and_downloads(client)


def _page_api_and_downloads(client: TestClient) -> None:
    client.post("/api/v1/messages", json=[make_message(1), make_message(2, buyer_id="b-9")])
    cid = first_id(client)
    assert client.post(
        f"/api/v1/conversations/{cid}/replies", json={"text": "On its way", "request_id": "u-1"}
    ).is_success
    week = {"from": "2026-11-14", "to": "2026-11-20"}
    body = client.get("/api/v1/reports/kpi", params=week).json()
    assert body["metrics"]["undelivered_replies"] == 1  # the outbox has not sent it
    assert body["by_store"]["ali-global"]["undelivered_replies"] == 1
    assert {"daily_inquiry_conversion", "daily_guided_gmv_usd"} <= set(body["metrics"])
    page = client.get("/reports", params=week)
    assert page.status_code == 200
    assert 'data-testid="conversion-readings"' in page.text
    assert "两种口径" in page.text and "按天计算，各天相加" in page.text
    assert "未送达的回复" in page.text
    client.cookies.set("kefu_locale", "en")
    english = client.get("/reports", params=week)
    assert "Two readings of inquiry conversion and guided GMV" in english.text
    assert "Replies not delivered" in english.text
    csv_file = client.get("/reports/kpi.csv", params=week).text
    assert "undelivered_replies,1,0" in csv_file
    assert "daily_inquiry_conversion," in csv_file
