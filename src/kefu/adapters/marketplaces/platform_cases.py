"""What the case adapters share (ebay_cases, aliexpress_cases, wish_cases; docs/channels.md
"Cases"): the pass over a platform's case lists, and amounts in cents.

A platform keeps a case's state on its side and changes it for weeks (a return is shipped,
received, refunded), and its search calls filter by when a case was *opened*, not when it
last changed. So each pass reads every list (a "source": cancellations, returns,
inquiries…) for the cases opened from `LOOKBACK` before the pass began (or `since`, if
older) up to then, page by page; the service stores each case by its ref, so a case read
again unchanged changes nothing. The cursor kefu keeps is opaque JSON: which source and
offset the pass has reached, and the pass's window.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation

from kefu.services.ports import CaseDecision, CasePage, ChannelError, PlatformCase

VERSION = "cases/1"
# How far back a pass looks for cases that may still change: eBay's return window (30
# days, 60 on some sites) plus the time a return takes to close; AliExpress and Wish
# cases close sooner.
LOOKBACK = timedelta(days=90)

# One page of a source: (cases mapped, how many the source holds in the window).
Lister = Callable[[str, datetime, datetime, int], tuple[list[PlatformCase], int]]


@dataclass(frozen=True)
class Pass:
    """Where a pass over a platform's case lists stands."""

    source: int
    offset: int
    start: datetime
    end: datetime

    def dump(self) -> str:
        body = {
            "v": VERSION,
            "source": self.source,
            "offset": self.offset,
            "from": self.start.astimezone(UTC).isoformat(),
            "to": self.end.astimezone(UTC).isoformat(),
        }
        return json.dumps(body, separators=(",", ":"))

    @classmethod
    def load(cls, cursor: str | None, since: datetime, now: datetime, platform: str) -> Pass:
        """The stored position, or a new pass (no cursor, or the last pass ended)."""
        fresh = cls(0, 0, min(since, now - LOOKBACK), now)
        if not cursor:
            return fresh
        try:
            data = json.loads(cursor)
            if data.get("v") != VERSION:
                raise ValueError(data.get("v"))
            if data.get("done"):
                return fresh
            return cls(
                int(data["source"]),
                int(data["offset"]),
                datetime.fromisoformat(data["from"]),
                datetime.fromisoformat(data["to"]),
            )
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise ChannelError(
                f"the stored {platform} case position is unreadable; reconnect the store",
                retryable=False,
            ) from exc


DONE = json.dumps({"v": VERSION, "done": True}, separators=(",", ":"))


def next_page(
    cursor: str | None,
    since: datetime,
    now: datetime,
    sources: Sequence[str],
    page_size: int,
    listing: Lister,
    platform: str,
) -> CasePage:
    """Read the next page of the pass: one call to one source."""
    at = Pass.load(cursor, since, now, platform)
    if at.source >= len(sources):
        return CasePage([], DONE, True)
    found, total = listing(sources[at.source], at.start, at.end, at.offset)
    offset = at.offset + page_size
    if offset < total and found:
        following = Pass(at.source, offset, at.start, at.end)
    else:
        following = Pass(at.source + 1, 0, at.start, at.end)
    if following.source >= len(sources):
        return CasePage(found, DONE, True)
    return CasePage(found, following.dump(), False)


def cents(value: object) -> int | None:
    """A platform amount ("12.50", 12.5) in cents; None when there is none or it is not a
    number (the service then asks the agent for it)."""
    if value is None or value == "":
        return None
    try:
        return int((Decimal(str(value)) * 100).quantize(Decimal(1)))
    except InvalidOperation:
        return None


def decimal_text(amount_cents: int) -> str:
    """Cents as the decimal text the platforms take ("12.50")."""
    return f"{Decimal(amount_cents) / 100:.2f}"


def step_ref(*parts: object) -> str:
    """A stable id for a platform activity that has none of its own."""
    text = "|".join(str(p) for p in parts)
    return hashlib.sha256(text.encode()).hexdigest()[:24]


def split_ref(case_ref: str, prefixes: Sequence[str], platform: str) -> tuple[str, str]:
    """("return", "5000012345") from "return:5000012345"; ChannelError (not retryable)
    for a ref this platform's cases do not have."""
    prefix, _, ident = case_ref.partition(":")
    if prefix not in prefixes or not ident:
        raise ChannelError(f"{case_ref!r} is not a {platform} case", retryable=False)
    return prefix, ident


# What a decision may carry (⚠ kefu's own bounds, below what the platforms are known to
# take: eBay's comments, AliExpress's solution_context, Wish's refund note).
NOTE_MAX = 1000
EVIDENCE_MAX = 5


def check_decision(decision: CaseDecision, platform: str) -> None:
    """A decision too big for any platform is refused before it is sent, in words."""
    if len(decision.note) > NOTE_MAX:
        raise ChannelError(
            f"the note to {platform} has {len(decision.note)} characters; at most {NOTE_MAX}",
            retryable=False,
        )
    if len(decision.evidence) > EVIDENCE_MAX:
        raise ChannelError(
            f"{len(decision.evidence)} evidence images for {platform}; at most {EVIDENCE_MAX}",
            retryable=False,
        )
    if decision.refund_cents is not None and decision.refund_cents <= 0:
        raise ChannelError("a refund amount must be above zero", retryable=False)
