"""triage(): language, intent (or unsure), mood and facts for a batch of buyer messages.

The classifier is a hand-written fake of the Classifier port, so these tests pin the
service's own rules: the confidence threshold, texts without letters, order, and that
mood and entities are filled.
"""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from kefu.domain.entities import Entity, extract
from kefu.domain.triage import CONFIDENCE_THRESHOLD, Triage, decide, letters
from kefu.services.ports import Classifier, IntentGuess
from kefu.services.triage import triage

ALI_ORDER = "8031234567890123"


class FakeClassifier:
    """Answers from tables keyed by text; records every batch it is asked about."""

    version = "fake-1"

    def __init__(
        self,
        guesses: dict[str, IntentGuess] | None = None,
        languages: dict[str, str] | None = None,
        default: IntentGuess = IntentGuess("order_tracking", 0.9),
    ) -> None:
        self.guesses = guesses or {}
        self.language_of = languages or {}
        self.default = default
        self.language_calls: list[list[str]] = []
        self.intent_calls: list[list[str]] = []
        self.entity_calls: list[list[list[Entity]] | None] = []

    def languages(self, texts: Sequence[str]) -> list[str]:
        self.language_calls.append(list(texts))
        return [self.language_of.get(t, "en") for t in texts]

    def intents(
        self, texts: Sequence[str], entities: Sequence[Sequence[Entity]] | None = None
    ) -> list[IntentGuess]:
        self.intent_calls.append(list(texts))
        self.entity_calls.append(None if entities is None else [list(e) for e in entities])
        return [self.guesses.get(t, self.default) for t in texts]


class ShortClassifier(FakeClassifier):
    """A broken classifier that drops the last answer."""

    def intents(
        self, texts: Sequence[str], entities: Sequence[Sequence[Entity]] | None = None
    ) -> list[IntentGuess]:
        return super().intents(texts, entities)[:-1]


def one(text: str, guess: IntentGuess) -> Triage:
    [result] = triage([text], FakeClassifier(default=guess))
    return result


def test_fake_follows_the_port() -> None:
    classifier: Classifier = FakeClassifier()
    assert classifier.version == "fake-1"


# --- the confidence threshold -----------------------------------------------------------


def test_below_threshold_the_intent_is_other_and_the_guess_is_kept() -> None:
    result = one("Where is my parcel?", IntentGuess("order_tracking", CONFIDENCE_THRESHOLD - 0.01))
    assert result.intent == "other"
    assert result.unsure
    assert result.guess == "order_tracking"
    assert result.confidence == round(CONFIDENCE_THRESHOLD - 0.01, 4)
    assert result.intent_group == "other"


def test_just_below_threshold_is_still_unsure() -> None:
    result = one("Where is my parcel?", IntentGuess("refund", CONFIDENCE_THRESHOLD - 1e-6))
    assert result.intent == "other"
    assert result.unsure


@pytest.mark.parametrize("confidence", [CONFIDENCE_THRESHOLD, 0.31, 0.75, 1.0])
def test_at_or_above_threshold_the_guess_is_used(confidence: float) -> None:
    result = one("I want my money back", IntentGuess("refund", confidence))
    assert result.intent == "refund"
    assert result.guess == "refund"
    assert not result.unsure
    assert result.confidence == round(confidence, 4)
    assert result.intent_group == "after_sale"


def test_an_unsure_other_guess_is_not_marked_unsure() -> None:
    result = one("hmm, something", IntentGuess("other", 0.1))
    assert result.intent == "other"
    assert not result.unsure


def test_confidence_is_rounded_to_four_places() -> None:
    assert one("Where is my parcel?", IntentGuess("order_tracking", 0.123456)).confidence == 0.1235


def test_decide_needs_letters_and_enough_confidence() -> None:
    assert decide("refund", 0.9, has_letters=True) == "refund"
    assert decide("refund", 0.9, has_letters=False) == "other"
    assert decide("refund", 0.1, has_letters=True) == "other"
    assert decide("refund", CONFIDENCE_THRESHOLD, has_letters=True) == "refund"


# --- texts without letters --------------------------------------------------------------


WITHOUT_LETTERS = [
    "😀😡🙏",
    ALI_ORDER,
    "",
    "   ",
    "!!! ???",
    "a",
    "12/11 $20",
    "LX123456785CN",  # four letters, all inside the tracking number
    "1Z999AA10123456784 ?",
    f"#{ALI_ORDER} 👍",
]


@pytest.mark.parametrize("text", WITHOUT_LETTERS)
def test_text_without_letters_gets_no_guess_at_all(text: str) -> None:
    result = one(text, IntentGuess("order_tracking", 0.95))
    assert (result.intent, result.guess, result.confidence) == ("other", "other", 0.0)
    assert not result.unsure  # nothing for an agent to confirm
    assert result.language == "und"
    assert len(WITHOUT_LETTERS) == 10


def test_letters_inside_a_number_do_not_count_but_words_beside_it_do() -> None:
    result = one("LX123456785CN where??", IntentGuess("order_tracking", 0.95))
    assert (result.intent, result.guess) == ("order_tracking", "order_tracking")
    assert letters("LX123456785CN where", extract("LX123456785CN where")) == 5
    assert letters("LX123456785CN") == 4  # without the facts, every letter counts


def test_two_letters_are_enough_to_use_the_guess() -> None:
    result = one("ok", IntentGuess("greeting_thanks", 0.8))
    assert result.intent == "greeting_thanks"
    assert result.confidence == 0.8


def test_order_number_alone_still_yields_its_entity() -> None:
    result = one(ALI_ORDER, IntentGuess("order_tracking", 0.95))
    assert [(e.kind, e.value, e.platform) for e in result.entities] == [
        ("order_number", ALI_ORDER, "aliexpress")
    ]


# --- batches ----------------------------------------------------------------------------


def test_results_come_back_one_per_text_in_order() -> None:
    texts = ["Hola, ¿dónde está mi pedido?", "😀", "Je veux un remboursement", "Danke!"]
    classifier = FakeClassifier(
        guesses={
            texts[0]: IntentGuess("order_tracking", 0.8),
            texts[1]: IntentGuess("greeting_thanks", 0.9),
            texts[2]: IntentGuess("refund", 0.15),
            texts[3]: IntentGuess("greeting_thanks", 0.7),
        },
        languages={texts[0]: "es", texts[1]: "und", texts[2]: "fr", texts[3]: "de"},
    )

    results = triage(texts, classifier)

    assert [(r.language, r.intent, r.guess, r.confidence) for r in results] == [
        ("es", "order_tracking", "order_tracking", 0.8),
        ("und", "other", "other", 0.0),
        ("fr", "other", "refund", 0.15),
        ("de", "greeting_thanks", "greeting_thanks", 0.7),
    ]
    assert [r.unsure for r in results] == [False, False, True, False]


def test_the_whole_batch_goes_to_the_classifier_in_one_call_each() -> None:
    texts = ["first message", "second message", "third message"]
    classifier = FakeClassifier()
    triage(texts, classifier)
    assert classifier.language_calls == [texts]
    assert classifier.intent_calls == [texts]


def test_the_classifier_is_given_the_facts_found_in_each_text() -> None:
    texts = [f"order {ALI_ORDER}", "no facts here", "send 50 pcs for $20"]
    classifier = FakeClassifier()
    results = triage(texts, classifier)
    assert classifier.entity_calls == [[extract(t) for t in texts]]
    assert [list(r.entities) for r in results] == [extract(t) for t in texts]


def test_an_empty_batch_asks_the_classifier_nothing() -> None:
    classifier = FakeClassifier()
    assert triage([], classifier) == []
    assert classifier.language_calls == []
    assert classifier.intent_calls == []


def test_the_same_text_twice_gives_two_results() -> None:
    results = triage(["hello there", "hello there"], FakeClassifier())
    assert len(results) == 2
    assert results[0] == results[1]


def test_a_classifier_answering_too_few_is_an_error_not_a_silent_drop() -> None:
    with pytest.raises(ValueError):
        triage(["one message", "another message"], ShortClassifier())


# --- mood and entities ------------------------------------------------------------------


def test_mood_and_entities_are_filled() -> None:
    text = f"Order {ALI_ORDER}: I paid $20 and nothing came. I will open a dispute!!!"
    result = one(text, IntentGuess("not_received", 0.9))

    assert result.intent == "not_received"
    assert result.mood.flags == ("upset", "threat_dispute")
    assert result.mood.threatening
    assert [(e.kind, e.value) for e in result.entities] == [
        ("order_number", ALI_ORDER),
        ("amount", "20 USD"),
    ]
    assert isinstance(result.entities, tuple)


def test_calm_text_without_facts_has_empty_mood_and_entities() -> None:
    result = one("Thank you, all good", IntentGuess("greeting_thanks", 0.9))
    assert result.mood.flags == ()
    assert result.entities == ()


def test_mood_and_entities_are_per_text() -> None:
    texts = ["This is a scam", "Please send 50 pcs", "Thanks, all good"]
    results = triage(texts, FakeClassifier())
    assert [r.mood.flags for r in results] == [("upset",), (), ()]
    assert [[e.kind for e in r.entities] for r in results] == [[], ["quantity"], []]


# --- what triage reads ------------------------------------------------------------------


def test_triage_reads_the_plain_text_of_an_html_message() -> None:
    html = (
        "<html><head><style>p {color: red}</style></head><body>"
        f"<p>Where is my order&nbsp;{ALI_ORDER}?</p><blockquote>On Monday you wrote: "
        "thanks for your order</blockquote></body></html>"
    )
    classifier = FakeClassifier()
    [result] = triage([html], classifier)
    assert classifier.intent_calls == [[f"Where is my order {ALI_ORDER}?"]]
    assert classifier.language_calls == [[f"Where is my order {ALI_ORDER}?"]]
    assert [(e.kind, e.value) for e in result.entities] == [("order_number", ALI_ORDER)]


def test_full_width_digits_are_read_as_an_order_number() -> None:
    wide = "".join(chr(ord(d) + 0xFEE0) for d in ALI_ORDER)
    result = one(f"注文 {wide}", IntentGuess("order_tracking", 0.9))
    assert [(e.kind, e.value) for e in result.entities] == [("order_number", ALI_ORDER)]


@pytest.mark.parametrize("text", ["まだ届かない！！", "太慢了！！", "왜 안 와요！！"])
def test_full_width_exclamation_marks_still_mark_the_buyer_upset(text: str) -> None:
    assert "upset" in one(text, IntentGuess("not_received", 0.9)).mood.flags
