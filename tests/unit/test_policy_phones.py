"""Phone numbers in outgoing text: the phonenumbers-backed finder (adapters/phones.py) behind
the policy check's PhoneFinder port, and the numbers that must never be taken for a phone."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kefu.adapters import phones as phones_module
from kefu.adapters.phones import DEFAULT_REGIONS, PhoneNumberFinder, is_valid_phone
from kefu.domain.entities import s10_check_digit, ups_check_digit
from kefu.domain.policy import PolicyContext, Rule, check
from kefu.domain.types import Marketplace

FINDER = PhoneNumberFinder()

# One number per market in the format people there write it, and the region it belongs to.
NATIONAL = [
    ("US", "Call (212) 555-0182 today", "(212) 555-0182"),
    ("CA", "Call 416-555-0123 today", "416-555-0123"),
    ("GB", "Ring 020 7946 0958 today", "020 7946 0958"),
    ("DE", "Tel. 030 12345678 heute", "030 12345678"),
    ("FR", "Tél. 01 23 45 67 89 svp", "01 23 45 67 89"),
    ("ES", "Tel. 912 34 56 78 hoy", "912 34 56 78"),
    ("IT", "Tel. 06 1234 5678 oggi", "06 1234 5678"),
    ("NL", "Tel. 020-123 4567 vandaag", "020-123 4567"),
    ("PL", "Tel. 22 123 45 67 dziś", "22 123 45 67"),
    ("PT", "Tel. 912 345 678 hoje", "912 345 678"),
    ("BR", "Tel. (11) 3123-4567 hoje", "(11) 3123-4567"),
    ("MX", "Tel. 55 1234 5678 hoy", "55 1234 5678"),
    ("RU", "Тел. 8 (495) 123-45-67", "8 (495) 123-45-67"),
    ("TR", "Tel. 0212 123 45 67", "0212 123 45 67"),
    ("IL", "טל׳ 03-123-4567", "03-123-4567"),
    ("SA", "هاتف 011 234 5678", "011 234 5678"),
    ("AE", "هاتف 02 234 5678", "02 234 5678"),
    ("KR", "전화 02-123-4567", "02-123-4567"),
    ("JP", "電話 03-1234-5678", "03-1234-5678"),
    ("CN", "电话 010-12345678", "010-12345678"),
    ("AU", "Call 02 9876 5432 today", "02 9876 5432"),
]


def test_every_default_market_has_an_example() -> None:
    assert sorted(r for r, _, _ in NATIONAL) == sorted(DEFAULT_REGIONS)


@pytest.mark.parametrize(("region", "text", "number"), NATIONAL, ids=[r for r, _, _ in NATIONAL])
def test_a_national_number_is_found_in_its_region_and_among_the_defaults(
    region: str, text: str, number: str
) -> None:
    assert is_valid_phone(number, region)
    start = text.index(number)
    assert FINDER(text, (region,)) == [(start, start + len(number))]
    assert FINDER(text, ()) != []  # the default markets read it too


def test_a_text_without_seven_digits_never_reaches_the_matcher(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("the matcher ran")

    monkeypatch.setattr(phones_module, "PhoneNumberMatcher", refuse)
    texts = [
        "Thank you for your order!",
        "Size M, 2 pieces, 12.99 USD, arrives in 10-20 days.",
        "Call 555-01 or 12 34 56",
        "Order 123456 shipped",
    ]
    for text in texts:
        assert FINDER(text, ("US",)) == []
    assert len(texts) == 4


class SpyFinder:
    """Records what the policy check asks the finder."""

    def __init__(self) -> None:
        self.asked: list[str] = []

    def __call__(self, text: str, regions: Sequence[str]) -> list[tuple[int, int]]:
        self.asked.append(text)
        return []


@pytest.mark.parametrize(
    "text",
    [
        "Thank you for your order, it ships tomorrow.",
        "Your order 123-4567890-1234567 arrives by 2026-12-03.",
        "Tracking LX123456785CN, total $1,299.00.",
        "Order number: 8123456789012345",
        "Arrives 03.12.2026 between 9:30 and 18:00.",
    ],
)
def test_the_finder_is_not_asked_when_only_known_kinds_of_numbers_are_there(text: str) -> None:
    spy = SpyFinder()
    check(text, PolicyContext(Marketplace.AMAZON, phones=spy))
    assert spy.asked == []


def test_the_finder_gets_the_text_with_known_numbers_masked_and_offsets_kept() -> None:
    spy = SpyFinder()
    text = "Order 123-4567890-1234567: call 0151 23456789"
    check(text, PolicyContext(Marketplace.AMAZON, phones=spy, known_tokens=("0151",)))
    assert spy.asked == ["Order xxxxxxxxxxxxxxxxxxx: call xxxx 23456789"]
    assert len(spy.asked[0]) == len(text)


def test_the_conversations_regions_come_first() -> None:
    text = "Звоните 8 (912) 345-67-89"
    assert [text[s:e] for s, e in FINDER(text, ("RU",))] == ["8 (912) 345-67-89"]
    phone = check(text, PolicyContext(Marketplace.EBAY, phones=FINDER, regions=("RU",)))
    assert [(f.rule, f.excerpt) for f in phone.findings] == [(Rule.PHONE, "8 (912) 345-67-89")]


# --- generated numbers that are no phone ----------------------------------------------------

DIGIT = "0123456789"
LETTER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


@st.composite
def s10(draw: st.DrawFn) -> str:
    serial = draw(st.text(DIGIT, min_size=8, max_size=8))
    prefix = draw(st.text(LETTER, min_size=2, max_size=2))
    country = draw(st.sampled_from(["CN", "HK", "SG", "NL", "GB", "US", "DE"]))
    return f"{prefix}{serial}{s10_check_digit(serial)}{country}"


@st.composite
def ups(draw: st.DrawFn) -> str:
    body = draw(st.text(DIGIT + LETTER, min_size=15, max_size=15))
    return f"1Z{body}{ups_check_digit(body)}"


def digits(low: int, high: int) -> st.SearchStrategy[str]:
    return st.text(DIGIT, min_size=low, max_size=high)


ORDER_NUMBERS = st.one_of(
    st.builds(lambda a, b, c: f"{a}-{b}-{c}", digits(3, 3), digits(7, 7), digits(7, 7)),
    st.builds(lambda a, b, c: f"{a}-{b}-{c}", digits(2, 2), digits(5, 5), digits(5, 5)),
    st.builds(lambda d: "8" + d, digits(15, 15)),
)
TRACKING_NUMBERS = st.one_of(
    s10(),
    ups(),
    st.builds(lambda k, d: f"9{k}{d}", st.sampled_from("2345"), digits(20, 20)),
    st.builds(lambda d: "YT" + d, digits(16, 16)),
    st.builds(lambda d: "LP" + d, digits(14, 14)),
)
LABELS = st.sampled_from(
    [
        "order", "order no.", "order #", "tracking number:", "tracking no.", "pedido",
        "número de pedido", "seguimiento:", "заказ", "номер заказа", "трек-номер", "commande n°",
        "suivi :", "Bestellnummer", "Sendungsnummer:", "encomenda", "código de rastreio",
        "ordine", "numero di tracciamento", "zamówienie nr", "numer przesyłki", "sipariş no",
        "takip numarası", "주문번호", "운송장 번호", "注文番号", "追跡番号", "رقم الطلب",
        "מספר הזמנה",
        "bestelnummer", "订单号", "物流单号",
    ]
)  # fmt: skip
LABELLED = st.builds(lambda label, d: f"{label} {d}", LABELS, digits(7, 20))
DATE_FORMATS = st.sampled_from(
    ["%Y-%m-%d", "%d.%m.%Y", "%d/%m/%Y", "%m/%d/%Y", "%Y/%m/%d", "%d-%m-%Y", "%d.%m.%y",
     "%Y年%m月%d日", "%Y-%m-%d %H:%M", "%d.%m.%Y %H:%M"]
)  # fmt: skip
DATES = st.builds(
    lambda d, fmt: d.strftime(fmt),
    st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2099, 12, 31)),
    DATE_FORMATS,
)


def money(cents: int, style: int) -> str:
    whole, part = divmod(cents, 100)
    us = f"{whole:,}.{part:02d}"
    eu = us.replace(",", " ").replace(".", ",").replace(" ", ".")
    return [
        f"${us}", f"{eu} €", f"{eu.replace('.', ' ')} zł", f"R$ {eu}", f"¥{whole:,}",
        f"{us} USD", f"{eu.replace('.', ' ')} ₽", f"₩{whole:,}",
    ][style]  # fmt: skip


AMOUNTS = st.builds(money, st.integers(0, 10**11), st.integers(0, 7))
NO_PHONE = st.one_of(ORDER_NUMBERS, TRACKING_NUMBERS, LABELLED, DATES, AMOUNTS)
WORDS = st.lists(
    st.sampled_from(["Hello", "your", "parcel", "arrives", "soon", "谢谢", "gracias", "спасибо"]),
    max_size=4,
).map(" ".join)


@settings(deadline=None, max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(
    before=WORDS,
    numbers=st.lists(NO_PHONE, min_size=1, max_size=3),
    after=WORDS,
    platform=st.sampled_from(list(Marketplace)),
    regions=st.sampled_from([(), ("US",), ("DE", "CN"), ("BR",), ("RU", "CN"), ("JP",)]),
)
def test_order_and_tracking_numbers_dates_and_amounts_never_become_phones(
    before: str,
    numbers: list[str],
    after: str,
    platform: Marketplace,
    regions: tuple[str, ...],
) -> None:
    text = " ".join([before, ", ".join(numbers), after]).strip()
    ctx = PolicyContext(platform, phones=FINDER, regions=regions)
    phones = [f.excerpt for f in check(text, ctx).findings if f.rule is Rule.PHONE]
    assert phones == [], text


def test_a_sample_of_the_generated_kinds() -> None:
    samples = [
        "123-4567890-1234567",
        "12-34567-89012",
        "8123456789012345",
        f"LX12345678{s10_check_digit('12345678')}CN",
        "9400111899223344556677",
        "order no. 5550123456",
        date(2026, 12, 3).strftime("%d.%m.%Y"),
        money(129_900, 1),
    ]
    for text in samples:
        ctx = PolicyContext(Marketplace.AMAZON, phones=FINDER, regions=("US", "DE"))
        assert check(f"Hello {text} thanks", ctx).findings == (), text
    assert len(samples) == 8


def test_the_same_order_number_twice_is_no_phone_either_time() -> None:
    # Found by Hypothesis once facts came back once each: the second mention was unmasked.
    ctx = PolicyContext(Marketplace.EBAY, phones=FINDER, regions=("US",))
    assert check("03-00000-00000, 03-00000-00000", ctx).findings == ()
