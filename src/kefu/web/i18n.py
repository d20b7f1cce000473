"""UI languages: zh-CN and English gettext catalogs, read from the .po files with Babel."""

from __future__ import annotations

from functools import cache
from importlib.resources import files
from io import BytesIO

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations
from fastapi import Request

LOCALES = ("zh_CN", "en")
COOKIE = "kefu_locale"


@cache
def translations(locale: str) -> NullTranslations:
    """English is the source language; other locales load their catalog once per process."""
    if locale == "en":
        return NullTranslations()
    po = files("kefu") / "locale" / locale / "LC_MESSAGES" / "messages.po"
    with po.open("rb") as handle:
        catalog = read_po(handle, locale=locale)
    buffer = BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return Translations(buffer)


def negotiate(request: Request, default: str) -> str:
    """The agent's chosen UI language (cookie), else the deployment default."""
    chosen = request.cookies.get(COOKIE)
    return chosen if chosen in LOCALES else default
