"""Customs facts as data, with where each comes from and as of when (issue 21, SPEC §3).

The duty answers state rules that change (the US ended its de minimis exemption for postal
parcels in August 2025): each rule is a fact with a source and a date, shipped as defaults
and overridable per store, and the templates say the date. The wording of each kind of
rule is the templates' (in every language); a fact gives its figures.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any

from kefu.domain.errors import FieldError, RowErrors

MAX_SUMMARY = 500
MAX_URL = 500
MAX_SOURCE = 100
MAX_FACTS = 100  # per store: a few rules per destination is all a shop needs

# EU member states (IOSS applies to consignments to any of them).
EU = frozenset(
    [
        "AT",
        "BE",
        "BG",
        "CY",
        "CZ",
        "DE",
        "DK",
        "EE",
        "ES",
        "FI",
        "FR",
        "GR",
        "HR",
        "HU",
        "IE",
        "IT",
        "LT",
        "LU",
        "LV",
        "MT",
        "NL",
        "PL",
        "PT",
        "RO",
        "SE",
        "SI",
        "SK",
    ]
)
_REGION = re.compile(r"^(EU|[A-Z]{2})$")


class RuleKind(StrEnum):
    """What a rule says; each kind has its answer template (reply_templates/customs_*)."""

    # Import VAT charged at checkout up to a value (EU IOSS, €150): nothing at the door.
    VAT_AT_CHECKOUT = "vat_at_checkout"
    # No duty-free value any more: duties may be due on every parcel (US since 2025-08-29).
    NO_DE_MINIMIS = "no_de_minimis"


@dataclass(frozen=True)
class CustomsFact:
    """One rule for one destination (ISO country or "EU"). `threshold` is in whole units
    of `currency`; `since` is the day the rule took effect; `summary` is for the agent.
    The answer names `source` and `as_of`: the rule changes, the buyer sees how recent."""

    region: str
    kind: RuleKind
    summary: str
    source: str  # who says so, as the buyer's answer names it ("European Commission")
    source_url: str  # where an agent checks it (marketplaces refuse links to buyers)
    as_of: date
    threshold: int | None = None
    currency: str | None = None
    since: date | None = None

    def problems(self, row: int | None = None) -> list[FieldError]:
        out: list[FieldError] = []

        def bad(name: str, reason: str, value: object = None) -> None:
            shown = None if value is None else str(value)
            out.append(FieldError(name, reason, row=row, value=shown))

        if not _REGION.match(self.region):
            bad("region", "must be an ISO country code (US) or EU", self.region)
        if not 0 < len(self.summary.strip()) <= MAX_SUMMARY:
            bad("summary", f"must be 1–{MAX_SUMMARY} characters")
        if not 0 < len(self.source.strip()) <= MAX_SOURCE:
            bad("source", f"must be 1–{MAX_SOURCE} characters")
        if not self.source_url.startswith("https://") or len(self.source_url) > MAX_URL:
            bad("source_url", f"must be an https:// link of at most {MAX_URL} characters")
        return out + self._figures(row)

    def _figures(self, row: int | None) -> list[FieldError]:
        """The figures each kind of rule needs."""
        out: list[FieldError] = []
        if self.kind is RuleKind.VAT_AT_CHECKOUT:
            if self.threshold is None or not 0 < self.threshold <= 100_000:
                out.append(FieldError("threshold", "must be a whole amount from 1 to 100000",
                                      row=row, value=str(self.threshold)))  # fmt: skip
            if self.currency is None or not re.fullmatch(r"[A-Z]{3}", self.currency):
                out.append(FieldError("currency", "must be an ISO 4217 code (EUR)", row=row,
                                      value=str(self.currency)))  # fmt: skip
        if self.kind is RuleKind.NO_DE_MINIMIS and self.since is None:
            out.append(
                FieldError("since", "is the day the rule took effect, and is required", row=row)
            )
        if self.since is not None and self.since > self.as_of:
            out.append(FieldError("since", "must not be later than as_of", row=row,
                                  value=self.since.isoformat()))  # fmt: skip
        return out

    def to_dict(self) -> dict[str, Any]:
        return {
            "region": self.region,
            "kind": self.kind.value,
            "summary": self.summary,
            "source": self.source,
            "source_url": self.source_url,
            "as_of": self.as_of.isoformat(),
            "threshold": self.threshold,
            "currency": self.currency,
            "since": self.since.isoformat() if self.since else None,
        }


def fact_from(data: Mapping[str, Any], row: int | None = None) -> CustomsFact:
    """A fact from plain values (the packaged file, the API); a bad one raises RowErrors
    naming each field."""
    errors: list[FieldError] = []

    def day(name: str, required: bool) -> date | None:
        raw = data.get(name)
        if raw is None or raw == "":
            if required:
                errors.append(FieldError(name, "is required (2025-08-29)", row=row))
            return None
        if isinstance(raw, date):
            return raw
        try:
            return date.fromisoformat(str(raw))
        except ValueError:
            errors.append(FieldError(name, "must be a day: 2025-08-29", row=row, value=str(raw)))
            return None

    try:
        kind = RuleKind(str(data.get("kind", "")))
    except ValueError:
        kinds = ", ".join(k.value for k in RuleKind)
        errors.append(
            FieldError("kind", f"must be one of {kinds}", row=row, value=str(data.get("kind")))
        )
        kind = RuleKind.VAT_AT_CHECKOUT
    threshold = data.get("threshold")
    if threshold is not None and not isinstance(threshold, int):
        errors.append(
            FieldError("threshold", "must be a whole number", row=row, value=str(threshold))
        )
        threshold = None
    as_of, since = day("as_of", True), day("since", False)
    if errors:
        raise RowErrors(errors)
    currency = data.get("currency")
    fact = CustomsFact(
        region=str(data.get("region", "")).strip().upper(),
        kind=kind,
        summary=str(data.get("summary", "")).strip(),
        source=str(data.get("source", "")).strip(),
        source_url=str(data.get("source_url", "")).strip(),
        as_of=as_of or date.min,
        threshold=threshold,
        currency=str(currency).strip().upper() if currency else None,
        since=since,
    )
    if problems := fact.problems(row):
        raise RowErrors(problems)
    return fact


def validated(facts: Sequence[CustomsFact]) -> list[CustomsFact]:
    """A store's whole set: each fact valid, one per destination and kind, not too many."""
    errors = [e for row, f in enumerate(facts, start=1) for e in f.problems(row)]
    seen: set[tuple[str, RuleKind]] = set()
    for row, f in enumerate(facts, start=1):
        if (f.region, f.kind) in seen:
            errors.append(
                FieldError("region", f"{f.region} {f.kind.value} is listed twice", row=row)
            )
        seen.add((f.region, f.kind))
    if len(facts) > MAX_FACTS:
        errors.append(FieldError("facts", f"must be at most {MAX_FACTS}"))
    if errors:
        raise RowErrors(errors)
    return list(facts)


def effective(defaults: Iterable[CustomsFact], own: Iterable[CustomsFact]) -> list[CustomsFact]:
    """The store's facts: its own, and the defaults it does not override (by destination
    and kind)."""
    mine = list(own)
    overridden = {(f.region, f.kind) for f in mine}
    return mine + [f for f in defaults if (f.region, f.kind) not in overridden]


def fact_for(facts: Iterable[CustomsFact], country: str | None) -> CustomsFact | None:
    """The rule the answer for `country` states: the country's own before the EU's."""
    if not country:
        return None
    wanted = country.upper()
    every = list(facts)
    for region in (wanted, "EU" if wanted in EU else None):
        found = sorted((f for f in every if f.region == region), key=lambda f: f.kind.value)
        if found:
            return found[0]
    return None
