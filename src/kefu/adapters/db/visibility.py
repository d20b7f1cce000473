"""Which conversations a sub-account may see, as one SQL condition (SPEC §7).

A sub-account sees the conversations of the stores it is given, except those about
products another sub-account manages — unless it manages one of them too, or the
conversation is assigned to it. The products of a conversation are its own product and
the products of its order's lines. `domain/visibility.py` states the same rule in plain
Python; the tests hold this SQL to it over generated shops.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from sqlalchemy import and_, exists, or_

from kefu.adapters.db import tables as t


def _managed_about(account_id: int | None) -> Any:
    """EXISTS a managed product the conversation is about (managed by `account_id`, or by
    anyone when None). Every subquery is tied to the outer conversation explicitly: an
    uncorrelated order-line subquery once made every conversation "about" any product
    that any order in the shop held."""
    c, p, line = t.Conversation, t.Product, t.OrderLine
    in_order = exists().where(line.order_id == c.order_id, line.product_id == p.id).correlate(c, p)
    owner = (
        p.owner_account_id.is_not(None)
        if account_id is None
        else (p.owner_account_id == account_id)
    )
    return exists().where(owner, or_(p.id == c.product_id, in_order)).correlate(c)


def visible_to(account_id: int, store_ids: Collection[int]) -> Any:
    c = t.Conversation
    return and_(
        c.store_id.in_(sorted(store_ids)),
        or_(c.assignee_id == account_id, ~_managed_about(None), _managed_about(account_id)),
    )
