"""eBay's OAuth2 authorization-code grant for one app (kefu.services.ports.OAuthApp).

Sources (docs/channels.md "Connecting a store"):

* "Getting the user's consent" / KB 5075 (developer.ebay.com/support/kb-article?KBid=5075):
  `GET https://auth.ebay.com/oauth2/authorize?client_id&redirect_uri=<RuName>
  &response_type=code&scope=<space-separated, URL-encoded>&state` (sandbox
  `auth.sandbox.ebay.com`); eBay sends the browser to the RuName's accept URL with
  `state`, `code` and `expires_in` (the code lives 299 s ⚠ recalled).
* "Exchanging the authorization code for a User access token"
  (developer.ebay.com/api-docs/static/oauth-auth-code-grant-request.html): `POST
  /identity/v1/oauth2/token` on `api.ebay.com` (sandbox `api.sandbox.ebay.com`),
  `Content-Type: application/x-www-form-urlencoded`, `Authorization: Basic
  base64(client_id:client_secret)`, `grant_type=authorization_code&code&redirect_uri=<RuName>`
  → `{access_token, expires_in (7200), refresh_token, refresh_token_expires_in (47304000,
  18 months), token_type}`.
* "Using a refresh token to update a User access token" (oauth-refresh-token-request.html):
  the same endpoint with `grant_type=refresh_token&refresh_token&scope` → `{access_token,
  expires_in, token_type}`; eBay does not rotate the refresh token.
* Refusals are the OAuth shape `{"error", "error_description"}` (RFC 6749 §5.2:
  invalid_grant, invalid_client…).

The redirect URI eBay takes is the app's RuName, not a URL: the RuName's accept URL, set in
eBay's developer portal, must be kefu's `/stores/oauth/callback`.
"""

from __future__ import annotations

import base64
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode, urlsplit, urlunsplit

import httpx

from kefu.domain.oauth import expiry
from kefu.services.ports import ChannelError, TokenGrant, TokenRefused

API = "https://api.ebay.com"
TOKEN_PATH = "/identity/v1/oauth2/token"  # noqa: S105 - a path, not a secret
AUTHORIZE_PATH = "/oauth2/authorize"
# What kefu asks for: the Message API, and who the seller is (Identity API).
SCOPES = (
    "https://api.ebay.com/oauth/api_scope/commerce.message",
    "https://api.ebay.com/oauth/api_scope/commerce.identity.readonly",
)
TIMEOUT = httpx.Timeout(20.0, connect=5.0)
MAX_CODE_CHARS = 1024  # "The authorization code is a maximum of 1024 characters"


def auth_base(base_url: str) -> str:
    """The consent page lives on `auth.` beside `api.` (api.ebay.com → auth.ebay.com); a
    base that is not eBay's own (the sandbox face) serves it under itself."""
    parts = urlsplit(base_url)
    host = parts.hostname or ""
    if host.startswith("api."):
        netloc = parts.netloc.replace(host, "auth." + host.removeprefix("api."), 1)
        return urlunsplit((parts.scheme, netloc, parts.path, "", "")).rstrip("/")
    return base_url.rstrip("/")


class EbayOAuth:
    """One eBay app (client id, client secret, RuName) granting kefu a seller's tokens."""

    KEYS = ("client_id", "client_secret", "ru_name")

    def __init__(
        self,
        client_id: str,
        client_secret: str,
        ru_name: str = "",
        *,
        base_url: str = API,
        scopes: tuple[str, ...] = SCOPES,
        client: httpx.Client | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.client_id, self.client_secret, self.ru_name = client_id, client_secret, ru_name
        self.base_url = base_url.rstrip("/")
        self.scopes = scopes
        self.client = client  # a store's client lends its own; else one per call
        self.clock = clock

    @classmethod
    def from_keys(cls, base_url: str, keys: Mapping[str, str], **options: Any) -> EbayOAuth:
        """From the app keys the owner gave (KEYS); ChannelError names one missing."""
        missing = [k for k in ("client_id", "client_secret") if not keys.get(k)]
        if missing:
            raise ChannelError(f"the eBay app lacks {', '.join(missing)}", retryable=False)
        return cls(
            keys["client_id"],
            keys["client_secret"],
            keys.get("ru_name", ""),
            base_url=base_url or API,
            **options,
        )

    def authorize_url(self, redirect_uri: str, state: str) -> str:
        query = urlencode(
            {
                "client_id": self.client_id,
                "redirect_uri": self.ru_name or redirect_uri,
                "response_type": "code",
                "scope": " ".join(self.scopes),
                "state": state,
            }
        )
        return f"{auth_base(self.base_url)}{AUTHORIZE_PATH}?{query}"

    def exchange(self, code: str, redirect_uri: str) -> TokenGrant:
        if not code or len(code) > MAX_CODE_CHARS:
            raise ChannelError("eBay's authorization code is empty or too long", retryable=False)
        return self._token(
            {
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": self.ru_name or redirect_uri,
            },
            "the authorization code",
        )

    def refresh(self, refresh_token: str) -> TokenGrant:
        grant = self._token(
            {
                "grant_type": "refresh_token",
                "refresh_token": refresh_token,
                "scope": " ".join(self.scopes),
            },
            "the refresh token",
        )
        # eBay keeps the refresh token it gave with the code: the grant keeps it too.
        return TokenGrant(grant.access_token, grant.expires_at, refresh_token, None)

    def _post(self, url: str, **request: Any) -> httpx.Response:
        if self.client is not None:
            return self.client.post(url, **request)
        with httpx.Client(timeout=TIMEOUT) as http:
            return http.post(url, **request)

    def _token(self, form: Mapping[str, str], what: str) -> TokenGrant:
        basic = base64.b64encode(f"{self.client_id}:{self.client_secret}".encode()).decode()
        try:
            response = self._post(
                self.base_url + TOKEN_PATH,
                data=dict(form),
                headers={"Authorization": f"Basic {basic}"},
            )
        except httpx.TimeoutException as exc:
            raise ChannelError("eBay's token endpoint did not answer in time") from exc
        except httpx.HTTPError as exc:
            raise ChannelError(f"eBay unreachable: {exc.__class__.__name__}") from exc
        try:
            answer = response.json()
        except ValueError:
            answer = None
        body: dict[str, Any] = answer if isinstance(answer, dict) else {}
        token = body.get("access_token")
        if response.status_code >= 500 or response.status_code == 429:
            raise ChannelError(f"eBay's token endpoint answered HTTP {response.status_code}")
        if response.status_code != 200 or not isinstance(token, str) or not token:
            why = body.get("error_description") or body.get("error") or response.status_code
            error = f" ({body['error']})" if body.get("error") else ""
            if form["grant_type"] == "refresh_token":
                raise TokenRefused(f"eBay refused {what}: {why}{error}; reconnect needed")
            raise ChannelError(f"eBay refused {what}: {why}{error}", retryable=False)
        now = datetime.fromtimestamp(self.clock(), UTC)
        refresh = body.get("refresh_token")
        return TokenGrant(
            access_token=token,
            expires_at=expiry(now, body.get("expires_in")),
            refresh_token=refresh if isinstance(refresh, str) and refresh else None,
            refresh_expires_at=expiry(now, body.get("refresh_token_expires_in")),
        )
