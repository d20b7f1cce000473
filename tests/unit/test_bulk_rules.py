"""Bulk actions, per conversation (domain/bulk.py, services/bulk_actions.apply_each)."""

from __future__ import annotations

import pytest

from kefu.domain.bulk import MAX_BULK, BulkAction, BulkReport, Outcome, already_code, selection
from kefu.domain.errors import InvalidInput, InvalidTransition, NotFound
from kefu.services.access import Forbidden
from kefu.services.bulk_actions import apply_each
from kefu.services.ports import ConcurrentWriteError


def test_a_selection_is_each_id_once_in_order_and_at_most_200() -> None:
    assert selection([3, 1, 3, 2, 1]) == [3, 1, 2]
    assert len(selection(range(1, MAX_BULK + 1))) == MAX_BULK
    with pytest.raises(InvalidInput, match="at most 200"):
        selection(range(1, MAX_BULK + 2))
    with pytest.raises(InvalidInput, match="at least one"):
        selection([])


def test_each_refusal_stops_only_its_own_conversation() -> None:
    walked: list[int] = []

    def act(conversation_id: int) -> None:
        walked.append(conversation_id)
        if conversation_id == 2:
            raise NotFound("no conversation 2", id=2)
        if conversation_id == 3:
            raise Forbidden("your role may not do this (assign)")
        if conversation_id == 4:
            raise ConcurrentWriteError("busy")

    items = apply_each([1, 2, 3, 4, 5], act, already_code(BulkAction.ASSIGN))
    assert walked == [1, 2, 3, 4, 5]
    assert [(i.conversation_id, i.outcome, i.code) for i in items] == [
        (1, Outcome.DONE, None),
        (2, Outcome.REFUSED, "not_found"),
        (3, Outcome.REFUSED, "forbidden"),
        (4, Outcome.REFUSED, "conflict"),
        (5, Outcome.DONE, None),
    ]
    assert items[1].reason == "no conversation 2"


def test_closing_a_closed_conversation_is_already_done_not_refused() -> None:
    def act(conversation_id: int) -> None:
        if conversation_id == 7:
            raise InvalidTransition("the conversation is already closed")

    items = apply_each([6, 7], act, already_code(BulkAction.CLOSE))
    report = BulkReport(BulkAction.CLOSE, tuple(items))
    assert (report.count(Outcome.DONE), report.count(Outcome.ALREADY), report.refused) == (1, 1, ())


def test_an_invalid_transition_is_a_refusal_where_it_does_not_mean_already() -> None:
    def act(conversation_id: int) -> None:
        raise InvalidTransition("no")

    items = apply_each([8], act, already_code(BulkAction.MARK))
    assert [i.outcome for i in items] == [Outcome.REFUSED]
    assert already_code(BulkAction.REOPEN) == "invalid_transition"
