"""Training data for the intent model: our corpus, the demo corpus, the Bitext sample, and
the shop's own corrections; plus the held-out evaluation that the report quotes."""

from __future__ import annotations

import csv
import hashlib
import json
import random
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path
from typing import Any, Protocol

from kefu.domain.entities import Entity
from kefu.domain.intents import INTENTS
from kefu.domain.model_versions import figures
from kefu.domain.triage import UNDETERMINED, Triage
from kefu.services.ports import IntentGuess
from kefu.services.triage import triage

# The training corpus and the held-out sets travel in the package, so `kefu model train`
# reads the same data wherever it runs (it once trained on half of it outside the repo).
CORPUS = Path(str(files("kefu") / "triage_corpus"))

DEMO_SLOTS = {
    "order_number": ("8031234567890123", "112-4008414-1015626", "23-11045-60023"),
    "tracking_number": ("LX123456785CN", "1Z999AA10123456784", "YT2412345678901234"),
    "product": ("dress", "sneakers", "phone case", "LED strip"),
    "size": ("M", "XL", "42", "38"),
    "quantity": ("20", "50", "100"),
    "amount": ("25 USD", "18 €", "1500 ₽"),
    "date": ("12/11", "3.12"),
}


@dataclass(frozen=True)
class Example:
    text: str
    intent: str
    language: str
    source: str
    # Examples sharing a group are variants of one text (a demo template filled twice):
    # cross-validation keeps a group in one fold, or it would score memory, not reading.
    group: str = ""


def read_jsonl(
    path: Path, source: str, text_field: str = "text", label_field: str = "intent"
) -> Iterator[Example]:
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        row = json.loads(line)
        intent = str(row[label_field])
        if intent not in INTENTS:
            raise ValueError(f"{path}:{number}: unknown intent {intent!r}")
        yield Example(str(row[text_field]), intent, str(row.get("language", "und")), source)


class CorpusIncomplete(ValueError):
    """The training corpus differs from its manifest: training on part of it is refused."""


def verify_corpus(data_dir: Path = CORPUS) -> None:
    """Every file MANIFEST.json lists is present with its digest, or CorpusIncomplete says which."""
    manifest = data_dir / "MANIFEST.json"
    if not manifest.exists():
        raise CorpusIncomplete(f"{manifest}: missing; the training corpus is not installed")
    problems = []
    for name, entry in json.loads(manifest.read_text(encoding="utf-8"))["files"].items():
        path = data_dir / name
        if not path.exists():
            problems.append(f"{name} missing")
        elif hashlib.sha256(path.read_bytes()).hexdigest() != entry["sha256"]:
            problems.append(f"{name} changed (run scripts/triage_manifest.py if on purpose)")
    if problems:
        raise CorpusIncomplete(f"{data_dir}: " + "; ".join(problems))


def corpus_examples(data_dir: Path = CORPUS) -> list[Example]:
    """The whole corpus, checked against its manifest first."""
    verify_corpus(data_dir)
    out: list[Example] = []
    for path in sorted((data_dir / "train").glob("*.jsonl")):
        out += read_jsonl(path, "corpus")
    bitext = data_dir / "bitext" / "bitext_sample.csv"
    if bitext.exists():
        with bitext.open(encoding="utf-8") as handle:
            out += [
                Example(r["utterance"], r["product_intent"], "en", "bitext")
                for r in csv.DictReader(handle)
            ]
    return out


def demo_examples(seed: int) -> list[Example]:
    """The demo corpus's buyer messages, each with its slots filled twice (different facts)."""
    rng = random.Random(seed)  # noqa: S311 - sampling, not secrets
    out = []
    # Sorted everywhere: the same data must give the same model file (reproducible builds).
    for item in sorted((files("kefu") / "demo" / "corpus").iterdir(), key=lambda i: i.name):
        if not item.name.endswith(".json"):
            continue
        data = json.loads(item.read_text(encoding="utf-8"))
        for intent, texts in data["buyer"].items():
            for number, text in enumerate(texts):
                fillings = sorted(
                    {
                        text.format(**{k: rng.choice(v) for k, v in DEMO_SLOTS.items()})
                        for _ in range(2)
                    }
                )
                group = f"demo:{item.name}:{intent}:{number}"
                out += [Example(t, intent, data["language"], "demo", group) for t in fillings]
    return out


def summarise(examples: Iterable[Example]) -> dict[str, dict[str, int]]:
    items = list(examples)
    return {
        "by_source": dict(Counter(e.source for e in items)),
        "by_language": dict(sorted(Counter(e.language for e in items).items())),
        "by_intent": dict(sorted(Counter(e.intent for e in items).items())),
    }


# --- retraining (docs/triage.md "Model versions") ---------------------------------------


class Scorable(Protocol):
    """What evaluating needs of a model (kefu.adapters.classifier.IntentModel)."""

    def predict(
        self, texts: Sequence[str], entities: Sequence[Sequence[Entity]] | None = None
    ) -> Sequence[Guess]: ...


class Guess(Protocol):
    @property
    def intent(self) -> str: ...

    @property
    def confidence(self) -> float: ...


def heldout_examples(data_dir: Path = CORPUS) -> list[Example]:
    """Every packaged held-out set (`heldout/*.jsonl`: a new set counts without a change
    here), never trained on."""
    out: list[Example] = []
    for path in sorted((data_dir / "heldout").glob("*.jsonl")):
        out += read_jsonl(path, path.stem)
    return out


def heldout_sets(data_dir: Path = CORPUS) -> list[str]:
    return [p.name for p in sorted((data_dir / "heldout").glob("*.jsonl"))]


def as_agents_see(model: Scorable, texts: Sequence[str], languages: Sequence[str]) -> list[Triage]:
    """The model's triage of labelled texts through the path a new message takes (plain
    text, facts, the no-letters and unsure rules), so figures score what agents see. The
    labelled languages stand in for detection, which figures do not judge."""
    return triage(texts, _ModelOnly(model), known_languages=languages)


class _ModelOnly:
    """A bare model as the Classifier port, for scoring: languages always come known."""

    version = "scoring"

    def __init__(self, model: Scorable) -> None:
        self.model = model

    def languages(self, texts: Sequence[str]) -> list[str]:
        return [UNDETERMINED] * len(texts)

    def intents(
        self, texts: Sequence[str], entities: Sequence[Sequence[Entity]] | None = None
    ) -> list[IntentGuess]:
        return [
            IntentGuess(g.intent, g.confidence, ()) for g in self.model.predict(texts, entities)
        ]


def score(model: Scorable, rows: Sequence[Example]) -> dict[str, Any]:
    """A model's figures on labelled rows, as agents see its triage."""
    seen = as_agents_see(model, [r.text for r in rows], [r.language or "und" for r in rows])
    return figures(
        [r.intent for r in rows],
        [t.intent for t in seen],
        [t.guess for t in seen],
        [t.confidence for t in seen],
        [r.language for r in rows],
    )
