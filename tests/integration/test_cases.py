"""After-sale cases on a real database (docs/cases.md): opening from a conversation with
checks against the order, steps through each kind's workflow, idempotent requests, the
write-back's "not sent to the platform" state and its retry."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from kefu.adapters.db import tables as t
from kefu.bootstrap import Kefu
from kefu.domain.cases.model import CaseInputError, CaseStepRefused
from kefu.domain.errors import NotFound
from kefu.services import cases, inbox
from kefu.services.cases import NewCase, StepRequest
from kefu.services.ports import ChannelError, PendingPush
from kefu.services.readmodels import InboxFilters
from tests.factories import NOW, acting, make_message
from tests.fakes import FixedClock

SHANGHAI = ZoneInfo("Asia/Shanghai")


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
    new = NewCase(**values)  # type: ignore[arg-type]
    return cases.open_case(
        acting(kefu, who), conv, new, uow=kefu.uow(), clock=kefu.clock, deps=kefu.case_deps
    )


def _step(kefu: Kefu, case_id: int, action: str, who: str = "wangwei", **extra: object) -> str:
    record = cases.take_step(
        acting(kefu, who),
        case_id,
        StepRequest(action, **extra),  # type: ignore[arg-type]
        uow_factory=kefu.uow,
        clock=kefu.clock,
        deps=kefu.case_deps,
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
    with kefu.session_factory() as session:  # closing asked the buyer how it went
        survey = session.scalars(
            select(t.Message).where(t.Message.template_key == "satisfaction_survey")
        ).all()
    assert [(m.conversation_id, m.language) for m in survey] == [(conv, "es")]


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
        deps=replace(kefu.case_deps, push_for=lambda store, ref, action: push),
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
        deps=replace(kefu.case_deps, push_for=lambda store, ref, action: push),
    )
    assert (again.push_state, again.push_error) == ("sent", None)
    assert [c.platform_ref for c in calls] == ["issue:77", "issue:77"]


def _conversation_mark(kefu: Kefu, conv: int) -> str | None:
    with kefu.uow() as uow:
        found = uow.inbox.get_conversation(conv)
    assert found is not None
    return found.colour_mark.value if found.colour_mark else None


def test_the_colour_mark_follows_the_case_and_the_agent_may_change_it(
    kefu: Kefu, conv: int, clock: FixedClock
) -> None:
    assert _conversation_mark(kefu, conv) is None
    damaged = _open(kefu, conv)  # a quality problem: red, whatever happens next
    assert _conversation_mark(kefu, conv) == "red"
    inbox.set_mark(acting(kefu, "wangwei"), conv, "blue", uow=kefu.uow(), clock=kefu.clock)
    _step(kefu, damaged, "approve")  # the suggestion did not change: the agent's mark stays
    assert _conversation_mark(kefu, conv) == "blue"
    _step(kefu, damaged, "withdraw")  # the suggestion goes away; it clears only its own mark
    assert _conversation_mark(kefu, conv) == "blue"
    inbox.set_mark(acting(kefu, "wangwei"), conv, None, uow=kefu.uow(), clock=kefu.clock)
    resend = _open(
        kefu, conv, kind="reshipment", reason="not_received", solution="reship", lines=()
    )
    assert _conversation_mark(kefu, conv) == "yellow"  # until the new tracking number is sent
    clock.advance(hours=1)
    _step(kefu, resend, "ship", tracking_number="LX000000014CN")
    assert _conversation_mark(kefu, conv) == "yellow"
    refund = _open(kefu, conv, kind="refund", reason="size_fit", lines=(), refund_cents=1000)
    # Two cases, one mark: the tracking number still owed (yellow) comes before a refund.
    assert _conversation_mark(kefu, conv) == "yellow"
    _step(kefu, resend, "withdraw")
    assert _conversation_mark(kefu, conv) == "green"
    _step(kefu, refund, "refund")
    assert _conversation_mark(kefu, conv) == "green"


def test_two_clocks_the_platform_rule_and_the_shop_clock_paused_while_the_buyer_ships(
    kefu: Kefu, conv: int, clock: FixedClock
) -> None:
    # ali-global is an AliExpress store in Asia/Shanghai; NOW is Friday 20 Nov, 20:00 there.
    dispute = _open(kefu, conv, kind="dispute", reason="not_as_described", lines=())
    shown = cases.case_detail(acting(kefu, "owner"), dispute, uow=kefu.uow())
    assert (shown.platform_due_source, shown.platform_due_rule) == (
        "computed",
        "aliexpress.dispute.answer",
    )
    assert shown.platform_due_at == NOW + timedelta(days=5)
    # 24 opening hours (9:00-18:00, Monday to Friday) from Friday evening: Wednesday 15:00.
    assert shown.shop_due_at is not None
    assert shown.shop_due_at.astimezone(SHANGHAI) == datetime(2026, 11, 25, 15, 0, tzinfo=SHANGHAI)
    exchange = _open(kefu, conv)
    _step(kefu, exchange, "approve")
    waiting = cases.case_detail(acting(kefu, "owner"), exchange, uow=kefu.uow())
    assert waiting.paused_since is not None and waiting.shop_due_at is None
    clock.advance(days=3)  # Monday 23 Nov, 20:00 in Shanghai: 9 opening hours later
    _step(kefu, exchange, "receive_return")
    back = cases.case_detail(acting(kefu, "owner"), exchange, uow=kefu.uow())
    assert back.paused_since is None and back.paused_seconds == 9 * 3600
    assert back.shop_due_at is not None
    assert back.shop_due_at.astimezone(SHANGHAI) == datetime(2026, 11, 26, 15, 0, tzinfo=SHANGHAI)
    _step(kefu, exchange, "withdraw")
    done = cases.case_detail(acting(kefu, "owner"), exchange, uow=kefu.uow())
    assert (done.platform_due_at, done.shop_due_at) == (None, None)


def test_a_reply_with_the_new_tracking_number_ends_the_yellow_reminder(
    kefu: Kefu, conv: int
) -> None:
    resend = _open(kefu, conv, kind="reshipment", reason="not_received", lines=())
    # A mistyped S10 number (wrong check digit) is refused before the buyer is told it.
    with pytest.raises(CaseInputError, match="check digit") as refused:
        _step(kefu, resend, "ship", tracking_number="lx 000000018 cn")
    assert refused.value.params["field"] == "tracking_number"
    _step(kefu, resend, "ship", tracking_number="lx 000000014 cn")
    shipped = cases.case_detail(acting(kefu, "owner"), resend, uow=kefu.uow())
    assert shipped.tracking_number == "LX000000014CN"  # as the carrier writes it
    assert _conversation_mark(kefu, conv) == "yellow"
    owed = cases.case_detail(acting(kefu, "owner"), resend, uow=kefu.uow())
    assert owed.reminder == "send_new_tracking"
    sent = inbox.reply(
        acting(kefu, "wangwei"),
        conv,
        "We sent a new parcel: LX000000014CN",
        request_id="track-1",
        uow=kefu.uow(),
        clock=kefu.clock,
        gate=kefu.gate,
    )
    assert sent
    record = cases.case_detail(acting(kefu, "owner"), resend, uow=kefu.uow())
    assert record.tracking_sent_at is not None and record.reminder is None
    # Ana has four orders: once the tracking number is out, she is a returning buyer (blue).
    assert _conversation_mark(kefu, conv) == "blue"


def test_the_owners_limits_refuse_an_agents_risky_steps_but_never_the_owners(
    kefu: Kefu, conv: int
) -> None:
    from kefu.domain.cases.limits import RiskyActionRefused
    from kefu.services.ports import CaseLimitsRow

    with kefu.uow() as uow:
        wangwei = uow.auth.account_by_username("wangwei")
        assert wangwei is not None
        uow.case_limits.set_limits(
            CaseLimitsRow(wangwei.id, 1000, False, True, kefu.clock.now(), None)
        )
        uow.commit()
    refund = _open(kefu, conv, kind="refund", reason="quality", lines=(), refund_cents=2000)
    with pytest.raises(RiskyActionRefused) as refused:
        _step(kefu, refund, "refund")  # 20.00 USD, above his 10.00
    assert refused.value.params["limit"] == "max_refund"
    assert _step(kefu, refund, "refund", refund_cents=900) == "refunded"
    ret = _open(kefu, conv, kind="return", reason="size_fit")
    with pytest.raises(RiskyActionRefused):
        _step(kefu, ret, "decline")
    assert _step(kefu, ret, "decline", who="owner") == "declined"


def test_an_order_of_another_store_is_refused_by_name(kefu: Kefu, conv: int) -> None:
    inbox.ingest([make_message(2, store="ebay-uk", conversation_id="uk-1")], kefu.uow(), kefu.clock)
    with kefu.uow() as uow:
        uk = next(
            r.id for r in uow.queries.inbox_page(InboxFilters()).rows if r.store_code == "ebay-uk"
        )
    with pytest.raises(CaseInputError) as refused:
        _open(kefu, uk, kind="refund", reason="quality", lines=(), order_number="A-NOTE")
    assert "belongs to another store" in str(refused.value)
