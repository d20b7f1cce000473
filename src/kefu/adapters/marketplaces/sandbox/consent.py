"""The sandbox's consent pages (eBay's and Wish's OAuth authorize step): where a seller
agrees that kefu may act on the store, or refuses. Tests drive it by clicking, or set a
face's `consent` to "approve" / "deny" to be sent back at once."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from html import escape
from urllib.parse import urlencode, urlsplit

from starlette.responses import HTMLResponse, RedirectResponse, Response

CODE_SECONDS = 299  # eBay's consent answer says expires_in=299; Wish's codes are as short


@dataclass
class Grant:
    """An authorization code: one use, for one app and redirect URI, for minutes."""

    client_id: str
    redirect_uri: str
    expires_at: float
    used: bool = False


def new_code(prefix: str) -> str:
    """Codes are random like the platforms' (a guessed code must not work)."""
    return f"{prefix}{secrets.token_urlsafe(24)}"


def back_to(redirect: str, params: Mapping[str, str]) -> Response:
    """Send the browser back to the app's redirect URI with the answer in the query."""
    joiner = "&" if urlsplit(redirect).query else "?"
    return RedirectResponse(f"{redirect}{joiner}{urlencode(dict(params))}", status_code=302)


def page(platform: str, app: str, action: str, hidden: Mapping[str, str]) -> HTMLResponse:
    """A seller's consent page: agree, or do not."""
    fields = "".join(
        f'<input type="hidden" name="{escape(k)}" value="{escape(v)}">' for k, v in hidden.items()
    )
    body = f"""<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>{escape(platform)} sandbox: grant application access</title></head><body>
<h1>{escape(platform)} sandbox</h1>
<p>The application <strong>{escape(app)}</strong> asks to read and answer your buyers'
messages.</p>
<form method="post" action="{escape(action)}">{fields}
<button type="submit" name="decision" value="approve" data-testid="approve">Agree</button>
<button type="submit" name="decision" value="deny" data-testid="deny">Do not agree</button>
</form></body></html>"""
    return HTMLResponse(body)


def refusal_page(platform: str, words: str) -> HTMLResponse:
    """What the platform shows when the authorize request itself is wrong (an unknown
    app or redirect URI): no redirect, only words."""
    return HTMLResponse(
        f"<!doctype html><html><body><h1>{escape(platform)} sandbox</h1>"
        f"<p>{escape(words)}</p></body></html>",
        status_code=400,
    )
