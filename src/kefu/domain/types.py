"""Value types shared by the domain modules."""

from __future__ import annotations

from enum import StrEnum


class Marketplace(StrEnum):
    ALIEXPRESS = "aliexpress"
    AMAZON = "amazon"
    EBAY = "ebay"
    WISH = "wish"


class Stage(StrEnum):
    """Where the buyer is in the purchase (SPEC §1): 售前 / 售中 / 售后."""

    PRE_SALE = "pre_sale"
    IN_SALE = "in_sale"
    AFTER_SALE = "after_sale"


class Origin(StrEnum):
    """Where on the marketplace the buyer opened the conversation (SPEC §2)."""

    ORDER_LIST = "order_list"
    ORDER_DETAIL = "order_detail"
    DISPUTE = "dispute"
    PRODUCT_PAGE = "product_page"
    STORE_PAGE = "store_page"
    MESSAGE_CENTER = "message_center"
    CHECKOUT = "checkout"
    CUSTOMER_ISSUE = "customer_issue"
    EMAIL = "email"
    PHONE = "phone"


class Status(StrEnum):
    """Conversation status; whether it is unread is a separate flag."""

    OPEN = "open"
    WAITING = "waiting"  # the shop answered; waiting on the buyer
    CLOSED = "closed"


class Direction(StrEnum):
    BUYER = "buyer"
    SHOP = "shop"
    # A marketplace's own line in a thread (a notice or a system message): stored with
    # this direction so that nothing that looks for buyer or shop messages (waiting work,
    # triage, translation, the KPIs) ever takes it for one. Never accepted as input:
    # incoming rows say `kind` instead (domain/messages.py).
    PLATFORM = "platform"


class MessageKind(StrEnum):
    """What an incoming message is: a buyer's (or, in history, the shop's) message, or a
    line the marketplace writes into the thread."""

    BUYER = "buyer"  # a conversation message; `direction` says who wrote it
    NOTICE = "notice"  # e.g. "the buyer opened a dispute", "order shipped"
    SYSTEM = "system"


class ColourMark(StrEnum):
    """The five colour marks of SPEC §7, each with a fixed meaning."""

    YELLOW = "yellow"
    BLUE = "blue"
    GREEN = "green"
    RED = "red"
    PURPLE = "purple"


class OrderStatus(StrEnum):
    """Order life (SPEC §9); `delivered` is set from tracking, `completed` by the buyer."""

    RECEIVED = "received"
    CONFIRMED = "confirmed"
    PAID = "paid"
    ALLOCATED = "allocated"
    PICKED = "picked"
    SHIPPED = "shipped"
    DELIVERED = "delivered"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


class TrackingStatus(StrEnum):
    """One status set for every tracking source (17TRACK/AfterShip style, docs/tracking.md
    gives each source's mapping). `customs_hold` is "customs information required or
    held"; `exception` is a carrier's exception no finer status describes."""

    INFO_RECEIVED = "info_received"
    IN_TRANSIT = "in_transit"
    ARRIVED_DESTINATION = "arrived_destination"
    CUSTOMS = "customs"
    CUSTOMS_HOLD = "customs_hold"
    CUSTOMS_CLEARED = "customs_cleared"
    OUT_FOR_DELIVERY = "out_for_delivery"
    AWAITING_PICKUP = "awaiting_pickup"
    FAILED_DELIVERY = "failed_delivery"
    DELIVERED = "delivered"
    RETURNING = "returning"
    RETURNED = "returned"
    LOST = "lost"
    EXPIRED = "expired"
    EXCEPTION = "exception"
