"""Model versions as use cases (docs/triage.md "Model versions"): list them, retrain (as a
background job, one at a time, on a schedule too), activate one or roll back, and add
labelled examples from a file. Only a lead or the owner (`manage_model`) may."""

from __future__ import annotations

import hashlib
import logging
import secrets
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from types import TracebackType
from typing import Any, Protocol, Self

from kefu import __version__
from kefu.domain.entities import Entity
from kefu.domain.errors import FieldError, InvalidTransition, NotFound
from kefu.domain.intents import INTENTS, SUB_INTENTS
from kefu.domain.model_versions import (
    MODEL_RETRAIN as MODEL_RETRAIN,
)
from kefu.domain.model_versions import (
    MODEL_SCHEDULE as MODEL_SCHEDULE,
)
from kefu.domain.model_versions import (
    STALE_TRAINING_MINUTES,
    Corrections,
    NewExample,
    RetrainRunning,
    VersionSummary,
    retrain_due,
    schedule_setting,
    should_activate,
)
from kefu.domain.permissions import Permission
from kefu.services import training
from kefu.services.access import Principal, require
from kefu.services.ports import Clock, TableRow

log = logging.getLogger("kefu.model")
# A labelled example's text: as long as a buyer message may be.
MAX_EXAMPLE_CHARS = 20_000
MAX_EXAMPLE_ROWS = 100_000


class CorpusNotInstalled(InvalidTransition):
    """The packaged training corpus differs from its manifest: retraining would learn from
    part of it, so it is refused."""

    code = "corpus_incomplete"


@dataclass(frozen=True)
class ModelState:
    active: str | None
    training: str | None
    retrain_every: int
    new_corrections: int


@dataclass
class LabelReport:
    """What a labelled file gave: rows added, relabelled, already known, and refused."""

    rows: int = 0
    added: int = 0
    changed: int = 0
    unchanged: int = 0
    errors: list[FieldError] = field(default_factory=list)


class ModelRepository(Protocol):
    def state(self) -> tuple[str | None, str | None, int]: ...

    def claim_training(self, version_id: str, stale_before: datetime, now: datetime) -> bool: ...

    def add_version(
        self,
        version_id: str,
        *,
        by: int | None,
        reason: str,
        options: dict[str, Any],
        now: datetime,
        status: str = "training",
    ) -> None: ...

    def request_retrain_job(self, version_id: str) -> None: ...

    def set_stage(self, version_id: str, stage: str, now: datetime) -> None: ...

    def finish(
        self,
        version_id: str,
        *,
        model: bytes,
        trained_on: dict[str, Any],
        figures: dict[str, Any],
        previous: dict[str, Any],
        corrections_upto: int,
        examples_upto: int,
        now: datetime,
    ) -> None: ...

    def fail(self, version_id: str, error: str, now: datetime) -> None: ...

    def activate(self, version_id: str, now: datetime) -> bool: ...

    def versions(self, limit: int) -> list[VersionSummary]: ...

    def version(self, version_id: str) -> VersionSummary | None: ...

    def model_bytes(self, version_id: str) -> bytes | None: ...

    def set_schedule(self, every: int, now: datetime) -> None: ...

    def audit(
        self,
        *,
        by: int | None,
        action: str,
        before: dict[str, Any] | None,
        after: dict[str, Any] | None,
        now: datetime,
    ) -> None: ...

    def new_corrections(self) -> int: ...

    def corrections(self) -> Corrections: ...

    def add_examples(
        self, rows: Sequence[NewExample], by: int | None, source: str, now: datetime
    ) -> tuple[int, int, int]: ...


class ModelsUnitOfWork(Protocol):
    @property
    def models(self) -> ModelRepository: ...

    def commit(self) -> None: ...

    def __enter__(self) -> Self: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...


class ModelJobContext(Protocol):
    """What the model jobs need of a worker's composition root (kefu.bootstrap.Kefu)."""

    def retrain_model(self, version_id: str) -> object: ...

    def scheduled_retrain(self) -> str | None: ...


class Trained(Protocol):
    """A trained intent model (kefu.adapters.classifier.IntentModel)."""

    report: dict[str, Any]

    def predict(
        self, texts: Sequence[str], entities: Sequence[Sequence[Entity]] | None = None
    ) -> Sequence[training.Guess]: ...

    def to_bytes(self) -> bytes: ...


@dataclass(frozen=True)
class TrainingDeps:
    """How a retrain trains and reads models (kefu.bootstrap builds it)."""

    corpus: Path
    train: Callable[[list[str], list[str], int, dict[str, Any]], Trained]
    load: Callable[[bytes], Trained]
    baseline: Callable[[], Trained]  # the model in use when no version is active
    seed: int = 7


def _manager(who: Principal) -> None:
    require(who, Permission.MANAGE_MODEL)


def new_version_id(now: datetime) -> str:
    """Sortable by time, unique: two retrains in one second still differ."""
    return f"{now:%Y%m%d-%H%M%S}-{secrets.token_hex(3)}"


def state(who: Principal, *, uow: ModelsUnitOfWork) -> ModelState:
    _manager(who)
    with uow:
        active, running, every = uow.models.state()
        return ModelState(active, running, every, uow.models.new_corrections())


def versions(who: Principal, *, uow: ModelsUnitOfWork, limit: int = 100) -> list[VersionSummary]:
    _manager(who)
    return versions_as_system(uow=uow, limit=limit)


def versions_as_system(*, uow: ModelsUnitOfWork, limit: int = 100) -> list[VersionSummary]:
    """`kefu model versions`: the machine's operator, no account."""
    with uow:
        return uow.models.versions(limit)


def version(who: Principal, version_id: str, *, uow: ModelsUnitOfWork) -> VersionSummary:
    _manager(who)
    with uow:
        found = uow.models.version(version_id[:40])
    if found is None:
        raise NotFound(f"no model version {version_id[:40]!r}")
    return found


def activate(who: Principal, version_id: str, *, uow: ModelsUnitOfWork, clock: Clock) -> None:
    """Make a ready version the one every process uses (roll back = an earlier one): one
    UPDATE, so a process sees the old version or the new, never a mix."""
    _manager(who)
    activate_as_system(version_id, uow=uow, clock=clock, by=who.account_id)


def activate_as_system(
    version_id: str, *, uow: ModelsUnitOfWork, clock: Clock, by: int | None = None
) -> None:
    """`kefu model activate`: the machine's operator, no account."""
    with uow:
        found = uow.models.version(version_id[:40])
        if found is None:
            raise NotFound(f"no model version {version_id[:40]!r}")
        before, _, _ = uow.models.state()
        if found.status != "ready" or not uow.models.activate(found.id, clock.now()):
            raise InvalidTransition(f"model version {found.id} is {found.status}, not ready")
        uow.models.audit(
            by=by,
            action="model_activate",
            before={"version": before},
            after={"version": found.id},
            now=clock.now(),
        )
        uow.commit()


def set_schedule(who: Principal, every: int, *, uow: ModelsUnitOfWork, clock: Clock) -> None:
    _manager(who)
    every = schedule_setting(every)
    with uow:
        _, _, before = uow.models.state()
        uow.models.set_schedule(every, clock.now())
        uow.models.audit(
            by=who.account_id,
            action="model_schedule",
            before={"every": before},
            after={"every": every},
            now=clock.now(),
        )
        uow.commit()


def check_corpus(corpus: Path) -> None:
    try:
        training.verify_corpus(corpus)
    except training.CorpusIncomplete as exc:
        raise CorpusNotInstalled(str(exc)) from None


def request_retrain(
    who: Principal | None,
    *,
    uow: ModelsUnitOfWork,
    clock: Clock,
    corpus: Path,
    reason: str = "manual",
    only_if_not_worse: bool = False,
    activate: bool = True,
    queue: bool = True,
) -> str:
    """Start a retrain: a version in `training`, and the job that trains it (after the
    commit). `who` None: the schedule. A second request while one runs is refused."""
    if who is not None:
        _manager(who)
    check_corpus(corpus)
    now = clock.now()
    version_id = new_version_id(now)
    with uow:
        uow.models.add_version(
            version_id,
            by=who.account_id if who else None,
            reason=reason,
            options={"only_if_not_worse": only_if_not_worse, "activate": activate},
            now=now,
        )
        stale = now - timedelta(minutes=STALE_TRAINING_MINUTES)
        if not uow.models.claim_training(version_id, stale, now):
            raise RetrainRunning("a retrain is already running; wait for it to finish")
        if queue:
            uow.models.request_retrain_job(version_id)
        if who is not None:
            uow.models.audit(
                by=who.account_id,
                action="model_retrain",
                before=None,
                after={"version": version_id},
                now=now,
            )
        uow.commit()
    return version_id


def scheduled(*, uow: ModelsUnitOfWork, clock: Clock, corpus: Path) -> str | None:
    """The periodic check: retrain once the schedule's number of new corrections exist."""
    with uow:
        _, running, every = uow.models.state()
        due = running is None and retrain_due(uow.models.new_corrections(), every)
    if not due:
        return None
    try:
        return request_retrain(None, uow=uow, clock=clock, corpus=corpus, reason="schedule")
    except (RetrainRunning, CorpusNotInstalled):
        return None


def run_retrain(
    version_id: str,
    deps: TrainingDeps,
    *,
    uow: Callable[[], ModelsUnitOfWork],
    clock: Clock,
) -> VersionSummary:
    """The retrain job: gather, train, evaluate, save (and activate). A failure is
    recorded on the version with its reason and frees the way for the next retrain."""
    try:
        return _retrain(version_id, deps, uow, clock)
    except Exception as exc:
        reason = str(exc) or type(exc).__name__
        with uow() as failing:
            failing.models.fail(version_id, reason[:2000], clock.now())
            failing.commit()
        if not isinstance(exc, CorpusNotInstalled | training.CorpusIncomplete):
            log.exception("retraining model version %s failed", version_id)
        with uow() as reading:
            found = reading.models.version(version_id)
        if found is None:
            raise
        return found


def _stage(uow: Callable[[], ModelsUnitOfWork], version_id: str, stage: str, clock: Clock) -> None:
    with uow() as work:
        work.models.set_stage(version_id, stage, clock.now())
        work.commit()


def _retrain(
    version_id: str, deps: TrainingDeps, uow: Callable[[], ModelsUnitOfWork], clock: Clock
) -> VersionSummary:
    _stage(uow, version_id, "gathering", clock)
    with uow() as reading:
        found = reading.models.version(version_id)
        active, _, _ = reading.models.state()
        corrections = reading.models.corrections()
        active_bytes = reading.models.model_bytes(active) if active else None
    if found is None:
        raise NotFound(f"no model version {version_id!r}")
    try:
        examples = training.corpus_examples(deps.corpus) + training.demo_examples(deps.seed)
    except training.CorpusIncomplete as exc:
        raise CorpusNotInstalled(str(exc)) from None
    examples += [
        training.Example(text, intent, language or "und", "corrections")
        for text, intent, language in corrections.examples
    ]
    trained_on = {
        **training.summarise(examples),
        "corrections_upto": corrections.corrections_upto,
        "examples_upto": corrections.examples_upto,
        "messages": len(examples),
    }
    _stage(uow, version_id, "training", clock)
    report: dict[str, Any] = {
        "version": version_id,
        "kefu": __version__,
        "seed": deps.seed,
        "trained_on": trained_on,
    }
    model = deps.train([e.text for e in examples], [e.intent for e in examples], deps.seed, report)
    _stage(uow, version_id, "evaluating", clock)
    rows = training.heldout_examples(deps.corpus)
    scored = {**training.score(model, rows), "sets": training.heldout_sets(deps.corpus)}
    before = deps.load(active_bytes) if active_bytes else deps.baseline()
    previous = {
        "version": active or str(before.report.get("version", "packaged")),
        **training.score(before, rows),
    }
    model.report["heldout"] = {k: scored[k] for k in ("messages", "accuracy", "macro_f1")}
    _stage(uow, version_id, "saving", clock)
    data = model.to_bytes()
    only_if_better = bool(found.options.get("only_if_not_worse"))
    with uow() as saving:
        saving.models.finish(
            version_id,
            model=data,
            trained_on=trained_on,
            figures=scored,
            previous=previous,
            corrections_upto=corrections.corrections_upto,
            examples_upto=corrections.examples_upto,
            now=clock.now(),
        )
        if found.options.get("activate", True) and should_activate(
            scored["macro_f1"], previous["macro_f1"], only_if_not_worse=only_if_better
        ):
            saving.models.activate(version_id, clock.now())
        saving.commit()
    with uow() as reading:
        done = reading.models.version(version_id)
    assert done is not None  # noqa: S101 - just written
    return done


# --- labelled examples from a file ------------------------------------------------------


def example_digest(text: str) -> str:
    """The same text (spaces aside) is one example, whatever file brings it."""
    return hashlib.sha256(" ".join(text.split()).encode()).hexdigest()


def _cell(row: TableRow, name: str) -> str:
    value = row.cells.get(name)
    return "" if value is None else str(value).strip()


def read_labelled(rows: Iterable[TableRow]) -> tuple[list[NewExample], LabelReport]:
    """Check each row (text, intent, optional language and sub_intent): a bad row is
    reported with its number and kept out, the good ones kept."""
    report = LabelReport()
    good: dict[str, NewExample] = {}
    for row in rows:
        report.rows += 1
        if report.rows > MAX_EXAMPLE_ROWS:
            report.errors.append(
                FieldError("file", f"more than {MAX_EXAMPLE_ROWS} rows; split the file", row.number)
            )
            break
        if row.problem:
            report.errors.append(FieldError("row", row.problem, row.number))
            continue
        text, intent = _cell(row, "text"), _cell(row, "intent")
        sub, language = _cell(row, "sub_intent") or None, _cell(row, "language") or None
        problems = []
        if not text:
            problems.append(FieldError("text", "is empty", row.number))
        elif len(text) > MAX_EXAMPLE_CHARS:
            problems.append(
                FieldError("text", f"is longer than {MAX_EXAMPLE_CHARS} characters", row.number)
            )
        if intent not in INTENTS:
            problems.append(
                FieldError("intent", "is not one of the 24 intents", row.number, intent)
            )
        elif sub is not None and SUB_INTENTS.get(sub) != intent:
            problems.append(
                FieldError("sub_intent", f"is not a sub-intent of {intent}", row.number, sub)
            )
        if language is not None and (len(language) > 16 or not language.isascii()):
            problems.append(FieldError("language", "is not a language code", row.number, language))
        if problems:
            report.errors += problems
            continue
        digest = example_digest(text)
        good[digest] = NewExample(digest, text, intent, sub, language and language.lower())
    return list(good.values()), report


def add_labelled(
    who: Principal,
    rows: Iterable[TableRow],
    source: str,
    *,
    uow: ModelsUnitOfWork,
    clock: Clock,
) -> LabelReport:
    """Store a labelled file's good rows as training examples for the next retrain; a
    file given twice adds nothing the second time."""
    _manager(who)
    return import_labelled(rows, source, uow=uow, clock=clock, by=who.account_id)


def import_labelled(
    rows: Iterable[TableRow],
    source: str,
    *,
    uow: ModelsUnitOfWork,
    clock: Clock,
    by: int | None = None,
) -> LabelReport:
    """`kefu model corrections FILE` (the machine's operator), and the page's upload."""
    examples, report = read_labelled(rows)
    with uow:
        report.added, report.changed, report.unchanged = uow.models.add_examples(
            examples, by, source[:300], clock.now()
        )
        uow.commit()
    return report
