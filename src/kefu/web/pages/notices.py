"""The Notices screen (docs/channels.md "Notices"): platform notices per store, newest
first, unread ones marked, with "Mark read" per notice and "Mark all read" per store."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response

from kefu.services import notices
from kefu.web.api.notices import NoticesQuery, reader_language
from kefu.web.deps import KefuDep
from kefu.web.params import MAX_ID
from kefu.web.security import InboxViewer
from kefu.web.templating import render_page

router = APIRouter(include_in_schema=False)


@router.get("/notices")
def notices_page(
    request: Request, kefu: KefuDep, who: InboxViewer, query: Annotated[NoticesQuery, Query()]
) -> Response:
    found = notices.list_notices(
        who,
        store=query.store,
        platform=query.platform,
        unread=query.unread,
        page=query.page,
        language=reader_language(request, kefu),
        uow=kefu.uow(),
    )
    selected = {k: v for k, v in request.query_params.items() if v and k != "page"}
    return render_page(
        request,
        "pages/notices.html",
        {
            "found": found,
            "stores": notices.stores(who, uow=kefu.uow()),
            "selected": selected,
            "query_without_page": urlencode(selected),
            "last_page": max(1, -(-found.total // found.page_size)),
        },
    )


@router.post("/notices/read")
def read_action(
    request: Request,
    kefu: KefuDep,
    who: InboxViewer,
    notice_id: Annotated[int | None, Form(ge=1, le=MAX_ID)] = None,
    store: Annotated[str, Form(max_length=64)] = "",
    back: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    """One notice (its "Mark read") or a store's every unread one ("Mark all read")."""
    ids = [notice_id] if notice_id is not None else None
    notices.mark_read(who, ids=ids, store=store or None, uow=kefu.uow(), clock=kefu.clock)
    target = back if back.startswith("/notices") else "/notices"
    return RedirectResponse(target, status_code=303)
