"""The Amazon SP-API client against the sandbox's Amazon face, mounted at /amazon as the
sandbox server mounts it (issue 18).

The sandbox runs in-process through Starlette's TestClient, which is an httpx.Client, so
the client's real HTTP code (LWA form posts, x-amz-access-token, query, JSON bodies, error
parsing) is exercised.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any, cast
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from starlette.testclient import TestClient

from kefu.adapters.marketplaces.amazon import ACTIONS, AmazonClient, AmazonOAuth
from kefu.adapters.marketplaces.sandbox import create_marketplace_sandbox
from kefu.adapters.marketplaces.sandbox.amazon import AmazonFace, Item
from kefu.services.ports import CallBudget, ChannelError, OutgoingReply, TokenGrant

START = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)
BASE = "http://sandbox/amazon"
CLIENT_ID, SECRET, REFRESH = "amzn1.application-oa2-client.k", "lwa-secret", "Atzr|seller"


class Clock:
    def __init__(self) -> None:
        self.now = START.timestamp()

    def __call__(self) -> float:
        return self.now

    def tick(self, seconds: float = 1.0) -> None:
        self.now += seconds


class Limiter:
    """A CallLimiter that lets every call through and writes down what it was asked (the
    shared one, kept in the database, is another module's)."""

    def __init__(self) -> None:
        self.acquired: list[tuple[str, CallBudget]] = []
        self.paused: list[tuple[str, float]] = []

    def acquire(self, key: str, budget: CallBudget, *, max_wait: float) -> None:
        self.acquired.append((key, budget))

    def pause(self, key: str, seconds: float) -> None:
        self.paused.append((key, seconds))


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def face(clock: Clock) -> AmazonFace:
    face = AmazonFace(clock=clock)
    face.add_app(CLIENT_ID, SECRET, REFRESH, ("https://kefu.example/oauth/amazon",))
    return face


@pytest.fixture
def http(face: AmazonFace) -> Iterator[TestClient]:
    app = create_marketplace_sandbox(amazon=face)
    with TestClient(app, base_url="http://sandbox", follow_redirects=False) as client:
        yield client


def make_client(http: TestClient, clock: Clock, **options: Any) -> AmazonClient:
    values = {"store": "amz-us", "refresh_token": REFRESH}
    values |= {"client_id": CLIENT_ID, "client_secret": SECRET, "selling_partner_id": "A2SELLER"}
    return AmazonClient.from_credentials(
        BASE, values, client=cast(httpx.Client, http), clock=clock, **options
    )


def mug(quantity: int = 1) -> list[Item]:
    return [Item("MUG-01", "Blue mug", quantity, Decimal("12.50"), shipping=Decimal("3.00"))]


def place(face: AmazonFace, clock: Clock, count: int, **options: Any) -> list[str]:
    placed = []
    for _ in range(count):
        placed.append(face.add_order(mug(), **options))
        clock.tick()
    return placed


def pull_all(client: AmazonClient, cursor: str | None) -> tuple[list[dict[str, object]], str]:
    records: list[dict[str, object]] = []
    for _ in range(20):
        page = client.pull(cursor, START - timedelta(days=1))
        assert page.rows == [] and page.states == []  # no message API: mail brings them
        records.extend(page.records["orders"])
        assert page.cursor is not None
        cursor = page.cursor
        if page.done:
            return records, cursor
    raise AssertionError("the pull never finished")


def test_a_first_sync_pages_with_next_token_and_a_second_reads_only_what_changed(
    http: TestClient, face: AmazonFace, clock: Clock
) -> None:
    placed = place(face, clock, 5)
    client = make_client(http, clock, page_size=2)
    records, cursor = pull_all(client, None)
    assert [r["order_number"] for r in records] == placed  # 3 pages: 2, 2, 1
    assert sum(c.startswith("GET /orders/v0/orders") and c.count("/") == 3 for c in face.calls) == 3
    first = records[0]
    assert first["status"] == "paid" and first["currency"] == "USD"
    assert first["total"] == "15.50" and first["shipping"] == "3.00"
    assert first["buyer_id"] == first["buyer_email"] == "buyer0001@marketplace.amazon.com"
    assert first["ship_to_country"] == "US"
    assert first["lines"] == [
        {"sku": "MUG-01", "title": "Blue mug", "quantity": 1, "price": "12.50"}
    ]

    # The next pass starts at the newest change it saw ("after (or at)": that one again).
    clock.tick(60)
    face.update_order(placed[1], "Shipped")
    again, cursor = pull_all(client, cursor)
    assert [(r["order_number"], r["status"]) for r in again] == [
        (placed[4], "paid"),
        (placed[1], "shipped"),
    ]


def test_a_page_read_again_from_the_same_cursor_gives_the_same_records(
    http: TestClient, face: AmazonFace, clock: Clock
) -> None:
    place(face, clock, 3)
    client = make_client(http, clock, page_size=2)
    first = client.pull(None, START - timedelta(days=1))
    second_page = client.pull(first.cursor, START)
    repeated = client.pull(first.cursor, START)  # a crash before the cursor was stored
    assert repeated.records == second_page.records and repeated.cursor == second_page.cursor
    assert len(second_page.records["orders"]) == 1 and second_page.done


def test_without_the_buyer_info_role_the_order_is_its_own_buyer_and_asked_once(
    http: TestClient, face: AmazonFace, clock: Clock
) -> None:
    face.roles.discard("buyerInfo")
    placed = place(face, clock, 3)
    records, _ = pull_all(make_client(http, clock), None)
    assert [r["buyer_id"] for r in records] == [f"amazon-order-{n}" for n in placed]
    assert all("buyer_email" not in r for r in records)
    assert sum(c.endswith("/buyerInfo") for c in face.calls) == 1


def test_the_access_token_is_renewed_before_the_hour_is_up_and_stored(
    http: TestClient, face: AmazonFace, clock: Clock
) -> None:
    grants: list[TokenGrant] = []
    client = make_client(http, clock, on_tokens=grants.append)
    place(face, clock, 1)
    client.pull(None, START - timedelta(days=1))
    clock.tick(3600 - 200)  # within the margin: renewed before Amazon would refuse it
    client.pull(None, START - timedelta(days=1))
    assert len(grants) == 2
    assert grants[1].access_token != grants[0].access_token
    assert grants[1].expires_at == datetime.fromtimestamp(clock() + 3600, UTC)
    assert sum("/auth/o2/token" in c for c in face.calls) == 2


def test_a_token_amazon_calls_expired_is_renewed_once_and_the_call_made_again(
    http: TestClient, face: AmazonFace, clock: Clock
) -> None:
    client = make_client(http, clock)
    (order,) = place(face, clock, 1)
    assert client.actions(order) == ["unexpectedProblem"]
    face.tokens[client.credentials.access_token] = clock() - 1  # revoked early on Amazon's side
    assert client.actions(order) == ["unexpectedProblem"]
    assert sum("/auth/o2/token" in c for c in face.calls) == 2


def test_a_refused_refresh_token_says_reconnect_needed(
    http: TestClient, face: AmazonFace, clock: Clock
) -> None:
    del face.refresh_tokens[REFRESH]
    with pytest.raises(ChannelError, match="reconnect needed") as refused:
        make_client(http, clock).pull(None, START)
    assert refused.value.retryable is False


def test_only_an_action_amazon_offers_for_the_order_is_sent(
    http: TestClient, face: AmazonFace, clock: Clock
) -> None:
    (order,) = place(face, clock, 1, actions=("confirmDeliveryDetails", "legalDisclosure"))
    client = make_client(http, clock)
    assert client.actions(order) == ["confirmDeliveryDetails", "legalDisclosure"]
    with pytest.raises(ChannelError, match="does not offer the unexpectedProblem") as refused:
        client.send_action(order, "unexpectedProblem", {"text": "Our warehouse flooded"})
    assert not refused.value.retryable
    assert "confirmDeliveryDetails, legalDisclosure" in str(refused.value)
    ref = client.send_action(order, "confirmDeliveryDetails", {"text": "It comes on Monday."})
    assert ref.startswith(f"{order}/confirmDeliveryDetails/sandbox-request-")
    (sent,) = face.messages(order)
    assert (sent.action, sent.body) == ("confirmDeliveryDetails", {"text": "It comes on Monday."})
    with pytest.raises(ChannelError, match="no HTML"):
        client.send_action(order, "confirmDeliveryDetails", {"text": "<b>Monday</b>"})
    assert len(face.messages(order)) == 1


def test_a_reply_goes_as_unexpected_problem_only_where_offered(
    http: TestClient, face: AmazonFace, clock: Clock
) -> None:
    offered, other = place(face, clock, 1) + place(face, clock, 1, actions=("warranty",))
    client = make_client(http, clock)

    def reply(ref: str, **changes: Any) -> OutgoingReply:
        values: dict[str, Any] = {"message_id": 1, "store_code": "amz-us", "platform": "amazon"}
        values |= {"conversation_ref": ref, "idempotency_key": "k1", "text": "Sorry, delayed."}
        values |= {"attachments": (), "is_automatic": False, "attempts": 0}
        return OutgoingReply(**(values | changes))

    ref = client.send(reply(f"amazon:abc@marketplace.amazon.com#{offered}"))
    assert ref.startswith(f"{offered}/unexpectedProblem/")
    assert [s.body for s in face.messages(offered)] == [{"text": "Sorry, delayed."}]
    for conversation, words in (
        (other, "does not offer the unexpectedProblem"),
        ("amazon:abc@marketplace.amazon.com", "names no order"),
    ):
        with pytest.raises(ChannelError, match=words) as refused:
            client.send(reply(conversation))
        assert refused.value.retryable is False
    with pytest.raises(ChannelError, match="attachments"):
        client.send(reply(offered, attachments=("https://x/a.png",)))
    assert len(face.messages()) == 1


def test_messaging_past_the_burst_is_a_retryable_error_and_the_limiter_is_told(
    http: TestClient, face: AmazonFace, clock: Clock
) -> None:
    (order,) = place(face, clock, 1)
    limiter = Limiter()
    client = make_client(http, clock, limiter=limiter)
    for _ in range(5):
        client.actions(order)
    with pytest.raises(ChannelError) as limited:
        client.actions(order)
    assert limited.value.retryable and limited.value.retry_after == 1.0
    assert len(limiter.acquired) == 6
    assert {k for k, _ in limiter.acquired} == {"amazon:messaging:A2SELLER"}
    assert limiter.acquired[0][1] == CallBudget(1, 1.0, burst=5)
    assert limiter.paused == [("amazon:messaging:A2SELLER", 1.0)]
    clock.tick(1)  # one call a second comes back
    assert client.actions(order) == ["unexpectedProblem"]


def test_server_faults_are_retryable_and_refusals_are_not(
    http: TestClient, face: AmazonFace, clock: Clock
) -> None:
    client = make_client(http, clock)
    client.token()
    face.fail(503)
    with pytest.raises(ChannelError) as down:
        client.pull(None, START)
    assert down.value.retryable and "InternalFailure" in str(down.value)
    with pytest.raises(ChannelError, match="NotFound") as unknown:
        client.get("/orders/v0/orders/111-9999999-9999999", {}, "orderItems")
    assert unknown.value.retryable is False


def test_the_website_authorization_round_trip(
    http: TestClient, face: AmazonFace, clock: Clock
) -> None:
    oauth = AmazonOAuth(
        CLIENT_ID,
        SECRET,
        CLIENT_ID,
        consent_base=BASE,
        token_url=f"{BASE}/auth/o2/token",
        draft=True,
        client=cast(httpx.Client, http),
        clock=clock,
    )
    redirect = "https://kefu.example/oauth/amazon"
    consent = http.get(oauth.authorize_url(redirect, "state-42"))
    assert consent.status_code == 302
    back = urlsplit(consent.headers["location"])
    assert f"{back.scheme}://{back.netloc}{back.path}" == redirect
    query = {k: v[0] for k, v in parse_qs(back.query).items()}
    assert query["state"] == "state-42" and query["selling_partner_id"] == "A2SANDBOXSELLER"
    grant = oauth.exchange(query["spapi_oauth_code"], redirect)
    assert grant.refresh_token and grant.access_token.startswith("Atza|")
    assert grant.expires_at == datetime.fromtimestamp(clock() + 3600, UTC)
    with pytest.raises(ChannelError, match="reconnect needed"):  # a code is used once
        oauth.exchange(query["spapi_oauth_code"], redirect)
    renewed = oauth.refresh(grant.refresh_token)
    assert renewed.access_token != grant.access_token
    refused = http.get(oauth.authorize_url("https://elsewhere.example/", "s"))
    assert refused.status_code == 400


def test_every_action_rule_the_client_knows_the_sandbox_knows(
    http: TestClient, face: AmazonFace, clock: Clock
) -> None:
    (order,) = place(face, clock, 1, actions=tuple(ACTIONS))
    client = make_client(http, clock)
    assert sorted(client.actions(order)) == sorted(ACTIONS)
    assert len(ACTIONS) == 11


def test_a_pull_asks_the_limiter_for_each_operations_own_budget(
    http: TestClient, face: AmazonFace, clock: Clock
) -> None:
    place(face, clock, 2)
    limiter = Limiter()
    make_client(http, clock, limiter=limiter).pull(None, START - timedelta(days=1))
    asked = [key for key, _ in limiter.acquired]
    assert asked == [
        "amazon:orders:A2SELLER",
        "amazon:buyerInfo:A2SELLER",
        "amazon:orderItems:A2SELLER",
        "amazon:buyerInfo:A2SELLER",
        "amazon:orderItems:A2SELLER",
    ]
    assert limiter.acquired[0][1] == CallBudget(1, 60.0, burst=20)


def test_a_token_refused_even_when_new_says_reconnect_needed(
    http: TestClient, face: AmazonFace, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("kefu.adapters.marketplaces.sandbox.amazon.TOKEN_SECONDS", 0)
    client = make_client(http, clock)
    client.credentials.access_token, client.credentials.expires_at = "Atza|stale", clock() + 3600
    face.grant("Atza|stale", clock() - 1)
    place(face, clock, 1)
    with pytest.raises(ChannelError, match="reconnect needed") as refused:
        client.pull(None, START - timedelta(days=1))
    assert refused.value.retryable is False
    assert sum("/auth/o2/token" in c for c in face.calls) == 1  # renewed once, not in a loop
