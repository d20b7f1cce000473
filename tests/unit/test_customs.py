"""Customs facts as data (docs/customs.md): validation with field names, which rule a
destination gets, a store's overrides, and the duty answers they fill."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest

from kefu.adapters.db.customs import packaged_defaults
from kefu.adapters.formatting import BabelFormatter
from kefu.adapters.reply_catalogue import packaged_catalogue
from kefu.domain.customs import EU, CustomsFact, RuleKind, effective, fact_for, fact_from, validated
from kefu.domain.errors import RowErrors
from kefu.domain.shopfacts import ShopFacts
from kefu.services.readmodels import BuyerView, ConversationDetail, MessageView
from kefu.services.template_values import choose, context_for

VAT: dict[str, Any] = {
    "region": "EU",
    "kind": "vat_at_checkout",
    "threshold": 150,
    "currency": "EUR",
    "summary": "IOSS",
    "source": "European Commission",
    "source_url": "https://taxation-customs.ec.europa.eu/",
    "as_of": "2026-12-06",
}


@pytest.mark.parametrize(
    ("change", "fields"),
    [
        ({"region": "Europe"}, ["region"]),
        ({"kind": "gift_allowed"}, ["kind"]),
        ({"threshold": None, "currency": "euro"}, ["threshold", "currency"]),
        ({"source_url": "http://ec.europa.eu"}, ["source_url"]),
        ({"source": "", "summary": " "}, ["summary", "source"]),
        ({"as_of": "6 Dec"}, ["as_of"]),
        ({"as_of": None}, ["as_of"]),
        ({"since": "2027-01-01"}, ["since"]),
        ({"kind": "no_de_minimis", "region": "US"}, ["since"]),
    ],
)
def test_a_bad_fact_names_its_fields_and_row(change: dict[str, Any], fields: list[str]) -> None:
    with pytest.raises(RowErrors) as raised:
        fact_from(VAT | change, row=4)
    assert [e.field for e in raised.value.errors] == fields
    assert {e.row for e in raised.value.errors} == {4}


def test_a_set_lists_each_destination_and_kind_once() -> None:
    fact = fact_from(VAT)
    with pytest.raises(RowErrors) as raised:
        validated([fact, fact])
    assert [(e.field, e.row) for e in raised.value.errors] == [("region", 2)]


def test_the_shipped_defaults_are_valid_and_dated() -> None:
    defaults = packaged_defaults()
    assert {(f.region, f.kind) for f in defaults} == {
        ("EU", RuleKind.VAT_AT_CHECKOUT),
        ("US", RuleKind.NO_DE_MINIMIS),
    }
    us = next(f for f in defaults if f.region == "US")
    assert us.since == date(2025, 8, 29) and us.source_url.startswith("https://www.cbp.gov/")
    assert validated(list(defaults)) == list(defaults)


def test_a_country_gets_its_own_rule_before_the_eus_and_a_store_overrides() -> None:
    defaults = list(packaged_defaults())
    assert len(EU) == 27
    walked = {c: fact_for(defaults, c) for c in ("ES", "de", "US", "GB", "CH", None)}
    assert {c: f.region if f else None for c, f in walked.items()} == {
        "ES": "EU", "de": "EU", "US": "US", "GB": None, "CH": None, None: None,
    }  # fmt: skip
    spain = CustomsFact("ES", RuleKind.VAT_AT_CHECKOUT, "own", "AEAT", "https://a.es",
                        date(2026, 12, 1), 150, "EUR")  # fmt: skip
    mine = effective(defaults, [spain])
    assert fact_for(mine, "ES") == spain and fact_for(mine, "FR") is not None
    assert len(mine) == 3
    eu_again = CustomsFact("EU", RuleKind.VAT_AT_CHECKOUT, "own", "EC", "https://e.eu",
                           date(2026, 12, 1), 120, "EUR")  # fmt: skip
    assert [f.threshold for f in effective(defaults, [eu_again]) if f.region == "EU"] == [120]


# --- the duty answers ------------------------------------------------------------------

CATALOGUE = packaged_catalogue()


def _answers(country: str, stage: str, now: datetime) -> dict[str, str]:
    detail = ConversationDetail(
        id=1, store_id=1, store_code="ali-global", store_name="Sunrise", platform="aliexpress",
        origin="order_detail", stage=stage, status="open", unread=True, colour_mark=None,
        assignee_id=None, assignee_name=None, language="en", priority_reasons=(),
        intent="customs_duty", mood=(), waiting_since=None, created_at=now,
        buyer=BuyerView(1, "Ana García", country, "en", None, None, "new", 1, 0, None),
        order=None, products=[], messages=[], store_timezone="Asia/Shanghai",
    )  # fmt: skip
    ctx = context_for(detail, ShopFacts(), now, customs=list(packaged_defaults()))
    choice = choose(
        CATALOGUE, ctx, intent="customs_duty", stage=stage, language="en", agent_language="zh",
        formatter=BabelFormatter(), limit=5,
    )  # fmt: skip
    return {o.template.key: o.shown.text for o in choice.offered}


def test_the_duty_answer_states_the_destinations_rule_its_source_and_date() -> None:
    now = datetime(2026, 12, 8, 3, 0, tzinfo=UTC)
    spain = _answers("ES", "pre_sale", now)
    assert {"customs_vat_at_checkout", "customs_may_apply"} <= set(spain)
    assert "€150.00" in spain["customs_vat_at_checkout"]
    assert "European Commission (as of December 6, 2026)" in spain["customs_vat_at_checkout"]
    us = _answers("US", "after_sale", now)
    assert "Since August 29, 2025" in us["customs_no_de_minimis"]
    assert "customs_duties_charged" in us  # the apology with a discount stays offered
    assert "http" not in us["customs_no_de_minimis"]  # marketplaces refuse links
    assert list(_answers("GB", "pre_sale", now)) == ["customs_may_apply"]


def test_a_fact_not_yet_known_on_the_stores_today_is_not_stated() -> None:
    before = datetime(2026, 12, 5, 15, 0, tzinfo=UTC)  # 5 Dec 23:00 in Shanghai
    assert "customs_vat_at_checkout" not in _answers("ES", "pre_sale", before)


# --- "can you ship it with Y?" ----------------------------------------------------------


def _shipping(text: str, facts: ShopFacts) -> dict[str, str]:
    now = datetime(2026, 12, 8, 3, 0, tzinfo=UTC)
    message = MessageView(1, "buyer", now, text, "en", False, None, [], None)
    detail = ConversationDetail(
        id=1, store_id=1, store_code="ali-global", store_name="Sunrise", platform="aliexpress",
        origin="product_page", stage="pre_sale", status="open", unread=True, colour_mark=None,
        assignee_id=None, assignee_name=None, language="en", priority_reasons=(),
        intent="shipping_method", mood=(), waiting_since=None, created_at=now,
        buyer=BuyerView(1, "Ana García", "GB", "en", None, None, "new", 1, 0, None),
        order=None, products=[], messages=[message], store_timezone="Asia/Shanghai",
    )  # fmt: skip
    choice = choose(
        CATALOGUE, context_for(detail, facts, now), intent="shipping_method", stage="pre_sale",
        language="en", agent_language="zh", formatter=BabelFormatter(), limit=5,
    )  # fmt: skip
    return {o.template.key: o.shown.text for o in choice.offered}


def test_a_carrier_the_store_does_not_offer_gets_the_stores_methods() -> None:
    offered = _shipping("Can you send it with Royal Mail please?", ShopFacts())
    text = offered["shipping_carrier_not_offered"]
    assert "we cannot ship with Royal Mail" in text
    assert "China Post Air Mail, UPS, and DHL" in text
    assert "shipping_carrier_not_offered" not in _shipping("Can you use DHL Express?", ShopFacts())
    assert "shipping_carrier_not_offered" not in _shipping("How long does it take?", ShopFacts())
    own = ShopFacts(free_method="Cainiao Standard", express_methods=("FedEx",))
    assert "we cannot ship with DHL" in _shipping("DHL?", own)["shipping_carrier_not_offered"]
