"""Each platform's rules (domain/platform_rules.py) in the 15 languages kefu writes.

Every rule fires on the forbidden thing, with the platform's severity and the exact span,
and never on an order number, a date, a tracking number, an amount or the platform's own
link. Tests that walk a list count what they walked, so a list that shrinks is noticed.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock_time

import pytest

from kefu.adapters.formatting import BabelFormatter
from kefu.adapters.phones import PhoneNumberFinder
from kefu.adapters.reply_catalogue import packaged_catalogue
from kefu.domain.platform_rules import PLATFORM_RULES, rules_for
from kefu.domain.policy import (
    Finding,
    Message,
    MessageKind,
    PolicyContext,
    Rule,
    Severity,
    check,
)
from kefu.domain.sizecharts import SizeChart
from kefu.domain.templates import Money, OpeningHours, VarType, render
from kefu.domain.types import Marketplace
from tests.unit.test_templates import OUT_OF_OFFICE_EXAMPLES

PHONES = PhoneNumberFinder()
PLATFORMS = tuple(Marketplace)
LANGUAGES = (
    "en",
    "zh",
    "es",
    "ru",
    "fr",
    "de",
    "pt",
    "it",
    "pl",
    "tr",
    "ko",
    "ja",
    "ar",
    "he",
    "nl",
)
NOW = datetime(2026, 12, 10, 12, 0, tzinfo=UTC)


def ctx(platform: Marketplace, **fields: object) -> PolicyContext:
    return replace(PolicyContext(platform, phones=PHONES, now=NOW), **fields)  # type: ignore[arg-type]


def found(text: str, context: PolicyContext) -> list[tuple[Rule, Severity, str]]:
    result = check(text, context)
    for f in result.findings:
        assert text[f.start : f.end] == f.excerpt, f
    return [(f.rule, f.severity, f.excerpt) for f in result.findings]


def severity(platform: Marketplace, rule: Rule, kind: MessageKind = MessageKind.REPLY) -> Severity:
    level = rules_for(platform).severity(rule, kind)
    assert level is not None, (platform, rule, kind)
    return level


def apply_fixes(text: str, findings: tuple[Finding, ...]) -> str:
    for f in sorted(findings, key=lambda f: f.start, reverse=True):
        assert f.fix is not None, f
        text = text[: f.start] + f.fix + text[f.end :]
    return text


# --- the rules as data ---------------------------------------------------------------------


def test_every_platform_has_rules_with_a_source_for_each() -> None:
    assert set(PLATFORM_RULES) == set(Marketplace)
    for rules in PLATFORM_RULES.values():
        for rule, setting in rules.rules.items():
            assert setting.source.title, (rules.platform, rule)
            assert setting.severities, (rules.platform, rule)


@pytest.mark.parametrize("platform", PLATFORMS)
def test_what_all_four_platforms_forbid_is_blocked_everywhere(platform: Marketplace) -> None:
    for rule in (Rule.EMAIL, Rule.MESSENGER, Rule.EXTERNAL_LINK, Rule.REVIEW_REQUEST):
        for kind in MessageKind:
            assert severity(platform, rule, kind) is Severity.BLOCK
    assert severity(platform, Rule.CUSTOMS_FRAUD) is Severity.BLOCK
    assert severity(platform, Rule.OUT_OF_OFFICE, MessageKind.AUTOMATIC) is Severity.BLOCK
    assert rules_for(platform).severity(Rule.OUT_OF_OFFICE, MessageKind.REPLY) is None


def test_the_platforms_limits() -> None:
    amazon, ebay = rules_for(Marketplace.AMAZON), rules_for(Marketplace.EBAY)
    assert (amazon.proactive_window_days, amazon.review_requests_per_order) == (30, 1)
    assert (ebay.contact_window_days, ebay.html_allowed) == (90, False)
    assert severity(Marketplace.ALIEXPRESS, Rule.PHONE) is Severity.WARN
    assert all(r.max_links == 3 for r in PLATFORM_RULES.values())


def test_every_message_is_a_fixed_sentence() -> None:
    messages = Message.all()
    assert len(messages) == len(set(messages)) == 21
    assert all(m[0].isupper() or m.startswith("eBay") for m in messages)
    assert all(m.endswith(".") and "{" not in m for m in messages)


# --- off-platform contact ------------------------------------------------------------------

CONTACT = [
    # e-mail addresses, plain and disguised
    ("en", "Write to sunrise.shop@gmail.com today.", Rule.EMAIL, "sunrise.shop@gmail.com"),
    ("en", "Mail me: sunrise at gmail dot com", Rule.EMAIL, "sunrise at gmail dot com"),
    ("en", "Mail sunrise(at)gmail(dot)com now", Rule.EMAIL, "sunrise(at)gmail(dot)com"),
    ("en", "Mail sunrise @ gmail . com now", Rule.EMAIL, "sunrise @ gmail . com"),
    (
        "es",
        "Escríbenos a tienda arroba gmail punto com",
        Rule.EMAIL,
        "tienda arroba gmail punto com",
    ),
    ("ru", "Пишите: shop собака mail точка ru", Rule.EMAIL, "shop собака mail точка ru"),
    ("fr", "Écrivez à boutique [at] orange [dot] fr", Rule.EMAIL, "boutique [at] orange [dot] fr"),
    ("de", "Schreiben Sie an laden@web.de bitte", Rule.EMAIL, "laden@web.de"),
    ("pt", "Mande para loja arroba gmail ponto com", Rule.EMAIL, "loja arroba gmail ponto com"),
    (
        "it",
        "Scrivi a negozio chiocciola libero punto it",
        Rule.EMAIL,
        "negozio chiocciola libero punto it",
    ),
    ("pl", "Napisz: sklep małpa wp kropka pl", Rule.EMAIL, "sklep małpa wp kropka pl"),
    ("zh", "请发邮件到 sunrise@qq.com 联系我们", Rule.EMAIL, "sunrise@qq.com"),
    ("tr", "E-posta: magaza at gmail dot com", Rule.EMAIL, "magaza at gmail dot com"),
    ("ko", "문의: shop@naver.com 으로 주세요", Rule.EMAIL, "shop@naver.com"),
    ("ja", "メール：shop@gmail.com までどうぞ", Rule.EMAIL, "shop@gmail.com"),
    ("ar", "راسلنا على shop@gmail.com من فضلك", Rule.EMAIL, "shop@gmail.com"),
    ("he", "כתבו אלינו shop@gmail.com בבקשה", Rule.EMAIL, "shop@gmail.com"),
    ("nl", "Mail naar winkel at gmail dot com", Rule.EMAIL, "winkel at gmail dot com"),
    # phone numbers in national and international formats
    ("en", "Call me at (212) 555-0182 tonight", Rule.PHONE, "(212) 555-0182"),
    ("en", "Our UK line: +44 20 7946 0958", Rule.PHONE, "+44 20 7946 0958"),
    ("es", "Llámame al 612 345 678, gracias", Rule.PHONE, "612 345 678"),
    ("ru", "Звоните: 8 (912) 345-67-89", Rule.PHONE, "8 (912) 345-67-89"),
    ("fr", "Appelez le 06 12 34 56 78 svp", Rule.PHONE, "06 12 34 56 78"),
    ("de", "Rufen Sie 0151 23456789 an", Rule.PHONE, "0151 23456789"),
    ("de", "Oder 0049 30 1234567 aus dem Ausland", Rule.PHONE, "0049 30 1234567"),
    ("pt", "Ligue para (11) 91234-5678 hoje", Rule.PHONE, "(11) 91234-5678"),
    ("it", "Chiamami al 347 123 4567 domani", Rule.PHONE, "347 123 4567"),
    ("pl", "Zadzwoń: 512 345 678", Rule.PHONE, "512 345 678"),
    ("zh", "请打电话13812345678联系我", Rule.PHONE, "13812345678"),
    ("tr", "Bizi 0532 123 45 67 numarasından arayın", Rule.PHONE, "0532 123 45 67"),
    ("ko", "전화 주세요: 010-1234-5678", Rule.PHONE, "010-1234-5678"),
    ("ja", "お電話は090-1234-5678まで", Rule.PHONE, "090-1234-5678"),
    ("ar", "اتصل بنا على +966 50 123 4567", Rule.PHONE, "+966 50 123 4567"),
    ("he", "התקשרו 050-123-4567 עכשיו", Rule.PHONE, "050-123-4567"),
    ("nl", "Bel ons op 06-12345678", Rule.PHONE, "06-12345678"),
    # messengers and their handles, in many scripts
    ("en", "Add me on WhatsApp", Rule.MESSENGER, "WhatsApp"),
    ("en", "Message us on Telegram @sunrise_shop", Rule.MESSENGER, "@sunrise_shop"),
    ("en", "Join t.me/sunrise_shop for deals", Rule.MESSENGER, "t.me"),
    ("en", "Skype: sunrise.shop", Rule.MESSENGER, "Skype"),
    ("en", "Find us on Instagram @sunrise.store", Rule.MESSENGER, "@sunrise.store"),
    ("en", "Text me on Signal please", Rule.MESSENGER, "Signal"),
    ("en", "Our LINE ID is sunrise", Rule.MESSENGER, "LINE ID"),
    ("es", "Escríbeme por WhatsApp", Rule.MESSENGER, "WhatsApp"),
    ("ru", "Напишите нам в ватсап", Rule.MESSENGER, "ватсап"),
    ("ru", "Или в телеграм, или в вайбер", Rule.MESSENGER, "вайбер"),
    ("fr", "Contactez-nous sur Facebook", Rule.MESSENGER, "Facebook"),
    ("de", "Schreiben Sie uns über Viber", Rule.MESSENGER, "Viber"),
    ("pt", "Me chama no WhatsApp", Rule.MESSENGER, "WhatsApp"),
    ("it", "Scrivici su Telegram", Rule.MESSENGER, "Telegram"),
    ("pl", "Napisz na Messengerze", Rule.MESSENGER, "Messengerze"),
    ("zh", "加我微信 sunrise88", Rule.MESSENGER, "微信"),
    ("zh", "或者加QQ号123456", Rule.MESSENGER, "QQ"),
    ("tr", "WhatsApp'tan yazın", Rule.MESSENGER, "WhatsApp"),
    ("ko", "카카오톡으로 연락 주세요", Rule.MESSENGER, "카카오톡"),
    ("ko", "카톡 ID 알려드릴게요", Rule.MESSENGER, "카톡"),
    ("ja", "ラインIDを教えます", Rule.MESSENGER, "ラインID"),
    ("ar", "تواصل معنا عبر واتساب", Rule.MESSENGER, "واتساب"),
    ("he", "שלחו לנו הודעה בוואטסאפ", Rule.MESSENGER, "וואטסאפ"),
    ("nl", "Stuur ons een bericht via WhatsApp", Rule.MESSENGER, "WhatsApp"),
    # links off the platform
    ("en", "Visit www.myshop.com for more", Rule.EXTERNAL_LINK, "www.myshop.com"),
    (
        "es",
        "Mira https://sunrise-store.shop/ofertas.",
        Rule.EXTERNAL_LINK,
        "https://sunrise-store.shop/ofertas",
    ),
    ("ru", "Каталог: https://sunrise.ru/catalog", Rule.EXTERNAL_LINK, "https://sunrise.ru/catalog"),
    ("zh", "请访问 http://sunrise.cn/sale 查看", Rule.EXTERNAL_LINK, "http://sunrise.cn/sale"),
]


def test_off_platform_contact_is_found_on_every_platform_with_its_severity() -> None:
    walked = 0
    for platform in PLATFORMS:
        for language, text, rule, excerpt in CONTACT:
            expected = severity(platform, rule)
            assert (rule, expected, excerpt) in found(text, ctx(platform)), (platform, language)
            walked += 1
    assert walked == 4 * len(CONTACT) == 4 * 63
    assert {language for language, *_ in CONTACT} == set(LANGUAGES)


def test_a_messenger_handle_counts_only_next_to_a_messenger_name() -> None:
    amazon = ctx(Marketplace.AMAZON)
    assert found("Thanks @maria for the photo!", amazon) == []
    assert [e for _, _, e in found("WhatsApp or Telegram: @sunrise_shop", amazon)] == [
        "WhatsApp",
        "Telegram",
        "@sunrise_shop",
    ]


@pytest.mark.parametrize(
    ("platform", "own", "other"),
    [
        (Marketplace.AMAZON, "https://www.amazon.de/dp/B01ABC", "https://www.ebay.com/itm/1"),
        (Marketplace.EBAY, "https://www.ebay.co.uk/itm/1234", "https://www.amazon.com/dp/B01"),
        (Marketplace.ALIEXPRESS, "https://www.aliexpress.com/item/1005.html", "https://wish.com/p"),
        (Marketplace.WISH, "https://www.wish.com/product/5f3c", "https://aliexpress.com/item/1"),
    ],
)
def test_each_platform_allows_its_own_links_only(
    platform: Marketplace, own: str, other: str
) -> None:
    assert found(f"See {own} for details.", ctx(platform)) == []
    assert found(f"See {other} for details.", ctx(platform)) == [
        (Rule.EXTERNAL_LINK, Severity.BLOCK, other)
    ]


def test_the_conversations_carrier_link_is_allowed_and_a_strange_one_is_not() -> None:
    link = "https://t.17track.net/en#nums=LX123456785CN"
    assert found(f"Track it here: {link}", ctx(Marketplace.EBAY, known_tokens=(link,))) == []
    assert found(f"Track it here: {link}", ctx(Marketplace.EBAY)) == [
        (Rule.EXTERNAL_LINK, Severity.BLOCK, link)
    ]


# The numbers and links an honest reply holds, per language: {order} {tracking} {date}
# {amount} {link} are filled per platform.
HONEST = {
    "en": "Your order {order} shipped on 12/03/2026 with tracking {tracking}; "
    "total $1,299.00. See {link}",
    "zh": "您的订单{order}已于2026年12月3日发货，单号{tracking}，金额¥1,299.00。详情：{link}",
    "es": "Tu pedido {order} salió el 03/12/2026, seguimiento {tracking}, "
    "total 1.299,00 €. Ver {link}",
    "ru": "Ваш заказ {order} отправлен 03.12.2026, трек {tracking}, сумма 1 299,00 ₽. См. {link}",
    "fr": "Votre commande {order} est partie le 03/12/2026, suivi {tracking}, "
    "total 1 299,00 €. Voir {link}",
    "de": "Ihre Bestellung {order} ging am 03.12.2026 raus, Sendung {tracking}, "
    "1.299,00 €. Siehe {link}",
    "pt": "Seu pedido {order} saiu em 03/12/2026, rastreio {tracking}, "
    "total R$ 1.299,00. Veja {link}",
    "it": "Il tuo ordine {order} è partito il 03/12/2026, tracking {tracking}, "
    "totale 1.299,00 €. Vedi {link}",
    "pl": "Zamówienie {order} wysłane 03.12.2026, przesyłka {tracking}, "
    "razem 1 299,00 zł. Zobacz {link}",
    "tr": "Siparişiniz {order} 03.12.2026 tarihinde gönderildi, takip {tracking}, "
    "toplam 1.299,00 TRY. {link}",
    "ko": "주문 {order}은 2026-12-03에 발송되었고 운송장은 {tracking}, "
    "금액 ₩1,299,000입니다. {link}",
    "ja": "ご注文{order}は2026/12/03に発送、追跡番号{tracking}、合計¥12,990です。{link}",
    "ar": "طلبك {order} شُحن في 2026-12-03، رقم التتبع {tracking}، المبلغ 1,299.00 USD. {link}",
    "he": "ההזמנה {order} נשלחה ב-03.12.2026, מעקב {tracking}, סכום ₪1,299.00. {link}",
    "nl": "Uw bestelling {order} is op 03-12-2026 verzonden, tracking {tracking}, "
    "totaal € 1.299,00. {link}",
}
ORDERS = {
    Marketplace.AMAZON: "123-4567890-1234567",
    Marketplace.EBAY: "12-34567-89012",
    Marketplace.ALIEXPRESS: "8123456789012345",
    Marketplace.WISH: "5f3c2a1b9d8e7f6a5b4c3d2e",
}
LINKS = {
    Marketplace.AMAZON: "https://www.amazon.com/gp/your-account/order-details?orderID=123",
    Marketplace.EBAY: "https://www.ebay.com/mye/myebay/purchase",
    Marketplace.ALIEXPRESS: "https://www.aliexpress.com/p/order/detail.html?orderId=8123",
    Marketplace.WISH: "https://www.wish.com/transaction/5f3c2a1b9d8e7f6a5b4c3d2e",
}
TRACKINGS = ("LX123456785CN", "9400111899223344556677", "1Z999AA10123456784", "YT2412345678901234")


def test_order_numbers_dates_tracking_numbers_amounts_and_platform_links_raise_nothing() -> None:
    walked = 0
    for platform in PLATFORMS:
        for language, pattern in HONEST.items():
            for tracking in TRACKINGS:
                text = pattern.format(
                    order=ORDERS[platform], tracking=tracking, link=LINKS[platform]
                )
                assert found(text, ctx(platform)) == [], (platform, language, tracking)
                walked += 1
    assert walked == 4 * 15 * 4


@pytest.mark.parametrize(
    "text",
    [
        "Order number: 1234567890, please keep it.",
        "Tracking no. 00340434161234567890 (DHL).",
        "Nº de pedido 7777123456, gracias.",
        "Номер заказа 5550123456.",
        "Sendungsnummer 1234567890123.",
        "订单号 1234567890123",
        "注文番号 1234567890",
    ],
)
def test_a_number_labelled_as_an_order_or_parcel_is_no_phone(text: str) -> None:
    for platform in PLATFORMS:
        assert found(text, ctx(platform)) == [], platform


# --- review manipulation -------------------------------------------------------------------

POSITIVE = {
    "en": ("Please leave us a 5-star review!", "5-star review"),
    "zh": ("请给我们五星好评", "五星好评"),
    "es": ("¿Nos dejas una reseña positiva?", "reseña positiva"),
    "ru": ("Пожалуйста, оставьте положительный отзыв", "положительный отзыв"),
    "fr": ("Merci de laisser un avis positif", "avis positif"),
    "de": ("Bitte geben Sie uns 5 Sterne", "5 Sterne"),
    "pt": ("Deixe uma avaliação positiva, por favor", "avaliação positiva"),
    "it": ("Lasciaci una recensione positiva", "recensione positiva"),
    "pl": ("Prosimy o pozytywną opinię", "pozytywną opinię"),
    "tr": ("Lütfen bize olumlu yorum yapın", "olumlu yorum"),
    "ko": ("좋은 리뷰 부탁드립니다", "좋은 리뷰"),
    "ja": ("高評価をお願いします", "高評価"),
    "ar": ("يرجى ترك تقييم إيجابي", "تقييم إيجابي"),
    "he": ("נשמח לביקורת חיובית", "ביקורת חיובית"),
    "nl": ("Laat een positieve beoordeling achter", "positieve beoordeling"),
}
INCENTIVE = {
    "en": "We will send you a $10 coupon for a 5-star review.",
    "zh": "好评返现5元",
    "es": "Te damos un cupón de descuento a cambio de una reseña",
    "ru": "Сделаем скидку 10% за отзыв",
    "fr": "Nous vous offrons un bon d'achat en échange d'un avis",
    "de": "Für eine 5-Sterne-Bewertung erhalten Sie einen Gutschein",
    "pt": "Ganhe um cupom de desconto ao deixar sua avaliação",
    "it": "Ti regaliamo uno sconto per una recensione a 5 stelle",
    "pl": "Za pozytywną opinię wyślemy Ci prezent",
    "tr": "Olumlu yorum karşılığında indirim kuponu veriyoruz",
    "ko": "리뷰 작성 시 적립금을 드립니다",
    "ja": "レビューを書いていただければ、クーポンをプレゼントします",
    "ar": "سنرسل لك قسيمة خصم مقابل تقييم إيجابي",
    "he": "נשלח לך קופון תמורת ביקורת",
    "nl": "Ontvang korting in ruil voor een review",
}
MORE_INCENTIVES = [
    "Leave a review and get a free gift!",
    "If you leave a review, we will refund you $5.",
    "We'll refund the shipping if you leave a review.",
    "Te reembolsamos 5 dólares si nos dejas una reseña.",
    "Если оставите отзыв, мы вернём деньги за доставку.",
    "给五星好评送礼物",
]
CHANGE = {
    "en": "Could you please remove your negative review?",
    "zh": "请删除差评",
    "es": "¿Podrías eliminar tu reseña negativa?",
    "ru": "Пожалуйста, удалите отрицательный отзыв",
    "fr": "Pourriez-vous modifier votre avis ?",
    "de": "Bitte ändern Sie Ihre Bewertung",
    "pt": "Você poderia alterar sua avaliação?",
    "it": "Potresti modificare la tua recensione?",
    "pl": "Czy możesz usunąć negatywną opinię?",
    "tr": "Lütfen olumsuz yorumunuzu silin",
    "ko": "리뷰를 삭제해 주세요",
    "ja": "評価を変更していただけませんか",
    "ar": "يرجى حذف التقييم السلبي",
    "he": "נא למחוק את הביקורת",
    "nl": "Kunt u de review verwijderen?",
}
BEFORE_NEGATIVE = {
    "en": "Please contact us before leaving negative feedback.",
    "zh": "给差评前请先联系我们",
    "es": "Contáctanos antes de dejar una reseña negativa",
    "ru": "Свяжитесь с нами, прежде чем оставить отзыв",
    "fr": "Contactez-nous avant de laisser un avis",
    "de": "Kontaktieren Sie uns, bevor Sie eine negative Bewertung abgeben",
    "pt": "Fale conosco antes de deixar uma avaliação negativa",
    "it": "Contattaci prima di lasciare una recensione negativa",
    "pl": "Skontaktuj się z nami, zanim wystawisz negatywną opinię",
    "tr": "Olumsuz yorum bırakmadan önce bize ulaşın",
    "ko": "나쁜 리뷰를 남기시기 전에 연락 주세요",
    "ja": "評価をつける前にご連絡ください",
    "ar": "يرجى التواصل معنا قبل ترك تقييم سلبي",
    "he": "צרו קשר לפני השארת ביקורת",
    "nl": "Neem contact op voordat u een negatieve review achterlaat",
}
NEUTRAL_REVIEW = {
    "en": "If you have a moment, please leave an honest review.",
    "zh": "如果方便的话，欢迎留下您的评价。",
    "es": "Si tienes un momento, déjanos tu opinión sincera.",
    "ru": "Будем рады Вашему честному отзыву.",
    "fr": "N'hésitez pas à laisser un avis sur votre achat.",
    "de": "Wir freuen uns über Ihre ehrliche Bewertung.",
    "pt": "Se puder, deixe uma avaliação sincera.",
    "it": "Se hai un momento, lascia una recensione.",
    "pl": "Jeśli masz chwilę, wystaw opinię o produkcie.",
    "tr": "Vaktiniz olursa ürün hakkında yorum yazabilirsiniz.",
    "ko": "시간 되실 때 솔직한 리뷰를 남겨 주세요.",
    "ja": "よろしければレビューをお願いいたします。",
    "ar": "يسعدنا أن تشاركنا تقييمك الصادق.",
    "he": "נשמח אם תשאירו ביקורת כנה.",
    "nl": "Als u even tijd hebt, laat dan een eerlijke review achter.",
}
THANKS_FOR_REVIEW = [
    "Thank you for your 5-star review!",
    "Thanks so much for the positive feedback.",
    "¡Gracias por tu reseña positiva!",
    "Спасибо за положительный отзыв!",
    "Merci pour votre avis positif !",
    "Danke für Ihre positive Bewertung!",
    "Obrigado pela avaliação positiva!",
    "Grazie per la recensione positiva!",
    "Dziękujemy za pozytywną opinię!",
    "感谢您的好评！",
    "좋은 리뷰 감사합니다!",
    "高評価ありがとうございます。",
    "Bedankt voor uw positieve beoordeling!",
    "Thank you for your feedback, we will refund you today.",
    "Once we review your return, we will refund you.",
    "We will refund you once we receive the item back.",
]


def test_review_manipulation_is_blocked_on_every_platform_in_every_language() -> None:
    walked = 0
    for platform in PLATFORMS:
        for language in LANGUAGES:
            text, excerpt = POSITIVE[language]
            assert found(text, ctx(platform)) == [(Rule.REVIEW_REQUEST, Severity.BLOCK, excerpt)], (
                platform,
                language,
            )
            for table in (INCENTIVE, CHANGE, BEFORE_NEGATIVE):
                result = check(table[language], ctx(platform))
                rules = {(f.rule, f.severity) for f in result.findings}
                assert rules == {(Rule.REVIEW_REQUEST, Severity.BLOCK)}, (platform, language)
            walked += 4
        for text in MORE_INCENTIVES:
            messages = {f.message for f in check(text, ctx(platform)).findings}
            assert messages == {Message.REVIEW_INCENTIVE}, (platform, text)
            walked += 1
    assert walked == 4 * (15 * 4 + len(MORE_INCENTIVES)) == 264


def test_each_kind_of_manipulation_says_what_it_is() -> None:
    amazon = ctx(Marketplace.AMAZON)
    assert check(INCENTIVE["en"], amazon).findings[0].message == Message.REVIEW_INCENTIVE
    assert check(CHANGE["en"], amazon).findings[0].message == Message.REVIEW_CHANGE
    assert check(BEFORE_NEGATIVE["en"], amazon).findings[0].message == Message.REVIEW_NEGATIVE
    assert check(POSITIVE["en"][0], amazon).findings[0].message == Message.REVIEW_POSITIVE


def test_a_neutral_review_request_and_thanks_for_a_review_pass_everywhere() -> None:
    walked = 0
    for platform in PLATFORMS:
        for text in [*NEUTRAL_REVIEW.values(), *THANKS_FOR_REVIEW]:
            for kind in (MessageKind.REPLY, MessageKind.PROACTIVE):
                assert found(text, ctx(platform, kind=kind)) == [], (platform, kind, text)
                walked += 1
    assert walked == 4 * 2 * (15 + len(THANKS_FOR_REVIEW)) == 248


# --- customs fraud -------------------------------------------------------------------------

CUSTOMS_FRAUD = {
    "en": ("We can declare it as a gift so you pay no duties.", "declare it as a gift"),
    "zh": ("我们可以按礼物申报，这样不用交税。", "按礼物"),
    "es": ("Podemos declararlo como regalo.", "declararlo como regalo"),
    "ru": ("Мы укажем заниженную стоимость в декларации.", "укажем заниженную стоимость"),
    "fr": ("Nous pouvons déclarer une valeur plus basse.", "déclarer une valeur plus basse"),
    "de": ("Wir können das Paket als Geschenk deklarieren.", "als Geschenk deklarieren"),
    "pt": ("Podemos declarar como presente.", "declarar como presente"),
    "it": ("Possiamo dichiarare un valore più basso.", "dichiarare un valore più basso"),
    "pl": ("Możemy zaniżyć wartość paczki.", "zaniżyć wartość"),
    "tr": ("Paketi hediye olarak beyan edebiliriz.", "hediye olarak beyan"),
    "ko": ("선물로 신고해 드릴게요.", "선물로 신고"),
    "ja": ("ギフトとして申告できます。", "ギフトとして申告"),
    "ar": ("يمكننا التصريح بقيمة أقل.", "التصريح بقيمة أقل"),
    "he": ("נצהיר על ערך נמוך.", "נצהיר על ערך נמוך"),
    "nl": ("We kunnen een lagere waarde opgeven.", "een lagere waarde opgeven"),
}
MORE_CUSTOMS_FRAUD = [
    ("We will declare a lower value on the parcel.", "declare a lower value"),
    ("We'll split the order into two parcels to avoid customs duties.", None),
    ("I can under-declare the package for you.", "under-declare"),
    ("We will declare it at $5 only.", "declare it at $5"),
    ("We mark the parcel as a gift.", "mark the parcel as a gift"),
    ("Declararemos un valor más bajo.", "Declararemos un valor más bajo"),
    ("Wir geben einen niedrigeren Warenwert an.", "niedrigeren Warenwert"),
    ("Оформим посылку как подарок.", "Оформим посылку как подарок"),
    ("Oznaczymy paczkę jako prezent.", "Oznaczymy paczkę jako prezent"),
    ("我们会低报货值。", "低报"),
    ("저가 신고 가능합니다.", "저가 신고"),
]
CUSTOMS_HONEST = [
    "Customs duties may apply in your country.",
    "Import taxes may apply, depending on the order value.",
    "Would you like to add a gift card?",
    "We can wrap it as a gift for your friend.",
    "We cannot declare a lower value: it is illegal.",
    "We cannot avoid duties by splitting the parcel or declaring a lower value.",
    "A low declaration is no guarantee against duties.",
    "Please split your order into parcels under 2 kg for free shipping.",
    "Pueden aplicarse aranceles de importación.",
    "Es kann Einfuhrumsatzsteuer anfallen.",
    "Может взиматься ввозная пошлина.",
    "可能需要缴纳进口关税。",
]


def test_customs_fraud_is_blocked_on_every_platform_in_every_language() -> None:
    walked = 0
    for platform in PLATFORMS:
        for language in LANGUAGES:
            text, excerpt = CUSTOMS_FRAUD[language]
            assert (Rule.CUSTOMS_FRAUD, Severity.BLOCK, excerpt) in found(text, ctx(platform)), (
                platform,
                language,
            )
            walked += 1
        for text, expected in MORE_CUSTOMS_FRAUD:
            hits = [e for r, _, e in found(text, ctx(platform)) if r is Rule.CUSTOMS_FRAUD]
            assert hits and (expected is None or expected in hits), (platform, text, hits)
            walked += 1
        for text in CUSTOMS_HONEST:
            assert found(text, ctx(platform)) == [], (platform, text)
            walked += 1
    assert walked == 4 * (15 + len(MORE_CUSTOMS_FRAUD) + len(CUSTOMS_HONEST)) == 152


# --- Amazon: messages the shop starts --------------------------------------------------------

SHIPPED = {
    "en": ("Good news: your parcel has been shipped!", "has been shipped"),
    "zh": ("您的包裹已发货。", "已发货"),
    "es": ("Tu pedido ha sido enviado.", "ha sido enviado"),
    "ru": ("Ваш заказ уже отправлен.", "уже отправлен"),
    "fr": ("Votre commande a été expédiée.", "a été expédiée"),
    "de": ("Ihr Paket wurde heute versandt.", "wurde heute versandt"),
    "pt": ("Seu pedido foi enviado.", "foi enviado"),
    "it": ("Il tuo ordine è stato spedito.", "è stato spedito"),
    "pl": ("Twoje zamówienie zostało wysłane.", "zostało wysłane"),
    "tr": ("Siparişiniz kargoya verildi.", "kargoya verildi"),
    "ko": ("주문하신 상품이 발송되었습니다.", "발송되었"),
    "ja": ("ご注文の商品を発送しました。", "発送しました"),
    "ar": ("تم شحن طلبك.", "تم شحن"),
    "he": ("ההזמנה שלך נשלחה.", "נשלחה"),
    "nl": ("Uw bestelling is verzonden.", "is verzonden"),
}


def amazon(kind: MessageKind = MessageKind.PROACTIVE, **fields: object) -> PolicyContext:
    return ctx(Marketplace.AMAZON, kind=kind, **fields)


def test_amazon_blocks_shipping_updates_the_shop_starts_in_every_language() -> None:
    walked = 0
    for language, (text, excerpt) in SHIPPED.items():
        assert (Rule.SHIPPING_UPDATE, Severity.BLOCK, excerpt) in found(text, amazon()), language
        assert found(text, amazon(MessageKind.REPLY)) == [], language
        for platform in (Marketplace.EBAY, Marketplace.ALIEXPRESS, Marketplace.WISH):
            assert found(text, ctx(platform, kind=MessageKind.PROACTIVE)) == []
        walked += 1
    assert walked == 15
    tracking = found("Here it is: LX123456785CN", amazon())
    assert tracking == [(Rule.SHIPPING_UPDATE, Severity.BLOCK, "LX123456785CN")]


def test_amazon_proactive_messages_only_within_30_days_of_the_order() -> None:
    text = "Hello, could you confirm the colour you want?"
    late = amazon(order_placed_at=NOW - timedelta(days=31))
    assert found(text, late) == [(Rule.PROACTIVE_WINDOW, Severity.BLOCK, "")]
    assert found(text, amazon(order_placed_at=NOW - timedelta(days=29))) == []
    assert found(text, replace(late, kind=MessageKind.REPLY)) == []  # answering is allowed
    naive = amazon(order_placed_at=datetime(2026, 11, 1), now=datetime(2026, 12, 10))
    assert [r for r, _, _ in found(text, naive)] == [Rule.PROACTIVE_WINDOW]


def test_amazon_allows_one_review_request_per_order() -> None:
    walked = 0
    for language, text in NEUTRAL_REVIEW.items():
        assert found(text, amazon(review_requests_on_order=0)) == [], language
        second = found(text, amazon(review_requests_on_order=1))
        assert second == [(Rule.REVIEW_REQUEST_LIMIT, Severity.BLOCK, "")], language
        assert found(text, amazon(MessageKind.REPLY, review_requests_on_order=1)) == []
        walked += 1
    assert walked == 15
    other = ctx(Marketplace.EBAY, kind=MessageKind.PROACTIVE, review_requests_on_order=3)
    assert found(NEUTRAL_REVIEW["en"], other) == []


def test_amazon_blocks_a_proactive_text_not_in_the_buyers_language() -> None:
    text = "Hello, could you confirm the colour you want?"
    fields = {"buyer_language": "de", "detected_language": "en"}
    assert found(text, amazon(**fields)) == [(Rule.LANGUAGE, Severity.BLOCK, "")]
    assert found(text, amazon(MessageKind.REPLY, **fields)) == [(Rule.LANGUAGE, Severity.WARN, "")]
    assert found(text, ctx(Marketplace.EBAY, kind=MessageKind.PROACTIVE, **fields)) == [
        (Rule.LANGUAGE, Severity.WARN, "")
    ]


# --- eBay ----------------------------------------------------------------------------------


def test_ebay_blocks_messages_the_seller_starts_after_90_days_not_answers() -> None:
    text = "Hello, how is the jacket?"
    late = ctx(
        Marketplace.EBAY, kind=MessageKind.PROACTIVE, order_placed_at=NOW - timedelta(days=91)
    )
    assert found(text, late) == [(Rule.CONTACT_WINDOW, Severity.BLOCK, "")]
    assert found(text, replace(late, order_placed_at=NOW - timedelta(days=89))) == []
    for kind in (MessageKind.REPLY, MessageKind.AUTOMATIC):  # the buyer wrote: always answered
        assert found(text, replace(late, kind=kind)) == []
    for platform in (Marketplace.ALIEXPRESS, Marketplace.WISH):
        assert found(text, replace(late, platform=platform)) == []


def test_html_is_blocked_on_ebay_with_fixes_that_leave_plain_text() -> None:
    text = "<b>Hello</b> Maria,<br>your <a href='https://www.ebay.com/itm/1'>item</a> is ready."
    result = check(text, ctx(Marketplace.EBAY))
    tags = [f for f in result.findings if f.rule is Rule.HTML]
    assert [f.excerpt for f in tags] == [
        "<b>",
        "</b>",
        "<br>",
        "<a href='https://www.ebay.com/itm/1'>",
        "</a>",
    ]
    assert all(f.severity is Severity.BLOCK for f in tags)
    assert apply_fixes(text, tuple(tags)) == "Hello Maria,\nyour item is ready."
    on_aliexpress = check(text, ctx(Marketplace.ALIEXPRESS))
    assert {f.severity for f in on_aliexpress.findings if f.rule is Rule.HTML} == {Severity.WARN}
    assert found("Sizes: S < M < L, and 2 > 1.", ctx(Marketplace.EBAY)) == []


# --- out-of-office wording in automatic replies ------------------------------------------------

MORE_OUT_OF_OFFICE = {
    "en": "Sorry, nobody is available right now.",
    "zh": "我们下班了，明天回复您。",
    "es": "Estamos cerrados por vacaciones.",
    "ru": "Мы сейчас не работаем.",
    "fr": "Nous sommes fermés aujourd'hui.",
    "de": "Wir haben heute geschlossen.",
    "pt": "Estamos fechados no momento.",
    "it": "Siamo chiusi per ferie.",
    "pl": "Jesteśmy na urlopie.",
    "tr": "Şu anda kapalıyız.",
    "ko": "현재 부재중입니다.",
    "ja": "現在不在にしております。",
    "ar": "نحن مغلقون الآن.",
    "he": "אנחנו סגורים היום.",
    "nl": "Wij zijn met vakantie.",
}


def automatic(platform: Marketplace, **fields: object) -> PolicyContext:
    return ctx(platform, kind=MessageKind.AUTOMATIC, **fields)


def test_out_of_office_wording_in_automatic_replies_is_blocked_in_every_language() -> None:
    walked = 0
    for platform in PLATFORMS:
        for language in LANGUAGES:
            for text in (OUT_OF_OFFICE_EXAMPLES[language], MORE_OUT_OF_OFFICE[language]):
                result = check(text, automatic(platform, buyer_language=language))
                hits = [f for f in result.findings if f.rule is Rule.OUT_OF_OFFICE]
                assert hits and hits[0].severity is Severity.BLOCK, (platform, language, text)
                assert hits[0].fix, (platform, language)
                replied = check(text, ctx(platform, buyer_language=language))
                assert not [f for f in replied.findings if f.rule is Rule.OUT_OF_OFFICE]
                walked += 1
    assert walked == 4 * 15 * 2


def test_the_out_of_office_fix_replaces_the_sentence_with_when_a_person_answers() -> None:
    text = "Hello! We are closed right now. Thanks for writing."
    result = check(text, automatic(Marketplace.AMAZON, next_opening="Monday 9:00"))
    (finding,) = result.findings
    assert finding.excerpt == "We are closed right now."
    assert apply_fixes(text, result.findings) == (
        "Hello! A member of our team will reply to you from Monday 9:00. Thanks for writing."
    )
    de = check("Wir haben geschlossen.", automatic(Marketplace.EBAY, buyer_language="de"))
    assert de.findings[0].fix == "Jemand aus unserem Team antwortet Ihnen so bald wie möglich."
    zh = check("我们下班了。", automatic(Marketplace.ALIEXPRESS, buyer_language="zh"))
    assert zh.findings[0].excerpt == "我们下班了。"


# --- kefu's own wording passes every platform's rules ----------------------------------------


def test_every_packaged_template_passes_every_platforms_rules_in_every_language() -> None:
    """Replies as replies and as messages the shop starts (where Amazon's shipping-update rule
    may fire on a tracking template, and nothing else), automatic ones as automatic."""
    samples: dict[VarType, object] = {
        VarType.TEXT: "Maria",
        VarType.COUNT: 3,
        VarType.PERCENT: 10,
        VarType.MONEY: Money(1999),
        VarType.DATE: date(2026, 12, 3),
        VarType.DATETIME: datetime(2026, 11, 23, 1, 0, tzinfo=UTC),
        VarType.URL: "https://t.17track.net/en#nums=LX123456785CN",
        VarType.LIST: ["UPS", "DHL"],
        VarType.COUNTRY: "BR",
        VarType.WEIGHT: 2400,
        VarType.HOURS: OpeningHours(
            clock_time(9), clock_time(18), "Asia/Shanghai", frozenset(range(5))
        ),
        VarType.SIZE_CHART: SizeChart("cm", ("bust",), (("M", (88,)),)),
    }
    known = ("https://t.17track.net/en#nums=LX123456785CN",)
    walked = 0
    for template in packaged_catalogue():
        values = {n: samples[k] for n, k in template.variables.items()}
        kinds = (
            (MessageKind.AUTOMATIC,)
            if template.automatic
            else (MessageKind.REPLY, MessageKind.PROACTIVE)
        )
        for language in template.texts:
            text = render(template, language, values, BabelFormatter()).text
            for platform in PLATFORMS:
                for kind in kinds:
                    context = ctx(platform, kind=kind, known_tokens=known, buyer_language=language)
                    rules = [r for r, _, _ in found(text, context) if r is not Rule.SHIPPING_UPDATE]
                    assert rules == [], (template.key, language, platform, kind)
                    walked += 1
    templates = len(packaged_catalogue())
    assert walked == 15 * 4 * (2 * (templates - 3) + 3) == 4620
