"""Loading a shop's stores, team, products and orders (the demo and channel order syncs use it)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from kefu.domain.types import Marketplace, OrderStatus, TrackingStatus
from kefu.services.ports import UnitOfWork


@dataclass(frozen=True)
class StoreIn:
    code: str
    name: str
    platform: Marketplace
    site: str
    timezone: str


@dataclass(frozen=True)
class AccountIn:
    username: str
    display_name: str
    role: str
    languages: tuple[str, ...] = ()
    is_main: bool = False


@dataclass(frozen=True)
class ProductIn:
    store_code: str
    sku: str
    title: str
    category: str
    price_cents: int
    stock: int
    weight_g: int
    size_chart: dict[str, Any] | None = None


@dataclass(frozen=True)
class TrackingEventIn:
    occurred_at: datetime
    status: TrackingStatus
    location: str | None
    description: str


@dataclass(frozen=True)
class ParcelIn:
    carrier: str
    tracking_number: str
    shipped_at: datetime | None
    is_reshipment: bool = False
    events: tuple[TrackingEventIn, ...] = ()


@dataclass(frozen=True)
class OrderLineIn:
    sku: str
    title: str
    quantity: int
    unit_price_cents: int


@dataclass(frozen=True)
class BuyerIn:
    store_code: str
    platform_buyer_id: str
    name: str
    country: str
    language: str


@dataclass(frozen=True)
class OrderIn:
    store_code: str
    buyer: tuple[str, str]  # (store code, platform buyer id)
    order_number: str
    status: OrderStatus
    placed_at: datetime
    lines: tuple[OrderLineIn, ...]
    shipping_cents: int = 0
    paid_at: datetime | None = None
    promised_delivery_at: datetime | None = None
    delivered_at: datetime | None = None
    note: str | None = None
    is_wholesale: bool = False
    ship_to_country: str | None = None
    parcels: tuple[ParcelIn, ...] = ()

    @property
    def total_cents(self) -> int:
        return (
            sum(line.quantity * line.unit_price_cents for line in self.lines) + self.shipping_cents
        )


@dataclass
class Catalog:
    organisation: str
    stores: list[StoreIn] = field(default_factory=list)
    accounts: list[AccountIn] = field(default_factory=list)
    products: list[ProductIn] = field(default_factory=list)
    buyers: list[BuyerIn] = field(default_factory=list)
    orders: list[OrderIn] = field(default_factory=list)


def load_catalog(catalog: Catalog, uow: UnitOfWork, now: datetime) -> None:
    """Store a whole catalog in one transaction: all of it or none of it."""
    with uow:
        uow.catalog.add(catalog, now)
        uow.commit()
