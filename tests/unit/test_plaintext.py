"""plain_text(): what triage reads — markup stripped when the text is HTML, NFKC, spaces."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kefu.domain.plaintext import looks_like_html, plain_text

EMAIL = (
    "<!DOCTYPE html><html><head><meta charset='utf-8'><title>Re: your order</title>"
    "<style>p {{ color: red }} .x {{ margin: 0 }}</style><script>var a = '<p>hidden</p>';"
    "</script></head><body>\n<div dir='ltr'>\n  <p>{text}</p>\n"
    "<blockquote type='cite'>On Monday the seller wrote:<br>We shipped it.</blockquote>"
    "</div></body></html>"
)


@pytest.mark.parametrize(
    ("html", "plain"),
    [
        ("<p>Where is my&nbsp;order?</p>", "Where is my order?"),
        ("<div>Hello</div><div>the size is wrong</div>", "Hello\nthe size is wrong"),
        ("line one<br>line two<br/>line three", "line one\nline two\nline three"),
        ("<p>Tom &amp; Jerry &lt;3 &#8364;20</p>", "Tom & Jerry <3 €20"),
        (
            "<table><tr><td>Order</td><td>8031234567890123</td></tr></table>",
            "Order 8031234567890123",
        ),
        ("<html><head><title>x</title><body><p>head left open</p>", "head left open"),
        ("<p>kept</p><blockquote>quoted earlier reply</blockquote>", "kept"),
        ("<P STYLE='x'>Upper-case tags</P>", "Upper-case tags"),
        ("<p>spread\n   over\n source lines</p>", "spread over source lines"),
    ],
)
def test_html_becomes_its_visible_text(html: str, plain: str) -> None:
    assert looks_like_html(html)
    assert plain_text(html) == plain


@pytest.mark.parametrize(
    "text",
    ["I paid <5 USD and >3 arrived", "x<y and y>z", "price 5 < 6", "<3 love it", "Tom & Jerry"],
)
def test_text_that_only_has_angle_brackets_is_not_html(text: str) -> None:
    assert not looks_like_html(text)
    assert plain_text(text) == text


def test_an_e_mail_gives_the_bare_text_without_style_script_head_or_quote() -> None:
    assert plain_text(EMAIL.format(text="Where is my parcel?")) == "Where is my parcel?"


@pytest.mark.parametrize(
    ("text", "plain"),
    [
        ("８０３１２３４５６７８９０１２３", "8031234567890123"),  # full-width digits
        ("ＷＨＥＲＥ ＩＳ ＩＴ", "WHERE IS IT"),
        ("ｻｲｽﾞ", "サイズ"),  # half-width katakana
        ("no\u00a0break\u2003em space", "no break em space"),
        ("zero\u200bwidth\u00adsoft\ufeff", "zerowidthsoft"),
        ("ﬁne ligature", "fine ligature"),
        ("  spaces   inside\t\tand out  ", "spaces inside and out"),
        ("windows\r\nline\rends", "windows\nline\nends"),
        ("para one\n\n\n\n\npara two", "para one\n\npara two"),
    ],
)
def test_unicode_is_folded_and_spaces_collapsed(text: str, plain: str) -> None:
    assert plain_text(text) == plain


# Text a buyer types, without markup characters (those are tested above).
typed = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="<>&"),
    max_size=200,
)


@given(typed)
def test_plain_text_of_typed_text_is_stable(text: str) -> None:
    once = plain_text(text)
    assert plain_text(once) == once
    assert "  " not in once and "\r" not in once and "\n\n\n" not in once
    assert once == once.strip()
    assert unicodedata.is_normalized("NFKC", once) or "<" in once


def one_line(text: str) -> bool:
    """In HTML a line break in the source is a space: the property holds for one line."""
    return not {"<", "&"} & set(unicodedata.normalize("NFKC", text)) and "\n" not in plain_text(
        text
    )


@given(typed.filter(one_line))
def test_e_mail_html_around_typed_text_gives_the_same_plain_text(text: str) -> None:
    assert plain_text(EMAIL.format(text=text)) == plain_text(text)


@given(st.text(max_size=300))
def test_any_text_is_read_without_error(text: str) -> None:
    assert isinstance(plain_text(text), str)


html_soup = st.lists(
    st.sampled_from(
        [
            "<p>",
            "</p>",
            "<br>",
            "<div class='x'>",
            "</div>",
            "<style>",
            "</style>",
            "<blockquote>",
            "</blockquote>",
            "<head>",
            "<body>",
            "&amp;",
            "&nbsp;",
            "&#x",
            "&#99999999;",
            "<!--",
            "-->",
            "<![CDATA[",
            "<",
            ">",
            "word",
            "８",
            " ",
            "\n",
        ]
    ),
    max_size=40,
).map("".join)


@given(html_soup)
def test_broken_html_is_read_without_error_and_without_markup_runs(text: str) -> None:
    plain = plain_text(text)
    assert "  " not in plain and "\n\n\n" not in plain
    assert "<p>" not in plain or not looks_like_html(text)
