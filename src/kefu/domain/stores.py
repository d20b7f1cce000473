"""What a store is made of, and the checks a new or changed store passes (docs/stores.md).

The marketplace sites each platform runs are data: a site belongs to one platform, and
names the buyers' country where it has one (the gate reads it, `region_of_site`). The
lists of currencies and holiday calendars come from libraries, so the caller passes them.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from functools import cache
from zoneinfo import available_timezones

from kefu.domain.errors import FieldError
from kefu.domain.types import Marketplace

MAX_CODE = 64
MAX_NAME = 200
MAX_ZONE = 64
# A slug: lower-case letters, digits and hyphens, starting and ending with a letter or digit.
CODE = re.compile(r"[a-z0-9][a-z0-9-]{0,62}[a-z0-9]")
# Control and format characters (a NUL, a terminal escape, a right-to-left override, a
# zero-width space) would hide or disguise a store's name on every page and report.
HIDDEN = frozenset({"Cc", "Cf"})

# The sites of each platform, with the buyers' country where the site has one (None: the
# platform's worldwide site).
SITES: Mapping[Marketplace, Mapping[str, str | None]] = {
    Marketplace.ALIEXPRESS: {
        "aliexpress.com": None,
        "aliexpress.us": "US",
        "aliexpress.ru": "RU",
    },
    Marketplace.AMAZON: {
        "amazon.com": "US",
        "amazon.ca": "CA",
        "amazon.com.mx": "MX",
        "amazon.com.br": "BR",
        "amazon.co.uk": "GB",
        "amazon.de": "DE",
        "amazon.fr": "FR",
        "amazon.it": "IT",
        "amazon.es": "ES",
        "amazon.nl": "NL",
        "amazon.se": "SE",
        "amazon.pl": "PL",
        "amazon.com.be": "BE",
        "amazon.com.tr": "TR",
        "amazon.ae": "AE",
        "amazon.sa": "SA",
        "amazon.in": "IN",
        "amazon.co.jp": "JP",
        "amazon.com.au": "AU",
        "amazon.sg": "SG",
    },
    Marketplace.EBAY: {
        "ebay.com": "US",
        "ebay.ca": "CA",
        "ebay.co.uk": "GB",
        "ebay.ie": "IE",
        "ebay.de": "DE",
        "ebay.at": "AT",
        "ebay.ch": "CH",
        "ebay.fr": "FR",
        "ebay.be": "BE",
        "ebay.nl": "NL",
        "ebay.it": "IT",
        "ebay.es": "ES",
        "ebay.pl": "PL",
        "ebay.com.au": "AU",
    },
    Marketplace.WISH: {"wish.com": None},
}
# Stores made before the site list (the demo's) name a region: "US", "UK", "global".
_OLD_REGIONS = {"UK": "GB"}


def region_of_site(site: str) -> str | None:
    """The buyers' country of a site (amazon.de: DE), or None for a worldwide one."""
    for sites in SITES.values():
        if site in sites:
            return sites[site]
    region = _OLD_REGIONS.get(site, site)
    return region.upper() if len(region) == 2 else None


@dataclass(frozen=True)
class StoreDraft:
    """A store as the owner typed it (a new one, or an existing one's changeable fields)."""

    code: str
    platform: str
    site: str
    name: str
    currency: str
    timezone: str
    holiday_country: str | None = None

    def cleaned(self) -> StoreDraft:
        """Spaces trimmed, currency and country upper-case; the store's code is kept as
        typed (imports will name it exactly so)."""
        return StoreDraft(
            code=self.code.strip(),
            platform=self.platform.strip().lower(),
            site=self.site.strip().lower(),
            name=self.name.strip(),
            currency=self.currency.strip().upper(),
            timezone=self.timezone.strip(),
            holiday_country=(self.holiday_country or "").strip().upper() or None,
        )


@cache
def _zones() -> frozenset[str]:
    return frozenset(available_timezones())


def name_problems(name: str) -> list[FieldError]:
    errors = []
    if not name or len(name) > MAX_NAME:
        errors.append(FieldError("name", f"is 1–{MAX_NAME} characters"))
    if any(unicodedata.category(c) in HIDDEN for c in name):
        errors.append(FieldError("name", "may not hold control or invisible formatting characters"))
    return errors


def zone_problems(zone: str) -> list[FieldError]:
    if len(zone) <= MAX_ZONE and zone in _zones():
        return []
    return [FieldError("timezone", "is not an IANA time zone", value=zone[:MAX_ZONE])]


def store_problems(
    draft: StoreDraft,
    *,
    currencies: Collection[str],
    holiday_countries: Collection[str],
) -> list[FieldError]:
    """Every problem of a store (an empty list: it may be saved). `currencies` are the
    ISO 4217 codes known, `holiday_countries` the ISO 3166 codes with a public-holiday
    calendar."""
    errors: list[FieldError] = []
    if not CODE.fullmatch(draft.code):
        errors.append(
            FieldError(
                "code",
                f"is 2–{MAX_CODE} characters: a-z, 0-9 and '-', not starting or ending with '-'",
                value=draft.code[:MAX_CODE],
            )
        )
    platform = next((m for m in Marketplace if m.value == draft.platform), None)
    if platform is None:
        names = ", ".join(m.value for m in Marketplace)
        errors.append(FieldError("platform", f"is one of {names}", value=draft.platform[:32]))
    elif draft.site not in SITES[platform]:
        names = ", ".join(SITES[platform])
        errors.append(
            FieldError("site", f"is a site of {platform.value}: {names}", value=draft.site[:32])
        )
    errors += name_problems(draft.name)
    if draft.currency not in currencies:
        errors.append(
            FieldError("currency", "is an ISO 4217 currency code (USD)", value=draft.currency[:8])
        )
    errors += zone_problems(draft.timezone)
    country = draft.holiday_country
    if country is not None and country not in holiday_countries:
        errors.append(
            FieldError(
                "holiday_country",
                "is a two-letter country code with a public-holiday calendar (CN), or empty",
                value=country[:8],
            )
        )
    return errors
