"""The quality report's reads (docs/reports.md "Quality report"): red-marked conversations
per product, the products' names and their orders in the period."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from datetime import datetime
from typing import TypeVar

from sqlalchemy import distinct, exists, func, select
from sqlalchemy.orm import Session

from kefu.adapters.db import tables as t
from kefu.domain.cases.model import QUALITY_REASONS
from kefu.domain.types import ColourMark
from kefu.services.ports import QualityProduct, QualitySignal

CHUNK = 500
T = TypeVar("T")


def _chunks(items: Collection[T]) -> Iterable[Sequence[T]]:
    ordered = sorted(items)  # type: ignore[type-var]
    for start in range(0, len(ordered), CHUNK):
        yield ordered[start : start + CHUNK]


class SqlQualityQueries:
    def __init__(self, session: Session) -> None:
        self.session = session

    def red_marked(self, store_id: int, start: datetime, end: datetime) -> list[QualitySignal]:
        c = t.Conversation
        rows = self.session.execute(
            select(c.id, c.product_id, c.order_id, c.created_at).where(
                c.store_id == store_id,
                c.colour_mark == ColourMark.RED.value,
                c.created_at >= start,
                c.created_at < end,
            )
        ).all()
        return self._for_products(
            [(r.id, r.created_at, r.product_id, r.order_id) for r in rows], "red_mark"
        )

    def _for_products(
        self, found: list[tuple[int, datetime, int | None, int | None]], source: str
    ) -> list[QualitySignal]:
        """Signals of (conversation, when, product, order): for the product when there is
        one, else for each product of the order's lines."""
        signals = [
            QualitySignal(product_id, conv, at, source)
            for conv, at, product_id, _ in found
            if product_id is not None
        ]
        by_order: dict[int, list[tuple[int, datetime]]] = {}
        for conv, at, product_id, order_id in found:
            if product_id is None and order_id is not None:
                by_order.setdefault(order_id, []).append((conv, at))
        line = t.OrderLine
        for part in _chunks(by_order):
            for order_id, product_id in self.session.execute(
                select(line.order_id, line.product_id)
                .where(line.order_id.in_(part), line.product_id.is_not(None))
                .distinct()
            ):
                signals += [
                    QualitySignal(int(product_id or 0), conv, at, source)
                    for conv, at in by_order[order_id]
                ]
        return signals

    def quality_cases(self, store_id: int, start: datetime, end: datetime) -> list[QualitySignal]:
        """Cases about a quality problem opened in [start, end), for the products of the
        lines they are about; without lines, as a red mark is counted: the product the
        buyer wrote from, else the products of the order."""
        c, cl, line, conv = t.Case, t.CaseLine, t.OrderLine, t.Conversation
        opened = (
            c.store_id == store_id,
            c.reason.in_(sorted(r.value for r in QUALITY_REASONS)),
            c.opened_at >= start,
            c.opened_at < end,
            c.conversation_id.is_not(None),
        )
        signals = [
            QualitySignal(int(r.product_id), int(r.conversation_id), r.opened_at, "case")
            for r in self.session.execute(
                select(c.conversation_id, c.opened_at, line.product_id)
                .join(cl, cl.case_id == c.id)
                .join(line, line.id == cl.order_line_id)
                .where(*opened, line.product_id.is_not(None))
            )
        ]
        unnamed = self.session.execute(
            select(c.conversation_id, c.opened_at, conv.product_id, c.order_id)
            .join(conv, conv.id == c.conversation_id)
            .where(*opened, ~exists().where(cl.case_id == c.id))
        ).all()
        return signals + self._for_products(
            [(int(r[0] or 0), r[1], r[2], r[3]) for r in unnamed], "case"
        )

    def products(self, product_ids: Collection[int]) -> dict[int, QualityProduct]:
        p, s = t.Product, t.Store
        out: dict[int, QualityProduct] = {}
        for part in _chunks(product_ids):
            for r in self.session.execute(
                select(p.id, s.code, p.sku, p.title)
                .join(s, s.id == p.store_id)
                .where(p.id.in_(part))
            ):
                out[r.id] = QualityProduct(r.id, r.code, r.sku, r.title)
        return out

    def orders_with(
        self, store_id: int, product_ids: Collection[int], start: datetime, end: datetime
    ) -> dict[int, int]:
        o, line = t.Order, t.OrderLine
        out: dict[int, int] = {}
        for part in _chunks(product_ids):
            for product_id, count in self.session.execute(
                select(line.product_id, func.count(distinct(o.id)))
                .join(o, o.id == line.order_id)
                .where(
                    o.store_id == store_id,
                    o.placed_at >= start,
                    o.placed_at < end,
                    line.product_id.in_(part),
                )
                .group_by(line.product_id)
            ):
                out[int(product_id or 0)] = int(count)
        return out
