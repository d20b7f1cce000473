"""Stores added, changed, archived and restored by the main account (docs/stores.md): the
use cases, the API, the page and `kefu store`, on SQLite and PostgreSQL. An archived
store keeps its history but leaves the inbox, routing and imports."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from kefu.bootstrap import Kefu, bootstrap
from kefu.cli.main import app as cli
from kefu.config import Settings
from kefu.domain.errors import RowErrors
from kefu.domain.stores import StoreDraft
from kefu.services import inbox, reports, routing, shop, views
from kefu.services.access import Forbidden
from kefu.services.readmodels import InboxFilters
from kefu.web.app import create_app
from tests.factories import NOW, acting, make_message
from tests.fakes import FixedClock
from tests.web import hidden, sign_in, signed_in

NEW = {
    "code": "amazon-de",
    "platform": "amazon",
    "site": "amazon.de",
    "name": "Sunrise Home · Amazon DE",
    "currency": "EUR",
    "timezone": "Europe/Berlin",
    "holiday_country": "DE",
}


@pytest.fixture
def client(kefu: Kefu) -> Iterator[TestClient]:
    with signed_in(kefu) as c:
        yield c


def draft(**change: Any) -> StoreDraft:
    return StoreDraft(**{**NEW, **change})


# --- use cases ----------------------------------------------------------------------------


def test_a_new_store_gets_its_reply_settings_in_its_zone_and_holidays(kefu: Kefu) -> None:
    owner = acting(kefu)
    made = shop.create_store(
        owner, draft(), checks=kefu.store_checks, uow=kefu.uow(), clock=kefu.clock
    )
    assert (made.code, made.site, made.currency, made.holiday_country) == (
        "amazon-de",
        "amazon.de",
        "EUR",
        "DE",
    )
    settings = views.reply_settings(owner, "amazon-de", uow=kefu.uow())
    assert settings.facts.timezone == "Europe/Berlin"
    assert settings.facts.holiday_country == "DE"
    listed = {s.code: s for s in shop.shop_stores(owner, uow=kefu.uow())}
    assert listed["amazon-de"] == made and not made.archived


def test_a_sub_account_may_not_manage_the_shop(kefu: Kefu) -> None:
    agent = acting(kefu, "lina")
    with pytest.raises(Forbidden):
        shop.create_store(
            agent, draft(), checks=kefu.store_checks, uow=kefu.uow(), clock=kefu.clock
        )
    with pytest.raises(Forbidden):
        shop.archive_store(agent, "ali-global", uow=kefu.uow(), clock=kefu.clock)
    with pytest.raises(Forbidden):
        shop.restore_store(agent, "ali-global", uow=kefu.uow(), clock=kefu.clock)


def test_bad_fields_are_all_named_and_nothing_is_written(kefu: Kefu) -> None:
    owner = acting(kefu)
    bad = draft(code="Bad Code", site="ebay.de", currency="EURO", holiday_country="XX")
    with pytest.raises(RowErrors) as caught:
        shop.create_store(owner, bad, checks=kefu.store_checks, uow=kefu.uow(), clock=kefu.clock)
    assert [e.field for e in caught.value.errors] == ["code", "site", "currency", "holiday_country"]
    assert "Bad Code" not in {s.code for s in shop.shop_stores(owner, uow=kefu.uow())}


def test_update_changes_site_currency_and_holidays_in_the_reply_settings(kefu: Kefu) -> None:
    owner = acting(kefu)
    shop.create_store(owner, draft(), checks=kefu.store_checks, uow=kefu.uow(), clock=kefu.clock)
    changed = shop.update_store(
        owner,
        "amazon-de",
        name="Renamed",
        timezone="Europe/Paris",
        site="amazon.fr",
        currency="eur",
        holiday_country="",
        checks=kefu.store_checks,
        uow=kefu.uow(),
        clock=kefu.clock,
    )
    assert (changed.name, changed.site, changed.timezone, changed.holiday_country) == (
        "Renamed",
        "amazon.fr",
        "Europe/Paris",
        None,
    )
    assert views.reply_settings(owner, "amazon-de", uow=kefu.uow()).facts.holiday_country is None
    # the demo's old-style site ("global") is kept while it is not changed
    kept = shop.update_store(
        owner, "ali-global", name="Ali", timezone="UTC", uow=kefu.uow(), clock=kefu.clock
    )
    assert kept.site == "global"
    with pytest.raises(RowErrors) as caught:
        shop.update_store(
            owner,
            "amazon-de",
            name="Renamed",
            timezone="UTC",
            site="ebay.de",
            checks=kefu.store_checks,
            uow=kefu.uow(),
            clock=kefu.clock,
        )
    assert [e.field for e in caught.value.errors] == ["site"]


def test_archive_takes_a_store_out_of_inbox_imports_and_routing(kefu: Kefu) -> None:
    owner = acting(kefu)
    report = inbox.ingest(
        [make_message(1), make_message(2, store="amazon-us", conversation_id="c-us")],
        kefu.uow(),
        kefu.clock,
    )
    assert report.accepted == 2

    def inbox_stores() -> set[str]:
        page = views.inbox_page(owner, InboxFilters(), uow=kefu.uow())
        return {r.store_code for r in page.rows}

    assert "ali-global" in inbox_stores()
    rows = views.inbox_page(owner, InboxFilters(), uow=kefu.uow()).rows
    [ali] = [r.id for r in rows if r.store_code == "ali-global"]
    assert shop.archive_store(owner, "ali-global", uow=kefu.uow(), clock=kefu.clock)
    assert not shop.archive_store(owner, "ali-global", uow=kefu.uow(), clock=kefu.clock)
    assert inbox_stores() == {"amazon-us"}
    assert "ali-global" not in {s.code for s in views.stores(owner, uow=kefu.uow())}
    assert "ali-global" in {s.code for s in shop.shop_stores(owner, uow=kefu.uow())}
    # the history stays: the conversation still opens by id
    assert views.conversation(owner, ali, uow=kefu.uow(), clock=kefu.clock).id == ali
    refused = inbox.ingest(
        [make_message(3), make_message(4, store="amazon-us", conversation_id="c-us")],
        kefu.uow(),
        kefu.clock,
    )
    assert refused.accepted == 1
    assert [(e.row, e.field, e.reason) for e in refused.errors] == [
        (1, "store", "store is archived")
    ]
    with kefu.uow() as uow:
        stores = {s.code: s.id for s in uow.queries.stores()}
        unowned = {r.store_id for r in uow.auth.open_conversations(None)}
    assert stores["ali-global"] not in unowned
    assert shop.restore_store(owner, "ali-global", uow=kefu.uow(), clock=kefu.clock)
    assert not shop.restore_store(owner, "ali-global", uow=kefu.uow(), clock=kefu.clock)
    assert inbox_stores() == {"ali-global", "amazon-us"}


def test_routing_gives_no_owner_in_an_archived_store(kefu: Kefu) -> None:
    owner = acting(kefu)
    inbox.ingest([make_message(1)], kefu.uow(), kefu.clock)  # imports are not routed
    shop.archive_store(owner, "ali-global", uow=kefu.uow(), clock=kefu.clock)
    report = routing.sweep(kefu.uow(), kefu.clock)
    assert report.given == 0
    shop.restore_store(owner, "ali-global", uow=kefu.uow(), clock=kefu.clock)
    assert routing.sweep(kefu.uow(), kefu.clock).given == 1


# --- the API ------------------------------------------------------------------------------


def test_api_create_duplicate_update_archive(client: TestClient) -> None:
    made = client.post("/api/v1/stores", json=NEW)
    assert made.status_code == 201, made.text
    assert made.json() | {"archived_at": None} == {**NEW, "archived_at": None}
    again = client.post("/api/v1/stores", json=NEW)
    assert again.status_code == 409
    assert "amazon-de" in again.json()["message"] and again.json()["field"] == "code"
    bad = client.post("/api/v1/stores", json={**NEW, "code": "x", "currency": "ZZZ"})
    assert bad.status_code == 422
    assert [e["field"] for e in bad.json()["errors"]] == ["code", "currency"]
    assert client.post("/api/v1/stores", json={**NEW, "platform": "temu"}).status_code == 422

    put = client.put(
        "/api/v1/stores/amazon-de",
        json={"name": "DE", "timezone": "Europe/Berlin", "currency": "GBP"},
    )
    assert put.status_code == 204
    listed = {s["code"]: s for s in client.get("/api/v1/stores").json()}
    assert listed["amazon-de"]["name"] == "DE"

    assert client.delete("/api/v1/stores/amazon-de").status_code == 204
    assert client.delete("/api/v1/stores/amazon-de").status_code == 204  # idempotent
    assert "amazon-de" not in {s["code"] for s in client.get("/api/v1/stores").json()}
    assert client.delete("/api/v1/stores/nope").status_code == 404
    assert client.delete("/api/v1/stores/" + "x" * 65).status_code == 422
    refused = client.post("/api/v1/messages", json=make_message(1, store="amazon-de"))
    assert refused.json()["errors"][0]["reason"] == "store is archived"


def test_openapi_documents_the_store_routes(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    post = paths["/api/v1/stores"]["post"]
    assert {"201", "409", "422"} <= set(post["responses"])
    assert {"204", "404", "422"} <= set(paths["/api/v1/stores/{code}"]["put"]["responses"])
    assert {"204", "404"} <= set(paths["/api/v1/stores/{code}"]["delete"]["responses"])
    param = paths["/api/v1/stores/{code}"]["delete"]["parameters"][0]
    assert param["schema"]["maxLength"] == 64


def test_a_fresh_install_takes_a_store_and_its_messages(tmp_path: Path, clock: FixedClock) -> None:
    """Empty database → first-run owner → a store by API → messages into it."""
    url = os.environ.get("KEFU_TEST_DATABASE_URL") or f"sqlite:///{tmp_path / 'fresh.db'}"
    fresh = bootstrap(Settings(database_url=url, queue_url="memory://"), clock=clock)
    if fresh.engine.dialect.name == "postgresql":
        with fresh.engine.begin() as conn:
            conn.exec_driver_sql("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
    fresh.upgrade()
    try:
        with TestClient(create_app(kefu=fresh)) as c:
            first = c.get("/", follow_redirects=True)
            assert first.url.path == "/setup"
            password = "violet-harbour-1987"
            form = {
                "username": "boss",
                "display_name": "The Boss",
                "password": password,
                "repeat": password,
                "form_token": hidden(first.text, "form_token"),
            }
            assert c.post("/setup", data=form, follow_redirects=False).status_code == 303
            sign_in(c, fresh, "boss", password)
            empty = c.get("/shop")
            assert empty.status_code == 200 and 'data-testid="new-store-form"' in empty.text
            made = c.post("/api/v1/stores", json=NEW)
            assert made.status_code == 201, made.text
            sent = c.post("/api/v1/messages", json=make_message(1, store="amazon-de"))
            assert sent.status_code == 200 and sent.json()["accepted"] == 1, sent.text
            listed = c.get("/api/v1/conversations").json()
            assert listed["total"] == 1
    finally:
        fresh.close()


# --- the page -----------------------------------------------------------------------------


def test_the_page_adds_edits_archives_and_restores(client: TestClient) -> None:
    bad = client.post("/shop", data={**NEW, "code": "x", "site": "wish.com"})
    assert bad.status_code == 422
    assert 'data-field="code"' in bad.text and 'data-field="site"' in bad.text
    assert 'value="Sunrise Home · Amazon DE"' in bad.text  # what was typed is kept
    too_long = client.post("/shop", data={**NEW, "code": "a" * 65})
    assert too_long.status_code == 422 and 'data-field="code"' in too_long.text
    made = client.post("/shop", data=NEW, follow_redirects=False)
    assert made.status_code == 303
    dup = client.post("/shop", data=NEW)
    assert dup.status_code == 409 and 'data-field="code"' in dup.text
    page = client.get("/shop").text
    assert 'data-store="amazon-de"' in page
    edit = client.post(
        "/shop/amazon-de",
        data={**NEW, "name": "Renamed", "currency": "XXX1"},
    )
    assert edit.status_code == 422 and 'data-field="currency"' in edit.text
    # a store made before the site list keeps its site through an edit of its page form
    old = {"name": "Ali", "timezone": "UTC", "site": "global", "currency": "USD"}
    kept = client.post("/shop/ali-global", data=old, follow_redirects=False)
    assert kept.status_code == 303, kept.text
    assert client.post("/shop/amazon-de/archive", follow_redirects=False).status_code == 303
    page = client.get("/shop").text
    assert 'data-testid="archived"' in page and 'action="/shop/amazon-de/restore"' in page
    assert client.post("/shop/amazon-de/restore", follow_redirects=False).status_code == 303
    assert 'action="/shop/amazon-de/restore"' not in client.get("/shop").text


# --- the shell ----------------------------------------------------------------------------


def test_kefu_store_add_list_archive(kefu: Kefu) -> None:
    url = str(kefu.engine.url.render_as_string(hide_password=False))
    runner = CliRunner()
    args = ["store", "add", "ebay-de", "--platform", "ebay", "--site", "ebay.de"]
    args += ["--name", "Outlet DE", "--currency", "EUR", "--timezone", "Europe/Berlin"]
    ok = runner.invoke(cli, [*args, "--holiday-country", "DE", "--database-url", url])
    assert ok.exit_code == 0, ok.output
    again = runner.invoke(cli, [*args, "--database-url", url])
    assert again.exit_code == 2 and "exists already" in again.output
    bad = runner.invoke(
        cli,
        [
            *args[:2],
            "ebay-fr",
            *args[3:-4],
            "--currency",
            "ZZZ",
            "--timezone",
            "UTC",
            "--database-url",
            url,
        ],
    )
    assert bad.exit_code == 2 and "currency" in bad.output
    listed = runner.invoke(cli, ["store", "list", "--json", "--database-url", url])
    rows = {r["code"]: r for r in json.loads(listed.output)}
    assert rows["ebay-de"]["holiday_country"] == "DE" and rows["ebay-de"]["archived_at"] is None
    gone = runner.invoke(cli, ["store", "archive", "ebay-de", "--database-url", url])
    assert gone.exit_code == 0, gone.output
    text = runner.invoke(cli, ["store", "list", "--database-url", url]).output
    assert "ebay-de" in text and "(archived)" in text
    missing = runner.invoke(cli, ["store", "archive", "nope", "--database-url", url])
    assert missing.exit_code == 2 and "no store" in missing.output


def test_reports_list_an_archived_store_only_while_it_has_history_in_the_range(
    kefu: Kefu,
) -> None:
    owner = acting(kefu)
    shop.create_store(owner, draft(), checks=kefu.store_checks, uow=kefu.uow(), clock=kefu.clock)
    shop.archive_store(owner, "amazon-de", uow=kefu.uow(), clock=kefu.clock)
    day = NOW.date()
    found = reports.kpi_breakdowns(kefu.uow(), start=day, end=day, now=NOW)
    codes = [code for code, _ in found.by_store]
    assert "amazon-de" not in codes and "ali-global" in codes


def test_the_team_page_offers_active_stores_and_keeps_an_agents_archived_one(kefu: Kefu) -> None:
    owner = acting(kefu)
    shop.archive_store(owner, "wish-global", uow=kefu.uow(), clock=kefu.clock)
    offered = {s.code for s in kefu.auth.team(owner, uow=kefu.uow()).stores}
    assert len(offered) == 3 and "wish-global" not in offered
    lina = acting(kefu, "lina")  # every store was given to every account by the fixture
    kept = {s.code for s in kefu.auth.agent(owner, lina.account_id, uow=kefu.uow()).stores}
    assert "wish-global" in kept and len(kept) == 4
