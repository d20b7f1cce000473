"""POST /api/v1/ratings: buyers' satisfaction ratings, idempotent on (store, rating id)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body
from starlette.concurrency import run_in_threadpool

from kefu.services.ratings import ingest_ratings
from kefu.web.api.messages import within_scope
from kefu.web.deps import KefuDep
from kefu.web.schemas import IngestReportOut, RatingIn, RowErrorOut
from kefu.web.security import Importer

router = APIRouter(prefix="/api/v1", tags=["ratings"])
MAX_BATCH = 5000


@router.post(
    "/ratings",
    response_model=IngestReportOut,
    summary="Store buyers' satisfaction ratings (1-5) of conversations",
    description=(
        "A list of ratings, as the marketplace reports them or a survey collects them. Good "
        "items are stored in one transaction; each bad item is listed with its 1-based row, "
        "field and reason. Sending the same rating ids again stores nothing new."
    ),
)
async def post_ratings(
    body: Annotated[list[RatingIn], Body(max_length=MAX_BATCH)], kefu: KefuDep, who: Importer
) -> IngestReportOut:
    items = [item.model_dump(exclude_none=True, mode="json") for item in body]
    allowed, refused = within_scope(kefu, who, items)
    report = await run_in_threadpool(
        ingest_ratings, [item for _, item in allowed], kefu.uow(), kefu.clock
    )
    rows = [row for row, _ in allowed]
    errors = [
        RowErrorOut(
            row=rows[e.row - 1] if e.row else None, field=e.field, reason=e.reason, value=e.value
        )
        for e in report.errors
    ] + refused
    return IngestReportOut(
        received=len(body),
        accepted=report.accepted,
        duplicates=report.duplicates,
        errors=sorted(errors, key=lambda e: e.row or 0),
    )
