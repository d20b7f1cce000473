"""Rules of connecting a store by OAuth (docs/channels.md "Connecting a store").

The `state` a browser carries to the platform and back is the only thing that ties the
platform's answer to the store and the account that asked: without these rules a link
crafted by someone else could attach their seller account to our store (login CSRF).
Token renewal is decided here too, so every client renews on the same rule.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum

# A consent page left open longer than this starts again: eBay's code itself lives ~5 min.
STATE_TTL = timedelta(minutes=15)
# A token with less than this left is renewed before the call, not after a refusal.
RENEW_AHEAD = timedelta(minutes=5)


class StateProblem(StrEnum):
    """Why a returning `state` is refused; each has words on the Stores page."""

    UNKNOWN = "state_unknown"
    USED = "state_used"
    EXPIRED = "state_expired"
    OTHER_ACCOUNT = "state_other_account"


def state_problem(
    *,
    found: bool,
    used_at: datetime | None,
    expires_at: datetime | None,
    account_matches: bool,
    now: datetime,
) -> StateProblem | None:
    """None when the state may complete the connection. Used once means used: a replayed
    callback (the browser's back button, a leaked URL) never connects twice."""
    if not found or expires_at is None:
        return StateProblem.UNKNOWN
    if used_at is not None:
        return StateProblem.USED
    if now >= expires_at:
        return StateProblem.EXPIRED
    if not account_matches:
        return StateProblem.OTHER_ACCOUNT
    return None


def needs_renewal(
    expires_at: datetime | None, now: datetime, ahead: timedelta = RENEW_AHEAD
) -> bool:
    """Whether to renew before calling: the token ends within `ahead`. An unknown expiry
    is not renewed ahead (the platform's 401 still renews it)."""
    return expires_at is not None and expires_at - now < ahead


def expiry(now: datetime, seconds: object) -> datetime | None:
    """An `expires_in` answer (seconds) as a moment; None when the platform gave none or
    something that is not a number of seconds."""
    if isinstance(seconds, bool) or not isinstance(seconds, int | float | str):
        return None
    try:
        value = float(seconds)
    except ValueError:
        return None
    if not 0 < value < 10 * 365 * 86400:
        return None
    return now + timedelta(seconds=value)
