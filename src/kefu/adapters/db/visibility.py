"""Which conversations a sub-account may see, as one SQL condition (SPEC §7).

A sub-account sees the conversations of the stores it is given, except those about
products another sub-account manages — unless it manages one of them too, or the
conversation is assigned to it. The products of a conversation are its own product and
the products of its order's lines.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from sqlalchemy import and_, exists, or_, select

from kefu.adapters.db import tables as t


def _about(product: Any) -> Any:
    c = t.Conversation
    in_order = select(t.OrderLine.product_id).where(t.OrderLine.order_id == c.order_id)
    return or_(product.id == c.product_id, product.id.in_(in_order))


def visible_to(account_id: int, store_ids: Collection[int]) -> Any:
    c, p = t.Conversation, t.Product
    managed = exists().where(_about(p), p.owner_account_id.is_not(None))
    mine = exists().where(_about(p), p.owner_account_id == account_id)
    return and_(
        c.store_id.in_(sorted(store_ids)),
        or_(c.assignee_id == account_id, ~managed, mine),
    )
