"""`kefu bench import`: an ERP's order export (one row per order line) into an empty
database — rows per second and the importing process's peak memory (docs/benchmarks.md)."""

from __future__ import annotations

import csv
import multiprocessing
import random
import resource
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any

import typer

from kefu.bootstrap import bootstrap, open_table
from kefu.config import Settings
from kefu.services import shopdata

COLUMNS = (
    "订单号",
    "买家",
    "买家姓名",
    "国家",
    "订单状态",
    "币种",
    "下单时间",
    "付款时间",
    "运费",
    "商品编码",
    "商品名称",
    "数量",
    "单价",
)
STATUSES = ("已付款", "已发货", "交易完成", "待发货")


def write_orders(path: Path, orders: int, lines: int, seed: int = 7) -> int:
    """The export, written as it streams (GB18030, as Chinese ERPs save it); rows written."""
    rng = random.Random(seed)  # noqa: S311 — synthetic data, not a secret
    start = datetime(2026, 9, 1, tzinfo=UTC)
    rows = 0
    with path.open("w", encoding="gb18030", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(COLUMNS)
        for n in range(orders):
            placed = start + timedelta(minutes=rng.randrange(60 * 24 * 60))
            currency = "EUR" if n % 5 == 0 else "USD"
            head = (
                f"B-{n:07d}",
                f"buyer-{rng.randrange(orders // 2 + 1)}",
                "张伟" if n % 3 else "Ana García",
                rng.choice(("US", "DE", "ES", "FR", "BR")),
                rng.choice(STATUSES),
                currency,
                placed.strftime("%Y-%m-%d %H:%M:%S"),
                (placed + timedelta(minutes=5)).strftime("%Y-%m-%d %H:%M:%S"),
                "3.50",
            )
            for _ in range(lines):
                sku = f"SKU-{rng.randrange(5000):04d}"
                writer.writerow(
                    (
                        *head,
                        sku,
                        f"商品 {sku}",
                        rng.randrange(1, 4),
                        f"{rng.randrange(199, 9999) / 100:.2f}",
                    )
                )
                rows += 1
    return rows


def write_rates(path: Path) -> None:
    """ECB-style daily rates for the export's months."""
    day = datetime(2026, 8, 25).date()
    with path.open("w", encoding="utf-8", newline="") as handle:
        handle.write("Date,USD,JPY,GBP\n")
        while day <= datetime(2026, 11, 5).date():
            handle.write(f"{day.isoformat()},1.0850,160.10,0.8550\n")
            day += timedelta(days=1)


class _AnonPeak:
    """The process's peak anonymous memory (heap, SQLite's page cache), sampled from
    /proc; unlike the peak RSS it leaves out the database file's memory-mapped pages,
    which the kernel may drop at any time."""

    def __init__(self) -> None:
        self.peak_kb = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()

    def _sample(self) -> None:
        status = Path("/proc/self/status")
        while not self._stop.wait(0.02):
            for line in status.read_text().splitlines():
                if line.startswith("RssAnon:"):
                    self.peak_kb = max(self.peak_kb, int(line.split()[1]))

    def stop(self) -> int:
        self._stop.set()
        self._thread.join()
        return round(self.peak_kb / 1024)


def _run(url: str, orders_csv: str, rates_csv: str, out: Any) -> None:
    """The timed part, in a fresh process so its peak memory is the import's own."""
    anon = _AnonPeak()
    kefu = bootstrap(Settings(database_url=url, triage_on_ingest=False))
    who = kefu.auth.operator(uow=kefu.uow())
    with open_table(Path(rates_csv)) as rates:
        shopdata.import_rates(who, rates, uow=kefu.uow(), clock=kefu.clock, ref=kefu.reference)
    started = time.perf_counter()
    with open_table(Path(orders_csv)) as table:
        report = shopdata.import_table(
            who, "bench", "orders", table, uow=kefu.uow(), clock=kefu.clock, ref=kefu.reference
        )
    first = time.perf_counter() - started
    started = time.perf_counter()
    with open_table(Path(orders_csv)) as table:
        again = shopdata.import_table(
            who, "bench", "orders", table, uow=kefu.uow(), clock=kefu.clock, ref=kefu.reference
        )
    second = time.perf_counter() - started
    kefu.close()
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    out.send(
        {
            "rows": report.rows,
            "orders_created": report.created,
            "errors": len(report.errors),
            "seconds": round(first, 2),
            "again_seconds": round(second, 2),
            "again_unchanged": again.unchanged,
            "peak_mb": round(peak_kb / 1024),  # Linux counts ru_maxrss in KiB
            "peak_anon_mb": anon.stop(),
        }
    )


def import_bench(
    orders: Annotated[int, typer.Option(help="orders in the file")] = 200_000,
    lines: Annotated[int, typer.Option(help="lines per order (rows per order)")] = 5,
    database_url: Annotated[
        str | None, typer.Option(help="a database to import into (emptied first!)")
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="print the figures as one JSON object")
    ] = False,
) -> None:
    """Import an order export of ORDERS × LINES rows (GB18030 CSV, Chinese headers, one
    order in five in euros) into an empty database, then the same file again."""
    from kefu.cli.bench import _fail, _finish, _fresh, _machine
    from kefu.domain.stores import StoreDraft
    from kefu.services import shop

    with tempfile.TemporaryDirectory(prefix="kefu-bench-") as tmp:
        work = Path(tmp)
        orders_csv, rates_csv = work / "orders.csv", work / "rates.csv"
        rows = write_orders(orders_csv, orders, lines)
        write_rates(rates_csv)
        kefu = _fresh(work, "import.db", database_url=database_url)
        who = kefu.auth.operator(uow=kefu.uow())
        shop.create_store(
            who,
            StoreDraft(
                "bench", "aliexpress", "aliexpress.com", "Bench", "USD", "Asia/Shanghai", "CN"
            ),
            checks=kefu.store_checks,
            uow=kefu.uow(),
            clock=kefu.clock,
        )
        url = str(kefu.engine.url.render_as_string(hide_password=False))
        kefu.close()
        context = multiprocessing.get_context("spawn")
        receive, send = context.Pipe(duplex=False)
        child = context.Process(target=_run, args=(url, str(orders_csv), str(rates_csv), send))
        child.start()
        child.join()
        if child.exitcode != 0 or not receive.poll():
            _fail(f"the importing process failed (exit code {child.exitcode})")
        figures: dict[str, Any] = receive.recv()
        size_mb = orders_csv.stat().st_size / 2**20
    figures |= {
        "rows_per_s": round(rows / figures["seconds"]),
        "again_rows_per_s": round(rows / figures["again_seconds"]),
        "file_mb": round(size_mb, 1),
        "database": "postgresql" if database_url else "sqlite",
        "machine": _machine(),
    }
    _finish(
        "import",
        as_json,
        figures,
        f"{rows} rows ({orders} orders) in {figures['seconds']} s = {figures['rows_per_s']} "
        f"rows/s; peak RSS {figures['peak_mb']} MB ({figures['peak_anon_mb']} MB without the "
        f"database's mapped pages); again (unchanged) {figures['again_rows_per_s']} rows/s",
    )
