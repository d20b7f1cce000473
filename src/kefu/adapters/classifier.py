"""Intent model: character and word TF-IDF into a logistic regression; scikit-learn
trains it, plain numpy arrays predict with it.

Why this model (ADR 0006): it reads every script of the 14 buyer languages without
a tokenizer, trains in seconds on a laptop, classifies thousands of messages a
second on two cores, gives probabilities for the "unsure" threshold, and loads
from a file in the package — no model hub.
"""

from __future__ import annotations

import json
import re
import struct
import zlib
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from importlib.resources import files
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from kefu.domain.entities import Entity, extract
from kefu.domain.plaintext import plain_text

if TYPE_CHECKING:
    from sklearn.pipeline import Pipeline

# 2: the scorer's arrays in kefu's own container (no pickle, no scikit-learn to read it);
# 1 was a joblib pickle of the scikit-learn pipeline, xz-compressed.
MODEL_FORMAT = 2
_MAGIC = b"KEFU-INTENT-MODEL\n"
_SPACES = re.compile(r"\s+")
# The model reads a message's first 2,000 characters: the ask comes first, then the story.
_READ = 2000
_DIGITS = re.compile(r"\d+")
# scikit-learn's own expressions for its analyzers (sklearn/feature_extraction/text.py).
_WHITE_SPACES = re.compile(r"\s\s+")
_TOKEN = re.compile(r"(?u)\b\w+\b")
# Messages scored together: enough for numpy to pay off, few enough to keep memory small.
_CHUNK = 256
# Words whose n-gram columns are kept between messages (about 10 MB at most).
_KNOWN_WORDS = 30_000


def normalise(text: str, entities: Sequence[Entity] | None = None) -> str:
    """What the model reads: facts replaced by their kind, digits by 0, lower case.

    '8031234567890123' and 'LX123456785CN' say "an order" and "a parcel", not which one.
    Without `entities` the text is first made plain (domain/plaintext.py) and its facts
    found; with them, `text` must be the plain text they were found in (triage's case).
    """
    if entities is None:
        text = plain_text(text)
        entities = extract(text)
    text = text[:_READ]  # a 64 KiB message is masked in microseconds, not milliseconds
    pieces: list[str] = []
    last = 0
    for entity in entities:
        if entity.end > _READ:
            break
        pieces += [text[last : entity.start], f" ⟨{entity.kind}⟩ "]
        last = entity.end
    pieces.append(text[last:])
    masked = _DIGITS.sub("0", "".join(pieces)).lower()
    return _SPACES.sub(" ", masked).strip()[:_READ]


HYPERPARAMETERS = Path(str(files("kefu") / "models" / "hyperparameters.json"))

# Words for the word n-grams. Chinese and Japanese put no spaces between words, so `\w+`
# reads a whole clause as one "word"; the CJK variant makes each Han or kana character a
# word (退, 货, 税 carry meaning alone; pairs of them come from the bigrams).
TOKEN_PATTERNS = {
    "words": _TOKEN.pattern,
    "cjk_characters": r"(?u)[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]|\b\w+\b",
}


def chosen() -> dict[str, Any]:
    """The settings chosen by cross-validation on the training data (bench/tune_intent.py)."""
    return dict(json.loads(HYPERPARAMETERS.read_text(encoding="utf-8")))


def make_pipeline(seed: int, c: float | None = None, tokens: str | None = None) -> Pipeline:
    """scikit-learn's pipeline, for training only: predictions use the Scorer's arrays.

    `c` and `tokens` default to the cross-validated choice; the tuning script varies them.
    """
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import FeatureUnion, Pipeline

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
                    token_pattern=TOKEN_PATTERNS[tokens or settings["tokens"]],
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


def char_wb_grams(text: str, low: int, high: int) -> list[str]:
    """scikit-learn's `char_wb` analyzer: n-grams inside each word padded with spaces."""
    out: list[str] = []
    for word in _WHITE_SPACES.sub(" ", text.lower()).split():
        padded = f" {word} "
        size = len(padded)
        for n in range(low, high + 1):
            if size <= n:  # a short word counts once, whole
                out.append(padded)
                break
            out += [padded[i : i + n] for i in range(size - n + 1)]
    return out


def word_grams(text: str, low: int, high: int, token: re.Pattern[str] = _TOKEN) -> list[str]:
    """scikit-learn's `word` analyzer with the model's token pattern: word n-grams."""
    tokens = token.findall(text.lower())
    out: list[str] = []
    for n in range(low, min(high, len(tokens)) + 1):
        out += (
            tokens if n == 1 else [" ".join(tokens[i : i + n]) for i in range(len(tokens) - n + 1)]
        )
    return out


@dataclass(frozen=True)
class Part:
    """One vectorizer's share of the features: how it cuts text, its n-grams and weights."""

    analyzer: str
    ngram_range: tuple[int, int]
    vocabulary: dict[str, int]
    idf: np.ndarray
    offset: int  # where its columns start in the stacked vector
    token_pattern: str = _TOKEN.pattern  # what a word is, for the `word` analyzer

    # gram → its column in the stacked vector; cached words share these int objects
    columns: dict[str, int] = field(init=False, compare=False, repr=False)
    token: re.Pattern[str] = field(init=False, compare=False, repr=False)
    # A word's character n-grams never change: looked up once, kept (most of a message's
    # words were seen in earlier messages), three times faster than cutting every word.
    known_words: dict[str, tuple[int, ...]] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        if self.analyzer not in ("char_wb", "word"):
            raise ValueError(f"analyzer {self.analyzer!r}: kefu reads only char_wb and word")
        columns = {gram: index + self.offset for gram, index in self.vocabulary.items()}
        object.__setattr__(self, "columns", columns)
        object.__setattr__(self, "token", re.compile(self.token_pattern))

    def counts(self, text: str) -> dict[int, int]:
        """Column (in the stacked vector) → how often its n-gram occurs in `text`."""
        if self.analyzer == "word":
            return self._columns(word_grams(text, *self.ngram_range, self.token))
        known = self.known_words
        found: list[int] = []
        for word in text.lower().split():
            cached = known.get(word)
            if cached is None:
                if len(known) >= _KNOWN_WORDS:
                    known.clear()
                columns = self.columns
                cached = known[word] = tuple(
                    [columns[g] for g in char_wb_grams(word, *self.ngram_range) if g in columns]
                )
            found += cached
        return Counter(found)

    def _columns(self, grams: list[str]) -> dict[int, int]:
        columns = self.columns
        return {columns[g]: n for g, n in Counter(grams).items() if g in columns}


class Scorer:
    """The fitted pipeline's arithmetic as plain arrays, without scikit-learn.

    Sublinear TF times IDF, L2 norm per vectorizer, the stacked vector times the
    coefficients, softmax — what `predict_proba` computes (a test compares them), minus
    scikit-learn's import (a second) and its per-call checks (2 ms a message).
    """

    def __init__(self, parts: Sequence[Part], coef: np.ndarray, intercept: np.ndarray) -> None:
        self.parts = tuple(parts)
        self.coef = np.ascontiguousarray(coef, dtype=np.float32)  # features × classes
        self.intercept = np.asarray(intercept, dtype=np.float64)
        self.idf = np.concatenate([p.idf for p in self.parts])  # per stacked column

    @classmethod
    def from_pipeline(cls, pipeline: Pipeline) -> Scorer:
        parts = []
        offset = 0
        for _, vectorizer in pipeline.named_steps["features"].transformer_list:
            vocabulary = {str(g): int(i) for g, i in vectorizer.vocabulary_.items()}
            parts.append(
                Part(
                    str(vectorizer.analyzer),
                    tuple(vectorizer.ngram_range),
                    vocabulary,
                    np.asarray(vectorizer.idf_, dtype=np.float64),
                    offset,
                    str(vectorizer.token_pattern),
                )
            )
            offset += len(vocabulary)
        model = pipeline.named_steps["model"]
        return cls(parts, model.coef_.T, model.intercept_)

    def probabilities(self, texts: Sequence[str]) -> np.ndarray:
        out = np.empty((len(texts), self.coef.shape[1]))
        for start in range(0, len(texts), _CHUNK):
            out[start : start + _CHUNK] = self._chunk(texts[start : start + _CHUNK])
        return out

    def _chunk(self, texts: Sequence[str]) -> np.ndarray:
        """All messages' features in flat lists, then a handful of numpy calls for all."""
        columns: list[int] = []
        counts: list[int] = []
        segments: list[int] = []  # where each (message, vectorizer) run starts in the lists
        rows: list[int] = []  # the message of each run
        for row, text in enumerate(texts):
            for part in self.parts:
                found = part.counts(text)
                if found:
                    segments.append(len(columns))
                    rows.append(row)
                    columns += found
                    counts += found.values()
        scores: np.ndarray = np.tile(self.intercept, (len(texts), 1))
        if columns:
            where = np.asarray(columns)
            value = (1.0 + np.log(np.asarray(counts, dtype=np.float64))) * self.idf[where]
            starts = np.asarray(segments)
            lengths = np.diff(np.append(starts, len(value)))
            value /= np.repeat(np.sqrt(np.add.reduceat(value * value, starts)), lengths)
            per_run = np.add.reduceat(self.coef[where] * value[:, None], starts, axis=0)
            np.add.at(scores, np.asarray(rows), per_run)
        exp: np.ndarray = np.exp(scores - scores.max(axis=1, keepdims=True))
        exp /= exp.sum(axis=1, keepdims=True)
        return exp


def _column(item: tuple[str, int]) -> int:
    return item[1]


@dataclass(frozen=True)
class Prediction:
    intent: str
    confidence: float
    alternatives: tuple[tuple[str, float], ...]  # the next best, for the correction menu


class IntentModel:
    """A trained scorer plus what it was trained on (its report travels with it)."""

    def __init__(self, scorer: Scorer, classes: Sequence[str], report: dict[str, Any]) -> None:
        self.scorer = scorer
        self.classes: list[str] = [str(c) for c in classes]
        self.report = report

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
        return cls(Scorer.from_pipeline(pipeline), pipeline.classes_, dict(report or {}))

    def predict(
        self, texts: Sequence[str], entities: Sequence[Sequence[Entity]] | None = None
    ) -> list[Prediction]:
        """`entities` (one list per text) saves extracting them again when the caller has them;
        the texts are then taken as the plain texts they were found in."""
        if not texts:
            return []
        found: Sequence[Sequence[Entity] | None] = (
            entities if entities is not None else [None] * len(texts)
        )
        prepared = [normalise(t, e) for t, e in zip(texts, found, strict=True)]
        probabilities = self.scorer.probabilities(prepared)
        best = np.argsort(-probabilities, axis=1, kind="stable")[:, :3]
        out = []
        for order, scores in zip(
            best.tolist(), np.take_along_axis(probabilities, best, 1).tolist(), strict=True
        ):
            ranked = [(self.classes[i], p) for i, p in zip(order, scores, strict=True)]
            out.append(Prediction(ranked[0][0], ranked[0][1], tuple(ranked[1:])))
        return out

    def save(self, path: Path) -> None:
        """Write the model; the same data and seed give the same bytes (reproducible builds)."""
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(self.to_bytes())

    def to_bytes(self) -> bytes:
        """The model file's bytes: what a model version stores in the database.

        A JSON header (format, classes, report, each vectorizer's n-grams in column order)
        and the raw arrays, zlib-compressed: no pickle, so loading runs no stored code, and
        nothing in it depends on hash order or memory addresses.
        """
        arrays = [*(p.idf for p in self.scorer.parts), self.scorer.coef, self.scorer.intercept]
        header = {
            "format": MODEL_FORMAT,
            "classes": self.classes,
            "report": self.report,
            "parts": [
                {
                    "analyzer": p.analyzer,
                    "ngram_range": list(p.ngram_range),
                    "token_pattern": p.token_pattern,
                    "vocabulary": [g for g, _ in sorted(p.vocabulary.items(), key=_column)],
                }
                for p in self.scorer.parts
            ],
            "arrays": [{"dtype": a.dtype.str, "shape": list(a.shape)} for a in arrays],
        }
        encoded = json.dumps(header, ensure_ascii=False, separators=(",", ":")).encode()
        body = b"".join(np.ascontiguousarray(a).tobytes() for a in arrays)
        return _MAGIC + zlib.compress(struct.pack("<Q", len(encoded)) + encoded + body, 6)

    @classmethod
    def from_bytes(cls, data: bytes) -> IntentModel:
        return cls._read(data, "stored model")

    @classmethod
    def load(cls, path: Path) -> IntentModel:
        return cls._read(path.read_bytes(), str(path))

    @classmethod
    def _read(cls, data: bytes, where: str) -> IntentModel:
        if not data.startswith(_MAGIC):
            raise ValueError(
                f"{where}: not an intent model of format {MODEL_FORMAT} (an older kefu's "
                "file, or not a model); retrain it: kefu model train"
            )
        try:
            payload = zlib.decompress(data[len(_MAGIC) :])
            (size,) = struct.unpack_from("<Q", payload)
            header = json.loads(payload[8 : 8 + size])
        except (zlib.error, struct.error, ValueError) as error:
            raise ValueError(f"{where}: damaged model file ({error}); retrain it") from None
        if header.get("format") != MODEL_FORMAT:
            raise ValueError(
                f"{where}: model format {header.get('format')}, expected {MODEL_FORMAT}; retrain"
            )
        arrays, at = [], 8 + size
        for spec in header["arrays"]:
            dtype = np.dtype(spec["dtype"])
            count = int(np.prod(spec["shape"]))
            arrays.append(np.frombuffer(payload, dtype, count, at).reshape(spec["shape"]))
            at += count * dtype.itemsize
        parts, offset = [], 0
        for spec, idf in zip(header["parts"], arrays, strict=False):
            vocabulary = {gram: i for i, gram in enumerate(spec["vocabulary"])}
            low, high = spec["ngram_range"]
            pattern = spec.get("token_pattern", _TOKEN.pattern)
            parts.append(Part(spec["analyzer"], (low, high), vocabulary, idf, offset, pattern))
            offset += len(vocabulary)
        coef, intercept = arrays[-2], arrays[-1]
        return cls(Scorer(parts, coef, intercept), header["classes"], header["report"])
