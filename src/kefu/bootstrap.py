"""Composition root: settings → engine → unit-of-work factory and clock. Nothing at import time."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib.resources import files

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from kefu.adapters.db.bulk import fill_synthetic_inbox
from kefu.adapters.db.engine import make_engine
from kefu.adapters.db.unit_of_work import SqlAlchemyUnitOfWork
from kefu.config import Settings
from kefu.services.ports import Clock


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

    def downgrade(self, revision: str) -> None:
        downgrade_database(self.engine, revision)

    def fill_synthetic_inbox(self, conversations: int, per_conversation: int, seed: int = 1) -> int:
        """Benchmark data straight into the tables (see kefu.adapters.db.bulk)."""
        return fill_synthetic_inbox(
            self.engine, conversations, per_conversation, seed, self.clock.now()
        )

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


UowFactory = Callable[[], SqlAlchemyUnitOfWork]
