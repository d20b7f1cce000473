"""GET /api/v1/reports/kpi: the SPEC §11 KPIs, the period before, and the daily trend."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field, model_validator

from kefu.bootstrap import Kefu
from kefu.domain.errors import InvalidInput
from kefu.services.access import Principal
from kefu.services.reports import (
    FIRST_DAY,
    LAST_DAY,
    KpiDashboard,
    breakdown_values,
    dashboard_for,
)
from kefu.web.deps import KefuDep
from kefu.web.security import ReportViewer

router = APIRouter(prefix="/api/v1", tags=["reports"])
MAX_DAYS = 366


class KpiQuery(BaseModel):
    start: date = Field(
        alias="from", ge=FIRST_DAY, le=LAST_DAY, description="first store-local day"
    )
    end: date = Field(alias="to", ge=FIRST_DAY, le=LAST_DAY, description="last store-local day")
    store: str | None = Field(None, description="store code")
    agent: str | None = Field(None, description="username: the conversations assigned to them")
    final: bool = Field(False, description="final data only (T+3)")

    @model_validator(mode="after")
    def range_is_sane(self) -> KpiQuery:
        if self.end < self.start:
            raise InvalidInput("'to' is before 'from'", field="to")
        if (self.end - self.start).days >= MAX_DAYS:
            raise InvalidInput(f"at most {MAX_DAYS} days at a time", field="to")
        return self


def dashboard(kefu: Kefu, query: KpiQuery, who: Principal) -> KpiDashboard:
    """Shared by the API, the dashboard page and its downloads."""
    return dashboard_for(
        who,
        start=query.start,
        end=query.end,
        store=query.store,
        agent=query.agent,
        final_only=query.final,
        uow=kefu.uow(),
        clock=kefu.clock,
    )


@router.get("/reports/kpi", summary="KPIs exactly as SPEC §11 defines them, with the period before")
def kpi(kefu: KefuDep, who: ReportViewer, query: Annotated[KpiQuery, Query()]) -> dict[str, Any]:
    result = dashboard(kefu, query, who)
    return {
        "from": result.current.start.isoformat(),
        "to": result.current.end.isoformat(),
        "store": query.store,
        "agent": query.agent,
        "metrics": result.current.values(),
        "previous": {
            "from": result.previous.start.isoformat(),
            "to": result.previous.end.isoformat(),
            "metrics": result.previous.values(),
        },
        "backlog": result.backlog,
        "by_store": {
            code: {"platform": result.breakdowns.platforms[code], **breakdown_values(k)}
            for code, k in result.by_store
        },
        "by_platform": {name: breakdown_values(k) for name, k in result.breakdowns.by_platform},
        "by_agent": {name: breakdown_values(k) for name, k in result.by_agent},
        "by_intent": [
            {
                "intent": row.intent,
                "messages": row.messages,
                "share": row.share,
                "sub_intents": [
                    {"sub_intent": s.sub_intent, "messages": s.messages, "share": s.share}
                    for s in row.sub_intents
                ],
            }
            for row in result.by_intent
        ],
        "daily": [
            {
                "day": day.isoformat(),
                "messages_received": k.messages_received,
                "reply_rate_24h": k.reply_rate_24h,
                "buyers_served": k.buyers_served,
            }
            for day, k in result.daily
        ],
    }
