"""Tracking numbers as parcels are entered (issue 21): the domain's S10 and cross-border
shapes, the courier package's UPS/FedEx/DHL/USPS, carrier names and public pages."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kefu.adapters.tracking_numbers import recognise
from kefu.domain.carriers import CARRIERS, carrier_key, carrier_link, check_number
from kefu.domain.tracking_numbers import s10_check_digit

# Valid numbers from the courier data the tracking-numbers package is generated from
# (jkeen/tracking_number_data), each with the courier it must name.
COURIERS = [
    ("1Z5R89390357567127", "ups", "UPS"),
    ("986578788855", "fedex", "FedEx"),
    ("73891051146", "dhl", "DHL"),
    ("9400111201080805483016", "usps", "USPS"),
]


@pytest.mark.parametrize(("number", "key", "name"), COURIERS)
def test_couriers_are_recognised_with_their_check_digit(number: str, key: str, name: str) -> None:
    found = recognise(number)
    assert (found.carrier, found.carrier_name, found.checked, found.malformed) == (
        key,
        name,
        True,
        None,
    )


def test_a_courier_number_with_a_wrong_check_digit_is_not_recognised_but_kept() -> None:
    # The package's README example 1ZY0X1930320121606 passes UPS's check; one digit off fails.
    for number in ("1Z5R89390357567128", "1ZY0X1930320121604"):
        found = recognise(number)
        assert (found.carrier, found.checked, found.malformed) == (None, False, None)
    assert recognise("1ZY0X1930320121606").carrier == "ups"


@given(st.from_regex(r"[A-Z]{2}[0-9]{8}", fullmatch=True), st.sampled_from(["CN", "GB", "FR"]))
def test_an_s10_number_is_refused_exactly_when_its_check_digit_is_wrong(
    head: str, country: str
) -> None:
    right = s10_check_digit(head[2:])
    for digit in range(10):
        found = recognise(f"{head}{digit}{country}")
        assert (found.malformed is None) == (digit == right)
        assert found.checked == (digit == right)


def test_s10_names_the_posting_countrys_post_and_ems() -> None:
    assert recognise("RB123456785CN").carrier_name == "China Post"
    assert recognise("EE123456785CN").carrier == "ems"
    assert recognise("RA473124829GB").carrier == "royal-mail"
    bad = recognise("LX123456789CN")
    assert bad.malformed is not None and "check digit" in bad.malformed


def test_cross_border_shapes_are_recognised_without_a_check() -> None:
    assert recognise("LP00123456789012").carrier == "cainiao"
    assert recognise("yt 1234 5678 9012 3456").number == "YT1234567890123456"
    assert recognise("YT1234567890123456").checked is False


def test_an_unknown_shape_is_accepted_and_marked_unrecognised() -> None:
    found = check_number("ZZ-9988")
    assert (found.number, found.carrier, found.malformed) == ("ZZ9988", None, None)


def test_carrier_names_as_shops_type_them() -> None:
    typed = {"China Post Air Mail": "china-post", "中国邮政": "china-post", "云途": "yunexpress",
             "4PX": "4px", "Royal Mail": "royal-mail", "DHL Paket": "deutsche-post",
             "Почта России": "russian-post", "Someone Else": None}  # fmt: skip
    assert {name: carrier_key(name) for name in typed} == typed


def test_carrier_pages_hold_the_number_and_none_is_invented() -> None:
    links = {key: carrier_link(key, "N1") for key in CARRIERS}
    assert len(links) == len(CARRIERS) == 19
    assert all(
        url is None or ("N1" in url and url.startswith("https://")) for url in links.values()
    )
    assert links["china-post"] is None and carrier_link(None, "N1") is None
    assert carrier_link("ups", "1Z5R89390357567127") == (
        "https://www.ups.com/track?tracknum=1Z5R89390357567127"
    )
