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

from kefu.adapters.marketplaces.sandbox import EbayFace
from kefu.adapters.marketplaces.sandbox.ebay_cases import Seed, seed_cases
from kefu.bootstrap import Kefu
from kefu.services import cases, sync
from kefu.services.cases import StepRequest
from kefu.services.ports import CaseRecord
from tests.factories import acting
from tests.sandbox_server import serve_faces

TOKEN, SELLER = "v^1.1#ebay-uk-cases", "kefu-demo-shop"


@pytest.fixture
def face(kefu: Kefu) -> EbayFace:
    kefu.clock._now = datetime.now(UTC)  # type: ignore[attr-defined]
    face = EbayFace(clock=lambda: kefu.clock.now().timestamp(), seller_username=SELLER)
    face.grant(TOKEN, time.time() + 3600)
    return face


@pytest.fixture
def connected(kefu: Kefu, face: EbayFace) -> Iterator[Kefu]:
    with serve_faces(ebay=face) as root:
        kefu.settings.secret_key = SecretStr(Fernet.generate_key().decode())
        for cached in ("secrets", "marketplaces", "case_deps"):
            kefu.__dict__.pop(cached, None)
        sync.connect_store(
            acting(kefu), "ebay-uk", base_url=f"{root}/ebay",
            credentials={"access_token": TOKEN, "seller_username": SELLER},
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
