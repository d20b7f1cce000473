"""Wish's merchant API v3 OAuth2 authorization-code grant for one app
(kefu.services.ports.OAuthApp).

Source: Wish's V3 OpenAPI 3.0.65 (copy: github.com/api-evangelist/wish
`openapi/wish-oauth-api-openapi.yml`), docs/channels.md "Connecting a store":

* `securitySchemes.OAuth2.authorizationCode`: authorizationUrl
  `https://merchant.wish.com/v3/oauth/authorize`, tokenUrl `/api/v3/oauth/access_token`,
  refreshUrl `/api/v3/oauth/refresh_token`. The authorize page takes `client_id` and
  `state` and sends the browser to the redirect URI set on the app, with `code` and
  `state` (⚠ recalled from Wish's OAuth tutorial, not in the OpenAPI document).
* `POST /api/v3/oauth/access_token` (JSON RetrieveAccessToken: client_id, client_secret,
  code, grant_type=authorization_code, redirect_uri; a GET with the same query exists
  too) → AccessToken {access_token, refresh_token, expiry_time, merchant_id, scopes}; the
  access token lasts 30 days. Refusals (400): 10008 incorrect code, 10002 code already
  redeemed, 10004 code expired, 10001 client_id / client_secret / redirect_url do not
  match, 1001 bad grant_type.
* `GET /api/v3/oauth/refresh_token` (client_id, client_secret, refresh_token,
  grant_type=refresh_token) → AccessToken; "Existing access tokens will be revoked after
  calling this API". Refusals: 1001, 1006, 10001, 1002.

Every answer is `{"message", "code", "data"}`, code 0 on success.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

import httpx

from kefu.domain.moments import parse_moment
from kefu.services.ports import ChannelError, TokenGrant, TokenRefused

API = "https://merchant.wish.com"
TIMEOUT = httpx.Timeout(20.0, connect=5.0)
AUTHORIZE_PATH = "/v3/oauth/authorize"
TOKEN_PATH = "/api/v3/oauth/access_token"  # noqa: S105 - a path, not a secret
REFRESH_PATH = "/api/v3/oauth/refresh_token"
MAX_CODE_CHARS = 1024


class WishOAuth:
    """One Wish app (client id, client secret) granting kefu a merchant's tokens."""

    KEYS = ("client_id", "client_secret")

    def __init__(
        self,
        client_id: str,
        client_secret: str,
        *,
        base_url: str = API,
        client: httpx.Client | None = None,
    ) -> None:
        self.client_id, self.client_secret = client_id, client_secret
        self.base_url = base_url.rstrip("/")
        self.client = client  # a store's client lends its own; else one per call

    @classmethod
    def from_keys(cls, base_url: str, keys: Mapping[str, str], **options: Any) -> WishOAuth:
        """From the app keys the owner gave (KEYS); ChannelError names one missing."""
        missing = [k for k in cls.KEYS if not keys.get(k)]
        if missing:
            raise ChannelError(f"the Wish app lacks {', '.join(missing)}", retryable=False)
        return cls(keys["client_id"], keys["client_secret"], base_url=base_url or API, **options)

    def authorize_url(self, redirect_uri: str, state: str) -> str:
        # The redirect URI is the one set on the app at Wish; the exchange repeats it.
        query = urlencode({"client_id": self.client_id, "state": state})
        return f"{self.base_url}{AUTHORIZE_PATH}?{query}"

    def exchange(self, code: str, redirect_uri: str) -> TokenGrant:
        if not code or len(code) > MAX_CODE_CHARS:
            raise ChannelError("Wish's authorization code is empty or too long", retryable=False)
        body = {
            "client_id": self.client_id,
            "client_secret": self.client_secret,
            "code": code,
            "grant_type": "authorization_code",
            "redirect_uri": redirect_uri,
        }
        return self._grant("POST", TOKEN_PATH, "the authorization code", json=body)

    def refresh(self, refresh_token: str) -> TokenGrant:
        params = {
            "client_id": self.client_id,
            "client_secret": self.client_secret,
            "refresh_token": refresh_token,
            "grant_type": "refresh_token",
        }
        try:
            return self._grant("GET", REFRESH_PATH, "the token refresh", params=params)
        except TokenRefused:
            raise
        except ChannelError as exc:
            if exc.retryable:
                raise
            raise TokenRefused(f"{exc}; reconnect needed") from None

    def _request(self, method: str, url: str, **request: Any) -> httpx.Response:
        if self.client is not None:
            return self.client.request(method, url, **request)
        with httpx.Client(timeout=TIMEOUT) as http:
            return http.request(method, url, **request)

    def _grant(self, method: str, path: str, what: str, **request: Any) -> TokenGrant:
        try:
            response = self._request(method, self.base_url + path, **request)
        except httpx.TimeoutException as exc:
            raise ChannelError(f"Wish did not answer {what} in time") from exc
        except httpx.HTTPError as exc:
            raise ChannelError(f"Wish unreachable: {exc.__class__.__name__}") from exc
        data = _data(what, response)
        token = data.get("access_token") if isinstance(data, dict) else None
        if not isinstance(data, dict) or not isinstance(token, str) or not token:
            raise ChannelError(f"Wish's answer to {what} holds no access token", retryable=False)
        refresh = data.get("refresh_token")
        return TokenGrant(
            access_token=token,
            expires_at=parse_moment(data.get("expiry_time")),
            refresh_token=refresh if isinstance(refresh, str) and refresh else None,
        )


# The codes that say the merchant's grant is gone (revoked, expired, account disabled, no
# such token or app): reconnect.
TOKEN_CODES = frozenset({1002, 1006, 1007, 1008, 1012})


def _data(what: str, response: httpx.Response) -> Any:
    """The `data` of a Wish answer, or its refusal in Wish's words and code."""
    try:
        body = response.json()
    except ValueError:
        body = None
    fields = body if isinstance(body, dict) else {}
    words = str(fields.get("message") or "").strip() or "no reason given"
    try:
        code = int(fields.get("code", 0) or 0)
    except (TypeError, ValueError):
        code = -1
    status = response.status_code
    if status == 429 or status >= 500:
        raise ChannelError(f"Wish answered {what} with HTTP {status}")
    if status == 401 or code in TOKEN_CODES:
        raise TokenRefused(f"Wish refused {what}: {words} (code {code}); reconnect needed")
    if status != 200 or code != 0 or body is None:
        raise ChannelError(
            f"Wish refused {what}: {words} (HTTP {status}, code {code})", retryable=False
        )
    return fields.get("data")
