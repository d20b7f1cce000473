"""Synthetic shop data for `kefu bench search`, written straight into the tables: buyers
with names, orders with numbers and parcels, threads in 14 languages with their stored
Chinese translations, indexed chunk by chunk as ingestion would (docs/benchmarks.md)."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, func, insert, select

from kefu.adapters.db import tables as t
from kefu.adapters.db.repositories import conversation_row
from kefu.adapters.db.search import flush_queue
from kefu.domain.conversations import Conversation
from kefu.domain.types import Origin

CHUNK = 5_000  # conversations per transaction

# The same eight things buyers write, in each language (index = meaning), and in Chinese
# as the stored translation an agent reads.
MEANINGS_ZH = (
    "我的订单在哪里？已经两个星期了",
    "我想申请退款，商品有质量问题",
    "包裹到了但是破损了",
    "尺码太小了，可以换货吗",
    "物流信息一直没有更新",
    "包裹被海关扣留了，需要什么文件",
    "我想取消订单",
    "已经收到了，谢谢，质量很好",
)
TEXTS: dict[str, tuple[str, ...]] = {
    "en": (
        "Where is my order? It has been two weeks",
        "I want a refund, the item is defective",
        "The parcel arrived but it is damaged",
        "The size is too small, can I exchange it",
        "The tracking information has not updated",
        "The parcel is held by customs, what documents do you need",
        "I want to cancel my order",
        "Received it, thank you, great quality",
    ),
    "es": (
        "¿Dónde está mi pedido? Ya pasaron dos semanas",
        "Quiero un reembolso, el artículo está defectuoso",
        "El paquete llegó pero está dañado",
        "La talla es demasiado pequeña, ¿puedo cambiarla?",
        "El seguimiento no se ha actualizado",
        "El paquete está retenido en aduana, ¿qué documentos necesitan?",
        "Quiero cancelar mi pedido",
        "Lo recibí, gracias, muy buena calidad",
    ),
    "ru": (
        "Где мой заказ? Прошло уже две недели",
        "Хочу возврат денег, товар бракованный",
        "Посылка пришла, но повреждена",
        "Размер слишком маленький, можно обменять?",
        "Трек-номер не обновляется",
        "Посылку задержала таможня, какие нужны документы?",
        "Хочу отменить заказ",
        "Получила, спасибо, отличное качество",
    ),
    "fr": (
        "Où est ma commande ? Cela fait deux semaines",
        "Je veux un remboursement, l'article est défectueux",
        "Le colis est arrivé mais il est endommagé",
        "La taille est trop petite, puis-je l'échanger ?",
        "Le suivi n'a pas été mis à jour",
        "Le colis est bloqué en douane, quels documents faut-il ?",
        "Je veux annuler ma commande",
        "Bien reçu, merci, très bonne qualité",
    ),
    "de": (
        "Wo ist meine Bestellung? Es sind schon zwei Wochen",
        "Ich möchte eine Rückerstattung, der Artikel ist defekt",
        "Das Paket ist angekommen, aber beschädigt",
        "Die Größe ist zu klein, kann ich umtauschen?",
        "Die Sendungsverfolgung wurde nicht aktualisiert",
        "Das Paket liegt beim Zoll, welche Unterlagen brauchen Sie?",
        "Ich möchte meine Bestellung stornieren",
        "Erhalten, danke, sehr gute Qualität",
    ),
    "pt": (
        "Onde está meu pedido? Já faz duas semanas",
        "Quero um reembolso, o produto está com defeito",
        "O pacote chegou, mas está danificado",
        "O tamanho é pequeno demais, posso trocar?",
        "O rastreamento não foi atualizado",
        "O pacote está retido na alfândega, quais documentos precisam?",
        "Quero cancelar meu pedido",
        "Recebi, obrigado, ótima qualidade",
    ),
    "pl": (
        "Gdzie jest moje zamówienie? Minęły już dwa tygodnie",
        "Chcę zwrot pieniędzy, produkt jest wadliwy",
        "Paczka dotarła, ale jest uszkodzona",
        "Rozmiar jest za mały, czy mogę wymienić?",
        "Śledzenie przesyłki nie jest aktualizowane",
        "Paczka jest zatrzymana w urzędzie celnym, jakie dokumenty?",
        "Chcę anulować zamówienie",
        "Otrzymałam, dziękuję, świetna jakość",
    ),
    "it": (
        "Dov'è il mio ordine? Sono passate due settimane",
        "Voglio un rimborso, l'articolo è difettoso",
        "Il pacco è arrivato ma è danneggiato",
        "La taglia è troppo piccola, posso cambiarla?",
        "Il tracciamento non è stato aggiornato",
        "Il pacco è bloccato in dogana, quali documenti servono?",
        "Voglio annullare il mio ordine",
        "Ricevuto, grazie, ottima qualità",
    ),
    "tr": (
        "Siparişim nerede? İki hafta oldu",
        "Para iadesi istiyorum, ürün kusurlu",
        "Paket geldi ama hasarlı",
        "Beden çok küçük, değiştirebilir miyim?",
        "Kargo takibi güncellenmedi",
        "Paket gümrükte bekletiliyor, hangi belgeler gerekli?",
        "Siparişimi iptal etmek istiyorum",
        "Aldım, teşekkürler, kalite harika",
    ),
    "ko": (
        "제 주문은 어디에 있나요? 벌써 2주가 지났어요",
        "환불을 원합니다, 제품에 결함이 있어요",
        "소포가 도착했는데 파손되었어요",
        "사이즈가 너무 작아요, 교환할 수 있나요?",
        "배송 조회가 업데이트되지 않아요",
        "소포가 세관에 보류되어 있어요, 어떤 서류가 필요한가요?",
        "주문을 취소하고 싶어요",
        "잘 받았어요, 감사합니다, 품질이 좋아요",
    ),
    "he": (
        "איפה ההזמנה שלי? עברו כבר שבועיים",
        "אני רוצה החזר כספי, המוצר פגום",
        "החבילה הגיעה אבל היא פגומה",
        "המידה קטנה מדי, אפשר להחליף?",
        "המעקב לא התעדכן",
        "החבילה מעוכבת במכס, אילו מסמכים צריך?",
        "אני רוצה לבטל את ההזמנה",
        "קיבלתי, תודה, איכות מעולה",
    ),
    "ar": (
        "أين طلبي؟ مر أسبوعان بالفعل",
        "أريد استرداد المبلغ، المنتج معيب",
        "وصل الطرد لكنه تالف",
        "المقاس صغير جدا، هل يمكنني استبداله؟",
        "لم يتم تحديث معلومات التتبع",
        "الطرد محتجز في الجمارك، ما المستندات المطلوبة؟",
        "أريد إلغاء طلبي",
        "استلمته، شكرا، جودة ممتازة",
    ),
    "ja": (
        "注文した商品はどこですか？もう二週間です",
        "返金をお願いします、商品に不具合があります",
        "荷物が届きましたが破損していました",
        "サイズが小さすぎます、交換できますか",
        "追跡情報が更新されません",
        "荷物が税関で止められています、必要な書類は何ですか",
        "注文をキャンセルしたいです",
        "受け取りました、ありがとう、品質がいいです",
    ),
    "nl": (
        "Waar is mijn bestelling? Het is al twee weken",
        "Ik wil een terugbetaling, het artikel is defect",
        "Het pakket is aangekomen maar beschadigd",
        "De maat is te klein, kan ik ruilen?",
        "De tracking is niet bijgewerkt",
        "Het pakket wordt vastgehouden door de douane, welke documenten?",
        "Ik wil mijn bestelling annuleren",
        "Ontvangen, bedankt, geweldige kwaliteit",
    ),
}
SHOP_TEXTS = (
    "Dear customer, we checked order {order}: the parcel {tracking} is on its way.",
    "Sorry for the trouble with order {order}, we will send a new one.",
    "Thank you for your message, we are looking into it.",
)
FIRST = (
    "Ana", "Ivan", "Maria", "John", "Olga", "Pierre", "Hans", "Yuki", "Mehmet", "Jiwoo",
    "Noa", "Omar", "Lucas", "Kasia", "Giulia", "Emma", "Sven", "Fatima", "Diego", "Lena",
)  # fmt: skip
LAST = (
    "Garcia", "Petrov", "Silva", "Miller", "Ivanova", "Dubois", "Schmidt", "Tanaka",
    "Yilmaz", "Kim", "Cohen", "Haddad", "Santos", "Nowak", "Rossi", "de Vries", "Berg",
    "Novak", "Lopez", "Fischer",
)  # fmt: skip


@dataclass
class Filled:
    """What the fill wrote, for the benchmark to ask about."""

    messages: int = 0
    translations: int = 0
    order_numbers: list[str] = field(default_factory=list)
    tracking_numbers: list[str] = field(default_factory=list)
    buyer_names: list[str] = field(default_factory=list)


def fill_search_corpus(
    engine: Engine,
    messages: int,
    *,
    per_conversation: int = 10,
    seed: int = 1,
    now: datetime,
    progress: Callable[[int, int], None] | None = None,
) -> Filled:
    """`messages` messages in threads of `per_conversation` over the existing stores, each
    thread with its buyer, order and parcel; every buyer message has a Chinese translation."""
    rng = random.Random(seed)  # noqa: S311 - benchmark data, not secrets
    out = Filled()
    conversations = max(1, messages // per_conversation)
    with engine.begin() as conn:
        stores = list(conn.scalars(select(t.Store.id)))
        org = conn.scalar(select(t.Organisation.id))
        first = {
            name: (conn.scalar(select(func.max(table.id))) or 0) + 1
            for name, table in (
                ("buyer", t.Buyer),
                ("conv", t.Conversation),
                ("order", t.Order),
                ("message", t.Message),
            )
        }
    languages = tuple(TEXTS)
    message_id = first["message"]
    for start in range(0, conversations, CHUNK):
        rows: dict[str, list[dict[str, Any]]] = {
            k: [] for k in ("buyers", "orders", "parcels", "convs", "messages", "translations")
        }
        for i in range(start, min(conversations, start + CHUNK)):
            store = rng.choice(stores)
            language = languages[i % len(languages)]
            buyer_id, order_id, conv_id = first["buyer"] + i, first["order"] + i, first["conv"] + i
            name = f"{rng.choice(FIRST)} {rng.choice(LAST)} {i}"
            order_number = f"8{rng.randrange(10**14):014d}"
            tracking = f"LX{rng.randrange(10**9):09d}CN"
            began = now - timedelta(days=rng.uniform(0, 90))
            rows["buyers"].append(
                {
                    "id": buyer_id,
                    "organisation_id": org,
                    "name": name,
                    "country": "US",
                    "language": language,
                    "created_at": began,
                }
            )
            rows["orders"].append(
                {
                    "id": order_id,
                    "store_id": store,
                    "buyer_id": buyer_id,
                    "order_number": order_number,
                    "status": "shipped",
                    "total_cents": 2599,
                    "total_usd_cents": 2599,
                    "shipping_cents": 0,
                    "is_wholesale": False,
                    "placed_at": began,
                    "paid_at": began,
                    "buyer_email": f"buyer{i}@example.com",
                }
            )
            rows["parcels"].append(
                {
                    "order_id": order_id,
                    "carrier": "China Post",
                    "tracking_number": tracking,
                    "is_reshipment": False,
                    "shipped_at": began,
                }
            )
            conv = Conversation(
                id=conv_id,
                store_id=store,
                buyer_id=buyer_id,
                order_id=order_id,
                platform_conversation_id=f"search-{conv_id}",
                origin=Origin.ORDER_DETAIL,
                created_at=began,
                last_message_at=began,
                language=language,
            )
            at = began
            for n in range(per_conversation):
                at = min(now, at + timedelta(minutes=rng.uniform(5, 600)))
                meaning = rng.randrange(len(MEANINGS_ZH))
                if n % 2 == 0:
                    words = TEXTS[language][meaning]
                    conv.buyer_wrote(at)
                    direction = "buyer"
                    rows["translations"].append(
                        {
                            "message_id": message_id,
                            "language": "zh",
                            "status": "done",
                            "origin": "machine",
                            "text": MEANINGS_ZH[meaning],
                            "attempts": 0,
                            "updated_at": at,
                        }
                    )
                else:
                    words = rng.choice(SHOP_TEXTS).format(order=order_number, tracking=tracking)
                    conv.shop_replied(at, automatic=False)
                    direction = "shop"
                conv.add_message(at, words)
                rows["messages"].append(
                    {
                        "id": message_id,
                        "conversation_id": conv_id,
                        "store_id": store,
                        "platform_message_id": f"search-{message_id}",
                        "direction": direction,
                        "is_automatic": False,
                        "sent_at": at,
                        "received_at": at,
                        "text": words,
                        "language": language if direction == "buyer" else "en",
                        "attachments": [],
                    }
                )
                message_id += 1
            rows["convs"].append({"id": conv_id, **conversation_row(conv)})
            if i % 100 == 0:  # what the benchmark will ask for
                out.order_numbers.append(order_number)
                out.tracking_numbers.append(tracking)
                out.buyer_names.append(name)
        with engine.begin() as conn:
            conn.execute(insert(t.Buyer), rows["buyers"])
            conn.execute(insert(t.Order), rows["orders"])
            conn.execute(insert(t.Parcel), rows["parcels"])
            conn.execute(insert(t.Conversation), rows["convs"])
            conn.execute(insert(t.Message), rows["messages"])
            conn.execute(insert(t.MessageTranslation), rows["translations"])
            flush_queue(conn)
        out.messages += len(rows["messages"])
        out.translations += len(rows["translations"])
        if progress is not None:
            progress(out.messages, conversations * per_conversation)
    return out
