"""README "Use it for your shop", command by command, on an empty database with the files
in examples/shop/: what a newcomer types works and does what the README says."""

from __future__ import annotations

import json
import os
from pathlib import Path

from sqlalchemy import create_engine, text
from typer.testing import CliRunner

from kefu.cli.main import app as cli

EXAMPLES = Path(__file__).parent.parent.parent / "examples" / "shop"


def test_the_readme_path_from_an_empty_database(tmp_path: Path) -> None:
    url = os.environ.get("KEFU_TEST_DATABASE_URL") or f"sqlite:///{tmp_path / 'shop.db'}"
    engine = create_engine(url)
    if url.startswith("postgresql"):
        with engine.begin() as conn:
            conn.exec_driver_sql("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
        engine.dispose()
    runner = CliRunner()
    env = {"KEFU_DATABASE_URL": url, "KEFU_OWNER_PASSWORD": "silk-road-scarves-2026"}

    def run(*args: str) -> str:
        result = runner.invoke(cli, list(args), env=env)
        assert result.exit_code in (0, 2), result.output
        return result.stdout

    assert "main account boss created" in run("team", "owner", "boss", "--name", "王店长")
    run(
        "store", "add", "ali-main", "--platform", "aliexpress", "--site", "aliexpress.com",
        "--name", "Silk Road Scarves", "--currency", "USD", "--timezone", "Asia/Shanghai",
        "--holiday-country", "CN",
    )  # fmt: skip
    store = ("--store", "ali-main")
    products = json.loads(
        run("import", str(EXAMPLES / "products.csv"), "--kind", "products", *store, "--json")
    )
    assert (products["created"], products["errors"]) == (3, [])
    rates = json.loads(
        run("import", str(EXAMPLES / "rates-example.csv"), "--kind", "rates", "--json")
    )
    assert rates["created"] == 15 and rates["errors"] == []
    preview = run(
        "import", str(EXAMPLES / "orders-gbk.csv"), "--kind", "orders", *store, "--preview"
    )
    assert "encoding gb18030" in preview and "order_number           ← 订单号" in preview
    orders = json.loads(
        run("import", str(EXAMPLES / "orders-gbk.csv"), "--kind", "orders", *store, "--json")
    )
    assert orders["created"] == 2
    assert [(e["row"], e["field"]) for e in orders["errors"]] == [(5, "line_quantity")]
    parcels = json.loads(
        run("import", str(EXAMPLES / "parcels.csv"), "--kind", "parcels", *store, "--json")
    )
    assert (parcels["created"], parcels["set_aside"]) == (1, 1)  # 8190009 is not known yet

    with engine.connect() as conn:
        found = conn.execute(
            text(
                "SELECT o.order_number, o.currency, o.total_cents, o.total_usd_cents, "
                "p.latest_status FROM orders o LEFT JOIN parcels p ON p.order_id = o.id "
                "ORDER BY o.order_number"
            )
        ).all()
    engine.dispose()
    # 2 × 11.90 + 17.00 + 2.00 shipping = 42.80 EUR at 1.0825 USD per EUR on the day paid.
    assert [tuple(r) for r in found] == [
        ("8190001", "EUR", 4280, 4633, None),
        ("8190002", "USD", 1290, 1290, "customs"),
    ]
