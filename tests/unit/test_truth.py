"""Suggestions state only what is true now (SPEC §4): the truth rules, and generated orders.

The property test generates orders, parcels, products, store zones and clocks, fills and
chooses the templates the way `Replies.suggestions` does (`context_for` + `choose`), and
reads every offered text with the independent checker (tests/unit/test_truth_checker.py):
no past day as a future arrival, no carrier but the parcel's, no weight or free-shipping
rule after shipping, stock only for the exact product, days in the store's zone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kefu.adapters.formatting import BabelFormatter
from kefu.adapters.reply_catalogue import packaged_catalogue
from kefu.domain.orders import ParcelState, parcel_has_problem
from kefu.domain.shopfacts import ShopFacts
from kefu.domain.truth import (
    SILENT_AFTER,
    Now,
    OrderNow,
    ParcelNow,
    Reason,
    check,
    parcel_delay,
    situation_now,
    tracking_now,
)
from kefu.domain.types import OrderStatus, TrackingStatus
from kefu.services.readmodels import (
    BuyerView,
    ConversationDetail,
    OrderLineView,
    OrderView,
    ParcelView,
    ProductView,
    TrackingEventView,
)
from kefu.services.template_values import choose, context_for
from tests.unit import test_truth_checker as checker

CATALOGUE = packaged_catalogue()
FORMATTER = BabelFormatter()
FACTS = ShopFacts(signature="Lily")
NOW = datetime(2026, 12, 6, 9, 0, tzinfo=UTC)
SHANGHAI = ZoneInfo("Asia/Shanghai")


def now_of(**order: object) -> Now:
    fields: dict[str, object] = {"status": "shipped", "promised_at": NOW + timedelta(days=5)}
    fields.update(order)
    return Now(NOW, SHANGHAI, OrderNow(**fields), free_method="China Post Air Mail")  # type: ignore[arg-type]


def moving(days_ago: float = 1, carrier: str = "UPS", status: str = "in_transit") -> ParcelNow:
    at = NOW - timedelta(days=days_ago)
    return ParcelNow(carrier, status, at, at - timedelta(days=1))


def test_the_checkers_silence_threshold_is_the_products() -> None:
    assert checker.SILENT == SILENT_AFTER == timedelta(days=10)


def test_a_parcel_silent_for_more_than_ten_days_is_late() -> None:
    assert parcel_delay(moving(9.9), now_of()) is None
    late = parcel_delay(moving(10.1), now_of())
    assert late is not None and late.reason is Reason.TRACKING_SILENT
    assert late.detail == (NOW - timedelta(days=10.1)).astimezone(SHANGHAI).date().isoformat()


@pytest.mark.parametrize("status", ["exception", "failed_delivery", "customs_hold"])
def test_a_stuck_parcel_is_late_whatever_the_promise(status: str) -> None:
    late = parcel_delay(moving(0.5, status=status), now_of())
    assert late is not None and late.reason is Reason.TRACKING_PROBLEM


def test_the_promise_passes_at_the_end_of_the_stores_day() -> None:
    # promised 5 Dec 20:00 UTC = 6 Dec 04:00 in Shanghai: still today there at 09:00 UTC
    order = {"promised_at": datetime(2026, 12, 5, 20, 0, tzinfo=UTC), "parcels": (moving(),)}
    assert parcel_delay(moving(), now_of(**order)) is None
    order["promised_at"] = datetime(2026, 12, 5, 15, 0, tzinfo=UTC)  # 5 Dec 23:00 there
    late = parcel_delay(moving(), now_of(**order))
    assert late is not None and (late.reason, late.detail) == (Reason.PROMISE_PASSED, "2026-12-05")


def test_a_parcel_at_the_post_office_is_not_late_for_its_promise() -> None:
    waiting = moving(2, status="awaiting_pickup")
    state = now_of(promised_at=NOW - timedelta(days=3), parcels=(waiting,))
    assert tracking_now(state) == ("awaiting_pickup", None)


def test_the_reported_case_gets_the_delay_answer_and_no_date() -> None:
    ups = moving(14, carrier="UPS")
    state = now_of(promised_at=datetime(2026, 11, 13, 12, tzinfo=UTC), parcels=(ups,))
    situation, why = situation_now({"tracking": "in_transit", "parcels": "one"}, state)
    assert situation["tracking"] == "delayed" and why["tracking"].reason is Reason.TRACKING_SILENT
    promise = check(CATALOGUE.get("tracking_in_transit"), state)
    assert promise is not None and promise.reason is Reason.TRACKING_SILENT
    assert check(CATALOGUE.get("tracking_delayed"), state) is None
    free = check(CATALOGUE.get("shipping_free_available"), state)
    assert free is not None and (free.reason, free.detail) == (Reason.OTHER_CARRIER, "UPS")


def test_no_weight_or_free_shipping_rule_after_shipping() -> None:
    state = Now(NOW, SHANGHAI, OrderNow("shipped", None), weight_g=42520, free_limit_g=2000)
    verdict = check(CATALOGUE.get("shipping_free_unavailable"), state)
    assert verdict is not None and verdict.reason is Reason.ALREADY_SHIPPED
    before = Now(NOW, SHANGHAI, OrderNow("paid", None), weight_g=42520, free_limit_g=2000)
    assert check(CATALOGUE.get("shipping_free_unavailable"), before) is None  # absurd, but true
    unknown = Now(NOW, SHANGHAI, OrderNow("paid", None), weight_g=None, free_limit_g=2000)
    verdict = check(CATALOGUE.get("shipping_free_unavailable"), unknown)
    assert verdict is not None and verdict.reason is Reason.WEIGHT_UNKNOWN


def test_stock_only_for_the_exact_product() -> None:
    state = Now(NOW, SHANGHAI, OrderNow("paid", None), product="unclear")
    verdict = check(CATALOGUE.get("stock_few_left"), state)
    assert verdict is not None and verdict.reason is Reason.PRODUCT_UNCLEAR
    assert check(CATALOGUE.get("stock_few_left"), Now(NOW, SHANGHAI, product="exact")) is None


def test_free_shipping_is_not_promised_to_an_order_that_paid_for_shipping() -> None:
    state = Now(NOW, SHANGHAI, OrderNow("paid", None, shipping_paid=True), weight_g=500)
    verdict = check(CATALOGUE.get("shipping_free_available"), state)
    assert verdict is not None and verdict.reason is Reason.SHIPPING_PAID


@pytest.mark.parametrize(
    ("key", "status", "reason"),
    [
        ("address_confirmation", "confirmed", Reason.NOT_PAID),
        ("combined_shipping_invoice", "paid", Reason.ALREADY_PAID),
        ("shipping_festival_urge", "shipped", Reason.ALREADY_SHIPPED),
        ("review_reminder", "shipped", Reason.NOT_DELIVERED),
    ],
)
def test_what_the_wording_states_is_checked(key: str, status: str, reason: Reason) -> None:
    verdict = check(CATALOGUE.get(key), Now(NOW, SHANGHAI, OrderNow(status, None), product="exact"))
    assert verdict is not None and verdict.reason is reason


# --- generated orders ---------------------------------------------------------------------

ZONES = ("Asia/Shanghai", "America/Los_Angeles", "Europe/London", "Pacific/Kiritimati", "UTC")
CARRIERS = ("UPS", "USPS", "China Post Air Mail", "Cainiao Super Economy", "4PX", "Royal Mail")
LANGUAGES = ("en", "es", "ru", "fr", "de", "pt", "it", "pl", "tr", "ko", "ja", "ar", "he", "nl")
INTENTS = (
    "order_tracking",
    "shipping_time",
    "shipping_method",
    "not_received",
    "product_stock",
    "product_size",
    "payment",
    "change_order",
    "greeting_thanks",
    None,
)
CHART = {"unit": "cm", "columns": ["bust"], "rows": [{"size": "M", "values": [88]}]}


@dataclass(frozen=True)
class Generated:
    now: datetime
    zone: str
    products: tuple[ProductView, ...]
    order: OrderView | None
    product_id: int | None
    language: str
    stage: str


@st.composite
def products(draw: st.DrawFn) -> tuple[ProductView, ...]:
    count = draw(st.integers(1, 4))
    return tuple(
        ProductView(
            id=i + 1,
            sku=f"SKU-{i}",
            title=f"Product {chr(65 + i)}, {draw(st.sampled_from(['Pink', 'Black']))}",
            category=draw(st.sampled_from(["dress", "shoes", "phone"])),
            price_cents=1999,
            stock=draw(st.sampled_from([0, 1, 3, 9, 10, 500])),
            weight_g=draw(st.sampled_from([0, 40, 450, 1999, 2000, 2600])),
            size_chart=CHART,
        )
        for i in range(count)
    )


STATUSES = (
    *("info_received", "in_transit", "in_transit", "customs", "arrived_destination"),
    *("out_for_delivery", "delivered", "delivered", "awaiting_pickup"),
    *("customs_hold", "failed_delivery", "exception", "returned"),
)
ORDER_STATUSES = (*("shipped",) * 4, *(s.value for s in OrderStatus))


@st.composite
def parcels(draw: st.DrawFn, now: datetime) -> list[ParcelView]:
    """Parcels whose latest news is 0–25 days old (so both sides of the 10 days)."""
    out: list[ParcelView] = []
    for _ in range(draw(st.sampled_from([0, 1, 1, 1, 2, 3]))):
        latest_at = now - timedelta(hours=draw(st.integers(0, 24 * 25)))
        steps = draw(st.lists(st.sampled_from(STATUSES), min_size=0, max_size=3))
        events = [
            TrackingEventView(latest_at - timedelta(days=2 * (len(steps) - 1 - i)), s, None, s)
            for i, s in enumerate(steps)
        ]
        shipped = latest_at - timedelta(days=2 * len(steps) + 1)
        latest = events[-1] if events else None
        state = ParcelState(
            TrackingStatus(latest.status) if latest else None,
            latest.occurred_at if latest else None,
            shipped,
        )
        out.append(
            ParcelView(
                carrier=draw(st.sampled_from(CARRIERS)),
                tracking_number=f"TN{len(out)}",
                tracking_url=f"https://t.17track.net/en#nums=TN{len(out)}",
                is_reshipment=bool(out) and draw(st.booleans()),
                shipped_at=shipped,
                latest_event=latest,
                problem=parcel_has_problem(state, now),
            )
        )
    return out


@st.composite
def conversations(draw: st.DrawFn) -> Generated:
    minutes = draw(st.integers(0, 60 * 24 * 120))
    now = datetime(2026, 10, 25, tzinfo=UTC) + timedelta(minutes=minutes)
    catalogue = draw(products())
    order = None
    if draw(st.integers(0, 3)):
        lines = draw(
            st.lists(st.sampled_from(catalogue), min_size=1, max_size=3, unique_by=lambda p: p.id)
        )
        shipped = draw(parcels(now))
        placed = min([now, *(p.shipped_at for p in shipped if p.shipped_at)]) - timedelta(days=2)
        # promised from 20 days ago to 30 days ahead, at any hour (both sides of midnight)
        promised = now + timedelta(hours=draw(st.integers(-24 * 20, 24 * 30)))
        order = OrderView(
            id=1,
            order_number="8030000000001",
            status=draw(st.sampled_from(ORDER_STATUSES)),
            total_cents=draw(st.integers(100, 10**6)),
            shipping_cents=draw(st.sampled_from([0, 0, 599])),
            note=None,
            is_wholesale=False,
            ship_to_country="ES",
            placed_at=placed,
            paid_at=placed + timedelta(minutes=30),
            promised_delivery_at=draw(st.sampled_from([promised, promised, None])),
            delivered_at=None,
            lines=[
                OrderLineView(p.sku, p.title, draw(st.sampled_from([1, 1, 2, 200])), 1999)
                for p in lines
            ],
            parcels=shipped,
        )
    product_id = draw(st.sampled_from([None, None, *[p.id for p in catalogue]]))
    return Generated(
        now,
        draw(st.sampled_from(ZONES)),
        catalogue,
        order,
        product_id,
        draw(st.sampled_from(LANGUAGES)),
        draw(st.sampled_from(["pre_sale", "in_sale", "after_sale"])),
    )


def detail_of(g: Generated, intent: str | None) -> ConversationDetail:
    """The read model as the database query builds it: the order's lines' products, else
    the product page's."""
    if g.order is not None:
        skus = {line.sku for line in g.order.lines}
        shown = [p for p in g.products if p.sku in skus]
    else:
        shown = [p for p in g.products if p.id == g.product_id]
    return ConversationDetail(
        id=1,
        store_id=1,
        store_code="ali-global",
        store_name="Sunrise",
        platform="aliexpress",
        origin="order_detail",
        stage=g.stage,
        status="open",
        unread=True,
        colour_mark=None,
        assignee_id=None,
        assignee_name=None,
        language=g.language,
        priority_reasons=(),
        intent=intent,
        mood=(),
        waiting_since=None,
        created_at=g.now,
        buyer=BuyerView(1, "Ana García", "ES", g.language, None, None, "new", 1, 0, None),
        order=g.order,
        products=shown,
        messages=[],
        store_timezone=g.zone,
        product_id=g.product_id,
    )


def case_of(g: Generated) -> checker.Case:
    """The same data as the checker reads it, straight from what was generated."""
    order = None
    if g.order is not None:
        by_sku = {p.sku: p.id for p in g.products}
        order = checker.Order(
            g.order.status,
            g.order.total_cents,
            g.order.promised_delivery_at,
            g.order.delivered_at,
            tuple((by_sku[line.sku], line.quantity) for line in g.order.lines),
            tuple(
                checker.Parcel(
                    p.carrier,
                    ((p.latest_event.occurred_at, p.latest_event.status),)
                    if p.latest_event
                    else (),
                    p.shipped_at,
                    p.is_reshipment,
                )
                for p in g.order.parcels
            ),
        )
    return checker.Case(
        g.now,
        g.zone,
        order,
        g.product_id,
        tuple(checker.Product(p.id, p.title, p.stock, p.weight_g) for p in g.products),
        free_method=FACTS.free_method,
        express_methods=FACTS.express_methods,
        free_limit_g=FACTS.free_shipping_max_g,
        few_left_below=FACTS.few_left_below,
    )


@settings(max_examples=250)
@given(conversations())
def test_generated_orders_get_only_true_suggestions(g: Generated) -> None:
    case = case_of(g)
    for intent in INTENTS:
        detail = detail_of(g, intent)
        ctx = context_for(detail, FACTS, g.now, ["Linen Dress"])
        choice = choose(
            CATALOGUE,
            ctx,
            intent=intent,
            stage=g.stage,
            language=g.language,
            agent_language="zh",
            formatter=FORMATTER,
            limit=len(CATALOGUE),
            with_withheld=True,
        )
        offered = {o.template.key for o in choice.offered}
        assert not offered & {w.key for w in choice.withheld}
        for offer in choice.offered:
            for shown in (offer.shown, offer.gloss):
                found = checker.untrue(offer.template.key, shown.text, shown.language, case)
                assert found == [], (offer.template.key, shown.text, found)
        if "promised_date" in ctx.values:
            assert isinstance(ctx.values["promised_date"], date)
            assert g.order is not None and g.order.promised_delivery_at is not None
            local = g.order.promised_delivery_at.astimezone(ZoneInfo(g.zone)).date()
            assert ctx.values["promised_date"] == local


@settings(max_examples=300)
@given(
    zone=st.sampled_from(ZONES),
    minutes=st.integers(0, 60 * 24 * 365),
    news_hours=st.integers(0, 24 * 20),
    promise_hours=st.integers(-24 * 10, 24 * 20),
    status=st.sampled_from(STATUSES),
    language=st.sampled_from(LANGUAGES),
)
def test_an_arrival_day_is_promised_only_while_the_parcel_is_on_time(
    zone: str, minutes: int, news_hours: int, promise_hours: int, status: str, language: str
) -> None:
    """One parcel, a buyer asking where it is: "it should arrive by …" is offered exactly
    when the checker's own reading says the parcel is on time, with the store's day."""
    now = datetime(2026, 6, 1, tzinfo=UTC) + timedelta(minutes=minutes)
    news = now - timedelta(hours=news_hours)
    event = TrackingEventView(news, status, None, status)
    state = ParcelState(TrackingStatus(status), news, news - timedelta(days=1))
    parcel = ParcelView(
        "UPS",
        "1Z0",
        "https://t.17track.net/en#nums=1Z0",
        False,
        news - timedelta(days=1),
        event,
        parcel_has_problem(state, now),
    )
    promised = now + timedelta(hours=promise_hours)
    order = OrderView(
        1,
        "8030000000001",
        "shipped",
        2499,
        0,
        None,
        False,
        "ES",
        news - timedelta(days=3),
        news - timedelta(days=3),
        promised,
        None,
        [OrderLineView("SKU-0", "Product A, Pink", 1, 2499)],
        [parcel],
    )
    product = ProductView(1, "SKU-0", "Product A, Pink", "phone", 2499, 5, 300, None)
    g = Generated(now, zone, (product,), order, None, language, "in_sale")
    ctx = context_for(detail_of(g, "order_tracking"), FACTS, now)
    choice = choose(
        CATALOGUE,
        ctx,
        intent="order_tracking",
        stage="in_sale",
        language=language,
        agent_language="en",
        formatter=FORMATTER,
        limit=3,
    )
    arrival = [o for o in choice.offered if o.template.key == "tracking_in_transit"]
    case = case_of(g)
    expected = case.on_track() and status in checker.MOVING
    assert bool(arrival) == expected, (status, news_hours, promise_hours, ctx.situation)
    for offer in arrival:
        said = checker.dates_in(offer.shown.text, offer.shown.language, case.today)
        assert said == [promised.astimezone(ZoneInfo(zone)).date()] and said[0] >= case.today
