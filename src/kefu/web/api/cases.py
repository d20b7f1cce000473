"""After-sale cases (docs/cases.md): open one from a conversation, move it step by step,
retry a step the platform did not take."""

from __future__ import annotations

from datetime import datetime
from functools import partial
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, File, Query, Response, UploadFile
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from kefu.domain.cases.model import CaseAction, CaseKind, CaseReason, CaseState, Solution
from kefu.domain.cases.workflows import allowed_actions
from kefu.services import cases
from kefu.services.cases import MAX_DESCRIPTION, MAX_KEY, MAX_REASON, NewCase, StepRequest
from kefu.services.ports import CaseRecord
from kefu.web.api.stores import ErrorOut
from kefu.web.deps import KefuDep
from kefu.web.params import Id, IdValue
from kefu.web.security import InboxViewer, Replier

router = APIRouter(prefix="/api/v1", tags=["cases"])
# Photos come as files: their own router, with a body limit above the largest platform's.
upload_router = APIRouter(prefix="/api/v1", tags=["cases"])
EVIDENCE_BODY_BYTES = 11 * 1024 * 1024

RESPONSES: dict[int | str, dict[str, Any]] = {
    404: {"model": ErrorOut, "description": "no such case or conversation for you"},
    409: {
        "model": ErrorOut,
        "description": "a step this case cannot take now, or a change "
        "by someone else since the given version",
    },
    422: {"description": "a field is wrong: `errors` (or `detail`) names each"},
}


class LineIn(BaseModel):
    order_line_id: IdValue
    quantity: int = Field(ge=1, le=100_000)


class CaseIn(BaseModel):
    kind: CaseKind
    reason: CaseReason
    solution: Solution | None = None
    order_number: str | None = Field(
        None, max_length=64, description="empty: the conversation's order"
    )
    lines: list[LineIn] = Field(default_factory=list, max_length=200)
    refund_cents: int | None = Field(
        None, ge=1, le=10**9, description="refund asked for, in the order's currency (minor units)"
    )
    description: str = Field("", max_length=MAX_DESCRIPTION)
    request_key: str | None = Field(
        None, max_length=MAX_KEY, description="the same key again returns the same case"
    )


class StepIn(BaseModel):
    action: CaseAction
    reason: str = Field("", max_length=MAX_REASON, description="why: kept on the step")
    refund_cents: int | None = Field(None, ge=1, le=10**9)
    tracking_number: str | None = Field(None, max_length=64)
    carrier: str | None = Field(None, max_length=64)
    version: int | None = Field(
        None, ge=1, description="the case's version you saw: refused (409) if it moved since"
    )
    request_key: str | None = Field(None, max_length=MAX_KEY)


class StepOut(BaseModel):
    at: datetime
    actor: str | None = Field(description="who; null: the platform or kefu's sweep")
    action: str
    from_state: str
    to_state: str
    reason: str
    details: dict[str, Any]
    push_state: str = Field(description="local, pending, sent or failed (not sent to the platform)")
    push_error: str | None


class ClockOut(BaseModel):
    due_at: datetime | None
    source: str | None = Field(description="platform (given by it) or computed")
    rule: str | None


class CaseOut(BaseModel):
    id: int
    store: str
    conversation_id: int | None
    order_number: str | None
    kind: str
    state: str
    open: bool
    reason: str
    solution: str | None
    refund_cents: int | None
    currency: str | None
    description: str
    holder: str | None
    opened_at: datetime
    updated_at: datetime
    closed_at: datetime | None
    platform_ref: str | None
    platform_state: str | None
    platform_clock: ClockOut
    shop_clock: ClockOut
    push_state: str
    push_error: str | None
    tracking_number: str | None
    version: int
    next_steps: list[str] = Field(description="the steps this case may take now")
    lines: list[dict[str, Any]] = Field(default_factory=list)
    steps: list[StepOut] = Field(default_factory=list)


class CaseCreated(BaseModel):
    id: int


class CasePage(BaseModel):
    total: int
    page: int
    cases: list[CaseOut]


def case_out(r: CaseRecord) -> CaseOut:
    return CaseOut(
        id=r.id,
        store=r.store_code,
        conversation_id=r.conversation_id,
        order_number=r.order_number,
        kind=r.kind,
        state=r.state,
        open=r.is_open,
        reason=r.reason,
        solution=r.solution,
        refund_cents=r.refund_cents,
        currency=r.currency,
        description=r.description,
        holder=r.holder_name,
        opened_at=r.opened_at,
        updated_at=r.updated_at,
        closed_at=r.closed_at,
        platform_ref=r.platform_ref,
        platform_state=r.platform_state,
        platform_clock=ClockOut(
            due_at=r.platform_due_at, source=r.platform_due_source, rule=r.platform_due_rule
        ),
        shop_clock=ClockOut(
            due_at=r.shop_due_at, source="computed" if r.shop_due_at else None, rule=r.shop_due_rule
        ),
        push_state=r.push_state,
        push_error=r.push_error,
        tracking_number=r.tracking_number,
        version=r.version,
        next_steps=[a.value for a in allowed_actions(CaseKind(r.kind), CaseState(r.state))],
        lines=[
            {"order_line_id": line_id, "sku": sku, "title": title, "quantity": quantity}
            for line_id, sku, title, quantity in r.lines
        ],
        steps=[
            StepOut(
                at=s.at,
                actor=s.actor_name,
                action=s.action,
                from_state=s.from_state,
                to_state=s.to_state,
                reason=s.reason,
                details=s.details,
                push_state=s.push_state,
                push_error=s.push_error,
            )
            for s in r.steps
        ],
    )


@router.get("/cases", response_model=CasePage, summary="Cases you may see, open ones first")
def get_cases(
    kefu: KefuDep,
    who: InboxViewer,
    open_only: Annotated[bool, Query(alias="open")] = True,
    kind: CaseKind | None = None,
    holder: Annotated[str | None, Query(max_length=64, description="me or a username")] = None,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> CasePage:
    found, total = cases.list_cases(
        who,
        uow=kefu.uow(),
        open_only=open_only,
        kind=kind.value if kind else None,
        holder=holder,
        page=page,
    )
    return CasePage(total=total, page=page, cases=[case_out(r) for r in found])


@router.get("/cases/{case_id}", response_model=CaseOut, responses=RESPONSES, summary="One case")
def get_case(case_id: Id, kefu: KefuDep, who: InboxViewer) -> CaseOut:
    return case_out(cases.case_detail(who, case_id, uow=kefu.uow()))


@router.get(
    "/conversations/{conversation_id}/cases",
    response_model=list[CaseOut],
    responses=RESPONSES,
    summary="The conversation's cases, newest first",
)
def get_conversation_cases(conversation_id: Id, kefu: KefuDep, who: InboxViewer) -> list[CaseOut]:
    return [case_out(r) for r in cases.conversation_cases(who, conversation_id, uow=kefu.uow())]


@router.post(
    "/conversations/{conversation_id}/cases",
    response_model=CaseCreated,
    status_code=201,
    responses=RESPONSES,
    summary="Open a case from a conversation (checked against its order)",
)
def post_case(conversation_id: Id, body: CaseIn, kefu: KefuDep, who: Replier) -> CaseCreated:
    new = NewCase(
        kind=body.kind.value,
        reason=body.reason.value,
        solution=body.solution.value if body.solution else None,
        order_number=body.order_number or None,
        lines=tuple((line.order_line_id, line.quantity) for line in body.lines),
        refund_cents=body.refund_cents,
        description=body.description,
        request_key=body.request_key,
    )
    return CaseCreated(
        id=cases.open_case(
            who, conversation_id, new, uow=kefu.uow(), clock=kefu.clock, deps=kefu.case_deps
        )
    )


@router.post(
    "/cases/{case_id}/steps",
    response_model=CaseOut,
    responses=RESPONSES,
    summary="Move the case one step; a step the platform takes is sent to it at once",
)
def post_step(case_id: Id, body: StepIn, kefu: KefuDep, who: Replier) -> CaseOut:
    request = StepRequest(
        action=body.action.value,
        reason=body.reason,
        refund_cents=body.refund_cents,
        tracking_number=body.tracking_number,
        carrier=body.carrier,
        version=body.version,
        request_key=body.request_key,
    )
    record = cases.take_step(
        who, case_id, request, uow_factory=kefu.uow, clock=kefu.clock, deps=kefu.case_deps
    )
    return case_out(record)


@router.post(
    "/cases/{case_id}/retry",
    response_model=CaseOut,
    responses=RESPONSES,
    summary="Send the steps the platform has not taken yet again",
)
def post_retry(case_id: Id, kefu: KefuDep, who: Replier) -> CaseOut:
    record = cases.retry_push(
        who, case_id, uow_factory=kefu.uow, clock=kefu.clock, deps=kefu.case_deps
    )
    return case_out(record)


class EvidenceOut(BaseModel):
    id: int


@upload_router.post(
    "/cases/{case_id}/evidence",
    response_model=EvidenceOut,
    status_code=201,
    responses=RESPONSES,
    summary="Add a photo as evidence: JPEG, PNG or WebP as the case's platform takes them, "
    "checked by content (422 evidence_not_image, evidence_too_large, evidence_type_refused)",
)
async def post_evidence(
    case_id: Id,
    kefu: KefuDep,
    who: Replier,
    file: Annotated[UploadFile, File(description="the photo")],
) -> EvidenceOut:
    data = await file.read(EVIDENCE_BODY_BYTES + 1)
    evidence_id = await run_in_threadpool(
        partial(cases.add_evidence, uow=kefu.uow(), clock=kefu.clock),
        who,
        case_id,
        file.filename or "photo",
        data,
    )
    return EvidenceOut(id=evidence_id)


@router.get(
    "/cases/{case_id}/evidence/{evidence_id}",
    responses={**RESPONSES, 200: {"content": {"image/jpeg": {}, "image/png": {}}}},
    summary="One evidence photo of the case",
)
def get_evidence(case_id: Id, evidence_id: Id, kefu: KefuDep, who: InboxViewer) -> Response:
    name, mime, data = cases.evidence_file(who, case_id, evidence_id, uow=kefu.uow())
    return Response(
        data,
        media_type=mime,
        headers={
            "Content-Disposition": f"inline; filename*=UTF-8''{quote(name)}",
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "private, max-age=3600",
        },
    )
