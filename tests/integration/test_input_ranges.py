"""Values out of range are the caller's mistake (4xx), never a 500: ids and filters past
2^63 - 1 overflowed SQLite's driver and past 2^31 - 1 PostgreSQL's INTEGER columns, a bad
date on /reports broke the page."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from kefu.bootstrap import Kefu
from tests.factories import make_message
from tests.web import signed_in

TOO_BIG = str(2**63)


@pytest.fixture
def client(kefu: Kefu) -> Iterator[TestClient]:
    with signed_in(kefu) as c:
        c.post("/api/v1/messages", json=make_message(1))
        yield c


@pytest.mark.parametrize(
    "params",
    [
        {"store_id": TOO_BIG},
        {"store_id": str(2**31)},
        {"assignee": TOO_BIG},
        {"assignee": str(2**31)},
        {"store_id": "0"},
        {"assignee": "²"},
    ],
)
def test_inbox_filters_out_of_range_are_422(client: TestClient, params: dict[str, str]) -> None:
    assert client.get("/api/v1/conversations", params=params).status_code == 422
    assert client.get("/", params=params).status_code == 422


def test_the_largest_id_is_a_valid_filter(client: TestClient) -> None:
    answer = client.get("/api/v1/conversations", params={"store_id": str(2**31 - 1)})
    assert answer.status_code == 200 and answer.json()["total"] == 0


def test_an_assignee_id_out_of_range_is_422(client: TestClient) -> None:
    cid = client.get("/api/v1/conversations").json()["rows"][0]["id"]
    answer = client.put(f"/api/v1/conversations/{cid}/assignee", json={"assignee_id": 2**31})
    assert answer.status_code == 422


@pytest.mark.parametrize(
    ("locale", "words"),
    [("en", "From: not a date (YYYY-MM-DD): 2026-02-30"), ("zh_CN", "开始日期：不是有效的日期")],
)
def test_a_bad_date_on_the_reports_page_is_a_422_in_the_pages_language(
    kefu: Kefu, locale: str, words: str
) -> None:
    with signed_in(kefu, locale=locale) as client:
        page = client.get("/reports", params={"from": "2026-02-30", "to": "2026-03-01"})
    assert page.status_code == 422
    assert words in page.text
    assert 'role="alert"' in page.text


def test_a_message_from_year_1_is_a_row_error_naming_sent_at(client: TestClient) -> None:
    report = client.post(
        "/api/v1/messages", json=make_message(2, sent_at="0001-01-01T00:00:00+00:00")
    ).json()
    assert report["accepted"] == 0
    assert [(e["row"], e["field"], e["reason"]) for e in report["errors"]] == [
        (1, "sent_at", "is before 2000-01-01")
    ]


@pytest.mark.parametrize("dates", [("0002-01-01", "0003-01-01"), ("9999-12-30", "9999-12-31")])
def test_report_days_far_from_now_are_422_not_a_date_overflow(
    client: TestClient, dates: tuple[str, str]
) -> None:
    params = {"from": dates[0], "to": dates[1]}
    assert client.get("/api/v1/reports/kpi", params=params).status_code == 422
    page = client.get("/reports", params=params)
    assert page.status_code == 422
    assert "2000-01-01" in page.text


@pytest.mark.parametrize("path", ["/api/v1/conversations/{}", "/conversations/{}"])
@pytest.mark.parametrize("value", [2**31, 2**63])
def test_a_path_id_past_the_columns_range_is_422_on_both_databases(
    client: TestClient, path: str, value: int
) -> None:
    assert client.get(path.format(value)).status_code == 422
    assert client.get(path.format(2**31 - 1)).status_code == 404
