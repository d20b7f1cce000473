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
worker process builds once). The job names and types (Job, JobContext, JobRegistry, JobParam)
are in kefu.services.ports, since the queue adapter uses them too.
"""

from __future__ import annotations

from kefu.services import deadlines, logistics, routing
from kefu.services.model_versions import MODEL_RETRAIN, MODEL_SCHEDULE, ModelJobContext
from kefu.services.ports import (
    DATA_IMPORT,
    DELIVER_OUTBOX,
    PULL_MAIL,
    REBUILD_KPI_FACTS,
    ROUTING_SWEEP,
    SYNC_MARKETPLACES,
    TRACKING_REFRESH,
    TRANSLATE_INCOMING,
    DeliveryReport,
    DueReport,
    JobContext,
    JobRegistry,
    PullReport,
)

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


@JOBS.job(DATA_IMPORT, retries=1)
def data_import(ctx: JobContext, run_id: int) -> object:
    """Import a file uploaded on the Import page (kefu.services.shopdata.execute_run). A
    run a dead worker left half done is run again from the start: the import is
    idempotent, so the rows it had written stay as they are."""
    return ctx.run_import(run_id)


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


@JOBS.job(PULL_MAIL, every_minutes=1)
def pull_mail(ctx: JobContext) -> PullReport:
    """Pull new mail of every enabled store mailbox (docs/mail.md); each mailbox records
    its own health, so one failing never stops the others. `kefu mail watch` pulls as
    soon as mail arrives (IMAP IDLE); this run is the catch-up."""
    return ctx.pull_mail()


@JOBS.job(SYNC_MARKETPLACES, every_minutes=1)
def sync_marketplaces(ctx: JobContext) -> object:
    """Pull what changed on each connected store's marketplace whose interval has passed
    (docs/channels.md); each store records its own health, one failing never stops the
    others, and a run killed midway goes on from the last page stored."""
    return ctx.sync_marketplaces()


# Breach notifications and the timed-out sweep (docs/deadlines.md); kept here, not among the
# names in ports, so the cases work merges as one block.
DEADLINES_SWEEP = "deadlines_sweep"


@JOBS.job(DEADLINES_SWEEP, every_minutes=5)
def deadlines_sweep(ctx: JobContext) -> deadlines.SweepReport:
    """Tell the holder and the store's leads of each new breach, once; time out the
    requests a platform counts as declined when unanswered (eBay cancellations). Set-based
    and idempotent: a run that repeats or overlaps another changes nothing more."""
    return deadlines.sweep(ctx.uow(), ctx.clock)


# The tracking refresh (docs/tracking.md "Providers"): kept here as one block, its name in
# ports beside the provider port.
@JOBS.job(TRACKING_REFRESH, every_minutes=15)
def tracking_refresh(ctx: JobContext) -> object:
    """Register the parcels shipped lately and poll the due ones at the tracking provider,
    within its quota; a provider that fails is recorded (stale since), never retried here:
    the next period is."""
    return ctx.refresh_tracking()


# The logistics board's tasks where the shop may not write (Amazon; docs/logistics.md).
LOGISTICS_TASKS = "logistics_tasks"


@JOBS.job(LOGISTICS_TASKS, every_minutes=15)
def logistics_tasks(ctx: JobContext) -> int:
    """A task for each new parcel anomaly on Amazon, where the shop may not send shipping
    news (SPEC §13); idempotent, so an overlapping run creates nothing twice."""
    return logistics.make_platform_tasks(ctx.uow(), ctx.clock)


# Model versions (docs/triage.md "Model versions"): the retrain a lead or the schedule asks
# for, and the schedule's check; kept here as one block.


@JOBS.job(MODEL_RETRAIN, retries=0)
def model_retrain(ctx: ModelJobContext, version_id: str) -> object:
    """Train, score and store a model version, then activate it (services/model_versions.py).
    Not retried: a failure is recorded on the version, and the lead asks again."""
    return ctx.retrain_model(version_id)


@JOBS.job(MODEL_SCHEDULE, every_minutes=10)
def model_schedule(ctx: ModelJobContext) -> object:
    """Retrain once the Model page's number of new corrections exists (0: never)."""
    return ctx.scheduled_retrain()
