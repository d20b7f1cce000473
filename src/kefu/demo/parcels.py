"""The demo's parcels for the logistics board (docs/logistics.md): one of each anomaly, a
parcel waiting at the post office whose buyer has a conversation, and an Amazon parcel
lost on the way (a task, never a message). Added after the random shop is drawn, so the
rest of the demo stays the same for a given seed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from kefu.domain.types import OrderStatus, TrackingStatus
from kefu.services.ports import (
    BuyerIn,
    Catalog,
    OrderIn,
    OrderLineIn,
    ParcelIn,
    ProductIn,
    TrackingEventIn,
)

POST_OFFICE_ORDER = "DEMO-POST-1"
AMAZON_LOST_ORDER = "DEMO-AMZ-LOST"


@dataclass(frozen=True)
class _Plan:
    store: str
    order_number: str
    buyer: tuple[str, str, str, str]  # platform id, name, country, language
    carrier: str
    tracking_number: str
    status: TrackingStatus
    days_ago: float  # since the latest event
    promised_in_days: float | None = None


PLANS = (
    _Plan(
        "ali-global",
        POST_OFFICE_ORDER,
        ("ali-b-demo-post", "Lucía Fernández", "ES", "es"),
        "China Post Air Mail",
        "LP00777000000001",
        TrackingStatus.AWAITING_PICKUP,
        2,
    ),
    _Plan(
        "amazon-us",
        AMAZON_LOST_ORDER,
        ("amz-b-demo-lost", "Michael Turner", "US", "en"),
        "UPS",
        "1Z999AA10123456784",
        TrackingStatus.LOST,
        3,
    ),
    _Plan(
        "ali-global",
        "DEMO-CUSTOMS-1",
        ("ali-b-demo-customs", "João Silva", "BR", "pt"),
        "Cainiao Super Economy",
        "LP00777000000002",
        TrackingStatus.CUSTOMS_HOLD,
        4,
    ),
    _Plan(
        "ebay-uk",
        "DEMO-FAILED-1",
        ("ebay-b-demo-failed", "Emily Clarke", "GB", "en"),
        "YunExpress",
        "YT7700000000000003",
        TrackingStatus.FAILED_DELIVERY,
        1,
    ),
    _Plan(
        "wish-global",
        "DEMO-RETURN-1",
        ("wish-b-demo-return", "Lukas Becker", "DE", "de"),
        "4PX",
        "4PX770000000004",
        TrackingStatus.RETURNING,
        2,
    ),
    _Plan(
        "ali-global",
        "DEMO-LOST-1",
        ("ali-b-demo-lost", "Marie Dubois", "FR", "fr"),
        "Cainiao Super Economy",
        "LP00777000000005",
        TrackingStatus.LOST,
        5,
    ),
    _Plan(
        "ali-global",
        "DEMO-QUIET-1",
        ("ali-b-demo-quiet", "Ivan Petrov", "RU", "ru"),
        "China Post Air Mail",
        "LP00777000000006",
        TrackingStatus.IN_TRANSIT,
        16,
    ),
    _Plan(
        "ali-global",
        "DEMO-SOON-1",
        ("ali-b-demo-soon", "Giulia Russo", "IT", "it"),
        "Cainiao Super Economy",
        "LP00777000000007",
        TrackingStatus.IN_TRANSIT,
        1,
        promised_in_days=2,
    ),
    _Plan(
        "ebay-uk",
        "DEMO-LATE-1",
        ("ebay-b-demo-late", "Jan de Vries", "NL", "nl"),
        "YunExpress",
        "YT7700000000000008",
        TrackingStatus.ARRIVED_DESTINATION,
        1,
        promised_in_days=-3,
    ),
)


def add_board_parcels(catalog: Catalog, now: datetime) -> None:
    """Append the plans' buyers and orders (each with one parcel) to the catalog."""
    first_product: dict[str, ProductIn] = {}
    for sold in catalog.products:
        first_product.setdefault(sold.store_code, sold)
    for plan in PLANS:
        product = first_product.get(plan.store)
        if product is None:  # a demo scaled down so far that the store sells nothing
            continue
        platform_id, name, country, language = plan.buyer
        catalog.buyers.append(BuyerIn(plan.store, platform_id, name, country, language))
        latest = now - timedelta(days=plan.days_ago)
        shipped = latest - timedelta(days=12)
        promised = (
            None if plan.promised_in_days is None else now + timedelta(days=plan.promised_in_days)
        )
        catalog.orders.append(
            OrderIn(
                store_code=plan.store,
                buyer=(plan.store, platform_id),
                order_number=plan.order_number,
                status=OrderStatus.SHIPPED,
                placed_at=shipped - timedelta(days=2),
                lines=(OrderLineIn(product.sku, product.title, 1, product.price_cents),),
                paid_at=shipped - timedelta(days=2),
                promised_delivery_at=promised,
                ship_to_country=country,
                parcels=(
                    ParcelIn(
                        plan.carrier,
                        plan.tracking_number,
                        shipped,
                        events=(
                            TrackingEventIn(
                                shipped,
                                TrackingStatus.INFO_RECEIVED,
                                "Shenzhen, CN",
                                "Shipment information received",
                            ),
                            TrackingEventIn(latest, plan.status, country, _TEXT[plan.status]),
                        ),
                    ),
                ),
            )
        )


def post_office_message(now: datetime) -> dict[str, Any]:
    """The buyer of the parcel at the post office asks where it is (a conversation)."""
    return {
        "store": "ali-global",
        "message_id": "demo-post-office-1",
        "buyer_id": "ali-b-demo-post",
        "buyer_name": "Lucía Fernández",
        "buyer_country": "ES",
        "buyer_language": "es",
        "order_number": POST_OFFICE_ORDER,
        "sent_at": (now - timedelta(hours=3)).isoformat(),
        "text": "Hola, ¿dónde está mi pedido? Hace tiempo que no sé nada del paquete.",
    }


_TEXT = {
    TrackingStatus.AWAITING_PICKUP: "Arrived at the local post office, waiting for collection",
    TrackingStatus.LOST: "Parcel reported lost by the carrier",
    TrackingStatus.CUSTOMS_HOLD: "Held by customs: information required from the receiver",
    TrackingStatus.FAILED_DELIVERY: "Delivery attempt failed: receiver not at home",
    TrackingStatus.RETURNING: "Returning to sender: not collected",
    TrackingStatus.IN_TRANSIT: "Departed the country of origin",
    TrackingStatus.ARRIVED_DESTINATION: "Arrived at the destination sorting centre",
}
