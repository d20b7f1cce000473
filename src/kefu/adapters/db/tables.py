"""How kefu's data is stored: declarative SQLAlchemy 2 rows, nothing more (ADR 0002).

Times are stored in UTC. Money is stored in integer minor units (cents) of its currency:
a product's or order's own currency (null: the store's), and each order's total also in
US cents for the reports (`total_usd_cents`, converted when it was imported).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Dialect,
    Double,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def split_list(stored: str) -> tuple[str, ...]:
    """Short lists (priority reasons, mood flags) are stored as comma-separated text."""
    return tuple(item for item in stored.split(",") if item)


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes on every dialect; SQLite drops the zone, so it is put back."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the database; kefu stores aware UTC times")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        float: Float,
        datetime: UTCDateTime,
        dict[str, Any]: JSON,
        list[Any]: JSON,
    }


class Organisation(Base):
    __tablename__ = "organisations"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime]


class Store(Base):
    """One shop account on one marketplace site (a ChannelAccount, STYLE.md)."""

    __tablename__ = "stores"
    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    platform: Mapped[str] = mapped_column(String(32))
    site: Mapped[str] = mapped_column(String(32))
    timezone: Mapped[str] = mapped_column(String(64))
    currency: Mapped[str] = mapped_column(String(3), default="USD", server_default="USD")
    created_at: Mapped[datetime]
    # Set: archived — kept with its history, out of the inbox, routing and imports.
    archived_at: Mapped[datetime | None]


class Account(Base):
    """A person of the shop's team: the main account or a sub-account (SPEC §7)."""

    __tablename__ = "accounts"
    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(32))
    is_main: Mapped[bool] = mapped_column(Boolean, default=False)
    languages: Mapped[list[Any]] = mapped_column(default=list)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime]
    # argon2id; None: no password yet (the demo before set-up, or an account not invited)
    password_hash: Mapped[str | None] = mapped_column(String(200))
    password_changed_at: Mapped[datetime | None]
    timezone: Mapped[str] = mapped_column(String(64), default="Asia/Shanghai")
    # {"0": ["09:00", "18:00"], …} by weekday in the agent's zone; None: always on
    shift: Mapped[dict[str, Any] | None]


class AccountStore(Base):
    """The stores given to a sub-account; the main account sees every store."""

    __tablename__ = "account_stores"
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), primary_key=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id"), primary_key=True)


class SignInSession(Base):
    """A signed-in browser; the cookie holds a random token, the table only its hash."""

    __tablename__ = "sessions"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # sha256 of the token
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    csrf: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]
    last_seen_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    address: Mapped[str] = mapped_column(String(64), default="")
    user_agent: Mapped[str] = mapped_column(String(300), default="")


class ApiToken(Base):
    """A token for an integration: scoped, revocable, stored hashed, shown once."""

    __tablename__ = "api_tokens"
    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    prefix: Mapped[str] = mapped_column(String(16))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    scopes: Mapped[list[Any]] = mapped_column(default=list)
    created_at: Mapped[datetime]
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]


class SignInAttempt(Base):
    """Each sign-in attempt, for throttling and for the owner's audit of sign-ins."""

    __tablename__ = "sign_in_attempts"
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(index=True)
    username: Mapped[str] = mapped_column(String(64), index=True)
    address: Mapped[str] = mapped_column(String(64), index=True)
    # None while the password is being checked: a pending attempt counts as a failure.
    success: Mapped[bool | None] = mapped_column(Boolean)


class Buyer(Base):
    __tablename__ = "buyers"
    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    name: Mapped[str | None] = mapped_column(String(200))
    country: Mapped[str | None] = mapped_column(String(2))
    language: Mapped[str | None] = mapped_column(String(16))
    timezone: Mapped[str | None] = mapped_column(String(64))
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]


class BuyerIdentity(Base):
    """A buyer's id on one store; one Buyer may have several (STYLE.md ContactInbox)."""

    __tablename__ = "buyer_identities"
    __table_args__ = (UniqueConstraint("store_id", "platform_buyer_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id"))
    buyer_id: Mapped[int] = mapped_column(ForeignKey("buyers.id"), index=True)
    platform_buyer_id: Mapped[str] = mapped_column(String(128))


class Product(Base):
    __tablename__ = "products"
    __table_args__ = (UniqueConstraint("store_id", "sku"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id"))
    sku: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(String(300))
    category: Mapped[str] = mapped_column(String(64))
    price_cents: Mapped[int] = mapped_column(Integer)
    stock: Mapped[int] = mapped_column(Integer)
    weight_g: Mapped[int] = mapped_column(Integer)
    size_chart: Mapped[dict[str, Any] | None]
    currency: Mapped[str | None] = mapped_column(String(3))
    # When the shop's own system last changed the row (imports: an older row never
    # overwrites a newer one); None for rows whose source gave no time.
    source_updated_at: Mapped[datetime | None]
    # The sub-account that manages this product and receives the messages about it
    # (SPEC §7); None: whoever is given the store.
    owner_account_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"), index=True)


class Order(Base):
    __tablename__ = "orders"
    __table_args__ = (
        UniqueConstraint("store_id", "order_number"),
        # A buyer's orders; with the payments, for guided GMV (KPI report).
        Index("ix_orders_buyer_paid", "buyer_id", "store_id", "paid_at", "total_cents"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id"))
    buyer_id: Mapped[int] = mapped_column(ForeignKey("buyers.id"))
    order_number: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16))
    total_cents: Mapped[int] = mapped_column(Integer)
    shipping_cents: Mapped[int] = mapped_column(Integer, default=0)
    note: Mapped[str | None] = mapped_column(Text)
    is_wholesale: Mapped[bool] = mapped_column(Boolean, default=False)
    ship_to_country: Mapped[str | None] = mapped_column(String(2))
    placed_at: Mapped[datetime]
    paid_at: Mapped[datetime | None]
    promised_delivery_at: Mapped[datetime | None]
    delivered_at: Mapped[datetime | None]
    currency: Mapped[str | None] = mapped_column(String(3))
    # The total in US cents at the order's rate (the rate table's, or the platform's own).
    total_usd_cents: Mapped[int] = mapped_column(Integer)
    buyer_email: Mapped[str | None] = mapped_column(String(254), index=True)
    buyer_phone: Mapped[str | None] = mapped_column(String(40))
    source_updated_at: Mapped[datetime | None]


class OrderLine(Base):
    __tablename__ = "order_lines"
    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), index=True)
    product_id: Mapped[int | None] = mapped_column(ForeignKey("products.id"))
    sku: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(String(300))
    quantity: Mapped[int] = mapped_column(Integer)
    unit_price_cents: Mapped[int] = mapped_column(Integer)


class Parcel(Base):
    __tablename__ = "parcels"
    __table_args__ = (UniqueConstraint("order_id", "tracking_number"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), index=True)
    carrier: Mapped[str] = mapped_column(String(64))
    tracking_number: Mapped[str] = mapped_column(String(64))
    is_reshipment: Mapped[bool] = mapped_column(Boolean, default=False)
    shipped_at: Mapped[datetime | None]
    latest_status: Mapped[str | None] = mapped_column(String(32))
    latest_event_at: Mapped[datetime | None]
    # Since when the parcel has been in its latest status (waiting at the post office for
    # N days); None until its first event.
    status_since: Mapped[datetime | None]
    # The tracking provider that follows it (docs/tracking.md), the provider's carrier
    # code, and its polling: due at `next_poll_at`; None once it stopped (final status).
    provider: Mapped[str | None] = mapped_column(String(16))
    provider_carrier: Mapped[str | None] = mapped_column(String(32))
    registered_at: Mapped[datetime | None]
    polled_at: Mapped[datetime | None]
    next_poll_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)


class TrackingEvent(Base):
    __tablename__ = "tracking_events"
    # One event per carrier + number + time + code (the parcel stands for carrier and
    # number): a document read twice adds nothing (docs/tracking.md).
    __table_args__ = (UniqueConstraint("parcel_id", "occurred_at", "code"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    # Found by the unique key's first column (no index of its own: migration 0030).
    parcel_id: Mapped[int] = mapped_column(ForeignKey("parcels.id"))
    occurred_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(32))
    # The source's own word for the event (17TRACK sub-status, a carrier's code, the
    # file's status column), and where the event came from.
    code: Mapped[str] = mapped_column(String(64))
    source: Mapped[str] = mapped_column(String(16), default="import")
    # False: no rule maps the event's words; it counts as in transit and is listed for
    # review (never guessed silently).
    mapped: Mapped[bool] = mapped_column(Boolean, default=True)
    location: Mapped[str | None] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(String(500))


class Conversation(Base):
    """One thread with one buyer in one store, with the stored times that make queues cheap."""

    __tablename__ = "conversations"
    __table_args__ = (
        UniqueConstraint("store_id", "platform_conversation_id"),
        Index("ix_conversations_queue", "queue_rank", "sort_key"),
        Index("ix_conversations_store_queue", "store_id", "queue_rank", "sort_key"),
        Index("ix_conversations_assignee_queue", "assignee_id", "queue_rank", "sort_key"),
        Index("ix_conversations_stage_queue", "stage", "queue_rank", "sort_key"),
        Index("ix_conversations_language_queue", "language", "queue_rank", "sort_key"),
        Index("ix_conversations_mark_queue", "colour_mark", "queue_rank", "sort_key"),
        Index("ix_conversations_unread_queue", "unread", "queue_rank", "sort_key"),
        Index("ix_conversations_intent_queue", "intent", "queue_rank", "sort_key"),
        # The live updates' count of a person's unread work (docs/team.md "Working together").
        Index("ix_conversations_assignee_unread", "assignee_id", "unread", "last_buyer_message_at"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id"))
    buyer_id: Mapped[int] = mapped_column(ForeignKey("buyers.id"), index=True)
    order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id"), index=True)
    product_id: Mapped[int | None] = mapped_column(ForeignKey("products.id"))
    platform_conversation_id: Mapped[str] = mapped_column(String(128))
    origin: Mapped[str] = mapped_column(String(32))
    stage: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16))
    unread: Mapped[bool] = mapped_column(Boolean, default=True)
    colour_mark: Mapped[str | None] = mapped_column(String(16))
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))
    language: Mapped[str | None] = mapped_column(String(16))
    priority: Mapped[int] = mapped_column(Integer, default=0)
    priority_reasons: Mapped[str] = mapped_column(String(64), default="")
    intent: Mapped[str | None] = mapped_column(String(32))
    mood: Mapped[str] = mapped_column(String(100), default="")
    queue_rank: Mapped[int] = mapped_column(Integer)
    sort_key: Mapped[int] = mapped_column(BigInteger)
    message_count: Mapped[int] = mapped_column(Integer, default=0)
    last_message_preview: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime]
    last_message_at: Mapped[datetime]
    waiting_since: Mapped[datetime | None]
    last_buyer_message_at: Mapped[datetime | None]
    last_shop_message_at: Mapped[datetime | None]
    first_replied_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]


class Message(Base):
    __tablename__ = "messages"
    __table_args__ = (
        UniqueConstraint("store_id", "platform_message_id"),
        Index("ix_messages_conversation_sent", "conversation_id", "sent_at"),
        Index("ix_messages_delivery_due", "delivery_status", "next_attempt_at"),
        # A reply the platform gave an id: pulled back from it, it is the same message.
        Index("ix_messages_store_external", "store_id", "external_id"),
        # The marketplace's own lines (Notices): few among a million messages, so the nav's
        # unread count reads them alone; a buyer's or the shop's message costs it nothing.
        Index(
            "ix_messages_platform",
            "conversation_id",
            sqlite_where=text("direction = 'platform'"),
            postgresql_where=text("direction = 'platform'"),
        ),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id"))
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id"))
    platform_message_id: Mapped[str] = mapped_column(String(160))
    direction: Mapped[str] = mapped_column(String(8))
    author_account_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))
    is_automatic: Mapped[bool] = mapped_column(Boolean, default=False)
    # "notice" or "system" for a marketplace's line in the thread (direction "platform").
    kind: Mapped[str | None] = mapped_column(String(16))
    sent_at: Mapped[datetime]
    received_at: Mapped[datetime]
    text: Mapped[str] = mapped_column(Text)
    language: Mapped[str | None] = mapped_column(String(16))
    attachments: Mapped[list[Any]] = mapped_column(default=list)
    delivery_status: Mapped[str | None] = mapped_column(String(16))
    # Triage of buyer messages (triage issue); empty until triaged.
    intent: Mapped[str | None] = mapped_column(String(32))
    intent_guess: Mapped[str | None] = mapped_column(String(32))
    intent_confidence: Mapped[float | None]
    # A finer intent SPEC §3 names under `intent` (short_shipment under wrong_item…).
    sub_intent: Mapped[str | None] = mapped_column(String(32))
    emotion: Mapped[str] = mapped_column(String(100), default="")
    entities: Mapped[list[Any]] = mapped_column(default=list)
    triage_version: Mapped[str | None] = mapped_column(String(40))
    # Outgoing messages are the outbox (replies issue): delivered after commit, retried.
    auto_kind: Mapped[str | None] = mapped_column(String(32))
    template_key: Mapped[str | None] = mapped_column(String(40))
    delivery_attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None]
    delivery_error: Mapped[str | None] = mapped_column(String(500))
    external_id: Mapped[str | None] = mapped_column(String(160))
    delivered_at: Mapped[datetime | None]
    # A buyer message an agent marked "no response needed" (SPEC §13): out of the
    # response-time KPIs and no longer waiting.
    no_response_at: Mapped[datetime | None]


# What the counts and the first inquiries read after the day and store (so that grouping
# by day, store and buyer follows the index), and what the breakdowns and waits read.
_KPI_COUNTED = ("buyer_id", "automatic", "answer_seconds", "sent_at", "guided_until")
_KPI_WAITS = ("agent_id", "conversation_id", "answered_at", "answer_working_seconds")


class KpiFact(Base):
    """Reporting facts: one row per buyer message and per automatic reply, with what the KPI
    report counts, written with the messages (docs/kpis.md "Reporting facts").

    The indexes lead with each scope the report has (all stores, a store, an agent) and
    the store-local day, and carry the columns the report reads, so that it reads only them.
    """

    __tablename__ = "kpi_facts"
    __table_args__ = (
        Index("ix_kpi_facts_day", "day", "store_id", *_KPI_COUNTED, *_KPI_WAITS),
        Index("ix_kpi_facts_store_day", "store_id", "day", *_KPI_COUNTED),
        Index("ix_kpi_facts_agent_day", "agent_id", "day", "store_id", *_KPI_COUNTED),
        Index("ix_kpi_facts_conversation", "conversation_id"),
    )
    message_id: Mapped[int] = mapped_column(
        ForeignKey("messages.id"), primary_key=True, autoincrement=False
    )
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id"))
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id"))
    buyer_id: Mapped[int] = mapped_column(ForeignKey("buyers.id"))
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))
    day: Mapped[date] = mapped_column(Date)
    sent_at: Mapped[datetime]
    automatic: Mapped[bool] = mapped_column(Boolean)
    answered_at: Mapped[datetime | None]
    answer_seconds: Mapped[float | None]
    answer_working_seconds: Mapped[float | None]
    guided_until: Mapped[datetime | None]


class StoreSettings(Base):
    """A store's template facts and automatic-reply settings, stored as validated JSON."""

    __tablename__ = "store_settings"
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id"), primary_key=True)
    facts: Mapped[dict[str, Any]] = mapped_column(default=dict)
    auto_replies: Mapped[dict[str, Any]] = mapped_column(default=dict)
    updated_at: Mapped[datetime]


class TemplateOverride(Base):
    """A store's own wording of one template in one language."""

    __tablename__ = "template_overrides"
    __table_args__ = (UniqueConstraint("store_id", "template_key", "language"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id"))
    template_key: Mapped[str] = mapped_column(String(40))
    language: Mapped[str] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(Text)
    account_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))
    updated_at: Mapped[datetime]


class IntentCorrection(Base):
    """An agent's label for a buyer message: a training example for the shop's own model."""

    __tablename__ = "intent_corrections"
    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("messages.id"), unique=True)
    intent: Mapped[str] = mapped_column(String(32))
    sub_intent: Mapped[str | None] = mapped_column(String(32))
    previous: Mapped[str | None] = mapped_column(String(32))
    account_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))
    at: Mapped[datetime]


class AuditEntry(Base):
    """Append-only record of every change a person makes (SPEC §7, ARCHITECTURE "Data")."""

    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(index=True)
    account_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))
    action: Mapped[str] = mapped_column(String(64))
    entity_type: Mapped[str] = mapped_column(String(32))
    entity_id: Mapped[int]
    # The store the row is about (a conversation's, a message's, a store's settings), so a
    # lead reads only the rows of their stores; None for accounts, tokens, the organisation.
    store_id: Mapped[int | None] = mapped_column(ForeignKey("stores.id"))
    before: Mapped[dict[str, Any] | None]
    after: Mapped[dict[str, Any] | None]


class TermBaseRow(Base):
    """A store's term base (domain/termbase.py) as validated JSON, with its version."""

    __tablename__ = "term_bases"
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id"), primary_key=True)
    terms: Mapped[list[Any]] = mapped_column(default=list)
    version: Mapped[str] = mapped_column(String(32))
    account_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))
    updated_at: Mapped[datetime]


class MessageTranslation(Base):
    """A message in another language: a buyer message for the agents (made in the
    background, `pending` until then), or the agent's own words behind a reply.

    The message's own text is never replaced; this sits beside it.
    """

    __tablename__ = "message_translations"
    __table_args__ = (
        UniqueConstraint("message_id", "language"),
        Index("ix_message_translations_due", "status", "next_attempt_at"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("messages.id"))
    language: Mapped[str] = mapped_column(String(16))
    # pending → done | failed (the provider gave up) | refused (a protected value changed)
    status: Mapped[str] = mapped_column(String(16))
    # machine (a provider), agent (what the agent wrote), demo (written as demo data)
    origin: Mapped[str] = mapped_column(String(16))
    text: Mapped[str | None] = mapped_column(Text)
    provider: Mapped[str | None] = mapped_column(String(32))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None]
    error: Mapped[str | None] = mapped_column(String(500))
    updated_at: Mapped[datetime]


class TranslationCache(Base):
    """One translated segment: the same masked text, languages, provider and term-base
    version never cost a second call."""

    __tablename__ = "translation_cache"
    __table_args__ = (
        UniqueConstraint(
            "provider",
            "source_language",
            "target_language",
            "termbase_version",
            "digest",
            name="uq_translation_cache_key",
        ),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    provider: Mapped[str] = mapped_column(String(32))
    source_language: Mapped[str] = mapped_column(String(16))
    target_language: Mapped[str] = mapped_column(String(16))
    termbase_version: Mapped[str] = mapped_column(String(32))
    digest: Mapped[str] = mapped_column(String(64))  # SHA-256 of the masked segment
    source: Mapped[str] = mapped_column(Text)
    translated: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]


class TranslationUsage(Base):
    """Per provider and UTC day: what the owner watches and the monthly budget counts."""

    __tablename__ = "translation_usage"
    provider: Mapped[str] = mapped_column(String(32), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    characters: Mapped[int] = mapped_column(BigInteger, default=0)
    calls: Mapped[int] = mapped_column(Integer, default=0)
    segments: Mapped[int] = mapped_column(Integer, default=0)
    cache_hits: Mapped[int] = mapped_column(Integer, default=0)
    errors: Mapped[int] = mapped_column(Integer, default=0)
    latency_ms_total: Mapped[float] = mapped_column(Float, default=0.0)
    latency_ms_max: Mapped[float] = mapped_column(Float, default=0.0)


class TranslationSettings(Base):
    """The shop's translation choices: the languages buyer messages are translated into
    for its agents, and a monthly character budget per provider."""

    __tablename__ = "translation_settings"
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), primary_key=True)
    agent_languages: Mapped[list[Any]] = mapped_column(default=list)
    budgets: Mapped[dict[str, Any]] = mapped_column(default=dict)
    account_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))
    updated_at: Mapped[datetime]


class SatisfactionRating(Base):
    """A buyer's rating of the service in one conversation (1-5), as the marketplace or a
    survey reports it; counted on the store-local day it was given, for the agent who
    held the conversation then."""

    __tablename__ = "satisfaction_ratings"
    __table_args__ = (
        UniqueConstraint("store_id", "platform_rating_id"),
        Index("ix_satisfaction_ratings_day", "day", "store_id", "agent_id"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id"))
    platform_rating_id: Mapped[str] = mapped_column(String(160))
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id"), index=True)
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))
    score: Mapped[int] = mapped_column(Integer)
    comment: Mapped[str | None] = mapped_column(Text)
    rated_at: Mapped[datetime]
    day: Mapped[date] = mapped_column(Date)
    received_at: Mapped[datetime]


class PendingParcel(Base):
    """A parcel whose order kefu does not know yet: kept aside (never dropped), listed for
    the shop, and attached when an import brings the order in."""

    __tablename__ = "pending_parcels"
    __table_args__ = (UniqueConstraint("store_id", "order_number", "tracking_number"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id"))
    order_number: Mapped[str] = mapped_column(String(64))
    tracking_number: Mapped[str] = mapped_column(String(64))
    # The parcel as imported (carrier, shipped time, events), applied as is later.
    payload: Mapped[dict[str, Any]]
    source: Mapped[str] = mapped_column(String(300))  # file and row, or "api"
    received_at: Mapped[datetime]


class ImportMapping(Base):
    """Which column of a store's files is which field, chosen once per store and kind."""

    __tablename__ = "import_mappings"
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    columns: Mapped[dict[str, Any]]  # field -> column header
    account_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))
    updated_at: Mapped[datetime]


class ImportRun(Base):
    """One file import: what it was, how far it got, what it did (the progress bar and the
    report read this)."""

    __tablename__ = "import_runs"
    id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[int | None] = mapped_column(ForeignKey("stores.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    filename: Mapped[str] = mapped_column(String(300))
    path: Mapped[str | None] = mapped_column(String(500))  # the upload, until it has run
    options: Mapped[dict[str, Any]] = mapped_column(default=dict)
    account_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))
    status: Mapped[str] = mapped_column(String(16))  # queued, running, done, failed
    bytes_total: Mapped[int] = mapped_column(BigInteger, default=0)
    bytes_done: Mapped[int] = mapped_column(BigInteger, default=0)
    rows: Mapped[int] = mapped_column(Integer, default=0)
    created: Mapped[int] = mapped_column(Integer, default=0)
    updated: Mapped[int] = mapped_column(Integer, default=0)
    unchanged: Mapped[int] = mapped_column(Integer, default=0)
    stale: Mapped[int] = mapped_column(Integer, default=0)
    set_aside: Mapped[int] = mapped_column(Integer, default=0)
    rejected: Mapped[int] = mapped_column(Integer, default=0)
    failure: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]


class ImportRowError(Base):
    __tablename__ = "import_row_errors"
    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("import_runs.id"), index=True)
    row: Mapped[int | None] = mapped_column(Integer)
    field: Mapped[str] = mapped_column(String(100))
    reason: Mapped[str] = mapped_column(String(500))
    value: Mapped[str | None] = mapped_column(String(300))
    # The reason's words with its figures apart, for the page to translate.
    template: Mapped[str | None] = mapped_column(String(300))
    params: Mapped[dict[str, Any] | None]


class CurrencyRate(Base):
    """Units of a currency per US dollar on a day (ECB reference rates, or the shop's)."""

    __tablename__ = "currency_rates"
    currency: Mapped[str] = mapped_column(String(3), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    per_usd: Mapped[float] = mapped_column(Float)
    source: Mapped[str] = mapped_column(String(32))


class StoreMailbox(Base):
    """A store's mailbox (docs/mail.md): where its buyers' mail is read (IMAP) and its
    replies sent (SMTP). Passwords are sealed (SecretBox, KEFU_SECRET_KEY); health beside."""

    __tablename__ = "store_mailboxes"
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id"), primary_key=True)
    address: Mapped[str] = mapped_column(String(254))
    imap_host: Mapped[str] = mapped_column(String(253))
    imap_port: Mapped[int] = mapped_column(Integer)
    imap_security: Mapped[str] = mapped_column(String(16))
    imap_user: Mapped[str] = mapped_column(String(320))
    imap_password: Mapped[str] = mapped_column(Text)
    folder: Mapped[str] = mapped_column(String(200), default="INBOX")
    smtp_host: Mapped[str] = mapped_column(String(253))
    smtp_port: Mapped[int] = mapped_column(Integer)
    smtp_security: Mapped[str] = mapped_column(String(16))
    smtp_user: Mapped[str] = mapped_column(String(320))
    smtp_password: Mapped[str] = mapped_column(Text)
    amazon_relay: Mapped[bool] = mapped_column(Boolean, default=False)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    # Where reading stopped: the folder's UIDVALIDITY and the highest UID stored.
    uidvalidity: Mapped[int | None] = mapped_column(BigInteger)
    last_uid: Mapped[int] = mapped_column(BigInteger, default=0)
    last_pull_at: Mapped[datetime | None]
    last_success_at: Mapped[datetime | None]
    last_pulled: Mapped[int] = mapped_column(Integer, default=0)
    total_pulled: Mapped[int] = mapped_column(BigInteger, default=0)
    error_code: Mapped[str | None] = mapped_column(String(32))
    error_detail: Mapped[str | None] = mapped_column(String(500))
    error_at: Mapped[datetime | None]
    updated_at: Mapped[datetime]


class MailThread(Base):
    """A Message-ID seen or sent in a store's mail, and the conversation it belongs to:
    In-Reply-To and References of a new mail find their conversation here."""

    __tablename__ = "mail_threads"
    id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id"))
    digest: Mapped[str] = mapped_column(String(64))  # SHA-256 of the Message-ID
    mail_id: Mapped[str] = mapped_column(Text)
    conversation_key: Mapped[str] = mapped_column(String(128))
    incoming: Mapped[bool] = mapped_column(Boolean)
    subject: Mapped[str] = mapped_column(String(500), default="")
    references: Mapped[list[Any]] = mapped_column(default=list)
    created_at: Mapped[datetime]
    __table_args__ = (
        UniqueConstraint("store_id", "digest"),
        Index("ix_mail_threads_conversation", "store_id", "conversation_key", "incoming", "id"),
    )


class MailAttachment(Base):
    """A file that came with a buyer's mail, kept once per store (by its SHA-256)."""

    __tablename__ = "mail_attachments"
    __table_args__ = (UniqueConstraint("store_id", "digest"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id"))
    digest: Mapped[str] = mapped_column(String(64))
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    data: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime]


class StoreConnection(Base):
    """A store's connection to its marketplace's API (docs/channels.md): sealed
    credentials, where the last sync stopped, and its health."""

    __tablename__ = "store_connections"
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id"), primary_key=True)
    platform: Mapped[str] = mapped_column(String(16))
    base_url: Mapped[str] = mapped_column(String(300))
    credentials: Mapped[str] = mapped_column(Text)  # sealed JSON (SecretBox)
    cursor: Mapped[str | None] = mapped_column(Text)  # the client's own, opaque
    backfill_days: Mapped[int] = mapped_column(Integer, default=30)
    interval_minutes: Mapped[int] = mapped_column(Integer, default=5)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    last_sync_at: Mapped[datetime | None]
    last_success_at: Mapped[datetime | None]
    last_pulled: Mapped[int] = mapped_column(Integer, default=0)
    total_pulled: Mapped[int] = mapped_column(BigInteger, default=0)
    error_code: Mapped[str | None] = mapped_column(String(32))
    error_detail: Mapped[str | None] = mapped_column(String(500))
    error_at: Mapped[datetime | None]
    updated_at: Mapped[datetime]
    # Back-off (docs/channels.md): failed runs in a row (busy or down), and no run before.
    failures: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    retry_at: Mapped[datetime | None]


class MarketplaceState(Base):
    """A conversation of a connected store kept in step with its marketplace (docs/
    channels.md "State both ways"): per field (mark, handled, read) what the platform last
    said — pulled, or pushed by kefu (`_by`) — and since when, and kefu's own last change
    of it by a person, and when. The newer of the two wins; both stay here."""

    __tablename__ = "marketplace_states"
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id"), primary_key=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id"), index=True)
    ref: Mapped[str] = mapped_column(String(128))
    platform_mark: Mapped[str | None] = mapped_column(String(16))
    platform_mark_at: Mapped[datetime | None]
    platform_mark_by: Mapped[str | None] = mapped_column(String(8))
    kefu_mark: Mapped[str | None] = mapped_column(String(16))
    kefu_mark_at: Mapped[datetime | None]
    platform_handled: Mapped[bool | None] = mapped_column(Boolean)
    platform_handled_at: Mapped[datetime | None]
    platform_handled_by: Mapped[str | None] = mapped_column(String(8))
    kefu_handled: Mapped[bool | None] = mapped_column(Boolean)
    kefu_handled_at: Mapped[datetime | None]
    platform_read: Mapped[bool | None] = mapped_column(Boolean)
    platform_read_at: Mapped[datetime | None]
    platform_read_by: Mapped[str | None] = mapped_column(String(8))
    kefu_read: Mapped[bool | None] = mapped_column(Boolean)
    kefu_read_at: Mapped[datetime | None]
    # Closed by a person, apart from answered (migration 0018): a Wish ticket closes, an
    # eBay conversation archives, only then.
    platform_closed: Mapped[bool | None] = mapped_column(Boolean)
    platform_closed_at: Mapped[datetime | None]
    platform_closed_by: Mapped[str | None] = mapped_column(String(8))
    kefu_closed: Mapped[bool | None] = mapped_column(Boolean)
    kefu_closed_at: Mapped[datetime | None]
    # The platform sub-account that holds it (AliExpress child account), as last pulled:
    # shown to agents; no platform API assigns it, so kefu never pushes it.
    platform_owner: Mapped[str | None] = mapped_column(String(128))
    pushed_at: Mapped[datetime | None]
    push_error: Mapped[str | None] = mapped_column(String(500))
    push_refused_at: Mapped[datetime | None]
    updated_at: Mapped[datetime]


class OAuthStateRow(Base):
    """A pending "Connect with eBay/Wish" (services/oauth.py): the state's digest, who
    asked for which store, until when, and when it was used (once)."""

    __tablename__ = "oauth_states"
    digest: Mapped[str] = mapped_column(String(64), primary_key=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id"), index=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    platform: Mapped[str] = mapped_column(String(16))
    redirect_uri: Mapped[str] = mapped_column(String(300))
    app: Mapped[str] = mapped_column(Text)  # sealed JSON (SecretBox)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime] = mapped_column(index=True)
    used_at: Mapped[datetime | None]


class AmazonMessage(Base):
    """A message sent through Amazon's Messaging API for an order (docs/channels.md
    "Amazon"): one per store and client key, so asking twice sends once; its state says
    whether Amazon took it."""

    __tablename__ = "amazon_messages"
    __table_args__ = (UniqueConstraint("store_id", "client_key"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id"))
    client_key: Mapped[str] = mapped_column(String(128))
    order_number: Mapped[str] = mapped_column(String(64), index=True)
    action: Mapped[str] = mapped_column(String(64))
    text: Mapped[str | None] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(12))  # pending, sent, failed, refused
    platform_ref: Mapped[str | None] = mapped_column(String(200))
    error: Mapped[str | None] = mapped_column(String(500))
    account_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class NoticeRead(Base):
    """A platform notice someone read (docs/channels.md "Notices"): one row per notice, so
    marking it read twice changes nothing; no row is an unread notice."""

    __tablename__ = "notice_reads"
    message_id: Mapped[int] = mapped_column(ForeignKey("messages.id"), primary_key=True)
    account_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))
    read_at: Mapped[datetime]


class CallBudgetRow(Base):
    """A marketplace call budget shared by every worker (docs/channels.md "Rate limits"):
    the theoretical arrival time of its next call and the end of a pause the platform
    asked for, in epoch seconds of the database's clock (kefu.domain.callbudgets)."""

    __tablename__ = "call_budgets"
    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    tat: Mapped[float] = mapped_column(Double)
    paused_until: Mapped[float] = mapped_column(Double)


# --- team: internal notes, notifications, presence (docs/team.md "Working together") ---


class ConversationNote(Base):
    """An agent's internal note on a conversation: a table of its own, so nothing that
    reads messages (KPIs, outbox, sync, previews, unread) can ever take it for one."""

    __tablename__ = "conversation_notes"
    __table_args__ = (Index("ix_conversation_notes_thread", "conversation_id", "created_at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id"))
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id"))
    author_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    text: Mapped[str] = mapped_column(Text)
    mentions: Mapped[list[Any]] = mapped_column(default=list)  # account ids
    created_at: Mapped[datetime]


class Notification(Base):
    """Something for one person: a mention in a note, or a conversation handed to them."""

    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_account_read", "account_id", "read_at", "id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    kind: Mapped[str] = mapped_column(String(20))  # mention, handover, assigned_message
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id"))
    note_id: Mapped[int | None] = mapped_column(ForeignKey("conversation_notes.id"))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))
    created_at: Mapped[datetime]
    read_at: Mapped[datetime | None]


class ConversationPresence(Base):
    """Who has a conversation open, and whether they type: one row per person and
    conversation, refreshed by a heartbeat; rows older than a few seconds mean nothing."""

    __tablename__ = "conversation_presence"
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id"), primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), primary_key=True)
    state: Mapped[str] = mapped_column(String(8))  # viewing, typing
    seen_at: Mapped[datetime]


class SavedView(Base):
    """A person's saved inbox filters (docs/inbox.md "Saved views"): a name and the query
    string of the list, shown as tabs above it in `position` order."""

    __tablename__ = "saved_views"
    __table_args__ = (UniqueConstraint("account_id", "name"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    name: Mapped[str] = mapped_column(String(60))
    query: Mapped[str] = mapped_column(String(1000))
    position: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime]


# search (docs/search.md): the engine's own index table (FTS5 or tsvector) is made by
# migration 0021 from adapters/db/search.py; these are what both engines share.
class SearchQueue(Base):
    """Messages whose index row is due: filled by database triggers in the writing
    transaction, emptied by adapters/db/search.flush_queue before it commits."""

    __tablename__ = "search_queue"
    message_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)


# Exact look-ups of what a person pastes into the search box.
Index("ix_search_orders_number", Order.order_number)
Index("ix_search_parcels_tracking", Parcel.tracking_number)
Index("ix_search_order_lines_sku", OrderLine.sku)
Index("ix_search_products_sku", Product.sku)
Index("ix_search_buyer_identities_platform", BuyerIdentity.platform_buyer_id)
Index("ix_search_conversations_product", Conversation.product_id)
Index("ix_search_conversations_platform", Conversation.platform_conversation_id)
Index("ix_search_buyers_name", Buyer.name)


# after-sale cases (docs/cases.md; kinds, states and steps in kefu.domain.cases)
class Case(Base):
    """One after-sale case: opened by an agent from a conversation, or by the buyer on the
    platform (then `platform_ref` is the platform's id and the sync keeps it current).

    Two clocks (docs/cases.md): the platform's deadline, given by the platform or computed
    from the rule named in `platform_due_rule`, and the shop's own, in business hours,
    paused while the case waits on the buyer (`paused_since`, `paused_seconds`)."""

    __tablename__ = "cases"
    __table_args__ = (
        UniqueConstraint("store_id", "platform_ref"),
        # The deadlines board and the timed-out sweep read open cases by time left.
        Index("ix_cases_open_due", "is_open", "platform_due_at"),
        Index("ix_cases_open_shop_due", "is_open", "shop_due_at"),
        Index("ix_cases_holder_open", "holder_id", "is_open"),
        Index("ix_cases_store_kind_opened", "store_id", "kind", "opened_at"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id"))
    conversation_id: Mapped[int | None] = mapped_column(ForeignKey("conversations.id"), index=True)
    order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id"), index=True)
    buyer_id: Mapped[int | None] = mapped_column(ForeignKey("buyers.id"))
    kind: Mapped[str] = mapped_column(String(16))
    state: Mapped[str] = mapped_column(String(24))
    is_open: Mapped[bool] = mapped_column(Boolean, default=True)
    reason: Mapped[str] = mapped_column(String(24))
    solution: Mapped[str | None] = mapped_column(String(24))
    # Refund asked for or agreed, in the order's currency (minor units).
    refund_cents: Mapped[int | None] = mapped_column(Integer)
    currency: Mapped[str | None] = mapped_column(String(3))
    description: Mapped[str] = mapped_column(Text, default="")
    holder_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))
    opened_by: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))
    opened_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    closed_at: Mapped[datetime | None]
    # The platform's own id and state word (eBay returnId / cancelId / inquiryId,
    # AliExpress issue id, Wish ticket id); None: a case only kefu knows.
    platform_ref: Mapped[str | None] = mapped_column(String(128))
    platform_state: Mapped[str | None] = mapped_column(String(64))
    # An AliExpress logistics dispute on an order shipped through the platform's online
    # shipping needs no seller response.
    online_shipping: Mapped[bool] = mapped_column(Boolean, default=False)
    platform_due_at: Mapped[datetime | None]
    platform_due_source: Mapped[str | None] = mapped_column(String(16))
    platform_due_rule: Mapped[str | None] = mapped_column(String(64))
    shop_due_at: Mapped[datetime | None]
    shop_due_rule: Mapped[str | None] = mapped_column(String(64))
    paused_since: Mapped[datetime | None]
    paused_seconds: Mapped[int] = mapped_column(Integer, default=0)
    # When the breach of a deadline was told to the holder and the lead (once per due date).
    breach_notified_at: Mapped[datetime | None]
    # Worst write-back state of its steps: local, pending, sent, failed.
    push_state: Mapped[str] = mapped_column(String(16), default="local")
    push_error: Mapped[str | None] = mapped_column(Text)
    # The new parcel of a reshipment, exchange or repair, and when the buyer was told.
    tracking_number: Mapped[str | None] = mapped_column(String(64))
    tracking_sent_at: Mapped[datetime | None]
    version: Mapped[int] = mapped_column(Integer, default=1)


class CaseLine(Base):
    """An order line a case is about, with how many of it."""

    __tablename__ = "case_lines"
    __table_args__ = (UniqueConstraint("case_id", "order_line_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    order_line_id: Mapped[int] = mapped_column(ForeignKey("order_lines.id"))
    quantity: Mapped[int] = mapped_column(Integer)


class CaseStep(Base):
    """One move of a case with who (None: the platform or the sweep), when and why, and
    whether it reached the platform."""

    __tablename__ = "case_steps"
    __table_args__ = (
        UniqueConstraint("case_id", "request_key"),
        Index("ix_case_steps_push", "push_state", "case_id"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    at: Mapped[datetime]
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))
    action: Mapped[str] = mapped_column(String(24))
    from_state: Mapped[str] = mapped_column(String(24))
    to_state: Mapped[str] = mapped_column(String(24))
    reason: Mapped[str] = mapped_column(Text, default="")
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # Idempotency: the client's key for a person's step, the platform's for a synced one.
    request_key: Mapped[str | None] = mapped_column(String(128))
    push_state: Mapped[str] = mapped_column(String(16), default="local")
    push_error: Mapped[str | None] = mapped_column(Text)
    push_attempts: Mapped[int] = mapped_column(Integer, default=0)
    pushed_at: Mapped[datetime | None]


class CaseEvidence(Base):
    """A photo the buyer (or the shop) gave as evidence; checked by content
    (kefu.domain.evidence) and kept here, at most a few MB each."""

    __tablename__ = "case_evidence"
    __table_args__ = (UniqueConstraint("case_id", "sha256"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    sha256: Mapped[str] = mapped_column(String(64))
    mime: Mapped[str] = mapped_column(String(32))
    filename: Mapped[str] = mapped_column(String(200))
    size: Mapped[int] = mapped_column(Integer)
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    data: Mapped[bytes] = mapped_column(LargeBinary)
    added_by: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))
    added_at: Mapped[datetime]
    # The platform's id once uploaded (AliExpress issue.image.upload).
    platform_ref: Mapped[str | None] = mapped_column(String(300))


class CaseLimit(Base):
    """The owner's limits on one person's risky after-sale actions; no row: no limit."""

    __tablename__ = "case_limits"
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), primary_key=True)
    # Largest refund the person may give alone, in US cents; None: any amount.
    max_refund_usd_cents: Mapped[int | None] = mapped_column(Integer)
    may_decline_return: Mapped[bool] = mapped_column(Boolean, default=True)
    may_refuse_dispute: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_at: Mapped[datetime]
    updated_by: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))


# --- satisfaction survey after a case closes (docs/surveys.md) ---


class Survey(Base):
    """A satisfaction survey sent to a buyer (SPEC §8), and what became of it: answered
    (a satisfaction rating), or closed unanswered when a later survey replaced it.
    At most one is open per conversation; one per case."""

    __tablename__ = "surveys"
    __table_args__ = (
        UniqueConstraint("case_id"),
        Index(
            "ux_surveys_open",
            "conversation_id",
            unique=True,
            sqlite_where=text("closed_at IS NULL"),
            postgresql_where=text("closed_at IS NULL"),
        ),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id"))
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id"))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"))
    message_id: Mapped[int] = mapped_column(ForeignKey("messages.id"))
    sent_at: Mapped[datetime]
    answered_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    rating_id: Mapped[int | None] = mapped_column(ForeignKey("satisfaction_ratings.id"))


# deadlines board and breach sweep (docs/deadlines.md; migration 0028)
Index(
    "ix_notifications_conversation_kind",
    Notification.conversation_id,
    Notification.kind,
    Notification.created_at,
)
Index("ix_conversations_status_waiting", Conversation.status, Conversation.waiting_since)


# --- logistics and customs desk (docs/tracking.md, docs/logistics.md; migration 0029) ---


class TrackingOrphan(Base):
    """An event for a tracking number no parcel has: kept aside with a report, attached
    when the parcel arrives (never dropped)."""

    __tablename__ = "tracking_orphans"
    __table_args__ = (UniqueConstraint("tracking_number", "carrier", "occurred_at", "code"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    tracking_number: Mapped[str] = mapped_column(String(64), index=True)
    carrier: Mapped[str] = mapped_column(String(64), default="")  # "" when not given
    occurred_at: Mapped[datetime]
    code: Mapped[str] = mapped_column(String(64))
    status: Mapped[str | None] = mapped_column(String(32))
    location: Mapped[str | None] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(String(500))
    source: Mapped[str] = mapped_column(String(16))
    received_at: Mapped[datetime]


class TrackingTextRule(Base):
    """A lead's mapping of event words no built-in rule knew (the review list) to a status."""

    __tablename__ = "tracking_text_rules"
    id: Mapped[int] = mapped_column(primary_key=True)
    # Normalised words (NFKC, case-folded, spaces collapsed), matched whole.
    text: Mapped[str] = mapped_column(String(500), unique=True)
    status: Mapped[str] = mapped_column(String(32))
    created_by: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))
    created_at: Mapped[datetime]


class TrackingProviderState(Base):
    """A tracking provider's health and quota, so the board can say since when its data is
    stale and the refresh job never spends more than the provider allows."""

    __tablename__ = "tracking_providers"
    name: Mapped[str] = mapped_column(String(16), primary_key=True)
    quota_total: Mapped[int | None] = mapped_column(Integer)
    quota_used: Mapped[int | None] = mapped_column(Integer)
    quota_checked_at: Mapped[datetime | None]
    last_success_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(String(500))
    last_error_at: Mapped[datetime | None]
    # Set at the first failure after a success, cleared by the next success.
    stale_since: Mapped[datetime | None]


class LogisticsSettings(Base):
    """A store's thresholds for the logistics board (domain/logistics.py checks them)."""

    __tablename__ = "logistics_settings"
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id"), primary_key=True)
    settings: Mapped[dict[str, Any]] = mapped_column(JSON)
    updated_at: Mapped[datetime]
    updated_by: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))


class Task(Base):
    """Internal work for a person, not a message: a parcel anomaly on Amazon, where the
    shop may not send shipping news (SPEC §13). `key` makes creating it idempotent."""

    __tablename__ = "tasks"
    __table_args__ = (Index("ix_tasks_open", "store_id", "done_at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(120), unique=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id"))
    kind: Mapped[str] = mapped_column(String(32))
    conversation_id: Mapped[int | None] = mapped_column(ForeignKey("conversations.id"))
    order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id"))
    parcel_id: Mapped[int | None] = mapped_column(ForeignKey("parcels.id"))
    title: Mapped[str] = mapped_column(String(300))
    detail: Mapped[str] = mapped_column(Text, default="")
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))
    created_at: Mapped[datetime]
    created_by: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))
    done_at: Mapped[datetime | None]
    done_by: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))


class ParcelNotice(Base):
    """A parcel anomaly someone handled: the proactive message sent, or the task created.
    The board hides the anomaly until it starts again after `at`."""

    __tablename__ = "parcel_notices"
    __table_args__ = (UniqueConstraint("parcel_id", "anomaly"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    parcel_id: Mapped[int] = mapped_column(ForeignKey("parcels.id"))
    anomaly: Mapped[str] = mapped_column(String(32))
    message_id: Mapped[int | None] = mapped_column(ForeignKey("messages.id"))
    task_id: Mapped[int | None] = mapped_column(ForeignKey("tasks.id"))
    at: Mapped[datetime]
    by: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))


class CustomsFact(Base):
    """A customs rule the duty answers state, with where it comes from and as of when
    (EU IOSS, the US de minimis end). store_id None: every store's default."""

    __tablename__ = "customs_facts"
    __table_args__ = (UniqueConstraint("store_id", "region", "key"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[int | None] = mapped_column(ForeignKey("stores.id"))
    region: Mapped[str] = mapped_column(String(8))  # ISO country or "EU"
    key: Mapped[str] = mapped_column(String(40))
    value: Mapped[dict[str, Any]] = mapped_column(JSON)
    summary: Mapped[str] = mapped_column(String(500))
    source_url: Mapped[str] = mapped_column(String(500))
    as_of: Mapped[date] = mapped_column(Date)
    updated_at: Mapped[datetime]


Index("ix_parcels_status", Parcel.latest_status, Parcel.latest_event_at)
Index(
    "ix_tracking_events_unmapped",
    TrackingEvent.description,
    # Only the events the review lists (migration 0030): a mapped event writes no entry.
    sqlite_where=text("mapped = false"),
    postgresql_where=text("mapped = false"),
)
# tracking ingest finds parcels by number alone (migration 0030)
Index("ix_parcels_tracking_number", Parcel.tracking_number)


# --- model versions (docs/triage.md "Model versions", migration 0032) ---


class ModelVersion(Base):
    """A trained intent model: its bytes, what it was trained on and how it scored."""

    __tablename__ = "model_versions"
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    created_at: Mapped[datetime]
    created_by: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))
    status: Mapped[str] = mapped_column(String(16))  # training, ready, failed
    stage: Mapped[str] = mapped_column(String(16))
    stage_at: Mapped[datetime]
    reason: Mapped[str] = mapped_column(String(16))  # manual, schedule, cli, packaged
    options: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    trained_on: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    corrections_upto: Mapped[int] = mapped_column(Integer, default=0)
    examples_upto: Mapped[int] = mapped_column(Integer, default=0)
    figures: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    previous: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    error: Mapped[str | None] = mapped_column(Text)
    model: Mapped[bytes | None] = mapped_column(LargeBinary)


class ModelSettings(Base):
    """One row: the active version (switching it is one UPDATE, the atomic swap), the
    retrain running now (one at a time), and the schedule."""

    __tablename__ = "model_settings"
    id: Mapped[int] = mapped_column(primary_key=True)
    active_version: Mapped[str | None] = mapped_column(ForeignKey("model_versions.id"))
    training_version: Mapped[str | None] = mapped_column(String(40))
    retrain_every: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime]


class LabelledExample(Base):
    """A labelled message from a file (`kefu model corrections`, the Model page): a
    training example with no buyer message behind it; the text's digest keeps a file
    uploaded twice from adding it twice."""

    __tablename__ = "labelled_examples"
    id: Mapped[int] = mapped_column(primary_key=True)
    digest: Mapped[str] = mapped_column(String(64), unique=True)
    text: Mapped[str] = mapped_column(Text)
    intent: Mapped[str] = mapped_column(String(32))
    sub_intent: Mapped[str | None] = mapped_column(String(32))
    language: Mapped[str | None] = mapped_column(String(16))
    account_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))
    source: Mapped[str] = mapped_column(String(300))
    at: Mapped[datetime]
