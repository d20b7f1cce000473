"""What the outgoing-text gate reads about conversations, in a few set-based queries
(automatic replies are gated inside the ingest transaction, a batch at a time)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kefu.adapters.db import tables as t
from kefu.domain.orders import tracking_link
from kefu.domain.stores import region_of_site
from kefu.services.ports import GateFacts

REVIEW_REQUEST_TEMPLATES = ("review_reminder",)


# Store sites named like countries; the rest ("global") say nothing about phone formats.
class SqlOutgoingRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def gate_facts(self, conversation_ids: Iterable[int]) -> dict[int, GateFacts]:
        ids = sorted(set(conversation_ids))
        if not ids:
            return {}
        c, s, b, o = t.Conversation, t.Store, t.Buyer, t.Order
        rows = self.session.execute(
            select(
                c.id,
                c.order_id,
                c.language,
                c.waiting_since,
                s.platform,
                s.site,
                b.country,
                b.language.label("buyer_language"),
                o.order_number,
                o.placed_at,
                o.ship_to_country,
            )
            .join(s, s.id == c.store_id)
            .join(b, b.id == c.buyer_id)
            .outerjoin(o, o.id == c.order_id)
            .where(c.id.in_(ids))
        ).all()
        orders = {r.order_id for r in rows if r.order_id is not None}
        parcels: dict[int, list[str]] = defaultdict(list)
        reviews: dict[int, int] = {}
        if orders:
            for order_id, number in self.session.execute(
                select(t.Parcel.order_id, t.Parcel.tracking_number).where(
                    t.Parcel.order_id.in_(orders)
                )
            ):
                parcels[order_id] += [number, tracking_link(number)]
            m = t.Message
            reviews = {
                order_id: int(n)
                for order_id, n in self.session.execute(
                    select(c.order_id, func.count(m.id))
                    .join(m, m.conversation_id == c.id)
                    .where(
                        c.order_id.in_(orders),
                        m.direction == "shop",
                        m.template_key.in_(REVIEW_REQUEST_TEMPLATES),
                    )
                    .group_by(c.order_id)
                )
                if order_id is not None
            }
        out = {}
        for r in rows:
            regions = [r.country, r.ship_to_country, region_of_site(r.site)]
            tokens = [r.order_number, *parcels.get(r.order_id, ())] if r.order_number else []
            out[r.id] = GateFacts(
                platform=r.platform,
                buyer_language=r.buyer_language or r.language,
                regions=tuple(dict.fromkeys(x.upper() for x in regions if x)),
                known_tokens=tuple(tokens),
                order_placed_at=r.placed_at,
                review_requests_on_order=reviews.get(r.order_id, 0),
                buyer_waiting=r.waiting_since is not None,
            )
        return out
