"""Masking, term-base application and the checks after translation."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kefu.domain.termbase import (
    Term,
    TermBase,
    TranslationRefused,
    protect,
    termbase_problems,
    values_disagree,
)

SHOP = TermBase(
    (
        Term({"zh": "真丝", "en": "mulberry silk", "es": "seda de morera"}),
        Term({"en": "silk", "zh": "丝绸"}),
        Term({"en": "Sunrise Fashion"}, keep=True),
    )
)


def _identity(
    text: str, termbase: TermBase = TermBase(), source: str = "en", target: str = "es"
) -> str:
    masked = protect(text, termbase, source, target)
    return masked.restore([s.text for s in masked.segments])


def test_numbers_codes_links_and_placeholders_never_reach_the_provider() -> None:
    text = (
        "Order 8123456789012345 ships with LP00123456789012, see https://t.example/x?id=1. "
        "Paid $12.99 and 15,50 € (1 200 ₽), size 38, SKU DRS-0412-RD on 12/05/2026, "
        "write to help@shop.example, {name}."
    )
    masked = protect(text, TermBase(), "en", "es")
    sent = masked.segments[0].text
    assert not re.search(r"\d", re.sub(r'<k id="\d+"/>', "", sent))
    for kept in ("https://", "@shop", "{name}", "DRS", "$", "€", "₽"):
        assert kept not in sent
    assert masked.restore([sent]) == text


def test_a_term_becomes_its_fixed_translation_and_keep_terms_stay() -> None:
    masked = protect("Sunrise Fashion: our mulberry silk dress", SHOP, "en", "es")
    assert "mulberry" not in masked.segments[0].text
    provider = masked.segments[0].text.replace("our", "nuestro").replace("dress", "vestido")
    assert masked.restore([provider]) == "Sunrise Fashion: nuestro seda de morera vestido"


def test_a_term_inside_another_word_is_not_the_term() -> None:
    masked = protect("silky, not silk", SHOP, "en", "zh")
    assert masked.segments[0].text == 'silky, not <k id="1"/>'
    assert masked.restore(['柔滑的，不是<k id="1"/>']) == "柔滑的，不是丝绸"


def test_terms_match_inside_chinese_text_which_has_no_spaces() -> None:
    masked = protect("这条真丝裙子", SHOP, "zh", "en")
    assert masked.segments[0].text == '这条<k id="1"/>裙子'
    assert masked.restore(['this <k id="1"/> dress']) == "this mulberry silk dress"


def test_matching_ignores_case_but_keeps_the_shop_s_spelling() -> None:
    masked = protect("MULBERRY SILK and sunrise fashion", SHOP, "en", "es")
    assert masked.restore([masked.segments[0].text]) == "seda de morera and sunrise fashion"


def test_lines_are_segments_and_the_layout_survives() -> None:
    text = "  Hello\n\nWhere is order 12345?\r\n{name}  "
    masked = protect(text, TermBase(), "en", "es")
    assert [s.text for s in masked.segments] == [
        "Hello",
        'Where is order <k id="1"/>?',
        '<k id="1"/>',
    ]
    assert masked.restore(["Hola", '¿Dónde está el pedido <k id="1"/>?', '<k id="1"/>']) == (
        "  Hola\n\n¿Dónde está el pedido 12345?\r\n{name}  "
    )


@pytest.mark.parametrize(
    ("answer", "reason"),
    [
        ("Pedido", "lost_token"),
        ('Pedido <k id="1"/> <k id="1"/>', "repeated_token"),
        ('Pedido <k id="1"/> <k id="2"/>', "invented_token"),
        ('Pedido <k id="1"/>, 5 días', "invented_number"),
        ('<b>Pedido</b> <k id="1"/>', "markup"),
        ('Pedido <k id="1"/> <script>x</script>', "markup"),
    ],
)
def test_a_translation_that_changes_what_is_said_is_refused(answer: str, reason: str) -> None:
    masked = protect("Order 8123456789012345", TermBase(), "en", "es")
    with pytest.raises(TranslationRefused) as refused:
        masked.restore([answer])
    assert refused.value.params["reason"] == reason


def test_a_lost_value_is_named_in_the_reason() -> None:
    masked = protect("Order 8123456789012345", TermBase(), "en", "es")
    with pytest.raises(TranslationRefused, match="8123456789012345"):
        masked.restore(["Pedido"])


def test_a_different_number_of_segments_is_refused() -> None:
    masked = protect("one\ntwo", TermBase(), "en", "es")
    with pytest.raises(TranslationRefused, match="segments"):
        masked.restore(["uno dos"])


def test_escaped_markup_in_the_text_is_text_and_comes_back() -> None:
    text = '<b>bold</b> & <k id="1"/> typed by the buyer'
    masked = protect(text, TermBase(), "en", "es")
    assert "<b>" not in masked.segments[0].text
    assert masked.restore([masked.segments[0].text]) == text


def test_empty_and_blank_text_have_nothing_to_translate() -> None:
    assert protect("", TermBase(), "en", "es").segments == ()
    assert protect(" \n \n", TermBase(), "en", "es").restore([]) == " \n \n"


def test_placeholders_at_the_edges_and_emoji_and_right_to_left() -> None:
    for text in ("{name}", "{name} שלום 😀 {order_number}", "مرحبا {amount}"):
        assert _identity(text, SHOP) == text


@settings(max_examples=300)
@given(st.text())
def test_any_text_comes_back_unchanged_when_the_provider_changes_nothing(text: str) -> None:
    assert _identity(text) == text


@settings(max_examples=200)
@given(st.lists(st.sampled_from(["真丝", "丝", "真", "裙子", " ", "12", "$", "{name}", "\n"])))
def test_with_terms_only_the_terms_change(words: list[str]) -> None:
    text = "".join(words)
    assert _identity(text, SHOP, "zh", "en") == text.replace("真丝", "mulberry silk")


@given(st.text(alphabet="0123456789٣१０", min_size=1))
def test_no_digit_of_any_script_reaches_the_provider(digits: str) -> None:
    masked = protect(f"a {digits} b", TermBase(), "en", "es")
    assert not re.search(r"\d", re.sub(r'<k id="\d+"/>', "", masked.segments[0].text))


def test_term_base_problems_are_named_by_row() -> None:
    problems = termbase_problems(
        [
            Term({"en": "silk"}),
            Term({"en": "silk", "zh": "丝绸"}),
            Term({"en": "silk ", "zh": "丝"}),
            Term({"en": "12345"}, keep=True),
            Term({"english": "x", "zh": "x"}),
            Term({"en": "3-piece set", "zh": "三件套"}),
        ]
    )
    described = [p.describe() for p in problems]
    assert any(d.startswith("row 1, ") and "two languages" in d for d in described)
    assert any(d.startswith("row 3, ") and "spaces" in d for d in described)
    assert any(d.startswith("row 4, ") and "numbers" in d for d in described)
    assert any(d.startswith("row 5, ") and "language code" in d for d in described)
    assert any(d.startswith("row 6, ") and "cannot hold a number" in d for d in described)
    assert not termbase_problems(SHOP.terms)


def test_the_version_follows_the_entries_not_their_order() -> None:
    reordered = TermBase(tuple(reversed(SHOP.terms)))
    assert reordered.version == SHOP.version
    assert TermBase(SHOP.terms[:2]).version != SHOP.version


def test_markup_the_text_did_not_have_is_refused_even_escaped() -> None:
    masked = protect("<b>talla</b> 38", TermBase(), "es", "zh")
    kept = masked.segments[0].text.replace("talla", "尺码")
    assert masked.restore([kept]) == "<b>尺码</b> 38"
    with pytest.raises(TranslationRefused, match="markup"):
        masked.restore([kept + " &lt;i&gt;x&lt;/i&gt;"])


def test_the_buyers_name_is_kept_in_its_own_case_only() -> None:
    base = TermBase().keeping(["Will Rose"])
    masked = protect("Will Rose says: I will send a rose", base, "en", "zh")
    assert masked.segments[0].text == '<k id="1"/> says: I will send a rose'
    assert masked.restore(['<k id="1"/>说：我会寄一朵玫瑰']) == "Will Rose说：我会寄一朵玫瑰"
    alone = protect("Thanks, Rose", base, "en", "zh")
    assert alone.restore(["谢谢，" + alone.segments[0].text.split(", ")[1]]) == "谢谢，Rose"
    assert TermBase().keeping(["", "li", "ann"]).terms == ()


def test_the_buyers_text_must_carry_the_agents_numbers_and_links() -> None:
    words = "您的订单 8123456789012345 已发货，物流单号 LP00123456789012"
    sent = "Su pedido 8123456789012345 salió, seguimiento LP00123456789012"
    assert values_disagree(words, sent) == []
    stale = "Su pedido 8123456789012344 salió, seguimiento LP00123456789012"
    assert values_disagree(words, stale) == ["8123456789012345", "8123456789012344"]
    template = "Hola Ana, su pedido 8999999999999999 llegó."
    assert values_disagree("谢谢", f"{template}\n\nGracias", template) == []
    assert values_disagree("谢谢", f"{template}\n\nGracias, 5 %", template) == ["5"]
