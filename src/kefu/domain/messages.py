"""Incoming buyer messages: the one parser every channel, file and API call goes through.

Everything that enters kefu is checked here, so a CSV row, a JSONL line and an API
item get the same rules and the same error words (ARCHITECTURE "Data").
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Protocol, TypeVar

from kefu.domain.errors import FieldError, RowErrors
from kefu.domain.types import Direction, MessageKind, Origin

MAX_TEXT_BYTES = 64 * 1024
MAX_ID_CHARS = 128
MAX_NAME_CHARS = 200
# Clocks of marketplaces and ours disagree a little; more than this is a bad date.
CLOCK_SKEW = timedelta(minutes=5)
# No marketplace message is older than this: year 1 is a typo or a zero value, and dates
# that old overflow the local-day arithmetic of the KPI facts.
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)

_COUNTRY = re.compile(r"^[A-Za-z]{2}$")
_LANGUAGE = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8}){0,3}$")
_WRITERS = (Direction.BUYER.value, Direction.SHOP.value)  # PLATFORM comes from `kind`
_TRUE = frozenset({"true", "1", "yes"})
_FALSE = frozenset({"false", "0", "no"})
# C0/C1 control characters other than tab and newline never belong in a message.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")

FIELDS = (
    "store",
    "message_id",
    "conversation_id",
    "buyer_id",
    "buyer_name",
    "buyer_country",
    "buyer_language",
    "order_number",
    "product_sku",
    "origin",
    "sent_at",
    "text",
    "direction",
    "attachments",
    "automatic",
    "kind",
)
REQUIRED = ("store", "message_id", "buyer_id", "sent_at")


class _ErrFn(Protocol):
    def __call__(self, field: str, reason: str, value: object = None) -> None: ...


_E = TypeVar("_E", bound=StrEnum)


@dataclass(frozen=True)
class IncomingMessage:
    """A message as kefu keeps it, before it is stored; times are aware UTC-comparable."""

    store: str
    message_id: str
    conversation_id: str
    buyer_id: str
    sent_at: datetime
    text: str
    direction: Direction = Direction.BUYER
    origin: Origin = Origin.MESSAGE_CENTER
    buyer_name: str | None = None
    buyer_country: str | None = None
    buyer_language: str | None = None
    order_number: str | None = None
    product_sku: str | None = None
    attachments: tuple[str, ...] = ()
    automatic: bool = False  # a shop message that was an automatic reply (history)
    kind: MessageKind = MessageKind.BUYER  # notices and system lines: direction PLATFORM


def default_conversation_id(buyer_id: str, order_number: str | None) -> str:
    """Without a platform thread id, one buyer has one thread per order and one general."""
    return f"{buyer_id}#{order_number}" if order_number else buyer_id


def parse_incoming(
    raw: Mapping[str, object], *, now: datetime, row: int | None = None
) -> IncomingMessage:
    """Check one raw message and return it normalised, or raise RowErrors naming every bad field."""
    errors: list[FieldError] = []

    def err(field: str, reason: str, value: object = None) -> None:
        shown = None if value is None else str(value)[:80]
        errors.append(FieldError(field=field, reason=reason, row=row, value=shown))

    unknown = sorted(set(raw) - set(FIELDS))
    for name in unknown:
        err(name, "unknown field")
    for name in REQUIRED:
        if _blank(raw.get(name)):
            err(name, "is required")

    store = _short_text(raw, "store", MAX_ID_CHARS, err)
    message_id = _short_text(raw, "message_id", MAX_ID_CHARS, err)
    buyer_id = _short_text(raw, "buyer_id", MAX_ID_CHARS, err)
    conversation_id = _short_text(raw, "conversation_id", MAX_ID_CHARS, err)
    buyer_name = _short_text(raw, "buyer_name", MAX_NAME_CHARS, err)
    order_number = _short_text(raw, "order_number", 64, err)
    product_sku = _short_text(raw, "product_sku", 64, err)
    country = _pattern(raw, "buyer_country", _COUNTRY, "must be a two-letter ISO 3166 code", err)
    language = _pattern(
        raw, "buyer_language", _LANGUAGE, "must be a language tag like 'es' or 'pt-BR'", err
    )
    origin = _enum(raw, "origin", Origin, Origin.MESSAGE_CENTER, err)
    direction, kind, automatic = _author(raw, err)
    sent_at = _when(raw.get("sent_at"), now, err)
    attachments = _attachments(raw.get("attachments"), err)
    text = _text(raw.get("text"), err)
    if not text and not attachments and "text" not in {e.field for e in errors}:
        err("text", "is required when there are no attachments")

    if errors:
        raise RowErrors(errors)
    assert store and message_id and buyer_id and sent_at is not None  # noqa: S101 - checked above
    return IncomingMessage(
        store=store,
        message_id=message_id,
        conversation_id=conversation_id or default_conversation_id(buyer_id, order_number),
        buyer_id=buyer_id,
        sent_at=sent_at,
        text=text,
        direction=direction,
        origin=origin,
        buyer_name=buyer_name,
        buyer_country=country.upper() if country else None,
        buyer_language=_canonical_language(language) if language else None,
        order_number=order_number,
        product_sku=product_sku,
        attachments=attachments,
        automatic=automatic,
        kind=kind,
    )


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _short_text(raw: Mapping[str, object], name: str, limit: int, err: _ErrFn) -> str | None:
    value = raw.get(name)
    if _blank(value):
        return None
    if isinstance(value, int | float) and not isinstance(value, bool):
        try:
            value = str(value)  # numeric ids from spreadsheets and JSON are common
        except ValueError:  # an int beyond Python's digit limit
            err(name, "is a number too large to be an id")
            return None
    if not isinstance(value, str):
        err(name, f"must be text, not {type(value).__name__}", value)
        return None
    if not _encodable(value):
        err(name, "is not valid UTF-8 (lone surrogate)")
        return None
    value = unicodedata.normalize("NFC", value.strip())
    if len(value) > limit:
        err(name, f"is longer than {limit} characters ({len(value)})")
        return None
    if _CONTROL.search(value) or "\n" in value:
        err(name, "must be one line of printable text", value)
        return None
    return value


def _pattern(
    raw: Mapping[str, object], name: str, pattern: re.Pattern[str], reason: str, err: _ErrFn
) -> str | None:
    value = _short_text(raw, name, 16, err)
    if value is not None and not pattern.match(value):
        err(name, reason, value)
        return None
    return value


def _enum(raw: Mapping[str, object], name: str, kind: type[_E], default: _E, err: _ErrFn) -> _E:
    value = raw.get(name)
    if _blank(value):
        return default
    try:
        return kind(str(value).strip().lower())
    except ValueError:
        allowed = ", ".join(m.value for m in kind)
        err(name, f"must be one of: {allowed}", value)
        return default


def _author(raw: Mapping[str, object], err: _ErrFn) -> tuple[Direction, MessageKind, bool]:
    """Who wrote the message: direction, kind and whether it was an automatic reply.

    A notice or system line is the platform's, whatever the export says in `direction`;
    only a shop message can be automatic."""
    direction = Direction.BUYER
    value = raw.get("direction")
    if not _blank(value):
        word = str(value).strip().lower()
        if word in _WRITERS:
            direction = Direction(word)
        else:
            hint = " (a platform's line says kind notice or system)" if word == "platform" else ""
            err("direction", f"must be one of: buyer, shop{hint}", value)
    kind = _enum(raw, "kind", MessageKind, MessageKind.BUYER, err)
    automatic = _flag(raw, "automatic", err)
    if automatic and kind != MessageKind.BUYER:
        err("automatic", f"a {kind.value} message cannot be an automatic reply", raw["automatic"])
        automatic = False
    elif automatic and direction == Direction.BUYER:
        err("automatic", "only a shop message can be an automatic reply", raw["automatic"])
        automatic = False
    if kind != MessageKind.BUYER:
        direction = Direction.PLATFORM
    return direction, kind, automatic


def _flag(raw: Mapping[str, object], name: str, err: _ErrFn) -> bool:
    """A yes/no field: JSON true/false, or in CSV true/false, 1/0, yes/no (any case)."""
    value = raw.get(name)
    if _blank(value):
        return False
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
        return value.strip().lower() in _TRUE
    err(name, "must be true or false (in CSV also 1/0, yes/no)", value)
    return False


def _when(value: object, now: datetime, err: _ErrFn, field: str = "sent_at") -> datetime | None:
    if _blank(value):
        return None
    if not isinstance(value, str):
        err(field, "must be an ISO 8601 date-time text", value)
        return None
    try:
        parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        err(field, "is not an ISO 8601 date-time like 2026-11-20T08:15:00+08:00", value)
        return None
    if parsed.tzinfo is None or parsed.utcoffset() is None:
        err(field, "has no time zone; add Z or an offset like +08:00", value)
        return None
    try:
        parsed.astimezone(UTC)
    except OverflowError:
        err(field, "is out of range", value)
        return None
    if parsed > now + CLOCK_SKEW:
        err(field, "is in the future", value)
        return None
    if parsed < EARLIEST:
        err(field, f"is before {EARLIEST:%Y-%m-%d}", value)
        return None
    return parsed


def _text(value: object, err: _ErrFn) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        err("text", f"must be text, not {type(value).__name__}", value)
        return ""
    if not _encodable(value):
        err("text", "is not valid UTF-8 (lone surrogate)")
        return ""
    # Clean first, normalise after, measure last: the stored text is what is checked.
    cleaned = _CONTROL.sub("", value.replace("\r\n", "\n").replace("\r", "\n"))
    text = unicodedata.normalize("NFC", cleaned).strip()
    size = len(text.encode("utf-8"))
    if size > MAX_TEXT_BYTES:
        err("text", f"is {size} bytes; the limit is {MAX_TEXT_BYTES} bytes (64 KiB)")
        return ""
    return text


def _encodable(value: str) -> bool:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _attachments(value: object, err: _ErrFn) -> tuple[str, ...]:
    if _blank(value):
        return ()
    items: list[object]
    if isinstance(value, str):
        items = [part for part in value.split("|") if part.strip()]
    elif isinstance(value, list):
        items = list(value)
    else:
        err("attachments", "must be a list of URLs (or URLs separated by | in CSV)", value)
        return ()
    urls: list[str] = []
    for item in items:
        if not isinstance(item, str) or not item.strip().lower().startswith(
            ("https://", "http://")
        ):
            err("attachments", "each attachment must be an http(s) URL", item)
            continue
        urls.append(item.strip())
    return tuple(urls)


def _canonical_language(tag: str) -> str:
    """BCP 47 case: language lower, script title ('Hant'), region upper ('BR', '419')."""
    base, *rest = tag.split("-")
    parts = [base.lower()]
    for sub in rest:
        if len(sub) == 4 and sub.isalpha():
            parts.append(sub.title())
        elif len(sub) == 2 or (len(sub) == 3 and sub.isdigit()):
            parts.append(sub.upper())
        else:
            parts.append(sub.lower())
    return "-".join(parts)
