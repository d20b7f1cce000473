"""Satisfaction ratings as they arrive (API, file): parsed row by row, every problem named.

A rating is a buyer's score of the service in one conversation, 1 (very dissatisfied)
to 5 (very satisfied), with an optional comment, as the marketplace reports it (a chat
rating) or a survey collects it. Each has the platform's own id, so sending it twice
stores it once.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime

from kefu.domain.errors import FieldError, RowErrors
from kefu.domain.kpis import score_problem
from kefu.domain.messages import MAX_ID_CHARS, _blank, _short_text, _when

FIELDS = ("store", "rating_id", "conversation_id", "score", "rated_at", "comment")
REQUIRED = ("store", "rating_id", "conversation_id", "score", "rated_at")
MAX_COMMENT_CHARS = 2000


@dataclass(frozen=True)
class RatingIn:
    store: str
    rating_id: str
    conversation_id: str  # the platform's conversation id, as messages carry it
    score: int
    rated_at: datetime
    comment: str | None = None


def parse_rating(raw: Mapping[str, object], *, now: datetime, row: int | None = None) -> RatingIn:
    """One rating, or RowErrors with every problem of the row."""
    errors: list[FieldError] = []

    def err(field: str, reason: str, value: object = None) -> None:
        shown = None if value is None else str(value)[:80]
        errors.append(FieldError(field=field, reason=reason, row=row, value=shown))

    for name in sorted(set(raw) - set(FIELDS)):
        err(name, "unknown field")
    for name in REQUIRED:
        if _blank(raw.get(name)):
            err(name, "is required")
    store = _short_text(raw, "store", MAX_ID_CHARS, err)
    rating_id = _short_text(raw, "rating_id", MAX_ID_CHARS, err)
    conversation_id = _short_text(raw, "conversation_id", MAX_ID_CHARS, err)
    score = raw.get("score")
    if isinstance(score, str) and score.strip().isdigit():
        score = int(score.strip())  # CSV cells are text
    if not _blank(score):
        problem = score_problem(score)
        if problem:
            err("score", problem, score)
    rated_at = _when(raw.get("rated_at"), now, err, field="rated_at")
    comment = _comment(raw.get("comment"), err)
    if errors:
        raise RowErrors(errors)
    assert store and rating_id and conversation_id and rated_at  # noqa: S101 - checked above
    assert isinstance(score, int)  # noqa: S101 - checked above
    return RatingIn(store, rating_id, conversation_id, score, rated_at, comment)


def _comment(value: object, err: Callable[[str, str], None]) -> str | None:
    if _blank(value):
        return None
    if not isinstance(value, str):
        err("comment", f"must be text, not {type(value).__name__}")
        return None
    text = value.strip()
    if len(text) > MAX_COMMENT_CHARS:
        err("comment", f"is longer than {MAX_COMMENT_CHARS} characters ({len(text)})")
        return None
    return text
