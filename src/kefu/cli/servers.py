"""Real `kefu serve` processes for benchmarks and the crash test: a fresh database with
the demo's stores and team, an API token, and servers that may be started and killed."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from kefu.bootstrap import bootstrap
from kefu.config import Settings
from kefu.demo.catalog import ACCOUNTS, STORES
from kefu.domain.permissions import Permission
from kefu.services.auth import principal_of
from kefu.services.catalog import load_catalog
from kefu.services.ports import Catalog

KEFU = Path(sys.executable).with_name("kefu")
STARTUP_SECONDS = 60.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def prepare_database(url: str) -> str:
    """Empty the database (PostgreSQL: its public schema), migrate, load the demo's stores
    and team; returns an API token of the main account that may import messages."""
    kefu = bootstrap(Settings(database_url=url))
    if kefu.engine.dialect.name == "postgresql":
        with kefu.engine.begin() as conn:
            conn.exec_driver_sql("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
    kefu.upgrade()
    catalog = Catalog("bench shop", list(STORES), list(ACCOUNTS))
    load_catalog(catalog, kefu.uow(), kefu.clock.now())
    with kefu.uow() as uow:
        owner = next(a for a in uow.auth.accounts() if a.is_main)
    token = kefu.auth.issue_token(
        principal_of(owner),
        "bench",
        [Permission.IMPORT_MESSAGES.value, Permission.VIEW_INBOX.value],
        uow=kefu.uow(),
        clock=kefu.clock,
    )
    kefu.close()
    return token


class ServerProcess:
    """`kefu serve` in a child process (triage and delivery off: the store path alone)."""

    def __init__(self, url: str, log: Path, *, triage: bool = False) -> None:
        self.url, self.log, self.triage = url, log, triage
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None
        self.lock = threading.Lock()

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        env = {
            **os.environ,
            "KEFU_TRIAGE_ON_INGEST": str(self.triage).lower(),
            "KEFU_WORKER_IN_PROCESS": "false",
        }
        command = [str(KEFU), "serve", "--database-url", self.url]
        command += ["--port", str(self.port), "--no-upgrade"]
        with self.lock, self.log.open("ab") as out:
            self.process = subprocess.Popen(  # noqa: S603 — our own kefu, our own arguments
                command, stdout=out, stderr=subprocess.STDOUT, env=env
            )
        deadline = time.monotonic() + STARTUP_SECONDS
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.base}/sign-in", timeout=1).status_code < 500:
                    return
            except httpx.TransportError:
                time.sleep(0.1)
        raise RuntimeError(f"kefu serve did not start; see {self.log}")

    def kill(self) -> None:
        """SIGKILL: no shutdown, no flush; what was not committed is gone."""
        with self.lock:
            if self.process is not None and self.process.poll() is None:
                self.process.send_signal(signal.SIGKILL)
                self.process.wait()

    def stop(self) -> None:
        with self.lock:
            if self.process is not None and self.process.poll() is None:
                self.process.terminate()
                self.process.wait(timeout=20)


class WorkerProcess:
    """`kefu worker` in a child process, with the environment given (database, queue,
    channel…) on top of this one's."""

    def __init__(self, log: Path, env: dict[str, str], *, workers: int = 2) -> None:
        self.log, self.env, self.workers = log, env, workers
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        command = [str(KEFU), "worker", "--workers", str(self.workers)]
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(  # noqa: S603 — our own kefu, our own arguments
                command, stdout=out, stderr=subprocess.STDOUT, env={**os.environ, **self.env}
            )

    def kill(self) -> None:
        """SIGKILL: the jobs in hand stop wherever they are."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait()

    def stop(self, timeout: float = 40) -> int:
        """SIGTERM, as systemd stops it; returns the exit code."""
        assert self.process is not None  # noqa: S101
        if self.process.poll() is None:
            self.process.terminate()
        return self.process.wait(timeout=timeout)


@contextmanager
def translation_sandbox(log: Path | None = None) -> Iterator[str]:
    """`kefu translate sandbox` in a child process on a free port; yields its address.

    Its own process: in a thread of the caller it would take the interpreter's lock from
    the code a benchmark measures."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    command = [str(KEFU), "translate", "sandbox", "--port", str(port)]
    with log.open("ab") if log else open(os.devnull, "wb") as out:
        process = subprocess.Popen(  # noqa: S603 — our own kefu, our own arguments
            command, stdout=out, stderr=subprocess.STDOUT
        )
    try:
        deadline = time.monotonic() + STARTUP_SECONDS
        while True:
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the translation sandbox did not start (log: {log})")
            try:
                httpx.get(f"{url}/usage", timeout=1)
                break
            except httpx.TransportError:
                time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)
