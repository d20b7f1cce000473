"""Public holidays of the shop's country from the `holidays` package (kept current upstream)."""

from __future__ import annotations

from datetime import date
from functools import cache

import holidays
from babel import Locale


@cache
def public_holidays(country: str | None, year: int) -> frozenset[date]:
    """Holidays of a country in a year and the next (a window may cross New Year)."""
    if not country:
        return frozenset()
    try:
        found = holidays.country_holidays(country.upper(), years=(year, year + 1))
    except NotImplementedError:
        return frozenset()
    return frozenset(found.keys())


@cache
def holiday_countries() -> frozenset[str]:
    """ISO 3166 alpha-2 codes the `holidays` package has a calendar for (its aliases, such
    as UK, and alpha-3 codes are left out)."""
    iso = {str(code) for code in Locale("en").territories if str(code).isalpha()}
    return frozenset(c for c in holidays.list_supported_countries() if len(c) == 2) & iso


def holidays_between(country: str | None, first: date, last: date) -> frozenset[date]:
    """Every public holiday of a country from the year of `first` to the year after
    `last` (a case's deadline can run weeks past the day it opened, and over New Year)."""
    if last < first:
        raise ValueError("the span of holiday years ends before it starts")
    found: frozenset[date] = frozenset()
    for year in range(first.year, last.year + 1):
        found |= public_holidays(country, year)
    return found
