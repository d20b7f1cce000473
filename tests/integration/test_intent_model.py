"""The intent model's file: scikit-learn trains it, plain arrays predict with it.

A small model trained here (a second) pins the arithmetic against scikit-learn's own
`predict_proba`, the reproducible bytes, and that a message is scored without importing
scikit-learn at all (a second of `kefu classify`'s start-up).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from kefu.adapters.classifier import (
    MODEL_FORMAT,
    IntentModel,
    Scorer,
    make_pipeline,
    normalise,
)

EXAMPLES = {
    "order_tracking": [
        "where is my order",
        "my parcel has not arrived, where is it?",
        "tracking number LX123456785CN not moving",
        "¿dónde está mi pedido?",
        "où est mon colis",
        "wo ist mein Paket",
        "我的包裹在哪里",
        "荷物はどこですか",
    ],
    "refund": [
        "I want my money back",
        "please refund me",
        "refund now",
        "quiero un reembolso",
        "je veux être remboursé",
        "ich möchte mein Geld zurück",
        "我要退款",
        "返金してください",
    ],
    "product_size": [
        "do you have it in size M?",
        "what size should I take, I am 170 cm",
        "is XL big enough",
        "¿tienen talla 38?",
        "quelle taille prendre",
        "welche Größe passt mir",
    ],
}
TEXTS = [text for texts in EXAMPLES.values() for text in texts]
LABELS = [label for label, texts in EXAMPLES.items() for _ in texts]
PROBES = [
    "where is my order 8031234567890123 ???",
    "¿tienen talla M?",
    "",
    "😡",
    "Ich möchte das Paket zurückschicken",
    "<p>refund&nbsp;please</p>",
    "x" * 3000,
    "aaaa aaaa a",  # a word repeating its own n-grams
    "你好，我要退款，包裹一直没到",
    "返金お願いします 荷物が届かない",
]


@pytest.fixture(scope="module")
def model() -> IntentModel:
    return IntentModel.train(TEXTS, LABELS, seed=7, report={"version": "test"})


@pytest.mark.parametrize("tokens", ["words", "cjk_characters"])
def test_the_scorer_computes_what_scikit_learn_computes(tokens: str) -> None:
    pipeline = make_pipeline(7, tokens=tokens)
    pipeline.fit([normalise(t) for t in TEXTS], LABELS)
    texts = [normalise(t) for t in PROBES]
    fast = Scorer.from_pipeline(pipeline)
    # twice: the second time the words' n-grams come from the scorer's memory
    for _ in range(2):
        assert abs(fast.probabilities(texts) - pipeline.predict_proba(texts)).max() < 1e-5
    one_by_one = [fast.probabilities([t])[0] for t in texts]
    assert abs(fast.probabilities(texts) - one_by_one).max() < 1e-9
    assert len(texts) == 10


def test_same_data_and_seed_give_the_same_bytes(model: IntentModel) -> None:
    again = IntentModel.train(TEXTS, LABELS, seed=7, report={"version": "test"})
    assert again.to_bytes() == model.to_bytes()


def test_bytes_and_files_give_back_the_same_model(model: IntentModel, tmp_path: Path) -> None:
    path = tmp_path / "m.joblib"
    model.save(path)
    assert path.read_bytes() == model.to_bytes()
    for copy in (IntentModel.load(path), IntentModel.from_bytes(model.to_bytes())):
        assert copy.classes == model.classes == ["order_tracking", "product_size", "refund"]
        assert copy.report == {"version": "test"}
        assert copy.predict(PROBES) == model.predict(PROBES)
        assert copy.to_bytes() == model.to_bytes()


def test_predictions_are_ranked_with_two_alternatives(model: IntentModel) -> None:
    [prediction] = model.predict(["please refund me, I want my money back"])
    assert prediction.intent == "refund"
    assert "refund" not in [intent for intent, _ in prediction.alternatives]
    assert len(prediction.alternatives) == 2
    assert prediction.confidence >= max(a[1] for a in prediction.alternatives)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"\xfd7zXZ\x00\x00old joblib model", "retrain"),
        (b"KEFU-INTENT-MODEL\nnot zlib", "damaged"),
        (b"", "retrain"),
    ],
)
def test_an_old_or_damaged_file_is_refused_with_what_to_do(data: bytes, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        IntentModel.from_bytes(data)


def test_a_newer_format_is_refused(model: IntentModel, monkeypatch: pytest.MonkeyPatch) -> None:
    import kefu.adapters.classifier as classifier

    data = model.to_bytes()
    monkeypatch.setattr(classifier, "MODEL_FORMAT", MODEL_FORMAT + 1)
    with pytest.raises(ValueError, match=f"model format {MODEL_FORMAT}, expected"):
        IntentModel.from_bytes(data)


def test_scoring_a_message_never_imports_scikit_learn(model: IntentModel, tmp_path: Path) -> None:
    path = tmp_path / "m.joblib"
    model.save(path)
    script = (
        "import sys\n"
        "from pathlib import Path\n"
        "from kefu.adapters.classifier import IntentModel\n"
        f"model = IntentModel.load(Path({str(path)!r}))\n"
        "print(model.predict(['where is my order', *['refund please'] * 40])[0].intent)\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('sklearn', 'scipy')))\n"
    )
    run = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=60
    )
    assert run.stdout.splitlines() == ["order_tracking", "[]"]
