"""Deliver stored replies through the store's channel, after the commit that stored them.

A message is claimed with a lease (another worker skips it), sent with its own
idempotency key (the channel ignores a repeat, so a crash between sending and
recording never delivers twice), then marked delivered or scheduled again with
exponential back-off; after MAX_ATTEMPTS it is marked failed and the conversation
shows it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TypeVar

from kefu.services.ports import (
    ChannelError,
    ChannelGateway,
    Clock,
    ConcurrentWriteError,
    DeliveryReport,
    OutgoingReply,
    UnitOfWork,
)

T = TypeVar("T")
LEASE = timedelta(seconds=60)
FIRST_RETRY = timedelta(seconds=30)
MAX_RETRY = timedelta(hours=1)
MAX_ATTEMPTS = 8
CLAIM_ATTEMPTS = 3


def next_attempt(now: datetime, attempts: int, retry_after: float | None) -> datetime | None:
    """30 s, 1 min, 2 min… capped at an hour; the channel's Retry-After wins if longer."""
    if attempts >= MAX_ATTEMPTS:
        return None
    wait: timedelta = min(FIRST_RETRY * 2 ** (attempts - 1), MAX_RETRY)
    if retry_after is not None:
        wait = max(wait, timedelta(seconds=retry_after))
    return now + wait


def deliver_due(
    uow_factory: Callable[[], UnitOfWork],
    gateway: ChannelGateway,
    clock: Clock,
    *,
    limit: int = 50,
    lease: timedelta = LEASE,
    prepare: Callable[[OutgoingReply], OutgoingReply] | None = None,
) -> DeliveryReport:
    """Claim up to `limit` due replies and send each; several workers may run this at
    once (each reply is claimed by one of them). A slow channel may outlast the lease:
    what was not tried by then is left to whoever claims it next. `prepare` completes a
    reply before it is sent (the mail of a mail conversation, services/mail.py); a
    ChannelError from it is a failed try like any other."""
    report = DeliveryReport()
    claimed_at = clock.now()
    batch = _claim(uow_factory, claimed_at, lease, limit)
    for done, reply in enumerate(batch):
        if clock.now() >= claimed_at + lease:
            report.left = len(batch) - done
            break
        attempts = reply.attempts + 1
        try:
            if prepare is not None:
                reply = prepare(reply)
            external_id = gateway.send(reply)
        except ChannelError as exc:
            when = next_attempt(clock.now(), attempts, exc.retry_after) if exc.retryable else None
            with uow_factory() as uow:
                uow.replies.mark_retry(reply.message_id, str(exc), when, attempts)
                uow.commit()
            if when is None:
                report.failed += 1
            else:
                report.retrying += 1
                report.note_retry(when)
            continue
        with uow_factory() as uow:
            uow.replies.mark_delivered(reply.message_id, external_id, clock.now())
            uow.commit()
        report.delivered += 1
    return report


def _claim(
    uow_factory: Callable[[], UnitOfWork], now: datetime, lease: timedelta, limit: int
) -> list[OutgoingReply]:
    return claim_leased(uow_factory, lambda uow: uow.replies.claim_due(now, now + lease, limit))


def claim_leased(
    uow_factory: Callable[[], UnitOfWork], claim: Callable[[UnitOfWork], list[T]]
) -> list[T]:
    """Lease due rows in their own transaction. Two workers claiming at once on SQLite:
    the later one's snapshot is stale and SQLite refuses its write; it looks again."""
    for attempt in range(1, CLAIM_ATTEMPTS + 1):
        try:
            with uow_factory() as uow:
                batch = claim(uow)
                uow.commit()
            return batch
        except ConcurrentWriteError:
            if attempt == CLAIM_ATTEMPTS:
                raise
    return []
