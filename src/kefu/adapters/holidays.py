"""Public holidays of the shop's country from the `holidays` package (kept current upstream)."""

from __future__ import annotations

from datetime import date
from functools import cache

import holidays


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
