"""Two clocks per case (docs/cases.md "Two clocks").

The platform's clock: the date a platform gives (eBay `sellerResponseDue.respondByDate`, an
inquiry's `escalationDate`) wins; otherwise kefu computes it from one of `RULES`, each a
platform fact with the document it comes from, counted in the site's business days, calendar
days or hours. The shop's own clock: a target of opening hours (`WorkingHours`), pushed later
while the case waits on the buyer.

Pure: holiday dates and zones come in as arguments (kefu.adapters.holidays builds the sets).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from types import MappingProxyType
from zoneinfo import ZoneInfo

from kefu.domain.calendar import WorkingHours
from kefu.domain.cases.model import (
    LOGISTICS_REASONS,
    CaseInputError,
    CaseKind,
    CaseReason,
    CaseState,
    DueSource,
)
from kefu.domain.platform_rules import Source
from kefu.domain.stores import region_of_site
from kefu.domain.types import Marketplace

K, S = CaseKind, CaseState


class OnBreach(StrEnum):
    """What the platform does when its clock runs out."""

    TIME_OUT = "time_out"  # the request closes by itself (eBay: counted as declined)
    ESCALATES = "escalates"  # the buyer may ask the platform to step in, or it steps in
    NOTIFY = "notify"  # nothing automatic is known: kefu warns the holder and the lead


class Unit(StrEnum):
    BUSINESS_DAYS = "business_days"  # the site's weekdays minus its public holidays
    CALENDAR_DAYS = "calendar_days"  # 24-hour periods, weekends and holidays included
    HOURS = "hours"


class Anchor(StrEnum):
    """The instant a rule's clock starts from."""

    STATE = "state"  # when the case entered its current state
    OPENED = "opened"  # when the case was opened (AliExpress: the platform steps in at day 7)


@dataclass(frozen=True)
class DeadlineRule:
    """One platform fact: while a case of `kinds` is in one of `states`, the shop has
    `amount` `unit`s; `on_breach` says what happens after."""

    id: str  # stable, stored in cases.platform_due_rule
    platform: Marketplace | None  # None: any platform
    kinds: frozenset[CaseKind]
    states: frozenset[CaseState]
    amount: int
    unit: Unit
    on_breach: OnBreach
    source: Source
    what: str  # one English sentence; web/labels.py holds the Chinese
    anchor: Anchor = Anchor.STATE
    paid_only: bool = False  # runs only when the order was paid (eBay refund after cancel)
    # The clock does not run for a logistics dispute on an order shipped through the
    # platform's own online shipping (AliExpress: no seller response needed, SPEC §8).
    not_for_online_logistics: bool = False

    def applies(self, clock: CaseClock) -> bool:
        return (
            (self.platform is None or self.platform is clock.platform)
            and clock.kind in self.kinds
            and clock.state in self.states
            and (clock.paid or not self.paid_only)
            and not (self.not_for_online_logistics and is_online_logistics(clock))
        )


def is_online_logistics(clock: CaseClock) -> bool:
    return clock.online_shipping and clock.reason in LOGISTICS_REASONS


# AliExpress's online shipping (线上发货): the platform's own logistics services, whose
# logistics disputes the platform answers (SPEC §8). Matched in a parcel's carrier name.
ONLINE_SHIPPING_CARRIERS = ("cainiao", "aliexpress standard", "aliexpress premium",
                            "aliexpress saver", "aliexpress selection", "菜鸟")  # fmt: skip


def shipped_online(platform: Marketplace, carriers: Collection[str]) -> bool:
    """Whether an order went by the platform's online shipping, from its parcels' carriers."""
    if platform is not Marketplace.ALIEXPRESS:
        return False
    names = [c.casefold() for c in carriers]
    return any(mark in name for name in names for mark in ONLINE_SHIPPING_CARRIERS)


# --- the documents -------------------------------------------------------------------------

EBAY_CANCEL = Source(
    "kefu SPEC §2 (seed 003): eBay cancellation requests — 3 business days to accept or "
    "decline, no answer = declined; accepted and paid: refund within 10 business days "
    "(eBay UK Help, Cancel a sale: refund within 10 days)",
    "https://ocsnext.ebay.co.uk/ocs/sr?query=1622&topicName=Cancel+a+sale&st=6&levelHierarchy=3a3a3",
)
EBAY_RETURNS = Source(
    "kefu SPEC §13; eBay UK Seller Centre: response time for returns and item-not-received "
    "reports is 3 business days (Monday-Friday, UK-wide bank holidays excluded)",
    "https://www.ebay.co.uk/sellercentre/news/february-2020-index/changes-return-window",
)
EBAY_RETURN_REFUND = Source(
    "eBay seller returns help: once the item is back, 2 business days to refund or ask eBay "
    "to step in (⚠ read on third-party copies of eBay's page; check before relying)"
)
EBAY_NO_ACTIVITY = Source(
    "kefu SPEC §13: eBay requests with no activity close after 21 business days"
)
ALI_DISPUTES = Source(
    "kefu SPEC §8 (seed 003) and §13: AliExpress disputes — respond within 5 days, the "
    "platform steps in at 7; a logistics dispute with online shipping needs no response",
)
AMAZON_RETURNS = Source(
    "kefu PLATFORMS.md: Amazon return requests — 48 hours or A-to-z risk (⚠ third-party "
    "figure; Seller Central recommends answering within 24 hours and auto-authorizes US "
    "in-policy returns)",
    "https://sellercentral.amazon.com/gp/help/external/help.html?itemID=69126&language=en_US",
)
AMAZON_RETURN_REFUND = Source(
    "Amazon Seller Central, Returns, refunds, cancellations, and claims: refund within two "
    "business days of receiving a return, or Amazon may refund and charge the seller",
    "https://sellercentral.amazon.com/gp/help/external/help.html?itemID=69126&language=en_US",
)
WISH_TICKETS = Source(
    "Wish Merchant Policies, Customer Service: respond 'within a few business days' — the 3 "
    "business days are kefu's reading (⚠ Wish names no number)",
    "https://merchantfaq.wish.com/hc/en-us/articles/204531358-What-are-support-tickets-",
)

_RETURNS = frozenset({K.RETURN, K.EXCHANGE})  # eBay: a return request (money back or replacement)
_AFTER_ANSWER = frozenset({S.APPROVED, S.RETURN_SHIPPED, S.DECLINED, S.PROPOSED, S.SHIPPED})

RULES: tuple[DeadlineRule, ...] = (
    DeadlineRule(
        "ebay.cancellation.answer",
        Marketplace.EBAY,
        frozenset({K.CANCELLATION}),
        frozenset({S.OPEN}),
        3,
        Unit.BUSINESS_DAYS,
        OnBreach.TIME_OUT,
        EBAY_CANCEL,
        "Accept or decline the cancellation request; unanswered it times out and counts as "
        "declined.",
    ),
    DeadlineRule(
        "ebay.cancellation.refund",
        Marketplace.EBAY,
        frozenset({K.CANCELLATION}),
        frozenset({S.APPROVED}),
        10,
        Unit.BUSINESS_DAYS,
        OnBreach.ESCALATES,
        EBAY_CANCEL,
        "Refund the buyer of a paid order whose cancellation was accepted; after that the "
        "buyer may report the item not received.",
        paid_only=True,
    ),
    DeadlineRule(
        "ebay.return.answer",
        Marketplace.EBAY,
        _RETURNS,
        frozenset({S.OPEN}),
        3,
        Unit.BUSINESS_DAYS,
        OnBreach.ESCALATES,
        EBAY_RETURNS,
        "Answer the return request; after that the buyer may ask eBay to step in.",
    ),
    DeadlineRule(
        "ebay.return.refund",
        Marketplace.EBAY,
        frozenset({K.RETURN}),
        frozenset({S.RETURN_RECEIVED, S.INSPECTED}),
        2,
        Unit.BUSINESS_DAYS,
        OnBreach.ESCALATES,
        EBAY_RETURN_REFUND,
        "Refund the returned item, or ask eBay to step in.",
    ),
    DeadlineRule(
        "ebay.inquiry.answer",
        Marketplace.EBAY,
        frozenset({K.NOT_RECEIVED}),
        frozenset({S.OPEN}),
        3,
        Unit.BUSINESS_DAYS,
        OnBreach.ESCALATES,
        EBAY_RETURNS,
        "Answer the item-not-received report; after that the buyer may ask eBay to step in.",
    ),
    DeadlineRule(
        "ebay.no_activity.close",
        Marketplace.EBAY,
        frozenset({K.RETURN, K.EXCHANGE, K.NOT_RECEIVED}),
        _AFTER_ANSWER,
        21,
        Unit.BUSINESS_DAYS,
        OnBreach.NOTIFY,
        EBAY_NO_ACTIVITY,
        "With no activity the request closes by itself.",
    ),
    DeadlineRule(
        "aliexpress.dispute.answer",
        Marketplace.ALIEXPRESS,
        frozenset({K.DISPUTE}),
        frozenset({S.OPEN}),
        5,
        Unit.CALENDAR_DAYS,
        OnBreach.NOTIFY,
        ALI_DISPUTES,
        "Answer the dispute: agree, or propose the shop's own solution.",
        anchor=Anchor.OPENED,
        not_for_online_logistics=True,
    ),
    DeadlineRule(
        "aliexpress.dispute.platform",
        Marketplace.ALIEXPRESS,
        frozenset({K.DISPUTE}),
        frozenset({S.OPEN, S.PROPOSED}),
        7,
        Unit.CALENDAR_DAYS,
        OnBreach.ESCALATES,
        ALI_DISPUTES,
        "Agree a solution with the buyer before AliExpress steps in.",
        anchor=Anchor.OPENED,
        not_for_online_logistics=True,
    ),
    DeadlineRule(
        "amazon.return.answer",
        Marketplace.AMAZON,
        frozenset({K.RETURN, K.EXCHANGE, K.REFUND}),
        frozenset({S.OPEN}),
        48,
        Unit.HOURS,
        OnBreach.ESCALATES,
        AMAZON_RETURNS,
        "Answer the return request; after that the buyer may file an A-to-z claim.",
    ),
    DeadlineRule(
        "amazon.return.refund",
        Marketplace.AMAZON,
        frozenset({K.RETURN}),
        frozenset({S.RETURN_RECEIVED, S.INSPECTED}),
        2,
        Unit.BUSINESS_DAYS,
        OnBreach.ESCALATES,
        AMAZON_RETURN_REFUND,
        "Refund the returned item; after that Amazon may refund the buyer and charge the shop.",
    ),
    DeadlineRule(
        "wish.ticket.answer",
        Marketplace.WISH,
        frozenset(set(K) - {K.COMPLAINT}),
        frozenset({S.OPEN}),
        3,
        Unit.BUSINESS_DAYS,
        OnBreach.NOTIFY,
        WISH_TICKETS,
        "Answer the buyer's ticket (kefu's reading of Wish's 'a few business days').",
    ),
)

PLATFORM_GIVEN = "platform.given"  # the rule id of a platform date no rule of kefu's matches


# --- the site's calendar -------------------------------------------------------------------

WEEKDAYS = frozenset({0, 1, 2, 3, 4})  # Monday = 0
EVERY_DAY = frozenset(range(7))

# eBay counts business days on the site's own calendar. ⚠ eBay.com: eBay runs on Pacific
# time (its listings and timestamps shown in PT); no page says the response window does.
EBAY_ZONES: Mapping[str, str] = MappingProxyType(
    {
        "ebay.com": "America/Los_Angeles",
        "ebay.ca": "America/Toronto",
        "ebay.co.uk": "Europe/London",
        "ebay.ie": "Europe/Dublin",
        "ebay.de": "Europe/Berlin",
        "ebay.at": "Europe/Vienna",
        "ebay.ch": "Europe/Zurich",
        "ebay.fr": "Europe/Paris",
        "ebay.be": "Europe/Brussels",
        "ebay.nl": "Europe/Amsterdam",
        "ebay.it": "Europe/Rome",
        "ebay.es": "Europe/Madrid",
        "ebay.pl": "Europe/Warsaw",
        "ebay.com.au": "Australia/Sydney",
    }
)


@dataclass(frozen=True)
class SiteCalendar:
    """Where business days are counted: a zone, the country whose public holidays are
    skipped (None: none), and the weekdays that are business days."""

    zone: ZoneInfo
    country: str | None
    workdays: frozenset[int] = WEEKDAYS

    def is_business_day(self, day: date, holidays: Collection[date]) -> bool:
        return day.weekday() in self.workdays and day not in holidays


def site_calendar(platform: Marketplace, site: str, store_zone: ZoneInfo) -> SiteCalendar:
    """eBay: the site's zone and country (ebay.co.uk: London, GB bank holidays); Amazon:
    the store's zone, the site's country; AliExpress and Wish: calendar days in the store's
    zone, no holidays."""
    if platform is Marketplace.EBAY:
        zone = EBAY_ZONES.get(site)
        return SiteCalendar(ZoneInfo(zone) if zone else store_zone, region_of_site(site))
    if platform is Marketplace.AMAZON:
        return SiteCalendar(store_zone, region_of_site(site))
    if platform is Marketplace.WISH:
        return SiteCalendar(store_zone, None)
    return SiteCalendar(store_zone, None, EVERY_DAY)


END_OF_DAY = time(23, 59, 59)


def add_business_days(
    start: datetime, days: int, calendar: SiteCalendar, holidays: Collection[date]
) -> datetime:
    """The end (23:59:59 local) of the `days`-th business day after `start`'s local day.

    The day of the request never counts, even when it is a business day: eBay's "3 business
    days" for a request on Friday 20:00 in Los Angeles before a Monday holiday are Tuesday,
    Wednesday and Thursday, so it is due at the end of Thursday, Los Angeles time.
    """
    if days < 1:
        raise ValueError("business days to add must be at least 1")
    if start.utcoffset() is None:
        raise ValueError("the start of a business-day count needs a time zone")
    day = start.astimezone(calendar.zone).date()
    counted = closed = 0
    while counted < days:
        day += timedelta(days=1)
        if calendar.is_business_day(day, holidays):
            counted, closed = counted + 1, 0
        else:
            closed += 1
            if closed > 366:
                raise ValueError("the site has no business day in the coming year")
    return datetime.combine(day, END_OF_DAY, calendar.zone)


# --- the platform's clock ------------------------------------------------------------------


@dataclass(frozen=True)
class Deadline:
    due_at: datetime
    source: DueSource
    rule: str  # a RULES id, or PLATFORM_GIVEN
    on_breach: OnBreach


@dataclass(frozen=True)
class CaseClock:
    """What the rules need to know about one case now."""

    platform: Marketplace
    site: str
    kind: CaseKind
    state: CaseState
    reason: CaseReason
    since: datetime  # when the case entered its current state
    platform_given: datetime | None = None  # eBay sellerResponseDue.respondByDate…
    paid: bool = True
    online_shipping: bool = False  # shipped through the platform's own online shipping
    opened_at: datetime | None = None  # when the case was opened; None: `since`

    def __post_init__(self) -> None:
        # A time without a zone would be read in the server's zone: a deadline hours off.
        for name in ("since", "platform_given", "opened_at"):
            value = getattr(self, name)
            if value is not None and value.utcoffset() is None:
                raise CaseInputError(f"{name} has no time zone", field=name, value=str(value))


def _due(
    rule: DeadlineRule, clock: CaseClock, calendar: SiteCalendar, holidays: Collection[date]
) -> datetime:
    start = (clock.opened_at or clock.since) if rule.anchor is Anchor.OPENED else clock.since
    if rule.unit is Unit.BUSINESS_DAYS:
        return add_business_days(start, rule.amount, calendar, holidays)
    span = (
        timedelta(days=rule.amount)
        if rule.unit is Unit.CALENDAR_DAYS
        else timedelta(hours=rule.amount)
    )
    # Absolute time: "48 hours" across a clock change is still 48 hours.
    return (start.astimezone(UTC) + span).astimezone(calendar.zone)


def matching_rules(clock: CaseClock) -> tuple[DeadlineRule, ...]:
    return tuple(rule for rule in RULES if rule.applies(clock))


def platform_deadline(
    clock: CaseClock, *, calendar: SiteCalendar, holidays: Collection[date]
) -> Deadline | None:
    """The platform's deadline for the case now, or None where no platform clock runs.

    A date the platform gave wins (source PLATFORM, named after the rule that would
    otherwise apply). Else the earliest due of the matching rules (on a tie, the first in
    `RULES`): an AliExpress dispute still open is due at day 5, one where the shop proposed
    its solution at day 7 after opening, when the platform steps in.
    """
    rules = matching_rules(clock)
    if clock.platform_given is not None:
        first = rules[0] if rules else None
        return Deadline(
            clock.platform_given,
            DueSource.PLATFORM,
            first.id if first else PLATFORM_GIVEN,
            first.on_breach if first else OnBreach.NOTIFY,
        )
    computed = [(_due(rule, clock, calendar, holidays), n, rule) for n, rule in enumerate(rules)]
    if not computed:
        return None
    due_at, _, rule = min(computed, key=lambda found: (found[0], found[1]))
    return Deadline(due_at, DueSource.COMPUTED, rule.id, rule.on_breach)


def dispute_opening_window(
    *,
    promised_delivery_days: int,
    all_shipped_at: datetime | None,
    last_shipped_at: datetime | None,
) -> datetime | None:
    """When an AliExpress buyer may first open a dispute (SPEC §8), None while it cannot be
    known: promised delivery under 5 days → as soon as everything shipped; otherwise 5 days
    after the (last) shipment."""
    if promised_delivery_days < 0:
        raise CaseInputError(
            "the promised delivery time cannot be negative",
            field="promised_delivery_days",
            value=str(promised_delivery_days),
        )
    if promised_delivery_days < 5:
        return all_shipped_at
    return last_shipped_at + timedelta(days=5) if last_shipped_at else None


# --- the shop's clock ----------------------------------------------------------------------

# The shop's default answer targets, in opening hours (9:00-18:00 is 9 a day). Cancellations
# and complaints first: a cancelled order must not ship, and SPEC §8 wants a complaint's
# first feedback quickly.
SHOP_TARGET_HOURS: Mapping[CaseKind, float] = MappingProxyType(
    {
        K.RETURN: 24.0,
        K.EXCHANGE: 24.0,
        K.REPAIR: 24.0,
        K.REFUND: 24.0,
        K.RESHIPMENT: 24.0,
        K.CANCELLATION: 8.0,
        K.DISPUTE: 24.0,
        K.NOT_RECEIVED: 24.0,
        K.COMPLAINT: 8.0,
    }
)


def shop_deadline(
    since: datetime, *, hours: WorkingHours, target_hours: float, paused_seconds: int = 0
) -> datetime:
    """`target_hours` of opening time after `since`, plus the paused opening time.

    `paused_seconds` are seconds of opening time (what `pause` counts when given the
    shop's hours), so a pause over a weekend adds only the opening hours it covered, and
    the result is exact: opening time from `since` to the due date minus the pauses equals
    the target.
    """
    if target_hours < 0 or paused_seconds < 0:
        raise ValueError("a target and a pause cannot be negative")
    return hours.add_working_seconds(since, target_hours * 3600 + paused_seconds)


def pause(
    paused_since: datetime | None,
    paused_seconds: int,
    *,
    waiting: bool,
    at: datetime,
    hours: WorkingHours | None = None,
) -> tuple[datetime | None, int]:
    """Enter or leave a pause of the shop's clock (`waiting`: the case waits on the buyer,
    workflows.WAITING_ON_BUYER); returns the new (paused_since, paused_seconds).

    Leaving a pause adds its length: opening seconds when the shop's `hours` are given —
    what `shop_deadline` expects — otherwise wall seconds. Entering twice or leaving
    when not paused changes nothing (the sweep and a person may both report the step).
    """
    if waiting:
        return (paused_since or at, paused_seconds)
    if paused_since is None:
        return (None, paused_seconds)
    if hours is not None:
        length = hours.working_seconds(paused_since, at)
    else:
        length = max(0.0, (at - paused_since).total_seconds())
    return (None, paused_seconds + round(length))
