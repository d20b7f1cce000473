"""The logistics board page (docs/logistics.md): the same lines as GET
/api/v1/logistics/board with a count per anomaly (table and chart), one-click and bulk
sending of the proposals, the open tasks, and — for a lead — the store's thresholds."""

from __future__ import annotations

import json
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError

from kefu.domain.errors import DomainError, FieldError, RowErrors
from kefu.domain.logistics import ANY, Anomaly, LogisticsThresholds
from kefu.domain.permissions import Permission
from kefu.services import deadlines, logistics, tasks
from kefu.services.access import Principal
from kefu.services.logistics import Acted, Notifier
from kefu.web.api.logistics import BoardQuery, Code
from kefu.web.deps import KefuDep
from kefu.web.params import Id
from kefu.web.security import InboxViewer, Replier, TemplateManager
from kefu.web.templating import render_page

router = APIRouter(include_in_schema=False)
MAX_ITEM = 48  # "<parcel id>:<anomaly>"
MAX_TABLE = 4000  # the no-update table as typed: "key = days" per line


@router.get("/logistics")
def logistics_page(
    request: Request, kefu: KefuDep, who: InboxViewer, query: Annotated[BoardQuery, Query()]
) -> Response:
    return _page(request, kefu, who, query)


@router.post("/logistics/actions")
async def act(request: Request, kefu: KefuDep, who: Replier) -> Response:
    """One row's button sends `one`; the bulk bar sends every checked `item`."""
    form = await request.form()
    one = str(form.get("one") or "")
    picked = [one] if one else [str(v) for v in form.getlist("item")]
    items = [_item(v) for v in picked if len(v) <= MAX_ITEM]
    results: list[Acted] = []
    error: str | None = None
    try:
        notifier = Notifier(kefu.replies, kefu.uow, kefu.clock)
        results = notifier.act_many(who, [i for i in items if i is not None])
    except DomainError as refused:
        error = refused.message
    try:  # the board the person was looking at, or the whole board
        query = BoardQuery.model_validate(
            {k: v for k, v in request.query_params.items() if k in BoardQuery.model_fields}
        )
    except ValidationError:
        query = BoardQuery()
    return _page(request, kefu, who, query, results=results, error=error)


@router.post("/logistics/tasks/{task_id}/done")
def task_done(task_id: Id, kefu: KefuDep, who: Replier) -> Response:
    tasks.done(who, task_id, uow=kefu.uow(), clock=kefu.clock)
    return RedirectResponse("/logistics#tasks", status_code=303)


@router.post("/logistics/settings/{code}")
def save_settings(
    request: Request,
    code: Code,
    kefu: KefuDep,
    who: TemplateManager,
    no_update_days: Annotated[str, Form(max_length=MAX_TABLE)],
    pickup_days: Annotated[str, Form(max_length=3)],
    promise_at_risk_days: Annotated[str, Form(max_length=3)],
) -> Response:
    try:
        th = LogisticsThresholds.from_dict(
            {
                "no_update_days": _table(no_update_days),
                "pickup_days": _int("pickup_days", pickup_days),
                "promise_at_risk_days": _int("promise_at_risk_days", promise_at_risk_days),
            }
        )
        logistics.save_thresholds(who, code, th, uow=kefu.uow(), clock=kefu.clock)
    except RowErrors as wrong:
        query = BoardQuery()
        return _page(request, kefu, who, query, error=wrong.message, status=422)
    return RedirectResponse("/logistics#settings", status_code=303)


def _page(
    request: Request,
    kefu: KefuDep,
    who: Principal,
    query: BoardQuery,
    *,
    results: list[Acted] | None = None,
    error: str | None = None,
    status: int = 200,
) -> Response:
    found = logistics.board(who, query.filters(), uow=kefu.uow(), clock=kefu.clock)
    stores = deadlines.choices(who, uow=kefu.uow()).stores
    selected = {k: v for k, v in request.query_params.items() if v and k in BoardQuery.model_fields}
    chart = {
        "labels": [a.value for a in Anomaly],
        "counts": [found.counts[a] for a in Anomaly],
    }
    settings: list[dict[str, Any]] = []
    if who.can(Permission.MANAGE_TEMPLATES):
        for store in stores:
            th = logistics.thresholds(who, store.code, uow=kefu.uow())
            table = "\n".join(f"{k} = {v}" for k, v in th.no_update_days.items())
            settings.append({"store": store, "th": th, "table": table})
    response = render_page(
        request,
        "pages/logistics.html",
        {
            "nav": "logistics",
            "found": found,
            "stores": stores,
            "anomalies": [a.value for a in Anomaly],
            "selected": selected,
            "query_without_page": urlencode({k: v for k, v in selected.items() if k != "page"}),
            "chart_json": json.dumps(chart, ensure_ascii=False).replace("</", "<\\/"),
            "results": results or [],
            "error": error,
            "open_tasks": tasks.tasks(who, uow=kefu.uow(), open_only=True, limit=100),
            "settings": settings,
            "last_page": max(1, -(-found.total // found.page_size)),
        },
    )
    response.status_code = status
    return response


def _item(value: str) -> tuple[int, str] | None:
    parcel, _, anomaly = value.partition(":")
    return (int(parcel), anomaly) if parcel.isdigit() and 0 < int(parcel) < 2**31 else None


def _int(field: str, value: str) -> int:
    if not value.strip().isdigit():
        raise RowErrors([FieldError(field, "must be a whole number of days", value=value)])
    return int(value.strip())


def _table(text: str) -> dict[str, int]:
    """ "key = days" per line, as the form shows the table."""
    out: dict[str, int] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        key, sep, days = line.rpartition("=")
        if not sep or not days.strip().isdigit():
            raise RowErrors(
                [
                    FieldError(
                        "no_update_days",
                        f'line {number}: write "{ANY} = 10", "US = 12" or "China Post/BR = 20"',
                        value=line,
                    )
                ]
            )
        out[key.strip()] = int(days.strip())
    return out
