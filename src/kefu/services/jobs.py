"""Background jobs: what kefu runs outside a request, by name, now, later or every few minutes.

A job is a function `(context, **params) -> report`, registered once in `JOBS` below. The
queue (kefu.adapters.jobs: huey, with SQLite storage on one machine and Redis at scale;
docs/adr/0008-background-jobs.md) only carries "run job X", never the work itself:
the database holds that (outbox rows with leases, conversations to route), so a queue
message lost with a dying worker delays the work until the job's next periodic run and
never loses it, and a job that runs twice does nothing twice.

Adding a job is one registration. A periodic one is also run on demand with
`context.jobs.enqueue(name)`:

    @JOBS.job("tracking_refresh", every_minutes=15)
    def tracking_refresh(ctx: JobContext) -> TrackingReport:
        return tracking.refresh_due(ctx.uow(), ctx.clock)

(with what it needs added to JobContext and to kefu.bootstrap.Kefu, the context every
worker process builds once).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol, TypeVar

from kefu.services import routing
from kefu.services.outbox import DeliveryReport
from kefu.services.ports import Clock, UnitOfWork
from kefu.services.translation import DueReport

# What a job's parameters may be: they travel through the queue as JSON.
JobParam = str | int | float | bool | None

DELIVER_OUTBOX = "deliver_outbox"
ROUTING_SWEEP = "routing_sweep"
REBUILD_KPI_FACTS = "rebuild_kpi_facts"
TRANSLATE_INCOMING = "translate_incoming"


class JobQueue(Protocol):
    """Where jobs are asked for (kefu.adapters.jobs.JobQueue)."""

    def enqueue(
        self,
        name: str,
        params: Mapping[str, JobParam] | None = None,
        *,
        at: datetime | None = None,
    ) -> bool:
        """Ask for job `name` with `params`, now or at `at`; False when the queue could not
        be reached (logged; the job's periodic run does the work later)."""
        ...


class BackgroundTranslation(Protocol):
    """What the translation job needs (kefu.services.translation.TranslationService)."""

    def translate_due(self, limit: int = 20) -> DueReport: ...


class JobContext(Protocol):
    """What a job is given: the process's composition root (kefu.bootstrap.Kefu), built
    once per worker process."""

    @property
    def clock(self) -> Clock: ...

    @property
    def jobs(self) -> JobQueue: ...

    def uow(self) -> UnitOfWork: ...

    def deliver_outbox(self, limit: int = 50) -> DeliveryReport: ...

    def rebuild_kpi_facts(self, store: str | None = None) -> int: ...

    @property
    def translation(self) -> BackgroundTranslation: ...


@dataclass(frozen=True)
class Job:
    """A named job. `every_minutes`: also run that often (1440 must be a multiple of it);
    `retries`: how often the queue runs it again after an exception, `retry_delay_seconds`
    apart (a periodic run is not retried: the next period is)."""

    name: str
    run: Callable[..., object]
    every_minutes: int | None = None
    retries: int = 3
    retry_delay_seconds: int = 30

    def __post_init__(self) -> None:
        if not self.name.isidentifier():
            raise ValueError(f"job name {self.name!r} must be an identifier")
        if self.every_minutes is not None and (
            not 1 <= self.every_minutes <= 1440 or 1440 % self.every_minutes
        ):
            raise ValueError(f"{self.name}: every_minutes must divide a day (1, 5, 60, 1440…)")

    def due_at(self, at: datetime) -> bool:
        """A periodic job runs in the minutes of the day that are multiples of its period."""
        return (
            self.every_minutes is not None and (at.hour * 60 + at.minute) % self.every_minutes == 0
        )


F = TypeVar("F", bound=Callable[..., object])


class JobRegistry:
    """The jobs a queue knows, by name; every process builds its queue from the same one."""

    def __init__(self) -> None:
        self._jobs: dict[str, Job] = {}

    def add(self, job: Job) -> Job:
        if job.name in self._jobs:
            raise ValueError(f"a job named {job.name!r} is already registered")
        self._jobs[job.name] = job
        return job

    def job(
        self,
        name: str,
        *,
        every_minutes: int | None = None,
        retries: int = 3,
        retry_delay_seconds: int = 30,
    ) -> Callable[[F], F]:
        """Register the decorated function as job `name`."""

        def register(run: F) -> F:
            self.add(Job(name, run, every_minutes, retries, retry_delay_seconds))
            return run

        return register

    def __getitem__(self, name: str) -> Job:
        return self._jobs[name]

    def __contains__(self, name: object) -> bool:
        return name in self._jobs

    def __iter__(self) -> Iterator[Job]:
        return iter(self._jobs.values())

    def __len__(self) -> int:
        return len(self._jobs)


JOBS = JobRegistry()

# One delivery run sends at most this many batches, then hands over to a fresh run (so
# one busy outbox does not hold a worker thread for ever).
DELIVERY_BATCH = 50
DELIVERY_BATCHES_PER_RUN = 20


@JOBS.job(DELIVER_OUTBOX, every_minutes=1)
def deliver_outbox(ctx: JobContext) -> DeliveryReport:
    """Send what the outbox holds that is due. Asked for after every commit that stored a
    reply (kefu.adapters.db), every minute as a catch-up (replies whose worker died
    come due again when their lease ends), and at the earliest retry it scheduled."""
    total = DeliveryReport()
    for _ in range(DELIVERY_BATCHES_PER_RUN):
        report = ctx.deliver_outbox(DELIVERY_BATCH)
        total.add(report)
        if report.claimed < DELIVERY_BATCH:
            break
    else:
        ctx.jobs.enqueue(DELIVER_OUTBOX)
    if total.next_attempt_at is not None:
        ctx.jobs.enqueue(DELIVER_OUTBOX, at=total.next_attempt_at)
    return total


@JOBS.job(ROUTING_SWEEP, every_minutes=1)
def routing_sweep(ctx: JobContext) -> routing.SweepReport:
    """Hand the conversations of agents gone off shift to someone on shift (SPEC §7)."""
    return routing.sweep(ctx.uow(), ctx.clock)


@JOBS.job(REBUILD_KPI_FACTS, retries=1)
def rebuild_kpi_facts(ctx: JobContext, store: str | None = None) -> int:
    """Write the KPI report's facts again (`kefu db rebuild-facts --background`); one
    transaction, so a worker that dies in the middle leaves the facts as they were."""
    return ctx.rebuild_kpi_facts(store)


# One run translates at most this many batches, then hands over to a fresh run.
TRANSLATION_BATCH = 20
TRANSLATION_BATCHES_PER_RUN = 10


@JOBS.job(TRANSLATE_INCOMING, every_minutes=1)
def translate_incoming(ctx: JobContext) -> DueReport:
    """Translate the buyer messages waiting for their agents' languages. Asked for after
    every commit that stored such messages (kefu.adapters.db), and every minute for the
    retries it scheduled and the work of a worker that died (its lease runs out)."""
    total = DueReport()
    for _ in range(TRANSLATION_BATCHES_PER_RUN):
        report = ctx.translation.translate_due(TRANSLATION_BATCH)
        total.add(report)
        if report.claimed < TRANSLATION_BATCH:
            break
    else:
        ctx.jobs.enqueue(TRANSLATE_INCOMING)
    return total
