"""The job queue: huey (docs/adr/0008-background-jobs.md).

`KEFU_QUEUE_URL` picks the storage: unset, a SQLite file next to the SQLite database
(or `var/kefu-jobs.db`), and `kefu serve` runs the jobs in its own threads; `redis://…`
for several machines, where `kefu worker` processes run them; `sqlite:///path` for a
file of one's choosing; `memory://` for tests (one process only).

Every job of the registry (kefu.services.jobs.JOBS) becomes a huey task of the same name,
and a periodic one also a periodic task `NAME.periodic`. Each consumer's scheduler
offers the periodic tasks every minute; the first run of a period claims it in the
queue's storage and the others skip, so a job runs once per period however many
workers there are. Messages are JSON (never pickle): whoever can write to Redis
cannot make a worker run code.
"""

from __future__ import annotations

import json
import logging
import signal
import threading
import time
from collections.abc import Mapping
from dataclasses import fields, is_dataclass
from datetime import UTC, datetime
from math import ceil
from pathlib import Path
from typing import Any

from huey import Huey, MemoryHuey, RedisHuey, SqliteHuey
from huey.consumer import Consumer, ConsumerStopped
from huey.exceptions import ConfigurationError
from huey.registry import Message
from huey.serializer import Serializer
from sqlalchemy.engine import make_url

from kefu.services.ports import Job, JobContext, JobParam, JobRegistry

log = logging.getLogger("kefu.jobs")
QUEUE_NAME = "kefu"
# A delayed run is asked for at most once per slot of this many seconds (a busy outbox
# asks for "look again at 12:00:31" hundreds of times).
AT_SLOT_SECONDS = 5
# Seconds a stopping worker waits for the jobs in hand before it exits anyway (what
# it was doing is safe to lose: leases and transactions).
SHUTDOWN_SECONDS = 30.0
# An idle worker thread looks at a SQLite queue this often at the least (Redis blocks
# on the queue instead of polling).
MAX_POLL_SECONDS = 1.0


def default_queue_file(database_url: str) -> Path:
    """`var/kefu.db` → `var/kefu-jobs.db`; a server database → `var/kefu-jobs.db`."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        db = Path(url.database)
        return db.with_name(f"{db.stem}-jobs.db")
    return Path("var/kefu-jobs.db")


def make_huey(queue_url: str | None, database_url: str) -> Huey:
    """The huey instance for KEFU_QUEUE_URL (see the module's docstring)."""
    common: dict[str, Any] = {"results": False, "serializer": JsonSerializer()}
    if queue_url is None or queue_url.startswith("sqlite:"):
        path = default_queue_file(database_url) if queue_url is None else _sqlite_path(queue_url)
        path.parent.mkdir(parents=True, exist_ok=True)
        return SqliteHuey(QUEUE_NAME, filename=str(path), **common)
    if queue_url.startswith(("redis://", "rediss://", "unix://")):
        try:
            return RedisHuey(QUEUE_NAME, url=queue_url, **common)
        except ConfigurationError as exc:
            raise ValueError(
                "KEFU_QUEUE_URL names Redis: install the client with pip install 'kefu[redis]'"
            ) from exc
    if queue_url == "memory://":
        return MemoryHuey(QUEUE_NAME, **common)
    raise ValueError(
        f"KEFU_QUEUE_URL {queue_url!r}: use redis://host:6379/0, sqlite:///path or memory://"
    )


def _sqlite_path(queue_url: str) -> Path:
    path = make_url(queue_url).database
    if not path or path == ":memory:":
        raise ValueError("KEFU_QUEUE_URL sqlite:///path needs a file (memory:// for tests)")
    return Path(path)


class JobQueue:
    """kefu's jobs on one huey instance. `enqueue` asks for a job (any process); `run_worker`
    and `start_in_process` run them with a context (the process's Kefu)."""

    def __init__(self, huey: Huey, registry: JobRegistry) -> None:
        self.huey = huey
        self.registry = registry
        self._context: JobContext | None = None
        self._tasks: dict[str, Any] = {}
        for job in registry:
            self._register(job)

    # --- asking for jobs ------------------------------------------------------------

    def enqueue(
        self,
        name: str,
        params: Mapping[str, JobParam] | None = None,
        *,
        at: datetime | None = None,
    ) -> bool:
        """Ask for job `name` with `params` now, or at `at` (once per few-second slot);
        False, logged, when the queue's storage could not be reached."""
        task = self._tasks[name]
        params = dict(params or {})
        try:
            if at is None:
                task(**params)
                return True
            slot = ceil(at.timestamp() / AT_SLOT_SECONDS) * AT_SLOT_SECONDS
            key = f"{QUEUE_NAME}.at.{name}.{slot}.{json.dumps(params, sort_keys=True)}"
            if self.huey.storage.put_if_empty(key, b"1"):
                eta = datetime.fromtimestamp(slot, UTC)
                task.schedule(kwargs={**params, _ONCE: key}, eta=eta)
            return True
        except Exception:
            log.exception("could not enqueue job %s; its periodic run will do the work", name)
            return False

    def pending(self) -> int:
        """Jobs waiting in the queue (not counting those scheduled for later)."""
        return int(self.huey.pending_count())

    def flush(self) -> None:
        """Empty the queue and its schedule (tests)."""
        self.huey.flush()

    def close(self) -> None:
        close = getattr(self.huey.storage, "close", None)
        if close is not None:
            close()

    # --- running them -----------------------------------------------------------------

    def run_worker(self, context: JobContext, workers: int) -> None:
        """Run jobs in `workers` threads until SIGTERM or SIGINT (the jobs in hand finish
        first, for up to SHUTDOWN_SECONDS). Call from the main thread."""
        self._context = context
        _consumer(self.huey, workers, handle_signals=True).run()

    def start_in_process(self, context: JobContext, workers: int) -> InProcessWorker:
        """Run jobs in background threads of this process (`kefu serve` on one machine)."""
        self._context = context
        worker = InProcessWorker(_consumer(self.huey, workers, handle_signals=False))
        worker.start()
        return worker

    def _register(self, job: Job) -> None:
        def run(**params: JobParam) -> None:
            once = params.pop(_ONCE, None)
            if isinstance(once, str):
                self.huey.storage.delete_data(once)
            self._run(job, params, periodic=False)

        run.__name__ = run.__qualname__ = job.name
        self._tasks[job.name] = self.huey.task(
            name=job.name, retries=job.retries, retry_delay=job.retry_delay_seconds
        )(run)
        if job.every_minutes is None:
            return

        def periodic() -> None:
            if self._claim_period(job):
                self._run(job, {}, periodic=True)

        periodic.__name__ = periodic.__qualname__ = f"{job.name}.periodic"
        self.huey.periodic_task(job.due_at, name=f"{job.name}.periodic")(periodic)

    def _claim_period(self, job: Job) -> bool:
        """The first run of this period claims it; runs offered by other workers' schedulers
        skip. The claims of a few periods back are removed."""
        assert job.every_minutes is not None  # noqa: S101
        period = job.every_minutes * 60
        slot = int(time.time() // period)
        prefix = f"{QUEUE_NAME}.period.{job.name}."
        if not self.huey.storage.put_if_empty(f"{prefix}{slot}", b"1"):
            log.debug("%s: this period's run was done by another worker", job.name)
            return False
        for old in range(slot - 5, slot):
            self.huey.storage.delete_data(f"{prefix}{old}")
        return True

    def _run(self, job: Job, params: Mapping[str, JobParam], *, periodic: bool) -> None:
        context = self._context
        if context is None:
            raise RuntimeError(f"job {job.name} reached a process that only enqueues jobs")
        started = time.perf_counter()
        report = job.run(context, **params)
        took = time.perf_counter() - started
        level = logging.DEBUG if _idle(report) else logging.INFO  # --verbose shows all
        shown = ", ".join(f"{k}={v}" for k, v in params.items())
        when = f" every {job.every_minutes} min" if periodic else ""
        log.log(level, "%s(%s)%s: %s in %.2f s", job.name, shown, when, _describe(report), took)


_ONCE = "_kefu_once"


def _idle(report: object) -> bool:
    """A report that says nothing was done (all its counts are 0)."""
    if isinstance(report, int):
        return report == 0
    if is_dataclass(report) and not isinstance(report, type):
        counts = [getattr(report, f.name) for f in fields(report)]
        return all(c == 0 for c in counts if isinstance(c, int))
    return report is None


def _describe(report: object) -> str:
    if is_dataclass(report) and not isinstance(report, type):
        return ", ".join(
            f"{f.name} {getattr(report, f.name)}"
            for f in fields(report)
            if getattr(report, f.name) is not None
        )
    return str(report)


class _Consumer(Consumer):  # type: ignore[misc]  # huey has no type information
    """huey's consumer; SIGINT and SIGTERM both stop it gracefully, and in-process (a
    thread of `kefu serve`) it leaves the signals to the web server."""

    def __init__(self, huey: Huey, *, handle_signals: bool, **options: Any) -> None:
        super().__init__(huey, **options)
        self._handle_signals = handle_signals
        self._signal_actions[signal.SIGINT] = (False, True)
        self._signal_actions[signal.SIGTERM] = (False, True)

    def _set_signal_handlers(self) -> None:
        if self._handle_signals:
            super()._set_signal_handlers()


def _consumer(huey: Huey, workers: int, *, handle_signals: bool) -> _Consumer:
    return _Consumer(
        huey,
        handle_signals=handle_signals,
        workers=workers,
        worker_type="thread",
        periodic=True,
        initial_delay=0.1,
        backoff=1.15,
        max_delay=MAX_POLL_SECONDS,
        scheduler_interval=1,
        shutdown_timeout=SHUTDOWN_SECONDS,
    )


class InProcessWorker:
    """A consumer's threads in this process, and a thread that restarts any that die;
    `stop` lets the jobs in hand finish."""

    def __init__(self, consumer: _Consumer) -> None:
        self.consumer = consumer
        self.thread = threading.Thread(target=self._watch, name="kefu-jobs", daemon=True)

    def start(self) -> None:
        self.consumer.start()  # every thread is running when this returns
        self.thread.start()

    def _watch(self) -> None:
        checked = time.monotonic()
        while True:
            try:
                checked = self.consumer.loop(checked)
            except ConsumerStopped:
                return

    def stop(self, timeout: float = SHUTDOWN_SECONDS) -> None:
        self.consumer.stop(graceful=True)
        self.thread.join(timeout)


class JsonSerializer(Serializer):  # type: ignore[misc]  # huey has no type information
    """huey's task messages as JSON (datetimes tagged), never pickle."""

    def _serialize(self, data: object) -> bytes:
        return json.dumps(_encode(data), separators=(",", ":")).encode()

    def _deserialize(self, data: bytes) -> object:
        return _decode(json.loads(data))


def _encode(value: object) -> object:
    if isinstance(value, Message):
        return {"$message": {k: _encode(v) for k, v in value._asdict().items()}}
    if isinstance(value, datetime):
        return {"$datetime": value.isoformat()}
    if isinstance(value, list | tuple):
        return [_encode(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _encode(v) for k, v in value.items()}
    if value is None or isinstance(value, str | int | float | bool):
        return value
    raise TypeError(f"a job's parameters travel as JSON; {type(value).__name__} does not")


def _decode(value: object) -> object:
    if isinstance(value, list):
        return [_decode(v) for v in value]
    if isinstance(value, dict):
        if "$message" in value:
            found = {k: _decode(v) for k, v in value["$message"].items()}
            args = found.get("args")
            found["args"] = tuple(args) if isinstance(args, list) else ()
            return Message(**found)
        if "$datetime" in value:
            return datetime.fromisoformat(value["$datetime"])
        return {k: _decode(v) for k, v in value.items()}
    return value
