"""The deadlines board page (docs/deadlines.md): the same list as GET /api/v1/deadlines,
with time left as a person reads it and, for a lead, the overdue and at-risk counts per
agent as a table and a bar chart."""

from __future__ import annotations

import json
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from kefu.domain.cases.model import CaseKind
from kefu.domain.elapsed import format_elapsed
from kefu.services import deadlines
from kefu.web.api.deadlines import DeadlinesQuery
from kefu.web.deps import KefuDep
from kefu.web.i18n import negotiate
from kefu.web.security import InboxViewer
from kefu.web.templating import render_page

router = APIRouter(include_in_schema=False)


@router.get("/deadlines")
def deadlines_page(
    request: Request, kefu: KefuDep, who: InboxViewer, query: Annotated[DeadlinesQuery, Query()]
) -> Response:
    page = deadlines.board(who, query.filters(who), uow=kefu.uow(), clock=kefu.clock)
    locale = negotiate(request, kefu.settings.default_locale)
    rows: list[dict[str, Any]] = [
        {
            "item": item,
            "urgency": item.urgency(page.now).value,
            "left": format_elapsed(abs(item.left(page.now)), locale),
        }
        for item in page.items
    ]
    options = deadlines.choices(who, uow=kefu.uow())
    selected = {k: v for k, v in request.query_params.items() if v and k != "page"}
    chart = {
        "labels": [a.holder_name or "" for a in page.by_agent],
        "overdue": [a.overdue for a in page.by_agent],
        "at_risk": [a.at_risk for a in page.by_agent],
    }
    return render_page(
        request,
        "pages/deadlines.html",
        {
            "nav": "deadlines",
            "found": page,
            "rows": rows,
            "stores": options.stores,
            "people": options.people,
            "kinds": [k.value for k in CaseKind],
            "selected": selected,
            "query_without_page": urlencode(selected),
            "chart_json": json.dumps(chart, ensure_ascii=False).replace("</", "<\\/"),
        },
    )
