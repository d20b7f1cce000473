"""An eBay store's listing questions through its sync (docs/channels.md "eBay Trading"):
the eBay client with the Trading API beside it, over real HTTP against the sandbox."""

from __future__ import annotations

import time
from datetime import UTC, datetime

from cryptography.fernet import Fernet
from pydantic import SecretStr

from kefu.adapters.marketplaces.ebay_trading import ask_ref
from kefu.adapters.marketplaces.sandbox import EbayFace, TradingFace, create_marketplace_sandbox
from kefu.bootstrap import Kefu
from kefu.services import inbox, sync
from tests.factories import acting
from tests.integration.test_marketplace_sync import conversation_id, thread
from tests.sandbox_server import serve_app

TOKEN = "ebay-questions-token"


def test_questions_sync_into_the_inbox_and_an_answer_goes_back_once(kefu: Kefu) -> None:
    """Through the store's sync (the eBay client with the Trading API beside it) over
    real HTTP: a buyer's question becomes a conversation, the agent's reply answers it by
    AddMemberMessageRTQ, and the answer pulled back is the same message, not a second."""
    kefu.clock._now = datetime.now(UTC)  # type: ignore[attr-defined]
    ebay = EbayFace(clock=lambda: kefu.clock.now().timestamp(), seller_username="sunrise-outlet")
    ebay.grant(TOKEN, time.time() + 3600)
    trading = TradingFace(ebay)
    asked = trading.buyer_asks("110552301234", "olivia_b_uk", "Does it ship to Ireland?")
    with serve_app(create_marketplace_sandbox(ebay=ebay, ebay_trading=trading)) as root:
        kefu.settings.secret_key = SecretStr(Fernet.generate_key().decode())
        for cached in ("secrets", "marketplaces"):
            kefu.__dict__.pop(cached, None)
        sync.connect_store(
            acting(kefu),
            "ebay-uk",
            base_url=f"{root}/ebay",
            credentials={"access_token": TOKEN, "seller_username": "sunrise-outlet"},
            secrets=kefu.secrets,
            uow=kefu.uow(),
            clock=kefu.clock,
        )
        report = kefu.sync_marketplaces("ebay-uk")
        assert report.failed == [] and report.stored == 1
        ref = ask_ref("110552301234", "olivia_b_uk")
        conv = conversation_id(kefu, ref)
        assert thread(kefu, ref) == [("buyer", "Does it ship to Ireland?")]
        assert inbox.reply(
            acting(kefu),
            conv,
            "Yes, it reaches Ireland in 3 to 5 working days.",
            request_id="asq-1",
            uow=kefu.uow(),
            clock=kefu.clock,
            gate=kefu.gate,
        )
        assert kefu.deliver_outbox().delivered == 1
        assert trading.asked[asked].responses == ["Yes, it reaches Ireland in 3 to 5 working days."]
        kefu.clock.advance(seconds=1)  # type: ignore[attr-defined]
        again = kefu.sync_marketplaces("ebay-uk")
        assert again.failed == [] and again.stored == 0  # the answer came back as itself
        assert [d for d, _ in thread(kefu, ref)] == ["buyer", "shop"]
