"""The Import page (docs/imports.md): the owner or a lead picks a store and a kind, uploads
a file, checks the preview (which column is which field, the first rows with their
errors), confirms, and follows the run's progress to its report; recent imports, the
parcels set aside and the currency rates on the same page."""

from __future__ import annotations

from functools import partial
from itertools import islice
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, UploadFile

from kefu.bootstrap import Kefu
from kefu.domain.errors import DomainError, FieldError, InvalidInput
from kefu.domain.shopdata import FIELDS, Kind
from kefu.services import shop, shopdata
from kefu.services.access import Principal
from kefu.services.upserts import ImportReport
from kefu.web import uploads
from kefu.web.api.imports import (
    file_format,
    import_dir,
    read_preview,
    read_rates,
    stage_upload,
    start_and_show,
)
from kefu.web.deps import KefuDep
from kefu.web.errors import field_errors
from kefu.web.labels import N_
from kefu.web.params import Id
from kefu.web.security import DataImporter
from kefu.web.templating import render

router = APIRouter(include_in_schema=False)

KINDS = {
    "orders": N_("Orders"),
    "products": N_("Products"),
    "parcels": N_("Parcels"),
    "tracking": N_("Tracking events"),
}
STATUSES = {
    "queued": N_("waiting"),
    "running": N_("importing"),
    "done": N_("done"),
    "failed": N_("failed"),
}
FIELD_LABELS = {
    "sku": N_("SKU"),
    "title": N_("Title"),
    "price": N_("Price"),
    "currency": N_("Currency"),
    "stock": N_("Stock"),
    "weight_g": N_("Weight (g)"),
    "category": N_("Category"),
    "size_chart": N_("Size chart"),
    "owner": N_("Product owner"),
    "updated_at": N_("Last updated"),
    "order_number": N_("Order number"),
    "buyer_id": N_("Buyer ID"),
    "buyer_name": N_("Buyer name"),
    "buyer_country": N_("Buyer country"),
    "buyer_email": N_("Buyer e-mail"),
    "buyer_phone": N_("Buyer phone"),
    "status": N_("Order status"),
    "placed_at": N_("Order time"),
    "paid_at": N_("Paid time"),
    "total": N_("Order total"),
    "shipping": N_("Shipping fee"),
    "usd_rate": N_("Rate to USD"),
    "note": N_("Order note"),
    "wholesale": N_("Wholesale"),
    "promised_delivery_at": N_("Promised delivery"),
    "delivered_at": N_("Delivered time"),
    "ship_to_country": N_("Ship-to country"),
    "line_sku": N_("Line: SKU"),
    "line_title": N_("Line: title"),
    "line_quantity": N_("Line: quantity"),
    "line_price": N_("Line: unit price"),
    "tracking_number": N_("Tracking number"),
    "carrier": N_("Carrier"),
    "shipped_at": N_("Shipped time"),
    "reshipment": N_("Reshipment"),
    "event_time": N_("Event: time"),
    "event_status": N_("Event: status"),
    "event_location": N_("Event: place"),
    "event_description": N_("Event: description"),
}
# The reasons a row is refused most often, marked so the page shows them in Chinese too.
REASONS = (
    N_("is required"),
    N_("is empty"),
    N_("is not a number"),
    N_("must not be negative"),
    N_("must be a whole number"),
    N_("must be at least 1"),
    N_("is not an ISO 3166 country code (US, DE, BR…)"),
    N_("is not an ISO 4217 currency code (USD, EUR, CNY…)"),
    N_("is not an e-mail address"),
    N_("is not a phone number"),
    N_("is neither yes nor no"),
    N_("is required for a line"),
    N_("is required for an event"),
    N_("is longer than {limit} characters"),
    N_("has an unknown currency {currency}"),
    N_("is required for a new product ({fields})"),
    N_("is required for a new order ({fields})"),
    N_("is required for a new order without lines"),
    N_("is required for a new parcel"),
    N_(
        "no USD rate for {currency} on {day} or the {days} days before: import the rate table first, or give usd_rate"  # noqa: E501
    ),
    N_("not stored: row {first} of the same record"),
    N_("no parcel of store {store} has this tracking number"),
    N_("is not the user name of an active kefu account"),
    N_("appears again after other records; keep a record's rows together"),
    N_(
        "is not an order status (received, confirmed, paid, allocated, picked, shipped, delivered, completed, cancelled)"  # noqa: E501
    ),
    N_("is not a tracking status (in_transit, delivered, exception…)"),
    N_("is ambiguous (day/month or month/day?); write dates as 2026-05-03"),
    N_("is not a date and time (write 2026-05-03 14:22)"),
    N_("is not a plausible date"),
    N_("is too large to be an amount"),
    N_("must be above zero"),
)
ERRORS_SHOWN = 50


def _text(form: FormData, name: str, limit: int) -> str:
    value = form.get(name)
    return value[:limit] if isinstance(value, str) else ""


def _kind(value: str) -> str:
    if value not in KINDS:
        raise InvalidInput("choose what the file holds: products, orders, parcels or tracking")
    return value


# --- the page -----------------------------------------------------------------------------


@router.get("/imports")
def imports_page(
    request: Request,
    kefu: KefuDep,
    who: DataImporter,
    store: Annotated[str | None, Query(max_length=64)] = None,
    kind: Annotated[str | None, Query(max_length=16)] = None,
) -> Response:
    return _page(request, kefu, who, {"chosen_store": store, "chosen_kind": kind})


def _page(
    request: Request,
    kefu: Kefu,
    who: Principal,
    extra: dict[str, Any],
    status: int = 200,
) -> Response:
    stores = shop.given_stores(who, uow=kefu.uow())
    codes = [s.code for s in stores]
    chosen = extra.get("chosen_store")
    chosen = chosen if chosen in codes else (codes[0] if codes else None)
    pending, pending_total = (
        shopdata.pending_parcels(who, chosen, uow=kefu.uow(), limit=50) if chosen else ([], 0)
    )
    context = {
        "nav": "imports",
        "stores": stores,
        "kinds": KINDS,
        "statuses": STATUSES,
        "runs": shopdata.runs(who, uow=kefu.uow(), limit=20),
        "store_codes": {s.id: s.code for s in stores},
        "pending": pending,
        "pending_total": pending_total,
        "errors": [],
        **extra,
        "chosen_store": chosen,
        "chosen_kind": extra.get("chosen_kind") if extra.get("chosen_kind") in KINDS else "orders",
    }
    return render(request.app.state.templates, request, "pages/imports.html", context, status)


def _refused(
    request: Request, kefu: Kefu, who: Principal, exc: DomainError, extra: dict[str, Any]
) -> Response:
    errors = field_errors(exc)
    return _page(request, kefu, who, {**extra, "errors": errors}, 422)


# --- upload and preview -------------------------------------------------------------------


@router.post("/imports/preview")
async def upload_and_preview(request: Request, kefu: KefuDep, who: DataImporter) -> Response:
    """The file is kept (staged) for the confirm step and its first rows shown."""
    async with request.form() as form:  # closes the spooled upload afterwards
        return await _upload_and_preview(request, kefu, who, form)


async def _upload_and_preview(
    request: Request, kefu: Kefu, who: Principal, form: FormData
) -> Response:
    store, kind = _text(form, "store", 64), _text(form, "kind", 16)
    echo = {"chosen_store": store, "chosen_kind": kind}
    file = form.get("file")
    try:
        _kind(kind)
        if not isinstance(file, UploadFile) or not file.filename:
            raise InvalidInput("choose a file to upload")
        name = file.filename[:300]
        fmt = file_format(name, _text(form, "format", 8) or None)
        encoding = _encoding(_text(form, "encoding", 40))
    except DomainError as exc:
        return _refused(request, kefu, who, exc, echo)
    try:
        upload = await stage_upload(kefu, file)
    except uploads.UploadTooLarge as exc:
        limit = f"{exc.limit / 1024 / 1024:.0f} MiB"
        return _page(request, kefu, who, {**echo, "too_large": limit}, 413)
    return await _preview(request, kefu, who, upload, store, kind, name, fmt, encoding, None)


@router.post("/imports/staged/{token}")
async def confirm(request: Request, kefu: KefuDep, who: DataImporter, token: str) -> Response:
    """The preview's form: show the rows again with the mapping chosen, or import."""
    form = await request.form()
    store, kind = _text(form, "store", 64), _text(form, "kind", 16)
    echo = {"chosen_store": store, "chosen_kind": kind}
    upload = uploads.staged(import_dir(kefu), token[:64])
    if upload is None:
        error = InvalidInput("the uploaded file is gone (imported or expired); upload it again")
        return _refused(request, kefu, who, error, echo)
    try:
        _kind(kind)
        name = _text(form, "filename", 300) or "upload.csv"
        fmt = file_format(name, _text(form, "format", 8) or None)
        encoding = _encoding(_text(form, "encoding", 40))
    except DomainError as exc:
        return _refused(request, kefu, who, exc, echo)
    mapping = {
        f.name: column for f in FIELDS[Kind(kind)] if (column := _text(form, f"map_{f.name}", 200))
    }
    if form.get("action") != "import":
        return await _preview(request, kefu, who, upload, store, kind, name, fmt, encoding, mapping)
    options = {
        "mapping": mapping,
        "remember": form.get("remember") == "on",
        "encoding": encoding,
        "format": fmt,
    }
    try:
        view = await run_in_threadpool(
            partial(start_and_show, kefu=kefu), who, store, kind, upload, options, name
        )
    except DomainError as exc:
        return await _preview(
            request, kefu, who, upload, store, kind, name, fmt, encoding, mapping, exc
        )
    return RedirectResponse(f"/imports/{view.id}", status_code=303)


def _encoding(name: str) -> str | None:
    try:
        return uploads.encoding(name)
    except uploads.BadEncoding as exc:
        raise InvalidInput(str(exc), field="encoding") from None


async def _preview(
    request: Request,
    kefu: Kefu,
    who: Principal,
    upload: uploads.Staged,
    store: str,
    kind: str,
    name: str,
    fmt: str,
    encoding: str | None,
    mapping: dict[str, str] | None,
    refused: DomainError | None = None,
) -> Response:
    echo = {"chosen_store": store, "chosen_kind": kind}
    try:
        shown, table = await run_in_threadpool(
            lambda: read_preview(
                who,
                store,
                kind,
                upload,
                kefu=kefu,
                mapping=mapping,
                fmt=fmt,
                encoding=encoding,
                name=name,
            )
        )
    except DomainError as exc:
        uploads.discard(upload)
        return _refused(request, kefu, who, exc, echo)
    context = {
        "nav": "imports",
        "token": upload.token,
        "store": store,
        "kind": kind,
        "kinds": KINDS,
        "filename": name,
        "format": fmt,
        "encoding": getattr(table, "encoding", None),
        "declared_encoding": encoding or "",
        "delimiter": getattr(table, "delimiter", None),
        "preview": shown,
        "field_labels": FIELD_LABELS,
        "shown_fields": [f for f in shown.fields if f in shown.mapping],
        "errors": [FieldError("mapping", refused.message)] if refused else [],
    }
    status = 422 if refused else 200
    return render(
        request.app.state.templates, request, "pages/import_preview.html", context, status
    )


# --- a run --------------------------------------------------------------------------------


def _run_context(kefu: Kefu, who: Principal, run_id: int) -> dict[str, Any]:
    view = shopdata.run(who, run_id, uow=kefu.uow())
    finished = view.status in ("done", "failed")
    first: list[FieldError] = []
    if finished and view.errors:
        first = list(islice(shopdata.run_errors(who, run_id, uow=kefu.uow()), ERRORS_SHOWN))
    percent = int(100 * view.bytes_done / view.bytes_total) if view.bytes_total else 100
    return {
        "run": view,
        "finished": finished,
        "first_errors": first,
        "percent": 100 if finished else min(percent, 99),
        "kinds": KINDS,
        "statuses": STATUSES,
        "field_labels": FIELD_LABELS,
    }


@router.get("/imports/{run_id}")
def run_page(request: Request, kefu: KefuDep, who: DataImporter, run_id: Id) -> Response:
    context = {"nav": "imports", **_run_context(kefu, who, run_id)}
    return render(request.app.state.templates, request, "pages/import_run.html", context)


@router.get("/imports/{run_id}/progress")
def run_progress(request: Request, kefu: KefuDep, who: DataImporter, run_id: Id) -> Response:
    """The progress bar and, once the run is over, its report (HTMX polls this)."""
    context = _run_context(kefu, who, run_id)
    return render(request.app.state.templates, request, "partials/import_progress.html", context)


# --- rates --------------------------------------------------------------------------------


@router.post("/imports/rates")
async def upload_rates(request: Request, kefu: KefuDep, who: DataImporter) -> Response:
    async with request.form() as form:
        return await _upload_rates(request, kefu, who, form)


async def _upload_rates(request: Request, kefu: Kefu, who: Principal, form: FormData) -> Response:
    file = form.get("file")
    try:
        if not isinstance(file, UploadFile) or not file.filename:
            raise InvalidInput("choose a file to upload")
        name = file.filename[:300]
        fmt = file_format(name, None)
    except DomainError as exc:
        return _refused(request, kefu, who, exc, {})
    try:
        upload = await stage_upload(kefu, file)
    except uploads.UploadTooLarge as exc:
        return _page(request, kefu, who, {"too_large": f"{exc.limit / 1024 / 1024:.0f} MiB"}, 413)
    try:
        report: ImportReport = await run_in_threadpool(
            lambda: read_rates(who, upload, name, fmt, None, kefu=kefu)
        )
    except DomainError as exc:
        return _refused(request, kefu, who, exc, {})
    finally:
        uploads.discard(upload)
    return _page(request, kefu, who, {"rates_report": report, "rates_file": name})
