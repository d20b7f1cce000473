"""The shop's own data over the API (docs/imports.md): batch upserts of products, orders,
parcels and tracking events; file uploads imported in the background, with a preview
first and a CSV of the row errors after; remembered column mappings; parcels set aside;
currency rates. Everything here needs `import_data` (the owner and leads)."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from datetime import datetime
from functools import partial
from itertools import chain, islice
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi import Path as PathParam
from fastapi.responses import JSONResponse, Response, StreamingResponse
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile as StarletteUpload

from kefu.bootstrap import Kefu, open_table, write_error_csv
from kefu.domain.errors import FieldError, InvalidInput
from kefu.domain.shopdata import FIELDS, Kind
from kefu.services import shopdata
from kefu.services.access import Principal
from kefu.services.ports import ImportRunView, TableError
from kefu.services.upserts import ImportReport
from kefu.web import uploads
from kefu.web.api.stores import Code, ErrorOut
from kefu.web.deps import KefuDep
from kefu.web.params import Id
from kefu.web.security import DataImporter

# JSON batches and reads (the body limit of the message import) …
router = APIRouter(prefix="/api/v1", tags=["shop data"])
# … and file uploads (max_upload_bytes; app.py sets each router's limit).
upload_router = APIRouter(prefix="/api/v1", tags=["shop data"])

MAX_ITEMS = shopdata.MAX_API_ITEMS
FileKind = Literal["products", "orders", "parcels", "tracking"]
FileFormat = Literal["csv", "xlsx", "jsonl"]
Encoding = Annotated[
    str | None,
    Form(
        max_length=40,
        description="the file's encoding (utf-8, gb18030, big5, shift_jis, cp1252…); "
        "empty: detected",
    ),
]

ERRORS: dict[int | str, dict[str, Any]] = {
    403: {"model": ErrorOut, "description": "the role (or token) may not import shop data"},
    404: {"model": ErrorOut, "description": "no store with this code among the caller's"},
    # A domain check ({"error", "message"}) or FastAPI's request validation ({"detail"}).
    422: {"description": "an input is wrong (an archived store, an unknown field…)"},
}
TOO_LARGE: dict[int | str, dict[str, Any]] = {
    413: {"model": ErrorOut, "description": "the file (or body) is over the size limit"}
}


# --- models ---------------------------------------------------------------------------------


class RowErrorOut(BaseModel):
    row: int | None = Field(description="the row as a spreadsheet numbers it (header = 1)")
    field: str
    reason: str
    value: str | None


class ImportReportOut(BaseModel):
    rows: int = Field(description="rows read")
    created: int = Field(description="records created (an order of five lines is one)")
    updated: int
    unchanged: int = Field(description="already stored as given: sending again changes nothing")
    stale: int = Field(description="older than what is stored: not applied")
    set_aside: int = Field(description="parcels whose order is not known yet, kept aside")
    rejected: int = Field(description="rows not stored; `errors` says why")
    errors: list[RowErrorOut]


class RunLinks(BaseModel):
    self: str
    errors_csv: str
    page: str


class ImportRunOut(BaseModel):
    id: int
    store_id: int | None
    kind: str
    filename: str
    status: str = Field(description="queued, running, done or failed")
    bytes_total: int
    bytes_done: int
    rows: int
    created: int
    updated: int
    unchanged: int
    stale: int
    set_aside: int
    rejected: int
    errors: int = Field(description="row errors recorded (errors.csv lists them)")
    failure: str | None = Field(description="why the whole file failed, when it did")
    created_at: datetime
    finished_at: datetime | None
    links: RunLinks


class PreviewRowOut(BaseModel):
    row: int
    values: dict[str, str] = Field(description="field → the cell as given")
    errors: list[RowErrorOut]


class PreviewOut(BaseModel):
    encoding: str | None = Field(description="as detected or given (CSV)")
    delimiter: str | None = Field(description="as detected (CSV)")
    columns: list[str]
    mapping: dict[str, str] = Field(description="field → column")
    remembered: bool = Field(description="the mapping is the one saved for this store")
    fields: list[str]
    required: list[str] = Field(description="fields a new record needs")
    problems: list[str] = Field(description="what keeps the file from being imported as mapped")
    rows: list[PreviewRowOut]


class MappingOut(BaseModel):
    kind: str
    mapping: dict[str, str] = Field(description="field → column; empty when none is saved")
    remembered: bool
    fields: list[str]
    required: list[str]


class MappingIn(BaseModel):
    mapping: dict[str, Annotated[str, Field(max_length=200)]] = Field(
        max_length=100, description="field → the column of the shop's files that holds it"
    )
    columns: list[Annotated[str, Field(max_length=200)]] | None = Field(
        default=None,
        max_length=500,
        description="the files' header, to check the mapping against; absent: not checked",
    )


class PendingParcelItem(BaseModel):
    order_number: str
    tracking_number: str
    carrier: str
    source: str
    received_at: datetime


class PendingParcelsOut(BaseModel):
    total: int
    parcels: list[PendingParcelItem]


# --- translating ----------------------------------------------------------------------------


def error_out(e: FieldError) -> RowErrorOut:
    return RowErrorOut(row=e.row, field=e.field, reason=e.reason, value=e.value)


def report_out(report: ImportReport) -> ImportReportOut:
    return ImportReportOut(**report.counts(), errors=[error_out(e) for e in report.errors])


def run_out(view: ImportRunView) -> ImportRunOut:
    return ImportRunOut(
        id=view.id,
        store_id=view.store_id,
        kind=view.kind,
        filename=view.filename,
        status=view.status,
        bytes_total=view.bytes_total,
        bytes_done=view.bytes_done,
        rows=view.rows,
        created=view.created,
        updated=view.updated,
        unchanged=view.unchanged,
        stale=view.stale,
        set_aside=view.set_aside,
        rejected=view.rejected,
        errors=view.errors,
        failure=view.failure,
        created_at=view.created_at,
        finished_at=view.finished_at,
        links=RunLinks(
            self=f"/api/v1/imports/{view.id}",
            errors_csv=f"/api/v1/imports/{view.id}/errors.csv",
            page=f"/imports/{view.id}",
        ),
    )


def preview_out(shown: shopdata.Preview, table: Any) -> PreviewOut:
    return PreviewOut(
        encoding=getattr(table, "encoding", None),
        delimiter=getattr(table, "delimiter", None),
        columns=shown.columns,
        mapping=shown.mapping,
        remembered=shown.remembered,
        fields=shown.fields,
        required=shown.required,
        problems=shown.problems,
        rows=[
            PreviewRowOut(row=r.row, values=r.values, errors=[error_out(e) for e in r.errors])
            for r in shown.rows
        ],
    )


def too_large(limit: int) -> JSONResponse:
    return JSONResponse(
        {
            "error": "too_large",
            "message": f"the file is larger than {limit:,} bytes; "
            "import larger files with `kefu import FILE`",
            "limit_bytes": limit,
        },
        status_code=413,
    )


def parse_mapping(text: str | None) -> dict[str, str] | None:
    """The mapping form field: a JSON object field → column; empty: none given."""
    if text is None or not text.strip():
        return None
    try:
        value = json.loads(text)
    except json.JSONDecodeError:
        raise InvalidInput('mapping: is not JSON ({"field": "column"})', field="mapping") from None
    if not isinstance(value, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in value.items()
    ):
        raise InvalidInput(
            'mapping: must be a JSON object of field → column ({"sku": "货号"})', field="mapping"
        )
    return value


class BatchRefused(Exception):
    def __init__(self, status: int, error: str, message: str) -> None:
        super().__init__(message)
        self.status, self.error, self.message = status, error, message


def _items(body: bytes) -> list[dict[str, Any]]:
    """`{"items": [...]}` or a bare list of objects; anything else is named."""
    try:
        data = json.loads(body.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise BatchRefused(
            400, "bad_body", f"the body is not valid UTF-8 (byte {exc.start})"
        ) from None
    except json.JSONDecodeError as exc:
        raise BatchRefused(
            400,
            "bad_body",
            f"malformed JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}",
        ) from None
    if isinstance(data, dict) and set(data) == {"items"}:
        data = data["items"]
    if not isinstance(data, list):
        raise BatchRefused(422, "invalid_input", 'expected {"items": [...]} or a list of objects')
    if len(data) > MAX_ITEMS:
        raise BatchRefused(
            413,
            "too_large",
            f"at most {MAX_ITEMS} items per request; got {len(data)}: send the rest in another",
        )
    return data


def _item_schema(kind: Kind) -> dict[str, Any]:
    names = [f.name for f in FIELDS[kind]]
    key = next(f.name for f in FIELDS[kind] if f.key)
    required = [f.name for f in FIELDS[kind] if f.required]
    properties: dict[str, Any] = {name: {"description": name} for name in names}
    properties[key] = {"type": "string", "description": "the record's key in the store"}
    if kind == Kind.ORDERS:
        properties["lines"] = {
            "type": "array",
            "maxItems": 1000,
            "items": {
                "type": "object",
                "properties": {n: {} for n in ("sku", "title", "quantity", "price")},
            },
            "description": "the order's lines (sku, title, quantity, price)",
        }
    if kind == Kind.PARCELS:
        properties["events"] = {
            "type": "array",
            "maxItems": 1000,
            "items": {
                "type": "object",
                "properties": {n: {} for n in ("time", "status", "location", "description")},
            },
            "description": "tracking events (time, status, location, description)",
        }
    return {
        "type": "object",
        "required": [key],
        "properties": properties,
        "additionalProperties": False,
        "description": f"one record; to create it also: {', '.join(required) or 'nothing'}",
    }


def _batch_body(kind: Kind) -> dict[str, Any]:
    item = _item_schema(kind)
    listed = {"type": "array", "maxItems": MAX_ITEMS, "items": item}
    return {
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {
                    "schema": {
                        "oneOf": [
                            {
                                "type": "object",
                                "required": ["items"],
                                "properties": {"items": listed},
                                "additionalProperties": False,
                            },
                            listed,
                        ]
                    }
                }
            },
        }
    }


# --- batch upserts --------------------------------------------------------------------------


async def _upsert(request: Request, kefu: Kefu, who: Principal, code: str, kind: Kind) -> Any:
    try:
        items = _items(await request.body())
    except BatchRefused as exc:
        return JSONResponse({"error": exc.error, "message": exc.message}, status_code=exc.status)
    report = await run_in_threadpool(
        partial(shopdata.upsert, uow=kefu.uow(), clock=kefu.clock, ref=kefu.reference),
        who,
        code,
        kind.value,
        items,
    )
    return report_out(report)


_UPSERT_DESCRIPTION = (
    'Takes {{"items": [...]}} or a bare list, at most 5000 objects keyed by field name. '
    "Records are matched by store + {key}: one that exists is changed only in the fields "
    "given, and only when the item is not older than what is stored (`updated_at`); each "
    "bad item is listed with its 1-based row, field, reason and value, the good ones are "
    "kept. Sending the same batch again changes nothing (all `unchanged`)."
)
_BATCH_RESPONSES = {
    **ERRORS,
    400: {"model": ErrorOut, "description": "the body is not JSON"},
    **TOO_LARGE,
}


@router.post(
    "/stores/{code}/products",
    response_model=ImportReportOut,
    summary="Upsert products (SKU, title, price, stock, weight, size chart, owner…)",
    description=_UPSERT_DESCRIPTION.format(key="SKU"),
    openapi_extra=_batch_body(Kind.PRODUCTS),
    responses=_BATCH_RESPONSES,
)
async def upsert_products(request: Request, code: Code, kefu: KefuDep, who: DataImporter) -> Any:
    return await _upsert(request, kefu, who, code, Kind.PRODUCTS)


@router.post(
    "/stores/{code}/orders",
    response_model=ImportReportOut,
    summary="Upsert orders with their lines (status changes, notes, buyer, totals…)",
    description=_UPSERT_DESCRIPTION.format(key="order number")
    + " An order's `lines` are nested; given, they replace the stored ones.",
    openapi_extra=_batch_body(Kind.ORDERS),
    responses=_BATCH_RESPONSES,
)
async def upsert_orders(request: Request, code: Code, kefu: KefuDep, who: DataImporter) -> Any:
    return await _upsert(request, kefu, who, code, Kind.ORDERS)


@router.post(
    "/stores/{code}/parcels",
    response_model=ImportReportOut,
    summary="Upsert parcels (order, carrier, tracking number, shipped time, events)",
    description=_UPSERT_DESCRIPTION.format(key="tracking number")
    + " A parcel of an order not imported yet is kept aside (`set_aside`) and attached "
    "when the order comes.",
    openapi_extra=_batch_body(Kind.PARCELS),
    responses=_BATCH_RESPONSES,
)
async def upsert_parcels(request: Request, code: Code, kefu: KefuDep, who: DataImporter) -> Any:
    return await _upsert(request, kefu, who, code, Kind.PARCELS)


@router.post(
    "/stores/{code}/tracking-events",
    response_model=ImportReportOut,
    summary="Add tracking events to parcels (tracking number, time, status, place)",
    description=_UPSERT_DESCRIPTION.format(key="tracking number + time + status"),
    openapi_extra=_batch_body(Kind.TRACKING),
    responses=_BATCH_RESPONSES,
)
async def upsert_tracking(request: Request, code: Code, kefu: KefuDep, who: DataImporter) -> Any:
    return await _upsert(request, kefu, who, code, Kind.TRACKING)


# --- files ----------------------------------------------------------------------------------


def import_dir(kefu: Kefu) -> Path:
    return Path(kefu.settings.import_dir)


async def stage_upload(kefu: Kefu, file: StarletteUpload) -> uploads.Staged:
    limit = kefu.settings.max_upload_bytes
    return await run_in_threadpool(uploads.stage, file.file, import_dir(kefu), limit)


def read_preview(
    who: Principal,
    code: str,
    kind: str,
    upload: uploads.Staged,
    *,
    kefu: Kefu,
    mapping: dict[str, str] | None,
    fmt: str | None,
    encoding: str | None,
    name: str,
) -> tuple[shopdata.Preview, Any]:
    """Open the staged file and preview it (in a worker thread: it reads the disk)."""
    try:
        with open_table(upload.path, fmt=fmt, encoding=encoding, name=name) as table:
            shown = shopdata.preview(
                who, code, kind, table, uow=kefu.uow(), ref=kefu.reference, mapping=mapping
            )
            return shown, table
    except TableError as exc:
        raise InvalidInput(f"the file cannot be read: {exc}", field="file") from None


@upload_router.post(
    "/stores/{code}/imports/preview",
    response_model=PreviewOut,
    summary="Preview a file: its columns, the mapping, and the first rows with their errors",
    description=(
        "Nothing is written. The mapping is the one given, else the one remembered for this "
        "store and kind (when the file has its columns), else one suggested from the "
        "headers (English and Chinese ERP names). The file is deleted afterwards."
    ),
    responses={**ERRORS, **TOO_LARGE},
)
async def preview_file(
    code: Code,
    kefu: KefuDep,
    who: DataImporter,
    file: Annotated[UploadFile, File(description="CSV (any encoding), XLSX or JSONL")],
    kind: Annotated[FileKind, Form()],
    mapping: Annotated[
        str | None, Form(max_length=20_000, description='JSON {"field": "column"}')
    ] = None,
    encoding: Encoding = None,
    format: Annotated[FileFormat | None, Form(description="empty: from the name")] = None,
) -> Any:
    chosen = parse_mapping(mapping)
    declared = _encoding(encoding)
    try:
        upload = await stage_upload(kefu, file)
    except uploads.UploadTooLarge as exc:
        return too_large(exc.limit)
    try:
        shown, table = await run_in_threadpool(
            partial(
                read_preview,
                kefu=kefu,
                mapping=chosen,
                fmt=format,
                encoding=declared,
                name=file.filename or "upload.csv",
            ),
            who,
            code,
            kind,
            upload,
        )
    finally:
        uploads.discard(upload)
    return preview_out(shown, table)


def _encoding(name: str | None) -> str | None:
    try:
        return uploads.encoding(name)
    except uploads.BadEncoding as exc:
        raise InvalidInput(str(exc), field="encoding") from None


FORMAT_OF_SUFFIX = {
    "csv": "csv",
    "txt": "csv",
    "tsv": "csv",
    "xlsx": "xlsx",
    "xlsm": "xlsx",
    "jsonl": "jsonl",
    "ndjson": "jsonl",
}


def file_format(name: str, given: str | None) -> str:
    """The format given, else told by the file's name (refused when it cannot be)."""
    if given:
        return given
    found = FORMAT_OF_SUFFIX.get(Path(name).suffix.lower().lstrip("."))
    if found is None:
        raise InvalidInput(
            f"{name[:100]}: cannot tell the format from its name; give format (csv, xlsx or jsonl)",
            field="format",
        )
    return found


@upload_router.post(
    "/stores/{code}/imports",
    status_code=202,
    response_model=ImportRunOut,
    summary="Upload a file to import in the background; follow its run",
    description=(
        "The file is kept until the data_import job has read it. The answer is the run "
        "(status `queued`); GET its `links.self` for progress (bytes done of total) and "
        "the counts, and `links.errors_csv` for every row error. `remember` saves the "
        "given mapping for this store and kind."
    ),
    responses={**ERRORS, **TOO_LARGE},
)
async def start_import(
    code: Code,
    kefu: KefuDep,
    who: DataImporter,
    response: Response,
    file: Annotated[UploadFile, File(description="CSV (any encoding), XLSX or JSONL")],
    kind: Annotated[FileKind, Form()],
    mapping: Annotated[
        str | None,
        Form(max_length=20_000, description='JSON {"field": "column"}; absent: remembered'),
    ] = None,
    remember: Annotated[bool, Form(description="save the mapping for this store")] = False,
    encoding: Encoding = None,
    format: Annotated[FileFormat | None, Form(description="empty: from the name")] = None,
) -> Any:
    chosen = parse_mapping(mapping)
    declared = _encoding(encoding)
    name = (file.filename or "upload")[:300]
    fmt = file_format(name, format)
    try:
        upload = await stage_upload(kefu, file)
    except uploads.UploadTooLarge as exc:
        return too_large(exc.limit)
    view = await run_in_threadpool(
        partial(start_and_show, kefu=kefu),
        who,
        code,
        kind,
        upload,
        {"mapping": chosen, "remember": remember, "encoding": declared, "format": fmt},
        name,
    )
    response.headers["Location"] = f"/api/v1/imports/{view.id}"
    return run_out(view)


def start_and_show(
    who: Principal,
    code: str,
    kind: str,
    upload: uploads.Staged,
    options: dict[str, Any],
    name: str,
    *,
    kefu: Kefu,
) -> ImportRunView:
    """Record the run (the staged file renamed to it), then read it back."""
    try:
        run_id = shopdata.start_run(
            who,
            code,
            kind,
            filename=name,
            path=str(upload.path),
            size=upload.size,
            options=options,
            uow=kefu.uow(),
            clock=kefu.clock,
            place=uploads.to_run(upload),
        )
    finally:
        uploads.discard(upload)  # gone already when the run took it
    return shopdata.run(who, run_id, uow=kefu.uow())


@router.get(
    "/imports",
    response_model=list[ImportRunOut],
    summary="The latest file imports into the caller's stores, newest first",
    responses={403: ERRORS[403]},
)
def list_imports(kefu: KefuDep, who: DataImporter) -> list[ImportRunOut]:
    return [run_out(v) for v in shopdata.runs(who, uow=kefu.uow(), limit=50)]


@router.get(
    "/imports/{run_id}",
    response_model=ImportRunOut,
    summary="One import: status, bytes done of total, counts",
    responses={403: ERRORS[403], 404: {"model": ErrorOut, "description": "no such import"}},
)
def get_import(run_id: Id, kefu: KefuDep, who: DataImporter) -> ImportRunOut:
    return run_out(shopdata.run(who, run_id, uow=kefu.uow()))


ERRORS_CSV_HEADER = "row,field,reason,value\r\n"


def error_csv_chunks(first: FieldError | None, rest: Iterator[FieldError]) -> Iterator[bytes]:
    """The errors as CSV (UTF-8 with a BOM, so Excel shows the Chinese), 1000 at a time."""
    yield ("\ufeff" + ERRORS_CSV_HEADER).encode()
    errors = chain([first], rest) if first is not None else rest
    while batch := list(islice(errors, 1000)):
        buffer = io.StringIO()
        write_error_csv(batch, buffer)
        yield buffer.getvalue().removeprefix(ERRORS_CSV_HEADER).encode()


@router.get(
    "/imports/{run_id}/errors.csv",
    response_class=StreamingResponse,
    summary="Every row error of an import as CSV (row, field, reason, value)",
    description="UTF-8 with a byte-order mark; cells a spreadsheet would run as formulas "
    "are written as text.",
    responses={
        200: {"content": {"text/csv": {"schema": {"type": "string"}}}},
        403: ERRORS[403],
        404: {"model": ErrorOut, "description": "no such import"},
    },
)
async def import_errors_csv(run_id: Id, kefu: KefuDep, who: DataImporter) -> StreamingResponse:
    errors = shopdata.run_errors(who, run_id, uow=kefu.uow())
    # The first one is read before answering, so a refusal is a 404, not a broken 200.
    first = await run_in_threadpool(next, errors, None)
    return StreamingResponse(
        error_csv_chunks(first, errors),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="import-{run_id}-errors.csv"'},
    )


# --- mappings, parcels set aside, rates ------------------------------------------------------

KindParam = Annotated[FileKind, PathParam(description="products, orders, parcels or tracking")]


def _fields(kind: str) -> tuple[list[str], list[str]]:
    k = Kind(kind)
    return [f.name for f in FIELDS[k]], [f.name for f in FIELDS[k] if f.key or f.required]


@router.get(
    "/stores/{code}/mappings/{kind}",
    response_model=MappingOut,
    summary="The column mapping remembered for this store's files of a kind",
    responses=ERRORS,
)
def get_mapping(code: Code, kind: KindParam, kefu: KefuDep, who: DataImporter) -> MappingOut:
    mapping, remembered = shopdata.mapping_for(who, code, kind, None, uow=kefu.uow())
    fields, required = _fields(kind)
    return MappingOut(
        kind=kind, mapping=mapping, remembered=remembered, fields=fields, required=required
    )


@router.put(
    "/stores/{code}/mappings/{kind}",
    response_model=MappingOut,
    summary="Remember which column is which field for this store's files of a kind",
    description="Every field named must exist and the key field must be mapped; with "
    "`columns`, each chosen column must be among them.",
    responses=ERRORS,
)
def put_mapping(
    code: Code, kind: KindParam, body: MappingIn, kefu: KefuDep, who: DataImporter
) -> MappingOut:
    shopdata.save_mapping(
        who, code, kind, body.mapping, body.columns, uow=kefu.uow(), clock=kefu.clock
    )
    fields, required = _fields(kind)
    return MappingOut(
        kind=kind, mapping=dict(body.mapping), remembered=True, fields=fields, required=required
    )


@router.get(
    "/stores/{code}/pending-parcels",
    response_model=PendingParcelsOut,
    summary="Parcels kept aside until their order is imported (oldest first, 200 at most)",
    responses={403: ERRORS[403], 404: ERRORS[404]},
)
def get_pending_parcels(code: Code, kefu: KefuDep, who: DataImporter) -> PendingParcelsOut:
    rows, total = shopdata.pending_parcels(who, code, uow=kefu.uow())
    return PendingParcelsOut(
        total=total,
        parcels=[
            PendingParcelItem(
                order_number=p.order_number,
                tracking_number=p.tracking_number,
                carrier=p.carrier,
                source=p.source,
                received_at=p.received_at,
            )
            for p in rows
        ],
    )


def read_rates(
    who: Principal,
    upload: uploads.Staged,
    name: str,
    fmt: str | None,
    encoding: str | None,
    *,
    kefu: Kefu,
) -> ImportReport:
    try:
        with open_table(upload.path, fmt=fmt, encoding=encoding, name=name) as table:
            return shopdata.import_rates(
                who, table, uow=kefu.uow(), clock=kefu.clock, ref=kefu.reference, source=name
            )
    except TableError as exc:
        raise InvalidInput(f"the file cannot be read: {exc}", field="file") from None


@upload_router.post(
    "/rates",
    response_model=ImportReportOut,
    summary="Import currency rates: the ECB reference-rate CSV, or date, currency, per_usd",
    description=(
        "The ECB's eurofxref CSV (daily or the whole history: Date, USD, JPY… in units per "
        "euro) or a table with the columns date, currency, per_usd (units per US dollar). "
        "Order totals are converted to USD with the rate of their day; a missing rate is a "
        "row error, never 1:1."
    ),
    responses={403: ERRORS[403], 422: ERRORS[422], **TOO_LARGE},
)
async def post_rates(
    kefu: KefuDep,
    who: DataImporter,
    file: Annotated[UploadFile, File(description="CSV, XLSX or JSONL")],
    encoding: Encoding = None,
    format: Annotated[FileFormat | None, Form(description="empty: from the name")] = None,
) -> Any:
    declared = _encoding(encoding)
    name = (file.filename or "rates.csv")[:300]
    fmt = file_format(name, format)
    try:
        upload = await stage_upload(kefu, file)
    except uploads.UploadTooLarge as exc:
        return too_large(exc.limit)
    try:
        report = await run_in_threadpool(
            partial(read_rates, kefu=kefu), who, upload, name, fmt, declared
        )
    finally:
        uploads.discard(upload)
    return report_out(report)
