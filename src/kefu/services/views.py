"""Read use cases of the workbench: what a person may see, decided here, not in handlers.

Each function receives the acting person, checks the permission, and reads inside one
unit of work through the visibility rule (`services/access.py`), so a page, the API and
the CLI show the same things to the same person.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from kefu.domain.arrival import Estimate
from kefu.domain.autoreply import AutoReplySettings
from kefu.domain.errors import InvalidInput, NotFound
from kefu.domain.permissions import Permission
from kefu.domain.saved_views import MAX_VIEWS, SavedView, clean_name, clean_query, default_query
from kefu.domain.shopfacts import ShopFacts
from kefu.domain.termbase import TermBase
from kefu.services import access
from kefu.services.access import Principal
from kefu.services.ports import (
    Clock,
    StoredTranslation,
    StoreRef,
    TranslationPrefs,
    UnitOfWork,
    UsageDay,
)
from kefu.services.readmodels import ConversationDetail, InboxFilters, InboxPage
from kefu.services.template_values import now_of

Options = dict[str, list[tuple[str, str]]]


def inbox_page(who: Principal, filters: InboxFilters, *, uow: UnitOfWork) -> InboxPage:
    access.require(who, Permission.VIEW_INBOX)
    with uow:
        return uow.queries.inbox_page(access.inbox_filters(who, filters))


def filter_options(who: Principal, *, uow: UnitOfWork) -> Options:
    """Stores, accounts and languages to filter by: only the person's own stores."""
    access.require(who, Permission.VIEW_INBOX)
    with uow:
        return _options(uow, who)


def inbox_screen(
    who: Principal, filters: InboxFilters, *, uow: UnitOfWork
) -> tuple[InboxPage, Options]:
    access.require(who, Permission.VIEW_INBOX)
    with uow:
        return uow.queries.inbox_page(access.inbox_filters(who, filters)), _options(uow, who)


def conversation(
    who: Principal, conversation_id: int, *, uow: UnitOfWork, clock: Clock
) -> ConversationDetail:
    access.require(who, Permission.VIEW_INBOX)
    with uow:
        return _detail(uow, who, conversation_id, clock)


@dataclass(frozen=True)
class ConversationScreen:
    detail: ConversationDetail
    options: Options
    translations: dict[int, list[StoredTranslation]]
    # When the order should arrive, and on what basis (docs/tracking.md "When will it arrive?").
    arrival: Estimate | None = None


def conversation_screen(
    who: Principal, conversation_id: int, *, uow: UnitOfWork, clock: Clock
) -> ConversationScreen:
    """The thread, its stored translations and the assignee choices, read together."""
    access.require(who, Permission.VIEW_INBOX)
    with uow:
        detail = _detail(uow, who, conversation_id, clock)
        found = uow.translations.of_messages(m.id for m in detail.messages)
        facts, _ = uow.replies.settings(detail.store_id)
        arrival = now_of(detail, facts, clock.now()).arrival
        return ConversationScreen(detail, _options(uow, who), found, arrival)


def conversation_translations(
    who: Principal, conversation_id: int, *, uow: UnitOfWork, clock: Clock
) -> dict[int, list[StoredTranslation]]:
    """Every stored translation of the conversation's messages, by message id."""
    access.require(who, Permission.VIEW_INBOX)
    with uow:
        detail = _detail(uow, who, conversation_id, clock)
        return uow.translations.of_messages(m.id for m in detail.messages)


def message_translations(
    who: Principal, message_id: int, *, uow: UnitOfWork
) -> list[StoredTranslation]:
    access.require(who, Permission.VIEW_INBOX)
    with uow:
        access.message(uow, who, message_id)
        return uow.translations.of_messages([message_id]).get(message_id, [])


def stores(who: Principal, *, uow: UnitOfWork) -> list[StoreRef]:
    """The stores given to the person; knowing one's own stores needs no permission."""
    with uow:
        return access.stores(uow, who)


def store(who: Principal, code: str | None, *, uow: UnitOfWork) -> StoreRef:
    """One of the person's stores by code (their first when None); 404 otherwise."""
    with uow:
        return access.store(uow, who, code)


def template_overrides(
    who: Principal, store_id: int, *, uow: UnitOfWork
) -> dict[tuple[str, str], str]:
    """The store's own wording of templates, for anyone working the store's inbox."""
    access.require(who, Permission.VIEW_INBOX)
    with uow:
        access.store_by_id(uow, who, store_id)
        return uow.replies.overrides(store_id)


@dataclass(frozen=True)
class ReplySettings:
    store: StoreRef
    stores: list[StoreRef]
    facts: ShopFacts
    auto: AutoReplySettings
    own: dict[tuple[str, str], str]


def reply_settings(who: Principal, code: str | None, *, uow: UnitOfWork) -> ReplySettings:
    access.require(who, Permission.MANAGE_TEMPLATES)
    with uow:
        ref = access.store(uow, who, code)
        facts, auto = uow.replies.settings(ref.id)
        return ReplySettings(
            ref, access.stores(uow, who), facts, auto, uow.replies.overrides(ref.id)
        )


def termbase(
    who: Principal, code: str | None, *, uow: UnitOfWork
) -> tuple[StoreRef, list[StoreRef], TermBase]:
    access.require(who, Permission.MANAGE_TEMPLATES)
    with uow:
        ref = access.store(uow, who, code)
        return ref, access.stores(uow, who), uow.translations.termbase(ref.id)


@dataclass(frozen=True)
class TranslationOverview:
    prefs: TranslationPrefs
    usage: list[UsageDay]
    pending: int


def translation_overview(who: Principal, since: date, *, uow: UnitOfWork) -> TranslationOverview:
    """The owner's translation page: languages, budgets, usage since a day, the backlog."""
    access.require(who, Permission.MANAGE_SHOP)
    with uow:
        return TranslationOverview(
            uow.translations.prefs(),
            uow.translations.usage(since),
            uow.translations.pending_count(),
        )


def _detail(
    uow: UnitOfWork, who: Principal, conversation_id: int, clock: Clock
) -> ConversationDetail:
    access.conversation(uow, who, conversation_id)
    detail = uow.queries.conversation_detail(conversation_id, clock.now())
    if detail is None:
        raise NotFound(f"no conversation {conversation_id}", id=conversation_id)
    return detail


def _options(uow: UnitOfWork, who: Principal) -> Options:
    options = uow.queries.filter_options()
    return {
        **options,
        "stores": [(i, name) for i, name in options["stores"] if who.sees_store(int(i))],
    }


def usage(who: Principal, since: date, *, uow: UnitOfWork) -> list[UsageDay]:
    access.require(who, Permission.MANAGE_SHOP)
    with uow:
        return uow.translations.usage(since)


def saved_views(who: Principal, *, uow: UnitOfWork) -> list[SavedView]:
    """The person's own saved inbox views, in tab order."""
    access.require(who, Permission.VIEW_INBOX)
    with uow:
        return uow.saved_views.of_account(who.account_id)


def save_view(who: Principal, name: str, query: str, *, uow: UnitOfWork, clock: Clock) -> SavedView:
    """Save the list's filters under a name; saving a name again replaces its filters
    (idempotent), so a retried request never makes two tabs."""
    access.require(who, Permission.VIEW_INBOX)
    shown, filters = clean_name(name), clean_query(query)
    with uow:
        mine = uow.saved_views.of_account(who.account_id)
        if len(mine) >= MAX_VIEWS and all(v.name != shown for v in mine):
            raise InvalidInput(f"at most {MAX_VIEWS} saved views per person", field="name")
        view = uow.saved_views.save(who.account_id, shown, filters, clock.now())
        uow.commit()
        return view


def delete_view(who: Principal, view_id: int, *, uow: UnitOfWork) -> None:
    """Delete one of the person's views; another person's is, for them, not there."""
    access.require(who, Permission.VIEW_INBOX)
    with uow:
        if not uow.saved_views.delete(who.account_id, view_id):
            raise NotFound(f"no saved view {view_id}", id=view_id)
        uow.commit()


def default_view(who: Principal) -> str:
    """The list a person starts on: an agent's own open conversations, else all open."""
    return default_query(who.role)
