"""When a parcel should arrive, from its real state (issue 21, SPEC §4: never a date
already past).

The basis is what a buyer can check: delivered on a day, out for delivery today, waiting
at the post office since a day, or on its way: shipped on a day plus the store's transit
days for the destination and shipping method. A window whose last day has passed is not
moved forward: the parcel is late, and the answer is the delayed one. Days are the store's
local days, given by the caller, so "today" is the store's today; transit days are calendar
days (carriers move on public holidays too).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from kefu.domain.types import TrackingStatus

# States in which the parcel does not reach the buyer by itself: no estimate is given.
PROBLEMS = frozenset(
    {
        TrackingStatus.CUSTOMS_HOLD,
        TrackingStatus.FAILED_DELIVERY,
        TrackingStatus.RETURNING,
        TrackingStatus.RETURNED,
        TrackingStatus.LOST,
        TrackingStatus.EXPIRED,
        TrackingStatus.EXCEPTION,
    }
)


class Basis(StrEnum):
    """What an estimate rests on, so the answer can say it."""

    DELIVERED = "delivered"  # delivered on `since`
    OUT_FOR_DELIVERY = "out_for_delivery"  # today
    AT_POST_OFFICE = "at_post_office"  # waiting since `since`: the buyer collects it
    IN_TRANSIT = "in_transit"  # shipped on `since` + transit days
    LATE = "late"  # the window ended before today
    PROBLEM = "problem"  # customs hold, failed delivery, returning, lost…
    NOT_SHIPPED = "not_shipped"
    NO_TRANSIT = "no_transit"  # the store's table has no line for the destination


@dataclass(frozen=True)
class Estimate:
    basis: Basis
    earliest: date | None = None
    latest: date | None = None
    since: date | None = None

    @property
    def window(self) -> tuple[date, date] | None:
        """The days to tell the buyer; only for a parcel on its way and not late."""
        on_its_way = self.basis in (Basis.IN_TRANSIT, Basis.OUT_FOR_DELIVERY)
        if on_its_way and self.earliest is not None and self.latest is not None:
            return self.earliest, self.latest
        return None


def estimate(
    status: TrackingStatus | None,
    *,
    since: date | None,
    shipped_on: date | None,
    transit: tuple[int, int] | None,
    today: date,
) -> Estimate:
    """The estimate for one parcel: `since` is the day of its latest status, `shipped_on`
    the day it left (or its first scan), `transit` the store's (min, max) days."""
    if status is TrackingStatus.DELIVERED:
        return Estimate(Basis.DELIVERED, since=since)
    if status is TrackingStatus.OUT_FOR_DELIVERY:
        return Estimate(Basis.OUT_FOR_DELIVERY, today, today, since)
    if status is TrackingStatus.AWAITING_PICKUP:
        return Estimate(Basis.AT_POST_OFFICE, since=since)
    if status in PROBLEMS:
        return Estimate(Basis.PROBLEM, since=since)
    if shipped_on is None:
        return Estimate(Basis.NOT_SHIPPED)
    if transit is None:
        return Estimate(Basis.NO_TRANSIT, since=shipped_on)
    earliest = shipped_on + timedelta(days=transit[0])
    latest = shipped_on + timedelta(days=transit[1])
    if latest < today:
        return Estimate(Basis.LATE, earliest, latest, shipped_on)
    return Estimate(Basis.IN_TRANSIT, max(earliest, today), latest, shipped_on)


def for_order(estimates: Iterable[Estimate]) -> Estimate | None:
    """The order arrives with its last parcel: any parcel late or in trouble decides;
    else the latest window among the parcels still on their way."""
    every = list(estimates)
    pending = [e for e in every if e.basis is not Basis.DELIVERED]
    for basis in (Basis.PROBLEM, Basis.LATE, Basis.NO_TRANSIT, Basis.NOT_SHIPPED):
        found = next((e for e in pending if e.basis is basis), None)
        if found is not None:
            return found
    windows = [e for e in pending if e.window is not None]
    if not windows:
        return pending[0] if pending else (every[-1] if every else None)
    return max(windows, key=lambda e: (e.latest or date.min, e.earliest or date.min))
