"""Tracking over the API (docs/tracking.md): the webhook carriers, aggregators and ERPs push
events to, the orphan events kept aside, and the texts no rule maps with a lead's mapping.
The work is services/tracking.py's; this module only translates."""

from __future__ import annotations

import json
from datetime import datetime
from functools import partial
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from kefu.bootstrap import Kefu
from kefu.domain.permissions import Permission
from kefu.domain.tracking import (
    MAX_CARRIER,
    MAX_CODE,
    MAX_DESCRIPTION,
    MAX_LOCATION,
    MAX_NUMBER,
    TrackingSource,
)
from kefu.domain.types import TrackingStatus
from kefu.services import tracking
from kefu.services.access import Principal
from kefu.services.tracking import MAX_EVENTS, MAX_LIST, MAX_RULE_TEXT, IngestReport
from kefu.web.api.stores import ErrorOut
from kefu.web.deps import KefuDep
from kefu.web.security import Require

router = APIRouter(prefix="/api/v1", tags=["tracking"])
# 1,000 events of at most ~900 characters each, with room for JSON's quotes and escapes.
BODY_BYTES = 2 * 1024 * 1024

Recorder = Annotated[Principal, Depends(Require(Permission.RECORD_TRACKING))]
Reviewer = Annotated[Principal, Depends(Require(Permission.REVIEW_TRACKING))]


class EventErrorOut(BaseModel):
    index: int = Field(description="the event's 0-based place in the body")
    field: str
    reason: str


class IngestReportOut(BaseModel):
    received: int = Field(description="events in the body")
    added: int = Field(description="events stored (per parcel: a shared number counts twice)")
    duplicates: int = Field(description="events already stored: sending again adds nothing")
    orphaned: int = Field(description="events for numbers no parcel has: kept aside")
    unmapped: int = Field(description="events whose words no rule maps: in transit, for review")
    errors: list[EventErrorOut] = Field(description="events refused, by index and field")


class OrphanOut(BaseModel):
    tracking_number: str
    source: str
    events: int
    first_received_at: datetime
    last_occurred_at: datetime


class OrphansOut(BaseModel):
    total: int = Field(description="numbers (per source) with events kept aside")
    orphans: list[OrphanOut]


class UnmappedOut(BaseModel):
    text: str = Field(description="the words, normalised (NFKC, case-folded, spaces collapsed)")
    events: int
    example_parcel_id: int
    example_tracking_number: str
    example_description: str


class UnmappedListOut(BaseModel):
    total: int
    texts: list[UnmappedOut]


class RuleIn(BaseModel):
    text: str = Field(min_length=1, max_length=MAX_RULE_TEXT)
    status: TrackingStatus


class RuleOut(BaseModel):
    text: str
    status: TrackingStatus
    events: int = Field(description="events the rule re-normalised")
    parcels: int = Field(description="parcels whose latest status was worked out again")


_EVENT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["tracking_number", "occurred_at", "code"],
    "additionalProperties": False,
    "properties": {
        "carrier": {"type": "string", "maxLength": MAX_CARRIER},
        "tracking_number": {"type": "string", "maxLength": MAX_NUMBER},
        "occurred_at": {
            "type": "string",
            "format": "date-time",
            "description": "ISO 8601 with an offset (2026-12-06T14:22:00+08:00)",
        },
        "code": {
            "type": "string",
            "maxLength": MAX_CODE,
            "description": "the source's own event code or status word",
        },
        "description": {"type": "string", "maxLength": MAX_DESCRIPTION},
        "location": {"type": "string", "maxLength": MAX_LOCATION},
        "status": {
            "type": "string",
            "enum": [s.value for s in TrackingStatus],
            "description": "kefu's status when the source maps it itself; else read from "
            "code and description",
        },
    },
}
_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {
                "schema": {
                    "oneOf": [
                        {"type": "array", "maxItems": MAX_EVENTS, "items": _EVENT_SCHEMA},
                        {
                            "type": "object",
                            "description": "17TRACK's push: one number's track_info",
                            "required": ["event", "data"],
                            "properties": {
                                "event": {"enum": ["TRACKING_UPDATED", "TRACKING_STOPPED"]},
                                "data": {"type": "object", "required": ["number"]},
                            },
                        },
                    ]
                }
            }
        },
    }
}


def _refused(status: int, error: str, message: str) -> JSONResponse:
    return JSONResponse({"error": error, "message": message}, status_code=status)


@router.post(
    "/tracking-events",
    response_model=IngestReportOut,
    summary="Push tracking events (a carrier's, an aggregator's or an ERP's webhook)",
    description=(
        f"A JSON list of at most {MAX_EVENTS} events, at most {BODY_BYTES // 1024} KiB. "
        "Idempotent per carrier + tracking number + event time + code: sending the same "
        "events again adds nothing (`duplicates`). Each event is normalised to kefu's status "
        "set; words no rule maps count as in transit and are listed for review (`unmapped`). "
        "Events for a number no parcel has are kept aside and attached when the parcel is "
        "created (`orphaned`). A bad event is refused alone, named by index and field; the "
        'others are stored. Also takes 17TRACK\'s push (`{"event": "TRACKING_UPDATED", '
        '"data": {number, carrier, track_info}}`), its statuses mapped by 17TRACK\'s table. '
        "Needs a token with the `record_tracking` scope."
    ),
    openapi_extra=_BODY,
    responses={
        400: {"model": ErrorOut, "description": "the body is not JSON"},
        403: {"model": ErrorOut, "description": "the token may not record tracking"},
        413: {"model": ErrorOut, "description": "the body is over the byte limit"},
        422: {
            "model": ErrorOut,
            "description": "not a list of events nor a 17TRACK push, or too many events",
        },
    },
)
async def push_events(request: Request, kefu: KefuDep, who: Recorder) -> Any:
    try:
        data = json.loads(await request.body())
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        return _refused(400, "bad_body", f"the body is not JSON: {exc}")
    if isinstance(data, dict) and "event" in data and "data" in data:
        return await _seventeen_track(kefu, who, data)
    if not isinstance(data, list):
        return _refused(422, "bad_body", "the body must be a JSON list of events")
    if len(data) > MAX_EVENTS:
        return _refused(
            422, "too_many_events", f"at most {MAX_EVENTS} events per request, got {len(data)}"
        )
    events, problems = tracking.parse_events(data)
    report = await run_in_threadpool(
        partial(tracking.ingest, uow=kefu.uow(), clock=kefu.clock), who, events, problems
    )
    return report.as_dict()


async def _seventeen_track(kefu: Kefu, who: Principal, push: dict[str, Any]) -> Any:
    """17TRACK's push: TRACKING_UPDATED carries one number's track_info (read by the 17TRACK
    adapter, its statuses mapped by 17TRACK's table); TRACKING_STOPPED tells nothing to
    store."""
    item, kind = push["data"], push["event"]
    if kind == "TRACKING_STOPPED":
        return IngestReport().as_dict()
    if kind != "TRACKING_UPDATED" or not isinstance(item, dict):
        return _refused(
            422, "unsupported_shape", f"17TRACK push {str(kind)[:40]!r} is not one kefu reads"
        )
    try:
        info = kefu.read_tracking_push(item)
    except (KeyError, TypeError, ValueError):
        return _refused(422, "bad_body", "17TRACK's push has no usable data.number")
    report = await run_in_threadpool(
        partial(
            tracking.ingest,
            uow=kefu.uow(),
            clock=kefu.clock,
            source=TrackingSource.SEVENTEEN_TRACK,
        ),
        who,
        info.events,
    )
    return report.as_dict()


@router.get(
    "/tracking/orphans",
    response_model=OrphansOut,
    summary="Tracking numbers with events kept aside (no parcel has them yet)",
    responses={403: {"model": ErrorOut, "description": "leads and the owner only"}},
)
def list_orphans(
    kefu: KefuDep,
    who: Reviewer,
    limit: Annotated[int, Query(ge=1, le=MAX_LIST)] = 100,
) -> OrphansOut:
    rows, total = tracking.orphans(who, uow=kefu.uow(), limit=limit)
    return OrphansOut(total=total, orphans=[OrphanOut(**r.__dict__) for r in rows])


@router.get(
    "/tracking/unmapped",
    response_model=UnmappedListOut,
    summary="Event texts no rule maps (counted in transit until a lead maps them)",
    responses={403: {"model": ErrorOut, "description": "leads and the owner only"}},
)
def list_unmapped(
    kefu: KefuDep,
    who: Reviewer,
    limit: Annotated[int, Query(ge=1, le=MAX_LIST)] = 100,
) -> UnmappedListOut:
    rows, total = tracking.unmapped(who, uow=kefu.uow(), limit=limit)
    return UnmappedListOut(total=total, texts=[UnmappedOut(**r.__dict__) for r in rows])


@router.post(
    "/tracking/rules",
    response_model=RuleOut,
    summary="Map a text to a status: the matching events are re-normalised",
    responses={
        403: {"model": ErrorOut, "description": "leads and the owner only"},
        422: {"model": ErrorOut, "description": "an empty text or an unknown status"},
    },
)
def add_rule(body: RuleIn, kefu: KefuDep, who: Reviewer) -> RuleOut:
    done = tracking.map_text(who, body.text, body.status.value, uow=kefu.uow(), clock=kefu.clock)
    return RuleOut(text=done.text, status=done.status, events=done.events, parcels=done.parcels)
