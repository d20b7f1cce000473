"""A store connected to AliExpress (docs/channels.md), against kefu's sandbox marketplace
served over real HTTP: the buyer's messages sync into the inbox, the agent's reply goes
out through the platform's API once, a refused token shows on its store while another
store keeps syncing. SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from cryptography.fernet import Fernet
from pydantic import SecretStr
from sqlalchemy import text

from kefu.adapters.marketplaces.sandbox import AliExpressFace
from kefu.bootstrap import Kefu
from kefu.domain.errors import InvalidInput
from kefu.domain.stores import StoreDraft
from kefu.services import inbox, shop, sync
from kefu.services.access import Forbidden
from tests.factories import acting
from tests.sandbox_server import APP_KEY, SECRET, TOKEN, aliexpress_face, serve_sandbox
from tests.web import signed_in


@pytest.fixture
def face(kefu: Kefu) -> AliExpressFace:
    # kefu's test clock stands at NOW; the platform's runs in real time (its messages must
    # not be "in the future" for kefu): the test clock is put at the real time.
    kefu.clock._now = datetime.now(UTC)  # type: ignore[attr-defined]
    return aliexpress_face()


@pytest.fixture
def sandbox_url(face: AliExpressFace) -> Iterator[str]:
    with serve_sandbox(face) as url:
        yield url


@pytest.fixture
def connected(kefu: Kefu, sandbox_url: str) -> Kefu:
    kefu.settings.secret_key = SecretStr(Fernet.generate_key().decode())
    kefu.__dict__.pop("secrets", None)
    kefu.__dict__.pop("marketplaces", None)
    view = sync.connect_store(
        acting(kefu),
        "ali-global",
        base_url=sandbox_url,
        credentials={"app_key": APP_KEY, "app_secret": SECRET, "access_token": TOKEN},
        secrets=kefu.secrets,
        uow=kefu.uow(),
        clock=kefu.clock,
    )
    assert view.credentials["app_secret"].endswith(SECRET[-4:])
    assert SECRET not in str(view)
    return kefu


def thread(kefu: Kefu, ref: str) -> list[tuple[str, str]]:
    with kefu.engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT m.direction, m.text FROM messages m JOIN conversations c"
                " ON c.id = m.conversation_id WHERE c.platform_conversation_id = :r ORDER BY m.id"
            ),
            {"r": ref},
        ).all()
    return [(r.direction, r.text) for r in rows]


def conversation_id(kefu: Kefu, ref: str) -> int:
    with kefu.engine.connect() as conn:
        return int(
            conn.execute(
                text("SELECT id FROM conversations WHERE platform_conversation_id = :r"),
                {"r": ref},
            ).scalar_one()
        )


def test_a_buyer_writes_it_syncs_the_reply_goes_out_once(
    connected: Kefu, face: AliExpressFace
) -> None:
    kefu = connected
    channel = face.open_channel("es1234567abc", "Lucía")
    face.buyer_writes(channel, "Hola, ¿dónde está mi pedido?")
    face.notice(channel, "El comprador ha confirmado la recepción.")

    report = kefu.sync_marketplaces("ali-global")
    assert (report.stores, report.failed) == (1, [])
    assert thread(kefu, channel) == [
        ("buyer", "Hola, ¿dónde está mi pedido?"),
        ("platform", "El comprador ha confirmado la recepción."),
    ]
    again = kefu.sync_marketplaces("ali-global")  # nothing new: nothing stored twice
    assert again.stored == 0 and len(thread(kefu, channel)) == 2

    conv = conversation_id(kefu, channel)
    assert inbox.reply(
        acting(kefu),
        conv,
        "Hola Lucía, tu pedido salió ayer; llega en 10 días.",
        request_id="ali-1",
        uow=kefu.uow(),
        clock=kefu.clock,
        gate=kefu.gate,
    )
    assert kefu.deliver_outbox().delivered == 1
    assert kefu.deliver_outbox().delivered == 0
    sent = [m for m in face.channel(channel)["messages"] if m["own"]]
    assert [m["content"] for m in sent] == ["Hola Lucía, tu pedido salió ayer; llega en 10 días."]

    face.buyer_writes(channel, "¡Gracias!")
    kefu.sync_marketplaces("ali-global")
    texts = [t for _, t in thread(kefu, channel)]
    # Our reply comes back from the platform as the same message, not a second one.
    assert texts.count("Hola Lucía, tu pedido salió ayer; llega en 10 días.") == 1
    assert texts[-1] == "¡Gracias!"
    with kefu.uow() as uow:
        health = uow.connections.connection_by_code("ali-global")
    assert health is not None and health.error_code is None and health.total_pulled >= 3


def test_a_refused_token_shows_on_its_store_and_the_others_keep_syncing(
    connected: Kefu, face: AliExpressFace, sandbox_url: str
) -> None:
    kefu = connected
    owner = acting(kefu)
    shop.create_store(
        owner,
        StoreDraft(
            "ali-second", "aliexpress", "aliexpress.com", "Second", "USD", "Asia/Shanghai", "CN"
        ),
        checks=kefu.store_checks,
        uow=kefu.uow(),
        clock=kefu.clock,
    )
    sync.connect_store(
        owner,
        "ali-second",
        base_url=sandbox_url,
        credentials={"app_key": APP_KEY, "app_secret": SECRET, "access_token": "revoked"},
        secrets=kefu.secrets,
        uow=kefu.uow(),
        clock=kefu.clock,
    )
    channel = face.open_channel("us555", "Sam")
    face.buyer_writes(channel, "Is this in stock?")

    report = kefu.sync_marketplaces()
    assert report.stores == 2
    assert [f.split(":")[0] for f in report.failed] == ["ali-second"]
    assert thread(kefu, channel) == [("buyer", "Is this in stock?")]
    with kefu.uow() as uow:
        second = uow.connections.connection_by_code("ali-second")
        first = uow.connections.connection_by_code("ali-global")
    # AliExpress's session error (27, an unknown token): reconnect needed, in words.
    assert second is not None and second.error_code == "reconnect"
    assert second.error_detail and "reconnect needed" in second.error_detail
    assert first is not None and first.error_code is None


def test_who_may_connect_and_what(kefu: Kefu, sandbox_url: str) -> None:
    kefu.settings.secret_key = SecretStr(Fernet.generate_key().decode())
    kefu.__dict__.pop("secrets", None)
    keys = {"app_key": APP_KEY, "app_secret": SECRET, "access_token": TOKEN}
    with pytest.raises(Forbidden):
        sync.connect_store(
            acting(kefu, "lina"), "ali-global", base_url=sandbox_url, credentials=keys,
            secrets=kefu.secrets, uow=kefu.uow(), clock=kefu.clock,
        )  # fmt: skip
    with pytest.raises(InvalidInput, match="refresh_token: is required"):
        sync.connect_store(
            acting(kefu), "amazon-us", base_url=sandbox_url, credentials=keys,
            secrets=kefu.secrets, uow=kefu.uow(), clock=kefu.clock,
        )  # fmt: skip
    with pytest.raises(InvalidInput, match="https"):
        sync.connect_store(
            acting(kefu), "ali-global", base_url="http://api.example.com", credentials=keys,
            secrets=kefu.secrets, uow=kefu.uow(), clock=kefu.clock,
        )  # fmt: skip
    no_token = {**keys, "access_token": ""}
    with pytest.raises(InvalidInput, match="access_token"):
        sync.connect_store(
            acting(kefu), "ali-global", base_url=sandbox_url, credentials=no_token,
            secrets=kefu.secrets, uow=kefu.uow(), clock=kefu.clock,
        )  # fmt: skip


def test_a_store_is_read_again_from_a_date_and_nothing_is_stored_twice(
    connected: Kefu, face: AliExpressFace
) -> None:
    kefu = connected
    channel = face.open_channel("fr5550001xyz", "Camille")
    face.buyer_writes(channel, "Bonjour, le colis est-il parti ?")
    first = kefu.sync_marketplaces("ali-global")
    assert first.stored == 1
    again = kefu.sync_marketplaces("ali-global")
    assert again.stored == 0  # from the cursor: nothing new
    since = kefu.clock.now() - timedelta(days=1)
    reread = kefu.sync_marketplaces("ali-global", since=since)
    assert (reread.failed, reread.stored) == ([], 0) and reread.pulled >= 1
    assert thread(kefu, channel) == [("buyer", "Bonjour, le colis est-il parti ?")]
    with pytest.raises(InvalidInput, match="--since needs --store"):
        sync.sync_all(kefu.uow, kefu.marketplaces, kefu.clock, since=since)


def test_the_sub_account_holding_a_conversation_on_the_platform_is_shown(
    connected: Kefu, face: AliExpressFace
) -> None:
    kefu = connected
    channel = face.open_channel("de7770001abc", "Jonas", child=(30001, "cn1000000001:lina"))
    face.buyer_writes(channel, "Hallo, wann kommt mein Paket?")
    assert kefu.sync_marketplaces("ali-global").failed == []
    conv = conversation_id(kefu, channel)
    with signed_in(kefu, locale="en") as client:
        page = client.get(f"/conversations/{conv}").text
    assert "held by the sub-account cn1000000001:lina" in page
    with signed_in(kefu) as client:  # the screen's own language
        assert "平台上由子账号 cn1000000001:lina 负责" in client.get(f"/conversations/{conv}").text


def test_a_store_is_due_a_little_before_its_interval_has_passed(connected: Kefu) -> None:
    """The job ticks once a minute and a run takes some seconds: a store synced at one
    tick must be due at the tick its interval (5 minutes here) brings, not the one after."""
    kefu = connected
    assert kefu.sync_marketplaces().stores == 1  # never synced: due
    kefu.clock.advance(seconds=4 * 60 + 40)  # type: ignore[attr-defined]
    assert kefu.sync_marketplaces().stores == 0
    kefu.clock.advance(seconds=10)  # type: ignore[attr-defined]
    assert kefu.sync_marketplaces().stores == 1
