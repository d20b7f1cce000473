"""Upserts of the shop's own products, orders, parcels, tracking and rates; import runs.

Reads and writes go by chunk (a few queries per thousand rows), never row by row, so a
million-line order file imports at tens of thousands of rows a second.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterator, Mapping
from datetime import date, datetime
from typing import Any, TypeVar, cast

from sqlalchemy import Table, and_, delete, func, insert, select, tuple_, update
from sqlalchemy.orm import Session

from kefu.adapters.db import tables as t
from kefu.adapters.db.followups import request_job
from kefu.domain.errors import FieldError
from kefu.services.ports import (
    DATA_IMPORT,
    ImportRunView,
    PendingParcelOut,
    StoredLine,
    StoredOrder,
    StoredParcel,
    StoredProduct,
)

T = TypeVar("T")
# Bound parameters per IN list: well under SQLite's 32,766 and PostgreSQL's 65,535.
PART = 900
PRODUCT_COLUMNS = (
    "title",
    "category",
    "price_cents",
    "currency",
    "stock",
    "weight_g",
    "size_chart",
    "owner_account_id",
)
ORDER_COLUMNS = (
    "status",
    "total_cents",
    "shipping_cents",
    "currency",
    "total_usd_cents",
    "note",
    "is_wholesale",
    "ship_to_country",
    "placed_at",
    "paid_at",
    "promised_delivery_at",
    "delivered_at",
    "buyer_email",
    "buyer_phone",
)
PARCEL_COLUMNS = ("carrier", "shipped_at", "is_reshipment")
# Core tables for the bulk inserts: no ORM bookkeeping per row (most of an import's time).
_ORDERS = cast(Table, t.Order.__table__)
_LINES = cast(Table, t.OrderLine.__table__)
_PARCELS = cast(Table, t.Parcel.__table__)
_PRODUCTS = cast(Table, t.Product.__table__)


def _uniform(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every row with the same keys (a Core executemany binds one parameter set): a field
    one row leaves out is None in it (columns with defaults are always given)."""
    keys = {k for row in rows for k in row}
    if all(len(row) == len(keys) for row in rows):
        return rows
    return [{k: row.get(k) for k in keys} for row in rows]


def _parts(items: Collection[T]) -> Iterator[list[T]]:
    items = list(items)
    for start in range(0, len(items), PART):
        yield items[start : start + PART]


class SqlShopDataRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    # products

    def products(self, store_id: int, skus: Collection[str]) -> dict[str, StoredProduct]:
        found: dict[str, StoredProduct] = {}
        p = t.Product
        for part in _parts(skus):
            for row in self.session.execute(
                select(
                    p.id, p.sku, p.source_updated_at, *(getattr(p, c) for c in PRODUCT_COLUMNS)
                ).where(p.store_id == store_id, p.sku.in_(part))
            ):
                found[row.sku] = StoredProduct(
                    row.id, {c: getattr(row, c) for c in PRODUCT_COLUMNS}, row.source_updated_at
                )
        return found

    def insert_products(self, store_id: int, rows: list[dict[str, Any]]) -> None:
        if rows:
            self.session.execute(
                insert(_PRODUCTS), _uniform([{"store_id": store_id, **r} for r in rows])
            )

    def update_products(self, changes: list[tuple[int, dict[str, Any]]]) -> None:
        for product_id, values in changes:
            self.session.execute(update(t.Product).where(t.Product.id == product_id).values(values))

    def product_ids(self, store_id: int, skus: Collection[str]) -> dict[str, int]:
        return self._ids(t.Product.sku, t.Product.id, t.Product.store_id == store_id, skus)

    def _ids(self, key: Any, ident: Any, scope: Any, values: Collection[str]) -> dict[str, int]:
        """key -> id of the rows in `scope` whose key is one of `values`."""
        found: dict[str, int] = {}
        for part in _parts(values):
            found.update(self.session.execute(select(key, ident).where(scope, key.in_(part))).all())
        return found

    def account_ids(self, usernames: Collection[str]) -> dict[str, int]:
        return self._ids(t.Account.username, t.Account.id, t.Account.active.is_(True), usernames)

    # orders

    def orders(self, store_id: int, numbers: Collection[str]) -> dict[str, StoredOrder]:
        o = t.Order
        rows: list[Any] = []
        for part in _parts(numbers):
            rows += self.session.execute(
                select(
                    o.id,
                    o.order_number,
                    o.buyer_id,
                    o.source_updated_at,
                    t.BuyerIdentity.platform_buyer_id,
                    *(getattr(o, c) for c in ORDER_COLUMNS),
                )
                .outerjoin(
                    t.BuyerIdentity,
                    and_(
                        t.BuyerIdentity.buyer_id == o.buyer_id,
                        t.BuyerIdentity.store_id == o.store_id,
                    ),
                )
                .where(o.store_id == store_id, o.order_number.in_(part))
            ).all()
        lines: dict[int, list[StoredLine]] = defaultdict(list)
        for part in _parts([r.id for r in rows]):
            for line in self.session.execute(
                select(t.OrderLine).where(t.OrderLine.order_id.in_(part)).order_by(t.OrderLine.id)
            ).scalars():
                lines[line.order_id].append(
                    StoredLine(line.sku, line.title, line.quantity, line.unit_price_cents)
                )
        return {
            r.order_number: StoredOrder(
                id=r.id,
                buyer_id=r.buyer_id,
                platform_buyer_id=r.platform_buyer_id,
                values={c: getattr(r, c) for c in ORDER_COLUMNS},
                source_updated_at=r.source_updated_at,
                lines=tuple(lines.get(r.id, ())),
            )
            for r in rows
        }

    def order_ids(self, store_id: int, numbers: Collection[str]) -> dict[str, int]:
        return self._ids(t.Order.order_number, t.Order.id, t.Order.store_id == store_id, numbers)

    def latest_orders_by_email(self, store_id: int, emails: Collection[str]) -> dict[str, str]:
        wanted = {e.lower(): e for e in emails if e}
        found: dict[str, tuple[datetime, str]] = {}
        o = t.Order
        for part in _parts(sorted(wanted)):
            for email, number, placed in self.session.execute(
                select(func.lower(o.buyer_email), o.order_number, o.placed_at).where(
                    o.store_id == store_id, func.lower(o.buyer_email).in_(part)
                )
            ):
                if email not in found or placed > found[email][0]:
                    found[email] = (placed, number)
        return {wanted[e]: number for e, (_, number) in found.items()}

    def adopt_addresses(self, store_id: int, orders: Mapping[str, str]) -> int:
        if not orders:
            return 0
        i, o = t.BuyerIdentity, t.Order
        known = set(
            self.session.scalars(
                select(i.platform_buyer_id).where(
                    i.store_id == store_id, i.platform_buyer_id.in_(list(orders))
                )
            )
        )
        buyers = dict(
            self.session.execute(
                select(o.order_number, o.buyer_id).where(
                    o.store_id == store_id, o.order_number.in_(list(orders.values()))
                )
            ).all()
        )
        rows = [
            {"store_id": store_id, "buyer_id": buyers[number], "platform_buyer_id": address}
            for address, number in orders.items()
            if address not in known and number in buyers
        ]
        if rows:
            self.session.execute(insert(i), rows)
        return len(rows)

    def insert_orders(self, store_id: int, rows: list[dict[str, Any]]) -> dict[str, int]:
        if not rows:
            return {}
        ids = self.session.execute(
            insert(_ORDERS).returning(_ORDERS.c.id, sort_by_parameter_order=True),
            _uniform([{"store_id": store_id, **r} for r in rows]),
        ).scalars()
        return dict(zip([r["order_number"] for r in rows], ids, strict=True))

    def update_orders(self, changes: list[tuple[int, dict[str, Any]]]) -> None:
        for order_id, values in changes:
            self.session.execute(update(t.Order).where(t.Order.id == order_id).values(values))

    def replace_lines(self, lines: dict[int, list[dict[str, Any]]]) -> None:
        for part in _parts(list(lines)):
            self.session.execute(delete(t.OrderLine).where(t.OrderLine.order_id.in_(part)))
        self.add_lines(lines)

    def add_lines(self, lines: dict[int, list[dict[str, Any]]]) -> None:
        rows = [{"order_id": oid, **line} for oid, items in lines.items() for line in items]
        if rows:
            self.session.execute(insert(_LINES), rows)

    # parcels and tracking

    def parcels(self, store_id: int, tracking_numbers: Collection[str]) -> list[StoredParcel]:
        found: list[StoredParcel] = []
        p = t.Parcel
        for part in _parts(tracking_numbers):
            for row in self.session.execute(
                select(
                    p.id,
                    p.order_id,
                    t.Order.order_number,
                    p.tracking_number,
                    p.carrier,
                    p.shipped_at,
                    p.is_reshipment,
                )
                .join(t.Order, t.Order.id == p.order_id)
                .where(t.Order.store_id == store_id, p.tracking_number.in_(part))
            ):
                found.append(
                    StoredParcel(
                        row.id,
                        row.order_id,
                        row.order_number,
                        row.tracking_number,
                        {c: getattr(row, c) for c in PARCEL_COLUMNS},
                    )
                )
        return found

    def insert_parcels(self, rows: list[dict[str, Any]]) -> list[int]:
        if not rows:
            return []
        return list(
            self.session.execute(
                insert(_PARCELS).returning(_PARCELS.c.id, sort_by_parameter_order=True),
                _uniform(rows),
            ).scalars()
        )

    def update_parcels(self, changes: list[tuple[int, dict[str, Any]]]) -> None:
        for parcel_id, values in changes:
            self.session.execute(update(t.Parcel).where(t.Parcel.id == parcel_id).values(values))

    def set_aside(self, store_id: int, rows: list[dict[str, Any]], now: datetime) -> int:
        if not rows:
            return 0
        pp = t.PendingParcel
        keys = {(r["order_number"], r["tracking_number"]) for r in rows}
        have: set[tuple[str, str]] = set()
        for part in _parts(sorted(keys)):
            have.update(
                self.session.execute(
                    select(pp.order_number, pp.tracking_number).where(
                        pp.store_id == store_id,
                        tuple_(pp.order_number, pp.tracking_number).in_(part),
                    )
                ).all()
            )
        new: dict[tuple[str, str], dict[str, Any]] = {}
        for r in rows:
            key = (r["order_number"], r["tracking_number"])
            if key not in have:
                new.setdefault(key, r)
        if new:
            self.session.execute(
                insert(pp), [{"store_id": store_id, "received_at": now, **r} for r in new.values()]
            )
        return len(new)

    def take_pending(self, store_id: int, numbers: Collection[str]) -> list[dict[str, Any]]:
        pp = t.PendingParcel
        taken: list[dict[str, Any]] = []
        for part in _parts(numbers):
            rows = (
                self.session.execute(
                    select(pp).where(pp.store_id == store_id, pp.order_number.in_(part))
                )
                .scalars()
                .all()
            )
            taken += [
                {
                    "order_number": r.order_number,
                    "tracking_number": r.tracking_number,
                    "payload": r.payload,
                }
                for r in rows
            ]
            if rows:
                self.session.execute(delete(pp).where(pp.id.in_([r.id for r in rows])))
        return taken

    def pending(self, store_id: int, limit: int) -> tuple[list[PendingParcelOut], int]:
        pp = t.PendingParcel
        total = self.session.scalar(select(func.count()).where(pp.store_id == store_id)) or 0
        rows = self.session.execute(
            select(pp).where(pp.store_id == store_id).order_by(pp.received_at, pp.id).limit(limit)
        ).scalars()
        return [
            PendingParcelOut(
                r.order_number,
                r.tracking_number,
                str(r.payload.get("carrier", "")),
                r.source,
                r.received_at,
            )
            for r in rows
        ], total

    # mappings and rates

    def mapping(self, store_id: int, kind: str) -> dict[str, str] | None:
        row = self.session.get(t.ImportMapping, (store_id, kind))
        return dict(row.columns) if row is not None else None

    def save_mapping(
        self,
        store_id: int,
        kind: str,
        columns: dict[str, str],
        account_id: int | None,
        now: datetime,
    ) -> None:
        row = self.session.get(t.ImportMapping, (store_id, kind))
        if row is None:
            self.session.add(
                t.ImportMapping(
                    store_id=store_id,
                    kind=kind,
                    columns=columns,
                    account_id=account_id,
                    updated_at=now,
                )
            )
        else:
            row.columns, row.account_id, row.updated_at = columns, account_id, now
        self.session.flush()

    def rates(self, currency: str) -> dict[date, float]:
        return dict(
            self.session.execute(
                select(t.CurrencyRate.day, t.CurrencyRate.per_usd).where(
                    t.CurrencyRate.currency == currency
                )
            ).all()
        )

    def save_rates(self, rows: list[tuple[str, date, float]], source: str) -> tuple[int, int, int]:
        r = t.CurrencyRate
        have: dict[tuple[str, date], float] = {}
        for part in _parts(sorted({(c, d) for c, d, _ in rows})):
            have.update(
                {
                    (c, d): v
                    for c, d, v in self.session.execute(
                        select(r.currency, r.day, r.per_usd).where(
                            tuple_(r.currency, r.day).in_(part)
                        )
                    ).all()
                }
            )
        created = updated = unchanged = 0
        fresh: dict[tuple[str, date], float] = {}
        for currency, day, value in rows:
            old = have.get((currency, day))
            if old is None:
                if (currency, day) not in fresh:
                    created += 1
                fresh[(currency, day)] = value
            elif abs(old - value) <= 1e-12 * max(abs(old), 1.0):
                unchanged += 1
            else:
                updated += 1
                self.session.execute(
                    update(r)
                    .where(r.currency == currency, r.day == day)
                    .values(per_usd=value, source=source)
                )
        if fresh:
            self.session.execute(
                insert(r),
                [
                    {"currency": c, "day": d, "per_usd": v, "source": source}
                    for (c, d), v in fresh.items()
                ],
            )
        return created, updated, unchanged

    # runs

    def create_run(self, values: dict[str, Any]) -> int:
        run_id = int(
            self.session.execute(
                insert(t.ImportRun).returning(t.ImportRun.id), [values]
            ).scalar_one()
        )
        request_job(self.session, DATA_IMPORT, run_id=run_id)
        return run_id

    def clear_run_errors(self, run_id: int) -> None:
        self.session.execute(delete(t.ImportRowError).where(t.ImportRowError.run_id == run_id))

    def run(self, run_id: int) -> ImportRunView | None:
        row = self.session.get(t.ImportRun, run_id)
        return self._view(row) if row is not None else None

    def runs(self, store_ids: Collection[int], limit: int) -> list[ImportRunView]:
        rows = self.session.execute(
            select(t.ImportRun)
            .where(t.ImportRun.store_id.in_(list(store_ids)))
            .order_by(t.ImportRun.id.desc())
            .limit(limit)
        ).scalars()
        return [self._view(r) for r in rows]

    def _view(self, row: t.ImportRun) -> ImportRunView:
        errors = self.session.scalar(select(func.count()).where(t.ImportRowError.run_id == row.id))
        return ImportRunView(
            id=row.id,
            store_id=row.store_id,
            store_code=self.session.scalar(select(t.Store.code).where(t.Store.id == row.store_id)),
            kind=row.kind,
            filename=row.filename,
            status=row.status,
            bytes_total=row.bytes_total,
            bytes_done=row.bytes_done,
            rows=row.rows,
            created=row.created,
            updated=row.updated,
            unchanged=row.unchanged,
            stale=row.stale,
            set_aside=row.set_aside,
            rejected=row.rejected,
            failure=row.failure,
            created_at=row.created_at,
            finished_at=row.finished_at,
            account_id=row.account_id,
            path=row.path,
            options=dict(row.options or {}),
            errors=errors or 0,
        )

    def update_run(self, run_id: int, values: dict[str, Any]) -> None:
        self.session.execute(update(t.ImportRun).where(t.ImportRun.id == run_id).values(values))

    def add_run_errors(self, run_id: int, errors: list[FieldError]) -> None:
        if errors:
            self.session.execute(
                insert(t.ImportRowError),
                [
                    {
                        "run_id": run_id,
                        "row": e.row,
                        "field": e.field[:100],
                        "reason": e.reason[:500],
                        "value": None if e.value is None else e.value[:300],
                        "template": e.template[:300] if e.template else None,
                        "params": dict(e.params) if e.params else None,
                    }
                    for e in errors
                ],
            )

    def run_errors(self, run_id: int) -> Iterator[FieldError]:
        rows = self.session.execute(
            select(t.ImportRowError)
            .where(t.ImportRowError.run_id == run_id)
            .order_by(t.ImportRowError.row, t.ImportRowError.id)
            .execution_options(yield_per=2000)
        ).scalars()
        for r in rows:
            yield FieldError(
                r.field,
                r.reason,
                row=r.row,
                value=r.value,
                template=r.template,
                params=tuple((r.params or {}).items()),
            )
