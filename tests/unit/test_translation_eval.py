"""`kefu translate eval`'s service: scoring providers through kefu's own pipeline."""

from __future__ import annotations

import html
import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from kefu.domain.errors import RowErrors
from kefu.domain.termbase import Term, TermBase, protect
from kefu.services.ports import TranslationFailed, TranslationFailureKind
from kefu.services.translation_eval import (
    ALL,
    EvalPair,
    EvalReport,
    ScoreRow,
    evaluate,
    parse_pairs,
)

SET = Path(__file__).resolve().parents[2] / "data" / "translation" / "parallel.jsonl"
TOKEN = re.compile(r'<k id="\d+"/>')
Call = tuple[tuple[str, ...], str | None, str]


def _pair(
    pair_id: str, source: str, reference: str, direction: str = "in", lang: str = "es"
) -> EvalPair:
    src, tgt = (lang, "zh") if direction == "in" else ("zh", lang)
    return EvalPair(pair_id, "in" if direction == "in" else "out", src, tgt, source, reference)


@dataclass
class Fake:
    """A provider answering with `answer(text, source, target)` for each segment."""

    provider: str
    answer: Callable[[str, str | None, str], str] = lambda text, source, target: text
    calls: list[Call] = field(default_factory=list)

    def translate(self, texts: Sequence[str], source: str | None, target: str) -> list[str]:
        self.calls.append((tuple(texts), source, target))
        return [self.answer(t, source, target) for t in texts]


@dataclass
class Progress:
    seen: list[tuple[int, int | None]] = field(default_factory=list)

    def advance(self, done: int, total: int | None = None) -> None:
        self.seen.append((done, total))


def _row(report: EvalReport, provider: str, direction: str, buyer: str) -> ScoreRow:
    for row in report.rows:
        side = row.source_lang if direction == "in" else row.target_lang
        if (row.provider, row.direction, side) == (provider, direction, buyer):
            return row
    raise AssertionError(f"no row {provider} {direction} {buyer}")


def test_a_provider_that_returns_the_reference_scores_100_and_keeps_every_value() -> None:
    pairs = [
        _pair("in-es-1", "Pedido 8123456789012345, talla XL", "订单 8123456789012345，XL 码"),
        _pair("in-es-2", "gracias 😊", "谢谢 😊"),
    ]
    answers = {'Pedido <k id="1"/>, talla <k id="2"/>': '订单 <k id="1"/>，<k id="2"/> 码'}
    fake = Fake("oracle", lambda t, s, g: answers.get(t, "谢谢 😊"))
    report = evaluate([fake], pairs, roundtrip=False)
    row = _row(report, "oracle", "in", "es")
    assert (row.pairs, row.translated, row.refused, row.failed) == (2, 2, 0, 0)
    assert row.chrf == pytest.approx(100.0)
    assert report.outcomes[0].hypothesis == "订单 8123456789012345，XL 码"
    assert fake.calls == [
        (('Pedido <k id="1"/>, talla <k id="2"/>', "gracias 😊"), "es", "zh"),
    ]


def test_a_lost_token_is_refused_scored_as_nothing_and_counted_apart() -> None:
    pairs = [
        _pair("in-es-1", "Pedido 8123456789012345", "订单 8123456789012345"),
        _pair("in-es-2", "hola", "你好"),
    ]
    fake = Fake("careless", lambda t, s, g: TOKEN.sub("", t).replace("hola", "你好"))
    report = evaluate([fake], pairs, roundtrip=False)
    row = _row(report, "careless", "in", "es")
    assert (row.translated, row.refused, row.failed) == (1, 1, 0)
    assert report.outcomes[0].problem == "refused:lost_token"
    assert row.chrf is not None
    assert 0 < row.chrf < 100
    assert report.problems == {("careless", "refused:lost_token"): 1}


def test_a_provider_without_the_language_pair_is_counted_as_failed_not_scored() -> None:
    def answer(text: str, source: str | None, target: str) -> str:
        if source == "ar":
            raise TranslationFailed("no Arabic", kind="unsupported")
        return text

    pairs = [_pair("in-ar-1", "شكراً", "谢谢", lang="ar"), _pair("in-es-1", "ok", "ok")]
    report = evaluate([Fake("partial", answer)], pairs, roundtrip=False)
    arabic = _row(report, "partial", "in", "ar")
    assert (arabic.translated, arabic.failed, arabic.chrf) == (0, 1, None)
    total = _row(report, "partial", "in", ALL)
    assert (total.pairs, total.failed) == (2, 1)
    assert total.chrf == pytest.approx(100.0)  # the one scored pair is exact
    assert report.problems == {("partial", "failed:unsupported"): 1}


def test_the_round_trip_translates_the_reply_back_into_chinese() -> None:
    forward = {"您好": "Hello", "谢谢": "Thanks"}
    backward = {"Hello": "您好", "Thanks": "感谢"}

    def answer(text: str, source: str | None, target: str) -> str:
        return forward[text] if target == "en" else backward[text]

    pairs = [
        _pair("out-en-1", "您好", "Hello", "out", "en"),
        _pair("out-en-2", "谢谢", "Thanks", "out", "en"),
    ]
    fake = Fake("round", answer)
    report = evaluate([fake], pairs)
    row = _row(report, "round", "out", "en")
    assert row.chrf == pytest.approx(100.0)
    assert row.roundtrip_chrf is not None
    assert 0 < row.roundtrip_chrf < 100  # 谢谢 came back as 感谢
    assert [o.back for o in report.outcomes] == ["您好", "感谢"]
    assert [c[1:] for c in fake.calls] == [("zh", "en"), ("en", "zh")]


def test_no_round_trip_for_a_reply_that_was_refused() -> None:
    pairs = [_pair("out-en-1", "订单 12345", "Order 12345", "out", "en")]
    report = evaluate([Fake("lossy", lambda t, s, g: "Order")], pairs)
    assert report.outcomes[0].problem == "refused:lost_token"
    assert report.outcomes[0].back is None
    row = _row(report, "lossy", "out", "en")
    assert (row.refused, row.roundtrip_chrf, row.chrf) == (1, None, 0.0)


def test_texts_go_in_batches_per_language_pair_and_progress_reaches_the_total() -> None:
    pairs = [_pair(f"in-es-{i}", f"hola {i}", f"你好 {i}") for i in range(5)]
    pairs += [_pair("out-de-1", "你好", "Hallo", "out", "de")]
    fake = Fake("batch")
    progress = Progress()
    report = evaluate([fake], pairs, batch_size=2, progress=progress)
    assert [len(texts) for texts, _, _ in fake.calls] == [2, 2, 1, 1, 1]
    assert progress.seen[-1] == (7, 7)  # 6 pairs forward, 1 reply back
    assert [o.pair.id for o in report.outcomes] == [p.id for p in pairs]


def test_a_batch_answered_with_the_wrong_count_is_asked_again_one_by_one() -> None:
    @dataclass
    class Short:
        provider: str = "short"
        calls: int = 0

        def translate(self, texts: Sequence[str], source: str | None, target: str) -> list[str]:
            self.calls += 1
            return list(texts[:1])

    pairs = [_pair(f"in-es-{i}", f"hola {i}", f"hola {i}") for i in range(3)]
    short = Short()
    report = evaluate([short], pairs, roundtrip=False)
    assert short.calls == 4
    assert _row(report, "short", "in", "es").chrf == pytest.approx(100.0)


@pytest.mark.parametrize(("kind", "calls", "ok"), [("rate_limited", 2, True), ("auth", 1, False)])
def test_a_retryable_failure_is_tried_again_after_the_pause_it_asked_for(
    kind: TranslationFailureKind, calls: int, ok: bool
) -> None:
    attempts: list[int] = []
    pauses: list[float] = []

    def answer(text: str, source: str | None, target: str) -> str:
        attempts.append(1)
        if len(attempts) == 1:
            raise TranslationFailed("later", kind=kind, retry_after=3.0)
        return text

    report = evaluate(
        [Fake("busy", answer)],
        [_pair("in-es-1", "hola", "hola")],
        roundtrip=False,
        sleep=pauses.append,
    )
    assert len(attempts) == calls
    assert pauses == ([3.0] if ok else [])
    assert (report.outcomes[0].hypothesis is not None) is ok


def test_provider_seconds_are_measured_per_language_pair() -> None:
    ticks = iter(range(100))
    pairs = [_pair("in-es-1", "hola", "hola"), _pair("in-fr-1", "salut", "salut", lang="fr")]
    report = evaluate(
        [Fake("timed")], pairs, roundtrip=False, timer=lambda: float(next(ticks) * 0.5)
    )
    assert _row(report, "timed", "in", "es").seconds == pytest.approx(0.5)
    total = _row(report, "timed", "in", ALL)
    assert total.seconds == pytest.approx(1.0)
    assert total.per_second == pytest.approx(2.0)


def test_the_report_is_one_row_per_provider_direction_and_language_then_totals() -> None:
    pairs = [
        _pair("in-es-1", "hola", "你好"),
        _pair("in-ru-1", "привет", "你好", lang="ru"),
        _pair("out-es-1", "你好", "hola", "out", "es"),
    ]
    report = evaluate([Fake("a"), Fake("b")], pairs)
    header, rows = report.table()
    assert header == ScoreRow.COLUMNS
    assert all(len(r) == len(header) for r in rows)
    assert [(r[0], r[1], r[2], r[3]) for r in rows] == [
        ("a", "in", "es", "zh"),
        ("a", "in", "ru", "zh"),
        ("a", "in", ALL, "zh"),
        ("a", "out", "zh", "es"),
        ("a", "out", "zh", ALL),
        ("b", "in", "es", "zh"),
        ("b", "in", "ru", "zh"),
        ("b", "in", ALL, "zh"),
        ("b", "out", "zh", "es"),
        ("b", "out", "zh", ALL),
    ]


def test_parse_pairs_reads_lines_and_reports_every_problem_at_once() -> None:
    good = {
        "id": "in-es-001",
        "direction": "in",
        "source_lang": "es",
        "target_lang": "zh",
        "source": "hola",
        "reference": "你好",
    }
    assert parse_pairs([json.dumps(good), ""]) == [
        EvalPair("in-es-001", "in", "es", "zh", "hola", "你好")
    ]
    lines = [
        json.dumps(good),
        json.dumps(good),
        "{not json",
        json.dumps({**good, "id": "x", "direction": "sideways"}),
        json.dumps({**good, "id": "y", "target_lang": "en"}),
        json.dumps({**good, "id": "z", "reference": ""}),
        "[1]",
    ]
    with pytest.raises(RowErrors) as raised:
        parse_pairs(lines)
    assert [(e.row, e.field) for e in raised.value.errors] == [
        (2, "id"),
        (3, "line"),
        (4, "direction"),
        (5, "target_lang"),
        (6, "reference"),
        (7, "line"),
    ]


class Oracle:
    """Answers every masked segment of the evaluation set with its reference, masked
    the same way: what a perfect provider behind kefu's pipeline returns."""

    provider = "oracle"

    def __init__(self, pairs: Sequence[EvalPair], termbase: TermBase) -> None:
        self.answers: dict[tuple[str, str, str], str] = {}
        for pair in pairs:
            self._learn(pair.source, pair.reference, pair.source_lang, pair.target_lang, termbase)
            self._learn(pair.reference, pair.source, pair.target_lang, pair.source_lang, termbase)

    def _learn(self, text: str, wanted: str, source: str, target: str, tb: TermBase) -> None:
        masked = protect(text, tb, source, target)
        lines = [line.strip() for line in wanted.splitlines() if line.strip()]
        for segment, line in zip(masked.segments, lines, strict=True):
            answer = html.escape(line, quote=False)
            numbered = list(enumerate(segment.protected, start=1))
            for index, item in sorted(numbered, key=lambda n: -len(n[1].restored)):
                value = html.escape(item.restored, quote=False)
                answer = answer.replace(value, f"\0{index}\0", 1)
            answer = re.sub("\0(\\d+)\0", r'<k id="\1"/>', answer)
            self.answers[segment.text, source, target] = answer

    def translate(self, texts: Sequence[str], source: str | None, target: str) -> list[str]:
        return [self.answers[t, source or "", target] for t in texts]


def test_every_reference_of_the_set_is_reachable_through_the_pipeline() -> None:
    pairs = parse_pairs(SET.read_text(encoding="utf-8").splitlines())
    termbase = TermBase((Term({"en": "Sunrise Fashion"}, keep=True),))
    report = evaluate([Oracle(pairs, termbase)], pairs, termbase=termbase)
    assert report.problems == {}
    for row in report.rows:
        assert row.chrf == pytest.approx(100.0), row
        if row.direction == "out":
            assert row.roundtrip_chrf == pytest.approx(100.0), row
    assert [o.hypothesis for o in report.outcomes] == [p.reference for p in pairs]
