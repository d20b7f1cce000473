"""The refresh job's parcels and the tracking providers' state (docs/tracking.md
"Providers"): which parcels a provider should start following, which are due to be asked
again (`parcels.next_poll_at`, indexed), and each provider's row in `tracking_providers`.

A parcel's provider columns say where it stands: `provider` None — nobody follows it yet;
`provider` set and `registered_at` set — followed, polled at `next_poll_at` (None once
final); `provider` set and `registered_at` None — the provider refused the number, it is
not offered again.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import Select, select, update
from sqlalchemy.orm import Session

from kefu.adapters.db import tables as t
from kefu.services.ports import MarketParcel, PollParcel, ProviderState

P = t.Parcel


class SqlTrackingPollRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def to_register(
        self, shipped_after: datetime, final: Collection[str], limit: int, store: str | None
    ) -> list[PollParcel]:
        query = (
            _parcels(store)
            .where(P.provider.is_(None), P.shipped_at >= shipped_after, P.tracking_number != "")
            .where(P.latest_status.is_(None) | P.latest_status.not_in(list(final)))
            .order_by(P.shipped_at, P.id)
            .limit(limit)
        )
        return self._read(query)

    def due(self, provider: str, now: datetime, limit: int, store: str | None) -> list[PollParcel]:
        query = (
            _parcels(store)
            .where(P.provider == provider, P.next_poll_at <= now)
            .order_by(P.next_poll_at, P.id)
            .limit(limit)
        )
        return self._read(query)

    def mark_registered(
        self, provider: str, carriers: Mapping[int, str | None], now: datetime
    ) -> None:
        for parcel_id, carrier in carriers.items():
            self.session.execute(
                update(P)
                .where(P.id == parcel_id)
                .values(
                    provider=provider,
                    provider_carrier=carrier,
                    registered_at=now,
                    next_poll_at=now,
                )
            )

    def mark_refused(self, provider: str, parcel_ids: Collection[int]) -> None:
        if parcel_ids:
            self.session.execute(
                update(P)
                .where(P.id.in_(list(parcel_ids)))
                .values(provider=provider, registered_at=None, next_poll_at=None)
            )

    def forget(self, parcel_ids: Collection[int]) -> None:
        if parcel_ids:
            self.session.execute(
                update(P)
                .where(P.id.in_(list(parcel_ids)))
                .values(provider=None, provider_carrier=None, registered_at=None, next_poll_at=None)
            )

    def polled(self, parcel_ids: Collection[int]) -> list[PollParcel]:
        if not parcel_ids:
            return []
        return self._read(select(*_COLUMNS).where(P.id.in_(list(parcel_ids))).order_by(P.id))

    def schedule(self, next_polls: Mapping[int, datetime | None], now: datetime) -> None:
        for parcel_id, at in next_polls.items():
            self.session.execute(
                update(P).where(P.id == parcel_id).values(polled_at=now, next_poll_at=at)
            )

    def marketplace_parcels(
        self,
        platform: str,
        shipped_after: datetime,
        final: Collection[str],
        now: datetime,
        limit: int,
        store: str | None,
    ) -> list[MarketParcel]:
        query = (
            select(
                P.id,
                t.Store.code,
                P.tracking_number,
                P.carrier,
                t.Order.order_number,
                t.Order.ship_to_country,
                P.latest_status,
                P.latest_event_at,
                P.registered_at,
            )
            .join(t.Order, t.Order.id == P.order_id)
            .join(t.Store, t.Store.id == t.Order.store_id)
            .where(t.Store.platform == platform, P.shipped_at >= shipped_after)
            .where(P.tracking_number != "")
            .where(P.latest_status.is_(None) | P.latest_status.not_in(list(final)))
            .where(P.provider.is_(None) | ((P.provider == platform) & (P.next_poll_at <= now)))
            .order_by(P.next_poll_at, P.id)
            .limit(limit)
        )
        if store is not None:
            query = query.where(t.Store.code == store)
        return [MarketParcel(*row) for row in self.session.execute(query)]

    def state(self, provider: str) -> ProviderState | None:
        row = self.session.get(t.TrackingProviderState, provider)
        return _state(row) if row is not None else None

    def states(self) -> list[ProviderState]:
        rows = self.session.scalars(
            select(t.TrackingProviderState).order_by(t.TrackingProviderState.name)
        )
        return [_state(row) for row in rows]

    def save_state(self, state: ProviderState) -> None:
        row = self.session.get(t.TrackingProviderState, state.name)
        if row is None:
            row = t.TrackingProviderState(name=state.name)
            self.session.add(row)
        row.quota_total, row.quota_used = state.quota_total, state.quota_used
        row.quota_checked_at = state.quota_checked_at
        row.last_success_at = state.last_success_at
        row.last_error = state.last_error[:500] if state.last_error else None
        row.last_error_at = state.last_error_at
        row.stale_since = state.stale_since

    def _read(self, query: Select[Any]) -> list[PollParcel]:
        return [
            PollParcel(
                id=row.id,
                tracking_number=row.tracking_number,
                carrier=row.carrier,
                provider_carrier=row.provider_carrier,
                latest_status=row.latest_status,
                latest_event_at=row.latest_event_at,
                registered_at=row.registered_at,
            )
            for row in self.session.execute(query)
        ]


_COLUMNS: tuple[Any, ...] = (
    P.id,
    P.tracking_number,
    P.carrier,
    P.provider_carrier,
    P.latest_status,
    P.latest_event_at,
    P.registered_at,
)


def _parcels(store: str | None) -> Select[Any]:
    query = select(*_COLUMNS)
    if store is not None:
        query = (
            query.join(t.Order, t.Order.id == P.order_id)
            .join(t.Store, t.Store.id == t.Order.store_id)
            .where(t.Store.code == store)
        )
    return query


def _state(row: t.TrackingProviderState) -> ProviderState:
    return ProviderState(
        name=row.name,
        quota_total=row.quota_total,
        quota_used=row.quota_used,
        quota_checked_at=row.quota_checked_at,
        last_success_at=row.last_success_at,
        last_error=row.last_error,
        last_error_at=row.last_error_at,
        stale_since=row.stale_since,
    )
