"""UI languages: zh-CN and English gettext catalogs, read from the .po files with Babel."""

from __future__ import annotations

import re
from functools import cache
from importlib.resources import files
from io import BytesIO

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations
from fastapi import Request

from kefu.web.labels import N_

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


# Messages with figures in them, matched whole and said again in the page's language.
# Their parts (a template's field, a variable's name) are shown as they are.
PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"^(?P<where>.+) is empty$"), N_("{where} is empty")),
    (
        re.compile(
            r"^(?P<where>.+) uses unknown variable\(s\) (?P<names>.+); declared: (?P<known>.+)$"
        ),
        N_("{where} uses variables that are not declared: {names} (declared: {known})"),
    ),
    (
        re.compile(r"^(?P<where>.+) leaves out (?P<lost>.+), which the English text uses$"),
        N_("{where} leaves out {lost}, which the English text uses"),
    ),
    (
        re.compile(r"^(?P<where>.+) contains the unfinished marker (?P<marker>.+)$"),
        N_("{where} still holds the unfinished marker {marker}"),
    ),
    (
        re.compile(r"^(?P<where>.+): placeholder (?P<shown>.+) must be a lowercase name like .+$"),
        N_("{where}: the placeholder {shown} must be a lowercase name, like {{buyer_name}}"),
    ),
    (
        re.compile(r"^(?P<where>.+): [^:]+ \(write a literal brace as \{\{ or \}\}\)$"),
        N_("{where}: a brace is not closed (write a literal brace as {{{{ or }}}})"),
    ),
)


def message_in_words(message: str, locale: str) -> str | None:
    """An English message in the page's language: from the catalog, else by its pattern;
    None when neither knows it (English pages show it as it is)."""
    gettext = translations(locale).gettext
    own = gettext(message)
    if own != message or locale == "en":
        return own
    for pattern, wording in PATTERNS:
        found = pattern.match(message)
        if found:
            return gettext(wording).format(**found.groupdict())
    return None
