"""Hand-written fakes for the ports (same protocol as the real adapters)."""

from __future__ import annotations

from datetime import datetime, timedelta


class FixedClock:
    """A clock that stands still unless a test moves it."""

    def __init__(self, now: datetime) -> None:
        self._now = now

    def now(self) -> datetime:
        return self._now

    def advance(self, **delta: float) -> None:
        self._now += timedelta(**delta)
