"""Search text rules in plain Python: what a piece of text is indexed as, what a query
asks for, and where a hit is in the original text (docs/search.md).

Both engines (SQLite FTS5, PostgreSQL tsvector) index the *terms* made here, not the raw
text, so that they find the same things: words are normalised (NFKC, case-folded, Latin,
Greek and Cyrillic accents dropped) and runs of Chinese or Japanese characters, written
without spaces, become overlapping two-character terms plus the run's last character, so
a two-character word such as 退款 is one term and a one-character query is a prefix.
Highlights are computed on the original text through the same normalisation, so a span
always starts and ends on a whole character with its combining marks.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

MAX_QUERY_CHARS = 200
MAX_PAGE_SIZE = 50
# At most this many terms of a query are searched (the rest are ignored, not an error).
MAX_QUERY_TERMS = 12
SNIPPET_CHARS = 160
# A longer "word" (a pasted link or code) is indexed by its start: PostgreSQL refuses
# terms over 2 KiB, and nobody types more.
MAX_TERM_CHARS = 64

Kind = Literal["word", "cjk", "sep"]


def _is_cjk(ch: str) -> bool:
    """Characters of scripts written without spaces between words (Han, kana)."""
    o = ord(ch)
    return (
        0x3040 <= o <= 0x30FF  # Hiragana, Katakana
        or 0x31F0 <= o <= 0x31FF  # Katakana phonetic extensions
        or 0x3400 <= o <= 0x4DBF  # CJK Extension A
        or 0x4E00 <= o <= 0x9FFF  # CJK Unified Ideographs
        or 0xF900 <= o <= 0xFAFF  # CJK Compatibility Ideographs
        or 0x20000 <= o <= 0x3FFFF  # CJK Extensions B…
        or o == 0x3005  # 々 (repetition mark)
    )


@lru_cache(maxsize=8192)
def _kind(ch: str) -> Kind:
    if _is_cjk(ch):
        return "cjk"
    category = unicodedata.category(ch)
    if category[0] in "LNM":
        return "word"
    return "sep"


@lru_cache(maxsize=8192)
def _fold(cluster: str) -> str:
    """One character with its combining marks, as it is indexed."""
    folded = unicodedata.normalize("NFKC", cluster).casefold()
    if not folded or ord(folded[0]) >= 0x530:
        return folded
    # Latin, Greek, Cyrillic: drop accents (é→e, ё→е), as buyers often type without them.
    bare = "".join(c for c in unicodedata.normalize("NFD", folded) if not unicodedata.combining(c))
    return unicodedata.normalize("NFC", bare)


def _clusters(text: str) -> list[tuple[int, int]]:
    """(start, end) of each character with the combining marks that follow it."""
    spans: list[tuple[int, int]] = []
    for i, ch in enumerate(text):
        if spans and unicodedata.combining(ch) and spans[-1][1] == i:
            spans[-1] = (spans[-1][0], i + 1)
        else:
            spans.append((i, i + 1))
    return spans


@dataclass(frozen=True)
class Term:
    """One index term and the span of the original text it comes from."""

    text: str
    start: int
    end: int


def _normalised(text: str) -> list[tuple[str, int, int]]:
    """Each normalised character with the original span it comes from."""
    out: list[tuple[str, int, int]] = []
    for start, end in _clusters(text):
        for ch in _fold(text[start:end]):
            if "\ud800" <= ch <= "\udfff":  # a lone surrogate is not text
                continue
            out.append((ch, start, end))
    return out


def terms(text: str) -> list[Term]:
    """The index terms of a text, in order, each with its original span."""
    chars = _normalised(text)
    out: list[Term] = []
    i = 0
    while i < len(chars):
        kind = _kind(chars[i][0])
        j = i
        while j < len(chars) and _kind(chars[j][0]) == kind:
            j += 1
        run = chars[i:j]
        if kind == "word":
            word = "".join(c for c, _, _ in run[:MAX_TERM_CHARS])
            out.append(Term(word, run[0][1], run[-1][2]))
        elif kind == "cjk":
            for k in range(len(run) - 1):
                out.append(Term(run[k][0] + run[k + 1][0], run[k][1], run[k + 1][2]))
            out.append(Term(run[-1][0], run[-1][1], run[-1][2]))
        i = j
    return out


def index_text(*texts: str) -> str:
    """What the engines store for a message and its translations: terms joined by spaces
    (each term holds only letters, digits and marks, so neither engine splits it)."""
    return " ".join(t.text for text in texts for t in terms(text))


@dataclass(frozen=True)
class Phrase:
    """Terms that must follow each other; `prefix`: the last one may be longer."""

    terms: tuple[str, ...]
    prefix: bool = False


@dataclass(frozen=True)
class Query:
    """A parsed query: every phrase must match a message (AND); `keys` are the raw words
    that may be an order or tracking number, SKU, buyer id or e-mail."""

    text: str
    phrases: tuple[Phrase, ...]
    keys: tuple[str, ...]

    @property
    def empty(self) -> bool:
        return not self.phrases and not self.keys


_QUOTED = re.compile(r'"([^"]*)"?')
# Markup pasted from a page or an e-mail (<b>, </p>) is not what a person looks for.
_MARKUP = re.compile(r"</?[A-Za-z][^<>]{0,200}>")
# What may be an identifier (looked up exactly): letters, digits and - _ . @ + / #.
_KEY = re.compile(r"^[\w.@+/#-]{3,64}$")


def _phrases(chunk: str, *, quoted: bool) -> list[Phrase]:
    found = terms(chunk)
    if not found:
        return []
    if quoted:
        return [Phrase(tuple(t.text for t in _phrase_terms(found)))]
    out: list[Phrase] = []
    run: list[Term] = []
    for term in found:
        # A CJK run's bigrams (and its last character) are one phrase; words are alone.
        if run and _cjk(term.text) and _cjk(run[-1].text) and term.start < run[-1].end:
            run.append(term)
            continue
        if run:
            out.append(_phrase_of(run))
        run = [term]
    if run:
        out.append(_phrase_of(run))
    return out


def _cjk(term: str) -> bool:
    return _is_cjk(term[0])


def _phrase_terms(found: list[Term]) -> list[Term]:
    """A CJK run's final single character is already inside its last bigram: a phrase
    skips it, since the index puts it after the bigram."""
    kept: list[Term] = []
    for k, term in enumerate(found):
        is_tail = (
            len(term.text) == 1
            and _cjk(term.text)
            and k > 0
            and _cjk(found[k - 1].text)
            and found[k - 1].end == term.end
        )
        if not is_tail:
            kept.append(term)
    return kept


def _phrase_of(run: list[Term]) -> Phrase:
    kept = _phrase_terms(run)
    last = kept[-1].text
    # One Chinese character: any bigram that starts with it. A word: its longer forms
    # too (refund → refunded, возврат → возврата), from three characters on.
    prefix = (len(last) == 1 and _cjk(last)) or (not _cjk(last) and len(last) >= 3)
    return Phrase(tuple(t.text for t in kept), prefix)


def parse(q: str) -> Query:
    """Quoted parts are phrases; other words are each required; identifiers are kept raw."""
    # Control characters, lone surrogates and NUL are never what a person looks for (and
    # PostgreSQL refuses NUL in text): they separate words like spaces.
    visible = "".join(" " if unicodedata.category(ch)[0] == "C" else ch for ch in q)
    text = _MARKUP.sub(" ", visible).strip()
    phrases: list[Phrase] = []
    rest: list[str] = []
    last = 0
    for m in _QUOTED.finditer(text):
        rest.append(text[last : m.start()])
        phrases += _phrases(m.group(1), quoted=True)
        last = m.end()
    rest.append(text[last:])
    loose = " ".join(rest)
    phrases += _phrases(loose, quoted=False)
    keys = [w for w in text.replace('"', " ").split() if _KEY.match(w)]
    unique = tuple(dict.fromkeys(phrases))[:MAX_QUERY_TERMS]
    return Query(text, unique, tuple(dict.fromkeys(keys))[:MAX_QUERY_TERMS])


def _matches(phrase: Phrase, found: list[Term], k: int) -> int | None:
    """The end index (exclusive) in `found` when `phrase` matches from position k."""
    kept = len(phrase.terms)
    if k + kept > len(found):
        return None
    for n, want in enumerate(phrase.terms):
        have = found[k + n].text
        last = n == kept - 1
        if have != want and not (last and phrase.prefix and have.startswith(want)):
            return None
    return k + kept


def highlights(text: str, query: Query) -> list[tuple[int, int]]:
    """Spans of `text` (start, end; sorted, not overlapping) where the query's phrases are."""
    found = terms(text)
    spans: list[tuple[int, int]] = []
    for phrase in query.phrases:
        for k in range(len(found)):
            end = _matches(phrase, found, k)
            if end is not None:
                spans.append((found[k].start, found[end - 1].end))
    for key in query.keys:
        folded = key.casefold()
        start = text.casefold().find(folded) if len(text.casefold()) == len(text) else -1
        if start >= 0:
            spans.append((start, start + len(key)))
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


@dataclass(frozen=True)
class Snippet:
    """A piece of a text around its first hit, and the hits inside it (offsets into it)."""

    text: str
    marks: tuple[tuple[int, int], ...]

    def parts(self) -> list[tuple[str, bool]]:
        """The snippet cut at its marks: (text, is_highlighted) in order."""
        out: list[tuple[str, bool]] = []
        at = 0
        for start, end in self.marks:
            if start > at:
                out.append((self.text[at:start], False))
            out.append((self.text[start:end], True))
            at = end
        if at < len(self.text):
            out.append((self.text[at:], False))
        return out


def snippet(text: str, query: Query, width: int = SNIPPET_CHARS) -> Snippet:
    """Up to `width` characters of `text` around its first hit, with an ellipsis where cut."""
    flat = " ".join(text.split())
    spans = highlights(flat, query)
    if len(flat) <= width:
        return Snippet(flat, tuple(spans))
    first = spans[0][0] if spans else 0
    start = max(0, min(first - width // 4, len(flat) - width))
    while start > 0 and unicodedata.combining(flat[start]):
        start -= 1
    end = min(len(flat), start + width)
    while end < len(flat) and unicodedata.combining(flat[end]):
        end += 1
    lead = "…" if start > 0 else ""
    tail = "…" if end < len(flat) else ""
    shift = len(lead) - start
    inside = tuple(
        (max(s, start) + shift, min(e, end) + shift) for s, e in spans if s < end and e > start
    )
    return Snippet(lead + flat[start:end] + tail, inside)


@dataclass(frozen=True)
class Scope:
    """Whose search: `store_ids` and `viewer_id` None for the main account (every store);
    `store_id` narrows to one store."""

    viewer_id: int | None
    store_ids: frozenset[int] | None
    store_id: int | None = None


@dataclass(frozen=True)
class TextHit:
    """A message that matched, in its conversation; a higher score is more relevant."""

    conversation_id: int
    message_id: int
    score: float
    # The conversation's last message time as the engine returns it: only compared.
    recency: object
