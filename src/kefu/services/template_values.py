"""The facts of one conversation as template values and situation conditions (SPEC §4–§5),
and which templates may be offered for it (SPEC §4: be truthful).

Values come only from data the shop has: the buyer, the order, its products and
parcels, and the store's facts. A value the data lacks is left out, so a template
that needs it cannot be filled and is not suggested. A value is also left out when it
would not be true to say now (the weight of an order already shipped, the stock of one
product when the order has several), and every template is checked by
`kefu.domain.truth` before it is offered: a fact it states that does not hold withholds
it, with the reason a lead sees.

Days are the store's local days (the store's time zone): the promised delivery day and
the last tracking update are the days the store's order panel shows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from kefu.domain.arrival import Estimate, estimate, for_order
from kefu.domain.carriers import CARRIERS, carrier_key, carriers_named
from kefu.domain.customs import CustomsFact, fact_for
from kefu.domain.errors import InvalidInput
from kefu.domain.shopfacts import ShopFacts
from kefu.domain.sizecharts import SizeChart
from kefu.domain.suggestions import rank, tracking_situation
from kefu.domain.templates import (
    MissingValues,
    Money,
    OpeningHours,
    Rendered,
    ReplyTemplate,
    TemplateCatalogue,
    ValueFormatter,
    render,
)
from kefu.domain.truth import (
    Now,
    OrderNow,
    ParcelNow,
    ProductKnown,
    Reason,
    Verdict,
    check,
    missing,
    situation_now,
    withheld_for,
)
from kefu.domain.types import Direction, TrackingStatus
from kefu.services.readmodels import ConversationDetail, OrderView, ParcelView, ProductView

SIZING = {"shoes": "shoes", "dress": "clothing", "tops": "clothing"}


@dataclass(frozen=True)
class TemplateContext:
    situation: dict[str, str]  # what holds now: the templates are chosen by it
    values: dict[str, object]
    # The same conditions as the data records them (a parcel "in transit" for weeks), and
    # why each one that differs changed: the lead's list of templates not offered.
    recorded: dict[str, str] = field(default_factory=dict)
    why: dict[str, Verdict] = field(default_factory=dict)
    now: Now | None = None  # the facts the templates' statements are checked against


@dataclass(frozen=True)
class Offer:
    """A template that may be offered, filled in the buyer's and the agent's language."""

    template: ReplyTemplate
    shown: Rendered
    gloss: Rendered


@dataclass(frozen=True)
class Withheld:
    """A template that fits the question but is not offered: what it would state is not
    true now, or the data lacks a value it needs. For leads (manage_templates)."""

    key: str
    title: str  # in the agent's language
    reason: str  # kefu.domain.truth.Reason
    message: str  # an English sentence with the facts
    detail: str = ""  # the facts alone (ISO days, carriers, names), for any language


@dataclass(frozen=True)
class Choice:
    offered: list[Offer]
    withheld: list[Withheld]


def main_product(detail: ConversationDetail) -> ProductView | None:
    """The product the conversation is about: its own (from the product page the buyer
    came from), else the order's only product. An order of several products names none:
    its stock, sizes and name would be said of a product the buyer may not mean."""
    if detail.product_id is not None:
        return next((p for p in detail.products if p.id == detail.product_id), None)
    return detail.products[0] if len(detail.products) == 1 else None


def context_for(
    detail: ConversationDetail,
    facts: ShopFacts,
    now: datetime,
    similar: Sequence[str] = (),
    customs: Sequence[CustomsFact] = (),
) -> TemplateContext:
    recorded: dict[str, str] = {"stage": detail.stage}
    values = facts_values(facts, detail.store_name, detail.buyer.language or detail.language)
    values["buyer_name"] = _first_name(detail.buyer.name)
    values["similar_products"] = list(similar)
    festival = facts.festival_on(now)
    if festival:
        recorded["festival"] = "yes"
        values["festival"] = festival.name
    country = (detail.order.ship_to_country if detail.order else None) or detail.buyer.country
    if country:
        values["country"] = country
        transit = facts.transit_for(country)
        if transit:
            values["transit_days_min"], values["transit_days_max"] = transit
    _requested_carrier(detail, facts, recorded, values)
    state = now_of(detail, facts, now)
    if country:
        _customs_facts(fact_for(customs, country), state.today, recorded, values)
    _product_facts(detail, facts, recorded, values)
    _order_facts(detail, facts, state, recorded, values)
    situation, why = situation_now(recorded, state)
    return TemplateContext(situation, values, recorded, why, state)


def _requested_carrier(
    detail: ConversationDetail,
    facts: ShopFacts,
    recorded: dict[str, str],
    values: dict[str, object],
) -> None:
    """A carrier the buyer's latest message asks for that the store does not ship with:
    the answer names it and lists the store's own methods (SPEC §4: the shop's rules)."""
    asked = next((m.text for m in reversed(detail.messages) if m.direction == Direction.BUYER), "")
    offered = {carrier_key(m) or m.casefold() for m in (facts.free_method, *facts.express_methods)}
    missing = [key for key in carriers_named(asked) if key not in offered]
    if not missing:
        return
    recorded["requested_carrier"] = "not_offered"
    values["requested_carrier"] = CARRIERS[missing[0]][0]
    values["shipping_methods"] = [facts.free_method, *facts.express_methods]


def _customs_facts(
    rule: CustomsFact | None, today: date, recorded: dict[str, str], values: dict[str, object]
) -> None:
    """The destination's customs rule: its kind chooses the duty answer, its figures, source
    and date fill it (docs/customs.md)."""
    if rule is None:
        return
    recorded["customs"] = rule.kind.value
    if rule.as_of > today or (rule.since is not None and rule.since > today):
        return  # not known yet on the store's today: the answer is not offered
    values["customs_source"] = rule.source
    values["customs_as_of"] = rule.as_of
    if rule.threshold is not None and rule.currency is not None:
        # Whole units to minor units: the thresholds customs set are in currencies of cents.
        values["customs_threshold"] = Money(rule.threshold * 100, rule.currency)
    if rule.since is not None:
        values["customs_since"] = rule.since


def now_of(detail: ConversationDetail, facts: ShopFacts, now: datetime) -> Now:
    """The conversation's facts at `now`, as the truth checks read them."""
    product = main_product(detail)
    known: ProductKnown = "exact" if product else ("unclear" if detail.products else "none")
    order = detail.order
    weight = (
        _order_weight(order, detail.products)
        if order is not None
        else (product.weight_g if product is not None and product.weight_g > 0 else None)
    )
    state = Now(
        moment=now if now.tzinfo else now.replace(tzinfo=UTC),
        zone=_zone(detail.store_timezone),
        order=_order_now(order) if order is not None else None,
        weight_g=weight,
        product=known,
        free_method=facts.free_method,
        free_limit_g=facts.free_shipping_max_g,
    )
    if order is None or not order.parcels:
        return state
    country = order.ship_to_country or detail.buyer.country
    return replace(state, arrival=_arrival(_parcels(order), country, facts, state))


def _arrival(
    parcels: Sequence[ParcelView], country: str | None, facts: ShopFacts, state: Now
) -> Estimate | None:
    """The order's arrival from its parcels' real state and the store's transit table for
    the destination and each parcel's carrier (kefu.domain.arrival)."""

    def day(moment: datetime | None) -> date | None:
        return state.day(moment) if moment is not None else None

    estimates = []
    for p in parcels:
        raw = p.status or (p.latest_event.status if p.latest_event else None)
        status = TrackingStatus(raw) if raw and raw in set(TrackingStatus) else None
        first_scan = p.events[-1].occurred_at if p.events else None
        estimates.append(
            estimate(
                status,
                since=day(
                    p.status_since or (p.latest_event.occurred_at if p.latest_event else None)
                ),
                shipped_on=day(p.shipped_at or first_scan),
                transit=facts.transit_for(country, p.carrier),
                today=state.today,
            )
        )
    return for_order(estimates)


def choose(
    catalogue: TemplateCatalogue,
    ctx: TemplateContext,
    *,
    intent: str | None,
    stage: str | None,
    language: str | None,
    agent_language: str,
    formatter: ValueFormatter,
    limit: int,
    with_withheld: bool = False,
) -> Choice:
    """Up to `limit` templates that fit the question and state only what holds now, best
    first; with `with_withheld`, also every template that fits the question (as the data
    records it) and is not offered, with why."""
    offered: list[Offer] = []
    withheld: dict[str, Withheld] = {}
    fitting = rank(catalogue, intent=intent, situation=ctx.situation, stage=stage)
    for candidate in fitting:
        if len(offered) == limit and not with_withheld:
            break
        tried = _fill(candidate.template, ctx, language, agent_language, formatter)
        if isinstance(tried, Verdict):
            withheld[candidate.template.key] = _withheld(candidate.template, tried, agent_language)
        elif len(offered) < limit:
            offered.append(tried)
    if with_withheld and ctx.now is not None:
        seen = {c.template.key for c in fitting}
        for candidate in rank(catalogue, intent=intent, situation=ctx.recorded, stage=stage):
            template = candidate.template
            if template.key in seen:
                continue
            verdict = withheld_for(template, ctx.now, ctx.recorded, ctx.situation, ctx.why)
            if verdict is not None:
                withheld[template.key] = _withheld(template, verdict, agent_language)
    return Choice(offered, list(withheld.values()))


def _fill(
    template: ReplyTemplate,
    ctx: TemplateContext,
    language: str | None,
    agent_language: str,
    formatter: ValueFormatter,
) -> Offer | Verdict:
    """The template filled in both languages, or why it may not be offered."""
    verdict = check(template, ctx.now) if ctx.now is not None else None
    if verdict is not None:
        return verdict
    try:
        shown = render(template, language, ctx.values, formatter)
        gloss = render(template, agent_language, ctx.values, formatter)
    except MissingValues as exc:
        return missing(exc.names)
    except InvalidInput as exc:  # a value holds an unfinished marker
        return Verdict(Reason.MISSING_VALUES, exc.message)
    return Offer(template, shown, gloss)


def _withheld(template: ReplyTemplate, verdict: Verdict, agent_language: str) -> Withheld:
    return Withheld(
        template.key,
        template.title(agent_language),
        verdict.reason.value,
        verdict.message[:1].upper() + verdict.message[1:] + ".",
        verdict.detail,
    )


def facts_values(facts: ShopFacts, store_name: str, language: str | None) -> dict[str, object]:
    """The values every template of this store may use, whatever the conversation."""
    values: dict[str, object] = {
        "signature": facts.signature.strip() or store_name,
        "store_name": store_name,
        "handling_days": facts.handling_days,
        "free_method": facts.free_method,
        "express_methods": list(facts.express_methods),
        "free_limit": facts.free_shipping_max_g,
        "refund_days_min": facts.refund_days[0],
        "refund_days_max": facts.refund_days[1],
        "help_url": facts.help_link(language),
        "discount": facts.customs_discount_percent,
        "working_hours": OpeningHours(facts.opens, facts.closes, facts.timezone, facts.workdays),
    }
    bulk = facts.bulk_offer()
    if bulk:
        values["bulk_min_qty"], values["bulk_discount"] = bulk.min_quantity, bulk.discount_percent
    return values


def example_values(
    facts: ShopFacts, store_name: str, language: str, next_opening: datetime
) -> tuple[dict[str, object], frozenset[str]]:
    """Values for previewing a template on the settings page: the store's own facts, and
    an example order for what only a conversation has. Returns the names that are examples,
    so the page can say which parts of the preview are invented."""
    own = {k: v for k, v in facts_values(facts, store_name, language).items() if v is not None}
    transit = facts.transit_for(EXAMPLE_COUNTRY) or (15, 45)
    example: dict[str, object] = {
        **EXAMPLE_ORDER,
        "promised_date": (next_opening + timedelta(days=transit[1])).date(),
        "next_opening": next_opening,
        "transit_days_min": transit[0],
        "transit_days_max": transit[1],
        "festival": facts.festivals[0].name if facts.festivals else "11.11",
        "size_chart": EXAMPLE_SIZE_CHART,
        "help_url": f"https://help.example.com/{language}",
        "bulk_min_qty": 10,
        "bulk_discount": 5,
    }
    return {**example, **own}, frozenset(example) - frozenset(own)


EXAMPLE_COUNTRY = "US"
EXAMPLE_ORDER: dict[str, object] = {
    "buyer_name": "Anna",
    "product": "Floral summer dress",
    "order_number": "8123456789012345",
    "carrier": "Cainiao",
    "tracking_number": "LP00123456789012",
    "tracking_url": "https://global.cainiao.com/detail.htm?mailNoList=LP00123456789012",
    "tracking_number_2": "LP00123456789013",
    "tracking_url_2": "https://global.cainiao.com/detail.htm?mailNoList=LP00123456789013",
    "stock_left": 4,
    "similar_products": ["Linen summer dress", "Floral midi skirt"],
    "parcel_weight": 450,
    "new_total": Money(2599),
    "country": EXAMPLE_COUNTRY,
    "customs_threshold": Money(15000, "EUR"),
    "customs_since": date(2025, 8, 29),
    "customs_as_of": date(2026, 12, 1),
    "customs_source": "European Commission",
}
EXAMPLE_SIZE_CHART = SizeChart(
    "cm", ("bust", "waist"), (("S", (84, 66)), ("M", (88, 70)), ("L", (92, 74)))
)


def _first_name(name: str | None) -> str | None:
    return name.split()[0] if name and name.split() else None


def _product_facts(
    detail: ConversationDetail,
    facts: ShopFacts,
    recorded: dict[str, str],
    values: dict[str, object],
) -> None:
    """The product's name, stock and size chart, for the exact product only. Without one,
    the recorded conditions read the first product the data lists, so a lead sees which
    stock answer was held back for an order of several products."""
    product = main_product(detail)
    read = product or (detail.products[0] if detail.products else None)
    if read is not None:
        recorded["stock"] = _stock(read, facts)
        sizing = SIZING.get(read.category)
        if sizing and read.size_chart and SizeChart.from_mapping(read.size_chart):
            recorded["sizing"] = sizing
    if product is None:
        return
    values["product"] = product.title
    values["stock_left"] = product.stock
    chart = SizeChart.from_mapping(product.size_chart) if product.size_chart else None
    if chart and SIZING.get(product.category):
        values["size_chart"] = chart
    if detail.order is None and product.weight_g > 0:
        _weigh(product.weight_g, facts, recorded, values)


def _stock(product: ProductView, facts: ShopFacts) -> str:
    if product.stock <= 0:
        return "out_of_stock"
    return "few_left" if product.stock < facts.few_left_below else "in_stock"


def _weigh(
    grams: int, facts: ShopFacts, situation: dict[str, str], values: dict[str, object]
) -> None:
    values["parcel_weight"] = grams
    situation["free_shipping"] = (
        "possible" if grams <= facts.free_shipping_max_g else "not_possible"
    )


def _order_facts(
    detail: ConversationDetail,
    facts: ShopFacts,
    state: Now,
    recorded: dict[str, str],
    values: dict[str, object],
) -> None:
    order = detail.order
    if order is None:
        return
    values["order_number"] = order.order_number
    values["new_total"] = Money(order.total_cents, order.currency)
    # As recorded: the lines whose products have a weight (a weight is said before
    # shipping only, and only when every product of the order has one: `situation_now`).
    weights = {p.sku: p.weight_g for p in detail.products}
    grams = sum(line.quantity * weights.get(line.sku, 0) for line in order.lines)
    if grams > 0:
        _weigh(grams, facts, recorded, values)
    if state.weight_g is None or (state.order is not None and state.order.shipped):
        values.pop("parcel_weight", None)
    promised = state.promised_day
    if promised is not None:
        values["promised_date"] = promised  # the store's day; `check` holds back a past one
    window = state.arrival.window if state.arrival is not None else None
    if window is not None:  # never a past day: kefu.domain.arrival and `check` see to it
        values["arrival_earliest"], values["arrival_latest"] = window
    parcels = _parcels(order)
    recorded["shipped"] = "yes" if parcels else "no"
    if not parcels:
        return
    recorded["parcels"] = "one" if len(parcels) == 1 else "two"
    first = parcels[0]
    values.update(
        carrier=first.carrier,
        tracking_number=first.tracking_number,
        tracking_url=first.tracking_url,
    )
    if first.latest_event is not None:
        values["last_update"] = state.day(first.latest_event.occurred_at)
    if len(parcels) > 1:
        second = parcels[1]
        values.update(
            carrier_2=second.carrier,
            tracking_number_2=second.tracking_number,
            tracking_url_2=second.tracking_url,
        )
    status = tracking_situation(first.latest_event.status if first.latest_event else None)
    if status:
        recorded["tracking"] = status


def _parcels(order: OrderView) -> list[ParcelView]:
    """The order's parcels; reshipments only when there is nothing else."""
    return [p for p in order.parcels if not p.is_reshipment] or list(order.parcels)


def _order_now(order: OrderView) -> OrderNow:
    return OrderNow(
        status=order.status,
        promised_at=order.promised_delivery_at,
        delivered_at=order.delivered_at,
        shipping_paid=order.shipping_cents > 0,
        parcels=tuple(
            ParcelNow(
                carrier=p.carrier,
                status=p.latest_event.status if p.latest_event else None,
                last_event_at=p.latest_event.occurred_at if p.latest_event else None,
                shipped_at=p.shipped_at,
                flagged=p.problem,
            )
            for p in _parcels(order)
        ),
    )


def _order_weight(order: OrderView, products: Sequence[ProductView]) -> int | None:
    """Quantity × weight over the lines; None when a line's product has no weight."""
    weights = {p.sku: p.weight_g for p in products}
    if not order.lines or any(weights.get(line.sku, 0) <= 0 for line in order.lines):
        return None
    return sum(line.quantity * weights[line.sku] for line in order.lines)


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")
