"""Tracking-number recognition (issue 21): S10 check digits, Chinese carriers' shapes."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kefu.domain.tracking_numbers import normalise, recognise, s10, s10_check_digit

serials = st.text(alphabet="0123456789", min_size=8, max_size=8)


def test_the_upu_examples_check() -> None:
    assert s10_check_digit("47312482") == 9  # UPU S10 worked example: RA 47312482 9 GB
    found = s10("ra 473 124 829 gb")
    assert found is not None and (found.number, found.origin) == ("RA473124829GB", "GB")
    assert found.service == "registered" and found.checked
    assert s10("RA473124828GB") is None  # one digit off


@given(serial=serials)
def test_every_serial_has_one_check_digit_and_only_it_passes(serial: str) -> None:
    digit = s10_check_digit(serial)
    assert 0 <= digit <= 9
    passing = [d for d in range(10) if s10(f"LX{serial}{d}CN") is not None]
    assert passing == [digit]


@given(serial=serials, position=st.integers(0, 7), change=st.integers(1, 9))
def test_a_single_changed_digit_is_caught(serial: str, position: int, change: int) -> None:
    good = f"RB{serial}{s10_check_digit(serial)}CN"
    digits = list(serial)
    digits[position] = str((int(digits[position]) + change) % 10)
    bad = f"RB{''.join(digits)}{s10_check_digit(serial)}CN"
    assert s10(good) is not None
    # The weights are non-zero modulo 11, so one changed digit changes 11 - sum mod 11; the
    # only two values that then read alike are 11 and 5 (11 is written 5).
    if s10(bad) is not None:
        assert {_raw(serial), _raw("".join(digits))} == {5, 11}


def _raw(serial: str) -> int:
    return 11 - sum(int(d) * w for d, w in zip(serial, (8, 6, 4, 2, 3, 5, 9, 7), strict=True)) % 11


@pytest.mark.parametrize(
    ("raw", "carrier"),
    [
        ("LP00613800138001", "cainiao"),
        ("yt2412345678901234", "yunexpress"),
        ("4PX3001234567890CN", "4px"),
    ],
)
def test_chinese_carriers_by_shape_without_a_check(raw: str, carrier: str) -> None:
    found = recognise(raw)
    assert found is not None and (found.carrier, found.checked) == (carrier, False)


@given(text=st.text(max_size=40))
def test_anything_typed_never_raises(text: str) -> None:
    found = recognise(text)
    assert found is None or found.number == normalise(text)
