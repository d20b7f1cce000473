"""Plain read models the inbox screens and the API show (cosmic's views)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

PAGE_SIZE = 50


@dataclass(frozen=True)
class InboxFilters:
    """Inbox filters (foundation issue): every field narrows the list; None means any."""

    store_id: int | None = None
    platform: str | None = None
    stage: str | None = None
    state: str | None = None  # unread · open · waiting · closed · active (not closed) · all
    colour_mark: str | None = None
    assignee_id: int | None = None
    unassigned: bool = False
    language: str | None = None
    intent: str | None = None
    intent_group: str | None = None
    sub_intent: str | None = None  # of the latest buyer message, as `intent` is
    mood: str | None = None  # "upset" (any upset buyer) or "threat" (any threat)
    page: int = 1
    page_size: int = PAGE_SIZE
    visible_store_ids: frozenset[int] | None = None  # a sub-account's stores; None: all
    viewer_id: int | None = None  # that sub-account: others' products hidden (SPEC §7)


@dataclass(frozen=True)
class InboxRow:
    id: int
    store_code: str
    store_name: str
    platform: str
    buyer_name: str | None
    buyer_country: str | None
    language: str | None
    stage: str
    status: str
    unread: bool
    colour_mark: str | None
    assignee_name: str | None
    priority_reasons: tuple[str, ...]
    intent: str | None
    mood: tuple[str, ...]
    preview: str
    message_count: int
    last_message_at: datetime
    waiting_since: datetime | None
    order_number: str | None


@dataclass(frozen=True)
class InboxPage:
    rows: list[InboxRow]
    total: int
    page: int
    page_size: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.page_size))


@dataclass(frozen=True)
class MessageView:
    id: int
    direction: str
    sent_at: datetime
    text: str
    language: str | None
    is_automatic: bool
    author_name: str | None
    attachments: list[Any]
    delivery_status: str | None
    kind: str | None = None  # "notice" or "system" when direction is "platform"
    intent: str | None = None
    intent_guess: str | None = None
    intent_confidence: float | None = None
    sub_intent: str | None = None  # a finer intent under `intent` (domain/subintents.py)
    emotion: tuple[str, ...] = ()
    entities: list[dict[str, Any]] = field(default_factory=list)
    corrected: bool = False
    auto_kind: str | None = None
    delivery_attempts: int = 0
    delivery_error: str | None = None

    @property
    def unsure(self) -> bool:
        """Triage left it to a person: shown as `other`, with the model's guess beside it."""
        return (
            self.intent == "other"
            and self.intent_guess not in (None, "other")
            and not self.corrected
        )


@dataclass(frozen=True)
class BuyerView:
    id: int
    name: str | None
    country: str | None
    language: str | None
    timezone: str | None
    local_time: datetime | None
    kind: str
    order_count: int
    order_value_cents: int
    platform_buyer_id: str | None


@dataclass(frozen=True)
class OrderLineView:
    sku: str
    title: str
    quantity: int
    unit_price_cents: int

    @property
    def amount_cents(self) -> int:
        return self.quantity * self.unit_price_cents


@dataclass(frozen=True)
class TrackingEventView:
    occurred_at: datetime
    status: str
    location: str | None
    description: str


@dataclass(frozen=True)
class ParcelView:
    """A parcel beside the conversation (docs/tracking.md "Beside the conversation")."""

    carrier: str
    tracking_number: str
    tracking_url: str  # 17TRACK, for every number
    is_reshipment: bool
    shipped_at: datetime | None
    latest_event: TrackingEventView | None
    problem: bool
    carrier_url: str | None = None  # the carrier's own page, where known
    status: str | None = None  # the normalised latest status
    status_since: datetime | None = None
    # Newest first; the panel shows three and folds the rest.
    events: list[TrackingEventView] = field(default_factory=list)
    number_checked: bool = False  # a check digit was verified
    carrier_recognised: bool = False  # the number's shape names a carrier
    number_malformed: bool = False  # an S10 whose check digit is wrong (a typing error)


@dataclass(frozen=True)
class OrderView:
    id: int
    order_number: str
    status: str
    total_cents: int  # in minor units of `currency`, as are the lines' prices
    shipping_cents: int
    note: str | None
    is_wholesale: bool
    ship_to_country: str | None
    placed_at: datetime
    paid_at: datetime | None
    promised_delivery_at: datetime | None
    delivered_at: datetime | None
    lines: list[OrderLineView] = field(default_factory=list)
    parcels: list[ParcelView] = field(default_factory=list)
    currency: str = "USD"


@dataclass(frozen=True)
class ProductView:
    id: int
    sku: str
    title: str
    category: str
    price_cents: int
    stock: int
    weight_g: int
    size_chart: dict[str, Any] | None
    currency: str = "USD"


@dataclass(frozen=True)
class ConversationDetail:
    id: int
    store_id: int
    store_code: str
    store_name: str
    platform: str
    origin: str
    stage: str
    status: str
    unread: bool
    colour_mark: str | None
    assignee_id: int | None
    assignee_name: str | None
    language: str | None
    priority_reasons: tuple[str, ...]
    intent: str | None
    mood: tuple[str, ...]
    waiting_since: datetime | None
    created_at: datetime
    buyer: BuyerView
    order: OrderView | None
    products: list[ProductView]
    messages: list[MessageView]
    store_timezone: str = "UTC"  # the store's zone: its local days (promised delivery, …)
    product_id: int | None = None  # the product page the buyer wrote from, if any
    # The marketplace refused kefu's last state change for good, in its words (a Wish
    # ticket permanently closed cannot reopen; docs/channels.md "State both ways").
    platform_refusal: str | None = None
    # The platform sub-account holding the conversation there (AliExpress), when known.
    platform_owner: str | None = None
