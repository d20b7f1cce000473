"""`kefu sync --store S` killed (SIGKILL) in the middle of a first sync, at several points,
and started again: every message the platform holds is in the inbox exactly once, and
every conversation shows the platform's state (docs/channels.md "Sync"). A real process
against kefu's sandbox marketplace over HTTP; SQLite, and PostgreSQL with
KEFU_TEST_DATABASE_URL."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from pydantic import SecretStr
from sqlalchemy import text

from kefu.adapters.marketplaces.aliexpress import mark_of_rank
from kefu.adapters.marketplaces.sandbox import AliExpressFace
from kefu.bootstrap import Kefu
from kefu.services import sync
from tests.factories import acting
from tests.sandbox_server import APP_KEY, SECRET, TOKEN, aliexpress_face, serve_sandbox

ROOT = Path(__file__).resolve().parents[2]
# 150 conversations: two pages of AliExpress's 100, and 150 detail calls at the gateway's
# budget of 15 a second — about ten seconds a full run, time to kill it twice.
CONVERSATIONS, PER_CONVERSATION = 150, 3


@pytest.fixture
def face() -> AliExpressFace:
    face = aliexpress_face()
    for n in range(CONVERSATIONS):
        channel = face.open_channel(f"buyer{n:04d}", f"Buyer {n}")
        for k in range(PER_CONVERSATION):
            face.buyer_writes(channel, f"message {k} of buyer {n}")
        if n % 3 == 0:
            face.shop_writes(channel, f"reply to buyer {n}")
        face.seller_sets(channel, rank=n % 6, read=n % 2 == 0)
    return face


@pytest.fixture
def sandbox_url(face: AliExpressFace) -> Iterator[str]:
    with serve_sandbox(face) as url:
        yield url


def kefu_sync(kefu: Kefu, log: Path) -> subprocess.Popen[bytes]:
    assert kefu.settings.secret_key is not None
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT / "src") + os.pathsep + str(ROOT),
        "KEFU_DATABASE_URL": kefu.settings.database_url,
        "KEFU_SECRET_KEY": kefu.settings.secret_key.get_secret_value(),
        "KEFU_QUEUE_URL": "memory://",
    }
    command = [sys.executable, "-m", "kefu", "sync", "--store", "ali-global"]
    with log.open("ab") as out:
        return subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, env=env)


def stored(kefu: Kefu) -> tuple[int, str | None]:
    """(messages in the inbox, the store's sync cursor)."""
    with kefu.engine.connect() as conn:
        count = conn.execute(text("SELECT count(*) FROM messages")).scalar_one()
        cursor = conn.execute(text("SELECT cursor FROM store_connections")).scalar()
    return int(count), cursor


def kill_when(process: subprocess.Popen[bytes], ready: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + 120
    while not ready():
        assert process.poll() is None, f"kefu sync ended before {what}"
        assert time.monotonic() < deadline, f"waited two minutes for {what}"
        time.sleep(0.01)
    process.send_signal(signal.SIGKILL)
    process.wait()


def test_a_sync_killed_at_several_points_loses_nothing_and_stores_nothing_twice(
    kefu: Kefu, face: AliExpressFace, sandbox_url: str, tmp_path: Path
) -> None:
    kefu.clock._now = datetime.now(UTC)  # type: ignore[attr-defined]
    kefu.settings.secret_key = SecretStr(Fernet.generate_key().decode())
    kefu.__dict__.pop("secrets", None)
    sync.connect_store(
        acting(kefu),
        "ali-global",
        base_url=sandbox_url,
        credentials={"app_key": APP_KEY, "app_secret": SECRET, "access_token": TOKEN},
        secrets=kefu.secrets,
        uow=kefu.uow(),
        clock=kefu.clock,
    )
    log = tmp_path / "sync.log"
    before, _ = stored(kefu)
    calls = face.calls
    try:
        # 1: in the middle of the first message page's detail calls: no message stored
        # yet (the pass's order page, empty, may have moved the cursor already).
        run = kefu_sync(kefu, log)
        kill_when(run, lambda: len(calls) >= 40, "40 calls")
        assert stored(kefu)[0] == before
        # 2: right after the first message page is stored with its cursor.
        run = kefu_sync(kefu, log)
        kill_when(run, lambda: stored(kefu)[0] > before, "the first page")
        assert stored(kefu)[1] is not None
        # 3: in the middle of the second page.
        run, asked = kefu_sync(kefu, log), len(calls)
        kill_when(run, lambda: len(calls) >= asked + 20, "20 more calls")
        # 4: to the end.
        run = kefu_sync(kefu, log)
        assert run.wait(timeout=180) == 0
    except BaseException:
        print(log.read_text()[-4000:])  # shown with the failure
        raise
    finally:
        if run.poll() is None:
            run.kill()
    assert log.read_text().count("1 stores") == 1  # the two killed runs never reported

    with kefu.engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT m.platform_message_id AS ref, count(*) AS n FROM messages m JOIN stores s"
                " ON s.id = m.store_id WHERE s.code = 'ali-global' GROUP BY m.platform_message_id"
            )
        ).all()
        states = {
            r.ref: (r.colour_mark, bool(r.unread))
            for r in conn.execute(
                text(
                    "SELECT c.platform_conversation_id AS ref, c.colour_mark, c.unread"
                    " FROM conversations c JOIN stores s ON s.id = c.store_id"
                    " WHERE s.code = 'ali-global'"
                )
            )
        }
    held = {str(m.id) for channel in face.channels.values() for m in channel.messages}
    assert len(held) == CONVERSATIONS * PER_CONVERSATION + len(range(0, CONVERSATIONS, 3))
    assert {r.ref for r in rows} == held  # nothing lost
    assert {r.n for r in rows} == {1}  # nothing twice
    assert len(states) == CONVERSATIONS
    assert states == {
        ref: (mark_of_rank(channel.rank), not channel.read)
        for ref, channel in face.channels.items()
    }
