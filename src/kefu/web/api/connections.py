"""A store's connection to its marketplace's API (main account only; keys never returned,
only their last four characters) and its sync now (docs/channels.md)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Path, Response
from pydantic import BaseModel, Field, StringConstraints
from starlette.concurrency import run_in_threadpool

from kefu.domain.errors import NotFound
from kefu.services import connections, sync
from kefu.web.api.stores import ERRORS, ErrorOut
from kefu.web.deps import KefuDep
from kefu.web.security import ShopManager

router = APIRouter(prefix="/api/v1", tags=["marketplaces"])

Code = Annotated[str, Path(min_length=1, max_length=64, description="the store's code")]
CredentialName = Annotated[str, StringConstraints(min_length=1, max_length=64)]
CredentialValue = Annotated[str, StringConstraints(max_length=sync.MAX_CREDENTIAL_CHARS)]
NOT_CONNECTED: dict[int | str, dict[str, Any]] = {
    404: {"model": ErrorOut, "description": "no such store, or it is not connected"}
}


def _platforms() -> str:
    return "; ".join(
        f"{platform}: {', '.join(names)}"
        + (f" (optional: {', '.join(optional)})" if optional else "")
        for platform, (names, optional) in connections.fields().items()
    )


class ConnectionIn(BaseModel):
    base_url: str = Field(
        max_length=300,
        description="the platform's API address (AliExpress: https://api-sg.aliexpress.com); "
        "https, plain http only to this machine",
    )
    credentials: dict[CredentialName, CredentialValue] = Field(
        max_length=10,
        description="the keys the platform issued, by name, all of them each time "
        f"(per platform: {_platforms()})",
    )
    interval_minutes: int = Field(5, ge=1, le=1440, description="how often the store syncs")
    backfill_days: int = Field(30, ge=0, le=180, description="how far back the first sync reads")


class SyncHealthOut(BaseModel):
    last_sync_at: datetime | None
    last_success_at: datetime | None
    last_pulled: int = Field(description="messages pulled by the last sync")
    total_pulled: int
    error_code: str | None = Field(
        description="reconnect (the platform refused the token: connect the store again), "
        "refused (keys or permission), unavailable, rate_limited, secrets (no KEFU_SECRET_KEY)"
    )
    error_detail: str | None = Field(description="the platform's words")


class ConnectionOut(BaseModel):
    store: str
    platform: str
    base_url: str
    credentials: dict[str, str] = Field(description="masked: only the last four characters")
    enabled: bool
    interval_minutes: int
    backfill_days: int
    token_expires_at: datetime | None = Field(
        None, description="when the access token ends, when known (OAuth, or as entered)"
    )
    refresh_expires_at: datetime | None = Field(None, description="when the refresh token ends")
    health: SyncHealthOut


class SyncOut(BaseModel):
    pages: int = Field(description="pages read from the platform")
    pulled: int = Field(description="messages read")
    stored: int = Field(description="messages new to kefu")
    failed: list[str] = Field(description="'store: what went wrong', in words; empty: all well")
    records: dict[str, int] = Field(
        default_factory=dict,
        description="orders, products and parcels from the platform's order API, counted as "
        "an import counts them: created, updated, unchanged, stale, set_aside, rejected",
    )
    record_errors: list[str] = Field(
        default_factory=list,
        description="each refused record in words: store, kind, #place (key), field, reason",
    )


def _out(view: sync.ConnectionView) -> ConnectionOut:
    return ConnectionOut(
        store=view.store_code,
        platform=view.platform,
        base_url=view.base_url,
        credentials=view.credentials,
        enabled=view.enabled,
        interval_minutes=view.interval_minutes,
        backfill_days=view.backfill_days,
        token_expires_at=view.token_expires_at,
        refresh_expires_at=view.refresh_expires_at,
        health=SyncHealthOut(
            last_sync_at=view.last_sync_at,
            last_success_at=view.last_success_at,
            last_pulled=view.last_pulled,
            total_pulled=view.total_pulled,
            error_code=view.error_code,
            error_detail=view.error_detail,
        ),
    )


@router.get(
    "/stores/{code}/connection",
    response_model=ConnectionOut,
    summary="A store's marketplace connection with its health (main account; keys masked)",
    responses=NOT_CONNECTED,
)
def get_connection(code: Code, kefu: KefuDep, who: ShopManager) -> ConnectionOut:
    view = sync.connection(who, code, secrets=kefu.secrets, uow=kefu.uow())
    if view is None:
        raise NotFound(f"the store {code!r} is not connected to its marketplace")
    return _out(view)


@router.put(
    "/stores/{code}/connection",
    response_model=ConnectionOut,
    summary="Connect a store to its marketplace's API, or change the connection",
    description="The keys are sealed with KEFU_SECRET_KEY; the store's cursor starts again "
    "(the next sync reads back `backfill_days`). 422 names the field: a platform kefu has "
    "no adapter for, a missing key, plain http to another machine.",
    responses={
        **ERRORS,
        503: {"model": ErrorOut, "description": "no KEFU_SECRET_KEY to seal the keys"},
    },
)
def put_connection(
    code: Code, body: ConnectionIn, kefu: KefuDep, who: ShopManager
) -> ConnectionOut:
    view = connections.connect(
        who,
        code,
        base_url=body.base_url,
        credentials=body.credentials,
        interval_minutes=body.interval_minutes,
        backfill_days=body.backfill_days,
        secrets=kefu.secrets,
        uow=kefu.uow(),
        clock=kefu.clock,
    )
    return _out(view)


@router.delete(
    "/stores/{code}/connection",
    status_code=204,
    summary="Disconnect a store; its conversations stay (main account; idempotent)",
    responses={404: {"model": ErrorOut, "description": "no store with this code"}},
)
def delete_connection(code: Code, kefu: KefuDep, who: ShopManager) -> Response:
    sync.disconnect_store(who, code, uow=kefu.uow())
    return Response(status_code=204)


@router.post(
    "/stores/{code}/sync",
    response_model=SyncOut,
    summary="Sync a connected store now and answer its report",
    description="Pulls what changed on the platform since the store's cursor into the "
    "inbox. A refusal of the platform is not an error of this call: it is in `failed`, in "
    "words, and in the connection's health.",
    responses=NOT_CONNECTED,
)
async def post_sync(code: Code, kefu: KefuDep, who: ShopManager) -> SyncOut:
    report = await run_in_threadpool(
        sync.sync_now, who, code, uow_factory=kefu.uow, deps=kefu.marketplaces, clock=kefu.clock
    )
    return SyncOut(
        pages=report.pages,
        pulled=report.pulled,
        stored=report.stored,
        failed=report.failed,
        records=report.records,
        record_errors=report.record_errors,
    )
