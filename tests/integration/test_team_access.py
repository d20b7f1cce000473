"""What a lead may see and change of the team (audit log, shifts), sign-in throttling under
concurrency, and the team and shop forms' refusals — over HTTP and the CLI on a real
database (PostgreSQL too when KEFU_TEST_DATABASE_URL is set)."""

from __future__ import annotations

import inspect
import re
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from typer.testing import CliRunner

from kefu.adapters.db import tables as t
from kefu.bootstrap import Kefu
from kefu.cli.main import app as cli
from kefu.domain.permissions import Role
from kefu.services import inbox
from kefu.services.auth import NewAccount, SignInFailed, Throttled, principal_of
from kefu.web.api import stores as stores_api
from kefu.web.app import create_app
from kefu.web.pages import account as account_pages
from kefu.web.pages import team as team_pages
from tests.factories import make_message
from tests.fakes import FixedClock
from tests.web import PASSWORD, give_password, hidden, sign_in

NEW_PASSWORD = "violet-harbour-1987"


@pytest.fixture
def shop(kefu: Kefu) -> dict[str, int]:
    """ali-global and ebay-uk with a conversation each. lena and leo lead ali-global;
    lina (pre-sale) has ali-global only, chenjie (pre-sale) no store, wangwei and
    zhangmin (after-sale) every store."""
    with kefu.uow() as uow:
        stores = {s.code: s.id for s in uow.queries.stores()}
        people = {a.username: a for a in uow.auth.accounts()}
        uow.auth.set_stores(people["lina"].id, [stores["ali-global"]])
        uow.auth.set_stores(people["chenjie"].id, [])
        uow.commit()
    boss = principal_of(people["owner"])
    ids = {name: a.id for name, a in people.items()}
    for username in ("lena", "leo"):
        ids[username] = kefu.auth.create_account(
            boss,
            NewAccount(
                username,
                username.title(),
                Role.LEAD.value,
                PASSWORD,
                frozenset({stores["ali-global"]}),
            ),
            uow=kefu.uow(),
            clock=kefu.clock,
        )
    inbox.ingest([make_message(1), make_message(2, store="ebay-uk")], kefu.uow(), kefu.clock)
    with kefu.session_factory() as session:
        conversations = {
            s: c for s, c in session.execute(select(t.Conversation.store_id, t.Conversation.id))
        }
        messages = {
            s: m
            for s, m in session.execute(
                select(t.Conversation.store_id, t.Message.id).join(
                    t.Message, t.Message.conversation_id == t.Conversation.id
                )
            )
        }
    return {
        **ids,
        "ali": stores["ali-global"],
        "ebay": stores["ebay-uk"],
        "ali_conversation": conversations[stores["ali-global"]],
        "ebay_conversation": conversations[stores["ebay-uk"]],
        "ali_message": messages[stores["ali-global"]],
        "ebay_message": messages[stores["ebay-uk"]],
    }


@pytest.fixture
def client(kefu: Kefu) -> Iterator[TestClient]:
    with TestClient(create_app(kefu=kefu)) as c:
        yield c


def _audit(
    kefu: Kefu, who: int | None, action: str, entity: str, entity_id: int, marker: str
) -> None:
    """An audit row as the use cases write it; the adapter works out its store."""
    with kefu.uow() as uow:
        uow.inbox.audit(
            at=kefu.clock.now(),
            account_id=who,
            action=action,
            entity_type=entity,
            entity_id=entity_id,
            before=None,
            after={"marker": marker},
        )
        uow.commit()


def _options(html: str, name: str) -> set[str]:
    found = re.search(rf'<select name="{name}">(.*?)</select>', html, re.S)
    assert found, html[:500]
    return set(re.findall(r'<option value="([^"]+)"', found[1]))


# --- the audit log ----------------------------------------------------------------------


def test_a_leads_audit_log_holds_only_their_stores_and_their_own_agents(
    client: TestClient, kefu: Kefu, shop: dict[str, int]
) -> None:
    seen = {
        "ALI-CONVERSATION": ("owner", "set_mark", "conversation", "ali_conversation"),
        "ALI-MESSAGE": ("owner", "correct_intent", "message", "ali_message"),
        "ALI-SETTINGS": ("owner", "auto_replies", "store", "ali"),
        "LINA-ACCOUNT": ("owner", "account_update", "account", "lina"),
        "LINA-SHIFT": ("leo", "shift_change", "account", "lina"),
    }
    hidden_rows = {
        "EBAY-CONVERSATION": ("owner", "set_mark", "conversation", "ebay_conversation"),
        "EBAY-MESSAGE": ("zhangmin", "correct_intent", "message", "ebay_message"),
        "EBAY-COUPON-77": ("owner", "store_facts", "store", "ebay"),
        "ORGANISATION": ("owner", "save_translation_settings", "organisation", None),
        "WANGWEI-ACCOUNT": ("owner", "account_update", "account", "wangwei"),
        "LEO-ACCOUNT": ("owner", "account_update", "account", "leo"),
        "CHENJIE-ACCOUNT": ("owner", "account_update", "account", "chenjie"),
        "OWNER-PASSWORD": ("owner", "password_change", "account", "owner"),
        "LINA-PASSWORD": ("owner", "password_reset", "account", "lina"),
        "TOKEN": ("owner", "token_create", "api_token", None),
    }
    for marker, (actor, action, entity, key) in {**seen, **hidden_rows}.items():
        _audit(kefu, shop[actor], action, entity, shop[key] if key else 1, marker)
    with TestClient(client.app) as lina:  # sign-ins of the lead's own agent carry addresses
        sign_in(lina, kefu, "lina")
        lina.cookies.clear()
        token = hidden(lina.get("/sign-in").text, "form_token")
        wrong = {"username": "lina", "password": "not-it", "form_token": token}
        assert lina.post("/sign-in", data=wrong).status_code == 401

    sign_in(client, kefu, "owner")
    everything = client.get("/audit", params={"page": 1}).text
    assert all(m in everything for m in {**seen, **hidden_rows})
    assert 'data-action="sign_in"' in everything
    assert str(shop["zhangmin"]) in _options(everything, "account")

    sign_in(client, kefu, "lena")
    page = client.get("/audit").text
    assert [m for m in seen if m not in page] == []
    assert [m for m in hidden_rows if m in page] == []
    for action in ("sign_in", "sign_in_failed", "sign_out", "password_change", "token_create"):
        assert f'data-action="{action}"' not in page
        assert action not in _options(page, "action")
    assert "testclient" not in page  # no address of any sign-in
    people = _options(page, "account")
    assert str(shop["zhangmin"]) not in people and str(shop["owner"]) in people
    only = client.get("/audit", params={"action": "sign_in"}).text
    assert 'data-action="sign_in"' not in only
    theirs = client.get("/audit", params={"account": str(shop["zhangmin"])}).text
    assert "EBAY-MESSAGE" not in theirs


def test_a_store_change_is_filed_under_its_store(
    client: TestClient, kefu: Kefu, shop: dict[str, int]
) -> None:
    sign_in(client, kefu, "owner")
    renamed = client.put(
        "/api/v1/stores/ebay-uk", json={"name": "Outlet RENAMED", "timezone": "Europe/London"}
    )
    assert renamed.status_code == 204
    with kefu.session_factory() as session:
        filed = session.scalars(
            select(t.AuditEntry.store_id).where(t.AuditEntry.action == "store_update")
        ).all()
    assert filed == [shop["ebay"]]
    sign_in(client, kefu, "lena")
    assert "RENAMED" not in client.get("/audit").text


# --- shifts -----------------------------------------------------------------------------


def _shift(kefu: Kefu, account_id: int) -> tuple[str, Any]:
    with kefu.uow() as uow:
        found = uow.auth.account(account_id)
    assert found is not None
    return found.timezone, found.shift


def test_a_lead_changes_the_shifts_of_their_own_agents_only(
    client: TestClient, kefu: Kefu, shop: dict[str, int]
) -> None:
    sign_in(client, kefu, "lena")
    listed = set(re.findall(r'data-agent="([^"]+)"', client.get("/shifts").text))
    assert listed == {"lina"}
    form = {"timezone": "Europe/Madrid", "start_0": "09:00", "end_0": "17:00"}
    for other in ("wangwei", "leo", "chenjie", "owner"):  # other stores, a lead, no store
        before = _shift(kefu, shop[other])
        response = client.post(f"/shifts/{shop[other]}", data=form, follow_redirects=False)
        assert response.status_code == 404, other
        assert _shift(kefu, shop[other]) == before
    saved = client.post(f"/shifts/{shop['lina']}", data=form, follow_redirects=False)
    assert saved.status_code == 303
    assert _shift(kefu, shop["lina"]) == ("Europe/Madrid", {"0": ["09:00", "17:00"]})

    sign_in(client, kefu, "owner")
    everyone = set(re.findall(r'data-agent="([^"]+)"', client.get("/shifts").text))
    assert everyone == {"lina", "wangwei", "zhangmin", "chenjie"}


# --- throttling ---------------------------------------------------------------------------


class CountingHasher:
    """The real hasher, counting verifications across threads."""

    def __init__(self, inner: Any) -> None:
        self.inner, self.verified, self.lock = inner, 0, threading.Lock()

    def hash(self, password: str) -> str:
        return str(self.inner.hash(password))

    def verify(self, stored: str | None, password: str) -> bool:
        with self.lock:
            self.verified += 1
        return bool(self.inner.verify(stored, password))

    def needs_rehash(self, stored: str) -> bool:
        return bool(self.inner.needs_rehash(stored))


def _parallel(kefu: Kefu, attempts: list[tuple[str, str]]) -> list[str]:
    """Sign in with every (user name, address) at once; the outcome of each."""
    start = threading.Barrier(len(attempts))

    def one(attempt: tuple[str, str]) -> str:
        username, address = attempt
        start.wait()
        try:
            kefu.auth.sign_in(
                username,
                "wrong-guess-2026",
                address=address,
                user_agent="probe",
                uow=kefu.uow(),
                clock=kefu.clock,
            )
        except (SignInFailed, Throttled) as exc:
            return exc.code
        return "signed_in"

    with ThreadPoolExecutor(len(attempts)) as pool:
        return list(pool.map(one, attempts))


def test_thirty_parallel_wrong_passwords_for_one_account_are_checked_at_most_five_times(
    kefu: Kefu,
) -> None:
    give_password(kefu, "lina")
    counting = CountingHasher(kefu.auth.hasher)
    kefu.auth.hasher = counting
    outcomes = _parallel(kefu, [("lina", f"10.0.0.{n}") for n in range(30)])
    assert set(outcomes) <= {"sign_in_failed", "throttled"} and "throttled" in outcomes
    assert counting.verified <= 5
    assert outcomes.count("sign_in_failed") == counting.verified


def test_thirty_parallel_attempts_from_one_address_are_checked_at_most_twenty_times(
    kefu: Kefu,
) -> None:
    counting = CountingHasher(kefu.auth.hasher)
    kefu.auth.hasher = counting
    outcomes = _parallel(kefu, [(f"nobody{n}", "10.9.9.9") for n in range(30)])
    assert set(outcomes) <= {"sign_in_failed", "throttled"}
    assert counting.verified <= 20


def test_refused_attempts_do_not_make_the_lock_last_longer(
    client: TestClient, kefu: Kefu, clock: FixedClock
) -> None:
    give_password(kefu, "lina")

    def attempt(password: str) -> int:
        form = hidden(client.get("/sign-in").text, "form_token")
        data = {"username": "lina", "password": password, "form_token": form}
        return client.post("/sign-in", data=data, follow_redirects=False).status_code

    assert [attempt("guess-guess-1") for _ in range(5)] == [401] * 5
    clock.advance(minutes=10)
    assert [attempt("guess-guess-2") for _ in range(10)] == [429] * 10
    clock.advance(minutes=5, seconds=1)
    assert attempt(PASSWORD) == 303


def test_the_current_password_check_is_throttled_like_sign_in(
    client: TestClient, kefu: Kefu, clock: FixedClock
) -> None:
    sign_in(client, kefu, "lina")
    form = {"current": "not-my-password", "new": NEW_PASSWORD, "repeat": NEW_PASSWORD}
    for _ in range(5):
        assert client.post("/account/password", data=form).status_code == 422
    right = client.post("/account/password", data={**form, "current": PASSWORD})
    assert right.status_code == 429 and int(right.headers["Retry-After"]) > 0
    with kefu.uow() as uow:
        lina = uow.auth.account_by_username("lina")
    assert lina is not None and kefu.auth.hasher.verify(lina.password_hash, PASSWORD)
    clock.advance(minutes=16)
    assert client.post("/account/password", data={**form, "current": PASSWORD}).status_code == 200


# --- the team and shop forms ------------------------------------------------------------


def test_an_unknown_store_id_in_the_team_forms_is_a_field_error(
    client: TestClient, kefu: Kefu, shop: dict[str, int]
) -> None:
    sign_in(client, kefu, "owner")
    form = {
        "display_name": "Mei",
        "role": "after_sale",
        "timezone": "Europe/Madrid",
        "always_on": "on",
    }
    created = client.post(
        "/team", data={**form, "username": "mei", "password": NEW_PASSWORD, "stores": ["999999"]}
    )
    assert created.status_code == 422 and "no store with id 999999" in created.text
    with kefu.uow() as uow:
        assert uow.auth.account_by_username("mei") is None
    changed = client.post(
        f"/team/{shop['lina']}",
        data={**form, "active": "on", "stores": [str(shop["ali"]), "424242"]},
    )
    assert changed.status_code == 422 and "no store with id 424242" in changed.text
    with kefu.uow() as uow:
        lina = uow.auth.account(shop["lina"])
    assert lina is not None and lina.store_ids == {shop["ali"]} and lina.display_name != "Mei"
    odd = client.post(
        "/team", data={**form, "username": "mei", "password": NEW_PASSWORD, "stores": ["²"]}
    )
    assert odd.status_code == 422


@pytest.mark.parametrize(
    "name", ["Shop\x00", "Shop\x1b[31m", "A\u202eB", "zero\u200bwidth", "a\nb"]
)
def test_a_store_name_with_control_characters_is_refused(
    client: TestClient, kefu: Kefu, name: str
) -> None:
    sign_in(client, kefu, "owner")
    by_api = client.put("/api/v1/stores/ali-global", json={"name": name, "timezone": "UTC"})
    assert by_api.status_code == 422 and by_api.json()["errors"][0]["field"] == "name"
    by_form = client.post("/shop/ali-global", data={"name": name, "timezone": "UTC"})
    assert by_form.status_code == 422


def test_a_store_name_is_trimmed(client: TestClient, kefu: Kefu) -> None:
    sign_in(client, kefu, "owner")
    ok = client.put("/api/v1/stores/ali-global", json={"name": "  Sunrise  ", "timezone": "UTC"})
    assert ok.status_code == 204
    names = {s["code"]: s["name"] for s in client.get("/api/v1/stores").json()}
    assert names["ali-global"] == "Sunrise"
    assert (
        client.put("/api/v1/stores/nope", json={"name": "x", "timezone": "UTC"}).status_code == 404
    )


def test_path_ids_out_of_range_are_refused_as_input(client: TestClient, kefu: Kefu) -> None:
    sign_in(client, kefu, "owner")
    too_big = str(2**63)
    for method, path in (
        ("GET", "/team/0"),
        ("GET", f"/team/{too_big}"),
        ("POST", f"/team/{too_big}"),
        ("POST", f"/team/{too_big}/products"),
        ("POST", f"/team/{too_big}/password"),
        ("POST", f"/shifts/{too_big}"),
        ("POST", f"/account/tokens/{too_big}/revoke"),
    ):
        assert client.request(method, path).status_code == 422, path


def test_kefu_team_token_refusals_are_one_line_errors(kefu: Kefu, shop: dict[str, int]) -> None:
    url = ["--database-url", kefu.settings.database_url]
    for args, words in (
        (["owner", "--name", "erp", "--scope", "not_a_permission"], "not_a_permission"),
        (["lina", "--name", "erp"], "manage_tokens"),
        (["nobody", "--name", "erp"], "nobody"),
    ):
        result = CliRunner().invoke(cli, ["team", "token", *args, *url])
        assert result.exit_code == 2, result.output
        assert "Traceback" not in result.output and words in result.stderr
        assert result.stderr.strip().count("\n") == 0, result.stderr
    ok = CliRunner().invoke(cli, ["team", "token", "owner", "--name", "erp", *url])
    assert ok.exit_code == 0 and ok.stdout.startswith("kefu_")


def test_team_account_and_store_handlers_only_translate() -> None:
    """They call one use case each: no unit of work, no repository, no store lookup."""
    for module in (team_pages, account_pages, stores_api):
        source = inspect.getsource(module)
        for needle in ("uow() as", "uow.auth", "uow.queries", "visible_store"):
            assert needle not in source, (module.__name__, needle)


# --- migration 0009 -----------------------------------------------------------------------


def test_migration_0009_files_older_audit_rows_under_their_store_and_goes_back_down(
    kefu: Kefu, shop: dict[str, int]
) -> None:
    rows = {
        ("conversation", shop["ebay_conversation"]): shop["ebay"],
        ("message", shop["ali_message"]): shop["ali"],
        ("store", shop["ebay"]): shop["ebay"],
        ("store", 424242): None,  # no such store: filed under none
        ("account", shop["lina"]): None,
    }
    for entity, entity_id in rows:
        _audit(kefu, shop["owner"], "test", entity, entity_id, "MIGRATION")
    with kefu.uow() as uow:
        uow.auth.begin_attempt(at=kefu.clock.now(), username="lina", address="10.0.0.1")
        uow.commit()
    kefu.downgrade("0008")
    with kefu.engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT success FROM sign_in_attempts").scalars().all() == [
            False
        ]
    kefu.upgrade()
    with kefu.session_factory() as session:
        filed = {
            (e.entity_type, e.entity_id): e.store_id
            for e in session.scalars(select(t.AuditEntry).where(t.AuditEntry.action == "test"))
        }
    assert filed == rows
