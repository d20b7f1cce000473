"""Intent ids and their groups (SPEC §3); labels only, the classifier lives in adapters."""

from __future__ import annotations

INTENT_GROUPS: dict[str, tuple[str, ...]] = {
    "product": (
        "product_stock",
        "product_price",
        "product_size",
        "product_detail",
        "wholesale_sample",
    ),
    "logistics": ("shipping_method", "shipping_time", "order_tracking", "not_received"),
    "customs": ("customs_duty",),
    "payment": ("payment",),
    "order": ("cancel_order", "change_order"),
    "after_sale": ("refund", "return_exchange", "damaged_defective", "wrong_item", "usage_help"),
    "relationship": ("coupon_discount", "review_feedback", "complaint", "greeting_thanks"),
    "other": ("account", "other"),
}
GROUP_OF: dict[str, str] = {
    intent: group for group, intents in INTENT_GROUPS.items() for intent in intents
}
INTENTS: tuple[str, ...] = tuple(GROUP_OF)


def group_of(intent: str) -> str:
    """The group an intent belongs to; unknown intents are 'other' (handed to a person, SPEC §3)."""
    return GROUP_OF.get(intent, "other")


# Finer intents SPEC §3 names, each under one of the 24 (`intent` stays one of the 24, so
# figures stay comparable across versions; the sub-intent adds what the agent acts on).
SUB_INTENTS: dict[str, str] = {
    "short_shipment": "wrong_item",
    "not_as_described": "wrong_item",
    "low_declaration": "customs_duty",
    "customs_hold": "customs_duty",
    "invoice": "payment",
    "samples": "wholesale_sample",
}


def parent_of(sub_intent: str) -> str | None:
    """The intent a sub-intent sits under; None for an unknown name."""
    return SUB_INTENTS.get(sub_intent)
