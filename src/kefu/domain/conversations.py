"""Conversation rules: stage from origin, priority, state changes and colour marks.

SPEC §2 decides the stage, SPEC §4 the priority, SPEC §7 the marks.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from kefu.domain.errors import InvalidTransition
from kefu.domain.orders import is_paid_not_delivered
from kefu.domain.types import ColourMark, OrderStatus, Origin, Stage, Status

AFTER_SALE_ORIGINS = frozenset({Origin.ORDER_LIST, Origin.ORDER_DETAIL, Origin.DISPUTE})


def stage_for(origin: Origin, order_status: OrderStatus | None) -> Stage:
    """SPEC §2: opened from the order list, order detail or a dispute → after-sale.

    kefu refines AliExpress's two-way rule with in-sale: a conversation about a paid
    order that is not delivered yet is in-sale, whatever page it was opened from,
    because the buyer is waiting for a parcel, not reporting on one.
    """
    if order_status is not None and is_paid_not_delivered(order_status):
        return Stage.IN_SALE
    if origin in AFTER_SALE_ORIGINS:
        return Stage.AFTER_SALE
    return Stage.PRE_SALE


@dataclass(frozen=True)
class PriorityFacts:
    """The order facts SPEC §4 ranks by."""

    order_has_note: bool = False
    logistics_problem: bool = False
    wholesale: bool = False
    mood: str | None = None  # "threat" or "upset", from the buyer's latest message


# "threat" and "upset" come from the buyer's mood (triage issue): one of them at most.
PRIORITY_REASONS = ("note", "logistics", "wholesale", "threat", "upset")
MOOD_REASONS = ("threat", "upset")
_TOP_PRIORITY = len(PRIORITY_REASONS) - len(MOOD_REASONS) + 1
# Ranks of conversations needing an answer (inclusive): one per number of priority reasons.
NEEDS_ANSWER_RANKS = (0, _TOP_PRIORITY)
# The queue ranks each conversation status occupies (inclusive), see queue_position.
STATE_RANKS: dict[Status, tuple[int, int]] = {
    Status.OPEN: (0, 2 * _TOP_PRIORITY + 1),
    Status.WAITING: (2 * _TOP_PRIORITY + 2, 3 * _TOP_PRIORITY + 2),
    Status.CLOSED: (3 * _TOP_PRIORITY + 3, 3 * _TOP_PRIORITY + 3),
}


def priority_reasons(facts: PriorityFacts) -> tuple[str, ...]:
    """SPEC §4: orders with a note, a logistics problem or wholesale are handled first, and
    so is an upset or threatening buyer (triage issue)."""
    flags = (
        facts.order_has_note,
        facts.logistics_problem,
        facts.wholesale,
        facts.mood == "threat",
        facts.mood == "upset",
    )
    return tuple(reason for reason, on in zip(PRIORITY_REASONS, flags, strict=True) if on)


@dataclass(frozen=True)
class MarkMeaning:
    mark: ColourMark
    meaning_en: str
    meaning_zh: str


# SPEC §7: fixed meanings; the legend on screen reads from here.
MARK_LEGEND: tuple[MarkMeaning, ...] = (
    MarkMeaning(
        ColourMark.YELLOW,
        "Reshipped order: send the buyer the new tracking number",
        "重发订单：把新的跟踪号发给买家",
    ),
    MarkMeaning(
        ColourMark.BLUE,
        "Big or returning buyer: keep following logistics and after-sale",
        "大客户或回头客：持续跟进物流和售后",
    ),
    MarkMeaning(
        ColourMark.GREEN, "Refund (through support or PayPal)", "退款（通过客服或 PayPal）"
    ),
    MarkMeaning(
        ColourMark.RED,
        "Product quality problem: record it and report it regularly",
        "产品质量问题：记录并定期汇报",
    ),
    MarkMeaning(
        ColourMark.PURPLE,
        "Logistics dispute refunded: once the parcel arrives, ask the buyer to pay",
        "物流纠纷已退款：包裹妥投后请买家付款",
    ),
)


@dataclass
class Conversation:
    """A thread with one buyer in one store: the aggregate buyers and agents change.

    Messages may arrive out of order (imports, retried webhooks), so every change
    compares times instead of trusting arrival order.
    """

    id: int | None
    store_id: int
    buyer_id: int
    platform_conversation_id: str
    origin: Origin
    created_at: datetime
    last_message_at: datetime
    order_id: int | None = None
    product_id: int | None = None
    stage: Stage = Stage.PRE_SALE
    status: Status = Status.OPEN
    unread: bool = False
    colour_mark: ColourMark | None = None
    assignee_id: int | None = None
    language: str | None = None
    priority_reasons: tuple[str, ...] = ()
    intent: str | None = None  # of the buyer's latest message (triage)
    mood: tuple[str, ...] = ()  # emotion flags of the buyer's latest message
    message_count: int = 0
    last_message_preview: str = ""
    waiting_since: datetime | None = None
    last_buyer_message_at: datetime | None = None
    last_shop_message_at: datetime | None = None
    first_replied_at: datetime | None = None
    closed_at: datetime | None = None

    @property
    def priority(self) -> int:
        return len(self.priority_reasons)

    @property
    def notices_only(self) -> bool:
        """Only the platform writes here (eBay's FROM_EBAY conversations, AliExpress system
        channels): its lines are the Notices list's, never a buyer's thread to answer, route
        or count (issue 18 "State both ways")."""
        return self.last_buyer_message_at is None and self.last_shop_message_at is None

    def add_message(self, at: datetime, text: str) -> None:
        """Keep the counters the inbox list shows without reading the messages."""
        self.message_count += 1
        if at >= self.last_message_at or self.message_count == 1:
            self.last_message_at = at
            self.last_message_preview = preview(text)

    def queue_position(self) -> tuple[int, int]:
        """(rank, key) ordering the inbox; both ascending, stored so one index serves it.

        Rank (ADR 0004): needing an answer first, by SPEC §4 priority (0-3); then open
        without a pending buyer message (4-7); waiting on the buyer (8-11); closed (12).
        Each state is a rank range (STATE_RANKS), so a state filter stays on the index.
        Key: among those needing an answer the longest wait first; otherwise the
        latest activity first.
        """
        behind = _TOP_PRIORITY - self.priority
        if self.status == Status.CLOSED:
            return STATE_RANKS[Status.CLOSED][0], -_epoch(self.last_message_at)
        if self.status == Status.WAITING:
            return STATE_RANKS[Status.WAITING][0] + behind, -_epoch(self.last_message_at)
        if self.waiting_since is not None:
            return behind, _epoch(self.waiting_since)
        return _TOP_PRIORITY + 1 + behind, -_epoch(self.last_message_at)

    def buyer_wrote(self, at: datetime) -> None:
        """A buyer message reopens the thread, marks it unread and starts (or keeps) the wait."""
        self.unread = True
        if self.status != Status.OPEN:
            self.status = Status.OPEN
            self.closed_at = None
        answered_later = self.last_shop_message_at is not None and self.last_shop_message_at >= at
        if not answered_later and (self.waiting_since is None or at < self.waiting_since):
            self.waiting_since = at
        if self.last_buyer_message_at is None or at > self.last_buyer_message_at:
            self.last_buyer_message_at = at

    def shop_replied(
        self, at: datetime, *, automatic: bool, next_buyer_message_at: datetime | None = None
    ) -> None:
        """A person's reply ends the wait; an automatic one does not (SPEC §6: stays unread).

        A reply older than the buyer's last message (it arrived late) answers only
        what came before it: the wait restarts at the buyer's first message after
        the reply, `next_buyer_message_at` when the caller knows it, otherwise the
        last buyer message (the latest it can be).
        """
        if automatic:
            return
        if self.last_shop_message_at is None or at > self.last_shop_message_at:
            self.last_shop_message_at = at
        if self.first_replied_at is None or at < self.first_replied_at:
            self.first_replied_at = at
        if self.last_buyer_message_at is not None and at < self.last_buyer_message_at:
            if self.waiting_since is not None and self.waiting_since <= at:
                self.waiting_since = next_buyer_message_at or self.last_buyer_message_at
            return
        self.unread = False
        self.waiting_since = None
        if self.status == Status.OPEN:
            self.status = Status.WAITING

    def no_response_needed(self) -> None:
        """SPEC §13 (Amazon): the buyer's waiting messages need no answer (a "thanks"): the
        wait ends and they are not counted as late; the thread stays as it is otherwise."""
        if self.waiting_since is None:
            raise InvalidTransition("no buyer message is waiting for an answer")
        self.waiting_since = None
        self.unread = False

    def mark_read(self) -> None:
        self.unread = False

    def set_mark(self, mark: ColourMark | None) -> None:
        self.colour_mark = mark

    def assign(self, account_id: int | None) -> None:
        self.assignee_id = account_id

    def close(self, at: datetime) -> None:
        if self.status == Status.CLOSED:
            raise InvalidTransition("the conversation is already closed")
        self.status = Status.CLOSED
        self.unread = False
        self.waiting_since = None
        self.closed_at = at

    def reopen(self) -> None:
        if self.status != Status.CLOSED:
            raise InvalidTransition("only a closed conversation can be reopened")
        self.status = Status.OPEN
        self.closed_at = None


PREVIEW_CHARS = 140


def preview(text: str) -> str:
    """One line of a message for lists."""
    flat = " ".join(text.split())
    return flat if len(flat) <= PREVIEW_CHARS else flat[: PREVIEW_CHARS - 1] + "…"


def _epoch(at: datetime) -> int:
    return int(at.timestamp())
