"""Limits on what a request may ask of kefu: body size, JSON depth, rate, and the security
headers every answer carries (the security issue's findings, one test each)."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from kefu.adapters.db import tables as t
from kefu.bootstrap import Kefu
from kefu.domain.permissions import Permission
from kefu.services.auth import principal_of
from kefu.web.app import create_app
from kefu.web.limits import json_depth
from tests.factories import make_message
from tests.web import signed_in

MIB = 1024 * 1024


def owner_token(kefu: Kefu, name: str = "erp") -> dict[str, str]:
    """An API token of the main account with every permission, as an integration has."""
    with kefu.uow() as uow:
        owner = next(a for a in uow.auth.accounts() if a.is_main)
    scopes = [p.value for p in Permission]
    token = kefu.auth.issue_token(
        principal_of(owner), name, scopes, uow=kefu.uow(), clock=kefu.clock
    )
    return {"Authorization": f"Bearer {token}"}


def messages_stored(kefu: Kefu) -> int:
    with kefu.engine.connect() as conn:
        return int(conn.scalar(select(func.count()).select_from(t.Message)) or 0)


@pytest.fixture
def api(kefu: Kefu) -> Iterator[TestClient]:
    with TestClient(create_app(kefu=kefu), headers=owner_token(kefu)) as client:
        yield client


def padded_batch(size: int) -> bytes:
    """A valid batch of one message whose text is just under 64 KiB, repeated to `size`."""
    rows = []
    body = b"[]"
    n = 0
    while len(body) < size:
        n += 1
        rows.append(make_message(n, text="x" * 60_000))
        body = json.dumps(rows).encode()
    return body


# --- body size --------------------------------------------------------------------------


def test_an_ordinary_write_over_1_mib_is_refused_and_nothing_is_stored(
    api: TestClient, kefu: Kefu
) -> None:
    api.post("/api/v1/messages", json=make_message(1))
    cid = api.get("/api/v1/conversations").json()["rows"][0]["id"]
    reply = {"text": "x" * (2 * MIB), "request_id": "big-1"}
    response = api.post(f"/api/v1/conversations/{cid}/replies", json=reply)
    assert response.status_code == 413
    assert response.json()["error"] == "too_large"
    assert "1 MiB" in response.json()["message"]
    assert messages_stored(kefu) == 1


def test_an_import_over_20_mib_is_refused_and_nothing_is_stored(
    api: TestClient, kefu: Kefu
) -> None:
    response = api.post(
        "/api/v1/messages",
        content=padded_batch(21 * MIB),
        headers={"content-type": "application/json"},
    )
    assert response.status_code == 413
    assert "20 MiB" in response.json()["message"]
    assert messages_stored(kefu) == 0


def test_an_import_of_5_mib_is_accepted(api: TestClient, kefu: Kefu) -> None:
    body = padded_batch(5 * MIB)
    response = api.post(
        "/api/v1/messages", content=body, headers={"content-type": "application/json"}
    )
    assert response.status_code == 200, response.text[:300]
    assert response.json()["accepted"] == len(json.loads(body)) == messages_stored(kefu)


def test_a_body_streamed_without_its_length_is_counted_too(api: TestClient, kefu: Kefu) -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"text": "'
        for _ in range(3 * 16):
            yield b"y" * (64 * 1024)
        yield b'", "request_id": "streamed"}'

    response = api.post(
        "/api/v1/conversations/1/replies",
        content=chunks(),
        headers={"content-type": "application/json"},
    )
    assert response.status_code == 413
    assert response.json()["error"] == "too_large"


def test_a_page_form_over_the_limit_is_told_in_the_pages_language(kefu: Kefu) -> None:
    with signed_in(kefu, locale="en") as client:
        response = client.post("/ui/locale", data={"locale": "en", "next": "x" * (2 * MIB)})
    assert response.status_code == 413
    assert response.headers["content-type"].startswith("text/html")
    assert "at most 1 MiB" in response.text


# --- JSON depth -------------------------------------------------------------------------


@pytest.mark.parametrize("depth", [33, 100_000])
def test_deeply_nested_json_is_refused_naming_the_depth(api: TestClient, depth: int) -> None:
    body = b"[" * depth + b"]" * depth
    response = api.post(
        "/api/v1/messages", content=body, headers={"content-type": "application/json"}
    )
    assert response.status_code == 400
    assert "deeper than 32 levels" in response.json()["detail"]


def test_nesting_within_the_limit_and_brackets_in_text_pass(api: TestClient) -> None:
    text = "[" * 100 + "{" * 100
    response = api.post("/api/v1/messages", json={"messages": [make_message(1, text=text)]})
    assert response.status_code == 200
    assert response.json()["accepted"] == 1


def test_every_json_body_is_checked_not_only_the_import(api: TestClient) -> None:
    body = b'{"terms": ' + b"[" * 40 + b"]" * 40 + b"}"
    response = api.put(
        "/api/v1/stores/ali-global/term-base",
        content=body,
        headers={"content-type": "application/json"},
    )
    assert response.status_code == 400
    assert "deeper than 32 levels" in response.json()["detail"]


@pytest.mark.parametrize(
    ("text", "depth"),
    [
        (b"{}", 1),
        (b'{"a": [1, {"b": "[[[[{{"}]}', 3),
        (b'["\\"[[[", [[]]]', 3),
        (b'"unterminated [[[[', 0),
        (b"plain", 0),
    ],
)
def test_json_depth_ignores_brackets_inside_strings(text: bytes, depth: int) -> None:
    assert json_depth(text) == depth


# --- rate limits ------------------------------------------------------------------------


def test_a_token_over_its_rate_gets_429_and_another_token_is_unaffected(kefu: Kefu) -> None:
    kefu.settings.rate_limit_per_token = "3/minute"
    app = create_app(kefu=kefu)
    with TestClient(app) as first, TestClient(app) as second:
        first.headers.update(owner_token(kefu, "first"))
        second.headers.update(owner_token(kefu, "second"))
        answers = [first.get("/api/v1/colour-marks") for _ in range(4)]
        assert [a.status_code for a in answers] == [200, 200, 200, 429]
        assert 1 <= int(answers[-1].headers["Retry-After"]) <= 60
        assert answers[-1].json()["error"] == "rate_limited"
        assert second.get("/api/v1/colour-marks").status_code == 200


def test_calls_without_a_token_are_limited_by_address_and_pages_are_not(kefu: Kefu) -> None:
    kefu.settings.rate_limit_per_address = "2/minute"
    with TestClient(create_app(kefu=kefu)) as client:
        codes = [client.get("/api/v1/colour-marks").status_code for _ in range(3)]
        assert codes == [401, 401, 429]
        assert client.get("/sign-in").status_code == 200


# --- security headers -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/sign-in"),
        ("GET", "/api/v1/colour-marks"),
        ("GET", "/static/kefu.css"),
        ("GET", "/no-such-page"),
        ("POST", "/api/v1/messages"),
    ],
)
def test_every_response_carries_the_security_headers(kefu: Kefu, method: str, path: str) -> None:
    with TestClient(create_app(kefu=kefu)) as client:
        body = b"x" * (21 * MIB) if method == "POST" else None  # a 413 from the limiter
        response = client.request(method, path, content=body)
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "object-src 'none'" in csp and "'unsafe-inline'" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "same-origin"


def test_a_server_error_carries_them_too(kefu: Kefu) -> None:
    app = create_app(kefu=kefu)

    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError("boom")

    with TestClient(app, raise_server_exceptions=False) as client:
        response = client.get("/boom")
    assert response.status_code == 500
    assert response.headers["X-Frame-Options"] == "DENY"


def test_made_up_tokens_spend_the_addresss_budget_a_real_token_does_not(kefu: Kefu) -> None:
    """Each refused token (401) is charged to the caller's address, so spraying random
    tokens stops at the address's limit; a valid token from the same address keeps its own
    budget and spends none of the address's."""
    kefu.settings.rate_limit_per_address = "3/minute"
    with TestClient(create_app(kefu=kefu)) as client:
        good = owner_token(kefu, "erp")
        assert all(
            client.get("/api/v1/colour-marks", headers=good).status_code == 200 for _ in range(5)
        )
        codes = [
            client.get(
                "/api/v1/colour-marks", headers={"Authorization": f"Bearer kefu_made-up-{n}"}
            ).status_code
            for n in range(5)
        ]
        assert codes == [401, 401, 401, 429, 429]
