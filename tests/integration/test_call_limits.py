"""Marketplace call budgets shared across worker processes (docs/channels.md "Rate
limits"): two real OS processes call one sandbox face whose gateway bans an app that
calls more than 20 times in a second (AliExpress code 7) — through the database (SQLite,
PostgreSQL with KEFU_TEST_DATABASE_URL) or Redis (KEFU_TEST_QUEUE_URL) they keep the
budget together and are never refused; after a pause neither calls before its end. A
429 with Retry-After pauses every client of the key, and a store whose sync was rate
limited backs off, recorded on its connection."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from cryptography.fernet import Fernet
from pydantic import SecretStr

from kefu.adapters.call_limits import make_call_limiter
from kefu.adapters.marketplaces import aliexpress
from kefu.adapters.marketplaces.aliexpress import AliExpressClient, Credentials
from kefu.adapters.marketplaces.sandbox import AliExpressFace
from kefu.bootstrap import Kefu
from kefu.services import sync
from kefu.services.ports import CallLimiter, ChannelError
from tests.factories import acting
from tests.sandbox_server import APP_KEY, SECRET, TOKEN, serve_sandbox

REDIS_URL = os.environ.get("KEFU_TEST_QUEUE_URL")
BACKENDS = [
    "db",
    pytest.param(
        "redis",
        marks=pytest.mark.skipif(
            not REDIS_URL, reason="KEFU_TEST_QUEUE_URL names no Redis (CI's PostgreSQL pass does)"
        ),
    ),
]
ROOT = Path(__file__).resolve().parents[2]
PER_WORKER = 20
BUDGET = aliexpress.BUDGETS["gateway"]
GATEWAY_LIMIT = 20


class TimedFace(AliExpressFace):
    """The AliExpress face that also notes when each call came and whether it refused it."""

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.arrivals: list[tuple[float, bool]] = []  # (time, refused)
        self._noted = threading.Lock()

    def handle(
        self, params: Mapping[str, str], files: Mapping[str, bytes] | None = None
    ) -> dict[str, Any]:
        came = time.time()
        answer = super().handle(params, files)
        with self._noted:
            self.arrivals.append((came, "error_response" in answer))
        return answer


@pytest.fixture
def face() -> TimedFace:
    # The gateway bans an app for a second after 20 calls in one (code 7); kefu's budget
    # stays below, as calls let go on time reach it with the network's jitter.
    face = TimedFace(rate_limit=GATEWAY_LIMIT)
    face.add_app(APP_KEY, SECRET)
    face.grant(TOKEN, time.time() + 3600)
    face.open_channel("es1234567abc", "Lucía")
    return face


@pytest.fixture
def sandbox_url(face: TimedFace) -> Iterator[str]:
    with serve_sandbox(face) as url:
        yield url


def limiter_url(backend: str) -> str:
    if backend == "redis":
        assert REDIS_URL is not None
        return REDIS_URL
    return "db"


@pytest.fixture
def clean_redis() -> Iterator[None]:
    yield
    if REDIS_URL:
        import redis

        client = redis.Redis.from_url(REDIS_URL)
        for key in client.scan_iter("kefu:call-budget:*"):
            client.delete(key)
        client.close()


def run_workers(
    kefu: Kefu, url: str, base_url: str, *, start_in: float = 3.0
) -> list[tuple[float, str]]:
    """Two worker processes, PER_WORKER calls each, both starting at the same moment; when
    each call was let go, and its outcome."""
    start = time.time() + start_in
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src") + os.pathsep + str(ROOT)}
    command = [
        sys.executable,
        "-m",
        "tests.integration.limiter_worker",
        url,
        kefu.settings.database_url,
        base_url,
        str(PER_WORKER),
        str(start),
    ]
    workers = [
        subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    calls: list[tuple[float, str]] = []
    for worker in workers:
        out, _ = worker.communicate(timeout=120)
        assert worker.returncode == 0
        for line in out.splitlines():
            call = json.loads(line)
            calls.append((call["granted"], call["outcome"]))
    return sorted(calls)


def most_in_window(times: list[float], seconds: float) -> int:
    """The most calls that came within any `seconds` (sliding)."""
    times = sorted(times)
    most, first = 0, 0
    for last, at in enumerate(times):
        while at - times[first] >= seconds:
            first += 1
        most = max(most, last - first + 1)
    return most


@pytest.mark.parametrize("backend", BACKENDS)
def test_two_worker_processes_keep_one_budget_and_are_never_refused(
    kefu: Kefu, face: TimedFace, sandbox_url: str, backend: str, clean_redis: None
) -> None:
    calls = run_workers(kefu, limiter_url(backend), sandbox_url)
    assert [outcome for _, outcome in calls] == ["ok"] * (2 * PER_WORKER)
    assert len(face.arrivals) == 2 * PER_WORKER
    assert [refused for _, refused in face.arrivals].count(True) == 0
    # Let go at the budget's pace, evenly spaced: never more than its calls in its seconds,
    # less one slot: these are the times the workers woke, and a process the OS wakes late
    # (two workers and a server on two cores; 36 ms seen) makes the next gap that much
    # shorter. Two workers not sharing the budget would put twice its calls in a window.
    granted = [at for at, _ in calls]
    pace = BUDGET.seconds / BUDGET.calls
    assert max(granted) - min(granted) >= (len(granted) - 1) * pace - 0.05
    assert most_in_window(granted, BUDGET.seconds - pace) <= BUDGET.calls


def test_without_the_limiter_the_same_two_workers_are_banned(
    kefu: Kefu, face: TimedFace, sandbox_url: str
) -> None:
    calls = run_workers(kefu, "none", sandbox_url)
    assert len(calls) == 2 * PER_WORKER
    refused = [outcome for _, outcome in calls if outcome != "ok"]
    assert refused and all("App Call Limited" in o and "code 7" in o for o in refused)


@pytest.mark.parametrize("backend", BACKENDS)
def test_after_a_pause_neither_worker_calls_before_it_ends(
    kefu: Kefu, face: TimedFace, sandbox_url: str, backend: str, clean_redis: None
) -> None:
    url = limiter_url(backend)
    limiter = make_call_limiter(url if url != "db" else None, kefu.engine)
    paused_at = time.time()
    limiter.pause(aliexpress.budget_key(APP_KEY), 4.0)  # workers start 1 s later
    calls = run_workers(kefu, url, sandbox_url, start_in=1.0)
    assert [outcome for _, outcome in calls] == ["ok"] * (2 * PER_WORKER)
    assert len(face.arrivals) == 2 * PER_WORKER
    first = min(at for at, _ in face.arrivals)
    assert first >= paused_at + 4.0 - 0.05  # the clocks read differ by a few milliseconds


def client(base_url: str, limiter: CallLimiter) -> AliExpressClient:
    return AliExpressClient(
        "ali-global", Credentials(APP_KEY, SECRET, TOKEN), base_url=base_url, limiter=limiter
    )


def test_a_429_with_retry_after_pauses_every_client_of_the_key(
    kefu: Kefu, face: TimedFace, sandbox_url: str
) -> None:
    limiter = make_call_limiter(None, kefu.engine)
    first, second = client(sandbox_url, limiter), client(sandbox_url, limiter)
    face.fail(429, retry_after=2)
    refused_at = time.time()
    with pytest.raises(ChannelError) as refused:
        first.relations(start=None, end=None)
    assert refused.value.retryable and refused.value.retry_after == 2.0
    second.relations(start=None, end=None)  # waits for the pause, then goes
    assert len(face.arrivals) == 1  # the 429 was answered before the face's gateway
    assert face.arrivals[0][0] >= refused_at + 2.0 - 0.05
    first.close()
    second.close()


def test_a_wait_longer_than_allowed_is_a_retryable_refusal(kefu: Kefu) -> None:
    limiter = make_call_limiter(None, kefu.engine)
    limiter.pause("aliexpress:gateway:other", 120.0)
    started = time.monotonic()
    with pytest.raises(ChannelError) as spent:
        limiter.acquire("aliexpress:gateway:other", BUDGET, max_wait=30.0)
    assert time.monotonic() - started < 5  # refused at once, not after waiting
    assert spent.value.retryable and spent.value.retry_after is not None
    assert 100 < spent.value.retry_after <= 120


def test_a_rate_limited_store_backs_off_and_every_worker_sees_it(
    kefu: Kefu, face: TimedFace, sandbox_url: str
) -> None:
    kefu.clock._now = datetime.now(UTC)  # type: ignore[attr-defined]
    kefu.settings.secret_key = SecretStr(Fernet.generate_key().decode())
    kefu.__dict__.pop("secrets", None)
    kefu.__dict__.pop("marketplaces", None)
    sync.connect_store(
        acting(kefu),
        "ali-global",
        base_url=sandbox_url,
        credentials={"app_key": APP_KEY, "app_secret": SECRET, "access_token": TOKEN},
        secrets=kefu.secrets,
        uow=kefu.uow(),
        clock=kefu.clock,
        interval_minutes=1,
    )
    face.fail(429, count=3, retry_after=1)
    waits = []
    for failures in (1, 2, 3):
        report = sync.sync_all(kefu.uow, kefu.marketplaces, kefu.clock, store="ali-global")
        assert len(report.failed) == 1 and "HTTP 429" in report.failed[0]
        with kefu.uow() as uow:
            conn = uow.connections.connection_by_code("ali-global")
        assert conn is not None and conn.error_code == "rate_limited"
        assert conn.failures == failures and conn.retry_at is not None
        waits.append((conn.retry_at - kefu.clock.now()).total_seconds())
    # 30 s, 60 s, 120 s, each less up to a quarter of jitter.
    assert 22.5 <= waits[0] <= 30 and 45 <= waits[1] <= 60 and 90 <= waits[2] <= 120

    # Its interval has passed, but it is backing off: the scheduled run leaves it.
    kefu.clock.advance(seconds=61)  # type: ignore[attr-defined]
    assert sync.sync_all(kefu.uow, kefu.marketplaces, kefu.clock, due_only=True).stores == 0
    kefu.clock.advance(seconds=60)  # type: ignore[attr-defined]
    report = sync.sync_all(kefu.uow, kefu.marketplaces, kefu.clock, due_only=True)
    assert (report.stores, report.failed) == (1, [])
    with kefu.uow() as uow:
        conn = uow.connections.connection_by_code("ali-global")
    assert conn is not None and (conn.failures, conn.retry_at, conn.error_code) == (0, None, None)
