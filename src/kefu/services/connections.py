"""Marketplace connections as the Stores page and the API ask for them (docs/channels.md):
the work is services/sync.py's; this adds what a web answer needs around it — every
connection of the shop at once, and "no secret key" as its own refusal (503), not a
field to correct."""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import urlsplit

from kefu.domain.errors import InvalidInput
from kefu.domain.permissions import Permission
from kefu.services import access, sync
from kefu.services.access import Principal
from kefu.services.mail import NoSecretKey
from kefu.services.ports import Clock, SecretBox, SecretsUnavailable, UnitOfWork

NO_KEY = (
    "no secret key is configured: set KEFU_SECRET_KEY to a Fernet key "
    "(`kefu secrets new-key` prints one) to store a marketplace's keys"
)


def connect(
    who: Principal,
    code: str,
    *,
    base_url: str,
    credentials: Mapping[str, str],
    interval_minutes: int,
    backfill_days: int,
    secrets: SecretBox,
    uow: UnitOfWork,
    clock: Clock,
) -> sync.ConnectionView:
    """sync.connect_store, refused with NoSecretKey when nothing can be sealed and with
    InvalidInput for an address urllib cannot read or with control characters (PostgreSQL
    stores no NUL)."""
    access.require(who, Permission.MANAGE_SHOP)
    with uow:  # an unknown store is 404 and bad input 422 before the key is asked for
        store = access.store(uow, who, code)
    names = sync.CREDENTIALS.get(store.platform)
    if names is None:
        raise InvalidInput(
            f"kefu does not connect to {store.platform} yet: its messages come in by e-mail "
            "or import",
            field="platform",
        )
    missing = [n for n in names if not str(credentials.get(n, "")).strip()]
    if missing:
        raise InvalidInput(f"{missing[0]}: is required", field=missing[0])
    address = base_url.strip()
    try:  # an address urllib cannot read ("http://[::1", port 99999) is named, never a 500
        parts = urlsplit(address)
        _ = (parts.hostname, parts.port)
        if any(ch.isspace() or not ch.isprintable() for ch in address):
            raise ValueError(address)
    except ValueError:
        raise InvalidInput("base_url: is not an http(s) address", field="base_url") from None
    try:
        secrets.seal("")
    except SecretsUnavailable:
        raise NoSecretKey(NO_KEY) from None
    return sync.connect_store(
        who,
        code,
        base_url=base_url,
        credentials=credentials,
        interval_minutes=interval_minutes,
        backfill_days=backfill_days,
        secrets=secrets,
        uow=uow,
        clock=clock,
    )


def connections(
    who: Principal, *, secrets: SecretBox, uow: UnitOfWork
) -> dict[str, sync.ConnectionView]:
    """Every store's connection by store code, keys masked, with its health."""
    access.require(who, Permission.MANAGE_SHOP)
    with uow:
        codes = [c.store_code for c in uow.connections.connections(enabled_only=False)]
    found = {code: sync.connection(who, code, secrets=secrets, uow=uow) for code in codes}
    return {code: view for code, view in found.items() if view is not None}


def fields() -> dict[str, tuple[tuple[str, ...], tuple[str, ...]]]:
    """Per platform kefu connects to: the credentials it needs, and those it may take."""
    return {p: (names, sync.OPTIONAL.get(p, ())) for p, names in sync.CREDENTIALS.items()}
