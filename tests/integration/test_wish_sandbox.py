"""The Wish client against the sandbox's Wish face (issue 18).

The face runs in-process through Starlette's TestClient, which is an httpx.Client, so the
client's real HTTP code (bearer token, query, JSON bodies, error parsing) is exercised.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any, cast

import httpx
import pytest
from starlette.applications import Starlette
from starlette.routing import Mount
from starlette.testclient import TestClient

from kefu.adapters.marketplaces.sandbox.wish import WishFace, create_wish_app
from kefu.adapters.marketplaces.wish import Credentials, WishClient
from kefu.domain.messages import parse_incoming
from kefu.domain.types import MessageKind
from kefu.services.ports import ChannelError, OutgoingReply, StateChange, TokenGrant

START = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)
TOKEN = "wish-token-main"


class Clock:
    """One clock for both sides; each tick is a millisecond so changes are ordered."""

    def __init__(self) -> None:
        self.now = START.timestamp()

    def __call__(self) -> float:
        return self.now

    def tick(self, seconds: float = 0.001) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def face(clock: Clock) -> WishFace:
    face = WishFace(clock=clock)
    face.grant(TOKEN, clock() + 3600)
    return face


@pytest.fixture
def http(face: WishFace) -> Iterator[TestClient]:
    with TestClient(create_wish_app(face), base_url="http://sandbox") as client:
        yield client


def make_client(http: TestClient, clock: Clock, **options: Any) -> WishClient:
    token = options.pop("token", TOKEN)
    credentials = options.pop("credentials", Credentials(token))
    return WishClient(
        "wish-main",
        credentials,
        base_url="http://sandbox",
        client=cast(httpx.Client, http),
        clock=clock,
        **options,
    )


def open_tickets(face: WishFace, clock: Clock, count: int) -> list[str]:
    opened = []
    for n in range(count):
        opened.append(face.buyer_opens(f"Buyer {n}", f"where is order {n}?"))
        clock.tick()
    return opened


def pull_all(
    client: WishClient, cursor: str | None = None
) -> tuple[dict[str, dict[str, object]], int, int, str | None]:
    """Pull until done as kefu does (rows kept once per message id, kefu's idempotent
    ingestion); returns (rows by id, rows walked, pages walked, last cursor)."""
    stored: dict[str, dict[str, object]] = {}
    walked = pages = 0
    while True:
        page = client.pull(cursor, START - timedelta(days=30))
        pages += 1
        walked += len(page.rows)
        for row in page.rows:
            stored.setdefault(str(row["message_id"]), row)
        cursor = page.cursor
        if page.done:
            return stored, walked, pages, cursor


def reply(ref: str, text: str, attempts: int = 0, **changes: Any) -> OutgoingReply:
    values: dict[str, Any] = {
        "message_id": 7,
        "store_code": "wish-main",
        "platform": "wish",
        "conversation_ref": ref,
        "idempotency_key": "k-7",
        "text": text,
        "attachments": (),
        "is_automatic": False,
        "attempts": attempts,
    }
    values.update(changes)
    return OutgoingReply(**values)


def test_paging_pulls_every_ticket_once(face: WishFace, http: TestClient, clock: Clock) -> None:
    open_tickets(face, clock, 250)
    stored, walked, pages, _ = pull_all(make_client(http, clock, page_size=100))
    assert len(stored) == 500  # each ticket: its opening notice and the buyer's message
    assert walked == 500  # nothing twice
    assert pages == 3  # 100, 100, 50
    assert all(parse_incoming(r, now=START + timedelta(days=1)) for r in stored.values())


def test_the_next_pull_brings_only_what_changed(
    face: WishFace, http: TestClient, clock: Clock
) -> None:
    tickets = open_tickets(face, clock, 30)
    client = make_client(http, clock)
    _, walked, pages, cursor = pull_all(client)
    assert (walked, pages) == (60, 1)
    face.buyer_replies(tickets[3], "any news?")
    clock.tick()
    face.wish_support_replies(tickets[7], "Wish support: please answer the buyer")
    clock.tick()
    page = client.pull(cursor, START)
    assert {s.ref for s in page.states} == {tickets[3], tickets[7]}
    news = [
        r for r in page.rows if r["text"] in ("any news?", "Wish support: please answer the buyer")
    ]
    assert len(news) == 2
    assert len(page.rows) == 3 + 3  # each changed ticket comes whole: opening + replies
    support = next(r for r in news if "Wish support" in str(r["text"]))
    assert parse_incoming(support, now=START + timedelta(days=1)).kind == MessageKind.NOTICE
    assert page.done
    again = client.pull(page.cursor, START)
    assert (again.rows, again.states) == ([], [])


def test_tickets_sharing_a_millisecond_are_not_lost(
    face: WishFace, http: TestClient, clock: Clock
) -> None:
    open_tickets(face, clock, 5)
    for n in range(130):  # 130 tickets in the same millisecond, more than a page of 50
        face.buyer_opens(f"Tie {n}", f"same time {n}")
    clock.tick()
    open_tickets(face, clock, 5)
    stored, walked, pages, _ = pull_all(make_client(http, clock, page_size=50))
    assert len(stored) == walked == 2 * 140
    assert pages == 3  # 50, then the whole instant at 500, then the rest


def test_a_crash_before_the_cursor_is_stored_resumes_with_nothing_lost(
    face: WishFace, http: TestClient, clock: Clock
) -> None:
    open_tickets(face, clock, 120)
    client = make_client(http, clock, page_size=50)
    first = client.pull(None, START - timedelta(days=1))
    stored = {str(r["message_id"]) for r in first.rows}
    # The process dies after storing page 2's rows but before storing its cursor.
    second = client.pull(first.cursor, START)
    stored |= {str(r["message_id"]) for r in second.rows}
    # A new process (a new client) starts from the last cursor kefu stored: page 1's.
    restarted = make_client(http, clock, page_size=50)
    rows, walked, pages, _ = pull_all(restarted, first.cursor)
    stored |= set(rows)
    assert len(stored) == 240
    assert walked == 140 and pages == 2  # page 2 re-read once (idempotent), then page 3
    assert len(first.rows) + len(second.rows) == 100 + 98  # the boundary ticket once


def test_a_reply_is_sent_once_even_when_retried(
    face: WishFace, http: TestClient, clock: Clock
) -> None:
    (ticket,) = open_tickets(face, clock, 1)
    client = make_client(http, clock)
    first = client.send(reply(ticket, "Your parcel is on its way."))
    # The answer was lost: the outbox tries again (attempts 1).
    again = client.send(reply(ticket, "Your parcel is on its way.", attempts=1))
    assert again == first
    shown = face.ticket(ticket)
    merchant = [r for r in shown["replies"] if r["sender"] == "MERCHANT"]
    assert len(merchant) == 1
    assert shown["state"] == "AWAITING_USER"
    # When the sync pulls the ticket back, the reply has the id the send returned.
    rows, _, _, _ = pull_all(client)
    assert first in rows and rows[first]["direction"] == "shop"


def test_a_reply_to_a_ticket_not_awaiting_the_merchant_is_refused(
    face: WishFace, http: TestClient, clock: Clock
) -> None:
    (ticket,) = open_tickets(face, clock, 1)
    client = make_client(http, clock)
    client.send(reply(ticket, "First answer."))
    with pytest.raises(ChannelError, match="AWAITING_MERCHANT") as refused:
        client.send(reply(ticket, "A second answer before the buyer writes."))
    assert refused.value.retryable is False
    with pytest.raises(ChannelError, match="2000") as long:
        client.send(reply(ticket, "x" * 2001))
    assert long.value.retryable is False
    with pytest.raises(ChannelError, match="attachments"):
        client.send(reply(ticket, "see photo", attachments=("https://x.test/a.jpg",)))


def test_closing_closes_the_ticket_an_answer_does_not_and_reopening_reopens_it(
    face: WishFace, http: TestClient, clock: Clock
) -> None:
    (ticket,) = open_tickets(face, clock, 1)
    client = make_client(http, clock)
    calls = len(face.calls)
    client.push(StateChange(ref=ticket, handled=True))  # answered only
    assert face.ticket(ticket)["state"] == "AWAITING_MERCHANT" and len(face.calls) == calls
    client.push(StateChange(ref=ticket, handled=True, closed=True))
    assert face.ticket(ticket)["state"] == "CLOSED"
    calls = len(face.calls)
    client.push(StateChange(ref=ticket, handled=True, closed=True))  # already closed: harmless
    assert face.ticket(ticket)["state"] == "CLOSED"
    assert face.calls[calls:] == [f"GET /api/v3/tickets/{ticket}"]
    client.push(StateChange(ref=ticket, handled=False, closed=False))
    assert face.ticket(ticket)["state"] == "AWAITING_MERCHANT"
    client.push(StateChange(ref=ticket, read=True))  # Wish has no read state: nothing sent
    assert face.calls[-1] == f"PUT /api/v3/tickets/{ticket}"
    client.appeal(ticket)
    assert face.ticket(ticket)["state"] == "AWAITING_WISH"
    (state,) = client.recent_states(10)
    assert state.ref == ticket and state.handled is True


def test_a_permanently_closed_ticket_cannot_be_reopened(
    face: WishFace, http: TestClient, clock: Clock
) -> None:
    (ticket,) = open_tickets(face, clock, 1)
    face.close_permanently(ticket)
    client = make_client(http, clock)
    with pytest.raises(ChannelError, match="permanently closed") as refused:
        client.push(StateChange(ref=ticket, handled=False, closed=False))
    assert refused.value.retryable is False
    # The client's own check aside, Wish itself refuses it too.
    with pytest.raises(ChannelError, match="never be re-opened"):
        client.update(ticket, "AWAITING_MERCHANT")


def test_every_refusal_is_a_channel_error(face: WishFace, http: TestClient, clock: Clock) -> None:
    client = make_client(http, clock)
    with pytest.raises(ChannelError, match="could not find a ticket") as unknown:
        client.ticket("5d30f60e0a6fc464f4f376b0")
    assert unknown.value.retryable is False
    with pytest.raises(ChannelError, match="1 to 500") as limit:
        client.tickets(limit=501)
    assert limit.value.retryable is False
    with pytest.raises(ChannelError, match="reconnect needed") as missing:
        make_client(http, clock, token="").tickets()
    assert missing.value.retryable is False and "1012" in str(missing.value)
    with pytest.raises(ChannelError, match="reconnect needed") as unknown_token:
        make_client(http, clock, token="stolen").tickets()
    assert "1006" in str(unknown_token.value)
    clock.tick(3601)
    with pytest.raises(ChannelError, match="reconnect needed") as expired:
        client.tickets()
    assert "1007" in str(expired.value) and expired.value.retryable is False


def test_an_expired_token_is_refreshed_when_kefu_holds_a_refresh_token(
    face: WishFace, http: TestClient, clock: Clock
) -> None:
    face.add_app("app-1", "app-secret", "refresh-1")
    open_tickets(face, clock, 2)
    clock.tick(3601)  # the token has expired
    told: list[TokenGrant] = []
    credentials = Credentials(TOKEN, "refresh-1", "app-1", "app-secret")
    client = make_client(http, clock, credentials=credentials, on_tokens=told.append)
    _, walked, _, _ = pull_all(client)
    assert walked == 4
    assert credentials.access_token == told[0].access_token != TOKEN
    assert told[0].refresh_token == "wish-refresh-1" and told[0].expires_at is not None
    assert credentials.refresh_token == "wish-refresh-1"
    # A wrong app secret: the refresh is refused, and the store must be reconnected.
    clock.tick(31 * 86400)
    broken = make_client(
        http, clock, credentials=Credentials("x", "wish-refresh-1", "app-1", "wrong")
    )
    face.grant("x", clock() - 1)
    with pytest.raises(ChannelError, match="reconnect needed"):
        broken.tickets()


def test_rate_limits_say_when_to_come_back(face: WishFace, http: TestClient, clock: Clock) -> None:
    face.rate_limit = 2
    client = make_client(http, clock)
    client.tickets()
    client.tickets()
    with pytest.raises(ChannelError) as limited:
        client.tickets()
    assert limited.value.retryable is True and limited.value.retry_after == 1.0
    clock.tick(1)
    assert client.tickets() == []
    face.fail(503, retry_after=5)
    with pytest.raises(ChannelError) as down:
        client.tickets()
    assert down.value.retryable is True and down.value.retry_after == 5.0


def test_the_face_answers_when_mounted_at_wish(face: WishFace, clock: Clock) -> None:
    """The sandbox server mounts the face at /wish (sandbox/__init__.py)."""
    app = Starlette(routes=[Mount("/wish", app=create_wish_app(face))])
    open_tickets(face, clock, 3)
    with TestClient(app, base_url="http://sandbox") as mounted:
        client = WishClient(
            "wish-main",
            Credentials(TOKEN),
            base_url="http://sandbox/wish",
            client=cast(httpx.Client, mounted),
            clock=clock,
        )
        assert len(client.tickets()) == 3
