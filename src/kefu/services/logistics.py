"""The logistics board (docs/logistics.md): parcels that need someone before the buyer
writes, the store's thresholds, and what a person does about each — the proposed template
sent through the one outgoing gate, or, on Amazon (SPEC §13) and for a buyer without a
conversation, an internal task. Every action is recorded in parcel_notices, so a second
click sends nothing and the board hides what was handled.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from zoneinfo import ZoneInfo

from kefu.domain.errors import DomainError, InvalidInput, InvalidTransition, NotFound
from kefu.domain.logistics import (
    DAY,
    NO_PROACTIVE_SHIPPING,
    Anomaly,
    BoardFilters,
    BoardLine,
    Found,
    LogisticsThresholds,
    ParcelRow,
    anomalies,
    proposal,
    task_key,
)
from kefu.domain.orders import tracking_link
from kefu.domain.permissions import Permission
from kefu.domain.templates import render
from kefu.domain.types import Status
from kefu.services import access, inbox
from kefu.services.access import Principal
from kefu.services.ports import Clock, ConcurrentWriteError, TaskRow, UnitOfWork
from kefu.services.replies import Replies
from kefu.services.template_values import facts_values

UowFactory = Callable[[], UnitOfWork]
MAX_PAGE = 200
MAX_BULK = 200
NOTICE_ID_PREFIX = "parcel-notice:"
TASK_KIND = "parcel_anomaly"


@dataclass(frozen=True)
class Board:
    lines: list[BoardLine]  # this page's, worst first
    total: int  # lines listed on every page
    counts: dict[Anomaly, int]  # per anomaly, of the listed lines
    handled: int  # lines hidden because someone already acted (0 with "show handled")
    stale_since: dict[str, datetime]  # provider → since when its data is stale
    conversations: dict[int, int]  # order id → its conversation, for this page
    page: int
    page_size: int
    now: datetime


def board(who: Principal, filters: BoardFilters, *, uow: UnitOfWork, clock: Clock) -> Board:
    """Every parcel in the person's stores that needs someone: one line per parcel and
    anomaly, worst first (severity, then days)."""
    access.require(who, Permission.VIEW_INBOX)
    if not 1 <= filters.page <= MAX_PAGE:
        raise InvalidInput(f"page must be 1 to {MAX_PAGE}", field="page", value=filters.page)
    now = clock.now()
    with uow:
        if filters.store_id is not None:
            access.store_by_id(uow, who, filters.store_id)
        found = _found_in(uow, filters, who.store_ids, now)
        notices = uow.logistics.notices({row.parcel_id for row, _ in found})
        listed: list[tuple[ParcelRow, Found, datetime | None]] = []
        hidden = 0
        for row, f in found:
            done = notices.get((row.parcel_id, f.anomaly.value))
            handled = done if done is not None and done >= f.since else None
            if handled is not None and not filters.show_handled:
                hidden += 1
                continue
            listed.append((row, f, handled))
        listed.sort(key=lambda x: (-x[1].severity, -x[1].days, x[0].parcel_id))
        start = (filters.page - 1) * filters.page_size
        shown = [
            BoardLine(row, f, proposal(f.anomaly, row.facts.platform), handled)
            for row, f, handled in listed[start : start + filters.page_size]
        ]
        conversations = uow.logistics.conversations({x.row.order_id for x in shown})
        counts = dict.fromkeys(Anomaly, 0)
        for _, f, _ in listed:
            counts[f.anomaly] += 1
        return Board(
            lines=shown,
            total=len(listed),
            counts=counts,
            handled=hidden,
            stale_since=uow.logistics.stale_since(),
            conversations={order: c for order, (c, _) in conversations.items()},
            page=filters.page,
            page_size=filters.page_size,
            now=now,
        )


def _found_in(
    uow: UnitOfWork, filters: BoardFilters, store_ids: Collection[int] | None, now: datetime
) -> list[tuple[ParcelRow, Found]]:
    """Every anomaly of the stores' parcels (each store with its own thresholds)."""
    stored = uow.logistics.thresholds(store_ids)
    by_store = {sid: LogisticsThresholds.from_dict(d) for sid, d in stored.items()}
    default = LogisticsThresholds()
    every = [default, *by_store.values()]
    silent = min(th.smallest_no_update_days() for th in every)
    at_risk = max(th.promise_at_risk_days for th in every)
    rows = uow.logistics.candidates(
        filters,
        store_ids,
        silent_before=now - silent * DAY,
        promised_before=now + at_risk * DAY,
    )
    return [
        (row, f)
        for row in rows
        for f in anomalies(row.facts, by_store.get(row.store_id, default), now)
        if filters.anomaly is None or f.anomaly == filters.anomaly
    ]


def make_platform_tasks(uow: UnitOfWork, clock: Clock) -> int:
    """The periodic job: a task for every anomaly on a platform that forbids the shop's
    shipping news (Amazon, SPEC §13) that nobody acted on since it began. Idempotent: a
    task has one key per parcel and anomaly, and the notice marks the line handled.
    Returns how many tasks were created."""
    now = clock.now()
    with uow:
        stores = [
            s.id
            for s in uow.queries.stores()
            if s.platform in NO_PROACTIVE_SHIPPING and s.archived_at is None
        ]
        if not stores:
            return 0
        found = _found_in(uow, BoardFilters(), stores, now)
        notices = uow.logistics.notices({row.parcel_id for row, _ in found})
        made = 0
        for row, f in found:
            done = notices.get((row.parcel_id, f.anomaly.value))
            if done is None or done < f.since:
                _task(uow, None, row, f, now, no_conversation=False)
                made += 1
        uow.commit()
    return made


# --- the store's thresholds ---------------------------------------------------------------


def thresholds(who: Principal, store_code: str, *, uow: UnitOfWork) -> LogisticsThresholds:
    access.require(who, Permission.MANAGE_TEMPLATES)
    with uow:
        store = access.store(uow, who, store_code)
        stored = uow.logistics.thresholds([store.id]).get(store.id)
    return LogisticsThresholds() if stored is None else LogisticsThresholds.from_dict(stored)


def save_thresholds(
    who: Principal,
    store_code: str,
    new: LogisticsThresholds,
    *,
    uow: UnitOfWork,
    clock: Clock,
) -> LogisticsThresholds:
    """A lead's or the owner's thresholds for one store; logged with before and after."""
    access.require(who, Permission.MANAGE_TEMPLATES)
    now = clock.now()
    with uow:
        store = access.store(uow, who, store_code)
        before = uow.logistics.thresholds([store.id]).get(store.id)
        uow.logistics.save_thresholds(store.id, new.to_dict(), now, who.account_id)
        uow.inbox.audit(
            at=now,
            account_id=who.account_id,
            action="logistics_settings",
            entity_type="store",
            entity_id=store.id,
            before=before,
            after=new.to_dict(),
        )
        uow.commit()
    return new


# --- acting on a line ----------------------------------------------------------------------


class Outcome(StrEnum):
    SENT = "sent"  # the template went through the gate into the conversation
    TASK = "task"  # an internal task (Amazon, or no conversation to write in)
    ALREADY = "already"  # someone acted on this anomaly since it began: nothing done
    REFUSED = "refused"  # the gate or a rule said no; `code` and `message` say why


@dataclass(frozen=True)
class Acted:
    parcel_id: int
    anomaly: str
    outcome: Outcome
    code: str | None = None
    message: str | None = None
    conversation_id: int | None = None
    task_id: int | None = None


class NoLongerAnomalous(InvalidTransition):
    code = "not_an_anomaly"


@dataclass
class Notifier:
    """Sends the board's proposals; built per request from the process's reply tools."""

    replies: Replies
    uow_factory: UowFactory
    clock: Clock

    def act(self, who: Principal, parcel_id: int, anomaly: str) -> Acted:
        """Do what the line proposes, once per occurrence of the anomaly."""
        access.require(who, Permission.REPLY)
        kind = _anomaly(anomaly)
        now = self.clock.now()
        with self.uow_factory() as uow:
            row = _visible_parcel(uow, who, parcel_id)
            found = _current(uow, row, kind, now)
            done = uow.logistics.notices([parcel_id]).get((parcel_id, kind.value))
            if done is not None and done >= found.since:
                return Acted(parcel_id, kind.value, Outcome.ALREADY)
            plan = proposal(kind, row.facts.platform)
            conversation = uow.logistics.conversations([row.order_id]).get(row.order_id)
            if plan.template is None or conversation is None:
                task_id = _task(
                    uow, who.account_id, row, found, now, no_conversation=plan.template is not None
                )
                uow.commit()
                return Acted(parcel_id, kind.value, Outcome.TASK, task_id=task_id)
            language = conversation[1] or uow.logistics.buyer_languages([row.order_id]).get(
                row.order_id
            )
            store = access.store_by_id(uow, who, row.store_id)
            facts, _ = uow.replies.settings(row.store_id)
            template = self.replies.store_catalogue(uow, row.store_id).get(plan.template)
            values = facts_values(facts, store.name, language) | _parcel_values(
                row, ZoneInfo(store.timezone)
            )
            text = render(template, language, values, self.replies.formatter).text
            conv = uow.inbox.get_conversation(conversation[0])
            closed = conv is not None and conv.status == Status.CLOSED
        if closed:  # the news reopens the thread, as a buyer's message would
            inbox.reopen(who, conversation[0], uow=self.uow_factory(), clock=self.clock)
        request_id = f"{NOTICE_ID_PREFIX}{parcel_id}:{kind.value}:{int(found.since.timestamp())}"
        inbox.reply(
            who,
            conversation[0],
            text,
            request_id=request_id,
            uow=self.uow_factory(),
            clock=self.clock,
            gate=self.replies.gate,
            template_key=plan.template,
        )
        with self.uow_factory() as uow:
            message_id = uow.logistics.message_id(row.store_id, inbox.REPLY_ID_PREFIX + request_id)
            uow.logistics.record_notice(
                parcel_id,
                kind.value,
                message_id=message_id,
                task_id=None,
                at=now,
                by=who.account_id,
            )
            uow.commit()
        return Acted(parcel_id, kind.value, Outcome.SENT, conversation_id=conversation[0])

    def act_many(self, who: Principal, items: Sequence[tuple[int, str]]) -> list[Acted]:
        """Each line on its own: a refusal stops only that line and says why."""
        access.require(who, Permission.REPLY)
        if not 1 <= len(items) <= MAX_BULK:
            raise InvalidInput(f"select 1 to {MAX_BULK} parcels", field="items")
        out: list[Acted] = []
        for parcel_id, anomaly in dict.fromkeys(items):
            try:
                out.append(self.act(who, parcel_id, anomaly))
            except DomainError as refused:
                out.append(
                    Acted(parcel_id, anomaly, Outcome.REFUSED, refused.code, refused.message)
                )
            except ConcurrentWriteError:
                out.append(
                    Acted(
                        parcel_id,
                        anomaly,
                        Outcome.REFUSED,
                        "conflict",
                        "someone acted on this parcel at the same moment; try again",
                    )
                )
        return out


def _anomaly(value: str) -> Anomaly:
    try:
        return Anomaly(value)
    except ValueError:
        raise InvalidInput(f"unknown anomaly {value!r}", field="anomaly", value=value) from None


def _visible_parcel(uow: UnitOfWork, who: Principal, parcel_id: int) -> ParcelRow:
    row = uow.logistics.parcel(parcel_id)
    if row is None or not who.sees_store(row.store_id):
        raise NotFound(f"no parcel {parcel_id}", id=parcel_id)
    return row


def _current(uow: UnitOfWork, row: ParcelRow, kind: Anomaly, now: datetime) -> Found:
    stored = uow.logistics.thresholds([row.store_id]).get(row.store_id)
    th = LogisticsThresholds() if stored is None else LogisticsThresholds.from_dict(stored)
    for found in anomalies(row.facts, th, now):
        if found.anomaly == kind:
            return found
    raise NoLongerAnomalous(
        f"parcel {row.tracking_number} no longer shows {kind.value}: reload the board",
        anomaly=kind.value,
    )


def _task(
    uow: UnitOfWork,
    by: int | None,
    row: ParcelRow,
    found: Found,
    now: datetime,
    *,
    no_conversation: bool,
) -> int:
    why = (
        "no conversation with the buyer to write in"
        if no_conversation
        else "the platform sends shipping news itself (no message from the shop)"
    )
    task_id = uow.logistics.add_task(
        TaskRow(
            key=task_key(row.parcel_id, found.anomaly),
            store_id=row.store_id,
            kind=TASK_KIND,
            title=f"{found.anomaly.value}: {row.facts.carrier} {row.tracking_number}",
            detail=f"order {row.order_number}; {why}",
            created_at=now,
            created_by=by,
            order_id=row.order_id,
            parcel_id=row.parcel_id,
        )
    )
    uow.logistics.record_notice(
        row.parcel_id,
        found.anomaly.value,
        message_id=None,
        task_id=task_id,
        at=now,
        by=by,
    )
    uow.inbox.audit(
        at=now,
        account_id=by,
        action="parcel_task",
        entity_type="parcel",
        entity_id=row.parcel_id,
        before=None,
        after={"anomaly": found.anomaly.value, "task": task_id},
    )
    return task_id


def _parcel_values(row: ParcelRow, zone: ZoneInfo) -> dict[str, object]:
    """What the templates say of the parcel, from the parcel; a value it lacks is left
    out, so the template is refused (never sent with a blank)."""
    f = row.facts
    values: dict[str, object] = {
        "carrier": f.carrier,
        "tracking_number": row.tracking_number,
        "tracking_url": tracking_link(row.tracking_number),
        "order_number": row.order_number,
    }
    if row.buyer_name and row.buyer_name.split():
        values["buyer_name"] = row.buyer_name.split()[0]
    news = f.latest_event_at or f.shipped_at
    if news is not None:
        values["last_update"] = news.astimezone(zone).date()
    if f.status_since is not None:
        values["status_date"] = f.status_since.astimezone(zone).date()
    if f.promised_delivery_at is not None:
        values["promised_date"] = f.promised_delivery_at.astimezone(zone).date()
    return values
