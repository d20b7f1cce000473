"""SPEC §11 KPIs on hand-worked cases (docs/kpis.md) and their properties (Hypothesis)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from kefu.domain.calendar import WorkingHours
from kefu.domain.kpis import (
    COUNTS,
    Kpis,
    MessageRow,
    PaymentRow,
    across_stores,
    answer_instant,
    compute,
    final_until,
    final_until_all,
    reply_facts,
)

SHANGHAI, LOS_ANGELES = ZoneInfo("Asia/Shanghai"), ZoneInfo("America/Los_Angeles")
ZONES = {1: SHANGHAI, 2: LOS_ANGELES}
T0 = datetime(2026, 11, 3, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai, 18:00 the day before in LA
NOV = (date(2026, 11, 1), date(2026, 11, 30))


def buyer(conversation: int, at: datetime, *, store: int = 1, who: int | None = None) -> MessageRow:
    return MessageRow(conversation, store, who or conversation, at, from_buyer=True)


def shop(conversation: int, at: datetime, *, store: int = 1, automatic: bool = False) -> MessageRow:
    return MessageRow(conversation, store, conversation, at, from_buyer=False, automatic=automatic)


def kpis(
    rows: list[MessageRow],
    payments: list[PaymentRow] | None = None,
    start: date = NOV[0],
    end: date = NOV[1],
) -> Kpis:
    return compute(rows, payments or [], start=start, end=end, zones=ZONES)


def test_a_buyer_writing_on_two_days_is_served_twice_but_once_per_day() -> None:
    rows = [buyer(1, T0), buyer(1, T0 + timedelta(hours=1)), buyer(1, T0 + timedelta(days=1))]
    assert kpis(rows).buyers_served == 2
    assert kpis(rows).messages_received == 3


def test_an_answer_47_hours_later_counts_and_49_hours_later_does_not() -> None:
    rows = [
        buyer(1, T0),
        shop(1, T0 + timedelta(hours=47)),
        buyer(2, T0),
        shop(2, T0 + timedelta(hours=49)),
    ]
    result = kpis(rows)
    assert (result.messages_answered, result.buyers_answered) == (1, 1)
    assert result.answered_24h == 0 and result.reply_rate_24h == 0.0


def test_answers_after_the_range_ends_count_within_two_days() -> None:
    late = datetime(2026, 11, 30, 15, 0, tzinfo=UTC)  # 23:00 on the 30th in Shanghai
    rows = [buyer(1, late), shop(1, late + timedelta(hours=20))]  # answered on 1 December
    result = kpis(rows)
    assert (result.messages_received, result.messages_answered, result.answered_24h) == (1, 1, 1)


def test_automatic_replies_are_counted_apart_and_are_not_answers() -> None:
    rows = [
        buyer(1, T0),
        shop(1, T0 + timedelta(seconds=5), automatic=True),
        shop(1, T0 + timedelta(hours=30)),
    ]
    result = kpis(rows)
    assert result.automatic_replies == 1
    assert (result.messages_answered, result.answered_24h) == (1, 0)  # the person came at 30 h
    assert result.response_seconds == [30 * 3600]


def test_guided_gmv_needs_an_answer_within_48_hours() -> None:
    pay_47h = T0 + timedelta(hours=47)
    answered = [buyer(1, T0), shop(1, T0 + timedelta(hours=3))]
    unanswered = [buyer(2, T0), shop(2, T0 + timedelta(hours=50))]
    payments = [
        PaymentRow(1, 1, pay_47h, 19_40),
        PaymentRow(1, 2, pay_47h, 50_00),
        PaymentRow(1, 1, T0 + timedelta(hours=49), 10_00),
    ]  # too late to be guided
    result = kpis(answered + unanswered, payments)
    assert result.guided_gmv_cents == 19_40
    assert (result.buyers_ordered, result.buyers_asked_answered_48h) == (1, 1)
    assert result.inquiry_conversion == 1.0


def test_days_are_the_store_time_zone_days_across_midnight() -> None:
    # 07:30 UTC on 5 Nov is 15:30 on 5 Nov in Shanghai and 23:30 on 4 Nov in Los Angeles.
    at = datetime(2026, 11, 5, 7, 30, tzinfo=UTC)
    rows = [buyer(1, at, store=1), buyer(2, at, store=2)]
    nov_4 = kpis(rows, start=date(2026, 11, 4), end=date(2026, 11, 4))
    nov_5 = kpis(rows, start=date(2026, 11, 5), end=date(2026, 11, 5))
    assert (nov_4.messages_received, nov_5.messages_received) == (1, 1)


def test_final_data_is_three_days_behind_on_the_stores_own_calendar() -> None:
    assert final_until(datetime(2026, 8, 7, 12, 0, tzinfo=UTC), SHANGHAI) == date(2026, 8, 4)
    # 02:00 UTC on 7 December: already the 7th in UTC, still the 6th in Los Angeles
    # (18:00) and the 7th in Shanghai (10:00).
    at = datetime(2026, 12, 7, 2, 0, tzinfo=UTC)
    assert final_until(at, LOS_ANGELES) == date(2026, 12, 3)
    assert final_until(at, SHANGHAI) == date(2026, 12, 4)
    # 20:00 UTC on 6 December: the 6th in UTC and Los Angeles, the 7th in Shanghai.
    evening = datetime(2026, 12, 6, 20, 0, tzinfo=UTC)
    assert final_until(evening, LOS_ANGELES) == date(2026, 12, 3)
    assert final_until(evening, SHANGHAI) == date(2026, 12, 4)
    # Several stores: the last day final in all of them; no store: UTC's.
    assert final_until_all(evening, [SHANGHAI, LOS_ANGELES]) == date(2026, 12, 3)
    assert final_until_all(evening, []) == date(2026, 12, 3)


def test_a_los_angeles_stores_last_final_day_changes_at_its_own_midnight_only() -> None:
    """Hour by hour over two days (a controllable clock): the last final day moves once
    a day, at midnight in Los Angeles (08:00 UTC in December), never at midnight UTC."""
    start = datetime(2026, 12, 5, 0, 0, tzinfo=UTC)
    instants = [start + timedelta(hours=h) for h in range(48)]
    finals = [final_until(at, LOS_ANGELES) for at in instants]
    changes = [
        at
        for at, before, after in zip(instants[1:], finals, finals[1:], strict=False)
        if before != after
    ]
    assert len(instants) == 48
    assert changes == [
        datetime(2026, 12, 5, 8, 0, tzinfo=UTC),
        datetime(2026, 12, 6, 8, 0, tzinfo=UTC),
    ]
    # From 00:00 to 08:00 UTC on the 6th the UTC date is the 6th; Los Angeles is still
    # on the 5th, and so is its last final day (the 2nd).
    assert {final_until(start + timedelta(hours=24 + h), LOS_ANGELES) for h in range(8)} == {
        date(2026, 12, 2)
    }


def test_a_reply_counts_when_the_platform_confirmed_it() -> None:
    written, confirmed = T0, T0 + timedelta(hours=30)
    assert answer_instant(written, None, None) == written  # imported: on the platform already
    assert answer_instant(written, "delivered", confirmed) == confirmed
    assert answer_instant(written, "pending", None) is None
    assert answer_instant(written, "failed", None) is None
    # A confirmation stamped before the reply was written (a skewed clock): when written.
    assert answer_instant(written, "delivered", written - timedelta(seconds=5)) == written


def test_the_per_day_reading_counts_each_days_first_inquiry() -> None:
    """A buyer asks on 3 and 4 November (answered at once each time) and pays once, 30 h
    after the first question: the range's reading counts one buyer who ordered for
    19.40; the per-day reading counts two answered inquiries, both followed by that
    payment within 48 h: 2 of 2 and 38.80, what adding up the two daily reports gives."""
    rows = [
        buyer(1, T0),
        shop(1, T0 + timedelta(minutes=5)),
        buyer(1, T0 + timedelta(days=1)),
        shop(1, T0 + timedelta(days=1, minutes=5)),
        buyer(2, T0, who=2),  # another buyer, answered late: in neither reading
        shop(2, T0 + timedelta(hours=50)),
    ]
    payments = [PaymentRow(1, 1, T0 + timedelta(hours=30), 19_40)]
    result = kpis(rows, payments)
    assert (result.buyers_asked_answered_48h, result.buyers_ordered) == (1, 1)
    assert result.guided_gmv_cents == 19_40 and result.inquiry_conversion == 1.0
    assert (result.daily_asked_answered_48h, result.daily_buyers_ordered) == (2, 2)
    assert result.daily_guided_gmv_cents == 38_80
    days = [
        kpis(rows, payments, start=day, end=day) for day in (date(2026, 11, 3), date(2026, 11, 4))
    ]
    assert sum(d.guided_gmv_cents for d in days) == result.daily_guided_gmv_cents
    assert sum(d.buyers_ordered for d in days) == result.daily_buyers_ordered


def test_response_time_in_working_hours_skips_nights_and_weekends() -> None:
    friday_17 = datetime(2026, 11, 6, 17, 0, tzinfo=SHANGHAI)
    monday_10 = datetime(2026, 11, 9, 10, 0, tzinfo=SHANGHAI)
    rows = [buyer(1, friday_17), shop(1, monday_10)]
    hours = {1: WorkingHours(SHANGHAI), 2: WorkingHours(LOS_ANGELES)}
    result = compute(rows, [], start=NOV[0], end=NOV[1], zones=ZONES, hours=hours)
    assert result.response_working_seconds == [2 * 3600]  # 17-18 on Friday, 9-10 on Monday


def test_a_holiday_is_not_working_time() -> None:
    hours = WorkingHours(SHANGHAI, holidays={date(2026, 11, 9)})
    begin = datetime(2026, 11, 9, 9, 0, tzinfo=SHANGHAI)
    assert hours.working_seconds(begin, begin + timedelta(hours=30)) == 6 * 3600  # Tue 9-15


minutes = st.integers(min_value=0, max_value=60 * 24 * 20)
events = st.lists(
    st.tuples(st.integers(1, 4), st.integers(1, 2), minutes, st.booleans(), st.booleans()),
    max_size=60,
)


Raw = tuple[int, int, int, bool, bool]  # conversation, store, minute, from buyer, automatic


def rows_from(raw: list[Raw]) -> list[MessageRow]:
    start = datetime(2026, 11, 1, tzinfo=UTC)
    return [
        MessageRow(c, s, c, start + timedelta(minutes=m), from_buyer=b, automatic=(not b and a))
        for c, s, m, b, a in raw
    ]


@given(events)
def test_rates_stay_between_0_and_1_and_answered_never_exceeds_received(raw: list[Raw]) -> None:
    result = kpis(rows_from(raw))
    assert result.messages_answered <= result.messages_received
    assert result.answered_24h <= result.messages_answered
    assert result.buyers_answered <= result.buyers_served
    assert result.reply_rate_24h is None or 0.0 <= result.reply_rate_24h <= 1.0


@given(events, st.integers(min_value=1, max_value=19))
def test_splitting_the_range_adds_up_for_additive_metrics(raw: list[Raw], cut: int) -> None:
    rows = rows_from(raw)
    first, last = date(2026, 10, 31), date(2026, 11, 25)
    middle = date(2026, 11, 1) + timedelta(days=cut)
    whole = kpis(rows, start=first, end=last)
    left = kpis(rows, start=first, end=middle)
    right = kpis(rows, start=middle + timedelta(days=1), end=last)
    for name in (
        "messages_received",
        "messages_answered",
        "answered_24h",
        "buyers_served",
        "buyers_answered",
        "automatic_replies",
        "daily_asked_answered_48h",
        "daily_buyers_ordered",
        "daily_guided_gmv_cents",
    ):
        assert getattr(whole, name) == getattr(left, name) + getattr(right, name), name


@given(events)
def test_the_per_day_reading_is_the_daily_reports_added_up(raw: list[Raw]) -> None:
    rows = rows_from(raw)
    payments = [
        PaymentRow(r.store_id, r.buyer_id, r.sent_at + timedelta(hours=30), 7) for r in rows
    ]
    whole = kpis(rows, payments, start=NOV[0], end=date(2026, 11, 22))
    days = [
        kpis(rows, payments, start=day, end=day)
        for day in (NOV[0] + timedelta(days=i) for i in range(22))
    ]
    assert len(days) == 22
    assert whole.daily_asked_answered_48h == sum(d.buyers_asked_answered_48h for d in days)
    assert whole.daily_buyers_ordered == sum(d.buyers_ordered for d in days)
    assert whole.daily_guided_gmv_cents == sum(d.guided_gmv_cents for d in days)
    # One buyer's first inquiry of the range is one of its days' first inquiries.
    assert whole.buyers_asked_answered_48h <= whole.daily_asked_answered_48h


@given(events)
def test_the_counts_of_each_store_add_up_to_all_stores(raw: list[Raw]) -> None:
    # A conversation belongs to one store.
    rows = [replace(r, store_id=1 + r.conversation_id % 2) for r in rows_from(raw)]
    payments = [
        PaymentRow(r.store_id, r.buyer_id, r.sent_at + timedelta(hours=1), 100) for r in rows
    ]
    whole = kpis(rows, payments)
    parts = [
        kpis([r for r in rows if r.store_id == s], [p for p in payments if p.store_id == s])
        for s in ZONES
    ]
    assert counts_of(across_stores(parts)) == counts_of(whole)


def counts_of(k: Kpis) -> dict[str, int]:
    return {name: getattr(k, name) for name in COUNTS}


def test_reply_facts_hold_each_answer_and_automatic_replies_apart() -> None:
    rows = [
        buyer(1, T0),
        shop(1, T0 + timedelta(seconds=5), automatic=True),
        buyer(1, T0 + timedelta(hours=1)),
        shop(1, T0 + timedelta(hours=30)),
        buyer(1, T0 + timedelta(hours=31)),
        shop(1, T0 + timedelta(hours=31)),  # at the same instant: answers it
    ]
    hours = {1: WorkingHours(SHANGHAI)}
    facts = reply_facts(range(10, 16), rows, zones=ZONES, hours=hours)
    assert [(f.message_id, f.automatic, f.answer_seconds) for f in facts] == [
        (10, False, 30 * 3600.0),
        (11, True, None),
        (12, False, 29 * 3600.0),
        (14, False, 0.0),
    ]
    first = facts[0]
    assert first.day == date(2026, 11, 3) and first.guided_until == T0 + timedelta(hours=48)
    # Tuesday 10:00 to Wednesday 16:00 in Shanghai: 8 h, then 7 h.
    assert first.answer_working_seconds == 15 * 3600.0


def test_backlog_counts_waiting_conversations_by_age() -> None:
    from kefu.domain.kpis import backlog

    now = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
    ages = [
        timedelta(minutes=5),
        timedelta(hours=1),
        timedelta(hours=5),
        timedelta(hours=30),
        timedelta(hours=72),
    ]
    assert backlog([now - a for a in ages], now) == {
        "under_1h": 1,
        "1h_to_6h": 2,
        "6h_to_24h": 0,
        "24h_to_48h": 1,
        "over_48h": 1,
    }


def test_resolution_time_counts_conversations_closed_on_the_days_of_the_range() -> None:
    from kefu.domain.kpis import ClosedRow, resolution_seconds

    opened = datetime(2026, 11, 1, 2, 0, tzinfo=UTC)
    rows = [
        ClosedRow(1, opened, opened + timedelta(hours=5)),
        ClosedRow(2, opened, datetime(2026, 11, 3, 7, 30, tzinfo=UTC)),  # 2 Nov 23:30 in LA
        ClosedRow(1, opened, datetime(2026, 12, 2, tzinfo=UTC)),
    ]  # closed after the range
    assert resolution_seconds(
        rows, start=date(2026, 11, 1), end=date(2026, 11, 2), zones=ZONES
    ) == [
        5 * 3600,
        (datetime(2026, 11, 3, 7, 30, tzinfo=UTC) - opened).total_seconds(),
    ]


def test_the_share_of_automatic_replies_counts_the_waits_people_ended() -> None:
    assert Kpis().automatic_share is None
    kpis = Kpis(automatic_replies=1, response_seconds=[60.0, 120.0, 3600.0])
    assert kpis.automatic_share == 0.25
