"""GET /api/v1/tracking/providers: each tracking provider's health, quota and since when
its data is stale (docs/tracking.md "Providers"); the work is services/tracking_refresh.py's."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from fastapi import APIRouter
from pydantic import BaseModel, Field

from kefu.domain.tracking_polls import health
from kefu.services import tracking_refresh
from kefu.services.ports import ProviderState
from kefu.web.deps import KefuDep
from kefu.web.i18n import translations
from kefu.web.labels import LABELS
from kefu.web.security import InboxViewer

router = APIRouter(prefix="/api/v1", tags=["tracking"])


class ProviderOut(BaseModel):
    name: str = Field(description='the provider, e.g. "17track"')
    health: Literal["ok", "stale", "never"] = Field(
        description="stale: its last run failed (see stale_since); never: no success yet"
    )
    label_en: str
    label_zh: str
    stale_since: datetime | None = Field(description="the first failure after a success")
    last_success_at: datetime | None
    last_error: str | None
    last_error_at: datetime | None
    quota_total: int | None
    quota_used: int | None
    quota_remaining: int | None
    quota_checked_at: datetime | None


def _out(state: ProviderState) -> ProviderOut:
    shown = health(state.stale_since, state.last_success_at)
    label = LABELS["tracking_provider_health"][shown]
    remaining = (
        state.quota_total - state.quota_used
        if state.quota_total is not None and state.quota_used is not None
        else None
    )
    return ProviderOut(
        name=state.name,
        health=shown,
        label_en=label,
        label_zh=translations("zh_CN").gettext(label),
        stale_since=state.stale_since,
        last_success_at=state.last_success_at,
        last_error=state.last_error,
        last_error_at=state.last_error_at,
        quota_total=state.quota_total,
        quota_used=state.quota_used,
        quota_remaining=remaining,
        quota_checked_at=state.quota_checked_at,
    )


@router.get(
    "/tracking/providers",
    response_model=list[ProviderOut],
    summary="Tracking providers: health, quota and since when their data is stale",
)
def list_providers(kefu: KefuDep, who: InboxViewer) -> list[ProviderOut]:
    return [_out(s) for s in tracking_refresh.provider_states(who, uow=kefu.uow())]
