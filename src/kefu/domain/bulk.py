"""Bulk actions on a selection of conversations (docs/inbox.md "Bulk actions").

Each conversation is checked and changed on its own, by the same rules as the single
action; the outcome says, per conversation, whether it changed, was already so, or was
refused and why. Nothing here is all-or-nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from kefu.domain.errors import InvalidInput

MAX_BULK = 200


class BulkAction(StrEnum):
    ASSIGN = "assign"
    MARK = "mark"
    CLOSE = "close"
    REOPEN = "reopen"


class Outcome(StrEnum):
    DONE = "done"
    ALREADY = "already"  # already in the asked state: nothing to do (idempotent)
    REFUSED = "refused"


@dataclass(frozen=True)
class BulkItem:
    conversation_id: int
    outcome: Outcome
    code: str | None = None  # the refusal's stable error code
    reason: str | None = None  # the refusal in English; the UI translates the code


@dataclass(frozen=True)
class BulkReport:
    action: BulkAction
    items: tuple[BulkItem, ...]

    def count(self, outcome: Outcome) -> int:
        return sum(1 for i in self.items if i.outcome == outcome)

    @property
    def refused(self) -> tuple[BulkItem, ...]:
        return tuple(i for i in self.items if i.outcome == Outcome.REFUSED)


def selection(ids: Iterable[int]) -> list[int]:
    """The ids once each, in the order given; 1 to 200 of them."""
    unique = list(dict.fromkeys(ids))
    if not unique:
        raise InvalidInput("select at least one conversation", field="ids")
    if len(unique) > MAX_BULK:
        raise InvalidInput(f"at most {MAX_BULK} conversations at once", field="ids")
    return unique


def already_code(action: BulkAction) -> str | None:
    """The refusal of the single action that means "already so" for this bulk action:
    closing a closed conversation, reopening one that is not closed."""
    return "invalid_transition" if action in (BulkAction.CLOSE, BulkAction.REOPEN) else None
