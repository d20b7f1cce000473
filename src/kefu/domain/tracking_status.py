"""From a source's words to the one tracking status set (issue 21, docs/tracking.md).

Every source is read the same way: the status the source mapped itself (17TRACK's adapter
does), else the shop's own rules for a text, else the source's code (our status names,
AfterShip tags and subtags, 17TRACK's status and sub-status names, Chinese carriers'
words), else rules on the event's text in the languages carriers write. A text no rule
maps counts as in transit and is flagged `mapped=False` for a lead to review: a status is
never guessed silently.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from kefu.domain.tracking_17track import STATUSES as STATUSES_17TRACK
from kefu.domain.tracking_17track import SUB_STATUSES as SUB_STATUSES_17TRACK
from kefu.domain.types import TrackingStatus

S = TrackingStatus


def code_key(text: str) -> str:
    """How codes compare: case, width, spaces and punctuation do not matter
    ("Exception_Returning", "exception returning" and "EXCEPTIONRETURNING" are one)."""
    text = unicodedata.normalize("NFKC", text).strip().lower()
    return re.sub(r"[\s_\-./()（）:：#]+", "", text)


_SPACES = re.compile(r"\s+")


def normal_text(text: str) -> str:
    """How event texts compare, and what a shop's rule holds: NFKC, case-folded, spaces
    collapsed (punctuation kept: it is part of what the carrier wrote)."""
    return _SPACES.sub(" ", unicodedata.normalize("NFKC", text).casefold()).strip()


# Codes as sources write them, keyed by `code_key` (PLATFORMS.md "Tracking").
CODE_WORDS: dict[str, TrackingStatus] = {
    **{code_key(s.value): s for s in TrackingStatus},
    # AfterShip tags and subtags
    "pending": S.INFO_RECEIVED,
    "inforeceived": S.INFO_RECEIVED,
    "intransit": S.IN_TRANSIT,
    "outfordelivery": S.OUT_FOR_DELIVERY,
    "attemptfail": S.FAILED_DELIVERY,
    "availableforpickup": S.AWAITING_PICKUP,
    "delivered": S.DELIVERED,
    "exception": S.EXCEPTION,
    "expired": S.EXPIRED,
    "exception011": S.RETURNED,  # AfterShip: returned to sender
    "exception010": S.RETURNING,  # AfterShip: returning to sender
    "exception012": S.LOST,  # AfterShip: lost
    "exception007": S.CUSTOMS_HOLD,  # AfterShip: held at customs
    # 17TRACK statuses and sub-statuses, from the adapter's one table (files use them too;
    # "NotFound" names no status, so the event's words decide)
    **{
        code_key(name): status
        for name, status in (*STATUSES_17TRACK.items(), *SUB_STATUSES_17TRACK.items())
        if status is not None
    },
    # other services and ERPs
    "pickup": S.AWAITING_PICKUP,
    "undelivered": S.FAILED_DELIVERY,
    "alert": S.EXCEPTION,
    "onhold": S.CUSTOMS_HOLD,
    "returntosender": S.RETURNING,
    "deliverydelayed": S.EXCEPTION,
    # Chinese ERPs and carriers
    "已下单": S.INFO_RECEIVED,
    "已揽收": S.INFO_RECEIVED,
    "运输中": S.IN_TRANSIT,
    "到达目的国": S.ARRIVED_DESTINATION,
    "清关中": S.CUSTOMS,
    "海关扣留": S.CUSTOMS_HOLD,
    "清关完成": S.CUSTOMS_CLEARED,
    "派送中": S.OUT_FOR_DELIVERY,
    "待取件": S.AWAITING_PICKUP,
    "投递失败": S.FAILED_DELIVERY,
    "已签收": S.DELIVERED,
    "已送达": S.DELIVERED,
    "已妥投": S.DELIVERED,
    "退回中": S.RETURNING,
    "退回": S.RETURNED,
    "已退回": S.RETURNED,
    "丢失": S.LOST,
    "异常": S.EXCEPTION,
}


def code_status(code: str) -> TrackingStatus | None:
    """The status a source's code names, if it names one."""
    return CODE_WORDS.get(code_key(code))


# Rules on event texts, by language, each a pattern on `normal_text` and its status.
# Within a language the more specific come first ("unsuccessful delivery attempt" before
# "delivered", "returned to sender" before "delivered"); languages are tried in order.
RULES: dict[str, tuple[tuple[str, TrackingStatus], ...]] = {
    "en": (
        (r"return(ed|ing)? to (the )?(sender|shipper|origin)", S.RETURNING),
        (r"\breturned\b", S.RETURNED),
        (r"\b(lost|missing parcel)\b", S.LOST),
        (
            r"(unsuccessful|failed|attempted) delivery|delivery (attempt(ed)? )?"
            r"(failed|unsuccessful)|not delivered|recipient not (at home|available)",
            S.FAILED_DELIVERY,
        ),
        (
            r"(held|detained|retained) (by|in|at) customs|customs (hold|inspection)|"
            r"customs information (required|requested)|awaiting (customs )?documents",
            S.CUSTOMS_HOLD,
        ),
        (
            r"(released|cleared) (by|from) customs|customs clear(ed|ance completed?)",
            S.CUSTOMS_CLEARED,
        ),
        (r"customs|import clearance", S.CUSTOMS),
        (
            r"(awaiting|ready for|available for) (collection|pick ?up)|"
            r"held at (the )?(post office|pick ?up point)",
            S.AWAITING_PICKUP,
        ),
        (r"out for delivery|with (the )?(courier|driver) for delivery", S.OUT_FOR_DELIVERY),
        (r"\bdelivered\b", S.DELIVERED),
        (
            r"arrived (in|at) (the )?destination (country|facility)|arrival at destination",
            S.ARRIVED_DESTINATION,
        ),
        (
            r"(shipment|label|order) (information|info)? ?(received|created)|"
            r"electronic (notification|information)|pre-?advice",
            S.INFO_RECEIVED,
        ),
        (
            r"in transit|departed|departure|arrived at|processed (at|through)|"
            r"accepted|picked up|dispatched|hand(ed)? over to",
            S.IN_TRANSIT,
        ),
    ),
    "zh": (
        (r"退回(寄件人|发件人)|退件中|退回中|正在退回", S.RETURNING),
        (r"已退回|退件签收|退回签收", S.RETURNED),
        (r"丢失|遗失", S.LOST),
        (r"投递失败|派送失败|投递未成功|无人签收", S.FAILED_DELIVERY),
        (r"海关扣[留押件]|海关查验|清关异常|需要?补充(清关)?资料", S.CUSTOMS_HOLD),
        (r"清关完成|已清关|海关放行|清关放行", S.CUSTOMS_CLEARED),
        (r"清关|海关", S.CUSTOMS),
        (r"待取|到达待取|待自提|自提点|待领取", S.AWAITING_PICKUP),
        (r"派送中|正在派送|派件中|安排投递", S.OUT_FOR_DELIVERY),
        (r"签收|妥投|已送达|投递成功", S.DELIVERED),
        (r"到达目的国|到达目的地国家", S.ARRIVED_DESTINATION),
        (r"已下单|电子信息已收到|等待揽收|订单信息", S.INFO_RECEIVED),
        (r"揽收|揽件|离开|到达|发往|运输中|已发出|航班|转运", S.IN_TRANSIT),
    ),
    "es": (
        (r"devuelto al remitente|en devoluci[oó]n|devoluci[oó]n al origen", S.RETURNING),
        (r"devuelto", S.RETURNED),
        (r"extraviado|perdido", S.LOST),
        (
            r"intento de entrega (fallido|sin [eé]xito)|no entregado|entrega fallida",
            S.FAILED_DELIVERY,
        ),
        (r"retenido (en|por) (la )?aduana", S.CUSTOMS_HOLD),
        (r"(despachado|liberado) (de|por) (la )?aduana", S.CUSTOMS_CLEARED),
        (r"aduana", S.CUSTOMS),
        (r"disponible para (recoger|recogida|retirar)|listo para recoger", S.AWAITING_PICKUP),
        (r"en reparto|en ruta de entrega", S.OUT_FOR_DELIVERY),
        (r"entregad[oa]", S.DELIVERED),
        (r"lleg[oó] al pa[ií]s de destino", S.ARRIVED_DESTINATION),
        (r"en tr[aá]nsito|admitido|en camino", S.IN_TRANSIT),
    ),
    "ru": (
        (r"возврат отправителю|возвращ[аеё]н[оа]? отправителю|возвращается", S.RETURNING),
        (r"утрачен|утеряно", S.LOST),
        (r"неудачная попытка вручения|не вручено", S.FAILED_DELIVERY),
        (r"задержано таможней|тамож\w* задерж", S.CUSTOMS_HOLD),
        (r"выпущено таможней|таможенное оформление завершено", S.CUSTOMS_CLEARED),
        (r"тамож", S.CUSTOMS),
        (r"прибыло в место вручения|ожидает (адресата|получения)", S.AWAITING_PICKUP),
        (r"передано курьеру|доставляется курьером", S.OUT_FOR_DELIVERY),
        (r"вручено|вручение адресату|получено адресатом", S.DELIVERED),
        (r"прибыло в страну назначения|ввезено на территорию", S.ARRIVED_DESTINATION),
        (r"в пути|покинуло|сортировочн|принято в отделении", S.IN_TRANSIT),
    ),
    "fr": (
        (r"retour(né)? (à|a) l'exp[ée]diteur|en retour", S.RETURNING),
        (r"perdu|égaré", S.LOST),
        (r"(échec|tentative) de (livraison|distribution)|destinataire absent", S.FAILED_DELIVERY),
        (r"retenu (en|par la) douane|bloqué en douane", S.CUSTOMS_HOLD),
        (r"dédouané|dédouanement terminé", S.CUSTOMS_CLEARED),
        (r"douane", S.CUSTOMS),
        (
            r"disponible (au|en) (bureau|point relais)|à retirer|en attente de retrait",
            S.AWAITING_PICKUP,
        ),
        (r"en cours de (livraison|distribution)", S.OUT_FOR_DELIVERY),
        (r"livré|distribué", S.DELIVERED),
        (r"arrivé dans le pays de destination", S.ARRIVED_DESTINATION),
        (r"en transit|en cours d'acheminement|pris en charge", S.IN_TRANSIT),
    ),
    "de": (
        (r"(rücksendung|zurück) an (den )?absender|rücksendung", S.RETURNING),
        (r"verloren", S.LOST),
        (r"zustellversuch|nicht zugestellt|zustellung nicht möglich", S.FAILED_DELIVERY),
        (r"(vom|beim) zoll (zurückgehalten|angehalten)", S.CUSTOMS_HOLD),
        (r"verzollt|zollabfertigung abgeschlossen", S.CUSTOMS_CLEARED),
        (r"zoll", S.CUSTOMS),
        (r"zur abholung bereit|abholbereit|liegt in der filiale", S.AWAITING_PICKUP),
        (r"in zustellung|wird (heute )?zugestellt", S.OUT_FOR_DELIVERY),
        (r"zugestellt", S.DELIVERED),
        (r"im zielland angekommen|im zielland eingetroffen", S.ARRIVED_DESTINATION),
        (r"unterwegs|sendungszentrum|bearbeitet", S.IN_TRANSIT),
    ),
    "pt": (
        (r"devolvido ao remetente|em devolução", S.RETURNING),
        (r"extraviad[oa]", S.LOST),
        (r"tentativa de entrega|não entregue|entrega não efetuada", S.FAILED_DELIVERY),
        (r"retid[oa] (na|pela) alfândega|aguardando pagamento", S.CUSTOMS_HOLD),
        (r"liberad[oa] pela alfândega|desembaraçad[oa]", S.CUSTOMS_CLEARED),
        (r"alfândega|fiscalização", S.CUSTOMS),
        (r"aguardando retirada|disponível para retirada", S.AWAITING_PICKUP),
        (r"saiu para entrega", S.OUT_FOR_DELIVERY),
        (r"entregue", S.DELIVERED),
        (r"chegou ao país de destino", S.ARRIVED_DESTINATION),
        (r"em trânsito|encaminhad[oa]|postad[oa]", S.IN_TRANSIT),
    ),
    "it": (
        (r"restituit[oa] al mittente|in restituzione", S.RETURNING),
        (r"smarrit[oa]", S.LOST),
        (r"mancata consegna|tentativo di consegna|consegna non riuscita", S.FAILED_DELIVERY),
        (r"trattenut[oa] (in|dalla) dogana|fermo in dogana", S.CUSTOMS_HOLD),
        (r"sdoganat[oa]", S.CUSTOMS_CLEARED),
        (r"dogana", S.CUSTOMS),
        (r"in giacenza|disponibile per il ritiro|pronto per il ritiro", S.AWAITING_PICKUP),
        (r"in consegna", S.OUT_FOR_DELIVERY),
        (r"consegnat[oa]", S.DELIVERED),
        (r"arrivat[oa] nel paese di destinazione", S.ARRIVED_DESTINATION),
        (r"in transito|in lavorazione|partit[oa]", S.IN_TRANSIT),
    ),
    "pl": (
        (r"zwrot do nadawcy|zwrócon\w* do nadawcy", S.RETURNING),
        (r"zagubion", S.LOST),
        (r"nieudana (próba )?doręczeni|nie doręczono", S.FAILED_DELIVERY),
        (r"zatrzyman\w* przez (urząd celny|służbę celną)", S.CUSTOMS_HOLD),
        (
            r"odprawa celna zakończona|zwolnion\w* przez (urząd celny|służbę celną)",
            S.CUSTOMS_CLEARED,
        ),
        (r"odpraw\w* celn|urząd celny", S.CUSTOMS),
        (r"awizo|gotowa do odbioru|czeka na odbiór|do odbioru w", S.AWAITING_PICKUP),
        (r"wydan\w* do doręczenia|w doręczeniu", S.OUT_FOR_DELIVERY),
        (r"doręczon", S.DELIVERED),
        (r"w drodze|nadan|przyjęt", S.IN_TRANSIT),
    ),
    "tr": (
        (r"göndericiye iade", S.RETURNING),
        (r"kayıp", S.LOST),
        (r"teslim edilemedi|teslimat başarısız", S.FAILED_DELIVERY),
        (r"gümrükte bekletiliyor|gümrükte tutuldu", S.CUSTOMS_HOLD),
        (r"gümrükten çıktı|gümrük işlemleri tamamlandı", S.CUSTOMS_CLEARED),
        (r"gümrük", S.CUSTOMS),
        (r"teslim alınmayı bekliyor|şubede bekliyor", S.AWAITING_PICKUP),
        (r"dağıtıma çıktı|dağıtımda", S.OUT_FOR_DELIVERY),
        (r"teslim edildi", S.DELIVERED),
        (r"yolda|transfer merkezi|kabul edildi", S.IN_TRANSIT),
    ),
    "ar": (
        (r"إعادة إلى المرسل|أعيدت? إلى المرسل", S.RETURNING),
        (r"مفقود", S.LOST),
        (r"محاولة تسليم فاشلة|تعذر التسليم", S.FAILED_DELIVERY),
        (r"محتجز(ة)? (لدى|في) الجمارك", S.CUSTOMS_HOLD),
        (r"تم التخليص الجمركي", S.CUSTOMS_CLEARED),
        (r"الجمارك|جمرك", S.CUSTOMS),
        (r"جاهز(ة)? للاستلام|بانتظار الاستلام", S.AWAITING_PICKUP),
        (r"خرجت? للتوصيل|قيد التوصيل", S.OUT_FOR_DELIVERY),
        (r"تم التسليم|تم تسليم", S.DELIVERED),
        (r"في الطريق|قيد الشحن|غادرت?", S.IN_TRANSIT),
    ),
    "ja": (
        (r"差出人に返送|返送中", S.RETURNING),
        (r"返送済|返還済", S.RETURNED),
        (r"紛失", S.LOST),
        (r"ご不在|持戻|配達できませんでした", S.FAILED_DELIVERY),
        (r"税関検査|税関で保留|通関保留", S.CUSTOMS_HOLD),
        (r"通関完了|輸入許可", S.CUSTOMS_CLEARED),
        (r"通関|税関", S.CUSTOMS),
        (r"保管中|窓口でお受け取り|受取可能", S.AWAITING_PICKUP),
        (r"配達中|持出中", S.OUT_FOR_DELIVERY),
        (r"お届け済|配達完了|配達済", S.DELIVERED),
        (r"国際交換局に到着|到着国", S.ARRIVED_DESTINATION),
        (r"引受|発送|輸送中|通過", S.IN_TRANSIT),
    ),
    "ko": (
        (r"발송인에게 반송|반송 중", S.RETURNING),
        (r"반송 완료", S.RETURNED),
        (r"분실", S.LOST),
        (r"배달 실패|미배달|수취인 부재", S.FAILED_DELIVERY),
        (r"세관 보류|통관 보류", S.CUSTOMS_HOLD),
        (r"통관 완료|세관 통과", S.CUSTOMS_CLEARED),
        (r"통관|세관", S.CUSTOMS),
        (r"수령 대기|보관 중", S.AWAITING_PICKUP),
        (r"배달 중|배송 출발", S.OUT_FOR_DELIVERY),
        (r"배달 완료|배송 완료", S.DELIVERED),
        (r"도착국|목적지 국가 도착", S.ARRIVED_DESTINATION),
        (r"이동 중|발송|접수|출발", S.IN_TRANSIT),
    ),
}
_COMPILED = tuple(
    (re.compile(pattern), status) for rules in RULES.values() for pattern, status in rules
)


def text_status(text: str) -> TrackingStatus | None:
    """The status the first rule that matches the (normalised) text names, if any."""
    for pattern, status in _COMPILED:
        if pattern.search(text):
            return status
    return None


@dataclass(frozen=True)
class Normalised:
    status: TrackingStatus
    mapped: bool  # False: no rule knew the words; counts as in transit, listed for review


UNMAPPED = Normalised(S.IN_TRANSIT, mapped=False)


def normalise(
    code: str,
    description: str = "",
    status: TrackingStatus | None = None,
    shop_rules: Mapping[str, TrackingStatus] | None = None,
) -> Normalised:
    """The event's status in the one set, and whether a rule knew it.

    Order: what the source mapped itself; the shop's own rule for the description or the
    code (a lead decided it); the code as a known word; the description, then the code,
    by the text rules; else in transit, unmapped.
    """
    if status is not None:
        return Normalised(status, mapped=True)
    text, code_text = normal_text(description), normal_text(code)
    if shop_rules:
        chosen = shop_rules.get(text) if text else None
        chosen = chosen or shop_rules.get(code_text)
        if chosen is not None:
            return Normalised(chosen, mapped=True)
    known = code_status(code)
    if known is not None:
        return Normalised(known, mapped=True)
    for words in (text, code_text):
        if words and (found := text_status(words)) is not None:
            return Normalised(found, mapped=True)
    return UNMAPPED


def review_text(code: str, description: str) -> str:
    """The words a lead reviews for an unmapped event: its description, else its code."""
    return normal_text(description) or normal_text(code)


# --- where a parcel stands, from its events --------------------------------------------------


@dataclass(frozen=True)
class Standing:
    """A parcel's latest status, its event's time, and since when it has been in it."""

    status: str
    at: datetime
    since: datetime


def standing(events: Sequence[tuple[datetime, str]]) -> Standing:
    """From a parcel's events (time, status) in time order, ties in arrival order: the last
    one's status, and since the first event of the last run of that status — events out
    of order never move a parcel back."""
    at, status = events[-1]
    since = at
    for when, earlier in reversed(events):
        if earlier != status:
            break
        since = when
    return Standing(status, at, since)


def move_on(current: Standing | None, new: Sequence[tuple[datetime, str]]) -> Standing | None:
    """The standing after new events (time order), from the stored one without the
    history; None when one is older than the latest: only the whole history can tell."""
    if current is not None and new[0][0] < current.at:
        return None
    status, at, since = (
        (current.status, current.at, current.since) if current else (None, None, None)
    )
    for when, event_status in new:
        if event_status != status or since is None:
            status, since = event_status, when
        at = when
    assert status is not None and at is not None and since is not None  # noqa: S101
    return Standing(status, at, since)
