"""Facts a buyer message mentions: order and tracking numbers, sizes, quantities, amounts, dates.

Each kind has a validating parser, so a random 13-character code is not taken for a
tracking number: UPU S10 numbers (LX123456789CN) and UPS 1Z numbers must pass their
check digit; order numbers must have the platform's format.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass
from datetime import date

KINDS = ("order_number", "tracking_number", "size", "quantity", "amount", "date")
# A message pasting a whole order history names the same order hundreds of times; the
# agent needs each fact once, and a page of facts is not read past a few dozen.
MAX_FACTS = 50


@dataclass(frozen=True)
class Entity:
    kind: str
    text: str  # as written
    value: str  # normalised
    start: int
    end: int
    platform: str | None = None  # for order numbers; the carrier family for tracking numbers


_S10 = re.compile(r"\b([A-Z]{2})(\d{8})(\d)([A-Z]{2})\b", re.IGNORECASE)
_S10_WEIGHTS = (8, 6, 4, 2, 3, 5, 9, 7)
# Each shape starts with what it must start with ("1Z", "YT", a digit) and checks the
# word boundary before it by a look-behind after: the same matches as a leading `\b`,
# but the expression engine jumps from one candidate to the next instead of trying every
# position (ten times faster over a 64 KiB message).
_UPS = re.compile(r"1Z(?<!\w1Z)[0-9A-Z]{16}\b", re.IGNORECASE)
# Carriers without a public check digit: recognised by their documented shapes.
_OTHER_TRACKING = (
    ("yunexpress", re.compile(r"YT(?<!\wYT)\d{16}\b", re.IGNORECASE)),
    ("cainiao", re.compile(r"LP(?<!\wLP)\d{14}\b", re.IGNORECASE)),
    ("4px", re.compile(r"4PX(?<!\w4PX)\d{10,16}\b", re.IGNORECASE)),
    ("usps", re.compile(r"9(?<!\w9)[2-5]\d{20}\b")),
)
_ORDERS = (
    ("amazon", re.compile(r"\d(?<!\w\d)\d{2}-\d{7}-\d{7}\b")),
    ("ebay", re.compile(r"\d(?<!\w\d)\d-\d{5}-\d{5}\b")),
    ("aliexpress", re.compile(r"8(?<![\d-]8)\d{15}(?![\d-])")),
)
_SIZE_WORDS = (
    "size|talla|taille|größe|grösse|tamanho|taglia|rozmiar|beden|maat|"
    "размер|사이즈|サイズ|מידה|مقاس"
)
_SIZE = re.compile(
    r"(?<![\w-])(XXS|XS|S|M|L|XL|XXL|XXXL|[2-5]XL)(?![\w-])"
    rf"|(?<!\w)(?:{_SIZE_WORDS})(?:\s*:\s*|\s+|(?=\d))"
    r"(\d{2}(?:[.,]5)?|XXS|XS|S|M|L|XL|XXL|XXXL)(?![\w.,]\d|\w)",
    re.IGNORECASE,
)
_QUANTITY = re.compile(
    r"(?<![\d.,])(\d{1,6})\s*(?:(?:pcs|pc|pieces|piece|units|unidades|uds|pièces|stück|stk|peças|pezzi|"
    r"sztuk|szt|adet|stuks|штук|шт|יחידות|قطعة|قطع)(?!\w)|개|個|本|件|枚)",
    re.IGNORECASE,
)
# A number as people write money: "1500", "1,500", "1.500,50", "25,50", "19.99".
_MONEY = r"\d{1,3}(?:[ ,.]\d{3})+(?:[.,]\d{1,2})?|\d{1,7}(?:[.,]\d{1,2})?"
# Case matters: "TRY" is a lira, "try" is a verb.
_AMOUNT = re.compile(
    rf"(?P<pre>[$€£₽₺₩₪¥]|R\$|US\$|\b(?:USD|EUR|GBP|RUB|BRL|PLN|TRY|KRW|ILS|JPY)\b)\s?(?P<a>{_MONEY})"
    rf"|(?<![\d.,])(?P<b>{_MONEY})\s?(?P<post>[$€£₽₺₩₪¥]|zł|zl\b|(?:USD|EUR|GBP|RUB|BRL|PLN|TRY|KRW|ILS|JPY)\b"
    r"|руб|(?:euros?|dollars?|reais|lira)\b|원|円)"
)
_CURRENCY = {
    "$": "USD",
    "us$": "USD",
    "dollar": "USD",
    "dollars": "USD",
    "€": "EUR",
    "euro": "EUR",
    "euros": "EUR",
    "£": "GBP",
    "₽": "RUB",
    "руб": "RUB",
    "₺": "TRY",
    "lira": "TRY",
    "₩": "KRW",
    "원": "KRW",
    "₪": "ILS",
    "¥": "JPY",
    "円": "JPY",
    "r$": "BRL",
    "reais": "BRL",
    "zł": "PLN",
    "zl": "PLN",
}
_DATE = re.compile(r"\b(\d{4})-(\d{1,2})-(\d{1,2})\b|\b(\d{1,2})[./](\d{1,2})(?:[./](\d{2,4}))?\b")


def s10_check_digit(serial: str) -> int:
    """UPU S10 check digit of 8 digits: weights 8,6,4,2,3,5,9,7; 11 - sum mod 11; 10→0, 11→5."""
    remainder = 11 - sum(int(d) * w for d, w in zip(serial, _S10_WEIGHTS, strict=True)) % 11
    return {10: 0, 11: 5}.get(remainder, remainder)


def s10_valid(number: str) -> bool:
    match = _S10.fullmatch(number.upper())
    if match is None:
        return False
    return s10_check_digit(match.group(2)) == int(match.group(3))


def ups_check_digit(body: str) -> int:
    """UPS 1Z check digit of the 15 characters after "1Z": letters map to (ord - 63) mod 10,
    every second value doubles, and the digit brings the sum to a multiple of 10."""
    values = [int(c) if c.isdigit() else (ord(c) - 63) % 10 for c in body.upper()]
    total = sum(v if i % 2 == 0 else v * 2 for i, v in enumerate(values))
    return (10 - total % 10) % 10


def ups_valid(number: str) -> bool:
    upper = number.upper()
    body = upper[2:]
    return (
        upper.startswith("1Z")
        and len(body) == 16
        and all(c in _ALNUM for c in body)
        and body[15] in _DIGITS
        and ups_check_digit(body[:15]) == int(body[15])
    )


_DIGITS = "0123456789"
_ALNUM = _DIGITS + "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def mentions(text: str) -> list[Entity]:
    """Every mention of every fact, in text order; overlapping finds keep the most specific
    one. For masking (the policy check must pass over each mention of an order number);
    what a message says is `extract`."""
    found = _sizes(text)
    if _ANY_DIGIT.search(text):  # every other kind has digits: most messages skip them all
        found += _numbers(text)
    return _without_overlaps(found)


def extract(text: str) -> list[Entity]:
    """Each fact once (its first mention), in text order, at most MAX_FACTS of them."""
    seen: set[tuple[str, str]] = set()
    out = []
    for entity in mentions(text):
        if (entity.kind, entity.value) not in seen:
            seen.add((entity.kind, entity.value))
            out.append(entity)
            if len(out) == MAX_FACTS:
                break
    return out


_ANY_DIGIT = re.compile(r"\d")


def _numbers(text: str) -> list[Entity]:
    found: list[Entity] = []
    for m in _S10.finditer(text):
        if s10_valid(m.group(0)):
            found.append(
                Entity("tracking_number", m.group(0), m.group(0).upper(), m.start(), m.end(), "upu")
            )
    for m in _UPS.finditer(text):
        if ups_valid(m.group(0)):
            found.append(
                Entity("tracking_number", m.group(0), m.group(0).upper(), m.start(), m.end(), "ups")
            )
    for carrier, pattern in _OTHER_TRACKING:
        found += [
            Entity("tracking_number", m.group(0), m.group(0).upper(), m.start(), m.end(), carrier)
            for m in pattern.finditer(text)
        ]
    for platform, pattern in _ORDERS:
        found += [
            Entity("order_number", m.group(0), m.group(0), m.start(), m.end(), platform)
            for m in pattern.finditer(text)
        ]
    return found + _quantities(text) + _amounts(text) + _dates(text)


def _sizes(text: str) -> list[Entity]:
    out = []
    for m in _SIZE.finditer(text):
        value = (m.group(1) or m.group(2) or "").upper().replace(",", ".")
        # A lone "S", "M" or "L" is too common a letter to trust without the word "size".
        if m.group(1) and len(value) == 1 and not _near_size_word(text, m.start()):
            continue
        out.append(Entity("size", m.group(0), value, m.start(), m.end()))
    return out


def _near_size_word(text: str, at: int) -> bool:
    before = text[max(0, at - 12) : at].lower()
    return any(
        w in before for w in ("size", "talla", "taille", "größe", "размер", "rozmiar", "in ")
    )


def _quantities(text: str) -> list[Entity]:
    return [
        Entity("quantity", m.group(0), m.group(1), m.start(), m.end())
        for m in _QUANTITY.finditer(text)
    ]


def _amounts(text: str) -> list[Entity]:
    out = []
    for m in _AMOUNT.finditer(text):
        number = _plain_number(m.group("a") or m.group("b") or "")
        symbol = (m.group("pre") or m.group("post") or "").lower()
        currency = _CURRENCY.get(symbol, symbol.upper())
        out.append(Entity("amount", m.group(0), f"{number} {currency}", m.start(), m.end()))
    return out


def _plain_number(written: str) -> str:
    """'1,500' → '1500', '1.500,50' → '1500.50', '25,50' → '25.50', '19.99' → '19.99'."""
    compact = written.replace(" ", "")
    last = max(compact.rfind(","), compact.rfind("."))
    if last == -1:
        return compact
    whole, fraction = compact[:last], compact[last + 1 :]
    if len(fraction) == 3:  # a thousands separator, not decimals
        return compact.replace(",", "").replace(".", "")
    return f"{whole.replace(',', '').replace('.', '')}.{fraction}"


def _dates(text: str) -> list[Entity]:
    out = []
    for m in _DATE.finditer(text):
        if m.group(1):
            year, month, day = int(m.group(1)), int(m.group(2)), int(m.group(3))
        else:
            day, month = int(m.group(4)), int(m.group(5))
            year = int(m.group(6)) if m.group(6) else 0
            if year and year < 100:
                year += 2000
        try:  # a leap year stands in for an unknown one, so 29/02 is accepted
            date(year or 2024, month, day)
        except ValueError:
            continue
        value = f"{year:04d}-{month:02d}-{day:02d}" if year else f"--{month:02d}-{day:02d}"
        out.append(Entity("date", m.group(0), value, m.start(), m.end()))
    return out


# On overlap the more specific find wins; a size after a size word beats a date ("size 10.5").
_RANK = {"tracking_number": 0, "order_number": 1, "amount": 2, "quantity": 3, "size": 4, "date": 5}


def _without_overlaps(found: list[Entity]) -> list[Entity]:
    """Kept spans never overlap, so a new one need only be checked against its two
    neighbours in start order (thousands of finds in a long paste stay fast)."""
    starts: list[int] = []
    kept: list[Entity] = []
    for entity in sorted(found, key=lambda e: (_RANK[e.kind], e.start - e.end)):
        at = bisect_right(starts, entity.start)
        if at and kept[at - 1].end > entity.start:
            continue
        if at < len(kept) and kept[at].start < entity.end:
            continue
        starts.insert(at, entity.start)
        kept.insert(at, entity)
    return kept
