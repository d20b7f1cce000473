"""A store's checks (domain/stores.py): code, platform and site, name, currency, zone,
holiday country — every bad field named, every good store accepted."""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kefu.domain.stores import CODE, SITES, StoreDraft, region_of_site, store_problems
from kefu.domain.types import Marketplace

CURRENCIES = frozenset({"USD", "EUR", "GBP", "CNY"})
COUNTRIES = frozenset({"CN", "US", "DE", "GB"})
GOOD = StoreDraft(
    code="amazon-de",
    platform="amazon",
    site="amazon.de",
    name="Sunrise Home · Amazon DE",
    currency="EUR",
    timezone="Europe/Berlin",
    holiday_country="DE",
)


def problems(draft: StoreDraft) -> list[str]:
    found = store_problems(draft, currencies=CURRENCIES, holiday_countries=COUNTRIES)
    return [p.field for p in found]


def test_a_good_store_passes_and_an_empty_holiday_country_means_none() -> None:
    assert problems(GOOD) == []
    assert problems(replace(GOOD, holiday_country=None)) == []
    assert replace(GOOD, holiday_country="  ").cleaned().holiday_country is None


def test_cleaning_trims_and_upper_cases_codes_of_currency_and_country() -> None:
    typed = replace(GOOD, name="  Shop ", currency=" eur", holiday_country="de ", site="Amazon.DE")
    cleaned = typed.cleaned()
    assert (cleaned.name, cleaned.currency, cleaned.holiday_country, cleaned.site) == (
        "Shop",
        "EUR",
        "DE",
        "amazon.de",
    )
    assert problems(cleaned) == []


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"code": "A"}, "code"),
        ({"code": "Amazon-DE"}, "code"),
        ({"code": "-amazon"}, "code"),
        ({"code": "x" * 65}, "code"),
        ({"platform": "temu"}, "platform"),
        ({"site": "ebay.de"}, "site"),
        ({"name": ""}, "name"),
        ({"name": "x" * 201}, "name"),
        ({"name": "Shop\u202e"}, "name"),
        ({"currency": "EURO"}, "currency"),
        ({"currency": "XYZ"}, "currency"),
        ({"timezone": "Mars/Olympus"}, "timezone"),
        ({"timezone": "../etc/passwd"}, "timezone"),
        ({"holiday_country": "XX"}, "holiday_country"),
    ],
)
def test_each_bad_field_is_named(change: dict[str, str], field: str) -> None:
    assert problems(replace(GOOD, **change)) == [field]


def test_every_bad_field_is_named_at_once() -> None:
    bad = StoreDraft("!", "amazon", "wish.com", "", "x", "nowhere", "ZZ")
    assert problems(bad) == ["code", "site", "name", "currency", "timezone", "holiday_country"]


def test_the_site_table_is_data_with_a_site_per_platform_and_no_site_twice() -> None:
    assert set(SITES) == set(Marketplace)
    every = [site for sites in SITES.values() for site in sites]
    assert len(every) == len(set(every))
    assert region_of_site("amazon.co.uk") == "GB" and region_of_site("aliexpress.com") is None
    # the demo's stores name a region, as before the table
    assert (region_of_site("UK"), region_of_site("US"), region_of_site("global")) == (
        "GB",
        "US",
        None,
    )


platforms = st.sampled_from(list(Marketplace))


@given(platform=platforms, data=st.data())
def test_every_site_of_a_platform_is_accepted_and_no_other_platforms(
    platform: Marketplace, data: st.DataObject
) -> None:
    site = data.draw(st.sampled_from(sorted(SITES[platform])))
    assert problems(replace(GOOD, platform=platform.value, site=site)) == []
    other = data.draw(st.sampled_from([p for p in Marketplace if p is not platform]))
    assert problems(replace(GOOD, platform=other.value, site=site)) == ["site"]


@given(st.text(max_size=80))
def test_a_code_is_accepted_exactly_when_it_is_a_slug(code: str) -> None:
    slug = (
        2 <= len(code) <= 64
        and all(c in "abcdefghijklmnopqrstuvwxyz0123456789-" for c in code)
        and not code.startswith("-")
        and not code.endswith("-")
    )
    assert ("code" not in problems(replace(GOOD, code=code))) == slug
    assert bool(CODE.fullmatch(code)) == slug


@given(st.from_regex(r"[a-z0-9][a-z0-9-]{0,62}[a-z0-9]", fullmatch=True))
def test_generated_slugs_pass(code: str) -> None:
    assert problems(replace(GOOD, code=code)) == []


@given(st.text(max_size=250))
def test_names_never_raise_and_hidden_characters_are_refused(name: str) -> None:
    found = problems(replace(GOOD, name=name))
    assert set(found) <= {"name"}
    if any(c in name for c in "\x00\x1b\u200b\u202e"):
        assert found


@given(st.text(max_size=100))
def test_any_zone_or_currency_or_country_text_is_checked_without_raising(text: str) -> None:
    found = problems(replace(GOOD, timezone=text, currency=text, holiday_country=text or None))
    assert set(found) <= {"timezone", "currency", "holiday_country"}
