"""Background jobs: the registry, kefu's jobs with a fake context, and the huey wiring
(in memory: no files, no Redis)."""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from huey import MemoryHuey
from huey.registry import Message

from kefu.adapters.jobs import JobQueue, JsonSerializer, default_queue_file, make_huey
from kefu.services import jobs
from kefu.services.jobs import JOBS
from kefu.services.ports import (
    Clock,
    DeliveryReport,
    DueReport,
    Job,
    JobParam,
    JobRegistry,
    UnitOfWork,
)
from tests.factories import NOW
from tests.fakes import FixedClock

# --- the registry --------------------------------------------------------------------------


def test_kefus_jobs_are_registered_with_their_periods() -> None:
    assert {j.name: j.every_minutes for j in JOBS} == {
        "deliver_outbox": 1,
        "routing_sweep": 1,
        "rebuild_kpi_facts": None,
        "data_import": None,
        "sync_marketplaces": 1,
        "translate_incoming": 1,
        "pull_mail": 1,
        "deadlines_sweep": 5,
        "tracking_refresh": 15,
        "logistics_tasks": 15,
        "model_retrain": None,
        "model_schedule": 10,
    }


def test_a_job_is_one_registration() -> None:
    registry = JobRegistry()

    @registry.job("translate_incoming", every_minutes=5, retries=2)
    def translate_incoming(ctx: object) -> int:
        return 0

    job = registry["translate_incoming"]
    assert (job.run, job.every_minutes, job.retries) == (translate_incoming, 5, 2)
    assert "translate_incoming" in registry and len(registry) == 1
    with pytest.raises(ValueError, match="already registered"):
        registry.add(Job("translate_incoming", translate_incoming))


@pytest.mark.parametrize(("name", "every"), [("two words", None), ("x", 0), ("x", 7), ("x", 1441)])
def test_a_job_needs_an_identifier_and_a_period_that_divides_a_day(
    name: str, every: int | None
) -> None:
    with pytest.raises(ValueError):
        Job(name, lambda ctx: None, every_minutes=every)


def test_a_periodic_job_is_due_on_the_minutes_its_period_divides() -> None:
    every_5 = Job("x", lambda ctx: None, every_minutes=5)
    due = [m for m in range(60) if every_5.due_at(datetime(2026, 1, 1, 13, m))]
    assert due == list(range(0, 60, 5))
    daily = Job("y", lambda ctx: None, every_minutes=1440)
    assert daily.due_at(datetime(2026, 1, 1, 0, 0)) and not daily.due_at(datetime(2026, 1, 1, 1))
    assert not Job("z", lambda ctx: None).due_at(datetime(2026, 1, 1, 0, 0))


# --- kefu's jobs with a fake context -------------------------------------------------------


@dataclass
class FakeQueue:
    asked: list[tuple[str, dict[str, JobParam], datetime | None]] = field(default_factory=list)

    def enqueue(
        self, name: str, params: Mapping[str, JobParam] | None = None, *, at: datetime | None = None
    ) -> bool:
        self.asked.append((name, dict(params or {}), at))
        return True


@dataclass
class FakeTranslation:
    rounds: list[DueReport]

    def translate_due(self, limit: int = 20) -> DueReport:
        return self.rounds.pop(0) if self.rounds else DueReport()


@dataclass
class FakeContext:
    rounds: list[DeliveryReport]
    clock: Clock = field(default_factory=lambda: FixedClock(NOW))
    jobs: FakeQueue = field(default_factory=FakeQueue)
    rebuilt: list[str | None] = field(default_factory=list)
    translation: FakeTranslation = field(default_factory=lambda: FakeTranslation([]))

    def uow(self) -> UnitOfWork:
        raise NotImplementedError

    def deliver_outbox(self, limit: int = 50) -> DeliveryReport:
        return self.rounds.pop(0) if self.rounds else DeliveryReport()

    def rebuild_kpi_facts(self, store: str | None = None) -> int:
        self.rebuilt.append(store)
        return 3

    def refresh_tracking(self) -> object:
        self.rebuilt.append("tracking")
        return None


def full(**kw: object) -> DeliveryReport:
    return DeliveryReport(delivered=jobs.DELIVERY_BATCH, **kw)  # type: ignore[arg-type]


def test_delivery_goes_on_while_batches_are_full() -> None:
    ctx = FakeContext([full(), full(), DeliveryReport(delivered=7)])
    report = jobs.deliver_outbox(ctx)
    assert report == DeliveryReport(delivered=2 * jobs.DELIVERY_BATCH + 7)
    assert ctx.rounds == [] and ctx.jobs.asked == []


def test_a_long_outbox_is_handed_to_a_fresh_run() -> None:
    ctx = FakeContext([full() for _ in range(jobs.DELIVERY_BATCHES_PER_RUN + 1)])
    jobs.deliver_outbox(ctx)
    assert len(ctx.rounds) == 1
    assert ctx.jobs.asked == [("deliver_outbox", {}, None)]


def test_delivery_looks_again_at_the_earliest_retry() -> None:
    soon, later = NOW + timedelta(seconds=30), NOW + timedelta(minutes=2)
    ctx = FakeContext(
        [
            DeliveryReport(delivered=jobs.DELIVERY_BATCH - 1, retrying=1, next_attempt_at=later),
            DeliveryReport(retrying=1, next_attempt_at=soon),
        ]
    )
    report = jobs.deliver_outbox(ctx)
    assert (report.retrying, report.next_attempt_at) == (2, soon)
    assert ctx.jobs.asked == [("deliver_outbox", {}, soon)]


def test_translation_goes_on_while_batches_are_full_then_hands_over() -> None:
    batch = jobs.TRANSLATION_BATCH
    ctx = FakeContext(
        [],
        translation=FakeTranslation(
            [DueReport(claimed=batch, done=batch), DueReport(claimed=3, done=2, failed=1)]
        ),
    )
    report = jobs.translate_incoming(ctx)
    assert (report.claimed, report.done, report.failed) == (batch + 3, batch + 2, 1)
    assert ctx.jobs.asked == []
    busy = [DueReport(claimed=batch, done=batch)] * jobs.TRANSLATION_BATCHES_PER_RUN
    ctx = FakeContext([], translation=FakeTranslation(list(busy)))
    jobs.translate_incoming(ctx)
    assert ctx.jobs.asked == [("translate_incoming", {}, None)]


def test_rebuilding_facts_is_a_job_with_the_store_as_parameter() -> None:
    ctx = FakeContext([])
    assert JOBS["rebuild_kpi_facts"].run(ctx, store="ali-global") == 3
    assert ctx.rebuilt == ["ali-global"]


def test_the_tracking_refresh_job_runs_the_refresh() -> None:
    ctx = FakeContext([])
    assert JOBS["tracking_refresh"].run(ctx) is None  # no provider configured: idle
    assert ctx.rebuilt == ["tracking"]


# --- the huey wiring -----------------------------------------------------------------------


def test_the_queue_storage_follows_the_url(tmp_path: Path) -> None:
    assert default_queue_file("sqlite:///var/kefu.db") == Path("var/kefu-jobs.db")
    assert default_queue_file("sqlite:////srv/kefu/shop.db") == Path("/srv/kefu/shop-jobs.db")
    assert default_queue_file("postgresql+psycopg://k:k@db/kefu") == Path("var/kefu-jobs.db")
    db = f"sqlite:///{tmp_path / 'shop.db'}"
    assert type(make_huey(None, db)).__name__ == "SqliteHuey"
    assert (tmp_path / "shop-jobs.db").exists()
    explicit = make_huey(f"sqlite:///{tmp_path / 'q' / 'jobs.db'}", db)
    assert explicit.storage.filename == str(tmp_path / "q" / "jobs.db")
    assert type(make_huey("memory://", db)).__name__ == "MemoryHuey"
    assert type(make_huey("redis://127.0.0.1:1/0", db)).__name__ == "RedisHuey"  # lazy: no I/O
    with pytest.raises(ValueError, match="KEFU_QUEUE_URL"):
        make_huey("amqp://rabbit", db)


def test_messages_travel_as_json_not_pickle() -> None:
    serializer = JsonSerializer()
    eta = datetime(2026, 11, 20, 12, 0, 5)
    message = Message("id-1", "kefu.adapters.jobs.rebuild_kpi_facts", eta, 3, 30, None, (), {})
    message = message._replace(kwargs={"store": "ali-global"})
    data = serializer.serialize(message)
    assert data.startswith(b'{"$message":') and b"ali-global" in data
    assert serializer.deserialize(data) == message
    with pytest.raises(TypeError, match="JSON"):
        serializer.serialize(message._replace(kwargs={"when": timedelta(1)}))


class Recorder:
    """A context for a registry of test jobs: records what ran, in which thread."""

    def __init__(self) -> None:
        self.ran: list[tuple[str, dict[str, JobParam]]] = []
        self.done = threading.Event()


def recording_queue(huey: MemoryHuey | None = None) -> tuple[JobQueue, Recorder]:
    recorder = Recorder()
    registry = JobRegistry()

    @registry.job("ping", every_minutes=1, retries=0)
    def ping(ctx: Recorder, **params: JobParam) -> int:
        ctx.ran.append(("ping", params))
        if params:  # asked for, not the periodic run
            ctx.done.set()
        return 1

    return JobQueue(huey or MemoryHuey("kefu", results=False), registry), recorder


def test_each_job_is_a_task_and_a_periodic_task_of_the_same_name() -> None:
    queue, _ = recording_queue()
    names = sorted(queue.huey._registry._registry)
    assert names == ["kefu.adapters.jobs.ping", "kefu.adapters.jobs.ping.periodic"]
    assert queue.enqueue("ping", {"n": 1})
    assert queue.pending() == 1


def test_a_period_is_claimed_once_however_many_workers_offer_it() -> None:
    queue, _ = recording_queue()
    job = queue.registry["ping"]
    assert queue._claim_period(job)
    assert not queue._claim_period(job)
    other_process = JobQueue(queue.huey, JobRegistry())
    assert not other_process._claim_period(job)


def test_a_later_run_is_asked_for_once_per_slot() -> None:
    queue, _ = recording_queue()
    at = datetime(2030, 1, 1, 12, 0, 1, tzinfo=UTC)  # 12:00:01 and :02 share the slot to :05
    assert queue.enqueue("ping", at=at)
    assert queue.enqueue("ping", at=at + timedelta(seconds=1))
    assert queue.enqueue("ping", {"n": 2}, at=at)
    assert queue.enqueue("ping", at=at + timedelta(seconds=5))
    # A task with an eta waits in the queue until a worker moves it to the schedule.
    etas = sorted((t.eta, t.kwargs.get("n", 0)) for t in queue.huey.pending())
    slot = datetime(2030, 1, 1, 12, 0, 5)
    assert etas == [(slot, 0), (slot, 2), (slot + timedelta(seconds=5), 0)]


def test_an_unreachable_queue_is_logged_not_raised(caplog: pytest.LogCaptureFixture) -> None:
    queue, _ = recording_queue()

    def broken(data: bytes, priority: object = None) -> None:
        raise ConnectionError("redis is down")

    queue.huey.storage.enqueue = broken
    assert not queue.enqueue("ping")
    assert "could not enqueue job ping" in caplog.text


def test_an_in_process_worker_runs_jobs_and_stops_cleanly() -> None:
    queue, recorder = recording_queue()
    worker = queue.start_in_process(recorder, workers=2)  # type: ignore[arg-type]
    try:
        queue.enqueue("ping", {"n": 7})
        assert recorder.done.wait(10)
    finally:
        started = time.monotonic()
        worker.stop()
    assert time.monotonic() - started < 5
    assert not worker.thread.is_alive()
    assert ("ping", {"n": 7}) in recorder.ran


def test_a_process_that_only_enqueues_refuses_to_run_a_job() -> None:
    queue, _ = recording_queue()
    with pytest.raises(RuntimeError, match="only enqueues"):
        queue._run(queue.registry["ping"], {}, periodic=False)
