"""End-to-end: translation both ways in the thread, through kefu's translation sandbox.

A Russian buyer's message is translated into Chinese in the background; an agent writes
Chinese, sees the Spanish the buyer will get and its back-translation, edits the Spanish
and sends it, and the message keeps both versions.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from playwright.sync_api import APIRequestContext, Page, expect

from tests.e2e.pages import ConversationPage

pytestmark = pytest.mark.e2e

# Texts of the demo corpus: the sandbox answers them with the team's recorded translations.
RUSSIAN = "здравствуйте есть в наличии?"
RUSSIAN_IN_CHINESE = "您好，有货吗？"
CHINESE = "请把海关通知的照片发给我们，我们协助您处理相关文件。"
SPANISH = "Envíanos una foto del aviso de aduana y te ayudamos con los documentos."


def _new_conversation(api: APIRequestContext, language: str, text: str) -> int:
    key = f"e2e-tr-{uuid.uuid4().hex[:8]}"
    name = f"{'Olga' if language == 'ru' else 'Lucía'} {key}"
    stored = api.post(
        "/api/v1/messages",
        data={
            "store": "ali-global",
            "message_id": f"{key}-1",
            "conversation_id": key,
            "buyer_id": key,
            "buyer_name": name,
            "buyer_language": language,
            "sent_at": datetime.now(UTC).isoformat(),
            "text": text,
        },
    )
    assert stored.ok and stored.json()["accepted"] == 1, stored.text()
    rows: list[dict[str, Any]] = api.get(
        "/api/v1/conversations", params={"language": language, "state": "unread", "page_size": 200}
    ).json()["rows"]
    found = [row["id"] for row in rows if row["buyer_name"] == name]
    assert found, name
    return int(found[0])


def test_a_russian_message_shows_its_chinese_translation(
    page: Page, api: APIRequestContext
) -> None:
    conversation_id = _new_conversation(api, "ru", RUSSIAN)
    conversation = ConversationPage(page).open(conversation_id)
    first = conversation.messages.first
    expect(first.locator(".text")).to_have_text(RUSSIAN)
    # Made by the background job, not on the page: reload until it is there.
    for _ in range(30):
        if first.get_by_test_id("translated-text").count():
            break
        page.wait_for_timeout(500)
        page.reload()
        first = conversation.messages.first
    expect(first.get_by_test_id("translated-text")).to_have_text(RUSSIAN_IN_CHINESE)
    page.get_by_test_id("originals-only").click()
    expect(first.get_by_test_id("translated-text")).to_be_hidden()
    expect(first.locator(".text")).to_have_text(RUSSIAN)


def test_an_agent_writes_chinese_edits_the_spanish_and_both_are_stored(
    page: Page, api: APIRequestContext
) -> None:
    conversation_id = _new_conversation(api, "es", "Hola, me cobraron aduana, ¿qué hago?")
    conversation = ConversationPage(page).open(conversation_id)
    before = conversation.messages.count()

    conversation.agent_box.fill(CHINESE)
    expect(conversation.reply_box).to_have_value(SPANISH)
    expect(page.get_by_test_id("back-translation")).to_have_text(CHINESE)

    edited = SPANISH.replace("Envíanos", "Por favor, envíanos")
    conversation.reply_box.fill(edited)
    expect(page.get_by_test_id("edited-note")).to_be_visible()
    conversation.send_button.click()

    expect(conversation.messages).to_have_count(before + 1)
    sent = conversation.messages.last
    expect(sent.locator(".text")).to_have_text(edited)
    expect(sent.get_by_test_id("agent-words")).to_contain_text(CHINESE)
    stored = api.get(f"/api/v1/conversations/{conversation_id}/translations").json()
    assert {"language": "zh", "origin": "agent", "text": CHINESE}.items() <= next(
        t for t in stored if t["origin"] == "agent"
    ).items()


def test_an_english_reader_translates_a_message_with_one_click(
    page: Page, api: APIRequestContext, server_url: str
) -> None:
    page.context.add_cookies([{"name": "kefu_locale", "value": "en", "url": server_url}])
    conversation_id = _new_conversation(api, "ru", RUSSIAN)
    conversation = ConversationPage(page, "en").open(conversation_id)
    first = conversation.messages.first
    # The shop translates into Chinese by itself; English is made on request.
    first.get_by_test_id("translate-message").click()
    expect(first.get_by_test_id("translated-text")).to_have_text("hello is it in stock?")
    page.reload()
    expect(conversation.messages.first.get_by_test_id("translated-text")).to_have_text(
        "hello is it in stock?"
    )
