"""Tracking events in bulk: a batch of events is a handful of queries per chunk of parcels,
never one statement per event, so a provider's or a file's million events store at tens of
thousands a second (docs/benchmarks.md)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterator, Mapping, Sequence
from datetime import datetime
from typing import Any, TypeVar, cast

from sqlalchemy import Table, and_, bindparam, case, delete, func, insert, or_, select, update
from sqlalchemy.orm import Session

from kefu.adapters.db import tables as t
from kefu.domain.tracking import FINAL
from kefu.domain.tracking_status import Standing, move_on, review_text, standing
from kefu.domain.types import TrackingStatus
from kefu.services.ports import (
    EventRow,
    OrphanRow,
    OrphanSummary,
    TextRuleRow,
    TrackedParcel,
    UnmappedText,
)

T = TypeVar("T")
# Bound parameters per IN list: well under SQLite's 32,766 and PostgreSQL's 65,535.
PART = 900
_EVENTS = cast(Table, t.TrackingEvent.__table__)
_PARCELS = cast(Table, t.Parcel.__table__)
_ORDERS = cast(Table, t.Order.__table__)
_ORPHANS = cast(Table, t.TrackingOrphan.__table__)
_FINAL = frozenset(s.value for s in FINAL)
_DELIVERABLE = ("paid", "allocated", "picked", "shipped")


def _parts(items: Collection[T], size: int = PART) -> Iterator[list[T]]:
    items = list(items)
    for start in range(0, len(items), size):
        yield items[start : start + size]


class SqlTrackingRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    # rules

    def text_rules(self) -> dict[str, TrackingStatus]:
        r = t.TrackingTextRule
        return {
            text: TrackingStatus(status)
            for text, status in self.session.execute(select(r.text, r.status))
        }

    def rules(self) -> list[TextRuleRow]:
        r = t.TrackingTextRule
        return [
            TextRuleRow(row.text, TrackingStatus(row.status), row.created_by, row.created_at)
            for row in self.session.execute(select(r).order_by(r.text)).scalars()
        ]

    def save_rule(
        self, text: str, status: TrackingStatus, account_id: int | None, now: datetime
    ) -> None:
        r = t.TrackingTextRule
        row = self.session.execute(select(r).where(r.text == text)).scalar_one_or_none()
        if row is None:
            self.session.add(
                r(text=text, status=status.value, created_by=account_id, created_at=now)
            )
        else:
            row.status, row.created_by, row.created_at = status.value, account_id, now
        self.session.flush()

    # parcels and events

    def parcels_by_number(
        self, numbers: Collection[str], store_ids: Collection[int] | None = None
    ) -> list[TrackedParcel]:
        p = t.Parcel
        found: list[TrackedParcel] = []
        for part in _parts(sorted(numbers)):
            query = select(
                p.id,
                p.tracking_number,
                p.carrier,
                p.provider_carrier,
                p.latest_status,
                p.latest_event_at,
                p.status_since,
            ).where(p.tracking_number.in_(part))
            if store_ids is not None:
                query = query.join(t.Order, t.Order.id == p.order_id).where(
                    t.Order.store_id.in_(list(store_ids))
                )
            found += [TrackedParcel(*row) for row in self.session.execute(query)]
        return found

    def add_events(
        self, rows: Sequence[EventRow], known: Mapping[int, TrackedParcel] | None = None
    ) -> list[EventRow]:
        if not rows:
            return []
        e = _EVENTS.c
        # No stored event is later than its parcel's latest: an event after it is new, and
        # only the parcels given one at or before it (a repeat, a late one) are read.
        check = {
            r.parcel_id
            for r in rows
            if known is None
            or (latest := known[r.parcel_id].latest_event_at) is None
            or r.occurred_at <= latest
        }
        have: set[tuple[int, datetime, str]] = set()
        for part in _parts(sorted(check)):
            have.update(
                (pid, at, code)
                for pid, at, code in self.session.execute(
                    select(e.parcel_id, e.occurred_at, e.code).where(e.parcel_id.in_(part))
                )
            )
        new: list[EventRow] = []
        for r in rows:
            key = (r.parcel_id, r.occurred_at, r.code)
            if key not in have:
                have.add(key)
                new.append(r)
        for chunk in _parts(new, 5000):
            self.session.execute(
                insert(_EVENTS),
                [
                    {
                        "parcel_id": r.parcel_id,
                        "occurred_at": r.occurred_at,
                        "status": r.status,
                        "code": r.code,
                        "source": r.source,
                        "mapped": r.mapped,
                        "location": r.location,
                        "description": r.description,
                    }
                    for r in chunk
                ],
            )
        return new

    def refresh(self, parcel_ids: Collection[int]) -> None:
        e = _EVENTS.c
        for part in _parts(sorted(parcel_ids)):
            history: dict[int, list[tuple[datetime, str]]] = defaultdict(list)
            for pid, at, status in self.session.execute(
                select(e.parcel_id, e.occurred_at, e.status)
                .where(e.parcel_id.in_(part))
                .order_by(e.parcel_id, e.occurred_at, e.id)
            ):
                history[pid].append((at, status))
            self._set_latest([(pid, standing(events)) for pid, events in history.items()])

    def advance(
        self, rows: Sequence[EventRow], known: Mapping[int, TrackedParcel] | None = None
    ) -> None:
        """The usual case is cheap: events newer than a parcel's latest move it on from its
        stored state, without reading its history; a parcel given an older event is worked
        out again from its whole history (`refresh`)."""
        fresh: dict[int, list[EventRow]] = defaultdict(list)
        for r in rows:
            fresh[r.parcel_id].append(r)
        states = known if known is not None else self._states(fresh)
        moved: list[tuple[int, Standing]] = []
        older: list[int] = []
        for pid, new in fresh.items():
            parcel = states[pid]
            stored = None
            if parcel.latest_event_at is not None:
                if parcel.latest_status is None or parcel.status_since is None:
                    older.append(pid)  # stored before status_since existed: read it whole
                    continue
                stored = Standing(parcel.latest_status, parcel.latest_event_at, parcel.status_since)
            if len(new) > 1:
                new.sort(key=lambda r: r.occurred_at)  # stable: arrival order within a time
            after = move_on(stored, [(r.occurred_at, r.status) for r in new])
            if after is None:
                older.append(pid)
            else:
                moved.append((pid, after))
        self._set_latest(moved)
        self.refresh(older)

    def _states(self, parcel_ids: Collection[int]) -> dict[int, TrackedParcel]:
        p = t.Parcel
        found: dict[int, TrackedParcel] = {}
        for part in _parts(sorted(parcel_ids)):
            for row in self.session.execute(
                select(
                    p.id,
                    p.tracking_number,
                    p.carrier,
                    p.provider_carrier,
                    p.latest_status,
                    p.latest_event_at,
                    p.status_since,
                ).where(p.id.in_(part))
            ):
                found[row.id] = TrackedParcel(*row)
        return found

    def _set_latest(self, rows: list[tuple[int, Standing]]) -> None:
        """Write each parcel's latest status with one executemany per kind: polling stops
        at a final status; orders whose parcels are all delivered are delivered."""
        p = _PARCELS.c
        values: dict[str, Any] = {
            "latest_status": bindparam("st"),
            "latest_event_at": bindparam("at"),
            "status_since": bindparam("since"),
        }
        params = [
            ({"pid": pid, "st": s.status, "at": s.at, "since": s.since}, s.status in _FINAL)
            for pid, s in rows
        ]
        going = [row for row, final in params if not final]
        stopped = [row for row, final in params if final]
        # Never over a later state another writer stored meanwhile (PostgreSQL re-reads the
        # row after waiting for its lock).
        this = and_(
            p.id == bindparam("pid"),
            or_(p.latest_event_at.is_(None), p.latest_event_at <= bindparam("at")),
        )
        if going:
            self.session.execute(update(_PARCELS).where(this).values(values), going)
        if stopped:
            self.session.execute(
                update(_PARCELS).where(this).values({**values, "next_poll_at": None}), stopped
            )
        self._deliver_orders({pid for pid, s in rows if s.status == TrackingStatus.DELIVERED})

    def _deliver_orders(self, parcel_ids: set[int]) -> None:
        """Orders whose every parcel (reshipments aside) is delivered are delivered (SPEC
        §9: `delivered` comes from tracking), at their last parcel's time."""
        p = _PARCELS.c
        orders: set[int] = set()
        for part in _parts(sorted(parcel_ids)):
            orders.update(self.session.scalars(select(p.order_id).where(p.id.in_(part))))
        done: list[dict[str, Any]] = []
        for part in _parts(sorted(orders)):
            done += [
                {"oid": oid, "at": at}
                for oid, at in self.session.execute(
                    select(p.order_id, func.max(p.latest_event_at))
                    .where(p.order_id.in_(part), p.is_reshipment.is_(False))
                    .group_by(p.order_id)
                    .having(
                        func.count() == func.sum(case((p.latest_status == "delivered", 1), else_=0))
                    )
                )
            ]
        if done:
            o = _ORDERS.c
            # No IN list: an executemany binds no expanding parameter.
            self.session.execute(
                update(_ORDERS)
                .where(o.id == bindparam("oid"), or_(*(o.status == s for s in _DELIVERABLE)))
                .values(status="delivered", delivered_at=bindparam("at")),
                done,
            )

    # orphans

    def add_orphans(self, rows: Sequence[OrphanRow], now: datetime) -> int:
        if not rows:
            return 0
        o = _ORPHANS.c
        have: set[tuple[str, str, datetime, str]] = set()
        for part in _parts(sorted({r.tracking_number for r in rows})):
            have.update(
                (n, c, at, code)
                for n, c, at, code in self.session.execute(
                    select(o.tracking_number, o.carrier, o.occurred_at, o.code).where(
                        o.tracking_number.in_(part)
                    )
                )
            )
        new: list[dict[str, Any]] = []
        for r in rows:
            key = (r.tracking_number, r.carrier, r.occurred_at, r.code)
            if key in have:
                continue
            have.add(key)
            new.append(
                {
                    "tracking_number": r.tracking_number,
                    "carrier": r.carrier,
                    "occurred_at": r.occurred_at,
                    "code": r.code,
                    "status": r.status,
                    "location": r.location,
                    "description": r.description,
                    "source": r.source,
                    "received_at": now,
                }
            )
        for chunk in _parts(new, 5000):
            self.session.execute(insert(_ORPHANS), chunk)
        return len(new)

    def take_orphans(self, numbers: Collection[str]) -> list[OrphanRow]:
        o = t.TrackingOrphan
        taken: list[OrphanRow] = []
        for part in _parts(sorted(numbers)):
            rows = self.session.execute(select(o).where(o.tracking_number.in_(part))).scalars()
            ids: list[int] = []
            for r in rows:
                ids.append(r.id)
                taken.append(
                    OrphanRow(
                        r.tracking_number,
                        r.carrier,
                        r.occurred_at,
                        r.code,
                        r.status,
                        r.location,
                        r.description,
                        r.source,
                    )
                )
            if ids:
                self.session.execute(delete(o).where(o.id.in_(ids)))
        return taken

    def orphans(self, limit: int) -> tuple[list[OrphanSummary], int]:
        o = t.TrackingOrphan
        total = self.session.scalar(
            select(func.count()).select_from(
                select(o.tracking_number, o.source).group_by(o.tracking_number, o.source).subquery()
            )
        )
        rows = self.session.execute(
            select(
                o.tracking_number,
                o.source,
                func.count(),
                func.min(o.received_at),
                func.max(o.occurred_at),
            )
            .group_by(o.tracking_number, o.source)
            .order_by(func.count().desc(), o.tracking_number, o.source)
            .limit(limit)
        ).all()
        return [OrphanSummary(*row) for row in rows], total or 0

    # unmapped texts

    def unmapped(self, limit: int) -> tuple[list[UnmappedText], int]:
        e, p = t.TrackingEvent, t.Parcel
        groups = self.session.execute(
            select(e.description, e.code, func.count(), func.min(e.parcel_id))
            .where(e.mapped.is_(False))
            .group_by(e.description, e.code)
        ).all()
        merged: dict[str, list[Any]] = {}
        for description, code, count, parcel_id in groups:
            key = review_text(code, description)
            if key in merged:
                merged[key][0] += count
            else:
                merged[key] = [count, parcel_id, description or code]
        ordered = sorted(merged.items(), key=lambda kv: (-kv[1][0], kv[0]))[:limit]
        numbers = dict(
            self.session.execute(
                select(p.id, p.tracking_number).where(p.id.in_([v[1] for _, v in ordered]))
            ).all()
        )
        return [
            UnmappedText(text, count, pid, numbers.get(pid, ""), example)
            for text, (count, pid, example) in ordered
        ], len(merged)

    def unmapped_events(self, after_id: int, limit: int) -> list[tuple[int, int, str, str]]:
        e = t.TrackingEvent
        return [
            (row.id, row.parcel_id, row.code, row.description)
            for row in self.session.execute(
                select(e.id, e.parcel_id, e.code, e.description)
                .where(e.mapped.is_(False), e.id > after_id)
                .order_by(e.id)
                .limit(limit)
            )
        ]

    def remap(self, changes: Sequence[tuple[int, TrackingStatus]]) -> None:
        if changes:
            e = _EVENTS.c
            self.session.execute(
                update(_EVENTS)
                .where(e.id == bindparam("eid"))
                .values(status=bindparam("st"), mapped=True),
                [{"eid": eid, "st": status.value} for eid, status in changes],
            )
