"""Triage of buyer messages: language, intent (or unsure), mood and facts, in one batch call."""

from __future__ import annotations

from collections.abc import Sequence

from kefu.domain.emotion import mood_of, with_intent
from kefu.domain.entities import extract
from kefu.domain.plaintext import plain_text
from kefu.domain.subintents import detect as sub_intent_of
from kefu.domain.triage import (
    MIN_LETTERS_FOR_INTENT,
    MIN_LETTERS_FOR_LANGUAGE,
    UNDETERMINED,
    Triage,
    decide,
    letters,
)
from kefu.services.ports import Classifier


def triage(
    texts: Sequence[str],
    classifier: Classifier,
    known_languages: Sequence[str | None] | None = None,
) -> list[Triage]:
    """One result per text, in order; empty, emoji-only or number-only texts are `other`/`und`.

    Everything is read from the text's plain form (domain/plaintext.py: no markup, NFKC),
    so entities' offsets point into that form. A text without letters of its own (an order
    number, a tracking number, emoji) gets no guess at all: intent and guess `other`,
    confidence 0, not unsure — there is nothing for an agent to confirm.
    `known_languages` (the platform's word for each buyer's language, None where it has
    none) skips detection for those texts: the platform knows its buyer better.
    """
    if not texts:
        return []
    plain = [plain_text(text) for text in texts]
    languages = _languages(plain, classifier, known_languages)
    facts = [extract(text) for text in plain]
    guesses = classifier.intents(plain, facts)
    out = []
    for text, language, guess, found in zip(plain, languages, guesses, facts, strict=True):
        written = letters(text, found)
        has_letters = written >= MIN_LETTERS_FOR_INTENT
        intent = decide(guess.intent, guess.confidence, has_letters=has_letters)
        out.append(
            Triage(
                language=language if written >= MIN_LETTERS_FOR_LANGUAGE else UNDETERMINED,
                intent=intent,
                confidence=round(guess.confidence, 4) if has_letters else 0.0,
                guess=guess.intent if has_letters else "other",
                mood=with_intent(mood_of(text), intent),
                entities=tuple(found),
                sub_intent=sub_intent_of(intent, text),
            )
        )
    return out


def _languages(
    texts: Sequence[str], classifier: Classifier, known: Sequence[str | None] | None
) -> list[str]:
    if known is None:
        return classifier.languages(texts)
    unknown = [i for i, lang in enumerate(known) if not lang]
    detected = dict(zip(unknown, classifier.languages([texts[i] for i in unknown]), strict=True))
    return [lang or detected[i] for i, lang in enumerate(known)]
