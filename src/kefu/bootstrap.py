"""Composition root: settings → engine → unit-of-work factory and clock. Nothing at import time."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cached_property
from importlib.resources import files
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from kefu.adapters.channels.http import HttpChannel, NoChannel
from kefu.adapters.channels.sandbox import create_sandbox as create_sandbox
from kefu.adapters.classifier import IntentModel
from kefu.adapters.db.bulk import fill_synthetic_inbox
from kefu.adapters.db.engine import make_engine
from kefu.adapters.db.kpifacts import rebuild_facts
from kefu.adapters.db.unit_of_work import SqlAlchemyUnitOfWork
from kefu.adapters.evaluation import plot_confusion as plot_confusion
from kefu.adapters.evaluation import scores
from kefu.adapters.formatting import BabelFormatter
from kefu.adapters.holidays import public_holidays
from kefu.adapters.langid import OutgoingLanguageDetector
from kefu.adapters.passwords import Argon2Hasher
from kefu.adapters.reply_catalogue import packaged_catalogue
from kefu.adapters.triage_model import TriageModel, load_triage_model
from kefu.config import Settings
from kefu.domain.triage import MIN_LETTERS_FOR_INTENT, decide, letters
from kefu.services.auth import Auth
from kefu.services.autoreplies import AutoReplier
from kefu.services.outbox import DeliveryReport, deliver_due
from kefu.services.ports import ChannelGateway, Clock
from kefu.services.replies import Replies


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


@dataclass
class Kefu:
    """Everything the entry points need, built once per process."""

    settings: Settings
    engine: Engine
    session_factory: sessionmaker[Session]
    clock: Clock

    def uow(self) -> SqlAlchemyUnitOfWork:
        return SqlAlchemyUnitOfWork(self.session_factory)

    def upgrade(self, revision: str = "head") -> None:
        upgrade_database(self.engine, revision)

    @cached_property
    def replies(self) -> Replies:
        """Templates, formatting and the policy check, loaded once per process."""
        return Replies(
            packaged_catalogue(), BabelFormatter(), OutgoingLanguageDetector(), public_holidays
        )

    @cached_property
    def auth(self) -> Auth:
        """Sign-in and tokens; argon2id hashing is set up once per process."""
        return Auth(Argon2Hasher())

    @cached_property
    def auto_replier(self) -> AutoReplier:
        return AutoReplier(packaged_catalogue(), BabelFormatter(), public_holidays)

    @cached_property
    def channel(self) -> ChannelGateway:
        url = self.settings.channel_url
        return HttpChannel(url) if url else NoChannel()

    def deliver_outbox(self, limit: int = 50) -> DeliveryReport:
        return deliver_due(self.uow, self.channel, self.clock, limit=limit)

    def classifier(self) -> TriageModel:
        """Language + intent model, loaded on first use (about a second), then shared."""
        return load_triage_model(Path(self.settings.model_path))

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

    def rebuild_kpi_facts(self, store: str | None = None) -> int:
        """Write the reporting facts of every conversation (of one store) again, in one
        transaction; returns how many conversations were done (docs/kpis.md)."""
        with self.engine.begin() as conn:
            return rebuild_facts(conn, store=store)

    def __enter__(self) -> Kefu:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.engine.dispose()


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
    config = Config()
    config.set_main_option("script_location", str(files("kefu") / "migrations"))
    config.attributes["engine"] = engine
    return config


def upgrade_database(engine: Engine, revision: str = "head") -> None:
    command.upgrade(alembic_config(engine), revision)


def downgrade_database(engine: Engine, revision: str) -> None:
    command.downgrade(alembic_config(engine), revision)


def train_intent_model(
    texts: list[str], labels: list[str], seed: int, report: dict[str, Any]
) -> IntentModel:
    return IntentModel.train(texts, labels, seed=seed, report=report)


def load_classifier(path: Path | None = None) -> TriageModel:
    return load_triage_model(path)


def evaluate_model(model: IntentModel, texts: list[str], labels: list[str]) -> dict[str, Any]:
    """Scores with the unsure rule applied, as agents see the predictions."""
    guesses = model.predict(texts)
    shown = [
        decide(g.intent, g.confidence, has_letters=letters(t) >= MIN_LETTERS_FOR_INTENT)
        for g, t in zip(guesses, texts, strict=True)
    ]
    return scores(
        labels,
        shown,
        [s != "other" or g.intent == "other" for s, g in zip(shown, guesses, strict=True)],
    )
