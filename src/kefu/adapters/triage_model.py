"""The Classifier port: py3langid for the language, the packaged intent model for the intent."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from functools import cache
from importlib.resources import files
from pathlib import Path

from kefu.adapters.classifier import IntentModel
from kefu.adapters.langid import LanguageDetector
from kefu.domain.entities import Entity
from kefu.services.ports import IntentGuess

PACKAGED_MODEL = Path(str(files("kefu") / "models" / "intent.joblib"))
log = logging.getLogger("kefu.model")


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


def triage_model_from_bytes(data: bytes) -> TriageModel:
    return TriageModel(IntentModel.from_bytes(data), LanguageDetector())


class ModelRegistry:
    """The model this process triages with, following the active version in the database
    (docs/triage.md "Model versions"): before a triage it asks for the active version's id
    (one tiny query, at most every `check_seconds`); when it changed, it loads the new
    version's bytes whole and only then swaps the reference, so a triage already running
    keeps the model it started with. No active version: `fallback()` (the shop's model
    file, else the packaged one)."""

    def __init__(
        self,
        active_id: Callable[[], str | None],
        load_bytes: Callable[[str], bytes | None],
        fallback: Callable[[], TriageModel],
        *,
        check_seconds: float = 5.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._active_id = active_id
        self._load_bytes = load_bytes
        self._fallback = fallback
        self._check_seconds = check_seconds
        self._clock = clock
        self._lock = threading.Lock()
        self._checked_at: float | None = None
        self._version: str | None = None
        self._model: TriageModel | None = None

    def current(self) -> TriageModel:
        now = self._clock()
        model = self._model
        if (
            model is not None
            and self._checked_at is not None
            and now - self._checked_at < self._check_seconds
        ):
            return model
        with self._lock:  # one thread loads a new version; the others wait for it
            if (
                self._model is not None
                and self._checked_at is not None
                and (now - self._checked_at < self._check_seconds)
            ):
                return self._model
            self._refresh()
            self._checked_at = self._clock()
            assert self._model is not None  # noqa: S101 - set by _refresh
            return self._model

    def _refresh(self) -> None:
        try:
            wanted = self._active_id()
        except Exception:  # the database unreachable a moment: keep the model in use
            log.warning("could not read the active model version", exc_info=True)
            if self._model is None:
                self._model = self._fallback()
            return
        if self._model is not None and wanted == self._version:
            return
        loaded: TriageModel | None = None
        if wanted is not None:
            data = self._load_bytes(wanted)
            if data is not None:
                loaded = triage_model_from_bytes(data)
        self._model = loaded if loaded is not None else self._fallback()
        self._version = wanted
        if wanted is not None:
            log.info("intent model version %s in use", self._model.version)
