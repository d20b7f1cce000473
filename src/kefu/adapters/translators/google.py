"""Google Cloud Translation, Basic edition (v2): `POST /language/translate/v2`.

https://cloud.google.com/translate/docs/reference/rest/v2/translate. The API key goes
in the `X-goog-api-key` header, which Google takes like the `?key=` parameter, because
a URL ends up in access logs (httpx logs every request URL at INFO). Segments go as
`format: html` so `<k id="N"/>` survives; Google answers with HTML entities (`&#39;`,
`&quot;`), which markup.from_markup turns back into kefu's form. Errors arrive as
`{"error": {"code", "message", "errors": [{"reason"}], "details": [{"reason"}]}}`:
the reason says quota (dailyLimitExceeded), rate (userRateLimitExceeded) or key
(keyInvalid, API_KEY_INVALID), whatever the status.
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
    translate_nonblank,
)
from kefu.adapters.translators.languages import KEFU_LANGUAGES, kefu_tag, provider_code
from kefu.adapters.translators.markup import from_markup, to_markup
from kefu.services.ports import TranslationFailed

BASE_URL = "https://translation.googleapis.com"
CODES = {**{tag: tag for tag in KEFU_LANGUAGES}, "zh": "zh-CN"}
# Google still detects Hebrew under its old code.
DETECTED_ALIASES = {"iw": "he"}
MAX_TEXTS = 128  # segments per request, as documented
MAX_CHARS = 30_000  # well inside the documented request size

QUOTA_REASONS = {"dailylimitexceeded", "quotaexceeded", "dailylimitexceededunreg"}
RATE_REASONS = {"userratelimitexceeded", "ratelimitexceeded"}
KEY_REASONS = {
    "keyinvalid",
    "keyexpired",
    "api_key_invalid",
    "forbidden",
    "accessnotconfigured",
    "iprefererblocked",
}


class GoogleTranslator:
    provider = "google"

    def __init__(
        self, key: str, *, base_url: str | None = None, client: httpx.Client | None = None
    ) -> None:
        self._key = key
        self.base_url = (base_url or BASE_URL).rstrip("/")
        self.client = client or new_client()

    def translate(self, texts: Sequence[str], source: str | None, target: str) -> list[str]:
        return self.translate_detailed(texts, source, target).texts

    def translate_detailed(
        self, texts: Sequence[str], source: str | None, target: str
    ) -> Translated:
        fields: dict[str, Any] = {
            "target": provider_code(CODES, target, self.provider),
            "format": "html",
        }
        if source is not None:
            fields["source"] = provider_code(CODES, source, self.provider)
        return translate_nonblank(
            texts,
            lambda sent: in_batches(sent, MAX_TEXTS, MAX_CHARS, lambda b: self._send(b, fields)),
        )

    def _send(self, batch: list[str], fields: dict[str, Any]) -> Translated:
        response = post(
            self.client,
            self.provider,
            f"{self.base_url}/language/translate/v2",
            headers={"X-goog-api-key": self._key},
            json={"q": [to_markup(text) for text in batch], **fields},
        )
        if response.status_code != 200:
            raise self._failure(response, error_body(response))
        body = json_of(response, self.provider)
        data = body.get("data") if isinstance(body, dict) else None
        translations = data.get("translations") if isinstance(data, dict) else None
        if not isinstance(translations, list) or not all(
            isinstance(t, dict) and isinstance(t.get("translatedText"), str) for t in translations
        ):
            raise malformed(self.provider, "no data.translations with translatedText")
        same_count(translations, batch, self.provider)
        detected = translations[0].get("detectedSourceLanguage") if translations else None
        return Translated(
            [from_markup(t["translatedText"]) for t in translations],
            kefu_tag(CODES, detected, DETECTED_ALIASES),
        )

    def _failure(self, response: httpx.Response, body: Any) -> TranslationFailed:
        error = body.get("error") if isinstance(body, dict) else None
        if not isinstance(error, dict):
            return status_failure(response, self.provider, "") or malformed(
                self.provider, f"answered {response.status_code} without an error object"
            )
        message = str(error.get("message", ""))
        reasons = _reasons(error)
        text = f"{self.provider} answered {response.status_code}: {message}"
        if reasons & QUOTA_REASONS:
            return TranslationFailed(text, kind="quota")
        if reasons & RATE_REASONS:
            return TranslationFailed(text, kind="rate_limited", retry_after=retry_after(response))
        if reasons & KEY_REASONS or "api key" in message.casefold():
            return TranslationFailed(text, kind="auth")
        known = status_failure(response, self.provider, message)
        if known is not None:
            return known
        if response.status_code == 400:
            # "Invalid Value" for a language pair Google lacks, or a text too long.
            return TranslationFailed(text, kind="unsupported")
        return malformed(self.provider, f"answered {response.status_code}: {message}")


def _reasons(error: dict[str, Any]) -> set[str]:
    found: set[str] = set()
    for field in ("errors", "details"):
        items = error.get(field)
        if isinstance(items, list):
            found.update(
                str(item["reason"]).casefold()
                for item in items
                if isinstance(item, dict) and "reason" in item
            )
    return found
