"""`kefu bench logistics`: the logistics board over 200,000 parcels (docs/benchmarks.md,
docs/logistics.md). Target: the board under 1 s. `measure_board` is also the board half
of `kefu bench tracking`, run after the events are imported."""

from __future__ import annotations

import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer

from kefu.bootstrap import Kefu
from kefu.domain.logistics import Anomaly, BoardFilters
from kefu.services import logistics
from kefu.services.auth import principal_of

RUNS = 5  # each figure is the median of this many runs (one untimed first)


def _median_ms(run: Callable[[], object]) -> dict[str, float]:
    """Wall and CPU time: on a shared machine the wall time also counts the waiting for
    a core, the CPU time is what the board itself costs."""
    run()
    walls, cpus = [], []
    for _ in range(RUNS):
        t0, c0 = time.perf_counter(), time.process_time()
        run()
        walls.append((time.perf_counter() - t0) * 1000)
        cpus.append((time.process_time() - c0) * 1000)
    return {
        "median_ms": round(statistics.median(walls), 1),
        "cpu_ms": round(statistics.median(cpus), 1),
    }


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
        kefu.fill_board_parcels(parcels)
        fill_seconds = round(time.perf_counter() - started, 1)
        if kefu.engine.dialect.name == "postgresql":
            with kefu.engine.begin() as conn:
                conn.exec_driver_sql("ANALYZE")
        measured = measure_board(kefu)
        engine = kefu.engine.dialect.name
        kefu.close()
    if measured["lines"] == 0:
        common._fail("the board found no parcel to list")
    worst = max(v["median_ms"] for v in measured["board_ms"].values())
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
        f"{measured['board_ms']['page 1']['median_ms']} ms "
        f"({measured['board_ms']['page 1']['cpu_ms']} ms CPU; slowest case {worst} ms)",
    )
