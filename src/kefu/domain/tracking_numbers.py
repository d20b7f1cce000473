"""Which carrier a tracking number belongs to, and whether it can be right (issue 21).

UPU S10 numbers (RB123456785CN, LX…CN) carry a check digit: 8 serial digits weighted
8, 6, 4, 2, 3, 5, 9, 7; 11 minus the sum modulo 11, with 10 written 0 and 11 written 5
(UPU S10 standard; PLATFORMS.md "Tracking"). The cross-border carriers Chinese shops use
(Cainiao, YunExpress, 4PX) publish formats but no check digit, so they are recognised
by shape only. Couriers with a published check (UPS, FedEx, DHL, USPS) are the
`tracking-numbers` package's, behind an adapter; this module stays standard library.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

S10_WEIGHTS = (8, 6, 4, 2, 3, 5, 9, 7)
_S10 = re.compile(r"^([A-Z]{2})(\d{8})(\d)([A-Z]{2})$")
# Service indicators (the first two letters) by what they mean to a buyer: R registered,
# L/U untracked or letter post, E/C express and parcels, V insured.
_S10_SERVICES = {"R": "registered", "L": "letter", "U": "letter", "E": "express", "C": "parcel",
                 "V": "insured"}  # fmt: skip


@dataclass(frozen=True)
class Recognised:
    carrier: str  # a stable key: "s10", "cainiao", "yunexpress", "4px"
    number: str  # as the carrier writes it: upper case, no spaces
    checked: bool  # a check digit was verified (False: recognised by shape only)
    origin: str | None = None  # S10: the posting country (ISO 3166 alpha-2)
    service: str | None = None


def normalise(raw: str) -> str:
    """Upper case without spaces, dashes or dots, as buyers and ERPs paste them."""
    return re.sub(r"[\s\-.]", "", raw).upper()


def s10_check_digit(serial: str) -> int:
    """The check digit of an S10 serial of 8 digits."""
    if len(serial) != 8 or not serial.isdigit():
        raise ValueError("an S10 serial is 8 digits")
    remainder = 11 - sum(int(d) * w for d, w in zip(serial, S10_WEIGHTS, strict=True)) % 11
    return {10: 0, 11: 5}.get(remainder, remainder)


def s10(number: str) -> Recognised | None:
    """An S10 number whose check digit is right, else None."""
    found = _S10.match(normalise(number))
    if found is None or s10_check_digit(found[2]) != int(found[3]):
        return None
    service = _S10_SERVICES.get(found[1][0])
    return Recognised("s10", found[0], True, origin=found[4], service=service)


# (carrier, pattern): the shapes the Chinese cross-border carriers give, no check digit.
SHAPES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("cainiao", re.compile(r"^LP\d{14}$")),
    ("cainiao", re.compile(r"^CAINIAO\d{8,12}$")),
    ("yunexpress", re.compile(r"^YT\d{16}$")),
    ("4px", re.compile(r"^4PX\d{10,13}CN$")),
)


def recognise(number: str) -> Recognised | None:
    """The carrier a number belongs to by the rules above; None when no rule knows it
    (the adapter then asks the `tracking-numbers` package, then gives up)."""
    cleaned = normalise(number)
    checked = s10(cleaned)
    if checked is not None:
        return checked
    for carrier, shape in SHAPES:
        if shape.match(cleaned):
            return Recognised(carrier, cleaned, False)
    return None
