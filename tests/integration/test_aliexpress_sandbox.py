"""The AliExpress client against the sandbox's AliExpress face (issue 18).

The sandbox runs in-process through Starlette's TestClient, which is an httpx.Client, so
the client's real HTTP code (form body, signing, error parsing) is exercised.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any, cast

import httpx
import pytest
from starlette.testclient import TestClient

from kefu.adapters.marketplaces.aliexpress import (
    DETAILS,
    RELATIONS,
    AliExpressClient,
    Credentials,
)
from kefu.adapters.marketplaces.sandbox import AliExpressFace, create_marketplace_sandbox
from kefu.services.ports import ChannelError, OutgoingReply, StateChange

START = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)
APP_KEY, SECRET, TOKEN = "500100", "sandbox-secret", "token-ali-global"


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
def face(clock: Clock) -> AliExpressFace:
    face = AliExpressFace(clock=clock)
    face.add_app(APP_KEY, SECRET)
    face.grant(TOKEN, clock() + 3600)
    return face


@pytest.fixture
def http(face: AliExpressFace) -> Iterator[TestClient]:
    with TestClient(create_marketplace_sandbox(face), base_url="http://sandbox") as client:
        yield client


def make_client(http: TestClient, clock: Clock, **changes: Any) -> AliExpressClient:
    values = {"app_key": APP_KEY, "app_secret": SECRET, "access_token": TOKEN}
    values.update(changes)
    credentials = Credentials(seller_login_id="cn1000000001", **values)
    return AliExpressClient(
        "ali-global",
        credentials,
        base_url="http://sandbox/aliexpress",
        client=cast(httpx.Client, http),
        clock=clock,
    )


def write(face: AliExpressFace, clock: Clock, buyers: int, each: int = 1) -> list[str]:
    channels = []
    for n in range(buyers):
        channel = face.open_channel(f"us{n:05d}", f"Buyer {n}")
        for k in range(each):
            face.buyer_writes(channel, f"hello {n}.{k}")
            clock.tick()
        channels.append(channel)
    return channels


def pull_all(
    client: AliExpressClient, cursor: str | None = None
) -> tuple[dict[str, dict[str, object]], int, int, str | None]:
    """Pull until done as kefu does: rows kept once per message id (kefu's idempotent
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


def reply(ref: str, text: str, attempts: int = 0) -> OutgoingReply:
    return OutgoingReply(
        message_id=7,
        store_code="ali-global",
        platform="aliexpress",
        conversation_ref=ref,
        idempotency_key="k-7",
        text=text,
        attachments=(),
        is_automatic=False,
        attempts=attempts,
    )


def test_paging_past_a_hundred_pulls_every_conversation_once(
    face: AliExpressFace, http: TestClient, clock: Clock
) -> None:
    write(face, clock, buyers=250)
    stored, walked, pages, _ = pull_all(make_client(http, clock))
    assert len(stored) == 250
    assert walked == 250  # nothing twice within a pass
    assert pages == 3


def test_more_than_five_thousand_conversations_are_all_reached(
    face: AliExpressFace, http: TestClient, clock: Clock
) -> None:
    write(face, clock, buyers=5050)
    client = make_client(http, clock)
    stored, walked, pages, _ = pull_all(client)
    assert len(stored) == walked == 5050
    # 100 on the first page, then 99 new a page: the boundary conversation is listed again
    # (the upper bound is inclusive) and skipped.
    assert pages == 52
    # The cap itself: the 51st page of 100 is refused as the platform documents.
    with pytest.raises(ChannelError, match="5000") as refused:
        client.relations(start=None, end=None, page=51)
    assert refused.value.retryable is False


def test_conversations_sharing_a_millisecond_are_not_lost(
    face: AliExpressFace, http: TestClient, clock: Clock
) -> None:
    write(face, clock, buyers=10)
    for n in range(230):  # 230 conversations in the same millisecond
        face.buyer_writes(face.open_channel(f"tie{n}"), f"same time {n}")
    clock.tick()
    stored, walked, _, _ = pull_all(make_client(http, clock))
    assert len(stored) == walked == 240


def test_a_crash_between_pages_resumes_with_nothing_lost_or_twice(
    face: AliExpressFace, http: TestClient, clock: Clock
) -> None:
    write(face, clock, buyers=320)
    client = make_client(http, clock)
    first = client.pull(None, START - timedelta(days=1))
    second = client.pull(first.cursor, START - timedelta(days=1))
    kept = {str(r["message_id"]) for r in first.rows}  # the second page was never stored
    assert (len(first.rows), len(second.rows)) == (100, 99)  # the boundary one is skipped
    # A fresh process resumes from the last stored cursor; new buyers write meanwhile.
    write(face, clock, buyers=5)
    restarted = make_client(http, clock)
    stored, walked, _, cursor = pull_all(restarted, first.cursor)
    assert kept.isdisjoint(stored)  # the stored page is not pulled again
    assert len(kept) + len(stored) == 320  # the rest of the pass
    assert walked == len(stored)
    # The five who wrote during the pass are newer than its end: the next pass has them.
    following, _, _, cursor = pull_all(restarted, cursor)
    assert len(kept | set(stored) | set(following)) == 325
    # Later: only what is new, and a new message on an old conversation.
    face.buyer_writes(next(iter(face.channels)), "one more")
    clock.tick()
    again, _, _, _ = pull_all(restarted, cursor)
    assert "one more" in {r["text"] for r in again.values()}


def test_rows_map_buyer_shop_and_notice_messages(
    face: AliExpressFace, http: TestClient, clock: Clock
) -> None:
    channel = face.open_channel("es1234", "Lucía", order_id=8012345678)
    face.buyer_writes(channel, "¿Dónde está mi pedido?")
    clock.tick()
    face.shop_writes(channel, "Está en camino")
    clock.tick()
    face.notice(channel, "The buyer opened a dispute")
    clock.tick()
    page = make_client(http, clock).pull(None, START - timedelta(days=1))
    assert [(r.get("direction"), r.get("kind")) for r in page.rows] == [
        (None, None),
        ("shop", None),
        (None, "notice"),
    ]
    first = page.rows[0]
    assert first["buyer_id"] == "es1234"
    assert first["order_number"] == "8012345678"
    assert first["conversation_id"] == channel
    assert page.states[0].read is False and page.states[0].handled is False


def test_send_posts_once_and_a_retry_finds_the_first_post(
    face: AliExpressFace, http: TestClient, clock: Clock
) -> None:
    [channel] = write(face, clock, buyers=1)
    client = make_client(http, clock)
    first_id = client.send(reply(channel, "Your parcel left today"))
    sent = [m for m in face.channel(channel)["messages"] if m["own"]]
    assert [m["id"] for m in sent] == [int(first_id)]
    # The answer was lost; the outbox tries again: nothing is posted twice.
    retry_id = make_client(http, clock).send(reply(channel, "Your parcel left today", 1))
    assert retry_id == first_id
    assert len([m for m in face.channel(channel)["messages"] if m["own"]]) == 1


def test_a_retry_after_the_buyer_wrote_again_posts(
    face: AliExpressFace, http: TestClient, clock: Clock
) -> None:
    [channel] = write(face, clock, buyers=1)
    client = make_client(http, clock)
    client.send(reply(channel, "Thanks!"))
    clock.tick()
    face.buyer_writes(channel, "Thanks to you")
    clock.tick()
    client.send(reply(channel, "Thanks!", 1))
    assert len([m for m in face.channel(channel)["messages"] if m["own"]]) == 2


def test_push_read_handled_and_mark_are_read_back(
    face: AliExpressFace, http: TestClient, clock: Clock
) -> None:
    [channel] = write(face, clock, buyers=1)
    client = make_client(http, clock)
    client.push(StateChange(ref=channel, read=True, handled=True, mark="blue", set_mark=True))
    state = face.channel(channel)
    assert (state["read"], state["handled"], state["rank"], state["unread"]) == (True, True, 4, 0)
    page = client.pull(None, START - timedelta(days=1))
    assert (page.states[0].read, page.states[0].handled, page.states[0].mark) == (
        True,
        True,
        "blue",
    )
    client.push(StateChange(ref=channel, handled=False))
    assert face.channel(channel)["handled"] is False
    assert face.channel(channel)["rank"] == 4  # a mark not set is left alone
    client.push(StateChange(ref=channel, mark="yellow", set_mark=True))  # no yellow: orange
    assert face.channel(channel)["rank"] == 2
    client.push(StateChange(ref=channel, mark=None, set_mark=True))
    assert face.channel(channel)["rank"] == 0


def test_a_rank_set_on_the_platform_shows_in_the_recent_states(
    face: AliExpressFace, http: TestClient, clock: Clock
) -> None:
    first, second = write(face, clock, buyers=2)
    client = make_client(http, clock)
    face.seller_sets(first, rank=5, handled=True)
    states = {s.ref: s for s in client.recent_states(200)}
    assert (states[first].mark, states[first].handled) == ("purple", True)
    assert (states[second].mark, states[second].mark_known) == (None, True)
    with pytest.raises(ChannelError, match="unread"):
        client.push(StateChange(ref=first, read=False))


def test_sending_to_an_unknown_channel_is_refused(
    face: AliExpressFace, http: TestClient, clock: Clock
) -> None:
    client = make_client(http, clock)
    with pytest.raises(ChannelError) as refused:
        client.send(reply("999", "hello"))
    assert refused.value.retryable is False
    with pytest.raises(ChannelError, match="no such channel"):
        client.push(StateChange(ref="999", read=True))


@pytest.mark.parametrize(
    ("changes", "words"),
    [
        ({"app_secret": "not-the-secret"}, "Invalid signature"),
        ({"access_token": "someone-elses"}, "Invalid session"),
        ({"app_key": "123"}, "Invalid app Key"),
    ],
)
def test_refusals_are_not_retryable_and_say_why(
    face: AliExpressFace, http: TestClient, clock: Clock, changes: dict[str, str], words: str
) -> None:
    with pytest.raises(ChannelError, match=words) as refused:
        make_client(http, clock, **changes).pull(None, START)
    assert refused.value.retryable is False


def test_an_expired_token_is_refused(face: AliExpressFace, http: TestClient, clock: Clock) -> None:
    clock.tick(3601)
    with pytest.raises(ChannelError, match="expired") as refused:
        make_client(http, clock).pull(None, START)
    assert refused.value.retryable is False


def test_a_clock_too_far_off_is_refused(
    face: AliExpressFace, http: TestClient, clock: Clock
) -> None:
    client = make_client(http, clock)
    client.clock = lambda: clock() + 3600
    with pytest.raises(ChannelError, match="Invalid timestamp"):
        client.pull(None, START)


def test_rate_limit_gives_retry_after(face: AliExpressFace, http: TestClient, clock: Clock) -> None:
    face.rate_limit = 3
    client = make_client(http, clock)
    for _ in range(3):
        client.relations(start=None, end=None)
    with pytest.raises(ChannelError, match="App Call Limited") as limited:
        client.relations(start=None, end=None)
    assert limited.value.retryable is True
    assert limited.value.retry_after == 1.0
    clock.tick(1)
    assert client.relations(start=None, end=None) == []


def test_http_faults_are_retryable_with_retry_after(
    face: AliExpressFace, http: TestClient, clock: Clock
) -> None:
    face.fail(503)
    face.fail(429, retry_after=7)
    client = make_client(http, clock)
    with pytest.raises(ChannelError) as unavailable:
        client.relations(start=None, end=None)
    assert unavailable.value.retryable is True
    with pytest.raises(ChannelError) as throttled:
        client.relations(start=None, end=None)
    assert (throttled.value.retryable, throttled.value.retry_after) == (True, 7.0)


@pytest.mark.parametrize(
    ("method", "params", "code"),
    [
        (RELATIONS, {"query": {"current_page": 1, "page_size": 101}}, "page_size"),
        (RELATIONS, {"query": {"current_page": 1}}, "page_size"),
        (DETAILS, {"current_page": 1, "page_size": 10}, "channel_id"),
        ("aliexpress.message.redefining.versiontwo.updatemsgrank", {"channel_id": "1"}, "rank"),
        ("aliexpress.message.redefining.versiontwo.nosuchthing", {}, "Invalid method"),
    ],
)
def test_the_sandbox_refuses_bad_arguments(
    face: AliExpressFace,
    http: TestClient,
    clock: Clock,
    method: str,
    params: dict[str, Any],
    code: str,
) -> None:
    with pytest.raises(ChannelError, match=code) as refused:
        make_client(http, clock).call(method, params)
    assert refused.value.retryable is False


def test_rank_outside_zero_to_five_is_refused(
    face: AliExpressFace, http: TestClient, clock: Clock
) -> None:
    [channel] = write(face, clock, buyers=1)
    client = make_client(http, clock)
    with pytest.raises(ChannelError, match="0-5"):
        client.call(
            "aliexpress.message.redefining.versiontwo.updatemsgrank",
            {
                "channel_id": channel,
                "rank": 6,
            },
        )
    assert face.channel(channel)["rank"] == 0


def test_an_image_goes_as_the_one_image_addmsg_carries(
    face: AliExpressFace, http: TestClient, clock: Clock
) -> None:
    [channel] = write(face, clock, buyers=1)
    image = "https://img.example.com/dress.png"
    sent = replace(reply(channel, ""), attachments=(image,))
    make_client(http, clock).send(sent)
    [own] = [m for m in face.channels[channel].messages if m.sender_ali_id == face.seller[1]]
    assert (own.content, own.images) == ("", [image])
    # The sandbox refuses what is no image address, as a bad argument.
    with pytest.raises(ChannelError, match="img_path"):
        make_client(http, clock).send(replace(reply(channel, "x"), attachments=("dress.png",)))
