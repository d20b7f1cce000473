"""Masked segments on the wire: kefu's tokens and escapes in and out of provider markup.

kefu's form (services/ports.py `Translator`): text escaped as XML (`&amp;`, `&lt;`,
`&gt;` only) with protected spans replaced by `<k id="N"/>`. Providers that handle
markup (DeepL's XML, Google's and LibreTranslate's HTML) get that form with line breaks
as `<br/>`, because HTML handling is free to fold a bare newline into a space. What comes
back is brought into kefu's form again: tokens in whatever shape the provider rewrote
them to, `<br>` as a line break, entities such as `&#39;` decoded and the text escaped
again. Markup we did not send stays markup, unrepaired, so that the caller refuses the
answer (domain/termbase.py; ADR 0009: never repaired by guessing). A CRLF line break
comes back as LF.
"""

from __future__ import annotations

import html
import re

TOKEN = re.compile(r'<k id="(\d+)"/>')
# A token as providers give it back: `<k id="1"/>`, `<k id="1">`, `<k id='1'></k>`, spaced.
_RETURNED_TOKEN = re.compile(r"""<k\s+id\s*=\s*["']?(\d+)["']?\s*/?\s*>(?:\s*</k\s*>)?""", re.I)
_BREAK = re.compile(r"<br\s*/?\s*>", re.I)
_TAG = re.compile(r"(</?[A-Za-z][^<>]*>)")


def escape(text: str) -> str:
    """kefu's escaping: exactly the three characters XML requires, nothing else."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def token(number: int) -> str:
    return f'<k id="{number}"/>'


def to_markup(masked: str) -> str:
    """A masked segment as sent to a provider that handles XML or HTML."""
    return masked.replace("\r\n", "<br/>").replace("\n", "<br/>")


def from_markup(
    answer: str, *, entities_decoded: bool = False, literal_tags: frozenset[str] = frozenset()
) -> str:
    """A provider's XML or HTML answer in kefu's form.

    `entities_decoded`: the provider already turned entities into characters (so a `<`
    in its text is a character, not markup) and only tags remain to be recognised;
    `literal_tags` are tag-like texts the segment sent held as text (`&lt;b&gt;`), which
    such a provider gives back bare: they are text again.
    """
    parts: list[str] = []
    position = 0
    for match in _RETURNED_TOKEN.finditer(answer):
        parts.append(_text(answer[position : match.start()], entities_decoded, literal_tags))
        parts.append(token(int(match.group(1))))
        position = match.end()
    parts.append(_text(answer[position:], entities_decoded, literal_tags))
    return "".join(parts)


def tag_like_texts(masked: str) -> frozenset[str]:
    """The texts in a masked segment that would read as tags once unescaped."""
    return frozenset(_TAG.findall(html.unescape(TOKEN.sub(" ", masked))))


def _text(chunk: str, entities_decoded: bool, literal_tags: frozenset[str]) -> str:
    """Text between tokens escaped; any other tag left as it came."""
    pieces = _TAG.split(_BREAK.sub("\n", chunk))  # text, tag, text, tag, …, text
    return "".join(
        piece
        if i % 2 and piece not in literal_tags
        else escape(piece if entities_decoded else html.unescape(piece))
        for i, piece in enumerate(pieces)
    )
