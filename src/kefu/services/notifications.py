"""A person's notifications (mentions, hand-overs) and the figures the live updates push
(docs/team.md "Working together"): the unread count in the tab title, and new buyer
messages in the conversations assigned to them — read when asked, never written on the
ingest path."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from kefu.domain.errors import InvalidInput
from kefu.domain.permissions import Permission
from kefu.services.access import Principal
from kefu.services.ports import Clock, NewBuyerMessage, NotificationView, UnitOfWork

MAX_LIST = 200
MAX_MARK = 500
NEW_MESSAGES = 5


@dataclass(frozen=True)
class Counts:
    notifications: int  # unread notifications
    conversations: int  # open conversations assigned to the person with something unread

    @property
    def total(self) -> int:
        return self.notifications + self.conversations


def listed(
    who: Principal, *, uow: UnitOfWork, unread_only: bool = False, limit: int = 50
) -> list[NotificationView]:
    if not 1 <= limit <= MAX_LIST:
        raise InvalidInput(f"limit must be 1 to {MAX_LIST}", field="limit")
    with uow:
        return uow.team.notifications(who.account_id, unread_only=unread_only, limit=limit)


def mark_read(who: Principal, ids: Collection[int] | None, *, uow: UnitOfWork, clock: Clock) -> int:
    """Mark the person's own notifications read (all when `ids` is None); how many were
    unread. Marking again changes nothing."""
    if ids is not None and len(ids) > MAX_MARK:
        raise InvalidInput(f"at most {MAX_MARK} ids at once", field="ids")
    with uow:
        marked = uow.team.mark_read(who.account_id, ids, clock.now())
        uow.commit()
    return marked


def counts(who: Principal, *, uow: UnitOfWork) -> Counts:
    with uow:
        return Counts(
            uow.team.unread_notifications(who.account_id),
            uow.team.unread_assigned(who.account_id) if who.can(Permission.VIEW_INBOX) else 0,
        )


def version(*, uow: UnitOfWork) -> tuple[int, int, int]:
    """Changes anywhere since the last look: a stream reads more only when this moves."""
    with uow:
        return uow.team.live_version()


def new_buyer_messages(
    who: Principal, after_message_id: int, *, uow: UnitOfWork
) -> list[NewBuyerMessage]:
    """Buyer messages stored after `after_message_id` (the change marker's first figure
    at the last look) in conversations assigned to the person, for the desktop
    notification; only those the person still sees."""
    if not who.can(Permission.VIEW_INBOX):
        return []
    with uow:
        found = uow.team.new_buyer_messages(who.account_id, after_message_id, NEW_MESSAGES)
        return [
            m
            for m in found
            if uow.auth.conversation_visible(m.conversation_id, who.account_id, who.store_ids)
        ]
