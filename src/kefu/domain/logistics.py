"""The logistics board's rules (docs/logistics.md): which parcels need someone before the
buyer writes, from when, how badly, and what to do about each.

Pure: the caller gives the parcel's facts, the store's thresholds and the instant. "Days"
are whole 24-hour periods between two aware instants, so a parcel is flagged at the same
moment whatever zone its events or the reader are in. A rule flags a parcel only once
*more than* its threshold has passed (10 days without news: not at exactly 10 days).

The SQL that picks candidates (adapters/db/logistics.py) is bounded by the smallest
no-update threshold and the largest promise margin of the stores read, so its coarse
filter never drops a parcel a rule here would flag.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import IntEnum, StrEnum
from typing import Any

from kefu.domain.errors import FieldError, RowErrors
from kefu.domain.types import Marketplace, TrackingStatus

ANY = "*"  # the no-update threshold for carriers and destinations without their own
MAX_DAYS = 180
MAX_OVERRIDES = 200
MAX_KEY = 80
DAY = timedelta(days=1)


class Anomaly(StrEnum):
    NO_UPDATE = "no_update"
    AWAITING_PICKUP = "awaiting_pickup"
    CUSTOMS = "customs"  # information required, or held
    FAILED_DELIVERY = "failed_delivery"
    RETURNING = "returning"  # returning or returned to the sender
    LOST = "lost"
    PROMISE_AT_RISK = "promise_at_risk"
    PROMISE_PASSED = "promise_passed"
    DELIVERED_NOT_RECEIVED = "delivered_not_received"


class Severity(IntEnum):
    """Worst first on the board: a parcel that is gone or stuck before one that is late."""

    LOW = 1
    MEDIUM = 2
    HIGH = 3


SEVERITY: dict[Anomaly, Severity] = {
    Anomaly.LOST: Severity.HIGH,
    Anomaly.RETURNING: Severity.HIGH,
    Anomaly.CUSTOMS: Severity.HIGH,
    Anomaly.FAILED_DELIVERY: Severity.HIGH,
    Anomaly.DELIVERED_NOT_RECEIVED: Severity.HIGH,
    Anomaly.AWAITING_PICKUP: Severity.MEDIUM,
    Anomaly.NO_UPDATE: Severity.MEDIUM,
    Anomaly.PROMISE_PASSED: Severity.MEDIUM,
    Anomaly.PROMISE_AT_RISK: Severity.LOW,
}

# Statuses another rule speaks for: "no update" is about a parcel that should be moving.
# Expired (the carrier stopped tracking it) and a bare exception (no clearer status) count
# as "no update" at once: nobody can tell the buyer where the parcel is.
_OWN_RULE = frozenset(
    {
        TrackingStatus.DELIVERED,
        TrackingStatus.RETURNED,
        TrackingStatus.RETURNING,
        TrackingStatus.LOST,
        TrackingStatus.AWAITING_PICKUP,
        TrackingStatus.CUSTOMS_HOLD,
        TrackingStatus.FAILED_DELIVERY,
    }
)
_SILENT_AT_ONCE = frozenset({TrackingStatus.EXPIRED, TrackingStatus.EXCEPTION})
# A promise is no longer the question once the parcel is gone, back, or at the door.
_PROMISE_MOOT = frozenset(
    {
        TrackingStatus.DELIVERED,
        TrackingStatus.RETURNING,
        TrackingStatus.RETURNED,
        TrackingStatus.LOST,
    }
)
_NEARLY_THERE = frozenset({TrackingStatus.OUT_FOR_DELIVERY, TrackingStatus.AWAITING_PICKUP})


@dataclass(frozen=True, slots=True)
class ParcelFacts:
    """What the rules read of one parcel and its order (all instants aware)."""

    status: TrackingStatus | None
    status_since: datetime | None
    latest_event_at: datetime | None
    shipped_at: datetime | None
    carrier: str = ""
    destination: str | None = None  # ISO country of the order's address
    promised_delivery_at: datetime | None = None
    # The buyer wrote "not received" (the conversation's intent) after it was delivered.
    buyer_says_not_received: bool = False
    platform: str = ""


@dataclass(frozen=True)
class LogisticsThresholds:
    """A store's thresholds (logistics_settings). `no_update_days` keys: "*", a
    destination country ("US"), a carrier ("China Post"), or both ("China Post/BR");
    the most specific key that matches wins: carrier/country, carrier, country, "*"."""

    no_update_days: Mapping[str, int] = field(default_factory=lambda: {ANY: 10})
    pickup_days: int = 0  # the post office keeps a parcel ~2 weeks: tell the buyer at once
    promise_at_risk_days: int = 3
    # The table with case-folded keys, made once: the board looks a limit up per parcel.
    _folded: Mapping[str, int] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if problems := self._problems():
            raise RowErrors(problems)
        folded = {_key(k): v for k, v in self.no_update_days.items()}
        object.__setattr__(self, "_folded", folded)

    def _problems(self) -> list[FieldError]:
        out: list[FieldError] = []
        if ANY not in self.no_update_days:
            out.append(FieldError("no_update_days", 'needs a "*" entry for every other parcel'))
        if len(self.no_update_days) > MAX_OVERRIDES:
            out.append(FieldError("no_update_days", f"may have at most {MAX_OVERRIDES} entries"))
        for key, days in self.no_update_days.items():
            where = f"no_update_days.{key}"
            if not key.strip() or len(key) > MAX_KEY or key.count("/") > 1:
                out.append(
                    FieldError(
                        where,
                        f'must be "*", a carrier, a country or carrier/country '
                        f"(1–{MAX_KEY} characters)",
                        value=key,
                    )
                )
            if not _is_days(days, 1):
                out.append(FieldError(where, f"must be a whole number of days, 1–{MAX_DAYS}"))
        if not _is_days(self.pickup_days, 0):
            out.append(FieldError("pickup_days", f"must be a whole number of days, 0–{MAX_DAYS}"))
        if not _is_days(self.promise_at_risk_days, 0):
            out.append(
                FieldError("promise_at_risk_days", f"must be a whole number of days, 0–{MAX_DAYS}")
            )
        return out

    def no_update_limit(self, carrier: str, destination: str | None) -> int:
        table = self._folded
        carrier_key = carrier.strip().casefold()
        country = (destination or "").strip().casefold()
        for key in (f"{carrier_key}/{country}", carrier_key, country):
            if key and key != "/" and key in table:
                return table[key]
        return table[ANY]

    def smallest_no_update_days(self) -> int:
        return min(self.no_update_days.values())

    def to_dict(self) -> dict[str, Any]:
        return {
            "no_update_days": dict(self.no_update_days),
            "pickup_days": self.pickup_days,
            "promise_at_risk_days": self.promise_at_risk_days,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> LogisticsThresholds:
        """From `to_dict`'s form; absent keys take the defaults; wrong values raise
        RowErrors naming the field."""
        unknown = sorted(set(data) - {"no_update_days", "pickup_days", "promise_at_risk_days"})
        if unknown:
            raise RowErrors([FieldError(name, "is not a logistics setting") for name in unknown])
        table = data.get("no_update_days", {ANY: 10})
        if not isinstance(table, Mapping) or not all(isinstance(k, str) for k in table):
            raise RowErrors(
                [FieldError("no_update_days", 'must map "*", carriers or countries to days')]
            )
        return cls(
            no_update_days={k.strip(): v for k, v in table.items()},
            pickup_days=data.get("pickup_days", 0),
            promise_at_risk_days=data.get("promise_at_risk_days", 3),
        )


def _is_days(value: object, low: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and low <= value <= MAX_DAYS


def _key(key: str) -> str:
    return key.strip().casefold() if key.strip() != ANY else ANY


@dataclass(frozen=True, slots=True)
class Found:
    """One anomaly of one parcel: since when the situation behind it holds, and the whole
    days since then (days left before the promise, for a promise at risk)."""

    anomaly: Anomaly
    since: datetime
    severity: Severity
    days: int


def days_between(start: datetime, end: datetime) -> int:
    """Whole 24-hour periods from start to end (aware instants; 0 when end is earlier)."""
    days: int = (end - start) // DAY
    return days if days > 0 else 0


def _found(anomaly: Anomaly, since: datetime, now: datetime) -> Found:
    return Found(anomaly, since, SEVERITY[anomaly], days_between(since, now))


# --- one function per rule ----------------------------------------------------------------

# Members read once: an enum member looked up on its class costs a descriptor call, and
# the board runs these rules on tens of thousands of parcels.
_AWAITING_PICKUP = Anomaly.AWAITING_PICKUP
_CUSTOMS = Anomaly.CUSTOMS
_DELIVERED_NOT_RECEIVED = Anomaly.DELIVERED_NOT_RECEIVED
_FAILED_DELIVERY = Anomaly.FAILED_DELIVERY
_LOST = Anomaly.LOST
_NO_UPDATE = Anomaly.NO_UPDATE
_PROMISE_AT_RISK = Anomaly.PROMISE_AT_RISK
_PROMISE_PASSED = Anomaly.PROMISE_PASSED
_RETURNING = Anomaly.RETURNING
_S_AWAITING_PICKUP = TrackingStatus.AWAITING_PICKUP
_S_CUSTOMS_HOLD = TrackingStatus.CUSTOMS_HOLD
_S_DELIVERED = TrackingStatus.DELIVERED
_S_FAILED_DELIVERY = TrackingStatus.FAILED_DELIVERY
_S_LOST = TrackingStatus.LOST
_S_RETURNED = TrackingStatus.RETURNED
_S_RETURNING = TrackingStatus.RETURNING


def no_update(facts: ParcelFacts, th: LogisticsThresholds, now: datetime) -> Found | None:
    """No tracking news for more than the carrier's and destination's days (the shipping
    day counts as news until the first event). Expired or a bare exception: at once."""
    if facts.status in _OWN_RULE:
        return None
    last_news = facts.latest_event_at or facts.shipped_at
    if last_news is None:
        return None
    if facts.status in _SILENT_AT_ONCE:
        return _found(_NO_UPDATE, facts.status_since or last_news, now)
    limit = th.no_update_limit(facts.carrier, facts.destination)
    if now - last_news > limit * DAY:
        return _found(_NO_UPDATE, last_news, now)
    return None


def awaiting_pickup(facts: ParcelFacts, th: LogisticsThresholds, now: datetime) -> Found | None:
    """Waiting at the local post office or a pickup point for more than `pickup_days`."""
    if facts.status != _S_AWAITING_PICKUP:
        return None
    since = facts.status_since or facts.latest_event_at
    if since is None or now - since <= th.pickup_days * DAY:
        return None
    return _found(_AWAITING_PICKUP, since, now)


def _status_rule(anomaly: Anomaly, statuses: frozenset[TrackingStatus]) -> Rule:
    def rule(facts: ParcelFacts, th: LogisticsThresholds, now: datetime) -> Found | None:
        if facts.status not in statuses:
            return None
        since = facts.status_since or facts.latest_event_at or now
        return _found(anomaly, since, now)

    rule.__name__ = anomaly.value
    return rule


Rule = Callable[[ParcelFacts, LogisticsThresholds, datetime], Found | None]

customs = _status_rule(_CUSTOMS, frozenset({_S_CUSTOMS_HOLD}))
failed_delivery = _status_rule(_FAILED_DELIVERY, frozenset({_S_FAILED_DELIVERY}))
returning = _status_rule(_RETURNING, frozenset({_S_RETURNING, _S_RETURNED}))
lost = _status_rule(_LOST, frozenset({_S_LOST}))


def promise_passed(facts: ParcelFacts, th: LogisticsThresholds, now: datetime) -> Found | None:
    """The promised delivery day has come and the parcel is not delivered."""
    promised = facts.promised_delivery_at
    if promised is None or facts.status in _PROMISE_MOOT or now < promised:
        return None
    return _found(_PROMISE_PASSED, promised, now)


def promise_at_risk(facts: ParcelFacts, th: LogisticsThresholds, now: datetime) -> Found | None:
    """Fewer than `promise_at_risk_days` left before the promised day and the parcel is not
    yet out for delivery or at the post office. `days`: whole days left."""
    promised = facts.promised_delivery_at
    if promised is None or facts.status in _PROMISE_MOOT | _NEARLY_THERE or now >= promised:
        return None
    if promised - now >= th.promise_at_risk_days * DAY:
        return None
    since = promised - th.promise_at_risk_days * DAY
    return Found(_PROMISE_AT_RISK, since, SEVERITY[_PROMISE_AT_RISK], (promised - now) // DAY)


def delivered_not_received(
    facts: ParcelFacts, th: LogisticsThresholds, now: datetime
) -> Found | None:
    """Tracking says delivered, and the buyer wrote since that they did not receive it."""
    if facts.status != _S_DELIVERED or not facts.buyer_says_not_received:
        return None
    return _found(_DELIVERED_NOT_RECEIVED, facts.status_since or now, now)


RULES: tuple[Rule, ...] = (
    no_update,
    awaiting_pickup,
    customs,
    failed_delivery,
    returning,
    lost,
    promise_passed,
    promise_at_risk,
    delivered_not_received,
)


def anomalies(facts: ParcelFacts, th: LogisticsThresholds, now: datetime) -> list[Found]:
    """Every anomaly of the parcel, worst first."""
    found = [f for rule in RULES if (f := rule(facts, th, now)) is not None]
    return sorted(found, key=lambda f: (-f.severity, -f.days))


# --- what to do -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Proposal:
    """The template to send the buyer, or, where the platform forbids the message, an
    internal task (template None)."""

    anomaly: Anomaly
    template: str | None

    @property
    def is_task(self) -> bool:
        return self.template is None


TEMPLATES: dict[Anomaly, str] = {
    Anomaly.NO_UPDATE: "tracking_no_update",
    Anomaly.AWAITING_PICKUP: "tracking_at_post_office",
    Anomaly.CUSTOMS: "customs_information_required",
    Anomaly.FAILED_DELIVERY: "delivery_failed",
    Anomaly.RETURNING: "parcel_returning",
    Anomaly.LOST: "parcel_lost",
    Anomaly.PROMISE_AT_RISK: "promise_at_risk",
    Anomaly.PROMISE_PASSED: "tracking_delayed",
    Anomaly.DELIVERED_NOT_RECEIVED: "delivered_not_received",
}
# Amazon sends shipping and tracking news itself and forbids the shop's (SPEC §13).
NO_PROACTIVE_SHIPPING = frozenset({Marketplace.AMAZON.value})


def proposal(anomaly: Anomaly, platform: str) -> Proposal:
    if platform in NO_PROACTIVE_SHIPPING:
        return Proposal(anomaly, None)
    return Proposal(anomaly, TEMPLATES[anomaly])


def task_key(parcel_id: int, anomaly: Anomaly) -> str:
    """One task per parcel and anomaly, however often it is found."""
    return f"parcel:{parcel_id}:{anomaly.value}"


# --- the board's rows -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ParcelRow:
    """A parcel the board may list, with what a person needs to act on it."""

    parcel_id: int
    order_id: int
    order_number: str
    store_id: int
    store_name: str
    buyer_name: str | None
    facts: ParcelFacts
    tracking_number: str


@dataclass(frozen=True)
class BoardFilters:
    store_id: int | None = None
    anomaly: Anomaly | None = None
    carrier: str | None = None
    destination: str | None = None
    show_handled: bool = False
    page: int = 1
    page_size: int = 50


@dataclass(frozen=True)
class BoardLine:
    """One parcel and one of its anomalies, with what to do and whether it was done."""

    row: ParcelRow
    found: Found
    proposal: Proposal
    handled_at: datetime | None  # a message or task recorded after the anomaly began
