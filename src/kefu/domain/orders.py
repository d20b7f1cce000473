"""Order and parcel facts the workbench reasons about (SPEC §4, §9)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from kefu.domain.logistics import LogisticsThresholds, ParcelFacts, anomalies
from kefu.domain.types import OrderStatus, TrackingStatus

PAID_NOT_DELIVERED = frozenset(
    {OrderStatus.PAID, OrderStatus.ALLOCATED, OrderStatus.PICKED, OrderStatus.SHIPPED}
)
DEFAULT_THRESHOLDS = LogisticsThresholds()
# "Tracking not updating" (SPEC §3): a parcel in transit with no news for this long (the
# logistics board's default, domain/logistics.py).
TRACKING_STALE_AFTER = timedelta(days=DEFAULT_THRESHOLDS.no_update_limit("", None))


@dataclass(frozen=True)
class ParcelState:
    """What priority and stage need to know about one parcel."""

    latest_status: TrackingStatus | None
    latest_event_at: datetime | None
    shipped_at: datetime | None


def is_paid_not_delivered(status: OrderStatus) -> bool:
    return status in PAID_NOT_DELIVERED


def parcel_has_problem(parcel: ParcelState, now: datetime) -> bool:
    """A parcel is a logistics problem when the board's rules (domain/logistics.py, default
    thresholds, without the order's promise) find an anomaly: the side panel's flag and
    the board agree."""
    facts = ParcelFacts(
        status=parcel.latest_status,
        status_since=parcel.latest_event_at,
        latest_event_at=parcel.latest_event_at,
        shipped_at=parcel.shipped_at,
    )
    return bool(anomalies(facts, DEFAULT_THRESHOLDS, now))


def tracking_link(tracking_number: str) -> str:
    """The buyer-facing tracking page (SPEC §9 names 17TRACK)."""
    return f"https://t.17track.net/en#nums={tracking_number}"
