"""Customer-service KPIs exactly as AliExpress defines them (SPEC §11), over plain rows.

Definitions, each decided once here (docs/kpis.md has the worked cases):

- A buyer message is *answered* by the first person-written shop message in the same
  conversation sent at or after it. Automatic replies (welcome, keyword, busy) are not
  answers: SPEC §6 keeps the buyer's message unread after them because a person still has
  to answer, and a 24-hour rate that counted robots would hide late people. They are
  counted apart (`automatic_replies`).
- "Within the following 2 days" is within 48 hours of the buyer's message; "24h" is within
  24 hours. Answers after the range ends still count when inside those windows.
- Days are the store's time-zone days. A buyer who writes on two days is served on both.
- Final data (T+3): on the store-local day D the report covers days up to D - 3 at most.
- A reply kefu sent answers when the platform confirmed it (`answer_instant`); one
  never delivered answers nothing.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from kefu.domain.calendar import WorkingHours

ANSWER_WINDOW = timedelta(hours=48)
DAY_WINDOW = timedelta(hours=24)
GUIDED_WINDOW = timedelta(hours=48)
FINAL_AFTER_DAYS = 3
UTC_ZONE = ZoneInfo("UTC")
DELIVERED = "delivered"  # the outbox's status of a reply the platform confirmed
UNDELIVERED = ("pending", "failed")  # not confirmed (yet): it answers nothing
# Besides dispute cases, a case of another kind counts as a dispute once escalated to the
# platform on this marketplace: eBay's "case" (docs/kpis.md "Disputes").
DISPUTES_ESCALATED_ON = "ebay"


@dataclass(frozen=True)
class MessageRow:
    conversation_id: int
    store_id: int
    buyer_id: int
    sent_at: datetime
    from_buyer: bool
    automatic: bool = False
    agent_id: int | None = None  # who holds the conversation, for per-agent reports


@dataclass(frozen=True)
class PaymentRow:
    store_id: int
    buyer_id: int
    paid_at: datetime
    amount_cents: int  # USD


@dataclass
class Kpis:
    """Counts for a date range; rates are derived so they never disagree with the counts."""

    buyers_served: int = 0
    buyers_answered: int = 0
    messages_received: int = 0
    messages_answered: int = 0
    answered_24h: int = 0
    buyers_asked_answered_48h: int = 0
    buyers_ordered: int = 0
    guided_gmv_cents: int = 0
    automatic_replies: int = 0
    # The same conversion read per day: each day's first inquiry of each buyer, the days
    # added up (what adding up daily reports gives; docs/kpis.md "Two readings").
    daily_asked_answered_48h: int = 0
    daily_buyers_ordered: int = 0
    daily_guided_gmv_cents: int = 0
    # Replies people wrote in the range that the platform has not confirmed (pending or
    # failed); they answer nothing. Not from messages' rows: `compute` leaves it at 0.
    undelivered_replies: int = 0
    # From case records, not messages (`compute` leaves them at 0): disputes open when
    # the range ends, disputes that began in it, and the orders placed in it.
    open_disputes: int = 0
    disputes_opened: int = 0
    orders_placed: int = 0
    # One value per wait a person ended: from the first unanswered buyer message to the reply.
    response_seconds: list[float] = field(default_factory=list)
    response_working_seconds: list[float] = field(default_factory=list)
    # One value per conversation closed in the range: from its first message to closing.
    resolution_seconds: list[float] = field(default_factory=list)
    # One score (1-5) per rating buyers gave in the range (docs/kpis.md "Satisfaction").
    satisfaction_scores: list[int] = field(default_factory=list)

    @property
    def automatic_share(self) -> float | None:
        """Automatic replies among the shop's answers: automatic replies / (automatic
        replies + the waits a person ended). A person's follow-up that answered nothing
        new is not an answer, as everywhere in the report."""
        answers = self.automatic_replies + len(self.response_seconds)
        return self.automatic_replies / answers if answers else None

    @property
    def satisfaction_mean(self) -> float | None:
        scores = self.satisfaction_scores
        return sum(scores) / len(scores) if scores else None

    @property
    def satisfied_share(self) -> float | None:
        """Ratings of 4 or 5 out of all ratings: the share of satisfied buyers."""
        scores = self.satisfaction_scores
        return sum(1 for s in scores if s >= SATISFIED_FROM) / len(scores) if scores else None

    @property
    def reply_rate_24h(self) -> float | None:
        return self.answered_24h / self.messages_received if self.messages_received else None

    @property
    def inquiry_conversion(self) -> float | None:
        if not self.buyers_asked_answered_48h:
            return None
        return self.buyers_ordered / self.buyers_asked_answered_48h

    @property
    def dispute_rate(self) -> float | None:
        """Disputes that began in the range / orders placed in it (kefu's reading,
        docs/kpis.md "Disputes"); None without orders."""
        return self.disputes_opened / self.orders_placed if self.orders_placed else None

    @property
    def daily_inquiry_conversion(self) -> float | None:
        if not self.daily_asked_answered_48h:
            return None
        return self.daily_buyers_ordered / self.daily_asked_answered_48h


# A rating is 1 (very dissatisfied) to 5 (very satisfied); 4 and 5 count as satisfied.
LOWEST_SCORE, HIGHEST_SCORE, SATISFIED_FROM = 1, 5, 4


def score_problem(score: object) -> str | None:
    """Why a rating's score cannot be stored, or None."""
    if isinstance(score, bool) or not isinstance(score, int):
        return "must be a whole number"
    if not LOWEST_SCORE <= score <= HIGHEST_SCORE:
        return f"must be from {LOWEST_SCORE} to {HIGHEST_SCORE}"
    return None


# The counts of Kpis; the lists of response and resolution times are not counts.
COUNTS = (
    "buyers_served",
    "buyers_answered",
    "messages_received",
    "messages_answered",
    "answered_24h",
    "buyers_asked_answered_48h",
    "buyers_ordered",
    "guided_gmv_cents",
    "automatic_replies",
    "daily_asked_answered_48h",
    "daily_buyers_ordered",
    "daily_guided_gmv_cents",
    "undelivered_replies",
    "open_disputes",
    "disputes_opened",
    "orders_placed",
)


def across_stores(parts: Iterable[Kpis]) -> Kpis:
    """The counts of several stores together. Every count is kept per store (a buyer
    served by two stores on a day is served twice; a first inquiry is a store's), so they
    add up; response and resolution times are not combined."""
    total = Kpis()
    for part in parts:
        for name in COUNTS:
            setattr(total, name, getattr(total, name) + getattr(part, name))
    return total


def final_until(now: datetime, zone: ZoneInfo) -> date:
    """T+3: the last day whose data is final at `now` in a store of `zone`, counted on
    the store's own calendar (7 August there → 4 August): a Los Angeles store's last final
    day changes at midnight in Los Angeles, not at midnight UTC."""
    return now.astimezone(zone).date() - timedelta(days=FINAL_AFTER_DAYS)


def final_until_all(now: datetime, zones: Iterable[ZoneInfo]) -> date:
    """The last day final in every one of the stores: a report over several stores ends
    at the earliest of their final days (UTC's when there is no store)."""
    return min((final_until(now, zone) for zone in zones), default=final_until(now, UTC_ZONE))


def answer_instant(
    sent_at: datetime, delivery_status: str | None, delivered_at: datetime | None
) -> datetime | None:
    """When a person's shop message reached the buyer, for the report: a reply kefu sent
    counts when the platform confirmed it, never if it did not; a reply imported from
    the platform (no delivery status: it is on the platform already) at its own time."""
    if delivery_status is None:
        return sent_at
    if delivery_status == DELIVERED:
        # Never before it was written, whatever a skewed clock recorded.
        return max(sent_at, delivered_at or sent_at)
    return None


def answer_times(messages: Sequence[MessageRow]) -> dict[int, datetime | None]:
    """For each buyer message (by index), when a person first answered it, if ever."""
    by_conversation: dict[int, list[int]] = defaultdict(list)
    for index, m in enumerate(messages):
        by_conversation[m.conversation_id].append(index)
    out: dict[int, datetime | None] = {}
    for indices in by_conversation.values():
        ordered = sorted(indices, key=lambda i: (messages[i].sent_at, not messages[i].from_buyer))
        next_answer: datetime | None = None
        for i in reversed(ordered):  # walk back: the next person reply after each message
            m = messages[i]
            if m.from_buyer:
                out[i] = next_answer
            elif not m.automatic:
                next_answer = m.sent_at
    return out


@dataclass(frozen=True)
class ReplyFact:
    """What the report counts about one buyer message or one automatic reply, stored when
    messages arrive and replies are written (docs/kpis.md "Reporting facts")."""

    message_id: int
    conversation_id: int
    store_id: int
    buyer_id: int
    agent_id: int | None
    day: date  # store-local
    sent_at: datetime
    automatic: bool  # an automatic reply (counted apart); otherwise a buyer message
    answered_at: datetime | None = None  # the person's reply that answered it (answer_times)
    answer_seconds: float | None = None
    answer_working_seconds: float | None = None
    guided_until: datetime | None = None  # payments until then are guided by this inquiry


def reply_facts(
    ids: Sequence[int],
    messages: Sequence[MessageRow],
    *,
    zones: Mapping[int, ZoneInfo],
    hours: Mapping[int, WorkingHours],
) -> list[ReplyFact]:
    """The facts of the buyer messages and automatic replies among `messages` (`ids[i]` is
    the id of `messages[i]`). `messages` must hold every message of each conversation from
    the earliest one given on, so that each buyer message meets the replies after it;
    person replies make no fact of their own, they answer buyer messages."""
    answers = answer_times(messages)
    out: list[ReplyFact] = []
    for index, (message_id, m) in enumerate(zip(ids, messages, strict=True)):
        if not (m.from_buyer or m.automatic):
            continue
        fact = ReplyFact(
            message_id=message_id,
            conversation_id=m.conversation_id,
            store_id=m.store_id,
            buyer_id=m.buyer_id,
            agent_id=m.agent_id,
            day=m.sent_at.astimezone(zones[m.store_id]).date(),
            sent_at=m.sent_at,
            automatic=not m.from_buyer,
            guided_until=m.sent_at + GUIDED_WINDOW if m.from_buyer else None,
        )
        answer = answers.get(index)
        out.append(answered(fact, answer, hours[m.store_id]) if answer else fact)
    return out


def answered(fact: ReplyFact, at: datetime, hours: WorkingHours) -> ReplyFact:
    """The fact of a buyer message that a person answered at `at`."""
    return replace(
        fact,
        answered_at=at,
        answer_seconds=(at - fact.sent_at).total_seconds(),
        answer_working_seconds=hours.working_seconds(fact.sent_at, at),
    )


def compute(
    messages: Sequence[MessageRow],
    payments: Iterable[PaymentRow],
    *,
    start: date,
    end: date,
    zones: Mapping[int, ZoneInfo],
    hours: Mapping[int, WorkingHours] | None = None,
) -> Kpis:
    """The SPEC §11 KPIs for store-local days start..end (inclusive); with `hours` (per
    store) the response times are also given in working seconds."""
    answers = answer_times(messages)
    result = Kpis()
    waits: dict[tuple[int, datetime], datetime] = {}
    served: set[tuple[date, int, int]] = set()
    answered: set[tuple[date, int, int]] = set()
    # Each buyer's first inquiry in the range (day None), and on each day.
    first_inquiry: dict[_Inquiry, tuple[datetime, bool]] = {}
    daily_first: dict[_Inquiry, tuple[datetime, bool]] = {}
    for index, m in enumerate(messages):
        day = m.sent_at.astimezone(zones[m.store_id]).date()
        if not start <= day <= end:
            continue
        if not m.from_buyer:
            result.automatic_replies += m.automatic
            continue
        result.messages_received += 1
        answer = answers.get(index)
        delay = answer - m.sent_at if answer is not None else None
        key = (day, m.store_id, m.buyer_id)
        served.add(key)
        if delay is not None and delay <= ANSWER_WINDOW:
            result.messages_answered += 1
            answered.add(key)
        if delay is not None and delay <= DAY_WINDOW:
            result.answered_24h += 1
        if answer is not None:
            wait = (m.conversation_id, answer)
            waits[wait] = min(waits.get(wait, m.sent_at), m.sent_at)
        ok = delay is not None and delay <= ANSWER_WINDOW
        _first(first_inquiry, (None, m.store_id, m.buyer_id), m.sent_at, ok)
        _first(daily_first, key, m.sent_at, ok)
    result.buyers_served, result.buyers_answered = len(served), len(answered)
    stores = {m.conversation_id: m.store_id for m in messages}
    for (conversation, reply), began in sorted(waits.items(), key=lambda w: w[1]):
        result.response_seconds.append((reply - began).total_seconds())
        if hours is not None:
            result.response_working_seconds.append(
                hours[stores[conversation]].working_seconds(began, reply)
            )
    paid = list(payments)
    (
        result.buyers_asked_answered_48h,
        result.buyers_ordered,
        result.guided_gmv_cents,
    ) = _conversion(first_inquiry, paid)
    (
        result.daily_asked_answered_48h,
        result.daily_buyers_ordered,
        result.daily_guided_gmv_cents,
    ) = _conversion(daily_first, paid)
    return result


_Inquiry = tuple[date | None, int, int]  # (store-local day or None for the range, store, buyer)


def _first(
    seen: dict[_Inquiry, tuple[datetime, bool]], key: _Inquiry, at: datetime, ok: bool
) -> None:
    """Keep the earliest inquiry per key; two first messages at the same instant: an
    answered one makes the inquiry answered."""
    before = seen.get(key)
    if before is None or (at, not ok) < (before[0], not before[1]):
        seen[key] = (at, ok)


def _conversion(
    first_inquiry: Mapping[_Inquiry, tuple[datetime, bool]], payments: Sequence[PaymentRow]
) -> tuple[int, int, int]:
    """Inquiry conversion and guided GMV: payments within 48 h of each first inquiry,
    counted only for inquiries the shop answered within 48 hours. Returns the inquiries
    answered, those followed by a payment, and the cents paid (a payment within 48 h of
    two days' first inquiries counts on both days: each day's report counts it)."""
    asked: dict[tuple[int, int], list[tuple[_Inquiry, datetime]]] = defaultdict(list)
    for key, (at, ok) in first_inquiry.items():
        if ok:
            asked[(key[1], key[2])].append((key, at))
    ordered: set[_Inquiry] = set()
    cents = 0
    for p in payments:
        for key, at in asked.get((p.store_id, p.buyer_id), ()):
            if at <= p.paid_at <= at + GUIDED_WINDOW:
                ordered.add(key)
                cents += p.amount_cents
    return sum(len(v) for v in asked.values()), len(ordered), cents


@dataclass(frozen=True)
class ClosedRow:
    store_id: int
    opened_at: datetime
    closed_at: datetime


def resolution_seconds(
    closed: Iterable[ClosedRow], *, start: date, end: date, zones: Mapping[int, ZoneInfo]
) -> list[float]:
    """Resolution time of the conversations closed on the store-local days start..end."""
    return sorted(
        (row.closed_at - row.opened_at).total_seconds()
        for row in closed
        if start <= row.closed_at.astimezone(zones[row.store_id]).date() <= end
    )


# Backlog by age: how long the conversations waiting for an answer have waited.
BACKLOG_BUCKETS: tuple[tuple[str, timedelta], ...] = (
    ("under_1h", timedelta(hours=1)),
    ("1h_to_6h", timedelta(hours=6)),
    ("6h_to_24h", timedelta(hours=24)),
    ("24h_to_48h", timedelta(hours=48)),
)
OVER_48H = "over_48h"


def backlog(waiting_since: Iterable[datetime], now: datetime) -> dict[str, int]:
    """Counts per age bucket; past 48 h a message no longer counts as answered (SPEC §11)."""
    counts = {name: 0 for name, _ in BACKLOG_BUCKETS} | {OVER_48H: 0}
    for since in waiting_since:
        age = now - since
        name = next((n for n, limit in BACKLOG_BUCKETS if age < limit), OVER_48H)
        counts[name] += 1
    return counts
