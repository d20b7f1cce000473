"""Reporting facts (docs/kpis.md "Reporting facts"): written with the messages, read by the
KPI report.

The facts of a conversation come from its messages with the domain's own definition of
an answer (`kefu.domain.kpis.reply_facts`), so writing them again after any change is
always right: new messages, a late import, a person's reply, the platform confirming a
reply kefu sent (it answers from then on: `domain.kpis.answer_instant`). Only the rows
that differ are written, the store-local day among them. `rebuild_facts` does it from
all the messages of every conversation (the migrations' backfills, `kefu db
rebuild-facts`, and a store's time zone or holidays changed in the shop settings).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import fields
from datetime import date, datetime
from typing import Any, cast
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, bindparam, insert, or_, select, update
from sqlalchemy.orm import Session

from kefu.adapters.db import tables as t
from kefu.adapters.holidays import public_holidays
from kefu.domain.calendar import WorkingHours
from kefu.domain.kpis import MessageRow, ReplyFact, answer_instant, answered, reply_facts
from kefu.domain.shopfacts import ShopFacts

# SQLite allows 32766 bound parameters; a chunk of conversations stays well below.
CHUNK = 500
_COLUMNS = tuple(field.name for field in fields(ReplyFact))
# What may change in a stored fact: its day too, when the store's time zone changed.
_CHANGING = ("agent_id", "day", "answered_at", "answer_seconds", "answer_working_seconds")
_facts = t.Base.metadata.tables["kpi_facts"]
_update = (
    update(_facts)
    .where(_facts.c.message_id == bindparam("key"))
    .values({column: bindparam(f"new_{column}") for column in _CHANGING})
)


def record_facts(
    db: Session | Connection, conversation_ids: Iterable[int], *, since: datetime | None = None
) -> None:
    """Bring the facts of these conversations in line with their messages, in `db`'s
    transaction. `since`: no message older than this is new (the earliest new message);
    the facts are then worked out from the messages since then only (see `_record`)."""
    ids = sorted(set(conversation_ids))
    for start in range(0, len(ids), CHUNK):
        _record(_core(db), ids[start : start + CHUNK], since)


def set_agent(db: Session | Connection, conversation_id: int, agent_id: int | None) -> None:
    """The conversation changed hands: its facts count for the new agent."""
    _core(db).execute(
        update(_facts).where(_facts.c.conversation_id == conversation_id).values(agent_id=agent_id)
    )


def rebuild_facts(db: Session | Connection, *, store: str | None = None) -> int:
    """Write the facts of every conversation (of one store code) again; returns how many
    conversations were done."""
    db = _core(db)
    c = t.Conversation
    done, after = 0, 0
    while True:
        query = select(c.id).where(c.id > after).order_by(c.id).limit(CHUNK)
        if store is not None:
            query = query.where(c.store_id.in_(select(t.Store.id).where(t.Store.code == store)))
        ids = list(db.execute(query).scalars())
        if not ids:
            return done
        _record(db, ids, None)
        done, after = done + len(ids), ids[-1]


def _core(db: Session | Connection) -> Connection:
    """Core statements on the session's connection: many rows go each way, and the ORM's
    bulk and result layers would cost several times the work."""
    return db.connection() if isinstance(db, Session) else db


def _record(db: Connection, conversation_ids: list[int], since: datetime | None) -> None:
    """The facts of the messages since `since` (all without it) come from those messages.
    An older buyer message changes only when a new reply answers it: it was unanswered,
    or answered since then, so its answer becomes the first reply since then."""
    c, m, f = t.Conversation, t.Message, t.KpiFact
    # The messages, with their facts as stored (if any), in one read.
    query = (
        select(
            m.id,
            m.conversation_id,
            m.sent_at,
            m.direction,
            m.is_automatic,
            m.delivery_status,
            m.delivered_at,
            c.store_id,
            c.buyer_id,
            c.assignee_id,
            f.message_id.label("fact"),
            *(getattr(f, column) for column in _CHANGING),
        )
        .join(c, c.id == m.conversation_id)
        .outerjoin(f, f.message_id == m.id)
        .where(
            m.conversation_id.in_(conversation_ids),
            m.direction != "platform",
            m.no_response_at.is_(None),  # "no response needed" (SPEC §13): not counted
        )
    )
    if since is not None:  # a reply written before `since` may have reached the buyer after
        query = query.where(or_(m.sent_at >= since, m.delivered_at >= since))
    found = [r for r in db.execute(query) if _counted_at(r) is not None]
    if not found:
        return
    rows = [
        MessageRow(
            r.conversation_id,
            r.store_id,
            r.buyer_id,
            _counted_at(r) or r.sent_at,
            r.direction == "buyer",
            r.is_automatic,
            r.assignee_id,
        )
        for r in found
    ]
    stored = {r.id: tuple(r[-len(_CHANGING) :]) for r in found if r.fact is not None}
    first_reply: dict[int, datetime] = {}
    if since is not None:
        for row in rows:
            if not (row.from_buyer or row.automatic):
                conv = row.conversation_id
                first_reply[conv] = min(first_reply.get(conv, row.sent_at), row.sent_at)
    older = (
        [
            ReplyFact(**r._mapping)
            for r in db.execute(
                select(_facts).where(
                    f.conversation_id.in_(list(first_reply)),
                    f.automatic.is_(False),
                    f.sent_at < since,
                    or_(f.answered_at.is_(None), f.answered_at >= since),
                )
            )
        ]
        if first_reply
        else []
    )
    times = [row.sent_at for row in rows] + [fact.sent_at for fact in older]
    zones, hours = _calendars(db, {row.store_id for row in rows}, min(times), max(times))
    wanted = reply_facts([r.id for r in found], rows, zones=zones, hours=hours)
    for fact in older:
        stored[fact.message_id] = tuple(getattr(fact, column) for column in _CHANGING)
        wanted.append(answered(fact, first_reply[fact.conversation_id], hours[fact.store_id]))
    new = [
        {column: getattr(fact, column) for column in _COLUMNS}
        for fact in wanted
        if fact.message_id not in stored
    ]
    changed = [
        {"key": fact.message_id, **{f"new_{column}": getattr(fact, column) for column in _CHANGING}}
        for fact in wanted
        if fact.message_id in stored
        and stored[fact.message_id] != tuple(getattr(fact, column) for column in _CHANGING)
    ]
    if new:
        db.execute(insert(_facts), new)
    if changed:
        db.execute(_update, changed)


def _counted_at(r: Any) -> datetime | None:
    """When a message counts: a person's reply when it reached the buyer (None: not yet,
    it answers nothing); a buyer message or an automatic reply when it was written (an
    automatic reply answers nothing either way, docs/kpis.md)."""
    if r.direction == "buyer" or r.is_automatic:
        return cast(datetime, r.sent_at)
    return answer_instant(r.sent_at, r.delivery_status, r.delivered_at)


def _calendars(
    db: Connection, store_ids: set[int], first: datetime, last: datetime
) -> tuple[dict[int, ZoneInfo], dict[int, WorkingHours]]:
    """Each store's zone (for its days) and working hours with its public and own holidays
    (for response times in working hours), for the years from `first` to `last` (and the
    year before: 1 January in UTC is still 31 December west of Greenwich)."""
    years = range(first.year - 1, last.year + 1)
    zones: dict[int, ZoneInfo] = {}
    hours: dict[int, WorkingHours] = {}
    for r in db.execute(
        select(t.Store.id, t.Store.timezone, t.StoreSettings.facts)
        .outerjoin(t.StoreSettings, t.StoreSettings.store_id == t.Store.id)
        .where(t.Store.id.in_(store_ids))
    ):
        facts = ShopFacts.from_dict(r.facts or {})
        public: frozenset[date] = frozenset().union(
            *(public_holidays(facts.holiday_country, year) for year in years)
        )
        zones[r.id] = ZoneInfo(r.timezone)
        hours[r.id] = facts.working_hours(public)
    return zones, hours
