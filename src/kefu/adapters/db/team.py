"""Team work's rows (docs/team.md "Working together"): internal notes, notifications,
presence, the check that no one else answered first, and the cheap change marker the
event streams poll. Notes live in their own table, so no query about messages sees one."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime

from sqlalchemy import and_, delete, exists, func, insert, or_, select, update
from sqlalchemy.orm import Session, aliased

from kefu.adapters.db import tables as t
from kefu.domain.types import Direction
from kefu.services.ports import (
    EarlierAnswer,
    NewBuyerMessage,
    NewNotification,
    NoteView,
    NotificationView,
    Presence,
)

EXCERPT = 120


class SqlTeamRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    # --- notes -------------------------------------------------------------------------

    def add_note(
        self,
        conversation_id: int,
        store_id: int,
        author_id: int,
        text: str,
        mentions: Sequence[int],
        at: datetime,
    ) -> int:
        return int(
            self.session.scalar(
                insert(t.ConversationNote)
                .values(
                    conversation_id=conversation_id,
                    store_id=store_id,
                    author_id=author_id,
                    text=text,
                    mentions=list(mentions),
                    created_at=at,
                )
                .returning(t.ConversationNote.id)
            )
            or 0
        )

    def notes(self, conversation_id: int) -> list[NoteView]:
        n, a = t.ConversationNote, t.Account
        rows = self.session.execute(
            select(n, a.display_name)
            .join(a, a.id == n.author_id)
            .where(n.conversation_id == conversation_id)
            .order_by(n.created_at, n.id)
        ).all()
        ids = {i for row in rows for i in row[0].mentions}
        names: dict[int, str] = (
            {
                i: name
                for i, name in self.session.execute(
                    select(a.id, a.display_name).where(a.id.in_(ids))
                )
            }
            if ids
            else {}
        )
        return [
            NoteView(
                id=note.id,
                conversation_id=note.conversation_id,
                author_id=note.author_id,
                author_name=author,
                text=note.text,
                mentions=tuple(names[i] for i in note.mentions if i in names),
                created_at=note.created_at,
            )
            for note, author in rows
        ]

    # --- notifications -----------------------------------------------------------------

    def notify(self, rows: Sequence[NewNotification]) -> None:
        if rows:
            self.session.execute(insert(t.Notification), [r.__dict__ for r in rows])

    def notifications(
        self, account_id: int, *, unread_only: bool, limit: int
    ) -> list[NotificationView]:
        n, actor, note, c, b = (
            t.Notification,
            aliased(t.Account),
            t.ConversationNote,
            t.Conversation,
            t.Buyer,
        )
        query = (
            select(n, actor.display_name, note.text, b.name)
            .join(c, c.id == n.conversation_id)
            .join(b, b.id == c.buyer_id)
            .outerjoin(actor, actor.id == n.actor_id)
            .outerjoin(note, note.id == n.note_id)
            .where(n.account_id == account_id)
            .order_by(n.id.desc())
            .limit(limit)
        )
        if unread_only:
            query = query.where(n.read_at.is_(None))
        return [
            NotificationView(
                id=row.id,
                kind=row.kind,
                conversation_id=row.conversation_id,
                buyer_name=buyer,
                actor_name=actor_name,
                excerpt=text[:EXCERPT] if text else None,
                created_at=row.created_at,
                read_at=row.read_at,
            )
            for row, actor_name, text, buyer in self.session.execute(query).all()
        ]

    def mark_read(self, account_id: int, ids: Collection[int] | None, at: datetime) -> int:
        n = t.Notification
        query = update(n).where(n.account_id == account_id, n.read_at.is_(None))
        if ids is not None:
            query = query.where(n.id.in_(sorted(ids)))
        result = self.session.execute(
            query.values(read_at=at).execution_options(synchronize_session=False)
        )
        return int(result.rowcount or 0)  # type: ignore[attr-defined]

    def unread_notifications(self, account_id: int) -> int:
        n = t.Notification
        return int(
            self.session.scalar(
                select(func.count()).where(n.account_id == account_id, n.read_at.is_(None))
            )
            or 0
        )

    def unread_assigned(self, account_id: int) -> int:
        c = t.Conversation
        return int(
            self.session.scalar(
                select(func.count()).where(
                    c.assignee_id == account_id, c.unread.is_(True), c.status != "closed"
                )
            )
            or 0
        )

    def new_buyer_messages(
        self, account_id: int, after_message_id: int, limit: int
    ) -> list[NewBuyerMessage]:
        # By message id, not by sent_at: a sync brings in messages sent minutes ago. The
        # primary-key range holds only what arrived since the last look.
        m, c, b = t.Message, t.Conversation, t.Buyer
        rows = self.session.execute(
            select(m.id, m.conversation_id, b.name, m.text, m.sent_at)
            .join(c, c.id == m.conversation_id)
            .join(b, b.id == c.buyer_id)
            .where(
                m.id > after_message_id,
                m.direction == Direction.BUYER.value,
                c.assignee_id == account_id,
            )
            .order_by(m.id.desc())
            .limit(limit)
        ).all()
        return [
            NewBuyerMessage(mid, cid, name, (text or "")[:EXCERPT], at)
            for mid, cid, name, text, at in rows
        ]

    def live_version(self) -> tuple[int, int, int]:
        row = self.session.execute(
            select(
                select(func.max(t.Message.id)).scalar_subquery(),
                select(func.max(t.AuditEntry.id)).scalar_subquery(),
                select(func.max(t.Notification.id)).scalar_subquery(),
            )
        ).one()
        return (int(row[0] or 0), int(row[1] or 0), int(row[2] or 0))

    # --- presence ----------------------------------------------------------------------

    def touch_presence(
        self, conversation_id: int, account_id: int, state: str, at: datetime
    ) -> None:
        p = t.ConversationPresence
        key = (p.conversation_id == conversation_id, p.account_id == account_id)
        # Delete and insert: one statement pair on both databases, no dialect upsert.
        self.session.execute(delete(p).where(*key))
        self.session.execute(
            insert(p).values(
                conversation_id=conversation_id, account_id=account_id, state=state, seen_at=at
            )
        )

    def presence(self, conversation_id: int, since: datetime) -> list[Presence]:
        p, a = t.ConversationPresence, t.Account
        rows = self.session.execute(
            select(p.account_id, a.display_name, p.state, p.seen_at)
            .join(a, a.id == p.account_id)
            .where(p.conversation_id == conversation_id, p.seen_at >= since)
            .order_by(a.display_name)
        ).all()
        return [Presence(*row) for row in rows]

    # --- answering one buyer message ---------------------------------------------------

    def buyer_message_at(self, conversation_id: int, message_id: int) -> datetime | None:
        m = t.Message
        return self.session.scalar(
            select(m.sent_at).where(
                m.id == message_id,
                m.conversation_id == conversation_id,
                m.direction == Direction.BUYER.value,
            )
        )

    def claim_answer(
        self, conversation_id: int, after: datetime, account_id: int
    ) -> EarlierAnswer | None:
        m, c = t.Message, t.Conversation
        answered = and_(
            m.conversation_id == conversation_id,
            m.direction == Direction.SHOP.value,
            m.is_automatic.is_(False),
            m.sent_at > after,
            or_(m.author_account_id.is_(None), m.author_account_id != account_id),
        )
        # A write first: SQLite takes its write lock for the statement (a second sender
        # waits, then reads the first one's reply); PostgreSQL holds the row already.
        claimed = self.session.execute(
            update(c)
            .where(c.id == conversation_id, ~exists().where(answered))
            .values(id=c.id)
            .execution_options(synchronize_session=False)
        )
        if claimed.rowcount:  # type: ignore[attr-defined]
            return None
        row = self.session.execute(
            select(t.Account.display_name, m.sent_at)
            .select_from(m)
            .outerjoin(t.Account, t.Account.id == m.author_account_id)
            .where(answered)
            .order_by(m.sent_at)
            .limit(1)
        ).first()
        if row is None:  # the conversation itself is gone
            return None
        return EarlierAnswer(row[0], row[1])
