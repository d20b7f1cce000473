"""The case screens (docs/cases.md): a conversation's cases beside it with "Open a case",
one case with its clocks, steps and the steps it may take now, and the list of cases."""

from __future__ import annotations

import secrets
from functools import partial
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, File, Form, Query, Request, UploadFile
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from kefu.domain.cases.model import CaseInputError, CaseKind, CaseReason, CaseState, Solution
from kefu.domain.cases.workflows import allowed_actions
from kefu.domain.errors import DomainError
from kefu.services import cases
from kefu.services.cases import MAX_DESCRIPTION, MAX_KEY, MAX_REASON, NewCase, StepRequest
from kefu.services.ports import CaseRecord
from kefu.web.api.cases import EVIDENCE_BODY_BYTES
from kefu.web.deps import KefuDep
from kefu.web.errors import in_words, status_for
from kefu.web.i18n import negotiate
from kefu.web.params import MAX_ID, Id
from kefu.web.security import InboxViewer, Replier
from kefu.web.templating import render_page

router = APIRouter(include_in_schema=False)
upload_router = APIRouter(include_in_schema=False)  # photos: a larger body limit (app.py)

Money = Annotated[str, Form(max_length=20)]


@router.get("/cases")
def cases_page(
    request: Request,
    kefu: KefuDep,
    who: InboxViewer,
    state: Annotated[str, Query(pattern="^(open|all)?$")] = "open",
    kind: Annotated[CaseKind | None, Query()] = None,
    holder: Annotated[str, Query(max_length=64)] = "",
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> Response:
    found, total = cases.list_cases(
        who,
        uow=kefu.uow(),
        open_only=state != "all",
        kind=kind.value if kind else None,
        holder=holder or None,
        page=page,
    )
    selected = {"state": state, "kind": kind.value if kind else "", "holder": holder}
    return render_page(
        request,
        "pages/cases.html",
        {
            "found": found,
            "total": total,
            "page": page,
            "last_page": max(1, -(-total // 50)),
            "selected": selected,
            "query_without_page": urlencode({k: v for k, v in selected.items() if v}),
            "kinds": list(CaseKind),
        },
    )


@router.get("/cases/{case_id}")
def case_page(request: Request, case_id: Id, kefu: KefuDep, who: InboxViewer) -> Response:
    record = cases.case_detail(who, case_id, uow=kefu.uow())
    return _case(request, record)


def _case(
    request: Request,
    record: CaseRecord,
    error: str | None = None,
    status: int = 200,
    evidence_error: str | None = None,
) -> Response:
    response = render_page(
        request,
        "pages/case.html",
        {
            "case": record,
            "next_steps": [
                a.value for a in allowed_actions(CaseKind(record.kind), CaseState(record.state))
            ],
            "step_error": error,
            "evidence_error": evidence_error,
            "request_key": secrets.token_urlsafe(12),
        },
    )
    response.status_code = status
    return response


@router.post("/cases/{case_id}/steps")
def step_action(
    request: Request,
    case_id: Id,
    kefu: KefuDep,
    who: Replier,
    action: Annotated[str, Form(max_length=32)],
    reason: Annotated[str, Form(max_length=MAX_REASON)] = "",
    refund: Money = "",
    tracking_number: Annotated[str, Form(max_length=64)] = "",
    carrier: Annotated[str, Form(max_length=64)] = "",
    version: Annotated[int | None, Form(ge=1, le=MAX_ID)] = None,
    request_key: Annotated[str, Form(max_length=MAX_KEY)] = "",
) -> Response:
    try:
        step = StepRequest(
            action=action,
            reason=reason,
            refund_cents=_cents(refund, "refund_cents"),
            tracking_number=tracking_number or None,
            carrier=carrier or None,
            version=version,
            request_key=request_key or None,
        )
        cases.take_step(
            who, case_id, step, uow_factory=kefu.uow, clock=kefu.clock, deps=kefu.case_deps
        )
    except DomainError as exc:
        record = cases.case_detail(who, case_id, uow=kefu.uow())
        locale = negotiate(request, kefu.settings.default_locale)
        return _case(request, record, in_words(exc, locale), status_for(exc))
    return RedirectResponse(f"/cases/{case_id}", status_code=303)


@upload_router.post("/cases/{case_id}/evidence")
async def evidence_action(
    request: Request,
    case_id: Id,
    kefu: KefuDep,
    who: Replier,
    file: Annotated[UploadFile, File()],
) -> Response:
    data = await file.read(EVIDENCE_BODY_BYTES + 1)
    try:
        await run_in_threadpool(
            partial(cases.add_evidence, uow=kefu.uow(), clock=kefu.clock),
            who,
            case_id,
            file.filename or "photo",
            data,
        )
    except DomainError as exc:
        record = cases.case_detail(who, case_id, uow=kefu.uow())
        locale = negotiate(request, kefu.settings.default_locale)
        problem = in_words(exc, locale)
        return _case(request, record, status=status_for(exc), evidence_error=problem)
    return RedirectResponse(f"/cases/{case_id}", status_code=303)


@router.post("/cases/{case_id}/retry")
def retry_action(case_id: Id, kefu: KefuDep, who: Replier) -> Response:
    cases.retry_push(who, case_id, uow_factory=kefu.uow, clock=kefu.clock, deps=kefu.case_deps)
    return RedirectResponse(f"/cases/{case_id}", status_code=303)


@router.get("/conversations/{conversation_id}/cases")
def conversation_cases(
    request: Request, conversation_id: Id, kefu: KefuDep, who: InboxViewer
) -> Response:
    return _panel(request, kefu, who, conversation_id)


def _panel(
    request: Request,
    kefu: KefuDep,
    who: InboxViewer,
    conversation_id: int,
    error: str | None = None,
    status: int = 200,
) -> Response:
    found = cases.conversation_cases(who, conversation_id, uow=kefu.uow())
    order = cases.conversation_order(who, conversation_id, uow=kefu.uow())
    response = render_page(
        request,
        "partials/conversation_cases.html",
        {
            "conversation_id": conversation_id,
            "found": found,
            "order": order,
            "kinds": list(CaseKind),
            "reasons": list(CaseReason),
            "solutions": list(Solution),
            "open_error": error,
            "request_key": secrets.token_urlsafe(12),
        },
    )
    response.status_code = status
    return response


@router.post("/conversations/{conversation_id}/cases")
async def open_action(
    request: Request, conversation_id: Id, kefu: KefuDep, who: Replier
) -> Response:
    form = await request.form()
    try:
        new = NewCase(
            kind=_field(form, "kind", 32),
            reason=_field(form, "reason", 32),
            solution=_field(form, "solution", 32) or None,
            order_number=_field(form, "order_number", 64) or None,
            lines=_chosen_lines(form),
            refund_cents=_cents(_field(form, "refund", 20), "refund_cents"),
            description=_field(form, "description", MAX_DESCRIPTION),
            request_key=_field(form, "request_key", MAX_KEY) or None,
        )
        case_id = cases.open_case(
            who, conversation_id, new, uow=kefu.uow(), clock=kefu.clock, deps=kefu.case_deps
        )
    except DomainError as exc:
        locale = negotiate(request, kefu.settings.default_locale)
        return _panel(request, kefu, who, conversation_id, in_words(exc, locale), status_for(exc))
    target = f"/cases/{case_id}"
    if request.headers.get("HX-Request") == "true":
        return Response(status_code=204, headers={"HX-Redirect": target})
    return RedirectResponse(target, status_code=303)


def _field(form: object, name: str, limit: int) -> str:
    value = form.get(name)  # type: ignore[attr-defined]
    text = value if isinstance(value, str) else ""
    if len(text) > limit:
        raise CaseInputError(f"{name} is longer than {limit} characters", field=name)
    return text.strip()


def _chosen_lines(form: object) -> tuple[tuple[int, int], ...]:
    """Ticked lines (`line` = order line id) with their `qty-<id>` quantity."""
    chosen = []
    for value in form.getlist("line")[:200]:  # type: ignore[attr-defined]
        if not isinstance(value, str) or not value.isdigit() or int(value) > MAX_ID:
            raise CaseInputError("an order line is not a number", field="lines")
        quantity = _field(form, f"qty-{value}", 6) or "1"
        if not quantity.isdigit():
            raise CaseInputError("a quantity is not a whole number", field="lines", value=quantity)
        chosen.append((int(value), int(quantity)))
    return tuple(chosen)


def _cents(value: str, field: str) -> int | None:
    """An amount typed as 12.50 or 12,50, in minor units."""
    text = value.strip().replace(",", ".")
    if not text:
        return None
    whole, _, part = text.partition(".")
    if not whole.isdigit() or (part and (not part.isdigit() or len(part) > 2)):
        raise CaseInputError("the amount is not a number like 12.50", field=field, value=value)
    return int(whole) * 100 + int(part.ljust(2, "0") or 0)
