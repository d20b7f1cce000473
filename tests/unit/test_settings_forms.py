"""The reply-settings forms: what facts_to_form shows, facts_from_form reads back."""

from __future__ import annotations

from datetime import date, time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kefu.domain.errors import RowErrors
from kefu.domain.shopfacts import BulkTier, Festival, ShopFacts
from kefu.web.settings_forms import auto_from_form, auto_to_form, facts_from_form, facts_to_form

words = st.text(
    st.characters(codec="utf-8", exclude_categories=("C", "Z")), min_size=1, max_size=12
)
countries = st.sampled_from(["US", "ES", "FR", "DE", "BR", "RU", "PL"])
# Destination and method lines (issue 21), as the domain stores them: upper case.
transit_methods = st.sampled_from(["US/UPS", "*/DHL", "DE/CHINA POST AIR MAIL", "*/4PX"])
day_range = st.tuples(st.integers(1, 90), st.integers(0, 90)).map(lambda t: (t[0], t[0] + t[1]))
month_day = st.tuples(st.integers(1, 12), st.integers(1, 28))


@st.composite
def shop_facts(draw: st.DrawFn) -> ShopFacts:
    opens = draw(st.integers(0, 22))
    start, end = sorted([draw(month_day), draw(month_day)])
    return ShopFacts(
        signature=draw(st.text(max_size=20)).strip(),
        timezone=draw(st.sampled_from(["Asia/Shanghai", "Europe/Madrid", "America/New_York"])),
        opens=time(opens, draw(st.sampled_from([0, 30]))),
        closes=time(draw(st.integers(opens + 1, 23)), 0),
        workdays=frozenset(draw(st.sets(st.integers(0, 6), min_size=1))),
        holiday_country=draw(st.sampled_from(["CN", "US", None])),
        extra_holidays=tuple(draw(st.lists(st.dates(date(2026, 1, 1), date(2027, 12, 31))))),
        handling_days=draw(st.integers(0, 60)),
        free_shipping_max_g=draw(st.integers(0, 30000)),
        free_method=draw(words),
        express_methods=tuple(draw(st.lists(words.filter(lambda w: "," not in w), max_size=3))),
        transit_days={
            "*": draw(day_range),
            **draw(st.dictionaries(countries, day_range)),
            **draw(st.dictionaries(transit_methods, day_range, max_size=3)),
        },
        refund_days=draw(day_range),
        bulk_tiers=tuple(
            BulkTier(q, p)
            for q, p in draw(st.lists(st.tuples(st.integers(2, 999), st.integers(1, 99))))
        ),
        help_links=draw(
            st.dictionaries(st.sampled_from(["en", "es", "ru", "pt-BR"]), st.just("https://h.x/a"))
        ),
        customs_discount_percent=draw(st.integers(0, 99)),
        few_left_below=draw(st.integers(0, 100)),
        festivals=(Festival(draw(words).replace(" ", "")[:40] or "x", start, end),),
    )


@given(shop_facts())
def test_facts_round_trip_through_the_form(facts: ShopFacts) -> None:
    form = facts_to_form(facts)
    workdays = [str(d) for d in sorted(facts.workdays)]
    assert facts_from_form(form, workdays) == facts


def test_every_problem_is_named_with_its_field_and_line() -> None:
    form = facts_to_form(ShopFacts())
    form |= {
        "opens": "25:00",
        "handling_days": "three",
        "transit_days": "* 15-45\nUS fifteen",
        "bulk_tiers": "10 5\n\n50",
        "festivals": "11.11 11-20 11-01",
        "extra_holidays": "2026-10-01, tomorrow",
    }
    with pytest.raises(RowErrors) as caught:
        facts_from_form(form, ["0"])
    found = {(e.field, e.row) for e in caught.value.errors}
    assert found == {
        ("opens", None),
        ("handling_days", None),
        ("transit_days", 2),
        ("bulk_tiers", 3),
        ("festivals", 1),
        ("extra_holidays", 1),
    }


def test_transit_lines_by_destination_and_method() -> None:
    form = facts_to_form(ShopFacts()) | {
        "transit_days": "* 15-45\nus/ups 5-8\n*/China Post Air Mail 20 - 40\nUS 10-20"
    }
    facts = facts_from_form(form, ["0"])
    assert facts.transit_days == {
        "*": (15, 45),
        "US/UPS": (5, 8),
        "*/CHINA POST AIR MAIL": (20, 40),
        "US": (10, 20),
    }
    bad = facts_to_form(ShopFacts()) | {"transit_days": "* 15-45\nUS/UPS/DHL 5-8\nUS/UPS"}
    with pytest.raises(RowErrors) as caught:
        facts_from_form(bad, ["0"])
    assert [(e.field, e.row) for e in caught.value.errors] == [
        ("transit_days", 2),
        ("transit_days", 3),
    ]


def test_no_workday_ticked_is_refused_by_the_domain() -> None:
    with pytest.raises(RowErrors) as caught:
        facts_from_form(facts_to_form(ShopFacts()), [])
    assert [e.field for e in caught.value.errors] == ["workdays"]


def test_keyword_rows_keep_the_form_numbering() -> None:
    form = {
        "busy_queue_size": "50",
        "keyword_1": "ship",
        "content_1": "Three days.",
        "keyword_3": "size",
        "content_3": "See the chart.",
        "keyword_7": "",
        "content_7": "orphan content",
    }
    with pytest.raises(RowErrors) as caught:
        auto_from_form(form)
    assert ("keyword", 7) in {(e.field, e.row) for e in caught.value.errors}


def test_auto_replies_round_trip() -> None:
    form = {
        "welcome_enabled": "on",
        "busy_enabled": "on",
        "busy_queue_size": "12",
        **{f"keyword_{i}": f"word {i}" for i in range(1, 4)},
        **{f"content_{i}": f"answer {i}" for i in range(1, 4)},
    }
    settings = auto_from_form(form)
    assert auto_from_form(auto_to_form(settings)) == settings
    assert settings.busy_queue_size == 12 and len(settings.keywords) == 3
