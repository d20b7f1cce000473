"""Baidu Fanyi general text translation: `POST /api/trans/vip/translate` (form fields).

https://fanyi-api.baidu.com/doc/21. Baidu has no tag handling and translates one line
per result, so each masked segment is turned into plain lines first:

- `<k id="N"/>` becomes `{N}`, which Baidu copies through (it may answer with
  full-width braces, spaces inside or other digits: all read back as the token);
- text is unescaped from XML, and a literal `{` or `｛` is doubled so that no text of
  the buyer's can pass for a token;
- a segment is cut at its line breaks; blank lines and the spaces around each line stay
  here, only lines with content are sent, joined by "\\n", so the n-th result is the
  n-th line sent and the segments are put together again by index.

The answer's lines are turned back the same way and escaped as XML again. The sign is
md5(appid + q + salt + key). Errors come with HTTP 200 as `error_code`: 54003 / 54005
too frequent (the standard edition allows 1 query a second), 54004 no balance left,
52003 / 54001 / 58000 / 58002 / 90107 the account or sign, 58001 a language the
edition lacks: Hebrew and Turkish need the premium edition (尊享版).
"""

from __future__ import annotations

import hashlib
import html
import re
import secrets
from collections.abc import Sequence

import httpx

from kefu.adapters.translators.http import (
    Translated,
    in_batches,
    json_of,
    malformed,
    new_client,
    post,
    status_failure,
)
from kefu.adapters.translators.languages import kefu_tag, provider_code
from kefu.adapters.translators.markup import TOKEN, escape, token
from kefu.services.ports import TranslationFailed, TranslationFailureKind

BASE_URL = "https://fanyi-api.baidu.com"
CODES = {
    "zh": "zh",
    "en": "en",
    "es": "spa",
    "fr": "fra",
    "de": "de",
    "pt": "pt",
    "ru": "ru",
    "ar": "ara",
    "he": "heb",
    "it": "it",
    "ja": "jp",
    "ko": "kor",
    "nl": "nl",
    "pl": "pl",
    "tr": "tr",
}
# q may hold 6,000 bytes; a Chinese character takes three in UTF-8.
MAX_CHARS = 2_000
MAX_LINES = 1_000

_FAILURES: dict[str, tuple[TranslationFailureKind, float | None]] = {
    "52001": ("timeout", None),
    "52002": ("unavailable", None),
    "52003": ("auth", None),
    "54000": ("malformed", None),
    "54001": ("auth", None),
    "54003": ("rate_limited", 1.0),
    "54004": ("quota", None),
    "54005": ("rate_limited", 3.0),
    "58000": ("auth", None),
    "58001": ("unsupported", None),
    "58002": ("auth", None),
    "90107": ("auth", None),
}

_PLAIN_TOKEN = re.compile(r"\{\{|｛｛|[{｛]\s*(\d+)\s*[}｝]")
_LINE_BREAK = re.compile(r"(\r\n|\r|\n)")

# Where each line sent to Baidu goes: per segment, kept text and indexes of lines sent.
Layout = list[list[str | int]]


def to_plain(masked: str) -> str:
    """A masked segment as plain text with `{N}` tokens (the inverse of from_plain)."""
    parts: list[str] = []
    position = 0
    for match in TOKEN.finditer(masked):
        parts.append(_literal(masked[position : match.start()]))
        parts.append("{" + match.group(1) + "}")
        position = match.end()
    parts.append(_literal(masked[position:]))
    return "".join(parts)


def _literal(escaped: str) -> str:
    return html.unescape(escaped).replace("{", "{{").replace("｛", "｛｛")


def from_plain(plain: str) -> str:
    """Plain text with `{N}` tokens (as Baidu may have rewritten them) in kefu's form."""
    parts: list[str] = []
    position = 0
    for match in _PLAIN_TOKEN.finditer(plain):
        parts.append(escape(plain[position : match.start()]))
        number = match.group(1)
        parts.append(match.group(0)[0] if number is None else token(int(number)))
        position = match.end()
    parts.append(escape(plain[position:]))
    return "".join(parts)


def split_lines(texts: Sequence[str]) -> tuple[list[str], Layout]:
    """The lines to send, and how to rebuild each segment from their translations."""
    lines: list[str] = []
    layout: Layout = []
    for masked in texts:
        pieces: list[str | int] = []
        for part in _LINE_BREAK.split(to_plain(masked)):
            core = part.strip()
            if not core:
                pieces.append(part)
                continue
            start = part.index(core)
            pieces += [part[:start], len(lines), part[start + len(core) :]]
            lines.append(core)
        layout.append(pieces)
    return lines, layout


def join_lines(translated: Sequence[str], layout: Layout) -> list[str]:
    return [
        from_plain("".join(p if isinstance(p, str) else translated[p] for p in pieces))
        for pieces in layout
    ]


class BaiduTranslator:
    provider = "baidu"

    def __init__(
        self,
        appid: str,
        key: str,
        *,
        base_url: str | None = None,
        client: httpx.Client | None = None,
    ) -> None:
        self.appid = appid
        self._key = key
        self.base_url = (base_url or BASE_URL).rstrip("/")
        self.client = client or new_client()

    def translate(self, texts: Sequence[str], source: str | None, target: str) -> list[str]:
        return self.translate_detailed(texts, source, target).texts

    def translate_detailed(
        self, texts: Sequence[str], source: str | None, target: str
    ) -> Translated:
        to = provider_code(CODES, target, self.provider)
        origin = "auto" if source is None else provider_code(CODES, source, self.provider)
        lines, layout = split_lines(texts)
        if not lines:
            return Translated(list(texts))
        answer = in_batches(lines, MAX_LINES, MAX_CHARS, lambda b: self._send(b, origin, to))
        return Translated(join_lines(answer.texts, layout), answer.detected)

    def _send(self, lines: list[str], origin: str, to: str) -> Translated:
        query = "\n".join(lines)
        salt = str(secrets.randbelow(10**10))
        sign = hashlib.md5(
            (self.appid + query + salt + self._key).encode(), usedforsecurity=False
        ).hexdigest()
        response = post(
            self.client,
            self.provider,
            f"{self.base_url}/api/trans/vip/translate",
            data={
                "q": query,
                "from": origin,
                "to": to,
                "appid": self.appid,
                "salt": salt,
                "sign": sign,
            },
        )
        if response.status_code != 200:
            raise status_failure(response, self.provider, response.text[:200]) or malformed(
                self.provider, f"answered {response.status_code}"
            )
        body = json_of(response, self.provider)
        if not isinstance(body, dict):
            raise malformed(self.provider, "the answer is not an object")
        code = str(body.get("error_code", "52000"))
        if code != "52000":
            raise _failure(code, str(body.get("error_msg", "")))
        results = body.get("trans_result")
        if not isinstance(results, list) or not all(
            isinstance(r, dict) and isinstance(r.get("dst"), str) for r in results
        ):
            raise malformed(self.provider, "no trans_result with dst")
        if len(results) != len(lines):
            raise malformed(self.provider, f"{len(results)} lines came back for {len(lines)} sent")
        return Translated([r["dst"] for r in results], kefu_tag(CODES, body.get("from")))


def _failure(code: str, message: str) -> TranslationFailed:
    kind, wait = _FAILURES.get(code, ("malformed", None))
    return TranslationFailed(f"baidu error {code}: {message}", kind=kind, retry_after=wait)
