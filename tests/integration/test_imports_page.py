"""The Import page over HTTP as a browser uses it: upload, preview with the mapping,
a fixed column, confirm, the run's progress and report; rates; Chinese and English."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from kefu.bootstrap import Kefu
from kefu.web.app import create_app
from tests.web import sign_in

ORDERS = (
    "单号,买家,国家,订单状态,下单时间,商品编码,数量,单价\n"
    "P-1,buyer1,US,已付款,2026-11-03 10:00,SKU-A,2,19.90\n"
    "P-2,buyer2,Narnia,已付款,2026-11-03 10:00,SKU-A,1,19.90\n"
)


@pytest.fixture
def uploads_dir(kefu: Kefu, tmp_path: Path) -> Path:
    folder = tmp_path / "imports"
    kefu.settings = kefu.settings.model_copy(
        update={"import_dir": str(folder), "max_upload_bytes": 64 * 1024}
    )
    return folder


@pytest.fixture
def client(kefu: Kefu, uploads_dir: Path, team: dict[str, int]) -> Iterator[TestClient]:
    with TestClient(create_app(kefu=kefu)) as c:
        sign_in(c, kefu, "owner")
        c.cookies.set("kefu_locale", "en")
        yield c


def _token(html: str) -> str:
    found = re.search(r'action="/imports/staged/([0-9a-f]{32})"', html)
    assert found, html[-3000:]
    return found[1]


def test_upload_preview_fix_a_column_confirm_and_follow_the_run(
    kefu: Kefu, client: TestClient, uploads_dir: Path
) -> None:
    page = client.get("/imports")
    assert page.status_code == 200
    assert 'href="/imports"' in page.text and "Upload and preview" in page.text

    shown = client.post(
        "/imports/preview",
        data={"store": "amazon-us", "kind": "orders"},
        files={"file": ("订单.csv", ORDERS.encode("gbk"), "text/csv")},
    )
    assert shown.status_code == 200, shown.text[-2000:]
    html = shown.text
    assert 'data-testid="encoding">gb18030<' in html
    assert "order_number: no column chosen" in html  # 单号 is not a name kefu knows
    token = _token(html)
    assert [p.name for p in uploads_dir.iterdir()] == [f"upload-{token}"]

    form = {
        "store": "amazon-us",
        "kind": "orders",
        "filename": "订单.csv",
        "format": "csv",
        "encoding": "",
        "map_order_number": "单号",
        "map_buyer_id": "买家",
        "map_buyer_country": "国家",
        "map_status": "订单状态",
        "map_placed_at": "下单时间",
        "map_line_sku": "商品编码",
        "map_line_quantity": "数量",
        "map_line_price": "单价",
    }
    again = client.post(f"/imports/staged/{token}", data={**form, "action": "preview"})
    assert again.status_code == 200
    assert "no column chosen" not in again.text
    assert "is not an ISO 3166 country code" in again.text

    started = client.post(
        f"/imports/staged/{token}",
        data={**form, "action": "import", "remember": "on"},
        follow_redirects=False,
    )
    assert started.status_code == 303, started.text[-2000:]
    run_url = started.headers["location"]
    run_id = int(run_url.rsplit("/", 1)[1])
    waiting = client.get(run_url)
    assert 'hx-trigger="every 1s"' in waiting.text

    kefu.run_import(run_id)
    progress = client.get(f"{run_url}/progress")
    assert 'data-status="done"' in progress.text
    assert "hx-trigger" not in progress.text  # the polling stops
    assert f'href="/api/v1/imports/{run_id}/errors.csv"' in progress.text
    assert 'data-count="created">1<' in progress.text
    assert "Narnia" in progress.text
    assert list(uploads_dir.iterdir()) == []

    # the mapping is remembered: the next preview of the same columns uses it
    next_time = client.post(
        "/imports/preview",
        data={"store": "amazon-us", "kind": "orders"},
        files={"file": ("订单.csv", ORDERS.encode("gbk"), "text/csv")},
    )
    assert 'data-testid="mapping-origin">remembered for this store<' in next_time.text
    listed = client.get("/imports")
    assert f'data-run="{run_id}"' in listed.text


def test_the_page_speaks_chinese(client: TestClient) -> None:
    client.cookies.set("kefu_locale", "zh_CN")
    page = client.get("/imports")
    assert "导入店铺数据" in page.text
    shown = client.post(
        "/imports/preview",
        data={"store": "amazon-us", "kind": "orders"},
        files={"file": ("o.csv", ORDERS.encode("gbk"), "text/csv")},
    )
    assert "订单号" in shown.text and "编码" in shown.text


def test_refusals_on_the_page(kefu: Kefu, client: TestClient, uploads_dir: Path) -> None:
    no_file = client.post("/imports/preview", data={"store": "amazon-us", "kind": "orders"})
    assert no_file.status_code == 422 and "choose a file" in no_file.text
    big = client.post(
        "/imports/preview",
        data={"store": "amazon-us", "kind": "products"},
        files={"file": ("big.csv", b"sku,title\n" + b"A,B\n" * 20_000)},
    )
    assert big.status_code == 413 and "too large" in big.text
    gone = client.post("/imports/staged/" + "0" * 32, data={"store": "amazon-us", "kind": "orders"})
    assert gone.status_code == 422 and "upload it again" in gone.text
    assert list(uploads_dir.glob("*")) == []
    sign_in(client, kefu, "lina")
    assert client.get("/imports").status_code == 403
    assert 'href="/imports"' not in client.get("/").text


def test_rates_on_the_page(client: TestClient) -> None:
    done = client.post(
        "/imports/rates",
        files={"file": ("eurofxref.csv", b"Date,USD,JPY,GBP,\n2026-11-03,1.08,160.5,0.85,\n")},
    )
    assert done.status_code == 200
    assert "3 rates added" in done.text


def test_a_report_with_figures_in_its_reasons_reads_in_chinese(
    kefu: Kefu, client: TestClient, uploads_dir: Path
) -> None:
    """A reason carrying a currency and a day (no rate for it) is translated, then filled."""
    euros = (
        "order_number,buyer_id,status,placed_at,currency,total\n"
        "R-1,b1,paid,2026-11-03 10:00,EUR,10\n"
        "R-2,b2,paid,2026-11-03 10:00,USD,10\n"
    )
    client.cookies.set("kefu_locale", "zh_CN")
    shown = client.post(
        "/imports/preview",
        data={"store": "amazon-us", "kind": "orders"},
        files={"file": ("eur.csv", euros.encode(), "text/csv")},
    )
    started = client.post(
        f"/imports/staged/{_token(shown.text)}",
        data={"store": "amazon-us", "kind": "orders", "filename": "eur.csv", "format": "csv",
              "encoding": "", "action": "import",
              **{f"map_{c}": c for c in euros.splitlines()[0].split(",")}},
        follow_redirects=False,
    )  # fmt: skip
    assert started.status_code == 303, started.text[-2000:]
    run_url = started.headers["location"]
    kefu.run_import(int(run_url.rsplit("/", 1)[1]))
    report = client.get(f"{run_url}/progress").text
    assert "2026-11-03 及之前 7 天没有 EUR 对美元的汇率" in report
    client.cookies.set("kefu_locale", "en")
    assert "no USD rate for EUR on 2026-11-03" in client.get(f"{run_url}/progress").text
