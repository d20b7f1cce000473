"""The deadlines board's SQL (docs/deadlines.md): open cases and unanswered conversations
by due time, the per-agent summary, breach notifications and the timed-out sweep.

A case is due at the earlier of its two clocks. Ordering by that expression would read
every open case, so a page of K items reads the first K by each clock on its own index
(ix_cases_open_due, ix_cases_open_shop_due) and merges them: an item among the first K by
the earlier clock is among the first K by that clock. Conversations are due a platform's
reply window after `waiting_since`; each platform is read in `waiting_since` order and
merged the same way. Counts compare each clock with a bound computed in Python, so no
date arithmetic runs in SQL (SQLite and PostgreSQL would need different spellings).
"""

from __future__ import annotations

import heapq
import random
from collections.abc import Collection, Iterable, Iterator
from datetime import datetime, timedelta
from itertools import islice
from typing import Any

from sqlalchemy import (
    Engine,
    Integer,
    and_,
    bindparam,
    case,
    exists,
    func,
    insert,
    literal,
    null,
    or_,
    select,
    union_all,
    update,
)
from sqlalchemy.orm import Session, aliased

from kefu.adapters.db import tables as t
from kefu.adapters.db.visibility import visible_to
from kefu.domain.cases.model import CaseAction, CaseKind, CaseReason, CaseState, DueSource
from kefu.domain.deadline_board import (
    CASE_AT_RISK,
    REPLY_WINDOWS,
    AgentLoad,
    BoardFilters,
    BoardItem,
    BoardPage,
    Clock,
    ItemKind,
    Urgency,
    case_due,
    conversation_due,
    margin_of,
    reply_window,
)
from kefu.domain.permissions import Role
from kefu.domain.types import Status

CONVERSATION = "conversation"
# Notification kinds of a breach (the notifications page words them).
BREACH = "breach"
# How old a breach may be and still be told (notify_*_breaches).
TELL_WITHIN = timedelta(days=1)
CASE_BREACH = "case_breach"


def _platforms() -> tuple[str, ...]:
    return tuple(sorted(REPLY_WINDOWS))


class SqlDeadlineRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    # --- the board -----------------------------------------------------------------------

    def board(self, filters: BoardFilters, now: datetime) -> BoardPage:
        want_cases = filters.kind != CONVERSATION
        want_conversations = filters.kind in (None, CONVERSATION)
        total = overdue = at_risk = 0
        streams: list[Iterable[BoardItem]] = []
        top = filters.page * filters.page_size
        if want_cases:
            where = self._case_scope(filters) + _case_urgency(filters.urgency, now)
            counted = self._counts(t.Case, where, _case_before(now), and_(*_case_at_risk(now)))
            total, overdue, at_risk = counted
            streams.append(self._case_items(where, top))
        if want_conversations:
            late, near, scopes = [], [], []
            for platform in _platforms():
                where = self._conversation_scope(filters, platform)
                where += _conversation_urgency(filters.urgency, platform, now)
                scopes.append(and_(*where))
                late.append(and_(*where, _waited_past(platform, now)))
                near.append(and_(*where, *_conversation_at_risk(platform, now)))
                streams.append(self._conversation_items(where, platform, top))
            # One pass over the waiting conversations for the three counts.
            common = [t.Conversation.status == Status.OPEN.value]
            counted = self._counts(t.Conversation, [*common, or_(*scopes)], or_(*late), or_(*near))
            total, overdue, at_risk = (
                a + b for a, b in zip((total, overdue, at_risk), counted, strict=True)
            )
        merged = heapq.merge(*streams, key=lambda i: (i.due_at, i.kind != ItemKind.CASE, i.id))
        start = (filters.page - 1) * filters.page_size
        items = list(islice(merged, start, top))
        return BoardPage(
            items=items,
            total=total,
            overdue=overdue,
            at_risk=at_risk,
            page=filters.page,
            page_size=filters.page_size,
            now=now,
        )

    def by_agent(self, filters: BoardFilters, now: datetime) -> list[AgentLoad]:
        """Overdue and at-risk items per holder, in the same scope as the board."""
        counts: dict[int | None, list[int]] = {}
        cs = t.Case
        soon = now + CASE_AT_RISK
        near_case = or_(cs.platform_due_at < soon, cs.shop_due_at < soon)
        rows = self.session.execute(
            select(
                cs.holder_id,
                func.sum(case((_case_before(now), 1), else_=0)),
                func.count(),
            )
            .where(*self._case_scope(filters), or_(_case_before(now), near_case))
            .group_by(cs.holder_id)
        )
        for holder, late, near in rows:
            _add(counts, holder, int(late or 0), int(near) - int(late or 0))
        c = t.Conversation
        for platform in _platforms():
            bound = now - reply_window(platform)
            rows = self.session.execute(
                select(
                    c.assignee_id,
                    func.sum(case((c.waiting_since <= bound, 1), else_=0)),
                    func.count(),
                )
                .where(
                    *self._conversation_scope(filters, platform),
                    *_conversation_at_risk(platform, now, with_overdue=True),
                )
                .group_by(c.assignee_id)
            )
            for holder, late, near in rows:
                _add(counts, holder, int(late or 0), int(near) - int(late or 0))
        names: dict[int, str] = dict(
            self.session.execute(
                select(t.Account.id, t.Account.display_name).where(
                    t.Account.id.in_([h for h in counts if h is not None])
                )
            ).all()
        )
        loads = [
            AgentLoad(holder, names.get(holder) if holder else None, late, near)
            for holder, (late, near) in counts.items()
        ]
        return sorted(loads, key=lambda a: (-a.overdue, -a.at_risk, a.holder_name or ""))

    def _counts(self, table: Any, where: list[Any], late: Any, near: Any) -> tuple[int, int, int]:
        """How many, how many overdue, how many at risk: one statement."""
        row = self.session.execute(
            select(
                func.count(),
                func.sum(case((late, 1), else_=0)),
                func.sum(case((near, 1), else_=0)),
            )
            .select_from(table)
            .where(*where)
        ).one()
        return int(row[0]), int(row[1] or 0), int(row[2] or 0)

    def _count(self, table: Any, where: list[Any]) -> int:
        return int(self.session.scalar(select(func.count()).select_from(table).where(*where)) or 0)

    def _case_scope(self, f: BoardFilters) -> list[Any]:
        cs = t.Case
        out: list[Any] = [
            cs.is_open.is_(True),
            or_(cs.platform_due_at.is_not(None), cs.shop_due_at.is_not(None)),
            cs.store_id.in_(select(t.Store.id).where(t.Store.archived_at.is_(None))),
        ]
        if f.kind is not None:
            out.append(cs.kind == f.kind)
        if f.store_id is not None:
            out.append(cs.store_id == f.store_id)
        if f.holder_id is not None:
            out.append(cs.holder_id == f.holder_id)
        if f.visible_store_ids is not None:
            out.append(cs.store_id.in_(sorted(f.visible_store_ids)))
            if f.viewer_id is not None:
                # The case's conversation decides, as in the inbox; a case held by the
                # person, or with no conversation, is theirs to see in their stores.
                seen = select(t.Conversation.id).where(visible_to(f.viewer_id, f.visible_store_ids))
                out.append(
                    or_(
                        cs.holder_id == f.viewer_id,
                        cs.conversation_id.is_(None),
                        cs.conversation_id.in_(seen),
                    )
                )
        return out

    def _conversation_scope(self, f: BoardFilters, platform: str) -> list[Any]:
        c = t.Conversation
        out: list[Any] = [
            c.status == Status.OPEN.value,
            c.waiting_since.is_not(None),
            c.store_id.in_(
                select(t.Store.id).where(
                    t.Store.archived_at.is_(None), t.Store.platform == platform
                )
            ),
        ]
        if f.store_id is not None:
            out.append(c.store_id == f.store_id)
        if f.holder_id is not None:
            out.append(c.assignee_id == f.holder_id)
        if f.visible_store_ids is not None and f.viewer_id is not None:
            out.append(visible_to(f.viewer_id, f.visible_store_ids))
        elif f.visible_store_ids is not None:
            out.append(c.store_id.in_(sorted(f.visible_store_ids)))
        return out

    def _case_items(self, where: list[Any], top: int) -> Iterator[BoardItem]:
        cs = t.Case
        ids: set[int] = set()
        for column in (cs.platform_due_at, cs.shop_due_at):
            ids.update(
                self.session.scalars(
                    select(cs.id)
                    .where(*where, column.is_not(None))
                    .order_by(column, cs.id)
                    .limit(top)
                )
            )
        if not ids:
            return iter(())
        holder, buyer, conv = aliased(t.Account), aliased(t.Buyer), aliased(t.Conversation)
        rows = self.session.execute(
            select(cs, t.Store.name, t.Store.platform, buyer.name, holder.display_name)
            .join(t.Store, t.Store.id == cs.store_id)
            # A case opened from a conversation may leave its buyer to the conversation.
            .outerjoin(conv, conv.id == cs.conversation_id)
            .outerjoin(buyer, buyer.id == func.coalesce(cs.buyer_id, conv.buyer_id))
            .outerjoin(holder, holder.id == cs.holder_id)
            .where(cs.id.in_(sorted(ids)))
        )
        items = [_case_item(*row) for row in rows]
        items.sort(key=lambda i: (i.due_at, i.id))
        return iter(items[:top])

    def _conversation_items(self, where: list[Any], platform: str, top: int) -> Iterator[BoardItem]:
        c = t.Conversation
        holder = aliased(t.Account)
        ids = list(
            self.session.scalars(
                select(c.id).where(*where).order_by(c.waiting_since, c.id).limit(top)
            )
        )
        if not ids:
            return iter(())
        rows = self.session.execute(
            select(
                c.id,
                c.store_id,
                c.waiting_since,
                c.assignee_id,
                t.Store.name,
                t.Buyer.name,
                holder.display_name,
            )
            .join(t.Store, t.Store.id == c.store_id)
            .join(t.Buyer, t.Buyer.id == c.buyer_id)
            .outerjoin(holder, holder.id == c.assignee_id)
            .where(c.id.in_(ids))
        )
        items = [
            BoardItem(
                kind=ItemKind.CONVERSATION,
                id=r[0],
                due_at=conversation_due(platform, r[2]),
                clock=Clock.REPLY,
                margin=margin_of(ItemKind.CONVERSATION, platform),
                store_id=r[1],
                store_name=r[4],
                platform=platform,
                buyer_name=r[5],
                holder_id=r[3],
                holder_name=r[6],
                conversation_id=r[0],
            )
            for r in rows
            if r[2] is not None  # the scope keeps waiting ones; a racing answer drops out
        ]
        items.sort(key=lambda i: (i.due_at, i.id))
        return iter(items)

    # --- breaches and the sweep ----------------------------------------------------------

    def notify_case_breaches(self, now: datetime) -> int:
        """Tell the holder and the store's leads (the main account when the store has
        none) of each open case past a clock and not yet told; how many cases."""
        cs = t.Case
        due = [cs.is_open.is_(True), cs.breach_notified_at.is_(None), _case_before(now)]
        count = self._count(cs, due)
        if not count:
            return 0
        # Only news is told: a breach older than TELL_WITHIN (the sweep was not running)
        # is marked told without a notification; the board shows it.
        recent = or_(
            cs.platform_due_at.between(now - TELL_WITHIN, now),
            cs.shop_due_at.between(now - TELL_WITHIN, now),
        )
        told = [*due, cs.conversation_id.is_not(None), recent]
        self._notify(CASE_BREACH, cs.conversation_id, cs.store_id, cs.holder_id, cs, told, now)
        # A case with no conversation has nothing to link a notification to: the board
        # alone shows it (docs/deadlines.md).
        self.session.execute(
            update(cs)
            .where(*due)
            .values(breach_notified_at=now)
            .execution_options(synchronize_session=False)
        )
        return count

    def notify_conversation_breaches(self, now: datetime) -> int:
        """Tell the holder and the store's leads of each conversation past its reply
        window, once per wait: a breach notification written after `waiting_since` means
        this wait was told (a new buyer message after an answer starts a new wait)."""
        c, n = t.Conversation, t.Notification
        told = exists().where(
            n.conversation_id == c.id, n.kind == BREACH, n.created_at >= c.waiting_since
        )
        # Breaches of the last TELL_WITHIN only: an older one (the sweep was not running)
        # is on the board, not in everyone's notifications.
        late = or_(
            *(
                and_(
                    c.store_id.in_(select(t.Store.id).where(t.Store.platform == p)),
                    _waited_past(p, now),
                    ~_waited_past(p, now - TELL_WITHIN),
                )
                for p in _platforms()
            )
        )
        where = [
            c.status == Status.OPEN.value,
            c.waiting_since.is_not(None),
            c.store_id.in_(select(t.Store.id).where(t.Store.archived_at.is_(None))),
            late,
            ~told,
        ]
        count = self._count(c, where)
        if count:
            self._notify(BREACH, c.id, c.store_id, c.assignee_id, c, where, now)
        return count

    def _notify(
        self,
        kind: str,
        conversation_id: Any,
        store_id: Any,
        holder_id: Any,
        source: Any,
        where: list[Any],
        now: datetime,
    ) -> None:
        """One INSERT … SELECT: the holder, the store's leads, or the main account when
        the store has no lead; each person once per item. Who leads which store is a few
        rows, read first, so the statement is a UNION ALL of plain joins."""
        a, given = t.Account, t.AccountStore
        lead_of = and_(a.role == Role.LEAD.value, a.active.is_(True))
        led = sorted(
            set(
                self.session.scalars(
                    select(given.store_id).join(a, a.id == given.account_id).where(lead_of)
                )
            )
        )
        owners = list(
            self.session.scalars(select(a.id).where(a.is_main.is_(True), a.active.is_(True)))
        )
        cid = conversation_id.label("cid")
        branches: list[Any] = [
            select(holder_id.label("account_id"), cid).where(*where, holder_id.is_not(None))
        ]
        if led:
            branches.append(
                select(a.id.label("account_id"), cid)
                .select_from(source)
                .join(given, given.store_id == store_id)
                .join(a, a.id == given.account_id)
                .where(*where, lead_of, or_(holder_id.is_(None), holder_id != a.id))
            )
        for owner in owners:
            unled = [store_id.not_in(led)] if led else []
            branches.append(
                select(literal(owner, Integer).label("account_id"), cid).where(
                    *where, *unled, or_(holder_id.is_(None), holder_id != owner)
                )
            )
        people = union_all(*branches).subquery()
        self.session.execute(
            insert(t.Notification).from_select(
                ["account_id", "kind", "conversation_id", "note_id", "actor_id", "created_at"],
                select(
                    people.c.account_id,
                    literal(kind),
                    people.c.cid,
                    null(),
                    null(),
                    literal(now, t.Notification.created_at.type),
                ),
            )
        )

    def time_out(self, rules: Collection[str], reason: str, now: datetime) -> int:
        """Close every open request whose platform deadline passed under a rule that
        times it out: one INSERT … SELECT of the steps, one UPDATE of the cases. A case
        timed out is no longer open, so a second run finds nothing."""
        cs = t.Case
        where = [
            cs.is_open.is_(True),
            cs.state == CaseState.OPEN.value,
            cs.platform_due_rule.in_(sorted(rules)),
            cs.platform_due_at <= now,
        ]
        count = self._count(cs, where)
        if not count:
            return 0
        stamp = literal(now, t.CaseStep.at.type)
        self.session.execute(
            insert(t.CaseStep).from_select(
                [
                    "case_id",
                    "at",
                    "actor_id",
                    "action",
                    "from_state",
                    "to_state",
                    "reason",
                    "details",
                    "push_state",
                    "push_attempts",
                ],
                select(
                    cs.id,
                    stamp,
                    null(),
                    literal(CaseAction.TIME_OUT.value),
                    cs.state,
                    literal(CaseState.TIMED_OUT.value),
                    literal(reason),
                    literal({"by": "sweep"}, t.CaseStep.details.type),
                    literal("local"),
                    literal(0),
                ).where(*where),
            )
        )
        self.session.execute(
            update(cs)
            .where(*where)
            .values(
                state=CaseState.TIMED_OUT.value,
                is_open=False,
                closed_at=now,
                updated_at=now,
                version=cs.version + 1,
            )
            .execution_options(synchronize_session=False)
        )
        return count


def _add(counts: dict[int | None, list[int]], holder: int | None, late: int, near: int) -> None:
    got = counts.setdefault(holder, [0, 0])
    got[0] += late
    got[1] += near


def _case_before(bound: datetime) -> Any:
    """The case's earlier clock is at or before `bound`."""
    cs = t.Case
    return or_(cs.platform_due_at <= bound, cs.shop_due_at <= bound)


def _case_at_risk(now: datetime) -> list[Any]:
    """Not overdue, and the earlier clock less than the margin away (domain `classify`)."""
    cs = t.Case
    bound = now + CASE_AT_RISK
    return [
        or_(cs.platform_due_at < bound, cs.shop_due_at < bound),
        or_(cs.platform_due_at.is_(None), cs.platform_due_at > now),
        or_(cs.shop_due_at.is_(None), cs.shop_due_at > now),
    ]


def _case_urgency(urgency: Urgency | None, now: datetime) -> list[Any]:
    if urgency is Urgency.OVERDUE:
        return [_case_before(now)]
    if urgency is Urgency.AT_RISK:
        return _case_at_risk(now)
    return []


def _waited_past(platform: str, now: datetime) -> Any:
    """Overdue: waiting since at or before now minus the platform's window."""
    return t.Conversation.waiting_since <= now - reply_window(platform)


def _conversation_at_risk(platform: str, now: datetime, *, with_overdue: bool = False) -> list[Any]:
    c = t.Conversation
    window = reply_window(platform)
    near = c.waiting_since < now + margin_of(ItemKind.CONVERSATION, platform) - window
    return [near] if with_overdue else [near, c.waiting_since > now - window]


def _conversation_urgency(urgency: Urgency | None, platform: str, now: datetime) -> list[Any]:
    if urgency is Urgency.OVERDUE:
        return [_waited_past(platform, now)]
    if urgency is Urgency.AT_RISK:
        return _conversation_at_risk(platform, now)
    return []


def _case_item(
    row: t.Case, store: str, platform: str, buyer: str | None, holder: str | None
) -> BoardItem:
    found = case_due(row.platform_due_at, row.shop_due_at)
    assert found is not None  # noqa: S101 - the scope keeps cases with a clock
    due, clock = found
    return BoardItem(
        kind=ItemKind.CASE,
        id=row.id,
        due_at=due,
        clock=clock,
        margin=CASE_AT_RISK,
        store_id=row.store_id,
        store_name=store,
        platform=platform,
        buyer_name=buyer,
        holder_id=row.holder_id,
        holder_name=holder,
        case_kind=row.kind,
        case_state=row.state,
        conversation_id=row.conversation_id,
        platform_due_at=row.platform_due_at,
        platform_due_source=row.platform_due_source,
        platform_due_rule=row.platform_due_rule,
        shop_due_at=row.shop_due_at,
        shop_due_rule=row.shop_due_rule,
    )


# --- benchmark data ----------------------------------------------------------------------

CHUNK = 20_000


def fill_deadline_cases(
    engine: Engine, cases: int, now: datetime, *, told: bool, seed: int = 20
) -> int:
    """`kefu bench deadlines`' shop straight into the tables, over the existing stores,
    conversations and agents: every conversation open and waiting for 0–48 h (so about
    half are past a 24 h window), and `cases` open cases due from two days ago to a week
    ahead, a tenth of them eBay cancellations whose 3 business days ran out an hour ago.

    `told`: the breaches already there were told a minute ago, as the job running every
    5 minutes leaves them (the steady state); otherwise all are new (a first run)."""
    rng = random.Random(seed)  # noqa: S311 - benchmark data
    c = t.Conversation
    with engine.begin() as conn:
        stores = list(conn.scalars(select(t.Store.id)))
        agents = list(conn.scalars(select(t.Account.id).where(t.Account.is_main.is_(False))))
        convs = [(r[0], r[1]) for r in conn.execute(select(c.id, c.store_id).order_by(c.id))]
        for at in range(0, len(convs), CHUNK):
            conn.execute(
                update(c).where(c.id == bindparam("cid")),
                [
                    {"cid": cid, "status": Status.OPEN.value, "waiting_since": _ago(rng, now)}
                    for cid, _ in convs[at : at + CHUNK]
                ],
            )
    kinds = [k.value for k in CaseKind]
    with engine.begin() as conn:
        for start in range(0, cases, CHUNK):
            rows = []
            for i in range(start, min(cases, start + CHUNK)):
                timed = i % 10 == 0
                conv, store = convs[i % len(convs)] if convs else (None, rng.choice(stores))
                due = now + timedelta(minutes=rng.randint(-2 * 1440, 7 * 1440))
                opened = due - timedelta(days=3)
                rows.append(
                    {
                        "store_id": store,
                        "conversation_id": conv,
                        "kind": CaseKind.CANCELLATION.value if timed else kinds[i % len(kinds)],
                        "state": CaseState.OPEN.value,
                        "is_open": True,
                        "reason": CaseReason.OTHER.value,
                        "description": "",
                        "holder_id": agents[i % len(agents)] if agents else None,
                        "opened_at": opened,
                        "updated_at": opened,
                        "platform_due_at": now - timedelta(hours=1) if timed else due,
                        "platform_due_source": DueSource.COMPUTED.value,
                        "platform_due_rule": "ebay.cancellation.answer" if timed else "bench",
                        "shop_due_at": due - timedelta(hours=rng.randint(0, 48)),
                        "shop_due_rule": "bench",
                        "paused_seconds": 0,
                        "push_state": "local",
                        "online_shipping": False,
                        "version": 1,
                    }
                )
            conn.execute(insert(t.Case), rows)
        if told:
            before = now - timedelta(minutes=1)
            conn.execute(
                update(t.Case).where(_case_before(before)).values(breach_notified_at=before)
            )
            owner = conn.scalar(select(t.Account.id).where(t.Account.is_main.is_(True)))
            late = or_(*(_waited_past(p, before) for p in _platforms()))
            conn.execute(
                insert(t.Notification).from_select(
                    ["account_id", "kind", "conversation_id", "created_at"],
                    select(
                        literal(owner), literal(BREACH), c.id, literal(before, c.waiting_since.type)
                    ).where(c.waiting_since.is_not(None), late),
                )
            )
    return cases


def _ago(rng: random.Random, now: datetime) -> datetime:
    return now - timedelta(minutes=rng.randint(0, 48 * 60))
