"""Triage on a real database with the packaged model: ingestion, priority, corrections."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from kefu.adapters.db import tables as t
from kefu.bootstrap import Kefu
from kefu.cli.main import app
from kefu.services import inbox
from kefu.services.readmodels import InboxFilters
from tests.factories import acting, make_message


def messages(kefu: Kefu) -> list[t.Message]:
    with kefu.session_factory() as session:
        return list(session.scalars(select(t.Message).order_by(t.Message.id)))


def test_new_buyer_messages_are_triaged_in_the_ingest_transaction(kefu: Kefu) -> None:
    batch = [
        make_message(
            3,
            text="where is my order 8031234567890123?? tracking RR123456785GB not moving",
            buyer_language=None,
        ),
        make_message(
            2, buyer_id="b-2", text="¿Tienen este vestido en talla M?", buyer_language=None
        ),
        make_message(
            1,
            buyer_id="b-3",
            text="THIS IS A SCAM, refund now or I open a dispute",
            buyer_language=None,
        ),
    ]
    inbox.ingest(batch, kefu.uow(), kefu.clock, classifier=kefu.classifier())
    rows = {m.platform_message_id: m for m in messages(kefu)}
    tracking = rows["m-3"]
    assert (tracking.language, tracking.intent) == ("en", "order_tracking")
    assert {e["kind"] for e in tracking.entities} == {"order_number", "tracking_number"}
    assert tracking.triage_version == kefu.classifier().version
    assert (rows["m-2"].language, rows["m-2"].intent) == ("es", "product_size")
    assert "threat_dispute" in rows["m-1"].emotion.split(",")


def test_a_threatening_buyer_rises_in_the_queue(kefu: Kefu) -> None:
    calm = make_message(30, buyer_id="calm", text="hello, when will my parcel arrive?")
    angry = make_message(
        5, buyer_id="angry", text="I will open a dispute and leave 1 star if no refund"
    )
    inbox.ingest([calm, angry], kefu.uow(), kefu.clock, classifier=kefu.classifier())
    with kefu.uow() as uow:
        rows = uow.queries.inbox_page(InboxFilters()).rows
        threats = uow.queries.inbox_page(InboxFilters(mood="threat")).rows
    assert rows[0].priority_reasons == ("threat",)  # first although it waited less
    assert [r.id for r in threats] == [rows[0].id]


def test_a_correction_is_kept_as_a_training_example_and_survives_retriage(kefu: Kefu) -> None:
    inbox.ingest(
        [make_message(1, text="hmm ok so what now")],
        kefu.uow(),
        kefu.clock,
        classifier=kefu.classifier(),
    )
    [message] = messages(kefu)
    inbox.correct_intent(acting(kefu, 1), message.id, "complaint", uow=kefu.uow(), clock=kefu.clock)
    with kefu.uow() as uow:
        assert uow.queries.intent_corrections() == [("hmm ok so what now", "complaint", "es")]
        assert uow.queries.inbox_page(InboxFilters(intent="complaint")).total == 1
    assert inbox.retriage(kefu.uow, kefu.classifier()) == 0  # the corrected message is kept
    assert messages(kefu)[0].intent == "complaint"


def test_retriage_labels_messages_stored_before_triage(kefu: Kefu) -> None:
    inbox.ingest(
        [make_message(n, buyer_id=f"b{n}", text="refund please, item broken") for n in range(1, 4)],
        kefu.uow(),
        kefu.clock,
    )  # no classifier: stored untriaged
    assert all(m.intent is None for m in messages(kefu))
    seen: list[tuple[int, int]] = []
    assert (
        inbox.retriage(
            kefu.uow, kefu.classifier(), progress=lambda d, n: seen.append((d, n)), chunk=2
        )
        == 3
    )
    assert seen == [(2, 3), (3, 3)]
    assert all(m.intent in ("refund", "damaged_defective") for m in messages(kefu))


def test_classify_cli_reads_and_writes_jsonl(tmp_path: Path) -> None:
    source = tmp_path / "in.jsonl"
    source.write_text(
        json.dumps(
            {"id": 1, "text": "Bonjour, mon colis est bloqué en douane, je dois payer des taxes ?"}
        )
        + "\n"
        + json.dumps({"id": 2, "text": "😡😡😡"})
        + "\n"
        + json.dumps({"id": 3, "text": "x" * 65536})
        + "\n",
        encoding="utf-8",
    )
    out = tmp_path / "out.jsonl"
    result = CliRunner().invoke(app, ["classify", "--input", str(source), "--output", str(out)])
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [r["id"] for r in rows] == [1, 2, 3]
    assert (rows[0]["language"], rows[0]["intent"], rows[0]["intent_group"]) == (
        "fr",
        "customs_duty",
        "customs",
    )
    assert rows[0]["sub_intent"] == "customs_hold"  # "bloqué en douane"
    assert rows[2]["sub_intent"] is None
    assert (rows[1]["language"], rows[1]["intent"]) == ("und", "other")
    assert set(rows[0]) == {
        "id",
        "language",
        "intent",
        "intent_group",
        "sub_intent",
        "confidence",
        "unsure",
        "guess",
        "emotion",
        "entities",
    }


def test_model_eval_prints_scores_and_draws_the_matrix(tmp_path: Path) -> None:
    labelled = tmp_path / "l.jsonl"
    labelled.write_text(
        "\n".join(
            json.dumps(r)
            for r in [
                {"msg": "where is my parcel??", "label": "order_tracking"},
                {"msg": "I want my money back", "label": "refund"},
                {"msg": "do you have it in size L", "label": "product_size"},
            ]
        )
        + "\n",
        encoding="utf-8",
    )
    picture = tmp_path / "m.png"
    result = CliRunner().invoke(
        app,
        [
            "model",
            "eval",
            "--input",
            str(labelled),
            "--text-field",
            "msg",
            "--label-field",
            "label",
            "--matrix",
            str(picture),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "eval: 3 messages" in result.output and "macro-F1" in result.output
    assert picture.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


EMAIL = """<!DOCTYPE html><html><head><meta charset="utf-8"><style>
p {{ margin: 0; font-family: Arial }} .sig {{ color: #888 }}</style><title>Re: order</title></head>
<body><div dir="ltr"><p>{text}</p>
<div class="gmail_quote"><blockquote type="cite">On Mon, 2 Dec the seller wrote:<br>
Thank you for your order! We ship within 48&nbsp;hours.</blockquote></div></div></body></html>"""


def test_an_e_mail_s_html_around_a_message_changes_neither_intent_nor_confidence() -> None:
    from kefu.bootstrap import load_classifier
    from kefu.services.triage import triage

    texts = [
        "where is my order? it has been three weeks and the tracking does not move",
        "The kettle arrived broken, the handle is cracked. I want a replacement.",
        "Bonjour, mon colis est bloqué en douane, je dois payer des taxes ?",
    ]
    bare = triage(texts, load_classifier())
    wrapped = triage([EMAIL.format(text=t) for t in texts], load_classifier())
    for plain, html in zip(bare, wrapped, strict=True):
        assert (html.intent, html.language) == (plain.intent, plain.language)
        assert abs(html.confidence - plain.confidence) < 0.01, (plain, html)
    assert len(bare) == 3


def test_classify_cli_reports_bad_rows_by_line_and_classifies_the_others(
    tmp_path: Path,
) -> None:
    source = tmp_path / "in.jsonl"
    lines = [
        json.dumps({"id": 1, "text": "where is my parcel?"}),
        json.dumps({"id": 2}),
        json.dumps({"id": 3, "text": None}),
        "",
        json.dumps({"id": 5, "text": "   "}),
        json.dumps({"id": 6, "text": 42}),
        "{not json",
        json.dumps(["a", "list"]),
        json.dumps({"id": 9, "text": "é" * 40_000}),  # 80,000 bytes: over 64 KiB
        json.dumps({"id": 10, "text": "I want my money back"}),
    ]
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = tmp_path / "out.jsonl"
    result = CliRunner().invoke(app, ["classify", "--input", str(source), "--output", str(out)])
    assert result.exit_code == 1, result.output
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [r["id"] for r in rows] == [1, 10]
    for number, reason in [
        (2, "no text"),
        (3, "no text"),
        (5, "the text is empty"),
        (6, "text is a int, not a string"),
        (7, "not a JSON object"),
        (8, "not a JSON object"),
        (9, "the text is 80000 bytes; the limit is 65536"),
    ]:
        assert f"in.jsonl, line {number}: {reason}" in result.output
    assert "7 rows refused, 2 classified" in result.output


def test_classify_cli_refuses_a_file_over_its_limit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from kefu.cli import model as model_cli

    source = tmp_path / "in.jsonl"
    source.write_text(json.dumps({"id": 1, "text": "hello"}) + "\n", encoding="utf-8")
    monkeypatch.setattr(model_cli, "MAX_INPUT_BYTES", 10)
    result = CliRunner().invoke(app, ["classify", "--input", str(source)])
    assert result.exit_code == 2
    assert "the limit is" in result.output


def test_bench_classify_reports_every_figure() -> None:
    result = CliRunner().invoke(
        app, ["bench", "classify", "--messages", "300", "--singles", "50", "--json"]
    )
    assert result.exit_code == 0, result.output
    figures = json.loads(result.output.splitlines()[-1])
    assert figures["bench"] == "classify"
    assert figures["messages"] == 300
    for name in (
        "batch_msg_per_s",
        "batch_msg_per_cpu_s",
        "single_p50_ms",
        "single_p99_ms",
        "single_p99_cpu_ms",
        "message_64kib_ms",
        "message_64kib_cpu_ms",
        "classify_hi_s",
        "classify_hi_cpu_s",
    ):
        assert figures[name] > 0, name


def test_classify_cli_names_an_old_model_file_and_what_to_do(tmp_path: Path) -> None:
    old = tmp_path / "old.joblib"
    old.write_bytes(b"\xfd7zXZ\x00\x00a format 1 model")  # an xz-compressed joblib pickle
    result = CliRunner().invoke(app, ["classify", "hello there", "--model", str(old)])
    assert result.exit_code == 2
    assert "retrain it: kefu model train" in " ".join(result.output.split())
