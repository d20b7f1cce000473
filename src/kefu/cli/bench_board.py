"""`kefu bench logistics`: the logistics board over 200,000 parcels (docs/benchmarks.md,
docs/logistics.md). Target: the board under 1 s. `measure_board` is also the board half
of `kefu bench tracking`, run after the events are imported."""

from __future__ import annotations

import random
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Annotated, Any

import typer
from sqlalchemy import insert, select

from kefu.adapters.db import tables as t
from kefu.bootstrap import Kefu
from kefu.domain.logistics import Anomaly, BoardFilters
from kefu.domain.types import TrackingStatus
from kefu.services import logistics
from kefu.services.auth import principal_of

RUNS = 5  # each figure is the median of this many runs (one untimed first)
CHUNK = 5_000
# A shop's parcels as they are on a given day: most delivered or moving, a few silent,
# a few with a problem, some with a promise close or passed (weights, in %).
MIX: tuple[tuple[str, str | None, float], ...] = (
    ("delivered", TrackingStatus.DELIVERED.value, 55),
    ("moving", TrackingStatus.IN_TRANSIT.value, 25),
    ("silent", TrackingStatus.IN_TRANSIT.value, 5),
    ("pickup", TrackingStatus.AWAITING_PICKUP.value, 2),
    ("customs", TrackingStatus.CUSTOMS_HOLD.value, 2),
    ("failed", TrackingStatus.FAILED_DELIVERY.value, 1),
    ("returning", TrackingStatus.RETURNING.value, 1),
    ("lost", TrackingStatus.LOST.value, 0.5),
    ("no event", None, 3.5),
    ("promised", TrackingStatus.ARRIVED_DESTINATION.value, 5),
)
CARRIERS = ("China Post Air Mail", "Cainiao Super Economy", "YunExpress", "4PX", "UPS")
COUNTRIES = ("US", "BR", "ES", "FR", "DE", "GB", "RU", "PL")


def _median_ms(run: Callable[[], object]) -> float:
    run()
    times = []
    for _ in range(RUNS):
        t0 = time.perf_counter()
        run()
        times.append((time.perf_counter() - t0) * 1000)
    return round(statistics.median(times), 1)


def fill_parcels(kefu: Kefu, parcels: int, now: datetime, seed: int = 21) -> None:
    """`parcels` orders of one parcel each over the shop's stores, in bulk (Core inserts)."""
    rng = random.Random(seed)  # noqa: S311 — benchmark data, not secrets
    kinds = [k for k, _, _ in MIX]
    weights = [w for _, _, w in MIX]
    status_of = {k: s for k, s, _ in MIX}
    with kefu.engine.begin() as conn:
        stores = conn.execute(select(t.Store.id, t.Store.organisation_id)).all()
        buyers = (
            conn.execute(
                insert(t.Buyer).returning(t.Buyer.id),
                [
                    {"organisation_id": stores[0][1], "name": f"Buyer {i}", "created_at": now}
                    for i in range(2_000)
                ],
            )
            .scalars()
            .all()
        )
    next_order = 1
    for start in range(0, parcels, CHUNK):
        size = min(CHUNK, parcels - start)
        orders, rows = [], []
        for i in range(size):
            kind = rng.choices(kinds, weights)[0]
            shipped = now - timedelta(days=rng.uniform(3, 40))
            promised = None
            if kind == "promised":
                promised = now + timedelta(days=rng.uniform(-5, 3))
            orders.append(
                {
                    "id": next_order + i,
                    "store_id": stores[i % len(stores)][0],
                    "buyer_id": buyers[i % len(buyers)],
                    "order_number": f"B-{next_order + i}",
                    "status": "shipped",
                    "total_cents": 2000,
                    "total_usd_cents": 2000,
                    "ship_to_country": rng.choice(COUNTRIES),
                    "placed_at": shipped - timedelta(days=2),
                    "promised_delivery_at": promised,
                }
            )
            latest = None
            if kind != "no event":
                age = rng.uniform(11, 30) if kind == "silent" else rng.uniform(0, 8)
                latest = max(shipped, now - timedelta(days=age))
            rows.append(
                {
                    "order_id": next_order + i,
                    "carrier": rng.choice(CARRIERS),
                    "tracking_number": f"LP{next_order + i:014d}",
                    "shipped_at": shipped if kind != "no event" else now - timedelta(days=2),
                    "latest_status": status_of[kind],
                    "latest_event_at": latest,
                    "status_since": latest,
                }
            )
        with kefu.engine.begin() as conn:
            conn.execute(insert(t.Order), orders)
            conn.execute(insert(t.Parcel), rows)
        next_order += size


def measure_board(kefu: Kefu) -> dict[str, Any]:
    """The board's timings as the owner: page 1, one anomaly, one store, page 10."""
    with kefu.uow() as uow:
        owner = next(a for a in uow.auth.accounts() if a.is_main)
        stores = [s.id for s in uow.queries.stores()]
    boss = principal_of(owner)

    def board(**filters: Any) -> Callable[[], logistics.Board]:
        return lambda: logistics.board(
            boss, BoardFilters(**filters), uow=kefu.uow(), clock=kefu.clock
        )

    first = board()()
    timings = {
        "page 1": _median_ms(board()),
        "no update only": _median_ms(board(anomaly=Anomaly.NO_UPDATE)),
        "one store": _median_ms(board(store_id=stores[0])),
        "page 10": _median_ms(board(page=10)),
    }
    return {
        "lines": first.total,
        "counts": {a.value: n for a, n in first.counts.items()},
        "board_ms": timings,
    }


def logistics_bench(
    parcels: Annotated[int, typer.Option(help="parcels (one order each)")] = 200_000,
    database_url: Annotated[
        str | None,
        typer.Option(help="a PostgreSQL database to use (emptied first); default a new SQLite"),
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="print the figures as one JSON object")
    ] = False,
) -> None:
    """Fill a shop with parcels in every state, then time the logistics board."""
    from kefu.cli import bench as common

    with tempfile.TemporaryDirectory() as tmp:
        kefu = common._fresh(Path(tmp), "logistics.db", database_url=database_url)
        typer.echo(f"filling {parcels} parcels…", err=True)
        started = time.perf_counter()
        fill_parcels(kefu, parcels, kefu.clock.now())
        fill_seconds = round(time.perf_counter() - started, 1)
        if kefu.engine.dialect.name == "postgresql":
            with kefu.engine.begin() as conn:
                conn.exec_driver_sql("ANALYZE")
        measured = measure_board(kefu)
        engine = kefu.engine.dialect.name
        kefu.close()
    if measured["lines"] == 0:
        common._fail("the board found no parcel to list")
    worst = max(measured["board_ms"].values())
    figures = {
        "engine": engine,
        "parcels": parcels,
        "fill_seconds": fill_seconds,
        **measured,
        "machine": common._machine(),
    }
    common._finish(
        "logistics",
        as_json,
        figures,
        f"{engine}, {parcels} parcels, {measured['lines']} lines: board page 1 "
        f"{measured['board_ms']['page 1']} ms (slowest case {worst} ms)",
    )
