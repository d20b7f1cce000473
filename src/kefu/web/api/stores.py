"""The shop's stores: listed for whoever may see them; added, changed and archived by the
main account alone (docs/stores.md)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Path, Response
from pydantic import BaseModel, Field

from kefu.domain.stores import StoreDraft
from kefu.domain.types import Marketplace
from kefu.services import shop
from kefu.web.deps import KefuDep
from kefu.web.security import InboxViewer, ShopManager

router = APIRouter(prefix="/api/v1", tags=["stores"])

Code = Annotated[str, Path(min_length=1, max_length=64, description="the store's code")]


class ErrorOut(BaseModel):
    error: str
    message: str
    errors: list[dict[str, Any]] | None = None


ERRORS: dict[int | str, dict[str, Any]] = {
    404: {"model": ErrorOut, "description": "no store with this code"},
    # Two shapes: a domain check ({"error", "message", "errors": [one per field]}) or
    # FastAPI's request validation ({"detail"}), so no single model is claimed.
    422: {"description": "a field is wrong: `errors` (or `detail`) names each"},
}


class StoreOut(BaseModel):
    code: str
    name: str
    platform: str
    timezone: str


class ShopStoreOut(StoreOut):
    site: str
    currency: str
    holiday_country: str | None
    archived_at: datetime | None


class StoreIn(BaseModel):
    name: str = Field(max_length=200, description="no control or invisible characters")
    timezone: str = Field(max_length=64, description="IANA zone: the store's days for KPIs")
    site: str | None = Field(
        default=None, max_length=32, description="a site of the store's platform; absent: kept"
    )
    currency: str | None = Field(
        default=None, max_length=3, description="ISO 4217 (USD); absent: kept"
    )
    holiday_country: str | None = Field(
        default=None,
        max_length=2,
        description="ISO 3166 alpha-2 with a holiday calendar; null or empty: none; absent: kept",
    )


class NewStoreIn(BaseModel):
    code: str = Field(max_length=64, description="2–64 characters a-z, 0-9, '-'; never changes")
    platform: Marketplace
    site: str = Field(max_length=32, description="a site of the platform: amazon.de, ebay.co.uk…")
    name: str = Field(max_length=200, description="no control or invisible characters")
    currency: str = Field(max_length=3, description="ISO 4217 (USD, EUR, GBP, CNY…)")
    timezone: str = Field(max_length=64, description="IANA zone: the store's days for KPIs")
    holiday_country: str | None = Field(
        default=None, max_length=2, description="ISO 3166 alpha-2 with a public-holiday calendar"
    )


def _out(view: shop.StoreView) -> ShopStoreOut:
    return ShopStoreOut(
        code=view.code,
        name=view.name,
        platform=view.platform,
        timezone=view.timezone,
        site=view.site,
        currency=view.currency,
        holiday_country=view.holiday_country,
        archived_at=view.archived_at,
    )


@router.get("/stores", response_model=list[StoreOut], summary="The stores given to the caller")
def list_stores(kefu: KefuDep, who: InboxViewer) -> list[StoreOut]:
    """Archived stores are left out."""
    return [
        StoreOut(code=s.code, name=s.name, platform=s.platform, timezone=s.timezone)
        for s in shop.given_stores(who, uow=kefu.uow())
    ]


@router.post(
    "/stores",
    status_code=201,
    response_model=ShopStoreOut,
    summary="Add a store (main account only: managing the shop)",
    responses={
        409: {"model": ErrorOut, "description": "a store with this code exists (maybe archived)"},
        422: ERRORS[422],
    },
)
def post_store(body: NewStoreIn, kefu: KefuDep, who: ShopManager) -> ShopStoreOut:
    draft = StoreDraft(
        code=body.code,
        platform=body.platform.value,
        site=body.site,
        name=body.name,
        currency=body.currency,
        timezone=body.timezone,
        holiday_country=body.holiday_country,
    )
    view = shop.create_store(who, draft, checks=kefu.store_checks, uow=kefu.uow(), clock=kefu.clock)
    return _out(view)


@router.put(
    "/stores/{code}",
    status_code=204,
    summary="Change a store's name, zone, site, currency or holidays (main account only)",
    responses=ERRORS,
)
def put_store(code: Code, body: StoreIn, kefu: KefuDep, who: ShopManager) -> None:
    shop.update_store(
        who,
        code,
        name=body.name,
        timezone=body.timezone,
        site=body.site,
        currency=body.currency,
        holiday_country=(
            body.holiday_country if "holiday_country" in body.model_fields_set else shop.KEEP
        ),
        checks=kefu.store_checks,
        uow=kefu.uow(),
        clock=kefu.clock,
    )


@router.delete(
    "/stores/{code}",
    status_code=204,
    summary="Archive a store: its history stays, it leaves inbox, routing and imports",
    responses={404: ERRORS[404]},
)
def delete_store(code: Code, kefu: KefuDep, who: ShopManager) -> Response:
    """Idempotent: archiving an archived store answers 204 too."""
    shop.archive_store(who, code, uow=kefu.uow(), clock=kefu.clock)
    return Response(status_code=204)
