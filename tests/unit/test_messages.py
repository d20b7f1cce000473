"""parse_incoming: the one parser every incoming buyer message goes through.

A good row comes back normalised; a bad row raises RowErrors naming every bad field
and the row it came from, so CSV, JSONL and the API report problems the same way.
"""

from __future__ import annotations

import unicodedata
from datetime import timedelta, timezone
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kefu.domain.errors import FieldError, RowErrors
from kefu.domain.messages import (
    FIELDS,
    MAX_TEXT_BYTES,
    REQUIRED,
    IncomingMessage,
    parse_incoming,
)
from kefu.domain.types import Direction, MessageKind, Origin
from tests.factories import NOW, make_message

ROW = 7
PHOTO = "https://img.example.com/photo-1.jpg"


def parse(**overrides: Any) -> IncomingMessage:
    """Parse the factory's valid message with some fields changed (None removes a field)."""
    return parse_incoming(make_message(**overrides), now=NOW, row=ROW)


def errors_of(raw: dict[str, Any]) -> list[FieldError]:
    with pytest.raises(RowErrors) as caught:
        parse_incoming(raw, now=NOW, row=ROW)
    return caught.value.errors


def only_error(field: str, **overrides: Any) -> FieldError:
    """The single error a message with these overrides gives; it must name `field` and the row."""
    errors = errors_of(make_message(**overrides))
    assert [e.field for e in errors] == [field], errors
    assert errors[0].row == ROW
    return errors[0]


def c0_controls_other_than_tab_and_newline(text: str) -> list[str]:
    return [ch for ch in text if (ord(ch) < 0x20 and ch not in "\n\t") or 0x7F <= ord(ch) <= 0x9F]


# --- a good message comes back normalised ------------------------------------------------


def test_valid_message_keeps_its_fields_and_gets_defaults() -> None:
    msg = parse()

    assert msg.store == "ali-global"
    assert msg.message_id == "m-1"
    assert msg.buyer_id == "b-1"
    assert msg.buyer_name == "Ana García"
    assert msg.text == "hola, mensaje 1"
    assert msg.sent_at == NOW - timedelta(minutes=1)
    assert msg.sent_at.utcoffset() == timedelta(0)
    assert msg.direction is Direction.BUYER
    assert msg.origin is Origin.MESSAGE_CENTER
    assert msg.attachments == ()
    assert msg.order_number is None


def test_lower_case_country_is_upper_cased() -> None:
    assert parse(buyer_country="es").buyer_country == "ES"


@pytest.mark.parametrize(
    ("given_tag", "canonical"),
    [
        ("pt-br", "pt-BR"),
        ("PT-BR", "pt-BR"),
        ("pt-BR", "pt-BR"),
        ("ES", "es"),
        ("es-419", "es-419"),
    ],
)
def test_language_tag_is_made_canonical(given_tag: str, canonical: str) -> None:
    assert parse(buyer_language=given_tag).buyer_language == canonical


def test_decomposed_accents_are_composed_to_nfc() -> None:
    msg = parse(text="Cafe\u0301 cre\u0300me", buyer_name="Jose\u0301")

    assert msg.text == "Café crème"
    assert msg.buyer_name == "José"
    assert unicodedata.is_normalized("NFC", msg.text)


def test_windows_and_old_mac_line_ends_become_newlines() -> None:
    assert parse(text="line 1\r\nline 2\rline 3\nline 4").text == "line 1\nline 2\nline 3\nline 4"


def test_control_characters_are_stripped_but_tabs_and_newlines_kept() -> None:
    msg = parse(text="a\x00b\x07c\x1b[31md\x7f\x85e\tf\ng\x0bh\x0ci")

    assert msg.text == "abc[31mde\tf\nghi"


def test_surrounding_blanks_are_trimmed_from_text_and_ids() -> None:
    msg = parse(text="  \n hello  \n", store=" ali-global ", buyer_id="\tb-1 ")

    assert msg.text == "hello"
    assert msg.store == "ali-global"
    assert msg.buyer_id == "b-1"


def test_conversation_without_order_is_the_buyers_general_thread() -> None:
    assert parse().conversation_id == "b-1"


def test_conversation_with_order_number_is_buyer_hash_order() -> None:
    msg = parse(order_number="A-PAID")

    assert msg.conversation_id == "b-1#A-PAID"
    assert msg.order_number == "A-PAID"


def test_platform_thread_id_wins_over_the_default() -> None:
    assert parse(conversation_id="thread-9", order_number="A-PAID").conversation_id == "thread-9"


def test_numeric_ids_from_spreadsheets_become_text() -> None:
    msg = parse(message_id=12345, buyer_id=42, order_number=8000123)

    assert msg.message_id == "12345"
    assert msg.buyer_id == "42"
    assert msg.conversation_id == "42#8000123"


def test_origin_and_direction_ignore_case_and_blanks() -> None:
    msg = parse(origin=" Order_Detail ", direction="SHOP")

    assert msg.origin is Origin.ORDER_DETAIL
    assert msg.direction is Direction.SHOP


def test_time_with_offset_stays_aware_and_z_means_utc() -> None:
    beijing = parse(sent_at="2026-11-20T08:15:00+08:00").sent_at
    utc = parse(sent_at="2026-11-20T00:15:00Z").sent_at

    assert beijing.utcoffset() == timedelta(hours=8)
    assert beijing == utc


def test_attachments_come_from_a_list_or_a_csv_pipe_list() -> None:
    second = "http://img.example.com/b.png"

    assert parse(attachments=[PHOTO, f" {second} "]).attachments == (PHOTO, second)
    assert parse(attachments=f"{PHOTO} | {second}|").attachments == (PHOTO, second)


def test_photo_without_text_is_a_valid_message() -> None:
    msg = parse(text=None, attachments=[PHOTO])

    assert msg.text == ""
    assert msg.attachments == (PHOTO,)


def test_html_and_script_in_text_are_kept_verbatim_for_escaping_at_display() -> None:
    text = "<script>alert('x')</script> <b>bold</b> &amp; <img src=x onerror=alert(1)>"

    assert parse(text=text).text == text


def test_text_of_exactly_64_kib_is_accepted() -> None:
    ascii_text = "a" * MAX_TEXT_BYTES
    two_byte_text = "é" * (MAX_TEXT_BYTES // 2)

    assert parse(text=ascii_text).text == ascii_text
    assert parse(text=two_byte_text).text == two_byte_text


def test_id_of_exactly_128_characters_is_accepted() -> None:
    assert parse(message_id="x" * 128).message_id == "x" * 128


@pytest.mark.parametrize("minutes_ahead", [0, 4, 5])
def test_time_up_to_five_minutes_ahead_is_accepted_as_clock_skew(minutes_ahead: int) -> None:
    sent = NOW + timedelta(minutes=minutes_ahead)

    assert parse(sent_at=sent.isoformat()).sent_at == sent


# --- a bad row names each bad field and its row ------------------------------------------


@pytest.mark.parametrize("field", REQUIRED)
@pytest.mark.parametrize("missing", [None, "", "   "])
def test_missing_required_field_is_named(field: str, missing: str | None) -> None:
    raw = make_message()
    if missing is None:
        del raw[field]
    else:
        raw[field] = missing

    errors = errors_of(raw)

    assert [(e.field, e.reason, e.row) for e in errors] == [(field, "is required", ROW)]


@pytest.mark.parametrize("text", [None, "", " \n\t ", "\x00\x01\x7f"])
def test_message_without_text_or_attachment_is_refused(text: str | None) -> None:
    error = only_error("text", text=text)

    assert error.reason == "is required when there are no attachments"


def test_unknown_field_is_named() -> None:
    raw = {**make_message(), "colour": "red"}

    errors = errors_of(raw)

    assert [(e.field, e.reason, e.row) for e in errors] == [("colour", "unknown field", ROW)]


def test_integer_text_is_refused() -> None:
    error = only_error("text", text=42)

    assert error.reason == "must be text, not int"


def test_list_store_is_refused() -> None:
    error = only_error("store", store=["ali-global"])

    assert error.reason == "must be text, not list"
    assert error.value == "['ali-global']"


def test_boolean_id_is_not_taken_for_a_number() -> None:
    assert only_error("buyer_id", buyer_id=True).reason == "must be text, not bool"


def test_text_one_byte_over_64_kib_is_refused() -> None:
    error = only_error("text", text="a" * (MAX_TEXT_BYTES + 1))

    assert "65537 bytes" in error.reason
    assert "64 KiB" in error.reason


def test_text_over_64_kib_in_multibyte_characters_is_refused() -> None:
    # 21846 Chinese characters are 3 bytes each: 65538 bytes though only 21846 characters.
    error = only_error("text", text="好" * (MAX_TEXT_BYTES // 3 + 1))

    assert "65538 bytes" in error.reason


def test_text_with_lone_surrogate_is_refused_as_invalid_utf8() -> None:
    error = only_error("text", text="hola \ud800 amigo")

    assert "UTF-8" in error.reason


def test_id_over_128_characters_is_refused() -> None:
    error = only_error("message_id", message_id="x" * 129)

    assert "longer than 128 characters (129)" in error.reason


def test_buyer_name_on_two_lines_is_refused() -> None:
    error = only_error("buyer_name", buyer_name="Ana\nGarcía")

    assert error.reason == "must be one line of printable text"


def test_naive_date_time_is_refused() -> None:
    error = only_error("sent_at", sent_at="2026-11-20T08:15:00")

    assert "has no time zone" in error.reason


def test_date_without_time_is_refused_for_lack_of_time_zone() -> None:
    assert "has no time zone" in only_error("sent_at", sent_at="2026-11-20").reason


def test_time_beyond_five_minutes_ahead_is_refused_as_future() -> None:
    sent = NOW + timedelta(minutes=5, seconds=1)

    error = only_error("sent_at", sent_at=sent.isoformat())

    assert error.reason == "is in the future"


@pytest.mark.parametrize(
    "bad", ["yesterday", "2026-13-01T00:00:00Z", "20/11/2026 08:15", "2026-11-31T10:00:00Z"]
)
def test_malformed_date_is_refused(bad: str) -> None:
    error = only_error("sent_at", sent_at=bad)

    assert error.reason.startswith("is not an ISO 8601 date-time")
    assert error.value == bad


def test_date_as_a_number_is_refused() -> None:
    assert only_error("sent_at", sent_at=1_763_640_000).reason == (
        "must be an ISO 8601 date-time text"
    )


@pytest.mark.parametrize("bad", ["ESP", "E", "1A", "E-", "Ñ1"])
def test_bad_country_is_refused(bad: str) -> None:
    error = only_error("buyer_country", buyer_country=bad)

    assert error.reason == "must be a two-letter ISO 3166 code"


@pytest.mark.parametrize("bad", ["español", "e", "pt_BR", "en-", "en-US-x-twain", "1a"])
def test_bad_language_is_refused(bad: str) -> None:
    error = only_error("buyer_language", buyer_language=bad)

    assert "language tag" in error.reason


def test_unknown_origin_lists_every_allowed_origin() -> None:
    error = only_error("origin", origin="facebook")

    assert error.reason.startswith("must be one of: ")
    allowed = error.reason.removeprefix("must be one of: ").split(", ")
    assert allowed == [o.value for o in Origin]
    assert error.value == "facebook"


def test_unknown_direction_lists_buyer_and_shop() -> None:
    error = only_error("direction", direction="agent")

    assert error.reason == "must be one of: buyer, shop"


@pytest.mark.parametrize(
    "bad",
    ["ftp://files.example.com/a.jpg", "javascript:alert(1)", "file:///etc/passwd", "photo.jpg"],
)
def test_attachment_that_is_not_http_is_refused(bad: str) -> None:
    error = only_error("attachments", attachments=[PHOTO, bad])

    assert error.reason == "each attachment must be an http(s) URL"
    assert error.value == bad


def test_attachments_that_are_not_a_list_are_refused() -> None:
    assert only_error("attachments", attachments=5).reason.startswith("must be a list of URLs")


def test_every_error_of_one_row_is_reported_together() -> None:
    raw = make_message(
        store=None,
        sent_at="2026-11-20T08:15:00",
        buyer_country="ESP",
        buyer_language="español",
        origin="facebook",
        text=42,
        attachments=["ftp://x/a.jpg"],
    )
    raw["colour"] = "red"

    with pytest.raises(RowErrors) as caught:
        parse_incoming(raw, now=NOW, row=ROW)

    errors = caught.value.errors
    assert {e.field for e in errors} == {
        "colour",
        "store",
        "sent_at",
        "buyer_country",
        "buyer_language",
        "origin",
        "text",
        "attachments",
    }
    assert len(errors) == 8
    assert all(e.row == ROW for e in errors)
    assert "row 7, field 'store': is required" in str(caught.value)


def test_error_of_a_single_api_item_has_no_row() -> None:
    with pytest.raises(RowErrors) as caught:
        parse_incoming(make_message(store=None), now=NOW)

    assert caught.value.errors == [FieldError("store", "is required", row=None)]


def test_long_bad_value_is_shown_cut_to_80_characters() -> None:
    error = only_error("origin", origin="x" * 500)

    assert error.value == "x" * 80


# --- bugs the tests found (see reasons) ---------------------------------------------------


def test_text_that_grows_past_64_kib_under_nfc_is_not_kept_oversized() -> None:
    # U+0958 (3 bytes) has a composition exclusion: NFC turns it into U+0915 U+093C (6 bytes).
    text = "\u0958" * (MAX_TEXT_BYTES // 3) + "a"
    assert len(text.encode()) == MAX_TEXT_BYTES

    try:
        msg = parse(text=text)
    except RowErrors as bad:
        assert [e.field for e in bad.errors] == ["text"]
    else:
        assert len(msg.text.encode()) <= MAX_TEXT_BYTES


def test_text_with_control_character_inside_an_accent_still_comes_out_nfc() -> None:
    msg = parse(text="Cafe\x00\u0301")

    assert msg.text == "Café"
    assert unicodedata.is_normalized("NFC", msg.text)


def test_lone_surrogate_in_buyer_name_is_refused() -> None:
    only_error("buyer_name", buyer_name="Ana\ud800")


def test_script_subtag_of_language_is_title_case() -> None:
    assert parse(buyer_language="zh-hant").buyer_language == "zh-Hant"


def test_huge_integer_id_gives_a_row_error_not_a_crash() -> None:
    only_error("message_id", message_id=10**5000)


# --- properties ------------------------------------------------------------------------------

ANY_CHAR = st.characters(codec=None) | st.characters(categories=["Cs"])
OFFSETS = st.timedeltas(
    min_value=timedelta(hours=-23, minutes=-59), max_value=timedelta(hours=23, minutes=59)
)
TIMES = st.datetimes(timezones=st.none() | st.builds(timezone, OFFSETS)).map(
    lambda d: d.isoformat()
)
VALUES = st.one_of(
    st.none(),
    st.text(),
    st.text(alphabet=ANY_CHAR),
    st.integers(),
    TIMES,
    st.sampled_from(["", " ", PHOTO, "es", "pt-br", "US", "order_list", "shop"]),
)


# The first text draw in a process builds Hypothesis's Unicode tables (about 2 s on a cold
# cache); that is set-up, not slow input generation.
PROPERTY = settings(database=None, max_examples=300, suppress_health_check=[HealthCheck.too_slow])


def assert_parses_or_reports(raw: dict[str, Any]) -> None:
    try:
        msg = parse_incoming(raw, now=NOW, row=3)
    except RowErrors as bad:
        assert bad.errors
        assert all(isinstance(e, FieldError) and e.row == 3 for e in bad.errors)
        assert {e.field for e in bad.errors} <= set(FIELDS) | set(raw)
    else:
        assert isinstance(msg, IncomingMessage)
        assert msg.sent_at.tzinfo is not None


@PROPERTY
@given(st.dictionaries(st.sampled_from(FIELDS), VALUES))
def test_any_dict_of_known_fields_parses_or_gives_row_errors(raw: dict[str, Any]) -> None:
    assert_parses_or_reports(raw)


@PROPERTY
@given(st.dictionaries(st.sampled_from(FIELDS), VALUES, max_size=4))
def test_any_change_to_a_valid_message_parses_or_gives_row_errors(
    changes: dict[str, Any],
) -> None:
    assert_parses_or_reports({**make_message(), **changes})


@PROPERTY
@given(st.text())
def test_any_text_comes_out_clean_and_within_64_kib(text: str) -> None:
    msg = parse(text=text, attachments=[PHOTO])

    assert c0_controls_other_than_tab_and_newline(msg.text) == []
    assert "\r" not in msg.text
    assert len(msg.text.encode("utf-8")) <= MAX_TEXT_BYTES
    assert msg.text == msg.text.strip()


# --- automatic replies and platform lines in history ---------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (True, True),
        (False, False),
        ("true", True),
        ("TRUE", True),
        (" yes ", True),
        ("1", True),
        (1, True),
        ("false", False),
        ("No", False),
        ("0", False),
        (0, False),
        ("", False),
        (None, False),
    ],
)
def test_automatic_takes_yes_and_no_in_json_and_csv_words(value: object, expected: bool) -> None:
    m = parse(direction="shop", automatic=value)
    assert m.automatic is expected
    assert m.direction == Direction.SHOP and m.kind == MessageKind.BUYER


@pytest.mark.parametrize("value", ["maybe", "2", 2, "t", 1.5, [True], {"x": 1}])
def test_automatic_refuses_other_values(value: object) -> None:
    error = only_error("automatic", direction="shop", automatic=value)
    assert "true or false" in error.reason


def test_a_buyer_message_cannot_be_automatic() -> None:
    error = only_error("automatic", automatic="yes")
    assert "only a shop message" in error.reason
    assert parse(automatic="no").automatic is False  # saying no is fine


@pytest.mark.parametrize("kind", ["notice", "system"])
def test_a_notice_or_system_line_is_the_platforms(kind: str) -> None:
    m = parse(kind=kind)
    assert m.kind == MessageKind(kind) and m.direction == Direction.PLATFORM
    assert m.automatic is False
    # An export that writes direction on every row does not change who wrote it.
    assert parse(kind=kind.upper(), direction="shop").direction == Direction.PLATFORM
    error = only_error("automatic", kind=kind, direction="shop", automatic=True)
    assert kind in error.reason


def test_kind_defaults_to_buyer_and_refuses_other_words() -> None:
    assert parse().kind == MessageKind.BUYER and parse(kind="").kind == MessageKind.BUYER
    assert parse(kind="buyer").direction == Direction.BUYER
    error = only_error("kind", kind="dispute")
    assert error.reason == "must be one of: buyer, notice, system"
    assert error.value == "dispute"


def test_direction_platform_is_not_input() -> None:
    error = only_error("direction", direction="platform")
    assert "kind" in error.reason
