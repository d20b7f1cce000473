"""Language of a buyer message: py3langid restricted to the 14 buyer languages (ADR 0005)."""

from __future__ import annotations

from py3langid.langid import MODEL_DIR, MODEL_FILE, LanguageIdentifier

from kefu.domain.geo import BUYER_LANGUAGES
from kefu.domain.triage import MIN_LETTERS_FOR_LANGUAGE, UNDETERMINED, letters


class LanguageDetector:
    def __init__(self) -> None:
        self._identifier = LanguageIdentifier.from_modelpath(MODEL_DIR / MODEL_FILE)
        self._identifier.set_languages(list(BUYER_LANGUAGES))

    def detect(self, text: str) -> str:
        sample = text[:1000]
        if letters(sample) < MIN_LETTERS_FOR_LANGUAGE:
            return UNDETERMINED
        return str(self._identifier.classify(sample)[0])
