"""What a suggested reply may state: only what is true now (SPEC §4).

SPEC §4: "be truthful: never promise what the shop can't do — it causes disputes". A
template states facts: an arrival date, a carrier or a shipping method, that shipping is
free, a weight, a product's stock, that an order is paid, shipped or delivered. Before a
template is offered, each fact it states is checked against the conversation's state now
(`Now`); a fact that does not hold withholds the template, with a reason a lead can read
(`Verdict`).

Which facts a template states comes from its variables (`{promised_date}` promises an
arrival, `{free_method}` offers a shipping method, `{parcel_weight}` weighs the order,
`{stock_left}` counts a product's stock), from its conditions (`stock`, `sizing`) and,
for the few facts only the wording states ("thank you for your payment"), from
`WORDING_CLAIMS`.

Days are the store's local days: "by 13 November" means 13 November where the shop is,
the day its order panel shows, and "today" is the store's today.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from enum import StrEnum
from typing import Literal

from kefu.domain.arrival import Basis, Estimate
from kefu.domain.orders import TRACKING_STALE_AFTER
from kefu.domain.suggestions import tracking_situation
from kefu.domain.templates import ReplyTemplate
from kefu.domain.types import OrderStatus, TrackingStatus

# A parcel with no tracking news for this long is late, whatever the promise says. It is
# the threshold of the panel's "tracking not updating" flag (SPEC §3), so a parcel an agent
# sees flagged is never described as "on its way, arriving by …": ten days is longer than
# the usual silence while a parcel flies abroad (5–7 days) and short enough to answer a
# worried buyer before they open a dispute.
SILENT_AFTER = TRACKING_STALE_AFTER

# Tracking states in which the parcel does not reach the buyer by itself.
STUCK = frozenset(
    {TrackingStatus.EXCEPTION, TrackingStatus.FAILED_DELIVERY, TrackingStatus.CUSTOMS_HOLD}
)
SHIPPED_ORDER = frozenset({OrderStatus.SHIPPED, OrderStatus.DELIVERED, OrderStatus.COMPLETED})
DELIVERED_ORDER = frozenset({OrderStatus.DELIVERED, OrderStatus.COMPLETED})
UNPAID_ORDER = frozenset({OrderStatus.RECEIVED, OrderStatus.CONFIRMED})


class Reason(StrEnum):
    """Why a template is not offered; the page shows each in the lead's language."""

    PROMISE_PASSED = "promise_passed"
    TRACKING_SILENT = "tracking_silent"
    TRACKING_PROBLEM = "tracking_problem"
    PARCEL_RETURNED = "parcel_returned"
    PARCEL_FLAGGED = "parcel_flagged"
    ALREADY_DELIVERED = "already_delivered"
    NO_PROMISED_DATE = "no_promised_date"
    ALREADY_SHIPPED = "already_shipped"
    OTHER_CARRIER = "other_carrier"
    SHIPPING_PAID = "shipping_paid"
    OVER_FREE_LIMIT = "over_free_limit"
    WEIGHT_UNKNOWN = "weight_unknown"
    PRODUCT_UNCLEAR = "product_unclear"
    NO_ORDER = "no_order"
    ORDER_CANCELLED = "order_cancelled"
    NOT_PAID = "not_paid"
    ALREADY_PAID = "already_paid"
    NOT_DELIVERED = "not_delivered"
    MISSING_VALUES = "missing_values"
    CONDITION_CHANGED = "condition_changed"
    NO_ESTIMATE = "no_estimate"
    ESTIMATE_PASSED = "estimate_passed"


@dataclass(frozen=True)
class Verdict:
    """A fact a template states that does not hold: the reason, an English sentence with
    the facts, and the facts alone (dates as ISO days), for a page in another language."""

    reason: Reason
    message: str
    detail: str = ""


class Claim(StrEnum):
    """A kind of fact a template states."""

    ORDER = "order"  # "your order …": there is an order, not cancelled
    PAID = "paid"  # "thank you for your payment"
    UNPAID = "unpaid"  # "please pay the new invoice"
    NOT_SHIPPED = "not_shipped"  # "before we ship", "it will ship within …"
    DELIVERED = "delivered"  # "your order has been delivered"
    ARRIVAL = "arrival"  # "it should arrive by {promised_date}"
    # "between {arrival_earliest} and {arrival_latest}": the parcel's state + transit table
    ARRIVAL_WINDOW = "arrival_window"
    SHIPPING_OFFER = "shipping_offer"  # the shop's methods and rules, offered to choose from
    FREE_SHIPPING = "free_shipping"  # "{free_method} is free" for this buyer
    WEIGHT = "weight"  # the order's (or product's) weight
    PRODUCT = "product"  # a product's name, stock or size chart


# Facts the variables state. A template naming {carrier} or {tracking_number} needs no
# check: those values exist only for the order's own parcels.
VARIABLE_CLAIMS: Mapping[str, tuple[Claim, ...]] = {
    "promised_date": (Claim.ARRIVAL,),
    "arrival_earliest": (Claim.ARRIVAL_WINDOW,),
    "arrival_latest": (Claim.ARRIVAL_WINDOW,),
    "free_method": (Claim.SHIPPING_OFFER,),
    "express_methods": (Claim.SHIPPING_OFFER,),
    "shipping_methods": (Claim.SHIPPING_OFFER,),
    "free_limit": (Claim.SHIPPING_OFFER,),
    "parcel_weight": (Claim.SHIPPING_OFFER, Claim.WEIGHT),
    "stock_left": (Claim.PRODUCT,),
    "product": (Claim.PRODUCT,),
    "size_chart": (Claim.PRODUCT,),
}
# Facts the conditions state: "in stock" is said of one product.
CONDITION_CLAIMS: Mapping[str, tuple[Claim, ...]] = {
    "stock": (Claim.PRODUCT,),
    "sizing": (Claim.PRODUCT,),
}
# Facts only the wording states, by template key (a store's own wording of a template
# keeps its meaning, so these hold for it too).
WORDING_CLAIMS: Mapping[str, tuple[Claim, ...]] = {
    # "Thank you for your payment for order … Before we ship, please check the address"
    "address_confirmation": (Claim.ORDER, Claim.PAID, Claim.NOT_SHIPPED),
    # "The new invoice total is … Please pay it, and we will ship your order right away."
    "combined_shipping_invoice": (Claim.ORDER, Claim.UNPAID, Claim.NOT_SHIPPED),
    # "Your order is in line and will ship within {handling_days} days."
    "shipping_festival_urge": (Claim.ORDER, Claim.NOT_SHIPPED),
    # "Your {product} order has been delivered."
    "review_reminder": (Claim.ORDER, Claim.DELIVERED),
}
# The order claims are checked in this order, so a template gets the plainest reason.
CHECK_ORDER = tuple(Claim)


@dataclass(frozen=True)
class ParcelNow:
    """One parcel of the order (reshipments left out) as tracking last reported it."""

    carrier: str
    status: str | None  # the latest tracking event's status
    last_event_at: datetime | None
    shipped_at: datetime | None
    flagged: bool = False  # the panel shows it as a logistics problem


@dataclass(frozen=True)
class OrderNow:
    status: str
    promised_at: datetime | None
    delivered_at: datetime | None = None
    shipping_paid: bool = False  # the buyer paid for shipping: not the free method
    parcels: tuple[ParcelNow, ...] = ()

    @property
    def cancelled(self) -> bool:
        return self.status == OrderStatus.CANCELLED

    @property
    def paid(self) -> bool:
        return self.status not in UNPAID_ORDER and not self.cancelled

    @property
    def shipped(self) -> bool:
        return bool(self.parcels) or self.status in SHIPPED_ORDER

    @property
    def delivered(self) -> bool:
        if self.delivered_at is not None or self.status in DELIVERED_ORDER:
            return True
        return bool(self.parcels) and all(
            p.status == TrackingStatus.DELIVERED for p in self.parcels
        )

    @property
    def any_delivered(self) -> bool:
        return self.delivered or any(p.status == TrackingStatus.DELIVERED for p in self.parcels)


# Which product the conversation is about: exactly one, one of several (unclear), none.
ProductKnown = Literal["exact", "unclear", "none"]


@dataclass(frozen=True)
class Now:
    """A conversation's facts at one moment, as the truth checks read them."""

    moment: datetime  # aware
    zone: tzinfo  # the store's
    order: OrderNow | None = None
    weight_g: int | None = None  # the order's (or the product's); None: not known
    product: ProductKnown = "none"
    free_method: str = ""
    free_limit_g: int = 0
    arrival: Estimate | None = None  # the order's, from its parcels (kefu.domain.arrival)

    @property
    def today(self) -> date:
        return self.day(self.moment)

    def day(self, moment: datetime) -> date:
        """The store's local day of a moment."""
        return moment.astimezone(self.zone).date()

    @property
    def promised_day(self) -> date | None:
        promised = self.order.promised_at if self.order else None
        return self.day(promised) if promised else None


def parcel_delay(parcel: ParcelNow, now: Now) -> Verdict | None:
    """Why a parcel that is not delivered will not arrive as promised, or None when it is
    on its way in time (or delivered)."""
    status = parcel.status
    if status == TrackingStatus.DELIVERED:
        return None
    if status in STUCK:
        return Verdict(
            Reason.TRACKING_PROBLEM,
            f"tracking reports a problem with the {parcel.carrier} parcel ({status})",
            str(status),
        )
    if status == TrackingStatus.RETURNED:
        return Verdict(
            Reason.PARCEL_RETURNED, f"the {parcel.carrier} parcel is going back to the sender"
        )
    last_news = parcel.last_event_at or parcel.shipped_at
    if last_news is not None and now.moment - last_news > SILENT_AFTER:
        day = now.day(last_news).isoformat()
        return Verdict(
            Reason.TRACKING_SILENT,
            f"the {parcel.carrier} parcel has had no tracking news since {day}, "
            f"more than {SILENT_AFTER.days} days",
            day,
        )
    waiting = status == TrackingStatus.AWAITING_PICKUP  # arrived: the promise no longer matters
    promised = now.promised_day
    if not waiting and promised is not None and promised < now.today:
        return Verdict(
            Reason.PROMISE_PASSED,
            f"the promised delivery day {promised.isoformat()} has passed and the parcel "
            "is not delivered",
            promised.isoformat(),
        )
    if parcel.flagged and not waiting:
        return Verdict(
            Reason.PARCEL_FLAGGED, f"the {parcel.carrier} parcel is flagged as a logistics problem"
        )
    return None


def tracking_now(now: Now) -> tuple[str | None, Verdict | None]:
    """The templates' `tracking` condition for the order's parcels: "delivered" when the
    order or every parcel is, "delayed" when one is late (with why), else the first
    parcel's status (not "delivered" while another parcel is on its way)."""
    order = now.order
    if order is None or not order.parcels:
        return None, None
    if order.delivered:  # the order says so (the buyer confirmed, or tracking did)
        return "delivered", None
    for parcel in order.parcels:
        late = parcel_delay(parcel, now)
        if late is not None:
            return (None if late.reason is Reason.PARCEL_RETURNED else "delayed"), late
    if all(p.status == TrackingStatus.DELIVERED for p in order.parcels):
        return "delivered", None
    # The first parcel's: the templates name its carrier and tracking number.
    first = tracking_situation(order.parcels[0].status)
    return (None if first == "delivered" else first), None


def situation_now(
    recorded: Mapping[str, str], now: Now
) -> tuple[dict[str, str], dict[str, Verdict]]:
    """The situation the templates are chosen by, corrected to what holds now, and why each
    recorded condition changed (for the lead's list of templates not offered).

    `recorded` reads the data as it is stored: the latest tracking status, the weight of the
    lines, the first product, shipped when a parcel exists. Now a parcel may be late, an
    order shipped without a parcel record, the weight unknown, the product meant unclear."""
    out = dict(recorded)
    why: dict[str, Verdict] = {}

    def change(key: str, value: str | None, reason: Verdict) -> None:
        if out.get(key) == value:
            return
        why[key] = reason
        if value is None:
            out.pop(key, None)
        else:
            out[key] = value

    order = now.order
    if order is not None:
        if "shipped" in out:
            change("shipped", "yes" if order.shipped else "no", _shipped(order))
        tracking, late = tracking_now(now)
        change("tracking", tracking, late or _not_delivered())
    if "free_shipping" in out:
        free = _free_shipping_now(now)
        if isinstance(free, Verdict):
            change("free_shipping", None, free)
        else:
            change("free_shipping", free, _weight_unknown())
    if now.product != "exact":
        for key in ("stock", "sizing"):
            change(key, None, _product_unclear())
    return out, why


def claims_of(template: ReplyTemplate) -> frozenset[Claim]:
    """Every kind of fact the template states."""
    claims: set[Claim] = set(WORDING_CLAIMS.get(template.key, ()))
    for name in template.variables:
        claims.update(VARIABLE_CLAIMS.get(name, ()))
    for condition in template.when:
        claims.update(CONDITION_CLAIMS.get(condition, ()))
    if "free_method" in template.variables and template.when.get("free_shipping") != "not_possible":
        claims.add(Claim.FREE_SHIPPING)  # "free with {free_method}", not "free only under …"
    return frozenset(claims)


def check(template: ReplyTemplate, now: Now) -> Verdict | None:
    """None when every fact the template states holds now, else the first that does not."""
    claims = claims_of(template)
    for claim in CHECK_ORDER:
        if claim in claims:
            verdict = _CHECKS[claim](now)
            if verdict is not None:
                return verdict
    return None


def withheld_for(
    template: ReplyTemplate,
    now: Now,
    recorded: Mapping[str, str],
    situation: Mapping[str, str],
    why: Mapping[str, Verdict],
) -> Verdict | None:
    """Why a template that fits the recorded situation is not offered now: a fact it states,
    else the condition of it that no longer holds (None: it fits, it may be offered)."""
    verdict = check(template, now)
    if verdict is not None:
        return verdict
    for key, wanted in template.when.items():
        if recorded.get(key) == wanted and situation.get(key) != wanted:
            return why.get(key) or Verdict(
                Reason.CONDITION_CHANGED, f"{key} reads {situation.get(key)} now, not {wanted}"
            )
    return None


def missing(names: Iterable[str]) -> Verdict:
    listed = ", ".join(names)
    return Verdict(Reason.MISSING_VALUES, f"the data has no value for {listed}", listed)


# --- the checks ------------------------------------------------------------------------


def _order(now: Now) -> Verdict | None:
    if now.order is None:
        return Verdict(Reason.NO_ORDER, "the reply speaks of an order, and none is linked")
    if now.order.cancelled:
        return Verdict(Reason.ORDER_CANCELLED, "the order is cancelled")
    return None


def _paid(now: Now) -> Verdict | None:
    if now.order is not None and not now.order.paid:
        return Verdict(Reason.NOT_PAID, f"the order is not paid ({now.order.status})")
    return None


def _unpaid(now: Now) -> Verdict | None:
    if now.order is not None and now.order.paid:
        return Verdict(Reason.ALREADY_PAID, f"the order is already paid ({now.order.status})")
    return None


def _not_shipped(now: Now) -> Verdict | None:
    if now.order is not None and now.order.shipped:
        return _shipped(now.order)
    return None


def _delivered(now: Now) -> Verdict | None:
    if now.order is not None and not now.order.delivered:
        return Verdict(Reason.NOT_DELIVERED, "the order is not delivered yet")
    return None


def _arrival(now: Now) -> Verdict | None:
    order = now.order
    if order is None:
        return Verdict(Reason.NO_ORDER, "the reply promises an arrival, and no order is linked")
    if order.any_delivered:
        return Verdict(Reason.ALREADY_DELIVERED, "a parcel of the order is already delivered")
    promised = now.promised_day
    if promised is None:
        return Verdict(Reason.NO_PROMISED_DATE, "the order has no promised delivery date")
    for parcel in order.parcels:
        late = parcel_delay(parcel, now)
        if late is not None:
            return late
    if promised < now.today:
        return Verdict(
            Reason.PROMISE_PASSED,
            f"the promised delivery day {promised.isoformat()} has passed",
            promised.isoformat(),
        )
    return None


def _arrival_window(now: Now) -> Verdict | None:
    """An estimate is stated only for a parcel on its way, and never a day already past."""
    order = now.order
    if order is None:
        return Verdict(Reason.NO_ORDER, "the reply promises an arrival, and no order is linked")
    if order.any_delivered:
        return Verdict(Reason.ALREADY_DELIVERED, "a parcel of the order is already delivered")
    for parcel in order.parcels:
        late = parcel_delay(parcel, now)
        if late is not None:
            return late
    arrival = now.arrival
    if arrival is not None and arrival.basis is Basis.LATE and arrival.latest is not None:
        day = arrival.latest.isoformat()
        return Verdict(
            Reason.ESTIMATE_PASSED,
            f"the usual transit time ended on {day} and the parcel is not delivered",
            day,
        )
    window = arrival.window if arrival is not None else None
    if window is None or window[0] < now.today:
        basis = arrival.basis.value if arrival is not None else "none"
        return Verdict(
            Reason.NO_ESTIMATE, f"the parcel's state gives no arrival window ({basis})", basis
        )
    return None


def _shipping_offer(now: Now) -> Verdict | None:
    """The shop's methods and the free-shipping rule are offered before shipping only."""
    order = now.order
    if order is None or not order.shipped:
        return None
    return _shipped(order, now.free_method)


def _free_shipping(now: Now) -> Verdict | None:
    """Shipping with the free method is free for this buyer: not shipped yet, no shipping
    paid, and not heavier than the limit (an unknown weight: the shop's general offer)."""
    order = now.order
    if order is not None and order.shipped:
        return _shipped(order, now.free_method)
    if order is not None and order.shipping_paid:
        return Verdict(
            Reason.SHIPPING_PAID,
            "the buyer paid for shipping on this order: it does not ship free with "
            f"{now.free_method}",
        )
    if now.weight_g is not None and now.weight_g > now.free_limit_g:
        return Verdict(
            Reason.OVER_FREE_LIMIT,
            f"the order weighs {now.weight_g} g, over the free-shipping limit of "
            f"{now.free_limit_g} g",
            f"{now.weight_g} g",
        )
    return None


def _free_shipping_now(now: Now) -> str | Verdict:
    """The `free_shipping` condition by the weight, or why there is none."""
    order = now.order
    if order is not None and order.shipped:
        return _shipped(order, now.free_method)
    if now.weight_g is None:
        return _weight_unknown()
    return "possible" if now.weight_g <= now.free_limit_g else "not_possible"


def _weight(now: Now) -> Verdict | None:
    return _weight_unknown() if now.weight_g is None else None


def _product(now: Now) -> Verdict | None:
    return _product_unclear() if now.product == "unclear" else None


_CHECKS: Mapping[Claim, Callable[[Now], Verdict | None]] = {
    Claim.ORDER: _order,
    Claim.PAID: _paid,
    Claim.UNPAID: _unpaid,
    Claim.NOT_SHIPPED: _not_shipped,
    Claim.DELIVERED: _delivered,
    Claim.ARRIVAL: _arrival,
    Claim.ARRIVAL_WINDOW: _arrival_window,
    Claim.SHIPPING_OFFER: _shipping_offer,
    Claim.FREE_SHIPPING: _free_shipping,
    Claim.WEIGHT: _weight,
    Claim.PRODUCT: _product,
}


def _shipped(order: OrderNow, method: str = "") -> Verdict:
    carriers = sorted({p.carrier for p in order.parcels})
    if method and carriers and method not in carriers:
        return Verdict(
            Reason.OTHER_CARRIER,
            f"the order has shipped with {', '.join(carriers)}, not {method}",
            ", ".join(carriers),
        )
    return Verdict(
        Reason.ALREADY_SHIPPED,
        f"the order has already shipped ({order.status}): shipping options, free-shipping "
        "rules and weights no longer apply",
        order.status,
    )


def _product_unclear() -> Verdict:
    return Verdict(
        Reason.PRODUCT_UNCLEAR,
        "it is not clear which one product the buyer means (the order has several): stock, "
        "sizes and names are stated only for the exact product",
    )


def _weight_unknown() -> Verdict:
    return Verdict(
        Reason.WEIGHT_UNKNOWN, "the weight is not known: a product of the order has none"
    )


def _not_delivered() -> Verdict:
    return Verdict(Reason.NOT_DELIVERED, "not every parcel of the order is delivered")
