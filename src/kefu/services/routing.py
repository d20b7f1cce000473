"""Routing conversations to the team (SPEC §7), with the rules of domain/routing.py.

New conversations arriving live are given an owner inside the ingest transaction. A
sweep (every minute in `kefu serve`, or `kefu routing sweep`) hands the open
conversations of agents who went off shift or were deactivated to someone on shift,
and gives an owner to the open conversations nobody has, whenever someone is working.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from kefu.domain.conversations import Conversation
from kefu.domain.permissions import Role
from kefu.domain.routing import Agent, Router, Shift, parse_shift
from kefu.domain.types import Stage
from kefu.services.ports import AccountRecord, Clock, UnitOfWork

TEAMS = {Role.PRE_SALE.value: Stage.PRE_SALE, Role.AFTER_SALE.value: Stage.AFTER_SALE}


def agents_of(accounts: Iterable[AccountRecord], open_counts: dict[int, int]) -> list[Agent]:
    """The routing pool: active pre-sale and after-sale agents with at least one store."""
    out = []
    for a in accounts:
        team = TEAMS.get(a.role)
        if team is None or not a.active or not a.store_ids:
            continue
        hours = parse_shift(a.shift)
        out.append(
            Agent(
                id=a.id,
                team=team,
                languages=frozenset(a.languages),
                stores=a.store_ids,
                shift=Shift(ZoneInfo(a.timezone), hours) if hours is not None else None,
                open_conversations=open_counts.get(a.id, 0),
                active=a.active,
            )
        )
    return out


def route_new(uow: UnitOfWork, conversations: Sequence[Conversation], now: datetime) -> int:
    """Give an owner to the new, unowned conversations of an ingest; the manager of the
    conversation's products first when on shift; returns how many."""
    new = [
        c for c in conversations if c.id is None and c.assignee_id is None and not c.notices_only
    ]
    if not new:
        return 0
    pool = agents_of(uow.auth.accounts(), uow.auth.open_counts())
    if not pool:
        return 0
    router = Router(pool)
    by_product, by_order = uow.auth.product_owners(
        {c.product_id for c in new if c.product_id is not None},
        {c.order_id for c in new if c.order_id is not None},
    )
    given = 0
    for conv in new:
        managers = set(by_order.get(conv.order_id, set())) if conv.order_id else set()
        if conv.product_id in by_product:
            managers.add(by_product[conv.product_id])
        agent = router.assign(
            stage=conv.stage,
            language=conv.language,
            store_id=conv.store_id,
            at=now,
            managers=frozenset(managers),
        )
        if agent is not None:
            conv.assign(agent.id)
            given += 1
    return given


@dataclass(frozen=True)
class SweepReport:
    moved: int  # from agents off shift, deactivated, or no longer given the store
    given: int  # unowned conversations that got an owner
    left: int  # still without an owner: nobody with the store is on shift


def sweep(uow: UnitOfWork, clock: Clock) -> SweepReport:
    """Reassign what agents off shift, deactivated or no longer given the store hold;
    give owners to unowned ones. A lead's own conversations stay theirs."""
    now = clock.now()
    with uow:
        accounts = uow.auth.accounts()
        pool = agents_of(accounts, uow.auth.open_counts())
        on_shift = {a.id for a in pool if a.available_anywhere(now)}
        watched = {a.id for a in accounts if not a.is_main and (not a.active or a.role in TEAMS)}
        held = uow.auth.misplaced(off_shift=watched - on_shift, watched=watched)
        unowned = uow.auth.open_conversations(None)
        router = Router([a for a in pool if a.id in on_shift])
        moved = given = left = 0
        for row in [*held, *unowned]:
            agent = router.assign(
                stage=Stage(row.stage), language=row.language, store_id=row.store_id, at=now
            )
            if agent is None:
                left += row.assignee_id is None
                continue
            uow.auth.set_assignee(row.id, agent.id)
            uow.inbox.audit(
                at=now,
                account_id=None,
                action="route",
                entity_type="conversation",
                entity_id=row.id,
                before={"assignee_id": row.assignee_id},
                after={"assignee_id": agent.id},
            )
            if row.assignee_id is None:
                given += 1
            else:
                moved += 1
        uow.commit()
    return SweepReport(moved, given, left)
