"""SqlAlchemyUnitOfWork: one session, one transaction, rolled back unless committed; the jobs
the transaction asked for (adapters/db/followups.py) are enqueued after the commit."""

from __future__ import annotations

import logging
from collections.abc import Callable
from types import TracebackType
from typing import Self

from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from kefu.adapters.db.amazon import SqlAmazonMessageRepository
from kefu.adapters.db.auth import SqlAuthRepository
from kefu.adapters.db.case_limits import SqlCaseLimitRepository
from kefu.adapters.db.cases import SqlCaseRepository
from kefu.adapters.db.catalog import SqlCatalogRepository
from kefu.adapters.db.connections import SqlConnectionRepository
from kefu.adapters.db.customs import SqlCustomsRepository
from kefu.adapters.db.deadlines import SqlDeadlineRepository
from kefu.adapters.db.followups import take_jobs
from kefu.adapters.db.logistics import SqlLogisticsRepository
from kefu.adapters.db.mail import SqlMailRepository
from kefu.adapters.db.model_versions import SqlModelVersionRepository
from kefu.adapters.db.notices import SqlNoticeRepository
from kefu.adapters.db.oauth_states import SqlOAuthStateRepository
from kefu.adapters.db.outgoing import SqlOutgoingRepository
from kefu.adapters.db.quality import SqlQualityQueries
from kefu.adapters.db.queries import SqlInboxQueries
from kefu.adapters.db.replies import SqlReplyRepository
from kefu.adapters.db.repositories import SqlInboxRepository
from kefu.adapters.db.saved_views import SqlSavedViewRepository
from kefu.adapters.db.search import SqlSearchRepository, flush_queue
from kefu.adapters.db.shopdata import SqlShopDataRepository
from kefu.adapters.db.surveys import SqlSurveyRepository
from kefu.adapters.db.team import SqlTeamRepository
from kefu.adapters.db.tracking import SqlTrackingRepository
from kefu.adapters.db.tracking_polls import SqlTrackingPollRepository
from kefu.adapters.db.translations import SqlTranslationRepository
from kefu.services.ports import ConcurrentWriteError, JobParam

log = logging.getLogger("kefu.jobs")
# Called after each commit with the jobs the transaction asked for (kefu.bootstrap
# enqueues them); an error there is logged and never undoes the commit.
AfterCommit = Callable[[list[tuple[str, dict[str, JobParam]]]], None]


class SqlAlchemyUnitOfWork:
    def __init__(
        self, session_factory: sessionmaker[Session], after_commit: AfterCommit | None = None
    ) -> None:
        self._factory = session_factory
        self._after_commit = after_commit
        self._session: Session | None = None

    def __enter__(self) -> Self:
        self._session = self._factory()
        self.inbox = SqlInboxRepository(self._session)
        self.catalog = SqlCatalogRepository(self._session)
        self.queries = SqlInboxQueries(self._session)
        self.replies = SqlReplyRepository(self._session)
        self.auth = SqlAuthRepository(self._session)
        self.translations = SqlTranslationRepository(self._session)
        self.outgoing = SqlOutgoingRepository(self._session)
        self.shopdata = SqlShopDataRepository(self._session)
        self.connections = SqlConnectionRepository(self._session)
        self.mail = SqlMailRepository(self._session)
        self.oauth_states = SqlOAuthStateRepository(self._session)
        self.amazon_messages = SqlAmazonMessageRepository(self._session)
        self.notices = SqlNoticeRepository(self._session)
        self.team = SqlTeamRepository(self._session)
        self.saved_views = SqlSavedViewRepository(self._session)
        self.search = SqlSearchRepository(self._session)
        self.cases = SqlCaseRepository(self._session)
        self.surveys = SqlSurveyRepository(self._session)
        self.quality = SqlQualityQueries(self._session)
        self.deadlines = SqlDeadlineRepository(self._session)
        self.case_limits = SqlCaseLimitRepository(self._session)
        self.tracking_polls = SqlTrackingPollRepository(self._session)
        self.tracking = SqlTrackingRepository(self._session)
        self.customs = SqlCustomsRepository(self._session)
        self.logistics = SqlLogisticsRepository(self._session)
        self.models = SqlModelVersionRepository(self._session)
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
            # The messages and translations written are indexed in this same transaction.
            flush_queue(self._session)
            self._session.commit()
        except (IntegrityError, OperationalError) as exc:
            self._session.rollback()
            take_jobs(self._session)
            if _is_conflict(exc):
                raise ConcurrentWriteError(str(exc.orig)) from exc
            raise
        jobs = take_jobs(self._session)
        if jobs and self._after_commit is not None:
            try:
                self._after_commit(jobs)
            except Exception:
                log.exception("could not ask for jobs %s after a commit", jobs)

    def rollback(self) -> None:
        assert self._session is not None  # noqa: S101
        self._session.rollback()
        take_jobs(self._session)


def _is_conflict(exc: IntegrityError | OperationalError) -> bool:
    """Unique-key races, SQLite's 'database is locked' and PostgreSQL's deadlock victims
    are worth one more try."""
    text = str(exc.orig).lower()
    if isinstance(exc, IntegrityError):
        return "unique" in text or "duplicate key" in text
    return any(sign in text for sign in ("locked", "could not serialize", "deadlock detected"))
