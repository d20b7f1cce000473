"""Normalisation to the one status set: codes, texts in many languages, shop rules, and
never a silent guess (domain/tracking_status.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from kefu.domain.tracking_status import (
    RULES,
    UNMAPPED,
    Normalised,
    Standing,
    code_status,
    move_on,
    normal_text,
    normalise,
    standing,
    text_status,
)
from kefu.domain.types import TrackingStatus as S

# Real-world wordings per language and the status each must give.
SAMPLES: dict[str, list[tuple[str, S]]] = {
    "en": [
        ("Delivered, In/At Mailbox", S.DELIVERED),
        ("Held by customs", S.CUSTOMS_HOLD),
        ("Returned to sender", S.RETURNING),
        ("Unsuccessful delivery attempt - recipient not at home", S.FAILED_DELIVERY),
        ("Awaiting collection at the post office", S.AWAITING_PICKUP),
        ("Out for delivery", S.OUT_FOR_DELIVERY),
        ("Arrived at destination country", S.ARRIVED_DESTINATION),
        ("Released by customs", S.CUSTOMS_CLEARED),
        ("Departed from facility", S.IN_TRANSIT),
        ("Shipment information received", S.INFO_RECEIVED),
    ],
    "zh": [
        ("已签收，签收人：本人", S.DELIVERED),
        ("妥投", S.DELIVERED),
        ("清关中", S.CUSTOMS),
        ("海关扣留", S.CUSTOMS_HOLD),
        ("到达待取", S.AWAITING_PICKUP),
        ("退回寄件人", S.RETURNING),
        ("离开深圳处理中心", S.IN_TRANSIT),
        ("派送中", S.OUT_FOR_DELIVERY),
    ],
    "es": [
        ("Entregado", S.DELIVERED),
        ("Retenido en aduana", S.CUSTOMS_HOLD),
        ("Disponible para recoger en oficina", S.AWAITING_PICKUP),
        ("En reparto", S.OUT_FOR_DELIVERY),
        ("Devuelto al remitente", S.RETURNING),
    ],
    "ru": [
        ("Вручено адресату", S.DELIVERED),
        ("Прибыло в место вручения", S.AWAITING_PICKUP),
        ("Таможенное оформление", S.CUSTOMS),
        ("Возврат отправителю", S.RETURNING),
    ],
    "fr": [
        ("Votre colis est livré", S.DELIVERED),
        ("Retenu en douane", S.CUSTOMS_HOLD),
        ("Disponible au bureau de poste", S.AWAITING_PICKUP),
    ],
    "de": [
        ("Die Sendung wurde zugestellt", S.DELIVERED),
        ("Zustellversuch erfolglos", S.FAILED_DELIVERY),
        ("Zur Abholung bereit in der Filiale", S.AWAITING_PICKUP),
    ],
    "pt": [
        ("Objeto entregue ao destinatário", S.DELIVERED),
        ("Saiu para entrega", S.OUT_FOR_DELIVERY),
    ],
    "it": [("Consegnato", S.DELIVERED), ("In giacenza presso l'ufficio", S.AWAITING_PICKUP)],
    "pl": [
        ("Przesyłka doręczona", S.DELIVERED),
        ("Awizo - przesyłka do odbioru w placówce", S.AWAITING_PICKUP),
    ],
    "tr": [("Teslim edildi", S.DELIVERED), ("Gümrükte bekletiliyor", S.CUSTOMS_HOLD)],
    "ar": [("تم التسليم", S.DELIVERED), ("محتجز لدى الجمارك", S.CUSTOMS_HOLD)],
    "ja": [("お届け済み", S.DELIVERED), ("通関手続中", S.CUSTOMS)],
    "ko": [("배달 완료", S.DELIVERED), ("통관 진행", S.CUSTOMS)],
}


def test_every_language_rule_set_reads_its_samples() -> None:
    walked = 0
    for language, samples in SAMPLES.items():
        assert language in RULES
        for text, status in samples:
            assert normalise("EV", text) == Normalised(status, mapped=True), (language, text)
            walked += 1
    assert len(SAMPLES) == 13
    assert walked == 47


def test_source_codes_name_their_status() -> None:
    codes = {
        "InfoReceived": S.INFO_RECEIVED,
        "Pending": S.INFO_RECEIVED,
        "InTransit": S.IN_TRANSIT,
        "OutForDelivery": S.OUT_FOR_DELIVERY,
        "AttemptFail": S.FAILED_DELIVERY,
        "AvailableForPickup": S.AWAITING_PICKUP,
        "Exception": S.EXCEPTION,
        "Expired": S.EXPIRED,
        "InTransit_CustomsRequiringInformation": S.CUSTOMS_HOLD,
        "Exception_Returning": S.RETURNING,
        "Exception_Returned": S.RETURNED,
        "Exception_Lost": S.LOST,
        "customs_cleared": S.CUSTOMS_CLEARED,
    }
    for code, status in codes.items():
        assert code_status(code) is status, code
    assert len(codes) == 13


def test_the_source_status_wins_then_the_shop_rule_then_the_code_then_the_text() -> None:
    assert normalise("X", "Delivered", S.LOST) == Normalised(S.LOST, mapped=True)
    rules = {"paket im depot xy": S.AWAITING_PICKUP}
    assert normalise("Z1", "Paket  im DEPOT xy", None, rules).status is S.AWAITING_PICKUP
    assert normalise("OutForDelivery", "Delivered").status is S.OUT_FOR_DELIVERY
    assert normalise("Z1", "Delivered").status is S.DELIVERED
    assert normalise("已签收", "").status is S.DELIVERED  # a file whose status column is text


def test_words_no_rule_knows_stay_in_transit_flagged() -> None:
    assert normalise("X9", "Zxq blorp facility") == UNMAPPED
    assert Normalised(S.IN_TRANSIT, mapped=False) == UNMAPPED


def test_specific_rules_come_before_general_ones() -> None:
    assert text_status(normal_text("Delivery failed: not delivered")) is S.FAILED_DELIVERY
    assert text_status(normal_text("Returned to sender, delivered to shipper")) is S.RETURNING
    assert text_status(normal_text("Customs clearance completed")) is S.CUSTOMS_CLEARED


def test_normal_text_folds_width_case_and_spaces() -> None:
    assert normal_text("  ＤＥＬＩＶＥＲＥＤ\t to\n\nBuyer ") == "delivered to buyer"


@given(st.text(max_size=80), st.text(max_size=200))
def test_any_text_maps_to_a_status_and_unmapped_ones_are_flagged(code: str, text: str) -> None:
    result = normalise(code, text)
    assert isinstance(result.status, S)
    if not result.mapped:
        assert result.status is S.IN_TRANSIT
        assert code_status(code) is None
        assert text_status(normal_text(text)) is None
        assert text_status(normal_text(code)) is None
    else:
        assert (
            code_status(code) is not None
            or text_status(normal_text(text)) is not None
            or text_status(normal_text(code)) is not None
        )


# --- where a parcel stands ------------------------------------------------------------------

T0 = datetime(2026, 11, 1, 8, 0, tzinfo=UTC)


def _at(hours: int) -> datetime:
    return T0 + timedelta(hours=hours)


def test_the_latest_by_time_wins_and_since_is_when_the_status_began() -> None:
    events = [(_at(0), "in_transit"), (_at(5), "awaiting_pickup"), (_at(9), "awaiting_pickup")]
    assert standing(events) == Standing("awaiting_pickup", _at(9), _at(5))
    assert standing(events[:1]) == Standing("in_transit", _at(0), _at(0))


def test_new_events_move_a_parcel_on_and_an_older_one_asks_for_the_history() -> None:
    now = Standing("in_transit", _at(10), _at(2))
    assert move_on(now, [(_at(12), "in_transit")]) == Standing("in_transit", _at(12), _at(2))
    assert move_on(now, [(_at(11), "customs"), (_at(12), "customs")]) == Standing(
        "customs", _at(12), _at(11)
    )
    assert move_on(now, [(_at(10), "delivered")]) == Standing("delivered", _at(10), _at(10))
    assert move_on(now, [(_at(9), "customs"), (_at(12), "delivered")]) is None
    assert move_on(None, [(_at(1), "info_received")]) == Standing("info_received", _at(1), _at(1))


@given(
    st.lists(
        st.tuples(st.integers(0, 50), st.sampled_from(["in_transit", "customs", "delivered"])),
        min_size=1,
        max_size=12,
    ),
    st.integers(1, 11),
)
def test_moving_on_in_any_split_agrees_with_reading_the_whole_history(
    raw: list[tuple[int, str]], cut: int
) -> None:
    """However events arrive, the parcel ends where its whole history, in time order, puts
    it (ties keep arrival order)."""
    arrived = [(_at(h), s) for h, s in raw]
    first, later = arrived[:cut], arrived[cut:]
    state = standing(sorted(first, key=lambda e: e[0]))
    if not later:
        return
    moved = move_on(state, sorted(later, key=lambda e: e[0]))
    if moved is None:
        assert min(at for at, _ in later) < max(at for at, _ in first)
    else:
        assert moved == standing(sorted(arrived, key=lambda e: e[0]))
