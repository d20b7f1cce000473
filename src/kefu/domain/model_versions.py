"""Model versions (docs/triage.md "Model versions"): what a trained intent model is called,
why it was made, when a retrain is due, and the figures a version is judged by — plain
rules, so the schedule and the scores are tested without a database or scikit-learn."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from kefu.domain.errors import InvalidInput, InvalidTransition

# The jobs (services/jobs.py): named here so the database adapter may ask for a retrain.
MODEL_RETRAIN = "model_retrain"
MODEL_SCHEDULE = "model_schedule"
# A retrain's steps, in order; the page's progress bar is the share of them done.
STAGES = ("queued", "gathering", "training", "evaluating", "saving", "done")
# The confidence thresholds the coverage-against-accuracy curve is drawn at.
THRESHOLDS = tuple(round(0.1 * i, 1) for i in range(10))
# The schedule's setting: retrain once this many corrections (0 = never) are newer than
# the active version; more than this is a typo, not a plan.
MAX_SCHEDULE_CORRECTIONS = 100_000
# A retrain that has said nothing for this long died with its worker: another may start.
STALE_TRAINING_MINUTES = 60


class RetrainRunning(InvalidTransition):
    """One retrain at a time: a second request while one runs is refused."""

    code = "retrain_running"


@dataclass(frozen=True)
class VersionSummary:
    """One row of the Model page's list (without the model's bytes)."""

    id: str
    created_at: datetime
    created_by: str | None
    reason: str
    status: str
    stage: str
    trained_on: dict[str, Any]
    figures: dict[str, Any]
    error: str | None = None
    active: bool = False
    previous: dict[str, Any] = field(default_factory=dict)
    options: dict[str, Any] = field(default_factory=dict)

    @property
    def macro_f1(self) -> float | None:
        value = self.figures.get("macro_f1")
        return float(value) if value is not None else None

    @property
    def progress(self) -> int:
        """Percent of the stages done (100 once ready or failed)."""
        if self.status != "training":
            return 100
        return (
            int(100 * STAGES.index(self.stage) / (len(STAGES) - 1)) if self.stage in STAGES else 0
        )


@dataclass(frozen=True)
class Corrections:
    """The shop's labelled messages to learn from, and the newest ids among them."""

    examples: list[tuple[str, str, str | None]]
    corrections_upto: int
    examples_upto: int


@dataclass(frozen=True)
class NewExample:
    digest: str
    text: str
    intent: str
    sub_intent: str | None
    language: str | None


def retrain_due(new_corrections: int, every: int) -> bool:
    """The schedule's rule: on (every > 0) and at least `every` corrections since the active
    version was trained."""
    return every > 0 and new_corrections >= every


def should_activate(new_f1: float, active_f1: float | None, *, only_if_not_worse: bool) -> bool:
    """A new version goes live unless asked to keep the active one when it scores better."""
    if not only_if_not_worse or active_f1 is None:
        return True
    return new_f1 >= active_f1


def schedule_setting(value: int) -> int:
    if not 0 <= value <= MAX_SCHEDULE_CORRECTIONS:
        raise InvalidInput(
            f"the schedule is a number of corrections from 0 (off) to {MAX_SCHEDULE_CORRECTIONS}",
            field="every",
        )
    return value


def _ratio(a: int, b: int) -> float:
    return round(a / b, 4) if b else 0.0


def figures(
    truth: Sequence[str],
    shown: Sequence[str],
    guessed: Sequence[str],
    confidence: Sequence[float],
    languages: Sequence[str],
) -> dict[str, Any]:
    """A version's scores on labelled messages: `shown` is what agents see (unsure → other),
    `guessed` the model's own best intent with its `confidence`. Macro-F1 is over the
    intents present in `truth` (as the packaged report's); coverage at each threshold is the
    share of messages the model is at least that sure of, with their accuracy."""
    n = len(truth)
    per_intent: dict[str, dict[str, float | int]] = {}
    for label in sorted(set(truth)):
        tp = sum(1 for t, s in zip(truth, shown, strict=True) if t == s == label)
        predicted = sum(1 for s in shown if s == label)
        support = sum(1 for t in truth if t == label)
        precision, recall = _ratio(tp, predicted), _ratio(tp, support)
        f1 = round(2 * precision * recall / (precision + recall), 4) if precision + recall else 0.0
        per_intent[label] = {"precision": precision, "recall": recall, "f1": f1, "n": support}
    right = Counter(lang for lang, t, s in zip(languages, truth, shown, strict=True) if t == s)
    per_language = {
        lang: {"accuracy": _ratio(right[lang], count), "n": count}
        for lang, count in sorted(Counter(languages).items())
    }
    coverage = []
    for threshold in THRESHOLDS:
        kept = [i for i in range(n) if confidence[i] >= threshold]
        hits = sum(1 for i in kept if guessed[i] == truth[i])
        coverage.append(
            {
                "threshold": threshold,
                "share": _ratio(len(kept), n),
                "accuracy": _ratio(hits, len(kept)),
            }
        )
    f1s = [float(v["f1"]) for v in per_intent.values()]
    return {
        "messages": n,
        "accuracy": _ratio(sum(1 for t, s in zip(truth, shown, strict=True) if t == s), n),
        "macro_f1": round(sum(f1s) / len(f1s), 4) if f1s else 0.0,
        "per_intent": per_intent,
        "per_language": per_language,
        "coverage": coverage,
    }


def coverage_at(figures_: dict[str, Any], threshold: float) -> dict[str, float] | None:
    """The coverage point at `threshold` (the unsure threshold, on the list of versions)."""
    for point in figures_.get("coverage", []):
        if abs(float(point["threshold"]) - threshold) < 1e-9:
            return {"share": float(point["share"]), "accuracy": float(point["accuracy"])}
    return None
