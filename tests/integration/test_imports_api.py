"""The shop-data routes over HTTP (docs/imports.md, "From the browser and the API"): batch
upserts, file uploads run by the data_import job, previews, mappings, parcels set aside,
rates, the errors CSV; refusals. SQLite, and PostgreSQL with KEFU_TEST_DATABASE_URL."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from kefu.bootstrap import Kefu
from kefu.services import shop
from kefu.web.app import create_app
from tests.factories import acting
from tests.web import sign_in

ORDERS_GBK = (
    "订单号,买家,国家,订单状态,下单时间,付款时间,商品编码,数量,单价\n"
    "W-1,buyer1,US,已付款,2026-11-03 10:00,2026-11-03 10:05,SKU-A,2,19.90\n"
    "W-1,buyer1,US,已付款,2026-11-03 10:00,2026-11-03 10:05,SKU-B,1,12.50\n"
    "W-2,buyer2,Narnia,已发货,2026-11-04 10:00,2026-11-04 10:05,SKU-A,1,25.00\n"
    "W-3,buyer3,US,已发货,not a day,2026-11-04 10:05,SKU-A,-1,=cmd|' /C calc'!A0\n"
)
ECB = "Date,USD,JPY,GBP,\n2026-11-03,1.08,160.5,0.85,\n"
PRODUCTS = [
    {"sku": "API-1", "title": "Linen Shirt", "price": "19.90", "stock": 5},
    {"sku": "API-2", "title": "Straw Hat", "price": 9.5, "stock": "12", "weight_g": 150},
]
ORDERS = [
    {
        "order_number": "API-O1",
        "buyer_id": "api-buyer",
        "buyer_country": "US",
        "status": "paid",
        "placed_at": "2026-11-10T08:00:00Z",
        "lines": [{"sku": "API-1", "quantity": 2, "price": "19.90"}],
    }
]
PARCELS = [
    {
        "order_number": "API-O1",
        "tracking_number": "TRK-API-1",
        "carrier": "YunExpress",
        "shipped_at": "2026-11-11T08:00:00Z",
        "events": [{"time": "2026-11-11T09:00:00Z", "status": "in_transit"}],
    }
]
TRACKING = [
    {
        "tracking_number": "TRK-API-1",
        "event_time": "2026-11-12T09:00:00Z",
        "event_status": "delivered",
    }
]


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
        yield c


def _counts(body: dict[str, Any]) -> dict[str, int]:
    return {k: v for k, v in body.items() if k != "errors"}


def _pending_jobs(kefu: Kefu) -> list[str]:
    return [task.name for task in kefu.jobs.huey.pending()]


# --- batch upserts ----------------------------------------------------------------------------


def test_each_kind_is_upserted_and_sending_it_again_changes_nothing(client: TestClient) -> None:
    batches = [
        ("products", {"items": PRODUCTS}),
        ("orders", ORDERS),  # a bare list is taken too
        ("parcels", {"items": PARCELS}),
        ("tracking-events", {"items": TRACKING}),
    ]
    for path, body in batches:
        first = client.post(f"/api/v1/stores/amazon-us/{path}", json=body)
        assert first.status_code == 200, (path, first.text)
        assert first.json()["errors"] == [], path
        assert first.json()["created"] >= 1, (path, first.json())
    for path, body in batches:
        again = client.post(f"/api/v1/stores/amazon-us/{path}", json=body).json()
        assert again["errors"] == [], path
        assert (again["created"], again["updated"]) == (0, 0), (path, again)
        # the order is older than the delivery its parcel's tracking recorded since
        assert again["unchanged"] + again["stale"] >= 1, (path, again)
    changed = client.post(
        "/api/v1/stores/amazon-us/orders",
        json=[{"order_number": "API-O1", "note": "gift wrap", "updated_at": "2026-11-13T10:00Z"}],
    ).json()
    assert (changed["updated"], changed["errors"]) == (1, [])


def test_bad_items_are_named_and_good_ones_kept(client: TestClient) -> None:
    body = client.post(
        "/api/v1/stores/amazon-us/products",
        json={
            "items": [
                {"sku": "OK-1", "title": "Cap", "price": "5"},
                {"sku": "BAD-1", "title": "Mug", "price": "-3"},
                {"sku": "BAD-2", "colour": "red"},
                "not an object",
            ]
        },
    ).json()
    assert body["created"] == 1
    assert [(e["row"], e["field"]) for e in body["errors"]] == [
        (2, "price"),
        (3, "(row)"),
        (4, "(row)"),
    ]
    assert body["errors"][0]["value"] == "-3"
    assert "colour" in body["errors"][1]["reason"]


def test_batches_refuse_what_is_not_a_batch(client: TestClient) -> None:
    url = "/api/v1/stores/amazon-us/products"
    assert (
        client.post(url, content=b"{nope", headers={"Content-Type": "application/json"}).status_code
        == 400
    )
    assert client.post(url, json={"sku": "X"}).status_code == 422
    big = client.post(url, json=[{"sku": f"S{i}"} for i in range(5001)])
    assert big.status_code == 413
    assert "5000" in big.json()["message"]


# --- refusals ---------------------------------------------------------------------------------


def test_a_role_without_import_data_is_refused_everywhere(kefu: Kefu, client: TestClient) -> None:
    sign_in(client, kefu, "lina")  # pre-sale
    calls = [
        ("POST", "/api/v1/stores/ali-global/products", {"json": PRODUCTS}),
        ("GET", "/api/v1/imports", {}),
        ("GET", "/api/v1/imports/1", {}),
        ("GET", "/api/v1/imports/1/errors.csv", {}),
        ("GET", "/api/v1/stores/ali-global/mappings/orders", {}),
        ("PUT", "/api/v1/stores/ali-global/mappings/orders", {"json": {"mapping": {}}}),
        ("GET", "/api/v1/stores/ali-global/pending-parcels", {}),
        (
            "POST",
            "/api/v1/stores/ali-global/imports",
            {"files": {"file": ("o.csv", b"a\n1\n")}, "data": {"kind": "orders"}},
        ),
        ("POST", "/api/v1/rates", {"files": {"file": ("r.csv", ECB.encode())}}),
    ]
    for method, url, kw in calls:
        response = client.request(method, url, **kw)
        assert response.status_code == 403, (method, url, response.text)


def test_another_stores_code_is_not_found_and_an_archived_store_is_refused(
    kefu: Kefu, client: TestClient, team: dict[str, int]
) -> None:
    with kefu.uow() as uow:  # the lead works on ali-global only
        lena = uow.auth.account_by_username("lena")
        ali = next(s.id for s in uow.queries.stores() if s.code == "ali-global")
        assert lena is not None
        uow.auth.set_stores(lena.id, [ali])
        uow.commit()
    sign_in(client, kefu, "lena")
    assert client.post("/api/v1/stores/ali-global/products", json=PRODUCTS).status_code == 200
    for url in (
        "/api/v1/stores/ebay-uk/products",
        "/api/v1/stores/no-such-store/orders",
    ):
        refused = client.post(url, json=PRODUCTS)
        assert refused.status_code == 404, refused.text
    assert client.get("/api/v1/stores/ebay-uk/pending-parcels").status_code == 404
    assert client.get("/api/v1/stores/ebay-uk/mappings/products").status_code == 404

    shop.archive_store(acting(kefu, "owner"), "ali-global", uow=kefu.uow(), clock=kefu.clock)
    archived = client.post("/api/v1/stores/ali-global/products", json=PRODUCTS)
    assert archived.status_code == 422
    assert "archived" in archived.json()["message"]
    upload = client.post(
        "/api/v1/stores/ali-global/imports",
        files={"file": ("o.csv", b"sku,title\nA,B\n")},
        data={"kind": "products"},
    )
    assert upload.status_code == 422 and "archived" in upload.json()["message"]


# --- files: upload, job, report ---------------------------------------------------------------


def test_an_upload_runs_in_the_background_and_reports_every_error(
    kefu: Kefu, client: TestClient, uploads_dir: Path
) -> None:
    started = client.post(
        "/api/v1/stores/amazon-us/imports",
        files={"file": ("订单.csv", ORDERS_GBK.encode("gbk"), "text/csv")},
        data={"kind": "orders"},
    )
    assert started.status_code == 202, started.text
    run = started.json()
    assert run["status"] == "queued" and run["kind"] == "orders"
    assert run["bytes_total"] == len(ORDERS_GBK.encode("gbk"))
    assert started.headers["Location"] == run["links"]["self"] == f"/api/v1/imports/{run['id']}"
    assert sorted(p.name for p in uploads_dir.iterdir()) == [f"run-{run['id']}"]
    assert "data_import" in _pending_jobs(kefu)

    kefu.run_import(run["id"])  # what the worker does with the job

    done = client.get(f"/api/v1/imports/{run['id']}").json()
    assert done["status"] == "done", done
    assert done["bytes_done"] == done["bytes_total"]
    assert (done["created"], done["rejected"]) == (1, 2), done
    assert done["errors"] >= 3
    assert list(uploads_dir.iterdir()) == []  # the upload is gone
    assert [r["id"] for r in client.get("/api/v1/imports").json()] == [run["id"]]

    report = client.get(run["links"]["errors_csv"])
    assert report.status_code == 200
    assert report.headers["content-type"].startswith("text/csv")
    assert report.headers["content-disposition"].startswith("attachment;")
    assert report.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(report.content.decode("utf-8-sig"))))
    assert rows[0] == ["row", "field", "reason", "value"]
    found = {(r[0], r[1]) for r in rows[1:]}
    assert {("4", "buyer_country"), ("5", "placed_at"), ("5", "line_quantity")} <= found
    formula = next(r for r in rows[1:] if r[1] == "line_price")
    assert formula[3].startswith("'=")  # a spreadsheet shows it, never runs it
    assert len(rows) - 1 == done["errors"]

    again = client.post(
        "/api/v1/stores/amazon-us/imports",
        files={"file": ("订单.csv", ORDERS_GBK.encode("gbk"), "text/csv")},
        data={"kind": "orders"},
    ).json()
    kefu.run_import(again["id"])
    second = client.get(f"/api/v1/imports/{again['id']}").json()
    assert (second["created"], second["updated"], second["unchanged"]) == (0, 0, 1)


def test_an_upload_with_a_mapping_remembers_it(kefu: Kefu, client: TestClient) -> None:
    content = "Item No,Name,Cost\nM-1,Mug,3.50\n"
    mapping = {"sku": "Item No", "title": "Name", "price": "Cost"}
    run = client.post(
        "/api/v1/stores/amazon-us/imports",
        files={"file": ("p.csv", content.encode())},
        data={"kind": "products", "mapping": json.dumps(mapping), "remember": "true"},
    ).json()
    kefu.run_import(run["id"])
    assert client.get(f"/api/v1/imports/{run['id']}").json()["created"] == 1
    saved = client.get("/api/v1/stores/amazon-us/mappings/products").json()
    assert (saved["mapping"], saved["remembered"]) == (mapping, True)
    assert "sku" in saved["required"]


def test_an_upload_over_the_limit_is_refused_and_nothing_kept(
    client: TestClient, uploads_dir: Path
) -> None:
    big = b"sku,title\n" + b"A,B\n" * 20_000  # 80 KB over a 64 KiB limit
    refused = client.post(
        "/api/v1/stores/amazon-us/imports",
        files={"file": ("big.csv", big)},
        data={"kind": "products"},
    )
    assert refused.status_code == 413
    body = refused.json()
    assert body["error"] == "too_large" and body["limit_bytes"] == 64 * 1024
    assert "kefu import" in body["message"]
    assert list(uploads_dir.glob("*")) == []
    assert client.get("/api/v1/imports").json() == []


def test_an_upload_needs_a_format_and_a_known_encoding(client: TestClient) -> None:
    url = "/api/v1/stores/amazon-us/imports"
    unnamed = client.post(url, files={"file": ("orders.bin", b"a\n")}, data={"kind": "orders"})
    assert unnamed.status_code == 422 and "format" in unnamed.json()["message"]
    odd = client.post(
        url,
        files={"file": ("o.csv", b"a\n")},
        data={"kind": "orders", "encoding": "rot13"},
    )
    assert odd.status_code == 422 and "encoding" in odd.json()["message"]
    bad_mapping = client.post(
        url, files={"file": ("o.csv", b"a\n")}, data={"kind": "orders", "mapping": "[1]"}
    )
    assert bad_mapping.status_code == 422


def test_a_preview_shows_columns_mapping_and_first_rows_and_keeps_nothing(
    client: TestClient, uploads_dir: Path
) -> None:
    shown = client.post(
        "/api/v1/stores/amazon-us/imports/preview",
        files={"file": ("订单.csv", ORDERS_GBK.encode("gbk"))},
        data={"kind": "orders"},
    )
    assert shown.status_code == 200, shown.text
    body = shown.json()
    assert body["encoding"] == "gb18030" and body["delimiter"] == ","
    assert body["columns"][0] == "订单号"
    assert body["mapping"]["order_number"] == "订单号"
    assert body["mapping"]["line_sku"] == "商品编码"
    assert body["remembered"] is False and body["problems"] == []
    assert {"order_number", "status", "placed_at"} <= set(body["required"])
    assert [r["row"] for r in body["rows"]] == [2, 3, 4, 5]
    assert body["rows"][0]["values"]["buyer_id"] == "buyer1"
    assert [e["field"] for e in body["rows"][2]["errors"]] == ["buyer_country"]
    assert list(uploads_dir.glob("*")) == []
    assert client.get("/api/v1/imports").json() == []  # nothing was imported

    wrong = client.post(
        "/api/v1/stores/amazon-us/imports/preview",
        files={"file": ("o.csv", ORDERS_GBK.encode("gbk"))},
        data={"kind": "orders", "mapping": json.dumps({"order_number": "nope"})},
    ).json()
    assert any("nope" in p for p in wrong["problems"])


def test_a_preview_uses_the_remembered_mapping(client: TestClient) -> None:
    mapping = {"sku": "Item No", "title": "Name", "price": "Cost"}
    saved = client.put(
        "/api/v1/stores/amazon-us/mappings/products",
        json={"mapping": mapping, "columns": ["Item No", "Name", "Cost", "Other"]},
    )
    assert saved.status_code == 200 and saved.json()["remembered"] is True
    shown = client.post(
        "/api/v1/stores/amazon-us/imports/preview",
        files={"file": ("p.csv", b"Item No,Name,Cost,Other\nM-1,Mug,3.50,x\n")},
        data={"kind": "products"},
    ).json()
    assert (shown["mapping"], shown["remembered"]) == (mapping, True)
    bad = client.put(
        "/api/v1/stores/amazon-us/mappings/products", json={"mapping": {"colour": "Colour"}}
    )
    assert bad.status_code == 422
    unknown_kind = client.get("/api/v1/stores/amazon-us/mappings/rates")
    assert unknown_kind.status_code == 422


def test_a_file_that_cannot_be_read_is_a_clear_422(client: TestClient) -> None:
    broken = client.post(
        "/api/v1/stores/amazon-us/imports/preview",
        files={"file": ("p.xlsx", b"not a workbook")},
        data={"kind": "products"},
    )
    assert broken.status_code == 422
    assert "XLSX" in broken.json()["message"]


# --- parcels set aside, rates -----------------------------------------------------------------


def test_parcels_of_unknown_orders_are_listed_aside(client: TestClient) -> None:
    aside = client.post(
        "/api/v1/stores/amazon-us/parcels",
        json=[{"order_number": "LATER-1", "tracking_number": "TRK-L1", "carrier": "DHL"}],
    ).json()
    assert aside["set_aside"] == 1
    listed = client.get("/api/v1/stores/amazon-us/pending-parcels").json()
    assert listed["total"] == 1
    assert listed["parcels"][0]["tracking_number"] == "TRK-L1"
    assert listed["parcels"][0]["carrier"] == "DHL"


def test_rates_from_the_ecb_csv(client: TestClient) -> None:
    report = client.post("/api/v1/rates", files={"file": ("eurofxref.csv", ECB.encode())})
    assert report.status_code == 200, report.text
    assert report.json()["created"] == 3  # EUR, JPY, GBP against the dollar
    again = client.post("/api/v1/rates", files={"file": ("eurofxref.csv", ECB.encode())}).json()
    assert (again["created"], again["unchanged"]) == (0, 3)
    wrong = client.post("/api/v1/rates", files={"file": ("r.csv", b"a,b\n1,2\n")})
    assert wrong.status_code == 422


def test_an_api_token_with_the_scope_imports_without_csrf(
    kefu: Kefu, uploads_dir: Path, team: dict[str, int]
) -> None:
    secret = kefu.auth.issue_token(
        acting(kefu, "owner"), "erp", ["import_data"], uow=kefu.uow(), clock=kefu.clock
    )
    with TestClient(create_app(kefu=kefu)) as c:
        c.headers["Authorization"] = f"Bearer {secret}"
        assert c.post("/api/v1/stores/amazon-us/products", json=PRODUCTS).status_code == 200
        assert c.get("/api/v1/imports").status_code == 200
