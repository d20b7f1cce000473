"""The eBay client against the sandbox's eBay face (issue 18).

The face runs in-process through Starlette's TestClient, which is an httpx.Client, so the
client's real HTTP code (bearer token, query, JSON body, error envelope) is exercised.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any, cast

import httpx
import pytest
from starlette.testclient import TestClient

from kefu.adapters.marketplaces.ebay import MEMBERS, Credentials, EbayClient
from kefu.adapters.marketplaces.sandbox.ebay import EbayFace, create_ebay_app
from kefu.services.ports import ChannelError, OutgoingReply, StateChange

START = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)
TOKEN, REFRESH = "v^1.1#ebay-us", "v^1.1#refresh-ebay-us"


class Clock:
    """One clock for both sides; each tick is a millisecond so messages are ordered."""

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
def face(clock: Clock) -> EbayFace:
    face = EbayFace(clock=clock)
    face.grant(TOKEN, clock() + 7200, REFRESH)
    return face


@pytest.fixture
def http(face: EbayFace) -> Iterator[TestClient]:
    with TestClient(create_ebay_app(face), base_url="http://sandbox") as client:
        yield client


def make_client(http: TestClient, **changes: Any) -> EbayClient:
    values: dict[str, Any] = {"access_token": TOKEN}
    values.update(changes)
    return EbayClient(
        "ebay-us", Credentials(**values), base_url="http://sandbox", client=cast(httpx.Client, http)
    )


def write(face: EbayFace, clock: Clock, buyers: int, each: int = 1) -> list[str]:
    refs = []
    for n in range(buyers):
        ref = face.open_conversation(f"buyer{n:05d}")
        for k in range(each):
            face.buyer_writes(ref, f"hello {n}.{k}")
            clock.tick()
        refs.append(ref)
    return refs


def pull_all(
    client: EbayClient, cursor: str | None = None
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


def reply(ref: str, text: str, attempts: int = 0, files: tuple[str, ...] = ()) -> OutgoingReply:
    return OutgoingReply(
        message_id=7,
        store_code="ebay-us",
        platform="ebay",
        conversation_ref=ref,
        idempotency_key="k-7",
        text=text,
        attachments=files,
        is_automatic=False,
        attempts=attempts,
    )


def own(face: EbayFace, ref: str) -> list[dict[str, Any]]:
    return [m for m in face.conversation(ref)["messages"] if m["own"]]


def test_paging_past_fifty_pulls_every_conversation_once(
    face: EbayFace, http: TestClient, clock: Clock
) -> None:
    write(face, clock, buyers=120, each=2)
    stored, walked, pages, _ = pull_all(make_client(http))
    assert len(stored) == walked == 240  # nothing twice within a pass
    # 50, then 49 new a page (the boundary one is listed again and skipped), then the
    # notices' page.
    assert pages == 4


def test_notices_come_apart_from_buyers(face: EbayFace, http: TestClient, clock: Clock) -> None:
    [ref] = write(face, clock, buyers=1)
    face.shop_writes(ref, "Thanks for asking")
    clock.tick()
    notice = face.ebay_notice("A buyer opened a return request")
    clock.tick()
    stored, walked, _, _ = pull_all(make_client(http))
    assert walked == 3
    kinds = {r["text"]: (r.get("direction"), r.get("kind")) for r in stored.values()}
    assert kinds == {
        "hello 0.0": (None, None),
        "Thanks for asking": ("shop", None),
        "A buyer opened a return request": (None, "notice"),
    }
    buyer_rows = [r for r in stored.values() if r.get("kind") != "notice"]
    assert {r["buyer_id"] for r in buyer_rows} == {face.buyers["buyer00000"].user_id}
    assert stored[notice]["conversation_id"] != ref


def test_buyers_are_keyed_on_the_immutable_id_not_the_username(
    face: EbayFace, http: TestClient, clock: Clock
) -> None:
    [ref] = write(face, clock, buyers=1)
    stored, _, _, _ = pull_all(make_client(http))
    [row] = stored.values()
    assert row["buyer_id"] == face.buyers["buyer00000"].user_id != "buyer00000"
    assert row["conversation_id"] == ref


def test_a_crash_between_pages_resumes_with_nothing_lost_or_twice(
    face: EbayFace, http: TestClient, clock: Clock
) -> None:
    write(face, clock, buyers=130)
    face.ebay_notice("Policy update")
    clock.tick()
    client = make_client(http)
    first = client.pull(None, START - timedelta(days=1))
    second = client.pull(first.cursor, START - timedelta(days=1))
    kept = {str(r["message_id"]) for r in first.rows}  # the second page was never stored
    assert (len(first.rows), len(second.rows)) == (50, 49)
    # A fresh process resumes from the last stored cursor; new buyers write meanwhile.
    write(face, clock, buyers=3)
    restarted = make_client(http)
    stored, walked, _, cursor = pull_all(restarted, first.cursor)
    assert kept.isdisjoint(stored)  # the stored page is not pulled again
    assert len(kept) + len(stored) == 131  # the rest of the pass, with the notice
    assert walked == len(stored)
    # The three who wrote during the pass are newer than its end: the next pass has them.
    following, _, _, cursor = pull_all(restarted, cursor)
    assert len(kept | set(stored) | set(following)) == 134
    # Later: only what is new, and a new message on an old conversation.
    face.buyer_writes(next(iter(face.conversations)), "one more")
    clock.tick()
    again, walked, _, _ = pull_all(restarted, cursor)
    new = set(again) - kept - set(stored) - set(following)
    assert [again[i]["text"] for i in new] == ["one more"]
    # Only the conversation at the pass's boundary millisecond is read again (start_time
    # is inclusive); kefu's ingestion stores it once.
    assert walked == 2


def test_conversations_sharing_a_millisecond_are_not_lost(
    face: EbayFace, http: TestClient, clock: Clock
) -> None:
    write(face, clock, buyers=5)
    for n in range(120):  # 120 conversations in the same millisecond
        face.buyer_writes(face.open_conversation(f"tie{n}"), f"same time {n}")
    clock.tick()
    stored, walked, _, _ = pull_all(make_client(http))
    assert len(stored) == walked == 125


def test_states_say_read_or_unread(face: EbayFace, http: TestClient, clock: Clock) -> None:
    [ref] = write(face, clock, buyers=1)
    page = make_client(http).pull(None, START - timedelta(days=1))
    [state] = page.states
    assert (state.ref, state.read, state.handled) == (ref, False, None)


def test_send_posts_once_and_a_retry_finds_the_first_post(
    face: EbayFace, http: TestClient, clock: Clock
) -> None:
    [ref] = write(face, clock, buyers=1)
    client = make_client(http)
    first_id = client.send(reply(ref, "Your parcel left today", files=("https://x.example/l.pdf",)))
    assert [m["id"] for m in own(face, ref)] == [first_id]
    assert own(face, ref)[0]["media"] == 1
    clock.tick()
    # The answer was lost; the outbox tries again: nothing is posted twice.
    retry_id = make_client(http).send(reply(ref, "Your parcel left today", 1))
    assert retry_id == first_id
    assert len(own(face, ref)) == 1


def test_a_retry_after_the_buyer_wrote_again_posts(
    face: EbayFace, http: TestClient, clock: Clock
) -> None:
    [ref] = write(face, clock, buyers=1)
    client = make_client(http)
    client.send(reply(ref, "Thanks!"))
    clock.tick()
    face.buyer_writes(ref, "Thanks to you")
    clock.tick()
    client.send(reply(ref, "Thanks!", 1))
    assert len(own(face, ref)) == 2


def test_the_seller_given_saves_the_identity_call(
    face: EbayFace, http: TestClient, clock: Clock
) -> None:
    write(face, clock, buyers=1)
    pull_all(make_client(http, seller_username="kefu-demo-shop"))
    assert "GET /commerce/identity/v1/user/" not in face.calls
    pull_all(make_client(http))
    assert face.calls.count("GET /commerce/identity/v1/user/") == 1


def test_read_state_is_pushed_one_and_ten_at_a_time(
    face: EbayFace, http: TestClient, clock: Clock
) -> None:
    refs = write(face, clock, buyers=12)
    client = make_client(http)
    client.push(StateChange(ref=refs[0], read=True))
    assert face.conversation(refs[0])["read"] is True
    client.push(StateChange(ref=refs[0], read=False))
    assert face.conversation(refs[0])["read"] is False
    failed = client.push_many([StateChange(ref=r, read=True) for r in refs])
    assert failed == []
    assert all(face.conversation(r)["read"] for r in refs)
    assert face.calls.count("POST /commerce/message/v1/bulk_update_conversation") == 2  # 10 + 2
    # handled archives only when asked to, and only when a person closed it (an answer
    # alone never archives); reopening makes it ACTIVE again; a mark is not an eBay state.
    client.push(StateChange(ref=refs[1], handled=True, closed=True))
    assert face.conversation(refs[1])["status"] == "ACTIVE"
    client.archive_when_handled = True
    assert client.state_fields == {"read", "closed"}
    client.push(StateChange(ref=refs[1], handled=True))
    assert face.conversation(refs[1])["status"] == "ACTIVE"
    client.push(StateChange(ref=refs[1], handled=True, closed=True))
    assert face.conversation(refs[1])["status"] == "ARCHIVE"
    client.push(StateChange(ref=refs[1], handled=False, closed=False))
    assert face.conversation(refs[1])["status"] == "ACTIVE"
    states = client.recent_states(5)
    assert len(states) == 5 and all(s.read for s in states)


def test_an_unknown_conversation_is_refused(face: EbayFace, http: TestClient) -> None:
    client = make_client(http, seller_username="kefu-demo-shop")
    with pytest.raises(ChannelError, match="355007") as refused:
        client.push(StateChange(ref="c999999999", read=True))
    assert refused.value.retryable is False
    with pytest.raises(ChannelError, match="355007"):
        client.send(reply("c999999999", "hello"))


@pytest.mark.parametrize(
    ("path", "params", "error"),
    [
        ("/conversation", {"limit": 51, "conversation_type": MEMBERS}, "355009"),
        ("/conversation", {"limit": 10}, "355017"),
        ("/conversation", {"conversation_type": "FROM_BUYERS"}, "355002"),
        ("/conversation", {"conversation_type": MEMBERS, "limit": 10, "offset": 5}, "355008"),
    ],
)
def test_the_sandbox_refuses_bad_queries(
    face: EbayFace, http: TestClient, path: str, params: dict[str, object], error: str
) -> None:
    with pytest.raises(ChannelError, match=error) as refused:
        make_client(http).request("GET", path, params=params)
    assert refused.value.retryable is False


@pytest.mark.parametrize(
    ("path", "body", "error"),
    [
        ("/send_message", {"conversationId": "c000000001", "messageText": "<b>hi</b>"}, "HTML"),
        ("/send_message", {"messageText": "hi"}, "355018"),
        (
            "/send_message",
            {
                "conversationId": "c000000001",
                "messageText": "six",
                "messageMedia": [
                    {"mediaName": "a.png", "mediaType": "IMAGE", "mediaUrl": "https://x/a.png"}
                ]
                * 6,
            },
            "355010",
        ),
        (
            "/bulk_update_conversation",
            {
                "conversations": [
                    {
                        "conversationId": "c000000001",
                        "conversationType": MEMBERS,
                        "conversationStatus": "READ",
                    }
                ]
                * 11
            },
            "355019",
        ),
    ],
)
def test_the_sandbox_refuses_bad_bodies(
    face: EbayFace, http: TestClient, clock: Clock, path: str, body: object, error: str
) -> None:
    write(face, clock, buyers=1)
    with pytest.raises(ChannelError, match=error) as refused:
        make_client(http).request("POST", path, body=body)
    assert refused.value.retryable is False
    assert own(face, "c000000001") == []


def test_a_refused_token_means_reconnect(face: EbayFace, http: TestClient, clock: Clock) -> None:
    with pytest.raises(ChannelError, match="reconnect needed") as refused:
        make_client(http, access_token="someone-elses").pull(None, START)
    assert refused.value.retryable is False
    clock.tick(7201)  # the token expired
    with pytest.raises(ChannelError, match="Invalid access token"):
        make_client(http).pull(None, START)


def test_an_expired_token_is_renewed_with_the_refresh_token(
    face: EbayFace, http: TestClient, clock: Clock
) -> None:
    write(face, clock, buyers=1)
    clock.tick(7201)
    app = {"refresh_token": REFRESH, "client_id": face.app[0], "client_secret": face.app[1]}
    client = make_client(http, **app)
    _, walked, _, _ = pull_all(client)
    assert walked == 1 and client.access_token != TOKEN
    # A refresh token eBay does not know: reconnect, in words.
    with pytest.raises(ChannelError, match="reconnect needed") as refused:
        make_client(http, **{**app, "refresh_token": "revoked"}).pull(None, START)
    assert refused.value.retryable is False


def test_rate_limit_gives_retry_after(face: EbayFace, http: TestClient, clock: Clock) -> None:
    face.rate_limit = 3
    client = make_client(http)
    for _ in range(3):
        client.conversations(MEMBERS)
    with pytest.raises(ChannelError, match="Too many requests") as limited:
        client.conversations(MEMBERS)
    assert (limited.value.retryable, limited.value.retry_after) == (True, 1.0)
    clock.tick(1)
    assert client.conversations(MEMBERS) == []


def test_http_faults_are_retryable(face: EbayFace, http: TestClient) -> None:
    face.fail(503)
    face.fail(429, retry_after=7)
    client = make_client(http)
    with pytest.raises(ChannelError) as unavailable:
        client.conversations(MEMBERS)
    assert unavailable.value.retryable is True
    with pytest.raises(ChannelError) as throttled:
        client.conversations(MEMBERS)
    assert (throttled.value.retryable, throttled.value.retry_after) == (True, 7.0)


def test_from_credentials_needs_the_store_and_a_token() -> None:
    client = EbayClient.from_credentials(
        "https://api.ebay.com",
        {"store": "ebay-us", "access_token": "t", "marketplace_id": "EBAY_US"},
    )
    assert client.credentials.marketplace_id == "EBAY_US"
    client.close()
    with pytest.raises(ChannelError, match="access_token") as refused:
        EbayClient.from_credentials("https://api.ebay.com", {"store": "ebay-us"})
    assert refused.value.retryable is False
