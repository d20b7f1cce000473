"""The sandbox Wish face's refunds and tracking changes: `PUT /api/v3/orders/{id}/refund`
and `PUT /api/v3/orders/{id}/tracking`, as kefu.adapters.marketplaces.wish_cases names
them (docs/channels.md "Cases"); refund tickets are the face's tickets with a
`refund_reason`.

It refuses what Wish refuses (400, `{"message", "code", "data"}`): an order it does not
know (1004, as for tickets: ours ⚠), a refund_reason not in RefundReason or none, an order
refunded already, a refund of an order whose refund ticket is closed (⚠ the sandbox's
reading of "no refund on a closed ticket"), a tracking change without tracking_number or
shipping_provider or on a refunded order (1001). It also answers `GET
/api/v3/orders/{id}` (GetOrder). `faults.fail_next()` makes the next write (refund,
tracking, ticket update) fail.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from kefu.adapters.marketplaces.sandbox.platform_cases import DecisionFaults
from kefu.adapters.marketplaces.sandbox.wish import Refused, _invalid
from kefu.adapters.marketplaces.wish_cases import REFUND_REASONS

if TYPE_CHECKING:
    from kefu.adapters.marketplaces.sandbox.wish import WishFace

CLOSED = ("CLOSED", "PERMANENTLY_CLOSED")


@dataclass(frozen=True)
class Seed:
    """A refund ticket to put into the face (seed_cases): a new order of `sku` for the
    buyer, and the buyer's ticket asking for a refund for `refund_reason`; `shipped` ships
    the order first (with `tracking`)."""

    buyer_name: str = "Maria Lopez"
    sku: str = "DRESS-RED-M"
    title: str = "Red dress M"
    price: str = "19.99"
    refund_reason: str = "ITEM_IS_DAMAGED"
    text: str = "The dress arrived torn, I want my money back."
    shipped: bool = True
    tracking: str = "YT2412345678"


class RefundBook:
    """The face's refunds and tracking changes; tests read them back."""

    def __init__(self, face: WishFace) -> None:
        self.face = face
        self.faults = DecisionFaults()
        self.refunds: list[tuple[str, str, str]] = []  # order id, reason, note

    def open(self, seed: Seed) -> tuple[str, str]:
        """(kefu ref of the ticket, the order id)."""
        order = self.face.orders.place(seed.buyer_name, seed.sku, seed.title, price=seed.price)
        if seed.shipped:
            self.face.orders.ship(order, seed.tracking)
        ticket = self.face.buyer_opens(
            seed.buyer_name,
            seed.text,
            subject="Refund request",
            order_id=order,
            sub_label="Refund request",
            refund_reason=seed.refund_reason,
        )
        return f"ticket:{ticket}", order

    def order(self, order_id: str) -> object:
        """`GET /api/v3/orders/{id}` (GetOrder)."""
        order = self.face.orders.orders.get(order_id)
        if order is None:
            raise Refused(400, 1004, f"We could not find an order for id: '{order_id}'")
        return order.document()

    def dispatch(self, order_id: str, verb: str, body: Mapping[str, Any]) -> object:
        order = self.face.orders.orders.get(order_id)
        if order is None:
            raise Refused(400, 1004, f"We could not find an order for id: '{order_id}'")
        if verb == "refund":
            reason = body.get("refund_reason")
            if reason not in REFUND_REASONS:
                raise _invalid("refund_reason must be one of RefundReason")
            if order.state == "REFUNDED":
                raise _invalid(f"Order {order_id} has been refunded already")
            tickets = [t for t in self.face.tickets.values() if order_id in t.orders]
            if tickets and all(t.state in CLOSED for t in tickets if t.refund_reason):
                raise _invalid(f"The refund ticket of order {order_id} is closed")
            self.face.orders.change(order_id, "REFUNDED")
            self.refunds.append((order_id, str(reason), str(body.get("refund_reason_note") or "")))
            return order.document()
        if verb == "tracking":
            if not body.get("tracking_number") or not body.get("shipping_provider"):
                raise _invalid("tracking_number and shipping_provider are required")
            if order.state == "REFUNDED":
                raise _invalid(f"Order {order_id} has been refunded: its tracking is closed")
            self.face.orders.ship(
                order_id, str(body["tracking_number"]), str(body["shipping_provider"])
            )
            return order.document()
        raise Refused(404, 1004, f"No such endpoint: PUT /api/v3/orders/{order_id}/{verb}")


def seed_cases(face: WishFace, seeds: Iterable[Seed]) -> list[tuple[str, str]]:
    """Put refund tickets into the face (the demo, end-to-end tests): (ref, order id)."""
    return [face.refunds.open(seed) for seed in seeds]
