"""Display names of the values the pages show (stage, status, marks…), translated per request.

A Python table rather than Jinja macros: macro calls cost more than the page query.
`N_` only marks the strings for extraction (`make i18n`); `gettext` translates them.
"""

from __future__ import annotations

from collections.abc import Callable


def N_(message: str) -> str:
    return message


LABELS: dict[str, dict[str, str]] = {
    "stage": {"pre_sale": N_("Pre-sale"), "in_sale": N_("In-sale"), "after_sale": N_("After-sale")},
    "status": {
        "open": N_("Open"),
        "waiting": N_("Waiting on buyer"),
        "closed": N_("Closed"),
        "unread": N_("Unread"),
    },
    "mark": {
        "yellow": N_("Yellow"),
        "blue": N_("Blue"),
        "green": N_("Green"),
        "red": N_("Red"),
        "purple": N_("Purple"),
    },
    "platform": {"aliexpress": "AliExpress", "amazon": "Amazon", "ebay": "eBay", "wish": "Wish"},
    "reason": {
        "note": N_("Order note"),
        "logistics": N_("Logistics problem"),
        "wholesale": N_("Wholesale"),
    },
    "order_status": {
        "received": N_("Received"),
        "confirmed": N_("Confirmed"),
        "paid": N_("Paid"),
        "allocated": N_("Allocated"),
        "picked": N_("Picked"),
        "shipped": N_("Shipped"),
        "delivered": N_("Delivered"),
        "completed": N_("Completed"),
        "cancelled": N_("Cancelled"),
    },
    "tracking": {
        "info_received": N_("Info received"),
        "in_transit": N_("In transit"),
        "customs": N_("In customs"),
        "customs_hold": N_("Held in customs"),
        "arrived_destination": N_("Arrived in destination country"),
        "out_for_delivery": N_("Out for delivery"),
        "awaiting_pickup": N_("Waiting at the post office"),
        "failed_delivery": N_("Delivery failed"),
        "exception": N_("Exception"),
        "returned": N_("Returned to sender"),
        "delivered": N_("Delivered"),
    },
    "buyer_kind": {
        "new": N_("New buyer"),
        "returning": N_("Returning buyer"),
        "gold": N_("Gold buyer"),
    },
    "origin": {
        "order_list": N_("Order list"),
        "order_detail": N_("Order detail"),
        "dispute": N_("Dispute"),
        "product_page": N_("Product page"),
        "store_page": N_("Store page"),
        "message_center": N_("Message center"),
        "checkout": N_("Checkout"),
        "customer_issue": N_("Customer issue"),
        "email": N_("E-mail"),
        "phone": N_("Phone"),
    },
}


def labeller(gettext: Callable[[str], str]) -> Callable[[str, str | None], str]:
    """`label(kind, value)` for templates; unknown values are shown as they are."""

    def label(kind: str, value: str | None) -> str:
        if value is None:
            return "—"
        text = LABELS[kind].get(value)
        return gettext(text) if text else value

    return label
