"""Connecting an Amazon store by Amazon's website authorization (LWA) through the same
OAuth flow as eBay and Wish (docs/channels.md "Connecting a store by OAuth"), against the
sandbox's Amazon face over real HTTP: Seller Central's consent sends back
`spapi_oauth_code`, kefu trades it at LWA for a refresh token, and the store syncs with it."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from cryptography.fernet import Fernet
from pydantic import SecretStr

from kefu.adapters.marketplaces.sandbox import AmazonFace, create_marketplace_sandbox
from kefu.bootstrap import Kefu
from kefu.services import oauth
from tests.factories import acting
from tests.sandbox_server import serve_app
from tests.web import signed_in

CLIENT_ID, CLIENT_SECRET = "amzn1.application-oa2-client.kefu-oauth", "lwa-app-s3cret"


@pytest.fixture
def face() -> AmazonFace:
    return AmazonFace()


@pytest.fixture
def root(face: AmazonFace) -> Iterator[str]:
    with serve_app(create_marketplace_sandbox(amazon=face)) as url:
        yield url


@pytest.fixture
def keyed(kefu: Kefu, face: AmazonFace) -> Kefu:
    kefu.clock._now = datetime.fromtimestamp(time.time(), UTC)  # type: ignore[attr-defined]
    kefu.settings.secret_key = SecretStr(Fernet.generate_key().decode())
    for cached in ("secrets", "marketplaces", "oauth"):
        kefu.__dict__.pop(cached, None)
    face.add_app(CLIENT_ID, CLIENT_SECRET, "unused", redirect_uris=(kefu.oauth.callback_url,))
    return kefu


def test_an_amazon_store_connects_by_lwa_and_syncs(
    keyed: Kefu, face: AmazonFace, root: str
) -> None:
    kefu = keyed
    keys = {"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET, "application_id": CLIENT_ID}
    assert oauth.platforms(kefu.oauth)["amazon"] == ("client_id", "client_secret", "application_id")
    url = oauth.start(
        acting(kefu),
        "amazon-us",
        app_keys=keys,
        base_url=f"{root}/amazon",
        deps=kefu.oauth,
        uow=kefu.uow(),
        clock=kefu.clock,
    )
    assert url.startswith(f"{root}/amazon/apps/authorize/consent?")
    sent = httpx.get(url, follow_redirects=False)
    assert sent.status_code == 302
    back = {k: v[0] for k, v in parse_qs(urlsplit(sent.headers["location"]).query).items()}
    assert set(back) == {"spapi_oauth_code", "state", "selling_partner_id"}
    with signed_in(kefu, locale="en") as client:  # Amazon names its code spapi_oauth_code
        done = client.get("/stores/oauth/callback", params=back, follow_redirects=False)
    assert done.headers["location"] == "/shop?oauth=connected&store=amazon-us#connection-amazon-us"
    with kefu.uow() as uow:
        conn = uow.connections.connection_by_code("amazon-us")
    assert conn is not None and conn.platform == "amazon"
    credentials = json.loads(kefu.secrets.open(conn.credentials))
    assert credentials["refresh_token"] in face.refresh_tokens
    assert (credentials["client_id"], credentials["client_secret"]) == (CLIENT_ID, CLIENT_SECRET)
    report = kefu.sync_marketplaces("amazon-us")
    assert (report.stores, report.failed) == (1, [])


def test_the_shell_takes_amazons_redirect_as_it_comes() -> None:
    """`kefu store authorize` takes the address the owner's browser was sent to; Amazon
    names its code `spapi_oauth_code`."""
    from kefu.cli.store import _answer

    sent = "http://127.0.0.1:8000/stores/oauth/callback?spapi_oauth_code=ANx1&state=s-1&selling_partner_id=A2"
    assert _answer(sent) == {"code": "ANx1", "state": "s-1"}
    assert _answer("ANx1") == {"code": "ANx1"}
