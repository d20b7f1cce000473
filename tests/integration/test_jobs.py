"""Background jobs on a real database (docs/adr/0008-background-jobs.md).

A committed reply asks for its delivery; `kefu serve` runs the jobs in its own threads
on one machine; `kefu worker` processes run them from a SQLite queue file, or from
Redis when KEFU_TEST_QUEUE_URL names one (CI's PostgreSQL pass); a worker killed in
the middle of sending loses nothing and sends nothing twice.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.testclient import TestClient

from kefu.adapters.channels.http import HttpChannel
from kefu.bootstrap import Kefu, SystemClock, bootstrap
from kefu.cli.servers import WorkerProcess
from kefu.config import Settings
from kefu.domain.autoreply import AutoReplySettings
from kefu.services import inbox, outbox
from kefu.services.ports import NewMessage, OutgoingReply
from kefu.services.replies import save_auto_replies
from kefu.web.app import create_app
from tests.factories import NOW, acting, make_message
from tests.fakes import FixedClock
from tests.integration.jobs_helpers import (
    LiveSandbox,
    delivery_counts,
    open_conversations,
    reply_many,
    shop_messages,
    wait_for,
)

REDIS_URL = os.environ.get("KEFU_TEST_QUEUE_URL")
QUEUES = [
    "sqlite",
    pytest.param(
        "redis",
        marks=pytest.mark.skipif(
            not REDIS_URL, reason="KEFU_TEST_QUEUE_URL names no Redis (CI's PostgreSQL pass does)"
        ),
    ),
]


@pytest.fixture
def sandbox() -> Iterator[LiveSandbox]:
    server = LiveSandbox()
    server.start()
    yield server
    server.stop()


def queue_url(kind: str, tmp_path: Path) -> str:
    if kind == "redis":
        assert REDIS_URL is not None
        return REDIS_URL
    return f"sqlite:///{tmp_path / 'jobs.db'}"


def live_kefu(kefu: Kefu, **settings: Any) -> Kefu:
    """Another composition root on the test's database, with a real clock (as a server or a
    worker has), with these settings."""
    url = kefu.settings.database_url
    return bootstrap(Settings(database_url=url, **settings), clock=SystemClock())


def pending_jobs(kefu: Kefu) -> list[str]:
    return [task.name for task in kefu.jobs.huey.pending()]


# --- asking for jobs -----------------------------------------------------------------------


def test_a_committed_reply_asks_for_its_delivery(kefu: Kefu) -> None:
    [conv_id] = open_conversations(kefu, 1)
    assert pending_jobs(kefu) == []  # a buyer's message is nothing to send

    def reply() -> bool:
        return inbox.reply(
            acting(kefu, 1),
            conv_id,
            "Hola",
            request_id="r-1",
            uow=kefu.uow(),
            clock=kefu.clock,
            gate=kefu.gate,
        )

    assert reply()
    assert pending_jobs(kefu) == ["deliver_outbox"]
    assert not reply()  # the same request again: nothing stored, nothing asked for
    assert pending_jobs(kefu) == ["deliver_outbox"]


def test_automatic_replies_ask_for_their_delivery(kefu: Kefu) -> None:
    with kefu.uow() as uow:
        store_id = uow.inbox.stores_by_code(["ali-global"])["ali-global"].id
    settings = AutoReplySettings(welcome_enabled=True)
    save_auto_replies(
        acting(kefu, 1), store_id, settings, gate=kefu.gate, uow=kefu.uow(), clock=kefu.clock
    )
    live = [make_message(0, message_id="live-1", sent_at=NOW.isoformat())]
    report = inbox.ingest(live, kefu.uow(), kefu.clock, auto_replier=kefu.auto_replier)
    assert report.accepted == 1
    assert [m.auto_kind for m in shop_messages(kefu)] == ["welcome_out_of_hours"]
    assert pending_jobs(kefu) == ["deliver_outbox"]


def test_a_transaction_rolled_back_asks_for_nothing(kefu: Kefu) -> None:
    [conv_id] = open_conversations(kefu, 1)
    with kefu.uow() as uow:
        conv = uow.inbox.get_conversation(conv_id)
        assert conv is not None
        facts = uow.outgoing.gate_facts([conv_id])[conv_id]
        message = NewMessage(
            conversation_id=conv_id,
            store_id=conv.store_id,
            platform_message_id="never",
            direction="shop",
            sent_at=NOW,
            received_at=NOW,
            text="never sent",
            language="es",
            attachments=(),
            delivery_status="pending",
            clearance=kefu.gate.clear(facts, "never sent", now=NOW),
        )
        uow.inbox.add_messages([message])
        uow.rollback()
        uow.commit()
    assert shop_messages(kefu) == [] and pending_jobs(kefu) == []


def test_serve_runs_the_jobs_itself_unless_a_shared_queue_has_workers(kefu: Kefu) -> None:
    def in_process(**settings: Any) -> bool:
        other = live_kefu(kefu, **settings)
        try:
            return other.runs_jobs_in_process()
        finally:
            other.close()

    assert in_process()
    assert not in_process(queue_url="redis://127.0.0.1:6379/0")
    assert in_process(queue_url="redis://127.0.0.1:6379/0", worker_in_process=True)
    assert not in_process(worker_in_process=False)


# --- running them ------------------------------------------------------------------------


def test_serve_on_one_machine_sends_a_reply_at_once(
    kefu: Kefu, sandbox: LiveSandbox, tmp_path: Path
) -> None:
    [conv_id] = open_conversations(kefu, 1)
    serving = live_kefu(kefu, queue_url=queue_url("sqlite", tmp_path), channel_url=sandbox.url)
    with TestClient(create_app(kefu=serving, worker=True)):
        assert serving.replies.send(
            acting(serving, 1),
            conv_id,
            "Hola Ana, tu pedido sale mañana.",
            request_id="now-1",
            uow_factory=serving.uow,
            clock=serving.clock,
        )
        wait_for(lambda: delivery_counts(kefu) == {"delivered": 1}, 15, "the reply to be sent")
    serving.close()
    [record] = sandbox.state.by_key.values()
    assert record["text"] == "Hola Ana, tu pedido sale mañana."
    assert shop_messages(kefu)[0].external_id == record["id"]


@pytest.mark.parametrize("queue", QUEUES)
def test_a_worker_process_sends_what_replies_ask_for(
    kefu: Kefu, sandbox: LiveSandbox, tmp_path: Path, queue: str
) -> None:
    url = queue_url(queue, tmp_path)
    asking = live_kefu(kefu, queue_url=url)
    asking.jobs.flush()
    worker = WorkerProcess(tmp_path / "worker.log", worker_env(kefu, url, sandbox))
    worker.start()
    try:
        reply_many(asking, open_conversations(kefu, 3), 2)
        wait_for(lambda: delivery_counts(kefu) == {"delivered": 6}, 60, "6 replies to be sent")
    finally:
        code = worker.stop()
        asking.jobs.flush()
        asking.close()
    assert code == 0, (tmp_path / "worker.log").read_text()[-3000:]
    assert len(sandbox.state.by_key) == 6 and sandbox.repeated() == {}
    log = (tmp_path / "worker.log").read_text()
    assert "kefu worker: 2 threads" in log and "deliver_outbox()" in log
    assert "kefu worker stopped" in log


def worker_env(kefu: Kefu, queue: str, sandbox: LiveSandbox, lease: float = 60) -> dict[str, str]:
    return {
        "KEFU_DATABASE_URL": kefu.settings.database_url,
        "KEFU_QUEUE_URL": queue,
        "KEFU_CHANNEL_URL": sandbox.url,
        "KEFU_OUTBOX_LEASE_SECONDS": str(lease),
    }


# 200 replies at 40 ms each: a worker with 2 threads needs about 4 s for them all.
KILL_REPLIES = (8, 25)
KILL_AFTER = (40, 100)
KILL_LEASE = 6.0  # a batch of 50 takes ~2 s: no repeat from a lease running out


@pytest.mark.parametrize("queue", QUEUES)
def test_a_worker_killed_while_sending_loses_nothing_and_sends_nothing_twice(
    kefu: Kefu, tmp_path: Path, queue: str
) -> None:
    sandbox = LiveSandbox(delay=0.04)
    sandbox.start()
    url = queue_url(queue, tmp_path)
    asking = live_kefu(kefu, queue_url=url)
    asking.jobs.flush()
    conversations, per_conversation = KILL_REPLIES
    total = conversations * per_conversation
    reply_many(asking, open_conversations(kefu, conversations), per_conversation)
    env = worker_env(kefu, url, sandbox, lease=KILL_LEASE)
    log = tmp_path / "worker.log"
    workers: list[WorkerProcess] = []

    def sent_at_least(n: int) -> bool:
        return sandbox.attempts() >= n

    try:
        for attempts in KILL_AFTER:  # SIGKILL in the middle of sending, twice
            workers.append(WorkerProcess(log, env))
            workers[-1].start()
            wait_for(partial(sent_at_least, attempts), 120, f"{attempts} sends")
            workers[-1].kill()
        assert 0 < delivery_counts(kefu).get("delivered", 0) < total
        # What the dead workers held comes due when their lease ends; the periodic run
        # (every minute) or the next reply's request finds it: here, a request.
        workers.append(WorkerProcess(log, env))
        workers[-1].start()
        soon = datetime.now(UTC) + timedelta(seconds=KILL_LEASE)
        asking.jobs.enqueue("deliver_outbox", at=soon)
        wait_for(lambda: delivery_counts(kefu) == {"delivered": total}, 90, "every reply sent")
        assert workers[-1].stop() == 0
    except BaseException:
        print(log.read_text()[-6000:])  # shown with the failure
        raise
    finally:
        for worker in workers:
            worker.kill()
        sandbox.stop()
        asking.jobs.flush()
        asking.close()
    # Each reply reached the buyer once, and kefu recorded the channel's id for it.
    assert len(sandbox.state.by_key) == total
    delivered = {r["id"] for r in sandbox.state.by_key.values()}
    assert {m.external_id for m in shop_messages(kefu)} == delivered
    # Sent again only what a killed worker had in flight (the channel ignored the repeat).
    assert len(sandbox.repeated()) <= 2 * len(KILL_AFTER), sandbox.repeated()


def test_a_slow_channel_leaves_the_rest_of_a_batch_when_the_lease_ends(
    kefu: Kefu, clock: FixedClock, sandbox: LiveSandbox
) -> None:
    reply_many(kefu, open_conversations(kefu, 4), 1)

    class SlowChannel(HttpChannel):
        def send(self, reply: OutgoingReply) -> str:
            clock.advance(seconds=25)
            return super().send(reply)

    lease = timedelta(seconds=60)
    with httpx.Client() as client:
        slow = SlowChannel(sandbox.url, client=client)
        report = outbox.deliver_due(kefu.uow, slow, clock, lease=lease)
        assert (report.delivered, report.left, report.claimed) == (3, 1, 4)
        assert delivery_counts(kefu) == {"delivered": 3, "pending": 1}
        again = outbox.deliver_due(kefu.uow, HttpChannel(sandbox.url, client), clock, lease=lease)
    assert again.delivered == 1 and sandbox.repeated() == {}
