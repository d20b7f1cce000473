"""The demo shop: deterministic, varied, and small scales build too."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from kefu.adapters.db import tables as t
from kefu.bootstrap import Kefu, bootstrap
from kefu.config import Settings
from kefu.demo.build import DemoSize, DemoSummary, build_demo

NOW = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


def build(path: Path, scale: float, seed: int = 7) -> tuple[Kefu, DemoSummary]:
    kefu = bootstrap(
        Settings(database_url=f"sqlite:///{path}", import_dir=str(path.parent / "imports"))
    )
    kefu.upgrade()
    return kefu, build_demo(kefu, seed=seed, now=NOW, size=DemoSize().scaled(scale))


@pytest.mark.parametrize("scale", [0.01, 0.05])
def test_small_scales_build(tmp_path: Path, scale: float) -> None:
    kefu, summary = build(tmp_path / "d.db", scale)
    assert summary.stores == 4 and summary.conversations >= 8
    kefu.close()


def test_same_seed_same_shop(tmp_path: Path) -> None:
    def snapshot(path: Path) -> list[tuple[str, str, str]]:
        kefu, _ = build(path, 0.03)
        with kefu.session_factory() as s:
            rows = s.execute(
                select(t.Message.platform_message_id, t.Message.text, t.Message.direction).order_by(
                    t.Message.platform_message_id
                )
            )
            out = [tuple(r) for r in rows]
        kefu.close()
        return out  # type: ignore[return-value]

    assert snapshot(tmp_path / "a.db") == snapshot(tmp_path / "b.db")


def test_demo_covers_languages_intents_marks_and_the_damaged_garment_case(tmp_path: Path) -> None:
    kefu, summary = build(tmp_path / "d.db", 0.2)
    assert summary.languages >= 6
    with kefu.session_factory() as s:
        countries = s.scalar(select(func.count(func.distinct(t.Buyer.country))))
        marks = set(s.scalars(select(t.Conversation.colour_mark).distinct()))
        stages = set(s.scalars(select(t.Conversation.stage).distinct()))
        case = s.scalars(
            select(t.Conversation).where(
                t.Conversation.platform_conversation_id == "demo-damaged-garment"
            )
        ).one()
        order = s.get_one(t.Order, case.order_id)
    assert countries is not None and countries >= 10
    assert {"red", "green", "blue"} <= marks
    assert stages == {"pre_sale", "in_sale", "after_sale"}
    assert (case.colour_mark, case.stage, order.total_cents) == ("red", "after_sale", 1940)
    kefu.close()


def test_the_demo_shows_an_import_with_its_report(tmp_path: Path) -> None:
    """The Imports page has history: the ERP's stock sheet, imported as an upload is."""
    kefu, _ = build(tmp_path / "d.db", 0.05)
    with kefu.session_factory() as s:
        run = s.scalars(select(t.ImportRun)).one()
        errors = s.scalars(select(t.ImportRowError).where(t.ImportRowError.run_id == run.id)).all()
    assert (run.status, run.kind, run.path) == ("done", "products", None)
    assert run.created == 0 and run.rejected == 2 and run.updated >= 1 and run.unchanged >= 1
    # A stock sheet cannot make a product: a new SKU needs a title and a price.
    assert sorted((e.field, e.reason) for e in errors) == [
        ("stock", "must not be negative"),
        ("title", "is required for a new product (title, price)"),
    ]
    assert list((tmp_path / "imports").iterdir()) == []  # the upload is gone once imported
    kefu.close()


def test_the_demo_has_cases_some_overdue_and_the_damaged_garment_left_to_open(
    tmp_path: Path,
) -> None:
    kefu, _ = build(tmp_path / "d.db", 0.2)
    with kefu.session_factory() as s:
        rows = s.execute(select(t.Case.kind, t.Case.state, t.Case.conversation_id)).all()
        damaged = s.scalars(
            select(t.Conversation.id).where(
                t.Conversation.platform_conversation_id == "demo-damaged-garment"
            )
        ).one()
        overdue = s.scalar(select(func.count()).where(t.Case.is_open, t.Case.shop_due_at < NOW))
    kinds = {kind for kind, _, _ in rows}
    assert len(rows) >= 5 and len(kinds) >= 5, rows
    assert ("reshipment", "shipped") in {(k, s) for k, s, _ in rows}
    assert damaged not in {c for _, _, c in rows}
    assert overdue and overdue >= 1
    kefu.close()
