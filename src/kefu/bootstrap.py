"""Composition root: settings → engine → unit-of-work factory and clock. Nothing at import time.

The intent model's libraries (scikit-learn, SciPy) load on first use only: an import or a
worker that never classifies stays small (docs/benchmarks.md, `kefu bench import`)."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache, cached_property, partial
from importlib.resources import files
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
from pydantic import SecretStr
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from kefu.adapters.call_limits import make_call_limiter
from kefu.adapters.channels.http import HttpChannel, NoChannel
from kefu.adapters.channels.mail import MailChannel
from kefu.adapters.channels.sandbox import create_sandbox as create_sandbox
from kefu.adapters.db.bulk import fill_synthetic_inbox
from kefu.adapters.db.bulk_search import TEXTS, Filled, fill_search_corpus
from kefu.adapters.db.bulk_tracking import fill_parcels
from kefu.adapters.db.customs import packaged_defaults
from kefu.adapters.db.deadlines import fill_deadline_cases
from kefu.adapters.db.engine import make_engine
from kefu.adapters.db.kpifacts import rebuild_facts
from kefu.adapters.db.logistics import fill_board_parcels
from kefu.adapters.db.search import reindex as reindex_messages
from kefu.adapters.db.unit_of_work import SqlAlchemyUnitOfWork
from kefu.adapters.formatting import (
    BabelFormatter,
    country_codes,
    currency_digits,
    known_currencies,
)
from kefu.adapters.holidays import holiday_countries, public_holidays
from kefu.adapters.langid import OutgoingLanguageDetector
from kefu.adapters.mail.imap import ImapClient
from kefu.adapters.mail.parse import MailParser
from kefu.adapters.mail.smtp import SmtpTransport
from kefu.adapters.marketplaces import aliexpress, amazon, ebay, wish
from kefu.adapters.marketplaces.aliexpress import AliExpressClient
from kefu.adapters.marketplaces.aliexpress_cases import AliExpressCases
from kefu.adapters.marketplaces.aliexpress_orders import AliExpressOrders
from kefu.adapters.marketplaces.aliexpress_tracking import AliExpressTracking
from kefu.adapters.marketplaces.amazon import AmazonClient, AmazonOAuth
from kefu.adapters.marketplaces.ebay import EbayClient
from kefu.adapters.marketplaces.ebay_cases import EbayCases
from kefu.adapters.marketplaces.ebay_oauth import EbayOAuth
from kefu.adapters.marketplaces.ebay_orders import EbayOrders
from kefu.adapters.marketplaces.ebay_questions import EbayWithQuestions
from kefu.adapters.marketplaces.orders import WithOrders
from kefu.adapters.marketplaces.sandbox import AliExpressFace as AliExpressFace
from kefu.adapters.marketplaces.sandbox import EbayFace as EbayFace
from kefu.adapters.marketplaces.sandbox import WishFace as WishFace
from kefu.adapters.marketplaces.sandbox import aliexpress_cases as aliexpress_cases
from kefu.adapters.marketplaces.sandbox import (
    create_marketplace_sandbox as create_marketplace_sandbox,
)
from kefu.adapters.marketplaces.sandbox import ebay_cases as ebay_cases
from kefu.adapters.marketplaces.sandbox import wish_cases as wish_cases
from kefu.adapters.marketplaces.wish import WishClient
from kefu.adapters.marketplaces.wish_cases import WishCases
from kefu.adapters.marketplaces.wish_oauth import WishOAuth
from kefu.adapters.marketplaces.wish_orders import WishOrders
from kefu.adapters.passwords import Argon2Hasher
from kefu.adapters.phones import PhoneNumberFinder
from kefu.adapters.reply_catalogue import packaged_catalogue
from kefu.adapters.secrets import FernetBox, new_key
from kefu.adapters.tabular import open_table as open_table
from kefu.adapters.tabular import write_error_csv as write_error_csv
from kefu.adapters.tracking.sandbox import KEY as TRACKING_SANDBOX_KEY
from kefu.adapters.tracking.sandbox import PREFIX as TRACKING_SANDBOX_PREFIX
from kefu.adapters.tracking.sandbox import TrackingFace as TrackingFace
from kefu.adapters.tracking.sandbox import create_tracking_sandbox as create_tracking_sandbox
from kefu.adapters.tracking.seventeen_track import SeventeenTrack, parse_track_info
from kefu.adapters.tracking_numbers import recognise as recognise_number
from kefu.adapters.translators.registry import build_translator as build_translator
from kefu.adapters.translators.sandbox import (
    create_translation_sandbox as create_translation_sandbox,
)
from kefu.config import Settings
from kefu.services import (
    case_sync,
    cases,
    customs,
    mail,
    model_versions,
    oauth,
    sync,
    tracking_refresh,
    training,
)
from kefu.services.auth import Auth
from kefu.services.autoreplies import AutoReplier
from kefu.services.jobs import JOBS
from kefu.services.model_versions import TrainingDeps
from kefu.services.outbox import deliver_due
from kefu.services.outgoing import Gate
from kefu.services.ports import (
    CallLimiter,
    CaseClient,
    ChannelError,
    ChannelGateway,
    Clock,
    DeliveryReport,
    JobParam,
    MarketplaceClient,
    MarketplaceTracking,
    PullReport,
    SecretsUnavailable,
    StoreChecks,
    StoredConnection,
    TableSource,
    TokenSink,
    TrackInfo,
    TrackingProvider,
)
from kefu.services.replies import Replies
from kefu.services.routing import route_new
from kefu.services.shopdata import Reference, execute_run
from kefu.services.surveys import Surveys
from kefu.services.translation import TranslationService

if TYPE_CHECKING:
    from alembic.config import Config

    from kefu.adapters.classifier import IntentModel
    from kefu.adapters.jobs import InProcessWorker, JobQueue
    from kefu.adapters.triage_model import ModelRegistry, TriageModel


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


# `kefu bench search` asks about the sentences its shop was filled with.
SEARCH_TEXTS = TEXTS
SearchCorpus = Filled


@dataclass
class Kefu:
    """Everything the entry points need, built once per process."""

    settings: Settings
    engine: Engine
    session_factory: sessionmaker[Session]
    clock: Clock

    def uow(self) -> SqlAlchemyUnitOfWork:
        """A unit of work; the jobs its commit asks for (a reply to send) are enqueued."""
        return SqlAlchemyUnitOfWork(self.session_factory, after_commit=self._enqueue_all)

    @cached_property
    def jobs(self) -> JobQueue:
        """The job queue (KEFU_QUEUE_URL; docs/adr/0008-background-jobs.md), opened on first
        use: asking for a job works in every process, running them in workers."""
        from kefu.adapters.jobs import JobQueue, make_huey  # huey: only where jobs are

        return JobQueue(make_huey(self.settings.queue_url, self.settings.database_url), JOBS)

    def _enqueue_all(self, jobs: list[tuple[str, dict[str, JobParam]]]) -> None:
        for name, params in jobs:
            self.jobs.enqueue(name, params)

    def runs_jobs_in_process(self) -> bool:
        """`kefu serve` runs the jobs itself unless told (KEFU_WORKER_IN_PROCESS), or unless
        a shared queue (KEFU_QUEUE_URL) has `kefu worker` processes for them."""
        if self.settings.worker_in_process is not None:
            return self.settings.worker_in_process
        return self.settings.queue_url is None

    def start_jobs(self, workers: int | None = None) -> InProcessWorker:
        """Run jobs in background threads of this process until the worker is stopped."""
        return self.jobs.start_in_process(self, workers or self.settings.worker_threads)

    def run_worker(self, workers: int | None = None) -> None:
        """Run jobs until SIGTERM or SIGINT (`kefu worker`); from the main thread."""
        self.jobs.run_worker(self, workers or self.settings.worker_threads)

    def upgrade(self, revision: str = "head") -> None:
        upgrade_database(self.engine, revision)
        if revision == "head":  # the shipped customs facts need the latest schema
            customs.load_defaults(packaged_defaults(), uow=self.uow(), clock=self.clock)

    @cached_property
    def gate(self) -> Gate:
        """The one check every outgoing text passes (services/outgoing.py)."""
        return Gate(OutgoingLanguageDetector(), phone_finder(), CHANNEL_LIMITS)

    @cached_property
    def replies(self) -> Replies:
        """Templates, formatting and the gate, loaded once per process."""
        return Replies(packaged_catalogue(), BabelFormatter(), self.gate, public_holidays)

    @cached_property
    def surveys(self) -> Surveys:
        """The survey after a case closes (services/surveys.py): the case service sends it."""
        return Surveys(packaged_catalogue(), BabelFormatter(), self.gate)

    @cached_property
    def store_checks(self) -> StoreChecks:
        """What a store's currency and holiday country are checked against (Babel, holidays)."""
        return StoreChecks(known_currencies(), holiday_countries())

    @cached_property
    def auth(self) -> Auth:
        """Sign-in and tokens; argon2id hashing is set up once per process."""
        return Auth(Argon2Hasher())

    @cached_property
    def auto_replier(self) -> AutoReplier:
        return AutoReplier(packaged_catalogue(), BabelFormatter(), public_holidays, self.gate)

    @cached_property
    def channel(self) -> ChannelGateway:
        """SMTP for the replies of stores with a mailbox (docs/mail.md), a connected store's
        marketplace API (docs/channels.md), else the HTTP channel (KEFU_CHANNEL_URL), else
        none (replies wait)."""
        url = self.settings.channel_url
        other: ChannelGateway = HttpChannel(url) if url else NoChannel()
        # A connected store's replies go through its marketplace's API (docs/channels.md).
        stores = sync.StoreChannels(self.uow, self.marketplaces, other)
        return MailChannel(SmtpTransport(self.settings.mail_ca_file), stores)

    @cached_property
    def secrets(self) -> FernetBox:
        """Credentials sealed at rest with KEFU_SECRET_KEY (adapters/secrets.py)."""
        key = self.settings.secret_key
        return FernetBox(key.get_secret_value() if key else None)

    @cached_property
    def mail(self) -> mail.MailDeps:
        """Reading stores' mailboxes: parser, IMAP client, secrets, live ingestion."""
        public = self.settings.public_url.rstrip("/")
        return mail.MailDeps(
            parser=MailParser(),
            client=ImapClient(self.settings.mail_ca_file),
            secrets=self.secrets,
            attachment_url=lambda digest: f"{public}/mail/attachments/{digest}",
            ingest_options=self.live_ingest_options,
        )

    def live_ingest_options(self) -> dict[str, Any]:
        """What live traffic gets on ingestion: triage, automatic replies, routing and
        translation (as POST /api/v1/messages does)."""
        return {
            "classifier": self.ingest_classifier(),
            "auto_replier": self.auto_replier,
            "route": route_new,
            "translate": self.translation.translator is not None,
        }

    @cached_property
    def marketplaces(self) -> sync.SyncDeps:
        """Connected stores' marketplace clients (docs/channels.md), live ingestion."""
        factory = partial(marketplace_client, limiter=self.call_limiter)
        return sync.SyncDeps(
            self.secrets,
            factory,
            self.live_ingest_options,
            self.reference,
            token_sink=partial(oauth.token_sink, self.uow, self.secrets, self.clock),
            case_factory=partial(case_client, limiter=self.call_limiter),
            case_deps=lambda: self.case_deps,
        )

    @cached_property
    def case_deps(self) -> cases.CaseDeps:
        """Holidays for the cases' clocks and the way their steps reach the platforms."""
        push_for = case_sync.platform_push(
            self.uow, lambda conn: sync.open_case_client(self.marketplaces, conn)
        )
        return cases.CaseDeps(holidays=public_holidays, push_for=push_for, surveys=self.surveys)

    @cached_property
    def oauth(self) -> oauth.OAuthDeps:
        """Connecting stores by OAuth (docs/channels.md): the platforms' apps, and where
        the platforms send the owner's browser back (KEFU_PUBLIC_URL)."""
        callback = self.settings.public_url.rstrip("/") + oauth.CALLBACK_PATH
        return oauth.OAuthDeps(OAUTH_APPS, self.secrets, callback)

    @cached_property
    def call_limiter(self) -> CallLimiter:
        """Marketplace call budgets shared by every worker (docs/channels.md "Rate
        limits"): KEFU_CALL_BUDGET_URL, else Redis when the job queue is there, else the
        database."""
        url = self.settings.call_budget_url or self.settings.queue_url
        return make_call_limiter(url, self.engine)

    def sync_marketplaces(
        self, store: str | None = None, *, since: datetime | None = None
    ) -> sync.SyncReport:
        """Pull each connected store (every one when `store` is None, else only it; from
        `since` instead of its cursor, when given)."""
        return sync.sync_all(
            self.uow,
            self.marketplaces,
            self.clock,
            store=store,
            due_only=store is None,
            since=since,
        )

    def pull_mail(self, store: str | None = None) -> PullReport:
        """Pull new mail of every enabled store mailbox (the pull_mail job)."""
        return mail.pull_all(self.uow, self.mail, self.clock, store=store)

    @cached_property
    def translation(self) -> TranslationService:
        """The shop's translation provider (KEFU_TRANSLATOR) behind the cache and checks."""
        return TranslationService(self.uow, build_translator(self.settings), self.clock)

    @cached_property
    def reference(self) -> Reference:
        """Currencies with their minor units and country codes (Babel's CLDR), for imports."""
        return Reference(currency_digits(), country_codes(), recognise_number)

    def run_import(self, run_id: int) -> object:
        """The data_import job: import an uploaded file, then delete the upload."""

        def table(path: str, options: Mapping[str, Any], name: str) -> TableSource:
            return open_table(
                Path(path), fmt=options.get("format"), encoding=options.get("encoding"), name=name
            )

        done = None
        try:
            done = execute_run(
                run_id,
                table,
                uow=self.uow(),
                clock=self.clock,
                ref=self.reference,
                principal_of=lambda account_id: self.auth.principal(account_id, uow=self.uow()),
            )
        finally:
            if done is not None and done.status in ("done", "failed"):
                upload = Path(self.settings.import_dir) / f"run-{run_id}"
                upload.unlink(missing_ok=True)
        return done

    def deliver_outbox(self, limit: int = 50) -> DeliveryReport:
        lease = timedelta(seconds=self.settings.outbox_lease_seconds)
        return deliver_due(
            self.uow,
            self.channel,
            self.clock,
            limit=limit,
            lease=lease,
            prepare=partial(mail.prepare_reply, self.uow, self.secrets),
        )

    def classifier(self) -> TriageModel:
        """Language + intent model: the active version in the database, followed by every
        process without a restart (adapters/triage_model.py ModelRegistry), else the shop's
        model file, else the packaged one; loaded on first use (about a second)."""
        return self.model_registry.current()

    @cached_property
    def model_registry(self) -> ModelRegistry:
        from kefu.adapters.db.model_versions import active_version, version_bytes
        from kefu.adapters.triage_model import ModelRegistry, load_triage_model

        return ModelRegistry(
            partial(active_version, self.engine),
            partial(version_bytes, self.engine),
            partial(load_triage_model, Path(self.settings.model_path)),
            check_seconds=self.settings.model_check_seconds,
        )

    @cached_property
    def training_deps(self) -> TrainingDeps:
        """How a retrain trains, scores and reads models (services/model_versions.py)."""

        def load(data: bytes) -> IntentModel:
            from kefu.adapters.classifier import IntentModel

            return IntentModel.from_bytes(data)

        def baseline() -> IntentModel:
            from kefu.adapters.triage_model import load_triage_model

            return load_triage_model(Path(self.settings.model_path)).model

        corpus = self.settings.model_corpus
        return TrainingDeps(
            corpus=Path(corpus) if corpus else training.CORPUS,
            train=train_intent_model,
            load=load,
            baseline=baseline,
        )

    def retrain_model(self, version_id: str) -> object:
        """The model_retrain job: gather, train, evaluate, save and (usually) activate."""
        return model_versions.run_retrain(
            version_id, self.training_deps, uow=self.uow, clock=self.clock
        )

    def scheduled_retrain(self) -> str | None:
        """The model_schedule job: retrain once enough new corrections exist."""
        return model_versions.scheduled(
            uow=self.uow(), clock=self.clock, corpus=self.training_deps.corpus
        )

    def ingest_classifier(self) -> TriageModel | None:
        """The classifier ingestion uses, or None when triage on ingest is switched off."""
        return self.classifier() if self.settings.triage_on_ingest else None

    def downgrade(self, revision: str) -> None:
        downgrade_database(self.engine, revision)

    def fill_synthetic_inbox(
        self, conversations: int, per_conversation: int, seed: int = 1, orders: int = 0
    ) -> int:
        """Benchmark data straight into the tables (see kefu.adapters.db.bulk)."""
        return fill_synthetic_inbox(
            self.engine, conversations, per_conversation, seed, self.clock.now(), orders
        )

    def fill_search_corpus(
        self,
        messages: int,
        per_conversation: int,
        progress: Callable[[int, int], None] | None = None,
    ) -> Filled:
        """`kefu bench search`'s shop in 14 languages, straight into the tables (see
        kefu.adapters.db.bulk_search)."""
        return fill_search_corpus(
            self.engine,
            messages,
            per_conversation=per_conversation,
            now=self.clock.now(),
            progress=progress,
        )

    def fill_deadline_cases(self, cases: int, *, told: bool) -> int:
        """`kefu bench deadlines`' open cases and waiting conversations, straight into the
        tables (see kefu.adapters.db.deadlines)."""
        return fill_deadline_cases(self.engine, cases, self.clock.now(), told=told)

    def fill_board_parcels(self, parcels: int) -> None:
        """`kefu bench logistics`' parcels in every state, straight into the tables (see
        kefu.adapters.db.logistics)."""
        fill_board_parcels(self.engine, parcels, self.clock.now())

    def fill_tracking_parcels(self, count: int, number: Callable[[int], str]) -> None:
        """`kefu bench tracking`'s shipped parcels, straight into the tables (see
        kefu.adapters.db.bulk_tracking)."""
        fill_parcels(self.engine, count, number, self.clock.now())

    def reindex_search(self, progress: Callable[[int, int], None]) -> int:
        """Index every stored message again (docs/search.md); returns how many."""
        with self.engine.connect() as conn:
            return reindex_messages(conn, progress)

    def rebuild_kpi_facts(self, store: str | None = None) -> int:
        """Write the reporting facts of every conversation (of one store) again, in one
        transaction; returns how many conversations were done (docs/kpis.md)."""
        with self.engine.begin() as conn:
            return rebuild_facts(conn, store=store)

    # --- tracking provider and refresh (docs/tracking.md "Providers") ---

    @cached_property
    def tracking_provider(self) -> TrackingProvider | None:
        """17TRACK (KEFU_TRACKING_URL, KEFU_TRACKING_KEY), or None without a key."""
        key = self.settings.tracking_key
        if key is None or not key.get_secret_value():
            return None
        return SeventeenTrack(self.settings.tracking_url, key.get_secret_value())

    @staticmethod
    def read_tracking_push(item: Mapping[str, Any]) -> TrackInfo:
        """One number of 17TRACK's webhook push (its `data`: the shape of a gettrackinfo
        answer's item), read by the 17TRACK adapter; KeyError without a number."""
        return parse_track_info(item)

    def refresh_tracking(self, store: str | None = None) -> tracking_refresh.RefreshReport:
        """One refresh run at the tracking provider; without one, AliExpress's own tracking
        of its orders' parcels (docs/tracking.md "Providers")."""
        provider = self.tracking_provider
        if provider is None:
            return tracking_refresh.refresh_marketplaces(
                self.uow, self.marketplace_tracking, self.clock, store=store
            )
        return tracking_refresh.refresh(self.uow, provider, self.clock, store=store)

    def marketplace_tracking(self, conn: StoredConnection) -> MarketplaceTracking | None:
        """A connected store's marketplace tracking (AliExpress), or None for a platform
        without one; ChannelError (retryable) when its keys cannot be opened now."""
        if conn.platform != "aliexpress":
            return None
        try:
            opened = json.loads(self.secrets.open(conn.credentials))
        except SecretsUnavailable as exc:
            raise ChannelError(str(exc), retryable=True) from exc
        values = {**opened, "store": conn.store_code}
        client = AliExpressClient.from_credentials(conn.base_url, values, limiter=self.call_limiter)
        return AliExpressTracking(client)

    def __enter__(self) -> Kefu:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if "jobs" in self.__dict__:
            self.jobs.close()
        channel = self.__dict__.get("channel")
        if isinstance(channel, MailChannel) and isinstance(channel.other, sync.StoreChannels):
            channel.other.close()
        provider = self.__dict__.get("tracking_provider")
        if isinstance(provider, SeventeenTrack):
            provider.close()
        self.engine.dispose()


def new_secret_key() -> str:
    """A new Fernet key for KEFU_SECRET_KEY (`kefu secrets new-key`)."""
    return new_key()


# What each platform's message API takes, declared beside its adapter: the gate checks it.
CHANNEL_LIMITS = {
    "aliexpress": aliexpress.CHANNEL_LIMITS,
    "ebay": ebay.CHANNEL_LIMITS,
    "wish": wish.CHANNEL_LIMITS,
    "amazon": amazon.CHANNEL_LIMITS,
}


def marketplace_client(
    store: str,
    platform: str,
    base_url: str,
    credentials: Mapping[str, str],
    /,
    on_tokens: TokenSink | None = None,
    *,
    limiter: CallLimiter | None = None,
    http: httpx.Client | None = None,
) -> MarketplaceClient:
    """A connected store's client for its platform (kefu.adapters.marketplaces): eBay, Wish
    and Amazon hand a renewed token to `on_tokens` (AliExpress tokens are renewed by the
    owner); the platform's call budgets are kept in `limiter` (none: it calls at once);
    `http` is a transport of one's own (`kefu bench sync` serves the sandbox in-process)."""
    values = {**credentials, "store": store}
    options: dict[str, Any] = {"limiter": limiter} | ({"client": http} if http else {})
    # Each pass reads the store's orders first, then its messages (docs/channels.md
    # "Orders from the platforms").
    if platform == "aliexpress":
        ali = AliExpressClient.from_credentials(base_url, values, **options)
        return WithOrders(ali, AliExpressOrders(ali))
    if platform == "ebay":
        ebay = EbayClient.from_credentials(base_url, values, on_tokens=on_tokens, **options)
        return WithOrders(EbayWithQuestions(ebay, limiter=limiter), EbayOrders(ebay))
    if platform == "wish":
        wish = WishClient.from_credentials(base_url, values, on_tokens=on_tokens, **options)
        return WithOrders(wish, WishOrders(wish))
    if platform == "amazon":
        return AmazonClient.from_credentials(base_url, values, on_tokens=on_tokens, **options)
    raise ChannelError(f"kefu has no adapter for {platform}", retryable=False)


def case_client(
    store: str,
    platform: str,
    base_url: str,
    credentials: Mapping[str, str],
    /,
    on_tokens: TokenSink | None = None,
    *,
    limiter: CallLimiter | None = None,
    http: httpx.Client | None = None,
) -> CaseClient | None:
    """A connected store's after-sale cases on its platform (docs/channels.md "Cases"),
    built like `marketplace_client` from the same connection, sharing its token; None for
    Amazon (its returns arrive as buyer messages; a case stays local)."""
    values = {**credentials, "store": store}
    options: dict[str, Any] = {"limiter": limiter} | ({"client": http} if http else {})
    if platform == "aliexpress":
        return AliExpressCases(AliExpressClient.from_credentials(base_url, values, **options))
    if platform == "ebay":
        ebay_api = EbayClient.from_credentials(base_url, values, on_tokens=on_tokens, **options)
        return EbayCases(ebay_api)
    if platform == "wish":
        wish_api = WishClient.from_credentials(base_url, values, on_tokens=on_tokens, **options)
        return WishCases(wish_api)
    return None


# The platforms whose stores connect by OAuth (docs/channels.md "Connecting a store"):
# the app keys the owner gives, the API's address, the app. Amazon LWA: one more line.
OAUTH_APPS: Mapping[str, oauth.OAuthPlatform] = {
    "ebay": oauth.OAuthPlatform(EbayOAuth.KEYS, "https://api.ebay.com", EbayOAuth.from_keys),
    "wish": oauth.OAuthPlatform(WishOAuth.KEYS, "https://merchant.wish.com", WishOAuth.from_keys),
    "amazon": oauth.OAuthPlatform(
        AmazonOAuth.KEYS, "https://sellingpartnerapi-na.amazon.com", AmazonOAuth.from_keys
    ),
}


@cache
def phone_finder() -> PhoneNumberFinder:
    """The policy check's phone finder (phonenumbers; adapters/phones.py), one per process:
    it keeps the numbers it has read while agents type."""
    return PhoneNumberFinder()


# Where `kefu serve --sandbox` mounts the 17TRACK sandbox (docs/tracking.md "Providers").
TRACKING_SANDBOX_MOUNT = "/tracking-sandbox"


def with_tracking_sandbox(settings: Settings, base_url: str) -> Settings:
    """The settings that point the refresh at the sandbox served at `base_url` (its
    mount), unless a real provider key is set."""
    if settings.tracking_key is not None:
        return settings
    return settings.model_copy(
        update={
            "tracking_url": base_url.rstrip("/") + TRACKING_SANDBOX_PREFIX,
            "tracking_key": SecretStr(TRACKING_SANDBOX_KEY),
        }
    )


def bootstrap(settings: Settings | None = None, clock: Clock | None = None) -> Kefu:
    settings = settings or Settings()
    engine = make_engine(settings.database_url)
    return Kefu(
        settings=settings,
        engine=engine,
        session_factory=sessionmaker(engine, expire_on_commit=False),
        clock=clock or SystemClock(),
    )


def alembic_config(engine: Engine) -> Config:
    from alembic.config import Config  # migrations only: `kefu classify` never loads alembic

    config = Config()
    config.set_main_option("script_location", str(files("kefu") / "migrations"))
    config.attributes["engine"] = engine
    return config


def upgrade_database(engine: Engine, revision: str = "head") -> None:
    from alembic import command

    command.upgrade(alembic_config(engine), revision)


def downgrade_database(engine: Engine, revision: str) -> None:
    from alembic import command

    command.downgrade(alembic_config(engine), revision)


def train_intent_model(
    texts: list[str], labels: list[str], seed: int, report: dict[str, Any]
) -> IntentModel:
    from kefu.adapters.classifier import IntentModel

    return IntentModel.train(texts, labels, seed=seed, report=report)


def load_classifier(path: Path | None = None, settings: Settings | None = None) -> TriageModel:
    """The one resolution of the CLI (`kefu classify`, `kefu model eval`): `path` when
    given; else the active version of the database, when it exists and has one (never
    creating or upgrading a database); else KEFU_MODEL_PATH when the file exists; else
    the packaged model. The server and workers resolve the same way (Kefu.classifier)."""
    from kefu.adapters.triage_model import load_triage_model, triage_model_from_bytes

    if path is not None:
        return load_triage_model(path)
    settings = settings or Settings()
    from kefu.adapters.db.model_versions import stored_active

    stored = stored_active(settings.database_url)
    if stored is not None:
        return triage_model_from_bytes(stored[1])
    return load_triage_model(Path(settings.model_path))


def plot_confusion(result: dict[str, Any], path: Path, title: str) -> None:
    from kefu.adapters.evaluation import plot_confusion as plot

    plot(result, path, title)


def evaluate_model(model: IntentModel, texts: list[str], labels: list[str]) -> dict[str, Any]:
    """Scores as agents see the predictions: the triage path with its unsure rule."""
    from kefu.adapters.evaluation import scores
    from kefu.services.training import as_agents_see

    seen = as_agents_see(model, texts, ["und"] * len(texts))
    return scores(labels, [t.intent for t in seen], [not t.unsure for t in seen])
