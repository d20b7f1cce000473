"""`kefu bench sync`: a first sync of N conversations / M messages from kefu's sandbox
marketplace (its AliExpress, eBay and Wish faces, a third each; Amazon has no message API —
its buyer messages come by mail, `kefu bench mail`), then the steady-state lag from a new
buyer message on the sandbox to the inbox (docs/benchmarks.md).

The sandbox runs in this process, behind an httpx transport that hands each request to
its ASGI app and times it: its own serving time (routing, its JSON, its sorting) is
measured and taken out, so the rate is kefu's own overhead — the clients' requests and
parsing, mapping, ingestion with triage, routing and automatic replies, the cursor and
state writes. The platforms' call budgets are off (no limiter; the sandbox's limits
unset), as the issue asks.
"""

from __future__ import annotations

import asyncio
import random
import statistics
import tempfile
import threading
import time
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import httpx
import typer
from cryptography.fernet import Fernet
from pydantic import SecretStr
from sqlalchemy import text
from starlette.types import ASGIApp

from kefu.bootstrap import (
    AliExpressFace,
    EbayFace,
    Kefu,
    WishFace,
    create_marketplace_sandbox,
    marketplace_client,
)
from kefu.services import sync
from kefu.services.ports import MarketplaceClient, MarketplaceFactory, TokenSink

BASE = "http://127.0.0.1"
APP_KEY, SECRET, TOKEN = "500100", "bench-secret", "bench-token"
STORES = (("ali-global", "aliexpress"), ("ebay-uk", "ebay"), ("wish-global", "wish"))
TEXTS = (
    "Hello, where is my order {n}? The tracking has not moved for a week.",
    "¿Tienen esta chaqueta en talla M? Pedido {n}",
    "Bonjour, le colis {n} est bloqué en douane, que faire ?",
    "Ich möchte das Paket {n} zurückschicken, falsche Größe",
    "oi, meu pedido {n} ainda não chegou",
)
PROBE = "lag probe "


class InProcess(httpx.BaseTransport):
    """An httpx transport that serves each request with an ASGI app on an event loop of
    its own thread (the caller's thread may run a loop of its own already) and counts the
    time the app took (the sandbox's own time, not kefu's)."""

    def __init__(self, app: ASGIApp) -> None:
        self.asgi = httpx.ASGITransport(app=app)
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.seconds = 0.0
        self.requests = 0
        self.lock = threading.Lock()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        with self.lock:
            response, took = asyncio.run_coroutine_threadsafe(
                self._serve(request), self.loop
            ).result()
            self.seconds += took
            self.requests += 1
        return response

    async def _serve(self, request: httpx.Request) -> tuple[httpx.Response, float]:
        started = time.perf_counter()
        answer = await self.asgi.handle_async_request(request)
        body = await answer.aread()
        took = time.perf_counter() - started
        return httpx.Response(answer.status_code, headers=answer.headers, content=body), took

    def close(self) -> None:
        """Each store's client closes it after its run; the loop lives for the bench."""

    def shutdown(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)
        self.loop.close()


class Sandbox:
    """The three faces, seeded, behind one in-process transport."""

    def __init__(self) -> None:
        self.ali = AliExpressFace()
        self.ali.add_app(APP_KEY, SECRET)
        self.ebay = EbayFace()
        self.wish = WishFace()
        expiry = time.time() + 86_400
        for face in (self.ali, self.ebay, self.wish):
            face.grant(TOKEN, expiry)
        self.transport = InProcess(create_marketplace_sandbox(self.ali, self.ebay, self.wish))
        self.refs: list[tuple[str, str]] = []  # (platform, conversation ref)

    def seed(self, conversations: int, messages: int, rng: random.Random) -> int:
        """Spread `messages` over `conversations` (a third per platform); how many written."""
        written = 0
        for n in range(conversations):
            each = messages // conversations + (1 if n < messages % conversations else 0)
            texts = [TEXTS[(n + k) % len(TEXTS)].format(n=f"{n}-{k}") for k in range(max(each, 1))]
            platform = STORES[n % 3][1]
            if platform == "aliexpress":
                ref = self.ali.open_channel(f"buyer{n}", f"Buyer {n}")
                for line in texts:
                    self.ali.buyer_writes(ref, line)
            elif platform == "ebay":
                ref = self.ebay.open_conversation(f"buyer{n}")
                for line in texts:
                    self.ebay.buyer_writes(ref, line)
            else:
                ref = self.wish.buyer_opens(f"Buyer {n}", texts[0], order_id=f"{n:024x}")
                for line in texts[1:]:
                    self.wish.buyer_replies(ref, line)
            self.refs.append((platform, ref))
            written += len(texts)
        rng.shuffle(self.refs)
        return written

    def probe(self, n: int, rng: random.Random) -> None:
        """A buyer writes again in a random conversation."""
        platform, ref = self.refs[rng.randrange(len(self.refs))]
        line = f"{PROBE}{n}"
        if platform == "aliexpress":
            self.ali.buyer_writes(ref, line)
        elif platform == "ebay":
            self.ebay.buyer_writes(ref, line)
        else:
            self.wish.buyer_replies(ref, line)

    def factory(self) -> MarketplaceFactory:
        """Clients without a limiter, through the in-process transport (a client of its
        own for each: a store's client closes it when its sync ends)."""

        def make(
            store: str,
            platform: str,
            base_url: str,
            credentials: Mapping[str, str],
            /,
            on_tokens: TokenSink | None = None,
        ) -> MarketplaceClient:
            http = httpx.Client(transport=self.transport)
            return marketplace_client(store, platform, base_url, credentials, on_tokens, http=http)

        return make


def _connect(kefu: Kefu) -> None:
    owner = kefu.auth.operator(uow=kefu.uow())
    keys = {
        "aliexpress": {"app_key": APP_KEY, "app_secret": SECRET, "access_token": TOKEN},
        "ebay": {"access_token": TOKEN},
        "wish": {"access_token": TOKEN},
    }
    for code, platform in STORES:
        sync.connect_store(
            owner,
            code,
            base_url=f"{BASE}/{platform}",
            credentials=keys[platform],
            secrets=kefu.secrets,
            uow=kefu.uow(),
            clock=kefu.clock,
        )


def _first_sync(kefu: Kefu, deps: sync.SyncDeps) -> sync.SyncReport:
    """Every store to the end of its first sync (a run reads at most PAGES_PER_RUN pages)."""
    total = sync.SyncReport()
    while True:
        report = sync.sync_all(kefu.uow, deps, kefu.clock)
        if report.failed:
            from kefu.cli.bench import _fail

            _fail("; ".join(report.failed))
        total.pages += report.pages
        total.pulled += report.pulled
        total.stored += report.stored
        if report.stored == 0:  # a cursor may re-read its last item: nothing new is the end
            return total


def _lag(
    kefu: Kefu, deps: sync.SyncDeps, sandbox: Sandbox, seconds: float, interval: float
) -> list[float]:
    """Buyers write on the sandbox (about two a second) while the sync runs every
    `interval` seconds; each message's time from the sandbox to the inbox."""
    rng = random.Random(11)  # noqa: S311 - made-up traffic
    written: dict[str, float] = {}
    stop = threading.Event()

    def buyers() -> None:
        n = 0
        while not stop.wait(rng.uniform(0.0, 1.0)):
            written[f"{PROBE}{n}"] = time.time()
            sandbox.probe(n, rng)
            n += 1

    writer = threading.Thread(target=buyers, daemon=True)
    writer.start()
    start = time.monotonic()
    runs = 0
    while time.monotonic() - start < seconds:
        sync.sync_all(kefu.uow, deps, kefu.clock)
        runs += 1
        time.sleep(max(0.0, start + runs * interval - time.monotonic()))
    stop.set()
    writer.join()
    sync.sync_all(kefu.uow, deps, kefu.clock)  # what the last interval brought
    with kefu.engine.connect() as conn:
        arrived = {
            row.text: _epoch(row.received_at)
            for row in conn.execute(
                text("SELECT text, received_at FROM messages WHERE text LIKE :p"),
                {"p": f"{PROBE}%"},
            )
        }
    missing = set(written) - set(arrived)
    if missing:
        from kefu.cli.bench import _fail

        _fail(f"{len(missing)} of {len(written)} new messages never arrived")
    return sorted(arrived[key] - at for key, at in written.items())


def _epoch(value: datetime | str) -> float:
    """A stored time (SQLite gives text) in epoch seconds; stored times are UTC."""
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(value)
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp()


def sync_bench(
    conversations: Annotated[int, typer.Option(help="conversations on the sandbox")] = 100_000,
    messages: Annotated[int, typer.Option(help="messages on the sandbox")] = 1_000_000,
    database_url: Annotated[
        str | None,
        typer.Option("--db", help="this database instead of a new SQLite file (emptied first!)"),
    ] = None,
    triage: Annotated[bool, typer.Option(help="triage on ingest (the product's default)")] = True,
    lag_seconds: Annotated[float, typer.Option(help="how long to measure the lag")] = 60.0,
    interval: Annotated[float, typer.Option(help="seconds between sync runs")] = 5.0,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """First sync from the sandbox's three faces, then the lag of new messages."""
    from kefu.cli.bench import _fail, _finish, _fresh, _machine

    if not 3 <= conversations <= 1_000_000 or not conversations <= messages <= 20_000_000:
        _fail("--conversations 3–1,000,000 and --messages from --conversations to 20,000,000")
    rng = random.Random(5)  # noqa: S311 - made-up traffic
    sandbox = Sandbox()
    seeded = time.perf_counter()
    total = sandbox.seed(conversations, messages, rng)
    seeding = time.perf_counter() - seeded
    with tempfile.TemporaryDirectory() as workdir:
        kefu = _fresh(
            Path(workdir), "bench-sync.db", triage_on_ingest=triage, database_url=database_url
        )
        kefu.settings.secret_key = SecretStr(Fernet.generate_key().decode())
        _connect(kefu)
        deps = sync.SyncDeps(
            kefu.secrets, sandbox.factory(), kefu.live_ingest_options, kefu.reference
        )
        if triage:
            kefu.classifier()  # loaded once per process, before the clock starts
        started = time.perf_counter()
        pages = _first_sync(kefu, deps).pages
        seconds = time.perf_counter() - started
        served = sandbox.transport.seconds
        requests = sandbox.transport.requests
        with kefu.engine.connect() as conn:
            buyers = conn.execute(
                text("SELECT count(*) FROM messages WHERE direction = 'buyer'")
            ).scalar_one()
        if buyers != total:  # besides them: Wish's ticket notices, automatic replies
            _fail(f"{buyers} of the {total} buyer messages are in the inbox")
        lags = _lag(kefu, deps, sandbox, lag_seconds, interval) if lag_seconds > 0 else []
        dialect = kefu.engine.dialect.name
        kefu.close()
    sandbox.transport.shutdown()
    own = seconds - served
    p95 = statistics.quantiles(lags, n=20)[-1] if len(lags) >= 2 else None
    figures: dict[str, Any] = {
        "conversations": conversations,
        "messages": total,
        "database": dialect,
        "triage": triage,
        "seconds": round(seconds, 1),
        "sandbox_seconds": round(served, 1),
        "requests": requests,
        "pages": pages,
        "messages_per_second": round(total / own, 1),
        "with_sandbox_per_second": round(total / seconds, 1),
        "lag_probes": len(lags),
        "lag_interval_seconds": interval,
        "lag_p50_seconds": round(statistics.median(lags), 2) if lags else None,
        "lag_p95_seconds": round(p95, 2) if p95 is not None else None,
        "seed_seconds": round(seeding, 1),
        "machine": _machine(),
    }
    lag = (
        f"; lag p95 {p95:.2f} s over {len(lags)} messages at a {interval:g} s interval"
        if p95 is not None
        else ""
    )
    line = (
        f"{total} messages / {conversations} conversations in {seconds:.1f} s, "
        f"{served:.1f} s of it the sandbox's = {total / own:,.0f} msg/s of kefu's own "
        f"({dialect}{', triage' if triage else ''}){lag}"
    )
    _finish("sync", as_json, figures, line)
