"""The logistics board's SQL (docs/logistics.md): candidate parcels, stores' thresholds,
the notices and tasks that record what was done, and the tracking providers' staleness.

The board must answer for 200,000 parcels in under a second, so SQL drops every parcel no
rule could flag (coarse bounds computed in Python, no date arithmetic in SQL) and
domain/logistics.py decides on the few that remain.
"""

from __future__ import annotations

import random
from collections.abc import Collection, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import (
    DateTime,
    Engine,
    Select,
    and_,
    exists,
    false,
    func,
    insert,
    or_,
    select,
    type_coerce,
    update,
)
from sqlalchemy.orm import Session

from kefu.adapters.db import tables as t
from kefu.domain.logistics import BoardFilters, ParcelFacts, ParcelRow
from kefu.domain.types import TrackingStatus
from kefu.services.ports import TaskRow

NOT_RECEIVED_INTENT = "not_received"
# Statuses that need someone whatever the time (domain/logistics.py, their own rules).
_AT_ONCE = tuple(
    s.value
    for s in (
        TrackingStatus.AWAITING_PICKUP,
        TrackingStatus.CUSTOMS_HOLD,
        TrackingStatus.FAILED_DELIVERY,
        TrackingStatus.RETURNING,
        TrackingStatus.RETURNED,
        TrackingStatus.LOST,
        TrackingStatus.EXPIRED,
        TrackingStatus.EXCEPTION,
    )
)
# Statuses that should be moving: flagged when silent for long.
_MOVING = tuple(
    s.value
    for s in (
        TrackingStatus.INFO_RECEIVED,
        TrackingStatus.IN_TRANSIT,
        TrackingStatus.ARRIVED_DESTINATION,
        TrackingStatus.CUSTOMS,
        TrackingStatus.CUSTOMS_CLEARED,
        TrackingStatus.OUT_FOR_DELIVERY,
    )
)
_PROMISE_MOOT = tuple(
    s.value
    for s in (
        TrackingStatus.DELIVERED,
        TrackingStatus.RETURNING,
        TrackingStatus.RETURNED,
        TrackingStatus.LOST,
    )
)


_STATUS = {s.value: s for s in TrackingStatus}
_DELIVERED = TrackingStatus.DELIVERED.value


class SqlLogisticsRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    # --- thresholds ----------------------------------------------------------------------

    def thresholds(self, store_ids: Collection[int] | None) -> dict[int, dict[str, Any]]:
        query = select(t.LogisticsSettings.store_id, t.LogisticsSettings.settings)
        if store_ids is not None:
            query = query.where(t.LogisticsSettings.store_id.in_(list(store_ids)))
        return {store_id: dict(settings) for store_id, settings in self.session.execute(query)}

    def save_thresholds(
        self, store_id: int, settings: dict[str, Any], at: datetime, by: int | None
    ) -> None:
        row = self.session.get(t.LogisticsSettings, store_id)
        if row is None:
            self.session.add(
                t.LogisticsSettings(
                    store_id=store_id, settings=settings, updated_at=at, updated_by=by
                )
            )
        else:
            row.settings, row.updated_at, row.updated_by = settings, at, by
        self.session.flush()

    # --- candidates ----------------------------------------------------------------------

    def candidates(
        self,
        filters: BoardFilters,
        store_ids: Collection[int] | None,
        *,
        silent_before: datetime,
        promised_before: datetime,
    ) -> list[ParcelRow]:
        """Every parcel a rule could flag: a status that needs someone, a moving parcel
        without news since `silent_before`, a promise before `promised_before`, or a
        delivered parcel the buyer wrote about after delivery. The last are read from
        the few "not received" conversations, not probed for every delivered parcel."""
        p, o = t.Parcel, t.Order
        silent = or_(
            p.latest_event_at < silent_before,
            and_(p.latest_event_at.is_(None), p.shipped_at < silent_before),
        )
        needs = or_(
            p.latest_status.in_(_AT_ONCE),
            and_(or_(p.latest_status.is_(None), p.latest_status.in_(_MOVING)), silent),
            and_(
                o.promised_delivery_at < promised_before,
                or_(p.latest_status.is_(None), p.latest_status.not_in(_PROMISE_MOOT)),
            ),
        )
        c = t.Conversation
        said = (
            select(*_COLUMNS)
            .select_from(c)
            .join(o, o.id == c.order_id)
            .join(p, p.order_id == o.id)
            .where(
                c.intent == NOT_RECEIVED_INTENT,
                p.latest_status == _DELIVERED,
                c.last_buyer_message_at > p.status_since,
            )
        )
        # Core rows, not ORM ones: the ORM's per-row loading costs more than the rules.
        run = self.session.connection().execute
        main = select(*_COLUMNS).select_from(p).join(o, o.id == p.order_id).where(needs)
        rows = run(self._scoped(main, filters, store_ids)).all()
        told = run(self._scoped(said, filters, store_ids)).all()
        out = [_row(r, said=False) for r in rows]
        seen: set[int] = set()
        for r in told:  # an order may have several such conversations
            if r[0] not in seen:
                seen.add(r[0])
                out.append(_row(r, said=True))
        return out

    @staticmethod
    def _scoped(
        query: Select[Any], filters: BoardFilters, store_ids: Collection[int] | None
    ) -> Select[Any]:
        """The board's joins and filters on a query of `_COLUMNS` that joined parcels to
        their orders."""
        p, o = t.Parcel, t.Order
        query = (
            query.join(t.Store, t.Store.id == o.store_id)
            .join(t.Buyer, t.Buyer.id == o.buyer_id)
            .where(t.Store.archived_at.is_(None))
        )
        if store_ids is not None:
            query = query.where(o.store_id.in_(list(store_ids)) if store_ids else false())
        if filters.store_id is not None:
            query = query.where(o.store_id == filters.store_id)
        if filters.carrier:
            query = query.where(p.carrier == filters.carrier)
        if filters.destination:
            query = query.where(o.ship_to_country == filters.destination)
        return query

    def parcel(self, parcel_id: int) -> ParcelRow | None:
        """One parcel as the board reads it, whatever its state (to act on it)."""
        p, o = t.Parcel, t.Order
        said = (
            exists()
            .where(
                t.Conversation.order_id == o.id,
                t.Conversation.intent == NOT_RECEIVED_INTENT,
                t.Conversation.last_buyer_message_at > p.status_since,
            )
            .correlate(p, o)
        )
        r = self.session.execute(
            select(*_COLUMNS, said)
            .join(o, o.id == p.order_id)
            .join(t.Store, t.Store.id == o.store_id)
            .join(t.Buyer, t.Buyer.id == o.buyer_id)
            .where(p.id == parcel_id)
        ).first()
        return None if r is None else _row(r, said=bool(r[15]))

    def conversations(self, order_ids: Collection[int]) -> dict[int, tuple[int, str | None]]:
        """Per order, its latest conversation and that conversation's language."""
        c = t.Conversation
        out: dict[int, tuple[int, str | None]] = {}
        for part in _chunks(sorted(set(order_ids))):
            rows = self.session.execute(
                select(c.order_id, c.id, c.language)
                .where(c.order_id.in_(part))
                .order_by(c.order_id, c.last_message_at, c.id)
            )
            for order_id, conversation_id, language in rows:
                if order_id is not None:
                    out[order_id] = (conversation_id, language)
        return out

    def buyer_languages(self, order_ids: Collection[int]) -> dict[int, str | None]:
        rows = self.session.execute(
            select(t.Order.id, t.Buyer.language)
            .join(t.Buyer, t.Buyer.id == t.Order.buyer_id)
            .where(t.Order.id.in_(list(order_ids)))
        )
        return {order_id: language for order_id, language in rows}

    # --- what was done -------------------------------------------------------------------

    def notices(self, parcel_ids: Collection[int]) -> dict[tuple[int, str], datetime]:
        """One range read, not an IN list per few hundred ids: the board asks for tens of
        thousands of parcels, and notices are few beside them."""
        if not parcel_ids:
            return {}
        n = t.ParcelNotice
        wanted = set(parcel_ids)
        rows = self.session.execute(
            select(n.parcel_id, n.anomaly, n.at).where(
                n.parcel_id >= min(wanted), n.parcel_id <= max(wanted)
            )
        )
        return {(p, a): at for p, a, at in rows if p in wanted}

    def record_notice(
        self,
        parcel_id: int,
        anomaly: str,
        *,
        message_id: int | None,
        task_id: int | None,
        at: datetime,
        by: int | None,
    ) -> None:
        """One row per parcel and anomaly: a later occurrence's notice replaces it."""
        n = t.ParcelNotice
        changed = self.session.execute(
            update(n)
            .where(n.parcel_id == parcel_id, n.anomaly == anomaly)
            .values(message_id=message_id, task_id=task_id, at=at, by=by)
        )
        if not changed.rowcount:  # type: ignore[attr-defined]
            self.session.execute(
                insert(n).values(
                    parcel_id=parcel_id,
                    anomaly=anomaly,
                    message_id=message_id,
                    task_id=task_id,
                    at=at,
                    by=by,
                )
            )

    def message_id(self, store_id: int, platform_message_id: str) -> int | None:
        m = t.Message
        return self.session.scalar(
            select(m.id).where(m.store_id == store_id, m.platform_message_id == platform_message_id)
        )

    def stale_since(self) -> dict[str, datetime]:
        """Per tracking provider that failed since its last success, since when."""
        tp = t.TrackingProviderState
        rows = self.session.execute(
            select(tp.name, tp.stale_since).where(tp.stale_since.is_not(None))
        )
        return {name: since for name, since in rows if since is not None}

    # --- tasks ---------------------------------------------------------------------------

    def add_task(self, task: TaskRow) -> int:
        """The task with this key, created unless it exists (its id either way)."""
        found = self.session.scalar(select(t.Task.id).where(t.Task.key == task.key))
        if found is not None:
            return found
        row = t.Task(
            key=task.key,
            store_id=task.store_id,
            kind=task.kind,
            conversation_id=task.conversation_id,
            order_id=task.order_id,
            parcel_id=task.parcel_id,
            title=task.title,
            detail=task.detail,
            created_at=task.created_at,
            created_by=task.created_by,
        )
        self.session.add(row)
        self.session.flush()
        return row.id

    def tasks(
        self, store_ids: Collection[int] | None, *, open_only: bool, limit: int
    ) -> list[TaskRow]:
        k = t.Task
        query = select(k, t.Store.name).join(t.Store, t.Store.id == k.store_id)
        if store_ids is not None:
            query = query.where(k.store_id.in_(list(store_ids)) if store_ids else false())
        if open_only:
            query = query.where(k.done_at.is_(None))
        query = query.order_by(k.done_at.is_not(None), k.created_at.desc(), k.id.desc())
        return [_task(row, name) for row, name in self.session.execute(query.limit(limit))]

    def task(self, task_id: int) -> TaskRow | None:
        found = self.session.execute(
            select(t.Task, t.Store.name)
            .join(t.Store, t.Store.id == t.Task.store_id)
            .where(t.Task.id == task_id)
        ).first()
        return None if found is None else _task(found[0], found[1])

    def finish_task(self, task_id: int, at: datetime) -> None:
        self.session.execute(
            update(t.Task).where(t.Task.id == task_id, t.Task.done_at.is_(None)).values(done_at=at)
        )


def _plain(column: Any) -> Any:
    """The column read as a bare DateTime: `_utc` then marks SQLite's naive values as UTC,
    cheaper per row than the UTCDateTime decorator on tens of thousands of candidates."""
    return type_coerce(column, DateTime(timezone=True)).label(column.key)


def _utc(value: datetime | None) -> datetime | None:
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=UTC)


_COLUMNS = (
    t.Parcel.id,
    t.Order.id,
    t.Order.order_number,
    t.Order.store_id,
    t.Store.name,
    t.Store.platform,
    t.Buyer.name,
    t.Parcel.carrier,
    t.Parcel.tracking_number,
    t.Parcel.latest_status,
    _plain(t.Parcel.status_since),
    _plain(t.Parcel.latest_event_at),
    _plain(t.Parcel.shipped_at),
    t.Order.ship_to_country,
    _plain(t.Order.promised_delivery_at),
)


def _row(r: Any, *, said: bool) -> ParcelRow:
    return ParcelRow(
        parcel_id=r[0],
        order_id=r[1],
        order_number=r[2],
        store_id=r[3],
        store_name=r[4],
        buyer_name=r[6],
        tracking_number=r[8],
        facts=ParcelFacts(
            status=_STATUS.get(r[9]) if r[9] else None,
            status_since=_utc(r[10]),
            latest_event_at=_utc(r[11]),
            shipped_at=_utc(r[12]),
            carrier=r[7],
            destination=r[13],
            promised_delivery_at=_utc(r[14]),
            buyer_says_not_received=said,
            platform=r[5],
        ),
    )


def _task(row: t.Task, store_name: str) -> TaskRow:
    return TaskRow(
        id=row.id,
        key=row.key,
        store_id=row.store_id,
        store_name=store_name,
        kind=row.kind,
        conversation_id=row.conversation_id,
        order_id=row.order_id,
        parcel_id=row.parcel_id,
        title=row.title,
        detail=row.detail,
        created_at=row.created_at,
        created_by=row.created_by,
        done_at=row.done_at,
    )


def _chunks(ids: Sequence[int], size: int = 500) -> list[Sequence[int]]:
    return [ids[i : i + size] for i in range(0, len(ids), size)]


# --- the benchmark's shop ------------------------------------------------------------------

CHUNK = 5_000
# A shop's parcels as they are on a given day: most delivered or moving, a few silent,
# a few with a problem, some with a promise close or passed (weights, in %).
MIX: tuple[tuple[str, str | None, float], ...] = (
    ("delivered", TrackingStatus.DELIVERED.value, 55),
    ("moving", TrackingStatus.IN_TRANSIT.value, 25),
    ("silent", TrackingStatus.IN_TRANSIT.value, 5),
    ("pickup", TrackingStatus.AWAITING_PICKUP.value, 2),
    ("customs", TrackingStatus.CUSTOMS_HOLD.value, 2),
    ("failed", TrackingStatus.FAILED_DELIVERY.value, 1),
    ("returning", TrackingStatus.RETURNING.value, 1),
    ("lost", TrackingStatus.LOST.value, 0.5),
    ("no event", None, 3.5),
    ("promised", TrackingStatus.ARRIVED_DESTINATION.value, 5),
)
CARRIERS = ("China Post Air Mail", "Cainiao Super Economy", "YunExpress", "4PX", "UPS")
COUNTRIES = ("US", "BR", "ES", "FR", "DE", "GB", "RU", "PL")


def fill_board_parcels(engine: Engine, parcels: int, now: datetime, seed: int = 21) -> None:
    """`kefu bench logistics`' shop: `parcels` orders of one parcel each over the shop's
    stores, in bulk (Core inserts), in the states of `MIX`."""
    rng = random.Random(seed)  # noqa: S311 — benchmark data, not secrets
    kinds = [k for k, _, _ in MIX]
    weights = [w for _, _, w in MIX]
    status_of = {k: s for k, s, _ in MIX}
    with engine.begin() as conn:
        stores = conn.execute(select(t.Store.id, t.Store.organisation_id)).all()
        buyers = (
            conn.execute(
                insert(t.Buyer).returning(t.Buyer.id),
                [
                    {"organisation_id": stores[0][1], "name": f"Buyer {i}", "created_at": now}
                    for i in range(2_000)
                ],
            )
            .scalars()
            .all()
        )
    with engine.connect() as conn:  # after the orders already there
        next_order = (conn.execute(select(func.max(t.Order.id))).scalar() or 0) + 1
    for start in range(0, parcels, CHUNK):
        size = min(CHUNK, parcels - start)
        orders, rows = [], []
        for i in range(size):
            kind = rng.choices(kinds, weights)[0]
            shipped = now - timedelta(days=rng.uniform(3, 40))
            promised = None
            if kind == "promised":
                promised = now + timedelta(days=rng.uniform(-5, 3))
            orders.append(
                {
                    "id": next_order + i,
                    "store_id": stores[i % len(stores)][0],
                    "buyer_id": buyers[i % len(buyers)],
                    "order_number": f"B-{next_order + i}",
                    "status": "shipped",
                    "total_cents": 2000,
                    "total_usd_cents": 2000,
                    "ship_to_country": rng.choice(COUNTRIES),
                    "placed_at": shipped - timedelta(days=2),
                    "promised_delivery_at": promised,
                }
            )
            latest = None
            if kind != "no event":
                age = rng.uniform(11, 30) if kind == "silent" else rng.uniform(0, 8)
                latest = max(shipped, now - timedelta(days=age))
            rows.append(
                {
                    "order_id": next_order + i,
                    "carrier": rng.choice(CARRIERS),
                    "tracking_number": f"LP{next_order + i:014d}",
                    "shipped_at": shipped if kind != "no event" else now - timedelta(days=2),
                    "latest_status": status_of[kind],
                    "latest_event_at": latest,
                    "status_since": latest,
                }
            )
        with engine.begin() as conn:
            conn.execute(insert(t.Order), orders)
            conn.execute(insert(t.Parcel), rows)
        next_order += size
