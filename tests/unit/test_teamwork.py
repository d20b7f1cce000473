"""Team work rules (domain/teamwork.py): note size, mentions, presence states, the wording
of a colliding reply, and where notes sit in the thread."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from kefu.domain.errors import InvalidInput
from kefu.domain.teamwork import (
    MAX_MENTIONS,
    MAX_NOTE_CHARS,
    PresenceState,
    ReplyCollision,
    mentions,
    note_text,
    presence_state,
)
from kefu.services.ports import NoteView
from kefu.web.pages.teamwork import place_notes

T0 = datetime(2026, 12, 6, 14, 2, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("@lina please check", ("lina",)),
        ("thanks @Lina.", ("lina",)),
        ("@lina @wangwei and @lina again", ("lina", "wangwei")),
        ("（@zhangmin）退款已同意", ("zhangmin",)),
        ("write to ana@example.com", ()),
        ("no one here", ()),
        ("@", ()),
        ("@@lina", ()),
        ("cc:@chen_jie-2,", ("chen_jie-2",)),
    ],
)
def test_mentions_are_user_names_after_an_at_sign(text: str, expected: tuple[str, ...]) -> None:
    assert mentions(text) == expected


def test_a_note_mentions_at_most_ten_people() -> None:
    many = " ".join(f"@user{n}" for n in range(MAX_MENTIONS + 1))
    with pytest.raises(InvalidInput, match="at most 10 people"):
        mentions(many)
    assert len(mentions(" ".join(f"@user{n}" for n in range(MAX_MENTIONS)))) == MAX_MENTIONS


def test_a_note_is_trimmed_not_empty_and_within_the_limit() -> None:
    assert note_text("  hello \n") == "hello"
    assert note_text("x" * MAX_NOTE_CHARS) == "x" * MAX_NOTE_CHARS
    for bad in ("", "  \n ", "x" * (MAX_NOTE_CHARS + 1)):
        with pytest.raises(InvalidInput) as refused:
            note_text(bad)
        assert refused.value.params["field"] == "text"


def test_presence_is_viewing_or_typing() -> None:
    assert presence_state("typing") is PresenceState.TYPING
    with pytest.raises(InvalidInput, match="viewing or typing"):
        presence_state("away")


def test_a_colliding_reply_names_who_answered_and_when() -> None:
    error = ReplyCollision("李娜 Li Na", T0)
    assert error.code == "reply_collision"
    assert (
        error.message
        == "李娜 Li Na already answered this message at 14:02 UTC — read it before sending"
    )
    assert error.params == {"author": "李娜 Li Na", "at": T0.isoformat()}
    assert "someone on the platform" in ReplyCollision(None, T0).message


def _note(n: int, at: datetime) -> NoteView:
    return NoteView(n, 1, 1, "Li Na", f"note {n}", (), at)


def test_notes_sit_in_the_thread_by_time() -> None:
    messages = [(10, T0), (11, T0 + timedelta(minutes=5))]
    early, middle, late = (
        _note(1, T0 - timedelta(minutes=1)),
        _note(2, T0 + timedelta(minutes=1)),
        _note(3, T0 + timedelta(minutes=9)),
    )
    before, after = place_notes([early, middle, late], messages)
    assert before == {10: [early], 11: [middle]}
    assert after == [late]
    assert place_notes([], messages) == ({}, [])
