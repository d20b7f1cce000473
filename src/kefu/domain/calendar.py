"""Working time across time zones and holidays: durations "in working hours".

Pure: the holiday dates and the zone come in as arguments (adapters build holiday
sets from the `holidays` package), so the arithmetic is tested without a database.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

MICROSECOND = timedelta(microseconds=1)


@dataclass(frozen=True)
class WorkingHours:
    """Daily opening hours in a zone; weekends and holidays closed (SPEC §5: 9:00-18:00 Beijing)."""

    zone: ZoneInfo
    start: time = time(9, 0)
    end: time = time(18, 0)
    workdays: frozenset[int] = frozenset({0, 1, 2, 3, 4})  # Monday = 0
    holidays: Collection[date] = frozenset()

    def is_workday(self, day: date) -> bool:
        return day.weekday() in self.workdays and day not in self.holidays

    def working_seconds(self, begin: datetime, finish: datetime) -> float:
        """Seconds of opening time between two aware instants (0 if finish <= begin)."""
        if finish <= begin:
            return 0.0
        local_begin, local_finish = begin.astimezone(self.zone), finish.astimezone(self.zone)
        total = 0.0
        day = local_begin.date()
        while day <= local_finish.date():
            if self.is_workday(day):
                opens = datetime.combine(day, self.start, self.zone)
                closes = datetime.combine(day, self.end, self.zone)
                overlap = min(closes, local_finish) - max(opens, local_begin)
                total += max(0.0, overlap.total_seconds())
            day += timedelta(days=1)
        return total

    def is_open(self, at: datetime) -> bool:
        local = at.astimezone(self.zone)
        return self.is_workday(local.date()) and self.start <= local.time() < self.end

    def next_opening(self, at: datetime) -> datetime:
        """When a person is next at work, in the shop's zone: `at` itself while open, else
        the next opening time.

        Searches a year ahead, enough for any holiday set; beyond that the shop never opens.
        """
        local = at.astimezone(self.zone)
        if self.is_open(at):
            return local
        day = local.date()
        if local.time() >= self.start:
            day += timedelta(days=1)
        for _ in range(366):
            if self.is_workday(day):
                return datetime.combine(day, self.start, self.zone)
            day += timedelta(days=1)
        raise ValueError("the shop has no working day in the coming year")

    def add_working_seconds(self, start: datetime, seconds: float) -> datetime:
        """The earliest instant at which `seconds` of opening time have passed since `start`
        (the inverse of `working_seconds`), in the shop's zone; `start` itself for 0.

        Counts wall-clock time inside each day's opening hours, exactly as
        `working_seconds` does, so the two round-trip. A shop with no working day in a
        whole year never reaches the target: ValueError.
        """
        if seconds < 0:
            raise ValueError("working seconds to add must not be negative")
        local = start.astimezone(self.zone)
        # Whole microseconds, a datetime's own resolution: summing float seconds day by
        # day drifts, and a target reached exactly at closing time would spill into the
        # next working day.
        remaining = round(seconds * 1_000_000)
        if remaining == 0:
            return local
        day = local.date()
        closed_days = 0
        while True:
            if self.is_workday(day):
                closed_days = 0
                opens = datetime.combine(day, self.start, self.zone)
                closes = datetime.combine(day, self.end, self.zone)
                begin = max(opens, local)
                available = (closes - begin) // MICROSECOND
                if available > 0:
                    if remaining <= available:
                        return begin + remaining * MICROSECOND
                    remaining -= available
            else:
                closed_days += 1
                if closed_days > 366:
                    raise ValueError("the shop has no working day in the coming year")
            day += timedelta(days=1)
