"""Crash test for ingestion: kill the server with SIGKILL while messages stream in.

Starts `kefu serve` on a fresh database, streams synthetic buyer messages to
`POST /api/v1/messages` in batches, kills the server process with SIGKILL at random
moments, restarts it, re-sends every batch that was not acknowledged, and finally checks
in the database that every message is stored exactly once (and has its reporting fact).

    .venv/bin/python bench/crash_ingest.py [--database-url URL] [--messages N] [--kills K]

Ends with one line: `crash test: K kills, N messages, lost 0, duplicated 0`.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import text

from kefu.bootstrap import bootstrap
from kefu.cli.servers import ServerProcess, prepare_database
from kefu.config import Settings
from kefu.demo.catalog import STORES

PREFIX = "crash-"


def batches(count: int, size: int, rng: random.Random) -> list[list[dict[str, Any]]]:
    start = datetime.now(UTC) - timedelta(days=2)
    rows = [
        {
            "store": STORES[n % len(STORES)].code,
            "message_id": f"{PREFIX}{n}",
            "conversation_id": f"crash-thread-{n // 4}",
            "buyer_id": f"crash-buyer-{n // 4}",
            "buyer_name": f"Buyer {n // 4}",
            "buyer_language": "en",
            "sent_at": (start + timedelta(seconds=n)).isoformat(),
            "text": f"Hello, where is my order? ({n}, {rng.random():.6f})",
        }
        for n in range(count)
    ]
    return [rows[i : i + size] for i in range(0, count, size)]


def stream(
    server: ServerProcess, token: str, pending: list[list[dict[str, Any]]], kills: int, seed: int
) -> int:
    """Send every batch until each is acknowledged; a killer thread strikes meanwhile."""
    rng = random.Random(seed)
    done = threading.Event()
    killed = 0

    def killer() -> None:
        nonlocal killed
        while killed < kills and not done.is_set():
            time.sleep(rng.uniform(0.3, 2.5))
            if done.is_set():
                return
            server.kill()
            killed += 1
            server.start()

    thread = threading.Thread(target=killer, daemon=True)
    thread.start()
    headers = {"Authorization": f"Bearer {token}"}
    base = f"{server.base}/api/v1/messages"
    queue = list(pending)
    while queue:
        batch = queue[0]
        try:
            response = httpx.post(base, json=batch, headers=headers, timeout=30)
        except httpx.TransportError:
            time.sleep(0.2)  # the server is down or restarting: the batch goes again
            continue
        if response.status_code == 200 and not response.json()["errors"]:
            queue.pop(0)
        elif response.status_code >= 500:
            time.sleep(0.2)
        else:
            raise SystemExit(f"refused: {response.status_code} {response.text[:300]}")
    done.set()
    thread.join()
    return killed


def count(url: str, expected: int) -> dict[str, int]:
    kefu = bootstrap(Settings(database_url=url))
    with kefu.engine.connect() as conn:
        stored, distinct = conn.execute(
            text(
                "SELECT count(*), count(DISTINCT platform_message_id) FROM messages "
                "WHERE platform_message_id LIKE :p"
            ),
            {"p": f"{PREFIX}%"},
        ).one()
        facts = conn.execute(
            text("SELECT count(*) FROM kpi_facts WHERE automatic = false")
        ).scalar_one()
    kefu.close()
    return {
        "stored": stored,
        "lost": expected - distinct,
        "duplicated": stored - distinct,
        "facts": facts,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="default: a fresh SQLite file")
    parser.add_argument("--messages", type=int, default=20_000)
    parser.add_argument("--batch", type=int, default=200)
    parser.add_argument("--kills", type=int, default=8)
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite:///{Path(tmp) / 'crash.db'}"
        token = prepare_database(url)
        server = ServerProcess(url, Path(tmp) / "serve.log")
        server.start()
        started = time.perf_counter()
        try:
            kills = stream(
                server,
                token,
                batches(args.messages, args.batch, random.Random(args.seed)),
                args.kills,
                args.seed,
            )
        finally:
            server.stop()
        elapsed = time.perf_counter() - started
        result = count(url, args.messages)
    figures = {"kills": kills, "messages": args.messages, "seconds": round(elapsed, 1), **result}
    if args.json:
        print(json.dumps(figures))
    print(
        f"crash test: {kills} kills, {args.messages} messages, lost {result['lost']}, "
        f"duplicated {result['duplicated']} ({result['facts']} reporting facts, {elapsed:.1f} s)"
    )
    if result["lost"] or result["duplicated"] or result["facts"] != args.messages:
        sys.exit(1)


if __name__ == "__main__":
    main()
