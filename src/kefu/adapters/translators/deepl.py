"""DeepL API: `POST /v2/translate` with XML tag handling, so `<k id="N"/>` passes through.

https://developers.deepl.com/docs/api-reference/translate. Keys ending in `:fx` belong
to the Free plan, served from api-free.deepl.com; others from api.deepl.com. Statuses:
403 wrong key, 456 quota (Free: monthly characters; Pro: the cost-control limit), 429
too many requests (Retry-After), 413 request too large, 400 bad request (an unsupported
language among them), 5xx DeepL's own trouble.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import httpx

from kefu.adapters.translators.http import (
    Translated,
    error_body,
    in_batches,
    json_of,
    malformed,
    new_client,
    post,
    same_count,
    status_failure,
    translate_nonblank,
)
from kefu.adapters.translators.languages import KEFU_LANGUAGES, kefu_tag, provider_code
from kefu.adapters.translators.markup import from_markup, to_markup
from kefu.services.ports import TranslationFailed

FREE_URL = "https://api-free.deepl.com"
PRO_URL = "https://api.deepl.com"
# Source codes are bare languages; targets name a variant where DeepL wants one.
SOURCE_CODES = {tag: tag.upper() for tag in KEFU_LANGUAGES}
TARGET_CODES = {**SOURCE_CODES, "en": "EN-US", "pt": "PT-BR", "zh": "ZH-HANS"}
MAX_TEXTS = 50  # per request, as documented
MAX_CHARS = 100_000  # the request body may hold 128 KiB


class DeepLTranslator:
    """`provider` names the answers (the translation cache keys on it): "sandbox" when
    this adapter talks to kefu's translation sandbox instead of DeepL."""

    def __init__(
        self,
        key: str,
        *,
        base_url: str | None = None,
        client: httpx.Client | None = None,
        provider: str = "deepl",
    ) -> None:
        self.provider = provider
        self._key = key
        self.base_url = (base_url or (FREE_URL if key.endswith(":fx") else PRO_URL)).rstrip("/")
        self.client = client or new_client()

    def translate(self, texts: Sequence[str], source: str | None, target: str) -> list[str]:
        return self.translate_detailed(texts, source, target).texts

    def translate_detailed(
        self, texts: Sequence[str], source: str | None, target: str
    ) -> Translated:
        fields: dict[str, Any] = {
            "target_lang": provider_code(TARGET_CODES, target, self.provider),
            "tag_handling": "xml",
            "ignore_tags": ["k"],
        }
        if source is not None:
            fields["source_lang"] = provider_code(SOURCE_CODES, source, self.provider)
        return translate_nonblank(
            texts,
            lambda sent: in_batches(sent, MAX_TEXTS, MAX_CHARS, lambda b: self._send(b, fields)),
        )

    def _send(self, batch: list[str], fields: dict[str, Any]) -> Translated:
        response = post(
            self.client,
            self.provider,
            f"{self.base_url}/v2/translate",
            json={"text": [to_markup(text) for text in batch], **fields},
            headers={"Authorization": f"DeepL-Auth-Key {self._key}"},
        )
        if response.status_code != 200:
            raise self._failure(response)
        body = json_of(response, self.provider)
        translations = body.get("translations") if isinstance(body, dict) else None
        if not isinstance(translations, list) or not all(
            isinstance(t, dict) and isinstance(t.get("text"), str) for t in translations
        ):
            raise malformed(self.provider, "no list of translations with text")
        same_count(translations, batch, self.provider)
        detected = translations[0].get("detected_source_language") if translations else None
        return Translated(
            [from_markup(t["text"]) for t in translations], kefu_tag(SOURCE_CODES, detected)
        )

    def _failure(self, response: httpx.Response) -> TranslationFailed:
        status = response.status_code
        message = _message(response)
        if status == 456:
            return TranslationFailed(f"{self.provider}: quota exceeded ({message})", kind="quota")
        known = status_failure(response, self.provider, message)
        if known is not None:
            return known
        if status == 413 or (status == 400 and "lang" in message.casefold()):
            return TranslationFailed(
                f"{self.provider} refused the request: {message}", kind="unsupported"
            )
        return malformed(self.provider, f"answered {status}: {message}")


def _message(response: httpx.Response) -> str:
    body = error_body(response)
    if isinstance(body, dict) and isinstance(body.get("message"), str):
        return str(body["message"])
    return response.text[:200]
