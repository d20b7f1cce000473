"""State both ways with AliExpress (docs/channels.md "State both ways"), against kefu's
sandbox marketplace over real HTTP: what an agent does in kefu (mark, close, reopen, read,
reply) reaches the platform by the sync's push; a rank or dealStat set on the platform
reaches kefu by its pull; when both changed, the newer wins and both are recorded.
SQLite and PostgreSQL."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
import uvicorn
from cryptography.fernet import Fernet
from pydantic import SecretStr
from sqlalchemy import select, text

from kefu.adapters.db import tables as t
from kefu.adapters.marketplaces.sandbox import AliExpressFace, create_marketplace_sandbox
from kefu.bootstrap import Kefu
from kefu.services import inbox, sync
from kefu.services.ports import ChannelError, StateChange
from tests.factories import acting
from tests.integration.test_marketplace_sync import APP_KEY, SECRET, TOKEN, conversation_id


@pytest.fixture
def face(kefu: Kefu) -> AliExpressFace:
    """The platform runs on kefu's test clock (set at the real time: the gateway checks the
    client's timestamp), so which change is newer is the test's to say."""
    kefu.clock._now = datetime.now(UTC)  # type: ignore[attr-defined]
    face = AliExpressFace(clock=lambda: kefu.clock.now().timestamp())
    face.add_app(APP_KEY, SECRET)
    face.grant(TOKEN, time.time() + 3600)
    return face


@pytest.fixture
def connected(kefu: Kefu, face: AliExpressFace) -> Iterator[Kefu]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config = uvicorn.Config(
        create_marketplace_sandbox(face), host="127.0.0.1", port=port, log_level="warning"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "the sandbox did not start"
        time.sleep(0.02)
    kefu.settings.secret_key = SecretStr(Fernet.generate_key().decode())
    kefu.__dict__.pop("secrets", None)
    kefu.__dict__.pop("marketplaces", None)
    sync.connect_store(
        acting(kefu),
        "ali-global",
        base_url=f"http://127.0.0.1:{port}/aliexpress",
        credentials={"app_key": APP_KEY, "app_secret": SECRET, "access_token": TOKEN},
        secrets=kefu.secrets,
        uow=kefu.uow(),
        clock=kefu.clock,
    )
    yield kefu
    server.should_exit = True
    thread.join(5)


RANK = "aliexpress.message.redefining.versiontwo.updatemsgrank"
PUSHES = ("updatemsgrank", "updatemsgprocessed", "updatemsgread")


def synced_conversation(kefu: Kefu, face: AliExpressFace, buyer: str = "es777") -> tuple[str, int]:
    channel = face.open_channel(buyer, "Lucía")
    face.buyer_writes(channel, "¿Dónde está mi pedido?")
    report = kefu.sync_marketplaces("ali-global")
    assert report.failed == [] and report.push_errors == []
    return channel, conversation_id(kefu, channel)


def kefu_side(kefu: Kefu, conv: int) -> tuple[str | None, str, bool]:
    with kefu.engine.connect() as conn:
        row = conn.execute(
            text("SELECT colour_mark, status, unread FROM conversations WHERE id = :i"), {"i": conv}
        ).one()
    return row.colour_mark, row.status, bool(row.unread)


def state_row(kefu: Kefu, conv: int) -> t.MarketplaceState:
    with kefu.session_factory() as session:
        row = session.scalars(
            select(t.MarketplaceState).where(t.MarketplaceState.conversation_id == conv)
        ).one()
        session.expunge(row)
    return row


def pushes(face: AliExpressFace) -> list[str]:
    return [call.rsplit(".", 1)[-1] for call in face.calls if call.endswith(PUSHES)]


def audit(kefu: Kefu, conv: int, action: str) -> list[tuple[dict[str, object], dict[str, object]]]:
    with kefu.session_factory() as session:
        rows = session.scalars(
            select(t.AuditEntry)
            .where(t.AuditEntry.entity_id == conv, t.AuditEntry.action == action)
            .order_by(t.AuditEntry.id)
        ).all()
    return [(dict(r.before or {}), dict(r.after or {})) for r in rows]


def test_marking_closing_and_reading_in_kefu_reach_the_platform(
    connected: Kefu, face: AliExpressFace
) -> None:
    kefu = connected
    channel, conv = synced_conversation(kefu, face)
    assert face.channel(channel)["rank"] == 0 and not face.channel(channel)["read"]
    owner, clock = acting(kefu), kefu.clock
    kefu.clock.advance(seconds=1)  # type: ignore[attr-defined]

    inbox.set_mark(owner, conv, "blue", uow=kefu.uow(), clock=clock)
    report = kefu.sync_marketplaces("ali-global")
    assert report.pushed == 1 and face.channel(channel)["rank"] == 4
    assert face.channel(channel)["handled"] is False  # only what changed is pushed

    inbox.close(owner, conv, uow=kefu.uow(), clock=clock)  # closing also reads it in kefu
    kefu.sync_marketplaces("ali-global")
    assert (face.channel(channel)["handled"], face.channel(channel)["read"]) == (True, True)

    inbox.reopen(owner, conv, uow=kefu.uow(), clock=clock)
    kefu.sync_marketplaces("ali-global")
    assert face.channel(channel)["handled"] is False

    kefu.clock.advance(seconds=1)  # type: ignore[attr-defined]
    face.buyer_writes(channel, "¿Hola?")  # later, unread again on both sides
    kefu.sync_marketplaces("ali-global")
    assert kefu_side(kefu, conv)[2] is True and face.channel(channel)["read"] is False
    kefu.clock.advance(seconds=1)  # type: ignore[attr-defined]
    inbox.mark_read(owner, conv, uow=kefu.uow(), clock=clock)  # the agent opens it
    kefu.sync_marketplaces("ali-global")
    assert face.channel(channel)["read"] is True and face.channel(channel)["unread"] == 0

    # Idempotent: nothing changed since, nothing is pushed again.
    before = len(pushes(face))
    again = kefu.sync_marketplaces("ali-global")
    assert again.pushed == 0 and len(pushes(face)) == before
    row = state_row(kefu, conv)
    assert (row.kefu_mark, row.platform_mark, row.platform_mark_by) == ("blue", "blue", "kefu")


def test_a_reply_pushes_read_and_handled(connected: Kefu, face: AliExpressFace) -> None:
    kefu = connected
    channel, conv = synced_conversation(kefu, face)
    kefu.clock.advance(seconds=1)  # type: ignore[attr-defined]
    assert inbox.reply(
        acting(kefu), conv, "Sale mañana.", request_id="st-1", uow=kefu.uow(),
        clock=kefu.clock, gate=kefu.gate,
    )  # fmt: skip
    assert kefu.deliver_outbox().delivered == 1
    kefu.sync_marketplaces("ali-global")
    seen = face.channel(channel)
    assert (seen["read"], seen["handled"]) == (True, True)
    assert [m["content"] for m in seen["messages"] if m["own"]] == ["Sale mañana."]


def test_a_rank_and_handled_set_on_the_platform_reach_kefu_and_are_not_pushed_back(
    connected: Kefu, face: AliExpressFace
) -> None:
    kefu = connected
    channel, conv = synced_conversation(kefu, face)
    kefu.clock.advance(seconds=1)  # type: ignore[attr-defined]
    face.seller_sets(channel, rank=5)
    report = kefu.sync_marketplaces("ali-global")
    assert report.applied == 1 and kefu_side(kefu, conv)[0] == "purple"
    assert audit(kefu, conv, "marketplace_state") == [
        ({"colour_mark": None}, {"colour_mark": "purple"})
    ]

    face.seller_sets(channel, rank=2, handled=True, read=True)  # orange: kefu's yellow
    kefu.clock.advance(seconds=1)  # type: ignore[attr-defined]
    kefu.sync_marketplaces("ali-global")
    assert kefu_side(kefu, conv) == ("yellow", "closed", False)
    face.seller_sets(channel, rank=0, handled=False)
    kefu.clock.advance(seconds=1)  # type: ignore[attr-defined]
    kefu.sync_marketplaces("ali-global")
    assert kefu_side(kefu, conv) == (None, "open", False)
    kefu.sync_marketplaces("ali-global")
    assert pushes(face) == []  # what came from the platform never goes back to it


def test_conflicts_the_newer_change_wins_and_both_are_recorded(
    connected: Kefu, face: AliExpressFace
) -> None:
    kefu = connected
    channel, conv = synced_conversation(kefu, face)
    owner, clock = acting(kefu), kefu.clock

    # kefu first, then the platform: the platform's (seen at the sync) is newer.
    clock.advance(seconds=1)  # type: ignore[attr-defined]
    inbox.set_mark(owner, conv, "red", uow=kefu.uow(), clock=clock)
    marked_at: datetime = clock.now()
    face.seller_sets(channel, rank=3)
    clock.advance(seconds=1)  # type: ignore[attr-defined]
    kefu.sync_marketplaces("ali-global")
    assert kefu_side(kefu, conv)[0] == "green" and face.channel(channel)["rank"] == 3
    row = state_row(kefu, conv)
    assert (row.kefu_mark, row.kefu_mark_at) == ("red", marked_at)
    assert (row.platform_mark, row.platform_mark_by) == ("green", "platform")
    assert row.platform_mark_at is not None and row.platform_mark_at > marked_at
    assert audit(kefu, conv, "set_mark")[-1][1] == {"colour_mark": "red"}
    assert audit(kefu, conv, "marketplace_state")[-1] == (
        {"colour_mark": "red"},
        {"colour_mark": "green"},
    )
    assert RANK not in face.calls

    # The platform first (seen by a sync), then kefu: kefu's is newer and is pushed.
    clock.advance(seconds=1)  # type: ignore[attr-defined]
    inbox.set_mark(owner, conv, "purple", uow=kefu.uow(), clock=clock)
    kefu.sync_marketplaces("ali-global")
    assert face.channel(channel)["rank"] == 5 and kefu_side(kefu, conv)[0] == "purple"

    # Both at the same moment (no time between them): kefu's, the one a person made, wins.
    inbox.set_mark(owner, conv, "blue", uow=kefu.uow(), clock=clock)
    face.seller_sets(channel, rank=1)
    kefu.sync_marketplaces("ali-global")
    assert face.channel(channel)["rank"] == 4 and kefu_side(kefu, conv)[0] == "blue"
    row = state_row(kefu, conv)
    assert (row.platform_mark, row.platform_mark_by, row.kefu_mark) == ("blue", "kefu", "blue")


class Flaky:
    """A client whose pushes fail `failures` times (retryable or not), then go through."""

    state_fields = frozenset({"mark", "handled", "read"})

    def __init__(self, failures: int, *, retryable: bool) -> None:
        self.failures, self.retryable = failures, retryable
        self.pushed: list[StateChange] = []

    def push(self, change: StateChange) -> None:
        if self.failures:
            self.failures -= 1
            raise ChannelError("AliExpress answered with HTTP 503", retryable=self.retryable)
        self.pushed.append(change)


def test_a_push_is_retried_after_a_channel_error_and_a_refusal_is_not(
    connected: Kefu, face: AliExpressFace
) -> None:
    kefu = connected
    channel, conv = synced_conversation(kefu, face)
    clock = kefu.clock
    clock.advance(seconds=1)  # type: ignore[attr-defined]
    inbox.set_mark(acting(kefu), conv, "green", uow=kefu.uow(), clock=clock)
    with kefu.uow() as uow:
        store = uow.connections.connection_by_code("ali-global")
    assert store is not None

    flaky = Flaky(1, retryable=True)
    report = sync.SyncReport()
    with pytest.raises(ChannelError):
        sync.push_states(kefu.uow, clock, store, flaky, report)  # type: ignore[arg-type]
    assert state_row(kefu, conv).push_error and len(report.push_errors) == 1
    sync.push_states(kefu.uow, clock, store, flaky, report)  # type: ignore[arg-type]
    assert [(c.ref, c.mark, c.set_mark, c.read) for c in flaky.pushed] == [
        (channel, "green", True, None)
    ]
    assert state_row(kefu, conv).push_error is None
    sync.push_states(kefu.uow, clock, store, flaky, report)  # type: ignore[arg-type]
    assert len(flaky.pushed) == 1  # pushed once

    clock.advance(seconds=1)  # type: ignore[attr-defined]
    inbox.set_mark(acting(kefu), conv, "red", uow=kefu.uow(), clock=clock)
    refusing = Flaky(1, retryable=False)
    sync.push_states(kefu.uow, clock, store, refusing, report)  # type: ignore[arg-type]
    sync.push_states(kefu.uow, clock, store, refusing, report)  # type: ignore[arg-type]
    assert refusing.pushed == []  # refused for good: not retried until the next change
    clock.advance(seconds=1)  # type: ignore[attr-defined]
    inbox.set_mark(acting(kefu), conv, "purple", uow=kefu.uow(), clock=clock)
    sync.push_states(kefu.uow, clock, store, refusing, report)  # type: ignore[arg-type]
    assert [c.mark for c in refusing.pushed] == ["purple"]


def test_a_store_not_connected_records_no_state(kefu: Kefu) -> None:
    row = {
        "store": "ali-global",
        "message_id": "m-not-connected",
        "conversation_id": "c-not-connected",
        "buyer_id": "b1",
        "sent_at": kefu.clock.now().isoformat(),
        "text": "Hello",
    }
    assert inbox.ingest([row], kefu.uow(), kefu.clock).accepted == 1
    conv = conversation_id(kefu, "c-not-connected")
    inbox.set_mark(acting(kefu), conv, "blue", uow=kefu.uow(), clock=kefu.clock)
    inbox.mark_read(acting(kefu), conv, uow=kefu.uow(), clock=kefu.clock)
    with kefu.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM marketplace_states")).scalar() == 0
