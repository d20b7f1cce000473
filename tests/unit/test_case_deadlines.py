"""The platform's clock of a case (domain/cases/deadlines.py): every rule of `RULES` with a
fixed clock, across weekends, public holidays (real dates from the `holidays` package) and
time zones."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kefu.adapters.holidays import holidays_between
from kefu.domain.cases.deadlines import (
    PLATFORM_GIVEN,
    RULES,
    CaseClock,
    Deadline,
    OnBreach,
    SiteCalendar,
    Unit,
    add_business_days,
    dispute_opening_window,
    platform_deadline,
    site_calendar,
)
from kefu.domain.cases.model import CaseInputError, CaseKind, CaseReason, CaseState, DueSource
from kefu.domain.stores import SITES
from kefu.domain.types import Marketplace

LA = ZoneInfo("America/Los_Angeles")
LONDON = ZoneInfo("Europe/London")
BERLIN = ZoneInfo("Europe/Berlin")
SYDNEY = ZoneInfo("Australia/Sydney")
SHANGHAI = ZoneInfo("Asia/Shanghai")
K, S, R = CaseKind, CaseState, CaseReason


def end_of(day: date, zone: ZoneInfo) -> datetime:
    return datetime(day.year, day.month, day.day, 23, 59, 59, tzinfo=zone)


def deadline(clock: CaseClock, store_zone: ZoneInfo = SHANGHAI) -> Deadline | None:
    """The clock's platform deadline with the site's real holidays for the years around it."""
    calendar = site_calendar(clock.platform, clock.site, store_zone)
    start = clock.since.date()
    holidays = holidays_between(calendar.country, start, start + timedelta(days=60))
    return platform_deadline(clock, calendar=calendar, holidays=holidays)


def computed(clock: CaseClock, store_zone: ZoneInfo = SHANGHAI) -> Deadline:
    found = deadline(clock, store_zone)
    assert found is not None
    assert found.source is DueSource.COMPUTED
    return found


# --- the rule table ------------------------------------------------------------------------


def test_every_rule_is_complete_and_named_once() -> None:
    walked = 0
    for rule in RULES:
        walked += 1
        assert rule.id.count(".") == 2, rule.id
        assert rule.kinds and rule.states and rule.amount > 0
        # A platform's published page, kefu's own SPEC (from the seeds), or marked ⚠.
        title, url = rule.source.title, rule.source.url
        assert url.startswith("https://") or "SPEC" in title or "⚠" in title, rule.id
        assert rule.what.endswith("."), rule.id
        assert not rule.states & {S.CLOSED, S.CANCELLED, S.TIMED_OUT}, rule.id
    assert walked == len(RULES) == 11
    assert len({rule.id for rule in RULES}) == len(RULES)


def test_only_the_unanswered_ebay_cancellation_times_out_by_itself() -> None:
    timing_out = [rule.id for rule in RULES if rule.on_breach is OnBreach.TIME_OUT]
    assert timing_out == ["ebay.cancellation.answer"]


# --- eBay: business days of the site --------------------------------------------------------


def test_friday_evening_in_los_angeles_before_labor_day_is_due_end_of_thursday() -> None:
    # Friday 4 September 2026, 20:00 in Los Angeles (Saturday 03:00 UTC); Monday 7 September
    # is Labor Day. Business days: Tuesday, Wednesday, Thursday.
    since = datetime(2026, 9, 4, 20, 0, tzinfo=LA)
    assert since.astimezone(UTC).weekday() == 5
    found = computed(
        CaseClock(Marketplace.EBAY, "ebay.com", K.CANCELLATION, S.OPEN, R.OTHER, since)
    )
    assert found == Deadline(
        end_of(date(2026, 9, 10), LA),
        DueSource.COMPUTED,
        "ebay.cancellation.answer",
        OnBreach.TIME_OUT,
    )


def test_the_same_request_from_a_shanghai_store_still_counts_in_los_angeles() -> None:
    since = datetime(2026, 9, 5, 11, 0, tzinfo=SHANGHAI)  # the same instant as above
    clock = CaseClock(Marketplace.EBAY, "ebay.com", K.CANCELLATION, S.OPEN, R.OTHER, since)
    assert computed(clock, store_zone=SHANGHAI).due_at == end_of(date(2026, 9, 10), LA)


def test_an_ebay_co_uk_return_skips_good_friday_but_not_easter_monday() -> None:
    # eBay UK counts UK-wide bank holidays: Good Friday is one, Easter Monday is not (not in
    # Scotland). Thursday 2 April 2026 15:00 London → Monday, Tuesday, Wednesday.
    since = datetime(2026, 4, 2, 15, 0, tzinfo=LONDON)
    found = computed(CaseClock(Marketplace.EBAY, "ebay.co.uk", K.RETURN, S.OPEN, R.SIZE_FIT, since))
    assert found.due_at == end_of(date(2026, 4, 8), LONDON)
    assert found.due_at.astimezone(UTC) == datetime(2026, 4, 8, 22, 59, 59, tzinfo=UTC)  # BST
    assert (found.rule, found.on_breach) == ("ebay.return.answer", OnBreach.ESCALATES)


def test_an_ebay_co_uk_return_over_christmas_skips_the_boxing_day_substitute() -> None:
    # Wednesday 23 December 2026: Thursday 24 (1), Friday 25 Christmas, weekend, Monday 28
    # Boxing Day (substitute), Tuesday 29 (2), Wednesday 30 (3).
    since = datetime(2026, 12, 23, 9, 0, tzinfo=LONDON)
    clock = CaseClock(Marketplace.EBAY, "ebay.co.uk", K.EXCHANGE, S.OPEN, R.DAMAGED, since)
    assert computed(clock).due_at == end_of(date(2026, 12, 30), LONDON)


def test_an_accepted_paid_ebay_cancellation_is_refunded_within_ten_business_days() -> None:
    # Monday 23 November 2026 in Los Angeles; Thanksgiving (26th) is skipped.
    since = datetime(2026, 11, 23, 10, 0, tzinfo=LA)
    clock = CaseClock(Marketplace.EBAY, "ebay.com", K.CANCELLATION, S.APPROVED, R.OTHER, since)
    found = computed(clock)
    assert (found.due_at, found.rule) == (end_of(date(2026, 12, 8), LA), "ebay.cancellation.refund")
    unpaid = CaseClock(
        Marketplace.EBAY, "ebay.com", K.CANCELLATION, S.APPROVED, R.OTHER, since, paid=False
    )
    assert deadline(unpaid) is None


def test_a_returned_item_on_ebay_de_is_refunded_within_two_business_days() -> None:
    # Wednesday 23 December 2026 in Berlin: Thursday 24 (1), 25 and 26 holidays, weekend,
    # Monday 28 (2).
    since = datetime(2026, 12, 23, 16, 0, tzinfo=BERLIN)
    clock = CaseClock(Marketplace.EBAY, "ebay.de", K.RETURN, S.RETURN_RECEIVED, R.QUALITY, since)
    found = computed(clock)
    assert (found.due_at, found.rule) == (end_of(date(2026, 12, 28), BERLIN), "ebay.return.refund")


def test_an_ebay_australia_inquiry_skips_australia_day() -> None:
    # Friday 22 January 2027 in Sydney: Monday 25 (1), Tuesday 26 Australia Day, 27, 28.
    since = datetime(2027, 1, 22, 10, 0, tzinfo=SYDNEY)
    clock = CaseClock(
        Marketplace.EBAY, "ebay.com.au", K.NOT_RECEIVED, S.OPEN, R.NOT_RECEIVED, since
    )
    found = computed(clock)
    assert (found.due_at, found.rule) == (end_of(date(2027, 1, 28), SYDNEY), "ebay.inquiry.answer")
    assert found.on_breach is OnBreach.ESCALATES


def test_an_answered_ebay_return_closes_after_21_business_days_without_activity() -> None:
    # From Monday 1 June 2026 in Los Angeles; Juneteenth (19 June) is skipped.
    since = datetime(2026, 6, 1, 9, 0, tzinfo=LA)
    clock = CaseClock(Marketplace.EBAY, "ebay.com", K.RETURN, S.APPROVED, R.SIZE_FIT, since)
    found = computed(clock)
    assert (found.due_at, found.rule) == (end_of(date(2026, 7, 1), LA), "ebay.no_activity.close")
    assert found.on_breach is OnBreach.NOTIFY


# --- AliExpress: calendar days --------------------------------------------------------------


def test_an_aliexpress_dispute_is_answered_in_5_days_and_the_platform_steps_in_at_7() -> None:
    opened = datetime(2026, 12, 4, 10, 0, tzinfo=SHANGHAI)  # a Friday: weekends count
    clock = CaseClock(
        Marketplace.ALIEXPRESS, "aliexpress.com", K.DISPUTE, S.OPEN, R.QUALITY, opened
    )
    answer = computed(clock)
    assert answer == Deadline(
        datetime(2026, 12, 9, 10, 0, tzinfo=SHANGHAI),
        DueSource.COMPUTED,
        "aliexpress.dispute.answer",
        OnBreach.NOTIFY,
    )
    proposed = CaseClock(
        Marketplace.ALIEXPRESS,
        "aliexpress.com",
        K.DISPUTE,
        S.PROPOSED,
        R.QUALITY,
        since=opened + timedelta(days=2),
        opened_at=opened,
    )
    platform = computed(proposed)
    assert platform.due_at == datetime(2026, 12, 11, 10, 0, tzinfo=SHANGHAI)
    assert (platform.rule, platform.on_breach) == (
        "aliexpress.dispute.platform",
        OnBreach.ESCALATES,
    )


@pytest.mark.parametrize("state", [S.OPEN, S.PROPOSED])
@pytest.mark.parametrize("reason", [R.NOT_RECEIVED, R.LATE_DELIVERY])
def test_a_logistics_dispute_shipped_through_online_shipping_has_no_clock(
    state: CaseState, reason: CaseReason
) -> None:
    since = datetime(2026, 12, 4, 10, 0, tzinfo=SHANGHAI)
    online = CaseClock(
        Marketplace.ALIEXPRESS, "aliexpress.com", K.DISPUTE, state, reason, since,
        online_shipping=True,
    )  # fmt: skip
    assert deadline(online) is None
    own_courier = CaseClock(
        Marketplace.ALIEXPRESS, "aliexpress.com", K.DISPUTE, state, reason, since
    )
    assert deadline(own_courier) is not None


def test_a_quality_dispute_needs_an_answer_even_with_online_shipping() -> None:
    since = datetime(2026, 12, 4, 10, 0, tzinfo=SHANGHAI)
    clock = CaseClock(
        Marketplace.ALIEXPRESS, "aliexpress.com", K.DISPUTE, S.OPEN, R.DAMAGED, since,
        online_shipping=True,
    )  # fmt: skip
    assert computed(clock).rule == "aliexpress.dispute.answer"


def test_the_opening_window_of_an_aliexpress_dispute() -> None:
    shipped = datetime(2026, 12, 1, 9, 0, tzinfo=SHANGHAI)
    assert (
        dispute_opening_window(
            promised_delivery_days=4, all_shipped_at=shipped, last_shipped_at=shipped
        )
        == shipped
    )
    assert (
        dispute_opening_window(
            promised_delivery_days=4, all_shipped_at=None, last_shipped_at=shipped
        )
        is None
    )
    assert dispute_opening_window(
        promised_delivery_days=5, all_shipped_at=None, last_shipped_at=shipped
    ) == shipped + timedelta(days=5)
    assert (
        dispute_opening_window(promised_delivery_days=30, all_shipped_at=None, last_shipped_at=None)
        is None
    )
    with pytest.raises(CaseInputError) as refused:
        dispute_opening_window(promised_delivery_days=-1, all_shipped_at=None, last_shipped_at=None)
    assert refused.value.params["field"] == "promised_delivery_days"


# --- Amazon and Wish ------------------------------------------------------------------------


def test_an_amazon_return_is_48_real_hours_across_the_clock_change() -> None:
    # Saturday 7 March 2026, 12:00 PST; clocks go forward on Sunday 8 March at 02:00.
    since = datetime(2026, 3, 7, 12, 0, tzinfo=LA)
    clock = CaseClock(Marketplace.AMAZON, "amazon.com", K.RETURN, S.OPEN, R.SIZE_FIT, since)
    found = computed(clock, store_zone=LA)
    # Same-zone subtraction in Python is wall-clock time (47 h here): compare in UTC.
    assert found.due_at.astimezone(UTC) - since.astimezone(UTC) == timedelta(hours=48)
    assert found.due_at == datetime(2026, 3, 9, 13, 0, tzinfo=LA)  # PDT on the wall clock
    assert (found.rule, found.on_breach) == ("amazon.return.answer", OnBreach.ESCALATES)


def test_an_amazon_return_received_is_refunded_within_two_business_days() -> None:
    # Friday 3 July 2026 is the observed Independence Day: Monday 6 (1), Tuesday 7 (2).
    since = datetime(2026, 7, 2, 15, 0, tzinfo=LA)
    clock = CaseClock(Marketplace.AMAZON, "amazon.com", K.RETURN, S.RETURN_RECEIVED, R.OTHER, since)
    found = computed(clock, store_zone=LA)
    assert (found.due_at, found.rule) == (end_of(date(2026, 7, 7), LA), "amazon.return.refund")
    assert found.on_breach is OnBreach.ESCALATES


def test_a_wish_ticket_is_kefus_reading_of_a_few_business_days_in_the_store_zone() -> None:
    since = datetime(2026, 12, 4, 17, 0, tzinfo=SHANGHAI)  # Friday
    clock = CaseClock(Marketplace.WISH, "wish.com", K.REFUND, S.OPEN, R.QUALITY, since)
    found = computed(clock, store_zone=SHANGHAI)
    assert (found.due_at, found.rule) == (end_of(date(2026, 12, 9), SHANGHAI), "wish.ticket.answer")
    assert "⚠" in next(r for r in RULES if r.id == found.rule).source.title


# --- platform-given dates and no clock ------------------------------------------------------


def test_a_date_the_platform_gives_wins_over_the_rule() -> None:
    since = datetime(2026, 9, 4, 20, 0, tzinfo=LA)
    given = datetime(2026, 9, 9, 7, 0, tzinfo=UTC)
    clock = CaseClock(
        Marketplace.EBAY, "ebay.com", K.RETURN, S.OPEN, R.QUALITY, since, platform_given=given
    )
    assert deadline(clock) == Deadline(
        given, DueSource.PLATFORM, "ebay.return.answer", OnBreach.ESCALATES
    )


def test_a_platform_date_where_kefu_has_no_rule_is_kept_under_its_own_name() -> None:
    # An eBay Money Back Guarantee case: casemanagement actionDeadlines, no rule of kefu's.
    given = datetime(2026, 9, 12, 7, 0, tzinfo=UTC)
    clock = CaseClock(
        Marketplace.EBAY, "ebay.com", K.DISPUTE, S.ESCALATED, R.NOT_AS_DESCRIBED,
        datetime(2026, 9, 4, tzinfo=UTC), platform_given=given,
    )  # fmt: skip
    assert deadline(clock) == Deadline(given, DueSource.PLATFORM, PLATFORM_GIVEN, OnBreach.NOTIFY)
    assert deadline(CaseClock(**{**clock.__dict__, "platform_given": None})) is None


@pytest.mark.parametrize(
    ("platform", "site", "kind", "state"),
    [
        (Marketplace.EBAY, "ebay.com", K.COMPLAINT, S.OPEN),
        (Marketplace.EBAY, "ebay.com", K.RETURN, S.CLOSED),
        (Marketplace.EBAY, "ebay.com", K.CANCELLATION, S.TIMED_OUT),
        (Marketplace.ALIEXPRESS, "aliexpress.com", K.DISPUTE, S.AGREED),
        (Marketplace.AMAZON, "amazon.de", K.RETURN, S.APPROVED),
        (Marketplace.WISH, "wish.com", K.COMPLAINT, S.OPEN),
    ],
)
def test_no_platform_clock_runs(
    platform: Marketplace, site: str, kind: CaseKind, state: CaseState
) -> None:
    clock = CaseClock(platform, site, kind, state, R.OTHER, datetime(2026, 12, 4, tzinfo=UTC))
    assert deadline(clock) is None


# --- the site's calendar --------------------------------------------------------------------


def test_every_ebay_site_has_its_own_zone_and_country() -> None:
    walked = 0
    for site, country in SITES[Marketplace.EBAY].items():
        walked += 1
        calendar = site_calendar(Marketplace.EBAY, site, SHANGHAI)
        assert calendar.zone != SHANGHAI, site
        assert calendar.country == country
        assert calendar.workdays == frozenset({0, 1, 2, 3, 4})
    assert walked == len(SITES[Marketplace.EBAY]) == 14
    assert site_calendar(Marketplace.EBAY, "ebay.com", SHANGHAI).zone == LA
    assert site_calendar(Marketplace.EBAY, "ebay.co.uk", SHANGHAI) == SiteCalendar(LONDON, "GB")


def test_aliexpress_and_wish_count_in_the_store_zone_without_holidays() -> None:
    ali = site_calendar(Marketplace.ALIEXPRESS, "aliexpress.com", SHANGHAI)
    assert (ali.zone, ali.country, len(ali.workdays)) == (SHANGHAI, None, 7)
    wish = site_calendar(Marketplace.WISH, "wish.com", LA)
    assert (wish.zone, wish.country) == (LA, None)
    amazon = site_calendar(Marketplace.AMAZON, "amazon.co.uk", SHANGHAI)
    assert (amazon.zone, amazon.country) == (SHANGHAI, "GB")


def test_add_business_days_refuses_zero_days() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        add_business_days(datetime(2026, 12, 4, tzinfo=UTC), 0, SiteCalendar(LA, "US"), ())


def test_a_site_with_no_business_day_is_refused_instead_of_looping() -> None:
    never = SiteCalendar(LA, None, frozenset())
    with pytest.raises(ValueError, match="no business day"):
        add_business_days(datetime(2026, 12, 4, tzinfo=UTC), 1, never, ())


ZONES = [LA, LONDON, BERLIN, SYDNEY, SHANGHAI, ZoneInfo("Pacific/Kiritimati")]
US_HOLIDAYS = holidays_between("US", date(2026, 1, 1), date(2029, 12, 31))


@given(
    start=st.datetimes(
        min_value=datetime(2026, 1, 1), max_value=datetime(2028, 12, 31), timezones=st.just(UTC)
    ),
    days=st.integers(min_value=1, max_value=30),
    zone=st.sampled_from(ZONES),
    workdays=st.frozensets(st.integers(0, 6), min_size=1),
)
def test_business_days_land_on_a_business_day_after_the_start(
    start: datetime, days: int, zone: ZoneInfo, workdays: frozenset[int]
) -> None:
    calendar = SiteCalendar(zone, "US", workdays)
    due = add_business_days(start, days, calendar, US_HOLIDAYS)
    local = due.astimezone(zone)
    assert calendar.is_business_day(local.date(), US_HOLIDAYS)
    assert due > start
    assert local.date() > start.astimezone(zone).date()
    counted = sum(
        calendar.is_business_day(start.astimezone(zone).date() + timedelta(days=n), US_HOLIDAYS)
        for n in range(1, (local.date() - start.astimezone(zone).date()).days + 1)
    )
    assert counted == days
    assert add_business_days(start, days + 1, calendar, US_HOLIDAYS) > due


def test_every_unit_is_used_by_some_rule() -> None:
    assert {rule.unit for rule in RULES} == set(Unit)


def test_docs_cases_lists_every_rule_with_its_source() -> None:
    page = (Path(__file__).parents[2] / "docs" / "cases.md").read_text(encoding="utf-8")
    walked = 0
    for rule in RULES:
        walked += 1
        assert f"`{rule.id}`" in page, rule.id
        assert rule.source.url in page, rule.id
    assert walked == 11
    for kind in CaseKind:
        assert f"### {kind.value}\n" in page, kind


@pytest.mark.parametrize("field", ["since", "platform_given", "opened_at"])
def test_a_time_without_a_zone_is_refused_by_name(field: str) -> None:
    aware = datetime(2026, 12, 4, 10, 0, tzinfo=UTC)
    times = {"since": aware, "platform_given": aware, "opened_at": aware}
    times[field] = datetime(2026, 12, 4, 10, 0)
    with pytest.raises(CaseInputError) as refused:
        CaseClock(Marketplace.EBAY, "ebay.com", K.RETURN, S.OPEN, R.OTHER, **times)
    assert refused.value.params["field"] == field
    with pytest.raises(ValueError, match="time zone"):
        add_business_days(datetime(2026, 12, 4), 1, SiteCalendar(LA, None), ())


def test_holidays_between_spans_every_year_of_the_window() -> None:
    found = holidays_between("GB", date(2026, 12, 20), date(2027, 1, 10))
    assert {date(2026, 12, 25), date(2027, 1, 1), date(2028, 1, 3)} <= found  # and the next year
    assert holidays_between(None, date(2026, 1, 1), date(2026, 1, 2)) == frozenset()
    with pytest.raises(ValueError, match="ends before"):
        holidays_between("GB", date(2027, 1, 1), date(2026, 1, 1))


SITE_OF = {
    Marketplace.EBAY: ["ebay.com", "ebay.co.uk", "ebay.de", "ebay.com.au"],
    Marketplace.AMAZON: ["amazon.com", "amazon.co.uk"],
    Marketplace.ALIEXPRESS: ["aliexpress.com"],
    Marketplace.WISH: ["wish.com"],
}
ANY_HOLIDAYS = holidays_between("US", date(2026, 1, 1), date(2028, 12, 31)) | holidays_between(
    "GB", date(2026, 1, 1), date(2028, 12, 31)
)


@given(
    platform=st.sampled_from(Marketplace),
    pick=st.integers(0, 3),
    kind=st.sampled_from(CaseKind),
    state=st.sampled_from(CaseState),
    reason=st.sampled_from(CaseReason),
    since=st.datetimes(datetime(2026, 1, 1), datetime(2027, 12, 31), timezones=st.just(UTC)),
    paid=st.booleans(),
    online=st.booleans(),
)
def test_a_computed_deadline_is_after_the_start_and_named_by_a_matching_rule(
    platform: Marketplace,
    pick: int,
    kind: CaseKind,
    state: CaseState,
    reason: CaseReason,
    since: datetime,
    paid: bool,
    online: bool,
) -> None:
    site = SITE_OF[platform][pick % len(SITE_OF[platform])]
    clock = CaseClock(platform, site, kind, state, reason, since, paid=paid, online_shipping=online)
    calendar = site_calendar(platform, site, SHANGHAI)
    found = platform_deadline(clock, calendar=calendar, holidays=ANY_HOLIDAYS)
    matching = [rule for rule in RULES if rule.applies(clock)]
    if found is None:
        assert matching == []
        return
    rule = next(rule for rule in matching if rule.id == found.rule)
    assert found.on_breach is rule.on_breach
    assert found.due_at > since
    assert found.due_at - since >= timedelta(hours=min(24, rule.amount))
    assert state not in {S.CLOSED, S.CANCELLED, S.TIMED_OUT}


def test_online_shipping_is_read_from_an_aliexpress_parcels_carrier() -> None:
    from kefu.domain.cases.deadlines import shipped_online

    assert shipped_online(Marketplace.ALIEXPRESS, ["Cainiao Super Economy Global"])
    assert shipped_online(Marketplace.ALIEXPRESS, ["China Post", "AliExpress Standard Shipping"])
    assert not shipped_online(Marketplace.ALIEXPRESS, ["China Post Air Mail", "YunExpress"])
    assert not shipped_online(Marketplace.ALIEXPRESS, [])
    assert not shipped_online(Marketplace.EBAY, ["Cainiao"])  # only AliExpress has it
