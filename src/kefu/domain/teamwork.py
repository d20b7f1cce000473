"""Team work rules (docs/team.md "Working together"): an internal note's size, who it
mentions, how long a sign of presence lasts, and the refusal of a reply that collides
with a teammate's answer to the same buyer message."""

from __future__ import annotations

import re
from datetime import datetime
from enum import StrEnum

from kefu.domain.errors import InvalidInput, InvalidTransition

MAX_NOTE_CHARS = 4000
MAX_MENTIONS = 10
# A heartbeat every ~10 s keeps a row fresh; one missed beat still counts, two do not.
PRESENCE_FRESH_SECONDS = 30

# `@name` at the start or after a space or punctuation, not inside an e-mail address.
_MENTION = re.compile(r"(?<![\w@.+-])@([A-Za-z0-9][A-Za-z0-9_.-]{0,63})")


class PresenceState(StrEnum):
    VIEWING = "viewing"
    TYPING = "typing"


def note_text(text: str) -> str:
    """The note as stored: trimmed, not empty, at most MAX_NOTE_CHARS characters."""
    body = text.strip()
    if not body:
        raise InvalidInput("an internal note needs some text", field="text")
    if len(body) > MAX_NOTE_CHARS:
        raise InvalidInput(f"an internal note is at most {MAX_NOTE_CHARS} characters", field="text")
    return body


def mentions(text: str) -> tuple[str, ...]:
    """The user names mentioned, lower-case, each once, in the order written; a name ends
    before trailing dots ("thanks @lina." mentions lina)."""
    found: dict[str, None] = {}
    for match in _MENTION.finditer(text):
        name = match.group(1).rstrip(".-").lower()
        if name:
            found.setdefault(name, None)
    if len(found) > MAX_MENTIONS:
        raise InvalidInput(
            f"a note mentions at most {MAX_MENTIONS} people", field="text", count=len(found)
        )
    return tuple(found)


def presence_state(value: str) -> PresenceState:
    try:
        return PresenceState(value)
    except ValueError:
        raise InvalidInput("state must be viewing or typing", field="state") from None


class MentionRefused(InvalidInput):
    """Someone mentioned may not see the conversation, or is no one on the team."""

    code = "mention_refused"


class HandoverRefused(InvalidTransition):
    """An agent without the right to assign may pass on only a conversation they hold,
    and only to a teammate (409: the conversation's state, not the role, refuses it)."""

    code = "handover_refused"


class ReplyCollision(InvalidTransition):
    """Someone else answered the buyer message this reply answers, after the agent read
    it: sending now would answer twice (409; the agent may choose to send anyway)."""

    code = "reply_collision"

    def __init__(self, author: str | None, at: datetime) -> None:
        who = author or "someone on the platform"
        super().__init__(
            f"{who} already answered this message at {at:%H:%M} UTC — read it before sending",
            author=author,
            at=at.isoformat(),
        )
        self.author = author
        self.at = at
