"""Bulk actions (assign, mark, close, reopen) on a selection: each conversation on its own.

The acting person needs the action's permission once; then every conversation goes
through the single action of services/inbox.py, in its own transaction, so a refusal
(not visible, already closed, an assignee without the store) stops only that one and
is reported with its stable code. Running the same request twice changes nothing more.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from kefu.domain.bulk import BulkAction, BulkItem, BulkReport, Outcome, already_code, selection
from kefu.domain.errors import DomainError, InvalidInput
from kefu.domain.permissions import Permission
from kefu.domain.types import ColourMark
from kefu.services import access, inbox
from kefu.services.access import Principal
from kefu.services.ports import Clock, ConcurrentWriteError, UnitOfWork

UowFactory = Callable[[], UnitOfWork]

_PERMISSION = {
    BulkAction.ASSIGN: Permission.ASSIGN,
    BulkAction.MARK: Permission.MARK,
    BulkAction.CLOSE: Permission.CLOSE,
    BulkAction.REOPEN: Permission.CLOSE,
}


@dataclass(frozen=True)
class BulkRequest:
    action: BulkAction
    ids: tuple[int, ...]
    colour_mark: str | None = None  # MARK: the mark, None clears it
    assignee_id: int | None = None  # ASSIGN: the person, None unassigns


def run(
    who: Principal, request: BulkRequest, *, uow_factory: UowFactory, clock: Clock
) -> BulkReport:
    """Apply the action to each selected conversation; the report says what became of each."""
    access.require(who, _PERMISSION[request.action])
    ids = selection(request.ids)
    marks = {m.value for m in ColourMark}
    if request.action == BulkAction.MARK and request.colour_mark not in {None, *marks}:
        raise InvalidInput(f"colour mark must be one of: {', '.join(marks)}", field="colour_mark")

    def act(conversation_id: int) -> None:
        uow = uow_factory()
        if request.action == BulkAction.ASSIGN:
            inbox.assign(who, conversation_id, request.assignee_id, uow=uow, clock=clock)
        elif request.action == BulkAction.MARK:
            inbox.set_mark(who, conversation_id, request.colour_mark, uow=uow, clock=clock)
        elif request.action == BulkAction.CLOSE:
            inbox.close(who, conversation_id, uow=uow, clock=clock)
        else:
            inbox.reopen(who, conversation_id, uow=uow, clock=clock)

    return BulkReport(request.action, tuple(apply_each(ids, act, already_code(request.action))))


def apply_each(
    ids: Iterable[int], act: Callable[[int], None], already: str | None
) -> list[BulkItem]:
    """Run `act` per id; a domain refusal is that id's outcome, never the whole run's.
    A refusal with the code `already` means the conversation was already so."""
    items: list[BulkItem] = []
    for conversation_id in ids:
        try:
            act(conversation_id)
        except DomainError as refused:
            if already is not None and refused.code == already:
                items.append(BulkItem(conversation_id, Outcome.ALREADY))
            else:
                items.append(
                    BulkItem(conversation_id, Outcome.REFUSED, refused.code, refused.message)
                )
        except ConcurrentWriteError:
            items.append(
                BulkItem(
                    conversation_id,
                    Outcome.REFUSED,
                    "conflict",
                    "someone changed the conversation at the same moment; try again",
                )
            )
        else:
            items.append(BulkItem(conversation_id, Outcome.DONE))
    return items
