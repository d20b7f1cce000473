"""LibreTranslate (self-hosted): `POST /translate` with `q` as a list and `format: html`.

https://docs.libretranslate.com/guides/api_usage/. The server HTML-unescapes what it
returns, so text comes back with bare `<`, `&`: a tag in the answer is markup unless
the segment sent held that very tag as text (`&lt;b&gt;`). Statuses: 400 bad request
(an unsupported language, too long a text, or a key the server requires and did not
get), 403 a wrong key or an address banned for flooding, 429 a request limit (per
minute, or per day: the quota), 500 the translation failed.
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
    retry_after,
    same_count,
    status_failure,
    strings,
    translate_nonblank,
)
from kefu.adapters.translators.languages import KEFU_LANGUAGES, kefu_tag, provider_code
from kefu.adapters.translators.markup import from_markup, tag_like_texts, to_markup
from kefu.services.ports import TranslationFailed

# Newer servers call Simplified Chinese zh-Hans and read it as their model code zh,
# which they take as well; older servers know only zh.
CODES = {tag: tag for tag in KEFU_LANGUAGES}
MAX_TEXTS = 50
MAX_CHARS = 5_000


class LibreTranslateTranslator:
    provider = "libretranslate"

    def __init__(
        self, base_url: str, *, key: str | None = None, client: httpx.Client | None = None
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._key = key
        self.client = client or new_client()

    def translate(self, texts: Sequence[str], source: str | None, target: str) -> list[str]:
        return self.translate_detailed(texts, source, target).texts

    def translate_detailed(
        self, texts: Sequence[str], source: str | None, target: str
    ) -> Translated:
        fields: dict[str, Any] = {
            "source": "auto" if source is None else provider_code(CODES, source, self.provider),
            "target": provider_code(CODES, target, self.provider),
            "format": "html",
        }
        if self._key:
            fields["api_key"] = self._key
        return translate_nonblank(
            texts,
            lambda sent: in_batches(sent, MAX_TEXTS, MAX_CHARS, lambda b: self._send(b, fields)),
        )

    def _send(self, batch: list[str], fields: dict[str, Any]) -> Translated:
        response = post(
            self.client,
            self.provider,
            f"{self.base_url}/translate",
            json={"q": [to_markup(text) for text in batch], **fields},
        )
        if response.status_code != 200:
            raise self._failure(response)
        body = json_of(response, self.provider)
        if not isinstance(body, dict):
            raise malformed(self.provider, "the answer is not an object")
        texts = strings(body.get("translatedText"), self.provider, "translatedText")
        same_count(texts, batch, self.provider)
        return Translated(
            [
                from_markup(text, entities_decoded=True, literal_tags=tag_like_texts(sent))
                for text, sent in zip(texts, batch, strict=True)
            ],
            kefu_tag(CODES, _detected(body.get("detectedLanguage"))),
        )

    def _failure(self, response: httpx.Response) -> TranslationFailed:
        body = error_body(response)
        message = str(body.get("error", "")) if isinstance(body, dict) else response.text[:200]
        lowered = message.casefold()
        text = f"{self.provider} answered {response.status_code}: {message}"
        status = response.status_code
        if status == 429 and "day" in lowered:
            return TranslationFailed(text, kind="quota")
        if status == 403 and "too many" in lowered:
            return TranslationFailed(text, kind="rate_limited", retry_after=retry_after(response))
        if status == 400 and "api key" in lowered:
            return TranslationFailed(text, kind="auth")
        known = status_failure(response, self.provider, message)
        if known is not None:
            return known
        # A language (pair) the server has no model for, or more text than it takes.
        if status == 400 and any(w in lowered for w in ("not supported", "not available", "limit")):
            return TranslationFailed(text, kind="unsupported")
        return malformed(self.provider, f"answered {status}: {message}")


def _detected(value: Any) -> Any:
    """The language LibreTranslate detected: one object, or a list of them (one per text)."""
    first = value[0] if isinstance(value, list) and value else value
    return first.get("language") if isinstance(first, dict) else None
