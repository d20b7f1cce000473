"""A store's marketplace connection through the API and the Stores page (docs/channels.md):
connected with the platform's keys, which are sealed and never shown back; a sync now
against kefu's sandbox marketplace served over real HTTP brings the buyer's message into
the inbox; health in words (English and Chinese); only the main account. SQLite and
PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from cryptography.fernet import Fernet
from pydantic import SecretStr

from kefu.adapters.marketplaces.sandbox import AliExpressFace
from kefu.bootstrap import Kefu
from kefu.services import sync
from tests.sandbox_server import aliexpress_face, serve_sandbox
from tests.web import signed_in

APP_KEY, SECRET, TOKEN = "500100", "sandbox-secret-Q7x9", "token-ali-global-Z3k8"
STORE = "/api/v1/stores/ali-global"
PLATFORMS = {"ebay-uk": "eBay", "amazon-us": "Amazon"}  # stores of the test shop


def without_adapter(monkeypatch: pytest.MonkeyPatch) -> tuple[str, str]:
    """A store of the test shop on a platform kefu does not connect to: every platform of
    the test shop has an adapter now, so one is taken out of the table for the test."""
    code, name = next(iter(PLATFORMS.items()))
    monkeypatch.delitem(sync.CREDENTIALS, name.lower(), raising=False)
    return code, name


def body(url: str, **changes: Any) -> dict[str, Any]:
    keys = {"app_key": APP_KEY, "app_secret": SECRET, "access_token": TOKEN}
    return {"base_url": url, "credentials": keys, "interval_minutes": 10} | changes


@pytest.fixture
def keyed(kefu: Kefu) -> Kefu:
    kefu.settings.secret_key = SecretStr(Fernet.generate_key().decode())
    kefu.__dict__.pop("secrets", None)
    kefu.__dict__.pop("marketplaces", None)
    return kefu


@pytest.fixture
def face(kefu: Kefu) -> AliExpressFace:
    # The platform runs in real time: kefu's test clock is put at the real time, so the
    # platform's messages are not "in the future" (as tests/integration/test_marketplace_sync).
    kefu.clock._now = datetime.now(UTC)  # type: ignore[attr-defined]
    return aliexpress_face(APP_KEY, SECRET, TOKEN)


@pytest.fixture
def sandbox_url(face: AliExpressFace) -> Iterator[str]:
    with serve_sandbox(face) as url:
        yield url


def test_connect_sync_and_see_the_message_in_the_inbox(
    keyed: Kefu, face: AliExpressFace, sandbox_url: str
) -> None:
    channel = face.open_channel("es1234567abc", "Lucía")
    face.buyer_writes(channel, "Hola, ¿dónde está mi pedido?")
    bodies = []
    with signed_in(keyed) as client:
        assert client.get(f"{STORE}/connection").status_code == 404
        put = client.put(f"{STORE}/connection", json=body(sandbox_url))
        assert put.status_code == 200, put.text
        got = client.get(f"{STORE}/connection")
        shown = got.json()
        assert shown["platform"] == "aliexpress" and shown["interval_minutes"] == 10
        assert shown["credentials"]["app_secret"] == "••••••••" + SECRET[-4:]
        assert shown["health"]["last_sync_at"] is None

        synced = client.post(f"{STORE}/sync")
        assert synced.status_code == 200, synced.text
        report = synced.json()
        assert report["failed"] == [] and report["stored"] == 1 and report["pages"] >= 1
        inbox = client.get("/api/v1/conversations", params={"store": "ali-global"}).json()
        assert "Lucía" in str(inbox)
        assert "Lucía" in client.get("/").text  # the inbox page

        health = client.get(f"{STORE}/connection").json()["health"]
        assert health["last_pulled"] == health["total_pulled"] == 1
        assert health["error_code"] is None and health["last_success_at"] is not None
        page = client.get("/shop")
        assert page.status_code == 200
        assert 'data-testid="sync-pulled">1 / 1<' in page.text
        bodies += [put.text, got.text, synced.text, page.text]

        assert client.delete(f"{STORE}/connection").status_code == 204
        assert client.delete(f"{STORE}/connection").status_code == 204  # idempotent
        assert client.get(f"{STORE}/connection").status_code == 404
        assert client.post(f"{STORE}/sync").status_code == 404
    for text in bodies:
        assert SECRET not in text and TOKEN not in text


def test_a_refused_token_is_said_in_words_on_the_page(
    keyed: Kefu, face: AliExpressFace, sandbox_url: str
) -> None:
    revoked = body(sandbox_url)
    revoked["credentials"] = {**revoked["credentials"], "access_token": "revoked-token-1"}
    with signed_in(keyed, locale="en") as client:
        assert client.put(f"{STORE}/connection", json=revoked).status_code == 200
        report = client.post(f"{STORE}/sync").json()
        assert report["stored"] == 0 and report["failed"][0].startswith("ali-global:")
        assert client.get(f"{STORE}/connection").json()["health"]["error_code"] == "reconnect"
        page = client.get("/shop").text
    words = "Reconnect needed: the platform refused the store&#39;s token. Connect the store again."
    assert page.count(words) == 2  # the alert above the health, and the last error
    assert "revoked-token-1" not in page


def test_refusals(
    keyed: Kefu, sandbox_url: str, team: dict[str, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    with signed_in(keyed) as client:
        for field, bad in (
            ("base_url", body("http://api.example.com")),
            ("platform", body(sandbox_url)),
            ("access_token", body(sandbox_url, credentials={"app_key": "k", "app_secret": "s"})),
        ):
            where = (
                f"/api/v1/stores/{without_adapter(monkeypatch)[0]}"
                if field == "platform"
                else STORE
            )
            answer = client.put(f"{where}/connection", json=bad)
            assert answer.status_code == 422, answer.text
            assert answer.json()["field"] == field
        for address in ("http://[::1", "https://x:99999", "https://a\x00b.example"):
            answer = client.put(f"{STORE}/connection", json=body(address))
            assert (answer.status_code, answer.json()["field"]) == (422, "base_url"), address
        # Sizes are limited before any use case runs.
        huge = body(sandbox_url, credentials={"app_key": "k" * 2001})
        assert client.put(f"{STORE}/connection", json=huge).status_code == 422
        many = body(sandbox_url, credentials={f"k{i}": "v" for i in range(11)})
        assert client.put(f"{STORE}/connection", json=many).status_code == 422
        assert (
            client.put(f"{STORE}/connection", json=body(sandbox_url, backfill_days=181)).status_code
            == 422
        )
        assert client.get("/api/v1/stores/nope/connection").status_code == 404
        assert (
            client.put("/api/v1/stores/nope/connection", json=body(sandbox_url)).status_code == 404
        )
        assert client.delete("/api/v1/stores/nope/connection").status_code == 404
        assert client.post("/api/v1/stores/nope/sync").status_code == 404
    for who in ("lena", "lina"):  # a lead, an agent
        with signed_in(keyed, who) as client:
            assert client.put(f"{STORE}/connection", json=body(sandbox_url)).status_code == 403
            assert client.get(f"{STORE}/connection").status_code == 403
            assert client.delete(f"{STORE}/connection").status_code == 403
            assert client.post(f"{STORE}/sync").status_code == 403


def test_without_a_secret_key_nothing_is_stored(kefu: Kefu, sandbox_url: str) -> None:
    with signed_in(kefu) as client:
        answer = client.put(f"{STORE}/connection", json=body(sandbox_url))
        assert answer.status_code == 503
        assert "KEFU_SECRET_KEY" in answer.json()["message"]
        assert client.get(f"{STORE}/connection").status_code == 404


def test_the_page_connects_syncs_and_disconnects(
    keyed: Kefu, face: AliExpressFace, sandbox_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    channel = face.open_channel("us555", "Sam")
    face.buyer_writes(channel, "Is this in stock?")
    name = without_adapter(monkeypatch)[1]
    with signed_in(keyed, locale="en") as client:
        page = client.get("/shop").text
        assert 'name="credential_app_secret" type="password"' in page
        # Stores on platforms without an adapter say where their messages come from.
        assert f"kefu does not connect to {name} yet: its messages come by e-mail" in page
        form = {
            "csrf_token": client.headers["X-CSRF-Token"],
            "base_url": sandbox_url,
            "interval_minutes": "5",
            "backfill_days": "30",
            "credential_app_key": APP_KEY,
            "credential_app_secret": SECRET,
            "credential_access_token": TOKEN,
        }
        bad = client.post("/shop/ali-global/connection", data={**form, "interval_minutes": "x"})
        assert bad.status_code == 422 and 'data-field="interval_minutes"' in bad.text
        assert SECRET not in bad.text
        done = client.post("/shop/ali-global/connection", data=form, follow_redirects=False)
        assert done.status_code == 303, done.text
        synced = client.post("/shop/ali-global/sync", data={"csrf_token": form["csrf_token"]})
        assert synced.status_code == 200
        assert "Synced: " in synced.text and "1 messages pulled, 1 new" in synced.text
        assert "••••••••" + SECRET[-4:] in synced.text and SECRET not in synced.text
        assert "Sam" in client.get("/").text  # the inbox page
        gone = client.post(
            "/shop/ali-global/connection/remove",
            data={"csrf_token": form["csrf_token"]},
            follow_redirects=False,
        )
        assert gone.status_code == 303
        assert client.get(f"{STORE}/connection").status_code == 404


def test_the_stores_page_in_chinese(keyed: Kefu, face: AliExpressFace, sandbox_url: str) -> None:
    with signed_in(keyed, locale="zh_CN") as client:
        revoked = body(sandbox_url)
        revoked["credentials"] = {**revoked["credentials"], "access_token": "revoked-token-2"}
        assert client.put(f"{STORE}/connection", json=revoked).status_code == 200
        client.post(f"{STORE}/sync")
        page = client.get("/shop").text
    assert "平台连接" in page
    assert "需要重新连接：平台拒绝了店铺的令牌。请重新连接店铺。" in page


def test_openapi_documents_the_connection_routes(keyed: Kefu) -> None:
    with signed_in(keyed) as client:
        paths = client.get("/openapi.json").json()["paths"]
    assert set(paths["/api/v1/stores/{code}/connection"]) == {"get", "put", "delete"}
    assert set(paths["/api/v1/stores/{code}/connection"]["put"]["responses"]) >= {
        "200",
        "422",
        "503",
    }
    assert "post" in paths["/api/v1/stores/{code}/sync"]
