"""The Model page and its API over HTTP (docs/triage.md "Model versions"): the list with
the packaged baseline, a retrain started and refused while running, a version's tables and
chart, activation, the schedule, a labelled file with its row errors, and who may."""

from __future__ import annotations

from pathlib import Path

import pytest

from kefu.bootstrap import Kefu
from kefu.domain.permissions import Role
from kefu.services.auth import NewAccount
from tests.factories import acting
from tests.model_corpus import small_corpus
from tests.web import PASSWORD, signed_in


@pytest.fixture
def small(kefu: Kefu, tmp_path: Path) -> Kefu:
    kefu.settings = kefu.settings.model_copy(
        update={
            "model_corpus": str(small_corpus(tmp_path / "corpus")),
            "import_dir": str(tmp_path / "imports"),
        }
    )
    return kefu


def test_retrain_over_the_api_then_roll_back(small: Kefu) -> None:
    with signed_in(small, "owner", "en") as client:
        empty = client.get("/api/v1/model/versions").json()
        assert (empty["active"], empty["versions"]) == (None, [])
        started = client.post("/api/v1/model/retrain", json={})
        assert started.status_code == 202, started.text
        first = started.json()["id"]
        assert started.json()["status"] == "training"
        again = client.post("/api/v1/model/retrain", json={})
        assert again.status_code == 409
        assert again.json()["error"] == "retrain_running"
        small.retrain_model(first)  # what the job queue's worker runs
        small.clock.advance(minutes=1)  # type: ignore[attr-defined]
        second = client.post("/api/v1/model/retrain", json={}).json()["id"]
        small.retrain_model(second)
        listed = client.get("/api/v1/model/versions").json()
        assert [(v["id"], v["active"], v["status"]) for v in listed["versions"]] == [
            (second, True, "ready"),
            (first, False, "ready"),
        ]
        detail = client.get(f"/api/v1/model/versions/{first}").json()
        assert detail["figures"]["messages"] == 80
        assert len(detail["figures"]["coverage"]) == 10
        rolled = client.post(f"/api/v1/model/versions/{first}/activate")
        assert rolled.status_code == 200 and rolled.json()["active"] is True
        assert client.get("/api/v1/model/versions").json()["active"] == first
        assert client.post("/api/v1/model/versions/nope/activate").status_code == 404
        schedule = client.put("/api/v1/model/schedule", json={"every": 50})
        assert schedule.json()["retrain_every"] == 50
        assert client.put("/api/v1/model/schedule", json={"every": -1}).status_code == 422
        paths = client.get("/openapi.json").json()["paths"]
        assert {
            "/api/v1/model/versions",
            "/api/v1/model/versions/{version_id}/activate",
            "/api/v1/model/retrain",
            "/api/v1/model/corrections",
        } <= set(paths)
        # The page: the list, a version's tables and chart, in English and Chinese.
        page = client.get("/settings/model")
        assert page.status_code == 200
        assert f'data-version="{first}" data-active="true"' in page.text
        assert "packaged model" in page.text
        version = client.get(f"/settings/model/versions/{second}")
        assert 'data-testid="coverage-chart"' in version.text
        assert version.text.count("<polyline") == 2
        client.cookies.set("kefu_locale", "zh_CN")
        assert "意图模型" in client.get("/settings/model").text


def test_a_labelled_file_over_the_api_and_the_page(small: Kefu) -> None:
    rows = (
        "text,intent,language\n"
        "The kettle came broken,damaged_defective,en\n"
        ",refund,en\n"
        "Beam me up,teleport,en\n"
    )
    with signed_in(small, "owner", "en") as client:
        answer = client.post(
            "/api/v1/model/corrections", files={"file": ("labels.csv", rows.encode())}
        )
        assert answer.status_code == 200, answer.text
        report = answer.json()
        assert (report["rows"], report["added"]) == (3, 1)
        assert [(e["row"], e["field"]) for e in report["errors"]] == [(3, "text"), (4, "intent")]
        again = client.post(
            "/settings/model/corrections", files={"file": ("labels.csv", rows.encode())}
        )
        assert again.status_code == 200
        assert "3 rows, 0 added, 0 relabelled, 1 already known, 2 refused" in again.text
        bad = client.post("/api/v1/model/corrections", files={"file": ("labels.pdf", b"x")})
        assert bad.status_code == 422


def test_only_leads_and_the_owner_see_the_model(small: Kefu) -> None:
    small.auth.create_account(
        acting(small, "owner"),
        NewAccount("lena", "Lena", Role.LEAD.value, PASSWORD, frozenset()),
        uow=small.uow(),
        clock=small.clock,
    )
    with signed_in(small, "lena", "en") as client:
        assert client.get("/settings/model").status_code == 200
        assert 'data-testid="nav-model"' in client.get("/settings/model").text
    with signed_in(small, "lina", "en") as client:
        assert client.get("/api/v1/model/versions").status_code == 403
        assert client.post("/api/v1/model/retrain", json={}).status_code == 403
