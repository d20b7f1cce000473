"""Sub-intent rules (domain/subintents.py): each language's phrasings of the six finer
intents, messages under the same parent that name none of them, and the parent gate.

Examples written for these tests (not from the training corpus): each language has one
message per sub-intent and two under a parent that name no sub-intent.
"""

from __future__ import annotations

from typing import get_args

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kefu.domain.intents import INTENTS, SUB_INTENTS
from kefu.domain.saved_views import clean_query
from kefu.domain.subintents import LANGUAGES, correction, detect
from kefu.services.reports import by_intent
from kefu.web.labels import LABELS
from kefu.web.schemas import SubIntent

SS, NAD, LOW, HOLD, INV, SAMPLE = (
    "short_shipment",
    "not_as_described",
    "low_declaration",
    "customs_hold",
    "invoice",
    "samples",
)
# language → (sub-intent or None, text); the intent is the sub-intent's parent, or the
# one given by the negatives' table below.
POSITIVE: dict[str, list[tuple[str, str]]] = {
    "en": [
        (SS, "I ordered 3 mugs and only 2 arrived, one is missing"),
        (NAD, "the jacket is not as described, the lining is polyester not wool"),
        (LOW, "can you mark it as a gift so I don't pay duty?"),
        (HOLD, "my parcel LX123456785CN has been stuck in customs for 10 days"),
        (INV, "I need a VAT invoice with my company name for order 113-4455667-1234567"),
        (SAMPLE, "could you send 2 samples before I order 500 pcs?"),
    ],
    "de": [
        (SS, "Im Paket fehlt ein Teil, nur 2 von 3 Tassen sind da"),
        (NAD, "Die Farbe ist ganz anders als auf dem Foto"),
        (LOW, "Bitte als Geschenk deklarieren, sonst zahle ich Zoll"),
        (HOLD, "Mein Paket hängt seit einer Woche beim Zoll fest"),
        (INV, "Ich brauche eine Rechnung mit ausgewiesener MwSt."),
        (SAMPLE, "Können Sie mir vorab ein Muster schicken?"),
    ],
    "fr": [
        (SS, "il manque une pièce dans le colis"),
        (NAD, "le sac est différent de la photo, pas du tout la même couleur"),
        (LOW, "vous pouvez déclarer une valeur basse pour la douane ?"),
        (HOLD, "mon colis est bloqué à la douane depuis lundi"),
        (INV, "pouvez-vous m'envoyer la facture avec TVA ?"),
        (SAMPLE, "est-ce possible d'avoir un échantillon avant la commande en gros ?"),
    ],
    "es": [
        (SS, "faltan dos piezas, solo me llegaron 4"),
        (NAD, "no es como en la foto, el material es plástico barato"),
        (LOW, "¿pueden declarar un valor bajo para no pagar impuestos?"),
        (HOLD, "el paquete está retenido en la aduana y me piden la factura"),
        (INV, "necesito factura a nombre de mi empresa"),
        (SAMPLE, "¿me mandan una muestra antes del pedido grande?"),
    ],
    "it": [
        (SS, "manca un pezzo, ne sono arrivati solo due"),
        (NAD, "il colore è diverso dalla foto, non come descritto"),
        (LOW, "potete dichiarare un valore basso sul pacco?"),
        (HOLD, "il pacco è fermo in dogana da una settimana"),
        (INV, "mi serve la fattura elettronica per la mia partita IVA"),
        (SAMPLE, "posso avere un campione prima dell'ordine all'ingrosso?"),
    ],
    "pt": [
        (SS, "veio faltando uma peça, só chegaram 2"),
        (NAD, "não é como na foto, o tecido é muito fino"),
        (LOW, "dá pra declarar um valor baixo pra não ser taxado?"),
        (HOLD, "minha encomenda está retida na alfândega faz 15 dias"),
        (INV, "preciso da nota fiscal da compra"),
        (SAMPLE, "vocês enviam amostra antes do pedido de atacado?"),
    ],
    "nl": [
        (SS, "er ontbreekt een onderdeel in het pakket"),
        (NAD, "de kleur is anders dan op de foto"),
        (LOW, "kunnen jullie het als cadeau versturen voor de douane?"),
        (HOLD, "mijn pakket wordt vastgehouden door de douane"),
        (INV, "graag een factuur met btw-nummer"),
        (SAMPLE, "kan ik eerst een sample bestellen?"),
    ],
    "pl": [
        (SS, "brakuje jednej sztuki, przyszły tylko 2 z 3"),
        (NAD, "kurtka jest niezgodna z opisem, to nie jest skóra"),
        (LOW, "proszę zaniżyć wartość na deklaracji"),
        (HOLD, "paczka utknęła w urzędzie celnym od tygodnia"),
        (INV, "poproszę fakturę VAT na firmę"),
        (SAMPLE, "czy mogę zamówić próbkę przed większym zamówieniem?"),
    ],
    "ru": [
        (SS, "в посылке не хватает одного чехла"),
        (NAD, "товар не соответствует описанию, ткань другая"),
        (LOW, "можете занизить стоимость в декларации?"),
        (HOLD, "посылка застряла на таможне, уже две недели"),
        (INV, "нужен счёт-фактура на юрлицо"),
        (SAMPLE, "можно сначала образец перед оптовым заказом?"),
    ],
    "ru-latn": [
        (SS, "v posylke ne hvataet odnoj veshi"),
        (NAD, "tovar ne kak na foto, cvet drugoj"),
        (LOW, "otpravte kak podarok pozhalujsta"),
        (HOLD, "posylka zastryala na tamozhne uzhe mesyac"),
        (INV, "nuzhen schet-faktura dlya firmy"),
        (SAMPLE, "mozhno snachala obrazec?"),
    ],
    "tr": [
        (SS, "siparişim eksik geldi, bir parça yok"),
        (NAD, "ürün fotoğraftaki gibi değil, rengi farklı"),
        (LOW, "faturayı düşük gösterebilir misiniz, hediye olarak gönderin"),
        (HOLD, "kargom gümrükte takıldı, ne yapmalıyım"),
        (INV, "şirketim adına fatura kesebilir misiniz?"),
        (SAMPLE, "toptan almadan önce numune gönderir misiniz?"),
    ],
    "ar": [
        (SS, "الطلب وصل ناقص قطعة"),
        (NAD, "المنتج مو مثل الصورة أبداً"),
        (LOW, "ممكن تكتب قيمة قليلة على الطرد؟"),
        (HOLD, "الشحنة محجوزة في الجمارك من أسبوع"),
        (INV, "أحتاج فاتورة ضريبية باسم الشركة"),
        (SAMPLE, "ممكن ترسل عينة قبل الطلب بالجملة؟"),
    ],
    "ar-latn": [
        (SS, "salam, talabia wslat na9sa wa7da"),
        (NAD, "el 9amis mesh zay el sora khales"),
        (LOW, "3afak ktebha hdiya bach ma nkhalsch diwana"),
        (HOLD, "colis dyali m7jouz f diwana men simana"),
        (INV, "b8it fatura b smiya dyal charika"),
        (SAMPLE, "momkin tb3atli 3ayna 9bel ma ncommandi bzaf?"),
    ],
    "he": [
        (SS, "חסר פריט אחד בחבילה"),
        (NAD, "המוצר לא כמו בתמונה בכלל"),
        (LOW, "אפשר לרשום ערך נמוך על החבילה?"),
        (HOLD, "החבילה תקועה במכס כבר שבוע"),
        (INV, "אני צריך חשבונית מס על שם העסק"),
        (SAMPLE, "אפשר לקבל דוגמה לפני הזמנה גדולה?"),
    ],
    "ja": [
        (SS, "注文した数より1個足りないです"),
        (NAD, "商品説明と違う素材でした"),
        (LOW, "関税を避けたいので低く申告してもらえますか"),
        (HOLD, "荷物が税関で止まっています"),
        (INV, "会社宛の領収書を発行してください"),
        (SAMPLE, "大量注文の前にサンプルをいただけますか"),
    ],
    "ko": [
        (SS, "구성품 하나가 누락됐어요"),
        (NAD, "사진과 너무 달라요 색상이 완전 다름"),
        (LOW, "관세 안 나오게 낮게 신고해 주실 수 있나요"),
        (HOLD, "세관에서 보류 중이라고 나와요"),
        (INV, "세금계산서 발행 가능한가요?"),
        (SAMPLE, "대량 주문 전에 샘플 받을 수 있을까요?"),
    ],
    "zh": [
        (SS, "少发了一件，只收到2件"),
        (NAD, "实物与图片不符，颜色差很多"),
        (LOW, "可以低报吗？写礼物也行"),
        (HOLD, "包裹被海关扣了，要我提供文件"),
        (INV, "请帮我开增值税发票"),
        (SAMPLE, "大货之前可以先拿样品吗"),
    ],
}
# Under the same parents, words that name no sub-intent: a wrong colour is a wrong item,
# a duty question is customs_duty, a card problem is payment, a bulk price is wholesale.
NEGATIVE: dict[str, list[tuple[str, str]]] = {
    "en": [
        ("wrong_item", "I ordered the red one and you sent blue"),
        ("customs_duty", "will I have to pay import duty in Canada?"),
    ],
    "de": [
        ("wrong_item", "Ich habe Größe M bestellt und L bekommen"),
        ("customs_duty", "Muss ich in der Schweiz Einfuhrsteuer zahlen?"),
    ],
    "fr": [
        ("wrong_item", "j'ai commandé du noir et reçu du gris"),
        ("payment", "ma carte a été refusée au paiement"),
    ],
    "es": [
        ("wrong_item", "pedí talla M y me mandaron L"),
        ("wholesale_sample", "¿qué precio tienen por 1000 unidades?"),
    ],
    "it": [
        ("wrong_item", "ho ordinato il modello nero, è arrivato quello bianco"),
        ("customs_duty", "quanto si paga di dazio in Italia?"),
    ],
    "pt": [
        ("wrong_item", "pedi azul e veio verde"),
        ("payment", "o pagamento por boleto não foi aprovado"),
    ],
    "nl": [
        ("wrong_item", "ik heb maat 42 besteld en 44 gekregen"),
        ("customs_duty", "moet ik invoerrechten betalen in Nederland?"),
    ],
    "pl": [
        ("wrong_item", "zamówiłem czerwony, przyszedł bordowy"),
        ("payment", "płatność BLIKiem nie przechodzi"),
    ],
    "ru": [
        ("wrong_item", "заказывал синий, пришёл зелёный"),
        ("customs_duty", "придётся ли платить пошлину в России?"),
    ],
    "ru-latn": [
        ("wrong_item", "zakazyval sinij, prishel zelenyj"),
        ("payment", "oplata kartoj ne prohodit"),
    ],
    "tr": [
        ("wrong_item", "siyah sipariş ettim beyaz geldi"),
        ("customs_duty", "Türkiye'de gümrük vergisi ödeyecek miyim?"),
    ],
    "ar": [
        ("wrong_item", "طلبت أحمر ووصلني أزرق"),
        ("payment", "انسحب المبلغ مرتين من البطاقة"),
    ],
    "ar-latn": [
        ("wrong_item", "tlabt l7mer w jani zre9"),
        ("customs_duty", "wach ghadi nkhalas diwana f lmaghrib?"),
    ],
    "he": [
        ("wrong_item", "הזמנתי שחור והגיע לבן"),
        ("customs_duty", "האם אצטרך לשלם מכס בישראל?"),
    ],
    "ja": [
        ("wrong_item", "黒を注文したのに白が届きました"),
        ("payment", "クレジットカードで支払いができません"),
    ],
    "ko": [
        ("wrong_item", "검정 주문했는데 흰색이 왔어요"),
        ("customs_duty", "한국으로 보내면 관세 얼마나 나와요?"),
    ],
    "zh": [
        ("wrong_item", "我买的是黑色，发来的是白色"),
        ("wholesale_sample", "一千件的话单价多少"),
    ],
}


def test_every_sub_intent_has_phrasings_in_every_language() -> None:
    assert len(LANGUAGES) == 17  # 15 buyer languages + Arabizi + Latin-written Russian
    assert set(POSITIVE) == set(NEGATIVE) == set(LANGUAGES)


@pytest.mark.parametrize("language", sorted(POSITIVE))
def test_each_sub_intent_is_read_under_its_parent(language: str) -> None:
    seen = [(s, detect(SUB_INTENTS[s], text)) for s, text in POSITIVE[language]]
    assert len(seen) == 6
    assert [found for _, found in seen] == [expected for expected, _ in seen]


@pytest.mark.parametrize("language", sorted(NEGATIVE))
def test_a_message_naming_no_sub_intent_has_none(language: str) -> None:
    walked = [detect(intent, text) for intent, text in NEGATIVE[language]]
    assert walked == [None, None]


def test_the_examples_cover_all_languages_and_sub_intents() -> None:
    pairs = [(lang, s) for lang, rows in POSITIVE.items() for s, _ in rows]
    assert len(pairs) == 17 * 6
    assert {s for _, s in pairs} == set(SUB_INTENTS)


@pytest.mark.parametrize("intent", ["refund", "order_tracking", "other", "complaint"])
def test_no_sub_intent_outside_its_parent(intent: str) -> None:
    """Only the four parents have sub-intents: an invoice asked for in a refund message
    is still a refund with no sub-intent."""
    walked = [detect(intent, text) for rows in POSITIVE.values() for _, text in rows]
    assert len(walked) == 102
    assert set(walked) == {None}


def test_rules_do_not_count_on_lower_case() -> None:
    assert detect("payment", "PLEASE SEND THE INVOICE") == "invoice"
    assert detect("wrong_item", "ONLY 2 OF 3 ARRIVED") == "short_shipment"
    assert detect("customs_duty", "Paket hängt beim ZOLL") == "customs_hold"


def test_words_inside_other_words_do_not_fire() -> None:
    assert detect("wholesale_sample", "Herr Mustermann fragt nach dem Großhandelspreis") is None
    assert detect("payment", "the invoicing address is wrong") is None


def test_a_correction_label_brings_its_parent() -> None:
    assert correction("short_shipment") == ("wrong_item", "short_shipment")
    assert correction("invoice") == ("payment", "invoice")
    assert correction("refund") == ("refund", None)


@given(intent=st.sampled_from(INTENTS), text=st.text(max_size=200))
def test_detect_never_contradicts_the_intent(intent: str, text: str) -> None:
    found = detect(intent, text)
    assert found is None or SUB_INTENTS[found] == intent


@given(
    intent=st.sampled_from(INTENTS),
    example=st.sampled_from([text for rows in POSITIVE.values() for _, text in rows]),
    before=st.text(max_size=40),
)
def test_detect_on_named_sub_intents_stays_under_the_intent(
    intent: str, example: str, before: str
) -> None:
    found = detect(intent, before + " " + example)
    assert found is None or SUB_INTENTS[found] == intent


def test_the_api_and_the_labels_know_every_sub_intent() -> None:
    assert set(get_args(SubIntent)) == set(SUB_INTENTS)
    assert set(LABELS["sub_intent"]) == set(SUB_INTENTS)


def test_the_report_lists_intents_most_asked_first_with_every_sub_intent() -> None:
    rows = by_intent(
        {
            ("payment", "invoice"): 1,
            ("payment", None): 3,
            ("refund", None): 4,
            ("wholesale_sample", None): 2,
            ("product_stock", None): 2,
        }
    )
    assert [(r.intent, r.messages, r.share) for r in rows] == [
        ("payment", 4, 1 / 3),
        ("refund", 4, 1 / 3),
        ("product_stock", 2, 1 / 6),  # ties in the taxonomy's order
        ("wholesale_sample", 2, 1 / 6),
    ]
    assert [(s.sub_intent, s.messages, s.share) for s in rows[0].sub_intents] == [
        ("invoice", 1, 0.25)
    ]
    assert [(s.sub_intent, s.messages) for s in rows[3].sub_intents] == [("samples", 0)]
    assert rows[1].sub_intents == []
    assert by_intent({}) == []


@pytest.mark.parametrize(
    "text",
    [
        "ordered 10 pcs, only 8 in the box",
        "10 Stück bestellt aber nur 7 bekommen",
        "nur 3 im Paket angekommen",
        "j'en ai commandé 6, il n'y en a que 4",
        "j'ai reçu que 2 coques",
        "pedí 5 y solo vinieron 3",
        "zamówiłam 4, przyszły tylko 3",
        "ho pagato 6 ma solo 4 pezzi",
        "besteld 5, maar 4 ontvangen",
        "в посылке нет второго носка",
    ],
)
def test_fewer_pieces_than_ordered_said_in_other_words(text: str) -> None:
    assert detect("wrong_item", text) == "short_shipment"


@pytest.mark.parametrize(
    "text",
    [
        "ne ho presi 6 e ne sono arrivati 5",
        "comprei 5 e vieram 4",
        "het ontbrekende kussen graag nasturen",
        "proszę dosłać brakującą część",
        "w paczce były tylko 3 kubki",
        "пришлите недостающую деталь",
        "в коробке только 2 кружки",
        "eksiği hemen gönderin",
        "kutuda 2 paket var, 3 sipariş ettim",
        "הזמנתי 6 הגיעו 5",
        "빠진 부품 보내주세요",
        "5개 주문했는데 4개 왔어요",
        "상자에 2팩뿐이에요",
    ],
)
def test_missing_pieces_named_by_count_or_by_what_is_missing(text: str) -> None:
    assert detect("wrong_item", text) == "short_shipment"


@pytest.mark.parametrize(
    "text",
    [
        "maat 44 besteld, 42 gekregen",
        "pedi 40 veio 38",
        "הזמנתי 40 הגיע 38",
        "250 주문했는데 240 왔어요",
    ],
)
def test_a_size_ordered_and_another_received_is_no_short_shipment(text: str) -> None:
    assert detect("wrong_item", text) is None


def test_a_saved_view_keeps_the_sub_intent_filter() -> None:
    assert (
        clean_query("sub_intent=invoice&state=active&page=3") == "state=active&sub_intent=invoice"
    )


# More wordings per sub-intent, each in a language the table above words otherwise.
MORE: dict[str, list[str]] = {
    SS: [
        "received 2 out of 5 items",
        "You only sent part of my order",
        "commande incomplète, il manquait le chargeur",
        "заказ пришел не полностью",
        "وصلني الطلب بدون الشاحن",
        "注文した商品が1つ入っていませんでした",
        "주문한 상품 중 하나가 안 왔어요",
    ],
    NAD: [
        "this is nothing like the picture",
        "Die Farbe sieht ganz anders aus als auf den Bildern",
        "no se parece en nada a la foto",
        "o produto não corresponde à descrição do anúncio",
        "nao e igual a foto",
        "towar nie wyglada jak na zdjeciu",
        "写真と色が違います",
        "사진이랑 색깔이 달라요",
        "跟图片完全不一样",
    ],
    LOW: [
        "please undervalue the package",
        "can you split the order into 2 parcels so I don't pay duty?",
        "pouvez-vous mettre une valeur plus basse sur la déclaration ?",
        "pueden poner un valor más bajo en la declaración?",
        "potete scrivere un valore più basso sulla dichiarazione?",
    ],
    HOLD: ["the parcel has been in customs for 3 weeks", "aduanas me pide un documento"],
    INV: ["I need a receipt for my company", "нужен счет", "can you send me a bill with VAT?"],
    SAMPLE: ["I want to test one piece before ordering 500"],
}


@pytest.mark.parametrize("sub_intent", sorted(MORE))
def test_more_wordings_of_each_sub_intent(sub_intent: str) -> None:
    walked = [detect(SUB_INTENTS[sub_intent], text) for text in MORE[sub_intent]]
    assert walked == [sub_intent] * len(MORE[sub_intent])
    assert sum(len(v) for v in MORE.values()) == 27
