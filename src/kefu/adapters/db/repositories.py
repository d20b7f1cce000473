"""Rows ⇄ domain objects for the inbox; Core statements in batches, because ingestion is hot."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from babel.core import get_global
from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session

from kefu.adapters.db import tables as t
from kefu.adapters.db.auth import audit_store_id, store_ref
from kefu.adapters.db.followups import request_job
from kefu.adapters.db.kpifacts import rebuild_facts, record_facts, set_agent
from kefu.domain.conversations import Conversation
from kefu.domain.geo import primary_zone
from kefu.domain.orders import ParcelState, parcel_has_problem
from kefu.domain.triage import Triage
from kefu.domain.types import ColourMark, OrderStatus, Origin, Stage, Status, TrackingStatus
from kefu.services.ports import (
    DELIVER_OUTBOX,
    BuyerKey,
    NewRating,
    OrderFacts,
    StoreRef,
    Uncleared,
)

# SQLite allows 32766 bound parameters; stay well below for every dialect.
CHUNK = 500


def buyer_timezone(country: str | None) -> str | None:
    """The main time zone of a country, from Babel's CLDR data, for the buyer's local time."""
    if not country:
        return None
    zones = get_global("territory_zones")
    return primary_zone(country, list(zones.get(country.upper(), [])))


def _by_store(keys: Iterable[tuple[int, str]]) -> dict[int, list[str]]:
    """Group (store, external id) keys so each lookup uses the (store_id, id) unique index."""
    out: dict[int, set[str]] = {}
    for store_id, key in keys:
        out.setdefault(store_id, set()).add(key)
    return {store_id: sorted(ids) for store_id, ids in out.items()}


def _chunks(items: Sequence[Any]) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]


class SqlInboxRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def stores_by_code(self, codes: Iterable[str]) -> dict[str, StoreRef]:
        wanted = sorted(set(codes))
        if not wanted:
            return {}
        rows = self.session.scalars(select(t.Store).where(t.Store.code.in_(wanted)))
        return {r.code: store_ref(r) for r in rows}

    def known_message_ids(self, store_id: int, ids: Sequence[str]) -> set[str]:
        """The ids stored already: as the platform's message id, or as the id the platform
        gave one of our replies when it was delivered (pulled back, it is the same)."""
        m = t.Message
        found: set[str] = set()
        for part in _chunks(sorted(set(ids))):
            for column in (m.platform_message_id, m.external_id):
                found.update(
                    str(v)
                    for v in self.session.scalars(
                        select(column).where(m.store_id == store_id, column.in_(part))
                    )
                )
        return found

    def ensure_buyers(self, keys: Sequence[BuyerKey], now: datetime) -> dict[tuple[int, str], int]:
        found: dict[tuple[int, str], int] = {}
        for store_id, ids in _by_store((k.store_id, k.platform_buyer_id) for k in keys).items():
            for part in _chunks(ids):
                rows = self.session.execute(
                    select(t.BuyerIdentity.platform_buyer_id, t.BuyerIdentity.buyer_id).where(
                        t.BuyerIdentity.store_id == store_id,
                        t.BuyerIdentity.platform_buyer_id.in_(part),
                    )
                )
                found.update({(store_id, r.platform_buyer_id): r.buyer_id for r in rows})
        missing = [k for k in keys if (k.store_id, k.platform_buyer_id) not in found]
        if not missing:
            return found
        org = self._organisation_of(missing[0].store_id)
        buyer_ids = self._insert_returning_ids(
            t.Buyer,
            [
                {
                    "organisation_id": org,
                    "name": key.name,
                    "country": key.country,
                    "language": key.language,
                    "timezone": buyer_timezone(key.country),
                    "created_at": now,
                }
                for key in missing
            ],
        )
        pairs = list(zip(missing, buyer_ids, strict=True))
        self.session.execute(
            insert(t.BuyerIdentity),
            [
                {"store_id": k.store_id, "buyer_id": b, "platform_buyer_id": k.platform_buyer_id}
                for k, b in pairs
            ],
        )
        found.update({(k.store_id, k.platform_buyer_id): b for k, b in pairs})
        return found

    def _insert_returning_ids(self, table: Any, rows: list[dict[str, Any]]) -> list[int]:
        """Multi-row INSERT … RETURNING, ids in the order of `rows` (SQLite ≥ 3.35, PostgreSQL)."""
        ids: list[int] = []
        for part in _chunks(rows):
            result = self.session.execute(
                insert(table).returning(table.id, sort_by_parameter_order=True), list(part)
            )
            ids.extend(result.scalars())
        return ids

    def _organisation_of(self, store_id: int) -> int:
        return self.session.execute(
            select(t.Store.organisation_id).where(t.Store.id == store_id)
        ).scalar_one()

    def order_ids(self, store_id: int, order_numbers: Sequence[str]) -> dict[str, int]:
        out: dict[str, int] = {}
        for part in _chunks(order_numbers):
            rows = self.session.execute(
                select(t.Order.order_number, t.Order.id).where(
                    t.Order.store_id == store_id, t.Order.order_number.in_(part)
                )
            )
            out.update({r.order_number: r.id for r in rows})
        return out

    def order_facts(self, order_ids: Iterable[int], now: datetime) -> dict[int, OrderFacts]:
        ids = sorted(set(order_ids))
        problems: set[int] = set()
        out: dict[int, OrderFacts] = {}
        for part in _chunks(ids):
            for p in self.session.execute(
                select(
                    t.Parcel.order_id,
                    t.Parcel.latest_status,
                    t.Parcel.latest_event_at,
                    t.Parcel.shipped_at,
                ).where(t.Parcel.order_id.in_(part))
            ):
                state = ParcelState(
                    TrackingStatus(p.latest_status) if p.latest_status else None,
                    p.latest_event_at,
                    p.shipped_at,
                )
                if parcel_has_problem(state, now):
                    problems.add(p.order_id)
            for o in self.session.execute(
                select(t.Order.id, t.Order.status, t.Order.note, t.Order.is_wholesale).where(
                    t.Order.id.in_(part)
                )
            ):
                out[o.id] = OrderFacts(
                    id=o.id,
                    status=OrderStatus(o.status),
                    has_note=bool(o.note and o.note.strip()),
                    wholesale=o.is_wholesale,
                    logistics_problem=o.id in problems,
                )
        return out

    def product_ids(self, store_id: int, skus: Sequence[str]) -> dict[str, int]:
        out: dict[str, int] = {}
        for part in _chunks(skus):
            rows = self.session.execute(
                select(t.Product.sku, t.Product.id).where(
                    t.Product.store_id == store_id, t.Product.sku.in_(part)
                )
            )
            out.update({r.sku: r.id for r in rows})
        return out

    def conversations_by_key(
        self, keys: Sequence[tuple[int, str]]
    ) -> dict[tuple[int, str], Conversation]:
        out: dict[tuple[int, str], Conversation] = {}
        for store_id, ids in _by_store(keys).items():
            for part in _chunks(ids):
                # Plain rows, not ORM objects: ingestion needs no identity map.
                rows = self.session.execute(
                    select(*t.Conversation.__table__.columns).where(
                        t.Conversation.store_id == store_id,
                        t.Conversation.platform_conversation_id.in_(part),
                    )
                )
                out.update({(store_id, r.platform_conversation_id): _to_domain(r) for r in rows})
        return out

    def get_conversation(self, conversation_id: int) -> Conversation | None:
        """For a change: the row stays locked until the transaction ends (PostgreSQL), so
        two agents acting on one conversation at once take turns instead of the second
        overwriting the first one's counts."""
        row = self.session.get(t.Conversation, conversation_id, with_for_update=True)
        return _to_domain(row) if row is not None else None

    def first_buyer_message_after(self, conversation_id: int, at: datetime) -> datetime | None:
        return self.session.scalar(
            select(func.min(t.Message.sent_at)).where(
                t.Message.conversation_id == conversation_id,
                t.Message.direction == "buyer",
                t.Message.sent_at > at,
            )
        )

    def save_conversations(self, conversations: Sequence[Conversation]) -> None:
        new = [c for c in conversations if c.id is None]
        old = [c for c in conversations if c.id is not None]
        ids = self._insert_returning_ids(t.Conversation, [conversation_row(c) for c in new])
        for conv, new_id in zip(new, ids, strict=True):
            conv.id = new_id
        if old:
            self.session.execute(
                update(t.Conversation),
                [{"id": c.id, **conversation_row(c)} for c in old],
            )

    def add_messages(self, messages: Sequence[Any]) -> None:
        if not messages:
            return
        for m in messages:
            if m.delivery_status == "pending" and (
                m.clearance is None or m.clearance.text != m.text
            ):
                raise Uncleared(f"message {m.platform_message_id!r} did not pass the gate")
        self.session.execute(
            insert(t.Message),
            [
                {
                    "conversation_id": m.conversation_id,
                    "store_id": m.store_id,
                    "platform_message_id": m.platform_message_id,
                    "direction": m.direction,
                    "author_account_id": m.author_account_id,
                    "is_automatic": m.is_automatic,
                    "kind": getattr(m, "kind", None),
                    "sent_at": m.sent_at,
                    "received_at": m.received_at,
                    "text": m.text,
                    "language": m.language,
                    "attachments": list(m.attachments),
                    "delivery_status": m.delivery_status,
                    "next_attempt_at": m.sent_at if m.delivery_status == "pending" else None,
                    "auto_kind": m.auto_kind,
                    "template_key": m.template_key,
                    **_triage_columns(m.triage, m.triage_version),
                }
                for m in messages
            ],
        )
        if any(m.delivery_status == "pending" for m in messages):
            request_job(self.session, DELIVER_OUTBOX)  # sent as soon as this commits

    def record_kpi_facts(self, conversation_ids: Iterable[int], since: datetime) -> None:
        record_facts(self.session, conversation_ids, since=since)

    def rebuild_kpi_facts(self, store_code: str) -> int:
        return rebuild_facts(self.session, store=store_code)

    def set_kpi_agent(self, conversation_id: int, agent_id: int | None) -> None:
        set_agent(self.session, conversation_id, agent_id)

    def message_for_correction(self, message_id: int) -> tuple[int, str | None, str | None] | None:
        row = self.session.execute(
            select(t.Message.conversation_id, t.Message.intent, t.Message.sub_intent).where(
                t.Message.id == message_id, t.Message.direction == "buyer"
            )
        ).first()
        return (row.conversation_id, row.intent, row.sub_intent) if row else None

    def correct_intent(
        self,
        message_id: int,
        intent: str,
        sub_intent: str | None,
        previous: str | None,
        account_id: int | None,
        at: datetime,
    ) -> None:
        self.session.execute(
            update(t.Message)
            .where(t.Message.id == message_id)
            .values(
                intent=intent,
                sub_intent=sub_intent,
                intent_confidence=1.0,
                triage_version="corrected",
            )
        )
        existing = self.session.scalar(
            select(t.IntentCorrection.id).where(t.IntentCorrection.message_id == message_id)
        )
        if existing is None:
            self.session.execute(
                insert(t.IntentCorrection).values(
                    message_id=message_id,
                    intent=intent,
                    sub_intent=sub_intent,
                    previous=previous,
                    account_id=account_id,
                    at=at,
                )
            )
        else:
            self.session.execute(
                update(t.IntentCorrection)
                .where(t.IntentCorrection.id == existing)
                .values(intent=intent, sub_intent=sub_intent, account_id=account_id, at=at)
            )

    def latest_buyer_triage(self, conversation_id: int) -> tuple[str | None, tuple[str, ...]]:
        row = self.session.execute(
            select(t.Message.intent, t.Message.emotion)
            .where(t.Message.conversation_id == conversation_id, t.Message.direction == "buyer")
            .order_by(t.Message.sent_at.desc(), t.Message.id.desc())
            .limit(1)
        ).first()
        if row is None:
            return None, ()
        return row.intent, t.split_list(row.emotion)

    def buyer_messages_to_triage(self, after_id: int, limit: int) -> list[tuple[int, int, str]]:
        rows = self.session.execute(
            select(t.Message.id, t.Message.conversation_id, t.Message.text)
            .where(
                t.Message.id > after_id,
                t.Message.direction == "buyer",
                t.Message.triage_version.is_distinct_from("corrected"),
            )
            .order_by(t.Message.id)
            .limit(limit)
        )
        return [(r.id, r.conversation_id, r.text) for r in rows]

    def set_triage(self, rows: Sequence[tuple[int, Triage]], version: str) -> None:
        if rows:
            self.session.execute(
                update(t.Message),
                [
                    {"id": message_id, **_triage_columns(result, version)}
                    for message_id, result in rows
                ],
            )

    def count_buyer_messages(self) -> int:
        return (
            self.session.scalar(
                select(func.count()).select_from(t.Message).where(t.Message.direction == "buyer")
            )
            or 0
        )

    def record_ratings(self, ratings: Sequence[NewRating]) -> int:
        if not ratings:
            return 0
        r = t.SatisfactionRating
        known = set(
            self.session.scalars(
                select(r.platform_rating_id).where(
                    r.store_id == ratings[0].store_id,
                    r.platform_rating_id.in_([x.platform_rating_id for x in ratings]),
                )
            )
        )
        fresh = {x.platform_rating_id: x for x in ratings if x.platform_rating_id not in known}
        if fresh:
            self.session.execute(insert(r), [vars(x) for x in fresh.values()])
        return len(fresh)

    def conversation_refs(
        self, store_id: int, platform_ids: Sequence[str]
    ) -> dict[str, tuple[int, int | None]]:
        c = t.Conversation
        rows = self.session.execute(
            select(c.platform_conversation_id, c.id, c.assignee_id).where(
                c.store_id == store_id, c.platform_conversation_id.in_(platform_ids)
            )
        )
        return {row[0]: (row[1], row[2]) for row in rows}

    def account_exists(self, account_id: int) -> bool:
        return (
            self.session.execute(
                select(t.Account.id).where(t.Account.id == account_id, t.Account.active.is_(True))
            ).first()
            is not None
        )

    def audit(
        self,
        *,
        at: datetime,
        account_id: int | None,
        action: str,
        entity_type: str,
        entity_id: int,
        before: dict[str, Any] | None,
        after: dict[str, Any] | None,
    ) -> None:
        self.session.execute(
            insert(t.AuditEntry).values(
                at=at,
                account_id=account_id,
                action=action,
                entity_type=entity_type,
                entity_id=entity_id,
                store_id=audit_store_id(self.session, entity_type, entity_id),
                before=before,
                after=after,
            )
        )


def _triage_columns(result: Triage | None, version: str | None) -> dict[str, Any]:
    if result is None:
        return {
            "intent": None,
            "intent_guess": None,
            "intent_confidence": None,
            "sub_intent": None,
            "emotion": "",
            "entities": [],
            "triage_version": None,
        }
    return {
        "intent": result.intent,
        "intent_guess": result.guess,
        "intent_confidence": result.confidence,
        "sub_intent": result.sub_intent,
        "emotion": ",".join(result.mood.flags),
        "entities": [
            {"kind": e.kind, "text": e.text, "value": e.value, "platform": e.platform}
            for e in result.entities
        ],
        "triage_version": version,
    }


def _to_domain(row: Any) -> Conversation:
    """From a `conversations` row (ORM object or plain row: the same attribute names)."""
    return Conversation(
        id=row.id,
        store_id=row.store_id,
        buyer_id=row.buyer_id,
        platform_conversation_id=row.platform_conversation_id,
        origin=Origin(row.origin),
        created_at=row.created_at,
        last_message_at=row.last_message_at,
        order_id=row.order_id,
        product_id=row.product_id,
        stage=Stage(row.stage),
        status=Status(row.status),
        unread=row.unread,
        colour_mark=ColourMark(row.colour_mark) if row.colour_mark else None,
        assignee_id=row.assignee_id,
        language=row.language,
        priority_reasons=t.split_list(row.priority_reasons),
        intent=row.intent,
        mood=t.split_list(row.mood),
        message_count=row.message_count,
        last_message_preview=row.last_message_preview,
        waiting_since=row.waiting_since,
        last_buyer_message_at=row.last_buyer_message_at,
        last_shop_message_at=row.last_shop_message_at,
        first_replied_at=row.first_replied_at,
        closed_at=row.closed_at,
    )


def conversation_row(conv: Conversation) -> dict[str, Any]:
    rank, key = conv.queue_position()
    return {
        "store_id": conv.store_id,
        "buyer_id": conv.buyer_id,
        "order_id": conv.order_id,
        "product_id": conv.product_id,
        "platform_conversation_id": conv.platform_conversation_id,
        "origin": conv.origin.value,
        "stage": conv.stage.value,
        "status": conv.status.value,
        "unread": conv.unread,
        "colour_mark": conv.colour_mark.value if conv.colour_mark else None,
        "assignee_id": conv.assignee_id,
        "language": conv.language,
        "priority": conv.priority,
        "priority_reasons": ",".join(conv.priority_reasons),
        "intent": conv.intent,
        "mood": ",".join(conv.mood),
        "queue_rank": rank,
        "sort_key": key,
        "message_count": conv.message_count,
        "last_message_preview": conv.last_message_preview,
        "created_at": conv.created_at,
        "last_message_at": conv.last_message_at,
        "waiting_since": conv.waiting_since,
        "last_buyer_message_at": conv.last_buyer_message_at,
        "last_shop_message_at": conv.last_shop_message_at,
        "first_replied_at": conv.first_replied_at,
        "closed_at": conv.closed_at,
    }
