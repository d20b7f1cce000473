"""The shop's term base, and what machine translation must never touch.

A wrong translation of an order number, an amount or a size starts a dispute, so
protection is by construction: before a provider sees a text, every placeholder,
URL, e-mail address, code, amount and number is replaced by an opaque token
`<k id="N"/>`, and so is every term of the term base. After translation the tokens
are put back: a term becomes its fixed translation in the target language, anything
else comes back exactly as written. A translation that lost, repeated or invented a
token, invented a number, or came back with markup is refused with the reason; it is
never repaired by guessing.

Texts are split into lines, each line one segment, so the layout survives and a line
seen before (a greeting, a template sentence) is a cache hit whatever order number
it carries. The text a provider gets is escaped as XML, so that `<k id="1"/>` is the
only markup in it and a provider's tag handling keeps the tokens.
"""

from __future__ import annotations

import hashlib
import html
import json
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property

from kefu.domain.errors import DomainError, FieldError, InvalidInput, RowErrors

MAX_TERM_LENGTH = 120
MAX_TERMS = 2000

# What is protected whatever the term base says, in the order the alternatives are tried:
# a placeholder, a URL, an e-mail address, then any run holding a digit (order and
# tracking numbers, SKU codes, amounts with their currency sign, sizes like 38, dates).
_CURRENCY = r"US\$|R\$|[$€£¥₽₩₹₺₪]|zł|Kč|kr"
_PROTECTED = re.compile(
    r"(?P<placeholder>\{[a-z_][a-z0-9_]*\})"
    r"|(?P<url>(?:https?://|www\.)[^\s<>\"'）」』】]+[^\s<>\"'.,;:!?)）」』】])"
    r"|(?P<email>[\w.+-]+@[\w-]+(?:\.[\w-]+)+)"
    # Letter sizes (XL, 3XL, S), uppercase as written on labels.
    r"|(?P<size>(?<![\w-])(?:[2-6]?X{1,3}[SL]|XS|[SML])(?![\w-]))"
    # A code or amount starts after a space, punctuation or a character of a script written
    # without spaces (单号RB123456789CN), not inside a word.
    rf"|(?P<number>(?<![^\W\d_\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af])(?:(?:{_CURRENCY})\s?)?"
    r"[A-Za-z0-9-]*\d(?:[A-Za-z0-9./:-]*[A-Za-z0-9])?"
    r"(?:[.,\u00a0\u202f ]\d{3}(?!\d))*(?:[.,]\d{1,2}(?!\d))?"
    rf"(?:\s?(?:{_CURRENCY})(?![A-Za-z]))?)"
    # Any other digit, so that no number ever reaches a provider.
    r"|(?P<digits>\d+)",
    re.UNICODE,
)
_TOKEN = re.compile(r"""<\s*k\s+id\s*=\s*["']?(\d+)["']?\s*/\s*>""")
_MARKUP = re.compile(r"<\s*/?\s*[a-zA-Z][^<>]*>")
_DIGIT = re.compile(r"\d")
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af\uf900-\ufaff]")


class TranslationRefused(DomainError):
    """A translation that may change what the shop says: never shown as the buyer's text."""

    code = "translation_refused"


@dataclass(frozen=True)
class Term:
    """One entry: the same thing in each language the shop writes it in (`forms`).

    With `keep`, the term is never translated: any of its forms is kept as written
    (the shop's name, a brand, a model name).
    """

    forms: Mapping[str, str]
    keep: bool = False
    # Matched as written, not in any case: a buyer called Will is not "will".
    exact: bool = False

    def form(self, language: str) -> str | None:
        return self.forms.get(primary_language(language))


@dataclass(frozen=True)
class TermBase:
    terms: tuple[Term, ...] = ()

    @cached_property
    def version(self) -> str:
        """Changes whenever an entry does, so cached translations made with an older
        term base are not reused."""
        canonical = [
            [sorted(t.forms.items()), t.keep] for t in sorted(self.terms, key=_term_sort_key)
        ]
        digest = hashlib.sha256(json.dumps(canonical, ensure_ascii=False).encode())
        return digest.hexdigest()[:16]

    def keeping(self, words: Iterable[str]) -> TermBase:
        """This term base, and `words` (a buyer's name, say) kept as written: matched in
        their own case only, whole and by each capitalised part of three letters or more."""
        extra: list[Term] = []
        for word in words:
            whole = word.strip()
            parts = [whole, *whole.split()] if whole else []
            extra.extend(
                Term({"und": p}, keep=True, exact=True)
                for p in dict.fromkeys(parts)
                if len(p) >= 3 and p[0].isupper() and not _PROTECTED.search(p)
            )
        return TermBase((*self.terms, *extra)) if extra else self

    def matchers(self, source: str, target: str) -> list[tuple[str, str, bool]]:
        """(text to find, text to put back, whether case matters) for a translation from
        `source` to `target`, longest first so that "mulberry silk" wins over "silk"."""
        found: dict[str, tuple[str, str, bool]] = {}
        for term in self.terms:
            if term.keep:
                for form in term.forms.values():
                    needle = form if term.exact else form.casefold()
                    found.setdefault(needle, (needle, form, term.exact))
                continue
            written, wanted = term.form(source), term.form(target)
            if written and wanted:
                found.setdefault(written.casefold(), (written.casefold(), wanted, False))
        return sorted(found.values(), key=lambda item: -len(item[0]))


def _term_sort_key(term: Term) -> str:
    return json.dumps(sorted(term.forms.items()), ensure_ascii=False)


def primary_language(language: str) -> str:
    """`zh-CN`, `zh_CN` and `zh` are one language for translation."""
    return language.replace("_", "-").split("-")[0].lower()


@dataclass(frozen=True)
class Protected:
    """A span replaced by a token: what it was, its kind, and what goes back."""

    kind: str  # placeholder, url, email, number, term, keep
    original: str
    restored: str


@dataclass(frozen=True)
class MaskedSegment:
    text: str  # what the provider gets: escaped XML with tokens
    protected: tuple[Protected, ...]

    def restore(self, translated: str) -> str:
        """The provider's answer with every token put back; raises TranslationRefused."""
        seen: list[int] = [int(m.group(1)) for m in _TOKEN.finditer(translated)]
        for number in seen:
            if not 1 <= number <= len(self.protected):
                raise TranslationRefused(
                    "the translation added a protected value that is not in the text",
                    reason="invented_token",
                )
        for index, item in enumerate(self.protected, start=1):
            count = seen.count(index)
            if count != 1:
                raise TranslationRefused(
                    f"the translation {'lost' if count == 0 else 'repeated'} "
                    f"{_kind_words(item.kind)} “{item.original}”",
                    reason="lost_token" if count == 0 else "repeated_token",
                    value=item.original,
                )
        pieces = _TOKEN.split(translated)
        # Markup the text itself had (escaped, as text) may come back; no other.
        written = set(_MARKUP.findall(html.unescape(_TOKEN.sub("", self.text))))
        out: list[str] = []
        for position, piece in enumerate(pieces):
            if position % 2 == 1:
                out.append(self.protected[int(piece) - 1].restored)
                continue
            text = html.unescape(piece)
            if "<" in piece or ">" in piece or set(_MARKUP.findall(text)) - written:
                raise TranslationRefused(
                    "the translation came back with markup (HTML) in it", reason="markup"
                )
            digit = _DIGIT.search(text)
            if digit:
                raise TranslationRefused(
                    f"the translation has a number that is not in the text: “{digit.group()}”",
                    reason="invented_number",
                    value=digit.group(),
                )
            out.append(text)
        restored = "".join(out)
        if self.text.strip() and not restored.strip():
            raise TranslationRefused("the translation came back empty", reason="empty")
        return restored


def _kind_words(kind: str) -> str:
    return {
        "placeholder": "the placeholder",
        "url": "the link",
        "email": "the e-mail address",
        "number": "the number",
        "term": "the term",
        "keep": "the term",
    }.get(kind, "the value")


@dataclass(frozen=True)
class MaskedText:
    """A text cut into lines: `parts` alternate kept layout (whitespace, empty lines)
    and segment indexes into `segments`."""

    segments: tuple[MaskedSegment, ...]
    parts: tuple[str | int, ...] = field(default=())

    def restore(self, translations: Sequence[str]) -> str:
        if len(translations) != len(self.segments):
            raise TranslationRefused(
                f"the provider answered {len(translations)} segments for {len(self.segments)}",
                reason="segments",
            )
        return self.assemble(
            [s.restore(t) for s, t in zip(self.segments, translations, strict=True)]
        )

    def assemble(self, restored: Sequence[str]) -> str:
        """The whole text from its segments already put back, in the kept layout."""
        return "".join(restored[p] if isinstance(p, int) else p for p in self.parts)


def protect(text: str, termbase: TermBase, source: str, target: str) -> MaskedText:
    """Cut `text` into line segments and mask what must not be translated."""
    matchers = termbase.matchers(source, target)
    segments: list[MaskedSegment] = []
    parts: list[str | int] = []
    for line in re.split(r"(\r?\n)", text):
        if line in ("\n", "\r\n") or not line.strip():
            if line:
                parts.append(line)
            continue
        body = line.strip()
        lead, trail = line[: len(line) - len(line.lstrip())], line[len(line.rstrip()) :]
        if lead:
            parts.append(lead)
        parts.append(len(segments))
        segments.append(_mask_line(body, matchers))
        if trail:
            parts.append(trail)
    return MaskedText(tuple(segments), tuple(parts))


def _mask_line(line: str, matchers: list[tuple[str, str, bool]]) -> MaskedSegment:
    protected: list[Protected] = []
    out: list[str] = []

    def token(item: Protected) -> str:
        protected.append(item)
        return f'<k id="{len(protected)}"/>'

    position = 0
    for match in _PROTECTED.finditer(line):
        out.append(_mask_terms(line[position : match.start()], matchers, token))
        kind = "number" if match.lastgroup in (None, "digits", "size") else match.lastgroup
        value = match.group()
        out.append(token(Protected(kind, value, value)))
        position = match.end()
    out.append(_mask_terms(line[position:], matchers, token))
    return MaskedSegment("".join(out), tuple(protected))


def _mask_terms(
    text: str,
    matchers: list[tuple[str, str, bool]],
    token: Callable[[Protected], str],
) -> str:
    """Escape `text` and replace whole-word occurrences of terms (any case) with tokens."""
    if not text:
        return ""
    folded = text.casefold()
    if len(folded) != len(text):  # casefolding changed the length (ß → ss): match as written
        folded = text
    spans: list[tuple[int, int, str]] = []
    taken = [False] * len(text)
    for needle, restored, exact in matchers:
        haystack = text if exact else folded
        start = haystack.find(needle)
        while start != -1:
            end = start + len(needle)
            if not any(taken[start:end]) and _whole_word(text, start, end):
                spans.append((start, end, restored))
                for i in range(start, end):
                    taken[i] = True
            start = haystack.find(needle, start + 1)
    spans.sort()
    out: list[str] = []
    position = 0
    for start, end, restored in spans:
        out.append(html.escape(text[position:start], quote=False))
        original = text[start:end]
        kind = "keep" if restored.casefold() == original.casefold() else "term"
        out.append(token(Protected(kind, original, restored if kind == "term" else original)))
        position = end
    out.append(html.escape(text[position:], quote=False))
    return "".join(out)


def _whole_word(text: str, start: int, end: int) -> bool:
    """A term inside another word ("silk" in "silky") is not the term; scripts written
    without spaces (Chinese, Japanese) have no word edges to check."""
    before = text[start - 1] if start > 0 else ""
    after = text[end] if end < len(text) else ""
    first, last = text[start], text[end - 1]
    if before and _is_word_char(before) and not (_CJK.match(first) or _CJK.match(before)):
        return False
    return not (after and _is_word_char(after) and not (_CJK.match(last) or _CJK.match(after)))


def _is_word_char(char: str) -> bool:
    return char.isalnum() or char == "_" or unicodedata.category(char) == "Mn"


def termbase_problems(terms: Iterable[Term]) -> list[FieldError]:
    """Everything wrong with a term base, row by row (rows count from 1)."""
    problems: list[FieldError] = []
    seen: dict[tuple[str, str], int] = {}
    items = list(terms)
    if len(items) > MAX_TERMS:
        problems.append(FieldError("terms", f"at most {MAX_TERMS} terms"))
    for row, term in enumerate(items, start=1):
        if not term.forms:
            problems.append(FieldError("forms", "a term needs at least one language", row))
            continue
        if not term.keep and len(term.forms) < 2:
            problems.append(
                FieldError(
                    "forms",
                    "give the term in two languages at least, or mark it “do not translate”",
                    row,
                )
            )
        for language, form in term.forms.items():
            problem = _form_problem(language, form, row)
            key = (language, form.casefold())
            if problem is None and key in seen:
                problem = FieldError(language, f"already a term in row {seen[key]}", row, form)
            if problem is not None:
                problems.append(problem)
            seen.setdefault(key, row)
    return problems


def _form_problem(language: str, form: str, row: int) -> FieldError | None:
    if not re.fullmatch(r"[a-z]{2,3}", language):
        return FieldError("language", "not a language code", row, language)
    if not form.strip() or form.strip() != form:
        return FieldError(language, "empty, or spaces at the edges", row, form)
    if len(form) > MAX_TERM_LENGTH:
        return FieldError(language, f"longer than {MAX_TERM_LENGTH} characters", row)
    if _PROTECTED.fullmatch(form):
        return FieldError(language, "numbers and links are always kept as written", row, form)
    if _DIGIT.search(form):
        # Numbers are kept before terms are looked for: such a term would never be found.
        return FieldError(language, "a term cannot hold a number (numbers are kept)", row, form)
    return None


def terms_from_lines(terms_text: str, keep_text: str) -> list[Term]:
    """The term base as a lead writes it: one term per line, `zh=真丝 | en=mulberry silk`,
    and the do-not-translate list, one per line, stored in language `und` (any).
    Raises RowErrors naming each bad line (terms count from 1, then the do-not-translate
    lines go on counting)."""
    terms: list[Term] = []
    errors: list[FieldError] = []
    lines = [line for line in terms_text.splitlines() if line.strip()]
    for row, line in enumerate(lines, start=1):
        forms: dict[str, str] = {}
        for part in line.split("|"):
            language, equals, form = part.partition("=")
            if not equals:
                errors.append(FieldError("terms", "write each language as lang=term", row, part))
                continue
            forms[language.strip().lower()] = form.strip()
        terms.append(Term(forms))
    keep = [line.strip() for line in keep_text.splitlines() if line.strip()]
    terms.extend(Term({"und": word}, keep=True) for word in keep)
    errors.extend(termbase_problems(terms))
    if errors:
        raise RowErrors(sorted(errors, key=lambda e: e.row or 0))
    return terms


def terms_to_lines(terms: Iterable[Term]) -> tuple[str, str]:
    """The inverse of terms_from_lines, for the form."""
    items = list(terms)
    lines = [
        " | ".join(f"{language}={form}" for language, form in term.forms.items())
        for term in items
        if not term.keep
    ]
    keep = [next(iter(term.forms.values())) for term in items if term.keep and term.forms]
    return "\n".join(lines), "\n".join(keep)


class WordsDisagree(InvalidInput):
    """The text a buyer would get and the agent's own words behind it carry different
    numbers, links or placeholders: a translation that was not redone after an edit."""

    code = "words_disagree"


def values_disagree(words: str, sent: str, template: str = "") -> list[str]:
    """The protected values (numbers, codes, links, e-mail addresses, placeholders) the
    agent wrote that the buyer's text lacks, and those the buyer's text has that neither
    the agent's words nor the template it started from have."""
    mine, theirs, given = _values(words), _values(sent), _values(template)
    missing = [v for v in mine if v not in theirs]
    extra = [v for v in theirs if v not in mine and v not in given]
    return list(dict.fromkeys(missing + extra))


def _values(text: str) -> list[str]:
    return [
        m.group()
        for m in _PROTECTED.finditer(text)
        if m.lastgroup in ("placeholder", "url", "email", "number", "digits")
    ]
