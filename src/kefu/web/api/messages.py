"""POST /api/v1/messages: one message or a batch, idempotent on (store, message id)."""

from __future__ import annotations

import json
from functools import partial

from fastapi import APIRouter, HTTPException, Request
from starlette.concurrency import run_in_threadpool

from kefu.services import inbox
from kefu.services.inbox import IngestReport
from kefu.services.ratings import RatingsReport
from kefu.services.routing import route_new
from kefu.web.deps import KefuDep
from kefu.web.schemas import IncomingMessageIn, IngestReportOut, MessageBatchIn, RowErrorOut
from kefu.web.security import Importer

router = APIRouter(prefix="/api/v1", tags=["messages"])

_BODY_SCHEMA = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {
                "schema": {
                    "oneOf": [
                        {"$ref": "#/components/schemas/IncomingMessageIn"},
                        {"$ref": "#/components/schemas/MessageBatchIn"},
                        {
                            "type": "array",
                            "items": {"$ref": "#/components/schemas/IncomingMessageIn"},
                        },
                    ]
                }
            }
        },
    }
}
MAX_BATCH = 5000


@router.post(
    "/messages",
    response_model=IngestReportOut,
    openapi_extra=_BODY_SCHEMA,
    summary="Ingest buyer messages",
    description=(
        'Takes one message object, a list of them, or {"messages": [...]}. Good items are '
        "stored, 500 per transaction; each bad item is listed with its 1-based row, field and "
        "reason. Sending the same items again stores nothing new."
    ),
)
async def ingest_messages(request: Request, kefu: KefuDep, who: Importer) -> IngestReportOut:
    items = _items(await request.body())
    report = await run_in_threadpool(
        partial(
            inbox.import_messages,
            classifier=kefu.ingest_classifier(),
            auto_replier=kefu.auto_replier,
            route=route_new,
            translate=kefu.translation.translator is not None,
        ),
        who,
        items,
        kefu.uow(),
        kefu.clock,
    )
    return report_out(report)


def report_out(report: IngestReport | RatingsReport) -> IngestReportOut:
    return IngestReportOut(
        received=report.received,
        accepted=report.accepted,
        duplicates=report.duplicates,
        errors=[RowErrorOut(**e.__dict__) for e in report.errors],
    )


def _items(body: bytes) -> list[dict[str, object]]:
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise HTTPException(400, f"the body is not valid UTF-8 (byte {exc.start})") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise HTTPException(
            400, f"malformed JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}"
        ) from None
    if isinstance(data, dict) and "messages" in data:
        data = data["messages"]
    if isinstance(data, dict):
        data = [data]
    if not isinstance(data, list) or not all(isinstance(i, dict) for i in data):
        raise HTTPException(
            422, 'expected a message object, a list of them, or {"messages": [...]}'
        )
    if len(data) > MAX_BATCH:
        raise HTTPException(413, f"at most {MAX_BATCH} messages per request; got {len(data)}")
    return data


# Models only referenced from _BODY_SCHEMA; app.py adds them to the schema's components.
BODY_MODELS = (IncomingMessageIn, MessageBatchIn)
