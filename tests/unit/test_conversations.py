"""Conversation rules: stage (SPEC §2), priority (SPEC §4), state and queue, marks (SPEC §7)."""

from __future__ import annotations

import dataclasses
import itertools
import re
from collections.abc import Callable
from datetime import datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kefu.domain.conversations import (
    MARK_LEGEND,
    NEEDS_ANSWER_RANKS,
    STATE_RANKS,
    Conversation,
    MarkMeaning,
    PriorityFacts,
    priority_reasons,
    stage_for,
)
from kefu.domain.errors import InvalidTransition
from kefu.domain.types import ColourMark, OrderStatus, Origin, Stage, Status
from tests.factories import NOW

T0 = NOW - timedelta(days=3)
AFTER_SALE_PAGES = [Origin.ORDER_LIST, Origin.ORDER_DETAIL, Origin.DISPUTE]
OTHER_PAGES = [o for o in Origin if o not in AFTER_SALE_PAGES]
PAID_NOT_DELIVERED = [
    OrderStatus.PAID,
    OrderStatus.ALLOCATED,
    OrderStatus.PICKED,
    OrderStatus.SHIPPED,
]
# Orders not (or no longer) on their way: the page the buyer wrote from decides.
NOT_ON_THE_WAY = [None, *(s for s in OrderStatus if s not in PAID_NOT_DELIVERED)]
ALL_REASONS = ("note", "logistics", "wholesale")


def at(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


def conversation(*reasons: str, origin: Origin = Origin.MESSAGE_CENTER) -> Conversation:
    return Conversation(
        id=None,
        store_id=1,
        buyer_id=1,
        platform_conversation_id="b-1",
        origin=origin,
        created_at=T0,
        last_message_at=T0,
        priority_reasons=reasons,
    )


def waiting_since(minutes: int, *reasons: str) -> Conversation:
    conv = conversation(*reasons)
    conv.buyer_wrote(at(minutes))
    conv.add_message(at(minutes), "hello?")
    return conv


def answered_at(minutes: int, *reasons: str) -> Conversation:
    conv = waiting_since(minutes - 1, *reasons)
    conv.shop_replied(at(minutes), automatic=False)
    conv.add_message(at(minutes), "here you are")
    return conv


def closed_at(minutes: int, *reasons: str) -> Conversation:
    conv = answered_at(minutes, *reasons)
    conv.close(at(minutes))
    return conv


def queue(*convs: Conversation) -> list[Conversation]:
    return sorted(convs, key=Conversation.queue_position)


# --- stage (SPEC §2) --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("origin", "order_status"), list(itertools.product(AFTER_SALE_PAGES, NOT_ON_THE_WAY))
)
def test_opened_from_order_list_detail_or_dispute_is_after_sale(
    origin: Origin, order_status: OrderStatus | None
) -> None:
    assert stage_for(origin, order_status) is Stage.AFTER_SALE


@pytest.mark.parametrize(
    ("origin", "order_status"), list(itertools.product(OTHER_PAGES, NOT_ON_THE_WAY))
)
def test_opened_from_any_other_page_is_pre_sale(
    origin: Origin, order_status: OrderStatus | None
) -> None:
    assert stage_for(origin, order_status) is Stage.PRE_SALE


@pytest.mark.parametrize(
    ("origin", "order_status"), list(itertools.product(Origin, PAID_NOT_DELIVERED))
)
def test_paid_order_not_yet_delivered_is_in_sale_whatever_the_page(
    origin: Origin, order_status: OrderStatus
) -> None:
    assert stage_for(origin, order_status) is Stage.IN_SALE


def test_delivered_order_asked_about_from_product_page_is_pre_sale_not_in_sale() -> None:
    assert stage_for(Origin.PRODUCT_PAGE, OrderStatus.DELIVERED) is Stage.PRE_SALE
    assert stage_for(Origin.ORDER_DETAIL, OrderStatus.DELIVERED) is Stage.AFTER_SALE


def test_cancelled_order_follows_the_page_rule() -> None:
    assert stage_for(Origin.DISPUTE, OrderStatus.CANCELLED) is Stage.AFTER_SALE
    assert stage_for(Origin.CHECKOUT, OrderStatus.CANCELLED) is Stage.PRE_SALE


# --- priority (SPEC §4) -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("facts", "expected"),
    [
        (PriorityFacts(), ()),
        (PriorityFacts(order_has_note=True), ("note",)),
        (PriorityFacts(logistics_problem=True), ("logistics",)),
        (PriorityFacts(wholesale=True), ("wholesale",)),
        (PriorityFacts(order_has_note=True, wholesale=True), ("note", "wholesale")),
        (PriorityFacts(logistics_problem=True, wholesale=True), ("logistics", "wholesale")),
        (PriorityFacts(True, True, True), ("note", "logistics", "wholesale")),
    ],
)
def test_priority_reasons_name_each_fact_that_applies(
    facts: PriorityFacts, expected: tuple[str, ...]
) -> None:
    assert priority_reasons(facts) == expected


def test_priority_counts_the_reasons() -> None:
    assert conversation().priority == 0
    assert conversation("note", "wholesale").priority == 2


# --- state: buyer messages and replies --------------------------------------------------------


def test_buyer_message_marks_unread_and_starts_the_wait() -> None:
    conv = conversation()

    conv.buyer_wrote(at(10))

    assert conv.unread is True
    assert conv.status is Status.OPEN
    assert conv.waiting_since == at(10)
    assert conv.last_buyer_message_at == at(10)


def test_second_buyer_message_keeps_the_first_wait() -> None:
    conv = conversation()

    conv.buyer_wrote(at(10))
    conv.buyer_wrote(at(30))

    assert conv.waiting_since == at(10)
    assert conv.last_buyer_message_at == at(30)


def test_buyer_message_arriving_late_moves_the_wait_back_to_it() -> None:
    conv = conversation()

    conv.buyer_wrote(at(30))
    conv.buyer_wrote(at(10))

    assert conv.waiting_since == at(10)
    assert conv.last_buyer_message_at == at(30)


def test_buyer_message_reopens_a_closed_conversation() -> None:
    conv = closed_at(20)

    conv.buyer_wrote(at(60))

    assert conv.status is Status.OPEN
    assert conv.closed_at is None
    assert conv.unread is True
    assert conv.waiting_since == at(60)


def test_persons_reply_ends_the_wait_and_waits_on_the_buyer() -> None:
    conv = waiting_since(10)

    conv.shop_replied(at(25), automatic=False)

    assert conv.unread is False
    assert conv.waiting_since is None
    assert conv.status is Status.WAITING
    assert conv.first_replied_at == at(25)
    assert conv.last_shop_message_at == at(25)


def test_second_reply_keeps_the_first_reply_time() -> None:
    conv = answered_at(25)

    conv.buyer_wrote(at(40))
    conv.shop_replied(at(50), automatic=False)

    assert conv.first_replied_at == at(25)
    assert conv.last_shop_message_at == at(50)
    assert conv.waiting_since is None


def test_automatic_reply_changes_nothing_and_message_stays_unread() -> None:
    conv = waiting_since(10)
    before = dataclasses.asdict(conv)

    conv.shop_replied(at(10), automatic=True)

    assert dataclasses.asdict(conv) == before
    assert conv.unread is True
    assert conv.waiting_since == at(10)
    assert conv.status is Status.OPEN
    assert conv.first_replied_at is None


def test_older_reply_arriving_after_newer_buyer_message_does_not_end_the_wait() -> None:
    conv = conversation()
    conv.buyer_wrote(at(10))
    conv.buyer_wrote(at(30))

    conv.shop_replied(at(20), automatic=False)

    assert conv.unread is True
    assert conv.waiting_since is not None
    assert conv.status is Status.OPEN
    assert conv.last_shop_message_at == at(20)


def test_reply_at_the_same_second_as_the_buyer_message_ends_the_wait() -> None:
    conv = waiting_since(10)

    conv.shop_replied(at(10), automatic=False)

    assert conv.waiting_since is None
    assert conv.unread is False


def test_buyer_message_older_than_a_known_reply_does_not_start_a_wait() -> None:
    conv = conversation()
    conv.shop_replied(at(20), automatic=False)

    conv.buyer_wrote(at(10))

    assert conv.waiting_since is None
    assert conv.last_buyer_message_at == at(10)


def test_wait_restarts_at_first_unanswered_message_when_a_reply_arrives_late() -> None:
    conv = conversation()
    conv.buyer_wrote(at(10))
    conv.buyer_wrote(at(30))

    conv.shop_replied(at(20), automatic=False)

    in_order = conversation()
    in_order.buyer_wrote(at(10))
    in_order.shop_replied(at(20), automatic=False)
    in_order.buyer_wrote(at(30))
    assert in_order.waiting_since == at(30)
    assert conv.waiting_since == at(30)


# --- close and reopen -------------------------------------------------------------------------


def test_closing_clears_unread_and_wait() -> None:
    conv = waiting_since(10)

    conv.close(at(15))

    assert conv.status is Status.CLOSED
    assert conv.closed_at == at(15)
    assert conv.unread is False
    assert conv.waiting_since is None


def test_closing_twice_is_refused() -> None:
    conv = closed_at(20)

    with pytest.raises(InvalidTransition):
        conv.close(at(30))
    assert conv.closed_at == at(20)


@pytest.mark.parametrize(
    "make",
    [conversation, lambda: waiting_since(10), lambda: answered_at(20)],
    ids=["new", "waiting-for-shop", "waiting-for-buyer"],
)
def test_reopening_a_conversation_that_is_not_closed_is_refused(
    make: Callable[[], Conversation],
) -> None:
    conv = make()
    status = conv.status

    with pytest.raises(InvalidTransition):
        conv.reopen()
    assert conv.status is status


def test_reopening_a_closed_conversation_opens_it() -> None:
    conv = closed_at(20)

    conv.reopen()

    assert conv.status is Status.OPEN
    assert conv.closed_at is None


def test_reply_to_a_closed_conversation_keeps_it_closed() -> None:
    conv = closed_at(20)

    conv.shop_replied(at(30), automatic=False)

    assert conv.status is Status.CLOSED


# --- the queue ------------------------------------------------------------------------------


def test_waiting_buyer_with_priority_order_comes_before_one_who_waited_longer() -> None:
    long_wait = waiting_since(10)
    noted = waiting_since(50, "note")
    stuck_wholesale = waiting_since(90, "logistics", "wholesale")

    assert queue(long_wait, noted, stuck_wholesale) == [stuck_wholesale, noted, long_wait]


def test_among_equal_priority_the_longest_wait_comes_first() -> None:
    recent = waiting_since(50, "note")
    oldest = waiting_since(10, "logistics")
    middle = waiting_since(30, "wholesale")

    assert queue(recent, oldest, middle) == [oldest, middle, recent]


def test_answered_conversations_come_after_every_waiting_one() -> None:
    answered_top = answered_at(100, "note", "logistics", "wholesale")
    waiting_plain = waiting_since(500)

    assert queue(answered_top, waiting_plain) == [waiting_plain, answered_top]


def test_among_answered_higher_priority_then_latest_activity_first() -> None:
    old = answered_at(10)
    new = answered_at(90)
    noted = answered_at(5, "note")

    assert queue(old, new, noted) == [noted, new, old]


def test_closed_conversations_come_last() -> None:
    closed_top = closed_at(500, "note", "logistics", "wholesale")
    answered_plain = answered_at(10)
    waiting_plain = waiting_since(20)

    assert queue(closed_top, answered_plain, waiting_plain) == [
        waiting_plain,
        answered_plain,
        closed_top,
    ]


def test_closed_conversations_latest_first() -> None:
    old = closed_at(10)
    new = closed_at(90)

    assert queue(old, new) == [new, old]


# --- invariants over any history ------------------------------------------------------------

EVENT = st.one_of(
    st.tuples(st.sampled_from(["buyer", "person", "auto"]), st.integers(0, 5_000)),
    st.tuples(st.sampled_from(["close", "reopen"]), st.integers(0, 5_000)),
)


@settings(database=None, max_examples=400)
@given(
    events=st.lists(EVENT, max_size=25),
    reasons=st.lists(st.sampled_from(ALL_REASONS), unique=True).map(tuple),
)
def test_any_history_keeps_wait_unread_and_rank_consistent(
    events: list[tuple[str, int]], reasons: tuple[str, ...]
) -> None:
    conv = conversation(*reasons)
    expect_unread = False
    latest_buyer: datetime | None = None

    for kind, minutes in events:
        when = at(minutes)
        if kind == "buyer":
            conv.buyer_wrote(when)
            conv.add_message(when, "buyer")
            expect_unread = True
            latest_buyer = when if latest_buyer is None else max(latest_buyer, when)
        elif kind in ("person", "auto"):
            conv.shop_replied(when, automatic=kind == "auto")
            conv.add_message(when, "shop")
            if kind == "person" and (latest_buyer is None or when >= latest_buyer):
                expect_unread = False
        elif kind == "close" and conv.status is not Status.CLOSED:
            conv.close(when)
            expect_unread = False
        elif kind == "reopen" and conv.status is Status.CLOSED:
            conv.reopen()

        assert conv.last_buyer_message_at == latest_buyer
        if conv.waiting_since is not None:
            assert conv.last_buyer_message_at is not None
            assert conv.waiting_since <= conv.last_buyer_message_at
            assert conv.status is Status.OPEN
        assert conv.unread is expect_unread
        rank, _ = conv.queue_position()
        low, high = STATE_RANKS[conv.status]
        assert low <= rank <= high  # a state filter is a rank range
        if conv.waiting_since is not None:
            assert NEEDS_ANSWER_RANKS[0] <= rank <= NEEDS_ANSWER_RANKS[1]


# --- colour marks (SPEC §7) -------------------------------------------------------------------

CJK = re.compile(r"[\u4e00-\u9fff]")


def test_mark_legend_has_exactly_the_five_marks_once_each() -> None:
    marks = [m.mark for m in MARK_LEGEND]

    assert len(marks) == 5
    assert set(marks) == set(ColourMark)
    assert set(marks) == {"yellow", "blue", "green", "red", "purple"}


@pytest.mark.parametrize("meaning", MARK_LEGEND, ids=lambda m: m.mark.value)
def test_every_mark_has_an_english_and_a_chinese_meaning(meaning: MarkMeaning) -> None:
    assert meaning.meaning_en.strip()
    assert meaning.meaning_zh.strip()
    assert CJK.search(meaning.meaning_zh)
    assert not CJK.search(meaning.meaning_en)


@pytest.mark.parametrize(
    ("mark", "en_word", "zh_word"),
    [
        (ColourMark.YELLOW, "tracking number", "跟踪号"),
        (ColourMark.BLUE, "returning", "回头客"),
        (ColourMark.GREEN, "Refund", "退款"),
        (ColourMark.RED, "quality", "质量"),
        (ColourMark.PURPLE, "Logistics dispute", "物流纠纷"),
    ],
)
def test_each_mark_means_what_spec_section_7_says(
    mark: ColourMark, en_word: str, zh_word: str
) -> None:
    legend = {m.mark: m for m in MARK_LEGEND}

    assert en_word in legend[mark].meaning_en
    assert zh_word in legend[mark].meaning_zh
