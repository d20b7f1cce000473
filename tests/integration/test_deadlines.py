"""The deadlines board, breach notifications and the timed-out sweep on a real database
(docs/deadlines.md), on SQLite and, with KEFU_TEST_DATABASE_URL, PostgreSQL.

Cases are written straight into the table (the cases use cases are another module's); the
conversations come through ingestion, so `waiting_since` is what the inbox computes."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, insert, select, update

from kefu.adapters.db import tables as t
from kefu.bootstrap import Kefu
from kefu.domain.deadline_board import BoardFilters, Clock, ItemKind, Urgency
from kefu.domain.errors import InvalidInput, NotFound
from kefu.services import deadlines, inbox
from kefu.services.access import Forbidden
from tests.factories import NOW, acting, make_message


def _store(kefu: Kefu, code: str) -> int:
    with kefu.uow() as uow:
        return next(s.id for s in uow.queries.stores() if s.code == code)


def _account(kefu: Kefu, username: str) -> int:
    return acting(kefu, username).account_id


def _case(kefu: Kefu, store: str, **values: Any) -> int:
    row: dict[str, Any] = {
        "store_id": _store(kefu, store),
        "kind": "return",
        "state": "open",
        "is_open": True,
        "reason": "damaged",
        "description": "",
        "opened_at": NOW - timedelta(days=2),
        "updated_at": NOW - timedelta(days=2),
        "platform_due_source": "computed",
        "paused_seconds": 0,
        "push_state": "local",
        "online_shipping": False,
        "version": 1,
    }
    row.update(values)
    with kefu.engine.begin() as conn:
        return int(conn.execute(insert(t.Case).values(**row).returning(t.Case.id)).scalar_one())


def _message(kefu: Kefu, n: int, store: str, hours_ago: float, buyer: str) -> int:
    raw = make_message(
        n,
        store=store,
        buyer_id=buyer,
        buyer_name=f"Buyer {buyer}",
        sent_at=(NOW - timedelta(hours=hours_ago)).isoformat(),
    )
    inbox.ingest([raw], kefu.uow(), kefu.clock)
    with kefu.engine.connect() as conn:
        return int(
            conn.execute(
                select(t.Conversation.id)
                .join(t.Buyer, t.Buyer.id == t.Conversation.buyer_id)
                .where(t.Buyer.name == f"Buyer {buyer}")
            ).scalar_one()
        )


def _board(kefu: Kefu, who: str, **filters: Any) -> Any:
    return deadlines.board(
        acting(kefu, who), BoardFilters(**filters), uow=kefu.uow(), clock=kefu.clock
    )


@pytest.fixture
def shop(kefu: Kefu, team: dict[str, int]) -> dict[str, int]:
    """On top of `team` (lina: ali-global only; lena: lead of every store):

    - an Amazon message 30 h old (overdue), an AliExpress one 20 h old (at risk), an eBay
      one 2 h old (on time), and team's two fresh ones (ali-global, ebay-uk);
    - an eBay cancellation 5 h past its platform deadline (timed-out rule), held by wangwei;
    - an AliExpress dispute whose shop clock (in 3 h) comes before its platform's (in 3 d);
    - an eBay return due in 2 days; a closed case long overdue (not on the board).
    """
    ids = {
        "amazon_late": _message(kefu, 101, "amazon-us", 30, "x1"),
        "ali_risk": _message(kefu, 102, "ali-global", 20, "x2"),
        "ebay_fresh": _message(kefu, 103, "ebay-uk", 2, "x3"),
        **team,
    }
    wangwei = _account(kefu, "wangwei")
    ids["cancel"] = _case(
        kefu,
        "ebay-uk",
        kind="cancellation",
        holder_id=wangwei,
        conversation_id=team["ebay"],
        platform_due_at=NOW - timedelta(hours=5),
        platform_due_rule="ebay.cancellation.answer",
        shop_due_at=NOW - timedelta(hours=8),
        shop_due_rule="shop.first_answer",
    )
    ids["dispute"] = _case(
        kefu,
        "ali-global",
        kind="dispute",
        conversation_id=team["ali"],
        platform_due_at=NOW + timedelta(days=3),
        platform_due_source="platform",
        platform_due_rule="aliexpress.dispute.respond",
        shop_due_at=NOW + timedelta(hours=3),
        shop_due_rule="shop.first_answer",
    )
    ids["return"] = _case(
        kefu,
        "ebay-uk",
        platform_due_at=NOW + timedelta(days=2),
        platform_due_rule="ebay.return.answer",
    )
    _case(
        kefu,
        "ebay-uk",
        is_open=False,
        state="closed",
        platform_due_at=NOW - timedelta(days=9),
    )
    return ids


def test_the_owner_sees_every_open_item_by_time_left_overdue_first(
    kefu: Kefu, shop: dict[str, int]
) -> None:
    page = _board(kefu, "owner")
    order = [(i.kind.value, i.id) for i in page.items]
    assert order == [
        ("case", shop["cancel"]),  # shop clock 8 h ago
        ("conversation", shop["amazon_late"]),  # 30 h into a 24 h window: 6 h ago
        ("case", shop["dispute"]),  # shop clock in 3 h
        ("conversation", shop["ali_risk"]),  # in 4 h
        ("conversation", shop["ebay_fresh"]),  # in 22 h
        ("conversation", shop["ebay"]),  # 23 h 58 min
        ("conversation", shop["ali"]),  # 23 h 59 min
        ("case", shop["return"]),  # in 2 days
    ]
    assert (page.total, page.overdue, page.at_risk) == (8, 2, 2)
    urgencies = [i.urgency(page.now) for i in page.items]
    assert urgencies[:4] == [Urgency.OVERDUE, Urgency.OVERDUE, Urgency.AT_RISK, Urgency.AT_RISK]
    assert set(urgencies[4:]) == {Urgency.ON_TIME}
    cancel, dispute = page.items[0], page.items[2]
    assert (cancel.clock, cancel.due_at) == (Clock.SHOP, NOW - timedelta(hours=8))
    assert (dispute.clock, dispute.platform_due_source) == (Clock.SHOP, "platform")
    assert dispute.platform_due_rule == "aliexpress.dispute.respond"
    # No buyer on the case row: the conversation's buyer; no conversation either: none.
    assert (dispute.buyer_name, page.items[-1].buyer_name) == ("Ana García", None)


def test_filters_narrow_by_store_holder_kind_and_urgency(kefu: Kefu, shop: dict[str, int]) -> None:
    ebay = _store(kefu, "ebay-uk")
    assert [i.id for i in _board(kefu, "owner", store_id=ebay).items] == [
        shop["cancel"],
        shop["ebay_fresh"],
        shop["ebay"],
        shop["return"],
    ]
    wangwei = _account(kefu, "wangwei")
    assert [i.id for i in _board(kefu, "owner", holder_id=wangwei).items] == [shop["cancel"]]
    assert [i.id for i in _board(kefu, "owner", kind="dispute").items] == [shop["dispute"]]
    conversations = _board(kefu, "owner", kind="conversation")
    assert {i.kind for i in conversations.items} == {ItemKind.CONVERSATION}
    assert len(conversations.items) == conversations.total == 5
    late = _board(kefu, "owner", urgency=Urgency.OVERDUE)
    assert [i.id for i in late.items] == [shop["cancel"], shop["amazon_late"]]
    risky = _board(kefu, "owner", urgency=Urgency.AT_RISK)
    assert [i.id for i in risky.items] == [shop["dispute"], shop["ali_risk"]]


def test_a_sub_account_sees_only_its_stores_items_and_no_per_agent_summary(
    kefu: Kefu, shop: dict[str, int]
) -> None:
    page = _board(kefu, "lina")  # ali-global only
    assert [i.id for i in page.items] == [shop["dispute"], shop["ali_risk"], shop["ali"]]
    assert page.total == 3
    assert page.by_agent == []
    with pytest.raises(NotFound):
        _board(kefu, "lina", store_id=_store(kefu, "ebay-uk"))


def test_a_sub_account_does_not_see_a_case_about_another_agent_s_product(
    kefu: Kefu, shop: dict[str, int]
) -> None:
    """The inbox's rule: the dispute's conversation is about a product chenjie manages, so
    lina sees neither it nor the case — until the case is hers to hold."""
    chenjie = _account(kefu, "chenjie")
    with kefu.engine.begin() as conn:
        product = conn.execute(select(t.Product.id).limit(1)).scalar_one()
        conn.execute(
            update(t.Product).where(t.Product.id == product).values(owner_account_id=chenjie)
        )
        conn.execute(
            update(t.Conversation)
            .where(t.Conversation.id == shop["ali"])
            .values(product_id=product)
        )
    assert shop["dispute"] not in [i.id for i in _board(kefu, "lina").items]
    lina = _account(kefu, "lina")
    with kefu.engine.begin() as conn:
        conn.execute(update(t.Case).where(t.Case.id == shop["dispute"]).values(holder_id=lina))
    assert shop["dispute"] in [i.id for i in _board(kefu, "lina").items]


def test_a_lead_sees_overdue_and_at_risk_counts_per_agent(kefu: Kefu, shop: dict[str, int]) -> None:
    page = _board(kefu, "lena")
    loads = {a.holder_name: (a.overdue, a.at_risk) for a in page.by_agent}
    # Routing gave the conversations owners; whoever holds them, the sums are the board's.
    assert sum(o for o, _ in loads.values()) == page.overdue == 2
    assert sum(r for _, r in loads.values()) == page.at_risk == 2
    assert loads["王伟 Wang Wei"][0] >= 1  # the cancellation


def test_pages_and_their_bounds(kefu: Kefu, shop: dict[str, int]) -> None:
    assert _board(kefu, "owner", page=2).items == []
    with pytest.raises(InvalidInput):
        _board(kefu, "owner", page=deadlines.MAX_PAGE + 1)
    with pytest.raises(InvalidInput):
        _board(kefu, "owner", kind="parcel")


def test_an_analyst_has_no_board(kefu: Kefu, shop: dict[str, int]) -> None:
    with pytest.raises(Forbidden):
        _board(kefu, "ana")


# --- the sweep -------------------------------------------------------------------------------


def _steps(kefu: Kefu, case_id: int) -> list[tuple[str, str, str, int | None, str]]:
    with kefu.engine.connect() as conn:
        rows = conn.execute(
            select(
                t.CaseStep.action,
                t.CaseStep.from_state,
                t.CaseStep.to_state,
                t.CaseStep.actor_id,
                t.CaseStep.reason,
            ).where(t.CaseStep.case_id == case_id)
        )
        return [tuple(r) for r in rows]  # type: ignore[misc]


def _case_row(kefu: Kefu, case_id: int) -> Any:
    with kefu.engine.connect() as conn:
        return conn.execute(select(t.Case).where(t.Case.id == case_id)).one()


def _notified(kefu: Kefu) -> list[tuple[str, int, str]]:
    with kefu.engine.connect() as conn:
        rows = conn.execute(
            select(t.Account.username, t.Notification.conversation_id, t.Notification.kind)
            .join(t.Account, t.Account.id == t.Notification.account_id)
            .where(t.Notification.kind.in_(["breach", "case_breach"]))
            .order_by(t.Notification.conversation_id, t.Account.username)
        )
        return [tuple(r) for r in rows]  # type: ignore[misc]


def test_the_sweep_times_out_only_timed_out_rules_and_is_idempotent(
    kefu: Kefu, shop: dict[str, int]
) -> None:
    # An overdue return whose rule does not time out stays open.
    late_return = _case(
        kefu,
        "ebay-uk",
        platform_due_at=NOW - timedelta(hours=1),
        platform_due_rule="ebay.return.answer",
    )
    report = deadlines.sweep(kefu.uow(), kefu.clock)
    assert report.timed_out == 1
    cancel = _case_row(kefu, shop["cancel"])
    assert (cancel.state, cancel.is_open, cancel.version) == ("timed_out", False, 2)
    assert cancel.closed_at is not None
    assert _steps(kefu, shop["cancel"]) == [
        (
            "time_out",
            "open",
            "timed_out",
            None,
            "no answer within 3 business days — counted as declined",
        )
    ]
    assert _case_row(kefu, late_return).is_open is True
    assert _steps(kefu, late_return) == []
    again = deadlines.sweep(kefu.uow(), kefu.clock)
    assert again == deadlines.SweepReport(0, 0, 0)
    assert len(_steps(kefu, shop["cancel"])) == 1
    assert shop["cancel"] not in [i.id for i in _board(kefu, "owner", kind="cancellation").items]


def test_a_request_not_yet_due_is_not_timed_out(kefu: Kefu, shop: dict[str, int]) -> None:
    early = _case(
        kefu,
        "ebay-uk",
        kind="cancellation",
        platform_due_at=NOW + timedelta(minutes=1),
        platform_due_rule="ebay.cancellation.answer",
    )
    deadlines.sweep(kefu.uow(), kefu.clock)
    assert _case_row(kefu, early).state == "open"


def test_breaches_notify_the_holder_and_the_store_s_leads_once(
    kefu: Kefu, shop: dict[str, int]
) -> None:
    with kefu.engine.begin() as conn:  # the late Amazon buyer's conversation is lina's
        conn.execute(
            update(t.Conversation)
            .where(t.Conversation.id == shop["amazon_late"])
            .values(assignee_id=_account(kefu, "lina"))
        )
    report = deadlines.sweep(kefu.uow(), kefu.clock)
    assert (report.case_breaches, report.conversation_breaches) == (1, 1)
    assert _notified(kefu) == sorted(
        [
            ("lena", shop["ebay"], "case_breach"),
            ("wangwei", shop["ebay"], "case_breach"),
            ("lena", shop["amazon_late"], "breach"),
            ("lina", shop["amazon_late"], "breach"),
        ],
        key=lambda r: (r[1], r[0]),
    )
    assert _case_row(kefu, shop["cancel"]).breach_notified_at is not None
    deadlines.sweep(kefu.uow(), kefu.clock)
    assert len(_notified(kefu)) == 4  # told once


def test_a_new_wait_after_an_answer_is_a_new_breach(kefu: Kefu, shop: dict[str, int]) -> None:
    deadlines.sweep(kefu.uow(), kefu.clock)
    told = len(_notified(kefu))
    # The shop answered, the buyer wrote again, and that wait ran past 24 h too.
    later: datetime = NOW + timedelta(hours=30)
    with kefu.engine.begin() as conn:
        conn.execute(
            update(t.Conversation)
            .where(t.Conversation.id == shop["amazon_late"])
            .values(waiting_since=NOW + timedelta(hours=1))
        )
    kefu.clock.advance(hours=30)  # type: ignore[attr-defined]
    assert kefu.clock.now() == later
    report = deadlines.sweep(kefu.uow(), kefu.clock)
    assert report.conversation_breaches >= 1
    with kefu.engine.connect() as conn:
        again = conn.scalar(
            select(func.count()).where(
                t.Notification.conversation_id == shop["amazon_late"],
                t.Notification.kind == "breach",
            )
        )
    assert again == 2  # lena, once for each wait
    assert len(_notified(kefu)) > told


def test_a_store_with_no_lead_tells_the_owner(kefu: Kefu, shop: dict[str, int]) -> None:
    lena = _account(kefu, "lena")
    with kefu.engine.begin() as conn:
        conn.execute(update(t.Account).where(t.Account.id == lena).values(active=False))
    deadlines.sweep(kefu.uow(), kefu.clock)
    names = {n for n, _, _ in _notified(kefu)}
    assert "owner" in names and "lena" not in names


def test_a_breach_older_than_a_day_is_on_the_board_but_not_told(
    kefu: Kefu, shop: dict[str, int]
) -> None:
    """A sweep that did not run for days (or a first run on an old shop) tells only the
    last day's breaches; the older ones are marked told quietly and stay on the board."""
    old_conversation = _message(kefu, 140, "amazon-us", 24 + 30, "x-old")  # past 30 h ago
    old_case = _case(
        kefu,
        "ebay-uk",
        conversation_id=shop["ebay"],
        platform_due_at=NOW - timedelta(days=3),
        platform_due_rule="ebay.return.answer",
    )
    deadlines.sweep(kefu.uow(), kefu.clock)
    told = {(conversation, kind) for _, conversation, kind in _notified(kefu)}
    assert (old_conversation, "breach") not in told
    assert (shop["amazon_late"], "breach") in told  # 6 h past: news
    assert _case_row(kefu, old_case).breach_notified_at is not None
    overdue = {i.id for i in _board(kefu, "owner", urgency=Urgency.OVERDUE).items}
    assert {old_conversation, old_case} <= overdue
