"""An Amazon store connected to the SP-API (docs/channels.md "Amazon"), against kefu's
sandbox marketplace over real HTTP: its sync reads orders in the import API's format, the
messages Amazon offers for an order are listed and sent once per client key (use case, API
and CLI), a text the policy check blocks never leaves. SQLite and PostgreSQL."""

from __future__ import annotations

import html
import time
from collections.abc import Iterator
from decimal import Decimal

import pytest
from cryptography.fernet import Fernet
from pydantic import SecretStr
from typer.testing import CliRunner

from kefu.adapters.marketplaces.amazon import AmazonClient
from kefu.adapters.marketplaces.sandbox import AmazonFace
from kefu.adapters.marketplaces.sandbox.amazon import Item
from kefu.bootstrap import Kefu
from kefu.cli.main import app as cli
from kefu.domain.errors import InvalidInput
from kefu.services import amazon_messages, shopdata, sync
from kefu.services.outgoing import PolicyBlocked
from tests.factories import acting
from tests.sandbox_server import aliexpress_face, serve_sandbox
from tests.web import signed_in

CLIENT_ID, CLIENT_SECRET, REFRESH = "amzn1.application-oa2-client.kefu", "lwa-s3cret", "Atzr|x"
STORE = "amazon-us"


@pytest.fixture(scope="module")
def face() -> AmazonFace:
    face = AmazonFace()  # real time: kefu's HTTP client and the server run apart
    face.add_app(CLIENT_ID, CLIENT_SECRET, REFRESH)
    return face


@pytest.fixture(scope="module")
def amazon_url(face: AmazonFace) -> Iterator[str]:
    with serve_sandbox(aliexpress_face(), amazon=face) as url:
        yield url.replace("/aliexpress", "/amazon")


@pytest.fixture
def connected(kefu: Kefu, amazon_url: str, face: AmazonFace) -> Kefu:
    face.sent.clear()
    face._bucket = (5.0, time.time())  # each test starts with Amazon's burst
    kefu.settings.secret_key = SecretStr(Fernet.generate_key().decode())
    kefu.__dict__.pop("secrets", None)
    kefu.__dict__.pop("marketplaces", None)
    view = sync.connect_store(
        acting(kefu),
        STORE,
        base_url=amazon_url,
        credentials={
            "refresh_token": REFRESH,
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
            "marketplace_id": "ATVPDKIKX0DER",
            "access_token": "ignored: Amazon's come from LWA",
        },
        secrets=kefu.secrets,
        uow=kefu.uow(),
        clock=kefu.clock,
    )
    assert set(view.credentials) == {"refresh_token", "client_id", "client_secret"}
    assert CLIENT_SECRET not in str(view)
    return kefu


def order(face: AmazonFace, *actions: str) -> str:
    items = [Item("LAMP-7", "Desk lamp", 2, Decimal("19.99"), shipping=Decimal("4.00"))]
    return face.add_order(items, actions=actions or ("unexpectedProblem",))


def test_the_sync_writes_the_orders_it_reads_as_the_import_api_would(
    connected: Kefu, face: AmazonFace
) -> None:
    number = order(face)
    report = sync.sync_all(connected.uow, connected.marketplaces, connected.clock, store=STORE)
    assert report.failed == [] and report.pages >= 1 and report.record_errors == []
    with connected.uow() as uow:
        conn = uow.connections.connection_by_code(STORE)
        store = uow.inbox.stores_by_code([STORE])[STORE]
        stored = uow.shopdata.orders(store.id, [number])[number]
    assert conn is not None and conn.error_code is None and conn.cursor
    assert stored.values["buyer_email"].endswith("@marketplace.amazon.com")
    assert len(stored.lines) == 1
    # The same records through the import API change nothing: the sync wrote them so.
    values = {"store": STORE, "refresh_token": REFRESH, "client_id": CLIENT_ID}
    client = AmazonClient.from_credentials(conn.base_url, values | {"client_secret": CLIENT_SECRET})
    page = client.pull(None, connected.clock.now().replace(year=2020))
    client.close()
    records = [r for r in page.records["orders"] if r["order_number"] == number]
    assert len(records) == 1
    upsert = {"uow": connected.uow(), "clock": connected.clock, "ref": connected.reference}
    again = shopdata.upsert(acting(connected), STORE, "orders", records, **upsert)
    assert (again.created, again.updated, again.rejected) == (0, 0, 0)


def test_actions_are_amazons_and_a_message_is_sent_once(connected: Kefu, face: AmazonFace) -> None:
    number = order(face, "confirmDeliveryDetails", "unexpectedProblem")
    who = acting(connected, "lina")
    deps = connected.marketplaces
    found = amazon_messages.actions(who, STORE, number, uow=connected.uow(), deps=deps)
    assert found == ["confirmDeliveryDetails", "unexpectedProblem"]
    send = {"uow_factory": connected.uow, "deps": deps, "gate": connected.gate}
    send["clock"] = connected.clock
    text = "Your lamp leaves our warehouse today and arrives on Friday."
    first = amazon_messages.send(
        who, STORE, number, "confirmDeliveryDetails", text=text, client_key="k-1", **send
    )
    assert not first.repeated and first.message.state == "sent"
    assert first.message.platform_ref and first.message.platform_ref.startswith(number)
    again = amazon_messages.send(
        who, STORE, number, "confirmDeliveryDetails", text=text, client_key="k-1", **send
    )
    assert again.repeated and again.message.id == first.message.id
    assert [s.body for s in face.messages(number)] == [{"text": text}]
    with pytest.raises(InvalidInput, match="client_key: already used"):
        amazon_messages.send(
            who, STORE, number, "unexpectedProblem", text="other", client_key="k-1", **send
        )
    with pytest.raises(amazon_messages.MarketplaceRefused, match="not offer the legalDisclosure"):
        amazon_messages.send(
            who, STORE, number, "legalDisclosure", text=None, client_key="k-2", **send
        )
    # Amazon forbids e-mail addresses: the gate stops the text before anything is written.
    with pytest.raises(PolicyBlocked):
        amazon_messages.send(
            who, STORE, number, "unexpectedProblem", text="Write to me at a@b.example",
            client_key="k-3", **send,
        )  # fmt: skip
    sent = amazon_messages.sent(who, STORE, number, uow=connected.uow())
    assert [(m.client_key, m.state) for m in sent] == [("k-1", "sent"), ("k-2", "refused")]
    assert len(face.messages(number)) == 1


def test_a_store_not_on_amazon_or_a_bad_order_number_is_refused_in_words(
    connected: Kefu,
) -> None:
    who, deps = acting(connected), connected.marketplaces
    with pytest.raises(InvalidInput, match="not on Amazon"):
        amazon_messages.actions(
            who, "ebay-uk", "123-1234567-1234567", uow=connected.uow(), deps=deps
        )
    with pytest.raises(InvalidInput, match="3-7-7"):
        amazon_messages.actions(who, STORE, "12345", uow=connected.uow(), deps=deps)


def test_the_api_lists_and_sends_once(connected: Kefu, face: AmazonFace) -> None:
    number = order(face)
    base = f"/api/v1/orders/{STORE}/{number}"
    with signed_in(connected, "lina") as client:
        listed = client.get(f"{base}/amazon-actions")
        assert listed.status_code == 200, listed.text
        assert listed.json() == {"actions": ["unexpectedProblem"]}
        body = {"client_key": "api-1", "text": "A storm delays every parcel by two days."}
        created = client.post(f"{base}/amazon-actions/unexpectedProblem", json=body)
        assert created.status_code == 201, created.text
        assert created.json()["state"] == "sent"
        repeated = client.post(f"{base}/amazon-actions/unexpectedProblem", json=body)
        assert repeated.status_code == 200
        refused = client.post(f"{base}/amazon-actions/legalDisclosure", json={"client_key": "x"})
        assert refused.status_code == 502
        assert "does not offer the legalDisclosure" in refused.json()["message"]
        too_long = client.post(
            f"{base}/amazon-actions/unexpectedProblem", json={"client_key": "y", "text": "x" * 2001}
        )
        assert too_long.status_code == 422
        history = client.get(f"{base}/amazon-messages").json()
        assert [(m["action"], m["state"]) for m in history] == [
            ("unexpectedProblem", "sent"),
            ("legalDisclosure", "refused"),
        ]
    assert len(face.messages(number)) == 1


def test_the_cli_lists_and_sends(
    connected: Kefu, face: AmazonFace, monkeypatch: pytest.MonkeyPatch
) -> None:
    number = order(face, "unexpectedProblem", "confirmOrderDetails")
    secret = connected.settings.secret_key
    assert secret is not None
    monkeypatch.setenv("KEFU_SECRET_KEY", secret.get_secret_value())
    url = ["--database-url", connected.settings.database_url]
    runner = CliRunner()
    listed = runner.invoke(cli, ["amazon", "actions", STORE, number, *url])
    assert listed.exit_code == 0, listed.output
    assert listed.output.split() == ["unexpectedProblem", "confirmOrderDetails"]
    text = "We found a scratch on your lamp and send a new one today."
    args = ["amazon", "send", STORE, number, "unexpectedProblem", "--text", text]
    sent = runner.invoke(cli, [*args, "--client-key", "cli-1", *url])
    assert sent.exit_code == 0, sent.output
    assert "unexpectedProblem for order" in sent.output and ": sent" in sent.output
    refused = runner.invoke(cli, ["amazon", "send", STORE, number, "legalDisclosure", *url])
    assert refused.exit_code == 2 and "does not offer the legalDisclosure" in refused.output
    assert len(face.messages(number)) == 1


def test_the_stores_page_names_amazons_keys_in_english_and_chinese(kefu: Kefu) -> None:
    for locale, words in (
        ("en", ("LWA refresh token (from the app's authorization)", "Selling partner id")),
        ("zh_CN", ("LWA 刷新令牌（来自应用授权）", "卖家伙伴 ID（可选）")),
    ):
        with signed_in(kefu, locale=locale) as client:
            page = html.unescape(client.get("/shop").text)
        panel = page[page.index('data-testid="connection-amazon-us"') :]
        panel = panel[: panel.index("</details>")]
        assert all(w in panel for w in words), locale
        assert 'name="credential_refresh_token" type="password"' in panel
        # eBay's wording of the same key stays eBay's.
        assert "Refresh token (optional: renews the access token)" not in panel
