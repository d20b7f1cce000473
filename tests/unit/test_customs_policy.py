"""The gate blocks any promise of a false customs declaration, in the main ways sellers put
it in each of the 15 languages (issue 21), and lets the honest answers through."""

from __future__ import annotations

from kefu.domain.policy import Rule, Severity
from kefu.domain.types import Marketplace
from tests.unit.test_policy_rules import ctx, found

# Language -> promises the gate must block (a low value written on the form, a fixed small
# amount, "as a gift"); the phrasings the first customs tests did not cover.
PROMISES: dict[str, tuple[str, ...]] = {
    "en": (
        "We will write a lower value on the customs form.",
        "We can put a low value on the customs declaration.",
        "We'll mark it as a gift so there is no tax.",
        "We will declare only $10 on the parcel.",
    ),
    "zh": (
        "我们会把申报价值写低一点。",
        "可以帮您填写低一点的申报价值。",
        "我们可以写成礼物，这样不用交关税。",
    ),
    "es": (
        "Pondremos un valor más bajo en la declaración de aduana.",
        "Declararemos solo 10 dólares.",
        "Lo marcaremos como regalo para que no pague impuestos.",
    ),
    "ru": (
        "Мы укажем в декларации меньшую стоимость.",
        "Отправим как подарок, чтобы не было пошлины.",
        "Напишем в декларации стоимость 10 долларов.",
    ),
    "fr": (
        "Nous indiquerons une valeur plus faible sur la déclaration.",
        "Nous allons déclarer le colis comme un cadeau.",
    ),
    "de": (
        "Wir können einen niedrigeren Wert angeben.",
        "Wir markieren das Paket als Geschenk.",
        "Wir deklarieren den Wert niedriger.",
    ),
    "pt": ("Vamos colocar um valor menor na declaração.", "Podemos marcar o pacote como presente."),
    "it": (
        "Possiamo indicare un valore più basso nella dichiarazione.",
        "Dichiareremo il pacco come regalo.",
    ),
    "pl": ("Zadeklarujemy niższą wartość.", "Wpiszemy w deklaracji niższą wartość."),
    "tr": (
        "Gümrük beyannamesine daha düşük bir değer yazacağız.",
        "Paketi hediye olarak işaretleyebiliriz.",
    ),
    "ko": (
        "세관 신고서에 금액을 낮게 적어 드릴게요.",
        "선물로 표시해서 보내 드릴게요.",
        "신고 금액을 낮춰 드릴 수 있어요.",
    ),
    "ja": (
        "税関申告書に低い金額を記載します。",
        "ギフトとして発送できます。",
        "申告額を低くして発送します。",
    ),
    "ar": ("سنكتب قيمة أقل في البيان الجمركي.", "يمكننا تسجيل الطرد كهدية."),
    "he": ("נרשום ערך נמוך בהצהרת המכס.", "נסמן את החבילה כמתנה."),
    "nl": (
        "We geven een lagere waarde op bij de douane.",
        "We vullen een lagere waarde in op de douaneverklaring.",
    ),
}
HONEST = (
    "We cannot write a lower value on the customs form: it is illegal.",
    "The value on the customs declaration is the price you paid.",
    "Please write your full address on the form.",
    "Would you like us to send it as a gift to your friend with a card?",
    "No podemos poner un valor más bajo en la declaración.",
    "Wir können keinen niedrigeren Wert angeben, das ist verboten.",
    "我们不能把申报价值写低，这是违法的。",
    "Мы не можем указать в декларации меньшую стоимость.",
)
PLATFORMS = (Marketplace.ALIEXPRESS, Marketplace.AMAZON, Marketplace.EBAY)


def test_every_main_phrasing_is_blocked_in_every_language() -> None:
    walked = 0
    for platform in PLATFORMS:
        for language, texts in PROMISES.items():
            for text in texts:
                hits = [(r, s) for r, s, _ in found(text, ctx(platform)) if r is Rule.CUSTOMS_FRAUD]
                assert hits and hits[0][1] is Severity.BLOCK, (language, text, platform)
                walked += 1
    assert len(PROMISES) == 15
    assert walked == 3 * sum(len(t) for t in PROMISES.values()) == 3 * 38


def test_honest_answers_and_refusals_pass() -> None:
    for text in HONEST:
        rules = [r for r, _, _ in found(text, ctx(Marketplace.ALIEXPRESS))]
        assert Rule.CUSTOMS_FRAUD not in rules, text
