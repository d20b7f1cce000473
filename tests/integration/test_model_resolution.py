"""One model resolution (docs/triage.md "Model versions"): `--model FILE`, else the active
version in the database, else KEFU_MODEL_PATH, else the packaged model — for `kefu
classify` as for the server; and `kefu classify` never creates a database."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from kefu.adapters.classifier import IntentModel
from kefu.bootstrap import Kefu
from kefu.cli.main import app

MESSAGE = "hello, where is my order? it has not arrived yet"


def tiny(intents: tuple[str, str], version: str) -> IntentModel:
    """A model that only knows two intents: which one answers tells which model ran."""
    texts = [f"{word} message number {n}" for word in ("alpha", "beta") for n in range(6)]
    labels = [intents[0]] * 6 + [intents[1]] * 6
    return IntentModel.train(texts, labels, report={"version": version})


def classify(env: dict[str, str], *args: str) -> str:
    result = CliRunner().invoke(app, ["classify", MESSAGE, *args], env=env)
    assert result.exit_code == 0, result.output
    return str(json.loads(result.stdout.strip().splitlines()[-1])["intent"])


def store_active(kefu: Kefu, model: IntentModel, version: str) -> None:
    now = kefu.clock.now()
    with kefu.uow() as uow:
        uow.models.add_version(version, by=None, reason="cli", options={}, now=now)
        uow.models.finish(
            version,
            model=model.to_bytes(),
            trained_on={},
            figures={},
            previous={},
            corrections_upto=0,
            examples_upto=0,
            now=now,
        )
        assert uow.models.activate(version, now)
        uow.commit()


def test_classify_uses_the_model_file_without_a_database(tmp_path: Path) -> None:
    shop = tmp_path / "shop.joblib"
    tiny(("coupon_discount", "payment"), "file-1").save(shop)
    missing = tmp_path / "none" / "kefu.db"
    env = {"KEFU_DATABASE_URL": f"sqlite:///{missing}", "KEFU_MODEL_PATH": str(shop)}
    assert classify(env) in {"coupon_discount", "payment"}
    assert not missing.exists() and not missing.parent.exists()
    # No file either: the packaged model, which knows all 24 intents.
    env["KEFU_MODEL_PATH"] = str(tmp_path / "absent.joblib")
    assert classify(env) in {"order_tracking", "not_received"}


def test_classify_uses_the_active_version_before_the_file(kefu: Kefu, tmp_path: Path) -> None:
    shop = tmp_path / "shop.joblib"
    tiny(("coupon_discount", "payment"), "file-1").save(shop)
    env = {"KEFU_DATABASE_URL": kefu.settings.database_url, "KEFU_MODEL_PATH": str(shop)}
    assert classify(env) in {"coupon_discount", "payment"}  # no version yet: the file
    store_active(kefu, tiny(("account", "review_feedback"), "db-1"), "db-1")
    assert classify(env) in {"account", "review_feedback"}
    # --model FILE wins over both.
    given = tmp_path / "given.joblib"
    tiny(("usage_help", "wholesale_sample"), "given-1").save(given)
    assert classify(env, "--model", str(given)) in {"usage_help", "wholesale_sample"}


def test_the_server_resolves_the_same_way(kefu: Kefu, tmp_path: Path) -> None:
    shop = tmp_path / "server.joblib"
    tiny(("coupon_discount", "payment"), "file-2").save(shop)
    kefu.settings = kefu.settings.model_copy(
        update={"model_path": str(shop), "model_check_seconds": 0}
    )
    assert kefu.classifier().version == "file-2"
    store_active(kefu, tiny(("account", "review_feedback"), "db-2"), "db-2")
    assert kefu.classifier().version == "db-2"
