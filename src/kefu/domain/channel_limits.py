"""What a marketplace's message API accepts in one message, as data.

Each adapter declares its platform's limits beside its code (`CHANNEL_LIMITS` in
kefu.adapters.marketplaces.*, with the documentation they come from), and the outgoing
gate checks every text against them when it is written: a reply the platform would refuse
is stopped in front of the agent, with its place marked, instead of failing later in the
outbox where nobody is looking.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit


@dataclass(frozen=True)
class ChannelLimits:
    text_chars: int | None = None  # the longest text the API takes; None: no stated limit
    attachments: int = 0  # files one message may carry (0: none)
    # File extensions the API takes (lower case, no dot); empty: any the count allows.
    attachment_types: frozenset[str] = frozenset()
    https_only: bool = False  # attachments are links the platform fetches over https


def overflow(text: str, limits: ChannelLimits) -> int | None:
    """Where the text passes the platform's length limit (the first character too many)."""
    if limits.text_chars is not None and len(text) > limits.text_chars:
        return limits.text_chars
    return None


def refused_attachments(attachments: Sequence[str], limits: ChannelLimits) -> list[str]:
    """The attachments the platform would refuse: beyond its count, of a type it does not
    take, or (where it fetches them) not an https link."""
    refused = []
    for n, link in enumerate(attachments):
        path = urlsplit(link).path if "://" in link else link
        name = path.rsplit("/", 1)[-1]
        extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
        if (
            n >= limits.attachments
            or (limits.attachment_types and extension not in limits.attachment_types)
            or (limits.https_only and not link.startswith("https://"))
        ):
            refused.append(link)
    return refused
