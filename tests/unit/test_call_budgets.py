"""The call-budget rule (kefu.domain.callbudgets; docs/channels.md "Rate limits") and the
back-off of a store whose sync failed ("Back-off")."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kefu.domain.callbudgets import (
    BACKOFF_CAP_SECONDS,
    backoff_seconds,
    next_slot,
)


def let_go(
    asked: list[float], interval: float, burst: int, paused_until: float = 0.0
) -> list[float]:
    """When each call asked at these times (in order) may go, one budget for them all."""
    tat, slots = 0.0, []
    for now in asked:
        slot = next_slot(
            tat=tat, paused_until=paused_until, now=now, interval=interval, burst=burst
        )
        tat = slot.tat
        slots.append(slot.at)
    return slots


def test_an_unused_budget_lets_a_call_go_at_once() -> None:
    slot = next_slot(tat=0.0, paused_until=0.0, now=100.0, interval=0.8, burst=1)
    assert (slot.at, slot.tat) == (100.0, 100.8)


def test_ebay_trading_75_a_minute_is_never_76_in_any_minute() -> None:
    slots = let_go([0.0] * 200, interval=60 / 75, burst=1)
    assert len(slots) == 200
    assert sum(1 for at in slots if at < 60.0 - 1e-9) == 75
    assert all(b - a == pytest.approx(0.8) for a, b in itertools.pairwise(slots))


def test_amazon_one_a_second_burst_five() -> None:
    slots = let_go([10.0] * 8, interval=1.0, burst=5)
    assert slots == [10.0, 10.0, 10.0, 10.0, 10.0, 11.0, 12.0, 13.0]


def test_nothing_goes_before_a_pause_ends() -> None:
    slots = let_go([5.0, 5.0, 5.0], interval=0.5, burst=1, paused_until=100.0)
    assert slots == [100.0, 100.5, 101.0]


def test_a_budget_needs_a_pace_and_a_burst() -> None:
    with pytest.raises(ValueError, match="positive interval"):
        next_slot(tat=0.0, paused_until=0.0, now=0.0, interval=0.0, burst=1)
    with pytest.raises(ValueError, match="burst of at least 1"):
        next_slot(tat=0.0, paused_until=0.0, now=0.0, interval=1.0, burst=0)


gaps = st.lists(st.floats(min_value=0.0, max_value=5.0), min_size=1, max_size=60)


@given(
    gaps=gaps,
    calls=st.integers(min_value=1, max_value=100),
    seconds=st.floats(min_value=0.1, max_value=120.0),
    burst=st.integers(min_value=1, max_value=10),
    paused=st.floats(min_value=0.0, max_value=50.0),
)
def test_no_window_ever_holds_more_than_the_budget(
    gaps: list[float], calls: int, seconds: float, burst: int, paused: float
) -> None:
    asked, now = [], 0.0
    for gap in gaps:
        now += gap
        asked.append(now)
    interval = seconds / calls
    slots = let_go(asked, interval, burst, paused)
    assert len(slots) == len(asked)
    for at, when in zip(slots, asked, strict=True):
        assert at >= when and at >= paused  # never early, never in a pause
    assert slots == sorted(slots)  # first asked, first let go
    # The bucket's bound: calls i and j (j > i) are at least (j - i - burst + 1) paces apart,
    # so a window of `seconds` holds at most `calls + burst - 1` (burst 1: `calls`).
    for i in range(len(slots)):
        for j in range(i + burst, len(slots)):
            assert slots[j] - slots[i] >= (j - i - burst + 1) * interval - 1e-6


@given(gaps=gaps, interval=st.floats(min_value=0.01, max_value=10.0))
def test_a_call_waits_only_for_the_one_before_it(gaps: list[float], interval: float) -> None:
    asked, now = [], 0.0
    for gap in gaps:
        now += gap
        asked.append(now)
    slots = let_go(asked, interval, burst=1)
    for n, (at, when) in enumerate(zip(slots, asked, strict=True)):
        if at > when:  # it waited: exactly one pace after the call before it
            assert n > 0 and at == pytest.approx(slots[n - 1] + interval)


@given(gaps=gaps, burst=st.integers(min_value=1, max_value=10))
def test_the_first_burst_never_waits(gaps: list[float], burst: int) -> None:
    asked, now = [], 0.0
    for gap in gaps:
        now += gap
        asked.append(now)
    slots = let_go(asked, 1.0, burst)
    assert slots[:burst] == pytest.approx(asked[:burst])  # sums of floats


def test_backoff_doubles_to_an_hour_and_jitter_only_shortens_it() -> None:
    assert backoff_seconds(0, 0.0) == 0.0
    assert [backoff_seconds(n, 0.0) for n in (1, 2, 3, 4)] == [30.0, 60.0, 120.0, 240.0]
    assert backoff_seconds(8, 0.0) == BACKOFF_CAP_SECONDS
    assert backoff_seconds(10_000, 0.0) == BACKOFF_CAP_SECONDS


@given(
    failures=st.integers(min_value=1, max_value=10_000),
    jitter=st.floats(min_value=0.0, max_value=0.999999),
    retry_after=st.none() | st.floats(min_value=0.0, max_value=10_000.0),
)
def test_backoff_stays_between_three_quarters_and_all_of_its_step(
    failures: int, jitter: float, retry_after: float | None
) -> None:
    step = min(30.0 * 2 ** min(failures - 1, 20), BACKOFF_CAP_SECONDS)
    wait = backoff_seconds(failures, jitter, retry_after)
    assert 0.75 * step <= wait or wait == retry_after
    assert wait <= max(step, retry_after or 0.0)
    assert wait >= (retry_after or 0.0)  # never sooner than the platform asked
