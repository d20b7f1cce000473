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
    # after-sale cases (services/cases.py)
    (
        re.compile(r"^order (?P<number>.+) belongs to another store: a case stays in its store$"),
        N_("order {number} belongs to another store: a case stays in its store"),
    ),
    (re.compile(r"^no order (?P<number>.+) in this store$"), N_("no order {number} in this store")),
    (
        re.compile(r"^a (?P<kind>\w+) case needs the order: give its number$"),
        N_("this kind of case needs the order: give its number"),
    ),
    (
        re.compile(r"^a (?P<kind>\w+) case needs the order lines it is about$"),
        N_("tick the order lines the case is about"),
    ),
    (
        re.compile(r"^line (?P<line>\d+) is not a line of order (?P<number>.+)$"),
        N_("line {line} is not a line of order {number}"),
    ),
    (re.compile(r"^line (?P<line>\d+) is given twice$"), N_("line {line} is given twice")),
    (
        re.compile(r"^line (?P<line>\d+): quantity must be 1 to (?P<n>\d+), the quantity ordered$"),
        N_("line {line}: the quantity must be 1 to {n}, the quantity ordered"),
    ),
    (
        re.compile(
            r"^a refund of (?P<asked>[\d.]+) (?P<cur>\w+) is more than the (?P<left>[\d.]+) \w+ "
            r"left of what the buyer paid$"
        ),
        N_("a refund of {asked} {cur} is more than the {left} {cur} left of what the buyer paid"),
    ),
    (
        re.compile(
            r"^a case of kind (?P<kind>\w+) in state (?P<state>\w+) "
            r"cannot take the step (?P<action>\w+)$"
        ),
        N_("this case cannot take that step in its current state"),
    ),
    (re.compile(r"^order lines need an order$"), N_("order lines need an order")),
    (re.compile(r"^a refund needs an order$"), N_("a refund needs an order")),
    (re.compile(r"^a refund must be more than 0$"), N_("a refund must be more than 0")),
    (re.compile(r"^a refund needs its amount$"), N_("a refund needs its amount")),
    (
        re.compile(r"^shipping needs the new parcel's tracking number$"),
        N_("shipping needs the new parcel's tracking number"),
    ),
    (
        re.compile(r"^tracking number (?P<number>\S+): check digit does not match \(UPU S10\)$"),
        N_("tracking number {number}: the check digit does not match (UPU S10); check the number"),
    ),
    (
        re.compile(r"^someone else changed this case since you opened it: read it again$"),
        N_("someone else changed this case since you opened it: read it again"),
    ),
    (
        re.compile(r"^someone else changed this case at the same moment: try again$"),
        N_("someone else changed this case at the same moment: try again"),
    ),
    (
        re.compile(r"^the amount is not a number like 12\.50$"),
        N_("the amount is not a number like 12.50"),
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
