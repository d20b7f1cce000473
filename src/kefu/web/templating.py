"""Jinja2 environment for the pages: autoescaped, gettext per request, display filters."""

from __future__ import annotations

from datetime import datetime
from importlib.resources import files
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_datetime
from babel.numbers import format_currency
from fastapi import Request
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.responses import Response

from kefu.domain.conversations import MARK_LEGEND
from kefu.web.i18n import LOCALES, negotiate, translations


def make_templates() -> Jinja2Templates:
    env = Environment(
        loader=FileSystemLoader(str(files("kefu") / "web" / "templates")),
        autoescape=select_autoescape(["html"]),
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["usd"] = usd
    return Jinja2Templates(env=env)


def usd(cents: int | None, locale: str = "en") -> str:
    """Amounts are shown in USD, as the marketplaces report them (foundation issue)."""
    if cents is None:
        return ""
    return format_currency(cents / 100, "USD", locale="zh_CN" if locale == "zh_CN" else "en_US")


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

    def when(value: datetime | None, fmt: str = "short") -> str:
        if value is None:
            return ""
        zone = ZoneInfo(request.app.state.kefu.settings.agent_timezone)
        return format_datetime(
            value, fmt, tzinfo=zone, locale="zh_CN" if locale == "zh_CN" else "en_GB"
        )

    base = {
        "_": gettext,
        "gettext": gettext,
        "locale": locale,
        "locales": LOCALES,
        "when": when,
        "legend": MARK_LEGEND,
        "htmx": request.headers.get("HX-Request") == "true",
    }
    return templates.TemplateResponse(request, name, {**base, **context}, status_code=status_code)
