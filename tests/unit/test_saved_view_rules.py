"""Saved views: names, filters and the default list (domain/saved_views.py)."""

from __future__ import annotations

import pytest

from kefu.domain.errors import InvalidInput
from kefu.domain.saved_views import ACTIVE, MINE, clean_name, clean_query, default_query


def test_a_name_is_trimmed_and_at_most_60_characters() -> None:
    assert clean_name("  红色   售后 ") == "红色 售后"
    assert clean_name("x" * 60) == "x" * 60
    with pytest.raises(InvalidInput, match="at most 60"):
        clean_name("x" * 61)
    with pytest.raises(InvalidInput, match="needs a name"):
        clean_name("   ")


def test_a_query_keeps_the_filters_in_a_stable_order_without_the_page() -> None:
    assert clean_query("?page=3&colour_mark=red&state=active&store_id=") == (
        "state=active&colour_mark=red"
    )
    assert clean_query("") == ""


def test_an_unknown_filter_or_a_long_query_is_refused() -> None:
    with pytest.raises(InvalidInput, match="not an inbox filter: evil"):
        clean_query("state=open&evil=1")
    with pytest.raises(InvalidInput, match="at most 1000"):
        clean_query("language=" + "x" * 1000)


@pytest.mark.parametrize(
    ("role", "query"),
    [("pre_sale", MINE), ("after_sale", MINE), ("lead", ACTIVE), ("owner", ACTIVE)],
)
def test_agents_start_on_their_own_open_conversations(role: str, query: str) -> None:
    assert default_query(role) == query


def test_the_default_views_are_already_clean_so_their_tabs_match() -> None:
    assert clean_query(MINE) == MINE and clean_query(ACTIVE) == ACTIVE
