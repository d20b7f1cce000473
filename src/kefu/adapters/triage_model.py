"""The Classifier port: py3langid for the language, the packaged intent model for the intent."""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from importlib.resources import files
from pathlib import Path

from kefu.adapters.classifier import IntentModel
from kefu.adapters.langid import LanguageDetector
from kefu.domain.entities import Entity
from kefu.services.ports import IntentGuess

PACKAGED_MODEL = Path(str(files("kefu") / "models" / "intent.joblib"))


class TriageModel:
    def __init__(self, model: IntentModel, detector: LanguageDetector) -> None:
        self.model = model
        self.detector = detector
        self.version = str(model.report.get("version", "unversioned"))

    def languages(self, texts: Sequence[str]) -> list[str]:
        return [self.detector.detect(t) for t in texts]

    def intents(
        self, texts: Sequence[str], entities: Sequence[Sequence[Entity]] | None = None
    ) -> list[IntentGuess]:
        return [
            IntentGuess(p.intent, p.confidence, p.alternatives)
            for p in self.model.predict(texts, entities)
        ]


@cache
def load_triage_model(path: Path | None = None) -> TriageModel:
    """The shop's own model when `path` exists, else the packaged one; loaded once per process."""
    chosen = path if path is not None and path.exists() else PACKAGED_MODEL
    return TriageModel(IntentModel.load(chosen), LanguageDetector())
