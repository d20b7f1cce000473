"""Language of a buyer message: py3langid restricted to the 14 buyer languages (ADR 0005)."""

from __future__ import annotations

from py3langid.langid import MODEL_DIR, MODEL_FILE, LanguageIdentifier

from kefu.domain.geo import BUYER_LANGUAGES

UNDETERMINED = "und"
# Fewer letters than this say too little: "ok", "??", an order number, emoji.
MIN_LETTERS = 3


class LanguageDetector:
    def __init__(self) -> None:
        self._identifier = LanguageIdentifier.from_modelpath(MODEL_DIR / MODEL_FILE)
        self._identifier.set_languages(list(BUYER_LANGUAGES))

    def detect(self, text: str) -> str:
        sample = text[:1000]
        if sum(ch.isalpha() for ch in sample) < MIN_LETTERS:
            return UNDETERMINED
        return str(self._identifier.classify(sample)[0])
