"""Wish refund tickets against the sandbox's Wish face over real HTTP (kefu.adapters.
marketplaces.wish_cases ↔ sandbox/wish_cases.py): the refund tickets come as cases, a
refund, a tracking change, a close and an appeal land, what Wish refuses comes back in
words, and the fault switch fails a write so that a retry goes through."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from kefu.adapters.marketplaces.sandbox import WishFace, create_marketplace_sandbox
from kefu.adapters.marketplaces.sandbox.wish_cases import Seed, seed_cases
from kefu.adapters.marketplaces.wish import Credentials, WishClient
from kefu.adapters.marketplaces.wish_cases import WishCases
from kefu.services.ports import CaseDecision, ChannelError, PlatformCase, TokenRefused
from tests.sandbox_server import serve_app

TOKEN = "wish-token-cases"


@dataclass
class Served:
    url: str
    face: WishFace


@pytest.fixture(scope="module")
def served() -> Iterator[Served]:
    face = WishFace()
    face.grant(TOKEN, time.time() + 3600)
    with serve_app(create_marketplace_sandbox(wish=face)) as url:
        yield Served(f"{url}/wish", face)


OPENED: list[httpx.Client] = []


@pytest.fixture
def face(served: Served) -> Iterator[WishFace]:
    served.face.tickets.clear()
    served.face.orders.orders.clear()
    served.face.refunds.refunds.clear()
    yield served.face
    while OPENED:
        OPENED.pop().close()


def cases_client(served: Served, *, token: str = TOKEN, timeout: float = 5.0) -> WishCases:
    http = httpx.Client(timeout=timeout)
    OPENED.append(http)
    api = WishClient("wish-global", Credentials(token), base_url=served.url, client=http)
    return WishCases(api, page_size=2)


def pull_all(client: WishCases) -> tuple[dict[str, PlatformCase], int]:
    found: dict[str, PlatformCase] = {}
    cursor, pages = None, 0
    while True:
        page = client.pull_cases(cursor, datetime.now(UTC) - timedelta(days=1))
        pages += 1
        found.update((c.ref, c) for c in page.cases)
        cursor = page.cursor
        if page.done:
            return found, pages


def test_refund_tickets_come_as_cases(served: Served, face: WishFace) -> None:
    seeded = seed_cases(
        face, [Seed(), Seed(refund_reason="SHIPPING_TAKING_TOO_LONG", shipped=False), Seed()]
    )
    face.buyer_opens("Ana Diaz", "Do you ship to Chile?", ticket_type="PRE_PURCHASE")
    found, pages = pull_all(cases_client(served))
    assert sorted(found) == sorted(ref for ref, _ in seeded)
    assert len(found) == 3 and pages >= 2  # four tickets, two a page
    first = found[seeded[0][0]]
    assert (first.kind, first.state, first.reason, first.order_number) == (
        "refund",
        "open",
        "damaged",
        seeded[0][1],
    )
    assert found[seeded[1][0]].reason == "late_delivery"


def test_refund_tracking_close_and_appeal_land(served: Served, face: WishFace) -> None:
    (refund, order), (track, tracked), (close, _), (appeal, _) = seed_cases(face, [Seed()] * 4)
    client = cases_client(served)
    results = [
        client.decide(CaseDecision(refund, "refund", note="Sorry for the tear")),
        client.decide(
            CaseDecision(track, "ship", tracking_number="LZ998877CN", carrier="YunExpress")
        ),
        client.decide(CaseDecision(close, "close")),
        client.decide(CaseDecision(appeal, "escalate")),
    ]
    assert results == [
        f"order:{order}:refunded",
        f"order:{tracked}:tracking:LZ998877CN",
        f"{close}:closed",
        f"{appeal}:appealed",
    ]
    assert face.refunds.refunds == [(order, "ITEM_IS_DAMAGED", "Sorry for the tear")]
    assert face.orders.orders[order].state == "REFUNDED"
    assert face.orders.orders[tracked].tracking[0] == ("LZ998877CN", "YunExpress")
    found, _ = pull_all(client)
    assert (found[close].state, found[appeal].state) == ("closed", "escalated")


def refused(client: WishCases, decision: CaseDecision) -> ChannelError:
    with pytest.raises(ChannelError) as caught:
        client.decide(decision)
    return caught.value


def refused_call(client: WishCases, path: str, reason: str) -> ChannelError:
    """A write sent as is, past kefu's own checks (the order read first)."""
    with pytest.raises(ChannelError) as caught:
        client.api.call("PUT", path, body={"refund_reason": reason})
    return caught.value


def test_what_wish_refuses_comes_back_in_words(served: Served, face: WishFace) -> None:
    (twice, _), (closed, _), (track, _) = seed_cases(face, [Seed()] * 3)
    client = cases_client(served)
    client.decide(CaseDecision(twice, "refund"))
    twice_order = face.tickets[twice.removeprefix("ticket:")].orders[0]
    face.tickets[closed.removeprefix("ticket:")].state = "CLOSED"
    walked = [
        refused_call(client, f"/api/v3/orders/{twice_order}/refund", "EMPTY_PACKAGE"),
        refused(client, CaseDecision(closed, "refund")),
        refused(client, CaseDecision(track, "ship", tracking_number="X1")),
        refused(client, CaseDecision(track, "refund", order_number="5d0000000000000000009999")),
        refused(client, CaseDecision("ticket:nope", "close")),
        refused(client, CaseDecision(track, "approve")),
    ]
    assert len(walked) == 6 and all(not e.retryable for e in walked)
    words = [str(e) for e in walked]
    assert "refunded already" in words[0]
    assert "is closed: no refund" in words[1]
    assert "tracking number and the carrier" in words[2]
    assert "could not find an order" in words[3]
    assert "could not find a ticket" in words[4]
    assert "no approve step" in words[5]
    # A refund Wish refuses for a closed ticket, asked past kefu's own check:
    face.tickets[closed.removeprefix("ticket:")].refund_reason = "ITEM_IS_DAMAGED"
    order = face.tickets[closed.removeprefix("ticket:")].orders[0]
    closed_ticket = refused_call(client, f"/api/v3/orders/{order}/refund", "EMPTY_PACKAGE")
    assert "is closed" in str(closed_ticket)
    with pytest.raises(TokenRefused):
        cases_client(served, token="stale").pull_cases(None, datetime.now(UTC))


def test_a_failed_write_is_retryable_and_a_retry_lands(served: Served, face: WishFace) -> None:
    ((ref, order),) = seed_cases(face, [Seed()])
    client = cases_client(served, timeout=0.5)
    face.refunds.faults.fail_next(500)
    assert refused(client, CaseDecision(ref, "refund")).retryable
    face.refunds.faults.fail_next(delay=1.5)
    assert refused(client, CaseDecision(ref, "refund")).retryable
    assert face.orders.orders[order].state == "SHIPPED"
    assert client.decide(CaseDecision(ref, "refund")) == f"order:{order}:refunded"


def test_a_retry_after_a_lost_answer_is_not_written_twice(served: Served, face: WishFace) -> None:
    (refund, order), (track, tracked) = seed_cases(face, [Seed(), Seed()])
    client = cases_client(served, timeout=0.5)
    steps = [
        CaseDecision(refund, "refund"),
        CaseDecision(track, "ship", tracking_number="LZ1CN", carrier="YunExpress"),
    ]
    for step in steps:
        face.refunds.faults.fail_next(delay=1.0, applied=True)
        assert refused(client, step).retryable
    assert client.decide(steps[0]) == f"order:{order}:refunded"
    assert client.decide(steps[1]) == f"order:{tracked}:tracking:LZ1CN"
    assert len(face.refunds.refunds) == 1
    assert face.orders.orders[tracked].tracking == [
        ("LZ1CN", "YunExpress"),
        ("YT2412345678", "YanWen"),
    ]
