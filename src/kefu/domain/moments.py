"""Moments as the platforms' APIs and kefu's stored credentials write them.

Every marketplace writes ISO 8601, some with `Z`, some with an offset, a few without a
zone; kefu reads them all one way so a token expiry or an order's change time compares
the same whichever adapter read it.
"""

from __future__ import annotations

from datetime import UTC, datetime


def parse_moment(value: object) -> datetime | None:
    """An ISO 8601 moment in UTC (`Z` or an offset; one without a zone is taken as UTC);
    None when absent or unreadable, for the caller to say so in its own words."""
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def iso_millis(moment: datetime) -> str:
    """A moment as eBay's APIs write and take one: ISO 8601 in UTC, milliseconds, `Z`."""
    utc = moment.astimezone(UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"
