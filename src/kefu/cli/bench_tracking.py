"""`kefu bench tracking`: 1,000,000 tracking events for 200,000 parcels through the one
ingest use case (docs/benchmarks.md "tracking"). Target ≥ 20,000 events/s.

The events are what a day of sources brings: several sources (a provider that maps its own
statuses, webhooks and marketplaces with carrier texts in seven languages, files with status
words), 4 % sent twice, about a tenth of each parcel's events arriving after a later one,
2 % in words no rule knows, 1 % for numbers no parcel has. Only `record_events` and its
commit are timed, batch by batch; building the events is not.
"""

from __future__ import annotations

import gc
import random
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated

import typer

from kefu.cli.bench_board import measure_board
from kefu.domain.tracking import IncomingEvent, TrackingSource
from kefu.domain.types import TrackingStatus as S
from kefu.services.tracking import IngestReport, record_events

# A parcel's life, step by step: (status, the carrier's words per language).
LIFE: tuple[tuple[S, dict[str, str]], ...] = (
    (
        S.INFO_RECEIVED,
        {
            "en": "Shipment information received",
            "zh": "电子信息已收到",
            "es": "Admitido",
            "ru": "Принято в отделении связи",
            "fr": "Pris en charge",
            "de": "Sendung wurde bearbeitet",
            "pt": "Objeto postado",
        },
    ),
    (
        S.IN_TRANSIT,
        {
            "en": "Departed from sorting center",
            "zh": "离开深圳处理中心，发往国外",
            "es": "En tránsito",
            "ru": "Покинуло сортировочный центр",
            "fr": "En cours d'acheminement",
            "de": "Sendung ist unterwegs",
            "pt": "Objeto em trânsito",
        },
    ),
    (
        S.CUSTOMS,
        {
            "en": "Customs clearance in progress",
            "zh": "清关中",
            "es": "En aduana",
            "ru": "Таможенное оформление",
            "fr": "Présenté en douane",
            "de": "Sendung beim Zoll",
            "pt": "Fiscalização aduaneira (alfândega)",
        },
    ),
    (
        S.OUT_FOR_DELIVERY,
        {
            "en": "Out for delivery",
            "zh": "派送中",
            "es": "En reparto",
            "ru": "Передано курьеру",
            "fr": "En cours de livraison",
            "de": "Sendung in Zustellung",
            "pt": "Saiu para entrega",
        },
    ),
    (
        S.DELIVERED,
        {
            "en": "Delivered",
            "zh": "已妥投",
            "es": "Entregado",
            "ru": "Вручено адресату",
            "fr": "Votre colis est livré",
            "de": "Zugestellt",
            "pt": "Objeto entregue ao destinatário",
        },
    ),
)
LANGUAGES = ("en", "zh", "es", "ru", "fr", "de", "pt")
UNKNOWN_WORDS = ("Scan at facility Q7", "Processed at hub HX-2", "轨迹节点 7", "Etapa 4 concluida")
SOURCES = (
    TrackingSource.SEVENTEEN_TRACK,
    TrackingSource.WEBHOOK,
    TrackingSource.MARKETPLACE,
    TrackingSource.IMPORT,
)
BATCH = 5000


def bench_number(i: int) -> str:
    """The bench's i-th tracking number, for the parcels filled and the events made."""
    return f"LB{i:09d}CN"


def _stream(parcels: int, events: int, now: datetime, seed: int) -> list[tuple[int, int, int]]:
    """(parcel, step, kind) in arrival order: kind 0 a first sending, 1 a repeat, 2 an
    orphan. Steps arrive roughly in order, with jitter that swaps about a tenth."""
    rng = random.Random(seed)  # noqa: S311 - benchmark data
    orphans, repeats = events // 100, events * 4 // 100
    firsts = events - orphans - repeats
    per = [firsts // parcels + (1 if p < firsts % parcels else 0) for p in range(parcels)]
    keyed: list[tuple[float, int, int, int]] = [
        (step + rng.uniform(0, 1.3), p, step, 0) for p in range(parcels) for step in range(per[p])
    ]
    keyed += [(k + rng.uniform(0.2, 1.0), p, s, 1) for k, p, s, _ in rng.sample(keyed, repeats)]
    keyed += [(rng.uniform(0, 5), parcels + n, n % 3, 2) for n in range(orphans)]
    keyed.sort()
    return [(p, s, kind) for _, p, s, kind in keyed]


def _event(parcel: int, step: int, source: TrackingSource, shipped: datetime) -> IncomingEvent:
    status, words = LIFE[min(step, len(LIFE) - 1)]
    at = shipped + timedelta(hours=30 * step + parcel % 17)
    number = bench_number(parcel)
    unknown = (parcel * 7 + step) % 50 == 0  # 2 %: words no rule knows
    code = f"E{step}"  # the same event's code whichever source tells it
    if source is TrackingSource.SEVENTEEN_TRACK:
        return IncomingEvent(number, at, code, words["en"], "CN", status=status)
    language = "en" if source is TrackingSource.IMPORT else LANGUAGES[parcel % 7]
    text = UNKNOWN_WORDS[parcel % 4] if unknown else words[language]
    return IncomingEvent(number, at, code, text, "Hub", carrier="China Post")


def _batches(
    stream: list[tuple[int, int, int]], now: datetime
) -> Iterator[tuple[TrackingSource, list[IncomingEvent]]]:
    shipped = now - timedelta(days=20)
    for n, start in enumerate(range(0, len(stream), BATCH)):
        source = SOURCES[n % len(SOURCES)]
        yield (
            source,
            [_event(p, s, source, shipped) for p, s, _ in stream[start : start + BATCH]],
        )


def tracking_bench(
    parcels: Annotated[int, typer.Option(help="parcels in the shop")] = 200_000,
    events: Annotated[int, typer.Option(help="events ingested")] = 1_000_000,
    database_url: Annotated[
        str | None,
        typer.Option(help="a PostgreSQL database to use (emptied first); default a new SQLite"),
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="print the figures as one JSON object")
    ] = False,
) -> None:
    """Fill a shop with parcels, ingest the events in batches of 5,000 through
    `record_events`, then check every parcel's latest status."""
    from kefu.cli import bench as common

    if events < parcels:
        common._fail("give at least one event per parcel")
    with tempfile.TemporaryDirectory() as tmp:
        kefu = common._fresh(Path(tmp), "tracking.db", database_url=database_url)
        now = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)
        typer.echo(f"filling {parcels} parcels…", err=True)
        started = time.perf_counter()
        kefu.fill_tracking_parcels(parcels, bench_number)
        if kefu.engine.dialect.name == "postgresql":
            with kefu.engine.begin() as conn:
                conn.exec_driver_sql("ANALYZE")
        fill_seconds = round(time.perf_counter() - started, 1)
        stream = _stream(parcels, events, now, seed=21)
        # The arrival plan (a million tuples) lives to the end: kept out of the garbage
        # collector's full passes, which would walk it and land in the ingest's time.
        gc.collect()
        gc.freeze()
        total, spent, cpu, done = IngestReport(), 0.0, 0.0, 0
        for source, batch in _batches(stream, now):
            t0, c0 = time.perf_counter(), time.process_time()
            with kefu.uow() as uow:
                report = record_events(uow, batch, source=source, now=now)
                uow.commit()
            spent += time.perf_counter() - t0
            cpu += time.process_time() - c0
            for name in ("received", "added", "duplicates", "orphaned", "unmapped"):
                setattr(total, name, getattr(total, name) + getattr(report, name))
            done += len(batch)
            if done % 100_000 < BATCH:
                typer.echo(f"  {done} events, {done / spent:,.0f}/s", err=True)
        gc.unfreeze()
        # Then the logistics board over the parcels those events left (the owner's view,
        # page 1; the median of its runs, as `kefu bench logistics` measures it).
        typer.echo("computing the logistics board…", err=True)
        board = measure_board(kefu)
        board_seconds = board["board_ms"]["page 1"]["median_ms"] / 1000
        with kefu.engine.connect() as conn:
            latest: dict[str | None, int] = dict(
                conn.exec_driver_sql(
                    "SELECT latest_status, count(*) FROM parcels GROUP BY latest_status"
                ).all()
            )
        engine = kefu.engine.dialect.name
        kefu.close()
    if total.received != events or sum(latest.values()) != parcels or None in latest:
        common._fail(f"ingested {total}, parcels by status {latest}")
    rate = round(events / spent)
    figures = {
        "engine": engine,
        "parcels": parcels,
        "events": events,
        "fill_seconds": fill_seconds,
        "ingest_seconds": round(spent, 1),
        "events_per_s": rate,
        # This process's CPU time (SQLite runs in it; PostgreSQL's own work is not counted):
        # the figure a shared, busy machine does not lower.
        "cpu_seconds": round(cpu, 1),
        "report": {
            "added": total.added,
            "duplicates": total.duplicates,
            "orphaned": total.orphaned,
            "unmapped": total.unmapped,
        },
        "parcels_by_status": latest,
        "board_seconds": board_seconds,
        "board_lines": board["lines"],
        "board_ms": board["board_ms"],
        "machine": common._machine(),
    }
    common._finish(
        "tracking",
        as_json,
        figures,
        f"{rate} events/s, board {board_seconds * 1000:.0f} ms "
        f"({engine}, {events} events for {parcels} parcels, "
        f"{round(events / cpu)} events per CPU second: "
        f"{total.added} added, {total.duplicates} duplicates, {total.orphaned} orphaned, "
        f"{total.unmapped} unmapped)",
    )
