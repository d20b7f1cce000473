"""Connecting a store by OAuth (docs/channels.md "Connecting a store"): the main account
gives the app's keys, kefu sends the browser to the platform's consent page with a
one-time `state`, and the platform's answer (a code) becomes the store's tokens, sealed.
Renewed tokens are stored the same way (`token_sink`), so the next run and every worker
use them.

The state is random, stored only as its digest, bound to the store and the account that
started it, valid for minutes and used once: a callback that did not start here — a
crafted link, a replayed URL — connects nothing. The app keys wait sealed beside it.
"""

from __future__ import annotations

import hashlib
import json
import secrets as random
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from kefu.domain.errors import InvalidInput
from kefu.domain.oauth import STATE_TTL, StateProblem, state_problem
from kefu.domain.permissions import Permission
from kefu.services import access, sync
from kefu.services.access import Principal
from kefu.services.mail import NoSecretKey
from kefu.services.ports import (
    ChannelError,
    Clock,
    OAuthApp,
    OAuthState,
    SecretBox,
    SecretsUnavailable,
    StoredConnection,
    TokenGrant,
    TokenSink,
    UnitOfWork,
)

UowFactory = Callable[[], UnitOfWork]
CALLBACK_PATH = "/stores/oauth/callback"
MAX_KEY_CHARS = sync.MAX_CREDENTIAL_CHARS
MAX_CODE_CHARS = 2048  # eBay's codes are ≤ 1,024 characters; the state is ours (43)
MAX_ERROR_CHARS = 300
# Expired states are forgotten a day later (kept that long, a late replay says "expired").
PURGE_AFTER = timedelta(days=1)
NO_KEY = (
    "no secret key is configured: set KEFU_SECRET_KEY to a Fernet key "
    "(`kefu secrets new-key` prints one) to store a marketplace's keys"
)


@dataclass(frozen=True)
class OAuthPlatform:
    """A platform's OAuth flow as bootstrap registers it: the app keys the owner gives,
    its API's address, and how to build the app (kefu.adapters.marketplaces)."""

    keys: tuple[str, ...]
    base_url: str
    build: Callable[[str, Mapping[str, str]], OAuthApp]  # (base URL, app keys)


@dataclass(frozen=True)
class OAuthDeps:
    apps: Mapping[str, OAuthPlatform]  # by platform: eBay, Wish (Amazon LWA plugs in here)
    secrets: SecretBox
    callback_url: str  # kefu's public address + CALLBACK_PATH


class ConnectRefused(InvalidInput):
    """The platform's answer did not connect the store; `reason` has words on the Stores
    page (a StateProblem value, "denied", "platform_error" or "exchange_failed")."""

    code = "oauth_refused"

    def __init__(self, reason: str, message: str, store: str | None = None) -> None:
        super().__init__(message, field="oauth")
        self.reason, self.store = reason, store


# What the Stores page says after the platform sent the owner back (web labels).
RESULTS = (
    "connected",
    "denied",
    "platform_error",
    "exchange_failed",
    *(problem.value for problem in StateProblem),
)


@dataclass(frozen=True)
class Connected:
    store_code: str
    platform: str
    expires_at: datetime | None


def platforms(deps: OAuthDeps) -> dict[str, tuple[str, ...]]:
    """The platforms a store connects to by OAuth, with the app keys each needs."""
    return {name: entry.keys for name, entry in deps.apps.items()}


def _digest(state: str) -> str:
    return hashlib.sha256(state.encode()).hexdigest()


def _address(url: str, default: str) -> str:
    address = (url or default).strip().rstrip("/")
    try:  # an address urllib cannot read ("http://[::1", port 99999) is named, never a 500
        parts = urlsplit(address)
        host = parts.hostname
        _ = parts.port
    except ValueError:
        raise InvalidInput("base_url: is not an http(s) address", field="base_url") from None
    if (
        parts.scheme not in ("https", "http")
        or not host
        or len(address) > 300
        or any(ch.isspace() or not ch.isprintable() for ch in address)
    ):
        raise InvalidInput("base_url: is not an http(s) address", field="base_url")
    if parts.scheme == "http" and host not in sync.LOOPBACK:
        raise InvalidInput(
            "base_url: must be https (plain http only to this machine)", field="base_url"
        )
    return address


def start(
    who: Principal,
    code: str,
    *,
    app_keys: Mapping[str, str],
    base_url: str = "",
    deps: OAuthDeps,
    uow: UnitOfWork,
    clock: Clock,
) -> str:
    """Begin "Connect with eBay/Wish" for a store: the platform's consent URL to open."""
    access.require(who, Permission.MANAGE_SHOP)
    with uow:
        store = access.store(uow, who, code)
    entry = deps.apps.get(store.platform)
    if entry is None:
        raise InvalidInput(
            f"{store.platform} stores are not connected by OAuth: give the keys instead",
            field="platform",
        )
    keys = {name: str(app_keys.get(name) or "").strip() for name in entry.keys}
    for name, value in keys.items():
        if not value:
            raise InvalidInput(f"{name}: is required", field=name)
        if len(value) > MAX_KEY_CHARS:
            raise InvalidInput(f"{name}: is too long", field=name)
    address = _address(base_url, entry.base_url)
    try:
        app = entry.build(address, keys)
    except ChannelError as exc:
        raise InvalidInput(str(exc), field="credentials") from None
    state = random.token_urlsafe(32)
    now = clock.now()
    try:
        sealed = deps.secrets.seal(json.dumps({"base_url": address, **keys}))
    except SecretsUnavailable:
        raise NoSecretKey(NO_KEY) from None
    with uow:
        uow.oauth_states.purge(now - PURGE_AFTER)
        uow.oauth_states.add(
            OAuthState(
                digest=_digest(state),
                store_id=store.id,
                account_id=who.account_id,
                platform=store.platform,
                redirect_uri=deps.callback_url,
                app=sealed,
                created_at=now,
                expires_at=now + STATE_TTL,
                used_at=None,
            )
        )
        uow.commit()
    return app.authorize_url(deps.callback_url, state)


def finish(
    who: Principal,
    *,
    state: str,
    code: str | None,
    error: str | None,
    description: str | None = None,
    deps: OAuthDeps,
    uow_factory: UowFactory,
    clock: Clock,
) -> Connected:
    """The platform sent the browser back: check the state (and use it up), then trade
    the code for tokens and store them sealed in the store's connection. ConnectRefused
    says why not, in words."""
    access.require(who, Permission.MANAGE_SHOP)
    if not state or len(state) > MAX_CODE_CHARS:
        raise ConnectRefused(StateProblem.UNKNOWN, "state: missing or not one kefu gave")
    now = clock.now()
    with uow_factory() as uow:
        found = uow.oauth_states.take(_digest(state), now)
        uow.commit()  # used now, whatever follows: a state never serves twice
    problem = state_problem(
        found=found is not None,
        used_at=found.used_at if found else None,
        expires_at=found.expires_at if found else None,
        account_matches=found is not None and found.account_id == who.account_id,
        now=now,
    )
    if found is None:
        raise ConnectRefused(StateProblem.UNKNOWN, _STATE_WORDS[StateProblem.UNKNOWN])
    with uow_factory() as uow:
        store = access.store_by_id(uow, who, found.store_id)
    if problem is not None:  # the store is named: its panel says what happened
        raise ConnectRefused(problem, _STATE_WORDS[problem], store.code)
    if error:
        reason = "denied" if error.strip() == "access_denied" else "platform_error"
        words = (description or error).strip()[:MAX_ERROR_CHARS]
        raise ConnectRefused(reason, f"the platform said: {words}", store.code)
    if not code or len(code) > MAX_CODE_CHARS:
        raise ConnectRefused("platform_error", "code: the platform sent none", store.code)
    try:
        app_values: dict[str, str] = json.loads(deps.secrets.open(found.app))
    except SecretsUnavailable:
        raise NoSecretKey(NO_KEY) from None
    entry = deps.apps.get(found.platform)
    if entry is None:
        raise ConnectRefused("platform_error", f"{found.platform}: no OAuth app", store.code)
    base_url = app_values.pop("base_url")
    try:
        grant = entry.build(base_url, app_values).exchange(code, found.redirect_uri)
    except ChannelError as exc:
        raise ConnectRefused("exchange_failed", str(exc)[:500], store.code) from None
    _save(uow_factory, deps.secrets, clock, found, base_url, app_values, grant)
    return Connected(store.code, found.platform, grant.expires_at)


_STATE_WORDS: dict[StateProblem, str] = {
    StateProblem.UNKNOWN: "state: not one kefu gave",
    StateProblem.USED: "state: already used",
    StateProblem.EXPIRED: "state: expired; start the connection again",
    StateProblem.OTHER_ACCOUNT: "state: started by another account",
}


def token_values(grant: TokenGrant) -> dict[str, str]:
    """A grant as the connection's credentials keep it (ISO 8601 times)."""
    values = {"access_token": grant.access_token}
    if grant.expires_at is not None:
        values["expires_at"] = grant.expires_at.isoformat()
    if grant.refresh_token:
        values["refresh_token"] = grant.refresh_token
    if grant.refresh_expires_at is not None:
        values["refresh_expires_at"] = grant.refresh_expires_at.isoformat()
    return values


def _save(
    uow_factory: UowFactory,
    secrets: SecretBox,
    clock: Clock,
    found: OAuthState,
    base_url: str,
    app_values: Mapping[str, str],
    grant: TokenGrant,
) -> None:
    """The tokens into the store's connection, in one transaction: a store connected to
    the same platform keeps its cursor, interval and other keys; the error is cleared."""
    with uow_factory() as uow:
        existing = uow.connections.connection(found.store_id)
        kept: dict[str, str] = {}
        values: dict[str, Any] = {"cursor": None, "backfill_days": 30, "interval_minutes": 5}
        if existing is not None and existing.platform == found.platform:
            try:
                kept = json.loads(secrets.open(existing.credentials))
            except SecretsUnavailable:
                kept = {}
            values = {
                "cursor": existing.cursor,
                "backfill_days": existing.backfill_days,
                "interval_minutes": existing.interval_minutes,
            }
        # A token from a new grant never keeps an older grant's expiry or refresh token.
        for name in ("expires_at", "refresh_token", "refresh_expires_at"):
            kept.pop(name, None)
        credentials = {**kept, **app_values, **token_values(grant)}
        uow.connections.save_connection(
            found.store_id,
            {
                **values,
                "platform": found.platform,
                "base_url": base_url,
                "credentials": secrets.seal(json.dumps(credentials)),
                "enabled": True,
                "error_code": None,
                "error_detail": None,
                "error_at": None,
            },
            clock.now(),
        )
        uow.commit()


def token_sink(
    uow_factory: UowFactory, secrets: SecretBox, clock: Clock, conn: StoredConnection
) -> TokenSink:
    """Where a store's client hands a renewed grant: sealed into the connection in one
    transaction (a rotated refresh token too), so the next run and other workers use it."""

    def store(grant: TokenGrant) -> None:
        with uow_factory() as uow:
            found = uow.connections.connection(conn.store_id)
            if found is None:  # disconnected meanwhile: nothing to keep it for
                return
            opened = json.loads(secrets.open(found.credentials))
            opened |= token_values(grant)
            if grant.expires_at is None:
                opened.pop("expires_at", None)
            uow.connections.record_sync(
                conn.store_id,
                {"credentials": secrets.seal(json.dumps(opened)), "updated_at": clock.now()},
            )
            uow.commit()

    return store
