"""The reply-settings forms: one text box per list, parsed line by line into the domain's
settings. Every problem names its field and line, and all problems are reported at once,
so a lead fixes a form in one round instead of one error at a time."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from kefu.domain.autoreply import MAX_KEYWORDS, AutoReplySettings, validated
from kefu.domain.errors import FieldError, RowErrors
from kefu.domain.shopfacts import DEFAULT_TRANSIT, ShopFacts

KEYWORD_ROWS = MAX_KEYWORDS
_NUMBER = re.compile(r"\d+")
_MONTH_DAY = re.compile(r"^(\d{1,2})[-./](\d{1,2})$")
_TRANSIT_LINE = re.compile(r"^((?:[A-Za-z]{2}|\*)(?:/[^/]+?)?)\s+(\d+)\s*-\s*(\d+)$")
_LANGUAGE = re.compile(r"^[a-z]{2,3}(-[A-Za-z]{2,4})?$")


@dataclass
class FormProblems:
    """Collects field errors while parsing; raises them together at the end."""

    errors: list[FieldError] = field(default_factory=list)

    def add(
        self, name: str, reason: str, line: int | None = None, value: str | None = None
    ) -> None:
        self.errors.append(FieldError(name, reason, row=line, value=value))

    def raise_if_any(self) -> None:
        if self.errors:
            raise RowErrors(self.errors)


def _lines(text: str) -> list[tuple[int, str]]:
    return [(n, line.strip()) for n, line in enumerate(text.splitlines(), 1) if line.strip()]


def _int(form: Mapping[str, str], name: str, problems: FormProblems) -> int | None:
    raw = form.get(name, "").strip()
    if not raw.lstrip("-").isdigit():
        problems.add(name, "must be a whole number", value=raw)
        return None
    return int(raw)


def facts_from_form(form: Mapping[str, str], workdays: Sequence[str]) -> ShopFacts:
    """The facts form → ShopFacts; RowErrors with every problem (field, line) otherwise."""
    problems = FormProblems()
    data: dict[str, Any] = {
        "signature": form.get("signature", "").strip(),
        "timezone": form.get("timezone", "").strip(),
        "holiday_country": form.get("holiday_country", "").strip().upper() or None,
        "free_method": form.get("free_method", "").strip(),
        "express_methods": [m.strip() for m in form.get("express_methods", "").split(",")],
        "workdays": sorted({int(d) for d in workdays if d.isdigit()}),
    }
    data["express_methods"] = [m for m in data["express_methods"] if m]
    for name in ("opens", "closes"):
        raw = form.get(name, "").strip()
        if not re.fullmatch(r"\d{1,2}:\d{2}", raw) or int(raw[:-3]) > 23 or int(raw[-2:]) > 59:
            problems.add(name, "must be a time like 09:00", value=raw)
        else:
            data[name] = raw.zfill(5)
    for name in (
        "handling_days",
        "free_shipping_max_g",
        "customs_discount_percent",
        "few_left_below",
    ):
        data[name] = _int(form, name, problems)
    refund = (_int(form, "refund_min", problems), _int(form, "refund_max", problems))
    data["refund_days"] = list(refund)
    data["extra_holidays"] = _holidays(form.get("extra_holidays", ""), problems)
    data["transit_days"] = _transit(form.get("transit_days", ""), problems)
    data["help_links"] = _help_links(form.get("help_links", ""), problems)
    data["bulk_tiers"] = _bulk_tiers(form.get("bulk_tiers", ""), problems)
    data["festivals"] = _festivals(form.get("festivals", ""), problems)
    if data["holiday_country"] and not re.fullmatch(r"[A-Z]{2}", data["holiday_country"]):
        problems.add("holiday_country", "is a two-letter country code (CN) or empty")
    problems.raise_if_any()
    return ShopFacts.from_dict(data)  # the domain's own checks, each naming its field


def facts_to_form(facts: ShopFacts) -> dict[str, str]:
    """ShopFacts → the text the form shows, in the format facts_from_form reads back."""
    return {
        "signature": facts.signature,
        "timezone": facts.timezone,
        "opens": facts.opens.isoformat("minutes"),
        "closes": facts.closes.isoformat("minutes"),
        "holiday_country": facts.holiday_country or "",
        "extra_holidays": "\n".join(d.isoformat() for d in facts.extra_holidays),
        "handling_days": str(facts.handling_days),
        "free_shipping_max_g": str(facts.free_shipping_max_g),
        "free_method": facts.free_method,
        "express_methods": ", ".join(facts.express_methods),
        "transit_days": "\n".join(f"{c} {a}-{b}" for c, (a, b) in facts.transit_days.items()),
        "refund_min": str(facts.refund_days[0]),
        "refund_max": str(facts.refund_days[1]),
        "help_links": "\n".join(f"{lang} {url}" for lang, url in facts.help_links.items()),
        "bulk_tiers": "\n".join(f"{t.min_quantity} {t.discount_percent}" for t in facts.bulk_tiers),
        "customs_discount_percent": str(facts.customs_discount_percent),
        "few_left_below": str(facts.few_left_below),
        "festivals": "\n".join(
            f"{f.name} {f.start[0]:02d}-{f.start[1]:02d} {f.end[0]:02d}-{f.end[1]:02d}"
            for f in facts.festivals
        ),
    }


def _holidays(text: str, problems: FormProblems) -> list[str]:
    out: list[str] = []
    for n, line in _lines(text):
        for token in re.split(r"[\s,]+", line):
            if re.fullmatch(r"\d{4}-\d{2}-\d{2}", token):
                out.append(token)
            else:
                problems.add("extra_holidays", "a day is written 2026-10-01", n, token)
    return out


def _transit(text: str, problems: FormProblems) -> dict[str, list[int]]:
    """Lines of "US 10-20", "US/UPS 5-8", "*/China Post Air Mail 15-30", "* 15-45"."""
    out: dict[str, list[int]] = {}
    for n, line in _lines(text):
        found = _TRANSIT_LINE.match(line)
        if found is None:
            problems.add(
                "transit_days",
                "write a country, /method if any, and two numbers: US/UPS 5-8",
                n,
                line,
            )
            continue
        where, _, how = found[1].partition("/")
        country = where if where == DEFAULT_TRANSIT else where.upper()
        key = f"{country}/{how.strip().upper()}" if how else country
        if key in out:
            problems.add("transit_days", f"{key} is listed twice", n, line)
        out[key] = [int(found[2]), int(found[3])]
    return out


def _help_links(text: str, problems: FormProblems) -> dict[str, str]:
    out: dict[str, str] = {}
    for n, line in _lines(text):
        parts = line.split()
        if len(parts) != 2 or not _LANGUAGE.match(parts[0]):
            problems.add("help_links", "write a language and a link: en https://…", n, line)
            continue
        out[parts[0]] = parts[1]
    return out


def _bulk_tiers(text: str, problems: FormProblems) -> list[dict[str, int]]:
    out: list[dict[str, int]] = []
    for n, line in _lines(text):
        numbers = _NUMBER.findall(line)
        if len(numbers) != 2:
            problems.add("bulk_tiers", "write pieces and percent off: 10 5", n, line)
            continue
        out.append({"min_quantity": int(numbers[0]), "discount_percent": int(numbers[1])})
    return out


def _festivals(text: str, problems: FormProblems) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for n, line in _lines(text):
        parts = line.rsplit(maxsplit=2)
        days = [_MONTH_DAY.match(p) for p in parts[1:]] if len(parts) == 3 else []
        if len(days) != 2 or not all(days):
            problems.add("festivals", "write a name and two days: 11.11 11-01 11-20", n, line)
            continue
        start, end = ((int(m[1]), int(m[2])) for m in days if m)
        if not (1 <= start[0] <= 12 and 1 <= end[0] <= 12 and start <= end):
            problems.add("festivals", "months are 1–12 and the start comes first", n, line)
            continue
        out.append({"name": parts[0][:40], "start": list(start), "end": list(end)})
    return out


def auto_from_form(form: Mapping[str, str]) -> AutoReplySettings:
    """The auto-reply form → settings checked as SPEC §6 says; errors name the form's row."""
    problems = FormProblems()
    size = _int(form, "busy_queue_size", problems)
    shown_rows: list[int] = []
    keywords: list[dict[str, object]] = []
    for row in range(1, KEYWORD_ROWS + 1):
        keyword = form.get(f"keyword_{row}", "").strip()
        content = form.get(f"content_{row}", "").strip()
        if not keyword and not content:
            continue  # an empty row of the form is not a keyword
        kind = form.get(f"kind_{row}", "text")
        if kind not in ("text", "image", "coupon"):
            problems.add("kind", "is text, image or coupon", row, kind)
            kind = "text"
        shown_rows.append(row)
        texts = _keyword_texts(form.get(f"texts_{row}", ""), row, problems)
        keywords.append({"keyword": keyword, "kind": kind, "content": content, "texts": texts})
    problems.raise_if_any()
    settings = AutoReplySettings.from_dict(
        {
            "welcome_enabled": form.get("welcome_enabled") == "on",
            "busy_enabled": form.get("busy_enabled") == "on",
            "busy_queue_size": size,
            "keywords": keywords,
        }
    )
    try:
        return validated(settings)
    except RowErrors as exc:  # the domain numbers filled rows; the form shows its own rows
        raise RowErrors(
            [
                FieldError(e.field, e.reason, shown_rows[e.row - 1], e.value)
                if e.row is not None
                else e
                for e in exc.errors
            ]
        ) from exc


def auto_to_form(settings: AutoReplySettings) -> dict[str, str]:
    out = {
        "welcome_enabled": "on" if settings.welcome_enabled else "",
        "busy_enabled": "on" if settings.busy_enabled else "",
        "busy_queue_size": str(settings.busy_queue_size),
    }
    for row, rule in enumerate(settings.keywords, start=1):
        out[f"keyword_{row}"] = rule.keyword
        out[f"kind_{row}"] = rule.kind.value
        out[f"content_{row}"] = rule.content
        out[f"texts_{row}"] = "\n".join(f"{lang}: {text}" for lang, text in rule.texts)
    return out


def _keyword_texts(value: str, row: int, problems: FormProblems) -> dict[str, str]:
    """One line per language, `es: texto`; the domain checks the languages and lengths."""
    texts: dict[str, str] = {}
    for line in value.splitlines():
        if not line.strip():
            continue
        language, colon, text = line.partition(":")
        tag = language.strip().lower()
        if not colon or not tag or tag in texts:
            problems.add("texts", "one line per language, like  es: texto", row, line[:80])
            continue
        texts[tag] = text.strip()
    return texts
