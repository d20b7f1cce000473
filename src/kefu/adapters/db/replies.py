"""Store settings, template wording and the outbox, in SQL (implements ReplyRepository)."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date, datetime, time
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from kefu.adapters.db import tables as t
from kefu.domain.autoreply import AutoReplySettings, ContentKind, KeywordReply
from kefu.domain.shopfacts import BulkTier, Festival, ShopFacts
from kefu.domain.types import Status
from kefu.services.ports import OutgoingReply


def facts_to_json(facts: ShopFacts) -> dict[str, Any]:
    data = asdict(facts)
    data["opens"], data["closes"] = (
        facts.opens.isoformat("minutes"),
        facts.closes.isoformat("minutes"),
    )
    data["workdays"] = sorted(facts.workdays)
    data["extra_holidays"] = [d.isoformat() for d in facts.extra_holidays]
    data["transit_days"] = {k: list(v) for k, v in facts.transit_days.items()}
    data["refund_days"] = list(facts.refund_days)
    data["express_methods"] = list(facts.express_methods)
    data["help_links"] = dict(facts.help_links)
    data["festivals"] = [
        {"name": f.name, "start": list(f.start), "end": list(f.end)} for f in facts.festivals
    ]
    return data


def facts_from_json(data: dict[str, Any]) -> ShopFacts:
    """Stored facts (validated when saved); keys missing from old rows take the defaults."""
    if not data:
        return ShopFacts()
    d = dict(data)
    conv: dict[str, Any] = {
        "opens": lambda v: time.fromisoformat(v),
        "closes": lambda v: time.fromisoformat(v),
        "workdays": frozenset,
        "extra_holidays": lambda v: tuple(date.fromisoformat(x) for x in v),
        "transit_days": lambda v: {k: (int(a), int(b)) for k, (a, b) in v.items()},
        "refund_days": lambda v: (int(v[0]), int(v[1])),
        "express_methods": tuple,
        "bulk_tiers": lambda v: tuple(BulkTier(**x) for x in v),
        "festivals": lambda v: tuple(
            Festival(x["name"], tuple(x["start"]), tuple(x["end"])) for x in v
        ),
    }
    for key, build in conv.items():
        if key in d:
            d[key] = build(d[key])
    return ShopFacts(**d)


def auto_to_json(settings: AutoReplySettings) -> dict[str, Any]:
    data = asdict(settings)
    data["keywords"] = [
        {"keyword": k.keyword, "kind": k.kind.value, "content": k.content}
        for k in settings.keywords
    ]
    return data


def auto_from_json(data: dict[str, Any]) -> AutoReplySettings:
    if not data:
        return AutoReplySettings()
    return AutoReplySettings(
        welcome_enabled=bool(data.get("welcome_enabled", False)),
        busy_enabled=bool(data.get("busy_enabled", False)),
        busy_queue_size=int(data.get("busy_queue_size", 50)),
        keywords=tuple(
            KeywordReply(k["keyword"], ContentKind(k["kind"]), k["content"])
            for k in data.get("keywords", [])
        ),
    )


class SqlReplyRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def settings(self, store_id: int) -> tuple[ShopFacts, AutoReplySettings]:
        row = self.session.get(t.StoreSettings, store_id)
        if row is None:
            return ShopFacts(), AutoReplySettings()
        return facts_from_json(row.facts), auto_from_json(row.auto_replies)

    def _row(self, store_id: int, now: datetime) -> t.StoreSettings:
        row = self.session.get(t.StoreSettings, store_id)
        if row is None:
            row = t.StoreSettings(store_id=store_id, facts={}, auto_replies={}, updated_at=now)
            self.session.add(row)
        return row

    def save_facts(self, store_id: int, facts: ShopFacts, now: datetime) -> None:
        row = self._row(store_id, now)
        row.facts, row.updated_at = facts_to_json(facts), now
        self.session.flush()

    def save_auto_replies(self, store_id: int, settings: AutoReplySettings, now: datetime) -> None:
        row = self._row(store_id, now)
        row.auto_replies, row.updated_at = auto_to_json(settings), now
        self.session.flush()

    def overrides(self, store_id: int) -> dict[tuple[str, str], str]:
        rows = self.session.execute(
            select(
                t.TemplateOverride.template_key,
                t.TemplateOverride.language,
                t.TemplateOverride.text,
            ).where(t.TemplateOverride.store_id == store_id)
        )
        return {(r.template_key, r.language): r.text for r in rows}

    def save_override(
        self,
        store_id: int,
        key: str,
        language: str,
        text: str | None,
        account_id: int | None,
        now: datetime,
    ) -> None:
        where = (
            t.TemplateOverride.store_id == store_id,
            t.TemplateOverride.template_key == key,
            t.TemplateOverride.language == language,
        )
        if text is None:
            self.session.execute(delete(t.TemplateOverride).where(*where))
            return
        row = self.session.scalars(select(t.TemplateOverride).where(*where)).first()
        if row is None:
            row = t.TemplateOverride(store_id=store_id, template_key=key, language=language)
            self.session.add(row)
        row.text, row.account_id, row.updated_at = text, account_id, now
        self.session.flush()

    def similar_products(
        self, store_id: int, category: str, exclude_id: int, limit: int
    ) -> list[str]:
        rows = self.session.scalars(
            select(t.Product.title)
            .where(
                t.Product.store_id == store_id,
                t.Product.category == category,
                t.Product.id != exclude_id,
                t.Product.stock > 0,
            )
            .order_by(t.Product.stock.desc(), t.Product.id)
            .limit(limit)
        )
        return list(dict.fromkeys(rows))

    def open_queue_size(self, store_id: int) -> int:
        return int(
            self.session.scalar(
                select(func.count())
                .select_from(t.Conversation)
                .where(t.Conversation.store_id == store_id, t.Conversation.status == Status.OPEN)
            )
            or 0
        )

    def last_auto_reply_at(self, conversation_id: int, kind: str) -> datetime | None:
        return self.session.scalar(
            select(func.max(t.Message.sent_at)).where(
                t.Message.conversation_id == conversation_id, t.Message.auto_kind == kind
            )
        )

    def claim_due(self, now: datetime, lease_until: datetime, limit: int) -> list[OutgoingReply]:
        due = self.session.execute(
            select(t.Message.id)
            .where(t.Message.delivery_status == "pending", t.Message.next_attempt_at <= now)
            .order_by(t.Message.next_attempt_at)
            .limit(limit)
        ).scalars()
        claimed: list[int] = []
        for message_id in list(due):
            # Re-checked in the UPDATE: a worker that lost the race claims nothing.
            taken = self.session.execute(
                update(t.Message)
                .where(
                    t.Message.id == message_id,
                    t.Message.delivery_status == "pending",
                    t.Message.next_attempt_at <= now,
                )
                .values(next_attempt_at=lease_until)
            )
            if taken.rowcount == 1:  # type: ignore[attr-defined]
                claimed.append(message_id)
        if not claimed:
            return []
        rows = self.session.execute(
            select(
                t.Message.id,
                t.Message.platform_message_id,
                t.Message.text,
                t.Message.attachments,
                t.Message.is_automatic,
                t.Message.delivery_attempts,
                t.Store.code,
                t.Store.platform,
                t.Conversation.platform_conversation_id,
            )
            .join(t.Conversation, t.Conversation.id == t.Message.conversation_id)
            .join(t.Store, t.Store.id == t.Message.store_id)
            .where(t.Message.id.in_(claimed))
            .order_by(t.Message.id)
        )
        return [
            OutgoingReply(
                message_id=r.id,
                store_code=r.code,
                platform=r.platform,
                conversation_ref=r.platform_conversation_id,
                idempotency_key=r.platform_message_id,
                text=r.text,
                attachments=tuple(r.attachments or ()),
                is_automatic=r.is_automatic,
                attempts=r.delivery_attempts,
            )
            for r in rows
        ]

    def mark_delivered(self, message_id: int, external_id: str, at: datetime) -> None:
        self.session.execute(
            update(t.Message)
            .where(t.Message.id == message_id)
            .values(
                delivery_status="delivered",
                external_id=external_id,
                delivered_at=at,
                next_attempt_at=None,
                delivery_error=None,
                delivery_attempts=t.Message.delivery_attempts + 1,
            )
        )

    def mark_retry(
        self, message_id: int, error: str, next_attempt_at: datetime | None, attempts: int
    ) -> None:
        self.session.execute(
            update(t.Message)
            .where(t.Message.id == message_id)
            .values(
                delivery_status="pending" if next_attempt_at else "failed",
                next_attempt_at=next_attempt_at,
                delivery_error=error[:500],
                delivery_attempts=attempts,
            )
        )

    def message_id_by_platform_id(self, store_id: int, platform_message_id: str) -> int | None:
        return self.session.scalar(
            select(t.Message.id).where(
                t.Message.store_id == store_id,
                t.Message.platform_message_id == platform_message_id,
            )
        )
