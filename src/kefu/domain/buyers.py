"""Buyer kinds for the profile panel (SPEC §10): new, returning, gold."""

from __future__ import annotations

from enum import StrEnum

# A shop's best customers ("gold", SPEC §10): enough orders or enough money.
GOLD_MIN_ORDERS = 5
GOLD_MIN_VALUE_CENTS = 500_00


class BuyerKind(StrEnum):
    NEW = "new"
    RETURNING = "returning"
    GOLD = "gold"


def buyer_kind(order_count: int, value_cents: int) -> BuyerKind:
    """A buyer with at most one order is new; more makes them returning; a lot makes them gold."""
    if order_count >= GOLD_MIN_ORDERS or value_cents >= GOLD_MIN_VALUE_CENTS:
        return BuyerKind.GOLD
    if order_count >= 2:
        return BuyerKind.RETURNING
    return BuyerKind.NEW
