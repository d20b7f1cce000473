"""The Notices list (docs/channels.md "Notices"; issue 18 "State both ways"): what a
marketplace itself tells a store — eBay's FROM_EBAY conversations, AliExpress system
channels — read per store, apart from the buyers' inbox. A person sees the notices of the
stores given to them (services/access.py), as the inbox shows their conversations.

Marking a notice read is recorded per notice; once a notice conversation has no unread
notice left, its read state is recorded for the push (services/sync.py push_states), so
eBay shows it read too (updateConversation, conversationType FROM_EBAY).
"""

from __future__ import annotations

from collections.abc import Sequence

from kefu.domain.errors import InvalidInput, NotFound
from kefu.domain.permissions import Permission
from kefu.services import access
from kefu.services.access import Principal
from kefu.services.ports import Clock, NoticePage, StoreRef, UnitOfWork

PAGE_SIZE = 50
MAX_PAGE = 10_000
MAX_IDS = 500  # notices one call marks read by id
PLATFORM_CHARS = 32


def _store_ids(
    uow: UnitOfWork, who: Principal, store: str | None, platform: str | None
) -> list[int]:
    """The stores asked for among those given to the person; a store code not theirs is
    404, as everywhere else."""
    chosen = [access.store(uow, who, store)] if store else access.stores(uow, who)
    return [s.id for s in chosen if not platform or s.platform == platform]


def list_notices(
    who: Principal,
    *,
    store: str | None = None,
    platform: str | None = None,
    unread: bool = False,
    page: int = 1,
    language: str | None = None,
    uow: UnitOfWork,
) -> NoticePage:
    """Newest first; `language` picks the stored translation shown beside each notice."""
    access.require(who, Permission.VIEW_INBOX)
    if not 1 <= page <= MAX_PAGE:
        raise InvalidInput(f"page: must be 1–{MAX_PAGE}", field="page")
    if platform is not None and len(platform) > PLATFORM_CHARS:
        raise InvalidInput("platform: is too long", field="platform")
    with uow:
        ids = _store_ids(uow, who, store, platform)
        return uow.notices.notices(
            ids, unread_only=unread, language=language, page=page, page_size=PAGE_SIZE
        )


def stores(who: Principal, *, uow: UnitOfWork) -> list[StoreRef]:
    """The stores the person may read notices of (the page's store filter)."""
    access.require(who, Permission.VIEW_INBOX)
    with uow:
        return access.stores(uow, who)


def unread_count(who: Principal, *, uow: UnitOfWork) -> int:
    """The nav's count: unread notices of the person's stores (0 without the inbox)."""
    if not who.can(Permission.VIEW_INBOX):
        return 0
    with uow:
        return uow.notices.unread_count(_store_ids(uow, who, None, None))


def mark_read(
    who: Principal,
    *,
    ids: Sequence[int] | None = None,
    store: str | None = None,
    uow: UnitOfWork,
    clock: Clock,
) -> int:
    """Mark these notices read, or every unread one of a store; how many were unread. A
    notice read already stays as it was (repeating the call changes nothing); an id that
    is not a notice of the person's stores is refused, naming it, and nothing is marked."""
    access.require(who, Permission.VIEW_INBOX)
    if (ids is None) == (store is None):
        raise InvalidInput("give either ids or store", field="ids")
    if ids is not None and not 1 <= len(ids) <= MAX_IDS:
        raise InvalidInput(f"ids: 1–{MAX_IDS} notice ids a call", field="ids")
    now = clock.now()
    with uow:
        stores = _store_ids(uow, who, store, None)
        found = uow.notices.notice_conversations(stores, ids)
        missing = [i for i in ids or () if i not in found]
        if missing:
            raise NotFound(f"no notice {missing[0]}", id=missing[0])
        marked = uow.notices.mark_read(list(found), who.account_id, now)
        touched = set(found.values())
        done = touched - uow.notices.unread_left(touched)
        for conversation_id in sorted(done):
            conv = uow.inbox.get_conversation(conversation_id)
            if conv is not None:
                uow.connections.agent_changed(conversation_id, conv.store_id, {"read": True}, now)
        uow.commit()
    return marked
