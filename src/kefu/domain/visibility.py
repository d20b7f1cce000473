"""Who sees a conversation (SPEC §7, docs/team.md "Stores" and "Products"), in plain Python.

This is the statement of the rule; `adapters/db/visibility.py` is the same rule as one SQL
condition, used by every list, count, detail, search, report, audit and export, and
`tests/integration/test_visibility.py` holds the two equal over generated shops.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class Viewer:
    """A person looking: the main account, or a sub-account with the stores it is given."""

    account_id: int
    is_main: bool
    store_ids: frozenset[int] = frozenset()


@dataclass(frozen=True)
class ConversationFacts:
    """What visibility needs of a conversation. `product_ids` are the products it is
    about: its own product and the products of its order's lines (never the products of
    other orders of the store, nor of other conversations)."""

    id: int
    store_id: int
    assignee_id: int | None
    product_ids: frozenset[int] = frozenset()


def about(product_id: int | None, order_line_product_ids: Iterable[int | None]) -> frozenset[int]:
    """The products a conversation is about: the one it names and those of its order's
    lines (a line of an unknown product names none)."""
    named = (product_id, *order_line_product_ids)
    return frozenset(p for p in named if p is not None)


def sees(
    viewer: Viewer, conversation: ConversationFacts, owner_of: Mapping[int, int | None]
) -> bool:
    """Whether `viewer` sees `conversation`; otherwise it is, for them, not there (404).

    The main account sees every conversation. A sub-account sees a conversation when the
    conversation's store is one of its stores and at least one of these holds:

    - the conversation is assigned to it;
    - nobody manages any product the conversation is about (or it is about none);
    - it manages one of the products the conversation is about, even if another
      sub-account manages another of them.

    So a sub-account does not see a conversation of a store not given to it, nor one about
    products only other sub-accounts manage unless it is assigned to it. `owner_of` maps a
    product id to the account that manages it (absent or None: nobody).
    """
    if viewer.is_main:
        return True
    if conversation.store_id not in viewer.store_ids:
        return False
    if conversation.assignee_id == viewer.account_id:
        return True
    managers = {owner_of.get(p) for p in conversation.product_ids} - {None}
    return not managers or viewer.account_id in managers
