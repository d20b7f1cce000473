"""The shop's stores: listed for whoever may see them; changed by the main account alone."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path
from pydantic import BaseModel, Field

from kefu.services import shop
from kefu.web.deps import KefuDep
from kefu.web.security import InboxViewer, ShopManager

router = APIRouter(prefix="/api/v1", tags=["stores"])


class StoreOut(BaseModel):
    code: str
    name: str
    platform: str
    timezone: str


class StoreIn(BaseModel):
    name: str = Field(max_length=200, description="no control or invisible characters")
    timezone: str = Field(max_length=64, description="IANA zone: the store's days for KPIs")


@router.get("/stores", response_model=list[StoreOut], summary="The stores given to the caller")
def list_stores(kefu: KefuDep, who: InboxViewer) -> list[StoreOut]:
    return [
        StoreOut(code=s.code, name=s.name, platform=s.platform, timezone=s.timezone)
        for s in shop.given_stores(who, uow=kefu.uow())
    ]


@router.put(
    "/stores/{code}",
    status_code=204,
    summary="Rename a store or change its zone (main account only: managing the shop)",
)
def put_store(
    code: Annotated[str, Path(max_length=64)], body: StoreIn, kefu: KefuDep, who: ShopManager
) -> None:
    shop.update_store(
        who, code, name=body.name, timezone=body.timezone, uow=kefu.uow(), clock=kefu.clock
    )
