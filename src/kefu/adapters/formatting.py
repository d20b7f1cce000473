"""CLDR formatting of template values (Babel): numbers, money, dates, lists, country names."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, time
from decimal import Decimal
from functools import cache
from zoneinfo import ZoneInfo

from babel import Locale, UnknownLocaleError
from babel.dates import format_date, format_time, get_day_names, get_timezone_name
from babel.lists import format_list
from babel.numbers import (
    format_currency,
    format_decimal,
    format_percent,
    get_currency_precision,
    list_currencies,
)

from kefu.domain.templates import Money, OpeningHours


def _locale(language: str) -> Locale:
    try:
        return Locale.parse(language.replace("-", "_"))
    except (UnknownLocaleError, ValueError):
        return Locale("en")


class BabelFormatter:
    """Implements the domain's ValueFormatter with the buyer's CLDR locale."""

    def count(self, value: int, language: str) -> str:
        return format_decimal(value, locale=_locale(language))

    def percent(self, value: int, language: str) -> str:
        return format_percent(value / 100, locale=_locale(language))

    def money(self, value: Money, language: str) -> str:
        major = Decimal(value.cents).scaleb(-get_currency_precision(value.currency))
        return format_currency(major, value.currency, locale=_locale(language))

    def date(self, value: date, language: str) -> str:
        return format_date(value, format="long", locale=_locale(language))

    def datetime(self, value: datetime, language: str) -> str:
        """Long date, short time (no seconds) and the zone's name, in the locale's order."""
        locale = _locale(language)
        day = format_date(value, format="long", locale=locale)
        clock = format_time(value, format="short", tzinfo=value.tzinfo, locale=locale)
        zone = get_timezone_name(value, width="short", locale=locale)
        pattern = str(locale.datetime_formats.get("long", "{1} {0}"))
        return pattern.replace("{1}", day).replace("{0}", f"{clock} {zone}").replace("'", "")

    def list(self, values: Sequence[str], language: str) -> str:
        return format_list(list(values), locale=_locale(language))

    def country(self, code: str, language: str) -> str:
        name: str = _locale(language).territories.get(code.upper(), code.upper())
        return name

    def weight(self, grams: int, language: str) -> str:
        kilos = format_decimal(round(grams / 1000, 2), locale=_locale(language))
        return f"{kilos} kg"

    def hours(self, value: OpeningHours, language: str) -> str:
        """'Mon–Fri 09:00–18:00 (China Standard Time)' in the buyer's language."""
        locale = _locale(language)
        days = get_day_names("abbreviated", locale=locale)
        first, last = min(value.workdays), max(value.workdays)
        contiguous = len(value.workdays) == last - first + 1
        span = (
            f"{days[first]}–{days[last]}"
            if contiguous
            else ", ".join(days[d] for d in sorted(value.workdays))
        )
        moment = datetime.combine(date(2026, 1, 5), time(12), ZoneInfo(value.zone))
        zone = get_timezone_name(moment, locale=locale)
        opens = format_time(value.opens, format="short", locale=locale)
        closes = format_time(value.closes, format="short", locale=locale)
        return f"{span} {opens}–{closes} ({zone})"


@cache
def currency_digits() -> dict[str, int]:
    """Minor-unit digits of each ISO 4217 currency (JPY 0, USD 2, KWD 3), from CLDR."""
    return {code: get_currency_precision(code) for code in list_currencies()}


# Region codes CLDR lists that are not countries a parcel goes to.
_NOT_COUNTRIES = frozenset({"EU", "EZ", "UN", "QO", "ZZ", "XA", "XB"})


@cache
def country_codes() -> frozenset[str]:
    """ISO 3166-1 alpha-2 codes as CLDR names them."""
    codes = (str(code) for code in Locale("en").territories)
    return frozenset(c for c in codes if len(c) == 2 and c.isalpha() and c not in _NOT_COUNTRIES)


@cache
def known_currencies() -> frozenset[str]:
    """ISO 4217 currency codes as Babel's CLDR data knows them."""
    return frozenset(list_currencies())
