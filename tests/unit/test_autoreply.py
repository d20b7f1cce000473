"""Automatic replies exactly as SPEC §6 states them: keyword sets, welcome, busy, the plan."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from kefu.domain.autoreply import (
    AutoKind,
    AutoReplySettings,
    ContentKind,
    KeywordReply,
    busy_due,
    keyword_set_errors,
    matching_keyword,
    plan,
    validated,
    welcome_due,
    welcome_kind,
)
from kefu.domain.calendar import WorkingHours
from kefu.domain.errors import FieldError, RowErrors

SHANGHAI = ZoneInfo("Asia/Shanghai")
HOURS = WorkingHours(zone=SHANGHAI)
FRIDAY_EVENING = datetime(2026, 11, 20, 20, 0, tzinfo=SHANGHAI)  # closed
MONDAY_MORNING = datetime(2026, 11, 23, 10, 0, tzinfo=SHANGHAI)  # open
T0 = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def rules(n: int) -> list[KeywordReply]:
    return [KeywordReply(f"keyword {i}", ContentKind.TEXT, f"answer {i}") for i in range(n)]


def fields(errors: Sequence[FieldError]) -> list[tuple[str, int | None]]:
    return [(e.field, e.row) for e in errors]


# --- keyword sets ------------------------------------------------------------------------


@pytest.mark.parametrize("n", [0, 3, 9])
def test_none_or_3_to_9_keywords_are_accepted(n: int) -> None:
    assert keyword_set_errors(rules(n)) == []


@pytest.mark.parametrize("n", [1, 2, 10])
def test_1_2_or_10_keywords_are_refused(n: int) -> None:
    assert fields(keyword_set_errors(rules(n))) == [("keywords", None)]


def test_a_keyword_over_300_characters_is_refused_with_its_row() -> None:
    keywords = rules(3)
    keywords[1] = KeywordReply("k" * 301, ContentKind.TEXT, "answer")
    assert fields(keyword_set_errors(keywords)) == [("keyword", 2)]
    keywords[1] = KeywordReply("k" * 300, ContentKind.TEXT, "answer")
    assert keyword_set_errors(keywords) == []


def test_a_repeated_keyword_is_refused_whatever_its_case() -> None:
    keywords = [*rules(2), KeywordReply("  KEYWORD 0 ", ContentKind.TEXT, "again")]
    errors = keyword_set_errors(keywords)
    assert fields(errors) == [("keyword", 3)]
    assert "row 1" in errors[0].reason


@pytest.mark.parametrize(
    ("kind", "content", "ok"),
    [
        (ContentKind.IMAGE, "https://img.example.com/size.png", True),
        (ContentKind.IMAGE, "http://img.example.com/size.png", False),
        (ContentKind.IMAGE, "size.png", False),
        (ContentKind.COUPON, "SAVE-10_NOW", True),
        (ContentKind.COUPON, "SAVE 10", False),
        (ContentKind.COUPON, "ab", False),
        (ContentKind.COUPON, "-SAVE10", False),
        (ContentKind.TEXT, "   ", False),
        (ContentKind.IMAGE, "", False),
        (ContentKind.TEXT, "x" * 2001, False),
    ],
)
def test_content_must_suit_its_kind(kind: ContentKind, content: str, ok: bool) -> None:
    keywords = [*rules(2), KeywordReply("size", kind, content)]
    assert fields(keyword_set_errors(keywords)) == ([] if ok else [("content", 3)])


def test_validated_lists_every_problem_and_saves_nothing_half_valid() -> None:
    bad = AutoReplySettings(
        busy_queue_size=0,
        keywords=(
            KeywordReply("ship", ContentKind.TEXT, ""),
            KeywordReply("SHIP", ContentKind.COUPON, "no spaces please"),
        ),
    )
    with pytest.raises(RowErrors) as caught:
        validated(bad)
    assert fields(caught.value.errors) == [
        ("keywords", None),
        ("content", 1),
        ("keyword", 2),
        ("content", 2),
        ("busy_queue_size", None),
    ]
    good = AutoReplySettings(welcome_enabled=True, keywords=tuple(rules(3)))
    assert validated(good) is good


def test_matching_keyword_prefers_the_longest_and_ignores_case_and_spacing() -> None:
    keywords = [
        KeywordReply("ship", ContentKind.TEXT, "short"),
        KeywordReply("shipping   time", ContentKind.TEXT, "long"),
        KeywordReply("coupon", ContentKind.COUPON, "SAVE10"),
    ]
    found = matching_keyword("What is the SHIPPING\ntime to Spain?", keywords)
    assert found is not None and found.content == "long"
    ship = matching_keyword("do you ship to Spain?", keywords)
    assert ship is not None and ship.content == "short"
    assert matching_keyword("hello", keywords) is None


# --- welcome -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("enabled", "text", "previous", "due"),
    [
        (True, "Welcome!", None, True),
        (True, "Welcome!", T0 - timedelta(hours=23), False),
        (True, "Welcome!", T0 - timedelta(hours=23, minutes=59), False),
        (True, "Welcome!", T0 - timedelta(hours=24), True),
        (False, "Welcome!", None, False),
        (True, "  ", None, False),
    ],
)
def test_welcome_goes_to_the_first_message_in_24_hours_only(
    enabled: bool, text: str, previous: datetime | None, due: bool
) -> None:
    assert (
        welcome_due(enabled=enabled, text=text, received_at=T0, previous_buyer_message_at=previous)
        is due
    )


def test_welcome_kind_follows_working_hours_and_holidays() -> None:
    assert welcome_kind(HOURS, MONDAY_MORNING) is AutoKind.WELCOME
    assert welcome_kind(HOURS, FRIDAY_EVENING) is AutoKind.WELCOME_CLOSED
    assert welcome_kind(HOURS, MONDAY_MORNING.replace(hour=8, minute=59)) is AutoKind.WELCOME_CLOSED
    assert welcome_kind(HOURS, MONDAY_MORNING.replace(hour=18, minute=0)) is AutoKind.WELCOME_CLOSED
    holiday = WorkingHours(zone=SHANGHAI, holidays=frozenset({date(2026, 11, 23)}))
    assert welcome_kind(holiday, MONDAY_MORNING) is AutoKind.WELCOME_CLOSED
    # the zone decides, not UTC: 02:00 UTC on Monday is 10:00 in Shanghai
    assert welcome_kind(HOURS, datetime(2026, 11, 23, 2, 0, tzinfo=UTC)) is AutoKind.WELCOME


def test_next_opening_skips_the_weekend_and_a_holiday() -> None:
    monday_nine = datetime(2026, 11, 23, 9, 0, tzinfo=SHANGHAI)
    assert HOURS.next_opening(FRIDAY_EVENING) == monday_nine
    assert HOURS.next_opening(datetime(2026, 11, 21, 8, 0, tzinfo=SHANGHAI)) == monday_nine
    assert HOURS.next_opening(datetime(2026, 11, 23, 7, 30, tzinfo=SHANGHAI)) == monday_nine
    assert HOURS.next_opening(MONDAY_MORNING) == MONDAY_MORNING  # open now
    holiday = WorkingHours(zone=SHANGHAI, holidays=frozenset({date(2026, 11, 23)}))
    tuesday_nine = datetime(2026, 11, 24, 9, 0, tzinfo=SHANGHAI)
    assert holiday.next_opening(FRIDAY_EVENING) == tuesday_nine
    # in UTC: Friday 12:00 UTC is 20:00 Shanghai; Monday 09:00 Shanghai is 01:00 UTC
    assert HOURS.next_opening(T0) == datetime(2026, 11, 23, 1, 0, tzinfo=UTC)


# --- busy --------------------------------------------------------------------------------

BUSY = AutoReplySettings(busy_enabled=True, busy_queue_size=10)


@pytest.mark.parametrize(
    ("settings", "queue", "last", "due"),
    [
        (BUSY, 10, None, False),
        (BUSY, 11, None, True),
        (BUSY, 11, T0 - timedelta(hours=23), False),
        (BUSY, 11, T0 - timedelta(hours=24), True),
        (AutoReplySettings(busy_enabled=False, busy_queue_size=10), 500, None, False),
    ],
)
def test_busy_notice_above_the_queue_size_once_a_day(
    settings: AutoReplySettings, queue: int, last: datetime | None, due: bool
) -> None:
    assert busy_due(settings=settings, open_queue=queue, received_at=T0, last_busy_at=last) is due


# --- the plan ----------------------------------------------------------------------------

ALL_ON = AutoReplySettings(
    welcome_enabled=True,
    busy_enabled=True,
    busy_queue_size=10,
    keywords=(
        KeywordReply("size", ContentKind.IMAGE, "https://img.example.com/sizes.png"),
        KeywordReply("coupon", ContentKind.COUPON, "SAVE10"),
        KeywordReply("shipping", ContentKind.TEXT, "We ship in 3 days."),
    ),
)


def planned(
    text: str, previous: datetime | None, queue: int = 0, at: datetime = MONDAY_MORNING
) -> list[tuple[AutoKind, str | None]]:
    out = plan(
        settings=ALL_ON,
        welcome_text="Welcome!",
        text=text,
        received_at=at,
        previous_buyer_message_at=previous,
        hours=HOURS,
        open_queue=queue,
        last_busy_at=None,
    )
    return [(p.kind, p.keyword.keyword if p.keyword else None) for p in out]


def test_plan_sends_welcome_then_keyword_answer() -> None:
    assert planned("Which size should I take?", None) == [
        (AutoKind.WELCOME, None),
        (AutoKind.KEYWORD, "size"),
    ]
    assert planned("coupon?", None, at=FRIDAY_EVENING) == [
        (AutoKind.WELCOME_CLOSED, None),
        (AutoKind.KEYWORD, "coupon"),
    ]


def test_plan_leaves_the_busy_notice_out_when_a_welcome_goes() -> None:
    assert planned("hello", None, queue=100) == [(AutoKind.WELCOME, None)]
    recent = MONDAY_MORNING - timedelta(hours=1)
    assert planned("hello", recent, queue=100) == [(AutoKind.BUSY, None)]
    assert planned("shipping?", recent, queue=100) == [
        (AutoKind.KEYWORD, "shipping"),
        (AutoKind.BUSY, None),
    ]
    assert planned("hello", recent, queue=5) == []


def test_a_keyword_text_answers_in_the_buyers_language_else_the_default() -> None:
    rule = KeywordReply(
        "refund",
        ContentKind.TEXT,
        "Refunds reach you in 3-7 days.",
        (("es", "El reembolso llega en 3-7 días."), ("pt", "O reembolso chega em 3-7 dias.")),
    )
    answers = {lang: rule.text_for(lang) for lang in ("es", "pt-BR", "PT", "de", None, "zh")}
    assert answers == {
        "es": "El reembolso llega en 3-7 días.",
        "pt-BR": "O reembolso chega em 3-7 dias.",
        "PT": "O reembolso chega em 3-7 dias.",
        "de": "Refunds reach you in 3-7 days.",
        None: "Refunds reach you in 3-7 days.",
        "zh": "Refunds reach you in 3-7 days.",
    }
    settings = AutoReplySettings(
        keywords=(rule, *[KeywordReply(f"k{n}", ContentKind.TEXT, "x") for n in range(2)])
    )
    assert AutoReplySettings.from_dict(settings.to_dict()) == settings


@pytest.mark.parametrize(
    ("kind", "texts", "problem"),
    [
        (ContentKind.TEXT, (("xx", "hola"),), "not a language"),
        (ContentKind.TEXT, (("es", "  "),), "empty"),
        (ContentKind.TEXT, (("es", "a" * 2001),), "longer than"),
        (ContentKind.COUPON, (("es", "hola"),), "only a text reply"),
    ],
)
def test_a_keywords_language_texts_are_checked_by_row(
    kind: ContentKind, texts: tuple[tuple[str, str], ...], problem: str
) -> None:
    content = "SAVE10" if kind is ContentKind.COUPON else "Hello"
    rules = [KeywordReply("a", ContentKind.TEXT, "x"), KeywordReply("b", kind, content, texts)]
    rules.append(KeywordReply("c", ContentKind.TEXT, "x"))
    errors = keyword_set_errors(rules)
    assert [(e.field, e.row) for e in errors] == [("texts", 2)]
    assert problem in errors[0].reason
