"""SqlAlchemyUnitOfWork: one session, one transaction, rolled back unless committed."""

from __future__ import annotations

from types import TracebackType
from typing import Self

from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from kefu.adapters.db.auth import SqlAuthRepository
from kefu.adapters.db.catalog import SqlCatalogRepository
from kefu.adapters.db.queries import SqlInboxQueries
from kefu.adapters.db.replies import SqlReplyRepository
from kefu.adapters.db.repositories import SqlInboxRepository
from kefu.adapters.db.translations import SqlTranslationRepository
from kefu.services.ports import ConcurrentWriteError


class SqlAlchemyUnitOfWork:
    def __init__(self, session_factory: sessionmaker[Session]) -> None:
        self._factory = session_factory
        self._session: Session | None = None

    def __enter__(self) -> Self:
        self._session = self._factory()
        self.inbox = SqlInboxRepository(self._session)
        self.catalog = SqlCatalogRepository(self._session)
        self.queries = SqlInboxQueries(self._session)
        self.replies = SqlReplyRepository(self._session)
        self.auth = SqlAuthRepository(self._session)
        self.translations = SqlTranslationRepository(self._session)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        assert self._session is not None  # noqa: S101
        try:
            self._session.rollback()
        finally:
            self._session.close()
            self._session = None
        if isinstance(exc, IntegrityError | OperationalError) and _is_conflict(exc):
            raise ConcurrentWriteError(str(exc.orig)) from exc

    def commit(self) -> None:
        assert self._session is not None  # noqa: S101
        try:
            self._session.commit()
        except (IntegrityError, OperationalError) as exc:
            self._session.rollback()
            if _is_conflict(exc):
                raise ConcurrentWriteError(str(exc.orig)) from exc
            raise

    def rollback(self) -> None:
        assert self._session is not None  # noqa: S101
        self._session.rollback()


def _is_conflict(exc: IntegrityError | OperationalError) -> bool:
    """Unique-key races and SQLite's 'database is locked' are worth one more try."""
    if isinstance(exc, IntegrityError):
        text = str(exc.orig).lower()
        return "unique" in text or "duplicate key" in text
    return "locked" in str(exc.orig).lower() or "could not serialize" in str(exc.orig).lower()
