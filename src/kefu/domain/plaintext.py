"""The words of a buyer message as triage reads them: markup stripped, Unicode folded.

Messages arrive as e-mails' HTML, with full-width digits, non-breaking spaces and
zero-width characters; the model, the language detector, the mood rules and the fact
parsers were all written for plain text. An e-mail's HTML around "where is my parcel"
once dropped the model's confidence from 0.67 to 0.19, and a full-width order number
(８０３…) was not one. What is stored and shown stays as the buyer wrote it.
"""

from __future__ import annotations

import re
import unicodedata
from html.parser import HTMLParser

# Markup a person rarely types: an opening or closing tag of the elements e-mails use.
_LOOKS_LIKE_HTML = re.compile(
    r"<(?:!doctype|/?(?:html|head|body|div|p|br|span|table|tbody|tr|td|th|font|blockquote|"
    r"style|script|meta|a|b|i|u|strong|em|ul|ol|li|img|hr|h[1-6]|center|section|o:p)\b[^<>]*>)",
    re.IGNORECASE,
)
# Their text is not the message: styles, scripts, the head's title, quoted earlier replies.
_HIDDEN = frozenset({"style", "script", "head", "title", "blockquote", "template"})
_BLOCKS = frozenset(
    {
        "p",
        "div",
        "br",
        "li",
        "tr",
        "table",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "hr",
        "ul",
        "ol",
        "section",
        "article",
        "header",
        "footer",
        "center",
        "pre",
    }
)
_CELLS = frozenset({"td", "th"})
_SOURCE_SPACE = re.compile(r"\s+")
# Characters that take room in the text and say nothing: zero-width, soft hyphen, BOM.
_INVISIBLE = re.compile("[\u00ad\u200b\u200c\u200d\u2060\ufeff]")
_HORIZONTAL = re.compile(r"[^\S\n]+")
_BLANK_LINES = re.compile(r"\n{3,}")
_LEFTOVER = re.compile(r"<!--|-->|<!\[CDATA\[|\]\]>")
_BREAKS = re.compile(r"\n[^\S\n]*(?:\n[^\S\n]*)+")


def looks_like_html(text: str) -> bool:
    return _LOOKS_LIKE_HTML.search(text) is not None


def plain_text(text: str) -> str:
    """NFKC-folded text without markup, one space between words and no blank runs.

    Markup is only stripped when the text looks like HTML: "I paid <5 USD" stays as is.
    """
    text = unicodedata.normalize("NFKC", text)
    if looks_like_html(text):
        text = unicodedata.normalize("NFKC", _strip_markup(text))
    text = _INVISIBLE.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))
    lines = (line.strip() for line in _HORIZONTAL.sub(" ", text).split("\n"))
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()


def _strip_markup(html: str) -> str:
    reader = _TextReader()
    reader.feed(html)
    reader.close()
    # An unclosed comment or tag comes back as text when the parser closes: drop what is
    # left of markup. Each block's start and end both break the line: one break is enough.
    text = _LEFTOVER.sub("", _LOOKS_LIKE_HTML.sub("", "".join(reader.pieces)))
    return _BREAKS.sub("\n", text)


class _TextReader(HTMLParser):
    """Collects the visible text; blocks become line breaks, table cells spaces."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.pieces: list[str] = []
        self.hidden = 0  # depth inside elements whose text is not the message

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "body":  # a head left open (its end tag is optional) ends here
            self.hidden = 0
        elif tag in _HIDDEN:
            self.hidden += 1
        self._space(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._space(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in _HIDDEN and self.hidden:
            self.hidden -= 1
        self._space(tag)

    def handle_data(self, data: str) -> None:
        if not self.hidden:  # the source's line breaks are spaces on the page
            self.pieces.append(_SOURCE_SPACE.sub(" ", data))

    def _space(self, tag: str) -> None:
        if tag in _BLOCKS:
            self.pieces.append("\n")
        elif tag in _CELLS:
            self.pieces.append(" ")
