"""After-sale cases on a real database (docs/cases.md): opening from a conversation with
checks against the order, steps through each kind's workflow, idempotent requests, the
write-back's "not sent to the platform" state and its retry."""

from __future__ import annotations

import pytest

from kefu.bootstrap import Kefu
from kefu.domain.cases.model import CaseInputError, CaseStepRefused
from kefu.domain.errors import NotFound
from kefu.services import cases, inbox
from kefu.services.cases import NewCase, StepRequest
from kefu.services.ports import ChannelError, PendingPush
from kefu.services.readmodels import InboxFilters
from tests.factories import acting, make_message


@pytest.fixture
def conv(kefu: Kefu) -> int:
    """Ana's conversation about order A-NOTE (one dress, 24.99 paid)."""
    inbox.ingest([make_message(1, order_number="A-NOTE")], kefu.uow(), kefu.clock)
    with kefu.uow() as uow:
        return uow.queries.inbox_page(InboxFilters()).rows[0].id


def _open(kefu: Kefu, conv: int, who: str = "wangwei", **fields: object) -> int:
    with kefu.uow() as uow:
        order = uow.cases.order(uow.queries.stores()[0].id, None, "A-NOTE")
    assert order is not None
    values: dict[str, object] = {
        "kind": "exchange",
        "reason": "damaged",
        "solution": "exchange",
        "lines": ((order.lines[0][0], 1),),
        "description": "arrived torn",
    }
    values.update(fields)
    return cases.open_case(
        acting(kefu, who), conv, NewCase(**values), uow=kefu.uow(), clock=kefu.clock
    )  # type: ignore[arg-type]


def _step(kefu: Kefu, case_id: int, action: str, who: str = "wangwei", **extra: object) -> str:
    record = cases.take_step(
        acting(kefu, who),
        case_id,
        StepRequest(action, **extra),  # type: ignore[arg-type]
        uow_factory=kefu.uow,
        clock=kefu.clock,
    )
    return record.state


def test_an_exchange_goes_through_every_step_and_records_who_and_why(kefu: Kefu, conv: int) -> None:
    case_id = _open(kefu, conv)
    walked = [
        _step(kefu, case_id, action, reason=f"{action} done", **extra)  # type: ignore[arg-type]
        for action, extra in (
            ("approve", {}),
            ("return_shipped", {}),
            ("receive_return", {}),
            ("inspect", {}),
            ("ship", {"tracking_number": "LX999999995CN", "carrier": "China Post"}),
            ("confirm_delivery", {}),
            ("close", {}),
        )
    ]
    assert walked == [
        "approved",
        "return_shipped",
        "return_received",
        "inspected",
        "shipped",
        "delivered",
        "closed",
    ]
    record = cases.case_detail(acting(kefu, "owner"), case_id, uow=kefu.uow())
    assert not record.is_open and record.closed_at is not None
    assert [s.action for s in record.steps][:2] == ["open", "approve"]
    assert len(record.steps) == 8
    assert {s.actor_name for s in record.steps} == {"王伟 Wang Wei"}
    assert record.steps[5].details == {"tracking_number": "LX999999995CN", "carrier": "China Post"}
    assert record.tracking_number == "LX999999995CN"
    assert record.lines[0][1] == "SKU-DRESS"


def test_impossible_steps_are_refused_with_what_is_allowed(kefu: Kefu, conv: int) -> None:
    case_id = _open(kefu, conv)
    _step(kefu, case_id, "approve")
    with pytest.raises(CaseStepRefused) as refused:
        _step(kefu, case_id, "ship", tracking_number="X1")  # before the return was inspected
    assert refused.value.params["allowed"] == "return_shipped, receive_return, withdraw"
    _step(kefu, case_id, "withdraw")
    with pytest.raises(CaseStepRefused):
        _step(kefu, case_id, "close")


def test_a_refund_above_what_was_paid_is_refused_and_refunds_add_up(kefu: Kefu, conv: int) -> None:
    with pytest.raises(CaseInputError) as too_much:
        _open(
            kefu,
            conv,
            kind="refund",
            reason="quality",
            solution="partial_refund",
            lines=(),
            refund_cents=2500,
        )
    assert too_much.value.params["field"] == "refund_cents"
    case_id = _open(kefu, conv, kind="refund", reason="quality", lines=(), refund_cents=2000)
    assert _step(kefu, case_id, "refund") == "refunded"
    second = _open(kefu, conv, kind="refund", reason="quality", lines=())
    with pytest.raises(CaseInputError):
        _step(kefu, second, "refund", refund_cents=500)  # 4.99 left of 24.99
    assert _step(kefu, second, "refund", refund_cents=499) == "refunded"


def test_orders_of_another_store_and_unknown_orders_are_refused(kefu: Kefu, conv: int) -> None:
    with pytest.raises(CaseInputError) as unknown:
        _open(kefu, conv, kind="refund", lines=(), order_number="NOPE-1")
    assert "no order NOPE-1" in str(unknown.value)


def test_lines_must_be_of_the_order_and_within_the_quantity(kefu: Kefu, conv: int) -> None:
    with pytest.raises(CaseInputError, match="quantity must be 1 to 1"):
        _open(kefu, conv, lines=((_line(kefu), 2),))
    with pytest.raises(CaseInputError, match="is not a line of order A-NOTE"):
        _open(kefu, conv, lines=((999999, 1),))
    with pytest.raises(CaseInputError, match="needs the order lines"):
        _open(kefu, conv, lines=())


def _line(kefu: Kefu) -> int:
    with kefu.uow() as uow:
        order = uow.cases.order(uow.queries.stores()[0].id, None, "A-NOTE")
    assert order is not None
    return order.lines[0][0]


def test_the_same_request_twice_opens_one_case_and_takes_one_step(kefu: Kefu, conv: int) -> None:
    first = _open(kefu, conv, request_key="k-1")
    assert _open(kefu, conv, request_key="k-1") == first
    _step(kefu, first, "approve", request_key="s-1")
    assert _step(kefu, first, "approve", request_key="s-1") == "approved"
    record = cases.case_detail(acting(kefu, "owner"), first, uow=kefu.uow())
    assert [s.action for s in record.steps] == ["open", "approve"]


def test_a_case_is_not_there_for_someone_without_its_store(kefu: Kefu, conv: int) -> None:
    case_id = _open(kefu, conv)
    with kefu.uow() as uow:
        lina = uow.auth.account_by_username("lina")
        ebay = next(s.id for s in uow.queries.stores() if s.code == "ebay-uk")
        assert lina is not None
        uow.auth.set_stores(lina.id, [ebay])
        uow.commit()
    with pytest.raises(NotFound):
        cases.case_detail(acting(kefu, "lina"), case_id, uow=kefu.uow())
    assert cases.list_cases(acting(kefu, "lina"), uow=kefu.uow()) == ([], 0)
    listed, total = cases.list_cases(acting(kefu, "wangwei"), uow=kefu.uow())
    assert total == 1 and listed[0].id == case_id


def test_a_step_the_platform_refuses_stays_visible_as_not_sent_and_a_retry_sends_it(
    kefu: Kefu, conv: int
) -> None:
    case_id = _open(kefu, conv)
    with kefu.uow() as uow:  # as if the case had come from the platform
        uow.cases.update_case(case_id, 1, {"platform_ref": "issue:77"})
        uow.commit()
    calls: list[PendingPush] = []
    down = True

    def push(item: PendingPush) -> str:
        calls.append(item)
        if down:
            raise ChannelError("503 Service Unavailable", retryable=True)
        return "ok"

    record = cases.take_step(
        acting(kefu, "wangwei"),
        case_id,
        StepRequest("approve"),
        uow_factory=kefu.uow,
        clock=kefu.clock,
        push_for=lambda store, action: push,
    )
    assert record.state == "approved"
    assert (record.push_state, record.push_error) == ("failed", "503 Service Unavailable")
    assert record.steps[-1].push_state == "failed"
    down = False
    again = cases.retry_push(
        acting(kefu, "wangwei"),
        case_id,
        uow_factory=kefu.uow,
        clock=kefu.clock,
        push_for=lambda store, action: push,
    )
    assert (again.push_state, again.push_error) == ("sent", None)
    assert [c.platform_ref for c in calls] == ["issue:77", "issue:77"]
