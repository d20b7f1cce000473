"""Security headers on every response: pages, API, static files, errors and 413s alike.

The Content-Security-Policy allows only kefu's own origin. The few inline event handlers
and scripts in the templates (the language switch, the store picker, the reply settings'
tab opener) are allowed by their SHA-256, computed from the templates when the app is
built, so they keep working and nothing else inline runs. Moving them into static/*.js
would let the hashes go. htmx's indicator <style> is allowed by its hash too.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Iterable
from html import unescape
from importlib.resources import files
from pathlib import Path

from starlette.types import ASGIApp, Message, Receive, Scope, Send

# What htmx 2 adds to <head> unless htmx.config.includeIndicatorStyles is false.
HTMX_INDICATOR_STYLE = (
    ".htmx-indicator{opacity:0;visibility: hidden} "
    ".htmx-request .htmx-indicator, .htmx-request.htmx-indicator"
    "{opacity:1;visibility: visible;transition: opacity 200ms ease-in}"
)
_HANDLER = re.compile(r'\son[a-z]+="([^"]*)"')
_SCRIPT = re.compile(r"<script>(.*?)</script>", re.DOTALL)
_JINJA = ("{{", "{%", "{#")

FIXED = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}


def sha256(code: str) -> str:
    digest = hashlib.sha256(code.encode()).digest()
    return f"'sha256-{base64.b64encode(digest).decode()}'"


def inline_code(folder: Path) -> tuple[list[str], list[str]]:
    """Inline handlers and <script> bodies of the templates, as the browser will hash them,
    and those that cannot be hashed because Jinja fills them in (they would be blocked)."""
    found: list[str] = []
    unhashable: list[str] = []
    for template in sorted(folder.rglob("*.html")):
        text = template.read_text(encoding="utf-8")
        for code in [unescape(m) for m in _HANDLER.findall(text)] + _SCRIPT.findall(text):
            (unhashable if any(j in code for j in _JINJA) else found).append(code)
    return found, unhashable


def content_security_policy(extra_scripts: Iterable[str] = ()) -> str:
    """kefu's own origin only; inline code by hash; no frames, plugins or foreign forms."""
    code, _ = inline_code(Path(str(files("kefu") / "web" / "templates")))
    scripts = " ".join(sorted({sha256(c) for c in [*code, *extra_scripts]}))
    return "; ".join(
        [
            "default-src 'self'",
            f"script-src 'self' 'unsafe-hashes' {scripts}",
            f"style-src 'self' {sha256(HTMX_INDICATOR_STYLE)}",
            "img-src 'self' data:",
            "frame-ancestors 'none'",
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
        ]
    )


def with_security_headers(app: ASGIApp, policy: str) -> ASGIApp:
    """Wrap the whole app, outside FastAPI's error and body-limit middleware, so a 500 or
    a 413 carries the headers too. A response that sets its own CSP keeps it (none does:
    the API docs at /docs run under this one, from static/vendor/swagger-ui)."""
    fixed = [(k.lower().encode(), v.encode()) for k, v in FIXED.items()]
    csp = (b"content-security-policy", policy.encode())

    async def wrapped(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await app(scope, receive, send)
            return

        async def add_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {k.lower() for k, _ in headers}
                headers += [(k, v) for k, v in [*fixed, csp] if k not in present]
                message = {**message, "headers": headers}
            await send(message)

        await app(scope, receive, add_headers)

    return wrapped
