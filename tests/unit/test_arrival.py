"""When a parcel should arrive (issue 21): from its real state and the store's transit
table, in the store's days, never a day already past."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kefu.adapters.formatting import BabelFormatter
from kefu.adapters.reply_catalogue import packaged_catalogue
from kefu.domain.arrival import Basis, Estimate, estimate, for_order
from kefu.domain.errors import RowErrors
from kefu.domain.shopfacts import ShopFacts
from kefu.domain.truth import Reason
from kefu.domain.types import TrackingStatus
from kefu.services.readmodels import (
    BuyerView,
    ConversationDetail,
    OrderView,
    ParcelView,
    TrackingEventView,
)
from kefu.services.template_values import choose, context_for

TODAY = date(2026, 12, 6)
statuses = st.one_of(st.none(), st.sampled_from(list(TrackingStatus)))
days = st.dates(date(2026, 1, 1), date(2027, 12, 31))
transits = st.one_of(
    st.none(), st.tuples(st.integers(1, 90), st.integers(0, 90)).map(lambda t: (t[0], t[0] + t[1]))
)


@given(statuses, st.one_of(st.none(), days), st.one_of(st.none(), days), transits, days)
def test_an_estimate_never_gives_a_day_already_past(
    status: TrackingStatus | None,
    since: date | None,
    shipped: date | None,
    transit: tuple[int, int] | None,
    today: date,
) -> None:
    found = estimate(status, since=since, shipped_on=shipped, transit=transit, today=today)
    window = found.window
    if window is not None:
        assert today <= window[0] <= window[1]
    if found.basis is Basis.LATE:
        assert found.latest is not None and found.latest < today and window is None


@pytest.mark.parametrize(
    ("status", "basis", "window"),
    [
        (TrackingStatus.DELIVERED, Basis.DELIVERED, None),
        (TrackingStatus.OUT_FOR_DELIVERY, Basis.OUT_FOR_DELIVERY, (TODAY, TODAY)),
        (TrackingStatus.AWAITING_PICKUP, Basis.AT_POST_OFFICE, None),
        (TrackingStatus.CUSTOMS_HOLD, Basis.PROBLEM, None),
        (TrackingStatus.RETURNING, Basis.PROBLEM, None),
        (TrackingStatus.IN_TRANSIT, Basis.IN_TRANSIT, (date(2026, 12, 11), date(2026, 12, 26))),
        (
            TrackingStatus.CUSTOMS_CLEARED,
            Basis.IN_TRANSIT,
            (date(2026, 12, 11), date(2026, 12, 26)),
        ),
    ],
)
def test_each_state_gives_its_basis(
    status: TrackingStatus, basis: Basis, window: tuple[date, date] | None
) -> None:
    found = estimate(
        status, since=TODAY, shipped_on=date(2026, 11, 26), transit=(15, 30), today=TODAY
    )
    assert (found.basis, found.window) == (basis, window)


def test_a_window_already_begun_starts_today_and_one_already_over_is_late() -> None:
    begun = estimate(None, since=None, shipped_on=date(2026, 11, 1), transit=(15, 40), today=TODAY)
    assert begun.window == (TODAY, date(2026, 12, 11))
    over = estimate(None, since=None, shipped_on=date(2026, 10, 1), transit=(15, 40), today=TODAY)
    assert (over.basis, over.latest, over.window) == (Basis.LATE, date(2026, 11, 10), None)
    assert estimate(None, since=None, shipped_on=None, transit=(1, 2), today=TODAY).basis is (
        Basis.NOT_SHIPPED
    )


def test_the_order_arrives_with_its_last_parcel_and_a_late_one_decides() -> None:
    soon = Estimate(Basis.IN_TRANSIT, TODAY, date(2026, 12, 10))
    later = Estimate(Basis.IN_TRANSIT, date(2026, 12, 9), date(2026, 12, 20))
    done = Estimate(Basis.DELIVERED, since=TODAY)
    assert for_order([soon, later, done]) == later
    assert for_order([soon, Estimate(Basis.LATE, latest=TODAY)]) == Estimate(
        Basis.LATE, latest=TODAY
    )
    assert for_order([done]) == done and for_order([]) is None


def test_transit_lines_most_specific_first() -> None:
    facts = ShopFacts.from_dict(
        {"transit_days": {"*": [15, 45], "US": [10, 20], "US/UPS": [5, 8], "*/DHL": [4, 7]}}
    )
    asked = {
        ("US", "UPS"): (5, 8),
        ("us", "ups"): (5, 8),
        ("US", "China Post Air Mail"): (10, 20),
        ("US", None): (10, 20),
        ("DE", "DHL Express"): (4, 7),  # one carrier, other words
        ("US", "DHL"): (10, 20),  # the destination's own line before the method's
        ("DE", None): (15, 45),
        (None, None): (15, 45),
    }
    assert {k: facts.transit_for(*k) for k in asked} == asked
    assert ShopFacts.from_dict({"transit_days": {"US": [10, 20]}}).transit_for("FR") is None


@pytest.mark.parametrize(
    ("table", "field"),
    [
        ({"USA": [10, 20]}, "transit_days.USA"),
        ({"US/": [10, 20]}, "transit_days.US/"),
        ({"US/UPS": [9, 3]}, "transit_days.US/UPS"),
        ({"*/DHL": [0, 3]}, "transit_days.*/DHL"),
    ],
)
def test_bad_transit_lines_are_named(table: dict[str, list[int]], field: str) -> None:
    with pytest.raises(RowErrors) as raised:
        ShopFacts.from_dict({"transit_days": table})
    assert [e.field for e in raised.value.errors] == [field]


# --- the "when will it arrive?" answer, filled and checked as the desk offers it --------

CATALOGUE = packaged_catalogue()
FORMATTER = BabelFormatter()


def _detail(
    status: str, shipped_at: datetime, zone: str, promised: datetime | None = None
) -> ConversationDetail:
    event = TrackingEventView(shipped_at + timedelta(days=1), status, "Madrid", "scan")
    parcel = ParcelView(
        "UPS", "1Z5R89390357567127", "https://t.17track.net/en#nums=1Z", False, shipped_at,
        event, False, status=status, events=[event],
    )  # fmt: skip
    order = OrderView(
        1, "A-1", "shipped", 2499, 0, None, False, "US", shipped_at - timedelta(days=1),
        shipped_at - timedelta(days=1), promised, None, parcels=[parcel],
    )  # fmt: skip
    return ConversationDetail(
        id=1, store_id=1, store_code="ali-global", store_name="Sunrise", platform="aliexpress",
        origin="order_detail", stage="after_sale", status="open", unread=True, colour_mark=None,
        assignee_id=None, assignee_name=None, language="en", priority_reasons=(),
        intent="order_tracking", mood=(), waiting_since=None, created_at=shipped_at,
        buyer=BuyerView(1, "Ana García", "US", "en", None, None, "new", 1, 0, None),
        order=order, products=[], messages=[], store_timezone=zone,
    )  # fmt: skip


FACTS = ShopFacts(transit_days={"*": (15, 45), "US/UPS": (5, 8)})


def _offered(detail: ConversationDetail, now: datetime) -> tuple[dict[str, str], list[str]]:
    ctx = context_for(detail, FACTS, now)
    choice = choose(
        CATALOGUE, ctx, intent="order_tracking", stage="after_sale", language="en",
        agent_language="en", formatter=FORMATTER, limit=20, with_withheld=True,
    )  # fmt: skip
    return {o.template.key: o.shown.text for o in choice.offered}, [
        w.reason for w in choice.withheld if w.key == "tracking_transit_window"
    ]


@pytest.mark.parametrize(
    ("zone", "window"),
    [
        # Shipped 1 Dec 23:30 UTC: still 1 Dec in Los Angeles, already 2 Dec in Shanghai.
        ("America/Los_Angeles", "between December 6, 2026 and December 9, 2026"),
        ("Asia/Shanghai", "between December 7, 2026 and December 10, 2026"),
    ],
)
def test_the_answer_states_the_window_in_the_stores_days(zone: str, window: str) -> None:
    shipped = datetime(2026, 12, 1, 23, 30, tzinfo=UTC)
    offered, withheld = _offered(
        _detail("in_transit", shipped, zone), datetime(2026, 12, 3, 12, 0, tzinfo=UTC)
    )
    assert withheld == []
    assert window in offered["tracking_transit_window"]


def test_a_window_already_over_withholds_the_answer_and_offers_the_delay() -> None:
    shipped = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)
    now = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)  # 5–8 days by UPS ended on 28 Nov
    offered, withheld = _offered(_detail("in_transit", shipped, "Asia/Shanghai"), now)
    assert "tracking_transit_window" not in offered
    assert withheld == [Reason.ESTIMATE_PASSED.value]


def test_a_parcel_at_the_post_office_gets_no_window() -> None:
    shipped = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
    detail = _detail("awaiting_pickup", shipped, "Asia/Shanghai")
    offered, _ = _offered(detail, datetime(2026, 12, 4, 8, 0, tzinfo=UTC))
    assert "tracking_transit_window" not in offered and "tracking_at_post_office" in offered


def test_public_holidays_do_not_move_a_transit_window() -> None:
    with_holidays = ShopFacts(extra_holidays=(date(2026, 12, 8),), transit_days={"*": (5, 8)})
    assert with_holidays.transit_for("US") == (5, 8)
    found = estimate(
        TrackingStatus.IN_TRANSIT, since=None, shipped_on=date(2026, 12, 5),
        transit=with_holidays.transit_for("US"), today=TODAY,
    )  # fmt: skip
    assert found.window == (date(2026, 12, 10), date(2026, 12, 13))
