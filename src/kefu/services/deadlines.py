"""The deadlines board and the sweep behind it (docs/deadlines.md).

`board` lists every open case and every unanswered conversation the person sees, by time
left, overdue first; a lead (who may assign) also gets the overdue and at-risk counts per
agent. `sweep` is the periodic job (and `kefu cases sweep`): it tells the holder and the
store's leads of every new breach, once, and times out the requests a platform counts as
declined when unanswered. Both are set-based, so 100,000 items cost a few statements.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from kefu.domain.cases.model import CaseKind
from kefu.domain.deadline_board import (
    TIME_OUT_REASON,
    TIME_OUT_RULES,
    BoardFilters,
    BoardPage,
)
from kefu.domain.errors import InvalidInput
from kefu.domain.permissions import Permission
from kefu.services import access
from kefu.services.access import Principal
from kefu.services.ports import Clock, StoreRef, UnitOfWork

PAGE_SIZE = 50
# Deeper pages read K first items from each index; 200 pages is 10,000 items.
MAX_PAGE = 200
KINDS = frozenset({*(k.value for k in CaseKind), "conversation"})


@dataclass(frozen=True)
class SweepReport:
    timed_out: int = 0
    case_breaches: int = 0
    conversation_breaches: int = 0


@dataclass(frozen=True)
class Choices:
    """The board's filter options: the stores the person sees, and (for someone who may
    assign) the active people, as (id, name)."""

    stores: list[StoreRef]
    people: list[tuple[int, str]]


def choices(who: Principal, *, uow: UnitOfWork) -> Choices:
    access.require(who, Permission.VIEW_INBOX)
    with uow:
        stores = access.stores(uow, who)
        people = (
            [(a.id, a.display_name) for a in uow.auth.accounts() if a.active]
            if who.can(Permission.ASSIGN)
            else []
        )
    return Choices(stores, people)


def board(who: Principal, filters: BoardFilters, *, uow: UnitOfWork, clock: Clock) -> BoardPage:
    """The page of items the person sees (the inbox's rule: their stores, without other
    agents' products); with the per-agent summary for someone who may assign work."""
    access.require(who, Permission.VIEW_INBOX)
    if not 1 <= filters.page <= MAX_PAGE:
        raise InvalidInput(f"page must be 1 to {MAX_PAGE}", field="page", value=filters.page)
    if filters.kind is not None and filters.kind not in KINDS:
        raise InvalidInput(f"unknown kind {filters.kind!r}", field="kind", value=filters.kind)
    scoped = replace(
        filters,
        page_size=PAGE_SIZE,
        visible_store_ids=who.store_ids,
        viewer_id=None if who.store_ids is None else who.account_id,
    )
    now = clock.now()
    with uow:
        if scoped.store_id is not None:
            access.store_by_id(uow, who, scoped.store_id)
        page = uow.deadlines.board(scoped, now)
        if who.can(Permission.ASSIGN):
            summary = replace(scoped, holder_id=None, urgency=None, kind=None)
            page = replace(page, by_agent=uow.deadlines.by_agent(summary, now))
        return page


def sweep(uow: UnitOfWork, clock: Clock) -> SweepReport:
    """One transaction: breaches first (a request about to time out is told as a breach
    too), then the time-outs. Running it again changes nothing."""
    now = clock.now()
    with uow:
        cases = uow.deadlines.notify_case_breaches(now)
        conversations = uow.deadlines.notify_conversation_breaches(now)
        timed_out = uow.deadlines.time_out(TIME_OUT_RULES, TIME_OUT_REASON, now)
        uow.commit()
    return SweepReport(timed_out, cases, conversations)
