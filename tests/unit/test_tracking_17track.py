"""17TRACK v2.2 (issue 21): its statuses in kefu's status set, the client reading the
published documents (tests/data/17track/), the sandbox refusing what 17TRACK refuses, and
the refresh's quota arithmetic and back-off."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st
from starlette.testclient import TestClient

from kefu.adapters.tracking.sandbox import KEY, TrackingFace, create_tracking_sandbox
from kefu.adapters.tracking.seventeen_track import NO_STAGE, SeventeenTrack, parse_track_info
from kefu.domain.tracking_17track import (
    STATUSES,
    SUB_STATUSES,
    code_of,
    event_status,
    status_of,
)
from kefu.domain.tracking_polls import MOVING, health, next_poll, spendable
from kefu.domain.types import TrackingStatus as S
from kefu.services.ports import TrackingProviderError, TrackRequest

DATA = Path(__file__).parent.parent / "data" / "17track"
T0 = datetime(2026, 12, 1, 8, tzinfo=UTC)

MAIN = [
    ("NotFound", None),
    ("InfoReceived", S.INFO_RECEIVED),
    ("InTransit", S.IN_TRANSIT),
    ("Expired", S.EXPIRED),
    ("AvailableForPickup", S.AWAITING_PICKUP),
    ("OutForDelivery", S.OUT_FOR_DELIVERY),
    ("DeliveryFailure", S.FAILED_DELIVERY),
    ("Delivered", S.DELIVERED),
    ("Exception", S.EXCEPTION),
]
SUB = [
    ("InTransit", "InTransit_CustomsProcessing", S.CUSTOMS),
    ("InTransit", "InTransit_CustomsReleased", S.CUSTOMS_CLEARED),
    ("InTransit", "InTransit_CustomsRequiringInformation", S.CUSTOMS_HOLD),
    ("InTransit", "InTransit_Arrival", S.ARRIVED_DESTINATION),
    ("InTransit", "InTransit_PickedUp", S.IN_TRANSIT),
    ("InTransit", "InTransit_Departure", S.IN_TRANSIT),
    ("InTransit", "InTransit_Other", S.IN_TRANSIT),
    ("DeliveryFailure", "DeliveryFailure_InvalidAddress", S.FAILED_DELIVERY),
    ("DeliveryFailure", "DeliveryFailure_NoBody", S.FAILED_DELIVERY),
    ("Exception", "Exception_Returning", S.RETURNING),
    ("Exception", "Exception_Returned", S.RETURNED),
    ("Exception", "Exception_Lost", S.LOST),
    ("Exception", "Exception_Destroyed", S.LOST),
    ("Exception", "Exception_Delayed", S.IN_TRANSIT),
    ("Exception", "Exception_Damage", S.EXCEPTION),
    ("Exception", "Exception_Other", S.EXCEPTION),
    ("NotFound", "NotFound_InvalidCode", None),
    ("NotFound", "NotFound_Other", None),
    ("Delivered", "Delivered_Other", S.DELIVERED),
    ("Expired", "Expired_Other", S.EXPIRED),
]


@pytest.mark.parametrize(("status", "expected"), MAIN)
def test_each_main_status_maps(status: str, expected: S | None) -> None:
    assert status_of(status) == expected


@pytest.mark.parametrize(("status", "sub", "expected"), SUB)
def test_each_sub_status_maps(status: str, sub: str, expected: S | None) -> None:
    assert status_of(status, sub) == expected
    assert status_of(None, sub) == expected  # an event's stage alone says as much


def test_the_tables_are_walked_whole() -> None:
    walked = 0
    for status, expected in STATUSES.items():
        assert status_of(status) == expected
        walked += 1
    for sub, expected in SUB_STATUSES.items():
        assert status_of(sub.split("_")[0], sub) == expected
        walked += 1
    assert walked == len(MAIN) + len(SUB_STATUSES) == 9 + 11
    assert {s for s, _ in MAIN} == set(STATUSES)


def test_unknown_and_missing_statuses_are_not_guessed() -> None:
    assert status_of("Teleported") is None
    assert status_of(None, None) is None
    assert code_of(None, None) == "NotFound"
    assert code_of("InTransit", "InTransit_CustomsProcessing") == "InTransit_CustomsProcessing"
    assert code_of("Delivered", None) == "Delivered"


def test_generic_stages_leave_the_words_to_decide() -> None:
    assert event_status("InTransit_Other") is None
    assert event_status("InTransit") is None
    assert event_status("") is None
    assert event_status(None) is None
    assert event_status("InTransit_CustomsProcessing") == S.CUSTOMS


# --- the client on recorded documents ---


def _load(name: str) -> Any:
    return json.loads((DATA / name).read_text(encoding="utf-8"))


def _client(document: Any, status: int = 200, seen: list[httpx.Request] | None = None) -> Any:
    def answer(request: httpx.Request) -> httpx.Response:
        if seen is not None:
            seen.append(request)
        return httpx.Response(status, json=document)

    return SeventeenTrack(
        "https://api.17track.net/track/v2.2",
        "the-key",
        httpx.Client(transport=httpx.MockTransport(answer)),
    )


def test_register_reads_accepted_and_refused_and_sends_the_key() -> None:
    seen: list[httpx.Request] = []
    answer = _client(_load("register.json"), seen=seen).register(
        [TrackRequest("RR123456789CN"), TrackRequest("1234", "3011")]
    )
    assert answer.accepted == (TrackRequest("RR123456789CN", "3011"),)
    assert [(r.number, r.code) for r in answer.refused] == [("1234", "-18010012")]
    request = seen[0]
    assert request.url.path == "/track/v2.2/register"
    assert request.headers["17token"] == "the-key"
    assert json.loads(request.content) == [
        {"number": "RR123456789CN"},
        {"number": "1234", "carrier": 3011},
    ]


def test_a_number_registered_twice_is_refused_with_its_code() -> None:
    answer = _client(_load("register_twice.json")).register([TrackRequest("RR123456789CN")])
    assert answer.accepted == ()
    assert answer.refused[0].code == "-18019901"


def test_track_info_turns_the_delivered_document_into_events() -> None:
    answer = _client(_load("gettrackinfo.json")).track_info([TrackRequest("RR123456789CN")])
    (info,) = answer.infos
    assert (info.number, info.carrier, info.status, info.code) == (
        "RR123456789CN",
        "3011",
        S.DELIVERED,
        "Delivered_Other",
    )
    assert [(e.code, e.status) for e in info.events] == [
        ("InfoReceived", S.INFO_RECEIVED),
        ("InTransit_PickedUp", S.IN_TRANSIT),
        ("Delivered", S.DELIVERED),
    ]
    first = info.events[0]
    assert first.occurred_at == datetime(2022, 4, 25, 2, tzinfo=UTC)
    assert first.occurred_at.utcoffset() == timedelta(hours=8)  # the carrier's local time kept
    assert (first.location, first.description) == ("SHENZHEN", "Order information received")
    assert [(r.number, r.code) for r in answer.refused] == [("LX123456785CN", "-18019902")]


def test_events_of_two_providers_are_merged_once_and_bad_times_left_out() -> None:
    item = _load("gettrackinfo_customs.json")["data"]["accepted"][0]
    info = parse_track_info(item)
    assert info.status == S.CUSTOMS_HOLD
    assert [(e.code, e.status) for e in info.events] == [
        ("InTransit_PickedUp", S.IN_TRANSIT),
        ("InTransit_Departure", S.IN_TRANSIT),
        (NO_STAGE, None),  # no stage: the words decide
        ("InTransit_CustomsRequiringInformation", S.CUSTOMS_HOLD),
    ]
    assert len(info.events) == 4  # 6 listed: one repeated, one without an offset


def test_quota_is_read() -> None:
    quota = _client(_load("getquota.json")).quota()
    assert (quota.total, quota.used, quota.remaining, quota.daily_max) == (3000, 2980, 20, 1000)


def test_a_bad_key_is_a_failure_no_retry_cures() -> None:
    with pytest.raises(TrackingProviderError) as caught:
        _client(_load("invalid_key.json"), status=401).quota()
    assert caught.value.code == "-18010002"
    assert not caught.value.retryable
    assert "Invalid security key" in str(caught.value)


def test_provider_down_and_unreachable_are_retryable() -> None:
    with pytest.raises(TrackingProviderError) as caught:
        _client({"code": -18010003, "data": {"errors": []}}, status=503).quota()
    assert caught.value.retryable

    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    client = SeventeenTrack(
        "http://127.0.0.1:9", "k", httpx.Client(transport=httpx.MockTransport(refuse))
    )
    with pytest.raises(TrackingProviderError, match="unreachable"):
        client.quota()


def test_more_than_forty_numbers_never_leave_kefu() -> None:
    with pytest.raises(ValueError, match="at most 40"):
        _client({}).register([TrackRequest(f"RR{n:09d}CN") for n in range(41)])


# --- the sandbox refuses what 17TRACK refuses ---


class Hands:
    """The sandbox's clock, moved by the test."""

    def __init__(self) -> None:
        self.at = T0

    def __call__(self) -> datetime:
        return self.at


@pytest.fixture
def hands() -> Hands:
    return Hands()


@pytest.fixture
def face(hands: Hands) -> TrackingFace:
    return TrackingFace(quota_total=5, daily_max=4, now=hands)


def _sandbox(face: TrackingFace, key: str = KEY) -> SeventeenTrack:
    client = TestClient(create_tracking_sandbox(face))
    return SeventeenTrack("http://testserver/track/v2.2", key, client)


def test_sandbox_refuses_a_wrong_key(face: TrackingFace) -> None:
    with pytest.raises(TrackingProviderError) as caught:
        _sandbox(face, key="wrong").quota()
    assert caught.value.code == "-18010002"


def test_sandbox_refuses_more_than_forty_numbers(face: TrackingFace) -> None:
    client = TestClient(create_tracking_sandbox(face))
    body = [{"number": f"RR{n:09d}CN"} for n in range(41)]
    answer = client.post("/track/v2.2/register", json=body, headers={"17token": KEY})
    assert answer.json()["code"] == -18010014
    assert face.numbers == {}


def test_sandbox_refuses_twice_malformed_and_unregistered(face: TrackingFace) -> None:
    sandbox = _sandbox(face)
    first = sandbox.register([TrackRequest("RR123456789CN"), TrackRequest("12#4")])
    assert first.accepted == (TrackRequest("RR123456789CN", "3011"),)
    assert [r.code for r in first.refused] == ["-18010012"]
    again = sandbox.register([TrackRequest("RR123456789CN")])
    assert [r.code for r in again.refused] == ["-18019901"]
    unknown = sandbox.track_info([TrackRequest("LX123456785CN")])
    assert [r.code for r in unknown.refused] == ["-18019902"]


def test_sandbox_quota_and_daily_limit(face: TrackingFace, hands: Hands) -> None:
    sandbox = _sandbox(face)
    numbers = [TrackRequest(f"RR00000000{n}CN") for n in range(6)]
    answer = sandbox.register(numbers)
    assert len(answer.accepted) == 4
    assert [r.code for r in answer.refused] == ["-18019907", "-18019907"]  # the day's 4
    hands.at = T0 + timedelta(days=1)
    answer = sandbox.register(numbers[4:])
    assert len(answer.accepted) == 1
    assert [r.code for r in answer.refused] == ["-18019908"]  # the plan's 5
    quota = sandbox.quota()
    assert (quota.total, quota.used, quota.remaining, quota.daily_max) == (5, 5, 0, 4)


def test_sandbox_plays_the_story_as_time_passes_and_stops(face: TrackingFace, hands: Hands) -> None:
    face.seed("RR123456789CN", "delivered")
    sandbox = _sandbox(face)
    sandbox.register([TrackRequest("RR123456789CN")])
    (info,) = sandbox.track_info([TrackRequest("RR123456789CN")]).infos
    assert info.status == S.INFO_RECEIVED and len(info.events) == 1
    hands.at = T0 + timedelta(hours=135)
    (info,) = sandbox.track_info([TrackRequest("RR123456789CN")]).infos
    assert info.status == S.CUSTOMS and len(info.events) == 5
    hands.at = T0 + timedelta(days=30)
    (info,) = sandbox.track_info([TrackRequest("RR123456789CN")]).infos
    assert info.status == S.DELIVERED and len(info.events) == 8
    assert len(sandbox.stop([TrackRequest("RR123456789CN")]).accepted) == 1
    assert [r.code for r in sandbox.stop([TrackRequest("RR123456789CN")]).refused] == ["-18019906"]


def test_sandbox_down_then_up(face: TrackingFace) -> None:
    sandbox = _sandbox(face)
    face.fail_next(1)
    with pytest.raises(TrackingProviderError) as caught:
        sandbox.quota()
    assert caught.value.retryable
    assert sandbox.quota().remaining == 5


# --- quota arithmetic and back-off ---


@given(
    remaining=st.one_of(st.none(), st.integers(-5, 10_000)),
    reserve=st.integers(-5, 500),
    wanted=st.integers(-5, 10_000),
)
def test_never_over_quota(remaining: int | None, reserve: int, wanted: int) -> None:
    spent = spendable(remaining, reserve, wanted)
    assert spent >= 0
    assert spent <= max(0, wanted)
    if remaining is None:
        assert spent == 0
    else:
        assert spent <= max(0, remaining - max(0, reserve))
        # everything wanted is spent when the quota allows it
        if 0 <= wanted <= remaining - max(0, reserve):
            assert spent == wanted


def test_back_off_slows_with_silence_and_stops_when_final() -> None:
    now = T0
    assert next_poll(now, S.IN_TRANSIT, now - timedelta(hours=1), None) == now + MOVING
    assert next_poll(now, S.IN_TRANSIT, now - timedelta(days=4), None) == now + timedelta(hours=12)
    assert next_poll(now, S.IN_TRANSIT, now - timedelta(days=11), None) == now + timedelta(days=1)
    assert next_poll(now, None, None, now) == now + MOVING  # registered, nothing yet
    for final in (S.DELIVERED, S.RETURNED, S.EXPIRED):
        assert next_poll(now, final, now, now) is None


def test_provider_health_says_stale_until_the_next_success() -> None:
    assert health(None, None) == "never"
    assert health(None, T0) == "ok"
    assert health(T0, T0 - timedelta(hours=1)) == "stale"
    assert health(T0, None) == "stale"


def test_unseeded_numbers_have_no_events_unless_autoplay(face: TrackingFace, hands: Hands) -> None:
    sandbox = _sandbox(face)
    sandbox.register([TrackRequest("RR123456789CN")])
    hands.at = T0 + timedelta(days=30)
    (info,) = sandbox.track_info([TrackRequest("RR123456789CN")]).infos
    assert (info.status, info.code, info.events) == (None, "NotFound_Other", ())
    playing = TrackingFace(autoplay=True, now=hands)
    client = TestClient(create_tracking_sandbox(playing))
    assert client.post("/stories", json={"number": "X"}).status_code == 422
    assert client.post("/stories", json={"number": "LX1", "story": "pickup"}).status_code == 200
    auto = SeventeenTrack("http://testserver/track/v2.2", KEY, client)
    auto.register([TrackRequest("RR123456789CN"), TrackRequest("LX123456785CN")])
    hands.at = T0 + timedelta(days=60)
    infos = auto.track_info([TrackRequest("RR123456789CN"), TrackRequest("LX123456785CN")]).infos
    assert all(info.events for info in infos)
    assert playing.seeded == {"LX1": "pickup"}
