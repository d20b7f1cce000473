"""Buyer geography: the languages kefu serves and the time zone to assume for a country."""

from __future__ import annotations

# The buyer languages of SPEC (the demo corpus and the triage model cover each).
BUYER_LANGUAGES = (
    "en",
    "es",
    "ru",
    "fr",
    "de",
    "pt",
    "pl",
    "it",
    "tr",
    "ko",
    "he",
    "ar",
    "ja",
    "nl",
)
# What a buyer message may be detected as: the buyer languages plus Chinese, which
# Chinese-writing buyers use and agents' own notes are in. BUYER_LANGUAGES stays the
# 14 the reply templates, settings and filters list beside "zh" already.
DETECTED_LANGUAGES = (*BUYER_LANGUAGES, "zh")

# Countries spanning several zones: the zone where most of their buyers live.
PRIMARY_ZONE = {
    "US": "America/New_York",
    "CA": "America/Toronto",
    "RU": "Europe/Moscow",
    "BR": "America/Sao_Paulo",
    "AU": "Australia/Sydney",
    "MX": "America/Mexico_City",
    "ES": "Europe/Madrid",
    "CL": "America/Santiago",
    "AR": "America/Argentina/Buenos_Aires",
    "ID": "Asia/Jakarta",
    "KZ": "Asia/Almaty",
    "PT": "Europe/Lisbon",
    "NZ": "Pacific/Auckland",
    "DE": "Europe/Berlin",
    "UA": "Europe/Kyiv",
    "EC": "America/Guayaquil",
    "MY": "Asia/Kuala_Lumpur",
    "CN": "Asia/Shanghai",
    "FR": "Europe/Paris",
    "NL": "Europe/Amsterdam",
}


def primary_zone(country: str, known_zones: list[str]) -> str | None:
    """The country's main zone: our table first, then the only (or first) zone CLDR lists."""
    return PRIMARY_ZONE.get(country.upper()) or (known_zones[0] if known_zones else None)
