"""eBay cases against the sandbox's eBay face over real HTTP (kefu.adapters.marketplaces.
ebay_cases ↔ sandbox/ebay_cases.py): a pass reads every list page by page, every
decision kefu writes back lands, every refusal eBay gives comes back in words, and the
fault switch makes a decision fail (500, timeout) so that a retry goes through."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import httpx
import pytest

from kefu.adapters.marketplaces.ebay import Credentials, EbayClient
from kefu.adapters.marketplaces.ebay_cases import EbayCases
from kefu.adapters.marketplaces.sandbox import EbayFace, create_marketplace_sandbox
from kefu.adapters.marketplaces.sandbox.ebay_cases import Seed, seed_cases
from kefu.services.ports import CaseDecision, ChannelError, PlatformCase, TokenRefused
from tests.sandbox_server import serve_app

TOKEN = "v^1.1#ebay-gb-cases"


@dataclass
class Served:
    url: str
    face: EbayFace


@pytest.fixture(scope="module")
def served() -> Iterator[Served]:
    face = EbayFace()
    face.grant(TOKEN, time.time() + 3600)
    with serve_app(create_marketplace_sandbox(ebay=face)) as url:
        yield Served(f"{url}/ebay", face)


OPENED: list[httpx.Client] = []


@pytest.fixture
def face(served: Served) -> Iterator[EbayFace]:
    served.face.cases.cases.clear()
    served.face.orders.orders.clear()
    yield served.face
    while OPENED:
        OPENED.pop().close()


def cases_client(served: Served, *, token: str = TOKEN, timeout: float = 5.0) -> EbayCases:
    http = httpx.Client(timeout=timeout)
    OPENED.append(http)
    api = EbayClient(
        "ebay-gb",
        Credentials(access_token=token, marketplace_id="EBAY_GB"),
        base_url=served.url,
        client=http,
    )
    return EbayCases(api, page_size=2)


def pull_all(client: EbayCases) -> tuple[dict[str, PlatformCase], int]:
    found: dict[str, PlatformCase] = {}
    cursor, pages = None, 0
    while True:
        page = client.pull_cases(cursor, datetime.now(UTC) - timedelta(days=1))
        pages += 1
        found.update((c.ref, c) for c in page.cases)
        cursor = page.cursor
        if page.done:
            return found, pages


def test_a_pass_reads_every_kind_page_by_page(served: Served, face: EbayFace) -> None:
    order = face.orders.place("buyer_gb_1", "Ann Lee", [("TSHIRT-M", "T-shirt", 1, "19.98")])
    refs = seed_cases(
        face,
        [
            Seed("cancellation", order, amount="23.98"),
            Seed("return", order, comments="torn"),
            Seed("return", order, reason="WRONG_SIZE"),
            Seed("replacement", order, reason="WRONG_SIZE"),
            Seed("return", order, status="CLOSED"),
            Seed("inquiry", "110000000001-0", due_days=None),
            Seed("case", "110000000001-0"),
        ],
    )
    found, pages = pull_all(cases_client(served))
    assert sorted(found) == sorted(refs)
    assert len(found) == 7
    # cancellation 1, open returns 3 (two pages of two), closed 1, inquiry 1, case 1
    assert pages == 1 + 2 + 1 + 1 + 1
    cancel = found[refs[0]]
    assert (cancel.kind, cancel.state, cancel.order_number) == ("cancellation", "open", order)
    assert cancel.respond_by is not None  # eBay's own deadline
    assert (cancel.refund_cents, cancel.currency) == (2398, "GBP")
    assert found[refs[1]].description == "torn"
    assert found[refs[3]].kind == "exchange"
    assert found[refs[4]].state == "closed"
    assert found[refs[5]].respond_by is None
    assert (found[refs[6]].kind, found[refs[6]].state) == ("dispute", "escalated")


def test_every_decision_lands_on_ebay(served: Served, face: EbayFace) -> None:
    order = face.orders.place("buyer_gb_1", "Ann Lee", [("MUG", "Mug", 2, "10.00")])  # 24.00
    refs = seed_cases(
        face,
        [
            Seed("cancellation", order),
            Seed("cancellation", order),
            Seed("return", order),
            Seed("return", order),
            Seed("inquiry", "1-0"),
            Seed("inquiry", "1-0"),
            Seed("inquiry", "1-0"),
            Seed("case", "1-0"),
        ],
    )
    client = cases_client(served)
    ack, decline, accept, refuse, track, refund, escalate, dispute = refs
    results = [
        client.decide(CaseDecision(ack, "approve")),
        client.decide(CaseDecision(decline, "decline", tracking_number="RM123GB")),
        client.decide(CaseDecision(accept, "approve", note="Send it back, label attached")),
        client.decide(CaseDecision(refuse, "decline", note="Outside the return window")),
        client.decide(CaseDecision(accept, "receive_return")),
        client.decide(CaseDecision(accept, "refund", refund_cents=2400, currency="GBP")),
        client.decide(CaseDecision(track, "ship", tracking_number="LX1GB", carrier="ROYAL_MAIL")),
        client.decide(CaseDecision(refund, "refund", note="Sorry")),
        client.decide(CaseDecision(escalate, "escalate")),
        client.decide(CaseDecision(dispute, "refund")),
    ]
    assert len(results) == 10 and all(results)
    assert (results[7], results[9]) == (f"{refund}:refund:SUCCESS", f"{dispute}:refund:SUCCESS")
    states = {ref: face.cases.case(ref).status for ref in refs}
    assert states == {
        ack: "CANCEL_PENDING",
        decline: "CANCEL_REJECTED",
        accept: "REFUND_ISSUED",
        refuse: "RETURN_REJECTED",
        track: "WAITING_BUYER_RESPONSE",
        refund: "CLOSED",
        escalate: "CLOSED_WITH_ESCALATION",
        dispute: "CLOSED",
    }
    assert face.cases.case(track).tracking == "LX1GB"
    kinds_seen = [(kind, body) for kind, _, body in face.cases.decisions]
    assert (
        "return",
        {"decision": "APPROVE", "comments": {"content": "Send it back, label attached"}},
    ) in kinds_seen
    found, _ = pull_all(client)
    assert [found[r].state for r in refs] == [
        "approved", "declined", "refunded", "declined", "proposed", "closed", "escalated",
        "closed",
    ]  # fmt: skip


def refused(client: EbayCases, decision: CaseDecision) -> ChannelError:
    with pytest.raises(ChannelError) as caught:
        client.decide(decision)
    return caught.value


def test_what_ebay_refuses_comes_back_in_words(served: Served, face: EbayFace) -> None:
    order = face.orders.place("buyer_gb_1", "Ann Lee", [("MUG", "Mug", 1, "10.00")])  # 14.00
    once, late, ret, inquiry = seed_cases(
        face,
        [
            Seed("cancellation", order),
            Seed("cancellation", order, age_days=5, due_days=3),
            Seed("return", order),
            Seed("inquiry", "1-0", status="CLOSED"),
        ],
    )
    client = cases_client(served)
    client.decide(CaseDecision(once, "approve"))
    walked = [
        refused(client, CaseDecision(once, "decline")),
        refused(client, CaseDecision(late, "approve")),
        refused(client, CaseDecision(ret, "refund", refund_cents=1401, currency="GBP")),
        refused(client, CaseDecision(inquiry, "ship", tracking_number="X1")),
        refused(client, CaseDecision("return:999", "approve")),
        refused(client, CaseDecision(ret, "ship")),  # not a step eBay takes on a return
        refused(client, CaseDecision("issue:1", "approve")),  # not an eBay case
    ]
    assert len(walked) == 7
    assert all(not e.retryable for e in walked)
    words = [str(e) for e in walked]
    assert "CANCEL_PENDING" in words[0]
    assert "response period" in words[1]
    assert "exceeds what the buyer paid (14.00 GBP)" in words[2]
    assert "takes no answer" in words[3]
    assert "HTTP 404" in words[4] and "was not found" in words[4]
    assert "no ship step" in words[5]
    assert "not a eBay case" in words[6]
    # The refund eBay refused left the return as it was; a right amount goes through.
    assert face.cases.case(ret).status == "RETURN_REQUESTED"
    with pytest.raises(TokenRefused):
        cases_client(served, token="stale").pull_cases(None, datetime.now(UTC))


def test_the_marketplace_header_is_required(served: Served, face: EbayFace) -> None:
    answer = httpx.get(
        f"{served.url}/post-order/v2/return/search",
        headers={"Authorization": f"IAF {TOKEN}"},
    )
    assert answer.status_code == 400
    assert "X-EBAY-C-MARKETPLACE-ID" in answer.json()["error"][0]["message"]


def test_a_failed_decision_is_retryable_and_a_retry_lands(served: Served, face: EbayFace) -> None:
    order = face.orders.place("buyer_gb_1", "Ann Lee", [("MUG", "Mug", 1, "10.00")])
    (ref,) = seed_cases(face, [Seed("cancellation", order)])
    client = cases_client(served, timeout=0.5)
    face.cases.faults.fail_next(500)
    assert refused(client, CaseDecision(ref, "approve")).retryable
    face.cases.faults.fail_next(delay=1.5)
    timeout = refused(client, CaseDecision(ref, "approve"))
    assert timeout.retryable and "in time" in str(timeout)
    assert face.cases.case(ref).status == "CANCEL_REQUESTED"  # nothing landed
    client.pull_cases(None, datetime.now(UTC))  # reads are never failed by the switch
    assert client.decide(CaseDecision(ref, "approve")) == f"{ref}:approved"
    assert face.cases.case(ref).status == "CANCEL_PENDING"


def test_a_retry_after_a_lost_answer_finds_the_step_taken(served: Served, face: EbayFace) -> None:
    order = face.orders.place("buyer_gb_1", "Ann Lee", [("MUG", "Mug", 1, "10.00")])
    cancel, ret = seed_cases(face, [Seed("cancellation", order), Seed("return", order)])
    client = cases_client(served, timeout=0.5)
    client.decide(CaseDecision(ret, "approve"))
    steps = [
        CaseDecision(cancel, "approve"),
        CaseDecision(ret, "refund", refund_cents=1400, currency="GBP"),
    ]
    for step in steps:
        face.cases.faults.fail_next(delay=1.0, applied=True)
        assert refused(client, step).retryable  # eBay took it; its answer was lost
        assert client.decide(step) == f"{step.case_ref}:{step.action}:already"
    assert face.cases.case(cancel).status == "CANCEL_PENDING"
    assert face.cases.case(ret).refunds == [Decimal("14.00")]  # refunded once
