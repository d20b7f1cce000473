"""Connecting a store by OAuth (docs/channels.md "Connecting a store"), against the
sandbox's eBay and Wish faces over real HTTP, SQLite and PostgreSQL: the owner connects,
the store syncs, an expired token is renewed and stored so the next client uses it, a
refused refresh says "reconnect needed" until the owner connects again, and a state or a
code is good once."""

from __future__ import annotations

import html
import json
import re
import time
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, quote, urlsplit

import httpx
import pytest
from cryptography.fernet import Fernet
from pydantic import SecretStr
from typer.testing import CliRunner

from kefu.adapters.marketplaces.ebay import EbayClient
from kefu.adapters.marketplaces.sandbox import EbayFace, WishFace
from kefu.bootstrap import Kefu
from kefu.cli.main import app as cli
from kefu.domain.errors import InvalidInput
from kefu.domain.stores import StoreDraft
from kefu.services import oauth, shop, sync
from kefu.services.access import Forbidden, Principal
from kefu.services.ports import RECONNECT
from tests.factories import acting
from tests.sandbox_server import serve_faces
from tests.web import signed_in

RU_NAME = "kefu_shop-kefu-PRD-1234-abcd"
WISH_APP, WISH_SECRET = "5f0a1b2c3d4e5f6a7b8c9d0e", "wish-app-secret"
TOKEN_CALL = "POST /identity/v1/oauth2/token"


class Moving:
    """The faces' clock: real time until a test moves it (tokens expire in the faces)."""

    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now

    def tick(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def moving() -> Moving:
    return Moving()


@pytest.fixture
def faces(moving: Moving) -> tuple[EbayFace, WishFace]:
    return EbayFace(clock=moving), WishFace(clock=moving)


@pytest.fixture
def root(faces: tuple[EbayFace, WishFace]) -> Iterator[str]:
    with serve_faces(ebay=faces[0], wish=faces[1]) as url:
        yield url


@pytest.fixture
def keyed(kefu: Kefu, faces: tuple[EbayFace, WishFace]) -> Kefu:
    """The shop with a secret key, its clock at the real time (the faces' messages must
    not be in kefu's future), a Wish store, and the apps registered at the platforms."""
    kefu.clock._now = datetime.fromtimestamp(time.time(), UTC)  # type: ignore[attr-defined]
    kefu.settings.secret_key = SecretStr(Fernet.generate_key().decode())
    for cached in ("secrets", "marketplaces", "oauth"):
        kefu.__dict__.pop(cached, None)
    shop.create_store(
        acting(kefu),
        StoreDraft("wish-main", "wish", "wish.com", "Wish", "USD", "Asia/Shanghai", "CN"),
        checks=kefu.store_checks,
        uow=kefu.uow(),
        clock=kefu.clock,
    )
    ebay, wish = faces
    ebay.add_ru_name(RU_NAME, kefu.oauth.callback_url)
    wish.add_app(WISH_APP, WISH_SECRET, "unused-refresh")
    wish.set_redirect(WISH_APP, kefu.oauth.callback_url)
    return kefu


def ebay_keys(face: EbayFace) -> dict[str, str]:
    return {"client_id": face.app[0], "client_secret": face.app[1], "ru_name": RU_NAME}


def start(kefu: Kefu, store: str, keys: dict[str, str], base: str) -> str:
    return oauth.start(
        acting(kefu),
        store,
        app_keys=keys,
        base_url=base,
        deps=kefu.oauth,
        uow=kefu.uow(),
        clock=kefu.clock,
    )


def consent(url: str) -> dict[str, str]:
    """Follow the platform's consent (the face answers at once): the callback's query."""
    answer = httpx.get(url, follow_redirects=False)
    assert answer.status_code == 302, answer.text
    back = answer.headers["location"]
    assert back.startswith("http://127.0.0.1:8000/stores/oauth/callback?")
    return {k: v[0] for k, v in parse_qs(urlsplit(back).query).items()}


def finish(kefu: Kefu, answer: dict[str, str], who: Principal | None = None) -> oauth.Connected:
    return oauth.finish(
        who or acting(kefu),
        state=answer.get("state", ""),
        code=answer.get("code"),
        error=answer.get("error"),
        deps=kefu.oauth,
        uow_factory=kefu.uow,
        clock=kefu.clock,
    )


def opened(kefu: Kefu, store: str) -> dict[str, str]:
    with kefu.uow() as uow:
        conn = uow.connections.connection_by_code(store)
    assert conn is not None
    return dict(json.loads(kefu.secrets.open(conn.credentials)))


def health(kefu: Kefu, store: str) -> tuple[str | None, str | None]:
    with kefu.uow() as uow:
        conn = uow.connections.connection_by_code(store)
    assert conn is not None
    return conn.error_code, conn.error_detail


def connect_ebay(kefu: Kefu, face: EbayFace, root: str) -> oauth.Connected:
    face.consent = "approve"
    url = start(kefu, "ebay-uk", ebay_keys(face), f"{root}/ebay")
    query = parse_qs(urlsplit(url).query)
    assert url.startswith(f"{root}/ebay/oauth2/authorize?")
    assert query["redirect_uri"] == [RU_NAME] and query["response_type"] == ["code"]
    assert "commerce.message" in query["scope"][0] and len(query["state"][0]) >= 40
    return finish(kefu, consent(url))


def test_ebay_connect_sync_renew_store_and_reconnect(
    keyed: Kefu, faces: tuple[EbayFace, WishFace], root: str, moving: Moving
) -> None:
    kefu, face = keyed, faces[0]
    done = connect_ebay(kefu, face, root)
    assert (done.store_code, done.platform) == ("ebay-uk", "ebay")
    keys = opened(kefu, "ebay-uk")
    assert keys["client_secret"] == face.app[1] and keys["ru_name"] == RU_NAME
    first_token = keys["access_token"]
    assert first_token in face.tokens and keys["refresh_token"] in face.refresh_tokens
    # eBay's user token lasts 2 hours, its refresh token 18 months.
    ends = datetime.fromisoformat(keys["expires_at"]) - kefu.clock.now()
    assert timedelta(minutes=119) < ends <= timedelta(hours=2, seconds=5)
    assert datetime.fromisoformat(keys["refresh_expires_at"]) > kefu.clock.now() + timedelta(
        days=540
    )
    view = sync.connection(acting(kefu), "ebay-uk", secrets=kefu.secrets, uow=kefu.uow())
    assert view is not None and view.token_expires_at is not None
    assert first_token not in str(view) and face.app[1] not in str(view)

    ref = face.open_conversation("olivia_b")
    face.buyer_writes(ref, "Does the scarf come in blue?")
    report = kefu.sync_marketplaces("ebay-uk")
    assert (report.failed, report.stored) == ([], 1)
    assert face.calls.count(TOKEN_CALL) == 1  # the exchange only

    # Two hours on (at the platform): the token is refused, renewed once, and stored.
    moving.tick(7201)
    kefu.clock.advance(seconds=7201)  # type: ignore[attr-defined]
    face.buyer_writes(ref, "Or in green?")
    report = kefu.sync_marketplaces("ebay-uk")
    assert (report.failed, report.stored) == ([], 1)
    assert face.calls.count(TOKEN_CALL) == 2
    renewed = opened(kefu, "ebay-uk")
    assert renewed["access_token"] != first_token and renewed["access_token"] in face.tokens
    assert renewed["refresh_token"] == keys["refresh_token"]  # eBay does not rotate it
    assert health(kefu, "ebay-uk") == (None, None)
    # The next run's client starts with the stored token: no second renewal.
    face.buyer_writes(ref, "Thanks!")
    assert kefu.sync_marketplaces("ebay-uk").stored == 1
    assert face.calls.count(TOKEN_CALL) == 2

    # eBay forgets the refresh token (revoked by the seller): reconnect needed, in words.
    face.refresh_tokens.clear()
    moving.tick(7201)
    kefu.clock.advance(seconds=7201)  # type: ignore[attr-defined]
    report = kefu.sync_marketplaces("ebay-uk")
    assert len(report.failed) == 1 and "reconnect needed" in report.failed[0]
    code, detail = health(kefu, "ebay-uk")
    assert code == RECONNECT and detail is not None and "invalid_grant" in detail
    assert kefu.sync_marketplaces("ebay-uk").failed  # and stays so, without a new grant

    # Connecting again clears it; the store goes on from where it was.
    with kefu.uow() as uow:
        before = uow.connections.connection_by_code("ebay-uk")
    connect_ebay(kefu, face, root)
    with kefu.uow() as uow:
        after = uow.connections.connection_by_code("ebay-uk")
    assert before is not None and after is not None
    assert (after.error_code, after.cursor) == (None, before.cursor)
    face.buyer_writes(ref, "Still there?")
    assert kefu.sync_marketplaces("ebay-uk").stored == 1


def test_a_token_near_its_end_is_renewed_before_the_call(
    keyed: Kefu, faces: tuple[EbayFace, WishFace], root: str, moving: Moving
) -> None:
    kefu, face = keyed, faces[0]
    connect_ebay(kefu, face, root)
    with kefu.uow() as uow:
        conn = uow.connections.connection_by_code("ebay-uk")
    assert conn is not None
    values = {**opened(kefu, "ebay-uk"), "store": "ebay-uk", "seller_username": "kefu-demo-shop"}
    # The client's clock stands 4 minutes before the token's end: it renews first.
    at = datetime.fromisoformat(values["expires_at"]) - timedelta(minutes=4)
    client = EbayClient.from_credentials(
        f"{root}/ebay",
        values,
        on_tokens=oauth.token_sink(kefu.uow, kefu.secrets, kefu.clock, conn),
        clock=at.timestamp,
    )
    calls = len(face.calls)
    client.conversations("FROM_MEMBERS")
    client.close()
    assert face.calls[calls:] == [TOKEN_CALL, "GET /commerce/message/v1/conversation"]
    stored = opened(kefu, "ebay-uk")
    assert stored["access_token"] == client.access_token != values["access_token"]


def test_wish_connect_refresh_rotates_and_is_stored(
    keyed: Kefu, faces: tuple[EbayFace, WishFace], root: str, moving: Moving
) -> None:
    kefu, face = keyed, faces[1]
    face.consent = "approve"
    url = start(kefu, "wish-main", {"client_id": WISH_APP, "client_secret": WISH_SECRET}, "")
    assert url.startswith("https://merchant.wish.com/v3/oauth/authorize?client_id=")
    url = start(
        kefu,
        "wish-main",
        {"client_id": WISH_APP, "client_secret": WISH_SECRET},
        f"{root}/wish",
    )
    assert set(parse_qs(urlsplit(url).query)) == {"client_id", "state"}
    done = finish(kefu, consent(url))
    assert done.expires_at is not None and done.expires_at > kefu.clock.now() + timedelta(days=29)
    first = opened(kefu, "wish-main")
    face.buyer_opens("Ana", "¿Dónde está mi pedido?", order_id="W-1")
    assert kefu.sync_marketplaces("wish-main").failed == []

    # 30 days on: Wish says 1007, kefu refreshes; Wish rotates the refresh token.
    moving.tick(31 * 86400)
    kefu.clock.advance(days=31)  # type: ignore[attr-defined]
    face.buyer_opens("Bo", "Where is it?", order_id="W-2")
    report = kefu.sync_marketplaces("wish-main")
    assert report.failed == [] and report.stored >= 1
    now = opened(kefu, "wish-main")
    assert now["access_token"] != first["access_token"]
    assert now["refresh_token"] != first["refresh_token"]
    assert now["refresh_token"] in face.refresh_tokens
    assert first["refresh_token"] not in face.refresh_tokens  # used up at Wish
    assert first["access_token"] not in face.tokens  # Wish revokes the old access token

    # A wrong app secret at Wish (the app's secret was reset): reconnect needed.
    face.apps[WISH_APP] = "reset"
    moving.tick(31 * 86400)
    kefu.clock.advance(days=31)  # type: ignore[attr-defined]
    assert kefu.sync_marketplaces("wish-main").failed
    assert health(kefu, "wish-main")[0] == RECONNECT


def test_a_state_and_a_code_are_good_once(
    keyed: Kefu, faces: tuple[EbayFace, WishFace], root: str
) -> None:
    kefu, face = keyed, faces[0]
    face.consent = "approve"
    answer = consent(start(kefu, "ebay-uk", ebay_keys(face), f"{root}/ebay"))
    finish(kefu, answer)
    with pytest.raises(oauth.ConnectRefused) as replayed:
        finish(kefu, answer)  # the same callback again
    assert replayed.value.reason == "state_used"
    # The same code with a fresh state: eBay refuses a code used once.
    fresh = consent(start(kefu, "ebay-uk", ebay_keys(face), f"{root}/ebay"))
    with pytest.raises(oauth.ConnectRefused) as reused:
        finish(kefu, {**fresh, "code": answer["code"]})
    assert reused.value.reason == "exchange_failed" and "invalid_grant" in str(reused.value)
    with pytest.raises(oauth.ConnectRefused) as after:
        finish(kefu, fresh)  # that state went with the refused attempt
    assert after.value.reason == "state_used"
    with pytest.raises(oauth.ConnectRefused) as unknown:
        finish(kefu, {"state": "made-up", "code": "x"})
    assert unknown.value.reason == "state_unknown"


def test_what_the_platform_and_the_clock_refuse(
    keyed: Kefu, faces: tuple[EbayFace, WishFace], root: str
) -> None:
    kefu, face = keyed, faces[0]
    face.consent = "deny"
    denied = consent(start(kefu, "ebay-uk", ebay_keys(face), f"{root}/ebay"))
    assert denied.get("error") == "access_denied" and "code" not in denied
    with pytest.raises(oauth.ConnectRefused) as refused:
        finish(kefu, denied)
    assert (refused.value.reason, refused.value.store) == ("denied", "ebay-uk")

    face.consent = "approve"
    late = consent(start(kefu, "ebay-uk", ebay_keys(face), f"{root}/ebay"))
    kefu.clock.advance(minutes=16)  # type: ignore[attr-defined]
    with pytest.raises(oauth.ConnectRefused) as expired:
        finish(kefu, late)
    assert expired.value.reason == "state_expired"

    other = consent(start(kefu, "ebay-uk", ebay_keys(face), f"{root}/ebay"))
    with kefu.uow() as uow:
        lina = uow.auth.account_by_username("lina")
    assert lina is not None
    stranger = replace(acting(kefu), account_id=lina.id)  # a main account, but not this one
    with pytest.raises(oauth.ConnectRefused) as foreign:
        finish(kefu, other, stranger)
    assert foreign.value.reason == "state_other_account"
    with kefu.uow() as uow:
        assert uow.connections.connection_by_code("ebay-uk") is None  # nothing connected

    # A wrong client secret: the platform refuses the code, in its words.
    wrong = {**ebay_keys(face), "client_secret": "not-it"}
    with pytest.raises(oauth.ConnectRefused, match="invalid_client"):
        finish(kefu, consent(start(kefu, "ebay-uk", wrong, f"{root}/ebay")))


def test_who_may_start_and_what(keyed: Kefu, faces: tuple[EbayFace, WishFace]) -> None:
    kefu, face = keyed, faces[0]
    with pytest.raises(Forbidden):
        oauth.start(
            acting(kefu, "lina"), "ebay-uk", app_keys=ebay_keys(face), deps=kefu.oauth,
            uow=kefu.uow(), clock=kefu.clock,
        )  # fmt: skip
    for store, keys, base, field in (
        ("ali-global", ebay_keys(face), "", "platform"),
        ("ebay-uk", {**ebay_keys(face), "ru_name": " "}, "", "ru_name"),
        ("ebay-uk", {**ebay_keys(face), "client_id": "x" * 2001}, "", "client_id"),
        ("ebay-uk", ebay_keys(face), "http://api.example.com", "base_url"),
        ("ebay-uk", ebay_keys(face), "ftp://127.0.0.1", "base_url"),
        ("ebay-uk", ebay_keys(face), "http://[::1", "base_url"),
        ("ebay-uk", ebay_keys(face), "http://127.0.0.1:99999", "base_url"),
    ):
        with pytest.raises(InvalidInput) as bad:
            start(kefu, store, keys, base)
        assert bad.value.params.get("field") == field, (store, field)
    with kefu.uow() as uow:  # nothing was kept for any of them
        assert uow.oauth_states.purge(kefu.clock.now() + timedelta(days=2)) == 0


def test_the_stores_page_and_the_api(
    keyed: Kefu, faces: tuple[EbayFace, WishFace], root: str
) -> None:
    kefu, face = keyed, faces[0]
    face.consent = "approve"
    fields = {f"app_{k}": v for k, v in ebay_keys(face).items()} | {"base_url": f"{root}/ebay"}
    with signed_in(kefu, locale="en") as client:
        page = client.get("/shop").text
        assert 'data-testid="connect-oauth"' in page and "Connect with eBay" in page
        assert kefu.oauth.callback_url in page  # where the RuName's accept URL must point
        started = client.post("/shop/ebay-uk/connection/authorize", data=fields)
        assert started.status_code == 200 and face.app[1] not in started.text
        link = html.unescape(
            re.search(r'href="([^"]+)" data-testid="oauth-continue"', started.text)[1]  # type: ignore[index]
        )
        answer = consent(link)
        back = client.get("/stores/oauth/callback", params=answer, follow_redirects=False)
        assert back.status_code == 303
        assert back.headers["location"] == "/shop?oauth=connected&store=ebay-uk#connection-ebay-uk"
        shown = client.get(back.headers["location"]).text
        assert "Connected: the platform granted kefu access to the store." in shown
        assert 'data-testid="token-expires"' in shown
        # The same callback again (the back button): said in words, nothing connects twice.
        again = client.get("/stores/oauth/callback", params=answer, follow_redirects=False)
        assert "oauth=state_used&store=ebay-uk" in again.headers["location"]
        assert "this answer was used already" in client.get(again.headers["location"]).text
        made_up = client.get("/stores/oauth/callback", params={"state": "x", "code": "y"})
        assert "this answer did not start here" in made_up.text  # no store to name
        missing = client.post(
            "/shop/ebay-uk/connection/authorize", data={**fields, "app_ru_name": ""}
        )
        assert missing.status_code == 422 and "ru_name: is required" in missing.text

        # The API: the URL to open, then what the platform sent back.
        body = {"app": ebay_keys(face), "base_url": f"{root}/ebay"}
        opened_url = client.post("/api/v1/stores/ebay-uk/connection/authorize", json=body)
        assert opened_url.status_code == 200
        answer = consent(opened_url.json()["url"])
        done = client.post("/api/v1/stores/oauth/callback", json=answer)
        assert done.status_code == 200 and done.json()["store"] == "ebay-uk"
        replayed = client.post("/api/v1/stores/oauth/callback", json=answer)
        assert replayed.status_code == 422 and "already used" in replayed.text
        conn = client.get("/api/v1/stores/ebay-uk/connection").json()
        assert conn["token_expires_at"] and conn["refresh_expires_at"]
        assert all(face.app[1] not in v for v in conn["credentials"].values())
        paths = client.get("/openapi.json").json()["paths"]
    assert "post" in paths["/api/v1/stores/{code}/connection/authorize"]
    assert "post" in paths["/api/v1/stores/oauth/callback"]
    assert "/stores/oauth/callback" not in paths  # a page, not the API

    with signed_in(kefu, "lina") as client:  # a sub-account may not connect stores
        refused = client.post("/api/v1/stores/ebay-uk/connection/authorize", json=body)
        assert refused.status_code == 403


def test_the_result_in_chinese(keyed: Kefu, faces: tuple[EbayFace, WishFace], root: str) -> None:
    face = faces[0]
    face.consent = "deny"
    with signed_in(keyed, locale="zh_CN") as client:
        url = client.post(
            "/api/v1/stores/ebay-uk/connection/authorize",
            json={"app": ebay_keys(face), "base_url": f"{root}/ebay"},
        ).json()["url"]
        back = client.get("/stores/oauth/callback", params=consent(url), follow_redirects=False)
        page = client.get(back.headers["location"]).text
    assert "未连接：卖家没有在平台页面上同意授权。" in page
    assert "通过 eBay 授权连接" in page


def test_kefu_store_authorize_from_a_shell(
    keyed: Kefu, faces: tuple[EbayFace, WishFace], root: str
) -> None:
    kefu, face = keyed, faces[0]
    face.consent = "approve"
    assert kefu.settings.secret_key is not None
    env = {
        "KEFU_SECRET_KEY": kefu.settings.secret_key.get_secret_value(),
        "KEFU_CLIENT_SECRET": face.app[1],
    }
    url = kefu.engine.url.render_as_string(hide_password=False)
    args = ["store", "authorize", "ebay-uk", "--client-id", face.app[0], "--ru-name", RU_NAME]
    args += ["--base-url", f"{root}/ebay", "--database-url", url]

    def a_code() -> str:  # the seller agreed in a browser; the code is in its address bar
        return consent(start(kefu, "ebay-uk", ebay_keys(face), f"{root}/ebay"))["code"]

    pasted = f"{kefu.oauth.callback_url}?code={quote(a_code())}&expires_in=299"
    runner = CliRunner()
    done = runner.invoke(cli, args, input=pasted + "\n", env=env)
    assert done.exit_code == 0, done.output
    assert f"{root}/ebay/oauth2/authorize?client_id=" in done.output  # the page to open
    assert "store ebay-uk connected to ebay; the access token ends" in done.output
    assert face.app[1] not in done.output

    again = runner.invoke(cli, [*args, "--code", a_code()], env=env)
    assert again.exit_code == 0 and "connected to ebay" in again.output
    used = runner.invoke(cli, [*args, "--code", "not-a-code"], env=env)
    assert used.exit_code == 2 and "invalid_grant" in used.output

    with kefu.uow() as uow:  # as a refused renewal leaves it
        conn = uow.connections.connection_by_code("ebay-uk")
        assert conn is not None
        uow.connections.record_sync(conn.store_id, {"error_code": RECONNECT, "error_detail": "x"})
        uow.commit()
    shown = runner.invoke(cli, ["store", "connection", "ebay-uk", "--database-url", url], env=env)
    assert shown.exit_code == 0 and "access token ends:" in shown.output
    assert "reconnect needed: the platform refused the token" in shown.output


def test_an_aliexpress_token_shows_the_expiry_the_owner_entered(keyed: Kefu) -> None:
    keys = {"app_key": "500100", "app_secret": "s3cret-key", "access_token": "tok-ali-1"}

    def connect(expires: str) -> sync.ConnectionView:
        return sync.connect_store(
            acting(keyed),
            "ali-global",
            base_url="http://127.0.0.1:9/aliexpress",
            credentials={**keys, "expires_at": expires},
            secrets=keyed.secrets,
            uow=keyed.uow(),
            clock=keyed.clock,
        )

    assert connect("2027-06-30").token_expires_at == datetime(2027, 6, 30, tzinfo=UTC)
    shown = connect("2027-06-30T12:00:00+08:00").token_expires_at
    assert shown == datetime(2027, 6, 30, 4, tzinfo=UTC)
    with pytest.raises(InvalidInput) as bad:
        connect("in a year")
    assert bad.value.params.get("field") == "expires_at"
