"""`kefu bench deadlines`: the deadlines board over 100,000 open cases and 100,000
unanswered conversations, and the sweep (breach notifications and time-outs) over them
(docs/benchmarks.md). Targets: the board under 1 s, the sweep under 2 s."""

from __future__ import annotations

import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer

from kefu.domain.deadline_board import BoardFilters, Urgency
from kefu.services import deadlines
from kefu.services.auth import principal_of

RUNS = 7  # each board figure is the median of this many runs (one untimed first)


def _median_ms(run: Callable[[], object]) -> float:
    run()
    times = []
    for _ in range(RUNS):
        t0 = time.perf_counter()
        run()
        times.append((time.perf_counter() - t0) * 1000)
    return round(statistics.median(times), 1)


def deadlines_bench(
    cases: Annotated[int, typer.Option(help="open cases")] = 100_000,
    conversations: Annotated[int, typer.Option(help="unanswered conversations")] = 100_000,
    database_url: Annotated[
        str | None,
        typer.Option(help="a PostgreSQL database to use (emptied first); default a new SQLite"),
    ] = None,
    backlog: Annotated[
        bool,
        typer.Option(
            help="the sweep's first run: every breach is new (default: those older than a "
            "minute were told, as the 5-minute job leaves them)"
        ),
    ] = False,
    as_json: Annotated[
        bool, typer.Option("--json", help="print the figures as one JSON object")
    ] = False,
) -> None:
    """Fill a shop, then time the board's first page as the owner (with the per-agent
    summary), with filters, and as an agent given two stores; then one sweep, which
    times out 10 % of the cases (eBay cancellations), and a second that finds nothing."""
    from kefu.cli import bench as common

    with tempfile.TemporaryDirectory() as tmp:
        kefu = common._fresh(Path(tmp), "deadlines.db", database_url=database_url)
        typer.echo(f"filling {conversations} conversations and {cases} cases…", err=True)
        started = time.perf_counter()
        kefu.fill_synthetic_inbox(conversations, 1)
        kefu.fill_deadline_cases(cases, told=not backlog)
        fill_seconds = round(time.perf_counter() - started, 1)
        if kefu.engine.dialect.name == "postgresql":
            with kefu.engine.begin() as conn:  # the statistics autovacuum would gather
                conn.exec_driver_sql("ANALYZE")
        with kefu.uow() as uow:
            accounts = uow.auth.accounts()
            stores = [s.id for s in uow.queries.stores()]
            agent = next(a for a in accounts if not a.is_main)
            uow.auth.set_stores(agent.id, stores[:2])
            uow.commit()
            owner = next(a for a in accounts if a.is_main)
            refreshed = uow.auth.account_by_username(agent.username)
        assert refreshed is not None  # noqa: S101
        boss, sub = principal_of(owner), principal_of(refreshed)

        def board(who: Any, **filters: Any) -> Callable[[], object]:
            return lambda: deadlines.board(
                who, BoardFilters(**filters), uow=kefu.uow(), clock=kefu.clock
            )

        first = deadlines.board(boss, BoardFilters(), uow=kefu.uow(), clock=kefu.clock)
        if first.total < cases + conversations or len(first.items) != deadlines.PAGE_SIZE:
            common._fail(f"the board holds {first.total} items, {len(first.items)} on page 1")
        timings = {
            "owner, page 1 + per agent": _median_ms(board(boss)),
            "owner, page 20": _median_ms(board(boss, page=20)),
            "owner, overdue only": _median_ms(board(boss, urgency=Urgency.OVERDUE)),
            "owner, one store": _median_ms(board(boss, store_id=stores[0])),
            "agent (2 stores)": _median_ms(board(sub)),
        }
        t0 = time.perf_counter()
        report = deadlines.sweep(kefu.uow(), kefu.clock)
        sweep_ms = round((time.perf_counter() - t0) * 1000, 1)
        t0 = time.perf_counter()
        again = deadlines.sweep(kefu.uow(), kefu.clock)
        again_ms = round((time.perf_counter() - t0) * 1000, 1)
        engine = kefu.engine.dialect.name
        kefu.close()
    if report.timed_out != cases // 10 or again != deadlines.SweepReport():
        common._fail(f"the sweep did {report}, then {again}")
    worst = max(timings.values())
    figures = {
        "engine": engine,
        "cases": cases,
        "conversations": conversations,
        "fill_seconds": fill_seconds,
        "breaches": "all new" if backlog else "told a minute ago",
        "board_ms": {k: {"median_ms": v} for k, v in timings.items()},
        "sweep": {
            "ms": sweep_ms,
            "timed_out": report.timed_out,
            "case_breaches": report.case_breaches,
            "conversation_breaches": report.conversation_breaches,
            "second_run_ms": again_ms,
        },
        "machine": common._machine(),
    }
    common._finish(
        "deadlines",
        as_json,
        figures,
        f"{engine}, {cases} cases + {conversations} conversations: board page 1 "
        f"{timings['owner, page 1 + per agent']} ms (slowest case {worst} ms); sweep "
        f"{sweep_ms} ms ({report.timed_out} timed out, "
        f"{report.case_breaches + report.conversation_breaches} breaches told), "
        f"again {again_ms} ms",
    )
