"""Sign-in, sessions, tokens, CSRF and store scoping, over HTTP on a real database. The
authorization matrix (every route, every role) is in test_access_matrix.py."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from kefu.bootstrap import Kefu
from kefu.web.app import create_app
from kefu.web.security import SESSION_COOKIE
from tests.factories import make_message
from tests.fakes import FixedClock
from tests.web import PASSWORD, give_password, hidden, sign_in

NEW_PASSWORD = "violet-harbour-1987"


@pytest.fixture
def app(kefu: Kefu) -> FastAPI:
    return create_app(kefu=kefu, sandbox=True)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as c:
        yield c


# --- signing in -------------------------------------------------------------------------


class CountingHasher:
    """Wraps the real hasher and counts verifications, to prove equal work for all."""

    def __init__(self, inner: Any) -> None:
        self.inner, self.verified = inner, 0

    def hash(self, password: str) -> str:
        return str(self.inner.hash(password))

    def verify(self, stored: str | None, password: str) -> bool:
        self.verified += 1
        return bool(self.inner.verify(stored, password))

    def needs_rehash(self, stored: str) -> bool:
        return bool(self.inner.needs_rehash(stored))


def _post_sign_in(client: TestClient, username: str, password: str) -> Any:
    token = hidden(client.get("/sign-in").text, "form_token")
    return client.post(
        "/sign-in",
        data={"username": username, "password": password, "form_token": token},
        follow_redirects=False,
    )


def test_unknown_account_and_wrong_password_get_the_same_answer_after_the_same_work(
    client: TestClient, kefu: Kefu
) -> None:
    give_password(kefu, "lina")
    counting = CountingHasher(kefu.auth.hasher)
    kefu.auth.hasher = counting
    wrong = _post_sign_in(client, "lina", "not-her-password")
    unknown = _post_sign_in(client, "nobody", "not-her-password")
    assert wrong.status_code == unknown.status_code == 401
    assert (
        _error(wrong.text) == _error(unknown.text) == "用户名或密码错误"
    )  # zh-CN, the default UI language
    assert counting.verified == 2  # one argon2 verification each, known account or not


def _error(html: str) -> str:
    found = re.search(r'data-testid="sign-in-error">([^<]*)<', html)
    assert found, html[:300]
    return found[1]


def test_five_failures_throttle_even_the_right_password_then_it_ends(
    client: TestClient, kefu: Kefu, clock: FixedClock
) -> None:
    give_password(kefu, "lina")
    for _ in range(5):
        assert _post_sign_in(client, "lina", "guess-guess-1").status_code == 401
    throttled = _post_sign_in(client, "lina", PASSWORD)
    assert throttled.status_code == 429 and int(throttled.headers["Retry-After"]) > 0
    clock.advance(minutes=16)
    assert _post_sign_in(client, "lina", PASSWORD).status_code == 303


def test_a_session_cookie_planted_before_sign_in_is_not_the_session_after(
    client: TestClient, kefu: Kefu
) -> None:
    client.cookies.set(SESSION_COOKIE, "attacker-chosen-value")
    sign_in(client, kefu, "owner")
    assert client.cookies.get(SESSION_COOKIE) != "attacker-chosen-value"
    with TestClient(client.app) as other:
        other.cookies.set(SESSION_COOKIE, "attacker-chosen-value")
        assert other.get("/api/v1/conversations").status_code == 401


def test_the_session_cookie_is_httponly_and_samesite(client: TestClient, kefu: Kefu) -> None:
    give_password(kefu, "owner")
    response = _post_sign_in(client, "owner", PASSWORD)
    cookie = response.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie


def test_a_write_without_the_csrf_token_is_refused(
    client: TestClient, kefu: Kefu, team: dict[str, int]
) -> None:
    sign_in(client, kefu, "owner")
    token = client.headers.pop("X-CSRF-Token")
    path = f"/conversations/{team['ali']}/mark"
    forged = client.post(path, data={"colour_mark": "red"})  # a form from another site
    assert forged.status_code == 403
    wrong = client.post(path, data={"colour_mark": "red", "csrf_token": "guess"})
    assert wrong.status_code == 403
    good = client.post(path, data={"colour_mark": "red", "csrf_token": token})
    assert good.status_code in (200, 303)


def test_sign_out_everywhere_ends_every_session(client: TestClient, kefu: Kefu) -> None:
    sign_in(client, kefu, "owner")
    with TestClient(client.app) as laptop:
        sign_in(laptop, kefu, "owner")
        client.post("/sign-out", data={"everywhere": "on"}, follow_redirects=False)
        assert laptop.get("/api/v1/conversations").status_code == 401
    assert client.get("/api/v1/conversations").status_code == 401


def test_changing_the_password_ends_the_other_sessions(client: TestClient, kefu: Kefu) -> None:
    sign_in(client, kefu, "owner")
    with TestClient(client.app) as laptop:
        sign_in(laptop, kefu, "owner")
        changed = client.post(
            "/account/password",
            data={
                "current": PASSWORD,
                "new": "violet-harbour-1987",
                "repeat": "violet-harbour-1987",
            },
        )
        assert changed.status_code == 200 and 'data-testid="saved"' in changed.text
        assert laptop.get("/api/v1/conversations").status_code == 401
    assert client.get("/api/v1/conversations").status_code == 200
    bad = client.post("/account/password", data={"current": "nope", "new": "x", "repeat": "x"})
    assert bad.status_code == 422


# --- store scoping (IDOR) ---------------------------------------------------------------


def test_an_agent_gets_404_for_another_stores_conversation_by_url_and_api(
    client: TestClient, kefu: Kefu, team: dict[str, int]
) -> None:
    sign_in(client, kefu, "lina")
    other = team["ebay"]
    assert client.get(f"/api/v1/conversations/{other}").status_code == 404
    assert client.get(f"/conversations/{other}").status_code == 404
    assert client.get(f"/api/v1/conversations/{other}/suggestions").status_code == 404
    assert (
        client.post(f"/conversations/{other}/mark", data={"colour_mark": "red"}).status_code == 404
    )
    rows = client.get("/api/v1/conversations").json()["rows"]
    assert {r["store_code"] for r in rows} == {"ali-global"}
    assert client.get(f"/api/v1/conversations/{team['ali']}").status_code == 200
    stores = client.get("/api/v1/filters").json()["stores"]
    assert [name for _, name in stores] == [s["name"] for s in client.get("/api/v1/stores").json()]


def test_an_import_into_a_store_not_given_is_refused_by_row(
    client: TestClient, kefu: Kefu, team: dict[str, int]
) -> None:
    with kefu.uow() as uow:
        lena = uow.auth.account_by_username("lena")
        assert lena is not None
        ali = [s.id for s in uow.queries.stores() if s.code == "ali-global"]
        uow.auth.set_stores(lena.id, ali)
        uow.commit()
    sign_in(client, kefu, "lena")
    body = [make_message(10), make_message(11, store="ebay-uk")]
    report = client.post("/api/v1/messages", json=body).json()
    assert report["accepted"] == 1
    assert [(e["row"], e["field"]) for e in report["errors"]] == [(2, "store")]


# --- tokens -----------------------------------------------------------------------------


def test_tokens_are_shown_once_scoped_and_revocable(
    client: TestClient, kefu: Kefu, team: dict[str, int]
) -> None:
    sign_in(client, kefu, "owner")
    page = client.post("/account/tokens", data={"name": "erp", "scopes": ["view_inbox"]})
    secret = re.search(r'data-testid="new-token">([^<]+)<', page.text)
    assert secret, page.text[:300]
    assert secret[1] not in client.get("/account").text  # shown once
    with TestClient(client.app) as erp:
        erp.headers["Authorization"] = f"Bearer {secret[1]}"
        assert erp.get("/api/v1/conversations").status_code == 200
        mark = erp.put(
            f"/api/v1/conversations/{team['ali']}/colour-mark", json={"colour_mark": "red"}
        )
        assert mark.status_code == 403  # the token may only read
        token_id = client.get("/account").text.split('data-token="')[1].split('"')[0]
        client.post(f"/account/tokens/{token_id}/revoke")
        assert erp.get("/api/v1/conversations").status_code == 401
    refused = client.post("/account/tokens", data={"name": "", "scopes": ["fly"]})
    assert refused.status_code == 422


def test_only_the_main_account_issues_tokens(
    client: TestClient, kefu: Kefu, team: dict[str, int]
) -> None:
    sign_in(client, kefu, "lena")
    response = client.post("/account/tokens", data={"name": "x", "scopes": ["view_inbox"]})
    assert response.status_code == 403


# --- the team, first run, bad input -----------------------------------------------------


def test_owner_creates_an_agent_who_signs_in_and_the_audit_log_shows_both(
    client: TestClient, kefu: Kefu
) -> None:
    sign_in(client, kefu, "owner")
    with kefu.uow() as uow:
        ali = next(s.id for s in uow.queries.stores() if s.code == "ali-global")
    created = client.post(
        "/team",
        data={
            "username": "mei",
            "password": "violet-harbour-1987",
            "display_name": "<script>alert(1)</script> Mei",
            "role": "after_sale",
            "timezone": "Europe/Madrid",
            "stores": [str(ali)],
            "languages": ["es", "en"],
            "start_0": "09:00",
            "end_0": "17:00",
        },
        follow_redirects=False,
    )
    assert created.status_code == 303, created.text[:500]
    team_page = client.get("/team").text
    assert "<script>alert(1)</script>" not in team_page and "&lt;script&gt;" in team_page
    with TestClient(client.app) as mei:
        sign_in(mei, kefu, "mei", "violet-harbour-1987")
        assert mei.get("/team").status_code == 403
        assert mei.get("/shop").status_code == 403
        assert (
            mei.put("/api/v1/stores/ali-global", json={"name": "x", "timezone": "UTC"}).status_code
            == 403
        )
    audit = client.get("/audit").text
    assert 'data-action="account_create"' in audit and 'data-action="sign_in"' in audit
    only = client.get("/audit", params={"action": "account_create"}).text
    assert 'data-action="sign_in"' not in only


def test_bad_account_input_is_named_and_nothing_is_created(client: TestClient, kefu: Kefu) -> None:
    sign_in(client, kefu, "owner")
    before = client.get("/team").text.count("data-username=")
    bad = client.post(
        "/team",
        data={
            "username": "x" * 5000,
            "password": "short",
            "display_name": "",
            "role": "owner",
            "timezone": "Mars/Base",
            "start_1": "9am",
            "end_1": "6pm",
        },
    )
    assert bad.status_code == 422
    for words in ("shift.1", "role", "timezone"):
        assert words in bad.text
    assert client.get("/team").text.count("data-username=") == before


def test_deactivating_an_agent_signs_them_out(
    client: TestClient, kefu: Kefu, team: dict[str, int]
) -> None:
    sign_in(client, kefu, "owner")
    with TestClient(client.app) as lina:
        sign_in(lina, kefu, "lina")
        client.post(
            f"/team/{team['lina']}",
            data={
                "display_name": "Li Na",
                "role": "pre_sale",
                "timezone": "Asia/Shanghai",
                "always_on": "on",
            },
        )
        assert lina.get("/api/v1/conversations").status_code == 401


def test_first_run_asks_for_the_owner_then_never_again(tmp_path: Any, clock: FixedClock) -> None:
    from kefu.bootstrap import bootstrap
    from kefu.config import Settings

    empty = bootstrap(Settings(database_url=f"sqlite:///{tmp_path / 'empty.db'}"), clock=clock)
    empty.upgrade()
    with TestClient(create_app(kefu=empty)) as c:
        first = c.get("/", follow_redirects=True)
        assert first.url.path == "/setup"
        token = hidden(first.text, "form_token")
        form = {
            "username": "boss",
            "display_name": "The Boss",
            "password": "violet-harbour-1987",
            "repeat": "violet-harbour-1987",
            "form_token": token,
        }
        assert c.post("/setup", data=form, follow_redirects=False).status_code == 303
        assert c.get("/setup", follow_redirects=False).headers["location"] == "/sign-in"
        again = c.post("/setup", data={**form, "username": "eve"})
        assert again.status_code == 422
        assert _post_sign_in(c, "boss", "violet-harbour-1987").status_code == 303
    empty.close()


def test_a_lead_plans_shifts_and_a_bad_day_is_named(
    client: TestClient, kefu: Kefu, team: dict[str, int]
) -> None:
    sign_in(client, kefu, "lena")
    path = f"/shifts/{team['lina']}"
    saved = client.post(
        path,
        data={"timezone": "Europe/Madrid", "start_0": "09:00", "end_0": "17:00"},
        follow_redirects=False,
    )
    assert saved.status_code == 303
    with kefu.uow() as uow:
        lina = uow.auth.account(team["lina"])
    assert lina is not None and lina.shift == {"0": ["09:00", "17:00"]}
    assert lina.timezone == "Europe/Madrid"
    bad = client.post(path, data={"timezone": "Europe/Madrid", "start_2": "nine"})
    assert bad.status_code == 422 and "shift.2" in bad.text
    assert 'data-action="shift_change"' in client.get("/audit").text


def test_a_product_manager_receives_its_messages_and_others_do_not_see_them(
    client: TestClient, kefu: Kefu, team: dict[str, int]
) -> None:
    """SPEC §7: a sub-account manages its own products and receives the messages
    about them. lina (ali-global) no longer sees the dress conversation; wangwei does."""
    with kefu.uow() as uow:
        wangwei = uow.auth.account_by_username("wangwei")
        assert wangwei is not None
        products = uow.auth.products_of(wangwei.store_ids)
    dress = next(p for p in products if p.sku == "SKU-DRESS")
    sign_in(client, kefu, "owner")
    client.post(f"/team/{wangwei.id}/products", data={"products": [str(dress.id)]})
    sent = client.post(
        "/api/v1/messages",
        json=make_message(30, buyer_id="b-30", conversation_id="dress-q", product_sku="SKU-DRESS"),
    ).json()
    assert sent["accepted"] == 1
    rows = client.get("/api/v1/conversations", params={"page_size": "200"}).json()["rows"]
    dress_row = next(
        r for r in rows if r["buyer_name"] and r["id"] not in (team["ali"], team["ebay"])
    )
    assert dress_row["assignee_name"] == wangwei.display_name  # routed to the manager

    sign_in(client, kefu, "lina")
    ids = {r["id"] for r in client.get("/api/v1/conversations").json()["rows"]}
    assert dress_row["id"] not in ids and team["ali"] in ids
    assert client.get(f"/api/v1/conversations/{dress_row['id']}").status_code == 404
    sign_in(client, kefu, "wangwei")
    assert client.get(f"/api/v1/conversations/{dress_row['id']}").status_code == 200
