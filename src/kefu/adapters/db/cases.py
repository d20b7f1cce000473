"""After-sale cases as stored (docs/cases.md): the case row, its order lines, steps and
evidence; optimistic versions so two people moving one case never both win."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import case, exists, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, aliased

from kefu.adapters.db import tables as t
from kefu.adapters.db.visibility import visible_to
from kefu.services.ports import (
    CaseFilters,
    CaseOrder,
    CaseRecord,
    CaseStepView,
    EvidenceView,
    PendingPush,
)

# Steps whose money went back to the buyer: what a further refund is checked against.
_REFUND_ACTIONS = ("refund",)


class SqlCaseRepository:
    def __init__(self, session: Session) -> None:
        self.db = session

    # --- orders -----------------------------------------------------------------------

    def order(self, store_id: int, order_id: int | None, number: str | None) -> CaseOrder | None:
        o = t.Order
        query = select(o, t.Store.currency).join(t.Store, t.Store.id == o.store_id)
        query = query.where(o.store_id == store_id)
        if order_id is not None:
            query = query.where(o.id == order_id)
        elif number:
            query = query.where(o.order_number == number)
        else:
            return None
        found = self.db.execute(query).first()
        if found is None:
            return None
        row, store_currency = found
        lines = self.db.execute(
            select(
                t.OrderLine.id,
                t.OrderLine.sku,
                t.OrderLine.title,
                t.OrderLine.quantity,
                t.OrderLine.unit_price_cents,
            )
            .where(t.OrderLine.order_id == row.id)
            .order_by(t.OrderLine.id)
        ).all()
        parcels = self.db.execute(
            select(t.Parcel.carrier, t.Parcel.shipped_at).where(t.Parcel.order_id == row.id)
        ).all()
        shipped = min((p.shipped_at for p in parcels if p.shipped_at), default=None)
        return CaseOrder(
            id=row.id,
            store_id=row.store_id,
            buyer_id=row.buyer_id,
            order_number=row.order_number,
            total_cents=row.total_cents,
            currency=row.currency or store_currency,
            total_usd_cents=row.total_usd_cents,
            placed_at=row.placed_at,
            paid_at=row.paid_at,
            shipped_at=shipped,
            promised_delivery_at=row.promised_delivery_at,
            lines=tuple((r.id, r.sku, r.title, r.quantity, r.unit_price_cents) for r in lines),
            carriers=tuple(sorted({p.carrier for p in parcels})),
            delivered_at=row.delivered_at,
        )

    def order_of_other_store(self, store_id: int, number: str) -> bool:
        o = t.Order
        query = select(o.id).where(o.order_number == number, o.store_id != store_id).limit(1)
        return self.db.scalar(query) is not None

    def store_of(self, store_id: int) -> tuple[str, str, str]:
        row = self.db.execute(
            select(t.Store.platform, t.Store.site, t.Store.timezone).where(t.Store.id == store_id)
        ).one()
        return (row[0], row[1], row[2])

    def conversation_for(
        self, store_id: int, platform_conversation_id: str | None, order_id: int | None
    ) -> tuple[int, int, int | None] | None:
        c = t.Conversation
        columns = select(c.id, c.buyer_id, c.assignee_id).where(c.store_id == store_id)
        if platform_conversation_id:
            row = self.db.execute(
                columns.where(c.platform_conversation_id == platform_conversation_id)
            ).first()
            if row is not None:
                return (row[0], row[1], row[2])
        if order_id is not None:
            row = self.db.execute(
                columns.where(c.order_id == order_id).order_by(c.last_message_at.desc()).limit(1)
            ).first()
            if row is not None:
                return (row[0], row[1], row[2])
        return None

    def returning_buyer(self, buyer_id: int) -> bool:
        o = t.Order
        orders, wholesale = self.db.execute(
            select(func.count(o.id), func.max(case((o.is_wholesale, 1), else_=0))).where(
                o.buyer_id == buyer_id
            )
        ).one()
        return bool(orders and orders > 1) or bool(wholesale)

    def refunded_cents(self, order_id: int) -> int:
        s, c = t.CaseStep, t.Case
        steps = self.db.scalars(
            select(s.details)
            .join(c, c.id == s.case_id)
            .where(c.order_id == order_id, s.action.in_(_REFUND_ACTIONS))
        ).all()
        return sum(int(d.get("refund_cents") or 0) for d in steps)

    # --- cases ------------------------------------------------------------------------

    def add_case(self, values: Mapping[str, Any], lines: Sequence[tuple[int, int]]) -> int:
        row = t.Case(**values)
        self.db.add(row)
        self.db.flush()
        for line_id, quantity in lines:
            self.db.add(t.CaseLine(case_id=row.id, order_line_id=line_id, quantity=quantity))
        self.db.flush()
        return row.id

    def case(self, case_id: int) -> CaseRecord | None:
        found = self._records(select(t.Case).where(t.Case.id == case_id), full=True)
        return found[0] if found else None

    def case_by_ref(self, store_id: int, platform_ref: str) -> CaseRecord | None:
        c = t.Case
        query = select(c).where(c.store_id == store_id, c.platform_ref == platform_ref)
        found = self._records(query, full=True)
        return found[0] if found else None

    def cases_of_conversation(self, conversation_id: int) -> list[CaseRecord]:
        c = t.Case
        query = select(c).where(c.conversation_id == conversation_id).order_by(c.id.desc())
        return self._records(query, full=True)

    def cases(self, filters: CaseFilters) -> tuple[list[CaseRecord], int]:
        c = t.Case
        query = select(c)
        if filters.store_ids is not None:
            conv = t.Conversation
            seen = exists().where(
                conv.id == c.conversation_id, visible_to(filters.account_id, filters.store_ids)
            )
            query = query.where(
                c.store_id.in_(sorted(filters.store_ids)),
                or_(c.conversation_id.is_(None), seen),
            )
        if filters.open_only:
            query = query.where(c.is_open.is_(True))
        if filters.kind:
            query = query.where(c.kind == filters.kind)
        if filters.holder_id is not None:
            query = query.where(c.holder_id == filters.holder_id)
        total = self.db.scalar(select(func.count()).select_from(query.subquery())) or 0
        page = (
            query.order_by(c.is_open.desc(), c.updated_at.desc(), c.id.desc())
            .offset((filters.page - 1) * filters.per_page)
            .limit(filters.per_page)
        )
        return self._records(page, full=False), total

    def update_case(self, case_id: int, version: int, values: Mapping[str, Any]) -> bool:
        c = t.Case
        done = self.db.execute(
            update(c)
            .where(c.id == case_id, c.version == version)
            .values(**values, version=version + 1)
        )
        return bool(done.rowcount)  # type: ignore[attr-defined]

    # --- steps ------------------------------------------------------------------------

    def add_step(self, values: Mapping[str, Any]) -> int | None:
        key = values.get("request_key")
        if key is not None:
            there = self.db.scalar(
                select(t.CaseStep.id).where(
                    t.CaseStep.case_id == values["case_id"], t.CaseStep.request_key == key
                )
            )
            if there is not None:
                return None
        try:
            with self.db.begin_nested():
                step_id = self.db.execute(
                    insert(t.CaseStep).values(**values).returning(t.CaseStep.id)
                ).scalar_one()
        except IntegrityError:
            return None  # the same key, written by a request running beside this one
        return int(step_id)

    def step_by_key(self, case_id: int, request_key: str) -> CaseStepView | None:
        s = t.CaseStep
        query = select(s).where(s.case_id == case_id, s.request_key == request_key)
        row = self.db.scalar(query)
        return None if row is None else self._steps([row])[0]

    def set_push(self, step_id: int, state: str, error: str | None, at: datetime | None) -> None:
        s = t.CaseStep
        values: dict[str, Any] = {"push_state": state, "push_error": error}
        if at is not None:
            values["pushed_at"] = at
        if state == "failed":
            values["push_attempts"] = s.push_attempts + 1
        self.db.execute(update(s).where(s.id == step_id).values(**values))
        case_id = self.db.scalar(select(s.case_id).where(s.id == step_id))
        # The case shows its worst step: failed over pending over sent.
        states = set(self.db.scalars(select(s.push_state).where(s.case_id == case_id)).all())
        worst = next((w for w in ("failed", "pending", "sent") if w in states), "local")
        last_error = self.db.scalar(
            select(s.push_error)
            .where(s.case_id == case_id, s.push_state == "failed")
            .order_by(s.id.desc())
            .limit(1)
        )
        self.db.execute(
            update(t.Case)
            .where(t.Case.id == case_id)
            .values(push_state=worst, push_error=last_error if worst == "failed" else None)
        )

    def pending_pushes(
        self, case_id: int | None, limit: int, *, store_id: int | None = None
    ) -> list[PendingPush]:
        s, c, o = t.CaseStep, t.Case, t.Order
        query = (
            select(
                s.id,
                s.case_id,
                c.store_id,
                c.platform_ref,
                s.action,
                s.details,
                s.push_attempts,
                s.reason,
                o.order_number,
                c.solution,
            )
            .join(c, c.id == s.case_id)
            .outerjoin(o, o.id == c.order_id)
            .where(s.push_state.in_(("pending", "failed")), c.platform_ref.is_not(None))
            .order_by(s.id)
            .limit(limit)
        )
        if case_id is not None:
            query = query.where(s.case_id == case_id)
        if store_id is not None:
            query = query.where(c.store_id == store_id)
        return [
            PendingPush(
                step_id=r.id,
                case_id=r.case_id,
                store_id=r.store_id,
                platform_ref=r.platform_ref,
                action=r.action,
                details=r.details or {},
                attempts=r.push_attempts,
                reason=r.reason,
                order_number=r.order_number,
                solution=r.solution,
            )
            for r in self.db.execute(query)
        ]

    # --- evidence ---------------------------------------------------------------------

    def add_evidence(self, values: Mapping[str, Any]) -> tuple[int, bool]:
        e = t.CaseEvidence
        there = self.db.scalar(
            select(e.id).where(e.case_id == values["case_id"], e.sha256 == values["sha256"])
        )
        if there is not None:
            return there, False
        row = e(**values)
        self.db.add(row)
        self.db.flush()
        return row.id, True

    def evidence_files(self, case_id: int) -> list[tuple[str, bytes]]:
        e = t.CaseEvidence
        rows = self.db.execute(
            select(e.mime, e.data).where(e.case_id == case_id).order_by(e.id)
        ).all()
        return [(r[0], r[1]) for r in rows]

    def evidence(self, evidence_id: int) -> tuple[int, str, str, bytes] | None:
        e = t.CaseEvidence
        row = self.db.execute(
            select(e.case_id, e.filename, e.mime, e.data).where(e.id == evidence_id)
        ).first()
        return None if row is None else (row.case_id, row.filename, row.mime, row.data)

    # --- reading ----------------------------------------------------------------------

    def _records(self, query: Any, *, full: bool) -> list[CaseRecord]:
        rows = list(self.db.scalars(query))
        if not rows:
            return []
        stores = {
            s.id: s
            for s in self.db.scalars(
                select(t.Store).where(t.Store.id.in_({r.store_id for r in rows}))
            )
        }
        people = {
            a.id: a.display_name
            for a in self.db.execute(
                select(t.Account.id, t.Account.display_name).where(
                    t.Account.id.in_({r.holder_id for r in rows if r.holder_id})
                )
            )
        }
        orders = dict(
            self.db.execute(
                select(t.Order.id, t.Order.order_number).where(
                    t.Order.id.in_({r.order_id for r in rows if r.order_id})
                )
            ).all()
        )
        buyers = dict(
            self.db.execute(
                select(t.Buyer.id, t.Buyer.name).where(
                    t.Buyer.id.in_({r.buyer_id for r in rows if r.buyer_id})
                )
            ).all()
        )
        found = []
        for r in rows:
            store = stores[r.store_id]
            extra: dict[str, Any] = {}
            if full:
                extra = {
                    "lines": self._lines(r.id),
                    "steps": self._steps(
                        self.db.scalars(
                            select(t.CaseStep)
                            .where(t.CaseStep.case_id == r.id)
                            .order_by(t.CaseStep.at, t.CaseStep.id)
                        )
                    ),
                    "evidence": self._evidence(r.id),
                }
            found.append(
                CaseRecord(
                    id=r.id,
                    store_id=r.store_id,
                    store_code=store.code,
                    platform=store.platform,
                    site=store.site,
                    store_zone=store.timezone,
                    conversation_id=r.conversation_id,
                    order_id=r.order_id,
                    order_number=orders.get(r.order_id) if r.order_id else None,
                    buyer_id=r.buyer_id,
                    buyer_name=buyers.get(r.buyer_id) if r.buyer_id else None,
                    kind=r.kind,
                    state=r.state,
                    is_open=r.is_open,
                    reason=r.reason,
                    solution=r.solution,
                    refund_cents=r.refund_cents,
                    currency=r.currency,
                    description=r.description,
                    holder_id=r.holder_id,
                    holder_name=people.get(r.holder_id) if r.holder_id else None,
                    opened_by=r.opened_by,
                    opened_at=r.opened_at,
                    updated_at=r.updated_at,
                    closed_at=r.closed_at,
                    platform_ref=r.platform_ref,
                    platform_state=r.platform_state,
                    online_shipping=r.online_shipping,
                    platform_due_at=r.platform_due_at,
                    platform_due_source=r.platform_due_source,
                    platform_due_rule=r.platform_due_rule,
                    shop_due_at=r.shop_due_at,
                    shop_due_rule=r.shop_due_rule,
                    paused_since=r.paused_since,
                    paused_seconds=r.paused_seconds,
                    push_state=r.push_state,
                    push_error=r.push_error,
                    tracking_number=r.tracking_number,
                    tracking_sent_at=r.tracking_sent_at,
                    version=r.version,
                    **extra,
                )
            )
        return found

    def _lines(self, case_id: int) -> tuple[tuple[int, str, str, int], ...]:
        cl, ol = t.CaseLine, t.OrderLine
        rows = self.db.execute(
            select(cl.order_line_id, ol.sku, ol.title, cl.quantity)
            .join(ol, ol.id == cl.order_line_id)
            .where(cl.case_id == case_id)
            .order_by(cl.id)
        ).all()
        return tuple((r[0], r[1], r[2], r[3]) for r in rows)

    def _steps(self, rows: Any) -> list[CaseStepView]:
        rows = list(rows)
        actor = aliased(t.Account)
        names = dict(
            self.db.execute(
                select(actor.id, actor.display_name).where(
                    actor.id.in_({r.actor_id for r in rows if r.actor_id})
                )
            ).all()
        )
        return [
            CaseStepView(
                id=r.id,
                at=r.at,
                actor_id=r.actor_id,
                actor_name=names.get(r.actor_id) if r.actor_id else None,
                action=r.action,
                from_state=r.from_state,
                to_state=r.to_state,
                reason=r.reason,
                details=dict(r.details or {}),
                push_state=r.push_state,
                push_error=r.push_error,
            )
            for r in rows
        ]

    def _evidence(self, case_id: int) -> tuple[EvidenceView, ...]:
        e = t.CaseEvidence
        rows = self.db.execute(
            select(e.id, e.filename, e.mime, e.size, e.width, e.height, e.added_at)
            .where(e.case_id == case_id)
            .order_by(e.id)
        ).all()
        return tuple(EvidenceView(*r) for r in rows)
