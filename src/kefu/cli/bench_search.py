"""`kefu bench search`: p50/p95 of 200 mixed searches through `GET /api/v1/search` over a
shop of N messages in 14 languages with their Chinese translations (docs/benchmarks.md):
order numbers, tracking numbers, buyer names, words in each language, Chinese words found
through the translations. Also the same searches by a sub-account given two stores."""

from __future__ import annotations

import random
import statistics
import tempfile
import time
from pathlib import Path
from typing import Annotated

import typer

from kefu.bootstrap import SEARCH_TEXTS as TEXTS
from kefu.bootstrap import SearchCorpus as Filled
from kefu.domain.search import terms

QUERIES = 200
CHINESE_WORDS = ("退款", "包裹", "破损", "尺码", "海关", "取消订单", "物流", "质量")


def _queries(filled: Filled, rng: random.Random) -> list[tuple[str, str]]:
    """(kind, query): a fifth identifiers, a tenth names, the rest words."""
    words = {
        lang: sorted({w.text for s in sentences for w in terms(s) if len(w.text) >= 3})
        for lang, sentences in TEXTS.items()
    }
    out: list[tuple[str, str]] = []
    for n in range(QUERIES):
        kind = ("order", "tracking", "name", "words", "words", "chinese", "words", "words")[n % 8]
        if kind == "order":
            out.append((kind, rng.choice(filled.order_numbers)))
        elif kind == "tracking":
            out.append((kind, rng.choice(filled.tracking_numbers)))
        elif kind == "name":
            out.append((kind, " ".join(rng.choice(filled.buyer_names).split()[:2])))
        elif kind == "chinese":
            out.append((kind, rng.choice(CHINESE_WORDS)))
        else:
            lang = sorted(words)[n % len(words)]
            if lang in ("ja",):  # no spaces: a piece of a sentence
                sentence = rng.choice(TEXTS[lang])
                at = rng.randrange(max(1, len(sentence) - 3))
                out.append((f"words-{lang}", sentence[at : at + 3]))
            else:
                out.append((f"words-{lang}", rng.choice(words[lang])))
    return out


def _p(times: list[float], q: float) -> float:
    ordered = sorted(times)
    return round(ordered[int(q * (len(ordered) - 1))], 1)


def search_bench(
    messages: Annotated[int, typer.Option(help="messages in the database")] = 1_000_000,
    per_conversation: Annotated[int, typer.Option(help="messages per conversation")] = 10,
    database_url: Annotated[
        str | None,
        typer.Option(help="a PostgreSQL database to use (emptied first); default a new SQLite"),
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="print the figures as one JSON object")
    ] = False,
) -> None:
    """Fill a shop, then time 200 mixed searches as the owner (API: one untimed pass over
    them first, its figures given as the first pass's) and as an agent (the use case)."""
    from fastapi.testclient import TestClient

    from kefu.cli import bench as common
    from kefu.services import search
    from kefu.services.auth import principal_of
    from kefu.web.app import create_app

    rng = random.Random(19)  # noqa: S311 - benchmark data
    with tempfile.TemporaryDirectory() as tmp:
        kefu = common._fresh(Path(tmp), "search.db", database_url=database_url)
        typer.echo(f"filling {messages} messages…", err=True)
        started = time.perf_counter()
        filled = kefu.fill_search_corpus(
            messages,
            per_conversation,
            progress=lambda done, total: (
                typer.echo(f"  {done}/{total}", err=True)
                if done % 100_000 < 5_000 * per_conversation
                else None
            ),
        )
        fill_seconds = time.perf_counter() - started
        if kefu.engine.dialect.name == "postgresql":
            # The planner's statistics, as autovacuum gives a running server minutes after
            # a big write (without them the first searches plan blind).
            with kefu.engine.begin() as conn:
                conn.exec_driver_sql("ANALYZE")
        queries = _queries(filled, rng)
        with kefu.uow() as uow:
            stores = [s.id for s in uow.queries.stores()]
            agent = next(a for a in uow.auth.accounts() if not a.is_main)
            uow.auth.set_stores(agent.id, stores[:2])
            uow.commit()
            refreshed = uow.auth.account_by_username(agent.username)
        assert refreshed is not None  # noqa: S101
        who = principal_of(refreshed)
        owner: list[float] = []
        cold: list[float] = []
        by_kind: dict[str, list[float]] = {}
        found_first = 0
        with TestClient(create_app(kefu=kefu), headers=common._owner_token(kefu)) as client:
            # Two passes over the same 200 queries: the first right after the fill, with
            # the index pages still on disk (reported as "cold"), then the timed one.
            for warm in (False, True):
                for kind, q in queries:
                    t0 = time.perf_counter()
                    response = client.get("/api/v1/search", params={"q": q})
                    took = (time.perf_counter() - t0) * 1000
                    if response.status_code != 200:
                        common._fail(f"{q!r}: {response.status_code} {response.text[:200]}")
                    if not warm:
                        cold.append(took)
                        continue
                    body = response.json()
                    if kind in ("order", "tracking") and body["results"]:
                        found_first += body["results"][0]["matched"] == "key"
                    elif body["total"] == 0:
                        common._fail(f"{kind} {q!r} found nothing")
                    owner.append(took)
                    by_kind.setdefault(kind.split("-")[0], []).append(took)
        agent_times: list[float] = []
        for _, q in queries:
            t0 = time.perf_counter()
            search.search(who, q, uow=kefu.uow())
            agent_times.append((time.perf_counter() - t0) * 1000)
        engine = kefu.engine.dialect.name
        kefu.close()
    identifiers = sum(1 for k, _ in queries if k in ("order", "tracking"))
    if found_first != identifiers:
        common._fail(f"only {found_first} of {identifiers} identifiers came first")
    cases = {
        kind: {"p50_ms": round(statistics.median(v), 1), "p95_ms": _p(v, 0.95)}
        for kind, v in sorted(by_kind.items())
    }
    cases["agent (2 stores)"] = {
        "p50_ms": round(statistics.median(agent_times), 1),
        "p95_ms": _p(agent_times, 0.95),
    }
    figures = {
        "engine": engine,
        "messages": filled.messages,
        "translations": filled.translations,
        "fill_seconds": round(fill_seconds, 1),
        "queries": len(queries),
        "p50_ms": round(statistics.median(owner), 1),
        "p95_ms": _p(owner, 0.95),
        "cold_p50_ms": round(statistics.median(cold), 1),
        "cold_p95_ms": _p(cold, 0.95),
        "cases": cases,
        "machine": common._machine(),
    }
    common._finish(
        "search",
        as_json,
        figures,
        f"{engine}, {filled.messages} messages, {len(queries)} mixed queries: "
        f"p50 {figures['p50_ms']} ms p95 {figures['p95_ms']} ms (target p95 < 50 ms; "
        f"first pass p95 {figures['cold_p95_ms']} ms); "
        f"agent p95 {cases['agent (2 stores)']['p95_ms']} ms",
    )
