"""Jobs a transaction asks for, enqueued by the unit of work once it has committed.

A repository that writes work for a background job (a reply in the outbox) calls
`request_job`; `SqlAlchemyUnitOfWork.commit` hands the requests to the job queue after
the commit, never before (the job must find the rows), and a rollback drops them.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from kefu.services.ports import JobParam

_KEY = "kefu.jobs_after_commit"

Request = tuple[str, tuple[tuple[str, JobParam], ...]]


def request_job(session: Session, name: str, **params: JobParam) -> None:
    """Ask for job `name` once this session's transaction commits (asked once however
    often a transaction asks)."""
    requests: dict[Request, None] = session.info.setdefault(_KEY, {})
    requests[(name, tuple(sorted(params.items())))] = None


def take_jobs(session: Session) -> list[tuple[str, dict[str, JobParam]]]:
    """The requests so far, forgotten by the session."""
    requests: dict[Request, None] = session.info.pop(_KEY, {})
    return [(name, dict(params)) for name, params in requests]
