"""Who is acting, and what they may do and see: the one place every use case asks.

Every use case receives the acting `Principal` and calls these functions inside its own
unit of work, so a rule cannot be forgotten by a web handler or a CLI command that only
translates. Visibility (SPEC §7, docs/team.md) is one rule — stores, products, assignment —
written in SQL once (`adapters/db/visibility.py`) and stated in plain Python in
`domain/visibility.py`, which the tests hold the SQL to.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

from kefu.domain.errors import DomainError, FieldError, NotFound
from kefu.domain.permissions import Permission, allowed
from kefu.services.ports import StoreRef, UnitOfWork
from kefu.services.readmodels import InboxFilters


class NotSignedIn(DomainError):
    code = "not_signed_in"


class Forbidden(DomainError):
    code = "forbidden"


@dataclass(frozen=True)
class Principal:
    """Who is acting: a signed-in person, or an integration holding one of their tokens."""

    account_id: int
    username: str
    display_name: str
    role: str
    is_main: bool
    store_ids: frozenset[int] | None  # None: every store (the main account)
    languages: tuple[str, ...] = ()
    csrf: str | None = None  # set for browser sessions, which must echo it on writes
    scopes: frozenset[str] | None = None  # set for tokens: at most these permissions
    session_key: str | None = field(default=None, repr=False)

    def can(self, permission: Permission) -> bool:
        if self.scopes is not None and permission.value not in self.scopes:
            return False
        return allowed(self.role, permission, is_main=self.is_main)

    def sees_store(self, store_id: int) -> bool:
        return self.store_ids is None or store_id in self.store_ids


def require(who: Principal, permission: Permission) -> None:
    if not who.can(permission):
        raise Forbidden(f"your role may not do this ({permission.value})")


def conversation(uow: UnitOfWork, who: Principal, conversation_id: int) -> None:
    """A conversation of a store not given, or about another agent's products, is for
    them not there (404)."""
    if not uow.auth.conversation_visible(conversation_id, who.account_id, who.store_ids):
        raise NotFound(f"no conversation {conversation_id}", id=conversation_id)


def message(uow: UnitOfWork, who: Principal, message_id: int) -> int:
    """The message's conversation id, when the person may see it; 404 otherwise."""
    conversation_id = uow.queries.conversation_of_message(message_id)
    if conversation_id is None:
        raise NotFound(f"no message {message_id}", id=message_id)
    conversation(uow, who, conversation_id)
    return conversation_id


def stores(uow: UnitOfWork, who: Principal, *, archived: bool = False) -> list[StoreRef]:
    """The stores given to the person (every store for the main account); archived ones
    only when asked (the Stores page, reports and imports, which name their own errors)."""
    return [
        s
        for s in uow.queries.stores()
        if who.sees_store(s.id) and (archived or s.archived_at is None)
    ]


def store(uow: UnitOfWork, who: Principal, code: str | None, *, archived: bool = False) -> StoreRef:
    """A store by code (the first visible one when None); 404 when not given to them, or
    archived unless asked for."""
    mine = stores(uow, who, archived=archived)
    if not mine:
        raise NotFound("no store is given to this account yet")
    if code is None:
        return mine[0]
    found = next((s for s in mine if s.code == code), None)
    if found is None:
        raise NotFound(f"no store {code!r}", store=code)
    return found


def store_by_id(uow: UnitOfWork, who: Principal, store_id: int) -> StoreRef:
    """By id: a conversation's store, archived or not (its history stays readable)."""
    found = next((s for s in stores(uow, who, archived=True) if s.id == store_id), None)
    if found is None:
        raise NotFound(f"no store {store_id}", id=store_id)
    return found


def inbox_filters(who: Principal, filters: InboxFilters) -> InboxFilters:
    """A sub-account's lists hold its stores, without other agents' products."""
    if who.store_ids is None:
        return replace(filters, visible_store_ids=None, viewer_id=None)
    return replace(filters, visible_store_ids=who.store_ids, viewer_id=who.account_id)


Row = tuple[int, Mapping[str, object]]


def rows_in_stores(
    uow: UnitOfWork, who: Principal, items: Sequence[Mapping[str, object]]
) -> tuple[list[Row], list[FieldError]]:
    """Rows for stores the person is given, with their 1-based numbers; the others are
    refused row by row (an import never writes into a store not given)."""
    numbered = list(enumerate(items, start=1))
    if who.store_ids is None:
        return numbered, []
    codes = {s.code for s in stores(uow, who, archived=True)}
    kept = [(n, item) for n, item in numbered if item.get("store") in codes]
    refused = [
        FieldError(
            "store", "is not a store given to this account", row=n, value=str(item.get("store"))
        )
        for n, item in numbered
        if item.get("store") not in codes
    ]
    return kept, refused


def renumber(errors: Sequence[FieldError], kept: Sequence[Row]) -> list[FieldError]:
    """Errors of a batch made of the kept rows, numbered as the caller sent them."""
    rows = [n for n, _ in kept]
    return [replace(e, row=rows[e.row - 1]) if e.row else e for e in errors]
