"""Facts a store's templates are filled with, set per store (replies issue, SPEC §4–§6).

Defaults are the seeds' example shop: 9:00–18:00 Beijing time, free shipping under
2 kg by China Post Air Mail, UPS/DHL for heavier parcels, refunds in 3–20 business days.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from kefu.domain.calendar import WorkingHours
from kefu.domain.carriers import carrier_key
from kefu.domain.errors import FieldError, RowErrors

DEFAULT_TRANSIT = "*"  # transit days for countries without their own line
# Transit lines are keyed by destination and, optionally, shipping method: "US", "US/UPS",
# "*/DHL", "*" (issue 21); the most specific line that matches wins.
TRANSIT_KEY = re.compile(r"^(\*|[A-Z]{2})(?:/([^/\s][^/]{0,39}))?$")
MAX_TRANSIT_LINES = 300


@dataclass(frozen=True)
class BulkTier:
    min_quantity: int
    discount_percent: int


@dataclass(frozen=True)
class Festival:
    """A sales festival, by month and day so it recurs every year (e.g. 11.11: Nov 1–20)."""

    name: str
    start: tuple[int, int]
    end: tuple[int, int]

    def covers(self, day: date) -> bool:
        return self.start <= (day.month, day.day) <= self.end


@dataclass(frozen=True)
class ShopFacts:
    signature: str = ""
    timezone: str = "Asia/Shanghai"
    opens: time = time(9, 0)
    closes: time = time(18, 0)
    workdays: frozenset[int] = frozenset({0, 1, 2, 3, 4})
    holiday_country: str | None = "CN"
    extra_holidays: tuple[date, ...] = ()
    handling_days: int = 3
    free_shipping_max_g: int = 2000
    free_method: str = "China Post Air Mail"
    express_methods: tuple[str, ...] = ("UPS", "DHL")
    transit_days: Mapping[str, tuple[int, int]] = field(
        default_factory=lambda: {DEFAULT_TRANSIT: (15, 45)}
    )
    refund_days: tuple[int, int] = (3, 20)
    bulk_tiers: tuple[BulkTier, ...] = (BulkTier(10, 5), BulkTier(50, 10))
    help_links: Mapping[str, str] = field(default_factory=dict)
    customs_discount_percent: int = 5
    few_left_below: int = 10
    festivals: tuple[Festival, ...] = (Festival("11.11", (11, 1), (11, 20)),)

    def __post_init__(self) -> None:
        errors = list(self._problems())
        if errors:
            raise RowErrors(errors)

    def _problems(self) -> list[FieldError]:  # noqa: C901 — one check per setting
        out: list[FieldError] = []
        try:
            ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            out.append(FieldError("timezone", "is not an IANA time zone", value=self.timezone))
        if self.closes <= self.opens:
            out.append(FieldError("closes", "must be later than the opening time"))
        if not self.workdays or not self.workdays <= set(range(7)):
            out.append(FieldError("workdays", "must be one or more of 0 (Monday) to 6 (Sunday)"))
        if not 0 <= self.handling_days <= 60:
            out.append(FieldError("handling_days", "must be between 0 and 60"))
        if self.free_shipping_max_g < 0:
            out.append(FieldError("free_shipping_max_g", "must be 0 or more grams"))
        lo, hi = self.refund_days
        if not 0 < lo <= hi <= 365:
            out.append(FieldError("refund_days", "must be two numbers, 1 ≤ first ≤ second ≤ 365"))
        out += _transit_problems(self.transit_days)
        for i, tier in enumerate(self.bulk_tiers):
            if tier.min_quantity < 2 or not 0 < tier.discount_percent < 100:
                out.append(FieldError(f"bulk_tiers.{i}", "needs ≥ 2 pieces and 1–99 % off"))
        for language, url in self.help_links.items():
            if not url.startswith("https://"):
                out.append(FieldError(f"help_links.{language}", "must be an https:// link"))
        if not 0 <= self.customs_discount_percent < 100:
            out.append(FieldError("customs_discount_percent", "must be 0–99"))
        return out

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON values: how facts are stored, audited and sent over the API."""
        return {
            **asdict(self),
            "opens": self.opens.isoformat("minutes"),
            "closes": self.closes.isoformat("minutes"),
            "workdays": sorted(self.workdays),
            "extra_holidays": [d.isoformat() for d in self.extra_holidays],
            "transit_days": {k: list(v) for k, v in self.transit_days.items()},
            "refund_days": list(self.refund_days),
            "express_methods": list(self.express_methods),
            "help_links": dict(self.help_links),
            "festivals": [
                {"name": f.name, "start": list(f.start), "end": list(f.end)} for f in self.festivals
            ],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ShopFacts:
        """From `to_dict`'s form; absent keys take the defaults, invalid values raise RowErrors."""
        d = dict(data)
        for key, build in _FROM_JSON.items():
            if key in d:
                d[key] = build(d[key])
        return cls(**d)

    def working_hours(self, holidays: frozenset[date] = frozenset()) -> WorkingHours:
        return WorkingHours(
            zone=ZoneInfo(self.timezone),
            start=self.opens,
            end=self.closes,
            workdays=self.workdays,
            holidays=holidays | set(self.extra_holidays),
        )

    def transit_for(self, country: str | None, method: str | None = None) -> tuple[int, int] | None:
        """Transit days to `country` by `method`: "US/UPS", then "US", then "*/UPS", then
        "*". A method matches a line's when the words are the same or name one carrier
        ("China Post Air Mail" and "CHINA POST")."""
        wanted = (country or "").upper()
        best: tuple[int, tuple[int, int]] | None = None
        for key, days in self.transit_days.items():
            rank = _transit_rank(key, wanted, method)
            if rank is not None and (best is None or rank < best[0]):
                best = (rank, days)
        return best[1] if best else None

    def help_link(self, language: str | None) -> str | None:
        return self.help_links.get(language or "en") or self.help_links.get("en")

    def festival_on(self, at: datetime) -> Festival | None:
        local = at.astimezone(ZoneInfo(self.timezone)).date()
        return next((f for f in self.festivals if f.covers(local)), None)

    def bulk_offer(self) -> BulkTier | None:
        """The first tier: the smallest quantity that earns a discount."""
        return min(self.bulk_tiers, key=lambda t: t.min_quantity, default=None)


def _transit_problems(table: Mapping[str, tuple[int, int]]) -> list[FieldError]:
    out: list[FieldError] = []
    if len(table) > MAX_TRANSIT_LINES:
        out.append(FieldError("transit_days", f"must have at most {MAX_TRANSIT_LINES} lines"))
    for key, (a, b) in table.items():
        if not TRANSIT_KEY.match(key):
            out.append(
                FieldError(
                    f"transit_days.{key}",
                    "must be a country (US), * or either with /method (US/UPS, */DHL)",
                    value=key,
                )
            )
        if not 0 < a <= b <= 180:
            out.append(FieldError(f"transit_days.{key}", "must be 1 ≤ min ≤ max ≤ 180"))
    return out


def _transit_rank(key: str, country: str, method: str | None) -> int | None:
    """0 for country and method, 1 country, 2 method, 3 the default; None: no match."""
    found = TRANSIT_KEY.match(key)
    if found is None:
        return None
    where, how = found[1], found[2]
    if where != DEFAULT_TRANSIT and where != country:
        return None
    if how is not None and not _same_method(how, method):
        return None
    return (0 if how else 1) if where != DEFAULT_TRANSIT else (2 if how else 3)


def _same_method(line: str, method: str | None) -> bool:
    if not method:
        return False
    if line.strip().casefold() == method.strip().casefold():
        return True
    carrier = carrier_key(line)
    return carrier is not None and carrier == carrier_key(method)


_FROM_JSON: dict[str, Callable[[Any], Any]] = {
    "opens": time.fromisoformat,
    "closes": time.fromisoformat,
    "workdays": frozenset,
    "holiday_country": lambda v: v.upper() if v else None,
    "extra_holidays": lambda v: tuple(date.fromisoformat(str(x)) for x in v),
    "transit_days": lambda v: {
        (k if k == DEFAULT_TRANSIT else k.upper()): (int(a), int(b)) for k, (a, b) in v.items()
    },
    "refund_days": lambda v: (int(v[0]), int(v[1])),
    "express_methods": tuple,
    "bulk_tiers": lambda v: tuple(
        BulkTier(int(x["min_quantity"]), int(x["discount_percent"])) for x in v
    ),
    "festivals": lambda v: tuple(
        Festival(
            x["name"],
            (int(x["start"][0]), int(x["start"][1])),
            (int(x["end"][0]), int(x["end"][1])),
        )
        for x in v
    ),
}
