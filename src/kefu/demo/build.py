"""Build the demo shop into a database: catalog in one transaction, messages through ingestion."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from kefu.bootstrap import Kefu
from kefu.demo.cases import open_demo_cases
from kefu.demo.catalog import ACCOUNT_STORES, ACCOUNTS, DEMO_PASSWORD, build_catalog
from kefu.demo.conversations import (
    DAMAGED_ORDER_NUMBER,
    DemoConversation,
    build_conversations,
    load_corpus,
)
from kefu.demo.parcels import add_board_parcels, post_office_message
from kefu.demo.subintents import not_as_described_message
from kefu.domain.autoreply import AutoReplySettings, ContentKind, KeywordReply
from kefu.domain.shopfacts import ShopFacts
from kefu.domain.termbase import Term
from kefu.domain.types import OrderStatus, TrackingStatus
from kefu.services import inbox, ratings, replies, shopdata, translation
from kefu.services.auth import principal_of
from kefu.services.catalog import load_catalog
from kefu.services.ports import (
    BuyerIn,
    Catalog,
    OrderIn,
    OrderLineIn,
    ParcelIn,
    TrackingEventIn,
)

BATCH = 2000


@dataclass(frozen=True)
class DemoSize:
    products: int = 200
    buyers: int = 2000
    orders: int = 5000
    conversations: int = 3000

    def scaled(self, factor: float) -> DemoSize:
        return DemoSize(
            *(
                max(8, int(v * factor))
                for v in (self.products, self.buyers, self.orders, self.conversations)
            )
        )


@dataclass(frozen=True)
class DemoSummary:
    stores: int
    products: int
    buyers: int
    orders: int
    conversations: int
    messages: int
    languages: int


def _sign_in_details(kefu: Kefu) -> None:
    """Demo passwords and the stores each agent is given (printed by `kefu demo`)."""
    now = kefu.clock.now()
    hashed = kefu.auth.hasher.hash(DEMO_PASSWORD)
    with kefu.uow() as uow:
        stores = {s.code: s.id for s in uow.queries.stores()}
        for account in uow.auth.accounts():
            uow.auth.set_password(account.id, hashed, now)
            codes = ACCOUNT_STORES.get(account.username, ())
            uow.auth.set_stores(account.id, [stores[c] for c in codes if c in stores])
        uow.commit()


def build_demo(
    kefu: Kefu,
    *,
    seed: int = 7,
    now: datetime | None = None,
    size: DemoSize = DemoSize(),
    progress: Callable[[str, int, int], None] | None = None,
) -> DemoSummary:
    """Fill an empty, migrated database with the demo shop; same seed and time, same shop."""
    now = now or datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    rng = random.Random(seed)
    corpus = load_corpus()
    names = {lang: (c.first_names, c.last_names) for lang, c in corpus.items()}
    catalog = build_catalog(
        rng, now, names, products=size.products, buyers=size.buyers, orders=size.orders
    )
    _add_damaged_garment_order(catalog, now)
    # The random conversations are drawn from the shop as it was before the board's parcels.
    drawn = replace(catalog, buyers=list(catalog.buyers), orders=list(catalog.orders))
    add_board_parcels(catalog, now)
    step = progress or (lambda _label, _done, _total: None)
    step("catalog", 0, 1)
    load_catalog(catalog, kefu.uow(), now)
    step("catalog", 1, 1)

    _sign_in_details(kefu)
    team: dict[str, list[str]] = {}  # "store/language" -> who may take it
    for account in ACCOUNTS:
        for store in ACCOUNT_STORES.get(account.username, ()):
            for lang in account.languages:
                team.setdefault(f"{store}/{lang}", []).append(account.username)
    conversations = build_conversations(rng, now, drawn, corpus, size.conversations, team)
    messages = [m for c in conversations for m in c.messages]
    for start in range(0, len(messages), BATCH):
        report = inbox.ingest(
            messages[start : start + BATCH],
            kefu.uow(),
            kefu.clock,
            classifier=kefu.ingest_classifier(),
        )
        if report.errors:
            raise RuntimeError(f"demo data failed its own checks: {report.errors[:3]}")
        step("messages", min(start + BATCH, len(messages)), len(messages))
    inbox.ingest([post_office_message(now)], kefu.uow(), kefu.clock)
    inbox.ingest(
        [not_as_described_message(now)],
        kefu.uow(),
        kefu.clock,
        classifier=kefu.ingest_classifier(),
    )
    _store_translations(kefu, conversations, now)
    _apply_team_actions(kefu, conversations, step)
    _rate(kefu, conversations, seed, now)
    open_demo_cases(kefu, now)
    _configure_replies(kefu, [(s.code, s.name, s.platform) for s in catalog.stores])
    _import_stock_sync(kefu, catalog, rng)
    return DemoSummary(
        stores=len(catalog.stores),
        products=len(catalog.products),
        buyers=len(catalog.buyers),
        orders=len(catalog.orders),
        conversations=len(conversations),
        messages=len(messages),
        languages=len({m["buyer_language"] for m in messages}),
    )


def _import_stock_sync(kefu: Kefu, catalog: Catalog, rng: random.Random) -> None:
    """The Imports page's history: the ERP's stock sheet for the first store (GBK, Chinese
    headers), imported the way an owner's upload is — a few stocks changed, the rest
    unchanged, and two rows refused with their reasons."""
    store = catalog.stores[0].code
    products = [p for p in catalog.products if p.store_code == store][:60]
    lines = ["商品编码,库存"]
    for n, p in enumerate(products):  # one product in five restocked
        lines.append(f"{p.sku},{p.stock + (rng.randrange(1, 20) if n % 5 == 0 else 0)}")
    lines += ["SKU-NEW-0001,12", f"{products[0].sku}x,-3"]
    who = kefu.auth.operator(uow=kefu.uow())
    folder = Path(kefu.settings.import_dir)
    folder.mkdir(parents=True, exist_ok=True)
    body = ("\r\n".join(lines) + "\r\n").encode("gbk")

    def place(run_id: int) -> str:
        path = folder / f"run-{run_id}"
        path.write_bytes(body)
        return str(path)

    run_id = shopdata.start_run(
        who,
        store,
        "products",
        filename="库存同步.csv",
        path="",
        size=len(body),
        options={},
        uow=kefu.uow(),
        clock=kefu.clock,
        place=place,
    )
    kefu.run_import(run_id)


# How buyers rate closed demo conversations: mostly satisfied, complaints lower.
RATED_SHARE = 0.55
SCORES = (5, 5, 5, 5, 4, 4, 4, 3, 2, 1)


def _rate(kefu: Kefu, conversations: list[DemoConversation], seed: int, now: datetime) -> None:
    """Satisfaction ratings the marketplace reported for some closed conversations (its
    own random numbers: the rest of the demo stays as it was for the same seed)."""
    rng = random.Random(seed * 7919)
    rows: list[dict[str, object]] = []
    for conv in conversations:
        if not conv.close or rng.random() > RATED_SHARE:
            continue
        last = max(datetime.fromisoformat(str(m["sent_at"])) for m in conv.messages)
        rated = min(now, last + timedelta(hours=rng.uniform(1, 30)))
        rows.append(
            {
                "store": conv.key[0],
                "rating_id": f"{conv.key[1]}-rating",
                "conversation_id": conv.key[1],
                "score": rng.choice(SCORES),
                "rated_at": rated.isoformat(),
            }
        )
    report = ratings.ingest_ratings(rows, kefu.uow(), kefu.clock)
    if report.errors:
        raise RuntimeError(f"demo ratings failed their own checks: {report.errors[:3]}")


def _store_translations(kefu: Kefu, conversations: list[DemoConversation], now: datetime) -> None:
    """The demo's translations, written by the team and marked `demo`: the inbox shows
    translated buyer messages with no provider connected."""
    by_store: dict[str, list[tuple[str, str, str]]] = {}
    for conv in conversations:
        for message_id, texts in conv.translations.items():
            by_store.setdefault(conv.key[0], []).extend(
                (message_id, language, text) for language, text in texts.items()
            )
    with kefu.uow() as uow:
        stores = uow.inbox.stores_by_code(by_store)
        for code, items in by_store.items():
            uow.translations.store_written(stores[code].id, items, origin="demo", at=now)
        uow.commit()


def _apply_team_actions(
    kefu: Kefu, conversations: list[DemoConversation], step: Callable[[str, int, int], None]
) -> None:
    with kefu.uow() as uow:
        ids = uow.queries.conversation_ids([c.key for c in conversations])
        people = {a.username: principal_of(a) for a in uow.auth.accounts()}
    acted = [c for c in conversations if c.mark or c.assignee or c.close]
    for n, conv in enumerate(acted, start=1):
        cid = ids[conv.key]
        actor = people[conv.assignee or "owner"]
        if conv.assignee:
            target = people[conv.assignee].account_id
            inbox.assign(people["owner"], cid, target, uow=kefu.uow(), clock=kefu.clock)
        if conv.mark:
            inbox.set_mark(actor, cid, conv.mark.value, uow=kefu.uow(), clock=kefu.clock)
        if conv.close:
            inbox.close(actor, cid, uow=kefu.uow(), clock=kefu.clock)
        if n % 200 == 0 or n == len(acted):
            step("team actions", n, len(acted))


def _add_damaged_garment_order(catalog: Catalog, now: datetime) -> None:
    """SPEC §8's case: a new buyer, one garment for 138 yuan (19.40 USD), delivered damaged."""
    buyer = BuyerIn("ali-global", "ali-b999138", "Olivia Bennett", "GB", "en")
    dress = next(
        p for p in catalog.products if p.store_code == "ali-global" and p.category == "dress"
    )
    paid = now - timedelta(days=16)
    delivered = now - timedelta(days=1, hours=4)
    catalog.buyers.append(buyer)
    catalog.orders.append(
        OrderIn(
            store_code="ali-global",
            buyer=("ali-global", buyer.platform_buyer_id),
            order_number=DAMAGED_ORDER_NUMBER,
            status=OrderStatus.DELIVERED,
            placed_at=paid - timedelta(minutes=20),
            lines=(OrderLineIn(dress.sku, dress.title, 1, 1940),),
            paid_at=paid,
            promised_delivery_at=paid + timedelta(days=25),
            delivered_at=delivered,
            ship_to_country="GB",
            note="Size M please, it is a gift",
            parcels=(
                ParcelIn(
                    "Cainiao Super Economy",
                    "LP00613800138001",
                    paid + timedelta(days=2),
                    events=(
                        TrackingEventIn(
                            paid + timedelta(days=2),
                            TrackingStatus.INFO_RECEIVED,
                            "Shenzhen, CN",
                            "Shipment information received",
                        ),
                        TrackingEventIn(
                            paid + timedelta(days=4),
                            TrackingStatus.IN_TRANSIT,
                            "Hong Kong, HK",
                            "Departed the country of origin",
                        ),
                        TrackingEventIn(
                            paid + timedelta(days=11),
                            TrackingStatus.ARRIVED_DESTINATION,
                            "GB",
                            "Arrived at the destination sorting centre",
                        ),
                        TrackingEventIn(
                            delivered, TrackingStatus.DELIVERED, "London, GB", "Delivered"
                        ),
                    ),
                ),
            ),
        )
    )


HELP = {
    "aliexpress": {
        "en": "https://sale.aliexpress.com/__pc/refund_policy.htm",
        "ru": "https://sale.aliexpress.ru/__pc/refund_policy.htm",
        "es": "https://sale.aliexpress.com/es/__pc/refund_policy.htm",
    },
    "amazon": {
        "en": "https://www.amazon.com/gp/help/customer/display.html?nodeId=GKM69DUUYKQWKWX7"
    },
    "ebay": {"en": "https://www.ebay.com/help/buying/returns-refunds"},
    "wish": {"en": "https://www.wish.com/help"},
}
DEMO_KEYWORDS = (
    KeywordReply("coupon", ContentKind.COUPON, "SUNRISE5"),
    KeywordReply(
        "tracking not updating",
        ContentKind.TEXT,
        "Tracking often pauses for 5-7 days while the parcel flies abroad; it updates again "
        "when the parcel reaches your country. We watch every parcel for you.",
    ),
    KeywordReply(
        "size chart", ContentKind.IMAGE, "https://img.sunrise-demo.example/size-chart.png"
    ),
    KeywordReply(
        "cancel my order",
        ContentKind.TEXT,
        "If your order has not shipped yet, we can cancel it for you: reply with the order "
        "number and an agent will confirm today.",
    ),
)


# The demo shop's term base: what a Chinese team fixes first (materials, size words, the
# shipping promise), and its names, never translated.
DEMO_TERMS = (
    Term(
        {
            "zh": "真丝",
            "en": "mulberry silk",
            "es": "seda de morera",
            "fr": "soie de mûrier",
            "de": "Maulbeerseide",
            "pt": "seda de amoreira",
            "ru": "натуральный шёлк",
        }
    ),
    Term(
        {
            "zh": "尺码表",
            "en": "size chart",
            "es": "guía de tallas",
            "fr": "guide des tailles",
            "de": "Größentabelle",
            "pt": "tabela de medidas",
            "ru": "таблица размеров",
        }
    ),
    Term(
        {
            "zh": "包邮",
            "en": "free shipping",
            "es": "envío gratis",
            "fr": "livraison gratuite",
            "de": "kostenloser Versand",
            "pt": "frete grátis",
            "ru": "бесплатная доставка",
        }
    ),
    Term({"und": "Sunrise"}, keep=True),
    Term({"und": "AliExpress"}, keep=True),
)


def _configure_replies(kefu: Kefu, stores: list[tuple[str, str, str]]) -> None:
    """Each demo store signs its messages, has help links, a welcome and keyword replies."""
    with kefu.uow() as uow:
        ids = uow.inbox.stores_by_code([code for code, _, _ in stores])
        owner = principal_of(next(a for a in uow.auth.accounts() if a.is_main))
    for code, name, platform in stores:
        store_id = ids[code].id
        facts = ShopFacts(signature=f"Lily · {name}", help_links=HELP.get(platform, {}))
        replies.save_facts(owner, store_id, facts, uow=kefu.uow(), clock=kefu.clock)
        auto = AutoReplySettings(
            welcome_enabled=True, busy_enabled=True, busy_queue_size=400, keywords=DEMO_KEYWORDS
        )
        replies.save_auto_replies(
            owner, store_id, auto, gate=kefu.gate, uow=kefu.uow(), clock=kefu.clock
        )
        translation.save_termbase(
            owner,
            store_id,
            [*DEMO_TERMS, Term({"und": name}, keep=True)],
            uow=kefu.uow(),
            clock=kefu.clock,
        )
