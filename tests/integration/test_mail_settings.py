"""A store's mailbox through the API, the Stores page and the shell: passwords sealed,
never shown back; health in words; "no response needed" out of the KPIs (docs/mail.md)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from cryptography.fernet import Fernet
from pydantic import SecretStr
from sqlalchemy import text
from typer.testing import CliRunner

from kefu.bootstrap import Kefu
from kefu.cli.main import app as cli
from kefu.services import inbox
from tests.factories import make_message
from tests.web import signed_in

MAILBOX: dict[str, Any] = {
    "address": "shop@example.com",
    "imap_host": "imap.example.com",
    "imap_user": "shop@example.com",
    "imap_password": "imap-secret-1",
    "smtp_host": "smtp.example.com",
    "smtp_user": "shop@example.com",
    "smtp_password": "smtp-secret-2",
    "amazon_relay": True,
}


@pytest.fixture
def keyed(kefu: Kefu) -> Kefu:
    kefu.settings.secret_key = SecretStr(Fernet.generate_key().decode())
    return kefu


def stored_rows(kefu: Kefu, table: str) -> str:
    with kefu.engine.connect() as conn:
        return json.dumps(
            [list(r) for r in conn.execute(text(f"SELECT * FROM {table}"))],  # noqa: S608
            default=str,
        )


def test_the_api_sets_shows_masked_and_removes_a_mailbox(keyed: Kefu) -> None:
    with signed_in(keyed) as client:
        put = client.put("/api/v1/stores/amazon-us/mailbox", json=MAILBOX)
        assert put.status_code == 200, put.text
        got = client.get("/api/v1/stores/amazon-us/mailbox").json()
        assert got["imap_password"] == got["smtp_password"] == "••••••••"
        assert (got["address"], got["imap_port"], got["imap_security"]) == (
            "shop@example.com",
            993,
            "tls",
        )
        assert got["health"]["last_pull_at"] is None
        # An empty password keeps the stored one.
        kept = client.put(
            "/api/v1/stores/amazon-us/mailbox",
            json={**MAILBOX, "imap_password": "", "smtp_password": ""},
        )
        assert kept.status_code == 200
        with keyed.uow() as uow:
            box = uow.mail.mailbox(_store_id(keyed, "amazon-us"))
        assert box is not None
        assert keyed.secrets.open(box.imap_password) == "imap-secret-1"
        assert keyed.secrets.open(box.smtp_password) == "smtp-secret-2"
        for table in ("store_mailboxes", "audit_log"):
            rows = stored_rows(keyed, table)
            assert "imap-secret-1" not in rows and "smtp-secret-2" not in rows
        assert client.delete("/api/v1/stores/amazon-us/mailbox").status_code == 204
        assert client.get("/api/v1/stores/amazon-us/mailbox").status_code == 404


def _store_id(kefu: Kefu, code: str) -> int:
    with kefu.uow() as uow:
        return next(s.id for s in uow.queries.stores() if s.code == code)


def test_without_a_secret_key_nothing_is_stored_and_the_answer_says_why(kefu: Kefu) -> None:
    with signed_in(kefu) as client:
        answer = client.put("/api/v1/stores/amazon-us/mailbox", json=MAILBOX)
        assert answer.status_code == 503
        assert "KEFU_SECRET_KEY" in answer.json()["message"]
        assert client.get("/api/v1/stores/amazon-us/mailbox").status_code == 404


def test_bad_fields_are_named_and_plain_text_is_only_for_this_machine(keyed: Kefu) -> None:
    bad = {**MAILBOX, "address": "not an address", "imap_security": "plain", "smtp_host": "-x-"}
    with signed_in(keyed) as client:
        answer = client.put("/api/v1/stores/amazon-us/mailbox", json=bad)
        assert answer.status_code == 422
        fields = sorted(e["field"] for e in answer.json()["errors"])
        assert fields == ["address", "imap_security", "smtp_host"]
        local = {**MAILBOX, "imap_host": "127.0.0.1", "imap_security": "plain", "imap_port": 143}
        assert client.put("/api/v1/stores/amazon-us/mailbox", json=local).status_code == 200


def test_only_the_main_account_manages_mailboxes(keyed: Kefu) -> None:
    with signed_in(keyed, "lina") as client:
        assert client.put("/api/v1/stores/amazon-us/mailbox", json=MAILBOX).status_code == 403
        assert client.get("/api/v1/stores/amazon-us/mailbox").status_code == 403


@pytest.mark.parametrize(
    ("locale", "words"),
    [
        ("en", "The mail server refused the user name or password."),
        ("zh_CN", "邮件服务器拒绝了用户名或密码。"),
    ],
)
def test_the_stores_page_shows_a_mailbox_health_in_words(
    keyed: Kefu, locale: str, words: str
) -> None:
    with signed_in(keyed, locale=locale) as client:
        assert client.put("/api/v1/stores/amazon-us/mailbox", json=MAILBOX).status_code == 200
        with keyed.uow() as uow:
            uow.mail.record_pull(
                _store_id(keyed, "amazon-us"),
                keyed.clock.now(),
                0,
                ("auth_failed", "[AUTHENTICATIONFAILED] Authentication failed."),
            )
            uow.commit()
        page = client.get("/shop").text
    assert words in page
    assert "[AUTHENTICATIONFAILED] Authentication failed." in page
    assert "imap-secret-1" not in page


def test_the_page_form_sets_a_mailbox(keyed: Kefu) -> None:
    form = {k: ("on" if v is True else str(v)) for k, v in MAILBOX.items()}
    form |= {
        "imap_port": "993",
        "imap_security": "tls",
        "smtp_port": "587",
        "smtp_security": "starttls",
        "enabled": "on",
    }
    with signed_in(keyed) as client:
        form["csrf_token"] = client.headers["X-CSRF-Token"]
        answer = client.post("/shop/ebay-uk/mailbox", data=form, follow_redirects=False)
        assert answer.status_code == 303, answer.text
        assert client.get("/api/v1/stores/ebay-uk/mailbox").json()["amazon_relay"] is True


def test_no_response_needed_ends_the_wait_and_leaves_the_kpis(keyed: Kefu) -> None:
    inbox.ingest([make_message(5, text="Thanks a lot!")], keyed.uow(), keyed.clock)
    with keyed.engine.connect() as conn:
        conv_id = conn.execute(text("SELECT id FROM conversations")).scalar_one()
        assert conn.execute(text("SELECT count(*) FROM kpi_facts")).scalar_one() == 1
    with signed_in(keyed) as client:
        answer = client.post(f"/api/v1/conversations/{conv_id}/no-response-needed")
        assert answer.json() == {"marked": 1}
        again = client.post(f"/api/v1/conversations/{conv_id}/no-response-needed")
        assert again.status_code == 409
    keyed.rebuild_kpi_facts()
    with keyed.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM kpi_facts")).scalar_one() == 0
        assert conn.execute(text("SELECT waiting_since FROM conversations")).scalar_one() is None
        actions = [r[0] for r in conn.execute(text("SELECT action FROM audit_log"))]
    assert "no_response_needed" in actions
    # The buyer writing again starts a new wait that counts.
    inbox.ingest([make_message(1, text="One more question")], keyed.uow(), keyed.clock)
    with keyed.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM kpi_facts")).scalar_one() == 1


def test_the_shell_sets_shows_and_removes_a_mailbox(
    keyed: Kefu, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = keyed.settings.database_url
    assert keyed.settings.secret_key is not None
    monkeypatch.setenv("KEFU_SECRET_KEY", keyed.settings.secret_key.get_secret_value())
    monkeypatch.setenv("KEFU_MAILBOX_PASSWORD", "from-the-env")
    runner = CliRunner()
    args = ["store", "mailbox", "set", "ebay-uk", "--address", "s@example.com"]
    args += [
        "--imap-host",
        "imap.example.com",
        "--smtp-host",
        "smtp.example.com",
        "--database-url",
        url,
    ]
    ok = runner.invoke(cli, args)
    assert ok.exit_code == 0, ok.output
    shown = runner.invoke(
        cli, ["store", "mailbox", "show", "ebay-uk", "--json", "--database-url", url]
    )
    row = json.loads(shown.output)
    assert row["imap_user"] == "s@example.com" and row["imap_password"] == "••••••••"
    assert "from-the-env" not in shown.output
    gone = runner.invoke(cli, ["store", "mailbox", "remove", "ebay-uk", "--database-url", url])
    assert gone.exit_code == 0 and "removed" in gone.output


def test_openapi_documents_the_mailbox_routes(keyed: Kefu) -> None:
    with signed_in(keyed) as client:
        paths = client.get("/openapi.json").json()["paths"]
    assert set(paths["/api/v1/stores/{code}/mailbox"]) == {"get", "put", "delete"}
    assert "post" in paths["/api/v1/conversations/{conversation_id}/no-response-needed"]
