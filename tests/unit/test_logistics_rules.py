"""The logistics board's rules (domain/logistics.py): each rule with a clock the test sets."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from kefu.domain.errors import RowErrors
from kefu.domain.logistics import (
    RULES,
    TEMPLATES,
    Anomaly,
    LogisticsThresholds,
    ParcelFacts,
    Severity,
    anomalies,
    awaiting_pickup,
    customs,
    days_between,
    delivered_not_received,
    failed_delivery,
    lost,
    no_update,
    promise_at_risk,
    promise_passed,
    proposal,
    returning,
    task_key,
)
from kefu.domain.types import TrackingStatus as S

NOW = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)
DEFAULTS = LogisticsThresholds()


def facts(
    status: S | None = S.IN_TRANSIT,
    *,
    news_days: float | None = 1,
    since_days: float | None = None,
    shipped_days: float | None = 20,
    **more: object,
) -> ParcelFacts:
    def ago(days: float | None) -> datetime | None:
        return None if days is None else NOW - timedelta(days=days)

    base = ParcelFacts(
        status=status,
        status_since=ago(since_days if since_days is not None else news_days),
        latest_event_at=ago(news_days),
        shipped_at=ago(shipped_days),
        carrier="China Post",
        destination="BR",
    )
    return replace(base, **more)  # type: ignore[arg-type]


# --- no update ----------------------------------------------------------------------------


def test_no_update_is_flagged_only_after_more_than_the_threshold() -> None:
    exactly = facts(news_days=10)
    assert no_update(exactly, DEFAULTS, NOW) is None
    found = no_update(exactly, DEFAULTS, NOW + timedelta(seconds=1))
    assert found is not None
    assert (found.anomaly, found.since, found.days) == (
        Anomaly.NO_UPDATE,
        NOW - timedelta(days=10),
        10,
    )


def test_without_events_the_shipping_day_counts_as_the_last_news() -> None:
    silent = facts(None, news_days=None, shipped_days=11)
    found = no_update(silent, DEFAULTS, NOW)
    assert found is not None and found.since == NOW - timedelta(days=11)
    assert no_update(facts(None, news_days=None, shipped_days=None), DEFAULTS, NOW) is None


@pytest.mark.parametrize(
    ("carrier", "destination", "limit"),
    [
        ("China Post", "BR", 20),  # carrier/country
        ("china post", "br", 20),  # case does not matter
        ("China Post", "DE", 15),  # carrier
        ("YunExpress", "US", 12),  # country
        ("YunExpress", "DE", 10),  # "*"
        ("", None, 10),
    ],
)
def test_the_most_specific_no_update_threshold_wins(
    carrier: str, destination: str | None, limit: int
) -> None:
    th = LogisticsThresholds({"*": 10, "US": 12, "China Post": 15, "China Post/BR": 20})
    assert th.no_update_limit(carrier, destination) == limit
    parcel = facts(news_days=limit, carrier=carrier, destination=destination)
    assert no_update(parcel, th, NOW) is None
    assert no_update(parcel, th, NOW + timedelta(minutes=1)) is not None


@pytest.mark.parametrize("status", [S.EXPIRED, S.EXCEPTION])
def test_expired_or_bare_exception_counts_as_no_update_at_once(status: S) -> None:
    found = no_update(facts(status, news_days=0.5), DEFAULTS, NOW)
    assert found is not None and found.days == 0


@pytest.mark.parametrize(
    "status",
    [S.DELIVERED, S.RETURNED, S.RETURNING, S.LOST, S.AWAITING_PICKUP, S.CUSTOMS_HOLD],
)
def test_no_update_leaves_statuses_with_their_own_rule(status: S) -> None:
    assert no_update(facts(status, news_days=60), DEFAULTS, NOW) is None


@pytest.mark.parametrize(
    ("event_zone", "reader_zone"),
    [("America/Los_Angeles", "Asia/Shanghai"), ("Asia/Tokyo", "America/Sao_Paulo")],
)
def test_days_are_the_same_west_and_east_of_utc(event_zone: str, reader_zone: str) -> None:
    last = datetime(2026, 11, 26, 23, 30, tzinfo=ZoneInfo(event_zone))
    exactly = (last + timedelta(days=10)).astimezone(ZoneInfo(reader_zone))
    parcel = ParcelFacts(S.IN_TRANSIT, last, last, last)
    assert no_update(parcel, DEFAULTS, exactly) is None
    found = no_update(parcel, DEFAULTS, exactly + timedelta(minutes=1))
    assert found is not None and found.days == 10
    assert days_between(last, exactly - timedelta(seconds=1)) == 9


# --- status rules -------------------------------------------------------------------------


def test_awaiting_pickup_waits_for_the_stores_days() -> None:
    at_office = facts(S.AWAITING_PICKUP, news_days=2, since_days=2)
    assert awaiting_pickup(at_office, DEFAULTS, NOW) is not None  # default 0 days: at once
    three = LogisticsThresholds(pickup_days=3)
    assert awaiting_pickup(at_office, three, NOW) is None
    assert awaiting_pickup(at_office, three, NOW + timedelta(days=1)) is None  # exactly 3
    found = awaiting_pickup(at_office, three, NOW + timedelta(days=1, seconds=1))
    assert found is not None and found.since == NOW - timedelta(days=2) and found.days == 3


@pytest.mark.parametrize(
    ("rule", "status", "anomaly"),
    [
        (customs, S.CUSTOMS_HOLD, Anomaly.CUSTOMS),
        (failed_delivery, S.FAILED_DELIVERY, Anomaly.FAILED_DELIVERY),
        (returning, S.RETURNING, Anomaly.RETURNING),
        (returning, S.RETURNED, Anomaly.RETURNING),
        (lost, S.LOST, Anomaly.LOST),
    ],
)
def test_status_rules_flag_at_once_since_the_status_began(
    rule: object, status: S, anomaly: Anomaly
) -> None:
    assert callable(rule)
    found = rule(facts(status, news_days=1, since_days=4), DEFAULTS, NOW)
    assert found is not None
    assert (found.anomaly, found.days, found.severity) == (anomaly, 4, Severity.HIGH)
    assert rule(facts(S.IN_TRANSIT), DEFAULTS, NOW) is None


# --- promises -----------------------------------------------------------------------------


def test_promise_passed_from_the_promised_instant_on() -> None:
    promised = NOW
    parcel = facts(promised_delivery_at=promised)
    assert promise_passed(parcel, DEFAULTS, NOW - timedelta(seconds=1)) is None
    found = promise_passed(parcel, DEFAULTS, NOW)
    assert found is not None and found.since == promised
    assert promise_passed(replace(parcel, status=S.DELIVERED), DEFAULTS, NOW) is None


def test_promise_at_risk_within_the_stores_days_unless_nearly_there() -> None:
    parcel = facts(promised_delivery_at=NOW + timedelta(days=3))
    assert promise_at_risk(parcel, DEFAULTS, NOW) is None  # exactly 3 days left
    found = promise_at_risk(parcel, DEFAULTS, NOW + timedelta(seconds=1))
    assert found is not None and found.days == 2  # whole days left
    assert promise_at_risk(parcel, DEFAULTS, NOW + timedelta(days=3)) is None  # passed now
    nearly = replace(parcel, status=S.OUT_FOR_DELIVERY)
    assert promise_at_risk(nearly, DEFAULTS, NOW + timedelta(days=1)) is None
    never = LogisticsThresholds(promise_at_risk_days=0)
    assert promise_at_risk(parcel, never, NOW + timedelta(days=2, hours=23)) is None


def test_delivered_not_received_needs_the_buyers_word() -> None:
    delivered = facts(S.DELIVERED, news_days=2)
    assert delivered_not_received(delivered, DEFAULTS, NOW) is None
    said = replace(delivered, buyer_says_not_received=True)
    found = delivered_not_received(said, DEFAULTS, NOW)
    assert found is not None and found.days == 2


def test_anomalies_lists_every_rule_worst_first() -> None:
    parcel = facts(S.CUSTOMS_HOLD, news_days=3, promised_delivery_at=NOW - timedelta(days=5))
    found = anomalies(parcel, DEFAULTS, NOW)
    assert [f.anomaly for f in found] == [Anomaly.CUSTOMS, Anomaly.PROMISE_PASSED]
    assert len(RULES) == len(Anomaly) == 9


# --- thresholds ---------------------------------------------------------------------------


def test_thresholds_round_trip_and_defaults() -> None:
    th = LogisticsThresholds({"*": 8, "US": 12}, pickup_days=2, promise_at_risk_days=4)
    assert LogisticsThresholds.from_dict(th.to_dict()) == th
    assert LogisticsThresholds.from_dict({}) == DEFAULTS


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"no_update_days": {"US": 12}}, "no_update_days"),
        ({"no_update_days": {"*": 0}}, "no_update_days.*"),
        ({"no_update_days": {"*": 10, "US": "12"}}, "no_update_days.US"),
        ({"no_update_days": {"*": 10, "a/b/c": 3}}, "no_update_days.a/b/c"),
        ({"no_update_days": {"*": 10, " ": 3}}, "no_update_days."),
        ({"no_update_days": [10]}, "no_update_days"),
        ({"pickup_days": -1}, "pickup_days"),
        ({"pickup_days": True}, "pickup_days"),
        ({"promise_at_risk_days": 181}, "promise_at_risk_days"),
        ({"colour": 1}, "colour"),
    ],
)
def test_wrong_thresholds_name_the_field(data: dict[str, object], field: str) -> None:
    with pytest.raises(RowErrors) as refused:
        LogisticsThresholds.from_dict(data)
    assert [e.field for e in refused.value.errors] == [field]


# --- proposals ----------------------------------------------------------------------------


@pytest.mark.parametrize("anomaly", list(Anomaly))
def test_amazon_gets_a_task_and_other_platforms_a_template(anomaly: Anomaly) -> None:
    on_amazon = proposal(anomaly, "amazon")
    assert on_amazon.is_task and on_amazon.template is None
    elsewhere = proposal(anomaly, "aliexpress")
    assert not elsewhere.is_task and elsewhere.template == TEMPLATES[anomaly]


def test_task_key_is_one_per_parcel_and_anomaly() -> None:
    assert task_key(42, Anomaly.LOST) == "parcel:42:lost"
