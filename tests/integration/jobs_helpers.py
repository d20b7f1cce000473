"""Shared by the background-job and concurrency tests: a marketplace sandbox served on a
real port (it counts every delivery attempt by idempotency key), conversations and
replies made through the use cases, and waiting for a condition."""

from __future__ import annotations

import asyncio
import threading
import time
from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import pytest
import uvicorn
from sqlalchemy import func, select
from starlette.types import Receive, Scope, Send

from kefu.adapters.channels.sandbox import SandboxState, create_sandbox
from kefu.adapters.db import tables as t
from kefu.bootstrap import Kefu
from kefu.cli.servers import free_port
from kefu.services import inbox
from tests.factories import acting, make_message

T = TypeVar("T")


class LiveSandbox:
    """kefu's marketplace sandbox in a uvicorn thread; `posts` counts every delivery
    attempt per idempotency key, `state.by_key` what was delivered (once per key)."""

    def __init__(self, delay: float = 0.0) -> None:
        self.state = SandboxState()
        self.posts: Counter[str] = Counter()
        self.delay = delay
        self._lock = threading.Lock()
        self.port = free_port()
        inner = create_sandbox(self.state)

        async def app(scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] == "http" and scope["method"] == "POST":
                key = dict(scope["headers"]).get(b"idempotency-key", b"").decode()
                with self._lock:
                    self.posts[key] += 1
                if self.delay:
                    await asyncio.sleep(self.delay)
            await inner(scope, receive, send)

        config = uvicorn.Config(
            app, host="127.0.0.1", port=self.port, log_level="warning", lifespan="off"
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.thread.start()
        wait_for(lambda: self.server.started, 10, "the sandbox to start")

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(10)

    def attempts(self) -> int:
        with self._lock:
            return sum(self.posts.values())

    def repeated(self) -> dict[str, int]:
        """Keys sent more than once (the channel ignored the repeats)."""
        with self._lock:
            return {k: n for k, n in self.posts.items() if n > 1}


def wait_for(condition: Callable[[], bool], seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    pytest.fail(f"waited {seconds} s for {what}")


def open_conversations(kefu: Kefu, count: int) -> list[int]:
    """`count` conversations of different buyers, each opened by one buyer message."""
    batch = [
        make_message(
            n + 1,
            message_id=f"open-{n}",
            buyer_id=f"buyer-{n}",
            buyer_name=f"Buyer {n}",
            conversation_id=f"conv-{n}",
        )
        for n in range(count)
    ]
    assert inbox.ingest(batch, kefu.uow(), kefu.clock).accepted == count
    with kefu.session_factory() as session:
        return list(
            session.scalars(
                select(t.Conversation.id)
                .where(t.Conversation.platform_conversation_id.like("conv-%"))
                .order_by(t.Conversation.id)
            )
        )


def reply_many(kefu: Kefu, conversations: Sequence[int], per_conversation: int) -> None:
    for n in range(per_conversation):
        for conv_id in conversations:
            assert inbox.reply(
                acting(kefu, 1),
                conv_id,
                f"Respuesta {n} a {conv_id}",
                request_id=f"r-{conv_id}-{n}",
                uow=kefu.uow(),
                clock=kefu.clock,
                gate=kefu.gate,
            )


def delivery_counts(kefu: Kefu) -> dict[str, int]:
    with kefu.session_factory() as session:
        rows = session.execute(
            select(t.Message.delivery_status, func.count())
            .where(t.Message.direction == "shop")
            .group_by(t.Message.delivery_status)
        )
        return {str(status): int(n) for status, n in rows}


def shop_messages(kefu: Kefu) -> list[t.Message]:
    with kefu.session_factory() as session:
        query = select(t.Message).where(t.Message.direction == "shop").order_by(t.Message.id)
        return list(session.scalars(query))


def run_together(work: Callable[[int], T], parties: int) -> list[T]:
    """Run `work(0)`, `work(1)`… in threads released at the same moment; their results in
    order (an exception in any is raised here)."""
    barrier = threading.Barrier(parties)
    results: list[Any] = [None] * parties
    errors: list[BaseException] = []

    def run(n: int) -> None:
        try:
            barrier.wait(10)
            results[n] = work(n)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(n,)) for n in range(parties)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    if errors:
        raise errors[0]
    return results
