"""Translation on screen through HTTP: the composer, a message translated on request, the
term base page and the owner's translation page."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from kefu.adapters.db import tables as t
from kefu.bootstrap import Kefu
from kefu.services import inbox
from kefu.services.ports import TranslationFailed
from kefu.services.translation import TranslationService
from tests.factories import make_message
from tests.integration.test_translation import ScriptedTranslator
from tests.web import signed_in


@pytest.fixture
def translator(kefu: Kefu) -> ScriptedTranslator:
    scripted = ScriptedTranslator()
    kefu.__dict__["translation"] = TranslationService(kefu.uow, scripted, kefu.clock)
    return scripted


@pytest.fixture
def client(kefu: Kefu, translator: ScriptedTranslator) -> Iterator[TestClient]:
    with signed_in(kefu, locale="zh_CN") as c:
        yield c


def _conversation(kefu: Kefu, text: str = "¿Dónde está mi pedido?") -> tuple[int, int]:
    inbox.ingest(
        [make_message(1, message_id="p-1", conversation_id="p", text=text)],
        kefu.uow(),
        kefu.clock,
        translate=True,
    )
    with kefu.session_factory() as session:
        row = session.execute(
            select(t.Message.conversation_id, t.Message.id).where(
                t.Message.platform_message_id == "p-1"
            )
        ).one()
    return row.conversation_id, row.id


def test_the_composer_shows_the_buyer_text_and_the_back_translation(
    kefu: Kefu, client: TestClient
) -> None:
    conv, _ = _conversation(kefu)
    page = client.get(f"/conversations/{conv}")
    assert 'name="agent_text"' in page.text
    draft = client.post(
        f"/conversations/{conv}/translate-draft",
        data={"agent_text": "您的订单 8123456789012345 已发货"},
    )
    assert draft.status_code == 200
    assert 'data-buyer-text="[es] 您的订单 8123456789012345 已发货"' in draft.text
    assert "[zh] [es] 您的订单 8123456789012345 已发货" in draft.text


def test_a_provider_failure_says_so_and_leaves_the_agent_working(
    kefu: Kefu, client: TestClient, translator: ScriptedTranslator
) -> None:
    conv, _ = _conversation(kefu)
    translator.fail = TranslationFailed("503", kind="unavailable")
    draft = client.post(f"/conversations/{conv}/translate-draft", data={"agent_text": "你好"})
    assert draft.status_code == 200
    assert 'data-testid="draft-problem"' in draft.text
    assert "fake could not translate" in draft.text
    sent = client.post(
        f"/conversations/{conv}/reply",
        data={"text": "Hola, su pedido ya salió.", "request_id": "r-fail"},
    )
    assert sent.status_code in (200, 303)


def test_the_reply_stores_what_the_buyer_gets_and_what_the_agent_wrote(
    kefu: Kefu, client: TestClient
) -> None:
    conv, _ = _conversation(kefu)
    sent = client.post(
        f"/conversations/{conv}/reply",
        data={
            "text": "Hola Ana, su pedido ya salió.",
            "agent_text": "你好，您的订单已经发出。",
            "request_id": "r-1",
        },
    )
    assert sent.status_code in (200, 303)
    with kefu.session_factory() as session:
        message = session.scalars(
            select(t.Message).where(
                t.Message.direction == "shop", t.Message.conversation_id == conv
            )
        ).one()
        words = session.scalars(
            select(t.MessageTranslation).where(t.MessageTranslation.message_id == message.id)
        ).one()
    assert message.text == "Hola Ana, su pedido ya salió."
    assert (words.language, words.origin, words.text) == ("zh", "agent", "你好，您的订单已经发出。")
    assert "你好，您的订单已经发出。" in client.get(f"/conversations/{conv}").text


def test_the_policy_check_reads_the_text_that_is_sent(kefu: Kefu, client: TestClient) -> None:
    conv, _ = _conversation(kefu)
    blocked = client.post(
        f"/conversations/{conv}/reply",
        data={
            "text": "Hola XXXX, su pedido ya salió.",
            "agent_text": "你好，您的订单已经发出。",
            "request_id": "r-2",
        },
        headers={"HX-Request": "true"},
    )
    assert "XXXX" in blocked.text and 'name="agent_text"' in blocked.text
    with kefu.session_factory() as session:
        assert not session.scalars(select(t.Message).where(t.Message.direction == "shop")).all()


def test_a_buyer_message_shows_its_translation_under_the_original(
    kefu: Kefu, client: TestClient
) -> None:
    conv, _ = _conversation(kefu)
    page = client.get(f"/conversations/{conv}").text
    assert 'data-testid="translation-pending"' in page
    kefu.translation.translate_due()
    page = client.get(f"/conversations/{conv}").text
    assert page.index("¿Dónde está mi pedido?") < page.index("[zh] ¿Dónde está mi pedido?")


def test_an_english_reader_translates_a_message_with_one_click(kefu: Kefu) -> None:
    scripted = ScriptedTranslator()
    kefu.__dict__["translation"] = TranslationService(kefu.uow, scripted, kefu.clock)
    conv, message = _conversation(kefu)
    with signed_in(kefu, locale="en") as client:
        page = client.get(f"/conversations/{conv}").text
        assert f'hx-post="/messages/{message}/translate"' in page
        done = client.post(f"/messages/{message}/translate")
        assert "[en] ¿Dónde está mi pedido?" in done.text
        assert "[en] ¿Dónde está mi pedido?" in client.get(f"/conversations/{conv}").text


def test_the_term_base_is_saved_whole_or_not_at_all(kefu: Kefu, client: TestClient) -> None:
    page = client.get("/settings/terms?store=ali-global")
    assert page.status_code == 200
    bad = client.post(
        "/settings/terms/ali-global",
        data={"terms": "zh=真丝 | en=mulberry silk\nzh=丝绸", "keep": "Sunrise"},
    )
    assert bad.status_code == 422
    assert (
        'data-row="2"' in bad.text and "第 2 行" in bad.text and "zh=丝绸" in bad.text
    )  # input stays
    good = client.post(
        "/settings/terms/ali-global",
        data={"terms": "zh=真丝 | en=mulberry silk | es=seda de morera", "keep": "Sunrise"},
        follow_redirects=False,
    )
    assert good.status_code == 303
    saved = client.get(good.headers["location"]).text
    assert "seda de morera" in saved and 'data-testid="saved"' in saved
    with kefu.uow() as uow:
        store = uow.inbox.stores_by_code(["ali-global"])["ali-global"].id
        assert len(uow.translations.termbase(store).terms) == 2


def test_the_owner_sets_budgets_and_sees_usage(kefu: Kefu, client: TestClient) -> None:
    conv, _ = _conversation(kefu)
    client.post(f"/conversations/{conv}/translate-draft", data={"agent_text": "你好"})
    page = client.get("/settings/translation").text
    assert 'data-provider="fake"' in page and "usage-data" in page
    bad = client.post(
        "/settings/translation", data={"agent_languages": ["zh"], "budget_deepl": "lots"}
    )
    assert bad.status_code == 422 and "budget_deepl" in bad.text
    good = client.post(
        "/settings/translation",
        data={"agent_languages": ["zh", "en"], "budget_deepl": "500 000"},
        follow_redirects=False,
    )
    assert good.status_code == 303
    with kefu.uow() as uow:
        prefs = uow.translations.prefs()
    assert prefs.agent_languages == ("zh", "en") and prefs.budgets == {"deepl": 500000}


def test_who_may_open_the_translation_pages(kefu: Kefu) -> None:
    with signed_in(kefu, "lina") as agent:
        assert agent.get("/settings/terms").status_code == 403
        assert agent.get("/settings/translation").status_code == 403
    with signed_in(kefu, "owner") as owner:
        assert owner.get("/settings/terms").status_code == 200
        assert owner.get("/settings/translation").status_code == 200


def test_the_api_gives_drafts_translations_and_the_term_base(
    kefu: Kefu, client: TestClient
) -> None:
    conv, message = _conversation(kefu)
    draft = client.post(
        f"/api/v1/conversations/{conv}/draft-translation",
        json={"text": "已发货", "agent_language": "zh"},
    ).json()
    assert draft["buyer_language"] == "es" and draft["buyer_text"] == "[es] 已发货"
    assert draft["back_text"] == "[zh] [es] 已发货"
    made = client.post(f"/api/v1/messages/{message}/translations", json={"language": "en"})
    assert made.json()["text"] == "[en] ¿Dónde está mi pedido?"
    listed = client.get(f"/api/v1/conversations/{conv}/translations").json()
    assert {(t["language"], t["status"]) for t in listed} == {("zh", "pending"), ("en", "done")}

    bad = client.put(
        "/api/v1/stores/ali-global/term-base",
        json={"terms": [{"forms": {"zh": "真丝", "en": "silk"}}, {"forms": {"zh": "丝"}}]},
    )
    assert bad.status_code == 422 and "row 2" in bad.text
    good = client.put(
        "/api/v1/stores/ali-global/term-base",
        json={
            "terms": [
                {"forms": {"zh": "真丝", "en": "silk"}},
                {"forms": {"en": "Sunrise"}, "keep": True},
            ]
        },
    )
    assert good.status_code == 200 and good.json()["version"]
    assert len(client.get("/api/v1/stores/ali-global/term-base").json()["terms"]) == 2
    usage = client.get("/api/v1/translation/usage").json()
    assert usage and usage[0]["provider"] == "fake"


def test_an_api_reply_stores_the_agent_words(kefu: Kefu, client: TestClient) -> None:
    conv, _ = _conversation(kefu)
    sent = client.post(
        f"/api/v1/conversations/{conv}/replies",
        json={"text": "Ya salió.", "request_id": "api-1", "agent_text": "已发货"},
    )
    assert sent.status_code == 201
    listed = client.get(f"/api/v1/conversations/{conv}/translations").json()
    assert {"language": "zh", "origin": "agent", "text": "已发货"}.items() <= next(
        t for t in listed if t["origin"] == "agent"
    ).items()


def test_a_buyer_text_left_behind_by_an_edit_is_not_sent(kefu: Kefu, client: TestClient) -> None:
    conv, _ = _conversation(kefu)
    stale = client.post(
        f"/conversations/{conv}/reply",
        data={
            "text": "Su pedido 8123456789012345 salió.",
            "agent_text": "您的订单 8123456789012346 已发货。",
            "request_id": "r-stale",
        },
        headers={"HX-Request": "true"},
    )
    assert 'data-testid="send-problem"' in stale.text and "8123456789012346" in stale.text
    api = client.post(
        f"/api/v1/conversations/{conv}/replies",
        json={
            "text": "Hola Ana, su pedido 8999999999999999 llegó.\n\nGracias",
            "agent_text": "谢谢",
            "template_text": "Hola Ana, su pedido 8999999999999999 llegó.",
            "request_id": "r-template",
        },
    )
    assert api.status_code == 201
    refused = client.post(
        f"/api/v1/conversations/{conv}/replies",
        json={"text": "Total 15,50 €", "agent_text": "合计 16,50 €", "request_id": "r-api"},
    )
    assert refused.status_code == 422 and "16,50" in refused.text
    with kefu.session_factory() as session:
        sent = session.scalars(select(t.Message.text).where(t.Message.direction == "shop")).all()
    assert sent == ["Hola Ana, su pedido 8999999999999999 llegó.\n\nGracias"]
