"""Phone numbers in outgoing text, found with Google's libphonenumber (`phonenumbers`).

Implements the policy check's `PhoneFinder` port (domain/policy.py). A number is read in
the national formats of the conversation's regions (the buyer's and the store's) first,
then of the shop's usual markets, and in international format ("+49 …", "0049 …") anywhere.
A cheap pre-filter comes first: a text without seven digits in a row (spaces, dots, dashes,
slashes and brackets between them allowed) costs one regular-expression search and nothing
else. The policy check masks order and tracking numbers, dates and amounts before it calls.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

import phonenumbers
from phonenumbers import Leniency, PhoneMetadata, PhoneNumberMatcher

# The shop's markets (SPEC: buyers in 14 languages): North America, Europe, Latin America,
# Russia, Turkey, Israel, the Gulf, East Asia and Australia; China for the sellers.
DEFAULT_REGIONS = (
    "US", "GB", "DE", "FR", "ES", "IT", "NL", "PL", "PT", "BR", "MX", "RU", "TR", "IL", "SA",
    "AE", "KR", "JP", "CN", "CA", "AU",
)  # fmt: skip

# Seven to seventeen digits, one or more separators between them allowed; a leading "+".
_CANDIDATE = re.compile(
    r"(?<![A-Za-z0-9_+])\+?\(?\d(?:[ \t\u00a0().\-/]{0,3}\d){6,16}\)?(?![A-Za-z0-9_])"
)
_SEVEN_DIGITS = re.compile(r"\d(?:[ \t\u00a0().\-/]{0,3}\d){6}")
_NOT_DIGIT = re.compile(r"\D")


class PhoneNumberFinder:
    """`finder(text, regions)` → the (start, end) of each phone number in `text`."""

    def __init__(
        self, default_regions: Sequence[str] = DEFAULT_REGIONS, leniency: int = Leniency.VALID
    ) -> None:
        self.default_regions = tuple(r.upper() for r in default_regions)
        self.leniency = leniency

    def __call__(self, text: str, regions: Sequence[str]) -> list[tuple[int, int]]:
        if not _SEVEN_DIGITS.search(text):
            return []
        order = tuple(dict.fromkeys([*(r.upper() for r in regions if r), *self.default_regions]))
        spans = []
        for m in _CANDIDATE.finditer(text):
            for start, end in _phones_in(m.group(), order, self.leniency):
                spans.append((m.start() + start, m.start() + end))
        return spans


@lru_cache(maxsize=8192)
def _phones_in(
    candidate: str, regions: tuple[str, ...], leniency: int
) -> tuple[tuple[int, int], ...]:
    """The phone numbers in one candidate, read in the first region where the whole candidate
    is a valid number (a quick parse), then placed exactly by the matcher. A candidate of
    more digits than a number has may hold two: the matcher reads it in the first regions.
    The same numbers come back while an agent types, so the answers are kept."""
    digits = _NOT_DIGIT.sub("", candidate)
    if len(digits) > _MAX_DIGITS:
        return _first_match(candidate, regions[:3], leniency)
    if candidate.startswith("+"):
        tries: Sequence[str] = regions[:1]  # international: any region reads it
    elif digits.startswith("00"):
        tries = ("DE",)  # "00" dials abroad from Europe, China and most of the world
    else:
        tries = _plausible_regions(len(digits), digits[:3], regions)
    for region in tries:
        if _valid(candidate, region):
            found = _first_match(candidate, (region,), leniency)
            if found:  # the matcher also wants the digits grouped as the region writes them
                return found
    return ()


_MAX_DIGITS = 15  # ITU E.164: no phone number has more


def _valid(candidate: str, region: str) -> bool:
    try:
        return phonenumbers.is_valid_number(phonenumbers.parse(candidate, region))
    except phonenumbers.NumberParseException:
        return False


def _first_match(
    candidate: str, regions: Sequence[str], leniency: int
) -> tuple[tuple[int, int], ...]:
    for region in regions:
        found = tuple(
            (m.start, m.end) for m in PhoneNumberMatcher(candidate, region, leniency=leniency)
        )
        if found:
            return found
    return ()


@lru_cache(maxsize=4096)
def _plausible_regions(length: int, head: str, regions: tuple[str, ...]) -> tuple[str, ...]:
    """The regions whose national numbers can have this many digits, with or without the
    national prefix ("0", "8", "1"): most regions drop out before any parsing."""
    out = []
    for region in regions:
        lengths, prefixes = _lengths(region)
        prefixed = any(head.startswith(p) and length - len(p) in lengths for p in prefixes)
        if not lengths or length in lengths or prefixed:
            out.append(region)
    return tuple(out)


@lru_cache(maxsize=512)
def _lengths(region: str) -> tuple[frozenset[int], tuple[str, ...]]:
    """A region's possible national-number lengths and its national prefixes ("0", "8", "1")."""
    metadata = PhoneMetadata.metadata_for_region(region)
    if metadata is None or metadata.general_desc is None:
        return frozenset(), ()
    lengths = frozenset(metadata.general_desc.possible_length or ())
    prefixes = tuple(
        p
        for p in (metadata.national_prefix, metadata.national_prefix_for_parsing)
        if p and p.isdigit() and len(p) <= 3
    )
    return lengths, prefixes


def is_valid_phone(text: str, region: str) -> bool:
    """Whether `text` is one valid phone number of `region` (for tests and imports)."""
    try:
        return phonenumbers.is_valid_number(phonenumbers.parse(text, region))
    except phonenumbers.NumberParseException:
        return False
