"""Cases from and to the platforms (docs/cases.md "From and to the platforms"), with a store
connected to kefu's sandbox eBay over real HTTP: a buyer's cancellation request and return
arrive by the sync with eBay's own deadline; the agent's decision goes back to eBay; a
decision eBay cannot take stays "not sent to the platform" until the retry sends it.
SQLite and PostgreSQL."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

import pytest
from cryptography.fernet import Fernet
from pydantic import SecretStr

from kefu.adapters.marketplaces.sandbox import EbayFace, WishFace
from kefu.adapters.marketplaces.sandbox.aliexpress_cases import Seed as AliSeed
from kefu.adapters.marketplaces.sandbox.aliexpress_cases import seed_cases as ali_seed
from kefu.adapters.marketplaces.sandbox.ebay_cases import Seed, seed_cases
from kefu.adapters.marketplaces.sandbox.wish_cases import Seed as WishSeed
from kefu.adapters.marketplaces.sandbox.wish_cases import seed_cases as wish_seed
from kefu.bootstrap import Kefu
from kefu.services import cases, sync
from kefu.services.cases import StepRequest
from kefu.services.ports import CaseRecord
from tests.factories import acting
from tests.sandbox_server import APP_KEY, SECRET, TOKEN, aliexpress_face, serve_faces

EBAY_TOKEN, SELLER = "v^1.1#ebay-uk-cases", "kefu-demo-shop"
WISH_TOKEN = "wish-global-cases"


@pytest.fixture
def face(kefu: Kefu) -> EbayFace:
    kefu.clock._now = datetime.now(UTC)  # type: ignore[attr-defined]
    face = EbayFace(clock=lambda: kefu.clock.now().timestamp(), seller_username=SELLER)
    face.grant(EBAY_TOKEN, time.time() + 3600)
    return face


@pytest.fixture
def connected(kefu: Kefu, face: EbayFace) -> Iterator[Kefu]:
    with serve_faces(ebay=face) as root:
        kefu.settings.secret_key = SecretStr(Fernet.generate_key().decode())
        for cached in ("secrets", "marketplaces", "case_deps"):
            kefu.__dict__.pop(cached, None)
        sync.connect_store(
            acting(kefu), "ebay-uk", base_url=f"{root}/ebay",
            credentials={"access_token": EBAY_TOKEN, "seller_username": SELLER},
            secrets=kefu.secrets, uow=kefu.uow(), clock=kefu.clock,
        )  # fmt: skip
        yield kefu


def _by_ref(kefu: Kefu, ref: str) -> CaseRecord:
    with kefu.uow() as uow:
        store = next(s.id for s in uow.queries.stores() if s.code == "ebay-uk")
        found = uow.cases.case_by_ref(store, ref)
    assert found is not None
    return found


def test_platform_cases_arrive_with_the_platforms_deadline_and_decisions_go_back(
    connected: Kefu, face: EbayFace
) -> None:
    kefu = connected
    with kefu.uow() as uow:  # eBay UK sells in pounds: the order import needs a rate
        uow.shopdata.save_rates([("GBP", date.today() - timedelta(days=1), 0.79)], "test")
        uow.commit()
    order = face.orders.place("buyer_gb_1", "Ann Lee", [("SKU-SCARF", "Scarf", 1, "19.99")])
    cancel, ret = seed_cases(
        face, [Seed("cancellation", order, amount="19.99"), Seed("return", order, comments="torn")]
    )
    report = kefu.sync_marketplaces("ebay-uk")
    assert report.failed == [], report.failed
    assert report.cases["created"] == 2
    first = _by_ref(kefu, cancel)
    assert (first.kind, first.state, first.order_number) == ("cancellation", "open", order)
    assert (first.platform_due_source, first.platform_due_rule) == (
        "platform",
        "ebay.cancellation.answer",
    )
    due = face.cases.case(cancel).due
    assert due is not None and first.platform_due_at is not None
    assert abs(first.platform_due_at.timestamp() * 1000 - due) < 1000  # eBay's date, kept
    assert first.steps[0].action == "open" and first.steps[0].actor_id is None
    assert _by_ref(kefu, ret).description == "torn"
    # Read again: nothing changes.
    again = kefu.sync_marketplaces("ebay-uk")
    assert again.cases["created"] == 0 and again.cases["updated"] == 0

    approved = cases.take_step(
        acting(kefu, "wangwei"),
        first.id,
        StepRequest("approve", reason="not shipped yet"),
        uow_factory=kefu.uow,
        clock=kefu.clock,
        deps=kefu.case_deps,
    )
    assert (approved.state, approved.push_state) == ("approved", "sent")
    assert face.cases.case(cancel).status == "CANCEL_PENDING"

    face.cases.faults.fail_next(500)
    declined = cases.take_step(
        acting(kefu, "wangwei"),
        _by_ref(kefu, ret).id,
        StepRequest("decline", reason="outside the return window"),
        uow_factory=kefu.uow,
        clock=kefu.clock,
        deps=kefu.case_deps,
    )
    assert (declined.state, declined.push_state) == ("declined", "failed")
    assert declined.push_error
    assert face.cases.case(ret).status == "RETURN_REQUESTED"  # eBay has not taken it
    # The sync does not let eBay's older state undo the step that waits to go…
    kefu.sync_marketplaces("ebay-uk")
    after_sync = _by_ref(kefu, ret)
    assert after_sync.state == "declined"
    # …and it sent it again: eBay now has it.
    assert after_sync.push_state == "sent"
    assert face.cases.case(ret).status != "RETURN_REQUESTED"


def _png() -> bytes:
    from io import BytesIO

    from PIL import Image

    out = BytesIO()
    Image.new("RGB", (32, 24), (180, 20, 20)).save(out, format="PNG")
    return out.getvalue()


def test_an_aliexpress_dispute_arrives_and_is_refused_with_the_shops_solution_and_photos(
    kefu: Kefu,
) -> None:
    kefu.clock._now = datetime.now(UTC)  # type: ignore[attr-defined]
    face = aliexpress_face()
    with serve_faces(aliexpress=face) as root:
        kefu.settings.secret_key = SecretStr(Fernet.generate_key().decode())
        for cached in ("secrets", "marketplaces", "case_deps"):
            kefu.__dict__.pop(cached, None)
        sync.connect_store(
            acting(kefu), "ali-global", base_url=f"{root}/aliexpress",
            credentials={"app_key": APP_KEY, "app_secret": SECRET, "access_token": TOKEN},
            secrets=kefu.secrets, uow=kefu.uow(), clock=kefu.clock,
        )  # fmt: skip
        order = face.orders.place("es1000000001", "Ana García", [("SKU-LAMP", "Lamp", 1, "31.99")])
        (ref,) = ali_seed(face, [AliSeed(order, refund_cents=3199, max_cents=3199)])
        report = kefu.sync_marketplaces("ali-global")
        assert report.failed == [] and report.cases["created"] == 1, report
        dispute = _store_case(kefu, "ali-global", ref)
        assert (dispute.kind, dispute.state, dispute.reason) == ("dispute", "open", "damaged")
        assert dispute.platform_due_rule == "aliexpress.dispute.answer"
        assert dispute.order_number == str(order)
        cases.add_evidence(
            acting(kefu, "wangwei"), dispute.id, "seam.png", _png(),
            uow=kefu.uow(), clock=kefu.clock,
        )  # fmt: skip
        proposed = cases.take_step(
            acting(kefu, "wangwei"),
            dispute.id,
            StepRequest("propose", reason="A small tear: we refund half", refund_cents=1600),
            uow_factory=kefu.uow,
            clock=kefu.clock,
            deps=kefu.case_deps,
        )
    assert (proposed.state, proposed.push_state) == ("proposed", "sent")
    issue = face.issues.issue(ref)
    assert issue.status == "SELLER_REFUSE_REFUND"
    seller = [o for o in issue.offers if o.owner == "seller"]
    assert [o.amount_cents for o in seller] == [1600]
    assert [ext for _, ext, _ in face.issues.images] == ["png"]  # the photo went first


def test_a_wish_refund_ticket_arrives_and_the_refund_reaches_wish(kefu: Kefu) -> None:
    kefu.clock._now = datetime.now(UTC)  # type: ignore[attr-defined]
    face = WishFace(clock=lambda: kefu.clock.now().timestamp())
    face.grant(WISH_TOKEN, time.time() + 3600)
    with serve_faces(wish=face) as root:
        kefu.settings.secret_key = SecretStr(Fernet.generate_key().decode())
        for cached in ("secrets", "marketplaces", "case_deps"):
            kefu.__dict__.pop(cached, None)
        sync.connect_store(
            acting(kefu), "wish-global", base_url=f"{root}/wish",
            credentials={"access_token": WISH_TOKEN},
            secrets=kefu.secrets, uow=kefu.uow(), clock=kefu.clock,
        )  # fmt: skip
        ((ref, order),) = wish_seed(face, [WishSeed()])
        report = kefu.sync_marketplaces("wish-global")
        assert report.failed == [] and report.cases["created"] == 1, report
        ticket = _store_case(kefu, "wish-global", ref)
        assert (ticket.kind, ticket.state) == ("refund", "open")
        assert ticket.conversation_id is not None  # the ticket is the conversation too
        refunded = cases.take_step(
            acting(kefu, "wangwei"),
            ticket.id,
            StepRequest("refund", reason="Sorry for the tear", refund_cents=1999),
            uow_factory=kefu.uow,
            clock=kefu.clock,
            deps=kefu.case_deps,
        )
    assert (refunded.state, refunded.push_state) == ("refunded", "sent")
    assert face.refunds.refunds == [(order, "ITEM_IS_DAMAGED", "Sorry for the tear")]


def _store_case(kefu: Kefu, store: str, ref: str) -> CaseRecord:
    with kefu.uow() as uow:
        store_id = next(s.id for s in uow.queries.stores() if s.code == store)
        found = uow.cases.case_by_ref(store_id, ref)
    assert found is not None
    return found
