"""When the refresh job asks a provider again, and how much quota it may spend (issue 21;
docs/tracking.md "Providers").

A moving parcel is asked every 6 hours; one that has been silent for days is asked less
often, since its news comes slowly and every call counts against the provider's rate. A
parcel in a final status is not asked again. Registering a number costs a unit of the
provider's quota: the job never spends the reserve kept for parcels the shop adds by hand.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from kefu.domain.tracking import FINAL
from kefu.domain.types import TrackingStatus

MOVING = timedelta(hours=6)
# (silent for at least…, ask again after…), longest silence first.
SILENT_STEPS = (
    (timedelta(days=10), timedelta(hours=24)),
    (timedelta(days=3), timedelta(hours=12)),
)


def next_poll(
    now: datetime,
    status: TrackingStatus | None,
    latest_event_at: datetime | None,
    registered_at: datetime | None,
) -> datetime | None:
    """When to ask about a parcel next; None once it has nothing more to tell."""
    if status in FINAL:
        return None
    since = latest_event_at or registered_at or now
    silent = now - since
    for at_least, wait in SILENT_STEPS:
        if silent >= at_least:
            return now + wait
    return now + MOVING


def spendable(remaining: int | None, reserve: int, wanted: int) -> int:
    """How many numbers to register now: what is wanted, within what the plan has left
    beyond the reserve; none when the quota is unknown (not read yet, or unreadable)."""
    if remaining is None or wanted <= 0:
        return 0
    return max(0, min(wanted, remaining - max(0, reserve)))


def health(stale_since: datetime | None, last_success_at: datetime | None) -> str:
    """A provider's health as the board says it: "stale" since its first failure after a
    success, "never" before its first success, else "ok"."""
    if stale_since is not None:
        return "stale"
    return "never" if last_success_at is None else "ok"
