"""Demo conversations drawn from the buyer-message corpus, shaped by each buyer's orders."""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from importlib.resources import files
from typing import Any

from kefu.domain.intents import group_of
from kefu.domain.types import ColourMark, OrderStatus, Origin, TrackingStatus
from kefu.services.ports import BuyerIn, Catalog, OrderIn, ProductIn

DAMAGED_ORDER_NUMBER = "8099000000000138"
PRE_SALE_INTENTS = (
    "product_stock",
    "product_price",
    "product_size",
    "product_detail",
    "wholesale_sample",
    "shipping_method",
    "shipping_time",
    "customs_duty",
    "payment",
    "coupon_discount",
    "greeting_thanks",
    "account",
    "other",
)
IN_SALE_INTENTS = (
    "order_tracking",
    "shipping_time",
    "cancel_order",
    "change_order",
    "customs_duty",
    "payment",
    "order_tracking",
    "not_received",
)
AFTER_SALE_INTENTS = (
    "damaged_defective",
    "wrong_item",
    "return_exchange",
    "refund",
    "usage_help",
    "review_feedback",
    "complaint",
    "greeting_thanks",
    "refund",
    "damaged_defective",
)
PROBLEM_INTENTS = ("not_received", "order_tracking", "customs_duty", "complaint")
SIZES = ("S", "M", "L", "XL", "38", "39", "40", "42", "44")


@dataclass(frozen=True)
class Corpus:
    buyer: dict[str, list[str]]
    seller: dict[str, list[str]]
    first_names: list[str]
    last_names: list[str]
    # corpus text → {"zh": …, "en": …}, written by the team (corpus/translations/)
    translations: dict[str, dict[str, str]] = field(default_factory=dict)


def load_corpus() -> dict[str, Corpus]:
    """Every language file of the demo corpus (src/kefu/demo/corpus/README.md)."""
    out: dict[str, Corpus] = {}
    folder = files("kefu") / "demo" / "corpus"
    for item in sorted(folder.iterdir(), key=lambda i: i.name):
        if item.name.endswith(".json"):
            data = json.loads(item.read_text(encoding="utf-8"))
            translated = folder / "translations" / item.name
            out[data["language"]] = Corpus(
                data["buyer"],
                data["seller"],
                data["names"]["first"],
                data["names"]["last"],
                json.loads(translated.read_text(encoding="utf-8"))["translations"]
                if translated.is_file()
                else {},
            )
    return out


@dataclass
class DemoConversation:
    """Messages to ingest, then what the team did with the thread."""

    messages: list[dict[str, Any]] = field(default_factory=list)
    key: tuple[str, str] = ("", "")  # (store code, conversation id)
    # message id → {language: text}: the demo's stored translations (buyer messages in the
    # agents' languages; the Chinese an agent wrote behind each reply)
    translations: dict[str, dict[str, str]] = field(default_factory=dict)
    mark: ColourMark | None = None
    assignee: str | None = None
    close: bool = False


def build_conversations(
    rng: random.Random,
    now: datetime,
    catalog: Catalog,
    corpus: dict[str, Corpus],
    count: int,
    accounts_by_language: dict[str, list[str]],
) -> list[DemoConversation]:
    orders_of: dict[tuple[str, str], list[OrderIn]] = {}
    for order in catalog.orders:
        orders_of.setdefault(order.buyer, []).append(order)
    products_of: dict[str, list[ProductIn]] = {}
    for p in catalog.products:
        products_of.setdefault(p.store_code, []).append(p)
    out = [_damaged_garment_case(now, catalog)]
    for n in range(1, count):
        buyer = rng.choice(catalog.buyers)
        orders = orders_of.get((buyer.store_code, buyer.platform_buyer_id), [])
        out.append(
            _conversation(
                rng,
                now,
                n,
                buyer,
                orders,
                products_of[buyer.store_code],
                corpus,
                accounts_by_language,
            )
        )
    return out


def _conversation(
    rng: random.Random,
    now: datetime,
    n: int,
    buyer: BuyerIn,
    orders: list[OrderIn],
    products: list[ProductIn],
    corpus: dict[str, Corpus],
    accounts_by_language: dict[str, list[str]],
) -> DemoConversation:
    order = rng.choice(orders) if orders and rng.random() < 0.7 else None
    intent, origin = _situation(rng, order)
    product = rng.choice(products)
    start = _start(rng, now, order)
    texts = corpus[buyer.language]
    slots = _slots(rng, order, product)
    conv_id = f"demo-c{n:05d}"
    conv = DemoConversation(key=(buyer.store_code, conv_id))
    at = start
    first = rng.choice(texts.buyer[intent])
    conv.messages.append(
        _message(
            buyer, conv_id, f"{conv_id}-1", at, origin, order, product, _fill(first, slots), "buyer"
        )
    )
    _translated(conv, f"{conv_id}-1", texts, first, slots, ("zh", "en"))
    if rng.random() < 0.62:
        at = min(now - timedelta(minutes=5), at + timedelta(hours=rng.uniform(0.2, 40)))
        written = rng.choice(texts.seller[group_of(intent)])
        seller_slots = {**slots, "name": buyer.name.split()[0], "shop": "Sunrise"}
        conv.messages.append(
            _message(
                buyer,
                conv_id,
                f"{conv_id}-2",
                at,
                origin,
                order,
                product,
                _fill(written, seller_slots),
                "shop",
            )
        )
        _translated(conv, f"{conv_id}-2", texts, written, seller_slots, ("zh",))
        if rng.random() < 0.4:
            follow = rng.choice(("greeting_thanks", intent))
            at = min(now - timedelta(minutes=1), at + timedelta(hours=rng.uniform(0.5, 30)))
            later = rng.choice(texts.buyer[follow])
            conv.messages.append(
                _message(
                    buyer,
                    conv_id,
                    f"{conv_id}-3",
                    at,
                    origin,
                    order,
                    product,
                    _fill(later, slots),
                    "buyer",
                )
            )
            _translated(conv, f"{conv_id}-3", texts, later, slots, ("zh", "en"))
        elif rng.random() < 0.45:
            conv.close = True
    conv.mark = _mark(rng, intent, order)
    team = accounts_by_language.get(f"{buyer.store_code}/{buyer.language}", [])
    if team and rng.random() < 0.65:
        conv.assignee = rng.choice(team)
    return conv


def _translated(
    conv: DemoConversation,
    message_id: str,
    texts: Corpus,
    source: str,
    slots: dict[str, str],
    languages: tuple[str, ...],
) -> None:
    """The team's written translation of a corpus text, filled like the text itself."""
    written = texts.translations.get(source, {})
    found = {lang: _fill(written[lang], slots) for lang in languages if lang in written}
    if found:
        conv.translations[message_id] = found


def _situation(rng: random.Random, order: OrderIn | None) -> tuple[str, Origin]:
    if order is None:
        return rng.choice(PRE_SALE_INTENTS), rng.choice(
            (Origin.PRODUCT_PAGE, Origin.STORE_PAGE, Origin.MESSAGE_CENTER)
        )
    after_origin = rng.choice((Origin.ORDER_DETAIL, Origin.ORDER_DETAIL, Origin.ORDER_LIST))
    if any(
        e.status
        in (
            TrackingStatus.CUSTOMS_HOLD,
            TrackingStatus.AWAITING_PICKUP,
            TrackingStatus.FAILED_DELIVERY,
            TrackingStatus.EXCEPTION,
            TrackingStatus.RETURNED,
        )
        for p in order.parcels
        for e in p.events[-1:]
    ):
        return rng.choice(PROBLEM_INTENTS), Origin.DISPUTE if rng.random() < 0.2 else after_origin
    if order.status in (OrderStatus.DELIVERED, OrderStatus.COMPLETED):
        return rng.choice(
            AFTER_SALE_INTENTS
        ), Origin.DISPUTE if rng.random() < 0.05 else after_origin
    if order.status == OrderStatus.CANCELLED:
        return "refund", after_origin
    return rng.choice(IN_SALE_INTENTS), rng.choice((after_origin, Origin.MESSAGE_CENTER))


def _start(rng: random.Random, now: datetime, order: OrderIn | None) -> datetime:
    earliest = now - timedelta(days=10)
    if order is not None:
        earliest = max(earliest, order.placed_at + timedelta(hours=1))
    span = max(60.0, (now - earliest).total_seconds() - 3600)
    return earliest + timedelta(seconds=rng.uniform(0, span))


def _slots(rng: random.Random, order: OrderIn | None, product: ProductIn) -> dict[str, str]:
    tracking = (
        order.parcels[0].tracking_number
        if order and order.parcels
        else f"LP{rng.randrange(10**14):014d}"
    )
    return {
        "order_number": order.order_number if order else f"80{rng.randrange(10**13, 10**14)}",
        "tracking_number": tracking,
        "product": (order.lines[0].title if order else product.title).split(",")[0],
        "size": rng.choice(SIZES),
        "quantity": str(rng.choice((20, 50, 100, 200, 500))),
        "amount": f"{rng.randrange(8, 60)} USD",
        "date": f"{rng.randrange(1, 28)}/{rng.randrange(10, 12)}",
    }


def _fill(text: str, slots: dict[str, str]) -> str:
    return text.format(**slots) if "{" in text else text


def _message(
    buyer: BuyerIn,
    conv_id: str,
    message_id: str,
    at: datetime,
    origin: Origin,
    order: OrderIn | None,
    product: ProductIn,
    text: str,
    direction: str,
) -> dict[str, Any]:
    return {
        "store": buyer.store_code,
        "message_id": message_id,
        "conversation_id": conv_id,
        "buyer_id": buyer.platform_buyer_id,
        "buyer_name": buyer.name,
        "buyer_country": buyer.country,
        "buyer_language": buyer.language,
        "order_number": order.order_number if order else None,
        "product_sku": None if order else product.sku,
        "origin": origin.value,
        "sent_at": at.isoformat(),
        "text": text,
        "direction": direction,
    }


def _mark(rng: random.Random, intent: str, order: OrderIn | None) -> ColourMark | None:
    """Marks with the meanings of SPEC §7, on the threads where a team would set them."""
    if order is not None and any(p.is_reshipment for p in order.parcels):
        return ColourMark.YELLOW
    roll = rng.random()
    if intent == "damaged_defective" and roll < 0.6:
        return ColourMark.RED
    if intent == "refund" and roll < 0.5:
        return ColourMark.GREEN
    if intent == "not_received" and roll < 0.3:
        return ColourMark.PURPLE
    if order is not None and order.is_wholesale and roll < 0.8:
        return ColourMark.BLUE
    return None


def _damaged_garment_case(now: datetime, catalog: Catalog) -> DemoConversation:
    """SPEC §8 example: a new buyer paid 138 yuan for a garment that arrived damaged.

    The shop checked it before shipping and pays the 24-yuan postage of the exchange.
    """
    order = next(o for o in catalog.orders if o.order_number == DAMAGED_ORDER_NUMBER)
    buyer = next(b for b in catalog.buyers if (b.store_code, b.platform_buyer_id) == order.buyer)
    conv_id = "demo-damaged-garment"
    first = now - timedelta(hours=20)
    conv = DemoConversation(key=("ali-global", conv_id), mark=ColourMark.RED, assignee="zhangmin")
    texts = [
        (
            first,
            "buyer",
            "Hello, my dress arrived today but the seam on the left side is torn and there is a "
            "hole near the zipper. I paid 19.40 USD for it. I want to exchange it for a new one, "
            "not a refund. Photos attached.",
        ),
        (
            first + timedelta(hours=2),
            "shop",
            "Hello, I am very sorry the dress arrived damaged. We check every "
            "dress before shipping, so it was probably damaged in transit. "
            "Could you send one more photo of the parcel box?",
        ),
        (
            first + timedelta(hours=5),
            "buyer",
            "box was crushed on one corner. photo attached. can you send the "
            "new one in size M again??",
        ),
    ]
    for i, (at, direction, text) in enumerate(texts, start=1):
        message = _message(
            buyer,
            conv_id,
            f"{conv_id}-{i}",
            at,
            Origin.ORDER_DETAIL,
            order,
            catalog.products[0],
            text,
            direction,
        )
        if direction == "buyer":
            message["attachments"] = [f"https://demo.kefu.invalid/photos/damaged-dress-{i}.jpg"]
        conv.messages.append(message)
    return conv
