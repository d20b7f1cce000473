"""The facts of one conversation as template values and situation conditions (SPEC §4–§5).

Values come only from data the shop has: the buyer, the order, its products and
parcels, and the store's facts. A value the data lacks is left out, so a template
that needs it cannot be filled and is not suggested.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from kefu.domain.shopfacts import ShopFacts
from kefu.domain.sizecharts import SizeChart
from kefu.domain.suggestions import tracking_situation
from kefu.domain.templates import Money, OpeningHours
from kefu.services.readmodels import ConversationDetail, ProductView

SIZING = {"shoes": "shoes", "dress": "clothing", "tops": "clothing"}


@dataclass(frozen=True)
class TemplateContext:
    situation: dict[str, str]
    values: dict[str, object]


def main_product(detail: ConversationDetail) -> ProductView | None:
    """The product the conversation is about: its own, else the order's first line's."""
    return detail.products[0] if detail.products else None


def context_for(
    detail: ConversationDetail,
    facts: ShopFacts,
    now: datetime,
    similar: Sequence[str] = (),
) -> TemplateContext:
    situation: dict[str, str] = {"stage": detail.stage}
    values = facts_values(facts, detail.store_name, detail.buyer.language or detail.language)
    values["buyer_name"] = _first_name(detail.buyer.name)
    values["similar_products"] = list(similar)
    festival = facts.festival_on(now)
    if festival:
        situation["festival"] = "yes"
        values["festival"] = festival.name
    country = (detail.order.ship_to_country if detail.order else None) or detail.buyer.country
    if country:
        values["country"] = country
        transit = facts.transit_for(country)
        if transit:
            values["transit_days_min"], values["transit_days_max"] = transit
    _product_facts(detail, facts, situation, values)
    _order_facts(detail, facts, situation, values)
    return TemplateContext(situation, values)


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
}
EXAMPLE_SIZE_CHART = SizeChart(
    "cm", ("bust", "waist"), (("S", (84, 66)), ("M", (88, 70)), ("L", (92, 74)))
)


def _first_name(name: str | None) -> str | None:
    return name.split()[0] if name and name.split() else None


def _product_facts(
    detail: ConversationDetail,
    facts: ShopFacts,
    situation: dict[str, str],
    values: dict[str, object],
) -> None:
    product = main_product(detail)
    if product is None:
        return
    values["product"] = product.title
    values["stock_left"] = product.stock
    if product.stock <= 0:
        situation["stock"] = "out_of_stock"
    elif product.stock < facts.few_left_below:
        situation["stock"] = "few_left"
    else:
        situation["stock"] = "in_stock"
    sizing = SIZING.get(product.category)
    chart = SizeChart.from_mapping(product.size_chart) if product.size_chart else None
    if sizing and chart:
        situation["sizing"] = sizing
        values["size_chart"] = chart
    if detail.order is None and product.weight_g > 0:
        _weigh(product.weight_g, facts, situation, values)


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
    situation: dict[str, str],
    values: dict[str, object],
) -> None:
    order = detail.order
    if order is None:
        return
    values["order_number"] = order.order_number
    values["new_total"] = Money(order.total_cents)
    weights = {p.sku: p.weight_g for p in detail.products}
    grams = sum(line.quantity * weights.get(line.sku, 0) for line in order.lines)
    if grams > 0 and all(line.sku in weights for line in order.lines):
        _weigh(grams, facts, situation, values)
    if order.promised_delivery_at:
        values["promised_date"] = order.promised_delivery_at
    parcels = [p for p in order.parcels if not p.is_reshipment] or list(order.parcels)
    situation["shipped"] = "yes" if parcels else "no"
    if not parcels:
        return
    situation["parcels"] = "one" if len(parcels) == 1 else "two"
    first = parcels[0]
    values.update(
        carrier=first.carrier,
        tracking_number=first.tracking_number,
        tracking_url=first.tracking_url,
    )
    if len(parcels) > 1:
        second = parcels[1]
        values.update(
            carrier_2=second.carrier,
            tracking_number_2=second.tracking_number,
            tracking_url_2=second.tracking_url,
        )
    status = tracking_situation(first.latest_event.status if first.latest_event else None)
    if status:
        situation["tracking"] = status


def known_tokens(detail: ConversationDetail) -> list[str]:
    """Numbers and links of this conversation the policy check must not mistake for contact."""
    if detail.order is None:
        return []
    out = [detail.order.order_number]
    for p in detail.order.parcels:
        out += [p.tracking_number, p.tracking_url]
    return out
