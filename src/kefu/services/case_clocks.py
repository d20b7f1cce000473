"""The two clocks and the colour mark of a case, written on the case row whenever it
changes step (docs/cases.md "Two clocks", "Colour marks"): the board and the sweep then
only compare stored dates."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from kefu.domain.cases.deadlines import (
    SHOP_TARGET_HOURS,
    CaseClock,
    pause,
    platform_deadline,
    shop_deadline,
    site_calendar,
)
from kefu.domain.cases.marks import suggest_mark
from kefu.domain.cases.model import CaseKind, CaseReason, CaseState, Solution
from kefu.domain.cases.workflows import WAITING_ON_BUYER, is_final
from kefu.domain.shopfacts import ShopFacts
from kefu.domain.types import ColourMark, Marketplace

# A country's public holidays of a year and the next (kefu.adapters.holidays).
Holidays = Callable[[str | None, int], frozenset[date]]
SHOP_RULE = "shop.target"


@dataclass(frozen=True)
class CaseFacts:
    """What the clocks and the mark read of one case at one moment."""

    platform: str
    site: str
    store_zone: str
    kind: CaseKind
    state: CaseState
    reason: CaseReason
    solution: Solution | None
    opened_at: datetime
    since: datetime  # when it entered `state`
    paid: bool = True
    online_shipping: bool = False
    platform_given: datetime | None = None
    paused_since: datetime | None = None
    paused_seconds: int = 0
    tracking_sent: bool = False
    returning_buyer: bool = False


def clock_columns(facts: CaseFacts, shop: ShopFacts, holidays: Holidays) -> dict[str, Any]:
    """The case row's clock columns after this step: the platform's deadline with its
    source and rule, the shop's own (None while it waits on the buyer), and the pause."""
    if is_final(facts.kind, facts.state):
        return {
            "platform_due_at": None,
            "platform_due_source": None,
            "platform_due_rule": None,
            "shop_due_at": None,
            "shop_due_rule": None,
            "paused_since": None,
        }
    platform = Marketplace(facts.platform)
    calendar = site_calendar(platform, facts.site, ZoneInfo(facts.store_zone))
    clock = CaseClock(
        platform=platform,
        site=facts.site,
        kind=facts.kind,
        state=facts.state,
        reason=facts.reason,
        since=facts.since,
        platform_given=facts.platform_given,
        paid=facts.paid,
        online_shipping=facts.online_shipping,
        opened_at=facts.opened_at,
    )
    due = platform_deadline(
        clock, calendar=calendar, holidays=holidays(calendar.country, facts.since.year)
    )
    hours = shop.working_hours(holidays(shop.holiday_country, facts.since.year))
    waiting = facts.state in WAITING_ON_BUYER[facts.kind]
    paused_since, paused_seconds = pause(
        facts.paused_since, facts.paused_seconds, waiting=waiting, at=facts.since, hours=hours
    )
    shop_due = None
    if paused_since is None:
        shop_due = shop_deadline(
            facts.opened_at,
            hours=hours,
            target_hours=SHOP_TARGET_HOURS[facts.kind],
            paused_seconds=paused_seconds,
        )
    return {
        "platform_due_at": due.due_at if due else None,
        "platform_due_source": due.source.value if due else None,
        "platform_due_rule": due.rule if due else None,
        "shop_due_at": shop_due,
        "shop_due_rule": SHOP_RULE if shop_due else None,
        "paused_since": paused_since,
        "paused_seconds": paused_seconds,
        # A new due date may breach again: its notice is owed once more.
        "breach_notified_at": None,
    }


def mark_of(facts: CaseFacts) -> ColourMark | None:
    return suggest_mark(
        facts.kind,
        facts.state,
        facts.reason,
        facts.solution,
        big_or_returning_buyer=facts.returning_buyer,
        tracking_sent=facts.tracking_sent,
    )
