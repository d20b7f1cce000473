"""The rules of model versions: when the schedule retrains, when a new version goes live,
how a version is scored, a labelled file's rows, and the chart drawn from the scores."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from kefu.domain.errors import InvalidInput
from kefu.domain.model_versions import (
    THRESHOLDS,
    VersionSummary,
    coverage_at,
    figures,
    retrain_due,
    schedule_setting,
    should_activate,
)
from kefu.services.model_versions import example_digest, read_labelled
from kefu.services.ports import TableRow
from kefu.web.model_chart import coverage_svg


@pytest.mark.parametrize(
    ("new", "every", "due"),
    [(0, 0, False), (500, 0, False), (9, 10, False), (10, 10, True), (11, 10, True)],
)
def test_the_schedule_retrains_once_enough_corrections_exist(
    new: int, every: int, due: bool
) -> None:
    assert retrain_due(new, every) is due


def test_a_new_version_goes_live_unless_asked_to_keep_a_better_one() -> None:
    assert should_activate(0.70, 0.80, only_if_not_worse=False)
    assert not should_activate(0.70, 0.80, only_if_not_worse=True)
    assert should_activate(0.80, 0.80, only_if_not_worse=True)
    assert should_activate(0.10, None, only_if_not_worse=True)


def test_the_schedule_setting_has_limits() -> None:
    assert schedule_setting(0) == 0
    assert schedule_setting(250) == 250
    for wrong in (-1, 100_001):
        with pytest.raises(InvalidInput):
            schedule_setting(wrong)


def test_figures_per_intent_language_and_coverage() -> None:
    truth = ["refund", "refund", "not_received", "complaint"]
    guessed = ["refund", "not_received", "not_received", "refund"]
    confidence = [0.9, 0.25, 0.6, 0.35]
    shown = ["refund", "other", "not_received", "refund"]  # the unsure one shown as other
    scored = figures(truth, shown, guessed, confidence, ["en", "de", "en", "de"])
    assert scored["messages"] == 4
    assert scored["accuracy"] == 0.5
    assert scored["per_intent"]["refund"] == {"precision": 0.5, "recall": 0.5, "f1": 0.5, "n": 2}
    assert scored["per_intent"]["not_received"]["f1"] == 1.0
    assert scored["per_intent"]["complaint"]["f1"] == 0.0
    assert scored["macro_f1"] == 0.5  # (0.5 + 1.0 + 0.0) / 3: the intents in the truth
    assert scored["per_language"] == {
        "de": {"accuracy": 0.0, "n": 2},
        "en": {"accuracy": 1.0, "n": 2},
    }
    assert [p["threshold"] for p in scored["coverage"]] == list(THRESHOLDS)
    assert len(scored["coverage"]) == 10
    assert scored["coverage"][0] == {"threshold": 0.0, "share": 1.0, "accuracy": 0.5}
    assert coverage_at(scored, 0.3) == {"share": 0.75, "accuracy": 0.6667}
    assert scored["coverage"][9] == {"threshold": 0.9, "share": 0.25, "accuracy": 1.0}


def test_progress_follows_the_stages() -> None:
    at = datetime(2026, 12, 7, tzinfo=UTC)
    version = VersionSummary("v", at, None, "manual", "training", "queued", {}, {})
    assert version.progress == 0
    assert VersionSummary("v", at, None, "manual", "training", "evaluating", {}, {}).progress == 60
    assert VersionSummary("v", at, None, "manual", "failed", "training", {}, {}).progress == 100


def test_labelled_rows_are_checked_and_the_same_text_counted_once() -> None:
    rows = [
        TableRow(2, {"text": "Where  is my parcel", "intent": "not_received"}, None),
        TableRow(3, {"text": "Where is my parcel", "intent": "not_received"}, None),
        TableRow(
            4, {"text": "Need a VAT invoice", "intent": "payment", "sub_intent": "invoice"}, None
        ),
        TableRow(5, {"text": "hi", "intent": "payment", "language": "английский"}, None),
    ]
    good, report = read_labelled(rows)
    assert report.rows == 4
    assert [(e.row, e.field) for e in report.errors] == [(5, "language")]
    assert [(g.text, g.sub_intent) for g in good] == [
        ("Where is my parcel", None),
        ("Need a VAT invoice", "invoice"),
    ]
    assert example_digest("a  b\n") == example_digest("a b")


def test_the_chart_draws_both_lines_and_escapes_its_words() -> None:
    points = [{"threshold": t, "share": 1 - t, "accuracy": 0.5 + t / 2} for t in THRESHOLDS]
    svg = coverage_svg(
        points,
        title="<Coverage>",
        share_label="share",
        accuracy_label="accuracy",
        threshold_label="threshold",
        unsure_at=0.3,
    )
    assert svg.startswith("<svg") and svg.count("<polyline") == 2
    assert svg.count("<circle") == 20
    assert "&lt;Coverage&gt;" in svg and "<Coverage>" not in svg
