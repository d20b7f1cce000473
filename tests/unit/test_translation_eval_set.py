"""The parallel evaluation set (data/translation/parallel.jsonl) stays usable.

The chrF figures of `kefu translate eval` mean something only if the set is well formed,
big enough per direction and language, independent of the demo corpus the sandbox
records, and consistent with the masking: a perfect translation keeps every protected
value (number, code, link, the shop's name) exactly as written and invents none, so a
reference that changed one would punish the provider that did the right thing.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections import Counter
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from kefu.domain.termbase import Term, TermBase, protect

ROOT = Path(__file__).resolve().parents[2]
SET = ROOT / "data" / "translation" / "parallel.jsonl"
DEMO_CORPUS = ROOT / "src" / "kefu" / "demo" / "corpus"

FIELDS = ("id", "direction", "source_lang", "target_lang", "source", "reference")
IN_LANGUAGES = {"es", "ru", "fr", "de", "pt", "ar", "en", "tr", "it", "ja"}
OUT_LANGUAGES = {"es", "ru", "fr", "de", "pt", "ar", "en"}
KEEP = TermBase((Term({"en": "Sunrise Fashion"}, keep=True),))
HAN = re.compile(r"[\u4e00-\u9fff]")
EMOJI = re.compile(r"[\U0001F000-\U0001FAFF\u2600-\u27BF\u2B00-\u2BFF]")


@cache
def _rows() -> tuple[dict[str, Any], ...]:
    rows = []
    for number, line in enumerate(SET.read_text(encoding="utf-8").splitlines(), start=1):
        assert line.strip(), f"line {number} is empty"
        row = json.loads(line)
        assert isinstance(row, dict), f"line {number} is not an object"
        rows.append(row)
    return tuple(rows)


def _ids() -> list[str]:
    return [str(row["id"]) for row in _rows()]


def _row(pair_id: str) -> dict[str, Any]:
    return next(row for row in _rows() if row["id"] == pair_id)


def _normal(text: str) -> str:
    """Case-folded, NFKC, with whitespace and punctuation dropped."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    return "".join(c for c in folded if c.isalnum())


def _strings(data: object) -> set[str]:
    """Every string in a JSON document, keys included (recordings key on the text)."""
    if isinstance(data, str):
        return {data}
    if isinstance(data, dict):
        return set(map(str, data)).union(*(_strings(v) for v in data.values()))
    if isinstance(data, list):
        return set().union(*(_strings(v) for v in data))
    return set()


def _demo_texts() -> set[str]:
    """The demo corpus and the sandbox's recorded translations of it."""
    texts: set[str] = set()
    for path in DEMO_CORPUS.rglob("*.json"):
        texts |= _strings(json.loads(path.read_text(encoding="utf-8")))
    return {t for t in texts if len(t) > 3}


def _protected(text: str, source: str, target: str) -> list[str]:
    masked = protect(text, KEEP, source, target)
    return [p.original for s in masked.segments for p in s.protected]


def test_every_line_has_the_fields_as_strings_and_a_consistent_direction() -> None:
    for row in _rows():
        assert tuple(row) == FIELDS, row.get("id")
        assert all(isinstance(row[f], str) and row[f].strip() for f in FIELDS), row["id"]
        direction, language, _ = row["id"].split("-")
        assert re.fullmatch(r"(in|out)-[a-z]{2}-\d{3}", row["id"]), row["id"]
        assert row["direction"] == direction
        if direction == "in":
            assert (row["source_lang"], row["target_lang"]) == (language, "zh"), row["id"]
        else:
            assert (row["source_lang"], row["target_lang"]) == ("zh", language), row["id"]


def test_ids_and_sources_are_unique() -> None:
    assert [i for i, n in Counter(_ids()).items() if n > 1] == []
    sources = Counter(_normal(row["source"]) for row in _rows())
    assert [s for s, n in sources.items() if n > 1] == []


def test_counts_per_direction_and_language() -> None:
    counts = Counter((row["direction"], row["id"].split("-")[1]) for row in _rows())
    assert len(_rows()) >= 180
    assert sum(n for (d, _), n in counts.items() if d == "in") >= 95
    assert sum(n for (d, _), n in counts.items() if d == "out") >= 78
    assert {lang for (d, lang) in counts if d == "in"} == IN_LANGUAGES
    assert {lang for (d, lang) in counts if d == "out"} == OUT_LANGUAGES
    for language in OUT_LANGUAGES:
        assert counts["in", language] >= 8, language
        assert counts["out", language] >= 10, language


def test_no_text_is_shared_with_the_demo_corpus() -> None:
    demo = _demo_texts()
    assert len(demo) > 1000  # the corpus was found
    exact = {t.strip() for t in demo}
    folded = {_normal(t) for t in demo}
    for row in _rows():
        for field in ("source", "reference"):
            text = row[field]
            assert text.strip() not in exact, (row["id"], field)
            assert _normal(text) not in folded, (row["id"], field)


def test_the_chinese_side_is_chinese_and_the_other_side_is_not() -> None:
    for row in _rows():
        chinese, other = (
            (row["reference"], row["source"])
            if row["direction"] == "in"
            else (row["source"], row["reference"])
        )
        assert HAN.search(chinese), row["id"]
        if row["id"].split("-")[1] != "ja":  # Japanese writes kanji
            assert not HAN.search(other), row["id"]


@pytest.mark.parametrize("pair_id", _ids())
def test_protected_values_come_through_exactly_and_none_is_invented(pair_id: str) -> None:
    row = _row(pair_id)
    source, reference = row["source"], row["reference"]
    for value in _protected(source, row["source_lang"], row["target_lang"]):
        assert value in reference, f"{value!r} changed or missing"
    for value in _protected(reference, row["target_lang"], row["source_lang"]):
        assert value in source, f"{value!r} is not in the source"
    assert Counter(EMOJI.findall(source)) == Counter(EMOJI.findall(reference))
    assert source.count("\n") == reference.count("\n")


def test_a_good_share_of_pairs_carries_values_a_pipeline_must_protect() -> None:
    carrying = [
        row
        for row in _rows()
        if _protected(row["source"], row["source_lang"], row["target_lang"])
        or EMOJI.search(row["source"])
    ]
    assert len(carrying) >= len(_rows()) // 3
