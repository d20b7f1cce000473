"""Marketplace channels (docs/channels.md): a store connected to its platform's API has
what changed there pulled into the inbox — the same ingestion as files and mail — and its
replies sent through that API.

A sync reads pages from the store's cursor and stores each page's messages before the
cursor moves on, so a sync killed at any point starts again from the last page stored and
re-reads at most one page (ingestion is idempotent on the platform's message id).

State both ways (docs/channels.md "State both ways"): after the pages, the sync reads the
state of the conversations just pulled and of the latest ones (a rank set on the platform
does not move a conversation in the platform's time-ordered listing), applies each
platform change that is newer than kefu's own change of that field, and then pushes what
people changed in kefu (marked, closed or reopened, read, replied) that the platform does
not hold yet. Per conversation and field the table keeps both sides' last value and time.
"""

from __future__ import annotations

import json
import logging
import random
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from kefu.domain.callbudgets import backoff_seconds
from kefu.domain.conversations import Conversation
from kefu.domain.errors import InvalidInput, NotFound
from kefu.domain.moments import parse_moment
from kefu.domain.permissions import Permission
from kefu.domain.types import ColourMark, Status
from kefu.services import access, case_sync, cases
from kefu.services.access import Principal
from kefu.services.inbox import ingest, platform_state
from kefu.services.ports import (
    RECONNECT,
    STATE_FIELDS,
    CaseClient,
    CaseFactory,
    ChannelError,
    ChannelGateway,
    Clock,
    ConversationState,
    MarketplaceClient,
    MarketplaceFactory,
    OutgoingReply,
    SecretBox,
    SecretsUnavailable,
    StateChange,
    StoredConnection,
    SyncedState,
    TokenRefused,
    TokenSink,
    UnitOfWork,
)
from kefu.services.shopdata import MAX_API_ITEMS, Reference, write_records

log = logging.getLogger(__name__)
UowFactory = Callable[[], UnitOfWork]

# The platforms whose adapter exists, and the credentials each needs (docs/channels.md).
CREDENTIALS: dict[str, tuple[str, ...]] = {
    "aliexpress": ("app_key", "app_secret", "access_token"),
    "ebay": ("access_token",),
    "wish": ("access_token",),
    # Amazon's SP-API: LWA renews the access token from these (docs/channels.md "Amazon").
    "amazon": ("refresh_token", "client_id", "client_secret"),
}
# Given when the platform wants them: AliExpress the seller's login id for addmsg; eBay
# and Wish what renews an expired token, eBay the seller's user name (which side is ours).
OPTIONAL: dict[str, tuple[str, ...]] = {
    "aliexpress": ("seller_login_id", "expires_at"),
    "ebay": (
        "refresh_token",
        "client_id",
        "client_secret",
        "marketplace_id",
        "seller_username",
        "archive_when_handled",  # "true": closing in kefu archives on eBay (docs/channels.md)
    ),
    "wish": ("refresh_token", "client_id", "client_secret"),
    "amazon": ("marketplace_id", "selling_partner_id", "region"),
}
MAX_CREDENTIAL_CHARS = 2000
# One run of a store's sync reads at most this many pages; the next run goes on.
PAGES_PER_RUN = 50
# The platforms whose state is kept both ways (docs/channels.md "State both ways"); which
# fields, each adapter says (`state_fields`): AliExpress mark, handled and read; eBay read
# (and closed when it archives); Wish handled and closed. A person's close is its own field
# apart from handled (answered or closed), so a reply never closes a Wish ticket.
STATE_PLATFORMS = frozenset({"aliexpress", "ebay", "wish"})
# Each run also reads the state of this many of the latest conversations (docs/channels.md).
STATE_SWEEP = 200
# Each run pushes at most this many conversations' changes; the next run goes on.
PUSHES_PER_RUN = 500
LOOPBACK = ("127.0.0.1", "localhost", "::1")
# The job ticks once a minute and a run takes some seconds: a store synced a little less
# than its interval ago is due, or a 1-minute store would sync every other minute.
DUE_SLACK = timedelta(seconds=15)
# How far back each pass reads a store's cases (an open case changes for weeks).
CASE_LOOKBACK = timedelta(days=90)


@dataclass(frozen=True)
class ConnectionView:
    """A store's connection as the owner sees it: never a secret, only its last letters."""

    store_code: str
    platform: str
    base_url: str
    credentials: dict[str, str]  # name -> masked
    enabled: bool
    interval_minutes: int
    backfill_days: int
    last_sync_at: datetime | None
    last_success_at: datetime | None
    last_pulled: int
    total_pulled: int
    error_code: str | None
    error_detail: str | None
    # The access token's expiry as kefu knows it (OAuth grants, renewals, or as the owner
    # entered it for AliExpress), and the refresh token's; None when not known.
    token_expires_at: datetime | None = None
    refresh_expires_at: datetime | None = None


def _masked(value: str) -> str:
    return "•" * 8 + value[-4:] if len(value) > 8 else "•" * 8


def _view(
    conn: StoredConnection, names: tuple[str, ...], opened: Mapping[str, str]
) -> ConnectionView:
    return ConnectionView(
        store_code=conn.store_code,
        platform=conn.platform,
        base_url=conn.base_url,
        credentials={n: _masked(opened.get(n, "")) for n in names},
        enabled=conn.enabled,
        interval_minutes=conn.interval_minutes,
        backfill_days=conn.backfill_days,
        last_sync_at=conn.last_sync_at,
        last_success_at=conn.last_success_at,
        last_pulled=conn.last_pulled,
        total_pulled=conn.total_pulled,
        error_code=conn.error_code,
        error_detail=conn.error_detail,
        token_expires_at=parse_moment(opened.get("expires_at")),
        refresh_expires_at=parse_moment(opened.get("refresh_expires_at")),
    )


def _check_url(url: str) -> str:
    parts = urlsplit(url.strip())
    if parts.scheme not in ("https", "http") or not parts.hostname or len(url) > 300:
        raise InvalidInput("base_url: is not an http(s) address", field="base_url")
    if parts.scheme == "http" and parts.hostname not in LOOPBACK:
        raise InvalidInput(
            "base_url: must be https (plain http only to this machine)", field="base_url"
        )
    return url.strip().rstrip("/")


def connect_store(
    who: Principal,
    code: str,
    *,
    base_url: str,
    credentials: Mapping[str, str],
    interval_minutes: int = 5,
    backfill_days: int = 30,
    secrets: SecretBox,
    uow: UnitOfWork,
    clock: Clock,
) -> ConnectionView:
    """Connect a store to its marketplace's API with the keys the platform issued."""
    access.require(who, Permission.MANAGE_SHOP)
    with uow:
        store = access.store(uow, who, code)
    names = CREDENTIALS.get(store.platform)
    if names is None:
        raise InvalidInput(
            f"kefu does not connect to {store.platform} yet: its messages come in by e-mail "
            "or import",
            field="platform",
        )
    missing = [n for n in names if not str(credentials.get(n, "")).strip()]
    if missing:
        raise InvalidInput(f"{missing[0]}: is required", field=missing[0])
    too_long = [n for n in names if len(str(credentials[n])) > MAX_CREDENTIAL_CHARS]
    if too_long:
        raise InvalidInput(f"{too_long[0]}: is too long", field=too_long[0])
    if not 1 <= interval_minutes <= 1440 or not 0 <= backfill_days <= 180:
        raise InvalidInput("interval 1–1440 minutes, backfill 0–180 days", field="interval")
    opened = {n: str(credentials[n]).strip() for n in names}
    opened |= {
        n: str(credentials[n]).strip()[:MAX_CREDENTIAL_CHARS]
        for n in OPTIONAL.get(store.platform, ())
        if str(credentials.get(n) or "").strip()
    }
    if opened.get("expires_at") and parse_moment(opened["expires_at"]) is None:
        raise InvalidInput(
            "expires_at: is not a date (2027-06-30, or 2027-06-30T12:00:00+08:00)",
            field="expires_at",
        )
    try:
        sealed = secrets.seal(json.dumps(opened))
    except SecretsUnavailable as exc:
        raise InvalidInput(str(exc), field="credentials") from None
    with uow:
        uow.connections.save_connection(
            store.id,
            {
                "platform": store.platform,
                "base_url": _check_url(base_url),
                "credentials": sealed,
                "cursor": None,
                "backfill_days": backfill_days,
                "interval_minutes": interval_minutes,
                "enabled": True,
                "error_code": None,
                "error_detail": None,
                "error_at": None,
            },
            clock.now(),
        )
        saved = uow.connections.connection(store.id)
        uow.commit()
    assert saved is not None  # noqa: S101 — just written
    return _view(saved, names, opened)


def disconnect_store(who: Principal, code: str, *, uow: UnitOfWork) -> bool:
    access.require(who, Permission.MANAGE_SHOP)
    with uow:
        store = access.store(uow, who, code, archived=True)
        removed = uow.connections.remove_connection(store.id)
        uow.commit()
    return removed


def connection(
    who: Principal, code: str, *, secrets: SecretBox, uow: UnitOfWork
) -> ConnectionView | None:
    access.require(who, Permission.MANAGE_SHOP)
    with uow:
        store = access.store(uow, who, code, archived=True)
        found = uow.connections.connection(store.id)
    if found is None:
        return None
    try:
        opened = json.loads(secrets.open(found.credentials))
    except SecretsUnavailable:
        opened = {}
    return _view(found, CREDENTIALS.get(found.platform, ()), opened)


# syncing


@dataclass(frozen=True)
class SyncDeps:
    secrets: SecretBox
    factory: MarketplaceFactory
    ingest_options: Callable[[], Mapping[str, Any]]  # classifier, automatic replies, routing…
    reference: Reference  # currencies and countries, for the shop data of the order APIs
    # Where a store's client hands a renewed token to be stored (services/oauth.py).
    token_sink: Callable[[StoredConnection], TokenSink] | None = None
    jitter: Callable[[], float] = random.random  # the back-off's random part, in [0, 1)
    # After-sale cases (docs/cases.md "From and to the platforms"): the store's case client,
    # and what storing a case needs (holidays for its clocks, the way steps go back).
    case_factory: CaseFactory | None = None
    case_deps: Callable[[], cases.CaseDeps] | None = None


@dataclass
class SyncReport:
    stores: int = 0
    pages: int = 0
    pulled: int = 0
    stored: int = 0
    applied: int = 0  # platform state changes applied to kefu's conversations
    pushed: int = 0  # conversations whose kefu changes were pushed
    failed: list[str] = field(default_factory=list)  # "store: reason"
    push_errors: list[str] = field(default_factory=list)  # "store ref: reason"
    # Shop data from the order APIs (docs/channels.md "Orders from the platforms"), in
    # records as an import counts them: created, updated, unchanged, stale (older than
    # stored), set_aside (parcels before their order), rejected.
    records: dict[str, int] = field(default_factory=dict)
    record_errors: list[str] = field(default_factory=list)  # "store kind #n field: reason"
    cases: dict[str, int] = field(
        default_factory=dict
    )  # created, updated, unchanged, refused, pushed


def sync_all(
    uow_factory: UowFactory,
    deps: SyncDeps,
    clock: Clock,
    *,
    store: str | None = None,
    due_only: bool = False,
    since: datetime | None = None,
) -> SyncReport:
    """Sync every enabled connection (of `store` only; or those whose interval has passed).
    A store that fails records why and the next store syncs all the same. `since` reads a
    store again from that moment instead of its cursor (`kefu sync --store S --since D`):
    what is there already is stored once, as ingestion is idempotent."""
    if since is not None and store is None:
        raise InvalidInput("--since needs --store: one store is read again", field="since")
    now = clock.now()
    with uow_factory() as uow:
        found = uow.connections.connections(enabled_only=True)
    report = SyncReport()
    for conn in found:
        if store is not None and conn.store_code != store:
            continue
        due = (
            conn.last_sync_at is None
            or now - conn.last_sync_at >= timedelta(minutes=conn.interval_minutes) - DUE_SLACK
        )
        backing_off = conn.retry_at is not None and now < conn.retry_at
        if due_only and (not due or backing_off):
            continue
        report.stores += 1
        sync_store(uow_factory, deps, clock, conn, report, since=since)
    if store is not None and report.stores == 0:
        raise NotFound(f"store {store!r} has no enabled marketplace connection", store=store)
    return report


def sync_store(
    uow_factory: UowFactory,
    deps: SyncDeps,
    clock: Clock,
    conn: StoredConnection,
    report: SyncReport,
    *,
    since: datetime | None = None,
) -> None:
    """Pull one store from its cursor (from `since` with no cursor, when given), page by
    page; record its health either way."""
    started = clock.now()
    cursor, pulled = (None if since is not None else conn.cursor), 0
    client: MarketplaceClient | None = None
    try:
        client = _client(deps, conn)
        since = since or started - timedelta(days=conn.backfill_days)
        states: dict[str, ConversationState] = {}
        refused: list[str] = []  # this store's records not stored, for its health
        for _ in range(PAGES_PER_RUN):
            page = client.pull(cursor, since)
            states |= {state.ref: state for state in page.states}
            # Before the messages, so a message's order is there when the message is.
            refused += take_records(uow_factory, deps, clock, conn, page.records, report)
            for words in page.problems:
                refused.append(_refuse(report, f"{conn.store_code} {words}"))
            rows = [{**row, "store": conn.store_code} for row in page.rows]
            if rows:
                stored = ingest(rows, uow_factory(), clock, **deps.ingest_options())
                for error in stored.errors:
                    log.warning("%s: a message was not stored: %s", conn.store_code, error)
                report.stored += stored.accepted
            pulled += len(rows)
            report.pages += 1
            cursor = page.cursor
            # Only after the page is stored: a crash re-reads this page, never skips it.
            with uow_factory() as uow:
                uow.connections.record_sync(conn.store_id, {"cursor": cursor})
                uow.commit()
            if page.done:
                break
        fields = state_fields(client)
        if conn.platform in STATE_PLATFORMS and fields:
            sweep = getattr(client, "recent_states", None)  # ports.StateSweep
            if callable(sweep):
                states |= {state.ref: state for state in sweep(STATE_SWEEP)}
            report.applied += pull_states(uow_factory, clock, conn, list(states.values()), fields)
            push_states(uow_factory, clock, conn, client, report)
        refused += sync_cases(uow_factory, deps, clock, conn, report)
    except (ChannelError, SecretsUnavailable) as exc:
        code = "secrets" if isinstance(exc, SecretsUnavailable) else _code(exc)
        report.failed.append(f"{conn.store_code}: {exc}")
        wait = exc.retry_after if isinstance(exc, ChannelError) else None
        _record(
            uow_factory,
            conn,
            clock,
            pulled,
            error=(code, str(exc)[:500]),
            backoff=_backoff(conn, code, wait, deps.jitter()),
        )
        report.pulled += pulled
        return
    finally:
        _close(client)
    report.pulled += pulled
    _record(
        uow_factory,
        conn,
        clock,
        pulled,
        error=("records", "; ".join(refused[:5])[:500]) if refused else None,
    )


# Orders, products and parcels from the platforms' order APIs

# Written in this order: an order's lines find their products, a parcel its order.
RECORD_KINDS = ("products", "orders", "parcels", "tracking")
RECORD_ERRORS_KEPT = 200  # per run: the health shows the first, the report the rest


def take_records(
    uow_factory: UowFactory,
    deps: SyncDeps,
    clock: Clock,
    conn: StoredConnection,
    records: Mapping[str, list[dict[str, object]]],
    report: SyncReport,
) -> list[str]:
    """A page's shop data written as the system, by the rules of an import (docs/imports.md):
    upserts by key, never older over newer, idempotent, so a page read again after a crash
    changes nothing. A record refused is told in the report (store, kind, record, field,
    reason) and never stops the page; a kind kefu does not know is one such refusal.
    Returns what was refused, in those words."""
    refused = [
        _refuse(report, f"{conn.store_code} {kind}: is not a kind of shop data")
        for kind in sorted(set(records) - set(RECORD_KINDS))
    ]
    for kind in RECORD_KINDS:
        items = list(records.get(kind) or [])
        for start in range(0, len(items), MAX_API_ITEMS):
            batch = items[start : start + MAX_API_ITEMS]
            try:
                done = write_records(
                    conn.store_id,
                    kind,
                    batch,
                    uow=uow_factory(),
                    clock=clock,
                    ref=deps.reference,
                    source=f"{conn.platform}_api",
                )
            except InvalidInput as exc:
                refused.append(_refuse(report, f"{conn.store_code} {kind}: {exc}"))
                continue
            for name, count in done.counts().items():
                if name != "rows":
                    report.records[name] = report.records.get(name, 0) + count
            for error in done.errors:
                number = start + (error.row or 0)
                record = _record_name(batch[number - start - 1] if error.row else None, kind)
                words = f"{conn.store_code} {kind} #{number}{record} {error.field}: {error.reason}"
                got = f" (got {error.value!r})" if error.value is not None else ""
                refused.append(_refuse(report, words + got))
    return refused


def _record_name(item: object, kind: str) -> str:
    """The record's own key (an order number, a SKU), so the owner can find it."""
    if not isinstance(item, dict):
        return ""
    key = {"products": "sku", "tracking": "tracking_number"}.get(kind, "order_number")
    return f" ({item.get(key)})" if item.get(key) else ""


def _refuse(report: SyncReport, words: str) -> str:
    log.warning("a record from a marketplace was not stored: %s", words)
    if len(report.record_errors) < RECORD_ERRORS_KEPT:
        report.record_errors.append(words)
    return words


# State both ways


_MARKS = frozenset(mark.value for mark in ColourMark)


def state_fields(client: object, attribute: str = "state_fields") -> frozenset[str]:
    """The fields the client's platform keeps (ports.StateFields); none when the client
    does not say, so a new adapter syncs no state until it maps it."""
    said = getattr(client, attribute, None)
    if not isinstance(said, frozenset | set):
        return frozenset()
    return frozenset(name for name in said if name in STATE_FIELDS)


def pushed_fields(client: object) -> frozenset[str]:
    """Those the client also pushes: all, unless it names fewer (Wish: not handled, which
    a push could not set — recording it as pushed would read the platform's unchanged
    value as a change made there)."""
    kept = state_fields(client)
    return (
        kept & state_fields(client, "pushed_fields") if hasattr(client, "pushed_fields") else kept
    )


def _said(state: ConversationState) -> dict[str, object]:
    """What the platform said of each field; a field it did not say is left out."""
    said: dict[str, object] = {}
    if state.mark_known:
        said["mark"] = state.mark if state.mark in _MARKS else None
    if state.handled is not None:
        said["handled"] = state.handled
    if state.read is not None:
        said["read"] = state.read
    if state.closed is not None:
        said["closed"] = state.closed
    return said


def _apply(conv: Conversation, name: str, value: object, now: datetime) -> None:
    """Make kefu's conversation show the platform's value of one field."""
    if name == "mark":
        conv.set_mark(ColourMark(str(value)) if value else None)
    elif name == "read":
        if value:
            conv.mark_read()
        else:
            conv.unread = True
    elif name == "closed":
        if value and conv.status != Status.CLOSED:
            conv.close(now)
        elif not value and conv.status == Status.CLOSED:
            conv.reopen()
    elif value and conv.status == Status.OPEN:  # handled on the platform: done here too
        conv.close(now)
    elif not value and conv.status == Status.CLOSED:
        conv.reopen()
    elif not value and conv.status == Status.WAITING:
        conv.status = Status.OPEN


def pull_states(
    uow_factory: UowFactory,
    clock: Clock,
    conn: StoredConnection,
    states: list[ConversationState],
    fields: Collection[str] = STATE_FIELDS,
) -> int:
    """Apply what the platform says of its conversations (of `fields`, those its platform
    has); how many fields changed in kefu.

    A field whose platform value differs from the last one kefu knew changed there; the
    platform does not say when (AliExpress dates no state change, only the last message),
    so it counts from now, the first time kefu sees it (or the platform's last message, if
    later), and wins over kefu's own change of that field unless kefu's is as new (the next
    push then sends kefu's). The first value kefu ever sees is
    taken as it stands unless a person already changed that field in kefu.
    """
    if not states:
        return 0
    now = clock.now()
    applied = 0
    by_ref = {state.ref: state for state in states}
    with uow_factory() as uow:
        for synced in uow.connections.states(conn.store_id, list(by_ref)):
            state = by_ref[synced.ref]
            # A buyer's message dates the unread/unhandled it brings: the platform's time.
            seen = max(now, state.updated_at) if state.updated_at else now
            values: dict[str, Any] = {}
            taken: dict[str, object] = {}
            for name, value in _said(state).items():
                if name not in fields:
                    continue
                known = synced.platform_by.get(name) is not None
                if known and synced.platform.get(name) == value:
                    continue  # nothing new there
                kefu_at = synced.kefu_at.get(name)
                newer = kefu_at is None or (known and kefu_at < seen)
                values |= {
                    f"platform_{name}": value,
                    f"platform_{name}_at": seen if newer or known else None,
                    f"platform_{name}_by": "platform",
                }
                if newer:
                    taken[name] = value
            if state.owner is not None and state.owner != synced.owner:
                values["platform_owner"] = state.owner[:128]  # shown; never pushed
            if not values:
                continue
            if taken:
                applied += _take(uow, synced, taken, now)
            uow.connections.save_state(
                synced.conversation_id, conn.store_id, {**values, "updated_at": now}
            )
        uow.commit()
    return applied


def _take(uow: UnitOfWork, synced: SyncedState, taken: dict[str, object], now: datetime) -> int:
    """Apply the platform's values to the conversation, audited as the platform's change
    (no account) with kefu's values before it."""
    conv = uow.inbox.get_conversation(synced.conversation_id)
    if conv is None:
        return 0
    before, was = platform_state(conv), _audited(conv)
    for name, value in taken.items():
        if before[name] != value:
            _apply(conv, name, value, now)
    after, now_is = platform_state(conv), _audited(conv)
    changed = [name for name in was if was[name] != now_is[name]]
    if not changed:
        return 0
    uow.inbox.save_conversations([conv])
    uow.inbox.audit(
        at=now,
        account_id=None,
        action="marketplace_state",
        entity_type="conversation",
        entity_id=synced.conversation_id,
        before={name: was[name] for name in changed},
        after={name: now_is[name] for name in changed},
    )
    return sum(before[name] != after[name] for name in STATE_FIELDS)


def _audited(conv: Conversation) -> dict[str, object]:
    """As the agent actions audit a conversation (kefu.services.inbox)."""
    return {
        "status": conv.status.value,
        "colour_mark": conv.colour_mark.value if conv.colour_mark else None,
        "unread": conv.unread,
    }


def push_states(
    uow_factory: UowFactory,
    clock: Clock,
    conn: StoredConnection,
    client: MarketplaceClient,
    report: SyncReport,
) -> None:
    """Push what people changed in kefu that the platform does not hold yet. A value that
    came from the platform is never pushed back (only a person's change is recorded for the
    push). A platform that is unavailable stops this run's pushes, which the next run
    retries; a change it refuses for good is recorded and not retried. Read states alone go
    by the platform's bulk update where it has one (eBay, 10 a call)."""
    fields = pushed_fields(client)
    with uow_factory() as uow:
        pending = uow.connections.pending_states(conn.store_id, fields)[:PUSHES_PER_RUN]
        changes = [_change(uow, synced, synced.pending(fields)) for synced in pending]
    many = getattr(client, "push_many", None)  # ports.StatePushMany
    batch = [(s, c) for s, c in zip(pending, changes, strict=True) if _read_only(c)]
    if callable(many) and len(batch) > 1:
        _push_batch(uow_factory, clock, conn, many, batch, report)
        batched = {s.conversation_id for s, _ in batch}
    else:
        batched = set()
    for synced, change in zip(pending, changes, strict=True):
        if synced.conversation_id in batched:
            continue
        try:
            client.push(change)
        except ChannelError as exc:
            _push_failed(uow_factory, clock, conn, synced, exc, report)
            if exc.retryable:
                raise
            continue
        _pushed(uow_factory, clock, conn, synced, synced.pending(fields), report)


def _change(uow: UnitOfWork, synced: SyncedState, due: Mapping[str, object]) -> StateChange:
    """kefu's change in kefu's words, and whether the conversation is the platform's own
    (a notice: eBay wants FROM_EBAY with its update)."""
    conv = uow.inbox.get_conversation(synced.conversation_id)
    return StateChange(
        ref=synced.ref,
        read=_bool(due.get("read")),
        handled=_bool(due.get("handled")),
        mark=_text(due.get("mark")),
        set_mark="mark" in due,
        closed=_bool(due.get("closed")),
        notice=conv is not None and conv.notices_only,
    )


def _read_only(change: StateChange) -> bool:
    return (
        change.read is not None
        and change.handled is None
        and change.closed is None
        and not change.set_mark
    )


def _push_batch(
    uow_factory: UowFactory,
    clock: Clock,
    conn: StoredConnection,
    many: Callable[[list[StateChange]], list[str]],
    batch: list[tuple[SyncedState, StateChange]],
    report: SyncReport,
) -> None:
    try:
        failed = set(many([change for _, change in batch]))
    except ChannelError as exc:
        for synced, _ in batch:
            _push_failed(uow_factory, clock, conn, synced, exc, report)
        if exc.retryable:
            raise
        return
    for synced, change in batch:
        if change.ref in failed:
            refused = ChannelError(f"{conn.platform} did not update it", retryable=False)
            _push_failed(uow_factory, clock, conn, synced, refused, report)
        else:
            _pushed(uow_factory, clock, conn, synced, {"read": change.read}, report)


def _push_failed(
    uow_factory: UowFactory,
    clock: Clock,
    conn: StoredConnection,
    synced: SyncedState,
    exc: ChannelError,
    report: SyncReport,
) -> None:
    now = clock.now()
    report.push_errors.append(f"{conn.store_code} {synced.ref}: {exc}")
    values: dict[str, Any] = {"push_error": str(exc)[:500], "updated_at": now}
    if not exc.retryable:
        values["push_refused_at"] = now
    with uow_factory() as uow:
        uow.connections.save_state(synced.conversation_id, conn.store_id, values)
        uow.commit()


def _pushed(
    uow_factory: UowFactory,
    clock: Clock,
    conn: StoredConnection,
    synced: SyncedState,
    due: Mapping[str, object],
    report: SyncReport,
) -> None:
    now = clock.now()
    values: dict[str, Any] = {"pushed_at": now, "push_error": None, "updated_at": now}
    for name, value in due.items():
        values |= {
            f"platform_{name}": value,
            f"platform_{name}_at": now,
            f"platform_{name}_by": "kefu",
        }
    with uow_factory() as uow:
        uow.connections.save_state(synced.conversation_id, conn.store_id, values)
        uow.commit()
    report.pushed += 1


def _bool(value: object) -> bool | None:
    return value if isinstance(value, bool) else None


def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _code(exc: ChannelError) -> str:
    if isinstance(exc, TokenRefused):
        return RECONNECT
    if exc.retry_after is not None:
        return "rate_limited"
    return "unavailable" if exc.retryable else "refused"


# A run that failed because the platform was busy or down makes the store wait before its
# next scheduled run (docs/channels.md "Back-off"); a refusal waits for a person instead.
BACKOFF_CODES = frozenset({"rate_limited", "unavailable"})


def _backoff(
    conn: StoredConnection, code: str, retry_after: float | None, jitter: float
) -> float | None:
    """Seconds the store waits before its next scheduled run, None for no back-off."""
    if code not in BACKOFF_CODES:
        return None
    return backoff_seconds(conn.failures + 1, jitter, retry_after)


def _record(
    uow_factory: UowFactory,
    conn: StoredConnection,
    clock: Clock,
    pulled: int,
    *,
    error: tuple[str, str] | None,
    backoff: float | None = None,
) -> None:
    now = clock.now()
    values: dict[str, Any] = {
        "last_sync_at": now,
        "last_pulled": pulled,
        "total_pulled": conn.total_pulled + pulled,
        "failures": 0,
        "retry_at": None,
    }
    if error is None:
        values |= {"last_success_at": now, "error_code": None, "error_detail": None}
    else:
        values |= {"error_code": error[0], "error_detail": error[1], "error_at": now}
        if error[0] == "records":  # the sync went through; some records were refused
            values["last_success_at"] = now
    if error is not None and backoff is not None:
        values |= {"failures": conn.failures + 1, "retry_at": now + timedelta(seconds=backoff)}
    with uow_factory() as uow:
        uow.connections.record_sync(conn.store_id, values)
        uow.commit()


def sync_cases(
    uow_factory: UowFactory,
    deps: SyncDeps,
    clock: Clock,
    conn: StoredConnection,
    report: SyncReport,
) -> list[str]:
    """The store's cases on its platform, read into kefu, and the shop's steps that have
    not reached the platform yet sent again; returns the cases refused, in words."""
    if deps.case_factory is None or deps.case_deps is None:
        return []
    with uow_factory() as uow:  # a token the message client renewed is stored there now
        conn = uow.connections.connection(conn.store_id) or conn
    client = open_case_client(deps, conn)
    if client is None:
        return []
    case_deps = deps.case_deps()
    try:
        since = clock.now() - CASE_LOOKBACK
        done = case_sync.pull_cases(uow_factory, clock, conn, client, case_deps, since)
    except ChannelError as exc:
        # The messages synced; the cases say why they did not, in the store's health.
        return [_refuse(report, f"{conn.store_code} cases: {exc}"[:500])]
    finally:
        _close(client)
    counts = {"created": done.created, "updated": done.updated, "unchanged": done.unchanged}
    counts["refused"] = len(done.refused)
    if case_deps.push_for is not None:
        counts["pushed"] = cases.push_pending(
            uow_factory, clock, case_deps.push_for, store_id=conn.store_id
        )
    for name, count in counts.items():
        report.cases[name] = report.cases.get(name, 0) + count
    return [_refuse(report, f"{conn.store_code} case {words}") for words in done.refused]


def open_case_client(deps: SyncDeps, conn: StoredConnection) -> CaseClient | None:
    """The store's case client, or None where its platform has no case API (Amazon)."""
    if deps.case_factory is None:
        return None
    try:
        opened = json.loads(deps.secrets.open(conn.credentials))
    except SecretsUnavailable as exc:
        raise ChannelError(str(exc), retryable=True) from exc
    sink = deps.token_sink(conn) if deps.token_sink is not None else None
    return deps.case_factory(conn.store_code, conn.platform, conn.base_url, opened, on_tokens=sink)


def _close(client: object) -> None:
    """Clients that hold connections (an httpx pool) have a close()."""
    close = getattr(client, "close", None)
    if callable(close):
        close()


def _client(deps: SyncDeps, conn: StoredConnection) -> MarketplaceClient:
    opened = json.loads(deps.secrets.open(conn.credentials))
    sink = deps.token_sink(conn) if deps.token_sink is not None else None
    return deps.factory(conn.store_code, conn.platform, conn.base_url, opened, on_tokens=sink)


def open_client(deps: SyncDeps, conn: StoredConnection) -> MarketplaceClient:
    """A store's client for a person's action on the platform (services/appeals.py);
    ChannelError (retryable) when its keys cannot be opened now."""
    try:
        return _client(deps, conn)
    except SecretsUnavailable as exc:
        raise ChannelError(str(exc), retryable=True) from exc


class StoreChannels:
    """The outbox's gateway: a reply of a connected store goes through its marketplace's
    API; any other (a mail conversation, a store not connected) through `fallback`."""

    def __init__(self, uow_factory: UowFactory, deps: SyncDeps, fallback: ChannelGateway) -> None:
        self.uow_factory, self.deps, self.fallback = uow_factory, deps, fallback
        self._clients: dict[tuple[int, datetime], MarketplaceClient] = {}

    def close(self) -> None:
        """Close the clients and the fallback that hold connections (httpx pools)."""
        for client in [*self._clients.values(), self.fallback]:
            _close(client)
        self._clients.clear()

    def send(self, reply: OutgoingReply) -> str:
        if reply.mail is not None:
            return self.fallback.send(reply)
        with self.uow_factory() as uow:
            conn = uow.connections.connection_by_code(reply.store_code)
        if conn is None or not conn.enabled:
            return self.fallback.send(reply)
        key = (conn.store_id, conn.updated_at)
        client = self._clients.get(key)
        if client is None:
            # A renewed token or a new connection: the store's older client goes.
            for old in [k for k in self._clients if k[0] == conn.store_id]:
                _close(self._clients.pop(old))
            try:
                client = self._clients[key] = _client(self.deps, conn)
            except SecretsUnavailable as exc:
                raise ChannelError(str(exc), retryable=True) from exc
        return client.send(reply)


def sync_now(
    who: Principal, code: str, *, uow_factory: UowFactory, deps: SyncDeps, clock: Clock
) -> SyncReport:
    """The main account asks for a store's sync now (the Stores page, the API)."""
    access.require(who, Permission.MANAGE_SHOP)
    with uow_factory() as uow:
        store = access.store(uow, who, code)
    return sync_all(uow_factory, deps, clock, store=store.code)
