"""Cases that start on the platform arrive by the sync, and the shop's steps go back to it
(docs/cases.md "From and to the platforms").

A platform's case is stored by its `ref` (idempotent: a case read again changes nothing),
with the platform's own deadline when it gives one, and its activity as steps by the
platform. A case whose own steps still wait to reach the platform keeps its state: the
platform has not seen them yet, and its older state must not undo them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from kefu.domain.cases.deadlines import shipped_online
from kefu.domain.cases.model import (
    CaseAction,
    CaseInputError,
    CaseKind,
    CaseReason,
    CaseState,
    Solution,
)
from kefu.domain.cases.workflows import is_final
from kefu.domain.errors import DomainError
from kefu.domain.types import Marketplace
from kefu.services import cases
from kefu.services.case_clocks import CaseFacts, clock_columns
from kefu.services.ports import (
    CaseClient,
    CaseDecision,
    CaseRecord,
    ChannelError,
    Clock,
    PendingPush,
    PlatformCase,
    StoredConnection,
    UnitOfWork,
)

UowFactory = Callable[[], UnitOfWork]
OpenCaseClient = Callable[[StoredConnection], CaseClient | None]
PAGES_PER_PASS = 20


@dataclass
class CaseSyncReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    refused: list[str] = field(default_factory=list)  # "ref: reason"


def pull_cases(
    uow_factory: UowFactory,
    clock: Clock,
    conn: StoredConnection,
    client: CaseClient,
    deps: cases.CaseDeps,
    since: datetime,
) -> CaseSyncReport:
    """One pass over the store's cases on its platform, page by page."""
    report = CaseSyncReport()
    cursor: str | None = None
    for _ in range(PAGES_PER_PASS):
        page = client.pull_cases(cursor, since)
        for found in page.cases:
            try:
                with uow_factory() as uow:
                    outcome = take_case(uow, conn.store_id, found, deps, clock.now())
                    uow.commit()
            except (DomainError, ValueError) as exc:
                report.refused.append(f"{found.ref}: {exc}"[:300])
                continue
            setattr(report, outcome, getattr(report, outcome) + 1)
        cursor = page.cursor
        if page.done:
            break
    return report


def take_case(
    uow: UnitOfWork, store_id: int, found: PlatformCase, deps: cases.CaseDeps, now: datetime
) -> str:
    """Store one platform case; returns "created", "updated" or "unchanged"."""
    kind, state = CaseKind(found.kind), CaseState(found.state)
    reason = CaseReason(found.reason)
    solution = Solution(found.solution) if found.solution else None
    order = uow.cases.order(store_id, None, found.order_number) if found.order_number else None
    if order is not None and found.opened_at < order.placed_at:
        raise CaseInputError(
            f"opened before its order {order.order_number} was placed", field="opened_at"
        )
    record = uow.cases.case_by_ref(store_id, found.ref)
    if record is None:
        _create(uow, store_id, found, (kind, state, reason, solution), order, deps, now)
        return "created"
    return _update(uow, record, found, state, deps, now)


def _create(
    uow: UnitOfWork,
    store_id: int,
    found: PlatformCase,
    words: tuple[CaseKind, CaseState, CaseReason, Solution | None],
    order: Any,
    deps: cases.CaseDeps,
    now: datetime,
) -> None:
    kind, state, reason, solution = words
    conv = uow.cases.conversation_for(store_id, found.conversation_ref, order.id if order else None)
    platform, site, zone = uow.cases.store_of(store_id)
    # The issue API does not say how the order shipped; its parcels' carriers do.
    online = found.online_shipping or (
        order is not None and shipped_online(Marketplace(platform), order.carriers)
    )
    since = max((s.at for s in found.steps), default=found.opened_at)
    facts = CaseFacts(
        platform=platform,
        site=site,
        store_zone=zone,
        kind=kind,
        state=state,
        reason=reason,
        solution=solution,
        opened_at=found.opened_at,
        since=since,
        paid=order is None or order.paid_at is not None,
        online_shipping=online,
        platform_given=found.respond_by,
        returning_buyer=conv is not None and uow.cases.returning_buyer(conv[1]),
    )
    shop, _ = uow.replies.settings(store_id)
    final = is_final(kind, state)
    values: dict[str, Any] = {
        "store_id": store_id,
        "conversation_id": conv[0] if conv else None,
        "order_id": order.id if order else None,
        "buyer_id": conv[1] if conv else (order.buyer_id if order else None),
        "kind": kind.value,
        "state": state.value,
        "is_open": not final,
        "reason": reason.value,
        "solution": solution.value if solution else None,
        "refund_cents": found.refund_cents,
        "currency": found.currency or (order.currency if order else None),
        "description": found.description[: cases.MAX_DESCRIPTION],
        "holder_id": conv[2] if conv else None,
        "opened_by": None,
        "opened_at": found.opened_at,
        "updated_at": found.updated_at,
        "closed_at": found.updated_at if final else None,
        "platform_ref": found.ref,
        "platform_state": found.platform_state[:64],
        "online_shipping": online,
        **clock_columns(facts, shop, deps.holidays),
    }
    was = cases.suggested_mark(uow, conv[0]) if conv else None
    case_id = uow.cases.add_case(values, _lines(order, found))
    uow.cases.add_step(
        {
            "case_id": case_id,
            "at": found.opened_at,
            "actor_id": None,
            "action": "open",
            "from_state": "",
            "to_state": CaseState.OPEN.value,
            "reason": found.description[:1000],
            "details": {"platform_state": found.platform_state, "by": "platform"},
            "request_key": f"p:{found.ref}",
        }
    )
    _platform_steps(uow, case_id, found)
    if conv is not None:
        cases.follow_mark(uow, conv[0], was, cases.suggested_mark(uow, conv[0]), None, now)
    uow.inbox.audit(
        at=now,
        account_id=None,
        action="case_open",
        entity_type="case",
        entity_id=case_id,
        before=None,
        after={"platform_ref": found.ref, "kind": kind.value, "state": state.value},
    )


def _update(
    uow: UnitOfWork,
    record: CaseRecord,
    found: PlatformCase,
    state: CaseState,
    deps: cases.CaseDeps,
    now: datetime,
) -> str:
    added = _platform_steps(uow, record.id, found)
    waiting = any(s.push_state in ("pending", "failed") for s in record.steps)
    new_state = record.state if waiting else state.value
    changes: dict[str, Any] = {}
    if found.platform_state[:64] != record.platform_state:
        changes["platform_state"] = found.platform_state[:64]
    due_changed = found.respond_by is not None and found.respond_by != record.platform_due_at
    if new_state != record.state or due_changed:
        before = cases.facts_of(uow, record, record.updated_at)
        after = replace(
            before,
            state=CaseState(new_state),
            since=found.updated_at if new_state != record.state else record.updated_at,
            platform_given=found.respond_by,
        )
        shop, _ = uow.replies.settings(record.store_id)
        changes.update(clock_columns(after, shop, deps.holidays))
        final = is_final(after.kind, after.state)
        changes.update(
            state=new_state,
            is_open=not final,
            closed_at=(record.closed_at or found.updated_at) if final else None,
            updated_at=max(found.updated_at, record.updated_at),
        )
    if not changes and not added:
        return "unchanged"
    conv_id = record.conversation_id
    was = cases.suggested_mark(uow, conv_id) if conv_id is not None else None
    if changes and not uow.cases.update_case(record.id, record.version, changes):
        raise cases.CaseConflict("the case changed while the sync stored it: the next sync retries")
    if conv_id is not None and changes:
        cases.follow_mark(uow, conv_id, was, cases.suggested_mark(uow, conv_id), None, now)
    if new_state != record.state:
        uow.inbox.audit(
            at=now,
            account_id=None,
            action="case_step",
            entity_type="case",
            entity_id=record.id,
            before={"state": record.state},
            after={"state": new_state, "platform_state": found.platform_state},
        )
    return "updated"


def _platform_steps(uow: UnitOfWork, case_id: int, found: PlatformCase) -> int:
    """The platform's activity as steps by the platform, each stored once."""
    added = 0
    for step in found.steps:
        try:
            step_action = CaseAction(step.action).value
        except ValueError:
            step_action = "platform_update"  # a platform event kefu has no step for
        stored = uow.cases.add_step(
            {
                "case_id": case_id,
                "at": step.at,
                "actor_id": None,
                "action": step_action,
                "from_state": "",
                "to_state": found.state,
                "reason": step.note[:1000],
                "details": {"actor": step.actor, "by": "platform"},
                "request_key": f"p:{step.ref}"[:128],
            }
        )
        added += stored is not None
    return added


def _lines(order: Any, found: PlatformCase) -> list[tuple[int, int]]:
    """The platform's lines (a SKU or the platform's line id) matched to the order's."""
    if order is None:
        return []
    by_sku = {line[1]: (line[0], line[3]) for line in order.lines}
    chosen: dict[int, int] = {}
    for key, quantity in found.lines:
        match = by_sku.get(key)
        if match is not None:
            chosen[match[0]] = max(1, min(quantity, match[1]))
    return list(chosen.items())


# --- the shop's steps to the platform ------------------------------------------------


def platform_push(uow_factory: UowFactory, open_client: OpenCaseClient) -> cases.PushFor:
    """How a case step reaches its store's platform: through the store's connection and
    its case client; None where the store has none or the platform takes no such step."""

    def push_for(store_id: int, platform_ref: str, action: str) -> cases.Push | None:
        with uow_factory() as uow:
            conn = uow.connections.connection(store_id)
        if conn is None or not conn.enabled:
            return None
        client = open_client(conn)
        if client is None:
            return None
        try:
            if not client.can_decide(platform_ref, action):
                return None
        finally:
            _close(client)

        def push(item: PendingPush) -> str:
            with uow_factory() as uow:
                files = uow.cases.evidence_files(item.case_id) if _uploads(item.action) else []
            sender = open_client(conn)
            if sender is None:
                raise ChannelError("the store's platform takes no case steps", retryable=False)
            try:
                return sender.decide(decision_of(item, files))
            finally:
                _close(sender)

        return push

    return push_for


def _uploads(action: str) -> bool:
    """The steps a platform takes evidence with (AliExpress: refusing with a solution)."""
    return action == CaseAction.PROPOSE.value


def decision_of(item: PendingPush, files: Sequence[tuple[str, bytes]]) -> CaseDecision:
    details = item.details
    refund = details.get("refund_cents")
    return CaseDecision(
        case_ref=item.platform_ref,
        action=item.action,
        order_number=item.order_number,
        refund_cents=int(refund) if refund is not None else None,
        currency=details.get("currency"),
        solution=details.get("solution") or item.solution,
        note=item.reason,
        tracking_number=details.get("tracking_number"),
        carrier=details.get("carrier") or None,
        evidence=tuple(files),
    )


def _close(client: object) -> None:
    close = getattr(client, "close", None)
    if callable(close):
        close()
