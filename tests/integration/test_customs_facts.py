"""Customs facts as data (docs/customs.md): the shipped defaults, a store's overrides
through the API, and who may change them; SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

from kefu.bootstrap import Kefu
from tests.web import signed_in

OWN_US = {
    "region": "US",
    "kind": "no_de_minimis",
    "summary": "De minimis ended for every country; postal parcels pay the ad valorem rate.",
    "source": "U.S. Customs and Border Protection",
    "source_url": "https://www.cbp.gov/trade/trade-enforcement/tftea/de-minimis",
    "as_of": "2026-12-07",
    "since": "2025-08-29",
}


def _facts(body: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    return {(f["region"], f["kind"]): f for f in body["facts"]}


def test_the_defaults_are_loaded_once_with_source_and_date(kefu: Kefu) -> None:
    kefu.upgrade()  # a second upgrade adds nothing
    with signed_in(kefu) as client:
        got = client.get("/api/v1/customs-facts")
    assert got.status_code == 200
    facts = _facts(got.json())
    assert sorted(facts) == [("EU", "vat_at_checkout"), ("US", "no_de_minimis")]
    eu = facts[("EU", "vat_at_checkout")]
    assert (eu["threshold"], eu["currency"], eu["source"]) == (150, "EUR", "European Commission")
    assert facts[("US", "no_de_minimis")]["since"] == "2025-08-29"
    assert all(f["source_url"].startswith("https://") and f["as_of"] for f in facts.values())


def test_a_lead_overrides_a_store_and_the_defaults_stay(kefu: Kefu, team: dict[str, int]) -> None:
    with signed_in(kefu, "lena") as client:
        put = client.put("/api/v1/customs-facts?store=ali-global", json={"facts": [OWN_US]})
        assert put.status_code == 204, put.text
        store = _facts(client.get("/api/v1/customs-facts?store=ali-global").json())
        others = _facts(client.get("/api/v1/customs-facts?store=ebay-uk").json())
        # Every store's defaults are the main account's to change.
        refused = client.put("/api/v1/customs-facts", json={"facts": [OWN_US]})
    assert (store[("US", "no_de_minimis")]["as_of"], store[("US", "no_de_minimis")]["own"]) == (
        "2026-12-07",
        True,
    )
    assert store[("EU", "vat_at_checkout")]["own"] is False
    assert others[("US", "no_de_minimis")]["as_of"] == "2026-12-06"
    assert refused.status_code == 403


def test_an_agent_may_not_read_or_change_them(kefu: Kefu, team: dict[str, int]) -> None:
    with signed_in(kefu, "lina") as client:
        assert client.get("/api/v1/customs-facts?store=ali-global").status_code == 403
        put = client.put("/api/v1/customs-facts?store=ali-global", json={"facts": [OWN_US]})
    assert put.status_code == 403


def test_a_bad_set_names_each_field_and_row_and_saves_nothing(kefu: Kefu) -> None:
    eu = {**OWN_US, "region": "EU", "kind": "vat_at_checkout", "since": None}
    twice = {**OWN_US, "source_url": "http://cbp.gov"}
    with signed_in(kefu) as client:
        bad = client.put(
            "/api/v1/customs-facts?store=ali-global", json={"facts": [OWN_US, eu, twice]}
        )
        after = _facts(client.get("/api/v1/customs-facts?store=ali-global").json())
    assert bad.status_code == 422
    found = {(e["row"], e["field"]) for e in bad.json()["errors"]}
    assert found == {(2, "threshold"), (2, "currency"), (3, "source_url")}
    assert not any(f["own"] for f in after.values())


def _form(client: Any, **rows: dict[str, str]) -> dict[str, str]:
    form = {"csrf_token": client.headers["X-CSRF-Token"]}
    for n, row in rows.items():
        form |= {f"{k}_{n[1:]}": v for k, v in row.items()}
    return form


def test_the_settings_page_lists_and_saves_a_stores_rules(kefu: Kefu, team: dict[str, int]) -> None:
    spain = {"region": "ES", "kind": "vat_at_checkout", "threshold": "150", "currency": "eur",
             "since": "2021-07-01", "source": "Agencia Tributaria",
             "source_url": "https://sede.agenciatributaria.gob.es/", "as_of": "2026-12-06",
             "summary": "IOSS as Spain applies it."}  # fmt: skip
    with signed_in(kefu, "lena", locale="zh_CN") as client:
        page = client.get("/settings/customs?store=ali-global")
        assert page.status_code == 200
        assert page.text.count('data-testid="customs-fact"') == 2
        assert "结账时已缴进口增值税" in page.text and "默认" in page.text
        bad = client.post(
            "/settings/customs/ali-global", data=_form(client, r1={**spain, "threshold": "lots"})
        )
        assert bad.status_code == 422 and 'data-field="threshold"' in bad.text
        saved = client.post(
            "/settings/customs/ali-global", data=_form(client, r1=spain), follow_redirects=False
        )
        assert saved.status_code == 303
        after = client.get(saved.headers["location"]).text
    assert after.count('data-testid="customs-fact"') == 3 and "本店" in after
    with signed_in(kefu, "lina") as client:
        assert client.get("/settings/customs?store=ali-global").status_code == 403
