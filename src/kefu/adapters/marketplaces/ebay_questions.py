"""An eBay store's buyers' questions about its listings (Ask Seller a Question, through the
Trading API) beside its Message API conversations (docs/channels.md "eBay Trading").

Each pass reads the Message API's conversations as before, then the questions created
since the last pass (GetMemberMessages by creation date, page by page; the next pass starts
a little before this one's end: ingestion is idempotent on the message id). A reply to an
`asq:` conversation answers the buyer's latest question there by AddMemberMessageRTQ,
once: before a retry the client looks whether the question already carries that answer.

The cursor stays opaque JSON: `{"v": "asq/1", "phase", "messages", "since", "end", "page"}`;
a message cursor kept before questions were read is read as the messages' cursor.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from kefu.adapters.marketplaces.ebay import EbayClient
from kefu.adapters.marketplaces.ebay_trading import (
    Question,
    TradingClient,
    parse_ref,
    rows_of,
)
from kefu.domain.moments import parse_moment
from kefu.services.ports import (
    CallLimiter,
    ChannelError,
    OutgoingReply,
    PulledPage,
    StateChange,
)

VERSION = "asq/1"
OVERLAP = timedelta(minutes=2)  # eBay may date a question a little before it shows it
# A question is answered within eBay's listing life; a pass looks back at most this far
# for the question a reply answers.
ANSWER_LOOKBACK = timedelta(days=90)


@dataclass(frozen=True)
class _Position:
    phase: str  # "messages" or "questions"
    messages: str | None
    since: datetime | None  # the questions' next creation-date window starts here
    end: datetime | None  # this pass's end, fixed while it pages
    page: int = 1

    @classmethod
    def load(cls, cursor: str | None) -> _Position:
        try:
            data = json.loads(cursor) if cursor else {"v": VERSION}
        except ValueError:
            data = None
        if not isinstance(data, dict) or data.get("v") != VERSION:
            return cls("messages", cursor, None, None)
        return cls(
            "questions" if data.get("phase") == "questions" else "messages",
            data.get("messages") if isinstance(data.get("messages"), str) else None,
            parse_moment(data.get("since")),
            parse_moment(data.get("end")),
            data["page"] if isinstance(data.get("page"), int) else 1,
        )

    def dump(self) -> str:
        return json.dumps(
            {
                "v": VERSION,
                "phase": self.phase,
                "messages": self.messages,
                "since": self.since.isoformat() if self.since else None,
                "end": self.end.isoformat() if self.end else None,
                "page": self.page,
            },
            separators=(",", ":"),
        )


class EbayWithQuestions:
    """A store's eBay client that also reads and answers listing questions
    (kefu.services.ports.MarketplaceClient); everything else is the message client's."""

    def __init__(self, messages: EbayClient, *, limiter: CallLimiter | None = None) -> None:
        self.messages = messages
        self.trading = TradingClient(
            messages.store,
            self._token,
            base_url=messages.base_url,
            client=messages.client,
            seller=messages.credentials.seller_username,
            marketplace_id=messages.credentials.marketplace_id or "EBAY_US",
            limiter=limiter,
        )

    def _token(self) -> str:
        """The message client's token, renewed first when it is near its end."""
        self.messages.fresh_token()
        return self.messages.access_token

    def pull(self, cursor: str | None, since: datetime) -> PulledPage:
        at = _Position.load(cursor)
        if at.phase == "messages":
            pulled = self.messages.pull(at.messages, since)
            following = _Position(
                "questions" if pulled.done else "messages", pulled.cursor, at.since, None
            )
            return PulledPage(
                pulled.rows,
                pulled.states,
                following.dump(),
                done=False,
                records=pulled.records,
                problems=pulled.problems,
            )
        start = at.since or since
        end = at.end or datetime.fromtimestamp(self.messages.clock(), UTC)
        try:
            found, more = self.trading.questions(start, end, at.page)
        except ChannelError as exc:
            if exc.retryable:
                raise
            # Refused for good (a token without the Trading scope): said in the sync report;
            # the messages keep syncing, the next pass asks again.
            following = _Position("messages", at.messages, at.since, None)
            return PulledPage([], [], following.dump(), done=True, problems=[f"questions: {exc}"])
        rows = [row for q in found for row in rows_of(q, self.messages.store)]
        if more:
            following = _Position("questions", at.messages, start, end, at.page + 1)
        else:
            following = _Position("messages", at.messages, max(end - OVERLAP, start), None)
        return PulledPage(rows, [], following.dump(), done=not more)

    def send(self, reply: OutgoingReply) -> str:
        asked = parse_ref(reply.conversation_ref)
        if asked is None:
            return self.messages.send(reply)
        item, buyer = asked
        question = self._latest(item, buyer)
        if reply.attempts > 0 and reply.text.strip() in question.responses:
            return _answer_id(question, question.responses.index(reply.text.strip()) + 1)
        self.trading.answer(item, question.message_id, buyer, reply.text)
        return _answer_id(question, len(question.responses) + 1)

    def _latest(self, item: str, buyer: str) -> Question:
        """The buyer's latest question about the listing: the one an answer goes to."""
        now = datetime.fromtimestamp(self.messages.clock(), UTC)
        asked = [
            q
            for q in self.trading.questions_about(item, now - ANSWER_LOOKBACK, now)
            if q.sender == buyer
        ]
        if not asked:
            raise ChannelError(
                f"eBay shows no question of {buyer} about listing {item} to answer",
                retryable=False,
            )
        return max(asked, key=lambda q: (q.created, q.message_id))

    def push(self, change: StateChange) -> None:
        if parse_ref(change.ref) is None:  # a question has no read or archive state
            self.messages.push(change)

    def push_many(self, changes: Sequence[StateChange]) -> list[str]:
        return self.messages.push_many([c for c in changes if parse_ref(c.ref) is None])

    def __getattr__(self, name: str) -> Any:
        """state_fields, recent_states, push_many, close… are the message client's."""
        return getattr(self.messages, name)


def _answer_id(question: Question, n: int) -> str:
    """The id kefu gives the n-th answer of a question when it pulls it back (rows_of)."""
    return f"asq-{question.message_id}-r{n}"
