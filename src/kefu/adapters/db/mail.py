"""The e-mail channel's rows: store mailboxes, Message-ID threads, attachments (docs/mail.md)."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import case, delete, func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from kefu.adapters.db import tables as t
from kefu.domain.mail import reply_subject
from kefu.services.ports import MailAttachment, MailThreadHead, StoredMailbox

_SETTINGS = (
    "address",
    "imap_host",
    "imap_port",
    "imap_security",
    "imap_user",
    "imap_password",
    "folder",
    "smtp_host",
    "smtp_port",
    "smtp_security",
    "smtp_user",
    "smtp_password",
    "amazon_relay",
    "enabled",
)


def digest(mail_id: str) -> str:
    return hashlib.sha256(mail_id.encode("utf-8", "replace")).hexdigest()


class SqlMailRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def _insert(self, table: Any) -> Any:
        dialect = self.session.get_bind().dialect.name
        return (pg_insert if dialect == "postgresql" else sqlite_insert)(table)

    def _query(self) -> Any:
        m, s = t.StoreMailbox, t.Store
        return select(m, s.code, s.platform, s.archived_at).join(s, s.id == m.store_id)

    @staticmethod
    def _stored(row: Any) -> StoredMailbox:
        m = row[0]
        return StoredMailbox(
            store_id=m.store_id,
            store_code=row.code,
            store_platform=row.platform,
            store_archived=row.archived_at is not None,
            **{name: getattr(m, name) for name in _SETTINGS},
            uidvalidity=m.uidvalidity,
            last_uid=m.last_uid,
            last_pull_at=m.last_pull_at,
            last_success_at=m.last_success_at,
            last_pulled=m.last_pulled,
            total_pulled=m.total_pulled,
            error_code=m.error_code,
            error_detail=m.error_detail,
            error_at=m.error_at,
        )

    def mailbox(self, store_id: int) -> StoredMailbox | None:
        row = self.session.execute(self._query().where(t.StoreMailbox.store_id == store_id)).first()
        return self._stored(row) if row else None

    def mailboxes(self, *, enabled_only: bool) -> list[StoredMailbox]:
        query = self._query().order_by(t.Store.code)
        if enabled_only:
            query = query.where(t.StoreMailbox.enabled.is_(True), t.Store.archived_at.is_(None))
        return [self._stored(row) for row in self.session.execute(query)]

    def save_mailbox(self, store_id: int, values: dict[str, Any], now: datetime) -> None:
        changes = {k: v for k, v in values.items() if k in _SETTINGS}
        row = self.session.get(t.StoreMailbox, store_id)
        if row is None:
            self.session.add(
                t.StoreMailbox(
                    store_id=store_id,
                    **changes,
                    last_uid=0,
                    last_pulled=0,
                    total_pulled=0,
                    updated_at=now,
                )
            )
        else:
            server_changed = any(
                changes.get(k, getattr(row, k)) != getattr(row, k)
                for k in ("imap_host", "imap_user", "folder")
            )
            for key, value in changes.items():
                setattr(row, key, value)
            row.updated_at = now
            if server_changed:  # another mailbox: read it from its start
                row.uidvalidity, row.last_uid = None, 0
            row.error_code = row.error_detail = None
            row.error_at = None
        self.session.flush()

    def remove_mailbox(self, store_id: int) -> bool:
        gone = self.session.execute(
            delete(t.StoreMailbox).where(t.StoreMailbox.store_id == store_id)
        )
        return bool(gone.rowcount)  # type: ignore[attr-defined]

    def set_position(self, store_id: int, uidvalidity: int, last_uid: int) -> None:
        self.session.execute(
            update(t.StoreMailbox)
            .where(t.StoreMailbox.store_id == store_id)
            .values(uidvalidity=uidvalidity, last_uid=last_uid)
        )

    def record_pull(
        self, store_id: int, at: datetime, pulled: int, error: tuple[str, str] | None
    ) -> None:
        m = t.StoreMailbox
        values: dict[str, Any] = {"last_pull_at": at}
        if error is None:
            values |= {
                "last_success_at": at,
                "last_pulled": pulled,
                "total_pulled": m.total_pulled + pulled,
                "error_code": None,
                "error_detail": None,
                "error_at": None,
            }
        else:
            values |= {
                "error_code": error[0][:32],
                "error_detail": error[1][:500],
                "error_at": at,
                "total_pulled": m.total_pulled + pulled,
            }
        self.session.execute(update(m).where(m.store_id == store_id).values(**values))

    def conversation_keys(self, store_id: int, mail_ids: Sequence[str]) -> dict[str, str]:
        if not mail_ids:
            return {}
        by_digest = {digest(i): i for i in mail_ids}
        found: dict[str, str] = {}
        keys = list(by_digest)
        for start in range(0, len(keys), 500):
            rows = self.session.execute(
                select(t.MailThread.digest, t.MailThread.conversation_key).where(
                    t.MailThread.store_id == store_id,
                    t.MailThread.digest.in_(keys[start : start + 500]),
                )
            )
            found.update({by_digest[d]: key for d, key in rows})
        return found

    def remember_threads(
        self,
        store_id: int,
        pairs: Sequence[tuple[str, str]],
        *,
        incoming: bool = True,
        subjects: dict[str, str] | None = None,
        references: dict[str, tuple[str, ...]] | None = None,
        now: datetime | None = None,
    ) -> None:
        if not pairs:
            return
        rows = {
            digest(mail_id): {
                "store_id": store_id,
                "digest": digest(mail_id),
                "mail_id": mail_id,
                "conversation_key": key,
                "incoming": incoming,
                "subject": (subjects or {}).get(mail_id, "")[:500],
                "references": list((references or {}).get(mail_id, ()))[-20:],
                "created_at": now or datetime.now().astimezone(),
            }
            for mail_id, key in pairs
        }
        statement = self._insert(t.MailThread).on_conflict_do_nothing(
            index_elements=["store_id", "digest"]
        )
        self.session.execute(statement, list(rows.values()))

    def save_attachment(self, store_id: int, attachment: MailAttachment, now: datetime) -> str:
        sha = hashlib.sha256(attachment.data).hexdigest()
        statement = self._insert(t.MailAttachment).on_conflict_do_nothing(
            index_elements=["store_id", "digest"]
        )
        self.session.execute(
            statement,
            [
                {
                    "store_id": store_id,
                    "digest": sha,
                    "filename": attachment.filename[:200],
                    "content_type": attachment.content_type[:100],
                    "size": len(attachment.data),
                    "data": attachment.data,
                    "created_at": now,
                }
            ],
        )
        return sha

    def attachment(self, sha: str) -> tuple[int, MailAttachment] | None:
        row = self.session.execute(
            select(
                t.MailAttachment.store_id,
                t.MailAttachment.filename,
                t.MailAttachment.content_type,
                t.MailAttachment.data,
            )
            .where(t.MailAttachment.digest == sha)
            .limit(1)
        ).first()
        if row is None:
            return None
        return row.store_id, MailAttachment(row.filename, row.content_type, row.data)

    def thread_head(self, conversation_id: int) -> MailThreadHead | None:
        c, i, th = t.Conversation, t.BuyerIdentity, t.MailThread
        conv = self.session.execute(
            select(c.store_id, c.platform_conversation_id, i.platform_buyer_id)
            .join(i, (i.buyer_id == c.buyer_id) & (i.store_id == c.store_id))
            .where(c.id == conversation_id)
            # A buyer may also be known by an ERP id; a reply goes to an address.
            .order_by(case((i.platform_buyer_id.contains("@"), 0), else_=1), i.id.desc())
            .limit(1)
        ).first()
        if conv is None:
            return None
        latest = self.session.execute(
            select(th.mail_id, th.subject, th.references)
            .where(
                th.store_id == conv.store_id,
                th.conversation_key == conv.platform_conversation_id,
                th.incoming.is_(True),
            )
            .order_by(th.id.desc())
            .limit(1)
        ).first()
        if latest is None:
            return None
        references = (*[str(r) for r in latest.references][-19:], latest.mail_id)
        return MailThreadHead(
            conversation_id=conversation_id,
            to=conv.platform_buyer_id,
            subject=reply_subject(latest.subject),
            last_message_id=latest.mail_id,
            references=references,
        )

    def mail_replies(self, message_ids: Sequence[int]) -> dict[int, tuple[int, str]]:
        if not message_ids:
            return {}
        m, s, mb = t.Message, t.Store, t.StoreMailbox
        rows = self.session.execute(
            select(m.id, m.conversation_id, s.code)
            .join(s, s.id == m.store_id)
            .join(mb, mb.store_id == m.store_id)
            .where(m.id.in_(list(message_ids)))
        )
        return {row.id: (row.conversation_id, row.code) for row in rows}

    def resealed(self, rotate: Callable[[str], str]) -> int:
        done = 0
        for row in self.session.scalars(select(t.StoreMailbox)):
            row.imap_password = rotate(row.imap_password) if row.imap_password else ""
            row.smtp_password = rotate(row.smtp_password) if row.smtp_password else ""
            done += 1
        self.session.flush()
        return done

    def no_response_needed(self, conversation_id: int, at: datetime) -> int:
        """Mark the buyer messages waiting for an answer in the conversation as needing
        none, and take their reporting facts out; how many were marked."""
        m, c = t.Message, t.Conversation
        since = self.session.execute(
            select(c.waiting_since).where(c.id == conversation_id)
        ).scalar_one_or_none()
        if since is None:
            return 0
        ids = list(
            self.session.scalars(
                select(m.id).where(
                    m.conversation_id == conversation_id,
                    m.direction == "buyer",
                    m.sent_at >= since,
                    m.no_response_at.is_(None),
                )
            )
        )
        if not ids:
            return 0
        self.session.execute(update(m).where(m.id.in_(ids)).values(no_response_at=at))
        self.session.execute(delete(t.KpiFact).where(t.KpiFact.message_id.in_(ids)))
        return len(ids)

    def count_threads(self, store_id: int) -> int:
        return int(
            self.session.execute(
                select(func.count())
                .select_from(t.MailThread)
                .where(t.MailThread.store_id == store_id)
            ).scalar_one()
        )
