"""Rate limits on the JSON API (/api/...): 429 with Retry-After past the limit.

One counter per API token (keyed by the SHA-256 of the bearer value, so no token is ever
stored or logged) and one per client address, which counts the calls without a token and
the calls whose token was refused (401): a valid integration spends only its token's
budget, while made-up tokens cannot buy a fresh budget each. Moving windows
from the `limits` package; the counters live in this process, or in Redis so that several
web processes behind a load balancer share them (Settings.rate_limit_storage).
"""

from __future__ import annotations

import hashlib
import json
import math
import time
from collections.abc import Callable

from anyio.to_thread import run_sync
from limits import RateLimitItem, parse
from limits.storage import Storage, storage_from_string
from limits.strategies import MovingWindowRateLimiter
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from kefu.config import Settings

PREFIX = "/api/"


def storage_uri(settings: Settings) -> str:
    """Redis when the deployment has it (several processes share the counters), else memory."""
    uri = settings.rate_limit_storage
    if uri is None and settings.queue_url and settings.queue_url.startswith("redis://"):
        uri = settings.queue_url
    return uri or "memory://"


def make_storage(settings: Settings) -> Storage:
    uri = storage_uri(settings)
    options = {} if uri.startswith("memory") else {"key_prefix": "kefu-rate"}
    storage = storage_from_string(uri, **options)
    if not isinstance(storage, Storage):  # an async+ URI: this middleware counts in sync
        raise ValueError(f"KEFU_RATE_LIMIT_STORAGE: not a synchronous storage: {uri}")
    return storage


class RateLimitMiddleware:
    """Counts each /api/ request against its token's or its address's limit."""

    def __init__(self, app: ASGIApp, settings: Settings, storage: Storage | None = None) -> None:
        self.app = app
        self.per_token: RateLimitItem = parse(settings.rate_limit_per_token)
        self.per_address: RateLimitItem = parse(settings.rate_limit_per_address)
        self.limiter = MovingWindowRateLimiter(storage or make_storage(settings))
        # A counter in this process costs microseconds; a network round trip to Redis would
        # hold up the event loop, so it runs in a worker thread.
        self.offload = not storage_uri(settings).startswith("memory")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(PREFIX):
            await self.app(scope, receive, send)
            return
        token, address = self._keys(scope)
        if token is None:
            limit, wait = self.per_address, await self._call(self._wait, self.per_address, address)
        else:
            limit, wait = self.per_address, await self._call(self._spent, self.per_address, address)
            if wait == 0:
                limit, wait = self.per_token, await self._call(self._wait, self.per_token, token)
        if wait == 0:
            await self._serve(scope, receive, send, None if token is None else address)
            return
        body = json.dumps(
            {
                "error": "rate_limited",
                "message": f"more than {limit} requests; retry in {wait} s",
                "retry_after": wait,
            }
        ).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 429,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                    (b"retry-after", str(wait).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})

    async def _call(
        self, check: Callable[[RateLimitItem, str], int], limit: RateLimitItem, key: str
    ) -> int:
        return await run_sync(check, limit, key) if self.offload else check(limit, key)

    async def _serve(
        self, scope: Scope, receive: Receive, send: Send, charge_if_refused: str | None
    ) -> None:
        """Run the request; a refused token (401) is charged to the caller's address."""
        status = 0

        async def watch(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        await self.app(scope, receive, watch)
        if charge_if_refused is not None and status == 401:
            await self._call(self._wait, self.per_address, charge_if_refused)

    def _spent(self, limit: RateLimitItem, key: str) -> int:
        """0 while the address has budget left (not counted), else seconds to wait."""
        if self.limiter.test(limit, key):
            return 0
        reset = self.limiter.get_window_stats(limit, key).reset_time
        return max(1, math.ceil(reset - time.time()))

    def _wait(self, limit: RateLimitItem, key: str) -> int:
        """0 if this request is within the limit (and is counted), else seconds to wait."""
        if self.limiter.hit(limit, key):
            return 0
        reset = self.limiter.get_window_stats(limit, key).reset_time
        return max(1, math.ceil(reset - time.time()))

    def _keys(self, scope: Scope) -> tuple[str | None, str]:
        """The token's counter (None without a bearer token) and the address's."""
        client = scope.get("client")
        address = f"address:{client[0] if client else 'unknown'}"
        scheme, _, token = Headers(scope=scope).get("authorization", "").partition(" ")
        if scheme.lower() == "bearer" and token.strip():
            return "token:" + hashlib.sha256(token.strip().encode()).hexdigest(), address
        return None, address
