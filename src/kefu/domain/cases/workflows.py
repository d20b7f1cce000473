"""Which step each kind of case allows from each state (SPEC §8), as data.

A state with no step out of it is final. `WITHDRAW` is allowed from every state that is not
final; `TIME_OUT` only where a platform closes an unanswered request by itself.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from kefu.domain.cases.model import CaseAction as A
from kefu.domain.cases.model import CaseKind, CaseStepRefused
from kefu.domain.cases.model import CaseState as S

Table = Mapping[S, Mapping[A, S]]

# Items that travel back to the shop and out again: exchange and repair share the road.
_BACK_AND_OUT: dict[S, dict[A, S]] = {
    S.OPEN: {A.APPROVE: S.APPROVED, A.DECLINE: S.DECLINED, A.ESCALATE: S.ESCALATED},
    S.APPROVED: {A.RETURN_SHIPPED: S.RETURN_SHIPPED, A.RECEIVE_RETURN: S.RETURN_RECEIVED},
    S.RETURN_SHIPPED: {A.RECEIVE_RETURN: S.RETURN_RECEIVED},
    S.RETURN_RECEIVED: {A.INSPECT: S.INSPECTED},
    S.INSPECTED: {A.SHIP: S.SHIPPED, A.REFUND: S.REFUNDED},
    S.SHIPPED: {A.CONFIRM_DELIVERY: S.DELIVERED},
    S.DELIVERED: {A.CLOSE: S.CLOSED},
    S.DECLINED: {A.ESCALATE: S.ESCALATED, A.CLOSE: S.CLOSED},
    S.ESCALATED: {A.REFUND: S.REFUNDED, A.CLOSE: S.CLOSED},
    S.REFUNDED: {A.CLOSE: S.CLOSED},
}

_TABLES: dict[CaseKind, dict[S, dict[A, S]]] = {
    # eBay: RETURN_REQUESTED → (approve) → ITEM_SHIPPED → ITEM_DELIVERED → REFUND_ISSUED → CLOSED
    CaseKind.RETURN: {
        S.OPEN: {A.APPROVE: S.APPROVED, A.DECLINE: S.DECLINED, A.ESCALATE: S.ESCALATED},
        S.APPROVED: {
            A.RETURN_SHIPPED: S.RETURN_SHIPPED,
            A.RECEIVE_RETURN: S.RETURN_RECEIVED,
            A.REFUND: S.REFUNDED,  # refund and let the buyer keep the item
            A.ESCALATE: S.ESCALATED,
        },
        S.RETURN_SHIPPED: {A.RECEIVE_RETURN: S.RETURN_RECEIVED, A.ESCALATE: S.ESCALATED},
        S.RETURN_RECEIVED: {A.INSPECT: S.INSPECTED, A.REFUND: S.REFUNDED},
        S.INSPECTED: {A.REFUND: S.REFUNDED},
        S.DECLINED: {A.ESCALATE: S.ESCALATED, A.CLOSE: S.CLOSED},
        S.ESCALATED: {A.REFUND: S.REFUNDED, A.CLOSE: S.CLOSED},
        S.REFUNDED: {A.CLOSE: S.CLOSED},
    },
    CaseKind.EXCHANGE: _BACK_AND_OUT,
    CaseKind.REPAIR: _BACK_AND_OUT,
    CaseKind.REFUND: {
        S.OPEN: {
            A.APPROVE: S.APPROVED,
            A.REFUND: S.REFUNDED,
            A.DECLINE: S.DECLINED,
            A.ESCALATE: S.ESCALATED,
        },
        S.APPROVED: {A.REFUND: S.REFUNDED},
        S.DECLINED: {A.ESCALATE: S.ESCALATED, A.CLOSE: S.CLOSED},
        S.ESCALATED: {A.REFUND: S.REFUNDED, A.CLOSE: S.CLOSED},
        S.REFUNDED: {A.CLOSE: S.CLOSED},
    },
    CaseKind.RESHIPMENT: {
        S.OPEN: {A.SHIP: S.SHIPPED},
        S.SHIPPED: {A.CONFIRM_DELIVERY: S.DELIVERED},
        S.DELIVERED: {A.CLOSE: S.CLOSED},
    },
    # eBay: CANCEL_REQUESTED → approve (refund within 10 business days if paid) | reject |
    # nothing for 3 business days: timed out, counted as declined.
    CaseKind.CANCELLATION: {
        S.OPEN: {A.APPROVE: S.APPROVED, A.DECLINE: S.DECLINED, A.TIME_OUT: S.TIMED_OUT},
        S.APPROVED: {A.REFUND: S.REFUNDED, A.CLOSE: S.CLOSED},
        S.REFUNDED: {A.CLOSE: S.CLOSED},
    },
    # AliExpress issue: receive → read reason and evidence → propose (refund part/all,
    # reship, return) → agree, or the platform steps in.
    CaseKind.DISPUTE: {
        S.OPEN: {A.PROPOSE: S.PROPOSED, A.AGREE: S.AGREED, A.ESCALATE: S.ESCALATED},
        S.PROPOSED: {A.AGREE: S.AGREED, A.PROPOSE: S.PROPOSED, A.ESCALATE: S.ESCALATED},
        S.AGREED: {A.REFUND: S.REFUNDED, A.SHIP: S.SHIPPED, A.CLOSE: S.CLOSED},
        S.SHIPPED: {A.CONFIRM_DELIVERY: S.DELIVERED, A.ESCALATE: S.ESCALATED},
        S.DELIVERED: {A.CLOSE: S.CLOSED},
        S.ESCALATED: {A.REFUND: S.REFUNDED, A.CLOSE: S.CLOSED},
        S.REFUNDED: {A.CLOSE: S.CLOSED},
    },
    # eBay INR: OPEN/WAITING_SELLER_RESPONSE → the seller answers with tracking or a
    # message (propose), ships again or refunds; the buyer may ask eBay to step in.
    CaseKind.NOT_RECEIVED: {
        S.OPEN: {
            A.PROPOSE: S.PROPOSED,
            A.SHIP: S.SHIPPED,
            A.REFUND: S.REFUNDED,
            A.ESCALATE: S.ESCALATED,
        },
        S.PROPOSED: {
            A.CONFIRM_DELIVERY: S.DELIVERED,
            A.SHIP: S.SHIPPED,
            A.REFUND: S.REFUNDED,
            A.ESCALATE: S.ESCALATED,
            A.CLOSE: S.CLOSED,
        },
        S.SHIPPED: {A.CONFIRM_DELIVERY: S.DELIVERED, A.REFUND: S.REFUNDED},
        S.DELIVERED: {A.CLOSE: S.CLOSED},
        S.ESCALATED: {A.REFUND: S.REFUNDED, A.CLOSE: S.CLOSED},
        S.REFUNDED: {A.CLOSE: S.CLOSED},
    },
    # SPEC §8: submit → receive and classify → handle → first feedback → final feedback.
    CaseKind.COMPLAINT: {
        S.OPEN: {A.CLASSIFY: S.CLASSIFIED},
        S.CLASSIFIED: {A.START_HANDLING: S.HANDLING},
        S.HANDLING: {A.FIRST_FEEDBACK: S.FIRST_FEEDBACK},
        S.FIRST_FEEDBACK: {A.FINAL_FEEDBACK: S.CLOSED},
    },
}

WORKFLOWS: Mapping[CaseKind, Table] = MappingProxyType(
    {
        kind: MappingProxyType({s: MappingProxyType(t) for s, t in table.items()})
        for kind, table in _TABLES.items()
    }
)

# States in which the case waits on the buyer (or the buyer's parcel): the shop's clock
# pauses there (docs/cases.md "Two clocks").
WAITING_ON_BUYER: Mapping[CaseKind, frozenset[S]] = MappingProxyType(
    {
        CaseKind.RETURN: frozenset({S.APPROVED, S.RETURN_SHIPPED}),
        CaseKind.EXCHANGE: frozenset({S.APPROVED, S.RETURN_SHIPPED, S.SHIPPED}),
        CaseKind.REPAIR: frozenset({S.APPROVED, S.RETURN_SHIPPED, S.SHIPPED}),
        CaseKind.REFUND: frozenset(),
        CaseKind.RESHIPMENT: frozenset({S.SHIPPED}),
        CaseKind.CANCELLATION: frozenset(),
        CaseKind.DISPUTE: frozenset({S.PROPOSED, S.SHIPPED}),
        CaseKind.NOT_RECEIVED: frozenset({S.PROPOSED, S.SHIPPED}),
        CaseKind.COMPLAINT: frozenset({S.FIRST_FEEDBACK}),
    }
)

FINAL_STATES = frozenset({S.CLOSED, S.CANCELLED, S.TIMED_OUT})


def is_final(kind: CaseKind, state: S) -> bool:
    return state in FINAL_STATES or not WORKFLOWS[kind].get(state)


def allowed_actions(kind: CaseKind, state: S) -> tuple[A, ...]:
    """The steps a person may take now, in the table's order (the page offers these)."""
    if is_final(kind, state):
        return ()
    steps = [a for a in WORKFLOWS[kind].get(state, {}) if a is not A.TIME_OUT]
    return (*steps, A.WITHDRAW)


def next_state(kind: CaseKind, state: S, action: A) -> S:
    """The state `action` leads to, or CaseStepRefused naming what is allowed instead."""
    if not is_final(kind, state):
        if action is A.WITHDRAW:
            return S.CANCELLED
        following = WORKFLOWS[kind].get(state, {}).get(action)
        if following is not None:
            return following
    raise CaseStepRefused(
        f"a case of kind {kind} in state {state} cannot take the step {action}",
        kind=kind.value,
        state=state.value,
        action=action.value,
        allowed=", ".join(a.value for a in allowed_actions(kind, state)) or "-",
    )
