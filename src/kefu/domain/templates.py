"""Reply templates (SPEC §5): typed variables, language variants, strict filling.

A template is text per language with `{name}` placeholders. Every placeholder is
declared with a type; every language uses exactly the variables English uses, so a
translation cannot drop a tracking number. Rendering refuses an unfilled or empty
value and names it: no message can contain "XXXX", "(Your name)" or a raw
`{placeholder}` (SPEC §5).
"""

from __future__ import annotations

import re
import string
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from enum import StrEnum
from typing import Protocol

from kefu.domain.errors import DomainError, InvalidInput
from kefu.domain.sizecharts import SizeChart

FALLBACK_LANGUAGE = "en"
NAME = re.compile(r"^[a-z][a-z0-9_]{0,39}$")

# Markers that betray a message nobody finished (SPEC §5 names the first two).
_UNFILLED = re.compile(
    r"X{4,}|\((?:your|buyer'?s?) name\)|\{\s*[A-Za-z_][\w.]*\s*\}|\[(?:name|your name)\]|%s",
    re.IGNORECASE,
)


class VarType(StrEnum):
    TEXT = "text"
    COUNT = "count"  # whole number ≥ 0, written in the buyer's locale
    PERCENT = "percent"  # whole percent, 0–100
    MONEY = "money"
    DATE = "date"
    DATETIME = "datetime"  # a moment, shown in the buyer's locale (the caller picks the zone)
    URL = "url"
    LIST = "list"  # several texts joined the way the language joins lists
    COUNTRY = "country"  # ISO 3166 code, shown as the country's name in the language
    WEIGHT = "weight"  # grams, shown in kg
    HOURS = "hours"  # opening hours with their zone
    SIZE_CHART = "size_chart"  # measurements per size, column names in the language


@dataclass(frozen=True)
class Money:
    cents: int
    currency: str = "USD"


@dataclass(frozen=True)
class OpeningHours:
    opens: time
    closes: time
    zone: str
    workdays: frozenset[int]  # Monday = 0


class ValueFormatter(Protocol):
    """Locale-aware formatting; the adapter uses CLDR so the domain stays pure."""

    def count(self, value: int, language: str) -> str: ...

    def percent(self, value: int, language: str) -> str: ...

    def money(self, value: Money, language: str) -> str: ...

    def date(self, value: date, language: str) -> str: ...

    def datetime(self, value: datetime, language: str) -> str: ...

    def list(self, values: Sequence[str], language: str) -> str: ...

    def country(self, code: str, language: str) -> str: ...

    def weight(self, grams: int, language: str) -> str: ...

    def hours(self, value: OpeningHours, language: str) -> str: ...


class MissingValues(DomainError):
    """A template cannot be filled: the names say what the data lacks."""

    code = "template_missing_values"

    def __init__(self, key: str, names: Sequence[str]) -> None:
        super().__init__(
            f"template '{key}' cannot be filled: no value for {', '.join(names)}",
            key=key,
            names=list(names),
        )
        self.key = key
        self.names = tuple(names)


class TemplateError(InvalidInput):
    """A template definition is wrong (unknown variable, missing English text, bad name)."""

    code = "template_invalid"


def placeholders(text: str, *, where: str = "text") -> list[str]:
    """The `{name}` fields of a text, in order; anything but a plain name is refused."""
    names: list[str] = []
    try:
        parsed = list(string.Formatter().parse(text))
    except ValueError as exc:
        raise TemplateError(f"{where}: {exc} (write a literal brace as {{{{ or }}}})") from exc
    for _, name, spec, conversion in parsed:
        if name is None:
            continue
        if not NAME.match(name) or spec or conversion:
            shown = "{" + name + (f"!{conversion}" if conversion else "") + "}"
            raise TemplateError(
                f"{where}: placeholder {shown} must be a lowercase name like {{buyer_name}}",
                field=where,
            )
        names.append(name)
    return names


def unfilled_markers(text: str) -> list[tuple[int, int, str]]:
    """Spans (start, end, marker) of placeholder leftovers in a finished message."""
    return [(m.start(), m.end(), m.group(0)) for m in _UNFILLED.finditer(text)]


@dataclass(frozen=True)
class ReplyTemplate:
    key: str
    titles: Mapping[str, str]
    variables: Mapping[str, VarType]
    texts: Mapping[str, str]
    intents: tuple[str, ...] = ()
    when: Mapping[str, str] = field(default_factory=dict)
    automatic: bool = False

    def __post_init__(self) -> None:
        if not NAME.match(self.key):
            raise TemplateError(f"template key {self.key!r} must be a lowercase name", field="key")
        if FALLBACK_LANGUAGE not in self.texts:
            raise TemplateError(f"{self.key}: the English text (text.en) is required", field="text")
        for name in self.variables:
            if not NAME.match(name):
                raise TemplateError(f"{self.key}: variable name {name!r} is not a lowercase name")
        expected = set(placeholders(self.texts[FALLBACK_LANGUAGE], where=f"{self.key}: text.en"))
        unused = set(self.variables) - expected
        if unused:
            raise TemplateError(
                f"{self.key}: variables {', '.join(sorted(unused))} are declared but text.en "
                "does not use them",
                field="variables",
            )
        for language, text in self.texts.items():
            self._check_language(language, text, expected)

    def _check_language(self, language: str, text: str, expected: set[str]) -> None:
        where = f"{self.key}: text.{language}"
        if not text.strip():
            raise TemplateError(f"{where} is empty", field=f"text.{language}")
        used = set(placeholders(text, where=where))
        unknown = used - set(self.variables)
        if unknown:
            raise TemplateError(
                f"{where} uses unknown variable(s) {', '.join(sorted(unknown))}; "
                f"declared: {', '.join(sorted(self.variables)) or 'none'}",
                field=f"text.{language}",
            )
        if used != expected:
            lost = ", ".join(sorted(expected - used))
            raise TemplateError(
                f"{where} leaves out {lost}, which the English text uses", field=f"text.{language}"
            )
        leftovers = [m for _, _, m in unfilled_markers(_strip_fields(text))]
        if leftovers:
            raise TemplateError(
                f"{where} contains the unfinished marker {leftovers[0]!r}", field=f"text.{language}"
            )

    def title(self, language: str) -> str:
        return self.titles.get(language) or self.titles.get(FALLBACK_LANGUAGE) or self.key

    def with_text(self, language: str, text: str) -> ReplyTemplate:
        """The same template with one language's text replaced (a shop's own wording)."""
        return ReplyTemplate(
            key=self.key,
            titles=self.titles,
            variables=self.variables,
            texts={**self.texts, language: text},
            intents=self.intents,
            when=self.when,
            automatic=self.automatic,
        )


def _strip_fields(text: str) -> str:
    out: list[str] = []
    for literal, name, _, _ in string.Formatter().parse(text):
        out.append(literal)
        if name is not None:
            out.append(" ")
    return "".join(out)


@dataclass(frozen=True)
class Rendered:
    key: str
    language: str  # the language of the text
    requested_language: str
    text: str

    @property
    def fell_back(self) -> bool:
        """The buyer's language had no text, so English was used (the UI says so)."""
        return self.language != self.requested_language


def render(
    template: ReplyTemplate,
    language: str | None,
    values: Mapping[str, object],
    formatter: ValueFormatter,
) -> Rendered:
    """Fill a template in the buyer's language (English when missing or unknown).

    Raises MissingValues naming every variable without a usable value.
    """
    requested = language or FALLBACK_LANGUAGE
    chosen = requested if requested in template.texts else FALLBACK_LANGUAGE
    text = template.texts[chosen]
    filled: dict[str, str] = {}
    missing: list[str] = []
    for name in dict.fromkeys(placeholders(text)):
        shown = _format(template.variables[name], values.get(name), chosen, formatter)
        if shown is None or not shown.strip():
            missing.append(name)
        else:
            filled[name] = shown
    if missing:
        raise MissingValues(template.key, missing)
    parts: list[str] = []
    for literal, field_name, _, _ in string.Formatter().parse(text):
        parts.append(literal)
        if field_name is not None:
            parts.append(filled[field_name])
    result = "".join(parts).strip()
    leftovers = unfilled_markers(result)
    if leftovers:
        raise InvalidInput(
            f"template '{template.key}' would send the unfinished marker {leftovers[0][2]!r}; "
            "a value contains it",
            field="values",
        )
    return Rendered(template.key, chosen, requested, result)


def _format(  # noqa: C901 — one branch per type reads best
    kind: VarType, value: object, language: str, fmt: ValueFormatter
) -> str | None:
    if value is None:
        return None
    if kind is VarType.TEXT:
        return value if isinstance(value, str) else None
    if kind is VarType.URL:
        return (
            value if isinstance(value, str) and value.startswith(("https://", "http://")) else None
        )
    if kind is VarType.COUNT:
        ok = isinstance(value, int) and not isinstance(value, bool) and value >= 0
        return fmt.count(value, language) if ok else None  # type: ignore[arg-type]
    if kind is VarType.PERCENT:
        ok = isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 100
        return fmt.percent(value, language) if ok else None  # type: ignore[arg-type]
    if kind is VarType.MONEY:
        return fmt.money(value, language) if isinstance(value, Money) else None
    if kind is VarType.DATETIME:
        return fmt.datetime(value, language) if isinstance(value, datetime) else None
    if kind is VarType.DATE:
        if isinstance(value, datetime):
            value = value.date()
        return fmt.date(value, language) if isinstance(value, date) else None
    if kind is VarType.LIST:
        items = (
            [v for v in value if isinstance(v, str) and v.strip()]
            if isinstance(value, (list, tuple))
            else []
        )
        return fmt.list(items, language) if items else None
    if kind is VarType.COUNTRY:
        return fmt.country(value, language) if isinstance(value, str) and len(value) == 2 else None
    if kind is VarType.WEIGHT:
        ok = isinstance(value, int) and not isinstance(value, bool) and value > 0
        return fmt.weight(value, language) if ok else None  # type: ignore[arg-type]
    if kind is VarType.HOURS:
        return fmt.hours(value, language) if isinstance(value, OpeningHours) else None
    if kind is VarType.SIZE_CHART:
        return value.describe(language) if isinstance(value, SizeChart) and value.rows else None
    return None  # pragma: no cover — every VarType is handled above


class TemplateCatalogue:
    """All templates of a shop by key: the packaged ones plus the shop's own wording."""

    def __init__(self, templates: Sequence[ReplyTemplate]) -> None:
        self._by_key: dict[str, ReplyTemplate] = {}
        for t in templates:
            if t.key in self._by_key:
                raise TemplateError(f"template key {t.key!r} is defined twice", field="key")
            self._by_key[t.key] = t

    def __iter__(self) -> Iterator[ReplyTemplate]:
        return iter(self._by_key.values())

    def __len__(self) -> int:
        return len(self._by_key)

    def __contains__(self, key: object) -> bool:
        return key in self._by_key

    def get(self, key: str) -> ReplyTemplate:
        try:
            return self._by_key[key]
        except KeyError:
            raise TemplateError(f"no template named {key!r}", field="key") from None

    def with_overrides(self, overrides: Mapping[tuple[str, str], str]) -> TemplateCatalogue:
        """A copy where (key, language) texts are replaced; unknown keys are ignored."""
        changed = dict(self._by_key)
        for (key, language), text in overrides.items():
            if key in changed:
                changed[key] = changed[key].with_text(language, text)
        return TemplateCatalogue(list(changed.values()))
