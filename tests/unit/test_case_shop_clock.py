"""The shop's own clock of a case: opening hours, holidays and pauses while the case waits on
the buyer (deadlines.shop_deadline, deadlines.pause, WorkingHours.add_working_seconds)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kefu.adapters.holidays import holidays_between
from kefu.domain.calendar import WorkingHours
from kefu.domain.cases.deadlines import SHOP_TARGET_HOURS, pause, shop_deadline
from kefu.domain.cases.model import CaseKind

SHANGHAI = ZoneInfo("Asia/Shanghai")
LA = ZoneInfo("America/Los_Angeles")
HOUR = 3600


def test_eight_opening_hours_from_friday_afternoon_in_shanghai_end_on_monday() -> None:
    hours = WorkingHours(SHANGHAI)
    since = datetime(2026, 12, 4, 15, 0, tzinfo=SHANGHAI)  # Friday: 3 h left today
    assert shop_deadline(since, hours=hours, target_hours=8) == datetime(
        2026, 12, 7, 14, 0, tzinfo=SHANGHAI
    )


def test_a_pause_over_the_weekend_in_shanghai_adds_only_the_opening_hours_it_covered() -> None:
    hours = WorkingHours(SHANGHAI)
    since = datetime(2026, 12, 4, 15, 0, tzinfo=SHANGHAI)
    # Waiting on the buyer from Friday 17:00 to Monday 10:00: 1 h on Friday, 1 h on Monday.
    paused_since, paused = pause(
        None, 0, waiting=True, at=datetime(2026, 12, 4, 17, 0, tzinfo=SHANGHAI)
    )
    paused_since, paused = pause(
        paused_since, paused, waiting=False, at=datetime(2026, 12, 7, 10, 0, tzinfo=SHANGHAI),
        hours=hours,
    )  # fmt: skip
    assert (paused_since, paused) == (None, 2 * HOUR)
    due = shop_deadline(since, hours=hours, target_hours=8, paused_seconds=paused)
    assert due == datetime(2026, 12, 7, 16, 0, tzinfo=SHANGHAI)
    assert hours.working_seconds(since, due) - paused == 8 * HOUR


def test_a_los_angeles_shop_skips_thanksgiving_and_a_weekend_pause() -> None:
    holidays = holidays_between("US", date(2026, 1, 1), date(2026, 12, 31))
    hours = WorkingHours(LA, holidays=holidays)
    since = datetime(2026, 11, 25, 16, 0, tzinfo=LA)  # Wednesday before Thanksgiving
    # Wednesday 2 h, Thanksgiving closed, Friday 9, Monday 9, Tuesday 4.
    assert shop_deadline(since, hours=hours, target_hours=24) == datetime(
        2026, 12, 1, 13, 0, tzinfo=LA
    )
    # Waiting from Friday 12:00 to Monday 11:00: 6 h on Friday, 2 h on Monday.
    state = pause(None, 0, waiting=True, at=datetime(2026, 11, 27, 12, 0, tzinfo=LA))
    state = pause(*state, waiting=False, at=datetime(2026, 11, 30, 11, 0, tzinfo=LA), hours=hours)
    assert state == (None, 8 * HOUR)
    due = shop_deadline(since, hours=hours, target_hours=24, paused_seconds=state[1])
    assert due == datetime(2026, 12, 2, 12, 0, tzinfo=LA)


def test_pause_is_idempotent_and_counts_wall_seconds_without_the_shops_hours() -> None:
    friday = datetime(2026, 12, 4, 17, 0, tzinfo=SHANGHAI)
    entered = pause(None, 60, waiting=True, at=friday)
    assert entered == (friday, 60)
    assert pause(*entered, waiting=True, at=friday + timedelta(hours=5)) == entered
    assert pause(None, 60, waiting=False, at=friday) == (None, 60)
    left = pause(*entered, waiting=False, at=friday + timedelta(days=2, hours=17))
    assert left == (None, 60 + (2 * 24 + 17) * HOUR)
    # A report that arrives late (the buyer answered "before" the pause began) adds nothing.
    assert pause(*entered, waiting=False, at=friday - timedelta(hours=1)) == (None, 60)


def test_shop_deadline_refuses_negative_figures() -> None:
    since = datetime(2026, 12, 4, tzinfo=UTC)
    with pytest.raises(ValueError, match="negative"):
        shop_deadline(since, hours=WorkingHours(SHANGHAI), target_hours=-1)
    with pytest.raises(ValueError, match="negative"):
        WorkingHours(SHANGHAI).add_working_seconds(since, -1)


def test_a_shop_that_never_opens_is_refused_instead_of_looping() -> None:
    closed = WorkingHours(SHANGHAI, workdays=frozenset())
    with pytest.raises(ValueError, match="no working day"):
        closed.add_working_seconds(datetime(2026, 12, 4, tzinfo=UTC), 1)


def test_every_kind_has_a_shop_target() -> None:
    assert set(SHOP_TARGET_HOURS) == set(CaseKind)
    assert SHOP_TARGET_HOURS[CaseKind.COMPLAINT] == 8
    assert all(0 < target <= 72 for target in SHOP_TARGET_HOURS.values())


def test_adding_no_time_is_the_start_itself() -> None:
    sunday = datetime(2026, 12, 6, 3, 0, tzinfo=UTC)
    assert WorkingHours(SHANGHAI).add_working_seconds(sunday, 0) == sunday


# Opening hours from 06:00 on: clocks change between 01:00 and 03:00 in these zones, and a
# wall time that does not exist cannot round-trip through UTC.
hours_strategy = st.builds(
    lambda zone, opens, length, workdays, holidays: WorkingHours(
        zone, time(opens), time(min(opens + length, 23)), workdays, holidays
    ),
    zone=st.sampled_from([SHANGHAI, LA, ZoneInfo("Europe/London"), ZoneInfo("Australia/Sydney")]),
    opens=st.integers(6, 12),
    length=st.integers(1, 12),
    workdays=st.frozensets(st.integers(0, 6), min_size=1),
    holidays=st.frozensets(st.dates(date(2026, 1, 1), date(2027, 12, 31)), max_size=20),
)
instants = st.datetimes(datetime(2026, 1, 1), datetime(2027, 6, 30), timezones=st.just(UTC))


@given(hours=hours_strategy, start=instants, seconds=st.integers(0, 200 * HOUR))
def test_add_working_seconds_then_working_seconds_round_trips(
    hours: WorkingHours, start: datetime, seconds: int
) -> None:
    due = hours.add_working_seconds(start, seconds)
    assert due >= start
    assert abs(hours.working_seconds(start, due) - seconds) < 1e-3
    if seconds:
        local = due.astimezone(hours.zone)
        assert hours.is_workday(local.date())
        assert hours.start < local.time() <= hours.end
        # The earliest such instant: a moment earlier, less opening time has passed.
        assert hours.working_seconds(start, due - timedelta(seconds=1)) < seconds


@given(hours=hours_strategy, start=instants, length=st.integers(0, 30 * 24 * HOUR))
def test_working_seconds_then_add_working_seconds_never_passes_the_end(
    hours: WorkingHours, start: datetime, length: int
) -> None:
    end = start + timedelta(seconds=length)
    worked = hours.working_seconds(start, end)
    back = hours.add_working_seconds(start, worked)
    assert back <= end
    assert abs(hours.working_seconds(start, back) - worked) < 1e-3
    if hours.is_open(end):
        assert abs((back - end).total_seconds()) < 1e-3


def test_a_target_reached_exactly_at_closing_time_stays_on_that_day() -> None:
    """Found by Hypothesis: float seconds summed over three days spilled past closing."""
    hours = WorkingHours(
        zone=ZoneInfo("Europe/London"), start=time(6, 0), end=time(13, 0),
        workdays=frozenset({3, 4, 5}),
    )  # fmt: skip
    start = datetime(2026, 12, 10, 6, 21, 0, 226787, tzinfo=UTC)
    end = start + timedelta(seconds=196740)
    back = hours.add_working_seconds(start, hours.working_seconds(start, end))
    assert back == datetime(2026, 12, 12, 13, 0, tzinfo=ZoneInfo("Europe/London"))
