"""Model versions in the database (docs/triage.md "Model versions"): a retrain stores a
version with its figures and activates it, activation and roll back are one write that
another process's registry follows, one retrain at a time, a partial corpus refused, and
labelled files with per-row errors, added once."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from kefu.adapters.db import tables as t
from kefu.adapters.triage_model import ModelRegistry, load_triage_model
from kefu.bootstrap import Kefu, bootstrap
from kefu.domain.errors import NotFound
from kefu.domain.model_versions import RetrainRunning
from kefu.domain.permissions import Role
from kefu.services import model_versions
from kefu.services.access import Forbidden
from kefu.services.auth import NewAccount
from kefu.services.ports import TableRow
from tests.factories import acting
from tests.model_corpus import small_corpus
from tests.web import PASSWORD


@pytest.fixture
def small(kefu: Kefu, tmp_path: Path) -> Kefu:
    """The test shop whose retrains read a small corpus (plumbing, not quality)."""
    kefu.settings.model_corpus = str(small_corpus(tmp_path / "corpus"))
    kefu.__dict__.pop("training_deps", None)
    return kefu


def retrain(kefu: Kefu, **options: object) -> str:
    version_id = model_versions.request_retrain(
        acting(kefu, "owner"),
        uow=kefu.uow(),
        clock=kefu.clock,
        corpus=kefu.training_deps.corpus,
        **options,  # type: ignore[arg-type]
    )
    kefu.retrain_model(version_id)
    return version_id


def test_a_retrain_stores_a_scored_version_and_activates_it(small: Kefu) -> None:
    owner = acting(small, "owner")
    assert model_versions.state(owner, uow=small.uow()).active is None
    first = retrain(small)
    version = model_versions.version(owner, first, uow=small.uow())
    assert (version.status, version.stage, version.active, version.reason) == (
        "ready",
        "done",
        True,
        "manual",
    )
    figures = version.figures
    assert figures["sets"] == ["first.jsonl", "second.jsonl"]
    assert figures["messages"] == 80
    assert 0 < figures["macro_f1"] <= 1
    assert sum(v["n"] for v in figures["per_intent"].values()) == 80
    assert sum(v["n"] for v in figures["per_language"].values()) == 80
    assert [p["threshold"] for p in figures["coverage"]] == [i / 10 for i in range(10)]
    assert figures["coverage"][0]["share"] == 1.0
    # Compared with what was in use before: the packaged model, on the same sets.
    assert version.previous["messages"] == 80
    assert version.trained_on["by_source"]["corpus"] == 120
    with small.uow() as uow:
        data = uow.models.model_bytes(first)
    assert data is not None and len(data) > 10_000
    assert small.classifier().version == first


def test_activation_and_roll_back_reach_another_process(small: Kefu) -> None:
    owner = acting(small, "owner")
    first = retrain(small)
    small.clock.advance(minutes=1)  # type: ignore[attr-defined]
    second = retrain(small)
    assert model_versions.state(owner, uow=small.uow()).active == second
    # Another process (a worker): its own engine, checking at every triage.
    other = bootstrap(small.settings.model_copy(update={"model_check_seconds": 0}))
    try:
        assert other.classifier().version == second
        model_versions.activate(owner, first, uow=small.uow(), clock=small.clock)
        assert other.classifier().version == first
        listed = model_versions.versions(owner, uow=small.uow())
        assert [(v.id, v.active) for v in listed] == [(second, False), (first, True)]
    finally:
        other.close()
    with pytest.raises(NotFound):
        model_versions.activate(owner, "nope", uow=small.uow(), clock=small.clock)
    with small.engine.connect() as conn:
        logged = conn.execute(
            select(t.AuditEntry.action, t.AuditEntry.before, t.AuditEntry.after)
            .where(t.AuditEntry.entity_type == "intent_model")
            .order_by(t.AuditEntry.id)
        ).all()
    assert [row.action for row in logged] == ["model_retrain", "model_retrain", "model_activate"]
    assert (logged[2].before, logged[2].after) == ({"version": second}, {"version": first})


def test_a_registry_keeps_its_model_until_the_check_is_due() -> None:
    now = [0.0]
    active: list[str | None] = [None]
    packaged = load_triage_model(None)
    loads: list[str] = []

    def load(version: str) -> bytes:
        loads.append(version)
        return packaged.model.to_bytes()

    registry = ModelRegistry(
        lambda: active[0], load, lambda: packaged, check_seconds=5, clock=lambda: now[0]
    )
    assert registry.current() is packaged
    active[0] = "v2"
    now[0] = 4.0
    assert registry.current() is packaged  # not asked again within 5 s
    now[0] = 5.0
    swapped = registry.current()
    assert swapped is not packaged and loads == ["v2"]
    now[0] = 11.0
    assert registry.current() is swapped and loads == ["v2"]  # same id: not loaded again


def test_one_retrain_at_a_time(small: Kefu) -> None:
    owner = acting(small, "owner")
    corpus = small.training_deps.corpus
    running = model_versions.request_retrain(
        owner, uow=small.uow(), clock=small.clock, corpus=corpus
    )
    with pytest.raises(RetrainRunning):
        model_versions.request_retrain(owner, uow=small.uow(), clock=small.clock, corpus=corpus)
    assert model_versions.state(owner, uow=small.uow()).training == running
    small.retrain_model(running)
    assert model_versions.state(owner, uow=small.uow()).training is None
    # A retrain whose worker died long ago no longer blocks the next.
    stuck = model_versions.request_retrain(owner, uow=small.uow(), clock=small.clock, corpus=corpus)
    small.clock.advance(hours=2)  # type: ignore[attr-defined]
    fresh = model_versions.request_retrain(owner, uow=small.uow(), clock=small.clock, corpus=corpus)
    assert model_versions.version(owner, stuck, uow=small.uow()).status == "failed"
    assert model_versions.state(owner, uow=small.uow()).training == fresh


def test_a_retrain_is_refused_without_the_whole_corpus(small: Kefu) -> None:
    corpus = small.training_deps.corpus
    (corpus / "train" / "de.jsonl").unlink()
    with pytest.raises(model_versions.CorpusNotInstalled, match=r"de\.jsonl missing"):
        retrain(small)
    owner = acting(small, "owner")
    assert model_versions.versions(owner, uow=small.uow()) == []


def test_only_leads_and_the_owner_manage_the_model(small: Kefu) -> None:
    owner = acting(small, "owner")
    small.auth.create_account(
        owner,
        NewAccount("lena", "Lena", Role.LEAD.value, PASSWORD, frozenset()),
        uow=small.uow(),
        clock=small.clock,
    )
    assert model_versions.state(acting(small, "lena"), uow=small.uow()).active is None
    with pytest.raises(Forbidden):
        model_versions.state(acting(small, "lina"), uow=small.uow())


def test_the_schedule_retrains_after_enough_new_corrections(small: Kefu) -> None:
    owner = acting(small, "owner")
    model_versions.set_schedule(owner, 2, uow=small.uow(), clock=small.clock)
    assert small.scheduled_retrain() is None  # no corrections yet
    rows = [
        TableRow(n, {"text": f"where is my parcel number {n}", "intent": "not_received"}, None)
        for n in (2, 3)
    ]
    model_versions.add_labelled(owner, rows, "labels.csv", uow=small.uow(), clock=small.clock)
    started = small.scheduled_retrain()
    assert started is not None
    assert model_versions.version(owner, started, uow=small.uow()).reason == "schedule"
    small.retrain_model(started)
    assert model_versions.state(owner, uow=small.uow()).new_corrections == 0
    assert small.scheduled_retrain() is None


def test_labelled_rows_report_errors_and_are_added_once(small: Kefu) -> None:
    owner = acting(small, "owner")
    rows = [
        TableRow(2, {"text": "The kettle arrived broken", "intent": "damaged_defective"}, None),
        TableRow(3, {"text": "", "intent": "refund"}, None),
        TableRow(4, {"text": "hello", "intent": "teleport"}, None),
        TableRow(5, {"text": "x" * 20_001, "intent": "refund"}, None),
        TableRow(
            6,
            {
                "text": "Two pieces missing",
                "intent": "wrong_item",
                "sub_intent": "short_shipment",
                "language": "en",
            },
            None,
        ),
        TableRow(7, {"text": "Need an invoice", "intent": "refund", "sub_intent": "invoice"}, None),
        TableRow(8, {}, "not JSON"),
    ]
    report = model_versions.add_labelled(
        owner, rows, "labels.jsonl", uow=small.uow(), clock=small.clock
    )
    assert (report.rows, report.added, report.changed, report.unchanged) == (7, 2, 0, 0)
    assert sorted((e.row, e.field) for e in report.errors) == [
        (3, "text"),
        (4, "intent"),
        (5, "text"),
        (7, "sub_intent"),
        (8, "row"),
    ]
    again = model_versions.add_labelled(
        owner, rows, "labels.jsonl", uow=small.uow(), clock=small.clock
    )
    assert (again.added, again.changed, again.unchanged) == (0, 0, 2)
    relabel = [
        TableRow(2, {"text": "The  kettle arrived broken", "intent": "return_exchange"}, None)
    ]
    changed = model_versions.add_labelled(
        owner, relabel, "fix.csv", uow=small.uow(), clock=small.clock
    )
    assert (changed.added, changed.changed) == (0, 1)
    with small.uow() as uow:
        examples = uow.models.corrections().examples
    assert sorted(examples) == [
        ("The kettle arrived broken", "return_exchange", None),
        ("Two pieces missing", "wrong_item", "en"),
    ]


def test_a_full_retrain_on_the_packaged_corpus(kefu: Kefu) -> None:
    """The one real training: the whole packaged corpus, scored on every packaged set."""
    version_id = retrain(kefu)
    version = model_versions.version(acting(kefu, "owner"), version_id, uow=kefu.uow())
    assert (version.status, version.active) == ("ready", True), version.error
    assert "buyers_v1.jsonl" in version.figures["sets"]
    assert version.figures["messages"] >= 560
    assert version.trained_on["by_source"]["corpus"] >= 1900
    assert version.trained_on["by_source"]["demo"] >= 2000
    # Trained on the packaged corpus, scored on the same sets as the packaged model: no worse.
    assert version.figures["macro_f1"] > 0.7
    assert version.figures["macro_f1"] >= version.previous["macro_f1"] - 0.02
    assert len(version.figures["per_language"]) >= 14
