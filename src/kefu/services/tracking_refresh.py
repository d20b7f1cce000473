"""The tracking refresh (issue 21; docs/tracking.md "Providers"): parcels followed by a
tracking provider without anyone asking.

Each run reads the provider's quota, registers the parcels shipped lately that nobody
follows yet — never more than the quota left beyond a reserve, since each registration
costs a unit — then asks about the parcels whose `next_poll_at` has come, stores their
events through the one ingest use case (services/tracking.py), and schedules each
parcel's next poll (domain/tracking_polls.py). A parcel in a final status is polled no
more, and the provider is told to stop following it.

No transaction is held open while the provider answers: each batch is written in its own
unit of work (its events and its parcels' next polls together), so a run that fails
halfway keeps the registrations it paid for. The provider's row in `tracking_providers`
records the run: the quota, the last success, and since when its data is stale (the first
failure after a success; a shortage of quota that leaves parcels unregistered counts as
one).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from kefu.domain.permissions import Permission
from kefu.domain.tracking import FINAL, TrackingSource
from kefu.domain.tracking_polls import next_poll, spendable
from kefu.domain.types import TrackingStatus
from kefu.services import access
from kefu.services.access import Principal
from kefu.services.ports import (
    ChannelError,
    Clock,
    MarketParcel,
    MarketplaceTracking,
    PollParcel,
    ProviderState,
    StoredConnection,
    TrackingProvider,
    TrackingProviderError,
    TrackQuota,
    TrackRequest,
    UnitOfWork,
)
from kefu.services.tracking import record_events

# 17TRACK's refusals (docs/tracking.md): already registered, not registered, and the two
# quota limits (daily, plan). A stop refused because the number is stopped already
# (-18019906) changes nothing.
ALREADY_REGISTERED = "-18019901"
NOT_REGISTERED = "-18019902"
QUOTA_CODES = frozenset({"-18019907", "-18019908"})


@dataclass(frozen=True)
class RefreshOptions:
    """How far back a shipped parcel is still registered, how much quota stays unspent
    (numbers the shop registers by hand), and the most parcels one run handles."""

    shipped_within: timedelta = timedelta(days=60)
    reserve: int = 20
    register_limit: int = 400
    poll_limit: int = 400


@dataclass
class RefreshReport:
    provider: str
    registered: int = 0
    refused: int = 0
    polled: int = 0
    # Events stored for the first time (a poll that repeats what was read adds none).
    events: int = 0
    stopped: int = 0
    # Parcels left unregistered because the quota (beyond the reserve) ran out.
    waiting_for_quota: int = 0
    quota_left: int | None = None
    error: str | None = None
    refusals: list[tuple[str, str, str]] = field(default_factory=list)


def refresh(
    uow: Callable[[], UnitOfWork],
    provider: TrackingProvider,
    clock: Clock,
    *,
    store: str | None = None,
    options: RefreshOptions | None = None,
) -> RefreshReport:
    """One refresh run for one provider (the tracking_refresh job, `kefu tracking
    refresh`); a provider that fails stops the run and is recorded, never raised."""
    options = options or RefreshOptions()
    now = clock.now()
    report = RefreshReport(provider.name)
    quota: TrackQuota | None = None
    try:
        quota = provider.quota()
        report.quota_left = quota.remaining
        _register(uow, provider, quota, report, now, store, options)
        _poll(uow, provider, report, now, store, options)
    except TrackingProviderError as exc:
        report.error = str(exc)
    if report.error is None and report.waiting_for_quota:
        report.error = f"quota exhausted: {report.waiting_for_quota} parcels wait to be registered"
    _save_state(uow, provider.name, report, quota, now)
    return report


def _register(
    uow: Callable[[], UnitOfWork],
    provider: TrackingProvider,
    quota: TrackQuota,
    report: RefreshReport,
    now: datetime,
    store: str | None,
    options: RefreshOptions,
) -> None:
    with uow() as u:
        wanted = u.tracking_polls.to_register(
            now - options.shipped_within, FINAL, options.register_limit, store
        )
    numbers = _by_number(wanted)
    allowed = spendable(quota.remaining, options.reserve, len(numbers))
    report.waiting_for_quota = len(numbers) - allowed
    pending = list(numbers)[:allowed]
    for start in range(0, len(pending), provider.batch_size):
        batch = pending[start : start + provider.batch_size]
        answer = provider.register([TrackRequest(n) for n in batch])
        carriers = {n.number: n.carrier for n in answer.accepted}
        refused: list[int] = []
        for refusal in answer.refused:
            if refusal.code == ALREADY_REGISTERED:
                carriers[refusal.number] = None
            elif refusal.code in QUOTA_CODES:
                report.waiting_for_quota += 1
            else:
                refused.extend(numbers.get(refusal.number, []))
                report.refusals.append((refusal.number, refusal.code, refusal.message))
        with uow() as u:
            u.tracking_polls.mark_registered(
                provider.name,
                {pid: carrier for n, carrier in carriers.items() for pid in numbers.get(n, [])},
                now,
            )
            u.tracking_polls.mark_refused(provider.name, refused)
            u.commit()
        report.registered += len(answer.accepted)
        report.refused = len(report.refusals)
        if report.quota_left is not None:
            report.quota_left = max(0, report.quota_left - len(answer.accepted))
        if any(r.code in QUOTA_CODES for r in answer.refused):
            # The provider counts differently from its quota answer: stop spending.
            report.waiting_for_quota += len(pending) - start - len(batch)
            return


def _poll(
    uow: Callable[[], UnitOfWork],
    provider: TrackingProvider,
    report: RefreshReport,
    now: datetime,
    store: str | None,
    options: RefreshOptions,
) -> None:
    with uow() as u:
        due = u.tracking_polls.due(provider.name, now, options.poll_limit, store)
    for batch in _batches(due, provider.batch_size):
        numbers = _by_number(batch)
        carriers = {p.tracking_number: p.provider_carrier for p in batch}
        answer = provider.track_info([TrackRequest(n, carriers[n]) for n in numbers])
        events = [event for info in answer.infos for event in info.events]
        lost = [
            pid
            for r in answer.refused
            if r.code == NOT_REGISTERED
            for pid in numbers.get(r.number, [])
        ]
        with uow() as u:
            ingest = record_events(u, events, source=TrackingSource.SEVENTEEN_TRACK, now=now)
            u.tracking_polls.forget(lost)
            polled = u.tracking_polls.polled([p.id for p in batch if p.id not in lost])
            schedule = {p.id: _next(p, now) for p in polled}
            u.tracking_polls.schedule(schedule, now)
            u.commit()
        report.polled += len(polled)
        report.events += ingest.added
        final = sorted(
            {(p.tracking_number, p.provider_carrier) for p in polled if schedule[p.id] is None}
        )
        if final:
            stopped = provider.stop([TrackRequest(n, c) for n, c in final])
            report.stopped += len(stopped.accepted)


# The marketplaces whose own tracking kefu reads when no provider is configured.
MARKETPLACE_TRACKING = ("aliexpress",)


def refresh_marketplaces(
    uow: Callable[[], UnitOfWork],
    open_tracking: Callable[[StoredConnection], MarketplaceTracking | None],
    clock: Clock,
    *,
    store: str | None = None,
    options: RefreshOptions | None = None,
) -> RefreshReport:
    """Without a tracking provider: ask AliExpress itself about its orders' parcels
    (querytrackingresult), one parcel a call, with the same back-off and final statuses;
    events are stored with source `marketplace`. Nothing is registered and no quota is
    spent. A store whose connection cannot be opened or whose platform fails is recorded
    in the `aliexpress` provider row (stale since); a parcel the platform has no tracking
    for is asked again at its next poll."""
    options = options or RefreshOptions()
    now = clock.now()
    report = RefreshReport(MARKETPLACE_TRACKING[0])
    with uow() as u:
        parcels = u.tracking_polls.marketplace_parcels(
            report.provider,
            now - options.shipped_within,
            FINAL,
            now,
            options.poll_limit,
            store,
        )
        connections = {c.store_code: c for c in u.connections.connections(enabled_only=True)}
    by_store: dict[str, list[MarketParcel]] = defaultdict(list)
    for parcel in parcels:
        by_store[parcel.store_code].append(parcel)
    for code, waiting in by_store.items():
        conn = connections.get(code)
        if conn is None:
            continue  # not connected: the marketplace cannot be asked
        try:
            _ask_marketplace(uow, open_tracking, conn, waiting, report, now)
        except ChannelError as exc:
            report.error = f"{code}: {exc}"
    report.refused = len(report.refusals)
    if report.polled or report.error:  # a run that asked nobody says nothing of health
        _save_state(uow, report.provider, report, None, now)
    return report


def _ask_marketplace(
    uow: Callable[[], UnitOfWork],
    open_tracking: Callable[[StoredConnection], MarketplaceTracking | None],
    conn: StoredConnection,
    parcels: list[MarketParcel],
    report: RefreshReport,
    now: datetime,
) -> None:
    tracker = open_tracking(conn)
    if tracker is None:
        return
    try:
        for parcel in parcels:
            try:
                events = tracker.tracking(
                    parcel.tracking_number,
                    service=parcel.carrier,
                    order_id=parcel.order_number,
                    to_area=parcel.ship_to_country or "",
                )
            except ChannelError as exc:
                if exc.retryable:
                    raise
                report.refusals.append((parcel.tracking_number, "none", str(exc)))
                events = []
            with uow() as u:
                ingest = record_events(
                    u, events, source=TrackingSource.MARKETPLACE, now=now, store_ids=[conn.store_id]
                )
                if parcel.registered_at is None:
                    u.tracking_polls.mark_registered(report.provider, {parcel.id: None}, now)
                (polled,) = u.tracking_polls.polled([parcel.id])
                u.tracking_polls.schedule({parcel.id: _next(polled, now)}, now)
                u.commit()
            report.registered += parcel.registered_at is None
            report.polled += 1
            report.events += ingest.added
    finally:
        tracker.close()


def _next(parcel: PollParcel, now: datetime) -> datetime | None:
    status = _status(parcel.latest_status)
    return next_poll(now, status, parcel.latest_event_at, parcel.registered_at)


def _status(value: str | None) -> TrackingStatus | None:
    try:
        return TrackingStatus(value) if value else None
    except ValueError:
        return None


def _by_number(parcels: Sequence[PollParcel]) -> dict[str, list[int]]:
    """Parcel ids per tracking number (several orders may share one number): the
    provider follows a number once."""
    out: dict[str, list[int]] = defaultdict(list)
    for parcel in parcels:
        out[parcel.tracking_number].append(parcel.id)
    return dict(out)


def _batches(parcels: Sequence[PollParcel], size: int) -> Iterator[list[PollParcel]]:
    """Batches of at most `size` distinct numbers, a number's parcels kept together."""
    numbers = _by_number(parcels)
    names = list(numbers)
    by_id = {p.id: p for p in parcels}
    for start in range(0, len(names), size):
        yield [by_id[pid] for n in names[start : start + size] for pid in numbers[n]]


def _save_state(
    uow: Callable[[], UnitOfWork],
    name: str,
    report: RefreshReport,
    quota: TrackQuota | None,
    now: datetime,
) -> None:
    with uow() as u:
        old = u.tracking_polls.state(name) or ProviderState(
            name, None, None, None, None, None, None, None
        )
        state = old
        if quota is not None:
            used = quota.used + (quota.remaining - (report.quota_left or 0))
            state = replace(state, quota_total=quota.total, quota_used=used, quota_checked_at=now)
        if report.error is None:
            state = replace(state, last_success_at=now, stale_since=None)
        else:
            state = replace(
                state,
                last_error=report.error,
                last_error_at=now,
                stale_since=old.stale_since or now,
            )
        u.tracking_polls.save_state(state)
        u.commit()


def provider_states(who: Principal, *, uow: UnitOfWork) -> list[ProviderState]:
    """Each tracking provider's health and quota (GET /api/v1/tracking/providers): whoever
    sees the inbox may know since when tracking data is stale."""
    access.require(who, Permission.VIEW_INBOX)
    with uow:
        return uow.tracking_polls.states()
