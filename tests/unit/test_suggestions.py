"""Which templates are suggested for a conversation: intent first, situation must fit."""

from __future__ import annotations

import pytest

from kefu.adapters.reply_catalogue import packaged_catalogue
from kefu.domain.intents import INTENTS
from kefu.domain.suggestions import rank, tracking_situation

CATALOGUE = packaged_catalogue()


def keys(intent: str | None, stage: str | None = None, **situation: str) -> list[str]:
    if stage:
        situation["stage"] = stage
    return [
        c.template.key for c in rank(CATALOGUE, intent=intent, situation=situation, stage=stage)
    ]


def test_stock_question_with_few_left_suggests_few_left_first() -> None:
    found = keys("product_stock", "pre_sale", stock="few_left")
    assert found[0] == "stock_few_left"
    assert "stock_out_of_stock" not in found and "stock_available" not in found


def test_sold_out_product_gets_the_sold_out_template_only() -> None:
    found = keys("product_stock", "pre_sale", stock="out_of_stock")
    assert found[0] == "stock_out_of_stock"
    assert not {"stock_few_left", "stock_available"} & set(found)


SITUATIONS: list[dict[str, str]] = [
    {},
    {"stock": "in_stock", "free_shipping": "possible", "parcels": "one", "tracking": "in_transit"},
    {"stock": "few_left", "free_shipping": "not_possible", "parcels": "two", "festival": "yes"},
    {"tracking": "delivered", "sizing": "clothing"},
]


@pytest.mark.parametrize("stage", ["pre_sale", "in_sale", "after_sale", None])
def test_automatic_templates_are_never_suggested(stage: str | None) -> None:
    automatic = {t.key for t in CATALOGUE if t.automatic}
    assert automatic == {"welcome", "welcome_out_of_hours", "busy"}
    for intent in (None, *INTENTS):
        for situation in SITUATIONS:
            assert not automatic & set(keys(intent, stage, **situation)), (intent, situation)


def test_refund_question_is_not_answered_with_stock_templates() -> None:
    for stock in ("in_stock", "few_left", "out_of_stock"):
        found = keys("refund", "after_sale", stock=stock)
        assert found[0] == "after_sale_reassurance"
        assert "refund_timing" in found
        assert not [k for k in found if k.startswith("stock_")]


def test_without_an_intent_after_sale_suggests_reassurance() -> None:
    assert keys(None, "after_sale")[0] == "after_sale_reassurance"
    assert keys("other", "after_sale")[0] == "after_sale_reassurance"


def test_templates_for_other_conditions_are_left_out() -> None:
    found = keys("order_tracking", "in_sale", parcels="one", tracking="in_transit")
    assert found[0] == "tracking_in_transit"
    assert "tracking_two_parcels" not in found and "tracking_at_post_office" not in found


def test_ranking_is_deterministic() -> None:
    situation = {"stock": "few_left", "parcels": "one", "tracking": "in_transit"}
    first = keys("shipping_time", "in_sale", **situation)
    assert len(first) > 1
    for _ in range(5):
        assert keys("shipping_time", "in_sale", **dict(reversed(situation.items()))) == first
    scores = [c.score for c in rank(CATALOGUE, intent="shipping_time", situation=situation)]
    assert scores == sorted(scores, reverse=True) and len(set(scores)) == len(scores)


@pytest.mark.parametrize(
    ("status", "situation"),
    [
        ("in_transit", "in_transit"),
        ("customs", "in_transit"),
        ("out_for_delivery", "in_transit"),
        ("awaiting_pickup", "awaiting_pickup"),
        ("delivered", "delivered"),
        ("customs_hold", None),
        ("returned", None),
        ("nonsense", None),
        (None, None),
    ],
)
def test_tracking_situation(status: str | None, situation: str | None) -> None:
    assert tracking_situation(status) == situation


def test_a_thank_you_never_gets_the_complaint_or_review_answers_of_its_group() -> None:
    found = keys("greeting_thanks", "after_sale", tracking="in_transit")
    assert found[0] == "greeting"
    assert not {"after_sale_reassurance", "feedback_thanks", "price_bargaining"} & set(found)


def test_a_delivered_order_thanked_for_gets_the_review_reminder() -> None:
    assert "review_reminder" in keys("greeting_thanks", "after_sale", tracking="delivered")
    assert "review_reminder" not in keys("damaged_defective", "after_sale", tracking="delivered")


def test_without_an_intent_only_the_stage_opener_is_suggested() -> None:
    found = keys(None, "after_sale", tracking="delivered", parcels="one")
    assert found == ["after_sale_reassurance"]  # not customs duties, not a review request
