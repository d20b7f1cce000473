"""Intent model: character and word TF-IDF into a logistic regression (scikit-learn).

Why this model (ADR 0006): it reads every script of the 14 buyer languages without
a tokenizer, trains in seconds on a laptop, classifies thousands of messages a
second on two cores, gives probabilities for the "unsure" threshold, and loads
from a file in the package — no model hub.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path
from typing import Any, BinaryIO

import joblib
import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import FeatureUnion, Pipeline

from kefu.domain.entities import Entity, extract

MODEL_FORMAT = 1
SMALL_BATCH = 16
_SPACES = re.compile(r"\s+")
_DIGITS = re.compile(r"\d+")


def normalise(text: str, entities: Sequence[Entity] | None = None) -> str:
    """What the model reads: facts replaced by their kind, digits by 0, lower case.

    '8031234567890123' and 'LX123456785CN' say "an order" and "a parcel", not which one.
    """
    pieces: list[str] = []
    last = 0
    for entity in extract(text) if entities is None else entities:
        pieces += [text[last : entity.start], f" ⟨{entity.kind}⟩ "]
        last = entity.end
    pieces.append(text[last:])
    masked = _DIGITS.sub("0", "".join(pieces)).lower()
    return _SPACES.sub(" ", masked).strip()[:2000]


HYPERPARAMETERS = Path(str(files("kefu") / "models" / "hyperparameters.json"))


# Words for the word n-grams. Chinese and Japanese put no spaces between words, so `\w+`
# reads a whole clause as one "word"; the CJK variant makes each Han or kana character a
# word (退, 货, 税 carry meaning alone; pairs of them come from the bigrams).
TOKEN_PATTERNS = {
    "words": r"(?u)\b\w+\b",
    "cjk_characters": r"(?u)[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]|\b\w+\b",
}


def chosen() -> dict[str, Any]:
    """The settings chosen by cross-validation on the training data (bench/tune_intent.py)."""
    return dict(json.loads(HYPERPARAMETERS.read_text(encoding="utf-8")))


def make_pipeline(seed: int, c: float | None = None, tokens: str | None = None) -> Pipeline:
    settings = chosen()
    features = FeatureUnion(
        [
            (
                "chars",
                TfidfVectorizer(
                    analyzer="char_wb",
                    ngram_range=(2, 4),
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
                    token_pattern=TOKEN_PATTERNS[tokens or settings.get("tokens", "words")],
                    max_features=80_000,
                    dtype=np.float32,
                ),
            ),
        ]
    )
    model = LogisticRegression(
        C=float(settings["C"]) if c is None else c,
        max_iter=2000,
        class_weight="balanced",
        random_state=seed,
    )
    return Pipeline([("features", features), ("model", model)])


class Scorer:
    """The fitted pipeline's arithmetic without scikit-learn's per-call checks.

    scikit-learn spends about 2 ms validating and building sparse matrices for one
    message; the sums themselves take microseconds. This does the same sums —
    sublinear TF times IDF, L2 norm per vectorizer, the stacked vector times the
    coefficients, softmax — and a test checks it equals `predict_proba`.
    """

    def __init__(self, pipeline: Pipeline) -> None:
        features: FeatureUnion = pipeline.named_steps["features"]
        model: LogisticRegression = pipeline.named_steps["model"]
        self.parts = []
        offset = 0
        for _, vectorizer in features.transformer_list:
            vocabulary: dict[str, int] = vectorizer.vocabulary_
            self.parts.append((vectorizer.build_analyzer(), vocabulary, vectorizer.idf_, offset))
            offset += len(vocabulary)
        self.coef = np.ascontiguousarray(model.coef_.T)  # features × classes
        self.intercept = model.intercept_

    def probabilities(self, texts: Sequence[str]) -> np.ndarray:
        out = np.empty((len(texts), self.coef.shape[1]))
        for row, text in enumerate(texts):
            scores = self.intercept.copy()
            for analyzer, vocabulary, idf, offset in self.parts:
                counts: dict[int, int] = {}
                for gram in analyzer(text):
                    index = vocabulary.get(gram)
                    if index is not None:
                        counts[index] = counts.get(index, 0) + 1
                if not counts:
                    continue
                indices = np.fromiter(counts, dtype=np.int64, count=len(counts))
                weights = (1.0 + np.log(np.fromiter(counts.values(), dtype=np.float64))) * idf[
                    indices
                ]
                weights /= np.sqrt(weights @ weights)
                scores += weights @ self.coef[indices + offset]
            scores = np.exp(scores - scores.max())
            out[row] = scores / scores.sum()
        return out


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
        self.scorer = Scorer(pipeline)

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

    def predict(
        self, texts: Sequence[str], entities: Sequence[Sequence[Entity]] | None = None
    ) -> list[Prediction]:
        """`entities` (one list per text) saves extracting them again when the caller has them."""
        if not texts:
            return []
        found: Sequence[Sequence[Entity] | None] = (
            entities if entities is not None else [None] * len(texts)
        )
        prepared = [normalise(t, e) for t, e in zip(texts, found, strict=True)]
        # Few messages (one arriving): skip scikit-learn's per-call overhead. Many (an
        # import, a re-triage): its vectorised sparse arithmetic is faster.
        probabilities = (
            self.scorer.probabilities(prepared)
            if len(prepared) <= SMALL_BATCH
            else self.pipeline.predict_proba(prepared)
        )
        out = []
        for row in probabilities:
            order = row.argsort()[::-1][:3]
            ranked = [(self.classes[i], float(row[i])) for i in order]
            out.append(Prediction(ranked[0][0], ranked[0][1], tuple(ranked[1:])))
        return out

    def save(self, path: Path) -> None:
        """Write the model; the same data and seed give the same bytes (reproducible builds)."""
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("wb") as handle:
            self._dump(handle)

    def _dump(self, handle: BinaryIO) -> None:
        for _, vectorizer in self.pipeline.named_steps["features"].transformer_list:
            # Attributes that would make two builds of the same data differ: the set of
            # dropped n-grams (introspection only, pickled in hash order) and the memory
            # address of the stop-word list (a cache key set again by every transform).
            for attribute in ("stop_words_", "_stop_words_id"):
                if hasattr(vectorizer, attribute):
                    delattr(vectorizer, attribute)
        joblib.dump(
            {"format": MODEL_FORMAT, "pipeline": self.pipeline, "report": self.report},
            handle,
            compress=("xz", 6),
        )

    def to_bytes(self) -> bytes:
        """The model file's bytes: what a model version stores in the database."""
        buffer = io.BytesIO()
        self._dump(buffer)
        return buffer.getvalue()

    @classmethod
    def from_bytes(cls, data: bytes) -> IntentModel:
        return cls._from_dump(joblib.load(io.BytesIO(data)), "stored model")

    @classmethod
    def load(cls, path: Path) -> IntentModel:
        return cls._from_dump(joblib.load(path), str(path))

    @classmethod
    def _from_dump(cls, data: dict[str, Any], where: str) -> IntentModel:
        if data.get("format") != MODEL_FORMAT:
            raise ValueError(
                f"{where}: model format {data.get('format')}, expected {MODEL_FORMAT}; retrain"
            )
        return cls(data["pipeline"], data["report"])
