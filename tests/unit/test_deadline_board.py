"""The deadlines board's rules with a controllable clock: reply windows per platform,
which of a case's clocks comes first, and overdue / at-risk / on-time at the edges."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kefu.domain.deadline_board import (
    CASE_AT_RISK,
    BoardItem,
    Clock,
    ItemKind,
    Urgency,
    at_risk_margin,
    case_due,
    classify,
    conversation_due,
    margin_of,
    reply_window,
)
from tests.fakes import FixedClock

FRIDAY_EVENING = datetime(2026, 11, 27, 23, 30, tzinfo=UTC)  # Friday, 15:30 in Los Angeles


@pytest.mark.parametrize("platform", ["amazon", "aliexpress", "ebay", "wish"])
def test_every_platform_gives_a_buyer_24_calendar_hours(platform: str) -> None:
    assert reply_window(platform) == timedelta(hours=24)


def test_amazon_s_window_runs_through_the_weekend() -> None:
    """Amazon counts weekends and holidays: Friday evening's message is due Saturday."""
    due = conversation_due("amazon", FRIDAY_EVENING)
    assert due == datetime(2026, 11, 28, 23, 30, tzinfo=UTC)
    assert due.weekday() == 5


def test_an_unknown_platform_gets_the_default_window() -> None:
    assert reply_window("shopee") == timedelta(hours=24)


def test_a_conversation_walks_from_on_time_to_at_risk_to_overdue_as_the_clock_moves() -> None:
    clock = FixedClock(FRIDAY_EVENING)
    due = conversation_due("aliexpress", FRIDAY_EVENING)
    margin = margin_of(ItemKind.CONVERSATION, "aliexpress")
    assert margin == timedelta(hours=6)  # a quarter of 24 h
    seen = []
    for hours in (0, 17, 18, 23, 24, 30):
        clock = FixedClock(FRIDAY_EVENING + timedelta(hours=hours))
        seen.append(classify(due, margin, clock.now()))
    assert seen == [
        Urgency.ON_TIME,
        Urgency.ON_TIME,  # exactly 7 h left
        Urgency.ON_TIME,  # exactly 6 h left: not yet under the margin
        Urgency.AT_RISK,
        Urgency.OVERDUE,  # the due minute itself is late
        Urgency.OVERDUE,
    ]


def test_the_at_risk_margin_is_a_quarter_of_the_window_but_never_under_4_hours() -> None:
    assert at_risk_margin(timedelta(hours=24)) == timedelta(hours=6)
    assert at_risk_margin(timedelta(hours=8)) == timedelta(hours=4)
    assert at_risk_margin(timedelta(days=4)) == timedelta(days=1)


def test_a_case_is_at_risk_in_its_last_24_hours() -> None:
    assert margin_of(ItemKind.CASE, "ebay") == CASE_AT_RISK == timedelta(hours=24)
    due = FRIDAY_EVENING
    assert classify(due, CASE_AT_RISK, due - timedelta(hours=25)) is Urgency.ON_TIME
    assert classify(due, CASE_AT_RISK, due - timedelta(hours=23)) is Urgency.AT_RISK
    assert classify(due, CASE_AT_RISK, due + timedelta(seconds=1)) is Urgency.OVERDUE


def test_a_case_is_due_at_the_earlier_clock_and_says_which() -> None:
    early, late = FRIDAY_EVENING, FRIDAY_EVENING + timedelta(hours=5)
    assert case_due(early, late) == (early, Clock.PLATFORM)
    assert case_due(late, early) == (early, Clock.SHOP)
    assert case_due(None, late) == (late, Clock.SHOP)
    assert case_due(early, None) == (early, Clock.PLATFORM)
    assert case_due(None, None) is None


def test_a_tie_between_the_clocks_is_the_platform_s() -> None:
    assert case_due(FRIDAY_EVENING, FRIDAY_EVENING) == (FRIDAY_EVENING, Clock.PLATFORM)


def test_an_item_reports_time_left_negative_once_overdue() -> None:
    item = BoardItem(
        kind=ItemKind.CONVERSATION,
        id=1,
        due_at=FRIDAY_EVENING,
        clock=Clock.REPLY,
        margin=timedelta(hours=6),
        store_id=1,
        store_name="s",
        platform="amazon",
        buyer_name=None,
        holder_id=None,
        holder_name=None,
    )
    assert item.left(FRIDAY_EVENING + timedelta(hours=2)) == -timedelta(hours=2)
    assert item.urgency(FRIDAY_EVENING - timedelta(hours=2)) is Urgency.AT_RISK


ORDER = {Urgency.ON_TIME: 0, Urgency.AT_RISK: 1, Urgency.OVERDUE: 2}


@given(
    due_minutes=st.integers(-10_000, 10_000),
    margin_hours=st.integers(0, 200),
    steps=st.lists(st.integers(0, 600), min_size=1, max_size=30),
)
def test_as_the_clock_moves_on_an_item_never_gets_less_urgent(
    due_minutes: int, margin_hours: int, steps: list[int]
) -> None:
    clock = FixedClock(FRIDAY_EVENING)
    due = FRIDAY_EVENING + timedelta(minutes=due_minutes)
    margin = timedelta(hours=margin_hours)
    seen = [classify(due, margin, clock.now())]
    for minutes in steps:
        clock.advance(minutes=minutes)
        seen.append(classify(due, margin, clock.now()))
    assert [ORDER[u] for u in seen] == sorted(ORDER[u] for u in seen)
    assert (seen[-1] is Urgency.OVERDUE) == (clock.now() >= due)
