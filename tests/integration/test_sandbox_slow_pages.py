"""A platform's slow page (the sandbox's `Pace`): the client's timeout makes it a
retryable failure in words on the store's health, nothing is stored half, and the next
sync goes on from the cursor and brings everything."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime

import httpx
from cryptography.fernet import Fernet
from pydantic import SecretStr

from kefu.adapters.marketplaces.sandbox import Pace, create_marketplace_sandbox
from kefu.bootstrap import Kefu, marketplace_client
from kefu.services import sync
from kefu.services.ports import MarketplaceClient, TokenSink
from tests.factories import acting
from tests.integration.test_marketplace_sync import thread
from tests.sandbox_server import APP_KEY, SECRET, TOKEN, aliexpress_face, serve_app


def impatient(
    store: str,
    platform: str,
    base_url: str,
    credentials: Mapping[str, str],
    /,
    on_tokens: TokenSink | None = None,
) -> MarketplaceClient:
    """The shop's client for the store, waiting at most half a second for an answer."""
    http = httpx.Client(timeout=0.5)
    return marketplace_client(store, platform, base_url, credentials, on_tokens, http=http)


def test_a_slow_page_fails_in_words_and_the_next_sync_brings_it(kefu: Kefu) -> None:
    kefu.clock._now = datetime.now(UTC)  # type: ignore[attr-defined]
    face, pace = aliexpress_face(), Pace()
    channel = face.open_channel("it4440001abc", "Giulia")
    face.buyer_writes(channel, "Ciao, quando arriva il pacco?")
    with serve_app(create_marketplace_sandbox(face, pace=pace)) as root:
        kefu.settings.secret_key = SecretStr(Fernet.generate_key().decode())
        kefu.__dict__.pop("secrets", None)
        sync.connect_store(
            acting(kefu),
            "ali-global",
            base_url=f"{root}/aliexpress",
            credentials={"app_key": APP_KEY, "app_secret": SECRET, "access_token": TOKEN},
            secrets=kefu.secrets,
            uow=kefu.uow(),
            clock=kefu.clock,
        )
        deps = sync.SyncDeps(kefu.secrets, impatient, kefu.live_ingest_options, kefu.reference)
        pace.slow(1.5)  # the first call of the run: the run stops there
        slow = sync.sync_all(kefu.uow, deps, kefu.clock, store="ali-global")
        assert slow.stored == 0 and len(slow.failed) == 1 and "in time" in slow.failed[0]
        with kefu.uow() as uow:
            health = uow.connections.connection_by_code("ali-global")
        assert health is not None and health.error_code == "unavailable"
        assert thread(kefu, channel) == []
        again = sync.sync_all(kefu.uow, deps, kefu.clock, store="ali-global")
        assert again.failed == [] and again.stored == 1
        assert thread(kefu, channel) == [("buyer", "Ciao, quando arriva il pacco?")]
