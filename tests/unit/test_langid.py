"""Language of a buyer message: script rules (zh/ja/ko, he/ar/ru), Arabizi and romanized
Russian, then py3langid — and on the corpus and the first held-out set accuracy holds."""

from __future__ import annotations

import json
from collections import Counter

import pytest

from kefu.adapters.langid import (
    DETECTED_LANGUAGES,
    LanguageDetector,
    OutgoingLanguageDetector,
    romanized_language,
    script_language,
)
from kefu.services.training import CORPUS


@pytest.fixture(scope="module")
def detector() -> LanguageDetector:
    return LanguageDetector()


CHINESE = [
    "我的订单什么时候发货？",
    "请问这个有货吗",
    "收到的货坏了，我要退款",
    "發貨了嗎？我的訂單號碼是多少",  # Traditional
    "物流单号 LX123456785CN 一直没有更新",
    "hi 我的 order 在哪里",
]
JAPANESE = [
    "注文した商品はまだ届きません",
    "サイズを交換できますか",
    "住所変更 東京都世田谷区三軒茶屋2-5-8",  # kanji only, but 変 is Japanese
    "追跡番号 LX521930874CN ？",  # 番号 is a Japanese word
]
KOREAN = ["주문한 상품이 아직 안 왔어요", "환불 부탁드립니다 主文"]
ARABIZI = [
    "salam, 3andi mochkil m3a talabia, mazal ma wsletni",
    "salam 3afak fin wsal colis dyali",
    "wach kayn size L? chokran",
    "ana 9rib nfoto 3la 7ad, bghit nraja3 l flous",
    "khalas ma bghitch talabiya, rj3 lia flous",
]
ROMAN_RUSSIAN = [
    "privet, gde moy zakaz? uzhe mesyac zhdu",
    "spasibo, vse horosho",
    "zdravstvuyte, kogda pridet posylka?",
    "tovar slomano, vernite dengi pozhaluysta",
    "pochemu nichego ne prishlo?",
]
# Latin-script buyers the romanized rules must leave alone.
LATIN = {
    "en": [
        "Where is my order? I ordered 3pcs the 2nd time",
        "hi, I paid 25 USD for size XL, 5pcs, arrived on the 3rd",
        "my b2b order of 30 units is late",
        "Please check the tracking 9400111202555842761234",
    ],
    "tr": ["Merhaba siparişim nerede, 2 haftadır bekliyorum", "kargo ne zaman gelir"],
    "pl": ["Dzień dobry, gdzie jest moja paczka?", "Zamówiłam 2 sztuki, przyszła jedna"],
    "es": ["ya llegó el pedido, gracias", "¿dónde está mi pedido? ya pasaron 3 semanas"],
    "fr": ["moi je veux un remboursement", "où est mon colis svp"],
    "de": ["Wo ist mein Paket? Ich warte seit 3 Wochen"],
    "it": ["Dov'è il mio ordine? aspetto da un mese"],
    "nl": ["Waar is mijn pakket? Ik wacht al 2 weken"],
    "pt": ["Onde está o meu pedido? já faz um mês"],
}


@pytest.mark.parametrize(
    ("texts", "language"),
    [(CHINESE, "zh"), (JAPANESE, "ja"), (KOREAN, "ko"), (ARABIZI, "ar"), (ROMAN_RUSSIAN, "ru")],
)
def test_scripts_and_romanized_writing_decide_the_language(
    detector: LanguageDetector, texts: list[str], language: str
) -> None:
    assert [detector.detect(t) for t in texts] == [language] * len(texts)
    assert len(texts) >= 2


def test_latin_script_buyers_are_not_taken_for_romanized_arabic_or_russian(
    detector: LanguageDetector,
) -> None:
    walked = 0
    for language, texts in LATIN.items():
        for text in texts:
            assert romanized_language(text) is None, text
            assert detector.detect(text) == language, text
            walked += 1
    assert walked == 16


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("שלום, איפה ההזמנה שלי?", "he"),
        ("مرحبا، أين طلبي؟", "ar"),
        ("где мой заказ", "ru"),
        ("ok 好的", "zh"),
        ("订单 LX123456785CN 到了吗", "zh"),
        ("my order 注文 is late, when will it come", None),  # mostly Latin: py3langid decides
    ],
)
def test_the_script_rule_needs_most_of_the_letters(text: str, language: str | None) -> None:
    assert script_language(text) == language


def test_one_romanized_word_is_chance_two_decide() -> None:
    assert romanized_language("privet!") is None
    assert romanized_language("privet, spasibo") == "ru"
    assert romanized_language("m3a") is None
    assert romanized_language("3andi mochkil") == "ar"


def test_chinese_is_detected_and_outgoing_text_may_be_chinese() -> None:
    assert "zh" in DETECTED_LANGUAGES
    assert OutgoingLanguageDetector().detect("您好，我们已经发货了") == "zh"
    assert OutgoingLanguageDetector().detect("ok") == ""


def test_language_accuracy_holds_on_the_corpus_and_the_first_held_out_set(
    detector: LanguageDetector,
) -> None:
    """Measured before the rules: 545/556 (0.980) on buyers_v1, 1,881/1,921 (0.979) on
    the training corpus of then; after: 545/556, and on today's corpus 3,997/4,045 (0.988)
    of lines in each language's own script. Latin-written Arabic and Russian lines: 447/510
    (0.876), in-sample — the learned words come from these lines (held-out figures are in
    docs/triage.md)."""
    sets = {
        "buyers_v1": [CORPUS / "heldout" / "buyers_v1.jsonl"],
        "train": sorted((CORPUS / "train").glob("*.jsonl")),
    }
    scores: Counter[tuple[str, bool]] = Counter()
    for name, files in sets.items():
        for path in files:
            for line in path.read_text(encoding="utf-8").splitlines():
                row = json.loads(line)
                found = detector.detect(row["text"])
                if found != "und":
                    kind = f"{name}-latin" if row.get("script") == "latin" else name
                    scores[kind, found == row["language"]] += 1

    def share(kind: str) -> tuple[int, float]:
        walked = scores[kind, True] + scores[kind, False]
        return walked, scores[kind, True] / walked

    walked, accuracy = share("buyers_v1")
    assert walked >= 556 and accuracy >= 0.98
    walked, accuracy = share("train")
    assert walked >= 4000 and accuracy >= 0.98
    walked, accuracy = share("train-latin")
    assert walked >= 500 and accuracy >= 0.85
