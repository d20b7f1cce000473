"""AliExpress disputes against the sandbox's AliExpress face over real HTTP through the
signed gateway (kefu.adapters.marketplaces.aliexpress_cases ↔ sandbox/aliexpress_cases.py):
a pass reads every list, kefu agrees, refuses with its own solution and uploads evidence,
what the platform refuses comes back in words, and the fault switch fails a decision."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from kefu.adapters.marketplaces.aliexpress import AliExpressClient, Credentials
from kefu.adapters.marketplaces.aliexpress_cases import AliExpressCases
from kefu.adapters.marketplaces.sandbox import AliExpressFace
from kefu.adapters.marketplaces.sandbox.aliexpress_cases import Seed, seed_cases
from kefu.services.ports import CaseDecision, ChannelError, PlatformCase
from tests.sandbox_server import APP_KEY, SECRET, TOKEN, aliexpress_face, serve_sandbox

JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 200
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 100


@dataclass
class Served:
    url: str
    face: AliExpressFace


@pytest.fixture(scope="module")
def served() -> Iterator[Served]:
    face = aliexpress_face()
    with serve_sandbox(face) as url:
        yield Served(url, face)


OPENED: list[httpx.Client] = []


@pytest.fixture
def face(served: Served) -> Iterator[AliExpressFace]:
    served.face.issues.issues.clear()
    served.face.issues.images.clear()
    yield served.face
    while OPENED:
        OPENED.pop().close()


def cases_client(served: Served, *, timeout: float = 5.0) -> AliExpressCases:
    http = httpx.Client(timeout=timeout)
    OPENED.append(http)
    api = AliExpressClient(
        "ali-global", Credentials(APP_KEY, SECRET, TOKEN), base_url=served.url, client=http
    )
    return AliExpressCases(api, page_size=2)


def pull_all(client: AliExpressCases) -> tuple[dict[str, PlatformCase], int]:
    found: dict[str, PlatformCase] = {}
    cursor, pages = None, 0
    while True:
        page = client.pull_cases(cursor, datetime.now(UTC) - timedelta(days=1))
        pages += 1
        found.update((c.ref, c) for c in page.cases)
        cursor = page.cursor
        if page.done:
            return found, pages


def test_a_pass_reads_every_list(served: Served, face: AliExpressFace) -> None:
    refs = seed_cases(
        face,
        [
            Seed(3020000000000101, evidence=("https://ae01.alicdn.com/kf/a.jpg",)),
            Seed(3020000000000102, reason="Order not received", refund_cents=500),
            Seed(3020000000000103, wants_return=True),
            Seed(3020000000000104),
            Seed(3020000000000105),
        ],
    )
    face.issues.close(refs[3])
    face.issues.close(refs[4], "canceled")
    old = seed_cases(face, [Seed(3020000000000106, age_days=200)])
    face.issues.close(old[0])
    long_closed = face.issues.issue(old[0])
    long_closed.modified = long_closed.created
    found, pages = pull_all(cases_client(served))
    assert sorted(found) == sorted(refs)  # the long-closed one is outside the window
    assert len(found) == 5
    # processing 3 (two pages), finish 2 (one page: the old one ends the list), canceled 1
    assert pages == 2 + 1 + 1
    assert found[refs[0]].evidence_urls == ("https://ae01.alicdn.com/kf/a.jpg",)
    assert (found[refs[1]].reason, found[refs[1]].solution) == ("not_received", "partial_refund")
    assert found[refs[2]].solution == "return"
    assert [found[r].state for r in refs[3:]] == ["closed", "cancelled"]


def test_agree_and_refuse_with_evidence(served: Served, face: AliExpressFace) -> None:
    agree, refuse = seed_cases(face, [Seed(1), Seed(2, max_cents=2000, refund_cents=2000)])
    client = cases_client(served)
    assert client.decide(CaseDecision(agree, "agree")).startswith(f"{agree}:agreed:")
    result = client.decide(
        CaseDecision(
            refuse,
            "propose",
            refund_cents=800,
            currency="USD",
            note="We refund 8 USD; the tear is small",
            evidence=(("image/jpeg", JPEG), ("image/png", PNG)),
        )
    )
    assert result.startswith(f"{refuse}:solution:")
    assert face.issues.issue(agree).status == "ACCEPTISSUE"
    issue = face.issues.issue(refuse)
    assert issue.status == "SELLER_REFUSE_REFUND"
    seller = [o for o in issue.offers if o.owner == "seller"]
    assert [(o.amount_cents, o.kind) for o in seller] == [(800, "refund")]
    assert seller[0].content.startswith("We refund 8 USD")
    assert "https://ae01.alicdn.com/kf/sandbox000002.png" in seller[0].content
    assert [(ext, size) for _, ext, size in face.issues.images] == [("jpg", 204), ("png", 108)]
    found, _ = pull_all(client)
    assert (found[agree].state, found[refuse].state) == ("agreed", "proposed")
    assert [s.action for s in found[agree].steps] == ["agree"]


def refused(client: AliExpressCases, decision: CaseDecision) -> ChannelError:
    with pytest.raises(ChannelError) as caught:
        client.decide(decision)
    return caught.value


def test_what_aliexpress_refuses_comes_back_in_words(served: Served, face: AliExpressFace) -> None:
    open_ref, closed_ref = seed_cases(face, [Seed(1, max_cents=1500), Seed(2)])
    face.issues.close(closed_ref)
    client = cases_client(served)
    walked = [
        refused(client, CaseDecision(closed_ref, "agree")),
        refused(client, CaseDecision(open_ref, "propose", refund_cents=1501, currency="USD")),
        refused(client, CaseDecision("issue:77", "agree")),
        refused(client, CaseDecision(open_ref, "propose", refund_cents=100, currency="USD",
                                     evidence=(("image/jpeg", b"%PDF-1.7 not an image"),))),
        refused(client, CaseDecision(open_ref, "refund")),
        refused(client, CaseDecision("return:1", "agree")),
    ]  # fmt: skip
    assert len(walked) == 6
    assert all(not e.retryable for e in walked)
    words = [str(e) for e in walked]
    assert "it takes no answer" in words[0]
    assert "more than the most this issue allows" in words[1]
    assert "does not exist" in words[2]
    assert "JPEG, PNG or WebP" in words[3]
    assert "no refund step" in words[4]
    assert "not a AliExpress case" in words[5]
    assert face.issues.issue(open_ref).status == "WAIT_SELLER_CONFIRM_REFUND"
    assert face.issues.images == []


def test_an_image_the_platform_refuses_by_its_bytes(served: Served, face: AliExpressFace) -> None:
    (ref,) = seed_cases(face, [Seed(1)])
    client = cases_client(served)
    # Past kefu's own check (as a client trusting the file's name would send it).
    answer = client.api.client.post(
        f"{served.url}/sync",
        data=client.api.signed(
            "aliexpress.issue.image.upload",
            {"issue_id": ref.removeprefix("issue:"), "extension": "jpg"},
        ),
        files={"image_bytes": ("photo.jpg", b"GIF89a....", "image/jpeg")},
    ).json()
    assert answer["error_response"]["sub_code"] == "isv.IMAGE_TYPE_ERROR"
    assert face.issues.images == []


def test_a_failed_decision_is_retryable_and_a_retry_lands(
    served: Served, face: AliExpressFace
) -> None:
    (ref,) = seed_cases(face, [Seed(1)])
    client = cases_client(served, timeout=0.5)
    face.issues.faults.fail_next(500)
    assert refused(client, CaseDecision(ref, "agree")).retryable
    face.issues.faults.fail_next(delay=1.5)
    assert refused(client, CaseDecision(ref, "agree")).retryable
    assert face.issues.issue(ref).status == "WAIT_SELLER_CONFIRM_REFUND"
    assert client.decide(CaseDecision(ref, "agree")).startswith(f"{ref}:agreed:")


def test_a_retry_after_a_lost_answer_is_not_taken_twice(
    served: Served, face: AliExpressFace
) -> None:
    agree, propose = seed_cases(face, [Seed(1), Seed(2, max_cents=2000, refund_cents=2000)])
    client = cases_client(served, timeout=0.5)
    offer = CaseDecision(
        propose, "propose", refund_cents=700, currency="USD", note="7 USD for the scratch"
    )
    for step in (CaseDecision(agree, "agree"), offer):
        face.issues.faults.fail_next(delay=1.0, applied=True)
        assert refused(client, step).retryable
    assert client.decide(CaseDecision(agree, "agree")).startswith(f"{agree}:agreed:")
    assert client.decide(offer).startswith(f"{propose}:solution:")
    seller = [o for o in face.issues.issue(propose).offers if o.owner == "seller"]
    assert [(o.amount_cents, o.content) for o in seller] == [(700, "7 USD for the scratch")]
    assert face.issues.issue(agree).status == "ACCEPTISSUE"
