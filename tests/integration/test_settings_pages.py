"""The reply-settings page through HTTP: shop facts, automatic replies and template wording.

A bad form is answered with every problem named by field and line, and nothing is saved.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from kefu.bootstrap import Kefu
from tests.web import signed_in

PAGE = "/settings/replies"
STORE = "ali-global"


@pytest.fixture
def client(kefu: Kefu) -> Iterator[TestClient]:
    with signed_in(kefu, locale="en") as c:
        yield c


def facts_form(**changes: str | list[str]) -> dict[str, str | list[str]]:
    form: dict[str, str | list[str]] = {
        "signature": "Lily",
        "timezone": "Asia/Shanghai",
        "opens": "09:00",
        "closes": "18:00",
        "workdays": ["0", "1", "2", "3", "4", "5"],
        "holiday_country": "CN",
        "extra_holidays": "2026-12-24\n2026-12-31",
        "handling_days": "2",
        "free_shipping_max_g": "1500",
        "free_method": "Cainiao Standard",
        "express_methods": "DHL, FedEx",
        "transit_days": "* 15-40\nus 10-20",
        "refund_min": "5",
        "refund_max": "15",
        "bulk_tiers": "20 pieces: 8 %",
        "customs_discount_percent": "10",
        "few_left_below": "5",
        "festivals": "Black Friday 11-20 11-30",
        "help_links": "en https://help.example.com/en\nes https://help.example.com/es",
    }
    return form | changes


def test_the_page_shows_every_store_and_the_default_facts(client: TestClient) -> None:
    page = client.get(PAGE)
    assert page.status_code == 200
    assert 'name="timezone" value="Asia/Shanghai"' in page.text
    assert 'value="ali-global"' in page.text
    assert client.get(PAGE, params={"store": "ghost"}).status_code == 404


def test_saving_facts_stores_them_and_the_form_shows_them_back(client: TestClient) -> None:
    saved = client.post(f"{PAGE}/{STORE}/facts", data=facts_form(), follow_redirects=False)
    assert saved.status_code == 303
    assert saved.headers["location"].startswith(f"{PAGE}?store={STORE}&saved=facts")

    facts = client.get(f"/api/v1/stores/{STORE}/reply-settings").json()["facts"]
    assert facts["signature"] == "Lily"
    assert facts["workdays"] == [0, 1, 2, 3, 4, 5]
    assert facts["transit_days"] == {"*": [15, 40], "US": [10, 20]}
    assert facts["bulk_tiers"] == [{"min_quantity": 20, "discount_percent": 8}]
    assert facts["festivals"] == [{"name": "Black Friday", "start": [11, 20], "end": [11, 30]}]
    assert facts["express_methods"] == ["DHL", "FedEx"]
    page = client.get(PAGE, params={"store": STORE, "saved": "facts"}).text
    assert "US 10-20" in page and 'data-testid="saved"' in page


def test_bad_facts_name_each_field_and_line_and_save_nothing(client: TestClient) -> None:
    before = client.get(f"/api/v1/stores/{STORE}/reply-settings").json()["facts"]
    bad = facts_form(
        timezone="Mars/Base",
        opens="9 o'clock",
        transit_days="* 15-40\nnowhere",
        help_links="en http://insecure.example.com",
        holiday_country="ZZ",
    )
    response = client.post(f"{PAGE}/{STORE}/facts", data=bad)
    assert response.status_code == 422
    assert 'data-field="opens"' in response.text  # the form's own problems come first
    assert 'data-field="transit_days" data-row="2"' in response.text
    assert "nowhere" in response.text  # the lead's input is kept in the form
    assert client.get(f"/api/v1/stores/{STORE}/reply-settings").json()["facts"] == before

    domain = client.post(f"{PAGE}/{STORE}/facts", data=facts_form(timezone="Mars/Base"))
    assert domain.status_code == 422 and "IANA" in domain.text
    unknown = client.post(f"{PAGE}/{STORE}/facts", data=facts_form(holiday_country="ZZ"))
    assert unknown.status_code == 422 and "holiday" in unknown.text


def auto_form(**changes: str) -> dict[str, str]:
    form = {
        "welcome_enabled": "on",
        "busy_queue_size": "30",
        "keyword_1": "shipping",
        "kind_1": "text",
        "content_1": "We ship within 3 days.",
        "keyword_2": "size",
        "kind_2": "image",
        "content_2": "https://img.example.com/size.png",
        "keyword_4": "coupon",
        "kind_4": "coupon",
        "content_4": "SAVE-5",
    }
    return form | changes


def test_keyword_replies_save_and_errors_point_at_the_form_row(client: TestClient) -> None:
    url = f"{PAGE}/{STORE}/auto-replies"
    assert client.post(url, data=auto_form(), follow_redirects=False).status_code == 303
    stored = client.get(f"/api/v1/stores/{STORE}/reply-settings").json()["auto_replies"]
    assert stored["welcome_enabled"] is True and stored["busy_enabled"] is False
    assert [k["keyword"] for k in stored["keywords"]] == ["shipping", "size", "coupon"]

    two = auto_form(keyword_4="", content_4="")
    response = client.post(url, data=two)
    assert response.status_code == 422 and "3 to 9 keywords" in response.text
    bad_coupon = client.post(url, data=auto_form(content_4="50% off!"))
    assert bad_coupon.status_code == 422
    assert 'data-field="content" data-row="4"' in bad_coupon.text  # the row the lead sees
    too_long = client.post(url, data=auto_form(keyword_1="x" * 301))
    assert too_long.status_code == 422 and "at most 300" in too_long.text
    after = client.get(f"/api/v1/stores/{STORE}/reply-settings").json()["auto_replies"]
    assert after == stored


def test_wording_preview_save_and_revert(client: TestClient) -> None:
    base = f"{PAGE}/{STORE}/templates/feedback_thanks/de"
    page = client.get(PAGE, params={"store": STORE, "template": "feedback_thanks", "lang": "de"})
    assert page.status_code == 200 and 'data-testid="preview-text"' in page.text

    wording = "Danke, {buyer_name}! Bis bald.\n{signature}"
    preview = client.post(f"{base}/preview", data={"text": wording})
    assert "Danke, Anna! Bis bald." in preview.text
    assert "<code>buyer_name</code>" in preview.text  # said to be an example value

    unknown = client.post(f"{base}/preview", data={"text": "Hallo {kunde}"})
    assert "unknown variable" in unknown.text
    assert client.post(base, data={"text": "Hallo {kunde}"}).status_code == 422

    assert client.post(base, data={"text": wording}, follow_redirects=False).status_code == 303
    own = client.get("/api/v1/templates", params={"store": STORE}).json()
    thanks = next(t for t in own if t["key"] == "feedback_thanks")
    assert thanks["own_wording"] == ["de"] and thanks["texts"]["de"] == wording

    client.post(base, data={"action": "revert"})
    own = client.get("/api/v1/templates", params={"store": STORE}).json()
    assert next(t for t in own if t["key"] == "feedback_thanks")["own_wording"] == []


def test_unknown_template_or_language_is_not_found(client: TestClient) -> None:
    assert client.post(f"{PAGE}/{STORE}/templates/nope/de/preview", data={}).status_code == 404
    assert client.post(f"{PAGE}/{STORE}/templates/greeting/xx/preview", data={}).status_code == 404


def test_a_keyword_texts_in_other_languages_are_saved_shown_and_checked(
    client: TestClient,
) -> None:
    url = f"{PAGE}/{STORE}/auto-replies"
    texts = "es: Enviamos en 3 días.\nde: Wir versenden innerhalb von 3 Tagen."
    assert (
        client.post(url, data=auto_form(texts_1=texts), follow_redirects=False).status_code == 303
    )
    stored = client.get(f"/api/v1/stores/{STORE}/reply-settings").json()["auto_replies"]
    assert stored["keywords"][0]["texts"] == {
        "de": "Wir versenden innerhalb von 3 Tagen.",
        "es": "Enviamos en 3 días.",
    }
    page = client.get(PAGE, params={"store": STORE})
    assert "es: Enviamos en 3 días." in page.text
    bad = client.post(url, data=auto_form(texts_1="klingon: nuqneH"))
    assert bad.status_code == 422 and "not a language kefu writes" in bad.text
    shapeless = client.post(url, data=auto_form(texts_1="just words"))
    assert shapeless.status_code == 422 and "one line per language" in shapeless.text
