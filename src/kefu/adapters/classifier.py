"""Intent model: character and word TF-IDF into a logistic regression (scikit-learn).

Why this model (ADR 0006): it reads every script of the 14 buyer languages without
a tokenizer, trains in seconds on a laptop, classifies thousands of messages a
second on two cores, gives probabilities for the "unsure" threshold, and loads
from a file in the package — no model hub.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import joblib
import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import FeatureUnion, Pipeline

from kefu.domain.entities import extract

MODEL_FORMAT = 1
_SPACES = re.compile(r"\s+")
_DIGITS = re.compile(r"\d+")


def normalise(text: str) -> str:
    """What the model reads: facts replaced by their kind, digits by 0, lower case.

    '8031234567890123' and 'LX123456785CN' say "an order" and "a parcel", not which one.
    """
    pieces: list[str] = []
    last = 0
    for entity in extract(text):
        pieces += [text[last : entity.start], f" ⟨{entity.kind}⟩ "]
        last = entity.end
    pieces.append(text[last:])
    masked = _DIGITS.sub("0", "".join(pieces)).lower()
    return _SPACES.sub(" ", masked).strip()[:2000]


def make_pipeline(seed: int) -> Pipeline:
    features = FeatureUnion(
        [
            (
                "chars",
                TfidfVectorizer(
                    analyzer="char_wb",
                    ngram_range=(2, 5),
                    min_df=2,
                    sublinear_tf=True,
                    max_features=150_000,
                    dtype=np.float32,
                ),
            ),
            (
                "words",
                TfidfVectorizer(
                    analyzer="word",
                    ngram_range=(1, 2),
                    min_df=1,
                    sublinear_tf=True,
                    token_pattern=r"(?u)\b\w+\b",
                    max_features=80_000,
                    dtype=np.float32,
                ),
            ),
        ]
    )
    model = LogisticRegression(C=32.0, max_iter=2000, class_weight="balanced", random_state=seed)
    return Pipeline([("features", features), ("model", model)])


@dataclass(frozen=True)
class Prediction:
    intent: str
    confidence: float
    alternatives: tuple[tuple[str, float], ...]  # the next best, for the correction menu


class IntentModel:
    """A trained pipeline plus what it was trained on (its report travels with it)."""

    def __init__(self, pipeline: Pipeline, report: dict[str, Any]) -> None:
        self.pipeline = pipeline
        self.report = report
        self.classes: list[str] = [str(c) for c in pipeline.classes_]

    @classmethod
    def train(
        cls,
        texts: Sequence[str],
        labels: Sequence[str],
        *,
        seed: int = 7,
        report: dict[str, Any] | None = None,
    ) -> IntentModel:
        pipeline = make_pipeline(seed)
        pipeline.fit([normalise(t) for t in texts], list(labels))
        return cls(pipeline, dict(report or {}))

    def predict(self, texts: Sequence[str]) -> list[Prediction]:
        if not texts:
            return []
        probabilities = self.pipeline.predict_proba([normalise(t) for t in texts])
        out = []
        for row in probabilities:
            order = row.argsort()[::-1][:3]
            ranked = [(self.classes[i], float(row[i])) for i in order]
            out.append(Prediction(ranked[0][0], ranked[0][1], tuple(ranked[1:])))
        return out

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        joblib.dump(
            {"format": MODEL_FORMAT, "pipeline": self.pipeline, "report": self.report},
            path,
            compress=("xz", 6),
        )

    @classmethod
    def load(cls, path: Path) -> IntentModel:
        data = joblib.load(path)
        if data.get("format") != MODEL_FORMAT:
            raise ValueError(
                f"{path}: model format {data.get('format')}, expected {MODEL_FORMAT}; retrain"
            )
        return cls(data["pipeline"], data["report"])
