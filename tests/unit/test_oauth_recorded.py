"""eBay's and Wish's OAuth documents (tests/data/recorded/<platform>/oauth.json, built
from their published pages and OpenAPI): kefu reads the grants as the platforms answer
them, takes a refused refresh as "reconnect needed", and the sandbox faces refuse every
exchange the documents say the platform refuses, the same way."""

from __future__ import annotations

import base64
import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from kefu.adapters.marketplaces.ebay_oauth import EbayOAuth
from kefu.adapters.marketplaces.sandbox import EbayFace, WishFace
from kefu.adapters.marketplaces.sandbox.consent import Grant
from kefu.adapters.marketplaces.wish_oauth import WishOAuth
from kefu.services.ports import ChannelError, TokenRefused

RECORDED = Path(__file__).parent.parent / "data" / "recorded"


def recorded(platform: str) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(
        (RECORDED / platform / "oauth.json").read_text(encoding="utf-8")
    )
    return document


def moment(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def answering(status: int, body: object, seen: list[httpx.Request]) -> httpx.Client:
    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(status, json=body)

    return httpx.Client(transport=httpx.MockTransport(handler))


# eBay


def test_ebay_code_grant_as_documented() -> None:
    doc = recorded("ebay")
    now = moment(doc["now"])
    seen: list[httpx.Request] = []
    app = EbayOAuth.from_keys(
        "https://api.ebay.com",
        doc["app"],
        client=answering(200, doc["grant"], seen),
        clock=now.timestamp,
    )
    url = app.authorize_url("ignored: eBay takes the RuName", "st4te")
    parts = urlsplit(url)
    query = parse_qs(parts.query)
    assert (
        f"{parts.scheme}://{parts.netloc}{parts.path}" == "https://auth.ebay.com/oauth2/authorize"
    )
    assert query["redirect_uri"] == [doc["app"]["ru_name"]] and query["state"] == ["st4te"]
    assert query["response_type"] == ["code"] and query["client_id"] == [doc["app"]["client_id"]]

    grant = app.exchange("v^1.1#i^1#code", "ignored")
    assert grant.access_token == doc["grant"]["access_token"]
    assert grant.refresh_token == doc["grant"]["refresh_token"]
    assert grant.expires_at == now + timedelta(hours=2)
    assert grant.refresh_expires_at == now + timedelta(seconds=47304000)
    (request,) = seen
    assert str(request.url) == "https://api.ebay.com/identity/v1/oauth2/token"
    assert request.headers["content-type"] == "application/x-www-form-urlencoded"
    pair = f"{doc['app']['client_id']}:{doc['app']['client_secret']}".encode()
    assert request.headers["authorization"] == "Basic " + base64.b64encode(pair).decode()
    form = parse_qs(request.content.decode())
    assert form["grant_type"] == ["authorization_code"] and form["code"] == ["v^1.1#i^1#code"]
    assert form["redirect_uri"] == [doc["app"]["ru_name"]]


def test_ebay_refresh_keeps_the_refresh_token_and_a_refusal_means_reconnect() -> None:
    doc = recorded("ebay")
    seen: list[httpx.Request] = []
    app = EbayOAuth.from_keys(
        "https://api.sandbox.ebay.com", doc["app"], client=answering(200, doc["refresh"], seen)
    )
    assert app.authorize_url("", "s").startswith("https://auth.sandbox.ebay.com/oauth2/authorize?")
    grant = app.refresh("the-refresh-token")
    assert grant.access_token == doc["refresh"]["access_token"]
    assert grant.refresh_token == "the-refresh-token"  # eBay does not rotate it
    refused = next(c for c in doc["cases"] if c["name"] == "unknown_refresh_token")
    app = EbayOAuth.from_keys(
        "https://api.ebay.com",
        doc["app"],
        client=answering(400, refused["response"]["body"], seen),
    )
    with pytest.raises(TokenRefused, match=r"invalid_grant.*reconnect needed"):
        app.refresh("revoked")
    with pytest.raises(ChannelError, match="invalid_grant") as code_refused:
        app.exchange("x", "")
    assert not isinstance(code_refused.value, TokenRefused)  # a code, not the store's token
    with pytest.raises(ChannelError) as down:
        EbayOAuth.from_keys(
            "https://api.ebay.com", doc["app"], client=answering(503, {}, seen)
        ).refresh("r")
    assert down.value.retryable and not isinstance(down.value, TokenRefused)


def ebay_face(doc: dict[str, Any]) -> tuple[EbayFace, dict[str, str]]:
    now = moment(doc["now"]).timestamp()
    face = EbayFace(
        clock=lambda: now,
        client_id=doc["app"]["client_id"],
        client_secret=doc["app"]["client_secret"],
    )
    ru = doc["app"]["ru_name"]
    face.add_ru_name(ru, "https://kefu.example/stores/oauth/callback")
    face.codes = {
        "known": Grant(doc["app"]["client_id"], ru, now + 299),
        "used": Grant(doc["app"]["client_id"], ru, now + 299, used=True),
        "expired": Grant(doc["app"]["client_id"], ru, now - 1),
    }
    return face, {"known": "known", "used": "used", "expired": "expired", "ru_name": ru}


def _fill(value: Any, names: dict[str, str]) -> Any:
    if isinstance(value, str):
        for name, replacement in names.items():
            value = value.replace("{" + name + "}", replacement)
        return value
    if isinstance(value, dict):
        return {k: _fill(v, names) for k, v in value.items()}
    return value


@pytest.mark.parametrize("case", recorded("ebay")["cases"], ids=lambda case: case["name"])
def test_the_ebay_face_refuses_what_the_documents_refuse(case: dict[str, Any]) -> None:
    doc = recorded("ebay")
    face, names = ebay_face(doc)
    request = _fill(case["request"], names)
    pair = request.get("basic") or f"{doc['app']['client_id']}:{doc['app']['client_secret']}"
    headers = {"authorization": "Basic " + base64.b64encode(pair.encode()).decode()}
    status, body, _ = face.handle("POST", "/identity/v1/oauth2/token", {}, headers, request["form"])
    assert status != 200, f"the sandbox accepted {case['name']}"
    assert status == case["response"]["status"] and body is not None
    for key, value in case["response"]["body"].items():
        assert body[key] == value, (case["name"], key)


def test_the_ebay_face_gives_what_the_documents_show() -> None:
    doc = recorded("ebay")
    face, names = ebay_face(doc)
    pair = f"{doc['app']['client_id']}:{doc['app']['client_secret']}"
    headers = {"authorization": "Basic " + base64.b64encode(pair.encode()).decode()}
    form = {"grant_type": "authorization_code", "code": "known", "redirect_uri": names["ru_name"]}
    status, body, _ = face.handle("POST", "/identity/v1/oauth2/token", {}, headers, form)
    assert status == 200 and body is not None
    assert set(body) == set(doc["grant"])
    assert (body["expires_in"], body["refresh_token_expires_in"]) == (7200, 47304000)
    again = face.handle("POST", "/identity/v1/oauth2/token", {}, headers, form)
    assert again[0] == 400  # a code serves once


# Wish


def test_wish_code_grant_as_documented() -> None:
    doc = recorded("wish")
    seen: list[httpx.Request] = []
    app = WishOAuth.from_keys(
        "https://merchant.wish.com", doc["app"], client=answering(200, doc["grant"], seen)
    )
    url = app.authorize_url(doc["app"]["redirect_uri"], "st4te")
    assert (
        url
        == f"https://merchant.wish.com/v3/oauth/authorize?client_id={doc['app']['client_id']}&state=st4te"
    )
    grant = app.exchange("the-code", doc["app"]["redirect_uri"])
    data = doc["grant"]["data"]
    assert (grant.access_token, grant.refresh_token) == (
        data["access_token"],
        data["refresh_token"],
    )
    assert grant.expires_at == moment(data["expiry_time"])
    (request,) = seen
    assert (request.method, str(request.url)) == (
        "POST",
        "https://merchant.wish.com/api/v3/oauth/access_token",
    )
    assert json.loads(request.content) == {
        "client_id": doc["app"]["client_id"],
        "client_secret": doc["app"]["client_secret"],
        "code": "the-code",
        "grant_type": "authorization_code",
        "redirect_uri": doc["app"]["redirect_uri"],
    }
    refused = WishOAuth.from_keys(
        "", doc["app"], client=answering(400, doc["refresh_refused"], seen)
    )
    with pytest.raises(TokenRefused, match=r"10001.*reconnect needed"):
        refused.refresh("r")
    with pytest.raises(ChannelError, match="Incorrect credentials"):
        refused.exchange("c", "")


def wish_face(doc: dict[str, Any]) -> WishFace:
    now = moment(doc["now"]).timestamp()
    face = WishFace(clock=lambda: now)
    app = doc["app"]
    face.add_app(app["client_id"], app["client_secret"], "unused")
    face.set_redirect(app["client_id"], app["redirect_uri"])
    face.codes = {
        "known": Grant(app["client_id"], app["redirect_uri"], now + 299),
        "used": Grant(app["client_id"], app["redirect_uri"], now + 299, used=True),
        "expired": Grant(app["client_id"], app["redirect_uri"], now - 1),
    }
    return face


@pytest.mark.parametrize("case", recorded("wish")["cases"], ids=lambda case: case["name"])
def test_the_wish_face_refuses_what_the_documents_refuse(case: dict[str, Any]) -> None:
    doc = recorded("wish")
    face = wish_face(doc)
    body = {**doc["app"], "grant_type": "authorization_code", **case["request"]}
    body = _fill(body, {"known": "known", "used": "used", "expired": "expired"})
    status, answer, _ = face.handle("POST", "/api/v3/oauth/access_token", {}, body, "")
    assert status != 200, f"the sandbox accepted {case['name']}"
    assert status == case["response"]["status"]
    for key, value in case["response"]["body"].items():
        assert answer[key] == value, (case["name"], key)


def test_the_wish_face_gives_what_the_documents_show() -> None:
    doc = recorded("wish")
    face = wish_face(doc)
    body = {**doc["app"], "grant_type": "authorization_code", "code": "known"}
    status, answer, _ = face.handle("POST", "/api/v3/oauth/access_token", {}, body, "")
    assert status == 200 and answer["code"] == 0
    data = answer["data"]
    assert isinstance(data, dict) and set(data) == set(doc["grant"]["data"])
    assert moment(str(data["expiry_time"])) == moment(doc["now"]) + timedelta(days=30)
    assert face.handle("GET", "/api/v3/oauth/access_token", body, None, "")[0] == 400  # once
