"""extract(): order and tracking numbers, sizes, quantities, amounts and dates in buyer text.

Tracking numbers must pass their check digit (UPU S10, UPS 1Z), order numbers must have
their platform's shape, and overlapping finds keep only one entity.
"""

from __future__ import annotations

import itertools
import re
import string

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kefu.domain.entities import (
    _ORDERS,
    _OTHER_TRACKING,
    _UPS,
    KINDS,
    MAX_FACTS,
    Entity,
    extract,
    s10_check_digit,
    s10_valid,
    ups_check_digit,
    ups_valid,
)

UPS_EXAMPLE = "1Z999AA10123456784"  # UPS's own published example


def found(text: str) -> list[tuple[str, str, str | None]]:
    """(kind, value, platform) of every entity in `text`, in text order."""
    return [(e.kind, e.value, e.platform) for e in extract(text)]


def of_kind(text: str, kind: str) -> list[Entity]:
    return [e for e in extract(text) if e.kind == kind]


def s10(prefix: str, serial: str, country: str) -> str:
    return f"{prefix}{serial}{s10_check_digit(serial)}{country}"


def other_digit(digit: int) -> int:
    return (digit + 1) % 10


# --- UPU S10 tracking numbers -----------------------------------------------------------


def test_published_s10_example_is_valid_and_extracted() -> None:
    assert s10_valid("RR123456785GB")
    assert found("Tracking: RR123456785GB, thanks") == [("tracking_number", "RR123456785GB", "upu")]


@pytest.mark.parametrize(
    ("serial", "check"),
    [
        ("12345678", 5),  # sum 204, 204 % 11 = 6, 11 - 6 = 5
        ("47312482", 9),  # sum 200, 200 % 11 = 2, 11 - 2 = 9
        ("02000000", 0),  # sum 12, 12 % 11 = 1, 11 - 1 = 10, which maps to 0
        ("00000000", 5),  # sum 0, 11 - 0 = 11, which maps to 5
        ("00000011", 6),  # sum 16, 16 % 11 = 5, 11 - 5 = 6
    ],
)
def test_s10_check_digit_known_values(serial: str, check: int) -> None:
    assert s10_check_digit(serial) == check
    assert s10_valid(f"LX{serial}{check}CN")
    assert not s10_valid(f"LX{serial}{other_digit(check)}CN")


def test_built_s10_numbers_are_valid_and_extracted() -> None:
    for prefix, serial, country in [
        ("LX", "47312482", "CN"),
        ("EE", "00000000", "US"),
        ("CP", "98765432", "DE"),
    ]:
        number = s10(prefix, serial, country)
        assert s10_valid(number)
        assert found(f"my parcel {number} is stuck") == [("tracking_number", number, "upu")]


def test_lower_case_s10_is_valid_and_normalised_to_upper_case() -> None:
    assert s10_valid("rr123456785gb")
    [entity] = extract("track rr123456785gb please")
    assert entity.text == "rr123456785gb"
    assert entity.value == "RR123456785GB"


def test_s10_with_wrong_check_digit_is_invalid_and_not_extracted() -> None:
    assert not s10_valid("RR123456784GB")
    assert of_kind("Tracking: RR123456784GB", "tracking_number") == []


@pytest.mark.parametrize(
    "number",
    ["RR12345678GB", "RR1234567855GB", "R123456785GB", "RR123456785G", "12123456785GB", ""],
)
def test_s10_of_the_wrong_shape_is_invalid(number: str) -> None:
    assert not s10_valid(number)


def test_s10_inside_a_longer_word_is_not_extracted() -> None:
    assert of_kind("XRR123456785GBX", "tracking_number") == []


# --- UPS 1Z tracking numbers ------------------------------------------------------------


def test_published_ups_example_is_valid_and_extracted() -> None:
    assert ups_check_digit("999AA1012345678") == 4
    assert ups_valid(UPS_EXAMPLE)
    assert ups_valid(UPS_EXAMPLE.lower())
    assert found(f"UPS {UPS_EXAMPLE}") == [("tracking_number", UPS_EXAMPLE, "ups")]


@pytest.mark.parametrize("last", [d for d in "0123456789" if d != "4"])
def test_ups_with_changed_last_digit_is_invalid_and_not_extracted(last: str) -> None:
    number = UPS_EXAMPLE[:-1] + last
    assert not ups_valid(number)
    assert of_kind(f"UPS {number}", "tracking_number") == []


@pytest.mark.parametrize(
    "number",
    ["1Z999AA1012345678", "1Z999AA101234567845", "1Z999AA1012345678X", "1Z999AA10123-5678"],
)
def test_ups_of_the_wrong_shape_is_invalid(number: str) -> None:
    assert not ups_valid(number)


def test_ups_valid_requires_the_1z_prefix() -> None:
    assert not ups_valid("XX999AA10123456784")


def test_ups_valid_returns_false_for_a_non_ascii_digit() -> None:
    assert ups_valid("1Z999AA1012345678²") is False


# --- other carriers (shape only) --------------------------------------------------------


@pytest.mark.parametrize(
    ("number", "carrier"),
    [
        ("YT2412345678901234", "yunexpress"),
        ("LP00123456789012", "cainiao"),
        ("4PX1234567890", "4px"),
        ("9400111899223344556677", "usps"),
    ],
)
def test_carriers_without_check_digit_are_recognised_by_shape(number: str, carrier: str) -> None:
    assert found(f"track {number} please") == [("tracking_number", number, carrier)]


# --- platform order numbers -------------------------------------------------------------


@pytest.mark.parametrize(
    ("number", "platform"),
    [
        ("8031234567890123", "aliexpress"),
        ("123-1234567-1234567", "amazon"),
        ("12-12345-12345", "ebay"),
    ],
)
def test_order_numbers_are_found_with_their_platform(number: str, platform: str) -> None:
    assert found(f"Order {number} has not arrived") == [("order_number", number, platform)]
    [entity] = extract(f"Order {number} has not arrived")
    assert entity.text == number
    assert entity.start == len("Order ")


@pytest.mark.parametrize(
    "number",
    [
        "803123456789012",  # 15 digits
        "80312345678901234",  # 17 digits
        "7031234567890123",  # 16 digits, not starting with 8
        "1-8031234567890123",  # glued to another number with a dash
    ],
)
def test_not_an_aliexpress_order(number: str) -> None:
    assert of_kind(f"order {number}", "order_number") == []


@pytest.mark.parametrize(
    "number",
    ["123-123456-1234567", "1234-1234567-1234567", "12-1234-12345", "123-12345-12345"],
)
def test_amazon_and_ebay_shapes_must_be_exact(number: str) -> None:
    assert of_kind(f"order {number} ok", "order_number") == []


def test_several_orders_in_one_message_keep_text_order() -> None:
    text = "orders 12-12345-12345 and 8031234567890123 and 123-1234567-1234567"
    assert [(e.platform, e.value) for e in extract(text)] == [
        ("ebay", "12-12345-12345"),
        ("aliexpress", "8031234567890123"),
        ("amazon", "123-1234567-1234567"),
    ]


# --- sizes ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("size XL please", "XL"),
        ("Size: M", "M"),
        ("talla M", "M"),
        ("taille XXL", "XXL"),
        ("Größe 40", "40"),
        ("rozmiar L", "L"),
        ("размер 42", "42"),
        ("talla 38,5", "38.5"),
        ("I need XXL", "XXL"),
        ("do you have 3XL?", "3XL"),
        ("Do you have it in M?", "M"),
    ],
)
def test_sizes_are_found(text: str, value: str) -> None:
    assert [e.value for e in of_kind(text, "size")] == [value]


@pytest.mark.parametrize(
    "text",
    [
        "I'm M",
        "Hi, this is M from Madrid",
        "S and M are letters",
        "XL-200 cable",  # part of a model code
    ],
)
def test_a_lone_size_letter_needs_a_size_word(text: str) -> None:
    assert of_kind(text, "size") == []


def test_plural_word_sizes_is_not_size_s() -> None:
    assert of_kind("Do you have other sizes?", "size") == []


def test_word_after_size_is_not_cut_to_a_letter() -> None:
    assert of_kind("What size should I take?", "size") == []


def test_half_size_is_a_size_not_a_date() -> None:
    assert found("size 10.5") == [("size", "10.5", None)]


# --- quantities -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("I want 50 pcs", "50"),
        ("нужно 100 шт", "100"),
        ("zamawiam 20 sztuk", "20"),
        ("300 pieces", "300"),
        ("10 unidades", "10"),
        ("5 Stück", "5"),
        ("12 adet", "12"),
        ("40 stuks", "40"),
        ("10 pezzi", "10"),
        ("50개", "50"),
        ("1000pcs", "1000"),
    ],
)
def test_quantities_in_several_languages(text: str, value: str) -> None:
    assert [e.value for e in of_kind(text, "quantity")] == [value]


@pytest.mark.parametrize("text", ["50 pcsx", "1234567 pcs", "pcs 50", "50 pieced"])
def test_not_a_quantity(text: str) -> None:
    assert of_kind(text, "quantity") == []


def test_japanese_counter_inside_a_sentence() -> None:
    assert [e.value for e in of_kind("商品を50個注文しました", "quantity")] == ["50"]


# --- amounts ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("$20", "20 USD"),
        ("it cost $ 20.99", "20.99 USD"),
        ("25,50 €", "25.50 EUR"),
        ("€25", "25 EUR"),
        ("1500 ₽", "1500 RUB"),
        ("1500 руб", "1500 RUB"),
        ("R$ 99", "99 BRL"),
        ("99 reais", "99 BRL"),
        ("30 zł", "30 PLN"),
        ("£12", "12 GBP"),
        ("US$ 5", "5 USD"),
        ("20 dollars", "20 USD"),
        ("15 euros", "15 EUR"),
        ("USD 40", "40 USD"),
        ("40 PLN", "40 PLN"),
        ("50000원", "50000 KRW"),
        ("3000円", "3000 JPY"),
        ("200 ₺", "200 TRY"),
        ("₪ 80", "80 ILS"),
    ],
)
def test_amounts_are_normalised_to_number_and_currency_code(text: str, value: str) -> None:
    assert [e.value for e in of_kind(text, "amount")] == [value]


def test_amount_keeps_the_text_as_written() -> None:
    [entity] = extract("total 25,50 € please")
    assert entity.kind == "amount"
    assert entity.text == "25,50 €"
    assert entity.value == "25.50 EUR"


def test_amount_with_thousands_separator() -> None:
    assert [e.value for e in of_kind("It cost $1,500", "amount")] == ["1500 USD"]


def test_word_try_is_not_turkish_lira() -> None:
    assert of_kind("I will try 2 more times", "amount") == []


# --- dates ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("delivered 2026-11-20", "2026-11-20"),
        ("on 12/11", "--11-12"),
        ("on 3.12.2026", "2026-12-03"),
        ("on 3/12/26", "2026-12-03"),
        ("31.12.2026", "2026-12-31"),
    ],
)
def test_dates_are_normalised(text: str, value: str) -> None:
    assert [e.value for e in of_kind(text, "date")] == [value]


@pytest.mark.parametrize(
    "text", ["45/13", "12/13", "0/5", "32.01.2026", "2026-13-01", "2026-00-10"]
)
def test_impossible_dates_are_not_extracted(text: str) -> None:
    assert of_kind(text, "date") == []


def test_february_thirtieth_is_not_a_date() -> None:
    assert of_kind("30/02/2026", "date") == []


# --- everything together, overlaps -----------------------------------------------------


def test_mixed_message_finds_each_fact_in_text_order() -> None:
    text = (
        f"Order 8031234567890123: 50 pcs size XL for $20.50, shipped 3.12.2026 with {UPS_EXAMPLE}"
    )
    assert found(text) == [
        ("order_number", "8031234567890123", "aliexpress"),
        ("quantity", "50", None),
        ("size", "XL", None),
        ("amount", "20.50 USD", None),
        ("date", "2026-12-03", None),
        ("tracking_number", UPS_EXAMPLE, "ups"),
    ]


def test_amount_that_also_looks_like_a_date_is_kept_once_as_amount() -> None:
    assert found("$20.12") == [("amount", "20.12 USD", None)]
    assert found("12.05 €") == [("amount", "12.05 EUR", None)]


def test_tracking_number_wins_over_an_amount_inside_it() -> None:
    # "...784ZL" also reads as an amount in złoty; the tracking number is kept.
    number = s10("RR", "12345678", "ZL")
    assert found(number) == [("tracking_number", number, "upu")]


def test_text_without_facts_gives_nothing() -> None:
    assert extract("") == []
    assert extract("Hello, where is my parcel?") == []


# --- properties -------------------------------------------------------------------------

letters = st.text(alphabet=string.ascii_uppercase, min_size=2, max_size=2)
upu_serials = st.text(alphabet=string.digits, min_size=8, max_size=8)
ups_bodies = st.text(alphabet=string.digits + string.ascii_uppercase, min_size=15, max_size=15)


@given(prefix=letters, serial=upu_serials, country=letters)
def test_any_built_s10_number_is_valid_extracted_and_broken_by_its_check_digit(
    prefix: str, serial: str, country: str
) -> None:
    check = s10_check_digit(serial)
    assert 0 <= check <= 9
    number = f"{prefix}{serial}{check}{country}"

    assert s10_valid(number)
    text = f"Hello, the tracking is {number}, thanks."
    tracking = of_kind(text, "tracking_number")
    assert [(e.value, e.platform) for e in tracking] == [(number, "upu")]
    assert text[tracking[0].start : tracking[0].end] == number

    broken = f"{prefix}{serial}{other_digit(check)}{country}"
    assert not s10_valid(broken)
    assert of_kind(f"Hello, the tracking is {broken}, thanks.", "tracking_number") == []


@given(body=ups_bodies)
def test_any_built_ups_number_is_valid_extracted_and_broken_by_its_check_digit(
    body: str,
) -> None:
    check = ups_check_digit(body)
    assert 0 <= check <= 9
    number = f"1Z{body}{check}"

    assert ups_valid(number)
    text = f"UPS says {number} is on its way"
    assert [(e.value, e.platform) for e in of_kind(text, "tracking_number")] == [(number, "ups")]

    broken = f"1Z{body}{other_digit(check)}"
    assert not ups_valid(broken)
    assert of_kind(f"UPS says {broken} is on its way", "tracking_number") == []


def assert_well_formed(text: str, entities: list[Entity]) -> None:
    for e in entities:
        assert e.kind in KINDS
        assert 0 <= e.start < e.end <= len(text)
        assert e.text == text[e.start : e.end]
    starts = [e.start for e in entities]
    assert starts == sorted(starts)
    for left, right in itertools.pairwise(entities):
        assert left.end <= right.start, (left, right)


@given(text=st.text(max_size=2000))
def test_extract_never_raises_and_returns_sorted_disjoint_slices(text: str) -> None:
    assert_well_formed(text, extract(text))


# Text made of the characters the patterns look at, so the property reaches every parser
# and every overlap, not only the empty result.
fact_like = st.text(
    alphabet=string.digits + "RGBZXLSM1Z-./,: $€₽zł" + "sizepctk",
    max_size=200,
)


@given(text=fact_like)
def test_extract_on_fact_like_text_returns_sorted_disjoint_slices(text: str) -> None:
    assert_well_formed(text, extract(text))


# --- long messages: each fact once, at most MAX_FACTS -----------------------------------


def test_a_fact_named_many_times_is_returned_once_at_its_first_mention() -> None:
    order, tracking = "8031234567890123", s10("LX", "12345678", "CN")
    line = f"Order {order}, parcel {tracking}, I paid $20 on 12/11 for size XL, 5 pcs. "
    text = line * 800  # a 60 KB paste of the same story
    assert len(text) > 60_000
    facts = extract(text)
    assert [(e.kind, e.value) for e in facts] == [
        ("order_number", order),
        ("tracking_number", tracking),
        ("amount", "20 USD"),
        ("date", "--11-12"),
        ("size", "XL"),
        ("quantity", "5"),
    ]
    assert facts[0].start == line.index(order)


def test_the_same_value_written_twice_differently_is_one_fact() -> None:
    tracking = s10("LX", "12345678", "CN")
    facts = extract(f"{tracking} or {tracking.lower()}?")
    assert [(e.kind, e.text) for e in facts] == [("tracking_number", tracking)]


def test_at_most_max_facts_are_returned_in_text_order() -> None:
    orders = [f"80312345678{n:05d}" for n in range(120)]
    facts = extract(" ".join(f"order {o}" for o in orders))
    assert len(facts) == MAX_FACTS == 50
    assert [e.value for e in facts] == orders[:MAX_FACTS]


def test_overlaps_are_settled_the_same_way_among_thousands_of_finds() -> None:
    tracking = s10("RR", "87654321", "GB")
    text = f"size 10.5 and {tracking} " * 2000
    facts = extract(text)
    assert [(e.kind, e.value) for e in facts] == [
        ("size", "10.5"),
        ("tracking_number", tracking),
    ]


# The shapes as first written, with a leading word boundary: the faster forms in
# entities.py (literal first, boundary checked after) must find exactly these.
PLAIN_SHAPES = {
    "ups": (r"\b1Z[0-9A-Z]{16}\b", re.IGNORECASE),
    "yunexpress": (r"\bYT\d{16}\b", re.IGNORECASE),
    "cainiao": (r"\bLP\d{14}\b", re.IGNORECASE),
    "4px": (r"\b4PX\d{10,16}\b", re.IGNORECASE),
    "usps": (r"\b9[2-5]\d{20}\b", 0),
    "amazon": (r"\b\d{3}-\d{7}-\d{7}\b", 0),
    "ebay": (r"\b\d{2}-\d{5}-\d{5}\b", 0),
    "aliexpress": (r"(?<![\d-])8\d{15}(?![\d-])", 0),
}
FAST_SHAPES = {"ups": _UPS, **dict(_OTHER_TRACKING), **dict(_ORDERS)}

shape_text = st.lists(
    st.sampled_from(["1Z", "1z", "YT", "yt", "LP", "4PX", "9", "8", "2", "-", " ", "a", "_", "é"])
    | st.text(alphabet="0123456789", min_size=1, max_size=23),
    max_size=12,
).map("".join)


@given(shape_text)
def test_the_fast_shapes_find_what_the_plain_shapes_find(text: str) -> None:
    assert sorted(FAST_SHAPES) == sorted(PLAIN_SHAPES)
    for name, (pattern, flags) in PLAIN_SHAPES.items():
        plain = [m.span() for m in re.finditer(pattern, text, flags)]
        assert [m.span() for m in FAST_SHAPES[name].finditer(text)] == plain, name
