"""Deliver stored replies through the store's channel, after the commit that stored them.

A message is claimed with a lease (another worker skips it), sent with its own
idempotency key (the channel ignores a repeat, so a crash between sending and
recording never delivers twice), then marked delivered or scheduled again with
exponential back-off; after MAX_ATTEMPTS it is marked failed and the conversation
shows it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from kefu.services.ports import ChannelError, ChannelGateway, Clock, UnitOfWork

LEASE = timedelta(seconds=60)
FIRST_RETRY = timedelta(seconds=30)
MAX_RETRY = timedelta(hours=1)
MAX_ATTEMPTS = 8


def next_attempt(now: datetime, attempts: int, retry_after: float | None) -> datetime | None:
    """30 s, 1 min, 2 min… capped at an hour; the channel's Retry-After wins if longer."""
    if attempts >= MAX_ATTEMPTS:
        return None
    wait: timedelta = min(FIRST_RETRY * 2 ** (attempts - 1), MAX_RETRY)
    if retry_after is not None:
        wait = max(wait, timedelta(seconds=retry_after))
    return now + wait


@dataclass
class DeliveryReport:
    delivered: int = 0
    retrying: int = 0
    failed: int = 0


def deliver_due(
    uow_factory: Callable[[], UnitOfWork],
    gateway: ChannelGateway,
    clock: Clock,
    *,
    limit: int = 50,
) -> DeliveryReport:
    report = DeliveryReport()
    now = clock.now()
    with uow_factory() as uow:
        batch = uow.replies.claim_due(now, now + LEASE, limit)
        uow.commit()
    for reply in batch:
        attempts = reply.attempts + 1
        try:
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
            continue
        with uow_factory() as uow:
            uow.replies.mark_delivered(reply.message_id, external_id, clock.now())
            uow.commit()
        report.delivered += 1
    return report
