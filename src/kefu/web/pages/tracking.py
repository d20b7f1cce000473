"""The tracking review page (docs/tracking.md "Unmapped texts", "Orphans"): the texts no rule
maps, each with a form to map it to a status, and the numbers with events kept aside. The
same lists as GET /api/v1/tracking/unmapped and /orphans; for leads and the owner."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from kefu.domain.types import TrackingStatus
from kefu.services import tracking
from kefu.services.tracking import MAX_RULE_TEXT
from kefu.web.api.tracking import Reviewer
from kefu.web.deps import KefuDep
from kefu.web.templating import render_page

router = APIRouter(include_in_schema=False)
SHOWN = 200


@router.get("/tracking/review")
def review_page(request: Request, kefu: KefuDep, who: Reviewer) -> Response:
    texts, total_texts = tracking.unmapped(who, uow=kefu.uow(), limit=SHOWN)
    orphans, total_orphans = tracking.orphans(who, uow=kefu.uow(), limit=SHOWN)
    return render_page(
        request,
        "pages/tracking_review.html",
        {
            "nav": "tracking_review",
            "texts": texts,
            "total_texts": total_texts,
            "orphans": orphans,
            "total_orphans": total_orphans,
            "rules": tracking.text_rules(who, uow=kefu.uow()),
            "statuses": [s.value for s in TrackingStatus],
            "mapped": request.query_params.get("mapped", "")[:MAX_RULE_TEXT],
        },
    )


@router.post("/tracking/review/rules")
def map_text_action(
    kefu: KefuDep,
    who: Reviewer,
    text: Annotated[str, Form(min_length=1, max_length=MAX_RULE_TEXT)],
    status: Annotated[str, Form(max_length=32)],
) -> Response:
    """Save the lead's rule; the page comes back with the text gone from the list."""
    done = tracking.map_text(who, text, status, uow=kefu.uow(), clock=kefu.clock)
    return RedirectResponse(f"/tracking/review?mapped={done.events}", status_code=303)
