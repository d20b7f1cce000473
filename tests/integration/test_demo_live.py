"""The demo's live marketplace (kefu.demo.live): buyers writing on the sandbox's three faces
reach a demo shop's inbox through the real adapters, and an agent's reply reaches the
platform's side — what a newcomer watches after `make demo`."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from pydantic import SecretStr
from sqlalchemy import text

from kefu.bootstrap import Kefu
from kefu.demo.live import LIVE_STORES, LiveMarket, connect_live_stores
from kefu.services import inbox
from tests.factories import acting
from tests.integration.test_demo import build
from tests.sandbox_server import serve_app


@pytest.fixture
def demo(tmp_path: Path) -> Kefu:
    kefu, _ = build(tmp_path / "demo.db", 0.01)
    kefu.settings.secret_key = SecretStr(Fernet.generate_key().decode())
    kefu.__dict__.pop("secrets", None)
    return kefu


def live_conversations(kefu: Kefu) -> Counter[str]:
    with kefu.engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT s.code FROM conversations c JOIN stores s ON s.id = c.store_id"
                " WHERE s.code IN ('ali-live', 'ebay-live', 'wish-live')"
            )
        ).all()
    return Counter(r.code for r in rows)


def test_buyers_on_the_sandbox_reach_the_demo_inbox_and_replies_reach_them(demo: Kefu) -> None:
    kefu = demo
    market = LiveMarket.create(seed=3)
    written = Counter(market.buyer_writes() for _ in range(30))
    assert set(written) == {"aliexpress", "ebay", "wish"}
    opened = {p: len(refs) for p, refs in market.opened.items()}
    with serve_app(market.app()) as url:
        codes = connect_live_stores(kefu, market, url)
        assert codes == [s.code for s in LIVE_STORES] and len(codes) == 3
        # Connecting again (the demo served a second time) keeps one of each.
        connect_live_stores(kefu, market, url)
        report = kefu.sync_marketplaces()
        assert (report.stores, report.failed) == (3, [])
        by_platform = {s.code: s.platform for s in LIVE_STORES}
        assert {by_platform[c]: n for c, n in live_conversations(kefu).items()} == opened

        with kefu.engine.connect() as conn:
            conv_id, ref = conn.execute(
                text(
                    "SELECT c.id, c.platform_conversation_id FROM conversations c"
                    " JOIN stores s ON s.id = c.store_id WHERE s.code = 'ali-live'"
                    " ORDER BY c.id LIMIT 1"
                )
            ).one()
        assert inbox.reply(
            acting(kefu),
            conv_id,
            "Thank you for writing — yes, it is in stock.",
            request_id="live-1",
            uow=kefu.uow(),
            clock=kefu.clock,
            gate=kefu.gate,
        )
        assert kefu.deliver_outbox().delivered == 1
        own = [m["content"] for m in market.aliexpress.channel(ref)["messages"] if m["own"]]
        assert own == ["Thank you for writing — yes, it is in stock."]

        # Buyers open after-sale cases on the platforms: they arrive by the next sync.
        refs = market.open_cases()
        assert len(refs) == 4
        created = 0
        for code in codes:  # each store now, not when its interval has passed
            report = kefu.sync_marketplaces(code)
            assert report.failed == [], report.failed
            created += report.cases.get("created", 0)
        assert created == 4
        with kefu.engine.connect() as conn:
            arrived = conn.execute(
                text("SELECT kind, platform_due_source FROM cases ORDER BY kind")
            ).all()
        assert [tuple(r) for r in arrived] == [
            ("cancellation", "platform"),
            ("dispute", "computed"),
            ("refund", "computed"),
            ("return", "platform"),
        ]
    kefu.close()
