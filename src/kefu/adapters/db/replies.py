"""Store settings, template wording and the outbox, in SQL (implements ReplyRepository)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from kefu.adapters.db import tables as t
from kefu.adapters.db.kpifacts import record_facts
from kefu.domain.autoreply import AutoReplySettings
from kefu.domain.shopfacts import ShopFacts
from kefu.domain.types import Status
from kefu.services.ports import OutgoingReply


class SqlReplyRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def settings(self, store_id: int) -> tuple[ShopFacts, AutoReplySettings]:
        row = self.session.get(t.StoreSettings, store_id)
        if row is None:
            return ShopFacts(), AutoReplySettings()
        return ShopFacts.from_dict(row.facts), AutoReplySettings.from_dict(row.auto_replies)

    def _row(self, store_id: int, now: datetime) -> t.StoreSettings:
        row = self.session.get(t.StoreSettings, store_id)
        if row is None:
            row = t.StoreSettings(store_id=store_id, facts={}, auto_replies={}, updated_at=now)
            self.session.add(row)
        return row

    def save_facts(self, store_id: int, facts: ShopFacts, now: datetime) -> None:
        row = self._row(store_id, now)
        row.facts, row.updated_at = facts.to_dict(), now
        self.session.flush()

    def save_auto_replies(self, store_id: int, settings: AutoReplySettings, now: datetime) -> None:
        row = self._row(store_id, now)
        row.auto_replies, row.updated_at = settings.to_dict(), now
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
        # PostgreSQL: rows another worker is claiming right now are skipped, not waited
        # for, so two workers take two different batches (SQLite has one writer anyway).
        due = self.session.execute(
            select(t.Message.id)
            .where(t.Message.delivery_status == "pending", t.Message.next_attempt_at <= now)
            .order_by(t.Message.next_attempt_at)
            .limit(limit)
            .with_for_update(skip_locked=True)
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
        """The platform confirmed the reply: from `at` on it answers the buyer messages
        before it in the KPI report's facts (docs/kpis.md "Undelivered replies")."""
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
        written = self.session.execute(
            select(t.Message.conversation_id, t.Message.sent_at).where(t.Message.id == message_id)
        ).first()
        if written is not None:
            record_facts(self.session, [written.conversation_id], since=written.sent_at)

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
