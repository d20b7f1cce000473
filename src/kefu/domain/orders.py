"""Order and parcel facts the workbench reasons about (SPEC §4, §9)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from kefu.domain.types import OrderStatus, TrackingStatus

PAID_NOT_DELIVERED = frozenset(
    {OrderStatus.PAID, OrderStatus.ALLOCATED, OrderStatus.PICKED, OrderStatus.SHIPPED}
)
# Tracking states that mean the parcel needs someone to act (SPEC §3 logistics, §4 priority).
PROBLEM_TRACKING = frozenset(
    {
        TrackingStatus.CUSTOMS_HOLD,
        TrackingStatus.FAILED_DELIVERY,
        TrackingStatus.EXCEPTION,
        TrackingStatus.RETURNED,
        TrackingStatus.AWAITING_PICKUP,
    }
)
# "Tracking not updating" (SPEC §3): a parcel in transit with no news for this long.
TRACKING_STALE_AFTER = timedelta(days=10)


@dataclass(frozen=True)
class ParcelState:
    """What priority and stage need to know about one parcel."""

    latest_status: TrackingStatus | None
    latest_event_at: datetime | None
    shipped_at: datetime | None


def is_paid_not_delivered(status: OrderStatus) -> bool:
    return status in PAID_NOT_DELIVERED


def parcel_has_problem(parcel: ParcelState, now: datetime) -> bool:
    """A parcel is a logistics problem when tracking says so or has gone silent."""
    if parcel.latest_status in PROBLEM_TRACKING:
        return True
    if parcel.latest_status == TrackingStatus.DELIVERED:
        return False
    last_news = parcel.latest_event_at or parcel.shipped_at
    return last_news is not None and now - last_news > TRACKING_STALE_AFTER


def tracking_link(tracking_number: str) -> str:
    """The buyer-facing tracking page (SPEC §9 names 17TRACK)."""
    return f"https://t.17track.net/en#nums={tracking_number}"
