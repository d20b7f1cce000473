"""Scores translation providers on the parallel evaluation set (`kefu translate eval`).

Each pair goes through the same pipeline as a real message: masked with the term base
(domain/termbase.py), translated through the Translator port, and the tokens put back.
What is scored is therefore what an agent or a buyer would see, not the provider's raw
output: a provider that rewrites an order number is refused by the pipeline, and a
refusal shows nothing, so a refused pair is scored as an empty translation (and counted
apart). A provider that could not answer at all (quota, outage, an unsupported pair) is
an infrastructure problem, not a quality one: those pairs are counted and not scored.

Quality is chrF (sacrebleu's default: character 6-grams, β = 2), which behaves on
Chinese, which has no spaces, as on the other languages, per provider, direction and
language pair. For the agent's replies (`out`) the round trip is scored too: the
buyer-language translation is translated back into Chinese and compared with what the
agent wrote, which is the check the agent sees on the screen before sending.

The service never reads files or clocks of its own: the CLI parses the set with
`parse_pairs` and passes the providers; `timer` measures provider seconds.
"""

from __future__ import annotations

import json
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import ClassVar, Literal

from sacrebleu.metrics.chrf import CHRF

from kefu.domain.errors import FieldError, RowErrors
from kefu.domain.termbase import MaskedText, TermBase, TranslationRefused, protect
from kefu.services.ports import Progress, TranslationFailed, Translator

Direction = Literal["in", "out"]
AGENT_LANGUAGE = "zh"
ALL = "*"  # the language column of a direction's total row
_FIELDS = ("id", "direction", "source_lang", "target_lang", "source", "reference")


@dataclass(frozen=True)
class EvalPair:
    """One line of data/translation/parallel.jsonl (the README there says more)."""

    id: str
    direction: Direction
    source_lang: str
    target_lang: str
    source: str
    reference: str

    @property
    def buyer_lang(self) -> str:
        return self.source_lang if self.direction == "in" else self.target_lang


def parse_pairs(lines: Iterable[str]) -> list[EvalPair]:
    """The pairs of a JSON-lines set; every problem of every line is raised together,
    so a broken set is fixed in one go rather than line by line."""
    pairs: list[EvalPair] = []
    errors: list[FieldError] = []
    seen: set[str] = set()
    for row, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
        except json.JSONDecodeError as exc:
            errors.append(FieldError("line", f"not JSON: {exc.msg}", row))
            continue
        if not isinstance(data, dict):
            errors.append(FieldError("line", "not a JSON object", row))
            continue
        problems = _pair_problems(data, row, seen)
        if problems:
            errors.extend(problems)
            continue
        seen.add(data["id"])
        pairs.append(EvalPair(**{name: data[name] for name in _FIELDS}))
    if errors:
        raise RowErrors(errors)
    return pairs


def _pair_problems(data: dict[str, object], row: int, seen: set[str]) -> list[FieldError]:
    problems = [
        FieldError(name, "missing or not a non-empty string", row)
        for name in _FIELDS
        if not isinstance(data.get(name), str) or not str(data[name]).strip()
    ]
    if problems:
        return problems
    direction, source, target = data["direction"], data["source_lang"], data["target_lang"]
    if direction not in ("in", "out"):
        problems.append(FieldError("direction", "must be 'in' or 'out'", row, str(direction)))
    elif (target if direction == "in" else source) != AGENT_LANGUAGE:
        side = "target_lang" if direction == "in" else "source_lang"
        problems.append(FieldError(side, f"must be '{AGENT_LANGUAGE}' for '{direction}'", row))
    if data["id"] in seen:
        problems.append(FieldError("id", "appears twice", row, str(data["id"])))
    return problems


@dataclass(frozen=True)
class Outcome:
    """What happened to one pair with one provider; `problem` is `refused:<reason>` or
    `failed:<kind>`, and the same for the round trip (`back_problem`)."""

    provider: str
    pair: EvalPair
    hypothesis: str | None
    problem: str | None = None
    back: str | None = None
    back_problem: str | None = None

    @property
    def refused(self) -> bool:
        return (self.problem or "").startswith("refused:")

    @property
    def failed(self) -> bool:
        return (self.problem or "").startswith("failed:")


@dataclass(frozen=True)
class ScoreRow:
    """One line of the report: a provider on one direction and language pair, or on a
    whole direction (the buyer-language column is `*`)."""

    COLUMNS: ClassVar[tuple[str, ...]] = (
        "provider",
        "direction",
        "source",
        "target",
        "pairs",
        "translated",
        "refused",
        "failed",
        "chrF",
        "round-trip chrF",
        "round-trip refused",
        "seconds",
        "per second",
    )

    provider: str
    direction: Direction
    source_lang: str
    target_lang: str
    pairs: int
    translated: int
    refused: int
    failed: int
    chrf: float | None  # None when nothing could be scored
    roundtrip_chrf: float | None  # `out` only
    roundtrip_refused: int
    seconds: float  # provider time of the forward translations

    @property
    def per_second(self) -> float | None:
        """Pairs translated per second of provider time (None when not measurable)."""
        return self.translated / self.seconds if self.seconds > 0 else None

    def cells(self) -> tuple[str | int | float | None, ...]:
        """The row in COLUMNS order, scores rounded to one decimal, for a table."""
        return (
            self.provider,
            self.direction,
            self.source_lang,
            self.target_lang,
            self.pairs,
            self.translated,
            self.refused,
            self.failed,
            _round(self.chrf),
            _round(self.roundtrip_chrf),
            self.roundtrip_refused if self.direction == "out" else None,
            round(self.seconds, 2),
            _round(self.per_second),
        )


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


@dataclass(frozen=True)
class EvalReport:
    rows: tuple[ScoreRow, ...]
    outcomes: tuple[Outcome, ...]
    # (provider, "refused:lost_token" / "failed:unsupported"…) → pairs, forward and back
    problems: dict[tuple[str, str], int] = field(default_factory=dict)

    def table(self) -> tuple[tuple[str, ...], list[tuple[str | int | float | None, ...]]]:
        """(header, rows) for a terminal or CSV table."""
        return ScoreRow.COLUMNS, [row.cells() for row in self.rows]


Timer = Callable[[], float]


def evaluate(
    translators: Sequence[Translator],
    pairs: Sequence[EvalPair],
    *,
    termbase: TermBase | None = None,
    batch_size: int = 16,
    roundtrip: bool = True,
    progress: Progress | None = None,
    retries: int = 2,
    timer: Timer = time.perf_counter,
    sleep: Callable[[float], None] = time.sleep,
) -> EvalReport:
    """Translate every pair with every provider and score the results.

    Pairs of one language pair go to a provider together, at most `batch_size` texts a
    call, as the translation service sends them; a refusal touches only its own pair.
    `progress` advances once per batch, forward and back. A provider that asks to
    come back later (rate limit, outage, time-out) is asked again up to `retries` times,
    after the pause it named or one second: a burst of calls is this tool's doing, and
    should not count against the provider.
    """
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    tb = termbase or TermBase()
    out_pairs = sum(1 for p in pairs if p.direction == "out")
    total = len(translators) * (len(pairs) + (out_pairs if roundtrip else 0))
    run = _Run(tb, batch_size, progress, timer, sleep, retries, total)
    outcomes: list[Outcome] = []
    rows: list[ScoreRow] = []
    for translator in translators:
        mine = run.provider(translator, pairs, roundtrip)
        outcomes.extend(mine)
        rows.extend(_score_rows(translator.provider, mine, run.seconds))
    problems = Counter(
        (o.provider, problem)
        for o in outcomes
        for problem in (o.problem, o.back_problem)
        if problem is not None
    )
    return EvalReport(tuple(rows), tuple(outcomes), dict(sorted(problems.items())))


@dataclass
class _Run:
    termbase: TermBase
    batch_size: int
    progress: Progress | None
    timer: Timer
    sleep: Callable[[float], None]
    retries: int
    total: int
    done: int = 0
    # provider time of forward translations by (provider, source, target)
    seconds: defaultdict[tuple[str, str, str], float] = field(
        default_factory=lambda: defaultdict(float)
    )

    def provider(
        self, translator: Translator, pairs: Sequence[EvalPair], roundtrip: bool
    ) -> list[Outcome]:
        outcomes: dict[str, Outcome] = {}
        for (source, target), group in _groups(pairs):
            answers = self.translate(translator, [p.source for p in group], source, target)
            for pair, (text, problem) in zip(group, answers, strict=True):
                outcomes[pair.id] = Outcome(translator.provider, pair, text, problem)
        if roundtrip:
            self.back(translator, outcomes)
        return [outcomes[p.id] for p in pairs]

    def back(self, translator: Translator, outcomes: dict[str, Outcome]) -> None:
        """Translate each `out` translation back into Chinese (the agent's check)."""
        by_language: dict[str, list[Outcome]] = {}
        for outcome in (o for o in outcomes.values() if o.pair.direction == "out"):
            by_language.setdefault(outcome.pair.target_lang, []).append(outcome)
        for language, group in by_language.items():
            todo = [o for o in group if o.hypothesis is not None]
            self._advance(len(group) - len(todo))
            texts = [o.hypothesis for o in todo if o.hypothesis is not None]
            answers = self.translate(translator, texts, language, AGENT_LANGUAGE, timed=False)
            for outcome, (text, problem) in zip(todo, answers, strict=True):
                outcomes[outcome.pair.id] = Outcome(
                    outcome.provider,
                    outcome.pair,
                    outcome.hypothesis,
                    outcome.problem,
                    back=text,
                    back_problem=problem,
                )

    def translate(
        self,
        translator: Translator,
        texts: Sequence[str],
        source: str,
        target: str,
        *,
        timed: bool = True,
    ) -> list[tuple[str | None, str | None]]:
        """(translation, problem) per text, through mask → provider → restore."""
        answers: list[tuple[str | None, str | None]] = []
        for start in range(0, len(texts), self.batch_size):
            chunk = texts[start : start + self.batch_size]
            answers.extend(self._chunk(translator, chunk, source, target, timed))
            self._advance(len(chunk))
        return answers

    def _chunk(
        self,
        translator: Translator,
        texts: Sequence[str],
        source: str,
        target: str,
        timed: bool,
    ) -> list[tuple[str | None, str | None]]:
        masked = [protect(text, self.termbase, source, target) for text in texts]
        segments = [s.text for m in masked for s in m.segments]
        try:
            translated = self._patient_call(translator, segments, source, target, timed)
        except TranslationFailed as exc:
            if exc.kind == "malformed" and len(texts) > 1:
                # One bad answer must not fail the whole batch: ask again one by one.
                return [
                    answer
                    for text in texts
                    for answer in self._chunk(translator, [text], source, target, timed)
                ]
            return [(None, f"failed:{exc.kind}")] * len(texts)
        answers: list[tuple[str | None, str | None]] = []
        position = 0
        for item in masked:
            mine = translated[position : position + len(item.segments)]
            position += len(item.segments)
            answers.append(_restore(item, mine))
        return answers

    def _patient_call(
        self,
        translator: Translator,
        segments: list[str],
        source: str,
        target: str,
        timed: bool,
    ) -> list[str]:
        for attempt in range(self.retries + 1):
            try:
                return self._call(translator, segments, source, target, timed)
            except TranslationFailed as exc:
                if not exc.retryable or attempt == self.retries:
                    raise
                self.sleep(exc.retry_after if exc.retry_after is not None else 1.0)
        raise AssertionError("unreachable")  # pragma: no cover

    def _call(
        self,
        translator: Translator,
        segments: list[str],
        source: str,
        target: str,
        timed: bool,
    ) -> list[str]:
        if not segments:
            return []
        started = self.timer()
        try:
            answer = translator.translate(segments, source, target)
        finally:
            if timed:
                self.seconds[translator.provider, source, target] += self.timer() - started
        if len(answer) != len(segments):
            raise TranslationFailed(f"{len(answer)} segments for {len(segments)}", kind="malformed")
        return answer

    def _advance(self, count: int) -> None:
        self.done += count
        if self.progress is not None and count:
            self.progress.advance(self.done, self.total)


def _restore(masked: MaskedText, answer: Sequence[str]) -> tuple[str | None, str | None]:
    try:
        return masked.restore(answer), None
    except TranslationRefused as exc:
        return None, f"refused:{exc.params.get('reason', 'other')}"


def _groups(pairs: Sequence[EvalPair]) -> list[tuple[tuple[str, str], list[EvalPair]]]:
    groups: dict[tuple[str, str], list[EvalPair]] = {}
    for pair in pairs:
        groups.setdefault((pair.source_lang, pair.target_lang), []).append(pair)
    return list(groups.items())


def _score_rows(
    provider: str, outcomes: Sequence[Outcome], seconds: Mapping[tuple[str, str, str], float]
) -> list[ScoreRow]:
    """One row per direction and language pair, then one per direction."""
    rows: list[ScoreRow] = []
    for direction in ("in", "out"):
        mine = [o for o in outcomes if o.pair.direction == direction]
        if not mine:
            continue
        languages = sorted({o.pair.buyer_lang for o in mine})
        for language in languages:
            group = [o for o in mine if o.pair.buyer_lang == language]
            pair = group[0].pair
            spent = seconds.get((provider, pair.source_lang, pair.target_lang), 0.0)
            rows.append(_row(provider, direction, pair.source_lang, pair.target_lang, group, spent))
        source, target = (ALL, AGENT_LANGUAGE) if direction == "in" else (AGENT_LANGUAGE, ALL)
        spent = sum(
            seconds.get((provider, o.source_lang, o.target_lang), 0.0) for o in _pairs_of(mine)
        )
        rows.append(_row(provider, direction, source, target, mine, spent))
    return rows


def _row(
    provider: str,
    direction: Direction,
    source: str,
    target: str,
    group: Sequence[Outcome],
    seconds: float,
) -> ScoreRow:
    scored = [o for o in group if not o.failed]
    back = [
        o
        for o in group
        if o.hypothesis is not None and not (o.back_problem or "").startswith("failed:")
    ]
    return ScoreRow(
        provider=provider,
        direction=direction,
        source_lang=source,
        target_lang=target,
        pairs=len(group),
        translated=sum(1 for o in group if o.hypothesis is not None),
        refused=sum(1 for o in group if o.refused),
        failed=sum(1 for o in group if o.failed),
        chrf=_chrf([o.hypothesis or "" for o in scored], [o.pair.reference for o in scored]),
        roundtrip_chrf=(
            _chrf([o.back or "" for o in back], [o.pair.source for o in back])
            if direction == "out"
            else None
        ),
        roundtrip_refused=sum(1 for o in group if (o.back_problem or "").startswith("refused:")),
        seconds=seconds,
    )


def _pairs_of(outcomes: Sequence[Outcome]) -> list[EvalPair]:
    """One pair per language pair among `outcomes`."""
    return list({(o.pair.source_lang, o.pair.target_lang): o.pair for o in outcomes}.values())


def _chrf(hypotheses: list[str], references: list[str]) -> float | None:
    """Corpus chrF (0–100); a refused translation counts as an empty one."""
    if not hypotheses:
        return None
    return float(CHRF().corpus_score(hypotheses, [references]).score)
