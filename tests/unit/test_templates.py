"""Reply templates: the packaged catalogue renders in every language, strictly (SPEC §5)."""

from __future__ import annotations

import re
import string
from datetime import UTC, date, datetime, time

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from kefu.adapters.formatting import BabelFormatter
from kefu.adapters.langid import OutgoingLanguageDetector
from kefu.adapters.reply_catalogue import packaged_catalogue, parse_template
from kefu.domain.errors import InvalidInput
from kefu.domain.sizecharts import SizeChart
from kefu.domain.suggestions import rank
from kefu.domain.templates import (
    MissingValues,
    Money,
    OpeningHours,
    ReplyTemplate,
    TemplateError,
    VarType,
    placeholders,
    render,
    unfilled_markers,
)

FORMATTER = BabelFormatter()
# English, the agents' Chinese, and the other 13 buyer languages triage detects.
REQUIRED_LANGUAGES = (
    *("en", "zh", "es", "ru", "fr", "de", "pt", "it", "pl"),
    *("tr", "ko", "ja", "ar", "he", "nl"),
)
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


# Out-of-office wording that marketplaces detect and penalise in automatic replies
# (SPEC §13): an automatic reply says when a person will answer, never that the shop is
# closed, away, offline or that nobody is there. Latin and Cyrillic phrases match at the
# start of a word (a stem like "cerrad" catches cerrado and cerrada); Chinese, Japanese,
# Korean, Arabic and Hebrew phrases match anywhere, since their words carry prefixes or
# are not separated by spaces.
OUT_OF_OFFICE: dict[str, tuple[str, ...]] = {
    "en": (
        "closed", "out of office", "out-of-office", "away from", "are away", "offline",
        "nobody", "no one", "not available", "unavailable", "outside", "out of hours",
        "after hours", "holiday", "vacation", "not in the office", "be back",
    ),
    "zh": (
        "休息", "不在", "下班", "离线", "非工作时间", "工作时间外", "不营业", "打烊", "关门",
        "无人", "没有人", "放假", "暂停",
    ),
    "es": (
        "cerrad", "fuera de", "ausente", "no estamos", "nadie", "desconectad", "no disponible",
        "vacaciones", "festivo",
    ),
    "ru": (
        "закрыт", "нерабоч", "никого", "не работаем", "отсутству", "офлайн", "не в сети",
        "вне рабоч", "недоступ", "отпуск", "выходн",
    ),
    "fr": (
        "fermé", "absent", "personne n", "hors ligne", "en dehors", "hors des horaires", "congé",
        "indisponible", "vacances",
    ),
    "de": (
        "geschlossen", "niemand", "abwesend", "nicht erreichbar", "außerhalb", "offline",
        "urlaub", "feierabend", "nicht im büro",
    ),
    "pt": (
        "fechad", "fora do horário", "fora do expediente", "ausente", "ninguém", "offline",
        "indisponível", "férias", "não estamos",
    ),
    "it": (
        "chius", "fuori dall'orario", "fuori orario", "assente", "nessuno", "offline",
        "non disponibil", "ferie", "vacanz", "non siamo",
    ),
    "pl": (
        "zamknięt", "poza godzinami", "nieobecn", "nikogo", "offline", "niedostępn", "urlop",
        "nie pracujemy", "wrócimy",
    ),
    "tr": (
        "kapalı", "mesai dışı", "mesai saatleri dışında", "çalışma saatleri dışında",
        "ofis dışında", "burada değil", "kimse", "çevrimdışı", "tatil", "müsait değil",
        "ulaşılamıyor",
    ),
    "ko": (
        "휴무", "부재", "영업시간 외", "영업 시간 외", "업무 시간 외", "업무시간 외",
        "근무 시간 외", "자리에 없", "오프라인", "마감", "휴가", "아무도", "쉬는",
    ),
    "ja": (
        "営業時間外", "時間外", "休業", "不在", "休み", "閉店", "オフライン", "誰もいない",
        "対応できません", "留守",
    ),
    "ar": (
        "مغلق", "خارج أوقات", "خارج ساعات", "خارج الدوام", "غير متاح", "غير متواجد",
        "لا يوجد أحد", "لا أحد", "عطلة", "إجازة", "غائب", "غير متصل",
    ),
    "he": (
        "סגור", "מחוץ לשעות", "מחוץ למשרד", "לא זמינ", "אינו זמין", "אינם זמינים",
        "אין אף אחד", "אף אחד לא", "חופשה", "לא במשרד", "לא מחובר",
    ),
    "nl": (
        "gesloten", "dicht", "buiten kantoortijd", "buiten onze", "buiten de", "afwezig",
        "niemand", "offline", "niet bereikbaar", "niet beschikbaar", "vakantie",
    ),
}  # fmt: skip
EVERY_LANGUAGE = ("out of office", "out-of-office")
UNSPACED = frozenset({"zh", "ja", "ko", "ar", "he"})

# Wording an automatic reply must not have: the first nine are the old
# `welcome_out_of_hours` texts; each language's list must catch its example.
OUT_OF_OFFICE_EXAMPLES = {
    "en": "We are closed right now. Our working hours are Mon–Fri 09:00–18:00.",
    "zh": "现在是非工作时间。我们的工作时间：周一至周五 09:00–18:00。",
    "es": "Ahora mismo estamos fuera de nuestro horario de atención.",
    "ru": "Сейчас у нас нерабочее время.",
    "fr": "Nous sommes actuellement en dehors de nos horaires d'ouverture.",
    "de": "Gerade ist niemand erreichbar.",
    "pt": "No momento estamos fora do horário de atendimento.",
    "it": "In questo momento siamo fuori dall'orario di assistenza.",
    "pl": "Teraz jesteśmy poza godzinami pracy.",
    "tr": "Şu anda mesai saatleri dışındayız.",
    "ko": "지금은 업무 시간 외입니다.",
    "ja": "ただいま営業時間外です。",
    "ar": "المتجر مغلق حاليًا.",
    "he": "החנות סגורה כרגע.",
    "nl": "We zijn op dit moment gesloten.",
}


def out_of_office_wording(language: str, text: str) -> list[str]:
    """The out-of-office phrases a text contains (none for a language without a list)."""
    lowered = text.lower()
    found = []
    for phrase in (*OUT_OF_OFFICE.get(language, ()), *EVERY_LANGUAGE):
        if language in UNSPACED:
            hit = phrase in lowered
        else:
            hit = re.search(r"(?<!\w)" + re.escape(phrase), lowered) is not None
        if hit:
            found.append(phrase)
    return found


def test_every_required_language_has_out_of_office_phrases_and_an_example() -> None:
    assert set(OUT_OF_OFFICE) == set(OUT_OF_OFFICE_EXAMPLES) == set(REQUIRED_LANGUAGES)


@pytest.mark.parametrize("language", sorted(OUT_OF_OFFICE_EXAMPLES))
def test_out_of_office_wording_is_recognised_in_every_language(language: str) -> None:
    assert out_of_office_wording(language, OUT_OF_OFFICE_EXAMPLES[language])


def test_the_old_english_out_of_hours_reply_is_recognised_as_out_of_office() -> None:
    old = "Hello!\nThank you for your message to {store_name}.\nWe are closed right now."
    assert out_of_office_wording("en", old) == ["closed"]


def test_no_automatic_reply_uses_out_of_office_wording_in_any_language() -> None:
    walked: list[tuple[str, str]] = []
    for template in TEMPLATES:
        if not template.automatic:
            continue
        for language, text in sorted(template.texts.items()):
            assert language in OUT_OF_OFFICE, f"{template.key}: no phrase list for {language}"
            assert out_of_office_wording(language, text) == [], (template.key, language)
            walked.append((template.key, language))
    assert {key for key, _ in walked} == {"welcome", "welcome_out_of_hours", "busy"}
    assert len(walked) == 3 * len(REQUIRED_LANGUAGES) == 45


def test_every_text_is_written_in_the_language_it_is_filed_under() -> None:
    """The policy check's detector reads each packaged text as its own language, so a text
    pasted under the wrong key is caught and no buyer gets a "wrong language" warning."""
    detector = OutgoingLanguageDetector()
    wrong = []
    for key, language in PAIRS:
        text = packaged_catalogue().get(key).texts[language]
        literal = "".join(part for part, *_ in string.Formatter().parse(text))
        seen = detector.detect(literal)
        if seen != language:
            wrong.append((key, language, seen))
    assert wrong == []
    assert len(PAIRS) == len(TEMPLATES) * len(REQUIRED_LANGUAGES)


def test_a_delayed_parcel_is_answered_without_a_promised_date_or_a_refund() -> None:
    situation = {"parcels": "one", "tracking": "delayed"}
    found = [c.template.key for c in rank(TEMPLATES, intent="order_tracking", situation=situation)]
    assert found[0] == "tracking_delayed"
    assert "tracking_in_transit" not in found
    template = packaged_catalogue().get("tracking_delayed")
    assert placeholders(template.texts["en"]) == [
        "buyer_name", "carrier", "tracking_number", "last_update", "tracking_url", "signature",
    ]  # fmt: skip
    assert not re.search(r"refund|arrive by|will arrive|deliver(ed)? (by|on)", template.texts["en"])


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
