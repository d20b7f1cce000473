"""Reporting facts on a real database: written by ingest, replies, assignment and the bulk
fill; the report read from them equals `domain.kpis.compute` on the plain rows."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any, cast
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, insert, select

from kefu.adapters.db import tables as t
from kefu.adapters.holidays import public_holidays
from kefu.bootstrap import Kefu
from kefu.domain.autoreply import AutoReplySettings, ContentKind, KeywordReply
from kefu.domain.calendar import WorkingHours
from kefu.domain.kpis import Kpis, MessageRow, PaymentRow, answer_instant, compute
from kefu.domain.shopfacts import ShopFacts
from kefu.services import inbox
from kefu.services.ports import KpiBreakdown
from kefu.services.reports import kpi_breakdowns, kpi_report
from tests.factories import NOW, acting, make_message
from tests.fakes import FixedClock

STORES = ("ali-global", "ali-ru", "amazon-us", "ebay-uk", "wish-global")
KEYWORDS = (
    KeywordReply("coupon", ContentKind.COUPON, "SAVE10"),
    KeywordReply("size chart", ContentKind.TEXT, "See the size chart on the product page."),
    KeywordReply("tracking", ContentKind.TEXT, "Tracking pauses while the parcel flies."),
)
# ebay-uk keeps British holidays and closes on Wednesday 4 November as well.
UK_FACTS = ShopFacts(holiday_country="GB", extra_holidays=(date(2026, 11, 4),))
ZERO = timedelta(0)
RANGES = (
    (date(2026, 10, 20), date(2026, 11, 20)),
    (date(2026, 11, 1), date(2026, 11, 10)),
    (date(2026, 11, 4), date(2026, 11, 4)),
    (date(2026, 11, 11), date(2026, 11, 20)),
    (date(2026, 9, 1), date(2026, 9, 30)),
)


def raw(store: str, conv: str, n: int, at: datetime, *, shop: bool = False, **extra: Any) -> Any:
    return make_message(
        store=store,
        message_id=f"{conv}-{n}",
        conversation_id=conv,
        buyer_id=extra.pop("buyer", f"{conv}-buyer"),
        sent_at=at.isoformat(),
        direction="shop" if shop else "buyer",
        **extra,
    )


def ingest(kefu: Kefu, rows: list[Any], at: datetime = NOW, *, auto: bool = False) -> None:
    report = inbox.ingest(
        rows, kefu.uow(), FixedClock(at), auto_replier=kefu.auto_replier if auto else None
    )
    assert not report.errors, report.errors


def ids(kefu: Kefu) -> tuple[dict[str, int], dict[str, int], dict[str, int]]:
    """Store, conversation and account ids by code, platform id and username."""
    with kefu.session_factory() as s:
        return (
            dict(s.execute(select(t.Store.code, t.Store.id)).all()),
            dict(
                s.execute(select(t.Conversation.platform_conversation_id, t.Conversation.id)).all()
            ),
            dict(s.execute(select(t.Account.username, t.Account.id)).all()),
        )


def configure_stores(kefu: Kefu) -> None:
    """A second AliExpress store (Moscow time), ebay-uk's holidays, ali-global's automatic
    replies."""
    with kefu.session_factory() as s:
        s.add(
            t.Store(
                organisation_id=s.scalars(select(t.Organisation.id)).one(),
                code="ali-ru",
                name="Sunrise · AliExpress RU",
                platform="aliexpress",
                site="ru",
                timezone="Europe/Moscow",
                created_at=NOW,
            )
        )
        s.commit()
    stores, _, _ = ids(kefu)
    with kefu.uow() as uow:  # the team works on the new store too
        for account in uow.auth.accounts():
            uow.auth.set_stores(account.id, stores.values())
        uow.commit()
    with kefu.uow() as uow:
        uow.replies.save_facts(stores["ebay-uk"], UK_FACTS, NOW)
        uow.replies.save_auto_replies(
            stores["ali-global"], AutoReplySettings(welcome_enabled=True, keywords=KEYWORDS), NOW
        )
        uow.commit()


def worked_cases(kefu: Kefu) -> None:
    """docs/kpis.md's cases, around 3-5 November 2026."""
    t0 = datetime(2026, 11, 3, 2, 0, tzinfo=UTC)  # Tuesday 10:00 in Shanghai
    ingest(
        kefu,
        [
            # 47 h and 49 h answers.
            raw("ali-global", "w-47", 1, t0),
            raw("ali-global", "w-47", 2, t0 + timedelta(hours=47), shop=True),
            raw("ali-global", "w-49", 1, t0),
            raw("ali-global", "w-49", 2, t0 + timedelta(hours=49), shop=True),
            # 23:00 on 10 November in Shanghai, answered 20 h later (after a 1-10 range).
            raw("ali-global", "w-late", 1, datetime(2026, 11, 10, 15, 0, tzinfo=UTC)),
            raw("ali-global", "w-late", 2, datetime(2026, 11, 11, 11, 0, tzinfo=UTC), shop=True),
            # 07:30 UTC on 5 November: the 5th in Shanghai, 23:30 on the 4th in Los Angeles,
            # and an hour later: past midnight in Los Angeles, the same day in Shanghai.
            raw("ali-global", "w-zone-sh", 1, datetime(2026, 11, 5, 7, 30, tzinfo=UTC)),
            raw("ali-global", "w-zone-sh", 2, datetime(2026, 11, 5, 8, 30, tzinfo=UTC)),
            raw("amazon-us", "w-zone-la", 1, datetime(2026, 11, 5, 7, 30, tzinfo=UTC)),
            raw("amazon-us", "w-zone-la", 2, datetime(2026, 11, 5, 8, 30, tzinfo=UTC)),
            # 23:30 in Shanghai (15:30 UTC) and 00:30 the next day.
            raw("ali-global", "w-midnight", 1, datetime(2026, 11, 6, 15, 30, tzinfo=UTC)),
            raw("ali-global", "w-midnight", 2, datetime(2026, 11, 6, 16, 30, tzinfo=UTC)),
            # ebay-uk: asked Tuesday 3 November 17:00 Beijing time, answered Thursday 10:00;
            # Wednesday is the store's holiday, so 1 + 1 working hours.
            raw("ebay-uk", "w-holiday", 1, datetime(2026, 11, 3, 9, 0, tzinfo=UTC)),
            raw("ebay-uk", "w-holiday", 2, datetime(2026, 11, 5, 2, 0, tzinfo=UTC), shop=True),
        ],
    )
    # A welcome within seconds (automatic, not an answer), then a person after 30 h.
    ingest(kefu, [raw("ali-global", "w-auto", 1, t0, text="hello")], t0, auto=True)
    _, convs, _ = ids(kefu)
    reply(kefu, convs["w-auto"], t0 + timedelta(hours=30))


def reply(
    kefu: Kefu, conversation_id: int, at: datetime, *, delivered: timedelta | None = ZERO
) -> int:
    """A person's reply written at `at`, which the platform confirms `delivered` later
    (None: never); its message id."""
    assert inbox.reply(
        acting(kefu),
        conversation_id,
        "Thank you, we are on it.",
        request_id=f"r-{conversation_id}-{at.timestamp()}",
        uow=kefu.uow(),
        clock=FixedClock(at),
        gate=kefu.gate,
    )
    with kefu.session_factory() as s:
        message_id = s.scalars(
            select(t.Message.id)
            .where(t.Message.conversation_id == conversation_id, t.Message.direction == "shop")
            .order_by(t.Message.id.desc())
            .limit(1)
        ).one()
    if delivered is not None:
        with kefu.uow() as uow:
            uow.replies.mark_delivered(message_id, f"ext-{message_id}", at + delivered)
            uow.commit()
    return message_id


def varied(kefu: Kefu, seed: int = 11) -> None:
    """Conversations in four stores arriving out of order, platform and kefu replies,
    automatic replies, hand-overs between agents, payments near the first inquiries."""
    rng = random.Random(seed)
    rows: list[Any] = []
    first_at: dict[str, tuple[str, str, datetime]] = {}
    for n in range(60):
        store, conv = rng.choice(STORES), f"v-{n}"
        buyer = f"vb-{rng.randrange(12)}"
        at = datetime(2026, 10, 22, tzinfo=UTC) + timedelta(minutes=rng.uniform(0, 40_000))
        first_at.setdefault(conv, (store, buyer, at))
        for i in range(rng.randint(1, 8)):
            shop = i > 0 and rng.random() < 0.4
            rows.append(raw(store, conv, i, at, shop=shop, buyer=buyer))
            # Gaps around the 24 h and 48 h edges, and a few at the same instant.
            hours = rng.choice((0, 0.01, 0.5, 3, 23.9, 24.1, 47.5, 48.5, 60))
            at += timedelta(hours=hours * rng.uniform(0.95, 1.05))
            if at > NOW:
                break
    rng.shuffle(rows)
    for start in range(0, len(rows), 40):
        ingest(kefu, rows[start : start + 40])
    _, convs, accounts = ids(kefu)
    agents = [accounts[name] for name in ("lina", "wangwei", "zhangmin", "chenjie")]
    for n in range(0, 60, 3):
        inbox.assign(
            acting(kefu), convs[f"v-{n}"], rng.choice(agents), uow=kefu.uow(), clock=kefu.clock
        )
    # kefu replies (people) at later times, some after the buyer's next messages.
    for n in range(1, 60, 4):
        store, _, began = first_at[f"v-{n}"]
        reply(kefu, convs[f"v-{n}"], began + timedelta(hours=rng.uniform(0.1, 70)))
    # Live buyer messages get automatic replies (ali-global: welcome and keywords).
    for n in range(8):
        at = datetime(2026, 11, 2, tzinfo=UTC) + timedelta(hours=37 * n)
        text = rng.choice(("coupon please", "where is my tracking", "hi"))
        ingest(kefu, [raw("ali-global", f"live-{n}", 0, at, text=text)], at, auto=True)
        if n % 2:
            reply(kefu, ids(kefu)[1][f"live-{n}"], at + timedelta(hours=n * 7))
    # Agents hand conversations over after their facts exist.
    for n in range(0, 60, 6):
        inbox.assign(acting(kefu), convs[f"v-{n}"], None, uow=kefu.uow(), clock=kefu.clock)
    payments(kefu, rng, first_at)


def payments(kefu: Kefu, rng: random.Random, first: dict[str, tuple[str, str, datetime]]) -> None:
    """Orders paid 47 h, 49 h or a random time after some buyers' first message."""
    stores, _, _ = ids(kefu)
    with kefu.session_factory() as s:
        i = t.BuyerIdentity
        buyers = {
            (r.store_id, r.platform_buyer_id): r.buyer_id
            for r in s.execute(select(i.store_id, i.platform_buyer_id, i.buyer_id))
        }
        rows = []
        for n, (store, buyer, at) in enumerate(first.values()):
            for k, hours in enumerate(rng.sample((-1, 1, 47, 49, 100, 300), 2)):
                paid = at + timedelta(hours=hours)
                rows.append(
                    {
                        "store_id": stores[store],
                        "buyer_id": buyers[(stores[store], buyer)],
                        "order_number": f"P-{n}-{k}",
                        "status": "paid",
                        "total_cents": (cents := rng.randrange(100, 9000)),
                        "total_usd_cents": cents,
                        "placed_at": paid,
                        "paid_at": paid,
                    }
                )
        s.execute(insert(t.Order), rows)
        s.commit()


def plain_rows(kefu: Kefu) -> tuple[list[MessageRow], list[PaymentRow], dict[int, ZoneInfo]]:
    """What `compute` works on, straight from the messages and orders."""
    c, m = t.Conversation, t.Message
    with kefu.session_factory() as s:
        found = s.execute(
            select(
                m.conversation_id,
                c.store_id,
                c.buyer_id,
                m.sent_at,
                m.direction,
                m.is_automatic,
                m.delivery_status,
                m.delivered_at,
                c.assignee_id,
            ).join(c, c.id == m.conversation_id)
        ).all()
        messages = [
            MessageRow(
                r.conversation_id,
                r.store_id,
                r.buyer_id,
                at,
                r.direction == "buyer",
                r.is_automatic,
                r.assignee_id,
            )
            for r in found
            # A person's reply counts when the platform confirmed it, if ever.
            if (at := counted_at(r)) is not None
        ]
        paid = [
            PaymentRow(r.store_id, r.buyer_id, r.paid_at, r.total_usd_cents)
            for r in s.execute(select(t.Order).where(t.Order.paid_at.is_not(None))).scalars()
            if r.paid_at is not None
        ]
        zones = {r.id: ZoneInfo(r.timezone) for r in s.execute(select(t.Store)).scalars()}
    return messages, paid, zones


def counted_at(r: Any) -> datetime | None:
    if r.direction == "buyer" or r.is_automatic:
        return cast(datetime, r.sent_at)
    return answer_instant(r.sent_at, r.delivery_status, r.delivered_at)


def store_hours(kefu: Kefu) -> dict[int, WorkingHours]:
    """The hours the facts were written with: SPEC §5's by default, ebay-uk's own."""
    stores, _, _ = ids(kefu)
    out = {}
    for code, sid in stores.items():
        facts = UK_FACTS if code == "ebay-uk" else ShopFacts()
        out[sid] = facts.working_hours(public_holidays(facts.holiday_country, 2026))
    return out


def from_facts(kefu: Kefu, start: date, end: date, **scope: str) -> Kpis:
    store, agent = scope.get("store"), scope.get("agent")
    with kefu.uow() as uow:
        k = uow.queries.kpi_counts(start, end, store, agent).get(None, Kpis())
        k.response_seconds, k.response_working_seconds = uow.queries.response_waits(
            start, end, store, agent
        )
    return k


def sorted_waits(k: Kpis) -> Kpis:
    return replace(
        k,
        response_seconds=sorted(k.response_seconds),
        response_working_seconds=sorted(k.response_working_seconds),
    )


def counts_only(k: Kpis) -> Kpis:
    return replace(k, response_seconds=[], response_working_seconds=[])


@pytest.fixture
def shop(kefu: Kefu) -> Kefu:
    configure_stores(kefu)
    worked_cases(kefu)
    varied(kefu)
    kefu.fill_synthetic_inbox(30, 6, seed=5, orders=60)  # the bulk path writes facts too
    return kefu


def test_facts_give_what_compute_gives_on_the_plain_rows(shop: Kefu) -> None:
    messages, paid, zones = plain_rows(shop)
    hours = store_hours(shop)
    stores, _, accounts = ids(shop)
    assert any(m.automatic for m in messages) and len(messages) > 400
    for start, end in RANGES:
        expected = compute(messages, paid, start=start, end=end, zones=zones, hours=hours)
        assert sorted_waits(from_facts(shop, start, end)) == sorted_waits(expected), (start, end)
        for code, sid in stores.items():
            rows = [m for m in messages if m.store_id == sid]
            own = [p for p in paid if p.store_id == sid]
            expected = compute(rows, own, start=start, end=end, zones=zones, hours=hours)
            assert sorted_waits(from_facts(shop, start, end, store=code)) == sorted_waits(expected)
        for name, aid in accounts.items():
            rows = [m for m in messages if m.agent_id == aid]
            expected = compute(rows, paid, start=start, end=end, zones=zones, hours=hours)
            assert sorted_waits(from_facts(shop, start, end, agent=name)) == sorted_waits(expected)


@pytest.mark.parametrize("by", ["day", "store", "agent"])
def test_breakdowns_give_what_compute_gives_per_group(shop: Kefu, by: KpiBreakdown) -> None:
    messages, paid, zones = plain_rows(shop)
    start, end = RANGES[1]
    with shop.uow() as uow:
        got = uow.queries.kpi_counts(start, end, None, None, by=by)
    if by == "day":
        for day in (start + timedelta(days=i) for i in range((end - start).days + 1)):
            expected = compute(messages, paid, start=day, end=day, zones=zones)
            assert got.get(day, Kpis()) == counts_only(expected), day
        return
    for group in {m.store_id if by == "store" else m.agent_id for m in messages} | set(got):
        rows = [m for m in messages if (m.store_id if by == "store" else m.agent_id) == group]
        expected = compute(rows, paid, start=start, end=end, zones=zones)
        assert got.get(group, Kpis()) == counts_only(expected), group


def test_a_platform_is_its_stores_added_up(shop: Kefu) -> None:
    messages, paid, zones = plain_rows(shop)
    start, end = RANGES[0]
    with shop.session_factory() as s:
        platforms = dict(s.execute(select(t.Store.id, t.Store.platform)).all())
    breakdowns = kpi_breakdowns(shop.uow(), start=start, end=end, now=NOW)
    assert breakdowns.platforms["ali-ru"] == breakdowns.platforms["ali-global"] == "aliexpress"
    assert [name for name, _ in breakdowns.by_platform] == sorted(set(platforms.values()))
    with shop.session_factory() as s:
        placed = s.execute(select(t.Order.store_id, t.Order.placed_at)).all()
    for name, got in breakdowns.by_platform:
        rows = [m for m in messages if platforms[m.store_id] == name]
        expected = compute(rows, paid, start=start, end=end, zones=zones)
        # Orders placed (the dispute rate's denominator) come from the orders, not messages.
        orders = [
            sid
            for sid, at in placed
            if platforms[sid] == name and start <= at.astimezone(zones[sid]).date() <= end
        ]
        assert got.orders_placed == len(orders), name
        assert replace(got, orders_placed=0) == counts_only(expected), name


def test_worked_cases_of_the_docs_on_the_database(kefu: Kefu) -> None:
    configure_stores(kefu)
    worked_cases(kefu)
    nov_1_10 = {"start": date(2026, 11, 1), "end": date(2026, 11, 10), "now": NOW}
    ali = kpi_report(kefu.uow(), store="ali-global", **nov_1_10).kpis
    # 47 h counts, 49 h does not; the late message is answered after the range; the
    # welcome is counted apart and the person 30 h later answers.
    assert (ali.messages_received, ali.messages_answered, ali.answered_24h) == (8, 3, 1)
    assert ali.automatic_replies == 1
    assert 30 * 3600 in ali.response_seconds
    # 07:30 UTC on 5 November is the 5th in Shanghai and the 4th in Los Angeles.
    with kefu.uow() as uow:
        la = uow.queries.kpi_counts(date(2026, 11, 4), date(2026, 11, 5), "amazon-us", None, "day")
        sh = uow.queries.kpi_counts(date(2026, 11, 5), date(2026, 11, 7), "ali-global", None, "day")
    assert {d: k.buyers_served for d, k in la.items()} == {
        date(2026, 11, 4): 1,
        date(2026, 11, 5): 1,
    }
    assert {d: k.messages_received for d, k in sh.items()} == {
        date(2026, 11, 5): 2,
        date(2026, 11, 6): 1,
        date(2026, 11, 7): 1,
    }
    uk = kpi_report(kefu.uow(), store="ebay-uk", **nov_1_10).kpis
    assert uk.response_working_seconds == [2 * 3600.0]  # the store's holiday is closed


def test_guided_gmv_counts_payments_within_48_hours_of_an_answered_first_inquiry(
    kefu: Kefu,
) -> None:
    t0 = datetime(2026, 11, 3, 2, 0, tzinfo=UTC)
    ingest(
        kefu,
        [
            raw("ali-global", "g-1", 1, t0, buyer="g-fast"),
            raw("ali-global", "g-1", 2, t0 + timedelta(hours=3), shop=True, buyer="g-fast"),
            raw("ali-global", "g-2", 1, t0, buyer="g-slow"),
            raw("ali-global", "g-2", 2, t0 + timedelta(hours=50), shop=True, buyer="g-slow"),
        ],
    )
    stores, _, _ = ids(kefu)
    with kefu.session_factory() as s:
        buyer = dict(
            s.execute(select(t.BuyerIdentity.platform_buyer_id, t.BuyerIdentity.buyer_id)).all()
        )
        s.execute(
            insert(t.Order),
            [
                {
                    "store_id": stores["ali-global"],
                    "buyer_id": buyer[who],
                    "order_number": number,
                    "status": "paid",
                    "total_cents": cents,
                    "total_usd_cents": cents,
                    "placed_at": t0 + timedelta(hours=hours),
                    "paid_at": t0 + timedelta(hours=hours),
                }
                for who, number, cents, hours in (
                    ("g-fast", "G-1", 19_40, 47),
                    ("g-slow", "G-2", 50_00, 47),
                    ("g-fast", "G-3", 10_00, 49),
                )
            ],
        )
        s.commit()
    values = kpi_report(
        kefu.uow(), start=date(2026, 11, 1), end=date(2026, 11, 10), now=NOW
    ).values()
    assert (values["guided_gmv_usd"], values["inquiry_conversion"]) == (19.40, 1.0)


def test_facts_are_idempotent_rebuild_the_same_and_follow_hand_overs(kefu: Kefu) -> None:
    configure_stores(kefu)
    worked_cases(kefu)
    snapshot = facts(kefu)
    ingest(kefu, [raw("ali-global", "w-47", 1, datetime(2026, 11, 3, 2, 0, tzinfo=UTC))])
    assert facts(kefu) == snapshot  # the same message again adds nothing
    _, convs, accounts = ids(kefu)
    assert kefu.rebuild_kpi_facts() == len(convs)
    assert facts(kefu) == snapshot
    # The migration's backfill writes the same facts from the stored messages.
    kefu.downgrade("0003")
    kefu.upgrade()
    assert facts(kefu) == snapshot
    inbox.assign(acting(kefu), convs["w-47"], accounts["lina"], uow=kefu.uow(), clock=kefu.clock)
    assert {f["agent_id"] for f in facts(kefu) if f["conversation_id"] == convs["w-47"]} == {
        accounts["lina"]
    }


def test_a_late_platform_reply_answers_what_came_before_it(kefu: Kefu) -> None:
    t0 = datetime(2026, 11, 3, 2, 0, tzinfo=UTC)
    ingest(
        kefu, [raw("ali-global", "o", 1, t0), raw("ali-global", "o", 3, t0 + timedelta(hours=5))]
    )
    ingest(kefu, [raw("ali-global", "o", 2, t0 + timedelta(hours=2), shop=True)])
    answers = sorted((f["sent_at"], f["answer_seconds"]) for f in facts(kefu))
    assert answers == [(t0, 2 * 3600.0), (t0 + timedelta(hours=5), None)]


def facts(kefu: Kefu) -> list[dict[str, Any]]:
    with kefu.session_factory() as s:
        rows = s.execute(select(t.KpiFact).order_by(t.KpiFact.message_id)).scalars()
        count = s.scalar(select(func.count()).select_from(t.KpiFact))
        out = [{c.name: getattr(row, c.name) for c in t.KpiFact.__table__.columns} for row in rows]
    assert len(out) == count
    return out


def test_an_automatic_reply_in_history_counts_as_a_live_one_and_a_notice_not_at_all(
    kefu: Kefu,
) -> None:
    """The same history three times, a day apart: the shop's reply a minute after the
    buyer was automatic (imported), a person's (imported), and the live welcome. An
    imported automatic reply is no answer, as the live one; a notice is nothing."""
    configure_stores(kefu)  # ali-global welcomes buyers
    day = datetime(2026, 11, 3, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai
    minute = timedelta(minutes=1)
    ingest(
        kefu,
        [
            raw("ali-global", "h-auto", 1, day, text="hello"),
            raw("ali-global", "h-auto", 2, day + minute, shop=True, automatic="true"),
            raw("ali-global", "h-auto", 3, day + 2 * minute, kind="notice", text="Order shipped"),
            raw("ali-global", "h-person", 1, day + timedelta(days=1), text="hello"),
            raw("ali-global", "h-person", 2, day + timedelta(days=1) + minute, shop=True),
            raw("ali-global", "h-notice", 1, day, kind="notice", text="Dispute opened"),
        ],
    )
    live = day + timedelta(days=2)
    ingest(kefu, [raw("ali-global", "h-live", 1, live, text="hello")], live, auto=True)

    imported = from_facts(kefu, date(2026, 11, 3), date(2026, 11, 3))
    person = from_facts(kefu, date(2026, 11, 4), date(2026, 11, 4))
    welcome = from_facts(kefu, date(2026, 11, 5), date(2026, 11, 5))
    assert (person.messages_received, person.answered_24h, person.automatic_replies) == (1, 1, 0)
    assert person.reply_rate_24h == 1 and person.automatic_share == 0
    assert (imported.messages_received, imported.answered_24h, imported.automatic_replies) == (
        1,
        0,
        1,
    )
    assert imported.reply_rate_24h == 0 and imported.automatic_share == 1
    assert imported == welcome  # every count and time, as the live automatic reply

    with kefu.session_factory() as s:
        conv = s.scalars(
            select(t.Conversation).where(t.Conversation.platform_conversation_id == "h-auto")
        ).one()
        assert conv.unread and conv.waiting_since == day and conv.first_replied_at is None
        reply_row = s.scalars(
            select(t.Message).where(t.Message.platform_message_id == "h-auto-2")
        ).one()
        assert reply_row.is_automatic and reply_row.author_account_id is None
        notice_facts = s.scalar(
            select(func.count())
            .select_from(t.KpiFact)
            .join(t.Message, t.Message.id == t.KpiFact.message_id)
            .where(t.Message.direction == "platform")
        )
        assert notice_facts == 0
    kefu.rebuild_kpi_facts()  # a rebuild from the stored messages keeps it so
    assert from_facts(kefu, date(2026, 11, 3), date(2026, 11, 3)) == imported
    # Below 0011 there are no platform lines: a downgrade drops them, nothing else.
    kefu.downgrade("0010")
    kefu.upgrade()
    assert from_facts(kefu, date(2026, 11, 3), date(2026, 11, 3)) == imported
    with kefu.session_factory() as s:
        kinds = s.execute(select(t.Message.direction, t.Message.kind)).all()
    assert ("platform", "notice") not in kinds and ("shop", None) in kinds
