"""The Search screen (docs/search.md): one box, results ranked and highlighted; an HTMX
request gets only the results list, so the inbox's list pane can show it in place."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from kefu.domain.errors import InvalidInput
from kefu.domain.search import MAX_PAGE_SIZE, MAX_QUERY_CHARS
from kefu.services import search
from kefu.web.api.search import MAX_PAGE
from kefu.web.deps import KefuDep
from kefu.web.security import InboxViewer
from kefu.web.templating import render_page

router = APIRouter(include_in_schema=False)
PAGE_SIZE = 20


@router.get("/search")
def search_page(
    request: Request,
    kefu: KefuDep,
    who: InboxViewer,
    q: Annotated[str, Query(max_length=4 * MAX_QUERY_CHARS)] = "",
    page: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 1,
    page_size: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = PAGE_SIZE,
) -> Response:
    found: search.SearchPage | None = None
    problem: str | None = None
    if q.strip():
        try:
            found = search.search(who, q, page=page, page_size=page_size, uow=kefu.uow())
        except search.QueryTooLong:
            problem = "too_long"
        except InvalidInput:
            problem = "invalid"
    htmx = request.headers.get("HX-Request") == "true"
    return render_page(
        request,
        "partials/search_results.html" if htmx else "pages/search.html",
        {
            "q": q,
            "found": found,
            "problem": problem,
            "max_chars": MAX_QUERY_CHARS,
            "page_link": lambda n: "/search?" + urlencode({"q": q, "page": n}),
        },
    )
