"""GET /api/v1/reports/quality: red-marked quality problems per product and period."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field, model_validator

from kefu.bootstrap import Kefu
from kefu.domain.errors import InvalidInput
from kefu.services.access import Principal
from kefu.services.quality import MAX_DAYS, QualityReport, quality_report
from kefu.services.reports import FIRST_DAY, LAST_DAY
from kefu.web.deps import KefuDep
from kefu.web.security import ReportViewer

router = APIRouter(prefix="/api/v1", tags=["reports"])


class QualityQuery(BaseModel):
    start: date = Field(
        alias="from", ge=FIRST_DAY, le=LAST_DAY, description="first store-local day"
    )
    end: date = Field(alias="to", ge=FIRST_DAY, le=LAST_DAY, description="last store-local day")
    store: str | None = Field(None, description="store code; all yours without")

    @model_validator(mode="after")
    def range_is_sane(self) -> QualityQuery:
        if self.end < self.start:
            raise InvalidInput("'to' is before 'from'", field="to")
        if (self.end - self.start).days >= MAX_DAYS:
            raise InvalidInput(f"at most {MAX_DAYS} days at a time", field="to")
        return self


def quality(kefu: Kefu, query: QualityQuery, who: Principal) -> QualityReport:
    """Shared by the API, the page and its CSV download."""
    return quality_report(
        who, start=query.start, end=query.end, store=query.store or None, uow=kefu.uow()
    )


@router.get(
    "/reports/quality",
    summary="Quality problems (red-marked conversations) per product, most first",
)
def quality_api(
    kefu: KefuDep, who: ReportViewer, query: Annotated[QualityQuery, Query()]
) -> dict[str, Any]:
    result = quality(kefu, query, who)
    return {
        "from": result.start.isoformat(),
        "to": result.end.isoformat(),
        "store": result.store,
        "total": result.total,
        "products": [
            {
                "store": r.store,
                "sku": r.sku,
                "title": r.title,
                "conversations": r.conversations,
                "by_source": r.by_source,
                "orders": r.orders,
                "share": r.share,
                "latest_conversation_id": r.latest_conversation_id,
                "latest_at": r.latest_at.isoformat(),
            }
            for r in result.rows
        ],
    }
