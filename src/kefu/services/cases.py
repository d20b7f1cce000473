"""After-sale cases (SPEC §8, docs/cases.md): opened from a conversation or arriving from
the platform, moved step by step with who, when and why, written back to the platform.

A person's step is stored first, with its write-back `pending`, and then sent to the
platform at once; a platform that refuses or cannot be reached leaves the step `failed`
with its reason, shown on the case as "not sent to the platform" with a retry, and the
sync retries it too. The local state is never silently different from the platform's.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from kefu.domain.cases.model import (
    CaseAction,
    CaseInputError,
    CaseKind,
    CaseReason,
    CaseState,
    PushState,
    Solution,
)
from kefu.domain.cases.workflows import is_final, next_state
from kefu.domain.errors import InvalidInput, InvalidTransition, NotFound
from kefu.domain.permissions import Permission
from kefu.services import access
from kefu.services.access import Principal
from kefu.services.ports import (
    CaseFilters,
    CaseOrder,
    CaseRecord,
    ChannelError,
    Clock,
    PendingPush,
    UnitOfWork,
)

UowFactory = Callable[[], UnitOfWork]
# Sends one step to the platform; returns the platform's id of the result, or raises
# ChannelError. None: the store has no connection that takes this step (the step stays local).
Push = Callable[[PendingPush], str]
PushFor = Callable[[int, str], Push | None]  # (store id, action) → a push, if the platform takes it

MAX_DESCRIPTION = 2000
MAX_REASON = 1000
MAX_KEY = 128
MAX_TRACKING = 64
# Kinds about goods that travel back: at least one order line.
_NEEDS_LINES = frozenset({CaseKind.RETURN, CaseKind.EXCHANGE, CaseKind.REPAIR})


class CaseConflict(InvalidTransition):
    """Someone else moved the case since the page was loaded."""

    code = "case_conflict"


@dataclass(frozen=True)
class NewCase:
    kind: str
    reason: str
    solution: str | None = None
    order_number: str | None = None
    lines: tuple[tuple[int, int], ...] = ()  # (order line id, quantity)
    refund_cents: int | None = None
    description: str = ""
    request_key: str | None = None


@dataclass(frozen=True)
class StepRequest:
    action: str
    reason: str = ""
    refund_cents: int | None = None
    tracking_number: str | None = None
    carrier: str | None = None
    version: int | None = None  # the version the person saw; None: whatever is there
    request_key: str | None = None


# --- reading --------------------------------------------------------------------------


def case_detail(who: Principal, case_id: int, *, uow: UnitOfWork) -> CaseRecord:
    access.require(who, Permission.VIEW_INBOX)
    with uow:
        return _visible(uow, who, case_id)


def conversation_cases(
    who: Principal, conversation_id: int, *, uow: UnitOfWork
) -> list[CaseRecord]:
    access.require(who, Permission.VIEW_INBOX)
    with uow:
        access.conversation(uow, who, conversation_id)
        return uow.cases.cases_of_conversation(conversation_id)


def conversation_order(
    who: Principal, conversation_id: int, *, uow: UnitOfWork
) -> CaseOrder | None:
    """The conversation's order with its lines: what "Open a case" offers to pick from."""
    access.require(who, Permission.VIEW_INBOX)
    with uow:
        access.conversation(uow, who, conversation_id)
        conv = uow.inbox.get_conversation(conversation_id)
        if conv is None or conv.order_id is None:
            return None
        return uow.cases.order(conv.store_id, conv.order_id, None)


def list_cases(
    who: Principal,
    *,
    uow: UnitOfWork,
    open_only: bool = True,
    kind: str | None = None,
    holder: str | None = None,
    page: int = 1,
) -> tuple[list[CaseRecord], int]:
    """The cases the person may see, open ones first, newest change first; `holder` "me"
    or a username."""
    access.require(who, Permission.VIEW_INBOX)
    if kind is not None:
        _kind(kind)
    with uow:
        holder_id = None
        if holder == "me":
            holder_id = who.account_id
        elif holder:
            person = uow.auth.account_by_username(holder)
            if person is None:
                raise InvalidInput(f"no one on the team is called {holder!r}", field="holder")
            holder_id = person.id
        filters = CaseFilters(
            store_ids=who.store_ids,
            account_id=who.account_id,
            open_only=open_only,
            kind=kind,
            holder_id=holder_id,
            page=max(1, page),
        )
        return uow.cases.cases(filters)


def _visible(uow: UnitOfWork, who: Principal, case_id: int) -> CaseRecord:
    record = uow.cases.case(case_id)
    if record is None or not who.sees_store(record.store_id):
        raise NotFound(f"no case {case_id}", id=case_id)
    if record.conversation_id is not None:
        try:
            access.conversation(uow, who, record.conversation_id)
        except NotFound:
            raise NotFound(f"no case {case_id}", id=case_id) from None
    return record


# --- opening --------------------------------------------------------------------------


def open_case(
    who: Principal, conversation_id: int, new: NewCase, *, uow: UnitOfWork, clock: Clock
) -> int:
    """Open a case from a conversation; the same `request_key` again returns the same case."""
    access.require(who, Permission.REPLY)
    kind, reason = _kind(new.kind), _reason(new.reason)
    solution = _solution(new.solution)
    description = _text(new.description, "description", MAX_DESCRIPTION)
    key = _key(new.request_key)
    now = clock.now()
    with uow:
        access.conversation(uow, who, conversation_id)
        conv = uow.inbox.get_conversation(conversation_id)
        if conv is None or conv.id is None:
            raise NotFound(f"no conversation {conversation_id}", id=conversation_id)
        if key is not None:
            for earlier in uow.cases.cases_of_conversation(conversation_id):
                if any(s.action == "open" and s.details.get("key") == key for s in earlier.steps):
                    return earlier.id
        order = _order_of(uow, conv.store_id, conv.order_id, new.order_number, kind)
        lines = _lines(order, new.lines, kind)
        refund = _refund(uow, order, new.refund_cents)
        values: dict[str, Any] = {
            "store_id": conv.store_id,
            "conversation_id": conversation_id,
            "order_id": order.id if order else None,
            "buyer_id": conv.buyer_id,
            "kind": kind.value,
            "state": CaseState.OPEN.value,
            "is_open": True,
            "reason": reason.value,
            "solution": solution.value if solution else None,
            "refund_cents": refund,
            "currency": order.currency if order else None,
            "description": description,
            "holder_id": conv.assignee_id or who.account_id,
            "opened_by": who.account_id,
            "opened_at": now,
            "updated_at": now,
        }
        case_id = uow.cases.add_case(values, lines)
        uow.cases.add_step(
            {
                "case_id": case_id,
                "at": now,
                "actor_id": who.account_id,
                "action": "open",
                "from_state": "",
                "to_state": CaseState.OPEN.value,
                "reason": description[:MAX_REASON],
                "details": {"key": key} if key else {},
                "request_key": key,
            }
        )
        uow.inbox.audit(
            at=now,
            account_id=who.account_id,
            action="case_open",
            entity_type="case",
            entity_id=case_id,
            before=None,
            after={"kind": kind.value, "reason": reason.value, "conversation": conversation_id},
        )
        uow.commit()
    return case_id


def _order_of(
    uow: UnitOfWork, store_id: int, order_id: int | None, number: str | None, kind: CaseKind
) -> CaseOrder | None:
    if number:
        number = _text(number, "order_number", 64)
        order = uow.cases.order(store_id, None, number)
        if order is None:
            if uow.cases.order_of_other_store(store_id, number):
                raise CaseInputError(
                    f"order {number} belongs to another store: a case stays in its store",
                    field="order_number",
                    value=number,
                )
            raise CaseInputError(
                f"no order {number} in this store", field="order_number", value=number
            )
        return order
    order = uow.cases.order(store_id, order_id, None) if order_id is not None else None
    if order is None and kind is not CaseKind.COMPLAINT:
        raise CaseInputError(
            f"a {kind.value} case needs the order: give its number", field="order_number"
        )
    return order


def _lines(
    order: CaseOrder | None, wanted: Sequence[tuple[int, int]], kind: CaseKind
) -> list[tuple[int, int]]:
    if order is None:
        if wanted:
            raise CaseInputError("order lines need an order", field="lines")
        return []
    ordered = {line[0]: line[3] for line in order.lines}
    seen: dict[int, int] = {}
    for line_id, quantity in wanted:
        if line_id not in ordered:
            raise CaseInputError(
                f"line {line_id} is not a line of order {order.order_number}",
                field="lines",
                value=str(line_id),
            )
        if line_id in seen:
            raise CaseInputError(
                f"line {line_id} is given twice", field="lines", value=str(line_id)
            )
        if not 1 <= quantity <= ordered[line_id]:
            raise CaseInputError(
                f"line {line_id}: quantity must be 1 to {ordered[line_id]}, the quantity ordered",
                field="lines",
                value=str(quantity),
            )
        seen[line_id] = quantity
    if kind in _NEEDS_LINES and not seen:
        raise CaseInputError(
            f"a {kind.value} case needs the order lines it is about", field="lines"
        )
    return list(seen.items())


def _refund(uow: UnitOfWork, order: CaseOrder | None, cents: int | None) -> int | None:
    if cents is None:
        return None
    if order is None:
        raise CaseInputError("a refund needs an order", field="refund_cents")
    if cents <= 0:
        raise CaseInputError("a refund must be more than 0", field="refund_cents", value=str(cents))
    left = order.total_cents - uow.cases.refunded_cents(order.id)
    if cents > left:
        raise CaseInputError(
            f"a refund of {cents / 100:.2f} {order.currency} is more than the "
            f"{left / 100:.2f} {order.currency} left of what the buyer paid",
            field="refund_cents",
            value=str(cents),
            limit=f"{left / 100:.2f}",
        )
    return cents


# --- steps ----------------------------------------------------------------------------


def take_step(
    who: Principal,
    case_id: int,
    request: StepRequest,
    *,
    uow_factory: UowFactory,
    clock: Clock,
    push_for: PushFor | None = None,
) -> CaseRecord:
    """Move the case one step; the same `request_key` again changes nothing. A step the
    platform takes is sent at once; its failure is kept on the step, not raised."""
    access.require(who, Permission.REPLY)
    try:
        action = CaseAction(request.action)
    except ValueError:
        raise InvalidInput(f"unknown case step {request.action!r}", field="action") from None
    if action is CaseAction.TIME_OUT:
        raise InvalidInput("a case times out by itself, never by a person", field="action")
    reason = _text(request.reason, "reason", MAX_REASON)
    key = _key(request.request_key)
    now = clock.now()
    with uow_factory() as uow:
        record = _visible(uow, who, case_id)
        if key is not None and uow.cases.step_by_key(case_id, key) is not None:
            return record
        if request.version is not None and request.version != record.version:
            raise CaseConflict(
                "someone else changed this case since you opened it: read it again",
                version=record.version,
            )
        kind, state = CaseKind(record.kind), CaseState(record.state)
        following = next_state(kind, state, action)
        details, changes = _step_changes(uow, record, action, request)
        changes.update(state=following.value, updated_at=now)
        if is_final(kind, following):
            changes.update(is_open=False, closed_at=now)
        push = push_for(record.store_id, action.value) if push_for and record.platform_ref else None
        step_id = uow.cases.add_step(
            {
                "case_id": case_id,
                "at": now,
                "actor_id": who.account_id,
                "action": action.value,
                "from_state": state.value,
                "to_state": following.value,
                "reason": reason,
                "details": details,
                "request_key": key,
                "push_state": (PushState.PENDING if push else PushState.LOCAL).value,
            }
        )
        if step_id is None:  # the same request, beside this one
            return record
        if not uow.cases.update_case(case_id, record.version, changes):
            raise CaseConflict("someone else changed this case at the same moment: try again")
        if push is not None:
            uow.cases.set_push(step_id, PushState.PENDING.value, None, None)
        uow.inbox.audit(
            at=now,
            account_id=who.account_id,
            action="case_step",
            entity_type="case",
            entity_id=case_id,
            before={"state": state.value},
            after={"state": following.value, "action": action.value, **details},
        )
        uow.commit()
    if push is not None:
        _push_due(uow_factory, clock, case_id, push_for)
    with uow_factory() as uow:
        return _visible(uow, who, case_id)


def _step_changes(
    uow: UnitOfWork, record: CaseRecord, action: CaseAction, request: StepRequest
) -> tuple[dict[str, Any], dict[str, Any]]:
    """What the step records beside the state (an amount, a tracking number) and what it
    changes on the case."""
    details: dict[str, Any] = {}
    changes: dict[str, Any] = {}
    if action is CaseAction.REFUND:
        order = uow.cases.order(record.store_id, record.order_id, None) if record.order_id else None
        wanted = request.refund_cents if request.refund_cents is not None else record.refund_cents
        if wanted is None:
            raise CaseInputError("a refund needs its amount", field="refund_cents")
        details["refund_cents"] = _refund(uow, order, wanted)
        details["currency"] = record.currency
        changes["refund_cents"] = details["refund_cents"]
    if action is CaseAction.SHIP:
        number = _text(request.tracking_number or "", "tracking_number", MAX_TRACKING).strip()
        if not number:
            raise CaseInputError(
                "shipping needs the new parcel's tracking number", field="tracking_number"
            )
        details["tracking_number"] = number
        details["carrier"] = _text(request.carrier or "", "carrier", 64)
        changes["tracking_number"] = number
        changes["tracking_sent_at"] = None
    if action is CaseAction.PROPOSE and record.solution:
        details["solution"] = record.solution
    return details, changes


def retry_push(
    who: Principal, case_id: int, *, uow_factory: UowFactory, clock: Clock, push_for: PushFor
) -> CaseRecord:
    """Send the case's steps the platform has not taken yet again (the "retry" button)."""
    access.require(who, Permission.REPLY)
    with uow_factory() as uow:
        _visible(uow, who, case_id)
    _push_due(uow_factory, clock, case_id, push_for)
    with uow_factory() as uow:
        return _visible(uow, who, case_id)


def push_pending(uow_factory: UowFactory, clock: Clock, push_for: PushFor, limit: int = 100) -> int:
    """The sync's retry of steps that did not reach the platform; returns how many went."""
    return _push_due(uow_factory, clock, None, push_for, limit)


def _push_due(
    uow_factory: UowFactory,
    clock: Clock,
    case_id: int | None,
    push_for: PushFor | None,
    limit: int = 100,
) -> int:
    with uow_factory() as uow:
        due = uow.cases.pending_pushes(case_id, limit)
    sent = 0
    for item in due:
        push = push_for(item.store_id, item.action) if push_for else None
        if push is None:
            state, error = (
                PushState.FAILED,
                "this store's platform connection cannot take this step",
            )
        else:
            try:
                push(item)
                state, error, sent = PushState.SENT, None, sent + 1
            except ChannelError as exc:
                state, error = PushState.FAILED, str(exc)[:500] or type(exc).__name__
        with uow_factory() as uow:
            uow.cases.set_push(
                item.step_id, state.value, error, clock.now() if state is PushState.SENT else None
            )
            uow.commit()
    return sent


# --- checks ---------------------------------------------------------------------------


def _kind(value: str) -> CaseKind:
    try:
        return CaseKind(value)
    except ValueError:
        allowed = ", ".join(k.value for k in CaseKind)
        raise InvalidInput(
            f"case kind must be one of: {allowed}", field="kind", value=value
        ) from None


def _reason(value: str) -> CaseReason:
    try:
        return CaseReason(value)
    except ValueError:
        allowed = ", ".join(r.value for r in CaseReason)
        raise InvalidInput(
            f"reason must be one of: {allowed}", field="reason", value=value
        ) from None


def _solution(value: str | None) -> Solution | None:
    if not value:
        return None
    try:
        return Solution(value)
    except ValueError:
        allowed = ", ".join(s.value for s in Solution)
        raise InvalidInput(
            f"solution must be one of: {allowed}", field="solution", value=value
        ) from None


def _text(value: str, field: str, limit: int) -> str:
    if len(value) > limit:
        raise InvalidInput(f"{field} is longer than {limit} characters", field=field, limit=limit)
    return value


def _key(value: str | None) -> str | None:
    if value is None or value == "":
        return None
    return _text(value, "request_key", MAX_KEY)
