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
