"""Cases over HTTP (docs/cases.md): the API and the pages an agent clicks, in both
languages, with refusals said in words."""

from __future__ import annotations

import re

import pytest

from kefu.bootstrap import Kefu
from kefu.services import inbox
from kefu.services.readmodels import InboxFilters
from tests.factories import make_message
from tests.web import signed_in


@pytest.fixture
def conv(kefu: Kefu) -> int:
    inbox.ingest([make_message(1, order_number="A-NOTE")], kefu.uow(), kefu.clock)
    with kefu.uow() as uow:
        return uow.queries.inbox_page(InboxFilters()).rows[0].id


def test_the_api_opens_a_case_moves_it_and_refuses_impossible_steps(kefu: Kefu, conv: int) -> None:
    with signed_in(kefu, "wangwei") as client:
        cases = client.get(f"/api/v1/conversations/{conv}/cases").json()
        assert cases == []
        line = _line_id(client, conv)
        created = client.post(
            f"/api/v1/conversations/{conv}/cases",
            json={
                "kind": "exchange",
                "reason": "damaged",
                "solution": "exchange",
                "lines": [{"order_line_id": line, "quantity": 1}],
                "description": "torn seam",
            },
        )
        assert created.status_code == 201, created.text
        case_id = created.json()["id"]
        shown = client.get(f"/api/v1/cases/{case_id}").json()
        assert (shown["state"], shown["order_number"], shown["next_steps"]) == (
            "open",
            "A-NOTE",
            ["approve", "decline", "escalate", "withdraw"],
        )
        refused = client.post(f"/api/v1/cases/{case_id}/steps", json={"action": "ship"})
        assert refused.status_code == 409
        assert refused.json()["error"] == "case_step_refused"
        stale = client.post(
            f"/api/v1/cases/{case_id}/steps", json={"action": "approve", "version": 7}
        )
        assert stale.status_code == 409 and stale.json()["error"] == "case_conflict"
        moved = client.post(
            f"/api/v1/cases/{case_id}/steps",
            json={"action": "approve", "reason": "photos show the tear", "version": 1},
        )
        assert moved.status_code == 200, moved.text
        assert moved.json()["state"] == "approved"
        assert moved.json()["steps"][-1]["actor"] == "王伟 Wang Wei"
        too_much = client.post(
            f"/api/v1/conversations/{conv}/cases",
            json={"kind": "refund", "reason": "quality", "refund_cents": 999999},
        )
        assert too_much.status_code == 422
        assert too_much.json()["error"] == "case_invalid"
        listed = client.get("/api/v1/cases").json()
        assert listed["total"] == 1 and listed["cases"][0]["id"] == case_id
    with signed_in(kefu, "owner") as client:
        assert client.get("/api/v1/cases?open=false&kind=exchange").json()["total"] == 1


def _line_id(client: object, conv: int) -> int:
    html = client.get(f"/conversations/{conv}/cases").text  # type: ignore[attr-defined]
    found = re.search(r'name="line" value="(\d+)"', html)
    assert found is not None
    return int(found[1])


def test_the_pages_open_a_case_take_steps_and_say_refusals_in_chinese(
    kefu: Kefu, conv: int
) -> None:
    with signed_in(kefu, "wangwei", locale="zh_CN") as client:
        panel = client.get(f"/conversations/{conv}/cases")
        assert "新建售后单" in panel.text and "还没有售后单" in panel.text
        line = _line_id(client, conv)
        opened = client.post(
            f"/conversations/{conv}/cases",
            data={
                "kind": "exchange",
                "reason": "damaged",
                "line": str(line),
                f"qty-{line}": "1",
                "description": "破了",
            },
            follow_redirects=False,
        )
        assert opened.status_code == 303, opened.text
        page = client.get(opened.headers["location"])
        assert "换货" in page.text and "待店铺处理" in page.text
        wrong = client.post(
            opened.headers["location"] + "/steps",
            data={"action": "inspect", "reason": "too early"},
        )
        assert wrong.status_code == 409
        assert "此售后单当前不能执行该操作" in wrong.text
        moved = client.post(
            opened.headers["location"] + "/steps",
            data={"action": "approve", "reason": "同意换货"},
            follow_redirects=True,
        )
        assert "已同意" in moved.text and "同意换货" in moved.text
        no_lines = client.post(
            f"/conversations/{conv}/cases", data={"kind": "return", "reason": "quality"}
        )
        assert no_lines.status_code == 422
        assert 'data-testid="open-case-error"' in no_lines.text
        listed = client.get("/cases")
        assert "1 个售后单" in listed.text


def _png() -> bytes:
    from io import BytesIO

    from PIL import Image

    out = BytesIO()
    Image.new("RGB", (40, 30), (200, 30, 30)).save(out, format="PNG")
    return out.getvalue()


def test_evidence_photos_are_checked_by_content_kept_once_and_shown(kefu: Kefu, conv: int) -> None:
    photo = _png()
    with signed_in(kefu, "wangwei") as client:
        line = _line_id(client, conv)
        case_id = client.post(
            f"/api/v1/conversations/{conv}/cases",
            json={
                "kind": "exchange",
                "reason": "damaged",
                "lines": [{"order_line_id": line, "quantity": 1}],
            },
        ).json()["id"]
        sent = client.post(
            f"/api/v1/cases/{case_id}/evidence",
            files={"file": ("tear.jpg", photo, "image/jpeg")},  # the name says JPEG: it is PNG
        )
        assert sent.status_code == 201, sent.text
        again = client.post(
            f"/api/v1/cases/{case_id}/evidence", files={"file": ("again.png", photo, "image/png")}
        )
        assert again.json()["id"] == sent.json()["id"]
        pdf = client.post(
            f"/api/v1/cases/{case_id}/evidence",
            files={"file": ("photo.png", b"%PDF-1.7 not a photo", "image/png")},
        )
        assert pdf.status_code == 422 and pdf.json()["error"] == "evidence_not_image"
        shown = client.get(f"/api/v1/cases/{case_id}/evidence/{sent.json()['id']}")
        assert shown.headers["content-type"] == "image/png" and shown.content == photo
        page = client.get(f"/cases/{case_id}")
        assert f"/api/v1/cases/{case_id}/evidence/{sent.json()['id']}" in page.text
        assert "40×30" in page.text
        too_big = client.post(
            f"/cases/{case_id}/evidence",
            files={"file": ("huge.png", photo + b"\0" * (3 * 1024 * 1024), "image/png")},
        )
        assert too_big.status_code == 422  # AliExpress takes 2 MB at most
        assert 'data-testid="case-evidence-error"' in too_big.text
