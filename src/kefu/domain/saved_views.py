"""Saved inbox views (docs/inbox.md "Saved views"): a person's named filters.

A view is a name and the list's query string. The query keeps only the inbox's filter
keys (no page), so a view opened later shows the first page of the same list; a name is
what the tab shows, so it is short and unique per person.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode

from kefu.domain.errors import InvalidInput
from kefu.domain.permissions import Role

MAX_NAME = 60
MAX_QUERY = 1000
MAX_VIEWS = 30  # tabs above a list: more is no longer a shortcut
FILTER_KEYS = (
    "store_id",
    "platform",
    "stage",
    "state",
    "colour_mark",
    "assignee",
    "language",
    "intent",
    "intent_group",
    "sub_intent",
    "mood",
)
ACTIVE = "state=active"
MINE = "state=active&assignee=me"  # in clean_query order


@dataclass(frozen=True)
class SavedView:
    id: int
    name: str
    query: str
    position: int


def clean_name(name: str) -> str:
    """The name as shown: trimmed, 1 to 60 characters."""
    shown = " ".join(name.split())
    if not shown:
        raise InvalidInput("a view needs a name", field="name")
    if len(shown) > MAX_NAME:
        raise InvalidInput(f"a view name has at most {MAX_NAME} characters", field="name")
    return shown


def clean_query(query: str) -> str:
    """The filters of a list's query string, in a stable order; other keys (the page, a
    search) are dropped, an unknown filter is refused."""
    text = query.strip().lstrip("?")
    if len(text) > MAX_QUERY:
        raise InvalidInput(f"a view's filters have at most {MAX_QUERY} characters", field="query")
    pairs = [(k, v) for k, v in parse_qsl(text, keep_blank_values=False) if k != "page"]
    unknown = sorted({k for k, _ in pairs} - set(FILTER_KEYS))
    if unknown:
        raise InvalidInput(f"not an inbox filter: {', '.join(unknown)}", field="query")
    chosen = dict(pairs)
    return urlencode([(k, chosen[k]) for k in FILTER_KEYS if k in chosen])


def default_query(role: str) -> str:
    """An agent starts on their own open conversations; an owner or lead on all open."""
    return MINE if role in (Role.PRE_SALE, Role.AFTER_SALE) else ACTIVE
