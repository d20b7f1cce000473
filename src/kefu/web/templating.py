"""Jinja2 environment for the pages: autoescaped, gettext per request, display filters."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from functools import cache
from importlib.resources import files
from typing import Any
from zoneinfo import ZoneInfo

from babel.core import Locale
from babel.dates import format_date, format_time
from babel.numbers import (
    format_currency,
    format_decimal,
    format_percent,
    get_currency_precision,
)
from fastapi import Request
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader, pass_context, select_autoescape
from jinja2.runtime import Context
from starlette.responses import Response

from kefu.domain.conversations import MARK_LEGEND
from kefu.domain.elapsed import format_elapsed, waited
from kefu.domain.intents import INTENT_GROUPS, INTENTS, group_of
from kefu.domain.permissions import Permission
from kefu.domain.subintents import UNDER as SUB_INTENTS_UNDER
from kefu.services import notices
from kefu.web.i18n import LOCALES, message_in_words, negotiate, translations
from kefu.web.labels import LABELS, labeller


def make_templates() -> Jinja2Templates:
    env = Environment(
        loader=FileSystemLoader(str(files("kefu") / "web" / "templates")),
        autoescape=select_autoescape(["html"]),
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["usd"] = usd
    env.filters["money"] = money
    env.filters["language_name"] = language_name
    env.filters["number"] = number
    env.filters["reason"] = reason
    env.filters["problem"] = problem
    env.filters["percent"] = percent
    env.filters["metric"] = metric
    env.filters["message"] = message
    return Jinja2Templates(env=env)


@pass_context
def reason(context: Context, error: Any) -> str:
    """A row error's reason in the page's language: its template translated, then filled
    with its figures (a limit, a day, a currency); English when there is no translation."""
    gettext = context["_"]
    template = getattr(error, "template", None)
    if template:
        try:
            return str(gettext(template)).format(**dict(error.params))
        except (KeyError, IndexError, ValueError):
            return str(error.reason)
    return str(gettext(error.reason))


@pass_context
def message(context: Context, text: str | None) -> str:
    """An English message of the services (a preview's problem) in the page's language,
    when the catalog or a pattern knows it; as it is otherwise."""
    if not text:
        return ""
    return message_in_words(text, str(context.get("locale", "en"))) or text


@pass_context
def problem(context: Context, error: Any) -> str:
    """A form problem as "Field: what is wrong" in the page's language (row first, when it
    has one); a reason without a translation falls back to its error code's wording."""
    gettext = context["_"]
    field = str(error.field)
    base, _, rest = field.partition(".")
    label = LABELS["field"].get(base)
    where = f"{gettext(label)}{' ' + rest if rest else ''}" if label else field
    what = reason(context, error)
    code = dict(error.params).get("code")
    if context.get("locale") != "en" and what == error.reason and code in LABELS["error"]:
        what = str(gettext(LABELS["error"][code])).format_map(_Blank(dict(error.params)))
    if error.value is not None:
        what = str(gettext("%(reason)s (typed: “%(value)s”)")) % {
            "reason": what,
            "value": error.value,
        }
    if error.row is not None:
        return str(gettext("Row %(row)s, %(field)s: %(reason)s")) % {
            "row": error.row,
            "field": where,
            "reason": what,
        }
    return f"{where}: {what}"


class _Blank(dict[str, str]):
    """Parameters for a wording; one that is missing is left empty rather than failing."""

    def __missing__(self, key: str) -> str:
        return ""


def day(value: date | None, locale: str = "en") -> str:
    """A calendar day as the locale writes it: "2026年11月1日", "1 Nov 2026"."""
    return "" if value is None else format_date(value, "medium", locale=cldr(locale))


def moment(value: datetime, zone: ZoneInfo, locale: str = "en") -> str:
    """A moment: its day as `day` writes it, then the hour and minute in `zone`."""
    local = value.astimezone(zone)
    return f"{day(local.date(), locale)} {format_time(local.time(), 'short', locale=cldr(locale))}"


@cache
def cldr(locale: str) -> Locale:
    """Babel's locale data, parsed once: parsing it per value costs more than a page query."""
    return Locale.parse({"zh_CN": "zh_Hans_CN", "en": "en_GB"}.get(locale, locale))


def language_name(tag: str | None, locale: str = "en") -> str:
    """'es' → 'Spanish' or '西班牙语', from CLDR; unknown tags are shown as they are."""
    if not tag:
        return "—"
    names = cldr(locale).languages
    return str(names.get(tag.replace("-", "_"), names.get(tag.split("-")[0], tag)))


def number(value: float | None, locale: str = "en") -> str:
    """A count with the locale's grouping (12,345)."""
    return "" if value is None else format_decimal(value, locale=cldr(locale))


def percent(share: float | None, locale: str = "en", digits: int = 1) -> str:
    """A rate (0.834) as the locale writes a percentage: "83.4%"; None is a dash."""
    if share is None:
        return "—"
    return format_percent(share, f"#,##0.{'0' * digits}%", locale=cldr(locale))


RATES = frozenset(
    {
        "reply_rate_24h",
        "inquiry_conversion",
        "satisfied_share",
        "automatic_share",
        "daily_inquiry_conversion",
        "dispute_rate",
    }
)


def metric(value: float | None, name: str, locale: str = "en") -> str:
    """A report figure as the locale writes it: rates as percentages, money in USD, hours
    and scores with two decimals, counts grouped; a dash when there is nothing to show."""
    if value is None:
        return "—"
    if name in RATES:
        return percent(value, locale)
    if name.endswith("_usd"):
        return usd(round(value * 100), locale)
    if name == "satisfaction_mean" or name.endswith("_hours"):
        return format_decimal(value, "#,##0.00", locale=cldr(locale))
    return number(int(value), locale)


def usd(cents: int | None, locale: str = "en") -> str:
    """Amounts are shown in USD, as the marketplaces report them (foundation issue)."""
    if cents is None:
        return ""
    return format_currency(
        cents / 100, "USD", locale=cldr("zh_CN" if locale == "zh_CN" else "en_US")
    )


def money(minor: int | None, currency: str, locale: str = "en") -> str:
    """An amount in its own currency's minor units (JPY has none, KWD three)."""
    if minor is None:
        return ""
    major = Decimal(minor).scaleb(-get_currency_precision(currency))
    return format_currency(major, currency, locale=cldr("zh_CN" if locale == "zh_CN" else "en_US"))


def render_page(request: Request, name: str, context: dict[str, Any]) -> Response:
    """Render a page or partial with the app's templates and the agent's locale."""
    templates: Jinja2Templates = request.app.state.templates
    return render(templates, request, name, context)


def render(
    templates: Jinja2Templates,
    request: Request,
    name: str,
    context: dict[str, Any],
    status_code: int = 200,
) -> Response:
    locale = negotiate(request, request.app.state.kefu.settings.default_locale)
    gettext = translations(locale).gettext

    zone = ZoneInfo(request.app.state.kefu.settings.agent_timezone)

    def when(value: datetime | None) -> str:
        """A moment in the agent's time zone, as the locale writes it (one format per
        locale everywhere: "2026年11月1日 03:39", "1 Nov 2026 03:39")."""
        if value is None:
            return ""
        return moment(value, zone, locale)

    def elapsed(since: datetime) -> str:
        """How long it has waited, "3 h 12 min" (the exact time goes in a title)."""
        return waited(since, request.app.state.kefu.clock.now(), locale)

    def time_left(due: datetime) -> str:
        """Time left to a deadline, "1 d 3 h", or how long it is overdue (said by the page)."""
        now = request.app.state.kefu.clock.now()
        return format_elapsed(abs(due - now), locale)

    def overdue(due: datetime | None) -> bool:
        return due is not None and due <= request.app.state.kefu.clock.now()

    def store_day(value: datetime | None, timezone: str) -> str:
        """A day as the store (and its replies to buyers) count it, not the agent's."""
        if value is None:
            return ""
        return day(value.astimezone(ZoneInfo(timezone)).date(), locale)

    def store_when(value: datetime | None, timezone: str) -> str:
        """A moment in the store's zone: tracking history reads as the shop counts days."""
        return moment(value, ZoneInfo(timezone), locale) if value else ""

    me = getattr(request.state, "principal", None)
    base = {
        "_": gettext,
        "label": labeller(gettext),
        "intents": INTENTS,
        "intent_groups": INTENT_GROUPS,
        "intent_group_of": group_of,
        "sub_intents_under": SUB_INTENTS_UNDER,
        "gettext": gettext,
        "locale": locale,
        "locales": LOCALES,
        "when": when,
        "store_day": store_day,
        "store_when": store_when,
        "day": lambda value: day(value, locale),
        "elapsed": elapsed,
        "time_left": time_left,
        "overdue": overdue,
        "legend": MARK_LEGEND,
        "htmx": request.headers.get("HX-Request") == "true",
        "me": me,
        "can": lambda name: me is not None and me.can(Permission(name)),
        "csrf_token": (me.csrf if me is not None else None) or "",
        # Asked only by the nav (base.html), so partials cost no query.
        "notices_unread": lambda: (
            notices.unread_count(me, uow=request.app.state.kefu.uow()) if me is not None else 0
        ),
    }
    return templates.TemplateResponse(request, name, {**base, **context}, status_code=status_code)
