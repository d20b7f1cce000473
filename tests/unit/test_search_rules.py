"""Search text rules (domain/search.py): terms, query parsing, highlights, snippets."""

from __future__ import annotations

import unicodedata

from hypothesis import given
from hypothesis import strategies as st

from kefu.domain.search import (
    MAX_QUERY_TERMS,
    Phrase,
    highlights,
    index_text,
    parse,
    snippet,
    terms,
)


def test_words_are_folded_and_latin_accents_dropped() -> None:
    assert index_text("Ｈｅｌｌｏ, Grüße — ÉTÉ ёлка") == "hello grusse ete елка"


def test_cjk_runs_become_bigrams_and_their_last_character() -> None:
    assert index_text("我要退款") == "我要 要退 退款 款"
    assert index_text("退") == "退"
    assert index_text("注文した商品") == "注文 文し した た商 商品 品"


def test_japanese_dakuten_stays_on_its_kana() -> None:
    # か + combining dakuten is が, in one term, never split from its mark.
    assert index_text("か\u3099") == "が"


def test_a_two_character_chinese_word_is_one_phrase() -> None:
    assert parse("退款").phrases == (Phrase(("退款",)),)
    assert parse("要退款").phrases == (Phrase(("要退", "退款")),)
    assert parse("退").phrases == (Phrase(("退",), prefix=True),)


def test_words_are_prefixes_from_three_characters() -> None:
    assert parse("refund it").phrases == (Phrase(("refund",), True), Phrase(("it",)))


def test_quotes_make_a_phrase_and_markup_is_ignored() -> None:
    q = parse('"where is" <b>parcel</b>')
    assert q.phrases == (Phrase(("where", "is")), Phrase(("parcel",), True))


def test_identifiers_are_kept_raw() -> None:
    assert parse("A-1001 LX123456789CN ana@example.com hi").keys == (
        "A-1001",
        "LX123456789CN",
        "ana@example.com",
    )


def test_at_most_so_many_terms_are_searched() -> None:
    q = parse(" ".join(f"w{n}x" for n in range(40)))
    assert len(q.phrases) == MAX_QUERY_TERMS


def test_syntax_characters_are_only_separators() -> None:
    q = parse('AND OR NOT * ( ) " : ^ NEAR')
    assert all(t.isalnum() for p in q.phrases for t in p.terms)


def test_highlights_are_on_the_original_text() -> None:
    text = "Où est ma COMMANDE? 我要退款"
    spans = highlights(text, parse("commande 退款"))
    assert [text[s:e] for s, e in spans] == ["COMMANDE", "退款"]


def test_snippet_cuts_around_the_first_hit() -> None:
    text = "x " * 200 + "refund please " + "y " * 200
    piece = snippet(text, parse("refund"), width=40)
    assert piece.text.startswith("…") and piece.text.endswith("…")
    assert [p for p, marked in piece.parts() if marked] == ["refund"]
    assert "".join(p for p, _ in piece.parts()) == piece.text


@given(st.text(max_size=300), st.text(max_size=40))
def test_highlight_spans_are_inside_the_text_sorted_and_whole(text: str, q: str) -> None:
    spans = highlights(text, parse(q))
    previous = -1
    for start, end in spans:
        assert 0 <= start < end <= len(text)
        assert start > previous
        previous = end
        # Never between a character and its combining marks, never on a lone surrogate.
        assert not unicodedata.combining(text[start]) or start == 0
        assert end == len(text) or not unicodedata.combining(text[end])
        assert not ("\ud800" <= text[start] <= "\udfff")


@given(st.text(max_size=300), st.text(max_size=40), st.integers(10, 200))
def test_snippet_marks_are_inside_the_snippet(text: str, q: str, width: int) -> None:
    piece = snippet(text, parse(q), width=width)
    for start, end in piece.marks:
        assert 0 <= start < end <= len(piece.text)
    assert "".join(p for p, _ in piece.parts()) == piece.text


@given(st.text(max_size=200))
def test_every_term_is_letters_digits_and_marks_only(text: str) -> None:
    for term in terms(text):
        assert term.text and " " not in term.text and "'" not in term.text
        assert 0 <= term.start < term.end <= len(text)


@given(st.text(min_size=1, max_size=60))
def test_a_text_finds_itself(text: str) -> None:
    q = parse(text)
    if q.phrases:
        assert highlights(text, q)


def test_a_very_long_word_is_indexed_by_its_start() -> None:
    word = "abc" * 1000
    (term,) = terms(f" {word} ")
    assert len(term.text) == 64 and (term.start, term.end) == (1, 3001)
    assert highlights(word, parse(word[:100])) == [(0, 3000)]


def test_control_characters_separate_words() -> None:
    q = parse("ab\x00cd\ud800ef\u200b")
    assert q.text == "ab cd ef" and q.keys == ()
