"""`kefu model train` stores a version (active unless --no-activate), `kefu model activate`
rolls back, and `kefu model corrections FILE` adds labelled rows once, listing bad rows."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from kefu.bootstrap import Kefu
from kefu.cli.main import app
from kefu.services import model_versions
from tests.factories import acting
from tests.model_corpus import small_corpus


def run(kefu: Kefu, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(
        app, ["model", *args], env={"KEFU_DATABASE_URL": kefu.settings.database_url}
    )
    return result.exit_code, result.output


def test_train_stores_versions_and_activate_rolls_back(kefu: Kefu, tmp_path: Path) -> None:
    corpus = small_corpus(tmp_path / "corpus")
    code, output = run(kefu, "train", "--data", str(corpus))
    assert code == 0, output
    assert "stored and active" in output and "macro-F1" in output
    owner = acting(kefu, "owner")
    first = model_versions.state(owner, uow=kefu.uow()).active
    assert first is not None
    assert model_versions.version(owner, first, uow=kefu.uow()).reason == "cli"
    kefu.clock.advance(minutes=1)  # type: ignore[attr-defined]
    code, output = run(kefu, "train", "--data", str(corpus), "--no-activate")
    assert code == 0, output
    assert "not active" in output
    listed = model_versions.versions(owner, uow=kefu.uow())
    assert len(listed) == 2
    assert model_versions.state(owner, uow=kefu.uow()).active == first
    code, output = run(kefu, "activate", listed[0].id)
    assert code == 0, output
    code, output = run(kefu, "versions")
    lines = output.splitlines()
    assert [line[:1] for line in lines] == ["*", " "]
    assert listed[0].id in lines[0] and first in lines[1]
    assert model_versions.state(owner, uow=kefu.uow()).active == listed[0].id
    code, output = run(kefu, "activate", "no-such-version")
    assert code != 0 and "no model version" in output


def test_train_refuses_a_partial_corpus(kefu: Kefu, tmp_path: Path) -> None:
    corpus = small_corpus(tmp_path / "corpus")
    (corpus / "train" / "en.jsonl").unlink()
    code, output = run(kefu, "train", "--data", str(corpus))
    assert code != 0 and "en.jsonl missing" in output
    assert model_versions.versions(acting(kefu, "owner"), uow=kefu.uow()) == []


def test_corrections_from_a_file(kefu: Kefu, tmp_path: Path) -> None:
    labels = tmp_path / "labels.jsonl"
    labels.write_text(
        '{"text": "The box came crushed and the lamp is broken", "intent": "damaged_defective"}\n'
        '{"text": "   ", "intent": "refund"}\n'
        '{"text": "Send me an invoice", "intent": "payment", "sub_intent": "invoice"}\n'
        "not json\n",
        encoding="utf-8",
    )
    code, output = run(kefu, "corrections", str(labels))
    assert code == 1
    assert "4 rows: 2 added, 0 relabelled, 0 already known, 2 errors" in output
    assert "row 2, field 'text': is empty" in output
    code, output = run(kefu, "corrections", str(labels))
    assert "4 rows: 0 added, 0 relabelled, 2 already known, 2 errors" in output
    with kefu.uow() as uow:
        assert len(uow.models.corrections().examples) == 2
