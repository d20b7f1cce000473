"""The deadlines board's rules (docs/deadlines.md): when an unanswered conversation is due,
which of a case's two clocks is due first, and whether an item is overdue or at risk.

Pure: the caller gives the instants. The SQL that lists items by due time is in
adapters/db/deadlines.py; it orders by the same `due` these functions compute.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from kefu.domain.cases.deadlines import RULES, OnBreach

# A platform's window to answer a buyer message. Amazon: 24 h, weekends and holidays
# included (SPEC §13). AliExpress: 24 h, the KPI's "24h reply rate" (SPEC §11). eBay and
# Wish publish no message window (SPEC §2, PLATFORMS.md): 24 h is kefu's reading.
REPLY_WINDOWS: dict[str, timedelta] = {
    "amazon": timedelta(hours=24),
    "aliexpress": timedelta(hours=24),
    "ebay": timedelta(hours=24),
    "wish": timedelta(hours=24),
}
DEFAULT_REPLY_WINDOW = timedelta(hours=24)
# At risk: less than a quarter of the window left, and never less than 4 h of warning. A
# conversation's window is its platform's reply window (24 h: at risk in the last 6 h). A
# case's windows run from 3 business days to 21; its margin is fixed at a quarter of the
# shortest, eBay's 3 business days to answer (~4 calendar days): the last 24 h. A fixed
# margin keeps "at risk" one comparison in SQL, so counts, filters and rows agree.
AT_RISK_SHARE = 0.25
AT_RISK_FLOOR = timedelta(hours=4)
CASE_AT_RISK = timedelta(hours=24)

# The rules whose deadline, once passed, closes the request by itself: eBay counts an
# unanswered cancellation as declined (SPEC §2).
TIME_OUT_RULES = frozenset(rule.id for rule in RULES if rule.on_breach is OnBreach.TIME_OUT)
TIME_OUT_REASON = "no answer within 3 business days — counted as declined"


class Urgency(StrEnum):
    OVERDUE = "overdue"
    AT_RISK = "at_risk"
    ON_TIME = "on_time"


class ItemKind(StrEnum):
    CASE = "case"
    CONVERSATION = "conversation"


class Clock(StrEnum):
    """Which clock an item's due time comes from."""

    PLATFORM = "platform"  # the case's platform deadline
    SHOP = "shop"  # the case's own business-hours clock
    REPLY = "reply"  # a platform's reply window for a buyer message


def reply_window(platform: str) -> timedelta:
    return REPLY_WINDOWS.get(platform, DEFAULT_REPLY_WINDOW)


def conversation_due(platform: str, waiting_since: datetime) -> datetime:
    """The buyer waits from their first unanswered message; the window runs in calendar
    hours (Amazon counts weekends and holidays)."""
    return waiting_since + reply_window(platform)


def case_due(
    platform_due_at: datetime | None, shop_due_at: datetime | None
) -> tuple[datetime, Clock] | None:
    """The earlier of the two clocks, and which one it is; None when neither runs. A tie
    is the platform's: missing it is what costs the shop."""
    if platform_due_at is None and shop_due_at is None:
        return None
    if shop_due_at is None or (platform_due_at is not None and platform_due_at <= shop_due_at):
        assert platform_due_at is not None  # noqa: S101 - narrowed above
        return platform_due_at, Clock.PLATFORM
    return shop_due_at, Clock.SHOP


def at_risk_margin(window: timedelta) -> timedelta:
    """How much time left counts as "at risk" for a window of this length."""
    return max(window * AT_RISK_SHARE, AT_RISK_FLOOR)


def margin_of(kind: ItemKind, platform: str) -> timedelta:
    """The at-risk margin of a case, or of a conversation on this platform."""
    if kind is ItemKind.CASE:
        return CASE_AT_RISK
    return at_risk_margin(reply_window(platform))


def classify(due: datetime, margin: timedelta, now: datetime) -> Urgency:
    """Overdue once `now` reaches `due`; at risk when less than `margin` is left."""
    if now >= due:
        return Urgency.OVERDUE
    if due - now < margin:
        return Urgency.AT_RISK
    return Urgency.ON_TIME


@dataclass(frozen=True)
class BoardFilters:
    """What the board lists. `holder_id` narrows to one person's items; `kind` is a case
    kind or "conversation"; `urgency` keeps only the overdue or only the at-risk (not yet
    overdue) items."""

    store_id: int | None = None
    holder_id: int | None = None
    kind: str | None = None
    urgency: Urgency | None = None
    page: int = 1
    page_size: int = 50
    # Set by the use case: the stores the person sees (None: all) and who is looking.
    visible_store_ids: frozenset[int] | None = None
    viewer_id: int | None = None


@dataclass(frozen=True)
class BoardItem:
    kind: ItemKind
    id: int  # the case's or the conversation's id
    due_at: datetime
    clock: Clock
    margin: timedelta
    store_id: int
    store_name: str
    platform: str
    buyer_name: str | None
    holder_id: int | None
    holder_name: str | None
    case_kind: str | None = None
    case_state: str | None = None
    conversation_id: int | None = None
    platform_due_at: datetime | None = None
    platform_due_source: str | None = None
    platform_due_rule: str | None = None
    shop_due_at: datetime | None = None
    shop_due_rule: str | None = None

    def urgency(self, now: datetime) -> Urgency:
        return classify(self.due_at, self.margin, now)

    def left(self, now: datetime) -> timedelta:
        """Time left; negative when overdue (the page shows how long overdue)."""
        return self.due_at - now


@dataclass(frozen=True)
class AgentLoad:
    """A person's overdue and at-risk items (`holder_id` None: nobody holds them)."""

    holder_id: int | None
    holder_name: str | None
    overdue: int = 0
    at_risk: int = 0


@dataclass(frozen=True)
class BoardPage:
    items: list[BoardItem]
    total: int
    overdue: int
    at_risk: int  # not yet overdue
    page: int
    page_size: int
    now: datetime
    by_agent: list[AgentLoad] = field(default_factory=list)

    @property
    def last_page(self) -> int:
        return max(1, -(-self.total // self.page_size))
