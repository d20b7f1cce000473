"""Language of a buyer message: py3langid restricted to the 14 buyer languages (ADR 0005)."""

from __future__ import annotations

from py3langid.langid import MODEL_DIR, MODEL_FILE, LanguageIdentifier

from kefu.domain.geo import BUYER_LANGUAGES
from kefu.domain.triage import MIN_LETTERS_FOR_LANGUAGE, UNDETERMINED, letters

# Outgoing text may also be in the agents' own language (a reply sent untranslated).
OUTGOING_LANGUAGES = (*BUYER_LANGUAGES, "zh")


class LanguageDetector:
    def __init__(self, languages: tuple[str, ...] = BUYER_LANGUAGES) -> None:
        self._identifier = LanguageIdentifier.from_modelpath(MODEL_DIR / MODEL_FILE)
        self._identifier.set_languages(list(languages))

    def detect(self, text: str) -> str:
        sample = text[:1000]
        if letters(sample) < MIN_LETTERS_FOR_LANGUAGE:
            return UNDETERMINED
        return str(self._identifier.classify(sample)[0])


class OutgoingLanguageDetector(LanguageDetector):
    """For the policy check: None when unsure, so no warning is raised on a guess."""

    def __init__(self) -> None:
        super().__init__(OUTGOING_LANGUAGES)

    def detect(self, text: str) -> str:
        found = super().detect(text)
        return "" if found == UNDETERMINED else found
