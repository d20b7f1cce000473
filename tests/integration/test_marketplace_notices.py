"""Platform notices (docs/channels.md "Notices"): an eBay FROM_EBAY conversation and an
AliExpress system message, pulled through kefu's sandbox marketplace over real HTTP, go to
the Notices list of their store and never into the buyer inbox, routing, waiting work or
the KPIs; marking one read reaches the platform by the next sync. SQLite and PostgreSQL."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from cryptography.fernet import Fernet
from pydantic import SecretStr
from sqlalchemy import func, select

from kefu.adapters.db import tables as t
from kefu.adapters.marketplaces.sandbox import AliExpressFace, EbayFace
from kefu.bootstrap import Kefu
from kefu.domain.errors import NotFound
from kefu.services import notices, routing, sync, views
from kefu.services.readmodels import InboxFilters
from tests.factories import acting
from tests.integration.test_marketplace_sync import conversation_id
from tests.sandbox_server import APP_KEY, SECRET, TOKEN, serve_faces
from tests.web import signed_in

EBAY_TOKEN, SELLER = "v^1.1#ebay-uk", "kefu-demo-shop"


@pytest.fixture
def faces(kefu: Kefu) -> tuple[AliExpressFace, EbayFace]:
    kefu.clock._now = datetime.now(UTC)  # type: ignore[attr-defined]
    ali = AliExpressFace(clock=lambda: kefu.clock.now().timestamp())
    ali.add_app(APP_KEY, SECRET)
    ali.grant(TOKEN, time.time() + 3600)
    ebay = EbayFace(clock=lambda: kefu.clock.now().timestamp(), seller_username=SELLER)
    ebay.grant(EBAY_TOKEN, time.time() + 3600)
    return ali, ebay


@pytest.fixture
def connected(kefu: Kefu, faces: tuple[AliExpressFace, EbayFace]) -> Iterator[Kefu]:
    ali, ebay = faces
    with serve_faces(aliexpress=ali, ebay=ebay) as root:
        kefu.settings.secret_key = SecretStr(Fernet.generate_key().decode())
        kefu.__dict__.pop("secrets", None)
        kefu.__dict__.pop("marketplaces", None)
        owner = acting(kefu)
        for code, url, keys in (
            (
                "ali-global",
                f"{root}/aliexpress",
                {"app_key": APP_KEY, "app_secret": SECRET, "access_token": TOKEN},
            ),
            ("ebay-uk", f"{root}/ebay", {"access_token": EBAY_TOKEN, "seller_username": SELLER}),
        ):
            sync.connect_store(
                owner, code, base_url=url, credentials=keys,
                secrets=kefu.secrets, uow=kefu.uow(), clock=kefu.clock,
            )  # fmt: skip
        yield kefu


def pulled(kefu: Kefu, faces: tuple[AliExpressFace, EbayFace]) -> dict[str, str]:
    """A buyer on each store, an eBay notice and an AliExpress system message; synced."""
    ali, ebay = faces
    buyer = ali.open_channel("es777", "Lucía")
    ali.buyer_writes(buyer, "¿Dónde está mi pedido?")
    system = ali.open_channel("aliexpress", "AliExpress")
    ali.notice(system, "Your store's response rate fell below 80%.")
    ali.seller_sets(system, read=False)  # unread in AliExpress's message centre
    member = ebay.open_conversation("olivia")
    ebay.buyer_writes(member, "Is the scarf in stock?")
    kefu.clock.advance(seconds=1)  # type: ignore[attr-defined]
    notice = "e000000099"
    ebay.ebay_notice("A buyer opened a return request for order 12-345.", ref=notice)
    for store in ("ali-global", "ebay-uk"):
        report = kefu.sync_marketplaces(store)
        assert report.failed == [] and report.push_errors == []
    return {"ali_buyer": buyer, "ali_system": system, "ebay_buyer": member, "ebay": notice}


def test_notices_never_enter_the_inbox_routing_waiting_work_or_kpis(
    connected: Kefu, faces: tuple[AliExpressFace, EbayFace]
) -> None:
    kefu = connected
    refs = pulled(kefu, faces)
    ids = {name: conversation_id(kefu, ref) for name, ref in refs.items()}
    owner = acting(kefu)

    found = notices.list_notices(owner, uow=kefu.uow())
    assert [(n.store_code, n.platform, n.text) for n in found.rows] == [
        ("ebay-uk", "ebay", "A buyer opened a return request for order 12-345."),
        ("ali-global", "aliexpress", "Your store's response rate fell below 80%."),
    ]  # newest first
    assert (found.total, found.unread) == (2, 2)
    assert all(n.read_at is None for n in found.rows)

    notice_ids = {ids["ali_system"], ids["ebay"]}
    walked = 0
    for state in (None, "unread", "open", "waiting", "closed"):
        page = views.inbox_page(owner, InboxFilters(state=state, page_size=200), uow=kefu.uow())
        shown = {row.id for row in page.rows}
        walked += 1
        assert not shown & notice_ids, state
        if state in (None, "unread", "open"):
            assert {ids["ali_buyer"], ids["ebay_buyer"]} <= shown, state
    assert walked == 5

    routing.sweep(kefu.uow(), kefu.clock)
    with kefu.session_factory() as session:
        rows = {
            c.id: c
            for c in session.scalars(
                select(t.Conversation).where(t.Conversation.id.in_(list(ids.values())))
            )
        }
        kpi_facts = session.scalar(
            select(func.count())
            .select_from(t.KpiFact)
            .join(t.Message, t.Message.id == t.KpiFact.message_id)
            .where(t.Message.conversation_id.in_(sorted(notice_ids)))
        )
        buyer_facts = session.scalar(
            select(func.count())
            .select_from(t.KpiFact)
            .join(t.Message, t.Message.id == t.KpiFact.message_id)
            .where(t.Message.conversation_id == ids["ebay_buyer"])
        )
    assert all(rows[i].assignee_id is None for i in notice_ids)  # never routed
    assert rows[ids["ebay_buyer"]].assignee_id is not None  # a buyer's thread is
    assert all(rows[i].waiting_since is None for i in notice_ids)  # no waiting work
    assert rows[ids["ebay_buyer"]].waiting_since is not None
    assert (kpi_facts, buyer_facts) == (0, 1)
    with kefu.uow() as uow:
        assert uow.auth.open_conversations(None) == []  # nothing left for the sweep
        loads = uow.auth.open_counts()
    assert sum(loads.values()) == 2  # the two buyers' threads, not the notices


def test_marking_notices_read_by_id_and_per_store_reaches_the_platforms(
    connected: Kefu, faces: tuple[AliExpressFace, EbayFace]
) -> None:
    kefu = connected
    ali, ebay = faces
    refs = pulled(kefu, faces)
    owner = acting(kefu)
    found = notices.list_notices(owner, store="ebay-uk", uow=kefu.uow())
    (ebay_notice,) = found.rows
    assert ebay.conversation(refs["ebay"])["read"] is False

    assert notices.mark_read(owner, ids=[ebay_notice.id], uow=kefu.uow(), clock=kefu.clock) == 1
    assert notices.mark_read(owner, ids=[ebay_notice.id], uow=kefu.uow(), clock=kefu.clock) == 0
    assert notices.unread_count(owner, uow=kefu.uow()) == 1
    report = kefu.sync_marketplaces("ebay-uk")
    assert report.push_errors == [] and report.pushed == 1
    assert ebay.conversation(refs["ebay"]) | {"messages": []} == {
        "type": "FROM_EBAY", "status": "ACTIVE", "unread": 0, "read": True, "messages": [],
    }  # fmt: skip

    assert ali.channel(refs["ali_system"])["read"] is False
    assert notices.mark_read(owner, store="ali-global", uow=kefu.uow(), clock=kefu.clock) == 1
    assert notices.list_notices(owner, unread=True, uow=kefu.uow()).total == 0
    kefu.sync_marketplaces("ali-global")
    assert ali.channel(refs["ali_system"])["read"] is True
    assert ali.channel(refs["ali_buyer"])["read"] is False  # the buyer's thread is not touched


def test_an_agent_sees_and_marks_only_the_notices_of_the_stores_they_hold(
    connected: Kefu, faces: tuple[AliExpressFace, EbayFace]
) -> None:
    kefu = connected
    pulled(kefu, faces)
    with kefu.uow() as uow:
        lina = uow.auth.account_by_username("lina")
        ali = next(s.id for s in uow.queries.stores() if s.code == "ali-global")
        assert lina is not None
        uow.auth.set_stores(lina.id, [ali])
        uow.commit()
    agent = acting(kefu, "lina")
    seen = notices.list_notices(agent, uow=kefu.uow())
    assert [n.store_code for n in seen.rows] == ["ali-global"] and seen.unread == 1
    assert notices.unread_count(agent, uow=kefu.uow()) == 1
    ebay_notice = notices.list_notices(acting(kefu), store="ebay-uk", uow=kefu.uow()).rows[0]
    with pytest.raises(NotFound):
        notices.mark_read(agent, ids=[ebay_notice.id], uow=kefu.uow(), clock=kefu.clock)
    with pytest.raises(NotFound):
        notices.list_notices(agent, store="ebay-uk", uow=kefu.uow())
    assert notices.unread_count(acting(kefu), uow=kefu.uow()) == 2  # nothing was marked


def test_the_api_and_the_page(connected: Kefu, faces: tuple[AliExpressFace, EbayFace]) -> None:
    kefu = connected
    pulled(kefu, faces)
    with signed_in(kefu) as client:
        listed = client.get("/api/v1/notices", params={"store": "ebay-uk", "unread": "true"})
        assert listed.status_code == 200, listed.text
        body = listed.json()
        assert (body["total"], body["unread"], len(body["rows"])) == (1, 1, 1)
        first = body["rows"][0]["id"]
        assert client.get("/api/v1/notices", params={"page": 0}).status_code == 422
        assert client.get("/api/v1/notices", params={"store": "nope"}).status_code == 404
        both = client.post("/api/v1/notices/read", json={"ids": [first], "store": "ebay-uk"})
        assert both.status_code == 422
        many = client.post("/api/v1/notices/read", json={"ids": list(range(1, 502))})
        assert many.status_code == 422
        assert client.post("/api/v1/notices/read", json={"ids": [first]}).json() == {"marked": 1}
        unknown = client.post("/api/v1/notices/read", json={"ids": [999_999]})
        assert unknown.status_code == 404 and "999999" in unknown.json()["message"]

        page = client.get("/notices")
        assert page.status_code == 200
        assert page.text.count('data-testid="notice"') == 2
        assert page.text.count('data-unread="true"') == 1
        assert 'data-testid="notices-unread"' in page.text  # the nav counts the one left
        done = client.post("/notices/read", data={"store": "ali-global"}, follow_redirects=False)
        assert done.status_code == 303
        page = client.get("/notices")
        assert page.text.count('data-unread="true"') == 0
        assert 'data-testid="notices-unread"' not in page.text
