"""State-machine properties of every kind's workflow (domain/cases/workflows.py): no
sequence of allowed steps reaches an impossible state."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kefu.domain.cases.model import CaseAction, CaseKind, CaseState, CaseStepRefused
from kefu.domain.cases.workflows import (
    FINAL_STATES,
    WORKFLOWS,
    allowed_actions,
    is_final,
    next_state,
)

A, S = CaseAction, CaseState


def steps_from(kind: CaseKind, state: CaseState) -> tuple[CaseAction, ...]:
    """What a person may do, plus the sweep's TIME_OUT where the table has it."""
    sweep = (A.TIME_OUT,) if A.TIME_OUT in WORKFLOWS[kind].get(state, {}) else ()
    return (*allowed_actions(kind, state), *sweep)


def known_states(kind: CaseKind) -> set[CaseState]:
    table = WORKFLOWS[kind]
    return {S.OPEN, *table, *(s for moves in table.values() for s in moves.values())}


@given(kind=st.sampled_from(CaseKind), picks=st.lists(st.integers(0, 50), max_size=40))
def test_no_sequence_of_allowed_steps_reaches_an_impossible_state(
    kind: CaseKind, picks: list[int]
) -> None:
    state, path = S.OPEN, [S.OPEN]
    for pick in picks:
        offered = steps_from(kind, state)
        if not offered:
            break
        state = next_state(kind, state, offered[pick % len(offered)])
        path.append(state)
    for reached in path:
        assert reached in known_states(kind) or reached in FINAL_STATES, (kind, path)
        assert bool(WORKFLOWS[kind].get(reached)) or is_final(kind, reached), (kind, path)
    if S.CLOSED in path:
        assert path[path.index(S.CLOSED) :] == [S.CLOSED], path  # CLOSED is never left
    if S.CANCELLED in path:
        assert path[-1] is S.CANCELLED and S.REFUNDED not in path[path.index(S.CANCELLED) :]
    if kind in (CaseKind.EXCHANGE, CaseKind.REPAIR) and S.SHIPPED in path:
        assert S.INSPECTED in path[: path.index(S.SHIPPED)], path
    if S.REFUNDED in path:
        assert path.count(S.REFUNDED) == 1, path  # never refunded twice


@pytest.mark.parametrize("kind", list(CaseKind))
def test_final_states_allow_nothing_and_refuse_every_step(kind: CaseKind) -> None:
    walked = 0
    for state in FINAL_STATES:
        walked += 1
        assert allowed_actions(kind, state) == ()
        for action in CaseAction:
            with pytest.raises(CaseStepRefused) as refused:
                next_state(kind, state, action)
            assert refused.value.params["allowed"] == "-"
    assert walked == 3


@pytest.mark.parametrize("kind", list(CaseKind))
def test_every_state_of_the_table_is_reachable_from_open(kind: CaseKind) -> None:
    reachable = reachable_states(kind)
    assert set(WORKFLOWS[kind]) <= reachable, set(WORKFLOWS[kind]) - reachable
    assert S.CANCELLED in reachable  # every kind may be withdrawn


def reachable_states(kind: CaseKind) -> set[CaseState]:
    seen, todo = {S.OPEN}, [S.OPEN]
    while todo:
        state = todo.pop()
        for action in steps_from(kind, state):
            following = next_state(kind, state, action)
            if following not in seen:
                seen.add(following)
                todo.append(following)
    return seen


def test_the_issues_impossible_steps_are_refused() -> None:
    with pytest.raises(CaseStepRefused):  # refunding a cancelled refund
        next_state(CaseKind.REFUND, S.CANCELLED, A.REFUND)
    with pytest.raises(CaseStepRefused):  # closing a dispute twice
        next_state(CaseKind.DISPUTE, next_state(CaseKind.DISPUTE, S.REFUNDED, A.CLOSE), A.CLOSE)
    with pytest.raises(CaseStepRefused) as early:  # shipping an exchange before inspection
        next_state(CaseKind.EXCHANGE, S.RETURN_RECEIVED, A.SHIP)
    assert early.value.params["allowed"] == "inspect, withdraw"
