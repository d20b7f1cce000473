"""After-sale cases (SPEC §8, docs/cases.md): opened from a conversation or arriving from
the platform, moved step by step with who, when and why, written back to the platform.

A person's step is stored first, with its write-back `pending`, and then sent to the
platform at once; a platform that refuses or cannot be reached leaves the step `failed`
with its reason, shown on the case as "not sent to the platform" with a retry, and the
sync retries it too. The local state is never silently different from the platform's.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, Protocol

from kefu.domain.carriers import check_number
from kefu.domain.cases.deadlines import shipped_online
from kefu.domain.cases.limits import CaseLimits, check_action
from kefu.domain.cases.marks import reminder, strongest
from kefu.domain.cases.model import (
    LOGISTICS_REASONS,
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
from kefu.domain.evidence import check_image
from kefu.domain.permissions import Permission
from kefu.domain.types import ColourMark, Marketplace
from kefu.services import access
from kefu.services.access import Principal
from kefu.services.case_clocks import CaseFacts, Holidays, clock_columns, mark_of
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
PushFor = Callable[[int, str, str], Push | None]  # (store id, platform ref, action) → a push


class SurveySender(Protocol):
    """services/surveys.Surveys: the satisfaction survey after a case closes."""

    def send_survey(
        self,
        uow: UnitOfWork,
        *,
        conversation_id: int,
        case_id: int | None,
        actor: Principal | None,
        now: datetime,
    ) -> int | None: ...


@dataclass(frozen=True)
class CaseDeps:
    """What the case use cases need beyond the database (kefu.bootstrap builds it)."""

    holidays: Holidays
    push_for: PushFor | None = None
    surveys: SurveySender | None = None


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
        return with_reminder(uow, _visible(uow, who, case_id))


def conversation_cases(
    who: Principal, conversation_id: int, *, uow: UnitOfWork
) -> list[CaseRecord]:
    access.require(who, Permission.VIEW_INBOX)
    with uow:
        access.conversation(uow, who, conversation_id)
        return [with_reminder(uow, r) for r in uow.cases.cases_of_conversation(conversation_id)]


def with_reminder(uow: UnitOfWork, record: CaseRecord) -> CaseRecord:
    """The case with the work its mark stands for: the new tracking number still to send,
    or, for a refunded logistics dispute whose parcel arrived, asking the buyer to pay."""
    kind, state = CaseKind(record.kind), CaseState(record.state)
    if is_final(kind, state) and state is not CaseState.REFUNDED:
        return record
    order = _case_order(uow, record)
    logistics = kind in (CaseKind.DISPUTE, CaseKind.NOT_RECEIVED) and (
        CaseReason(record.reason) in LOGISTICS_REASONS
    )
    code = reminder(
        kind,
        state,
        tracking_number=record.tracking_number,
        tracking_sent=record.tracking_sent_at is not None,
        logistics_refund=logistics and state is CaseState.REFUNDED,
        parcel_arrived=order is not None and order.delivered_at is not None,
    )
    return replace(record, reminder=code)


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
    who: Principal,
    conversation_id: int,
    new: NewCase,
    *,
    uow: UnitOfWork,
    clock: Clock,
    deps: CaseDeps,
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
        platform, site, zone = uow.cases.store_of(conv.store_id)
        online = order is not None and shipped_online(Marketplace(platform), order.carriers)
        values["online_shipping"] = online
        facts = CaseFacts(
            platform=platform,
            site=site,
            store_zone=zone,
            kind=kind,
            state=CaseState.OPEN,
            reason=reason,
            solution=solution,
            opened_at=now,
            since=now,
            paid=order is None or order.paid_at is not None,
            online_shipping=online,
            returning_buyer=uow.cases.returning_buyer(conv.buyer_id),
        )
        shop, _ = uow.replies.settings(conv.store_id)
        values.update(clock_columns(facts, shop, deps.holidays))
        was = suggested_mark(uow, conversation_id)
        case_id = uow.cases.add_case(values, lines)
        follow_mark(
            uow, conversation_id, was, suggested_mark(uow, conversation_id), who.account_id, now
        )
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
    deps: CaseDeps,
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
        if _already(uow, record, key, request.version):
            return record
        kind, state = CaseKind(record.kind), CaseState(record.state)
        following = next_state(kind, state, action)
        details, changes = _step_changes(uow, record, action, request)
        _within_limits(uow, who, record, action, details.get("refund_cents"))
        changes.update(state=following.value, updated_at=now)
        if is_final(kind, following):
            changes.update(is_open=False, closed_at=now)
        before = facts_of(uow, record, record.updated_at)
        after = replace(
            before,
            state=following,
            since=now,
            tracking_sent=before.tracking_sent and action is not CaseAction.SHIP,
        )
        shop, _ = uow.replies.settings(record.store_id)
        changes.update(clock_columns(after, shop, deps.holidays))
        push_for = deps.push_for
        push = (
            push_for(record.store_id, record.platform_ref, action.value)
            if push_for and record.platform_ref
            else None
        )
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
        was = suggested_mark(uow, record.conversation_id) if record.conversation_id else None
        if not uow.cases.update_case(case_id, record.version, changes):
            raise CaseConflict("someone else changed this case at the same moment: try again")
        if push is not None:
            uow.cases.set_push(step_id, PushState.PENDING.value, None, None)
        _conversation_follows(uow, deps, record, was, after, who, now)
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


def _conversation_follows(
    uow: UnitOfWork,
    deps: CaseDeps,
    record: CaseRecord,
    was: ColourMark | None,
    after: CaseFacts,
    who: Principal,
    now: datetime,
) -> None:
    """The conversation's mark follows its cases; a case that closes asks the buyer how
    it went (SPEC §8), in the same transaction."""
    if record.conversation_id is None:
        return
    now_suggested = suggested_mark(uow, record.conversation_id)
    follow_mark(uow, record.conversation_id, was, now_suggested, who.account_id, now)
    if after.state is CaseState.CLOSED and deps.surveys is not None:
        deps.surveys.send_survey(
            uow, conversation_id=record.conversation_id, case_id=record.id, actor=who, now=now
        )


MAX_EVIDENCE = 10  # images per case: what the platforms take with one decision, and more


def add_evidence(
    who: Principal,
    case_id: int,
    filename: str,
    data: bytes,
    *,
    uow: UnitOfWork,
    clock: Clock,
) -> int:
    """Keep a photo as the case's evidence, checked by its content against its platform's
    limit (kefu.domain.evidence); the same photo twice is kept once. Returns its id."""
    access.require(who, Permission.REPLY)
    name = (filename or "photo")[-200:]
    now = clock.now()
    with uow:
        record = _visible(uow, who, case_id)
        image = check_image(data, name, record.platform)
        if len(record.evidence) >= MAX_EVIDENCE:
            raise CaseInputError(
                f"a case keeps at most {MAX_EVIDENCE} photos", field="file", limit=MAX_EVIDENCE
            )
        stored, created = uow.cases.add_evidence(
            {
                "case_id": case_id,
                "sha256": image.sha256,
                "mime": image.mime,
                "filename": name,
                "size": image.size,
                "width": image.width,
                "height": image.height,
                "data": data,
                "added_by": who.account_id,
                "added_at": now,
            }
        )
        if not created:
            return stored
        uow.inbox.audit(
            at=now,
            account_id=who.account_id,
            action="case_evidence",
            entity_type="case",
            entity_id=case_id,
            before=None,
            after={"file": name, "type": image.mime, "bytes": image.size},
        )
        uow.commit()
    return stored


def evidence_file(
    who: Principal, case_id: int, evidence_id: int, *, uow: UnitOfWork
) -> tuple[str, str, bytes]:
    """(filename, mime, bytes) of one photo of a case the person may see."""
    access.require(who, Permission.VIEW_INBOX)
    with uow:
        _visible(uow, who, case_id)
        found = uow.cases.evidence(evidence_id)
    if found is None or found[0] != case_id:
        raise NotFound(f"no photo {evidence_id} on case {case_id}", id=evidence_id)
    return found[1], found[2], found[3]


def note_reply(
    uow: UnitOfWork, conversation_id: int, text: str, actor_id: int | None, at: datetime
) -> None:
    """A reply that gives the buyer a case's new tracking number ends the yellow mark's
    reminder (SPEC §7: "send the buyer the new tracking number"). Inside the reply's unit
    of work."""
    for record in uow.cases.cases_of_conversation(conversation_id):
        number = record.tracking_number
        if not record.is_open or not number or record.tracking_sent_at or number not in text:
            continue
        was = suggested_mark(uow, conversation_id)
        uow.cases.update_case(record.id, record.version, {"tracking_sent_at": at})
        follow_mark(uow, conversation_id, was, suggested_mark(uow, conversation_id), actor_id, at)


def _case_order(uow: UnitOfWork, record: CaseRecord) -> CaseOrder | None:
    return uow.cases.order(record.store_id, record.order_id, None) if record.order_id else None


def _already(uow: UnitOfWork, record: CaseRecord, key: str | None, version: int | None) -> bool:
    """True when this very request was taken before; refuses one made on an old version."""
    if key is not None and uow.cases.step_by_key(record.id, key) is not None:
        return True
    if version is not None and version != record.version:
        raise CaseConflict(
            "someone else changed this case since you opened it: read it again",
            version=record.version,
        )
    return False


def facts_of(uow: UnitOfWork, record: CaseRecord, since: datetime) -> CaseFacts:
    """The clocks' and the mark's view of a stored case, as if it entered its state at
    `since`."""
    order = _case_order(uow, record)
    return CaseFacts(
        platform=record.platform,
        site=record.site,
        store_zone=record.store_zone,
        kind=CaseKind(record.kind),
        state=CaseState(record.state),
        reason=CaseReason(record.reason),
        solution=Solution(record.solution) if record.solution else None,
        opened_at=record.opened_at,
        since=since,
        paid=order is None or order.paid_at is not None,
        online_shipping=record.online_shipping,
        paused_since=record.paused_since,
        paused_seconds=record.paused_seconds,
        tracking_sent=record.tracking_sent_at is not None,
        returning_buyer=record.buyer_id is not None and uow.cases.returning_buyer(record.buyer_id),
    )


def suggested_mark(uow: UnitOfWork, conversation_id: int) -> ColourMark | None:
    """What the conversation's cases suggest together (withdrawn ones say nothing): the
    strongest of their marks (kefu.domain.cases.marks.PRECEDENCE)."""
    records = uow.cases.cases_of_conversation(conversation_id)
    return strongest(
        mark_of(facts_of(uow, r, r.updated_at))
        for r in records
        if r.state != CaseState.CANCELLED.value
    )


def follow_mark(
    uow: UnitOfWork,
    conversation_id: int,
    was: ColourMark | None,
    now_suggested: ColourMark | None,
    actor_id: int | None,
    at: datetime,
) -> None:
    """The conversation's colour mark follows its case (SPEC §7): when the case's
    suggestion changes, the mark becomes the new one. A mark the agent chose differently
    stays until the suggestion changes again; a suggestion that goes away clears only
    the mark it had set."""
    if was == now_suggested:
        return
    conv = uow.inbox.get_conversation(conversation_id)
    if conv is None:
        return
    current = conv.colour_mark
    if now_suggested is None and current != was:
        return
    if current == now_suggested:
        return
    conv.set_mark(now_suggested)
    uow.inbox.save_conversations([conv])
    uow.inbox.audit(
        at=at,
        account_id=actor_id,
        action="set_mark",
        entity_type="conversation",
        entity_id=conversation_id,
        before={"colour_mark": current.value if current else None},
        after={"colour_mark": now_suggested.value if now_suggested else None, "by": "case"},
    )


def _within_limits(
    uow: UnitOfWork, who: Principal, record: CaseRecord, action: CaseAction, cents: int | None
) -> None:
    """The owner's limits on this person's risky steps (docs/cases.md "Limits"); the owner
    has none. A refund is weighed in US cents at its order's own rate."""
    row = None if who.is_main else uow.case_limits.limits_of(who.account_id)
    limits = (
        None
        if row is None
        else CaseLimits(row.max_refund_usd_cents, row.may_decline_return, row.may_refuse_dispute)
    )
    usd = None
    if cents is not None:
        order = _case_order(uow, record)
        rate = order.total_usd_cents / order.total_cents if order and order.total_cents else 1.0
        usd = round(cents * rate)
    check_action(CaseKind(record.kind), action, limits=limits, refund_usd_cents=usd)


def _step_changes(
    uow: UnitOfWork, record: CaseRecord, action: CaseAction, request: StepRequest
) -> tuple[dict[str, Any], dict[str, Any]]:
    """What the step records beside the state (an amount, a tracking number) and what it
    changes on the case."""
    details: dict[str, Any] = {}
    changes: dict[str, Any] = {}
    if action is CaseAction.REFUND:
        order = _case_order(uow, record)
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
        checked = check_number(number)
        if checked.malformed:  # a typing error the buyer would be sent (issue 21)
            raise CaseInputError(
                f"tracking number {checked.number}: {checked.malformed}", field="tracking_number"
            )
        number = checked.number
        details["tracking_number"] = number
        details["carrier"] = _text(request.carrier or "", "carrier", 64) or (
            checked.carrier_name or ""
        )
        changes["tracking_number"] = number
        changes["tracking_sent_at"] = None
    if action is CaseAction.PROPOSE:
        if record.solution:
            details["solution"] = record.solution
        if request.refund_cents is not None:  # the shop's own offer: a partial refund
            order = _case_order(uow, record)
            details["refund_cents"] = _refund(uow, order, request.refund_cents)
            details["currency"] = record.currency
    return details, changes


def retry_push(
    who: Principal, case_id: int, *, uow_factory: UowFactory, clock: Clock, deps: CaseDeps
) -> CaseRecord:
    """Send the case's steps the platform has not taken yet again (the "retry" button)."""
    access.require(who, Permission.REPLY)
    with uow_factory() as uow:
        _visible(uow, who, case_id)
    _push_due(uow_factory, clock, case_id, deps.push_for)
    with uow_factory() as uow:
        return _visible(uow, who, case_id)


def push_pending(
    uow_factory: UowFactory,
    clock: Clock,
    push_for: PushFor,
    *,
    store_id: int | None = None,
    limit: int = 100,
) -> int:
    """The sync's retry of steps that did not reach the platform; returns how many went."""
    return _push_due(uow_factory, clock, None, push_for, limit, store_id=store_id)


def _push_due(
    uow_factory: UowFactory,
    clock: Clock,
    case_id: int | None,
    push_for: PushFor | None,
    limit: int = 100,
    *,
    store_id: int | None = None,
) -> int:
    with uow_factory() as uow:
        due = uow.cases.pending_pushes(case_id, limit, store_id=store_id)
    sent = 0
    for item in due:
        push = push_for(item.store_id, item.platform_ref, item.action) if push_for else None
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
