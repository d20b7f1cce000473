"""Bringing in the shop's own products, orders, parcels, tracking and currency rates from
files and the API (SPEC §9, §10; docs/imports.md).

A file goes: columns mapped to fields (the store's remembered mapping, else one suggested
from the headers; previewed before anything is written) → each row parsed → rows grouped
into records (an order's lines, a parcel's events) → records written a chunk at a time,
each chunk one transaction (kefu.services.upserts). Good rows are kept, bad rows reported
with row, field, reason and value; progress is reported by bytes read.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Collection, Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from kefu.domain.carriers import NumberCheck, check_number
from kefu.domain.errors import FieldError, InvalidInput, NotFound
from kefu.domain.permissions import Permission
from kefu.domain.shopdata import (
    FIELDS,
    CellError,
    Context,
    Kind,
    ParsedRow,
    mapping_problems,
    parse_decimal,
    parse_fields,
    parse_row,
    suggest_mapping,
)
from kefu.services import access
from kefu.services.access import Principal
from kefu.services.ports import (
    Clock,
    ConcurrentWriteError,
    ImportRunView,
    PendingParcelOut,
    StoreRef,
    TableError,
    TableRow,
    TableSource,
    UnitOfWork,
)
from kefu.services.upserts import DETAIL_FIELDS, WRITERS, ImportReport, Rates, Unit

log = logging.getLogger("kefu.imports")

# Rows per transaction: big enough for few round trips, small enough that agents' writes
# get the database between chunks.
CHUNK_ROWS = 5000
MAX_ATTEMPTS = 3  # a chunk that lost a race on a unique key is written again
PREVIEW_ROWS = 10
MAX_API_ITEMS = 5000
MAX_ERRORS_KEPT = 100_000  # a file of nothing but errors still reports, within reason
_DETAIL_LISTS = {Kind.ORDERS: "lines", Kind.PARCELS: "events"}
_DETAIL_KEYS = {
    "lines": {
        "sku": "line_sku",
        "title": "line_title",
        "quantity": "line_quantity",
        "price": "line_price",
    },
    "events": {
        "time": "event_time",
        "status": "event_status",
        "location": "event_location",
        "description": "event_description",
    },
}


@dataclass(frozen=True)
class Reference:
    """Lists a library keeps, passed in by the composition root (kefu.adapters.formatting)."""

    currency_digits: Mapping[str, int]
    countries: Collection[str]
    check_number: Callable[[str], NumberCheck] = check_number


# Told bytes done and bytes in all after each chunk.
ProgressFn = Callable[[int, int], None]


def _context(store: StoreRef, ref: Reference, *, platform: bool = False) -> Context:
    return Context(
        ZoneInfo(store.timezone),
        store.currency,
        ref.currency_digits,
        ref.countries,
        ref.check_number,
        refuse_malformed_numbers=not platform,
    )


def _kind(kind: str) -> Kind:
    try:
        return Kind(kind)
    except ValueError:
        raise InvalidInput(
            f"unknown kind {kind!r}; one of {', '.join(k.value for k in Kind)}", kind=kind
        ) from None


def _import_store(uow: UnitOfWork, who: Principal, code: str) -> StoreRef:
    access.require(who, Permission.IMPORT_DATA)
    store = access.store(uow, who, code, archived=True)
    if store.archived_at is not None:
        raise InvalidInput(
            f"store {store.code} is archived; restore it to import into it", store=store.code
        )
    return store


# mapping and preview


@dataclass(frozen=True)
class PreviewRow:
    row: int
    values: dict[str, str]  # field -> the cell as given
    errors: list[FieldError]


@dataclass(frozen=True)
class Preview:
    columns: list[str]
    mapping: dict[str, str]
    remembered: bool  # the mapping is the one saved for this store and kind
    fields: list[str]
    required: list[str]
    problems: list[str]
    rows: list[PreviewRow] = field(default_factory=list)


def mapping_for(
    who: Principal, store: str, kind: str, columns: list[str] | None, *, uow: UnitOfWork
) -> tuple[dict[str, str], bool]:
    """The store's remembered mapping when its columns are all in the file, else one
    suggested from the headers. Without columns (no file at hand): the remembered one,
    else none."""
    k = _kind(kind)
    with uow:
        saved = uow.shopdata.mapping(_import_store(uow, who, store).id, k.value)
    if saved and (columns is None or all(column in columns for column in saved.values())):
        return saved, True
    return suggest_mapping(k, columns or []), False


def preview(
    who: Principal,
    store: str,
    kind: str,
    table: TableSource,
    *,
    uow: UnitOfWork,
    ref: Reference,
    mapping: Mapping[str, str] | None = None,
) -> Preview:
    """The first rows as they would be read, with every problem, before anything is written."""
    k = _kind(kind)
    with uow:
        found = _import_store(uow, who, store)
    if mapping is None:
        chosen, remembered = mapping_for(who, store, kind, table.columns, uow=uow)
    else:
        chosen, remembered = dict(mapping), False
    ctx = _context(found, ref)
    rows: list[PreviewRow] = []
    for raw in table.rows():
        if len(rows) >= PREVIEW_ROWS:
            break
        if raw.problem is not None:
            rows.append(
                PreviewRow(raw.number, {}, [FieldError("(row)", raw.problem, row=raw.number)])
            )
            continue
        for cells in _flatten(k, raw.cells, chosen):
            parsed = parse_row(k, cells, ctx)
            rows.append(
                PreviewRow(
                    raw.number,
                    {
                        name: _shown(value)
                        for name, value in cells.items()
                        if value not in (None, "")
                    },
                    [replace(e, row=raw.number) for e in parsed.errors],
                )
            )
    return Preview(
        columns=list(table.columns),
        mapping=chosen,
        remembered=remembered,
        fields=[f.name for f in FIELDS[k]],
        required=[f.name for f in FIELDS[k] if f.key or f.required],
        problems=mapping_problems(k, chosen, table.columns),
        rows=rows,
    )


def _shown(value: object) -> str:
    return str(value)[:200]


def save_mapping(
    who: Principal,
    store: str,
    kind: str,
    mapping: Mapping[str, str],
    columns: list[str] | None,
    *,
    uow: UnitOfWork,
    clock: Clock,
) -> None:
    """Remember which column is which field for this store's files of this kind."""
    k = _kind(kind)
    problems = mapping_problems(
        k, mapping, columns if columns is not None else list(mapping.values())
    )
    if problems:
        raise InvalidInput("; ".join(problems))
    with uow:
        store_id = _import_store(uow, who, store).id
        uow.shopdata.save_mapping(store_id, k.value, dict(mapping), who.account_id, clock.now())
        uow.commit()


# importing


def _flatten(
    kind: Kind, cells: Mapping[str, Any], mapping: Mapping[str, str]
) -> list[dict[str, Any]]:
    """A row's cells by field name. A JSON object may nest an order's `lines` or a parcel's
    `events`; each becomes a row of its own, as a CSV file would have it."""
    values = {name: cells.get(column) for name, column in mapping.items()}
    nested = _DETAIL_LISTS.get(kind)
    items = cells.get(nested) if nested else None
    if not isinstance(items, list) or not items:
        return [values]
    keys = _DETAIL_KEYS[nested] if nested else {}
    out = []
    for item in items[:1000]:
        row = dict(values)
        if isinstance(item, dict):
            names = {**keys, **{n: n for n in keys.values()}}  # sku or line_sku
            row.update({names[str(k)]: v for k, v in item.items() if str(k) in names})
        out.append(row)
    return out


def _units(
    kind: Kind,
    rows: Iterator[TableRow],
    mapping: Mapping[str, str],
    ctx: Context,
    report: ImportReport,
) -> Iterator[Unit]:
    """Rows grouped into records: consecutive rows with the same key are one record (an
    order's lines as every ERP exports them), stored whole or not at all. A key seen
    again after other records is refused: its rows must be kept together."""
    key_names = [f.name for f in FIELDS[kind] if f.key]
    parse = _RowParser(kind, ctx)
    seen: set[tuple[str, ...]] = set()
    current: Unit | None = None
    for raw in rows:
        if raw.problem is not None:
            report.rows += 1
            report.rejected += 1
            report.errors.append(FieldError("(row)", raw.problem, row=raw.number))
            continue
        for cells in _flatten(kind, raw.cells, mapping):
            part = parse(raw.number, cells)
            if current is not None and part.key == current.key:
                _join(current, part)
                continue
            if current is not None:
                yield current
            if part.key in seen and kind != Kind.TRACKING:
                part.errors.append(
                    FieldError(
                        key_names[0],
                        "appears again after other records; keep a record's rows together",
                        row=raw.number,
                        value=part.key[0],
                    )
                )
            seen.add(part.key)
            current = part
    if current is not None:
        yield current


class _RowParser:
    """Rows into one-row units. An order's own cells repeat on each of its lines, so they
    are parsed once and reused while they stay the same (most of an import's work)."""

    def __init__(self, kind: Kind, ctx: Context) -> None:
        self.kind, self.ctx = kind, ctx
        self.detail_names = DETAIL_FIELDS.get(kind, ())
        self.head = tuple(f for f in FIELDS[kind] if f.name not in self.detail_names)
        self.detail = tuple(f for f in FIELDS[kind] if f.name in self.detail_names)
        self.keys = [f.name for f in FIELDS[kind] if f.key]
        self._last: tuple[tuple[Any, ...], ParsedRow] | None = None

    def __call__(self, number: int, cells: Mapping[str, Any]) -> Unit:
        given = tuple(cells.get(f.name) for f in self.head)
        if self._last is not None and self._last[0] == given:
            head = self._last[1]
        else:
            head = parse_fields(self.head, cells, self.ctx)
            self._last = (given, head)
        line = parse_fields(self.detail, cells, self.ctx) if self.detail else ParsedRow({}, [])
        detail = line.values
        problems = [*head.errors, *line.errors]
        errors = [replace(e, row=number) for e in problems]
        failed = {e.field for e in errors}
        errors += [
            FieldError(name, "is required", row=number)
            for name in self.keys
            if name not in head.values and name not in failed
        ]
        if detail or self.kind == Kind.TRACKING or failed & set(self.detail_names):
            errors += _detail_problems(self.kind, detail, number, failed)
        return Unit(
            key=tuple(str(head.values.get(name, "")) for name in self.keys),
            rows=[number],
            values=dict(head.values),
            details=[detail] if detail else [],
            has_details=bool(detail),
            errors=errors,
        )


def _join(unit: Unit, row: Unit) -> None:
    """A further row of the same record: its detail added, fields the first rows left
    empty filled."""
    if row.rows[0] not in unit.rows:
        unit.rows.append(row.rows[0])
    for name, value in row.values.items():
        unit.values.setdefault(name, value)
    unit.details += row.details
    unit.has_details = unit.has_details or row.has_details
    unit.errors += row.errors


def _detail_problems(
    kind: Kind, detail: Mapping[str, Any], row: int, failed: set[str]
) -> list[FieldError]:
    needed = (
        ("line_sku", "line_quantity", "line_price")
        if kind == Kind.ORDERS
        else ("event_time", "event_status")
    )
    return [
        FieldError(
            n,
            "is required for a line" if kind == Kind.ORDERS else "is required for an event",
            row=row,
        )
        for n in needed
        if n not in detail and n not in failed
    ]


def import_table(
    who: Principal,
    store: str,
    kind: str,
    table: TableSource,
    *,
    uow: UnitOfWork,
    clock: Clock,
    ref: Reference,
    mapping: Mapping[str, str] | None = None,
    remember: bool = False,
    source: str = "file",
    progress: ProgressFn | None = None,
    run_id: int | None = None,
) -> ImportReport:
    """Import every good row of a file; chunk by chunk, each one transaction."""
    k = _kind(kind)
    if mapping is None:
        chosen, _ = mapping_for(who, store, kind, table.columns, uow=uow)
    else:
        chosen = dict(mapping)
    problems = mapping_problems(k, chosen, table.columns)
    if problems:
        raise InvalidInput("the columns cannot be read: " + "; ".join(problems))
    with uow:
        target = _import_store(uow, who, store)
        if remember and mapping is not None:
            uow.shopdata.save_mapping(target.id, k.value, chosen, who.account_id, clock.now())
            uow.commit()
    return _import_rows(k, table, chosen, target, uow, clock, ref, source, progress, run_id)


def _import_rows(
    k: Kind,
    table: TableSource,
    chosen: Mapping[str, str],
    target: StoreRef,
    uow: UnitOfWork,
    clock: Clock,
    ref: Reference,
    source: str,
    progress: ProgressFn | None,
    run_id: int | None,
    *,
    platform: bool = False,
) -> ImportReport:
    """The rows written into a store already checked: by a person (import_table) or by
    the system (write_records, `platform`)."""
    ctx = _context(target, ref, platform=platform)
    report = ImportReport()
    loose = ImportReport()  # rows refused before they became records
    chunk: list[Unit] = []
    size = 0
    rates = Rates(uow)
    for unit in _units(k, table.rows(), chosen, ctx, loose):
        chunk.append(unit)
        size += len(unit.rows)
        if size >= CHUNK_ROWS:
            _write(k, chunk, target, ctx, uow, clock, rates, source, report, loose, run_id)
            chunk, size = [], 0
            if progress:
                progress(table.position(), table.size)
    _write(k, chunk, target, ctx, uow, clock, rates, source, report, loose, run_id)
    if progress:
        progress(table.size, table.size)
    report.errors.sort(key=lambda e: (e.row or 0, e.field))
    return report


def _write(
    kind: Kind,
    chunk: list[Unit],
    store: StoreRef,
    ctx: Context,
    uow: UnitOfWork,
    clock: Clock,
    rates: Rates,
    source: str,
    report: ImportReport,
    loose: ImportReport,
    run_id: int | None,
) -> None:
    for attempt in range(1, MAX_ATTEMPTS + 1):
        try:
            with uow:
                rates.uow = uow
                part = WRITERS[kind](chunk, store, ctx, uow, clock.now(), rates, source)
                part.add(loose)
                if run_id is not None:
                    uow.shopdata.add_run_errors(run_id, part.errors)
                    done = uow.shopdata.run(run_id)
                    if done is not None:
                        uow.shopdata.update_run(
                            run_id,
                            {k: getattr(done, k) + n for k, n in part.counts().items()},
                        )
                uow.commit()
            break
        except ConcurrentWriteError:
            # Another import (or the API) wrote one of these keys first: the chunk is
            # planned again against what is stored now, so it updates instead.
            if attempt == MAX_ATTEMPTS:
                raise
    if run_id is not None:
        part.errors = part.errors[: max(0, MAX_ERRORS_KEPT - len(report.errors))]
    report.add(part)
    loose.clear()


def upsert(
    who: Principal,
    store: str,
    kind: str,
    items: list[dict[str, Any]],
    *,
    uow: UnitOfWork,
    clock: Clock,
    ref: Reference,
) -> ImportReport:
    """The API's batch: objects keyed by field name (an order's `lines`, a parcel's
    `events` nested), numbered from 1 in the report; the same rules as a file."""
    k = _kind(kind)
    if len(items) > MAX_API_ITEMS:
        raise InvalidInput(f"at most {MAX_API_ITEMS} items per request; send the rest in another")
    names = [f.name for f in FIELDS[k]]
    table = _ItemsTable(items, names)
    return import_table(
        who,
        store,
        kind,
        table,
        uow=uow,
        clock=clock,
        ref=ref,
        mapping={n: n for n in names},
        source="api",
    )


def write_records(
    store_id: int,
    kind: str,
    items: list[dict[str, Any]],
    *,
    uow: UnitOfWork,
    clock: Clock,
    ref: Reference,
    source: str,
) -> ImportReport:
    """The system's own batch (a marketplace's order API, services/sync.py): no person
    acts, so there is no access check, but every rule of an import holds (docs/imports.md).

    Products are created, never changed: a platform's order lines name a product with the
    price one buyer paid, not the shop's price, so a product kefu knows is left to imports.
    An archived store takes nothing (as an import refuses it)."""
    k = _kind(kind)
    if len(items) > MAX_API_ITEMS:
        raise InvalidInput(f"at most {MAX_API_ITEMS} items per batch; send the rest in another")
    with uow:
        target = next((s for s in uow.queries.stores() if s.id == store_id), None)
        if target is None or target.archived_at is not None:
            raise InvalidInput(f"store {store_id} is archived or gone; nothing is written")
        known: Collection[str] = ()
        if k == Kind.PRODUCTS:
            known = uow.shopdata.products(target.id, [str(i.get("sku")) for i in items])
    numbers = [n for n, i in enumerate(items, start=1) if str(i.get("sku")) not in known]
    kept = [items[n - 1] for n in numbers]
    names = [f.name for f in FIELDS[k]]
    report = _import_rows(
        k,
        _ItemsTable(kept, names),
        {n: n for n in names},
        target,
        uow,
        clock,
        ref,
        source,
        None,
        None,
        platform=True,
    )
    report.unchanged += len(items) - len(kept)  # products kefu knows: left as they are
    # Each error names its item's place in the batch given, not in the part written.
    report.errors = [replace(e, row=numbers[e.row - 1]) if e.row else e for e in report.errors]
    return report


class _ItemsTable:
    def __init__(self, items: list[dict[str, Any]], names: list[str]) -> None:
        self.items = items
        self.columns = names
        self.size = len(items)
        self._done = 0

    def rows(self) -> Iterator[TableRow]:
        for number, item in enumerate(self.items, start=1):
            self._done = number
            if not isinstance(item, dict):
                yield TableRow(number, {}, "must be a JSON object")
                continue
            unknown = [key for key in item if key not in self.columns and key not in _DETAIL_KEYS]
            if unknown:
                yield TableRow(number, {}, f"unknown field {unknown[0]!r}")
                continue
            yield TableRow(number, item, None)

    def position(self) -> int:
        return self._done


# runs (a file uploaded through the web page, imported by a background job)


def start_run(
    who: Principal,
    store: str,
    kind: str,
    *,
    filename: str,
    path: str,
    size: int,
    options: Mapping[str, Any],
    uow: UnitOfWork,
    clock: Clock,
    place: Callable[[int], str] | None = None,
) -> int:
    """Record an uploaded file to import and ask for the job that imports it.

    `place`, when given, is told the new run's id before the run is committed (so before
    the job can start): it moves the upload where the job looks for it and returns that
    path, which replaces `path`."""
    k = _kind(kind)
    with uow:
        target = _import_store(uow, who, store)
        run_id = uow.shopdata.create_run(
            {
                "store_id": target.id,
                "kind": k.value,
                "filename": filename[:300],
                "path": path,
                "options": dict(options),
                "account_id": who.account_id,
                "status": "queued",
                "bytes_total": size,
                "bytes_done": 0,
                "rows": 0,
                "created": 0,
                "updated": 0,
                "unchanged": 0,
                "stale": 0,
                "set_aside": 0,
                "rejected": 0,
                "created_at": clock.now(),
            }
        )
        if place is not None:
            uow.shopdata.update_run(run_id, {"path": place(run_id)})
        uow.commit()
    return run_id


def run(who: Principal, run_id: int, *, uow: UnitOfWork) -> ImportRunView:
    with uow:
        access.require(who, Permission.IMPORT_DATA)
        found = uow.shopdata.run(run_id)
        if found is None or found.store_id is None or not who.sees_store(found.store_id):
            raise NotFound(f"no import {run_id}", id=run_id)
        return found


def runs(who: Principal, *, uow: UnitOfWork, limit: int = 20) -> list[ImportRunView]:
    with uow:
        access.require(who, Permission.IMPORT_DATA)
        mine = [s.id for s in access.stores(uow, who, archived=True)]
        return uow.shopdata.runs(mine, limit)


def run_errors(who: Principal, run_id: int, *, uow: UnitOfWork) -> Iterator[FieldError]:
    """Every row error of an import, in row order (streamed: the CSV report download)."""
    run(who, run_id, uow=uow)
    with uow:
        yield from uow.shopdata.run_errors(run_id)


def execute_run(
    run_id: int,
    open_table: Callable[[str, Mapping[str, Any], str], TableSource],
    *,
    uow: UnitOfWork,
    clock: Clock,
    ref: Reference,
    principal_of: Callable[[int], Principal | None],
) -> ImportRunView | None:
    """The background job: import a queued run's file as the person who uploaded it."""
    with uow:
        found = uow.shopdata.run(run_id)
        if found is None or found.status not in ("queued", "running") or found.path is None:
            return found
        # A run a dead worker left half done starts again (the import is idempotent).
        uow.shopdata.update_run(
            run_id, {"status": "running", **dict.fromkeys(ImportReport().counts(), 0)}
        )
        uow.shopdata.clear_run_errors(run_id)
        uow.commit()
    who = principal_of(found.account_id) if found.account_id is not None else None

    def tick(done: int, total: int) -> None:
        with uow:
            uow.shopdata.update_run(run_id, {"bytes_done": done})
            uow.commit()

    failure: str | None = None
    try:
        if who is None:
            raise NotFound("the account that uploaded the file is gone")
        with uow:
            code = access.store_by_id(uow, who, found.store_id or 0).code
        table = open_table(found.path, found.options, found.filename)
        try:
            import_table(
                who,
                code,
                found.kind,
                table,
                uow=uow,
                clock=clock,
                ref=ref,
                mapping=found.options.get("mapping"),
                remember=bool(found.options.get("remember")),
                source=found.filename,
                progress=tick,
                run_id=run_id,
            )
        finally:
            close = getattr(table, "close", None)
            if close is not None:
                close()
    except (TableError, InvalidInput, NotFound) as exc:
        failure = str(exc)
    except Exception as exc:  # a run never stays "running": the owner sees it failed
        log.exception("import run %s failed", run_id)
        failure = f"the import stopped on an unexpected error ({exc.__class__.__name__})"
    with uow:
        uow.shopdata.update_run(
            run_id,
            {
                "status": "failed" if failure else "done",
                "failure": failure,
                "finished_at": clock.now(),
                "bytes_done": found.bytes_total,
                "path": None,
            },
        )
        uow.commit()
        return uow.shopdata.run(run_id)


def pending_parcels(
    who: Principal, store: str, *, uow: UnitOfWork, limit: int = 200
) -> tuple[list[PendingParcelOut], int]:
    """Parcels kept aside until their order comes in (never dropped)."""
    with uow:
        access.require(who, Permission.IMPORT_DATA)
        return uow.shopdata.pending(access.store(uow, who, store, archived=True).id, limit)


# currency rates


ECB_DATE_FORMATS = ("%Y-%m-%d", "%d %B %Y")


def import_rates(
    who: Principal,
    table: TableSource,
    *,
    uow: UnitOfWork,
    clock: Clock,
    ref: Reference,
    source: str = "file",
) -> ImportReport:
    """A rate table: the ECB reference-rate CSV (Date, USD, JPY… in units per euro, daily
    or the whole history), or one rate a row (date, currency, per_usd: units per dollar)."""
    with uow:
        access.require(who, Permission.IMPORT_DATA)
    columns = [c.strip() for c in table.columns]
    lowered = [c.lower() for c in columns]
    wide = "date" in lowered and "USD" in columns
    if not wide and not {"date", "currency", "per_usd"} <= set(lowered):
        raise InvalidInput(
            "a rate table is the ECB CSV (Date, USD, JPY…) or has the columns date, "
            "currency, per_usd"
        )
    report = ImportReport()
    batch: list[tuple[str, date, float]] = []
    for raw in table.rows():
        report.rows += 1
        if raw.problem is not None:
            report.rejected += 1
            report.errors.append(FieldError("(row)", raw.problem, row=raw.number))
            continue
        cells = {str(k).strip(): v for k, v in raw.cells.items()}
        try:
            batch += _ecb_row(cells, ref) if wide else [_long_row(cells, ref)]
        except _RateProblem as problem:
            report.rejected += 1
            report.errors.append(replace(problem.error, row=raw.number))
        if len(batch) >= CHUNK_ROWS:
            _save_rates(batch, uow, report, source)
    _save_rates(batch, uow, report, source)
    return report


class _RateProblem(Exception):
    def __init__(self, field_name: str, reason: str, value: object = None) -> None:
        super().__init__(reason)
        shown = None if value is None else str(value)[:100]
        self.error = FieldError(field_name, reason, value=shown)

    @classmethod
    def of(cls, exc: CellError, column: str, value: object) -> _RateProblem:
        problem = cls(column, str(exc), value)
        problem.error = exc.error(column, problem.error.value)
        return problem


def _day(value: object) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value).strip()
    for fmt in ECB_DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise _RateProblem("date", "is not a date (2026-05-03)", value)


def _positive(value: object, column: str) -> Decimal:
    try:
        rate = parse_decimal(value)
    except CellError as exc:
        raise _RateProblem.of(exc, column, value) from None
    if rate <= 0:
        raise _RateProblem(column, "must be above zero", value)
    return rate


def _ecb_row(cells: Mapping[str, Any], ref: Reference) -> list[tuple[str, date, float]]:
    date_key = next(k for k in cells if k.lower() == "date")
    day = _day(cells[date_key])
    usd = _positive(cells.get("USD"), "USD")
    rows = [("EUR", day, float(1 / usd))]
    for column, value in cells.items():
        code = column.upper()
        if column == date_key or code == "USD" or not re.fullmatch(r"[A-Z]{3}", code):
            continue
        if value in (None, "") or str(value).strip().upper() in ("N/A", "NA", "-"):
            continue  # the ECB leaves currencies it no longer quotes empty
        if code not in ref.currency_digits:
            continue  # retired codes the ECB still lists in its history
        rows.append((code, day, float(_positive(value, column) / usd)))
    return rows


def _long_row(cells: Mapping[str, Any], ref: Reference) -> tuple[str, date, float]:
    by = {k.lower(): v for k, v in cells.items()}
    code = str(by.get("currency") or "").strip().upper()
    if code not in ref.currency_digits:
        raise _RateProblem("currency", "is not an ISO 4217 currency code", by.get("currency"))
    return code, _day(by.get("date")), float(_positive(by.get("per_usd"), "per_usd"))


def _save_rates(
    batch: list[tuple[str, date, float]], uow: UnitOfWork, report: ImportReport, source: str
) -> None:
    if not batch:
        return
    with uow:
        created, updated, unchanged = uow.shopdata.save_rates(batch, source[:32])
        uow.commit()
    report.created += created
    report.updated += updated
    report.unchanged += unchanged
    batch.clear()
