"""`kefu bench ingest|inbox`: figures for docs/benchmarks.md; each ends with one `NAME: …` line."""

from __future__ import annotations

import gc
import json
import platform
import queue
import random
import re
import statistics
import tempfile
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from datetime import time as dtime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import httpx
import typer

from kefu.bootstrap import Kefu, bootstrap
from kefu.cli import (
    bench_board,
    bench_deadlines,
    bench_import,
    bench_mail,
    bench_search,
    bench_sync,
    bench_tracking,
)
from kefu.cli.servers import ServerProcess, prepare_database, translation_sandbox
from kefu.config import Settings
from kefu.demo.catalog import ACCOUNTS, STORES
from kefu.domain.permissions import Permission
from kefu.services.auth import principal_of
from kefu.services.catalog import load_catalog
from kefu.services.ports import Catalog
from kefu.services.readmodels import InboxFilters

if TYPE_CHECKING:
    from fastapi.testclient import TestClient

app = typer.Typer(help="Benchmarks (see docs/benchmarks.md).", no_args_is_help=True)
JsonFlag = Annotated[bool, typer.Option("--json", help="print the figures as one JSON object")]
TEXTS = (
    "hello where is my order {n}?? tracking not moving",
    "¿tienen esta chaqueta en talla M? gracias",
    "где мой заказ {n} трек не обновляется",
    "Bonjour, le colis {n} est bloqué en douane",
    "Ich möchte das Paket zurückschicken, falsche Größe",
    "oi, meu pedido {n} ainda não chegou",
    "sprzedajecie hurtowo 200 sztuk?",
)


def _fresh(
    workdir: Path, name: str, *, triage_on_ingest: bool = True, database_url: str | None = None
) -> Kefu:
    """A migrated database with the demo's stores and team: a new SQLite file, or the
    database `database_url` names, emptied first (PostgreSQL: its public schema)."""
    kefu = bootstrap(
        Settings(
            database_url=database_url or f"sqlite:///{workdir / name}",
            triage_on_ingest=triage_on_ingest,
        )
    )
    if kefu.engine.dialect.name == "postgresql":
        with kefu.engine.begin() as conn:
            conn.exec_driver_sql("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
    kefu.upgrade()
    load_catalog(
        Catalog("bench shop", stores=list(STORES), accounts=list(ACCOUNTS)),
        kefu.uow(),
        kefu.clock.now(),
    )
    return kefu


def _machine() -> str:
    import os

    return f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"


@app.command()
def ingest(
    messages: Annotated[int, typer.Option(help="how many messages")] = 100_000,
    batch: Annotated[int, typer.Option(help="messages per API request")] = 500,
    database_url: Annotated[
        str | None,
        typer.Option(help="serve this database with real processes (emptied first!)"),
    ] = None,
    processes: Annotated[int, typer.Option(help="web processes for --database-url")] = 4,
    as_json: JsonFlag = False,
) -> None:
    """POST synthetic buyer messages in batches to /api/v1/messages on a fresh SQLite file,
    once with triage on ingest (the default) and once without, in the same run.

    With --database-url: `kefu serve` processes on that database, fed by one client
    thread each, against one process on a fresh SQLite file in the same run (triage off
    in both: the store path); the ratio is the figure."""
    rng = random.Random(3)
    now = datetime.now(UTC)
    rows = [_synthetic(rng, n, now) for n in range(messages)]
    if database_url:
        _ingest_served(rows, batch, database_url, processes, as_json)
        return
    figures: dict[str, Any] = {"messages": messages, "batch": batch, "machine": _machine()}
    for triage_on in (True, False):
        elapsed = _ingest_run(rows, batch, triage_on)
        key = "with_triage" if triage_on else "without_triage"
        figures[key] = {"seconds": round(elapsed, 2), "msg_per_s": round(messages / elapsed)}
    with_t, without = figures["with_triage"], figures["without_triage"]
    _finish(
        "ingest",
        as_json,
        figures,
        f"{messages} messages in {with_t['seconds']} s = {with_t['msg_per_s']} msg/s with triage; "
        f"{without['seconds']} s = {without['msg_per_s']} msg/s without",
    )


def _ingest_run(rows: list[dict[str, Any]], batch: int, triage_on: bool) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        kefu = _fresh(Path(tmp), "ingest.db", triage_on_ingest=triage_on)
        if triage_on:
            kefu.classifier()  # load the model before the clock starts
        with _web_client(kefu) as client:
            started = time.perf_counter()
            for start in range(0, len(rows), batch):
                part = rows[start : start + batch]
                response = client.post("/api/v1/messages", json=part)
                if response.status_code != 200 or response.json()["accepted"] != len(part):
                    _fail(f"batch at {start}: {response.status_code} {response.text[:300]}")
            elapsed = time.perf_counter() - started
        kefu.close()
    return elapsed


def _ingest_served(
    rows: list[dict[str, Any]], batch: int, url: str, processes: int, as_json: bool
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        one, _ = _served_run(rows, batch, f"sqlite:///{Path(tmp) / 'one.db'}", 1, Path(tmp))
        many, retried = _served_run(rows, batch, url, processes, Path(tmp))
    dialect = url.split(":", 1)[0].split("+", 1)[0]
    rate = {"one": round(len(rows) / one), "many": round(len(rows) / many)}
    figures: dict[str, Any] = {
        "messages": len(rows),
        "batch": batch,
        "machine": _machine(),
        "sqlite_1_process": {"seconds": round(one, 2), "msg_per_s": rate["one"]},
        f"{dialect}_{processes}_processes": {
            "seconds": round(many, 2),
            "msg_per_s": rate["many"],
            "batches_retried_after_503": retried,
        },
        "ratio": round(one / many, 2),
    }
    _finish(
        "ingest",
        as_json,
        figures,
        f"{len(rows)} messages: {dialect} with {processes} processes {rate['many']} msg/s "
        f"({retried} batches retried), SQLite with 1 process {rate['one']} msg/s "
        f"= {one / many:.2f}x (triage off)",
    )


def _served_run(
    rows: list[dict[str, Any]], batch: int, url: str, processes: int, tmp: Path
) -> tuple[float, int]:
    """Seconds to ingest every row through `processes` real servers, one client each, and
    how many batches were answered 503 (a write conflict) and sent again, as the API asks."""
    token = prepare_database(url)
    servers = [ServerProcess(url, tmp / f"serve-{n}.log") for n in range(processes)]
    for server in servers:
        server.start()
    pending: queue.Queue[list[dict[str, Any]]] = queue.Queue()
    for start in range(0, len(rows), batch):
        pending.put(rows[start : start + batch])
    failures: list[str] = []
    retries: list[int] = []
    threads = [
        threading.Thread(target=_feed, args=(s.base, token, pending, failures, retries))
        for s in servers
    ]
    started = time.perf_counter()
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.perf_counter() - started
    finally:
        for server in servers:
            server.stop()
    if failures:
        _fail(f"{url}: {failures[0]}")
    return elapsed, sum(retries)


def _feed(
    base: str,
    token: str,
    pending: queue.Queue[list[dict[str, Any]]],
    failures: list[str],
    retries: list[int],
) -> None:
    """One client: take batches until none are left; a 503 is retried after Retry-After."""
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=base, headers=headers, timeout=120) as client:
        while not pending.empty():
            try:
                part = pending.get_nowait()
            except queue.Empty:
                return
            response = client.post("/api/v1/messages", json=part)
            while response.status_code == 503:
                retries.append(1)
                time.sleep(float(response.headers.get("Retry-After", "1")))
                response = client.post("/api/v1/messages", json=part)
            accepted = response.status_code == 200 and not response.json()["errors"]
            if not accepted:
                failures.append(f"{response.status_code} {response.text[:200]}")
                return


def _owner_token(kefu: Kefu) -> dict[str, str]:
    """The main account's API token: the benchmarks call the API as an integration would."""
    with kefu.uow() as uow:
        owner = next(a for a in uow.auth.accounts() if a.is_main)
    who = principal_of(owner)
    scopes = [p.value for p in Permission]
    token = kefu.auth.issue_token(who, "bench", scopes, uow=kefu.uow(), clock=kefu.clock)
    return {"Authorization": f"Bearer {token}"}


def _synthetic(rng: random.Random, n: int, now: datetime) -> dict[str, Any]:
    store = STORES[n % len(STORES)].code
    buyer = rng.randrange(max(1, n // 5 + 1))
    return {
        "store": store,
        "message_id": f"bench-{n}",
        "conversation_id": f"thread-{buyer}",
        "buyer_id": f"buyer-{buyer}",
        "buyer_name": f"Buyer {buyer}",
        "buyer_country": "US",
        "buyer_language": "en",
        "sent_at": (now - timedelta(seconds=(10**6 - n))).isoformat(),
        "text": rng.choice(TEXTS).format(n=n),
    }


@app.command()
def inbox(
    messages: Annotated[int, typer.Option(help="messages in the database")] = 1_000_000,
    per_conversation: Annotated[int, typer.Option(help="messages per conversation")] = 10,
    repeats: Annotated[int, typer.Option(help="renders per case")] = 40,
    as_json: JsonFlag = False,
) -> None:
    """Render the first inbox page over a big database, with and without filters; p50/p95."""
    with tempfile.TemporaryDirectory() as tmp:
        kefu = _fresh(Path(tmp), "inbox.db")
        typer.echo(f"filling {messages} messages…", err=True)
        filled = kefu.fill_synthetic_inbox(messages // per_conversation, per_conversation)
        cases = {
            "no filter": "/",
            "store": "/?store_id=2",
            "stage+state": "/?stage=after_sale&state=open",
            "language": "/?language=he",
            "unread": "/?state=unread",
            "mark+assignee": "/?colour_mark=red&assignee=2",
        }
        with kefu.uow() as uow:  # the split view: the list beside the first conversation
            first = uow.queries.inbox_page(InboxFilters(page_size=1)).rows[0].id
        cases["split view"] = f"/conversations/{first}"
        figures: dict[str, dict[str, float]] = {}
        with _web_client(kefu) as client:
            for name, url in cases.items():
                client.get(url)  # warm the page cache once
                times = []
                for _ in range(repeats):
                    started = time.perf_counter()
                    response = client.get(url)
                    times.append((time.perf_counter() - started) * 1000)
                    if response.status_code != 200:
                        _fail(f"{url}: {response.status_code}")
                times.sort()
                figures[name] = {
                    "p50_ms": round(statistics.median(times), 1),
                    "p95_ms": round(times[int(0.95 * (len(times) - 1))], 1),
                }
        kefu.close()
    plain = figures["no filter"]
    worst = max(figures.values(), key=lambda f: f["p95_ms"])
    _finish(
        "inbox",
        as_json,
        {"messages": filled, "cases": figures, "machine": _machine()},
        f"{filled} messages, first page p50 {plain['p50_ms']} ms p95 {plain['p95_ms']} ms "
        "without filters; "
        f"with filters worst p95 {worst['p95_ms']} ms",
    )


def _web_client(kefu: Kefu) -> TestClient:
    """The web app in this process; imported here so `kefu classify` and the other
    commands do not load FastAPI and every page (a second of start-up)."""
    from fastapi.testclient import TestClient

    from kefu.web.app import create_app

    return TestClient(create_app(kefu=kefu), headers=_owner_token(kefu))


def _fail(reason: str) -> NoReturn:
    typer.echo(f"benchmark failed: {reason}", err=True)
    raise typer.Exit(1)


def _finish(name: str, as_json: bool, figures: dict[str, Any], line: str) -> None:
    if as_json:
        print(json.dumps({"bench": name, **figures}))
        return
    for value in figures.values():
        if isinstance(value, dict):
            for case, numbers in value.items():
                typer.echo(f"  {case:>14}: {numbers}")
    typer.echo(f"{name}: {line}")


@app.command()
def classify(
    messages: Annotated[int, typer.Option(help="messages to classify")] = 10_000,
    singles: Annotated[int, typer.Option(help="single-message calls timed for p50/p99")] = 1_000,
    as_json: JsonFlag = False,
) -> None:
    """Language + intent + emotion + entities: batch msg/s, single-message latency, one
    64 KiB message, and the wall time of `kefu classify "hi"` in a fresh process."""
    from kefu.bootstrap import load_classifier
    from kefu.domain.messages import MAX_TEXT_BYTES
    from kefu.services import training
    from kefu.services.triage import triage

    rows = training.demo_examples(seed=5) + training.corpus_examples()
    rng = random.Random(9)
    texts = [rng.choice(rows).text for _ in range(messages)]
    classifier = load_classifier()
    triage(texts[:100], classifier)  # warm up
    started, cpu_started = time.perf_counter(), time.thread_time()
    for start in range(0, messages, 1000):
        triage(texts[start : start + 1000], classifier)
    batch_rate = messages / (time.perf_counter() - started)
    batch_cpu_rate = messages / (time.thread_time() - cpu_started)
    latencies, cpu = [], []  # wall time, and this thread's CPU time (others' load aside)
    for text in texts[:singles]:
        t0, c0 = time.perf_counter(), time.thread_time()
        triage([text], classifier)
        latencies.append((time.perf_counter() - t0) * 1000)
        cpu.append((time.thread_time() - c0) * 1000)
    latencies.sort()
    cpu.sort()
    p50 = statistics.median(latencies)
    p99 = latencies[int(0.99 * (len(latencies) - 1))]
    cpu_p99 = cpu[int(0.99 * (len(cpu) - 1))]
    long_ms, long_cpu = _long_message_ms(texts, MAX_TEXT_BYTES, lambda t: triage([t], classifier))
    hi_s, hi_cpu_s = _classify_hi_seconds()
    figures: dict[str, Any] = {
        "messages": messages,
        "batch_msg_per_s": round(batch_rate),
        "batch_msg_per_cpu_s": round(batch_cpu_rate),
        "single_p50_ms": round(p50, 2),
        "single_p99_ms": round(p99, 2),
        "single_p99_cpu_ms": round(cpu_p99, 2),
        "message_64kib_ms": round(long_ms, 1),
        "message_64kib_cpu_ms": round(long_cpu, 1),
        "classify_hi_s": round(hi_s, 2),
        "classify_hi_cpu_s": round(hi_cpu_s, 2),
        "machine": _machine(),
    }
    line = (
        f"{messages} messages batch {batch_rate:.0f} msg/s "
        f"({batch_cpu_rate:.0f} per CPU second); "
        f"single p50 {p50:.2f} ms p99 {p99:.2f} ms (CPU {cpu_p99:.2f} ms); "
        f"one 64 KiB message {long_ms:.1f} ms (CPU {long_cpu:.1f} ms); "
        f'`kefu classify "hi"` {hi_s:.2f} s (CPU {hi_cpu_s:.2f} s)'
    )
    _finish("classify", as_json, figures, line)


def _long_message_ms(
    texts: list[str], size: int, run: Callable[[str], object]
) -> tuple[float, float]:
    """Median wall and CPU milliseconds of 5 triages of one message of `size` bytes: buyer
    messages pasted one after another (facts, threats, every language), as a long thread
    or an order history is."""
    pieces: list[str] = []
    used = 0
    for text in texts:
        used += len(text.encode("utf-8")) + 1
        if used > size:
            break
        pieces.append(text)
    message = "\n".join(pieces)
    wall, cpu = [], []
    for _ in range(5):
        t0, c0 = time.perf_counter(), time.thread_time()
        run(message)
        wall.append((time.perf_counter() - t0) * 1000)
        cpu.append((time.thread_time() - c0) * 1000)
    return statistics.median(wall), statistics.median(cpu)


def _classify_hi_seconds() -> tuple[float, float]:
    """Best of 3 wall times of `kefu classify "hi"` in a new process — start-up, imports and
    loading the model, as a person at a terminal waits for them — and its CPU time (user
    + system), which other work on a shared machine does not inflate."""
    import resource
    import subprocess
    import sys

    best, best_cpu = float("inf"), float("inf")
    for _ in range(3):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.perf_counter()
        subprocess.run(
            [sys.executable, "-c", "from kefu.cli.main import app; app()", "classify", "hi"],
            check=True,
            capture_output=True,
        )
        best = min(best, time.perf_counter() - t0)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        used = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
        best_cpu = min(best_cpu, used)
    return best, best_cpu


@app.command()
def kpi(
    messages: Annotated[int, typer.Option(help="messages in the database")] = 1_000_000,
    conversations: Annotated[int, typer.Option(help="conversations they belong to")] = 100_000,
    orders: Annotated[int, typer.Option(help="paid orders")] = 200_000,
    repeats: Annotated[int, typer.Option(help="reports timed per case")] = 3,
    database_url: Annotated[
        str | None,
        typer.Option(help="a database to EMPTY and fill (PostgreSQL); default: a SQLite file"),
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """A 30-day KPI report over 90 days of data: all stores, and each agent in turn."""
    from kefu.services.reports import kpi_report

    with tempfile.TemporaryDirectory() as tmp:
        kefu = _fresh(Path(tmp), "kpi.db", database_url=database_url)
        typer.echo(f"filling {messages} messages, {orders} orders…", err=True)
        filled = kefu.fill_synthetic_inbox(conversations, messages // conversations, orders=orders)
        with kefu.uow() as uow:
            agents = sorted(name for name in uow.queries.account_ids() if name != "owner")
        now = kefu.clock.now()
        start, end = now.date() - timedelta(days=29), now.date()

        def timed(agent: str | None) -> float:
            best = float("inf")
            for _ in range(repeats):
                t0 = time.perf_counter()
                kpi_report(kefu.uow(), start=start, end=end, now=now, agent=agent)
                best = min(best, time.perf_counter() - t0)
            return best

        all_stores = timed(None)
        per_agent = {agent: round(timed(agent), 2) for agent in agents}
        dialect = kefu.engine.dialect.name
        kefu.close()
    worst = max(per_agent.values())
    _finish(
        "kpi",
        as_json,
        {
            "messages": filled,
            "orders": orders,
            "database": dialect,
            "all_stores_s": round(all_stores, 2),
            "per_agent_s": per_agent,
            "machine": _machine(),
        },
        f"{filled} messages, {orders} orders on {dialect}: 30-day report {all_stores:.2f} s "
        "for all stores; "
        f"per agent up to {worst:.2f} s "
        f"({len(per_agent)} agents, {sum(per_agent.values()):.2f} s together)",
    )


@app.command()
def routing(
    conversations: Annotated[int, typer.Option(help="incoming conversations")] = 100_000,
    agents: Annotated[int, typer.Option(help="agents")] = 50,
    as_json: JsonFlag = False,
) -> None:
    """Assign conversations over a week across agents with shifts, teams and languages."""
    from zoneinfo import ZoneInfo

    from kefu.domain.routing import Agent, Router, Shift
    from kefu.domain.types import Stage

    rng = random.Random(4)
    day_shift = {d: (dtime(9), dtime(18)) for d in range(5)}
    night_shift = {d: (dtime(18), dtime(9)) for d in range(7)}
    language_sets = [
        frozenset(s)
        for s in (
            ("en", "es", "pt"),
            ("en", "ru", "pl"),
            ("en", "fr", "de"),
            ("en", "ko", "ja"),
            ("en", "ar", "he", "tr"),
        )
    ]
    stores = frozenset({1, 2, 3, 4})
    team = [
        Agent(
            i,
            Stage.PRE_SALE if i % 2 else Stage.AFTER_SALE,
            language_sets[i % 5],
            stores,
            Shift(ZoneInfo("Asia/Shanghai"), day_shift if i % 10 < 7 else night_shift),
        )
        for i in range(agents)
    ]
    router = Router(team)
    start = datetime(2026, 11, 16, tzinfo=UTC)
    arrivals = sorted(
        start + timedelta(seconds=rng.uniform(0, 7 * 86400)) for _ in range(conversations)
    )
    languages = ["en", "es", "ru", "fr", "de", "pt", "pl", "ko", "ja", "he", "ar", "tr", "nl", "it"]
    started = time.perf_counter()
    unowned = 0
    for at in arrivals:
        agent = router.assign(
            stage=rng.choice(list(Stage)),
            language=rng.choice(languages),
            store_id=rng.randint(1, 4),
            at=at,
        )
        unowned += agent is None
    elapsed = time.perf_counter() - started
    groups: dict[tuple[object, ...], list[int]] = {}
    for a in team:
        key = (a.team, a.languages, a.shift.hours is day_shift if a.shift else None)
        groups.setdefault(key, []).append(a.open_conversations)
    spread = max(max(v) - min(v) for v in groups.values())
    rate = conversations / elapsed
    _finish(
        "routing",
        as_json,
        {
            "conversations": conversations,
            "agents": agents,
            "per_s": round(rate),
            "spread": spread,
            "nobody_on_shift": unowned,
            "machine": _machine(),
        },
        f"{conversations} conversations to {agents} agents in {elapsed:.2f} s = {rate:.0f}/s; "
        f"spread among same-skill agents {spread}; {unowned} arrived with nobody on shift",
    )


@app.command()
def suggest(
    scale: Annotated[float, typer.Option(help="demo size (1.0 = the full demo shop)")] = 0.3,
    conversations: Annotated[int, typer.Option(help="conversations timed")] = 500,
    as_json: JsonFlag = False,
) -> None:
    """Suggestions for demo conversations (read, fill, render in 2 languages): p50/p99."""
    from kefu.demo.build import DemoSize, build_demo

    with tempfile.TemporaryDirectory() as workdir:
        kefu = bootstrap(Settings(database_url=f"sqlite:///{Path(workdir) / 'demo.db'}"))
        kefu.upgrade()
        build_demo(kefu, seed=7, size=DemoSize().scaled(scale))
        with kefu.uow() as uow:
            page = uow.queries.inbox_page(InboxFilters(page_size=conversations))
            ids = [row.id for row in page.rows]
            owner = principal_of(next(a for a in uow.auth.accounts() if a.is_main))
        kefu.replies.suggestions(owner, ids[0], uow=kefu.uow(), clock=kefu.clock)  # warm up
        latencies, filled = [], 0
        for cid in ids:
            t0 = time.perf_counter()
            found = kefu.replies.suggestions(owner, cid, uow=kefu.uow(), clock=kefu.clock)
            latencies.append((time.perf_counter() - t0) * 1000)
            filled += bool(found)
        kefu.close()
    if not latencies:
        _fail("the demo shop has no conversations")
    latencies.sort()
    p50 = statistics.median(latencies)
    p99 = latencies[int(0.99 * (len(latencies) - 1))]
    figures: dict[str, Any] = {
        "conversations": len(latencies),
        "with_suggestions": filled,
        "p50_ms": round(p50, 2),
        "p99_ms": round(p99, 2),
        "machine": _machine(),
    }
    line = (
        f"{len(latencies)} conversations p50 {p50:.1f} ms p99 {p99:.1f} ms "
        f"({filled} with suggestions)"
    )
    _finish("suggest", as_json, figures, line)


@app.command("translate")
def translate_bench(
    scale: Annotated[float, typer.Option(help="demo size (1.0 = the full demo shop)")] = 1.0,
    as_json: JsonFlag = False,
) -> None:
    """Replay the demo shop's traffic through the translation pipeline against the sandbox:
    our own time per message (masking, term base, cache, storage; not the provider's)."""
    from sqlalchemy import text

    from kefu.demo.build import DemoSize, build_demo

    with tempfile.TemporaryDirectory() as workdir, translation_sandbox() as sandbox_url:
        url = f"sqlite:///{Path(workdir) / 'demo.db'}"
        builder = bootstrap(Settings(database_url=url))
        builder.upgrade()
        build_demo(builder, seed=7, size=DemoSize().scaled(scale))
        with builder.engine.begin() as conn:
            traffic = conn.execute(
                text(
                    "SELECT m.id, m.store_id, m.platform_message_id, m.direction, m.text, "
                    "c.language, t.text AS words, b.name FROM messages m "
                    "JOIN conversations c ON c.id = m.conversation_id "
                    "JOIN buyers b ON b.id = c.buyer_id "
                    "LEFT JOIN message_translations t ON t.message_id = m.id "
                    "AND t.language = 'zh' AND m.direction = 'shop' "
                    "ORDER BY m.sent_at, m.id"
                )
            ).all()
            conn.execute(text("DELETE FROM message_translations"))  # the demo's own
        builder.close()
        kefu = bootstrap(
            Settings(database_url=url, translator="sandbox", translation_sandbox_url=sandbox_url)
        )
        service = kefu.translation
        overheads: dict[str, list[float]] = {"incoming": [], "reply": []}
        hits = sent = refused = 0
        # Ingestion asks for each translation inside its own transaction: one batch here,
        # its time shared by the messages.
        t0 = time.perf_counter()
        with kefu.uow() as uow:
            for row in traffic:
                if row.direction == "buyer":
                    uow.translations.request(
                        row.store_id, [row.platform_message_id], ["zh"], kefu.clock.now()
                    )
            uow.commit()
        asked_ms = (time.perf_counter() - t0) * 1000 / max(1, len(traffic))
        with typer.progressbar(traffic, label="replaying", file=None) as rows:
            for row in rows:
                t0 = time.perf_counter()
                if row.direction == "buyer":
                    report = service.translate_due(1)
                    provider = report.provider_seconds
                    refused += report.refused
                    kind = "incoming"
                elif row.words and row.language and not row.language.startswith("zh"):
                    composed = service.compose(
                        row.words,
                        agent_language="zh",
                        buyer_language=row.language,
                        store_id=row.store_id,
                        keep=(row.name,) if row.name else (),
                    )
                    provider = composed.provider_seconds
                    kind = "reply"
                else:
                    continue
                spent = (time.perf_counter() - t0 - provider) * 1000
                overheads[kind].append(spent + (asked_ms if kind == "incoming" else 0.0))
        with kefu.uow() as uow:
            for day in uow.translations.usage(kefu.clock.now().date() - timedelta(days=1)):
                hits += day.cache_hits
                sent += day.segments
        kefu.close()
    everything = sorted(overheads["incoming"] + overheads["reply"])
    if not everything:
        _fail("the demo shop has no traffic to replay")

    def p99(values: list[float]) -> float:
        ordered = sorted(values)
        return ordered[int(0.99 * (len(ordered) - 1))] if ordered else 0.0

    hit_rate = hits / (hits + sent) if hits + sent else 0.0
    figures: dict[str, Any] = {
        "messages": len(overheads["incoming"]),
        "replies": len(overheads["reply"]),
        "p50_overhead_ms": round(statistics.median(everything), 2),
        "p99_overhead_ms": round(p99(everything), 2),
        "p99_incoming_ms": round(p99(overheads["incoming"]), 2),
        "p99_reply_ms": round(p99(overheads["reply"]), 2),
        "segments_sent": sent,
        "cache_hits": hits,
        "cache_hit_rate": round(hit_rate, 3),
        "refused": refused,
        "machine": _machine(),
    }
    line = f"p99 overhead {p99(everything):.2f} ms, cache hit {hit_rate:.2f}"
    _finish("translate", as_json, figures, line)


# --- policy: the check every outgoing text passes ------------------------------------------

_POLICY_SENTINELS = {
    "buyer_name": "§NAME§",
    "order_number": "§ORDER§",
    "tracking_number": "§TRACK§",
    "tracking_number_2": "§TRACK2§",
    "tracking_url": "https://t.17track.net/en#nums=§TRACK§",
    "tracking_url_2": "https://t.17track.net/en#nums=§TRACK2§",
    "help_url": "https://§HELP§",
}
_POLICY_OWN_LINKS = {
    "amazon": "https://www.amazon.com/gp/help/customer/display.html",
    "ebay": "https://www.ebay.com/help/buying/returns-refunds",
    "aliexpress": "https://www.aliexpress.com/p/help-center/index.html",
    "wish": "https://www.wish.com/help",
}
_POLICY_PHONES = (
    "+1 (415) 555-0{3}", "(212) 555-0{3}", "0151 {8}", "030 {8}", "138 {4} {4}",
    "06 {2} {2} {2} {2}", "8 (912) {3}-{2}-{2}", "010-{4}-{4}", "090-{4}-{4}", "612 {3} {3}",
    "(11) 9{4}-{4}",
    "+44 20 7946 0{3}", "0532 {3} {2} {2}", "050-{3}-{4}",
)  # fmt: skip
_POLICY_CONTACT = (
    "Write to me at lily.shop{n}@gmail.com.", "Mail: sunrise{n} at gmail dot com",
    "Add me on WhatsApp: {phone}", "Call me on {phone} please.", "Telegram @sunrise_{n}",
    "微信: sunrise{n}，电话 {phone}", "Напишите в ватсап {phone}",
    "See www.sunrise{n}.shop for more.", "Puedes llamarme al {phone}.",
    "Rufen Sie mich an: {phone}",
)  # fmt: skip
_POLICY_RISKY = (
    "Please leave us a 5-star review!", "We will send you a $10 coupon for a positive review.",
    "Could you please remove your negative review?", "Contact us before leaving negative feedback.",
    "¿Nos dejas una reseña positiva?", "Сделаем скидку 10% за отзыв", "好评返现5元",
    "We can declare it as a gift so you pay no duties.", "Podemos declararlo como regalo.",
    "Мы укажем заниженную стоимость в декларации.", "我们可以按礼物申报。",
    "Wir können das Paket als Geschenk deklarieren.", "<b>Thanks!</b><br>See you",
)  # fmt: skip
_POLICY_SHORT = (
    "OK, thanks!", "Sí, tenemos la talla M.", "谢谢！我们明天发货。", "Да, есть в наличии.",
    "Oui, il arrive le {date}.", "Ja, Bestellung {order} ist unterwegs.", "Total: {amount}.",
    "Pedido {order}: chega até {date}.", "Tracking {track}, arriving {date}.",
    "Your refund of {amount} was sent on {date}.",
)  # fmt: skip
_POLICY_AUTOMATIC = (
    "Mira la tabla de tallas en la ficha del producto.", "Use code SAVE10 for 10% off.",
    "Sorry, we are closed right now.", "我们下班了，明天回复您。",
)  # fmt: skip


@app.command()
def policy(
    texts: Annotated[int, typer.Option(help="outgoing texts to check")] = 100_000,
    as_json: JsonFlag = False,
) -> None:
    """The policy check (domain/policy.py) with the real phone finder over a mix of outgoing
    texts: replies filled from the templates in 15 languages, proactive and automatic texts,
    texts with contact details, tracking numbers, links, review or customs wording."""
    from kefu.bootstrap import phone_finder
    from kefu.domain.policy import check

    with tempfile.TemporaryDirectory() as tmp:
        kefu = bootstrap(Settings(database_url=f"sqlite:///{Path(tmp) / 'policy.db'}"))
        pool = _policy_pool(kefu)
        kefu.close()
    rng = random.Random(11)
    finder = phone_finder()
    warm = [_policy_case(rng, pool, finder) for _ in range(2_000)]
    cases = [_policy_case(rng, pool, finder) for _ in range(texts)]
    for text, ctx, _ in warm:  # patterns compiled, phone metadata of every region loaded
        check(text, ctx)
    # The 100,000 prepared cases stay alive to the end: kept out of the garbage collector's
    # full passes, which would otherwise walk them all and land in a few texts' times.
    gc.collect()
    gc.freeze()
    times: list[int] = []
    kinds: dict[str, int] = {}
    findings: dict[str, int] = {}
    blocked = 0
    started = time.perf_counter()
    for text, ctx, kind in cases:
        t0 = time.perf_counter_ns()
        result = check(text, ctx)
        times.append(time.perf_counter_ns() - t0)
        kinds[kind] = kinds.get(kind, 0) + 1
        blocked += result.blocked
        for f in result.findings:
            findings[f.rule.value] = findings.get(f.rule.value, 0) + 1
    elapsed = time.perf_counter() - started
    times.sort()
    p50, p99 = times[len(times) // 2] / 1000, times[int(0.99 * (len(times) - 1))] / 1000
    rate = round(texts / elapsed)
    figures: dict[str, Any] = {
        "texts": texts,
        "p50_us": round(p50, 1),
        "p99_us": round(p99, 1),
        "max_us": round(times[-1] / 1000, 1),
        "texts_per_s": rate,
        "mean_chars": round(sum(len(t) for t, _, _ in cases) / texts),
        "blocked": blocked,
        "mix": dict(sorted(kinds.items())),
        "findings": dict(sorted(findings.items())),
        "machine": _machine(),
    }
    _finish("policy", as_json, figures, f"p50 {p50:.0f} µs, p99 {p99:.0f} µs, {rate} texts/s")


def _policy_pool(kefu: Kefu) -> dict[str, list[tuple[str, str]]]:
    """Every packaged template in every language, filled once with markers for the numbers
    and links that change from text to text: (language, text) per template key."""
    from datetime import date

    from kefu.domain.templates import Money, OpeningHours, VarType, render

    samples: dict[VarType, object] = {
        VarType.TEXT: "Sunrise Fashion",
        VarType.COUNT: 3,
        VarType.PERCENT: 10,
        VarType.MONEY: Money(1999),
        VarType.DATE: date(2026, 12, 3),
        VarType.DATETIME: datetime(2026, 11, 23, 1, 0, tzinfo=UTC),
        VarType.URL: "https://www.example.com",
        VarType.LIST: ["UPS", "DHL"],
        VarType.COUNTRY: "BR",
        VarType.WEIGHT: 2400,
        VarType.HOURS: OpeningHours(dtime(9), dtime(18), "Asia/Shanghai", frozenset(range(5))),
    }
    pool: dict[str, list[tuple[str, str]]] = {}
    for template in kefu.replies.catalogue:
        if "size_chart" in template.variables:
            continue
        values = {n: _POLICY_SENTINELS.get(n, samples[k]) for n, k in template.variables.items()}
        for language in sorted(template.texts):
            rendered = render(template, language, values, kefu.replies.formatter)
            pool.setdefault(template.key, []).append((language, rendered.text))
    return pool


def _policy_case(rng: random.Random, pool: dict[str, list[tuple[str, str]]], finder: Any) -> Any:
    """One (text, context, kind of case): 50 % replies from templates, 10 % proactive, 10 %
    automatic, 10 % with contact details, 5 % review or customs wording, 15 % short notes."""
    from kefu.domain.entities import s10_check_digit
    from kefu.domain.policy import MessageKind, PolicyContext
    from kefu.domain.types import Marketplace

    platform = rng.choice(list(Marketplace))
    a, b, c = rng.randrange(10**7), rng.randrange(10**7), rng.randrange(10**15)
    order = {
        Marketplace.AMAZON: f"{a % 1000:03d}-{a:07d}-{b:07d}",
        Marketplace.EBAY: f"{b % 100:02d}-{a % 10**5:05d}-{b % 10**5:05d}",
        Marketplace.ALIEXPRESS: f"8{c:015d}",
        Marketplace.WISH: f"{rng.getrandbits(96):024x}",
    }[platform]
    serial = f"{rng.randrange(10**8):08d}"
    track = f"L{rng.choice('XPTBS')}{serial}{s10_check_digit(serial)}CN"
    track_url = f"https://t.17track.net/en#nums={track}"
    roll = rng.random()
    kind, case = MessageKind.REPLY, "reply"
    if roll < 0.60:
        key = rng.choice([k for k in pool if k not in ("welcome", "welcome_out_of_hours", "busy")])
        if roll >= 0.50:
            key = rng.choice(["review_reminder", "address_confirmation", "tracking_in_transit"])
            kind, case = MessageKind.PROACTIVE, "proactive"
        language, text = rng.choice(pool[key])
    elif roll < 0.70:
        kind, case = MessageKind.AUTOMATIC, "automatic"
        if rng.random() < 0.7:
            language, text = rng.choice(
                pool[rng.choice(["welcome", "welcome_out_of_hours", "busy"])]
            )
        else:
            language, text = "en", rng.choice(_POLICY_AUTOMATIC)
    elif roll < 0.80:
        case = "contact"
        language, text = rng.choice(pool[rng.choice(list(pool))])
        phone = re.sub(
            r"\{(\d)\}",
            lambda m: "".join(rng.choice("0123456789") for _ in range(int(m.group(1)))),
            rng.choice(_POLICY_PHONES),
        )
        extra = rng.choice(_POLICY_CONTACT).format(n=rng.randrange(1000), phone=phone)
        text = f"{text}\n{extra}"
    elif roll < 0.85:
        case = "review_or_customs"
        language, text = "en", rng.choice(_POLICY_RISKY)
    else:
        case = "short"
        language = "en"
        text = rng.choice(_POLICY_SHORT).format(
            date=f"{rng.randint(1, 28):02d}.{rng.randint(1, 12):02d}.2026",
            order=order,
            amount=f"${rng.randint(1, 999)}.{rng.randint(0, 99):02d}",
            track=track,
        )
    text = (
        text.replace("§NAME§", rng.choice(["Maria", "Ahmed", "Олег", "Lena", "Yuki"]))
        .replace("§ORDER§", order)
        .replace("§TRACK2§", f"LP{rng.randrange(10**14):014d}")
        .replace("§TRACK§", track)
        .replace("https://§HELP§", _POLICY_OWN_LINKS[platform.value])
    )
    now = datetime(2026, 12, 10, tzinfo=UTC)
    ctx = PolicyContext(
        platform,
        buyer_language=language,
        detected_language=language,
        known_tokens=(order, track, track_url),
        kind=kind,
        now=now,
        order_placed_at=now - timedelta(days=rng.randint(0, 120)),
        review_requests_on_order=rng.choice([0, 0, 1]),
        regions=(rng.choice(["US", "DE", "ES", "BR", "RU", "FR", "KR", "IL"]), "CN"),
        phones=finder,
        next_opening="Monday 9:00",
    )
    return text, ctx, case


app.command("import")(bench_import.import_bench)
app.command("mail")(bench_mail.mail_bench)
app.command("sync")(bench_sync.sync_bench)
app.command("search")(bench_search.search_bench)
app.command("deadlines")(bench_deadlines.deadlines_bench)
app.command("tracking")(bench_tracking.tracking_bench)
app.command("logistics")(bench_board.logistics_bench)
