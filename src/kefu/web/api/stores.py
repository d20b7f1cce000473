"""The shop's stores: listed for whoever may see them; changed by the main account alone."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel, Field

from kefu.services import shop
from kefu.web.deps import KefuDep
from kefu.web.security import InboxViewer, ShopManager, visible_store

router = APIRouter(prefix="/api/v1", tags=["stores"])


class StoreOut(BaseModel):
    code: str
    name: str
    platform: str
    timezone: str


class StoreIn(BaseModel):
    name: str = Field(max_length=200)
    timezone: str = Field(max_length=64, description="IANA zone: the store's days for KPIs")


@router.get("/stores", response_model=list[StoreOut], summary="The stores given to the caller")
def list_stores(kefu: KefuDep, who: InboxViewer) -> list[StoreOut]:
    with kefu.uow() as uow:
        stores = uow.queries.stores()
    return [
        StoreOut(code=s.code, name=s.name, platform=s.platform, timezone=s.timezone)
        for s in stores
        if who.sees_store(s.id)
    ]


@router.put(
    "/stores/{code}",
    status_code=204,
    summary="Rename a store or change its zone (main account only: managing the shop)",
)
def put_store(code: str, body: StoreIn, kefu: KefuDep, who: ShopManager) -> None:
    store = visible_store(kefu, who, code)
    shop.update_store(
        who, store, name=body.name, timezone=body.timezone, uow=kefu.uow(), clock=kefu.clock
    )
