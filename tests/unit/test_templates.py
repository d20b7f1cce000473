"""Reply templates: the packaged catalogue renders in every language, strictly (SPEC §5)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from kefu.adapters.formatting import BabelFormatter
from kefu.adapters.reply_catalogue import packaged_catalogue, parse_template
from kefu.domain.errors import InvalidInput
from kefu.domain.sizecharts import SizeChart
from kefu.domain.templates import (
    MissingValues,
    Money,
    OpeningHours,
    ReplyTemplate,
    TemplateError,
    VarType,
    render,
    unfilled_markers,
)

FORMATTER = BabelFormatter()
REQUIRED_LANGUAGES = ("en", "es", "ru", "fr", "de", "pt", "zh")
SAMPLE: dict[VarType, object] = {
    VarType.TEXT: "Maria",
    VarType.COUNT: 3,
    VarType.PERCENT: 10,
    VarType.MONEY: Money(1999),
    VarType.DATE: date(2026, 12, 3),
    VarType.DATETIME: datetime(2026, 11, 23, 1, 0, tzinfo=UTC),
    VarType.URL: "https://track.example.com/LX123456789CN",
    VarType.LIST: ["UPS", "DHL"],
    VarType.COUNTRY: "BR",
    VarType.WEIGHT: 2400,
    VarType.HOURS: OpeningHours(time(9), time(18), "Asia/Shanghai", frozenset(range(5))),
    VarType.SIZE_CHART: SizeChart("cm", ("bust", "waist"), (("S", (84, 66)), ("M", (88.5, 70)))),
}
TEMPLATES = list(packaged_catalogue())
PAIRS = [(t.key, language) for t in TEMPLATES for language in sorted(t.texts)]

TOML = """
key = "order_note"
[title]
en = "Order note"
[variables]
buyer_name = "text"
order_number = "text"
[text]
en = "Hi {buyer_name}, order {order_number} is on its way."
es = "Hola {buyer_name}, el pedido {order_number} está en camino."
"""


def sample_values(template: ReplyTemplate) -> dict[str, object]:
    return {name: SAMPLE[kind] for name, kind in template.variables.items()}


def order_note() -> ReplyTemplate:
    return parse_template(TOML, source="order_note.toml")


def test_every_variable_type_has_a_sample() -> None:
    assert set(SAMPLE) == set(VarType)


@pytest.mark.parametrize(("key", "language"), PAIRS, ids=[f"{k}-{lang}" for k, lang in PAIRS])
def test_every_template_renders_completely_in_every_language(key: str, language: str) -> None:
    template = packaged_catalogue().get(key)
    rendered = render(template, language, sample_values(template), FORMATTER)
    assert (rendered.language, rendered.fell_back) == (language, False)
    for marker in ("{", "}", "XXXX", "(Your name)"):
        assert marker not in rendered.text
    assert unfilled_markers(rendered.text) == []


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda t: t.key)
def test_every_template_has_the_required_languages(template: ReplyTemplate) -> None:
    assert set(REQUIRED_LANGUAGES) <= set(template.texts)


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda t: t.key)
def test_incomplete_data_is_refused_naming_exactly_the_missing_variables(
    template: ReplyTemplate,
) -> None:
    names = list(template.variables)
    dropped = {names[0], names[-1]}
    values = {k: v for k, v in sample_values(template).items() if k not in dropped}
    with pytest.raises(MissingValues) as caught:
        render(template, "es", values, FORMATTER)
    assert set(caught.value.names) == dropped
    assert len(caught.value.names) == len(dropped)
    assert caught.value.key == template.key


@pytest.mark.parametrize("empty", ["", "   ", "\n\t"])
def test_empty_strings_are_refused(empty: str) -> None:
    with pytest.raises(MissingValues) as caught:
        render(order_note(), "en", {"buyer_name": empty, "order_number": "A-1"}, FORMATTER)
    assert caught.value.names == ("buyer_name",)


@pytest.mark.parametrize(
    ("name", "wrong"),
    [("buyer_name", 5), ("order_number", None), ("order_number", ["A-1"])],
)
def test_a_value_of_the_wrong_type_counts_as_missing(name: str, wrong: object) -> None:
    values: dict[str, object] = {"buyer_name": "Ana", "order_number": "A-1", name: wrong}
    with pytest.raises(MissingValues) as caught:
        render(order_note(), "en", values, FORMATTER)
    assert caught.value.names == (name,)


def test_undeclared_variable_in_the_text_is_refused_by_name() -> None:
    document = TOML.replace("is on its way.", "is on its way via {carrier}.")
    with pytest.raises(TemplateError, match="carrier"):
        parse_template(document, source="order_note.toml")


def test_a_language_that_drops_a_variable_is_refused() -> None:
    document = TOML.replace("el pedido {order_number}", "tu pedido")
    with pytest.raises(TemplateError, match=r"text\.es leaves out order_number"):
        parse_template(document, source="order_note.toml")


def test_a_declared_variable_unused_by_english_is_refused() -> None:
    document = TOML.replace('order_number = "text"', 'order_number = "text"\nextra = "text"')
    with pytest.raises(TemplateError, match="extra"):
        parse_template(document, source="order_note.toml")


def test_missing_language_falls_back_to_english() -> None:
    rendered = render(order_note(), "ja", {"buyer_name": "Ana", "order_number": "A-1"}, FORMATTER)
    assert rendered.language == "en" and rendered.requested_language == "ja"
    assert rendered.fell_back
    assert rendered.text == "Hi Ana, order A-1 is on its way."


def test_unknown_buyer_language_gets_english_without_a_fallback_notice() -> None:
    rendered = render(order_note(), None, {"buyer_name": "Ana", "order_number": "A-1"}, FORMATTER)
    assert rendered.language == "en" and not rendered.fell_back


def test_the_buyers_language_is_used_when_present() -> None:
    rendered = render(order_note(), "es", {"buyer_name": "Ana", "order_number": "A-1"}, FORMATTER)
    assert rendered.text == "Hola Ana, el pedido A-1 está en camino."
    assert not rendered.fell_back


@pytest.mark.parametrize("value", ["{x}", "{buyer_name}", "XXXX", "(Your name)"])
def test_a_value_that_contains_a_placeholder_is_refused(value: str) -> None:
    with pytest.raises(InvalidInput):
        render(order_note(), "en", {"buyer_name": value, "order_number": "A-1"}, FORMATTER)


@given(
    value=st.text(st.characters(exclude_characters="{}"), min_size=1).map(str.strip),
    language=st.sampled_from(sorted(packaged_catalogue().get("greeting").texts)),
)
def test_any_text_value_is_filled_in_and_no_placeholder_is_left(value: str, language: str) -> None:
    assume(value and not unfilled_markers(value))
    template = packaged_catalogue().get("greeting")
    values = {"buyer_name": value, "store_name": value, "signature": value}
    rendered = render(template, language, values, FORMATTER)
    assert value in rendered.text
    assert unfilled_markers(rendered.text) == []
    assert "{" not in rendered.text.replace(value, "")
