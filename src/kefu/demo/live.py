"""The demo's live marketplace (docs/channels.md "Watch it in the demo").

kefu's sandbox marketplace serves inside the demo server at /marketplace; three demo stores
are connected to its AliExpress, eBay and Wish faces through the same adapters a shop's
real stores use; and buyers write there a few times a minute. A newcomer watches messages
arrive by sync, answers one, and sees on the platform's side the reply, the read state,
handled and the colour rank. These stores hold only what came through the sandbox, so
every reply to them has a conversation on the platform to go to.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from starlette.applications import Starlette

from kefu.bootstrap import (
    AliExpressFace,
    EbayFace,
    Kefu,
    WishFace,
    aliexpress_cases,
    create_marketplace_sandbox,
    ebay_cases,
    wish_cases,
)
from kefu.demo.conversations import SIZES, Corpus, load_corpus
from kefu.domain.stores import StoreDraft
from kefu.services import shop, sync

log = logging.getLogger(__name__)

MOUNT = "/marketplace"
# The sandbox's own app and tokens: known to the faces and sealed in the connections.
APP_KEY, APP_SECRET = "demo-app", "demo-app-secret"  # the sandbox's, not a shop's
TOKENS = {"aliexpress": "demo-ali-token", "ebay": "demo-ebay-token", "wish": "demo-wish-token"}
TOKEN_LIFE = 10 * 365 * 86400.0  # the demo's tokens do not expire


@dataclass(frozen=True)
class LiveStore:
    code: str
    name: str
    platform: str
    site: str
    currency: str
    timezone: str
    holiday_country: str


LIVE_STORES = (
    LiveStore(
        "ali-live",
        "Sunrise Live · AliExpress sandbox",
        "aliexpress",
        "aliexpress.com",
        "USD",
        "Asia/Shanghai",
        "CN",
    ),
    LiveStore(
        "ebay-live",
        "Sunrise Live · eBay sandbox",
        "ebay",
        "ebay.co.uk",
        "GBP",
        "Europe/London",
        "GB",
    ),
    LiveStore(
        "wish-live",
        "Sunrise Live · Wish sandbox",
        "wish",
        "wish.com",
        "USD",
        "America/Los_Angeles",
        "US",
    ),
)
# The demo agents who take the live stores (with the owner, who sees every store).
LIVE_AGENTS = ("wangwei", "zhangmin")
# What buyers ask before they buy: nothing about an order kefu does not hold.
INTENTS = ("product_stock", "product_price", "product_size", "product_detail", "wholesale_sample")
PRODUCTS = ("wireless earbuds", "linen summer dress", "phone case", "hiking backpack")


@dataclass
class LiveMarket:
    """The three faces and the buyers who write on them."""

    aliexpress: AliExpressFace
    ebay: EbayFace
    wish: WishFace
    rng: random.Random
    corpus: dict[str, Corpus]
    written: int = 0
    # Conversations buyers have opened, per platform: they may write again.
    opened: dict[str, list[tuple[str, str]]] = field(default_factory=dict)

    @classmethod
    def create(cls, seed: int = 7, clock: Callable[[], float] = time.time) -> LiveMarket:
        ali = AliExpressFace(clock=clock)
        ali.add_app(APP_KEY, APP_SECRET)
        ali.grant(TOKENS["aliexpress"], clock() + TOKEN_LIFE)
        ebay = EbayFace(clock=clock)
        ebay.grant(TOKENS["ebay"], clock() + TOKEN_LIFE)
        wish = WishFace(clock=clock)
        wish.grant(TOKENS["wish"], clock() + TOKEN_LIFE)
        return cls(ali, ebay, wish, random.Random(seed), load_corpus())

    def app(self) -> Starlette:
        return create_marketplace_sandbox(self.aliexpress, self.ebay, self.wish)

    def buyer_writes(self) -> str:
        """One buyer message on a face: a new conversation, or a buyer writing again."""
        platform = self.rng.choice(("aliexpress", "ebay", "wish"))
        language = self.rng.choice(sorted(self.corpus))
        corpus = self.corpus[language]
        text = self._text(corpus)
        name = f"{self.rng.choice(corpus.first_names)} {self.rng.choice(corpus.last_names)}"
        earlier = self.opened.setdefault(platform, [])
        again = earlier and self.rng.random() < 0.35
        if platform == "aliexpress":
            if again:
                self.aliexpress.buyer_writes(self.rng.choice(earlier)[0], text)
            else:
                login = f"{language}{self.rng.randrange(10**8):08d}"
                ref = self.aliexpress.open_channel(login, name)
                self.aliexpress.buyer_writes(ref, text)
                earlier.append((ref, name))
        elif platform == "ebay":
            if again:
                self.ebay.buyer_writes(self.rng.choice(earlier)[0], text)
            else:
                username = f"{name.split()[0].lower()}_{self.rng.randrange(1000, 9999)}"
                ref = self.ebay.open_conversation(username, title=text[:60])
                self.ebay.buyer_writes(ref, text)
                earlier.append((ref, username))
        elif again:
            self.wish.buyer_replies(self.rng.choice(earlier)[0], text)
        else:
            ref = self.wish.buyer_opens(
                name, text, subject=text[:60], ticket_type="PRE_PURCHASE", locale=language
            )
            earlier.append((ref, name))
        self.written += 1
        return platform

    def open_cases(self) -> list[str]:
        """After-sale cases buyers open on the platforms (docs/cases.md): they arrive in
        kefu by the sync, with the platform's own deadline where it gives one."""
        gb = self.ebay.orders.place(
            "olivia_b", "Olivia Brown", [("SCARF-GREY", "Merino Scarf, Grey", 1, "19.99")]
        )
        mug = self.ebay.orders.place(
            "tom_h", "Tom Hughes", [("MUG-ENAMEL", "Enamel Camping Mug", 2, "8.99")]
        )
        refs = ebay_cases.seed_cases(
            self.ebay,
            [
                ebay_cases.Seed("cancellation", gb, buyer="olivia_b", amount="19.99"),
                ebay_cases.Seed(
                    "return", mug, buyer="tom_h", amount="17.98", age_days=1.0,
                    comments="One mug arrived chipped on the rim.",
                ),
            ],
        )  # fmt: skip
        dress = self.aliexpress.orders.place(
            "ru1000000777", "Anna Petrova", [("DRESS-LINEN-M", "Linen Summer Dress M", 1, "24.90")]
        )
        refs += aliexpress_cases.seed_cases(
            self.aliexpress,
            [
                aliexpress_cases.Seed(
                    dress, buyer="ru1000000777", refund_cents=2490, max_cents=2490,
                    content="Платье пришло с дыркой на шве.",
                )
            ],
        )  # fmt: skip
        refs += [ref for ref, _ in wish_cases.seed_cases(self.wish, [wish_cases.Seed()])]
        return refs

    def _text(self, corpus: Corpus) -> str:
        intent = self.rng.choice([i for i in INTENTS if corpus.buyer.get(i)])
        slots = {
            "product": self.rng.choice(PRODUCTS),
            "size": self.rng.choice(SIZES),
            "quantity": str(self.rng.choice((20, 50, 100))),
            "amount": f"{self.rng.randrange(8, 60)} USD",
        }
        text = self.rng.choice(corpus.buyer[intent])
        try:
            return text.format(**slots) if "{" in text else text
        except (KeyError, IndexError):
            return text.replace("{", "").replace("}", "")

    def start_buyers(self, every_seconds: float, stop: threading.Event) -> threading.Thread:
        """Buyers write one message every `every_seconds` (give or take a third) until
        `stop` is set."""

        def run() -> None:
            while not stop.wait(every_seconds * self.rng.uniform(0.67, 1.33)):
                try:
                    self.buyer_writes()
                except Exception:  # a demo buyer never stops the server
                    log.exception("the demo buyer could not write")

        thread = threading.Thread(target=run, name="kefu-demo-buyers", daemon=True)
        thread.start()
        return thread


def connect_live_stores(kefu: Kefu, market: LiveMarket, base_url: str) -> list[str]:
    """Create the live stores (once) and connect them to the market at `base_url` (the demo
    server's /marketplace), as the owner would on the Stores page; the store codes."""
    who = kefu.auth.operator(uow=kefu.uow())
    with kefu.uow() as uow:
        known = {s.code for s in uow.queries.stores()}
    for store in LIVE_STORES:
        if store.code not in known:
            shop.create_store(
                who,
                StoreDraft(
                    code=store.code,
                    platform=store.platform,
                    site=store.site,
                    name=store.name,
                    currency=store.currency,
                    timezone=store.timezone,
                    holiday_country=store.holiday_country,
                ),
                checks=kefu.store_checks,
                uow=kefu.uow(),
                clock=kefu.clock,
            )
    _give_to_agents(kefu)
    credentials = {
        "aliexpress": {
            "app_key": APP_KEY,
            "app_secret": APP_SECRET,
            "access_token": TOKENS["aliexpress"],
            "seller_login_id": market.aliexpress.seller[0],
        },
        "ebay": {"access_token": TOKENS["ebay"], "seller_username": "kefu-demo-shop"},
        "wish": {"access_token": TOKENS["wish"]},
    }
    for store in LIVE_STORES:
        sync.connect_store(
            who,
            store.code,
            base_url=f"{base_url.rstrip('/')}/{store.platform}",
            credentials=credentials[store.platform],
            interval_minutes=1,
            backfill_days=1,
            secrets=kefu.secrets,
            uow=kefu.uow(),
            clock=kefu.clock,
        )
    return [s.code for s in LIVE_STORES]


def _give_to_agents(kefu: Kefu) -> None:
    with kefu.uow() as uow:
        ids = {s.code: s.id for s in uow.queries.stores()}
        for username in LIVE_AGENTS:
            account = uow.auth.account_by_username(username)
            if account is not None:
                live = {ids[s.code] for s in LIVE_STORES}
                uow.auth.set_stores(account.id, set(account.store_ids) | live)
        uow.commit()
