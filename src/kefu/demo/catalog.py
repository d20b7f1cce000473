"""Demo stores, team, products, buyers and orders with parcels (deterministic from a seed)."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from kefu.domain.entities import s10_check_digit, ups_check_digit
from kefu.domain.types import Marketplace, OrderStatus, TrackingStatus
from kefu.services.ports import (
    AccountIn,
    BuyerIn,
    Catalog,
    OrderIn,
    OrderLineIn,
    ParcelIn,
    ProductIn,
    StoreIn,
    TrackingEventIn,
)

STORES = (
    StoreIn(
        "ali-global",
        "Sunrise Fashion · AliExpress",
        Marketplace.ALIEXPRESS,
        "global",
        "Asia/Shanghai",
    ),
    StoreIn(
        "amazon-us", "Sunrise Home · Amazon US", Marketplace.AMAZON, "US", "America/Los_Angeles"
    ),
    StoreIn("ebay-uk", "Sunrise Outlet · eBay UK", Marketplace.EBAY, "UK", "Europe/London"),
    StoreIn(
        "wish-global", "Sunrise Gadgets · Wish", Marketplace.WISH, "global", "America/Los_Angeles"
    ),
)

# Known demo team; sign-in arrives with the team issue.
ACCOUNTS = (
    AccountIn("owner", "王店长 (Owner)", "owner", ("zh", "en"), is_main=True),
    AccountIn("lina", "李娜 Li Na", "pre_sale", ("en", "es", "pt")),
    AccountIn("wangwei", "王伟 Wang Wei", "after_sale", ("en", "ru", "pl")),
    AccountIn("zhangmin", "张敏 Zhang Min", "after_sale", ("en", "fr", "de", "it", "nl")),
    AccountIn("chenjie", "陈杰 Chen Jie", "pre_sale", ("en", "ko", "ja", "tr", "ar", "he")),
)

# Every demo account signs in with this password (printed by `make demo`); never in production.
DEMO_PASSWORD = "sunrise-demo-2026"  # noqa: S105 — the demo shop's published password
# The stores given to each sub-account: Li Na and Chen Jie do not see the eBay store.
ACCOUNT_STORES = {
    "lina": ("ali-global", "amazon-us", "wish-global"),
    "wangwei": ("ali-global", "amazon-us", "ebay-uk", "wish-global"),
    "zhangmin": ("ali-global", "amazon-us", "ebay-uk", "wish-global"),
    "chenjie": ("ali-global", "wish-global"),
}

COUNTRY_LANGUAGE = {
    "US": "en",
    "GB": "en",
    "AU": "en",
    "ES": "es",
    "MX": "es",
    "CL": "es",
    "BR": "pt",
    "FR": "fr",
    "BE": "fr",
    "DE": "de",
    "IT": "it",
    "NL": "nl",
    "RU": "ru",
    "PL": "pl",
    "TR": "tr",
    "KR": "ko",
    "IL": "he",
    "SA": "ar",
    "AE": "ar",
    "JP": "ja",
}
STORE_COUNTRIES = {
    "ali-global": {
        "RU": 18,
        "ES": 10,
        "BR": 12,
        "FR": 8,
        "PL": 8,
        "KR": 6,
        "IL": 5,
        "SA": 5,
        "US": 8,
        "CL": 4,
        "TR": 6,
        "NL": 3,
        "JP": 3,
        "IT": 4,
    },
    "amazon-us": {"US": 70, "MX": 12, "BR": 5, "JP": 4, "DE": 4, "GB": 5},
    "ebay-uk": {"GB": 45, "DE": 15, "FR": 12, "IT": 10, "NL": 8, "ES": 6, "AU": 4},
    "wish-global": {
        "US": 30,
        "FR": 12,
        "DE": 12,
        "ES": 8,
        "IT": 8,
        "MX": 8,
        "AE": 5,
        "BE": 5,
        "PL": 6,
        "TR": 6,
    },
}

_APPAREL_CHART: dict[str, object] = {
    "unit": "cm",
    "columns": ["bust", "waist", "length"],
    "rows": [
        {"size": s, "values": [84 + 4 * i, 66 + 4 * i, 96 + i]}
        for i, s in enumerate(["S", "M", "L", "XL", "XXL"])
    ],
}
_SHOE_CHART: dict[str, object] = {
    "unit": "cm",
    "columns": ["foot length", "EU", "US"],
    "rows": [
        {"size": str(35 + i), "values": [22.5 + 0.5 * i, 35 + i, 5 + i * 0.5]} for i in range(10)
    ],
}


@dataclass(frozen=True)
class Kind:
    category: str
    names: tuple[str, ...]
    price: tuple[int, int]  # USD cents
    weight: tuple[int, int]  # grams
    chart: dict[str, object] | None = None


KINDS = (
    Kind(
        "dress",
        ("Floral Maxi Dress", "Linen Summer Dress", "Knit Sweater Dress", "Satin Evening Dress"),
        (1500, 4500),
        (250, 600),
        _APPAREL_CHART,
    ),
    Kind(
        "tops",
        ("Cotton Oversize T-Shirt", "Hooded Sweatshirt", "Denim Jacket", "Puffer Jacket"),
        (900, 5500),
        (200, 1200),
        _APPAREL_CHART,
    ),
    Kind(
        "shoes",
        ("Running Sneakers", "Leather Ankle Boots", "Canvas Slip-Ons", "Hiking Shoes"),
        (1800, 6500),
        (500, 1300),
        _SHOE_CHART,
    ),
    Kind(
        "phone",
        (
            "Shockproof Phone Case",
            "Magnetic Car Phone Holder",
            "65W USB-C Charger",
            "Wireless Earbuds",
        ),
        (300, 3500),
        (40, 250),
    ),
    Kind(
        "home",
        ("RGB LED Strip 5 m", "Bamboo Storage Box", "Ceramic Coffee Mug Set", "Blackout Curtains"),
        (600, 4000),
        (200, 1800),
    ),
    Kind(
        "outdoor",
        ("Camping Tent 3-Person", "Folding Camping Chair", "Yoga Mat 10 mm", "Cast Iron Pan Set"),
        (2000, 9000),
        (1500, 4200),
    ),
    Kind(
        "accessories",
        ("Polarized Sunglasses", "Stainless Steel Ring", "Canvas Backpack", "Quartz Watch"),
        (500, 4000),
        (30, 900),
    ),
    Kind(
        "beauty",
        (
            "Hair Clipper Kit",
            "Silk Hair Scrunchies 6-Pack",
            "Makeup Brush Set",
            "Electric Face Brush",
        ),
        (400, 3000),
        (60, 700),
    ),
)
COLOURS = ("Black", "White", "Navy", "Beige", "Pink", "Green", "Grey", "Red")

CARRIERS = {
    Marketplace.ALIEXPRESS: ("Cainiao Super Economy", "China Post Air Mail", "YunExpress"),
    Marketplace.AMAZON: ("UPS", "USPS"),
    Marketplace.EBAY: ("Royal Mail", "China Post Air Mail"),
    Marketplace.WISH: ("China Post Registered", "4PX", "China Post Air Mail"),
}
_S10_PREFIX = {
    "China Post Air Mail": ("LX", "CN"),
    "China Post Registered": ("RR", "CN"),
    "Royal Mail": ("RM", "GB"),
}


def tracking_number(rng: random.Random, carrier: str) -> str:
    """A number in the carrier's documented shape, with a valid check digit where one exists."""
    if carrier in _S10_PREFIX:
        prefix, country = _S10_PREFIX[carrier]
        serial = f"{rng.randrange(10**8):08d}"
        return f"{prefix}{serial}{s10_check_digit(serial)}{country}"
    if carrier == "UPS":
        body = f"{rng.randrange(10**3):03d}AA{rng.randrange(10**10):010d}"
        return f"1Z{body}{ups_check_digit(body)}"
    if carrier == "USPS":
        return f"9400{rng.randrange(10**18):018d}"
    if carrier == "YunExpress":
        return f"YT{rng.randrange(10**16):016d}"
    if carrier == "4PX":
        return f"4PX{rng.randrange(10**12):012d}"
    return f"LP{rng.randrange(10**14):014d}"


NOTES = (
    "Please send a commercial invoice with the parcel",
    "Ship by DHL please, I will pay the difference",
    "Gift — please do not put the price in the parcel",
    "Call before delivery, the doorbell does not work",
    "Need it before 15 December for a birthday",
    "Company purchase: VAT number DE811234567 on the invoice",
)
PROBLEMS = (
    TrackingStatus.CUSTOMS_HOLD,
    TrackingStatus.AWAITING_PICKUP,
    TrackingStatus.FAILED_DELIVERY,
    TrackingStatus.EXCEPTION,
    TrackingStatus.RETURNED,
)
PROBLEM_TEXT = {
    TrackingStatus.CUSTOMS_HOLD: "Held by customs: duties to be paid by the receiver",
    TrackingStatus.AWAITING_PICKUP: "Arrived at the local post office, waiting for collection",
    TrackingStatus.FAILED_DELIVERY: "Delivery attempt failed: receiver not at home",
    TrackingStatus.EXCEPTION: "Exception: address incomplete",
    TrackingStatus.RETURNED: "Returned to sender: refused by the receiver",
}


def build_catalog(
    rng: random.Random,
    now: datetime,
    corpus_names: dict[str, tuple[list[str], list[str]]],
    *,
    products: int = 200,
    buyers: int = 2000,
    orders: int = 5000,
) -> Catalog:
    catalog = Catalog(
        organisation="Sunrise Trading Co. (demo)", stores=list(STORES), accounts=list(ACCOUNTS)
    )
    catalog.products = _products(rng, products)
    catalog.buyers = _buyers(rng, buyers, corpus_names)
    catalog.orders = _orders(rng, now, orders, catalog)
    return catalog


def _products(rng: random.Random, count: int) -> list[ProductIn]:
    out: list[ProductIn] = []
    for i in range(count):
        store = STORES[i % len(STORES)]
        kind = KINDS[(i // len(STORES)) % len(KINDS)]
        name = kind.names[(i // (len(STORES) * len(KINDS))) % len(kind.names)]
        colour = COLOURS[rng.randrange(len(COLOURS))]
        stock = rng.choice((0, 0, 2, 3, 5, 8)) if rng.random() < 0.25 else rng.randrange(12, 900)
        out.append(
            ProductIn(
                store_code=store.code,
                sku=f"SR-{kind.category[:3].upper()}-{i:04d}",
                title=f"{name}, {colour}",
                category=kind.category,
                price_cents=rng.randrange(*kind.price) // 10 * 10 + 9,
                stock=stock,
                weight_g=rng.randrange(*kind.weight),
                size_chart=kind.chart,
            )
        )
    return out


def _buyers(
    rng: random.Random, count: int, names: dict[str, tuple[list[str], list[str]]]
) -> list[BuyerIn]:
    out: list[BuyerIn] = []
    for i in range(count):
        store = STORES[i % len(STORES)]
        weights = STORE_COUNTRIES[store.code]
        country = rng.choices(list(weights), weights=list(weights.values()))[0]
        language = COUNTRY_LANGUAGE[country]
        first, last = names[language]
        out.append(
            BuyerIn(
                store.code,
                f"{store.code[:3]}-b{100000 + i}",
                f"{rng.choice(first)} {rng.choice(last)}",
                country,
                language,
            )
        )
    return out


def _orders(rng: random.Random, now: datetime, count: int, catalog: Catalog) -> list[OrderIn]:
    by_store: dict[str, list[ProductIn]] = {}
    for p in catalog.products:
        by_store.setdefault(p.store_code, []).append(p)
    buyers = catalog.buyers
    # Most buyers order once or twice; a few are big returning customers (SPEC §10 "gold").
    weights = [rng.choice((1, 1, 1, 2, 2, 3, 8)) for _ in buyers]
    out: list[OrderIn] = []
    for i in range(count):
        buyer = rng.choices(buyers, weights=weights)[0]
        store = next(s for s in STORES if s.code == buyer.store_code)
        out.append(_order(rng, now, i, store, buyer, by_store[store.code]))
    return out


def _order(
    rng: random.Random,
    now: datetime,
    i: int,
    store: StoreIn,
    buyer: BuyerIn,
    products: list[ProductIn],
) -> OrderIn:
    wholesale = rng.random() < 0.03
    lines = tuple(
        OrderLineIn(
            p.sku,
            p.title,
            rng.randrange(20, 200) if wholesale else rng.choice((1, 1, 1, 2, 3)),
            p.price_cents * (85 if wholesale else 100) // 100,
        )
        for p in rng.sample(products, min(len(products), rng.choice((1, 1, 1, 2, 3))))
    )
    placed = now - timedelta(days=rng.uniform(0.2, 60))
    age = (now - placed).days
    status = _status(rng, age)
    paid = (
        placed + timedelta(minutes=rng.randrange(2, 600))
        if status not in (OrderStatus.RECEIVED, OrderStatus.CONFIRMED)
        else None
    )
    parcels = _parcels(rng, now, store, buyer, placed, status, i)
    delivered = max(
        (e.occurred_at for p in parcels for e in p.events if e.status == TrackingStatus.DELIVERED),
        default=None,
    )
    if delivered and status in (OrderStatus.SHIPPED,):
        status = OrderStatus.DELIVERED
    return OrderIn(
        store_code=store.code,
        buyer=(buyer.store_code, buyer.platform_buyer_id),
        order_number=_order_number(store, i),
        status=status,
        placed_at=placed,
        lines=lines,
        shipping_cents=0 if rng.random() < 0.7 else rng.randrange(199, 1500),
        paid_at=paid,
        promised_delivery_at=(paid + timedelta(days=rng.choice((15, 20, 25, 39, 45))))
        if paid
        else None,
        delivered_at=delivered,
        note=rng.choice(NOTES) if rng.random() < 0.05 else None,
        is_wholesale=wholesale,
        ship_to_country=buyer.country,
        parcels=parcels,
    )


def _order_number(store: StoreIn, i: int) -> str:
    if store.platform == Marketplace.AMAZON:
        return f"11{i % 10}-{4000000 + i * 7:07d}-{1000000 + i * 13 % 9000000:07d}"
    if store.platform == Marketplace.EBAY:
        return f"2{i % 10}-{11000 + i:05d}-{60000 + i * 3 % 40000:05d}"
    if store.platform == Marketplace.WISH:
        return f"6{i:011x}"
    return f"80{30000000000000 + i * 7919}"


def _status(rng: random.Random, age_days: int) -> OrderStatus:
    if rng.random() < 0.04:
        return OrderStatus.CANCELLED
    if age_days < 2:
        return rng.choice(
            (OrderStatus.RECEIVED, OrderStatus.PAID, OrderStatus.PAID, OrderStatus.ALLOCATED)
        )
    if age_days < 5:
        return rng.choice((OrderStatus.PAID, OrderStatus.PICKED, OrderStatus.SHIPPED))
    if age_days < 25:
        return OrderStatus.SHIPPED
    return rng.choice((OrderStatus.SHIPPED, OrderStatus.COMPLETED, OrderStatus.COMPLETED))


def _parcels(
    rng: random.Random,
    now: datetime,
    store: StoreIn,
    buyer: BuyerIn,
    placed: datetime,
    status: OrderStatus,
    i: int,
) -> tuple[ParcelIn, ...]:
    if status not in (OrderStatus.SHIPPED, OrderStatus.DELIVERED, OrderStatus.COMPLETED):
        return ()
    count = 2 if rng.random() < 0.08 else 1
    out = []
    for _ in range(count):
        carrier = rng.choice(CARRIERS[store.platform])
        shipped = placed + timedelta(days=rng.uniform(1, 4))
        number = tracking_number(rng, carrier)
        out.append(
            ParcelIn(
                carrier, number, shipped, events=_events(rng, now, shipped, buyer.country, status)
            )
        )
    if status == OrderStatus.COMPLETED and rng.random() < 0.03:
        carrier = rng.choice(CARRIERS[store.platform])
        re_shipped = now - timedelta(days=rng.uniform(1, 6))
        out.append(
            ParcelIn(
                carrier,
                tracking_number(rng, carrier),
                re_shipped,
                is_reshipment=True,
                events=_events(rng, now, re_shipped, buyer.country, OrderStatus.SHIPPED),
            )
        )
    return tuple(out)


def _events(
    rng: random.Random, now: datetime, shipped: datetime, country: str, status: OrderStatus
) -> tuple[TrackingEventIn, ...]:
    steps = [
        (TrackingStatus.INFO_RECEIVED, "Shenzhen, CN", "Shipment information received"),
        (TrackingStatus.IN_TRANSIT, "Shenzhen, CN", "Departed from the sorting centre"),
        (TrackingStatus.IN_TRANSIT, "Hong Kong, HK", "Departed the country of origin"),
        (TrackingStatus.CUSTOMS, country, "Import customs clearance started"),
        (TrackingStatus.ARRIVED_DESTINATION, country, "Arrived at the destination sorting centre"),
        (TrackingStatus.OUT_FOR_DELIVERY, country, "Out for delivery"),
        (TrackingStatus.DELIVERED, country, "Delivered"),
    ]
    at = shipped
    out: list[TrackingEventIn] = []
    done = status in (OrderStatus.DELIVERED, OrderStatus.COMPLETED)
    stalls = not done and rng.random() < 0.06  # "tracking not updating" (SPEC §3)
    problem = rng.choice(PROBLEMS) if not done and rng.random() < 0.08 else None
    for status_, place, text in steps:
        at = at + timedelta(hours=rng.uniform(6, 90))
        if (
            at > now
            or (stalls and len(out) >= 3)
            or (not done and status_ == TrackingStatus.DELIVERED)
        ):
            break
        if problem is not None and status_ in (
            TrackingStatus.OUT_FOR_DELIVERY,
            TrackingStatus.DELIVERED,
        ):
            out.append(TrackingEventIn(at, problem, country, PROBLEM_TEXT[problem]))
            break
        out.append(TrackingEventIn(at, status_, place, text))
    if stalls and out:
        # Move the news back so that the parcel has been silent for more than ten days.
        shift = max(timedelta(0), out[-1].occurred_at - (now - timedelta(days=rng.uniform(11, 20))))
        out = [
            TrackingEventIn(e.occurred_at - shift, e.status, e.location, e.description) for e in out
        ]
    return tuple(out)
