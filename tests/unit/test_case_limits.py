"""Per-agent restrictions on risky after-sale actions (domain/cases/limits.py)."""

from __future__ import annotations

import pytest

from kefu.domain.cases.limits import CaseLimits, RiskyActionRefused, check_action
from kefu.domain.cases.model import CaseAction, CaseInputError, CaseKind

K, A = CaseKind, CaseAction
CAPPED = CaseLimits(max_refund_usd_cents=50_00)


def test_the_owner_and_an_unlimited_agent_may_do_anything() -> None:
    walked = 0
    for kind in CaseKind:
        for action in CaseAction:
            walked += 1
            check_action(kind, action, limits=None, refund_usd_cents=10_000_00)
            check_action(kind, action, limits=CaseLimits(), refund_usd_cents=10_000_00)
    assert walked == len(CaseKind) * len(CaseAction) == 9 * 18


def test_a_refund_up_to_the_limit_passes_and_one_cent_more_is_refused() -> None:
    check_action(K.REFUND, A.REFUND, limits=CAPPED, refund_usd_cents=50_00)
    with pytest.raises(RiskyActionRefused) as refused:
        check_action(K.REFUND, A.REFUND, limits=CAPPED, refund_usd_cents=50_01)
    assert refused.value.code == "case_action_not_allowed"
    assert refused.value.params == {
        "action": "refund",
        "kind": "refund",
        "limit": "max_refund",
        "max_usd": "50.00",
        "amount_usd": "50.01",
    }


@pytest.mark.parametrize("action", [A.AGREE, A.PROPOSE])
def test_a_dispute_solution_giving_money_back_counts_as_a_refund(action: CaseAction) -> None:
    with pytest.raises(RiskyActionRefused):
        check_action(K.DISPUTE, action, limits=CAPPED, refund_usd_cents=80_00)


def test_a_refund_without_an_amount_cannot_be_checked_and_is_refused() -> None:
    with pytest.raises(RiskyActionRefused) as refused:
        check_action(K.RETURN, A.REFUND, limits=CAPPED, refund_usd_cents=None)
    assert refused.value.params["amount_usd"] == "?"
    check_action(K.RETURN, A.REFUND, limits=CaseLimits(), refund_usd_cents=None)


def test_declining_counts_as_declining_a_return_for_every_request_kind() -> None:
    no_decline = CaseLimits(may_decline_return=False)
    refused_kinds = []
    for kind in CaseKind:
        try:
            check_action(kind, A.DECLINE, limits=no_decline, refund_usd_cents=None)
        except RiskyActionRefused as refused:
            assert refused.params["limit"] == "decline_return"
            refused_kinds.append(kind)
    assert refused_kinds == [K.RETURN, K.EXCHANGE, K.REPAIR, K.REFUND, K.CANCELLATION]
    check_action(K.RETURN, A.APPROVE, limits=no_decline, refund_usd_cents=None)


def test_proposing_the_shops_own_solution_refuses_a_dispute() -> None:
    no_refusal = CaseLimits(may_refuse_dispute=False)
    with pytest.raises(RiskyActionRefused) as refused:
        check_action(K.DISPUTE, A.PROPOSE, limits=no_refusal, refund_usd_cents=None)
    assert refused.value.params["limit"] == "refuse_dispute"
    check_action(K.DISPUTE, A.AGREE, limits=no_refusal, refund_usd_cents=None)
    # Answering an item-not-received report with tracking is not refusing a dispute.
    check_action(K.NOT_RECEIVED, A.PROPOSE, limits=no_refusal, refund_usd_cents=None)


@pytest.mark.parametrize("amount", [-1, 100_000_001])
def test_an_impossible_refund_amount_is_bad_input_even_for_the_owner(amount: int) -> None:
    with pytest.raises(CaseInputError) as refused:
        check_action(K.REFUND, A.REFUND, limits=None, refund_usd_cents=amount)
    assert refused.value.params["field"] == "refund"
