"""Colour marks follow the case (domain/cases/marks.py, SPEC §7)."""

from __future__ import annotations

import pytest

from kefu.domain.cases.marks import (
    ASK_PAYMENT_AFTER_ARRIVAL,
    SEND_NEW_TRACKING,
    reminder,
    suggest_mark,
)
from kefu.domain.cases.model import (
    LOGISTICS_REASONS,
    QUALITY_REASONS,
    CaseKind,
    CaseReason,
    CaseState,
    Solution,
)
from kefu.domain.types import ColourMark

K, S, R = CaseKind, CaseState, CaseReason


def test_a_reshipment_is_yellow_until_the_new_tracking_number_reaches_the_buyer() -> None:
    assert suggest_mark(K.RESHIPMENT, S.OPEN, R.WRONG_ITEM, Solution.RESHIP) is ColourMark.YELLOW
    assert suggest_mark(K.RESHIPMENT, S.SHIPPED, R.WRONG_ITEM, None) is ColourMark.YELLOW
    sent = suggest_mark(K.RESHIPMENT, S.SHIPPED, R.WRONG_ITEM, None, tracking_sent=True)
    assert sent is None
    assert suggest_mark(K.RESHIPMENT, S.DELIVERED, R.WRONG_ITEM, None) is None


@pytest.mark.parametrize("kind", [K.EXCHANGE, K.REPAIR])
def test_an_exchange_or_repair_turns_yellow_when_the_new_item_ships(kind: CaseKind) -> None:
    assert suggest_mark(kind, S.INSPECTED, R.SIZE_FIT, Solution.EXCHANGE) is None
    assert suggest_mark(kind, S.SHIPPED, R.SIZE_FIT, Solution.EXCHANGE) is ColourMark.YELLOW


def test_a_dispute_or_inquiry_answered_by_shipping_again_is_yellow_once_shipped() -> None:
    assert suggest_mark(K.DISPUTE, S.AGREED, R.WRONG_ITEM, Solution.RESHIP) is None
    assert suggest_mark(K.DISPUTE, S.SHIPPED, R.WRONG_ITEM, Solution.RESHIP) is ColourMark.YELLOW
    assert suggest_mark(K.NOT_RECEIVED, S.SHIPPED, R.OTHER, None) is ColourMark.YELLOW
    assert suggest_mark(K.RETURN, S.RETURN_SHIPPED, R.SIZE_FIT, None) is None  # the buyer's parcel


@pytest.mark.parametrize(
    ("kind", "state", "solution"),
    [
        (K.REFUND, S.OPEN, None),
        (K.RETURN, S.APPROVED, Solution.RETURN),
        (K.DISPUTE, S.AGREED, Solution.PARTIAL_REFUND),
        (K.CANCELLATION, S.REFUNDED, None),
    ],
)
def test_a_refund_is_green(kind: CaseKind, state: CaseState, solution: Solution | None) -> None:
    assert suggest_mark(kind, state, R.CHANGED_MIND, solution) is ColourMark.GREEN


def test_every_quality_reason_is_red_whatever_else_applies() -> None:
    walked = 0
    for reason in sorted(QUALITY_REASONS):
        walked += 1
        assert suggest_mark(K.RETURN, S.OPEN, reason, None) is ColourMark.RED
        # The red record feeds the quality report: a refund or reshipment does not hide it.
        assert suggest_mark(K.REFUND, S.REFUNDED, reason, Solution.FULL_REFUND) is ColourMark.RED
        assert suggest_mark(K.RESHIPMENT, S.SHIPPED, reason, None) is ColourMark.RED
        assert (
            suggest_mark(K.COMPLAINT, S.OPEN, reason, None, big_or_returning_buyer=True)
            is ColourMark.RED
        )
    assert walked == 4


def test_a_refunded_logistics_dispute_is_purple() -> None:
    walked = 0
    for reason in sorted(LOGISTICS_REASONS):
        walked += 1
        assert (
            suggest_mark(K.DISPUTE, S.REFUNDED, reason, Solution.FULL_REFUND) is ColourMark.PURPLE
        )
        assert suggest_mark(K.DISPUTE, S.OPEN, reason, None) is None  # not refunded yet
    assert walked == 2
    flagged = suggest_mark(K.NOT_RECEIVED, S.CLOSED, R.OTHER, None, logistics_refund=True)
    assert flagged is ColourMark.PURPLE


def test_a_big_or_returning_buyer_is_blue_when_nothing_else_applies() -> None:
    assert (
        suggest_mark(K.COMPLAINT, S.OPEN, R.SERVICE, None, big_or_returning_buyer=True)
        is ColourMark.BLUE
    )
    assert (
        suggest_mark(K.REFUND, S.OPEN, R.PRICE, None, big_or_returning_buyer=True)
        is ColourMark.GREEN
    )
    assert suggest_mark(K.COMPLAINT, S.OPEN, R.SERVICE, None) is None


def test_precedence_red_purple_yellow_green_blue() -> None:
    everything = {"logistics_refund": True, "big_or_returning_buyer": True}
    assert suggest_mark(K.DISPUTE, S.SHIPPED, R.DAMAGED, Solution.RESHIP, **everything) is (
        ColourMark.RED
    )
    assert suggest_mark(K.DISPUTE, S.SHIPPED, R.LATE_DELIVERY, Solution.RESHIP, **everything) is (
        ColourMark.PURPLE
    )
    assert (
        suggest_mark(
            K.DISPUTE, S.SHIPPED, R.WRONG_ITEM, Solution.RESHIP, big_or_returning_buyer=True
        )
        is ColourMark.YELLOW
    )


def test_the_reminder_to_send_the_new_tracking_number() -> None:
    assert (
        reminder(K.RESHIPMENT, S.SHIPPED, tracking_number="LX123456785CN", tracking_sent=False)
        == SEND_NEW_TRACKING
    )
    assert (
        reminder(K.EXCHANGE, S.SHIPPED, tracking_number="LX123456785CN", tracking_sent=True) is None
    )
    assert reminder(K.RESHIPMENT, S.SHIPPED, tracking_number="  ", tracking_sent=False) is None
    assert reminder(K.RESHIPMENT, S.OPEN, tracking_number=None, tracking_sent=False) is None
    assert reminder(K.RETURN, S.SHIPPED, tracking_number="X1", tracking_sent=False) is None


def test_the_reminder_to_ask_for_payment_once_the_parcel_arrived() -> None:
    def ask(**flags: bool) -> str | None:
        return reminder(K.DISPUTE, S.CLOSED, tracking_number="X1", tracking_sent=True, **flags)

    assert ask(logistics_refund=True, parcel_arrived=True) == ASK_PAYMENT_AFTER_ARRIVAL
    assert ask(logistics_refund=True, parcel_arrived=False) is None
    assert ask(logistics_refund=True, parcel_arrived=True, payment_asked=True) is None
    assert ask(logistics_refund=False, parcel_arrived=True) is None


def test_the_strongest_of_several_cases_marks_wins() -> None:
    from kefu.domain.cases.marks import PRECEDENCE, strongest
    from kefu.domain.types import ColourMark

    assert strongest([]) is None and strongest([None, None]) is None
    assert strongest([ColourMark.BLUE, None, ColourMark.GREEN]) is ColourMark.GREEN
    assert strongest([ColourMark.YELLOW, ColourMark.RED]) is ColourMark.RED
    assert len(PRECEDENCE) == len(ColourMark) == 5
