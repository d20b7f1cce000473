"""The protocols services depend on; adapters implement them, tests fake them."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from types import TracebackType
from typing import Any, Literal, Protocol, Self, TypeVar, runtime_checkable
from zoneinfo import ZoneInfo

from kefu.domain.autoreply import AutoReplySettings
from kefu.domain.conversations import Conversation
from kefu.domain.customs import CustomsFact
from kefu.domain.deadline_board import AgentLoad, BoardFilters, BoardPage
from kefu.domain.entities import Entity
from kefu.domain.errors import FieldError
from kefu.domain.kpis import ClosedRow, Kpis
from kefu.domain.logistics import BoardFilters as LogisticsFilters
from kefu.domain.logistics import ParcelRow
from kefu.domain.policy import Finding
from kefu.domain.saved_views import SavedView
from kefu.domain.search import Query as SearchQuery
from kefu.domain.search import Scope as SearchScope
from kefu.domain.search import TextHit
from kefu.domain.shopfacts import ShopFacts
from kefu.domain.termbase import TermBase
from kefu.domain.triage import Triage
from kefu.domain.types import Marketplace, OrderStatus, TrackingStatus
from kefu.services.readmodels import ConversationDetail, InboxFilters, InboxPage


class Clock(Protocol):
    def now(self) -> datetime: ...


class Progress(Protocol):
    """Long work reports how far it is (imports, demo build, benchmarks)."""

    def advance(self, done: int, total: int | None = None) -> None: ...


@dataclass(frozen=True)
class IntentGuess:
    intent: str
    confidence: float
    alternatives: tuple[tuple[str, float], ...] = ()


class Classifier(Protocol):
    """Language identification and the intent model (adapters/triage_model.py)."""

    version: str

    def languages(self, texts: Sequence[str]) -> list[str]: ...

    def intents(
        self, texts: Sequence[str], entities: Sequence[Sequence[Entity]] | None = None
    ) -> list[IntentGuess]:
        """One guess per text; `entities` are the facts already found in each text, if any."""
        ...


class ConcurrentWriteError(Exception):
    """Another transaction wrote the same keys first; the use case may retry."""


@dataclass(frozen=True)
class StoreRef:
    id: int
    code: str
    platform: str
    timezone: str
    name: str = ""
    site: str = ""
    currency: str = "USD"
    archived_at: datetime | None = None


@dataclass(frozen=True)
class StoreChecks:
    """What a store's fields are checked against, from libraries: ISO 4217 currency codes
    (Babel) and countries with a public-holiday calendar (holidays)."""

    currencies: frozenset[str]
    holiday_countries: frozenset[str]


@dataclass(frozen=True)
class BuyerKey:
    store_id: int
    platform_buyer_id: str
    name: str | None
    country: str | None
    language: str | None


@dataclass(frozen=True)
class OrderFacts:
    """What stage and priority rules need to know about an order."""

    id: int
    status: OrderStatus
    has_note: bool
    wholesale: bool
    logistics_problem: bool


@dataclass(frozen=True)
class NewMessage:
    conversation_id: int
    store_id: int
    platform_message_id: str
    direction: str
    sent_at: datetime
    received_at: datetime
    text: str
    language: str | None
    attachments: tuple[str, ...]
    is_automatic: bool = False
    kind: str | None = None  # "notice" or "system" for a platform line (direction "platform")
    author_account_id: int | None = None
    delivery_status: str | None = None
    triage: Triage | None = None
    triage_version: str | None = None
    auto_kind: str | None = None
    template_key: str | None = None
    # A message for the outbox (delivery_status "pending") must carry the gate's clearance
    # of exactly its text (services/outgoing.py); the repository refuses one without.
    clearance: Clearance | None = None


@dataclass(frozen=True)
class Clearance:
    """The gate's word that a text may leave the shop, with what it found (warnings, and
    the blocking findings a lead sent past with a reason). Only services/outgoing.py makes
    one; a test holds every other module to that."""

    text: str
    findings: tuple[Finding, ...] = ()
    override_reason: str | None = None


class Uncleared(RuntimeError):
    """A message was about to enter the outbox without passing the gate: a bug, never an
    input error, so it is not a DomainError."""


@dataclass(frozen=True)
class GateFacts:
    """What the gate needs to know of a conversation (or of a store, for settings) to
    check a text meant for its buyer."""

    platform: str
    buyer_language: str | None = None
    regions: tuple[str, ...] = ()  # the buyer's and the store's countries, for phones
    known_tokens: tuple[str, ...] = ()  # the order's own numbers and tracking links
    order_placed_at: datetime | None = None
    review_requests_on_order: int = 0
    buyer_waiting: bool = False  # an unanswered buyer message: a reply, else proactive


@dataclass(frozen=True)
class NewRating:
    store_id: int
    platform_rating_id: str
    conversation_id: int
    agent_id: int | None
    score: int
    comment: str | None
    rated_at: datetime
    day: date  # store-local
    received_at: datetime


class InboxRepository(Protocol):
    """Writes of the inbox, shaped for batches so ingestion stays fast."""

    def stores_by_code(self, codes: Iterable[str]) -> dict[str, StoreRef]: ...

    def known_message_ids(self, store_id: int, ids: Sequence[str]) -> set[str]: ...

    def ensure_buyers(
        self, keys: Sequence[BuyerKey], now: datetime
    ) -> dict[tuple[int, str], int]: ...

    def order_ids(self, store_id: int, order_numbers: Sequence[str]) -> dict[str, int]: ...

    def order_facts(self, order_ids: Iterable[int], now: datetime) -> dict[int, OrderFacts]: ...

    def product_ids(self, store_id: int, skus: Sequence[str]) -> dict[str, int]: ...

    def conversations_by_key(
        self, keys: Sequence[tuple[int, str]]
    ) -> dict[tuple[int, str], Conversation]: ...

    def get_conversation(self, conversation_id: int) -> Conversation | None: ...

    def first_buyer_message_after(self, conversation_id: int, at: datetime) -> datetime | None: ...

    def save_conversations(self, conversations: Sequence[Conversation]) -> None:
        """Insert new ones (filling their ids) and update the others."""
        ...

    def add_messages(self, messages: Sequence[NewMessage]) -> None: ...

    def record_kpi_facts(self, conversation_ids: Iterable[int], since: datetime) -> None:
        """Bring the reporting facts of these conversations in line with their messages;
        `since` is the time of the earliest message just added (none older is new)."""
        ...

    def rebuild_kpi_facts(self, store_code: str) -> int:
        """Write the reporting facts of one store's conversations again from their
        messages (its days after a time zone change); how many conversations."""
        ...

    def set_kpi_agent(self, conversation_id: int, agent_id: int | None) -> None:
        """The conversation's reporting facts count for its new agent."""
        ...

    def record_ratings(self, ratings: Sequence[NewRating]) -> int:
        """Store the ratings not stored yet (store, platform rating id); returns how many."""
        ...

    def conversation_refs(
        self, store_id: int, platform_ids: Sequence[str]
    ) -> dict[str, tuple[int, int | None]]:
        """(conversation id, its assignee) by platform conversation id."""
        ...

    def account_exists(self, account_id: int) -> bool: ...

    def message_for_correction(self, message_id: int) -> tuple[int, str | None, str | None] | None:
        """(conversation id, current intent, current sub-intent) of a buyer message, None
        if there is none."""
        ...

    def correct_intent(
        self,
        message_id: int,
        intent: str,
        sub_intent: str | None,
        previous: str | None,
        account_id: int | None,
        at: datetime,
    ) -> None: ...

    def latest_buyer_triage(self, conversation_id: int) -> tuple[str | None, tuple[str, ...]]:
        """(intent, emotion flags) of the conversation's latest buyer message."""
        ...

    def buyer_messages_to_triage(self, after_id: int, limit: int) -> list[tuple[int, int, str]]:
        """(message id, conversation id, text) of uncorrected buyer messages, by id."""
        ...

    def set_triage(self, rows: Sequence[tuple[int, Triage]], version: str) -> None: ...

    def count_buyer_messages(self) -> int: ...

    def audit(
        self,
        *,
        at: datetime,
        account_id: int | None,
        action: str,
        entity_type: str,
        entity_id: int,
        before: dict[str, Any] | None,
        after: dict[str, Any] | None,
    ) -> None: ...


# KPI breakdowns, and the key of each group: a store-local day, a store or agent id; None
# for the agent group of unassigned conversations and when there is no breakdown.
KpiBreakdown = Literal["day", "store", "agent"]
KpiGroup = date | int | None
DisputeBreakdown = Literal["store", "agent"]


class InboxQueries(Protocol):
    """Read side: plain rows for lists and screens; the KPI report counts in the database
    (the reporting facts), so that only what must comes back."""

    def inbox_page(self, filters: InboxFilters) -> InboxPage: ...

    def conversation_detail(
        self, conversation_id: int, now: datetime
    ) -> ConversationDetail | None: ...

    def filter_options(self) -> dict[str, list[tuple[str, str]]]: ...

    def stores(self) -> list[StoreRef]: ...

    def main_account_id(self) -> int | None: ...

    def conversation_ids(self, keys: list[tuple[str, str]]) -> dict[tuple[str, str], int]: ...

    def account_ids(self) -> dict[str, int]: ...

    def conversation_of_message(self, message_id: int) -> int | None: ...

    def store_codes(self) -> list[str]: ...

    def store_labels(self) -> dict[int, str]: ...

    def closed_conversations(
        self, start: date, end: date, store: str | None, agent: str | None
    ) -> list[ClosedRow]:
        """Conversations closed around start..end (store-local days are filtered later)."""
        ...

    def satisfaction_scores(
        self, start: date, end: date, store: str | None, agent: str | None
    ) -> list[int]:
        """The scores of the ratings given on the store-local days start..end."""
        ...

    def open_disputes(
        self,
        last_day: date,
        now: datetime | None,
        store: str | None,
        agent: str | None,
        by: DisputeBreakdown | None = None,
    ) -> dict[KpiGroup, int]:
        """Dispute cases (and eBay cases escalated to eBay) open when `last_day` ended in
        their store's zone, or at `now` if earlier; by store id or holder id `by` them."""
        ...

    def disputes_opened(
        self,
        start: date,
        end: date,
        store: str | None,
        agent: str | None,
        by: DisputeBreakdown | None = None,
    ) -> dict[KpiGroup, int]:
        """Disputes that began on the store-local days start..end."""
        ...

    def orders_placed(self, start: date, end: date, store: str | None) -> dict[int, int]:
        """Orders placed on the store-local days start..end, by store id."""
        ...

    def waiting_since(self, store: str | None, agent: str | None) -> list[datetime]:
        """When each conversation still needing an answer started waiting."""
        ...

    def store_zones(self) -> dict[int, ZoneInfo]: ...

    def store_platforms(self) -> dict[int, str]: ...

    def kpi_counts(
        self,
        start: date,
        end: date,
        store: str | None,
        agent: str | None,
        by: KpiBreakdown | None = None,
        *,
        conversion: bool = True,
    ) -> dict[KpiGroup, Kpis]:
        """Every KPI but the response and resolution times and the disputes, for the
        store-local days start..end, counted in the reporting facts (the replies not
        delivered from the outbox); narrowed to a store code and to an agent's
        conversations. One set per day, store id or agent id `by` them (groups with
        nothing to count are left out), else one set under None. Without `conversion`,
        inquiry conversion and guided GMV (both readings) are not counted (left at 0)."""
        ...

    def intent_counts(
        self, start: date, end: date, store: str | None, agent: str | None
    ) -> dict[tuple[str, str | None], int]:
        """Buyer messages of the store-local days start..end by (intent, sub-intent), in
        the scope the KPIs count (the reporting facts); untriaged messages left out."""
        ...

    def response_waits(
        self, start: date, end: date, store: str | None, agent: str | None
    ) -> tuple[list[float], list[float]]:
        """One value per wait a person ended, in seconds and in working seconds."""
        ...

    def intent_corrections(self) -> list[tuple[str, str, str | None]]:
        """(text, corrected intent, language) of every message an agent relabelled."""
        ...


# A shop's stores, team, products and orders to load (kefu.services.catalog.load_catalog).
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


class CatalogRepository(Protocol):
    def add(self, catalog: Catalog, now: datetime) -> None:
        """Insert the organisation, stores, team, products, buyers and orders with their parcels."""
        ...


@dataclass(frozen=True)
class OutgoingReply:
    """What a channel adapter delivers; the key makes a repeated delivery a no-op."""

    message_id: int
    store_code: str
    platform: str
    conversation_ref: str
    idempotency_key: str
    text: str
    attachments: tuple[str, ...]
    is_automatic: bool
    attempts: int
    # Set for a store with a mailbox: the reply goes by SMTP (kefu.adapters.mail.smtp).
    mail: OutgoingMail | None = None


class ChannelError(Exception):
    """A delivery failed; `retry_after` (seconds) when the channel said when to come back."""

    def __init__(self, message: str, *, retryable: bool = True, retry_after: float | None = None):
        super().__init__(message)
        self.retryable = retryable
        self.retry_after = retry_after


class ChannelGateway(Protocol):
    def send(self, reply: OutgoingReply) -> str:
        """Deliver and return the marketplace's message id; raises ChannelError."""
        ...


TranslationFailureKind = Literal[
    "quota",  # the provider's (or our monthly) character budget is spent
    "rate_limited",  # 429; `retry_after` says when to come back
    "unavailable",  # 5xx, connection refused, circuit open
    "timeout",
    "malformed",  # the answer is not the documented shape (or a different segment count)
    "auth",  # the key is wrong or missing
    "unsupported",  # the provider has no such language pair
]


class TranslationFailed(Exception):
    """A provider could not translate; the agent still works (the screen says why)."""

    def __init__(
        self,
        message: str,
        *,
        kind: TranslationFailureKind,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message)
        self.kind = kind
        self.retry_after = retry_after

    @property
    def retryable(self) -> bool:
        return self.kind in ("rate_limited", "unavailable", "timeout")


class Translator(Protocol):
    """A machine-translation provider (adapters/translators/).

    `texts` are masked segments (domain/termbase.py): text escaped as XML (`&amp;`,
    `&lt;`, `&gt;`) with protected spans replaced by `<k id="N"/>` tokens that the
    provider must pass through. Languages are kefu's tags (`zh` is Simplified Chinese,
    `en`, `es`, `pt`…); `source` None lets the provider detect it. The answer has one
    segment per text, in the same form; an adapter raises TranslationFailed when it
    cannot give that. Whether the tokens survived is checked by the caller.
    """

    provider: str

    def translate(self, texts: Sequence[str], source: str | None, target: str) -> list[str]: ...


@dataclass(frozen=True)
class TranslationPrefs:
    """The languages buyer messages are translated into for the agents, and a monthly
    character budget per provider (absent: no limit)."""

    agent_languages: tuple[str, ...] = ("zh",)
    budgets: Mapping[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class CachedSegment:
    provider: str
    source_language: str
    target_language: str
    termbase_version: str
    digest: str
    source: str
    translated: str


@dataclass(frozen=True)
class UsageDay:
    provider: str
    day: date
    characters: int = 0
    calls: int = 0
    segments: int = 0  # sent to the provider
    cache_hits: int = 0  # served from the cache instead
    errors: int = 0
    latency_ms_total: float = 0.0
    latency_ms_max: float = 0.0


@dataclass(frozen=True)
class PendingTranslation:
    id: int
    message_id: int
    store_id: int
    text: str
    source_language: str | None
    target_language: str
    attempts: int
    keep: tuple[str, ...] = ()  # never translated: the buyer's name


@dataclass(frozen=True)
class StoredTranslation:
    message_id: int
    language: str
    status: str  # pending, done, failed, refused
    origin: str  # machine, agent, demo
    text: str | None
    provider: str | None
    error: str | None


class TranslationRepository(Protocol):
    def context(self, store_id: int) -> tuple[TermBase, TranslationPrefs]: ...

    def termbase(self, store_id: int) -> TermBase: ...

    def save_termbase(
        self, store_id: int, termbase: TermBase, account_id: int | None, at: datetime
    ) -> None: ...

    def prefs(self, store_id: int | None = None) -> TranslationPrefs: ...

    def save_prefs(self, prefs: TranslationPrefs, account_id: int | None, at: datetime) -> None: ...

    def cached(
        self,
        provider: str,
        source: str,
        target: str,
        termbase_version: str,
        digests: Sequence[str],
    ) -> dict[str, str]: ...

    def remember(self, segments: Sequence[CachedSegment], at: datetime) -> None: ...

    def add_usage(self, day: UsageDay) -> None: ...

    def characters_since(self, provider: str, first_day: date) -> int: ...

    def usage(self, first_day: date) -> list[UsageDay]: ...

    def request(
        self,
        store_id: int,
        platform_message_ids: Sequence[str],
        languages: Sequence[str],
        now: datetime,
    ) -> None: ...

    def claim_due(
        self, now: datetime, lease_until: datetime, limit: int
    ) -> list[PendingTranslation]: ...

    def finish(
        self,
        translation_id: int,
        *,
        leased_until: datetime,
        status: str,
        text: str | None,
        provider: str | None,
        error: str | None,
        attempts: int,
        next_attempt_at: datetime | None,
        at: datetime,
    ) -> None: ...

    def store(
        self,
        message_id: int,
        language: str,
        text: str,
        *,
        origin: str,
        provider: str | None,
        at: datetime,
    ) -> None: ...

    def store_agent_words(
        self, store_id: int, platform_message_id: str, language: str, text: str, at: datetime
    ) -> None: ...

    def store_written(
        self,
        store_id: int,
        items: Sequence[tuple[str, str, str]],
        *,
        origin: str,
        at: datetime,
    ) -> int: ...

    def of_messages(self, message_ids: Iterable[int]) -> dict[int, list[StoredTranslation]]: ...

    def message_for_translation(
        self, message_id: int
    ) -> tuple[int, str, str | None, str | None] | None: ...

    def pending_count(self) -> int: ...


class LanguageDetector(Protocol):
    def detect(self, text: str) -> str | None: ...


class ReplyRepository(Protocol):
    """Per-store reply settings and the outbox (outgoing messages waiting for delivery)."""

    def settings(self, store_id: int) -> tuple[ShopFacts, AutoReplySettings]: ...

    def save_facts(self, store_id: int, facts: ShopFacts, now: datetime) -> None: ...

    def save_auto_replies(
        self, store_id: int, settings: AutoReplySettings, now: datetime
    ) -> None: ...

    def overrides(self, store_id: int) -> dict[tuple[str, str], str]: ...

    def save_override(
        self,
        store_id: int,
        key: str,
        language: str,
        text: str | None,
        account_id: int | None,
        now: datetime,
    ) -> None:
        """Store a shop's wording; None removes it (back to the packaged text)."""
        ...

    def similar_products(
        self, store_id: int, category: str, exclude_id: int, limit: int
    ) -> list[str]: ...

    def open_queue_size(self, store_id: int) -> int: ...

    def last_auto_reply_at(self, conversation_id: int, kind: str) -> datetime | None: ...

    def claim_due(self, now: datetime, lease_until: datetime, limit: int) -> list[OutgoingReply]:
        """Outgoing messages due for delivery, leased so no other worker takes them."""
        ...

    def mark_delivered(self, message_id: int, external_id: str, at: datetime) -> None: ...

    def mark_retry(
        self, message_id: int, error: str, next_attempt_at: datetime | None, attempts: int
    ) -> None:
        """Record a failed attempt; next_attempt_at None means give up (status failed)."""
        ...


@dataclass(frozen=True)
class AccountRecord:
    id: int
    username: str
    display_name: str
    role: str
    is_main: bool
    active: bool
    languages: tuple[str, ...]
    store_ids: frozenset[int]
    timezone: str
    shift: dict[str, Any] | None
    password_hash: str | None


@dataclass(frozen=True)
class SessionRecord:
    account_id: int
    csrf: str
    created_at: datetime
    last_seen_at: datetime
    expires_at: datetime


@dataclass(frozen=True)
class TokenRecord:
    id: int
    account_id: int
    name: str
    prefix: str
    scopes: tuple[str, ...]
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


@dataclass(frozen=True)
class AuditRow:
    id: int
    at: datetime
    account: str | None  # display name; None for the system (automatic replies, imports)
    action: str
    entity_type: str
    entity_id: int
    before: dict[str, Any] | None
    after: dict[str, Any] | None


@dataclass(frozen=True)
class AuditScope:
    """The audit rows a sub-account may read: those filed under these stores — of a
    conversation or message only when the viewer sees it (the visibility rule) — and these
    actions about these accounts (services/auth.py decides them; None: every row)."""

    store_ids: frozenset[int]
    account_ids: frozenset[int]
    account_actions: frozenset[str]
    viewer_id: int


@dataclass(frozen=True)
class ProductRef:
    id: int
    store_id: int
    sku: str
    title: str
    owner_account_id: int | None


@dataclass(frozen=True)
class RoutingRow:
    """An open conversation as routing sees it."""

    id: int
    store_id: int
    stage: str
    language: str | None
    assignee_id: int | None


class AuthRepository(Protocol):
    """Accounts, sessions, tokens and sign-in attempts (team issue)."""

    def account(self, account_id: int) -> AccountRecord | None: ...

    def account_by_username(self, username: str) -> AccountRecord | None: ...

    def accounts(self) -> list[AccountRecord]: ...

    def any_password_set(self) -> bool: ...

    def add_account(
        self,
        *,
        username: str,
        display_name: str,
        role: str,
        is_main: bool,
        languages: Sequence[str],
        timezone: str,
        shift: dict[str, Any] | None,
        now: datetime,
    ) -> int: ...

    def update_account(self, account_id: int, **changes: Any) -> None: ...

    def set_stores(self, account_id: int, store_ids: Iterable[int]) -> None: ...

    def set_password(self, account_id: int, password_hash: str, now: datetime) -> None: ...

    def add_session(
        self,
        key: str,
        *,
        account_id: int,
        csrf: str,
        now: datetime,
        expires_at: datetime,
        address: str,
        user_agent: str,
    ) -> None: ...

    def session(self, key: str) -> SessionRecord | None: ...

    def touch_session(self, key: str, now: datetime) -> None: ...

    def delete_session(self, key: str) -> None: ...

    def delete_sessions(self, account_id: int, keep: str | None = None) -> int: ...

    def begin_attempt(self, *, at: datetime, username: str, address: str) -> int:
        """Record an attempt as pending (it counts as a failure until it is settled)."""
        ...

    def settle_attempt(self, attempt_id: int, *, success: bool) -> None: ...

    def drop_attempt(self, attempt_id: int) -> None:
        """Forget a refused attempt, so refusals never make a lock last longer."""
        ...

    def failures_since(
        self, since: datetime, username: str, address: str, *, besides: int | None = None
    ) -> tuple[list[datetime], list[datetime]]:
        """When the attempts since `since` that did not succeed (failed, or still pending)
        were made, for the user name and for the address; `besides` is left out."""
        ...

    def add_token(
        self,
        *,
        account_id: int,
        name: str,
        prefix: str,
        token_hash: str,
        scopes: Sequence[str],
        now: datetime,
    ) -> int: ...

    def token_by_hash(self, token_hash: str) -> TokenRecord | None: ...

    def tokens(self, account_id: int | None = None) -> list[TokenRecord]: ...

    def revoke_token(self, token_id: int, now: datetime) -> bool: ...

    def touch_token(self, token_id: int, now: datetime) -> None: ...

    def audit_page(
        self,
        *,
        account_id: int | None,
        action: str | None,
        since: datetime | None,
        until: datetime | None,
        limit: int,
        offset: int,
        scope: AuditScope | None = None,
    ) -> list[AuditRow]: ...

    def audit_actions(self, scope: AuditScope | None = None) -> list[str]: ...

    def audit_people(self, scope: AuditScope | None = None) -> list[tuple[int, str]]:
        """Who did something among the rows of the scope: (account id, display name)."""
        ...

    def conversation_visible(
        self, conversation_id: int, account_id: int, store_ids: Iterable[int] | None
    ) -> bool:
        """Whether the conversation exists and, for a sub-account (store_ids given), is
        visible to it by the rule of adapters/db/visibility.py."""
        ...

    def set_product_owner(
        self, account_id: int, product_ids: Iterable[int], store_ids: Iterable[int]
    ) -> tuple[list[int], list[int]]: ...

    def products_of(self, store_ids: Iterable[int]) -> list[ProductRef]: ...

    def product_owners(
        self, product_ids: Iterable[int], order_ids: Iterable[int]
    ) -> tuple[dict[int, int], dict[int, set[int]]]: ...

    def update_store(self, store_id: int, **changes: object) -> None:
        """Change a store's name, timezone, site or currency."""
        ...

    def add_store(
        self,
        *,
        code: str,
        name: str,
        platform: str,
        site: str,
        currency: str,
        timezone: str,
        now: datetime,
    ) -> int: ...

    def set_store_archived(self, store_id: int, at: datetime | None) -> None: ...

    def open_counts(self) -> dict[int, int]: ...

    def open_conversations(self, assignees: Iterable[int] | None) -> list[RoutingRow]: ...

    def misplaced(self, *, off_shift: Iterable[int], watched: Iterable[int]) -> list[RoutingRow]:
        """Open conversations held by agents off shift, or by watched agents who are no
        longer given the conversation's store."""
        ...

    def set_assignee(self, conversation_id: int, account_id: int | None) -> None: ...


class OutgoingRepository(Protocol):
    def gate_facts(self, conversation_ids: Iterable[int]) -> dict[int, GateFacts]:
        """The gate's facts of each existing conversation, read in a few queries."""
        ...


class CustomsRepository(Protocol):
    """Customs facts (docs/customs.md): store_id None holds every store's defaults."""

    def facts(self, store_id: int | None) -> list[CustomsFact]:
        """Exactly the rows of that store (None: the defaults), by destination and kind."""
        ...

    def replace(self, store_id: int | None, facts: Sequence[CustomsFact], now: datetime) -> None:
        """The store's whole set becomes `facts`."""
        ...

    def add_missing_defaults(self, facts: Sequence[CustomsFact], now: datetime) -> int:
        """Defaults not stored yet (by destination and kind) are added; edited ones stay."""
        ...


class UnitOfWork(Protocol):
    """One transaction: rolls back on exit unless `commit()` was called."""

    @property
    def outgoing(self) -> OutgoingRepository: ...

    @property
    def auth(self) -> AuthRepository: ...

    @property
    def replies(self) -> ReplyRepository: ...

    @property
    def inbox(self) -> InboxRepository: ...

    @property
    def catalog(self) -> CatalogRepository: ...

    @property
    def queries(self) -> InboxQueries: ...

    @property
    def translations(self) -> TranslationRepository: ...

    @property
    def shopdata(self) -> ShopDataRepository: ...

    @property
    def connections(self) -> ConnectionRepository: ...

    @property
    def mail(self) -> MailRepository: ...

    @property
    def oauth_states(self) -> OAuthStateRepository: ...

    @property
    def amazon_messages(self) -> AmazonMessageRepository: ...

    @property
    def notices(self) -> NoticeRepository: ...

    @property
    def team(self) -> TeamRepository: ...

    @property
    def saved_views(self) -> SavedViewRepository: ...

    @property
    def search(self) -> SearchRepository: ...

    @property
    def cases(self) -> CaseRepository: ...

    @property
    def surveys(self) -> SurveyRepository: ...

    @property
    def quality(self) -> QualityQueries: ...

    @property
    def deadlines(self) -> DeadlineRepository: ...

    @property
    def case_limits(self) -> CaseLimitRepository: ...

    @property
    def tracking_polls(self) -> TrackingPollRepository: ...

    @property
    def tracking(self) -> TrackingRepository: ...

    @property
    def customs(self) -> CustomsRepository: ...

    @property
    def logistics(self) -> LogisticsRepository: ...

    def __enter__(self) -> Self: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    def commit(self) -> None: ...

    def rollback(self) -> None: ...


# Background jobs (kefu.services.jobs registers them; kefu.adapters.jobs runs them on huey).

# What a job's parameters may be: they travel through the queue as JSON.
JobParam = str | int | float | bool | None

DELIVER_OUTBOX = "deliver_outbox"
ROUTING_SWEEP = "routing_sweep"
REBUILD_KPI_FACTS = "rebuild_kpi_facts"
TRANSLATE_INCOMING = "translate_incoming"
DATA_IMPORT = "data_import"


@dataclass
class DeliveryReport:
    """What one outbox delivery run did (kefu.services.outbox.deliver_due)."""

    delivered: int = 0
    retrying: int = 0
    failed: int = 0
    # Claimed but not tried: the lease ran out first (due again for any worker).
    left: int = 0
    # The earliest retry this round scheduled (the delivery job looks again then).
    next_attempt_at: datetime | None = None

    @property
    def claimed(self) -> int:
        return self.delivered + self.retrying + self.failed + self.left

    def add(self, other: DeliveryReport) -> None:
        self.delivered += other.delivered
        self.retrying += other.retrying
        self.failed += other.failed
        self.left += other.left
        self.note_retry(other.next_attempt_at)

    def note_retry(self, when: datetime | None) -> None:
        if when is not None and (self.next_attempt_at is None or when < self.next_attempt_at):
            self.next_attempt_at = when


@dataclass
class DueReport:
    """What one translation run did (kefu.services.translation.TranslationService.translate_due)."""

    claimed: int = 0
    done: int = 0
    retrying: int = 0
    failed: int = 0
    refused: int = 0
    provider_seconds: float = 0.0
    kinds: dict[str, int] = field(default_factory=dict)

    def add(self, other: DueReport) -> None:
        self.claimed += other.claimed
        self.done += other.done
        self.retrying += other.retrying
        self.failed += other.failed
        self.refused += other.refused
        self.provider_seconds += other.provider_seconds
        for kind, count in other.kinds.items():
            self.kinds[kind] = self.kinds.get(kind, 0) + count


class JobQueue(Protocol):
    """Where jobs are asked for (kefu.adapters.jobs.JobQueue)."""

    def enqueue(
        self,
        name: str,
        params: Mapping[str, JobParam] | None = None,
        *,
        at: datetime | None = None,
    ) -> bool:
        """Ask for job `name` with `params`, now or at `at`; False when the queue could not
        be reached (logged; the job's periodic run does the work later)."""
        ...


class BackgroundTranslation(Protocol):
    """What the translation job needs (kefu.services.translation.TranslationService)."""

    def translate_due(self, limit: int = 20) -> DueReport: ...


class JobContext(Protocol):
    """What a job is given: the process's composition root (kefu.bootstrap.Kefu), built
    once per worker process."""

    @property
    def clock(self) -> Clock: ...

    @property
    def jobs(self) -> JobQueue: ...

    def uow(self) -> UnitOfWork: ...

    def deliver_outbox(self, limit: int = 50) -> DeliveryReport: ...

    def rebuild_kpi_facts(self, store: str | None = None) -> int: ...

    def run_import(self, run_id: int) -> object:
        """Import an uploaded file (kefu.services.shopdata.execute_run)."""
        ...

    @property
    def translation(self) -> BackgroundTranslation: ...

    def pull_mail(self) -> PullReport: ...

    def sync_marketplaces(self) -> object:
        """Sync the connected stores whose interval has passed (kefu.services.sync)."""
        ...

    def refresh_tracking(self) -> object:
        """One tracking refresh run (kefu.services.tracking_refresh)."""
        ...


@dataclass(frozen=True)
class Job:
    """A named job. `every_minutes`: also run that often (1440 must be a multiple of it);
    `retries`: how often the queue runs it again after an exception, `retry_delay_seconds`
    apart (a periodic run is not retried: the next period is)."""

    name: str
    run: Callable[..., object]
    every_minutes: int | None = None
    retries: int = 3
    retry_delay_seconds: int = 30

    def __post_init__(self) -> None:
        if not self.name.isidentifier():
            raise ValueError(f"job name {self.name!r} must be an identifier")
        if self.every_minutes is not None and (
            not 1 <= self.every_minutes <= 1440 or 1440 % self.every_minutes
        ):
            raise ValueError(f"{self.name}: every_minutes must divide a day (1, 5, 60, 1440…)")

    def due_at(self, at: datetime) -> bool:
        """A periodic job runs in the minutes of the day that are multiples of its period."""
        return (
            self.every_minutes is not None and (at.hour * 60 + at.minute) % self.every_minutes == 0
        )


_JobFn = TypeVar("_JobFn", bound=Callable[..., object])


class JobRegistry:
    """The jobs a queue knows, by name; every process builds its queue from the same one."""

    def __init__(self) -> None:
        self._jobs: dict[str, Job] = {}

    def add(self, job: Job) -> Job:
        if job.name in self._jobs:
            raise ValueError(f"a job named {job.name!r} is already registered")
        self._jobs[job.name] = job
        return job

    def job(
        self,
        name: str,
        *,
        every_minutes: int | None = None,
        retries: int = 3,
        retry_delay_seconds: int = 30,
    ) -> Callable[[_JobFn], _JobFn]:
        """Register the decorated function as job `name`."""

        def register(run: _JobFn) -> _JobFn:
            self.add(Job(name, run, every_minutes, retries, retry_delay_seconds))
            return run

        return register

    def __getitem__(self, name: str) -> Job:
        return self._jobs[name]

    def __contains__(self, name: object) -> bool:
        return name in self._jobs

    def __iter__(self) -> Iterator[Job]:
        return iter(self._jobs.values())

    def __len__(self) -> int:
        return len(self._jobs)


# The shop's own data from files and the API (kefu.services.shopdata; docs/imports.md).


class TableError(Exception):
    """A file that cannot be read as a table at all (format, encoding, no header)."""


@dataclass(frozen=True)
class TableRow:
    """One row of a file: its number as a spreadsheet shows it, its cells by column, or
    why it could not be read (malformed CSV, wrong encoding, a line that is not JSON)."""

    number: int
    cells: dict[str, Any]
    problem: str | None


class TableSource(Protocol):
    """A file's rows, streamed (kefu.adapters.tabular)."""

    columns: list[str]
    size: int

    def rows(self) -> Iterator[TableRow]: ...

    def position(self) -> int: ...


@dataclass(frozen=True)
class StoredProduct:
    id: int
    values: dict[str, Any]  # column -> value, for the columns an import may change
    source_updated_at: datetime | None


@dataclass(frozen=True)
class StoredLine:
    sku: str
    title: str
    quantity: int
    unit_price_cents: int


@dataclass(frozen=True)
class StoredOrder:
    id: int
    buyer_id: int
    platform_buyer_id: str | None
    values: dict[str, Any]  # column -> value, for the columns an import may change
    source_updated_at: datetime | None
    lines: tuple[StoredLine, ...]


@dataclass(frozen=True)
class StoredParcel:
    id: int
    order_id: int
    order_number: str
    tracking_number: str
    values: dict[str, Any]  # carrier, shipped_at, is_reshipment


@dataclass(frozen=True)
class PendingParcelOut:
    order_number: str
    tracking_number: str
    carrier: str
    source: str
    received_at: datetime


@dataclass(frozen=True)
class ImportRunView:
    id: int
    store_id: int | None
    store_code: str | None
    kind: str
    filename: str
    status: str  # queued, running, done, failed
    bytes_total: int
    bytes_done: int
    rows: int
    created: int
    updated: int
    unchanged: int
    stale: int
    set_aside: int
    rejected: int
    failure: str | None
    created_at: datetime
    finished_at: datetime | None
    account_id: int | None
    path: str | None
    options: dict[str, Any]
    errors: int = 0


class ShopDataRepository(Protocol):
    def products(self, store_id: int, skus: Collection[str]) -> dict[str, StoredProduct]: ...

    def insert_products(self, store_id: int, rows: list[dict[str, Any]]) -> None: ...

    def update_products(self, changes: list[tuple[int, dict[str, Any]]]) -> None: ...

    def product_ids(self, store_id: int, skus: Collection[str]) -> dict[str, int]: ...

    def account_ids(self, usernames: Collection[str]) -> dict[str, int]: ...

    def orders(self, store_id: int, numbers: Collection[str]) -> dict[str, StoredOrder]: ...

    def order_ids(self, store_id: int, numbers: Collection[str]) -> dict[str, int]: ...

    def latest_orders_by_email(self, store_id: int, emails: Collection[str]) -> dict[str, str]:
        """Buyer e-mail (as given, matched without case) -> the newest order's number."""
        ...

    def adopt_addresses(self, store_id: int, orders: Mapping[str, str]) -> int:
        """Each e-mail address (not yet a buyer id on the store) becomes an identity of
        the buyer of its order (address -> order number); how many were added."""
        ...

    def insert_orders(self, store_id: int, rows: list[dict[str, Any]]) -> dict[str, int]:
        """Order number -> id of the new orders."""
        ...

    def update_orders(self, changes: list[tuple[int, dict[str, Any]]]) -> None: ...

    def replace_lines(self, lines: dict[int, list[dict[str, Any]]]) -> None:
        """Each order's lines become these (order id -> line rows)."""
        ...

    def add_lines(self, lines: dict[int, list[dict[str, Any]]]) -> None:
        """The lines of orders that have none yet (new orders)."""
        ...

    def parcels(self, store_id: int, tracking_numbers: Collection[str]) -> list[StoredParcel]: ...

    def insert_parcels(self, rows: list[dict[str, Any]]) -> list[int]: ...

    def update_parcels(self, changes: list[tuple[int, dict[str, Any]]]) -> None: ...

    def set_aside(self, store_id: int, rows: list[dict[str, Any]], now: datetime) -> int:
        """Keep parcels of unknown orders; how many were not kept already."""
        ...

    def take_pending(self, store_id: int, numbers: Collection[str]) -> list[dict[str, Any]]:
        """The parcels set aside for these orders, removed from the pile."""
        ...

    def pending(self, store_id: int, limit: int) -> tuple[list[PendingParcelOut], int]: ...

    def mapping(self, store_id: int, kind: str) -> dict[str, str] | None: ...

    def save_mapping(
        self,
        store_id: int,
        kind: str,
        columns: dict[str, str],
        account_id: int | None,
        now: datetime,
    ) -> None: ...

    def rates(self, currency: str) -> dict[date, float]: ...

    def save_rates(self, rows: list[tuple[str, date, float]], source: str) -> tuple[int, int, int]:
        """(created, updated, unchanged)."""
        ...

    def create_run(self, values: dict[str, Any]) -> int:
        """A new import run; its job is asked for once the transaction commits."""
        ...

    def clear_run_errors(self, run_id: int) -> None: ...

    def run(self, run_id: int) -> ImportRunView | None: ...

    def runs(self, store_ids: Collection[int], limit: int) -> list[ImportRunView]: ...

    def update_run(self, run_id: int, values: dict[str, Any]) -> None: ...

    def add_run_errors(self, run_id: int, errors: list[FieldError]) -> None: ...

    def run_errors(self, run_id: int) -> Iterator[FieldError]: ...


# --- E-mail channel and stored credentials (docs/mail.md) ----------------------------------


class SecretsUnavailable(Exception):
    """No key to seal or open a stored credential (KEFU_SECRET_KEY unset), or the stored
    text was sealed with a key that is no longer configured."""


class SecretBox(Protocol):
    """Credentials encrypted at rest (kefu.adapters.secrets: Fernet, with key rotation).
    Sealed texts are stored; the plain text lives only in memory, for one connection."""

    def seal(self, plain: str) -> str:
        """The stored form of `plain`; raises SecretsUnavailable without a key."""
        ...

    def open(self, sealed: str) -> str:
        """The plain text back; raises SecretsUnavailable."""
        ...

    def rotate(self, sealed: str) -> str:
        """The same secret sealed with the newest key (`kefu secrets rotate`)."""
        ...


@dataclass(frozen=True)
class MailServer:
    """One connection's settings, the password opened for this connection only."""

    host: str
    port: int
    security: str  # domain.mail.Security
    user: str
    password: str = field(repr=False)


@dataclass(frozen=True)
class FetchedMail:
    uid: int
    raw: bytes  # only the header when the mail is larger than the limit (`too_large`)
    too_large: bool = False


@dataclass(frozen=True)
class MailAttachment:
    filename: str
    content_type: str
    data: bytes = field(repr=False)


@dataclass(frozen=True)
class ParsedMail:
    """A mail read by the parser (kefu.adapters.mail.parse); `refused` says why a mail
    could not be read at all (too large, too many parts) — it is then kept as a note."""

    message_id: str
    in_reply_to: tuple[str, ...]
    references: tuple[str, ...]
    sender: str  # the From address, lower case
    sender_name: str | None
    subject: str
    sent_at: datetime | None
    text: str  # the new words: HTML made text, quoted history and signature cut
    attachments: tuple[MailAttachment, ...] = ()
    dropped: tuple[str, ...] = ()  # attachments not kept, with the reason
    refused: str | None = None
    auto_submitted: bool = False  # an auto-reply or bounce (RFC 3834 / 3464)


class MailParser(Protocol):
    def parse(self, raw: bytes) -> ParsedMail: ...


class MailConnectionError(Exception):
    """A mail server could not be used; `code` is a domain.mail.MailError value and the
    message the server's words (never a password)."""

    def __init__(self, code: str, message: str, *, retryable: bool = True) -> None:
        super().__init__(message)
        self.code = code
        self.retryable = retryable


class MailboxSession(Protocol):
    """One open, logged-in IMAP connection with a folder selected."""

    def select(self, folder: str) -> tuple[int, int]:
        """Select `folder` read-only: (UIDVALIDITY, UIDNEXT)."""
        ...

    def uids_after(self, last_uid: int) -> list[int]:
        """The UIDs above `last_uid`, ascending."""
        ...

    def fetch(self, uids: Sequence[int], max_bytes: int) -> list[FetchedMail]:
        """The raw messages; one larger than `max_bytes` comes back empty (raw b"")."""
        ...

    def idle(self, seconds: float) -> bool:
        """Wait in IMAP IDLE up to `seconds`; True when the server announced new mail."""
        ...

    def close(self) -> None: ...


class MailboxClient(Protocol):
    def open(self, server: MailServer, folder: str) -> MailboxSession:
        """Connect, log in and select `folder`; raises MailConnectionError."""
        ...


@dataclass(frozen=True)
class OutgoingMail:
    """A reply as a mail: from the store's address to the buyer (or the relay alias)."""

    sender: str
    to: str
    subject: str
    text: str
    message_id: str  # without brackets; the same for every try of one outbox item
    in_reply_to: str | None
    references: tuple[str, ...]
    server: MailServer


class MailTransport(Protocol):
    def send(self, mail: OutgoingMail) -> None:
        """Hand the mail to the store's SMTP server; raises MailConnectionError."""
        ...


@dataclass(frozen=True)
class StoredMailbox:
    """A store's mailbox as stored: the passwords sealed (SecretBox), health beside."""

    store_id: int
    store_code: str
    store_platform: str
    store_archived: bool
    address: str
    imap_host: str
    imap_port: int
    imap_security: str
    imap_user: str
    imap_password: str = field(repr=False)
    folder: str = "INBOX"
    smtp_host: str = ""
    smtp_port: int = 587
    smtp_security: str = "starttls"
    smtp_user: str = ""
    smtp_password: str = field(default="", repr=False)
    amazon_relay: bool = False
    enabled: bool = True
    uidvalidity: int | None = None
    last_uid: int = 0
    last_pull_at: datetime | None = None
    last_success_at: datetime | None = None
    last_pulled: int = 0
    total_pulled: int = 0
    error_code: str | None = None
    error_detail: str | None = None
    error_at: datetime | None = None


@dataclass(frozen=True)
class MailThreadHead:
    """What a reply to a mail conversation needs: the buyer's address and the thread."""

    conversation_id: int
    to: str
    subject: str
    last_message_id: str | None
    references: tuple[str, ...]


class MailRepository(Protocol):
    def mailbox(self, store_id: int) -> StoredMailbox | None: ...

    def mailboxes(self, *, enabled_only: bool) -> list[StoredMailbox]:
        """Every mailbox (of stores not archived when `enabled_only`)."""
        ...

    def save_mailbox(self, store_id: int, values: dict[str, Any], now: datetime) -> None:
        """Insert or change the stored settings; health is kept."""
        ...

    def remove_mailbox(self, store_id: int) -> bool: ...

    def set_position(self, store_id: int, uidvalidity: int, last_uid: int) -> None: ...

    def record_pull(
        self,
        store_id: int,
        at: datetime,
        pulled: int,
        error: tuple[str, str] | None,
    ) -> None:
        """Health after a pull: when, how many, and the error (code, words) or None."""
        ...

    def conversation_keys(self, store_id: int, mail_ids: Sequence[str]) -> dict[str, str]:
        """The conversation key of each known Message-ID (incoming or sent)."""
        ...

    def remember_threads(
        self,
        store_id: int,
        pairs: Sequence[tuple[str, str]],
        *,
        incoming: bool = True,
        subjects: dict[str, str] | None = None,
        references: dict[str, tuple[str, ...]] | None = None,
        now: datetime | None = None,
    ) -> None:
        """(Message-ID, conversation key) pairs, with the subject and references of
        incoming mail; a known Message-ID keeps its thread."""
        ...

    def save_attachment(self, store_id: int, attachment: MailAttachment, now: datetime) -> str:
        """Store an attachment once per store; returns its SHA-256 (its name in URLs)."""
        ...

    def attachment(self, digest: str) -> tuple[int, MailAttachment] | None:
        """(store id, attachment) of a stored attachment."""
        ...

    def thread_head(self, conversation_id: int) -> MailThreadHead | None:
        """The buyer's address and the thread's Message-IDs, None for a non-mail one."""
        ...

    def mail_replies(self, message_ids: Sequence[int]) -> dict[int, tuple[int, str]]:
        """Of these outbox messages, those of stores with a mailbox: message id →
        (conversation id, store code)."""
        ...

    def resealed(self, rotate: Callable[[str], str]) -> int:
        """Seal every stored password again with `rotate`; how many were done."""
        ...

    def no_response_needed(self, conversation_id: int, at: datetime) -> int:
        """Mark the buyer messages waiting for an answer as needing none (SPEC §13) and
        take them out of the reporting facts; how many were marked."""
        ...


PULL_MAIL = "pull_mail"
SYNC_MARKETPLACES = "sync_marketplaces"


@dataclass
class PullReport:
    """What one pass over the stores' mailboxes did (kefu.services.mail.pull_all)."""

    mailboxes: int = 0
    pulled: int = 0
    duplicates: int = 0
    refused: int = 0
    failed: list[tuple[str, str]] = field(default_factory=list)  # (store code, error code)


# Marketplace channels (issue 18; docs/channels.md): one client per connected store,
# speaking its platform's documented API (kefu.adapters.marketplaces).


@dataclass(frozen=True)
class ConversationState:
    """A conversation's state on the marketplace, in kefu's words: the adapter maps its
    platform's own (AliExpress's rank 0–5, dealStat, readStat) to these."""

    ref: str  # the platform's conversation id (AliExpress channel_id, eBay conversationId…)
    read: bool | None = None  # None: the platform did not say
    handled: bool | None = None
    mark: str | None = None  # kefu's colour mark (SPEC §7); None: no mark
    mark_known: bool = False  # whether the platform said which mark (None is a value)
    owner: str | None = None  # the platform sub-account that holds it
    updated_at: datetime | None = None
    closed: bool | None = None  # the platform closed it (a Wish ticket); None: not said


@dataclass(frozen=True)
class PulledPage:
    """One page of what changed on the marketplace since the cursor."""

    # Messages in kefu's message format (README "Message format"): store, message_id,
    # conversation_id, buyer_id, sent_at, text, direction/kind/automatic, order_number…
    rows: list[dict[str, object]]
    states: list[ConversationState]
    cursor: str | None  # opaque to kefu; handed back to the next pull
    done: bool  # nothing more to pull now
    # Shop data from the platform's order API, per kind ("products", "orders", "parcels",
    # "tracking") in the import API's batch format (kefu.domain.shopdata FIELDS; an
    # order's `lines` and a parcel's `events` nested), written like an import
    # (docs/imports.md) before the page's messages.
    records: Mapping[str, list[dict[str, object]]] = field(default_factory=dict)
    # What the platform refused that did not stop the page (its order API, when the token
    # lacks the scope: the messages still sync), in words; the sync report tells them.
    problems: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class StateChange:
    """What kefu changed on a conversation, to be pushed to the marketplace, in kefu's
    words (the adapter maps a mark to its platform's label)."""

    ref: str
    read: bool | None = None  # None: unchanged
    handled: bool | None = None
    mark: str | None = None
    set_mark: bool = False  # push `mark` (None clears it)
    closed: bool | None = None  # closed (True) or reopened (False) by a person; None: unchanged
    notice: bool = False  # the platform's own conversation (eBay FROM_EBAY): the Notices list


# The conversation fields kept in step with a marketplace (docs/channels.md "State both
# ways"): kefu's colour mark, handled (kefu: not open), read (kefu: not unread), closed
# (kefu: closed by a person, not only answered; a Wish ticket's close, an eBay archive).
STATE_FIELDS = ("mark", "handled", "read", "closed")


@dataclass(frozen=True)
class SyncedState:
    """One conversation of a connected store: per field, what the platform last said
    (pulled, or pushed by kefu) and since when, and kefu's own last change and when."""

    conversation_id: int
    store_id: int
    ref: str
    platform: dict[str, object]  # field -> value
    platform_at: dict[str, datetime | None]
    platform_by: dict[str, str | None]  # "platform" (pulled) or "kefu" (pushed)
    kefu: dict[str, object]
    kefu_at: dict[str, datetime | None]
    push_error: str | None = None
    push_refused_at: datetime | None = None
    owner: str | None = None  # the platform sub-account holding it, as last pulled

    def pending(self, fields: Collection[str] = STATE_FIELDS) -> dict[str, object]:
        """kefu's changes still to push: not older than what the platform last said (a tie
        is kefu's), and not what the platform holds already; a change the platform refused
        for good waits for the next change. Only `fields`: what the store's platform has
        (a mark on eBay is kefu's alone, never due)."""
        due: dict[str, object] = {}
        for name in STATE_FIELDS:
            if name not in fields:
                continue
            at = self.kefu_at.get(name)
            if at is None or (self.push_refused_at is not None and at <= self.push_refused_at):
                continue
            seen = self.platform_at.get(name)
            if seen is not None and seen > at:
                continue  # the platform's change is newer: it won
            if self.platform_by.get(name) is not None and self.platform[name] == self.kefu[name]:
                continue  # the platform holds it already
            due[name] = self.kefu[name]
        return due


class MarketplaceClient(Protocol):
    """A store's connection to its marketplace. Raises ChannelError (retryable or not,
    with retry_after on 429) for anything the platform refuses or cannot answer."""

    def pull(self, cursor: str | None, since: datetime) -> PulledPage:
        """The next page after `cursor` (None: the first sync, back to `since`)."""
        ...

    def send(self, reply: OutgoingReply) -> str:
        """Deliver a reply; the platform's message id. Sending the same reply again (same
        idempotency key) must not post it twice: a client reference where the platform
        has one, else a look at the thread before a retry."""
        ...

    def push(self, change: StateChange) -> None:
        """Set read/handled/mark on the platform; setting a value it holds is harmless.
        A field the platform does not have (eBay's marks) is left alone."""
        ...


class StateSweep(Protocol):
    """A client whose platform lists conversations by message time only (AliExpress) also
    reads the latest conversations' states, so a change made on the platform shows."""

    def recent_states(self, limit: int) -> list[ConversationState]:
        """The states of the `limit` most recently active conversations: a platform that
        lists state changes by time only when a message comes (AliExpress) shows a rank
        set on the platform here."""
        ...


@dataclass(frozen=True)
class StoredConnection:
    store_id: int
    store_code: str
    platform: str
    base_url: str
    credentials: str  # sealed
    cursor: str | None
    backfill_days: int
    interval_minutes: int
    enabled: bool
    last_sync_at: datetime | None
    last_success_at: datetime | None
    last_pulled: int
    total_pulled: int
    error_code: str | None
    error_detail: str | None
    error_at: datetime | None
    updated_at: datetime
    failures: int = 0  # failed runs in a row (busy or down): the back-off's exponent
    retry_at: datetime | None = None  # backing off: no scheduled run before this


class ConnectionRepository(Protocol):
    def connection(self, store_id: int) -> StoredConnection | None: ...

    def connection_by_code(self, code: str) -> StoredConnection | None: ...

    def connections(self, *, enabled_only: bool) -> list[StoredConnection]:
        """Of stores not archived, by store code."""
        ...

    def save_connection(self, store_id: int, values: dict[str, Any], now: datetime) -> None: ...

    def remove_connection(self, store_id: int) -> bool: ...

    def record_sync(self, store_id: int, values: dict[str, Any]) -> None:
        """Cursor, counts and health after a page or a failure."""
        ...

    def states(self, store_id: int, refs: Collection[str] | None = None) -> list[SyncedState]:
        """The synced states of a store's conversations (of those refs only); a ref without
        a conversation in kefu has none."""
        ...

    def pending_states(
        self, store_id: int, fields: Collection[str] = STATE_FIELDS
    ) -> list[SyncedState]:
        """Those with a change by kefu of `fields` not yet pushed (SyncedState.pending)."""
        ...

    def save_state(self, conversation_id: int, store_id: int, values: dict[str, Any]) -> None:
        """Create or update a conversation's synced state: `platform_<f>`, `platform_<f>_at`,
        `platform_<f>_by`, `kefu_<f>`, `kefu_<f>_at`, `pushed_at`, `push_error`…"""
        ...

    def agent_changed(
        self, conversation_id: int, store_id: int, changes: Mapping[str, object], at: datetime
    ) -> None:
        """A person changed these fields (STATE_FIELDS) of a conversation: recorded for the
        push when its store is connected to a marketplace, else nothing."""
        ...


class MarketplaceFactory(Protocol):
    """Builds a store's client: (store code, platform, base URL, opened credentials); a
    client that renews its token hands the grant to `on_tokens` (docs/channels.md)."""

    def __call__(
        self,
        store: str,
        platform: str,
        base_url: str,
        credentials: Mapping[str, str],
        /,
        on_tokens: TokenSink | None = None,
    ) -> MarketplaceClient: ...


@dataclass(frozen=True)
class CallBudget:
    """A platform's published call limit: `calls` per `seconds`, with up to `burst` at once
    (Amazon Messaging 1/s burst 5; eBay Trading 75 per 60 s, then blocked 100 s)."""

    calls: int
    seconds: float
    burst: int | None = None  # None: `calls`


class CallLimiter(Protocol):
    """Marketplace call budgets shared by every worker and process of one kefu (kept in
    the database or Redis), keyed by platform, endpoint and seller."""

    def acquire(self, key: str, budget: CallBudget, *, max_wait: float) -> None:
        """Wait until one call under `budget` is allowed; ChannelError (retryable, with
        retry_after) when that would take longer than `max_wait` seconds."""
        ...

    def pause(self, key: str, seconds: float) -> None:
        """The platform said stop (429 Retry-After, eBay's 100 s block): no worker calls
        under `key` for `seconds`."""
        ...


@dataclass(frozen=True)
class TokenGrant:
    """What a platform's OAuth token endpoint gave (authorization code or refresh)."""

    access_token: str
    expires_at: datetime | None
    refresh_token: str | None = None  # a new one when the platform rotates it
    refresh_expires_at: datetime | None = None


class OAuthApp(Protocol):
    """A platform's OAuth2 authorization-code flow for one app (eBay, Wish v3, Amazon LWA)."""

    def authorize_url(self, redirect_uri: str, state: str) -> str:
        """Where the owner's browser goes to grant the app access to the seller account."""
        ...

    def exchange(self, code: str, redirect_uri: str) -> TokenGrant:
        """The tokens for the code the platform sent back; ChannelError if refused."""
        ...

    def refresh(self, refresh_token: str) -> TokenGrant:
        """A new access token; ChannelError (not retryable: reconnect needed) if refused."""
        ...


# A client that renewed its access token hands the grant here to be stored sealed.
TokenSink = Callable[[TokenGrant], None]


class TokenRefused(ChannelError):
    """The platform refused the store's token for good (invalid_grant on a refresh, 401
    after a refresh, AliExpress session errors 26/27): only the owner connecting the store
    again helps, so the connection's error is RECONNECT, never retried."""

    def __init__(self, message: str) -> None:
        super().__init__(message, retryable=False)


# A connection's error code when its token is refused: "reconnect needed" in words.
RECONNECT = "reconnect"


@dataclass(frozen=True)
class OAuthState:
    """A pending "Connect with …" (services/oauth.py): one-time, bound to the store and
    the account that started it, short-lived; the app keys ride along sealed."""

    digest: str  # sha256 of the state the browser carries; the state itself is not stored
    store_id: int
    account_id: int
    platform: str
    redirect_uri: str
    app: str  # sealed JSON: base_url and the app's keys
    created_at: datetime
    expires_at: datetime
    used_at: datetime | None


class OAuthStateRepository(Protocol):
    def add(self, state: OAuthState) -> None: ...

    def take(self, digest: str, now: datetime) -> OAuthState | None:
        """The state, marked used in this transaction (None: unknown). A state already
        used comes back with its `used_at` and is not marked again."""
        ...

    def purge(self, before: datetime) -> int:
        """Forget states that expired before `before`."""
        ...


@runtime_checkable
class OrderMessaging(Protocol):
    """A marketplace client that sends messages about an order of the kinds the platform
    offers for it (Amazon's Messaging API: never a fixed list)."""

    def actions(self, order_id: str) -> list[str]:
        """The message kinds the platform allows for this order now."""
        ...

    def send_action(self, order_id: str, action: str, body: Mapping[str, object]) -> str:
        """Send one; a reference for it. ChannelError when refused (an action not offered,
        a body its schema refuses) or not answered."""
        ...


@dataclass(frozen=True)
class OrderMessage:
    """A message sent (or being sent) through a platform's order messaging: once per store
    and client key."""

    id: int
    store_id: int
    client_key: str
    order_number: str
    action: str
    text: str | None
    state: str  # pending, sent, failed (may be tried again), refused
    platform_ref: str | None
    error: str | None
    account_id: int | None
    created_at: datetime
    updated_at: datetime


class AmazonMessageRepository(Protocol):
    def message(self, store_id: int, client_key: str) -> OrderMessage | None: ...

    def messages(self, store_id: int, order_number: str) -> list[OrderMessage]:
        """Those of an order, oldest first."""
        ...

    def add_message(self, values: Mapping[str, Any]) -> int:
        """A new pending message; ConcurrentWriteError when its client key is taken."""
        ...

    def update_message(self, message_id: int, values: Mapping[str, Any]) -> None: ...


# State both ways per platform and the Notices list (issue 18 "State both ways";
# docs/channels.md "State both ways", "Notices").


class StateFields(Protocol):
    """A client that keeps conversation state both ways says which of STATE_FIELDS its
    platform has (AliExpress mark, handled, read; eBay read, and closed when it archives;
    Wish handled and closed); a client without `state_fields` syncs no state. It may
    also say which of them it pushes (`pushed_fields`, else all): Wish's handled is only
    pulled (a reply moves the ticket on Wish's side; nothing sets it)."""

    @property
    def state_fields(self) -> frozenset[str]: ...


class StatePushMany(Protocol):
    """A platform with a bulk update (eBay bulkUpdateConversation, 10 a call)."""

    def push_many(self, changes: Sequence[StateChange]) -> list[str]:
        """Push the read state of many conversations; the refs the platform did not update."""
        ...


class TicketAppeal(Protocol):
    """A platform where the seller can ask the platform's support to step in (Wish)."""

    def appeal(self, ticket_id: str) -> None: ...


@dataclass(frozen=True)
class NoticeRow:
    """One platform notice: a line of a conversation only the platform writes in (eBay's
    FROM_EBAY conversations, AliExpress system channels)."""

    id: int  # the message id
    conversation_id: int
    store_code: str
    store_name: str
    platform: str
    sent_at: datetime
    text: str
    translation: str | None  # into the reader's language, when one is stored
    read_at: datetime | None


@dataclass(frozen=True)
class NoticePage:
    rows: list[NoticeRow]
    total: int
    unread: int  # of the whole filter, not only this page
    page: int
    page_size: int


class NoticeRepository(Protocol):
    def notices(
        self,
        store_ids: Collection[int],
        *,
        unread_only: bool,
        language: str | None,
        page: int,
        page_size: int,
    ) -> NoticePage:
        """Newest first, of those stores."""
        ...

    def unread_count(self, store_ids: Collection[int]) -> int: ...

    def notice_conversations(
        self, store_ids: Collection[int], message_ids: Collection[int] | None
    ) -> dict[int, int]:
        """The notices among `message_ids`, read or not (every unread one when None), of
        those stores: message id -> conversation id."""
        ...

    def mark_read(self, message_ids: Collection[int], account_id: int, at: datetime) -> int:
        """Record them read (a notice read already stays as it was); how many were new."""
        ...

    def unread_left(self, conversation_ids: Collection[int]) -> set[int]:
        """Of these notice conversations, those still with an unread notice."""
        ...


# --- team work: notes, notifications, presence (docs/team.md "Working together") -------


@dataclass(frozen=True)
class NoteView:
    id: int
    conversation_id: int
    author_id: int
    author_name: str
    text: str
    mentions: tuple[str, ...]  # display names of the people mentioned
    created_at: datetime


@dataclass(frozen=True)
class NewNotification:
    account_id: int
    kind: str  # mention, handover
    conversation_id: int
    note_id: int | None
    actor_id: int | None
    created_at: datetime


@dataclass(frozen=True)
class NotificationView:
    id: int
    kind: str
    conversation_id: int
    buyer_name: str | None
    actor_name: str | None
    excerpt: str | None  # the note's first words, for a mention
    created_at: datetime
    read_at: datetime | None


@dataclass(frozen=True)
class NewBuyerMessage:
    """A buyer wrote in a conversation assigned to the person (read, not stored)."""

    message_id: int
    conversation_id: int
    buyer_name: str | None
    preview: str
    at: datetime


@dataclass(frozen=True)
class Presence:
    account_id: int
    name: str
    state: str  # viewing, typing
    seen_at: datetime


@dataclass(frozen=True)
class EarlierAnswer:
    """A shop reply recorded after the buyer message an agent was answering."""

    author_name: str | None  # None: sent on the platform, outside kefu
    sent_at: datetime


class TeamRepository(Protocol):
    def add_note(
        self,
        conversation_id: int,
        store_id: int,
        author_id: int,
        text: str,
        mentions: Sequence[int],
        at: datetime,
    ) -> int: ...

    def notes(self, conversation_id: int) -> list[NoteView]:
        """Oldest first."""
        ...

    def notify(self, rows: Sequence[NewNotification]) -> None: ...

    def notifications(
        self, account_id: int, *, unread_only: bool, limit: int
    ) -> list[NotificationView]:
        """Newest first."""
        ...

    def mark_read(self, account_id: int, ids: Collection[int] | None, at: datetime) -> int:
        """Those of the person's notifications (all when None) not read yet; how many."""
        ...

    def unread_notifications(self, account_id: int) -> int: ...

    def unread_assigned(self, account_id: int) -> int:
        """Open conversations assigned to the person with something unread."""
        ...

    def new_buyer_messages(
        self, account_id: int, after_message_id: int, limit: int
    ) -> list[NewBuyerMessage]:
        """Buyer messages stored after that message id in conversations assigned to the
        person, newest first."""
        ...

    def live_version(self) -> tuple[int, int, int]:
        """Changes anywhere (messages, audited actions, notifications): three primary-key
        maxima, cheap on every database, read by every open event stream."""
        ...

    def touch_presence(
        self, conversation_id: int, account_id: int, state: str, at: datetime
    ) -> None: ...

    def presence(self, conversation_id: int, since: datetime) -> list[Presence]: ...

    def buyer_message_at(self, conversation_id: int, message_id: int) -> datetime | None:
        """When that buyer message of this conversation was sent (None: not one)."""
        ...

    def claim_answer(
        self, conversation_id: int, after: datetime, account_id: int
    ) -> EarlierAnswer | None:
        """None, and the conversation's row held for this transaction, when no one else's
        reply was recorded after `after`; else that reply. A conditional write, so two
        agents sending at once take turns and the second sees the first's reply."""


class SavedViewRepository(Protocol):
    """A person's saved inbox views (docs/inbox.md "Saved views")."""

    def of_account(self, account_id: int) -> list[SavedView]:
        """In tab order."""
        ...

    def save(self, account_id: int, name: str, query: str, at: datetime) -> SavedView:
        """Add it last, or give an existing view of that name these filters."""
        ...

    def delete(self, account_id: int, view_id: int) -> bool:
        """False when the person has no view with this id."""
        ...


# search (docs/search.md)
class SearchRepository(Protocol):
    """The search index's reads (adapters/db/search.py)."""

    def catch_up(self) -> None: ...

    def text_hits(self, query: SearchQuery, scope: SearchScope) -> list[TextHit]: ...

    def key_hits(self, keys: Sequence[str], scope: SearchScope) -> list[tuple[int, Any]]: ...

    def name_hits(self, words: str, scope: SearchScope) -> list[tuple[int, Any]]: ...

    def rows(self, conversation_ids: Sequence[int]) -> list[dict[str, Any]]: ...

    def texts(self, message_ids: Sequence[int]) -> dict[int, list[tuple[str | None, str]]]: ...


# After-sale cases (docs/cases.md; rules in kefu.domain.cases)


@dataclass(frozen=True)
class CaseOrder:
    """What a case needs to know of its order: to check lines and refunds against it."""

    id: int
    store_id: int
    buyer_id: int
    order_number: str
    total_cents: int
    currency: str
    total_usd_cents: int
    placed_at: datetime
    paid_at: datetime | None
    shipped_at: datetime | None
    promised_delivery_at: datetime | None
    lines: tuple[tuple[int, str, str, int, int], ...]  # (line id, sku, title, quantity, unit cents)
    carriers: tuple[str, ...] = ()  # its parcels' carriers
    delivered_at: datetime | None = None


@dataclass(frozen=True)
class CaseStepView:
    id: int
    at: datetime
    actor_id: int | None
    actor_name: str | None  # None: the platform or kefu's sweep
    action: str
    from_state: str
    to_state: str
    reason: str
    details: dict[str, Any]
    push_state: str
    push_error: str | None


@dataclass(frozen=True)
class EvidenceView:
    id: int
    filename: str
    mime: str
    size: int
    width: int
    height: int
    added_at: datetime


@dataclass(frozen=True)
class CaseRecord:
    """One case as stored, with its store, order, lines, steps and evidence."""

    id: int
    store_id: int
    store_code: str
    platform: str
    site: str
    store_zone: str
    conversation_id: int | None
    order_id: int | None
    order_number: str | None
    buyer_id: int | None
    buyer_name: str | None
    kind: str
    state: str
    is_open: bool
    reason: str
    solution: str | None
    refund_cents: int | None
    currency: str | None
    description: str
    holder_id: int | None
    holder_name: str | None
    opened_by: int | None
    opened_at: datetime
    updated_at: datetime
    closed_at: datetime | None
    platform_ref: str | None
    platform_state: str | None
    online_shipping: bool
    platform_due_at: datetime | None
    platform_due_source: str | None
    platform_due_rule: str | None
    shop_due_at: datetime | None
    shop_due_rule: str | None
    paused_since: datetime | None
    paused_seconds: int
    push_state: str
    push_error: str | None
    tracking_number: str | None
    tracking_sent_at: datetime | None
    version: int
    lines: tuple[tuple[int, str, str, int], ...] = ()  # (order line id, sku, title, quantity)
    steps: tuple[CaseStepView, ...] = ()
    evidence: tuple[EvidenceView, ...] = ()
    reminder: str | None = None  # the work its mark stands for (kefu.domain.cases.marks)


@dataclass(frozen=True)
class CaseFilters:
    store_ids: frozenset[int] | None  # None: every store
    account_id: int  # the person looking (visibility of product managers' conversations)
    open_only: bool = True
    kind: str | None = None
    holder_id: int | None = None
    page: int = 1
    per_page: int = 50


@dataclass(frozen=True)
class PendingPush:
    """A person's step that has still to reach the platform."""

    step_id: int
    case_id: int
    store_id: int
    platform_ref: str
    action: str
    details: dict[str, Any]
    attempts: int
    reason: str = ""
    order_number: str | None = None
    solution: str | None = None


class CaseRepository(Protocol):
    def order(self, store_id: int, order_id: int | None, number: str | None) -> CaseOrder | None:
        """The order by id or by number, in this store only."""
        ...

    def order_of_other_store(self, store_id: int, number: str) -> bool: ...

    def store_of(self, store_id: int) -> tuple[str, str, str]:
        """(platform, site, time zone) of a store: what its cases' clocks are counted in."""
        ...

    def conversation_for(
        self, store_id: int, platform_conversation_id: str | None, order_id: int | None
    ) -> tuple[int, int, int | None] | None:
        """(conversation id, buyer id, assignee id) of the conversation a platform's case
        belongs to: the one the platform names, else the latest about its order."""
        ...

    def returning_buyer(self, buyer_id: int) -> bool:
        """A buyer with more than one order, or a wholesale one (SPEC §7 blue mark)."""
        ...

    def refunded_cents(self, order_id: int) -> int:
        """Money already given back on the order's cases (refund steps), in its currency."""
        ...

    def add_case(self, values: Mapping[str, Any], lines: Sequence[tuple[int, int]]) -> int: ...

    def case(self, case_id: int) -> CaseRecord | None: ...

    def case_by_ref(self, store_id: int, platform_ref: str) -> CaseRecord | None: ...

    def cases_of_conversation(self, conversation_id: int) -> list[CaseRecord]: ...

    def cases(self, filters: CaseFilters) -> tuple[list[CaseRecord], int]: ...

    def update_case(self, case_id: int, version: int, values: Mapping[str, Any]) -> bool:
        """Write the changes when the case is still at `version` (then version + 1)."""
        ...

    def add_step(self, values: Mapping[str, Any]) -> int | None:
        """None when a step with the same request key is there already (a retried request)."""
        ...

    def step_by_key(self, case_id: int, request_key: str) -> CaseStepView | None: ...

    def set_push(
        self, step_id: int, state: str, error: str | None, at: datetime | None
    ) -> None: ...

    def pending_pushes(
        self, case_id: int | None, limit: int, *, store_id: int | None = None
    ) -> list[PendingPush]: ...

    def add_evidence(self, values: Mapping[str, Any]) -> tuple[int, bool]:
        """(its id, whether it is new): the same photo again on a case is the one stored."""
        ...

    def evidence_files(self, case_id: int) -> list[tuple[str, bytes]]:
        """(mime, bytes) of the case's evidence, oldest first: what a decision uploads."""
        ...

    def evidence(self, evidence_id: int) -> tuple[int, str, str, bytes] | None:
        """(case id, filename, mime, bytes)."""


# satisfaction surveys (docs/surveys.md)
@dataclass(frozen=True)
class SurveyRecord:
    id: int
    store_id: int
    conversation_id: int
    case_id: int | None
    message_id: int
    sent_at: datetime
    answered_at: datetime | None
    closed_at: datetime | None
    rating_id: int | None


class SurveyRepository(Protocol):
    """Satisfaction surveys sent to buyers and their answers (adapters/db/surveys.py)."""

    def of_case(self, case_id: int) -> SurveyRecord | None: ...

    def open_in(self, conversation_ids: Collection[int]) -> dict[int, SurveyRecord]:
        """The open survey of each conversation that has one."""
        ...

    def close(self, survey_id: int, at: datetime) -> None:
        """Closed unanswered: a later survey replaces it."""
        ...

    def add(
        self,
        *,
        store_id: int,
        conversation_id: int,
        case_id: int | None,
        platform_message_id: str,
        sent_at: datetime,
    ) -> int:
        """Record the survey sent as the stored message `platform_message_id`; its id."""
        ...

    def answered(self, survey_id: int, *, platform_rating_id: str, at: datetime) -> None:
        """Close the survey with the rating stored under `platform_rating_id`."""
        ...


# quality report (docs/reports.md "Quality report")
@dataclass(frozen=True)
class QualitySignal:
    """One conversation pointing at a quality problem of one product, from one source."""

    product_id: int
    conversation_id: int
    at: datetime  # when the problem was raised (the conversation began)
    source: str  # "red_mark" or "case"


@dataclass(frozen=True)
class QualityProduct:
    id: int
    store_code: str
    sku: str
    title: str


class QualityQueries(Protocol):
    """What the quality report reads (adapters/db/quality.py)."""

    def red_marked(self, store_id: int, start: datetime, end: datetime) -> list[QualitySignal]:
        """Red-marked conversations begun in [start, end): for the product the buyer wrote
        from, else for each product of the order's lines."""
        ...

    def quality_cases(self, store_id: int, start: datetime, end: datetime) -> list[QualitySignal]:
        """Cases about a quality problem (docs/cases.md) opened in [start, end), for the
        products they are about; a case without a conversation is not counted."""
        ...

    def products(self, product_ids: Collection[int]) -> dict[int, QualityProduct]: ...

    def orders_with(
        self, store_id: int, product_ids: Collection[int], start: datetime, end: datetime
    ) -> dict[int, int]:
        """Per product, the orders placed in [start, end) with a line of it."""
        ...


# --- after-sale cases from and to the platforms (docs/cases.md, docs/channels.md "Cases") --


@dataclass(frozen=True)
class PlatformCaseStep:
    """One thing that happened to a case on the platform, oldest first; `ref` (the
    platform's id of the activity, else a stable hash of it) makes storing it idempotent."""

    ref: str
    at: datetime
    action: str  # a CaseAction value
    actor: str  # "buyer", "seller" or "platform"
    note: str = ""


@dataclass(frozen=True)
class PlatformCase:
    """A case as the platform has it, mapped to kefu's words (kind, state, reason,
    solution) with the platform's own state word beside it."""

    ref: str  # "return:5000012345", "cancel:…", "inquiry:…", "case:…", "issue:…", "ticket:…"
    kind: str  # CaseKind value
    state: str  # CaseState value
    platform_state: str
    order_number: str | None
    buyer_ref: str | None
    conversation_ref: str | None
    reason: str  # CaseReason value
    opened_at: datetime
    updated_at: datetime
    respond_by: datetime | None  # the platform's own deadline, when it gives one
    refund_cents: int | None
    currency: str | None
    solution: str | None  # the Solution value the buyer asked for
    online_shipping: bool = False
    lines: tuple[tuple[str, int], ...] = ()  # (sku or platform line id, quantity)
    evidence_urls: tuple[str, ...] = ()
    steps: tuple[PlatformCaseStep, ...] = ()
    description: str = ""


@dataclass(frozen=True)
class CasePage:
    cases: list[PlatformCase]
    cursor: str
    done: bool


@dataclass(frozen=True)
class CaseDecision:
    """A step to write back to the platform; `evidence` are (mime, bytes) images the
    platform takes first (AliExpress)."""

    case_ref: str
    action: str  # CaseAction value
    order_number: str | None = None
    refund_cents: int | None = None
    currency: str | None = None
    solution: str | None = None
    note: str = ""
    tracking_number: str | None = None
    carrier: str | None = None
    evidence: tuple[tuple[str, bytes], ...] = ()


class CaseClient(Protocol):
    """A store's after-sale cases on its platform (adapters/marketplaces/*_cases.py)."""

    def pull_cases(self, cursor: str | None, since: datetime) -> CasePage: ...

    def decide(self, decision: CaseDecision) -> str:
        """Write the step; the platform's id of the result. ChannelError(retryable=…)
        when the platform refused it or did not answer."""
        ...

    def can_decide(self, case_ref: str, action: str) -> bool:
        """Whether this platform takes the step by API (the others stay local)."""
        ...


class CaseFactory(Protocol):
    """Builds a store's CaseClient like MarketplaceFactory builds its message client
    (kefu.bootstrap.case_client); None for a platform without a case API (Amazon)."""

    def __call__(
        self,
        store: str,
        platform: str,
        base_url: str,
        credentials: Mapping[str, str],
        /,
        on_tokens: TokenSink | None = None,
    ) -> CaseClient | None: ...


# --- deadlines board, breaches, the timed-out sweep, case limits (docs/deadlines.md) --------


class DeadlineRepository(Protocol):
    def board(self, filters: BoardFilters, now: datetime) -> BoardPage: ...

    def by_agent(self, filters: BoardFilters, now: datetime) -> list[AgentLoad]: ...

    def notify_case_breaches(self, now: datetime) -> int: ...

    def notify_conversation_breaches(self, now: datetime) -> int: ...

    def time_out(self, rules: Collection[str], reason: str, now: datetime) -> int: ...


@dataclass(frozen=True)
class CaseLimitsRow:
    """One person's limits as stored; `max_refund_usd_cents` None: any amount."""

    account_id: int
    max_refund_usd_cents: int | None
    may_decline_return: bool
    may_refuse_dispute: bool
    updated_at: datetime
    updated_by: int | None


class CaseLimitRepository(Protocol):
    def limits_of(self, account_id: int) -> CaseLimitsRow | None: ...

    def set_limits(self, limits: CaseLimitsRow) -> None: ...


# --- tracking events from every source, orphans, unmapped texts (docs/tracking.md) ---------


@dataclass(frozen=True)
class TrackedParcel:
    """A parcel as ingest finds it: by its number, narrowed by carrier when one is given."""

    id: int
    tracking_number: str
    carrier: str
    provider_carrier: str | None
    # Where its tracking stands, read along so that moving it on needs no second read.
    latest_status: str | None = None
    latest_event_at: datetime | None = None
    status_since: datetime | None = None


@dataclass(frozen=True)
class EventRow:
    """One normalised event for one parcel, as stored."""

    parcel_id: int
    occurred_at: datetime
    code: str
    status: str
    mapped: bool
    source: str
    location: str | None
    description: str


@dataclass(frozen=True)
class OrphanRow:
    """An event for a number no parcel has yet (carrier "" when the source gave none)."""

    tracking_number: str
    carrier: str
    occurred_at: datetime
    code: str
    status: str | None
    location: str | None
    description: str
    source: str


@dataclass(frozen=True)
class OrphanSummary:
    tracking_number: str
    source: str
    events: int
    first_received_at: datetime
    last_occurred_at: datetime


@dataclass(frozen=True)
class UnmappedText:
    """Words no rule maps, how many events carry them, and one parcel that has them."""

    text: str
    events: int
    example_parcel_id: int
    example_tracking_number: str
    example_description: str


@dataclass(frozen=True)
class TextRuleRow:
    text: str
    status: TrackingStatus
    created_by: int | None
    created_at: datetime


class TrackingRepository(Protocol):
    def text_rules(self) -> dict[str, TrackingStatus]: ...

    def rules(self) -> list[TextRuleRow]: ...

    def parcels_by_number(
        self, numbers: Collection[str], store_ids: Collection[int] | None = None
    ) -> list[TrackedParcel]: ...

    def add_events(
        self, rows: Sequence[EventRow], known: Mapping[int, TrackedParcel] | None = None
    ) -> list[EventRow]:
        """Store the rows not stored yet (key: parcel, time, code); returns those added.
        `known`: the parcels as just read (their latest event time spares reading keys)."""
        ...

    def refresh(self, parcel_ids: Collection[int]) -> None:
        """Each parcel's latest status, its time and since when, from its whole history;
        polling stops at a final status; orders whose every parcel is delivered are
        delivered."""
        ...

    def advance(
        self, rows: Sequence[EventRow], known: Mapping[int, TrackedParcel] | None = None
    ) -> None:
        """The same, for parcels that just gained these events (stored by `add_events`);
        `known`: the parcels as just read, else they are read."""
        ...

    def add_orphans(self, rows: Sequence[OrphanRow], now: datetime) -> int: ...

    def take_orphans(self, numbers: Collection[str]) -> list[OrphanRow]:
        """The orphans of these numbers, removed (their parcel has come)."""
        ...

    def orphans(self, limit: int) -> tuple[list[OrphanSummary], int]: ...

    def unmapped(self, limit: int) -> tuple[list[UnmappedText], int]: ...

    def save_rule(
        self, text: str, status: TrackingStatus, account_id: int | None, now: datetime
    ) -> None: ...

    def unmapped_events(self, after_id: int, limit: int) -> list[tuple[int, int, str, str]]:
        """(event id, parcel id, code, description) of unmapped events, by id."""
        ...

    def remap(self, changes: Sequence[tuple[int, TrackingStatus]]) -> None:
        """Give these events (by id) a status a rule now knows, and mark them mapped."""
        ...


# --- tracking providers and the refresh job (docs/tracking.md "Providers") ---------------
# Imported here, not at the top, so this block merges on its own.
from kefu.domain.tracking import IncomingEvent  # noqa: E402

TRACKING_REFRESH = "tracking_refresh"


@dataclass(frozen=True)
class TrackRequest:
    """A number to follow; `carrier` is the provider's carrier code when known."""

    number: str
    carrier: str | None = None


@dataclass(frozen=True)
class TrackRefusal:
    """A number the provider refused, with its own error code and words."""

    number: str
    code: str
    message: str


@dataclass(frozen=True)
class TrackInfo:
    """What the provider knows of one number: its latest status (None while the carrier
    has nothing) and every event it holds, oldest first."""

    number: str
    carrier: str | None
    status: TrackingStatus | None
    code: str
    events: tuple[IncomingEvent, ...]


@dataclass(frozen=True)
class TrackAnswer:
    """A batch's answer: numbers accepted (with the provider's carrier) or refused."""

    accepted: tuple[TrackRequest, ...] = ()
    refused: tuple[TrackRefusal, ...] = ()
    infos: tuple[TrackInfo, ...] = ()


@dataclass(frozen=True)
class TrackQuota:
    """How many registrations the plan has left; `daily_max` caps one day's."""

    total: int
    used: int
    remaining: int
    daily_max: int | None = None


class TrackingProviderError(Exception):
    """A whole call failed (bad key, provider down, quota spent): the refresh stops and
    records since when the provider's data is stale."""

    def __init__(self, message: str, *, code: str = "", retryable: bool = True) -> None:
        super().__init__(message)
        self.code, self.retryable = code, retryable


class TrackingProvider(Protocol):
    """A tracking service that follows numbers for kefu (17TRACK or its sandbox)."""

    @property
    def name(self) -> str: ...

    @property
    def batch_size(self) -> int:
        """The most numbers one call may carry."""
        ...

    def register(self, numbers: Sequence[TrackRequest]) -> TrackAnswer:
        """Start following numbers; each accepted one costs a unit of quota."""
        ...

    def track_info(self, numbers: Sequence[TrackRequest]) -> TrackAnswer:
        """What the provider holds for registered numbers (`infos`)."""
        ...

    def quota(self) -> TrackQuota: ...

    def stop(self, numbers: Sequence[TrackRequest]) -> TrackAnswer:
        """Stop following numbers with nothing more to tell (delivered, returned…)."""
        ...


class MarketplaceTracking(Protocol):
    """A marketplace's own tracking of its orders' parcels (AliExpress)."""

    def tracking(
        self, number: str, *, service: str, order_id: str, to_area: str
    ) -> list[IncomingEvent]: ...

    def close(self) -> None: ...


@dataclass(frozen=True)
class MarketParcel:
    """A parcel of a marketplace order, with what the marketplace's tracking asks for."""

    id: int
    store_code: str
    tracking_number: str
    carrier: str
    order_number: str
    ship_to_country: str | None
    latest_status: str | None
    latest_event_at: datetime | None
    registered_at: datetime | None


@dataclass(frozen=True)
class PollParcel:
    """A parcel the refresh registers or polls."""

    id: int
    tracking_number: str
    carrier: str
    provider_carrier: str | None
    latest_status: str | None
    latest_event_at: datetime | None
    registered_at: datetime | None


@dataclass(frozen=True)
class ProviderState:
    """A provider's health and quota as stored (tracking_providers)."""

    name: str
    quota_total: int | None
    quota_used: int | None
    quota_checked_at: datetime | None
    last_success_at: datetime | None
    last_error: str | None
    last_error_at: datetime | None
    stale_since: datetime | None


class TrackingPollRepository(Protocol):
    def to_register(
        self, shipped_after: datetime, final: Collection[str], limit: int, store: str | None
    ) -> list[PollParcel]:
        """Parcels shipped since then, not final, that no provider follows yet (of one
        store's orders when `store` names it)."""
        ...

    def due(
        self, provider: str, now: datetime, limit: int, store: str | None
    ) -> list[PollParcel]: ...

    def mark_registered(
        self, provider: str, carriers: Mapping[int, str | None], now: datetime
    ) -> None: ...

    def mark_refused(self, provider: str, parcel_ids: Collection[int]) -> None:
        """The provider refused these numbers: it follows them not (no retry)."""
        ...

    def forget(self, parcel_ids: Collection[int]) -> None:
        """The provider lost them: register them again on the next run."""
        ...

    def polled(self, parcel_ids: Collection[int]) -> list[PollParcel]:
        """The parcels as stored now (their latest status after the events)."""
        ...

    def schedule(self, next_polls: Mapping[int, datetime | None], now: datetime) -> None: ...

    def marketplace_parcels(
        self,
        platform: str,
        shipped_after: datetime,
        final: Collection[str],
        now: datetime,
        limit: int,
        store: str | None,
    ) -> list[MarketParcel]:
        """The platform's parcels its own tracking should be asked about now: shipped
        since then, not final, followed by nobody yet or due (`next_poll_at`)."""
        ...

    def state(self, provider: str) -> ProviderState | None: ...

    def states(self) -> list[ProviderState]: ...

    def save_state(self, state: ProviderState) -> None: ...


@dataclass(frozen=True)
class TaskRow:
    """Internal work (table tasks): an Amazon parcel anomaly, or a buyer to write to
    without a conversation. `key` makes creating it idempotent."""

    key: str
    store_id: int
    kind: str
    title: str
    created_at: datetime
    id: int = 0
    store_name: str = ""
    conversation_id: int | None = None
    order_id: int | None = None
    parcel_id: int | None = None
    detail: str = ""
    created_by: int | None = None
    done_at: datetime | None = None


class LogisticsRepository(Protocol):
    def thresholds(self, store_ids: Collection[int] | None) -> dict[int, dict[str, Any]]: ...

    def save_thresholds(
        self, store_id: int, settings: dict[str, Any], at: datetime, by: int | None
    ) -> None: ...

    def candidates(
        self,
        filters: LogisticsFilters,
        store_ids: Collection[int] | None,
        *,
        silent_before: datetime,
        promised_before: datetime,
    ) -> list[ParcelRow]: ...

    def parcel(self, parcel_id: int) -> ParcelRow | None: ...

    def conversations(self, order_ids: Collection[int]) -> dict[int, tuple[int, str | None]]: ...

    def buyer_languages(self, order_ids: Collection[int]) -> dict[int, str | None]: ...

    def notices(self, parcel_ids: Collection[int]) -> dict[tuple[int, str], datetime]: ...

    def record_notice(
        self,
        parcel_id: int,
        anomaly: str,
        *,
        message_id: int | None,
        task_id: int | None,
        at: datetime,
        by: int | None,
    ) -> None: ...

    def message_id(self, store_id: int, platform_message_id: str) -> int | None: ...

    def stale_since(self) -> dict[str, datetime]: ...

    def add_task(self, task: TaskRow) -> int: ...

    def tasks(
        self, store_ids: Collection[int] | None, *, open_only: bool, limit: int
    ) -> list[TaskRow]: ...

    def task(self, task_id: int) -> TaskRow | None: ...

    def finish_task(self, task_id: int, at: datetime) -> None: ...
