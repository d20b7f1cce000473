"""A truth checker for suggested replies, independent of how they are filled.

It reads a finished reply text the way a buyer would, and compares what it says with the
conversation's data (SPEC §4: "be truthful: never promise what the shop can't do"):
dates (every day ±400 days around today, written with Babel in the text's language),
carriers (every carrier name the demo and the shop know), weights (a number and kg or g),
amounts (money with two decimals), products and their stock, and free-shipping words in
the 15 languages. It never calls `kefu.services.template_values` or `kefu.domain.truth`:
the facts come from plain `Case` data the tests build from the database tables or from
generated orders. Used by tests/integration/test_truthful_suggestions.py and
tests/unit/test_truth.py; the tests here prove it sees untrue statements.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import cache
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date
from babel.numbers import parse_decimal

from kefu.adapters.reply_catalogue import packaged_catalogue
from kefu.demo.catalog import CARRIERS

# The checker's own threshold for "tracking not updating"; tests/unit/test_truth.py checks
# it is the product's.
SILENT = timedelta(days=10)
MOVING = {"info_received", "in_transit", "customs", "arrived_destination", "out_for_delivery"}
STUCK = {"exception", "failed_delivery", "customs_hold", "returned"}
SHIPPED_STATUSES = {"shipped", "delivered", "completed"}
UNPAID_STATUSES = {"received", "confirmed"}

KNOWN_CARRIERS = tuple(
    sorted(
        {c for names in CARRIERS.values() for c in names}
        | {"China Post Air Mail", "UPS", "DHL", "FedEx", "Cainiao", "EMS", "TNT"},
        key=len,
        reverse=True,  # "Cainiao Super Economy" before "Cainiao"
    )
)
# "Free" in each language the templates are written in: found in the free-shipping
# templates and in no other (test_the_free_words_are_found_in_the_shipping_templates_only).
FREE_WORDS: Mapping[str, tuple[str, ...]] = {
    "en": ("free",),
    "zh": ("免费", "包邮", "免运费"),
    "es": ("gratis", "gratuito"),
    "ru": ("бесплатн",),
    "fr": ("gratuit",),
    "de": ("kostenlos", "versandkostenfrei"),
    "pt": ("grátis", "gratuit"),
    "it": ("gratuit", "gratis"),
    "pl": ("bezpłatn", "darmow"),
    "tr": ("ücretsiz",),
    "ko": ("무료",),
    "ja": ("無料",),
    "ar": ("مجان",),
    "he": ("חינם",),
    "nl": ("gratis",),
}
FREE_TEMPLATES = {"shipping_free_available", "shipping_free_unavailable", "shipping_choose_courier"}
_CATALOGUE = packaged_catalogue()
# Templates whose date is an arrival promise ("it should arrive by …"), read from the
# catalogue (what the wording means), not from how values are filled.
ARRIVAL_TEMPLATES = frozenset(t.key for t in _CATALOGUE if "promised_date" in t.variables)
# Templates that state a customs rule: the rule's own days (since, as of), never ahead.
CUSTOMS_TEMPLATES = frozenset(t.key for t in _CATALOGUE if "customs_as_of" in t.variables)
# Templates that state an arrival window from the parcel's state and the transit table.
WINDOW_TEMPLATES = frozenset(t.key for t in _CATALOGUE if "arrival_latest" in t.variables)


@dataclass(frozen=True)
class Parcel:
    carrier: str
    events: tuple[tuple[datetime, str], ...] = ()  # (when, status); the last is the latest
    shipped_at: datetime | None = None
    reshipment: bool = False

    @property
    def latest(self) -> tuple[datetime, str] | None:
        return self.events[-1] if self.events else None


@dataclass(frozen=True)
class Product:
    id: int
    title: str
    stock: int
    weight_g: int


@dataclass(frozen=True)
class Order:
    status: str
    total_cents: int
    promised_at: datetime | None
    delivered_at: datetime | None
    lines: tuple[tuple[int | None, int], ...]  # (product id, quantity)
    parcels: tuple[Parcel, ...] = ()


@dataclass(frozen=True)
class Case:
    """One conversation's data and the moment the replies are read."""

    now: datetime
    zone: str
    order: Order | None
    product_id: int | None  # the product page the buyer wrote from
    products: tuple[Product, ...]  # every product of the store
    free_method: str = "China Post Air Mail"
    express_methods: tuple[str, ...] = ("UPS", "DHL")
    free_limit_g: int = 2000
    few_left_below: int = 10
    transit: tuple[int, int] = (15, 45)  # the store's transit days to the destination
    customs_days: frozenset[date] = frozenset()  # the days the customs facts state
    products_by_id: dict[int, Product] = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "products_by_id", {p.id: p for p in self.products})

    def day(self, moment: datetime) -> date:
        return moment.astimezone(ZoneInfo(self.zone)).date()

    @property
    def today(self) -> date:
        return self.day(self.now)

    @property
    def parcels(self) -> tuple[Parcel, ...]:
        if self.order is None:
            return ()
        first = tuple(p for p in self.order.parcels if not p.reshipment)
        return first or self.order.parcels

    @property
    def shipped(self) -> bool:
        return self.order is not None and (
            bool(self.order.parcels) or self.order.status in SHIPPED_STATUSES
        )

    @property
    def delivered(self) -> bool:
        order = self.order
        if order is None:
            return False
        if order.delivered_at is not None or order.status in {"delivered", "completed"}:
            return True
        return bool(self.parcels) and all(
            p.latest is not None and p.latest[1] == "delivered" for p in self.parcels
        )

    def late(self) -> bool:
        """A parcel that will not arrive as promised: promise passed, silent, stuck."""
        order = self.order
        if order is None or self.delivered:
            return False
        for p in self.parcels:
            status = p.latest[1] if p.latest else None
            if status == "delivered":
                continue
            if status in STUCK:
                return True
            news = p.latest[0] if p.latest else p.shipped_at
            if news is not None and self.now - news > SILENT:
                return True
            promised = self.day(order.promised_at) if order.promised_at else None
            if status != "awaiting_pickup" and promised is not None and promised < self.today:
                return True
        return False

    def on_track(self) -> bool:
        return bool(self.parcels) and not self.delivered and not self.late()

    def window(self) -> tuple[date, date] | None:
        """The days a parcel on its way may be said to arrive: from the day it left (or
        its first scan) plus the transit days, never before today; out for delivery: today."""
        if not self.on_track() or len(self.parcels) != 1:
            return None
        parcel = self.parcels[0]
        status = parcel.latest[1] if parcel.latest else None
        if status == "out_for_delivery":
            return self.today, self.today
        left = parcel.shipped_at or (parcel.events[0][0] if parcel.events else None)
        if status not in MOVING or left is None:
            return None
        latest = self.day(left) + timedelta(days=self.transit[1])
        if latest < self.today:
            return None
        return max(self.day(left) + timedelta(days=self.transit[0]), self.today), latest

    @property
    def exact_product(self) -> Product | None:
        """The one product the conversation is about, if there is one."""
        if self.product_id is not None:
            if self.order is None or self.product_id in {pid for pid, _ in self.order.lines}:
                return self.products_by_id.get(self.product_id)
            return None
        if self.order is None:
            return None
        ids = {pid for pid, _ in self.order.lines}
        only = ids.pop() if len(ids) == 1 else None
        return self.products_by_id.get(only) if only is not None else None

    def order_weight(self) -> int | None:
        if self.order is None:
            product = self.exact_product
            return product.weight_g if product and product.weight_g > 0 else None
        total = 0
        for pid, quantity in self.order.lines:
            product = self.products_by_id.get(pid) if pid is not None else None
            if product is None or product.weight_g <= 0:
                return None
            total += quantity * product.weight_g
        return total


# --- reading the text ----------------------------------------------------------------


@cache
def _day_names(language: str, year: int) -> tuple[tuple[str, date], ...]:
    """Every day of a year written as the language writes dates (long, medium, full, ISO)."""
    locale = Locale.parse(language)
    out: dict[str, date] = {}
    day = date(year, 1, 1)
    while day.year == year:
        for style in ("full", "long", "medium"):
            out.setdefault(format_date(day, style, locale=locale), day)
        out.setdefault(day.isoformat(), day)
        day += timedelta(days=1)
    return tuple(sorted(out.items(), key=lambda item: -len(item[0])))


_YEAR = re.compile(r"(?<!\d)(\d{4})(?!\d)")


def dates_in(text: str, language: str, today: date) -> list[date]:
    """The days the text names, among today ±400 days, written in `language`."""
    found: list[date] = []
    rest = text
    years = {int(y) for y in _YEAR.findall(text)}
    for year in sorted(years):
        if abs(year - today.year) > 2:
            continue
        for written, day in _day_names(language, year):
            if abs((day - today).days) > 400:
                continue
            start = rest.find(written)
            while start != -1:
                if start == 0 or not rest[start - 1].isdigit():
                    found.append(day)
                    rest = rest[:start] + " " * len(written) + rest[start + len(written) :]
                start = rest.find(written, start + 1)
    return found


def carriers_in(text: str) -> list[str]:
    found: list[str] = []
    rest = text
    for name in KNOWN_CARRIERS:
        pattern = re.compile(rf"(?<![\w]){re.escape(name)}(?![\w])")
        for m in pattern.finditer(rest):
            found.append(name)
            rest = rest[: m.start()] + " " * len(name) + rest[m.end() :]
    return found


# "42,52 kg", "1,040 kg" (also before a Korean or Japanese particle), "450 g" (not the
# "g" of "3 gün"); the number is read with the language's decimal and grouping marks.
_WEIGHT = re.compile(r"(?<![\d.,])(\d(?:[\d.,\u00a0\u202f]*\d)?)\s?(kg(?![A-Za-z])|g(?!\w))")
_AMOUNT = re.compile(r"(?<![\d.,])(\d{1,3}(?:[.,\s\u00a0\u202f]\d{3})*[.,]\d{2})(?!\d)(?!\s?kg)")
_INTEGER = re.compile(r"(?<!\d)(\d+)(?!\d)")


def weights_in(text: str, language: str = "en") -> list[int]:
    """Weights in grams, rounded to 10 g (the texts give kilograms with two decimals)."""
    out = []
    for number, unit in _WEIGHT.findall(text):
        value = parse_decimal(number, locale=Locale.parse(language))
        out.append(round(float(value) * (1000 if unit == "kg" else 1)))
    return out


def amounts_in(text: str) -> list[int]:
    """Money amounts (two decimals next to a dollar sign or USD), in cents, whatever the
    grouping and decimal marks: "US$1,234.56", "1.234,56 US$", "1 234,56 $"."""
    out = []
    for m in _AMOUNT.finditer(text):
        around = text[max(0, m.start() - 4) : m.start()] + text[m.end() : m.end() + 5]
        if "$" in around or "USD" in around:
            out.append(int(re.sub(r"\D", "", m.group(1))))
    return out


def states_free_shipping(text: str, language: str) -> bool:
    lowered = text.lower()
    return any(w in lowered for w in FREE_WORDS.get(language, FREE_WORDS["en"]))


# --- comparing with the data -----------------------------------------------------------


def untrue(key: str, text: str, language: str, case: Case) -> list[str]:
    """Every statement of the text that the data contradicts, as 'kind: detail'."""
    problems: list[str] = []
    problems += _dates(key, text, language, case)
    if key != "shipping_carrier_not_offered":  # "we cannot ship with X": X is not offered
        problems += _carriers(text, case)
    elif case.shipped:
        problems.append("shipping methods offered after shipping")
    problems += _weights(text, language, case)
    problems += _free(text, language, case)
    problems += _amounts(text, case)
    problems += _products(key, text, case)
    problems += _wording(key, case)
    return problems


def _fact_dates(key: str, text: str, language: str, case: Case) -> list[str]:
    """Days a customs rule or an arrival window states: the facts' own, the parcel's window."""
    out = []
    window = case.window() if key in WINDOW_TEMPLATES else None
    for day in dates_in(text, language, case.today):
        if key in CUSTOMS_TEMPLATES and (day not in case.customs_days or day > case.today):
            out.append(f"customs date not a past day of the facts: {day}")
        if key in WINDOW_TEMPLATES and (window is None or day not in window):
            out.append(f"arrival window not the parcel's: {day} outside {window}")
    return out


def _dates(key: str, text: str, language: str, case: Case) -> list[str]:
    if key in CUSTOMS_TEMPLATES | WINDOW_TEMPLATES:
        return _fact_dates(key, text, language, case)
    out = []
    today = case.today
    order = case.order
    promised = case.day(order.promised_at) if order and order.promised_at else None
    event_days = {case.day(p.latest[0]) for p in case.parcels if p.latest}
    for day in dates_in(text, language, today):
        if key in ARRIVAL_TEMPLATES or (day > today and day not in event_days):
            if day < today:
                out.append(f"past date as arrival: {day} < today {today}")
            elif day != promised:
                out.append(f"arrival date not the promised store-local day: {day} != {promised}")
            elif not case.on_track():
                out.append(f"arrival date for a late or delivered parcel: {day}")
        elif day not in event_days:
            out.append(f"date not a tracking update day: {day} (updates {sorted(event_days)})")
    return out


def _carriers(text: str, case: Case) -> list[str]:
    if case.order is not None and case.order.parcels:
        allowed = {p.carrier for p in case.order.parcels}
    elif case.shipped:
        allowed = set()  # shipped, and no parcel says how
    else:
        allowed = {case.free_method, *case.express_methods}
    return [f"carrier not the order's: {name}" for name in carriers_in(text) if name not in allowed]


def _weights(text: str, language: str, case: Case) -> list[str]:
    out = []
    weight = case.order_weight()
    for grams in weights_in(text, language):
        if case.shipped:
            out.append(f"weight stated after shipping: {grams} g")
        elif grams == case.free_limit_g:
            continue
        elif weight is None or abs(weight - grams) >= 10:  # the text shows 0.01 kg
            out.append(f"weight not the order's: {grams} g != {weight}")
    return out


def _free(text: str, language: str, case: Case) -> list[str]:
    if states_free_shipping(text, language) and case.shipped:
        return ["free-shipping rule stated for an order already shipped"]
    return []


def _amounts(text: str, case: Case) -> list[str]:
    total = case.order.total_cents if case.order else None
    return [f"amount not the order's: {a} != {total}" for a in amounts_in(text) if a != total]


def _products(key: str, text: str, case: Case) -> list[str]:
    out = []
    exact = case.exact_product
    named = [p for p in case.products if p.title in text]
    for product in named:
        if exact is None or product.id != exact.id:
            out.append(f"product not the one asked about: {product.title}")
    if key.startswith("stock_") and exact is not None and exact in named:
        numbers = {int(n) for n in _INTEGER.findall(text)}
        if key == "stock_few_left" and not (
            0 < exact.stock < case.few_left_below and exact.stock in numbers
        ):
            out.append(f"stock count not the product's: {exact.stock} ({sorted(numbers)})")
        if key == "stock_available" and exact.stock < case.few_left_below:
            out.append(f"in stock said of a product with {exact.stock}")
        if key == "stock_out_of_stock" and exact.stock > 0:
            out.append(f"sold out said of a product with {exact.stock}")
    return out


def _wording(key: str, case: Case) -> list[str]:
    """What the fixed wording of a template states (its meaning in every language)."""
    order = case.order
    status = order.status if order else None
    paid = order is not None and status not in UNPAID_STATUSES and status != "cancelled"
    latest = [p.latest[1] if p.latest else None for p in case.parcels]
    claims: dict[str, bool] = {
        # "thank you for your payment … before we ship"
        "address_confirmation": paid and not case.shipped,
        # "the new invoice total is … please pay it, and we will ship"
        "combined_shipping_invoice": order is not None
        and status in UNPAID_STATUSES
        and not case.shipped,
        # "your order is in line and will ship within …"
        "shipping_festival_urge": order is not None and status != "cancelled" and not case.shipped,
        "review_reminder": case.delivered,  # "your order has been delivered"
        "tracking_delayed": case.late(),  # "taking longer than expected"
        "tracking_in_transit": case.on_track() and latest[:1] != [None] and latest[0] in MOVING,
        "tracking_at_post_office": latest[:1] == ["awaiting_pickup"],
        "tracking_transit_window": case.window() is not None,
    }
    if key in claims and not claims[key]:
        return [f"wording untrue now: {key}"]
    return []


def kinds(problems: Sequence[str]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for p in problems:
        kind = p.split(":")[0]
        counts[kind] = counts.get(kind, 0) + 1
    return counts


# --- the checker sees untrue statements --------------------------------------------------

NOW = datetime(2026, 12, 6, 9, 0, tzinfo=UTC)
DRESS = Product(1, "Floral Maxi Dress, Pink", 3, 400)
DRESS_BLACK = Product(2, "Floral Maxi Dress, Black", 50, 400)
TENT = Product(3, "Camping Tent 3-Person, Green", 0, 2600)
UPS = Parcel(
    "UPS",
    ((NOW - timedelta(days=20), "info_received"), (NOW - timedelta(days=14), "in_transit")),
    NOW - timedelta(days=21),
)


def case(order: Order | None = None, product_id: int | None = None, zone: str = "UTC") -> Case:
    return Case(NOW, zone, order, product_id, (DRESS, DRESS_BLACK, TENT))


def shipped(*parcels: Parcel, promised: datetime | None = None) -> Order:
    return Order("shipped", 2499, promised, None, ((1, 1),), parcels)


def test_the_reported_spanish_buyer_is_caught() -> None:
    c = case(shipped(UPS, promised=datetime(2026, 11, 13, 12, tzinfo=UTC)))
    said = "Tu paquete está en camino con UPS. Debería llegar antes del 13 de noviembre de 2026."
    assert kinds(untrue("tracking_in_transit", said, "es", c)) == {
        "past date as arrival": 1,
        "wording untrue now": 1,  # "on its way" for a parcel silent for two weeks
    }
    free = "Buenas noticias: el envío a México es gratis con China Post Air Mail."
    assert kinds(untrue("shipping_free_available", free, "es", c)) == {
        "carrier not the order's": 1,
        "free-shipping rule stated for an order already shipped": 1,
    }


def test_the_reported_korean_buyer_is_caught() -> None:
    heavy = Order("shipped", 99000, None, None, ((3, 16),), (UPS,))
    said = "무료 배송은 2 kg 미만 소포만 가능하며, 고객님의 주문 무게는 41.6 kg입니다."
    found = kinds(untrue("shipping_free_unavailable", said, "ko", case(heavy)))
    assert found == {
        "weight stated after shipping": 2,
        "free-shipping rule stated for an order already shipped": 1,
    }


def test_a_utc_day_is_not_the_stores_day() -> None:
    promised = datetime(2026, 12, 20, 18, 0, tzinfo=UTC)  # 21 December in Shanghai
    moving = Parcel("UPS", ((NOW - timedelta(days=1), "in_transit"),), NOW - timedelta(days=3))
    c = case(shipped(moving, promised=promised), zone="Asia/Shanghai")
    assert untrue("tracking_in_transit", "It should arrive by December 21, 2026.", "en", c) == []
    wrong = untrue("tracking_in_transit", "It should arrive by December 20, 2026.", "en", c)
    assert kinds(wrong) == {"arrival date not the promised store-local day": 1}


def test_a_date_inside_a_longer_date_is_not_read_twice() -> None:
    found = dates_in("llega el 21 de diciembre de 2026", "es", NOW.date())
    assert found == [date(2026, 12, 21)]


def test_stock_is_said_of_the_exact_product_only() -> None:
    two = Order("paid", 5000, None, None, ((1, 1), (2, 1)))
    said = "Yes, the Floral Maxi Dress, Pink is in stock. Only 3 are left."
    assert kinds(untrue("stock_few_left", said, "en", case(two))) == {
        "product not the one asked about": 1
    }
    assert untrue("stock_few_left", said, "en", case(None, product_id=1)) == []
    other = "Yes, the Floral Maxi Dress, Black is in stock. Only 3 are left."
    assert kinds(untrue("stock_few_left", other, "en", case(None, product_id=1))) == {
        "product not the one asked about": 1
    }
    wrong_count = "Yes, the Floral Maxi Dress, Pink is in stock. Only 4 are left."
    assert kinds(untrue("stock_few_left", wrong_count, "en", case(None, product_id=1))) == {
        "stock count not the product's": 1
    }


def test_amounts_and_weights_are_read_in_every_notation() -> None:
    assert amounts_in("total 1.234,56 US$") == [123456]
    assert amounts_in("total US$1,234.56, weight 0,45 kg") == [123456]
    assert amounts_in("during 11.11 we ship 1 234,56 $US") == [123456]
    assert weights_in("pesa 42,52 kg, límite 2 kg", "es") == [42520, 2000]
    assert weights_in("주문 무게는 4.5 kg입니다, 450 g; 3 gün içinde", "ko") == [4500, 450]
    assert (
        weights_in("weighs 1,040 kg", "en") == weights_in("pèse 1\u202f040 kg", "fr") == [1040000]
    )


def test_the_free_words_are_found_in_the_shipping_templates_only() -> None:
    for template in _CATALOGUE:
        for language, text in template.texts.items():
            assert states_free_shipping(text, language) == (template.key in FREE_TEMPLATES), (
                template.key,
                language,
            )


def test_true_statements_pass() -> None:
    promised = NOW + timedelta(days=9)
    moving = Parcel("UPS", ((NOW - timedelta(days=2), "in_transit"),), NOW - timedelta(days=4))
    c = case(shipped(moving, promised=promised))
    day = format_date(promised.date(), "long", locale="de")
    assert untrue("tracking_in_transit", f"Mit UPS unterwegs, Ankunft bis {day}.", "de", c) == []
    pre = Order("paid", 2499, promised, None, ((1, 2),))
    said = "Free shipping with China Post Air Mail is only possible under 2 kg; yours: 0.8 kg"
    assert untrue("shipping_free_unavailable", said, "en", case(pre)) == []
