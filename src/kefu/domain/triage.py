"""What triage tells about one buyer message, and when a prediction is too unsure to use.

SPEC §3: "Other / unclear — handed to a person, never guessed." Below the threshold
the intent shown is `other` and the message is marked unsure; the model's guess is
kept beside it so the agent can confirm it with one click.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from kefu.domain.emotion import Mood
from kefu.domain.entities import Entity
from kefu.domain.intents import group_of

# Chosen by cross-validation on the training data (bench/tune_intent.py, recorded in
# models/hyperparameters.json; a test keeps the two equal): the highest threshold that
# leaves at most 12 % of messages to a person out of fold. Below it, a person decides.
CONFIDENCE_THRESHOLD = 0.20
UNDETERMINED = "und"
# "ok" and "hi" are thanks and greetings, but two letters say nothing about the language;
# fewer letters than these ("?", an order number, emoji) mean `other` and `und`.
MIN_LETTERS_FOR_INTENT = 2
MIN_LETTERS_FOR_LANGUAGE = 3
# Everything but letters: \w less digits and the underscore (one C pass, even on 64 KiB).
_NOT_LETTERS = re.compile(r"[\W\d_]+")
# Letters inside these are part of a number: "LX123456785CN" is a parcel, not words.
_NUMBER_FACTS = frozenset({"order_number", "tracking_number"})


def letters(text: str, facts: Sequence[Entity] = ()) -> int:
    """Letters the buyer wrote as words; `facts` (found in `text`) lend theirs to no count."""
    count = len(_NOT_LETTERS.sub("", text))
    for fact in facts:
        if fact.kind in _NUMBER_FACTS:
            count -= len(_NOT_LETTERS.sub("", fact.text))
    return count


@dataclass(frozen=True)
class Triage:
    language: str
    intent: str
    confidence: float
    guess: str  # the model's best intent even when unsure
    mood: Mood
    entities: tuple[Entity, ...]
    sub_intent: str | None = None  # a finer intent under `intent` (domain/subintents.py)

    @property
    def intent_group(self) -> str:
        return group_of(self.intent)

    @property
    def unsure(self) -> bool:
        return self.intent == "other" and self.guess != "other"


def decide(guess: str, confidence: float, *, has_letters: bool) -> str:
    """The intent to show: the model's guess when sure enough, otherwise `other`."""
    if not has_letters or confidence < CONFIDENCE_THRESHOLD:
        return "other"
    return guess
