"""Parcels with a problem (SPEC §3, §9), buyer kinds (§10), buyer time zones, intents (§3)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from kefu.domain.buyers import BuyerKind, buyer_kind
from kefu.domain.geo import primary_zone
from kefu.domain.intents import GROUP_OF, INTENT_GROUPS, INTENTS, group_of
from kefu.domain.orders import ParcelState, parcel_has_problem
from kefu.domain.types import TrackingStatus
from tests.factories import NOW


def days_ago(days: float) -> timedelta:
    return timedelta(days=days)


def parcel(
    status: TrackingStatus | None, news_days_ago: float | None, shipped_days_ago: float | None = 12
) -> ParcelState:
    return ParcelState(
        latest_status=status,
        latest_event_at=None if news_days_ago is None else NOW - days_ago(news_days_ago),
        shipped_at=None if shipped_days_ago is None else NOW - days_ago(shipped_days_ago),
    )


# --- parcels ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "status",
    [
        TrackingStatus.CUSTOMS_HOLD,
        TrackingStatus.AWAITING_PICKUP,
        TrackingStatus.FAILED_DELIVERY,
        TrackingStatus.EXCEPTION,
        TrackingStatus.RETURNED,
    ],
)
def test_parcel_needing_someone_to_act_is_a_problem_even_with_fresh_news(
    status: TrackingStatus,
) -> None:
    assert parcel_has_problem(parcel(status, news_days_ago=0.1), NOW) is True


def test_delivered_parcel_is_no_problem_however_old_the_news() -> None:
    assert (
        parcel_has_problem(
            parcel(TrackingStatus.DELIVERED, news_days_ago=60, shipped_days_ago=90), NOW
        )
        is False
    )


def test_parcel_in_transit_without_news_for_over_10_days_is_a_problem() -> None:
    assert parcel_has_problem(parcel(TrackingStatus.IN_TRANSIT, news_days_ago=10.5), NOW) is True


def test_parcel_in_transit_with_news_within_10_days_is_fine() -> None:
    assert parcel_has_problem(parcel(TrackingStatus.IN_TRANSIT, news_days_ago=9), NOW) is False


def test_parcel_with_news_exactly_10_days_old_is_not_yet_stale() -> None:
    assert parcel_has_problem(parcel(TrackingStatus.IN_TRANSIT, news_days_ago=10), NOW) is False


def test_shipped_11_days_ago_without_any_tracking_event_is_a_problem() -> None:
    silent = parcel(None, news_days_ago=None, shipped_days_ago=11)

    assert parcel_has_problem(silent, NOW) is True


def test_shipped_3_days_ago_without_any_tracking_event_is_fine() -> None:
    assert parcel_has_problem(parcel(None, news_days_ago=None, shipped_days_ago=3), NOW) is False


def test_recent_news_counts_even_when_shipped_long_ago() -> None:
    recent = parcel(TrackingStatus.ARRIVED_DESTINATION, news_days_ago=2, shipped_days_ago=30)

    assert parcel_has_problem(recent, NOW) is False


def test_parcel_not_shipped_and_without_news_is_no_problem() -> None:
    assert parcel_has_problem(parcel(None, news_days_ago=None, shipped_days_ago=None), NOW) is False


# --- buyer kinds ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("orders", "value_cents", "kind"),
    [
        (0, 0, BuyerKind.NEW),
        (1, 0, BuyerKind.NEW),
        (1, 499_99, BuyerKind.NEW),
        (2, 0, BuyerKind.RETURNING),
        (4, 499_99, BuyerKind.RETURNING),
        (5, 0, BuyerKind.GOLD),
        (12, 10_00, BuyerKind.GOLD),
        (1, 500_00, BuyerKind.GOLD),
        (0, 500_00, BuyerKind.GOLD),
    ],
)
def test_buyer_kind_by_order_count_and_value(
    orders: int, value_cents: int, kind: BuyerKind
) -> None:
    assert buyer_kind(orders, value_cents) is kind


# --- buyer time zone ------------------------------------------------------------------------


def test_us_buyer_is_assumed_on_new_york_time_whatever_cldr_lists_first() -> None:
    assert primary_zone("US", ["America/Adak", "America/Los_Angeles"]) == "America/New_York"
    assert primary_zone("us", []) == "America/New_York"


def test_country_outside_the_table_with_one_cldr_zone_gets_that_zone() -> None:
    assert primary_zone("IS", ["Atlantic/Reykjavik"]) == "Atlantic/Reykjavik"


def test_country_outside_the_table_without_a_zone_has_none() -> None:
    assert primary_zone("XK", []) is None


# --- intents ----------------------------------------------------------------------------------


def test_there_are_24_intents_each_listed_once() -> None:
    assert len(INTENTS) == 24
    assert len(set(INTENTS)) == 24


def test_every_intent_belongs_to_exactly_one_group() -> None:
    for intent in INTENTS:
        groups = [g for g, members in INTENT_GROUPS.items() if intent in members]
        assert groups == [GROUP_OF[intent]], intent
        assert group_of(intent) == groups[0]


def test_every_listed_intent_is_in_the_intent_list() -> None:
    listed = [i for members in INTENT_GROUPS.values() for i in members]

    assert sorted(listed) == sorted(INTENTS)


def test_the_four_trainee_groups_of_spec_section_3_exist() -> None:
    assert {"product", "logistics", "customs", "payment"} <= set(INTENT_GROUPS)


@pytest.mark.parametrize(
    ("intent", "group"),
    [
        ("order_tracking", "logistics"),
        ("customs_duty", "customs"),
        ("refund", "after_sale"),
        ("cancel_order", "order"),
        ("coupon_discount", "relationship"),
        ("product_size", "product"),
    ],
)
def test_known_intent_is_in_its_group(intent: str, group: str) -> None:
    assert group_of(intent) == group


@pytest.mark.parametrize("unknown", ["nonsense", "", "Refund"])
def test_unknown_intent_is_other_for_a_person_to_handle(unknown: str) -> None:
    assert group_of(unknown) == "other"


def test_the_api_intent_and_group_lists_are_the_domain_ones() -> None:
    from typing import get_args

    from kefu.domain.intents import INTENT_GROUPS, INTENTS
    from kefu.web.schemas import Intent, IntentGroup

    assert get_args(Intent) == INTENTS
    assert get_args(IntentGroup) == tuple(INTENT_GROUPS)
