"""Satisfaction ratings: the row parser and the two figures the report shows."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kefu.domain.errors import RowErrors
from kefu.domain.kpis import Kpis
from kefu.domain.ratings import parse_rating

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
GOOD = {
    "store": "ali-global",
    "rating_id": "r-1",
    "conversation_id": "c-1",
    "score": 4,
    "rated_at": "2026-11-20T08:15:00+08:00",
}


def test_a_good_rating_is_parsed_and_text_scores_from_files_are_read() -> None:
    rating = parse_rating({**GOOD, "score": " 5 ", "comment": "  fast and kind  "}, now=NOW)
    assert (rating.score, rating.comment, rating.rated_at.utcoffset()) == (
        5,
        "fast and kind",
        datetime.fromisoformat("2026-11-20T08:15:00+08:00").utcoffset(),
    )
    assert parse_rating({**GOOD, "rating_id": 12345}, now=NOW).rating_id == "12345"


def test_every_problem_of_a_row_is_named() -> None:
    with pytest.raises(RowErrors) as bad:
        parse_rating(
            {"store": "", "score": "five", "rated_at": "2026-11-20", "colour": "red"},
            now=NOW,
            row=7,
        )
    described = {(e.field, e.reason) for e in bad.value.errors}
    assert ("store", "is required") in described
    assert ("rating_id", "is required") in described
    assert ("conversation_id", "is required") in described
    assert ("score", "must be a whole number") in described
    assert ("colour", "unknown field") in described
    assert any(f == "rated_at" and "time zone" in r for f, r in described)
    assert all(e.row == 7 for e in bad.value.errors)


def test_a_rating_from_the_future_is_refused() -> None:
    with pytest.raises(RowErrors, match="future"):
        parse_rating({**GOOD, "rated_at": "2026-12-24T00:00:00Z"}, now=NOW)


@given(st.integers())
def test_only_scores_one_to_five_are_kept(score: int) -> None:
    if 1 <= score <= 5:
        assert parse_rating({**GOOD, "score": score}, now=NOW).score == score
    else:
        with pytest.raises(RowErrors, match="1 to 5"):
            parse_rating({**GOOD, "score": score}, now=NOW)


def test_a_boolean_is_not_a_score() -> None:
    with pytest.raises(RowErrors, match="whole number"):
        parse_rating({**GOOD, "score": True}, now=NOW)


@given(st.lists(st.integers(min_value=1, max_value=5)))
def test_the_mean_is_a_score_and_the_satisfied_share_a_rate(scores: list[int]) -> None:
    kpis = Kpis(satisfaction_scores=scores)
    if not scores:
        assert kpis.satisfaction_mean is None and kpis.satisfied_share is None
        return
    assert kpis.satisfaction_mean is not None and kpis.satisfied_share is not None
    assert 1 <= kpis.satisfaction_mean <= 5
    assert 0 <= kpis.satisfied_share <= 1
    assert kpis.satisfied_share == sum(s >= 4 for s in scores) / len(scores)


def test_worked_example() -> None:
    kpis = Kpis(satisfaction_scores=[5, 4, 3, 1])
    assert kpis.satisfaction_mean == 3.25
    assert kpis.satisfied_share == 0.5
