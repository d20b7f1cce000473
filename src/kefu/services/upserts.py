"""How rows of products, orders, parcels and tracking events become stored records.

Each function takes one chunk of parsed units and writes it in the caller's transaction:
a record that does not exist is created, one that exists is changed only in the fields
the row gives and only when the row is not older than what is stored (SPEC §9), and a
row that changes nothing writes nothing — so importing the same file twice is a no-op.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from kefu.domain.errors import FieldError
from kefu.domain.shopdata import (
    EVENT_FIELDS,
    LINE_FIELDS,
    RATE_VALID_DAYS,
    CellError,
    Context,
    Kind,
    is_older,
    minor_units,
    missing_for_new,
    usd_cents,
)
from kefu.domain.tracking import IncomingEvent, TrackingSource
from kefu.domain.types import OrderStatus
from kefu.services import tracking
from kefu.services.ports import (
    BuyerKey,
    StoredOrder,
    StoredProduct,
    StoreRef,
    UnitOfWork,
)


@dataclass
class ImportReport:
    """What an import did, in records (an order of five lines is one), and which rows
    failed, with row, field, reason and value."""

    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    stale: int = 0  # older than what is stored: not applied
    set_aside: int = 0  # parcels whose order is not known yet
    rejected: int = 0  # rows not stored
    errors: list[FieldError] = field(default_factory=list)

    def add(self, other: ImportReport) -> None:
        self.rows += other.rows
        self.created += other.created
        self.updated += other.updated
        self.unchanged += other.unchanged
        self.stale += other.stale
        self.set_aside += other.set_aside
        self.rejected += other.rejected
        self.errors += other.errors

    def clear(self) -> None:
        self.rows = self.created = self.updated = self.unchanged = 0
        self.stale = self.set_aside = self.rejected = 0
        self.errors = []

    def counts(self) -> dict[str, int]:
        return {
            "rows": self.rows,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "stale": self.stale,
            "set_aside": self.set_aside,
            "rejected": self.rejected,
        }


@dataclass
class Unit:
    """One record's rows (an order's lines, a parcel's events) with their parsed values."""

    key: tuple[str, ...]
    rows: list[int]
    values: dict[str, Any]
    details: list[dict[str, Any]] = field(default_factory=list)  # lines or events
    has_details: bool = False
    errors: list[FieldError] = field(default_factory=list)

    @property
    def first_row(self) -> int:
        return self.rows[0]


class Rates:
    """USD rates by currency and day, read once per import (the table is small)."""

    def __init__(self, uow: UnitOfWork) -> None:
        self.uow = uow
        self._by_currency: dict[str, dict[date, float]] = {}

    def per_usd(self, currency: str, day: date) -> Decimal | None:
        if currency == "USD":
            return Decimal(1)
        table = self._by_currency.get(currency)
        if table is None:
            table = self._by_currency[currency] = self.uow.shopdata.rates(currency)
        for back in range(RATE_VALID_DAYS + 1):
            rate = table.get(day - timedelta(days=back))
            if rate is not None:
                return Decimal(str(rate))
        return None


Write = Callable[[list[Unit], StoreRef, Context, UnitOfWork, datetime, Rates, str], ImportReport]


def _fail(unit: Unit, report: ImportReport, error: FieldError) -> None:
    """A record refused as a whole: the reason at its first row, a pointer at the others."""
    report.rejected += len(unit.rows)
    report.errors.append(replace(error, row=unit.first_row))
    report.errors += [_same_record(row, unit.first_row) for row in unit.rows[1:]]


def _same_record(row: int, first: int | None) -> FieldError:
    return FieldError.about(
        "(row)", "not stored: row {first} of the same record", row=row, first=first
    )


def _good(units: list[Unit], report: ImportReport) -> list[Unit]:
    """The units without errors; the others are reported as rejected."""
    for u in units:
        if u.errors:
            _reject(u, report)
    return [u for u in units if not u.errors]


def _reject(unit: Unit, report: ImportReport) -> None:
    """A record with any bad row is stored not at all (never half an order)."""
    report.rejected += len(unit.rows)
    report.errors += unit.errors
    bad = {e.row for e in unit.errors}
    for row in unit.rows:
        if row not in bad and unit.errors:
            report.errors.append(_same_record(row, unit.errors[0].row))


# products

_PRODUCT_DEFAULTS: dict[str, Any] = {"category": "", "stock": 0, "weight_g": 0, "size_chart": None}
_PRODUCT_AS_GIVEN = ("title", "category", "stock", "weight_g", "size_chart")


def _product_columns(
    v: Mapping[str, Any],
    before: StoredProduct | None,
    store: StoreRef,
    ctx: Context,
    owners: Mapping[str, int],
) -> dict[str, Any]:
    if before is None and (missing := missing_for_new(Kind.PRODUCTS, v)):
        raise _RowProblem(
            FieldError.about(
                missing[0], "is required for a new product ({fields})", fields=", ".join(missing)
            )
        )
    currency = str(
        v.get("currency") or (before.values["currency"] if before else None) or store.currency
    )
    columns: dict[str, Any] = {name: v[name] for name in _PRODUCT_AS_GIVEN if name in v}
    if "price" in v:
        try:
            columns["price_cents"] = minor_units(v["price"], currency, ctx)
        except CellError as exc:
            raise _RowProblem(exc.error("currency", currency)) from None
    if "owner" in v:
        owner = owners.get(str(v["owner"]))
        if owner is None:
            raise _RowProblem(
                FieldError(
                    "owner", "is not the user name of an active kefu account", value=str(v["owner"])
                )
            )
        columns["owner_account_id"] = owner
    if "currency" in v or before is None:
        columns["currency"] = currency
    return columns


def write_products(
    units: list[Unit],
    store: StoreRef,
    ctx: Context,
    uow: UnitOfWork,
    now: datetime,
    rates: Rates,
    source: str,
) -> ImportReport:
    report = ImportReport(rows=sum(len(u.rows) for u in units))
    good = _good(units, report)
    stored = uow.shopdata.products(store.id, [u.key[0] for u in good])
    owners = uow.shopdata.account_ids({str(u.values["owner"]) for u in good if "owner" in u.values})
    new: list[dict[str, Any]] = []
    changes: list[tuple[int, dict[str, Any]]] = []
    for u in good:
        v = u.values
        before = stored.get(u.key[0])
        if before is not None and is_older(v.get("updated_at"), before.source_updated_at):
            report.stale += 1
            continue
        try:
            columns = _product_columns(v, before, store, ctx, owners)
        except _RowProblem as problem:
            _fail(u, report, problem.error)
            continue
        if before is None:
            new.append(
                {
                    "sku": u.key[0],
                    **_PRODUCT_DEFAULTS,
                    "source_updated_at": v.get("updated_at"),
                    **columns,
                }
            )
            report.created += 1
            continue
        diff = {k: val for k, val in columns.items() if before.values.get(k) != val}
        write = _with_source_time(diff, v.get("updated_at"), before.source_updated_at)
        if write:
            changes.append((before.id, write))
        if diff:
            report.updated += 1
        else:
            report.unchanged += 1
    uow.shopdata.insert_products(store.id, new)
    uow.shopdata.update_products(changes)
    return report


# orders


def _order_currency(v: Mapping[str, Any], before: StoredOrder | None, store: StoreRef) -> str:
    return str(
        v.get("currency") or (before.values["currency"] if before else None) or store.currency
    )


def _lines(
    u: Unit, currency: str, ctx: Context, product_ids: Mapping[str, int]
) -> list[dict[str, Any]]:
    return [
        {
            "sku": d["line_sku"],
            "title": d.get("line_title") or d["line_sku"],
            "quantity": d["line_quantity"],
            "unit_price_cents": minor_units(d["line_price"], currency, ctx),
            "product_id": product_ids.get(d["line_sku"]),
        }
        for d in u.details
    ]


_ORDER_AS_GIVEN = (
    "note",
    "ship_to_country",
    "placed_at",
    "paid_at",
    "promised_delivery_at",
    "delivered_at",
    "buyer_email",
    "buyer_phone",
)


@dataclass
class _OrderPlan:
    new: list[tuple[Unit, dict[str, Any], list[dict[str, Any]]]] = field(default_factory=list)
    changes: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    lines: dict[int, list[dict[str, Any]]] = field(default_factory=dict)  # replace these
    new_lines: dict[int, list[dict[str, Any]]] = field(default_factory=dict)  # new orders'


def write_orders(
    units: list[Unit],
    store: StoreRef,
    ctx: Context,
    uow: UnitOfWork,
    now: datetime,
    rates: Rates,
    source: str,
) -> ImportReport:
    report = ImportReport(rows=sum(len(u.rows) for u in units))
    good = _good(units, report)
    stored = uow.shopdata.orders(store.id, [u.key[0] for u in good])
    product_ids = uow.shopdata.product_ids(
        store.id, {d["line_sku"] for u in good for d in u.details}
    )
    plan = _OrderPlan()
    for u in good:
        try:
            _plan_order(u, stored.get(u.key[0]), store, ctx, rates, product_ids, plan, report)
        except _RowProblem as problem:
            _fail(u, report, problem.error)
    if plan.new:
        _insert_orders(plan, store, uow, now)
    uow.shopdata.update_orders(plan.changes)
    uow.shopdata.replace_lines(plan.lines)
    uow.shopdata.add_lines(plan.new_lines)
    return report


def _plan_order(
    u: Unit,
    before: StoredOrder | None,
    store: StoreRef,
    ctx: Context,
    rates: Rates,
    product_ids: Mapping[str, int],
    plan: _OrderPlan,
    report: ImportReport,
) -> None:
    v = u.values
    if before is not None and is_older(
        v.get("updated_at"),
        before.source_updated_at,
        incoming_status=v.get("status"),
        stored_status=OrderStatus(before.values["status"]),
    ):
        report.stale += 1
        return
    if before is None and (missing := missing_for_new(Kind.ORDERS, v)):
        raise _RowProblem(
            FieldError.about(
                missing[0], "is required for a new order ({fields})", fields=", ".join(missing)
            )
        )
    columns = _order_columns(u, before, _order_currency(v, before, store), ctx, rates, product_ids)
    lines = columns.pop("(lines)")
    if before is None:
        plan.new.append((u, columns, lines or []))
        report.created += 1
        return
    diff = {k: val for k, val in columns.items() if before.values.get(k) != val}
    lines_changed = lines is not None and [
        (ln["sku"], ln["title"], ln["quantity"], ln["unit_price_cents"]) for ln in lines
    ] != [(s.sku, s.title, s.quantity, s.unit_price_cents) for s in before.lines]
    write = _with_source_time(diff, v.get("updated_at"), before.source_updated_at)
    if write:
        plan.changes.append((before.id, write))
    if lines_changed:
        plan.lines[before.id] = lines or []
    if diff or lines_changed:
        report.updated += 1
    else:
        report.unchanged += 1


def _with_source_time(
    diff: dict[str, Any], incoming: datetime | None, stored: datetime | None
) -> dict[str, Any]:
    """A newer source time is recorded even when nothing else changed, so an older row
    that comes later is still recognised as older."""
    if incoming is not None and incoming != stored:
        return {**diff, "source_updated_at": incoming}
    return diff


def _insert_orders(plan: _OrderPlan, store: StoreRef, uow: UnitOfWork, now: datetime) -> None:
    keys = [
        BuyerKey(
            store.id,
            str(u.values.get("buyer_id") or u.values["buyer_email"]),
            u.values.get("buyer_name"),
            u.values.get("buyer_country") or u.values.get("ship_to_country"),
            None,
        )
        for u, _, _ in plan.new
    ]
    # A buyer with several new orders in the chunk is one buyer.
    unique = {(k.store_id, k.platform_buyer_id): k for k in keys}
    buyers = uow.inbox.ensure_buyers(list(unique.values()), now)
    ids = uow.shopdata.insert_orders(
        store.id,
        [
            {
                "order_number": u.key[0],
                "buyer_id": buyers[(store.id, key.platform_buyer_id)],
                "source_updated_at": u.values.get("updated_at"),
                **{"shipping_cents": 0, "is_wholesale": False, **columns},
            }
            for (u, columns, _), key in zip(plan.new, keys, strict=True)
        ],
    )
    for u, _, lines in plan.new:
        if lines:
            plan.new_lines[ids[u.key[0]]] = lines
    _attach_pending(uow, store, ids, now)


def _per_usd(usd_rate: Decimal | None, currency: str, moment: datetime, rates: Rates) -> Decimal:
    """The platform's own rate for the order (dollars per unit), else the rate table's on
    the day it was paid; never a silent 1:1."""
    if usd_rate is not None:
        return Decimal(1) / usd_rate
    found = rates.per_usd(currency, moment.date())
    if found is None:
        raise _RowProblem(
            FieldError.about(
                "currency",
                "no USD rate for {currency} on {day} or the {days} days before: import the "
                "rate table first, or give usd_rate",
                value=currency,
                currency=currency,
                day=moment.date().isoformat(),
                days=RATE_VALID_DAYS,
            )
        )
    return found


class _RowProblem(Exception):
    """Why a record cannot be stored (the row is set by whoever reports it)."""

    def __init__(self, error: FieldError) -> None:
        super().__init__(error.reason)
        self.error = error


def _order_columns(
    u: Unit,
    before: StoredOrder | None,
    currency: str,
    ctx: Context,
    rates: Rates,
    product_ids: Mapping[str, int],
) -> dict[str, Any]:
    v = u.values
    old = before.values if before else {}
    columns: dict[str, Any] = {}
    columns.update({name: v[name] for name in _ORDER_AS_GIVEN if name in v})
    if "status" in v:
        columns["status"] = OrderStatus(v["status"]).value
    if "wholesale" in v:
        columns["is_wholesale"] = v["wholesale"]
    if "currency" in v or before is None:
        columns["currency"] = currency
    try:
        lines = _lines(u, currency, ctx, product_ids) if u.has_details else None
        if "shipping" in v:
            columns["shipping_cents"] = minor_units(v["shipping"], currency, ctx)
        if "total" in v:
            columns["total_cents"] = minor_units(v["total"], currency, ctx)
        elif lines is not None:
            shipping = columns.get("shipping_cents", old.get("shipping_cents", 0))
            columns["total_cents"] = (
                sum(ln["quantity"] * ln["unit_price_cents"] for ln in lines) + shipping
            )
        elif before is None:
            raise _RowProblem(FieldError("total", "is required for a new order without lines"))
    except CellError as exc:
        raise _RowProblem(exc.error("currency", currency)) from None
    total = columns.get("total_cents", old.get("total_cents"))
    if total is not None and (
        "total_cents" in columns or "currency" in columns or "usd_rate" in v or before is None
    ):
        moment: datetime = (
            columns.get("paid_at")
            or columns.get("placed_at")
            or old.get("paid_at")
            or old["placed_at"]
        )
        columns["total_usd_cents"] = usd_cents(
            total, currency, _per_usd(v.get("usd_rate"), currency, moment, rates), ctx
        )
    columns["(lines)"] = lines
    return columns


def _attach_pending(
    uow: UnitOfWork, store: StoreRef, order_ids: Mapping[str, int], now: datetime
) -> None:
    """Parcels that came before their order join it now."""
    pending = uow.shopdata.take_pending(store.id, list(order_ids))
    if not pending:
        return
    parcel_ids = uow.shopdata.insert_parcels(
        [
            {
                "order_id": order_ids[p["order_number"]],
                "tracking_number": p["tracking_number"],
                "carrier": p["payload"]["carrier"],
                "shipped_at": _time(p["payload"].get("shipped_at")),
                "is_reshipment": bool(p["payload"].get("is_reshipment", False)),
            }
            for p in pending
        ]
    )
    tracking.record_for_parcels(
        uow,
        [
            (
                pid,
                IncomingEvent(
                    p["tracking_number"],
                    _time(e["occurred_at"]) or now,
                    e["status"],
                    e.get("description", ""),
                    e.get("location"),
                ),
            )
            for pid, p in zip(parcel_ids, pending, strict=True)
            for e in p["payload"].get("events", [])
        ],
        source=TrackingSource.IMPORT,
    )
    tracking.adopt_orphans(uow, {p["tracking_number"] for p in pending}, now)


def _time(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


# parcels and tracking


def _events(u: Unit, number: str) -> list[IncomingEvent]:
    return [
        IncomingEvent(
            number,
            d["event_time"],
            d["event_status"],
            d.get("event_description") or "",
            d.get("event_location"),
        )
        for d in u.details
    ]


def _sound_numbers(units: list[Unit], ctx: Context, report: ImportReport) -> list[Unit]:
    """Refuse a tracking number the shop typed that cannot be right (an S10 with a wrong
    check digit; a marketplace's is kept as the platform has it); a recognised number fills
    an empty carrier. Unknown shapes pass (issue 21)."""
    sound = []
    for u in units:
        number = ctx.check_number(u.key[1])
        if number.malformed and ctx.refuse_malformed_numbers:
            _fail(u, report, FieldError("tracking_number", number.malformed, value=u.key[1]))
            continue
        if "carrier" not in u.values and number.carrier_name:
            u.values["carrier"] = number.carrier_name
        sound.append(u)
    return sound


def write_parcels(
    units: list[Unit],
    store: StoreRef,
    ctx: Context,
    uow: UnitOfWork,
    now: datetime,
    rates: Rates,
    source: str,
) -> ImportReport:
    report = ImportReport(rows=sum(len(u.rows) for u in units))
    good = _sound_numbers(_good(units, report), ctx, report)
    orders = uow.shopdata.order_ids(store.id, {u.key[0] for u in good})
    stored = {
        (p.order_number, p.tracking_number): p
        for p in uow.shopdata.parcels(store.id, {u.key[1] for u in good})
    }
    aside: list[dict[str, Any]] = []
    new: list[tuple[Unit, dict[str, Any]]] = []
    changes: list[tuple[int, dict[str, Any]]] = []
    events: list[tuple[int, IncomingEvent]] = []
    touched: dict[int, Unit] = {}
    for u in good:
        v = u.values
        columns: dict[str, Any] = {k: v[k] for k in ("carrier", "shipped_at") if k in v}
        if "reshipment" in v:
            columns["is_reshipment"] = v["reshipment"]
        before = stored.get((u.key[0], u.key[1]))
        if before is None and "carrier" not in v:
            _fail(u, report, FieldError("carrier", "is required for a new parcel"))
            continue
        if u.key[0] not in orders:
            aside.append(
                {
                    "order_number": u.key[0],
                    "tracking_number": u.key[1],
                    "source": f"{source} row {u.first_row}"[:300],
                    "payload": {
                        "carrier": v["carrier"] if before is None else before.values["carrier"],
                        "shipped_at": v["shipped_at"].isoformat() if "shipped_at" in v else None,
                        "is_reshipment": bool(v.get("reshipment", False)),
                        "events": [
                            {
                                "occurred_at": e.occurred_at.isoformat(),
                                "status": e.code,
                                "location": e.location,
                                "description": e.description,
                            }
                            for e in _events(u, u.key[1])
                        ],
                    },
                }
            )
            continue
        if before is None:
            new.append(
                (
                    u,
                    {
                        "order_id": orders[u.key[0]],
                        "tracking_number": u.key[1],
                        "is_reshipment": False,
                        "shipped_at": None,
                        **columns,
                    },
                )
            )
            continue
        diff = {k: val for k, val in columns.items() if before.values.get(k) != val}
        if diff:
            changes.append((before.id, diff))
        touched[before.id] = u
        events += [(before.id, e) for e in _events(u, u.key[1])]
        u.values["(changed)"] = bool(diff)
    set_aside = uow.shopdata.set_aside(store.id, aside, now)
    report.set_aside += set_aside
    report.unchanged += len(aside) - set_aside  # already set aside by an earlier import
    ids = uow.shopdata.insert_parcels([row for _, row in new])
    for pid, (u, _) in zip(ids, new, strict=True):
        events += [(pid, e) for e in _events(u, u.key[1])]
    report.created += len(new)
    uow.shopdata.update_parcels(changes)
    added = tracking.record_for_parcels(uow, events, source=TrackingSource.IMPORT).per_parcel
    tracking.adopt_orphans(uow, {row["tracking_number"] for _, row in new}, now)
    # A parcel counts as updated when its fields changed or it gained an event.
    for pid, u in touched.items():
        if u.values.get("(changed)") or added.get(pid):
            report.updated += 1
        else:
            report.unchanged += 1
    return report


def write_tracking(
    units: list[Unit],
    store: StoreRef,
    ctx: Context,
    uow: UnitOfWork,
    now: datetime,
    rates: Rates,
    source: str,
) -> ImportReport:
    report = ImportReport(rows=sum(len(u.rows) for u in units))
    good = _good(units, report)
    known = {
        p.tracking_number
        for p in uow.tracking.parcels_by_number({u.key[0] for u in good}, store_ids=[store.id])
    }
    events: list[IncomingEvent] = []
    for u in good:
        if u.key[0] not in known:
            # Kept aside (tracking_orphans) and attached when a parcel with the number comes.
            report.set_aside += 1
            report.errors.append(
                FieldError.about(
                    "tracking_number",
                    "no parcel of store {store} has this tracking number yet: the events are "
                    "kept aside and join the parcel when it is created",
                    row=u.first_row,
                    value=u.key[0],
                    store=store.code,
                )
            )
        events += _events(u, u.key[0])
    done = tracking.record_events(
        uow, events, source=TrackingSource.IMPORT, now=now, store_ids=[store.id]
    )
    report.created += done.added
    report.unchanged += done.duplicates
    return report


WRITERS: dict[Kind, Write] = {
    Kind.PRODUCTS: write_products,
    Kind.ORDERS: write_orders,
    Kind.PARCELS: write_parcels,
    Kind.TRACKING: write_tracking,
}
# Fields that belong to a record's detail rows (an order's lines, a parcel's events).
DETAIL_FIELDS: dict[Kind, tuple[str, ...]] = {
    Kind.ORDERS: LINE_FIELDS,
    Kind.PARCELS: EVENT_FIELDS,
    Kind.TRACKING: EVENT_FIELDS,
}
