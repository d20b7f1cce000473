"""The Notices list (docs/channels.md "Notices"): the lines of the conversations only a
marketplace writes in (eBay's FROM_EBAY conversations, AliExpress system channels), with
who read them. Such a conversation is never a buyer's thread: `buyer_thread` keeps it out
of the inbox, routing and the agents' loads."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, literal, or_, select
from sqlalchemy.orm import Session

from kefu.adapters.db import tables as t
from kefu.domain.types import Direction
from kefu.services.ports import NoticePage, NoticeRow


def buyer_thread() -> Any:
    """A conversation with a buyer's or the shop's message: not the platform's alone."""
    c = t.Conversation
    return or_(c.last_buyer_message_at.is_not(None), c.last_shop_message_at.is_not(None))


def _notices(store_ids: Collection[int]) -> list[Any]:
    c, m = t.Conversation, t.Message
    return [
        # Written into the statement, so the planner may read the partial index
        # ix_messages_platform (a bound value would hide that the two match).
        m.direction == literal(Direction.PLATFORM.value, literal_execute=True),
        c.last_buyer_message_at.is_(None),
        c.last_shop_message_at.is_(None),
        c.store_id.in_(sorted(store_ids)),
    ]


class SqlNoticeRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def _base(self, store_ids: Collection[int], unread_only: bool) -> Any:
        c, m, r = t.Conversation, t.Message, t.NoticeRead
        query = (
            select(m.id)
            .join(c, c.id == m.conversation_id)
            .outerjoin(r, r.message_id == m.id)
            .where(*_notices(store_ids))
        )
        return query.where(r.message_id.is_(None)) if unread_only else query

    def notices(
        self,
        store_ids: Collection[int],
        *,
        unread_only: bool,
        language: str | None,
        page: int,
        page_size: int,
    ) -> NoticePage:
        if not store_ids:
            return NoticePage([], 0, 0, 1, page_size)
        total = self.session.scalar(
            select(func.count()).select_from(self._base(store_ids, unread_only).subquery())
        )
        unread = self.unread_count(store_ids)
        last = max(1, -(-int(total or 0) // page_size))
        page = min(page, last)
        c, m, r, s = t.Conversation, t.Message, t.NoticeRead, t.Store
        tr = t.MessageTranslation
        query = (
            select(
                m.id,
                m.conversation_id,
                s.code,
                s.name,
                s.platform,
                m.sent_at,
                m.text,
                tr.text.label("translation"),
                r.read_at,
            )
            .join(c, c.id == m.conversation_id)
            .join(s, s.id == c.store_id)
            .outerjoin(r, r.message_id == m.id)
            .outerjoin(
                tr,
                and_(
                    tr.message_id == m.id,
                    tr.language == (language or ""),
                    tr.status == "done",
                ),
            )
            .where(*_notices(store_ids))
            .order_by(m.sent_at.desc(), m.id.desc())
            .limit(page_size)
            .offset((page - 1) * page_size)
        )
        if unread_only:
            query = query.where(r.message_id.is_(None))
        rows = [
            NoticeRow(
                id=row.id,
                conversation_id=row.conversation_id,
                store_code=row.code,
                store_name=row.name,
                platform=row.platform,
                sent_at=row.sent_at,
                text=row.text,
                translation=row.translation,
                read_at=row.read_at,
            )
            for row in self.session.execute(query)
        ]
        return NoticePage(rows, int(total or 0), unread, page, page_size)

    def unread_count(self, store_ids: Collection[int]) -> int:
        """Counted from the marketplace's lines (the partial index), each asking after its
        conversation by key: every page's menu shows it, and conversations are many."""
        if not store_ids:
            return 0
        c, m, r = t.Conversation, t.Message, t.NoticeRead
        notice, *conversation = _notices(store_ids)
        query = (
            select(func.count())
            .select_from(m)
            .outerjoin(r, r.message_id == m.id)
            .where(
                notice,
                r.message_id.is_(None),
                select(c.id).where(c.id == m.conversation_id, *conversation).exists(),
            )
        )
        return int(self.session.scalar(query) or 0)

    def notice_conversations(
        self, store_ids: Collection[int], message_ids: Collection[int] | None
    ) -> dict[int, int]:
        if not store_ids:
            return {}
        m = t.Message
        query = self._base(store_ids, message_ids is None).add_columns(m.conversation_id)
        if message_ids is not None:
            query = query.where(m.id.in_(sorted(set(message_ids))))
        return {row[0]: row[1] for row in self.session.execute(query)}

    def mark_read(self, message_ids: Collection[int], account_id: int, at: datetime) -> int:
        wanted = sorted(set(message_ids))
        if not wanted:
            return 0
        done = set(
            self.session.scalars(
                select(t.NoticeRead.message_id).where(t.NoticeRead.message_id.in_(wanted))
            )
        )
        fresh = [i for i in wanted if i not in done]
        self.session.add_all(
            t.NoticeRead(message_id=i, account_id=account_id, read_at=at) for i in fresh
        )
        self.session.flush()
        return len(fresh)

    def unread_left(self, conversation_ids: Collection[int]) -> set[int]:
        if not conversation_ids:
            return set()
        m, r = t.Message, t.NoticeRead
        query = (
            select(m.conversation_id)
            .outerjoin(r, r.message_id == m.id)
            .where(
                m.conversation_id.in_(sorted(set(conversation_ids))),
                m.direction == Direction.PLATFORM.value,
                r.message_id.is_(None),
            )
            .distinct()
        )
        return set(self.session.scalars(query))
