"""Colour marks follow the case (SPEC §7): what a case suggests for its conversation, and
the reminders a mark carries. The agent can change the suggestion; this only proposes.

One conversation shows one mark, so when several apply the first of this order wins:

1. red — a quality problem. The red record feeds the regular quality report per product;
   losing it to a later refund or reshipment would hide the product's defect rate.
2. purple — a logistics dispute refunded: money to recover once the parcel arrives.
3. yellow — a new item ships: the buyer still needs the new tracking number.
4. green — a refund.
5. blue — a big or returning buyer: the mark for the relationship when nothing else applies.

The work a covered mark stands for is not lost: `reminder` reports "send the new tracking
number" and "ask for payment after arrival" whatever mark the conversation shows.
"""

from __future__ import annotations

from collections.abc import Iterable

from kefu.domain.cases.model import (
    LOGISTICS_REASONS,
    QUALITY_REASONS,
    CaseKind,
    CaseReason,
    CaseState,
    Solution,
)
from kefu.domain.types import ColourMark

K, S = CaseKind, CaseState

PRECEDENCE = (
    ColourMark.RED,
    ColourMark.PURPLE,
    ColourMark.YELLOW,
    ColourMark.GREEN,
    ColourMark.BLUE,
)


def strongest(marks: Iterable[ColourMark | None]) -> ColourMark | None:
    """The mark a conversation with several cases shows: the first of the order above."""
    found = set(marks)
    return next((mark for mark in PRECEDENCE if mark in found), None)


REFUND_SOLUTIONS = frozenset({Solution.FULL_REFUND, Solution.PARTIAL_REFUND, Solution.RETURN})
# Kinds whose case may end with a new (or repaired) item shipping to the buyer.
NEW_ITEM_KINDS = frozenset({K.RESHIPMENT, K.EXCHANGE, K.REPAIR, K.DISPUTE, K.NOT_RECEIVED})
# Before the new item ships (a reshipment is decided when opened) and while it travels.
_RESHIP_STATES = frozenset({S.OPEN, S.SHIPPED})

SEND_NEW_TRACKING = "send_new_tracking"
ASK_PAYMENT_AFTER_ARRIVAL = "ask_payment_after_arrival"


def ships_new_item(kind: CaseKind, state: CaseState) -> bool:
    """A reshipment (decided when opened, then shipped), or a case whose SHIP step sent a
    new item: an exchange or repair, an agreed dispute, an item-not-received report
    answered by shipping again (workflows: SHIP always sends a new or repaired item)."""
    if kind is K.RESHIPMENT:
        return state in _RESHIP_STATES
    return state is S.SHIPPED and kind in NEW_ITEM_KINDS


def is_refund(kind: CaseKind, state: CaseState, solution: Solution | None) -> bool:
    return state is S.REFUNDED or solution in REFUND_SOLUTIONS or kind is K.REFUND


def suggest_mark(
    kind: CaseKind,
    state: CaseState,
    reason: CaseReason,
    solution: Solution | None,
    *,
    logistics_refund: bool = False,
    big_or_returning_buyer: bool = False,
    tracking_sent: bool = False,
) -> ColourMark | None:
    """The mark the case suggests for its conversation (module docstring: the order).

    `logistics_refund`: the caller knows the case is a refunded logistics dispute; a case
    with a logistics reason that is refunded counts too. `tracking_sent`: the new tracking
    number reached the buyer, so the yellow mark's work is done.
    """
    refund = is_refund(kind, state, solution)
    if reason in QUALITY_REASONS:
        return ColourMark.RED
    if logistics_refund or (refund and reason in LOGISTICS_REASONS):
        return ColourMark.PURPLE
    if ships_new_item(kind, state) and not tracking_sent:
        return ColourMark.YELLOW
    if refund:
        return ColourMark.GREEN
    if big_or_returning_buyer:
        return ColourMark.BLUE
    return None


def reminder(
    kind: CaseKind,
    state: CaseState,
    *,
    tracking_number: str | None,
    tracking_sent: bool,
    logistics_refund: bool = False,
    parcel_arrived: bool = False,
    payment_asked: bool = False,
) -> str | None:
    """A stable code for the work a mark stands for, or None:

    "send_new_tracking" — a new item shipped with a tracking number the buyer has not been
    sent yet; "ask_payment_after_arrival" — a refunded logistics dispute whose parcel has
    now arrived, and the buyer has not been asked to pay yet.
    """
    if (
        kind in NEW_ITEM_KINDS
        and state is S.SHIPPED
        and tracking_number
        and tracking_number.strip()
        and not tracking_sent
    ):
        return SEND_NEW_TRACKING
    if logistics_refund and parcel_arrived and not payment_asked:
        return ASK_PAYMENT_AFTER_ARRIVAL
    return None
