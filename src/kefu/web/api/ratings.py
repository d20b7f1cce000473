"""POST /api/v1/ratings: buyers' satisfaction ratings, idempotent on (store, rating id)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body
from starlette.concurrency import run_in_threadpool

from kefu.services.ratings import import_ratings
from kefu.web.api.messages import report_out
from kefu.web.deps import KefuDep
from kefu.web.schemas import IngestReportOut, RatingIn
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
    report = await run_in_threadpool(import_ratings, who, items, kefu.uow(), kefu.clock)
    return report_out(report)
