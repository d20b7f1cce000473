"""Automatic replies exactly as SPEC §6 states them: welcome, keyword and busy.

- Welcome: to a buyer whose message is their first in the last 24 hours, only when
  switched on and its text is not empty; the buyer's message stays unread.
- Keywords: none, or 3 to 9 per store; each at most 300 characters; each answers
  with exactly one kind of content (text, image or coupon).
- Busy: when the store's open queue is longer than the configured size, at most
  once a day per conversation.
Outside working hours and on holidays the welcome says when a person will answer.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from kefu.domain.calendar import WorkingHours
from kefu.domain.errors import FieldError, RowErrors
from kefu.domain.geo import BUYER_LANGUAGES

WELCOME_WINDOW = timedelta(hours=24)
BUSY_REPEAT = timedelta(hours=24)
MIN_KEYWORDS = 3
MAX_KEYWORDS = 9
MAX_KEYWORD_CHARS = 300
MAX_CONTENT_CHARS = 2000
COUPON_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{2,39}$")
REPLY_LANGUAGES = frozenset({"zh", *BUYER_LANGUAGES})


class ContentKind(StrEnum):
    TEXT = "text"
    IMAGE = "image"
    COUPON = "coupon"


class AutoKind(StrEnum):
    WELCOME = "welcome"
    WELCOME_CLOSED = "welcome_out_of_hours"
    KEYWORD = "keyword"
    BUSY = "busy"


@dataclass(frozen=True)
class KeywordReply:
    keyword: str
    kind: ContentKind
    content: str  # the text, an https image address, or a coupon code
    # A text reply in the buyers' languages: (language, text) pairs; `content` is the text
    # for a buyer whose language has none.
    texts: tuple[tuple[str, str], ...] = ()

    def text_for(self, language: str | None) -> str:
        """The reply in the buyer's language (pt-BR → pt), else the default content."""
        if self.kind is ContentKind.TEXT and language:
            own = dict(self.texts)
            for tag in (language, language.split("-")[0].lower()):
                if own.get(tag, "").strip():
                    return own[tag].strip()
        return self.content.strip()


@dataclass(frozen=True)
class AutoReplySettings:
    welcome_enabled: bool = False
    busy_enabled: bool = False
    busy_queue_size: int = 50
    keywords: tuple[KeywordReply, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON values: how settings are stored, audited and sent over the API."""
        return {
            "welcome_enabled": self.welcome_enabled,
            "busy_enabled": self.busy_enabled,
            "busy_queue_size": self.busy_queue_size,
            "keywords": [
                {
                    "keyword": k.keyword,
                    "kind": k.kind.value,
                    "content": k.content,
                    **({"texts": dict(k.texts)} if k.texts else {}),
                }
                for k in self.keywords
            ],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> AutoReplySettings:
        return cls(
            welcome_enabled=bool(data.get("welcome_enabled", False)),
            busy_enabled=bool(data.get("busy_enabled", False)),
            busy_queue_size=int(data.get("busy_queue_size", 50)),
            keywords=tuple(
                KeywordReply(
                    k["keyword"],
                    ContentKind(k["kind"]),
                    k["content"],
                    tuple(sorted(dict(k.get("texts") or {}).items())),
                )
                for k in data.get("keywords", [])
            ),
        )


def keyword_set_errors(rules: Sequence[KeywordReply]) -> list[FieldError]:
    """Every problem of a keyword set, each tied to its row (1-based) and field."""
    errors: list[FieldError] = []
    if rules and not MIN_KEYWORDS <= len(rules) <= MAX_KEYWORDS:
        errors.append(
            FieldError(
                "keywords",
                f"a store has {MIN_KEYWORDS} to {MAX_KEYWORDS} keywords or none; got {len(rules)}",
            )
        )
    seen: dict[str, int] = {}
    for row, rule in enumerate(rules, start=1):
        keyword = rule.keyword.strip()
        if not keyword:
            errors.append(FieldError("keyword", "is empty", row=row))
        elif len(keyword) > MAX_KEYWORD_CHARS:
            errors.append(
                FieldError(
                    "keyword",
                    f"is {len(keyword)} characters; at most {MAX_KEYWORD_CHARS}",
                    row=row,
                )
            )
        folded = keyword.casefold()
        if folded and folded in seen:
            errors.append(
                FieldError("keyword", f"repeats row {seen[folded]}", row=row, value=keyword)
            )
        seen.setdefault(folded, row)
        errors.extend(_content_errors(rule, row))
    return errors


def _content_errors(rule: KeywordReply, row: int) -> list[FieldError]:
    return _default_content_errors(rule, row) + _texts_errors(rule, row)


def _texts_errors(rule: KeywordReply, row: int) -> list[FieldError]:
    if rule.texts and rule.kind is not ContentKind.TEXT:
        return [FieldError("texts", f"only a text reply has languages, not {rule.kind}", row=row)]
    errors = []
    for language, text in rule.texts:
        if language not in REPLY_LANGUAGES:
            errors.append(FieldError("texts", "is not a language kefu writes", row, language))
        elif not text.strip():
            errors.append(FieldError("texts", f"the {language} text is empty", row=row))
        elif len(text) > MAX_CONTENT_CHARS:
            errors.append(
                FieldError("texts", f"{language}: longer than {MAX_CONTENT_CHARS} characters", row)
            )
    return errors


def _default_content_errors(rule: KeywordReply, row: int) -> list[FieldError]:
    content = rule.content.strip()
    if not content:
        return [FieldError("content", f"the {rule.kind.value} is empty", row=row)]
    if rule.kind is ContentKind.IMAGE and not content.startswith("https://"):
        return [FieldError("content", "an image is an https:// address", row=row, value=content)]
    if rule.kind is ContentKind.COUPON and not COUPON_CODE.match(content):
        return [
            FieldError(
                "content", "a coupon code is 3–40 letters, digits, - or _", row=row, value=content
            )
        ]
    if len(content) > MAX_CONTENT_CHARS:
        return [FieldError("content", f"is longer than {MAX_CONTENT_CHARS} characters", row=row)]
    return []


def validated(settings: AutoReplySettings) -> AutoReplySettings:
    """The settings, or RowErrors listing everything wrong; nothing is saved half-valid."""
    errors = keyword_set_errors(settings.keywords)
    if not 1 <= settings.busy_queue_size <= 100_000:
        errors.append(FieldError("busy_queue_size", "must be between 1 and 100000"))
    if errors:
        raise RowErrors(errors)
    return settings


def matching_keyword(text: str, rules: Sequence[KeywordReply]) -> KeywordReply | None:
    """The longest keyword the message contains (case- and accent-insensitive for case)."""
    folded = " ".join(text.casefold().split())
    hits = [
        r for r in rules if r.keyword.strip() and " ".join(r.keyword.casefold().split()) in folded
    ]
    return max(hits, key=lambda r: len(r.keyword.strip()), default=None)


def welcome_due(
    *,
    enabled: bool,
    text: str,
    received_at: datetime,
    previous_buyer_message_at: datetime | None,
) -> bool:
    """First buyer message within the last 24 hours, and the welcome is on and not empty."""
    if not enabled or not text.strip():
        return False
    return previous_buyer_message_at is None or (
        received_at - previous_buyer_message_at >= WELCOME_WINDOW
    )


def welcome_kind(hours: WorkingHours, received_at: datetime) -> AutoKind:
    """Out of hours (or on a holiday) the welcome says when a person will answer."""
    return AutoKind.WELCOME if hours.is_open(received_at) else AutoKind.WELCOME_CLOSED


def busy_due(
    *,
    settings: AutoReplySettings,
    open_queue: int,
    received_at: datetime,
    last_busy_at: datetime | None,
) -> bool:
    if not settings.busy_enabled or open_queue <= settings.busy_queue_size:
        return False
    return last_busy_at is None or received_at - last_busy_at >= BUSY_REPEAT


@dataclass(frozen=True)
class Planned:
    kind: AutoKind
    keyword: KeywordReply | None = None


def plan(
    *,
    settings: AutoReplySettings,
    welcome_text: str,
    text: str,
    received_at: datetime,
    previous_buyer_message_at: datetime | None,
    hours: WorkingHours,
    open_queue: int,
    last_busy_at: datetime | None,
) -> list[Planned]:
    """What to send for one buyer message, in order: welcome, keyword answer, busy notice.

    The busy notice is left out when a welcome goes, which already says a person
    will answer; several messages in one conversation get one welcome at most.
    """
    out: list[Planned] = []
    if welcome_due(
        enabled=settings.welcome_enabled,
        text=welcome_text,
        received_at=received_at,
        previous_buyer_message_at=previous_buyer_message_at,
    ):
        out.append(Planned(welcome_kind(hours, received_at)))
    keyword = matching_keyword(text, settings.keywords)
    if keyword is not None:
        out.append(Planned(AutoKind.KEYWORD, keyword))
    if not out or out[0].kind is AutoKind.KEYWORD:
        busy = busy_due(
            settings=settings,
            open_queue=open_queue,
            received_at=received_at,
            last_busy_at=last_busy_at,
        )
        if busy:
            out.append(Planned(AutoKind.BUSY))
    return out
