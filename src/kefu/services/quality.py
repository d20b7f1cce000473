"""The quality report (SPEC §7 red mark, §11): quality problems per product and period.

A problem is a conversation pointing at a product: today a conversation marked red (for
the product the buyer wrote from, else each product of the order's lines). Each source is
one function in SOURCES returning signals; the report merges them per product and counts
each conversation once, so the lead's after-sale cases with a quality reason join as one
more function. Days are each store's own local days, as in the KPI report.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from kefu.domain.errors import InvalidInput
from kefu.domain.permissions import Permission
from kefu.domain.stores import MAX_CODE
from kefu.services import access
from kefu.services.access import Principal
from kefu.services.ports import QualitySignal, StoreRef, UnitOfWork

MAX_DAYS = 366
# The rows the chart draws: the products with the most problems.
CHART_ROWS = 15

Source = Callable[[UnitOfWork, StoreRef, datetime, datetime], list[QualitySignal]]


def red_marks(
    uow: UnitOfWork, store: StoreRef, start: datetime, end: datetime
) -> list[QualitySignal]:
    return uow.quality.red_marked(store.id, start, end)


def quality_cases(
    uow: UnitOfWork, store: StoreRef, start: datetime, end: datetime
) -> list[QualitySignal]:
    return uow.quality.quality_cases(store.id, start, end)


SOURCES: tuple[Source, ...] = (red_marks, quality_cases)


@dataclass(frozen=True)
class QualityRow:
    store: str
    sku: str
    title: str
    conversations: int  # distinct conversations, whatever the sources
    by_source: dict[str, int]
    orders: int  # the product's orders placed in the period
    latest_conversation_id: int
    latest_at: datetime

    @property
    def share(self) -> float | None:
        """Conversations with a problem per order of the product in the period; None
        without orders (a problem about an order placed before the period)."""
        return self.conversations / self.orders if self.orders else None


@dataclass(frozen=True)
class QualityReport:
    start: date
    end: date
    store: str | None
    rows: list[QualityRow]  # most problems first

    @property
    def total(self) -> int:
        return sum(r.conversations for r in self.rows)

    def chart(self) -> dict[str, list[str] | list[int]]:
        top = self.rows[:CHART_ROWS]
        return {
            "labels": [f"{r.sku} · {r.title}"[:60] for r in top],
            "conversations": [r.conversations for r in top],
        }


def quality_report(
    who: Principal,
    *,
    start: date,
    end: date,
    store: str | None,
    uow: UnitOfWork,
    sources: tuple[Source, ...] = SOURCES,
) -> QualityReport:
    """The report over the person's stores (one of them with `store`; 404 for another)."""
    access.require(who, Permission.VIEW_REPORTS)
    if end < start:
        raise InvalidInput("'to' is before 'from'", field="to")
    if (end - start).days >= MAX_DAYS:
        raise InvalidInput(f"at most {MAX_DAYS} days at a time", field="to")
    if store and len(store) > MAX_CODE:
        raise InvalidInput(f"a store code is at most {MAX_CODE} characters", field="store")
    rows: list[QualityRow] = []
    with uow:
        if store:
            stores = [access.store(uow, who, store, archived=True)]
        else:
            stores = access.stores(uow, who, archived=True)
        for shop in stores:
            zone = ZoneInfo(shop.timezone)
            first = datetime.combine(start, time(), zone)
            after = datetime.combine(end + timedelta(days=1), time(), zone)
            signals = [s for source in sources for s in source(uow, shop, first, after)]
            rows += _merge(uow, shop, signals, first, after)
    rows.sort(key=lambda r: (-r.conversations, r.store, r.sku))
    return QualityReport(start, end, store or None, rows)


def _merge(
    uow: UnitOfWork, shop: StoreRef, signals: list[QualitySignal], first: datetime, after: datetime
) -> list[QualityRow]:
    per_product: dict[int, dict[int, QualitySignal]] = {}
    sources: dict[int, dict[str, set[int]]] = {}
    for s in signals:
        seen = per_product.setdefault(s.product_id, {})
        if s.conversation_id not in seen or s.at > seen[s.conversation_id].at:
            seen[s.conversation_id] = s
        sources.setdefault(s.product_id, {}).setdefault(s.source, set()).add(s.conversation_id)
    if not per_product:
        return []
    products = uow.quality.products(per_product.keys())
    orders = uow.quality.orders_with(shop.id, per_product.keys(), first, after)
    rows = []
    for product_id, conversations in per_product.items():
        product = products[product_id]
        latest = max(conversations.values(), key=lambda s: (s.at, s.conversation_id))
        rows.append(
            QualityRow(
                store=shop.code,
                sku=product.sku,
                title=product.title,
                conversations=len(conversations),
                by_source={k: len(v) for k, v in sorted(sources[product_id].items())},
                orders=orders.get(product_id, 0),
                latest_conversation_id=latest.conversation_id,
                latest_at=latest.at,
            )
        )
    return rows
