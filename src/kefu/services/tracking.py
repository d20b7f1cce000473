"""The one way tracking events are stored, whatever their source (issue 21, docs/tracking.md).

A provider's poll, a marketplace's tracking, the webhook and a file import all hand
`record_events` a batch of `IncomingEvent`s. Each event is normalised to the one status set
(domain/tracking_status.py), stored once per parcel, time and code (reading the same
document twice adds nothing), and every touched parcel's latest status is worked out again
from its whole history, so events out of order never move a parcel back. Events for a number
no parcel has are kept aside as orphans and join their parcel when it is created.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from kefu.domain.errors import InvalidInput
from kefu.domain.permissions import Permission
from kefu.domain.tracking import (
    MAX_CARRIER,
    MAX_CODE,
    MAX_DESCRIPTION,
    MAX_LOCATION,
    MAX_NUMBER,
    IncomingEvent,
    TrackingSource,
)
from kefu.domain.tracking_status import code_key, normal_text, normalise
from kefu.domain.types import TrackingStatus
from kefu.services import access
from kefu.services.access import Principal
from kefu.services.ports import (
    Clock,
    ConcurrentWriteError,
    EventRow,
    OrphanRow,
    OrphanSummary,
    TextRuleRow,
    TrackedParcel,
    UnitOfWork,
    UnmappedText,
)

# Two senders pushing the same event at once: the loser tries again and finds it stored.
MAX_ATTEMPTS = 3
# Events re-normalised per read when a lead maps a text.
REMAP_BATCH = 5000
MAX_RULE_TEXT = 500
MAX_LIST = 500


@dataclass(frozen=True)
class EventProblem:
    """Why one event of a batch was refused: its index in the batch and the field."""

    index: int
    field: str
    reason: str


@dataclass
class IngestReport:
    """What a batch did. `added` and `duplicates` count stored events per parcel (a number
    two stores share counts twice); `orphaned` counts events for numbers no parcel has
    (kept aside once); `unmapped` counts events whose words no rule maps."""

    received: int = 0
    added: int = 0
    duplicates: int = 0
    orphaned: int = 0
    unmapped: int = 0
    errors: list[EventProblem] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        return {
            "received": self.received,
            "added": self.added,
            "duplicates": self.duplicates,
            "orphaned": self.orphaned,
            "unmapped": self.unmapped,
            "errors": [
                {"index": e.index, "field": e.field, "reason": e.reason} for e in self.errors
            ],
        }


def _targets(parcels: list[TrackedParcel], carrier: str | None) -> list[TrackedParcel]:
    """The parcels an event is about: every parcel with its number, narrowed to those of the
    event's carrier when that leaves any (carriers' names vary between sources: "China
    Post", "china-post"; a number alone is nearly always unique)."""
    if carrier is None or len(parcels) < 2:
        return parcels
    wanted = code_key(carrier)
    same = [
        p
        for p in parcels
        if code_key(p.carrier) == wanted
        or (p.provider_carrier is not None and code_key(p.provider_carrier) == wanted)
    ]
    return same or parcels


def record_events(
    uow: UnitOfWork,
    events: Sequence[IncomingEvent],
    *,
    source: TrackingSource,
    now: datetime,
    store_ids: Collection[int] | None = None,
) -> IngestReport:
    """Store a batch of events in the caller's transaction (the caller commits).

    `store_ids` limits the parcels to some stores (a file import is one store's; a token
    held by someone who sees some stores updates those); None: every store's parcels with
    the number (the same number in two stores updates both).
    """
    report = IngestReport(received=len(events))
    if not events:
        return report
    by_number: dict[str, list[TrackedParcel]] = defaultdict(list)
    for p in uow.tracking.parcels_by_number(
        {e.tracking_number for e in events}, store_ids=store_ids
    ):
        by_number[p.tracking_number].append(p)
    pairs: list[tuple[int, IncomingEvent]] = []
    orphans: list[OrphanRow] = []
    for e in events:
        targets = _targets(by_number.get(e.tracking_number, []), e.carrier)
        if len(targets) == 1:  # nearly always: no list per event
            pairs.append((targets[0].id, e))
            continue
        if targets:
            pairs += [(p.id, e) for p in targets]
            continue
        orphans.append(
            OrphanRow(
                e.tracking_number,
                e.carrier or "",
                e.occurred_at,
                e.code,
                e.status.value if e.status is not None else None,
                e.location,
                e.description,
                source.value,
            )
        )
    known = {p.id: p for found in by_number.values() for p in found}
    stored = record_for_parcels(uow, pairs, source=source, known=known)
    report.added, report.duplicates = stored.added, stored.duplicates
    # Events kept aside are normalised when they join a parcel; counted unmapped then.
    report.unmapped = stored.unmapped
    report.orphaned = len(orphans)
    uow.tracking.add_orphans(orphans, now)
    return report


@dataclass
class Stored:
    """What storing events for known parcels did; `per_parcel` counts the events added."""

    added: int = 0
    duplicates: int = 0
    unmapped: int = 0
    per_parcel: dict[int, int] = field(default_factory=dict)


def record_for_parcels(
    uow: UnitOfWork,
    pairs: Sequence[tuple[int, IncomingEvent]],
    *,
    source: TrackingSource,
    known: Mapping[int, TrackedParcel] | None = None,
) -> Stored:
    """Events for parcels already known by id (a parcel file's rows name their parcel):
    normalised, stored once, and the parcels' latest status worked out again."""
    if not pairs:
        return Stored()
    rules = uow.tracking.text_rules()
    rows: list[EventRow] = []
    unmapped = 0
    # A batch repeats the same words (one carrier, one life): each is read once.
    words: dict[tuple[str, str, TrackingStatus | None], tuple[str, bool]] = {}
    origin = source.value
    for parcel_id, e in pairs:
        key = (e.code, e.description, e.status)
        found = words.get(key)
        if found is None:
            n = normalise(e.code, e.description, e.status, rules)
            found = words[key] = (n.status.value, n.mapped)
        status, mapped = found
        unmapped += not mapped
        rows.append(
            EventRow(
                parcel_id,
                e.occurred_at,
                e.code,
                status,
                mapped,
                origin,
                e.location,
                e.description,
            )
        )
    added = uow.tracking.add_events(rows, known)
    uow.tracking.advance(added, known)
    per_parcel: dict[int, int] = defaultdict(int)
    for r in added:
        per_parcel[r.parcel_id] += 1
    return Stored(len(added), len(rows) - len(added), unmapped, dict(per_parcel))


def adopt_orphans(uow: UnitOfWork, numbers: Collection[str], now: datetime) -> int:
    """Parcels just created take the events kept aside for their numbers; returns how many
    events were stored. Called wherever parcels are inserted (import, sync, pending)."""
    if not numbers:
        return 0
    taken = uow.tracking.take_orphans(numbers)
    by_source: dict[str, list[IncomingEvent]] = defaultdict(list)
    for o in taken:
        by_source[o.source].append(
            IncomingEvent(
                tracking_number=o.tracking_number,
                occurred_at=o.occurred_at,
                code=o.code,
                description=o.description,
                location=o.location,
                carrier=o.carrier or None,
                status=TrackingStatus(o.status) if o.status else None,
            )
        )
    added = 0
    for source, batch in by_source.items():
        added += record_events(uow, batch, source=TrackingSource(source), now=now).added
    return added


# --- the webhook's documented shape (docs/tracking.md "Webhook") ----------------------------

MAX_EVENTS = 1000
_LIMITS = {
    "tracking_number": MAX_NUMBER,
    "code": MAX_CODE,
    "description": MAX_DESCRIPTION,
    "location": MAX_LOCATION,
    "carrier": MAX_CARRIER,
    "status": MAX_CODE,
}
_FIELDS = frozenset(
    {"carrier", "tracking_number", "occurred_at", "code", "description", "location", "status"}
)


def parse_events(items: Sequence[object]) -> tuple[list[IncomingEvent], list[EventProblem]]:
    """kefu's event objects → events, and every problem by index and field (an event with
    any problem is not stored; the others are)."""
    events: list[IncomingEvent] = []
    problems: list[EventProblem] = []
    for index, item in enumerate(items):
        found = _parse_event(item)
        if isinstance(found, IncomingEvent):
            events.append(found)
        else:
            problems += [EventProblem(index, name, reason) for name, reason in found]
    return events, problems


def _parse_event(item: object) -> IncomingEvent | list[tuple[str, str]]:
    if not isinstance(item, dict):
        return [("(event)", "is not a JSON object")]
    out: list[tuple[str, str]] = [
        (str(name)[:64], "is not a field of an event") for name in item if name not in _FIELDS
    ]
    text = {name: _text(item.get(name), name, out) for name in sorted(_FIELDS - {"occurred_at"})}
    named = {name for name, _ in out}
    out += [
        (name, "is required")
        for name in ("tracking_number", "code")
        if not text[name] and name not in named
    ]
    status: TrackingStatus | None = None
    if text["status"] is not None:
        try:
            status = TrackingStatus(text["status"])
        except ValueError:
            out.append(("status", f"is not one of kefu's statuses ({', '.join(TrackingStatus)})"))
    at = _moment(item.get("occurred_at"), out)
    if out or at is None:
        return out
    return IncomingEvent(
        tracking_number=text["tracking_number"] or "",
        occurred_at=at,
        code=text["code"] or "",
        description=text["description"] or "",
        location=text["location"],
        carrier=text["carrier"],
        status=status,
    )


def _text(value: object, name: str, out: list[tuple[str, str]]) -> str | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        what = "carrier name" if name == "carrier" else "text"
        out.append((name, f"must be a {what} (got {type(value).__name__}): unknown shape"))
        return None
    if len(value) > _LIMITS.get(name, MAX_CODE):
        out.append((name, f"is longer than {_LIMITS.get(name, MAX_CODE)} characters"))
        return None
    return value.strip()


def _moment(value: object, out: list[tuple[str, str]]) -> datetime | None:
    if value is None or value == "":
        out.append(("occurred_at", "is required"))
        return None
    if not isinstance(value, str) or len(value) > 40:
        out.append(("occurred_at", "must be an ISO 8601 time with an offset"))
        return None
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        out.append(("occurred_at", "is not an ISO 8601 time (2026-12-06T14:22:00+08:00)"))
        return None
    if moment.tzinfo is None:
        out.append(("occurred_at", "has no time zone offset (write +08:00, Z…)"))
        return None
    return moment


# --- use cases behind the API and the pages -------------------------------------------------


def ingest(
    who: Principal,
    events: Sequence[IncomingEvent],
    problems: Sequence[EventProblem] = (),
    *,
    source: TrackingSource = TrackingSource.WEBHOOK,
    uow: UnitOfWork,
    clock: Clock,
) -> IngestReport:
    """A pushed batch (the webhook): the good events stored in one transaction, the bad
    ones reported by index and field. Someone who sees some stores updates their parcels."""
    access.require(who, Permission.RECORD_TRACKING)
    for attempt in range(1, MAX_ATTEMPTS + 1):
        try:
            with uow:
                report = record_events(
                    uow, events, source=source, now=clock.now(), store_ids=who.store_ids
                )
                uow.commit()
            break
        except ConcurrentWriteError:
            # Another sender stored one of these events first: the next try finds it.
            if attempt == MAX_ATTEMPTS:
                raise
    report.received += len(problems)
    report.errors = sorted(problems, key=lambda p: p.index)
    return report


def orphans(
    who: Principal, *, uow: UnitOfWork, limit: int = MAX_LIST
) -> tuple[list[OrphanSummary], int]:
    """Numbers with events kept aside, with counts per number and source."""
    access.require(who, Permission.REVIEW_TRACKING)
    with uow:
        return uow.tracking.orphans(min(limit, MAX_LIST))


def unmapped(
    who: Principal, *, uow: UnitOfWork, limit: int = MAX_LIST
) -> tuple[list[UnmappedText], int]:
    """The distinct texts no rule maps, most frequent first, each with an example parcel."""
    access.require(who, Permission.REVIEW_TRACKING)
    with uow:
        return uow.tracking.unmapped(min(limit, MAX_LIST))


def text_rules(who: Principal, *, uow: UnitOfWork) -> list[TextRuleRow]:
    access.require(who, Permission.REVIEW_TRACKING)
    with uow:
        return uow.tracking.rules()


@dataclass(frozen=True)
class MapResult:
    text: str
    status: TrackingStatus
    events: int  # events re-normalised by the rule
    parcels: int  # parcels whose latest status was worked out again


def map_text(who: Principal, text: str, status: str, *, uow: UnitOfWork, clock: Clock) -> MapResult:
    """A lead decides what some words mean: the rule is saved, every unmapped event it now
    maps is re-normalised and its parcel's latest status worked out again."""
    access.require(who, Permission.REVIEW_TRACKING)
    words = normal_text(text)
    if not words:
        raise InvalidInput("the text is empty", field="text")
    if len(words) > MAX_RULE_TEXT:
        raise InvalidInput(f"the text is longer than {MAX_RULE_TEXT} characters", field="text")
    try:
        chosen = TrackingStatus(status)
    except ValueError:
        raise InvalidInput(f"unknown status {status!r}", field="status", value=status) from None
    with uow:
        uow.tracking.save_rule(words, chosen, who.account_id, clock.now())
        rules = uow.tracking.text_rules()
        changed, parcels = 0, set[int]()
        after = 0
        while batch := uow.tracking.unmapped_events(after, REMAP_BATCH):
            after = batch[-1][0]
            remapped = [
                (event_id, n.status, parcel_id)
                for event_id, parcel_id, code, description in batch
                if (n := normalise(code, description, None, rules)).mapped
            ]
            uow.tracking.remap([(eid, st) for eid, st, _ in remapped])
            changed += len(remapped)
            parcels.update(pid for _, _, pid in remapped)
        uow.tracking.refresh(parcels)
        uow.commit()
    return MapResult(words, chosen, changed, len(parcels))
