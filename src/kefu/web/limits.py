"""Request bodies: how big (FastAPI's own `max_body_size`, set from Settings) and how deep.

FastAPI answers a body over the limit with a bare `413 Content Too Large`; `explain_too_large`
turns that into kefu's JSON for the API and a sentence for the pages, naming the limit.
`JsonDepthMiddleware` refuses JSON nested deeper than a setting before anything parses it:
Python's json module recurses, and a few thousand `[` would end in a RecursionError (a 500).
"""

from __future__ import annotations

import json
import re
from array import array
from html import escape
from itertools import accumulate

from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# Starlette's limiter writes this key into the scope: the limit of the route being served.
LIMIT_SCOPE_KEY = "starlette.max_body_size"
# The two bodies FastAPI's limiter answers with (plain text, or JSON from its handler).
_BARE_413 = (b"Content Too Large", b'{"detail":"Content Too Large"}')

# A JSON string, escapes included; an unterminated one runs to the end (possessive
# quantifiers, so a body of unbalanced quotes is still scanned in linear time).
_STRING = re.compile(rb'"(?:[^"\\]++|\\.)*+"?', re.DOTALL)
_BRACKETS = bytes.maketrans(b"[{]}", b"\x01\x01\xff\xff")  # +1 / -1 as signed bytes
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")

WORDS = {
    "too_large": {
        "en": "The request is too large: at most {limit} of data per request.",
        "zh_CN": "请求内容过大：每次请求最多 {limit}。",
    },
}


def say(key: str, locale: str, **params: object) -> str:
    """kefu's wording of a refusal in the page's language (English unless zh_CN)."""
    return WORDS[key]["zh_CN" if locale == "zh_CN" else "en"].format(**params)


def json_depth(data: bytes) -> int:
    """How deeply arrays and objects nest in a JSON text, without parsing it.

    Strings are cut out first (a `[` inside a message is text, not nesting); what is left
    is reduced to its brackets in C (`translate`), and the deepest point is the largest
    running sum. Linear in the size of the body; invalid JSON gives some number too,
    and the parser refuses it afterwards.
    """
    if data.count(b"[") + data.count(b"{") == 0:
        return 0
    structure = _STRING.sub(b"", data).translate(_BRACKETS, _NOT_BRACKETS)
    return max(accumulate(array("b", structure), initial=0))


class JsonTooDeep(HTTPException):
    def __init__(self, limit: int) -> None:
        super().__init__(400, f"the JSON body is nested deeper than {limit} levels")


class JsonDepthMiddleware:
    """Check the depth of every JSON body (or one without a content type, which the
    message import parses as JSON too) once it has arrived, before the app sees its end.

    The chunks are kept until the last one; the body limit has already capped their size.
    """

    def __init__(self, app: ASGIApp, max_depth: int) -> None:
        self.app = app
        self.max_depth = max_depth

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = Headers(scope=scope).get("content-type", "json") if scope["type"] == "http" else ""
        if "json" not in kind.lower():
            await self.app(scope, receive, send)
            return
        chunks: list[bytes] = []

        async def checked() -> Message:
            message = await receive()
            if message["type"] == "http.request":
                chunks.append(message.get("body", b""))
                if not message.get("more_body", False):
                    body = b"".join(chunks)
                    chunks.clear()
                    if json_depth(body) > self.max_depth:
                        raise JsonTooDeep(self.max_depth)
            return message

        await self.app(scope, checked, send)


def explain_too_large(app: ASGIApp, *, default_locale: str) -> ASGIApp:
    """Wrap the whole app (outside FastAPI's limiter, which answers for itself) so that its
    bare 413 names the limit: JSON under /api/, a short HTML message on the pages."""

    async def wrapped(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await app(scope, receive, send)
            return
        held: Message | None = None

        async def rewrite(message: Message) -> None:
            nonlocal held
            if message["type"] == "http.response.start" and message["status"] == 413:
                held = message  # wait for the body: only the limiter's own 413 is rewritten
                return
            if held is not None and message["type"] == "http.response.body":
                start, held = held, None
                if message.get("body", b"").strip() in _BARE_413 and not message.get(
                    "more_body", False
                ):
                    await _send_explained(scope, send, start, default_locale)
                    return
                await send(start)
            await send(message)

        await app(scope, receive, rewrite)

    return wrapped


async def _send_explained(scope: Scope, send: Send, start: Message, default_locale: str) -> None:
    limit = scope.get(LIMIT_SCOPE_KEY)
    size = _size(limit) if isinstance(limit, int) else "?"
    body: bytes
    if scope["path"].startswith("/api/"):
        body = json.dumps(
            {
                "error": "too_large",
                "message": f"the request body is larger than {size}; "
                "send larger imports with `kefu import FILE`",
                "limit_bytes": limit,
            }
        ).encode()
        kind = b"application/json"
    else:
        locale = _cookie(scope, "kefu_locale") or default_locale
        text = say("too_large", locale, limit=size)
        body = f'<div class="flash error" role="alert">{escape(text)}</div>'.encode()
        kind = b"text/html; charset=utf-8"
    headers = [
        (k, v) for k, v in start.get("headers", []) if k not in (b"content-type", b"content-length")
    ]
    headers += [(b"content-type", kind), (b"content-length", str(len(body)).encode())]
    await send({**start, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def _size(limit: int) -> str:
    """1048576 → '1 MiB'; a limit not in whole MiB is shown in bytes."""
    mib, rest = divmod(limit, 1024 * 1024)
    return f"{mib} MiB" if mib and not rest else f"{limit:,} bytes"


def _cookie(scope: Scope, name: str) -> str | None:
    for part in Headers(scope=scope).get("cookie", "").split(";"):
        key, _, value = part.strip().partition("=")
        if key == name:
            return value
    return None
