"""The satisfaction survey: reading the buyer's answer, and the survey text every platform's
gate lets out in every language (SPEC §8; docs/surveys.md)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kefu.adapters.formatting import BabelFormatter
from kefu.adapters.langid import OutgoingLanguageDetector
from kefu.adapters.reply_catalogue import packaged_catalogue
from kefu.bootstrap import CHANNEL_LIMITS, phone_finder
from kefu.domain.policy import asks_for_review
from kefu.domain.survey import MAX_COMMENT_CHARS, parse_answer
from kefu.domain.templates import render
from kefu.services.outgoing import Gate
from kefu.services.ports import GateFacts
from kefu.services.surveys import SURVEY_TEMPLATE

ANSWERS = [
    ("5", (5, None)),
    ("５", (5, None)),  # full-width
    ("٤", (4, None)),  # Arabic-Indic
    ("۳", (3, None)),  # Persian
    ("४", (4, None)),  # Devanagari
    ("5 stars", (5, None)),
    ("4/5", (4, None)),
    ("4 out of 5, slow", (4, "slow")),
    ("4 из 5", (4, None)),
    ("⭐⭐⭐⭐", (4, None)),
    ("⭐️⭐️⭐️", (3, None)),  # with the emoji variation selector
    ("★★★☆☆ meh", (3, "meh")),
    ("3 - ok but slow", (3, "ok but slow")),
    ("4 – fine", (4, "fine")),
    ("2. The parcel took a month", (2, "The parcel took a month")),
    ("Note: 4", (4, None)),
    ("оценка 5", (5, None)),
    ("Оценка: 5, спасибо", (5, "спасибо")),
    ("my rating is 4", (4, None)),
    ("Rating: 5/5 great", (5, "great")),
    ("評価：5", (5, None)),
    ("5分", (5, None)),
    ("5 de 5 excelente", (5, "excelente")),
    ("  5!  ", (5, None)),
    ("1\nnobody answered for days", (1, "nobody answered for days")),
]
NOT_ANSWERS = [
    "order 12345",
    "I paid 5 dollars",
    "size 5",
    "5 dollars",
    "2 items missing",
    "5分钟后再说",  # "in five minutes"
    "10",
    "0",
    "6",
    "⭐⭐⭐⭐⭐⭐",
    "4,5",
    "4.5",
    "5/10",
    "1. broken zipper\n2. wrong colour",
    "Note: 5 items are missing",
    "thank you",
    "",
    "   ",
]


@pytest.mark.parametrize(("text", "expected"), ANSWERS, ids=[a for a, _ in ANSWERS])
def test_answers_are_read(text: str, expected: tuple[int, str | None]) -> None:
    assert parse_answer(text) == expected


@pytest.mark.parametrize("text", NOT_ANSWERS)
def test_a_number_that_is_not_an_answer_is_not_taken(text: str) -> None:
    assert parse_answer(text) is None


def test_the_comment_is_cut_to_the_ratings_limit() -> None:
    answer = parse_answer("3 - " + "x" * (MAX_COMMENT_CHARS + 50))
    assert answer is not None
    assert answer[0] == 3 and answer[1] is not None and len(answer[1]) == MAX_COMMENT_CHARS


@given(st.text(max_size=300))
def test_any_text_never_raises_and_never_scores_outside_one_to_five(text: str) -> None:
    answer = parse_answer(text)
    if answer is not None:
        score, comment = answer
        assert 1 <= score <= 5
        assert comment is None or (comment.strip() and len(comment) <= MAX_COMMENT_CHARS)


@given(
    st.integers(min_value=1, max_value=5),
    st.text(alphabet=st.characters(categories=("Ll", "Lu", "Zs")), max_size=60),
)
def test_a_score_a_dash_and_words_is_that_score_and_those_words(score: int, words: str) -> None:
    assert parse_answer(f"{score} - {words}") == (score, words.strip() or None)


@given(st.integers(min_value=6, max_value=10**6), st.sampled_from(["", " - ok", "/5", " stars"]))
def test_a_number_above_five_is_never_a_score(number: int, tail: str) -> None:
    assert parse_answer(f"{number}{tail}") is None


GATE = Gate(OutgoingLanguageDetector(), phone_finder(), CHANNEL_LIMITS)
NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
SURVEY = packaged_catalogue().get(SURVEY_TEMPLATE)
PAIRS = [(p, lang) for p in sorted(CHANNEL_LIMITS) for lang in sorted(SURVEY.texts)]


@pytest.mark.parametrize(("platform", "language"), PAIRS, ids=[f"{p}-{x}" for p, x in PAIRS])
def test_the_survey_passes_every_platforms_gate_without_a_finding(
    platform: str, language: str
) -> None:
    """Sent after the case, unasked (proactive), even on an order that already had its one
    review request on Amazon: the survey asks about the service, not for a review."""
    text = render(SURVEY, language, {"signature": "Sunrise"}, BabelFormatter()).text
    facts = GateFacts(
        platform=platform,
        buyer_language=language,
        order_placed_at=NOW - timedelta(days=20),
        review_requests_on_order=1,
    )
    assert GATE.check(facts, text, now=NOW).findings == ()
    assert not asks_for_review(text)
    assert "http" not in text and "www" not in text


def test_the_gate_walk_covers_four_platforms_and_fifteen_languages() -> None:
    assert len(PAIRS) == 4 * 15
