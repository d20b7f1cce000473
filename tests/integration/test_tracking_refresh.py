"""The tracking refresh against the 17TRACK sandbox on a real database (issue 21;
docs/tracking.md "Providers"): registration within the quota, polling with back-off,
events stored once, final parcels stopped, and the provider's state when it fails."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from cryptography.fernet import Fernet
from pydantic import SecretStr
from sqlalchemy import insert, select, update
from starlette.testclient import TestClient
from typer.testing import CliRunner

from kefu.adapters.db import tables as t
from kefu.adapters.tracking.sandbox import KEY, TrackingFace, create_tracking_sandbox
from kefu.adapters.tracking.seventeen_track import SeventeenTrack
from kefu.bootstrap import Kefu
from kefu.cli.main import app as cli
from kefu.domain.types import TrackingStatus
from kefu.services import sync
from kefu.services.ports import ProviderState
from kefu.services.tracking_refresh import RefreshOptions, RefreshReport, refresh
from kefu.web.app import create_app
from tests.factories import NOW, acting
from tests.fakes import FixedClock
from tests.sandbox_server import APP_KEY, SECRET, TOKEN, aliexpress_face, serve_app, serve_sandbox
from tests.web import signed_in

CATALOG = "LX123456789CN"  # A-STUCK's parcel in the test catalog, shipped 9 days ago
NEW = "RB123456785CN"


@pytest.fixture
def face(clock: FixedClock) -> TrackingFace:
    face = TrackingFace(now=clock.now)
    face.seed(CATALOG, "customs_hold")
    return face


def _provider(face: TrackingFace, key: str = KEY) -> SeventeenTrack:
    return SeventeenTrack(
        "http://testserver/track/v2.2", key, TestClient(create_tracking_sandbox(face))
    )


def _run(kefu: Kefu, face: TrackingFace, key: str = KEY, **options: object) -> RefreshReport:
    return refresh(
        kefu.uow,
        _provider(face, key),
        kefu.clock,
        options=RefreshOptions(**options),  # type: ignore[arg-type]
    )


def _add_parcel(kefu: Kefu, number: str, days_ago: float = 2, order: str = "A-PAID") -> None:
    with kefu.uow() as uow:
        session = uow.tracking.session
        order_id = session.execute(
            select(t.Order.id).where(t.Order.order_number == order)
        ).scalar_one()
        session.execute(
            insert(t.Parcel).values(
                order_id=order_id,
                carrier="China Post",
                tracking_number=number,
                shipped_at=NOW - timedelta(days=days_ago),
            )
        )
        uow.commit()


def _parcel(kefu: Kefu, number: str) -> t.Parcel:
    with kefu.uow() as uow:
        session = uow.tracking.session
        parcel = session.execute(
            select(t.Parcel).where(t.Parcel.tracking_number == number)
        ).scalar_one()
        session.expunge(parcel)
        return parcel


def _events(kefu: Kefu, number: str) -> int:
    with kefu.uow() as uow:
        rows = uow.tracking.session.execute(
            select(t.TrackingEvent.id).join(t.Parcel).where(t.Parcel.tracking_number == number)
        ).all()
    return len(rows)


def _state(kefu: Kefu) -> ProviderState:
    with kefu.uow() as uow:
        state = uow.tracking_polls.state("17track")
    assert state is not None
    return state


def test_registers_shipped_parcels_and_stores_polled_events_once(
    kefu: Kefu, face: TrackingFace, clock: FixedClock
) -> None:
    face.seed(NEW, "delivered")
    _add_parcel(kefu, NEW)
    _add_parcel(kefu, "RR000000000CN", days_ago=90)  # shipped too long ago: left alone
    first = _run(kefu, face)
    assert (first.registered, first.polled, first.events, first.error) == (2, 2, 2, None)
    assert sorted(face.numbers) == [CATALOG, NEW]
    parcel = _parcel(kefu, NEW)
    assert parcel.provider == "17track" and parcel.provider_carrier == "3011"
    assert parcel.registered_at == NOW and parcel.polled_at == NOW
    assert parcel.latest_status == TrackingStatus.INFO_RECEIVED
    assert parcel.next_poll_at == NOW + timedelta(hours=6)
    assert _events(kefu, NEW) == 1

    again = _run(kefu, face)  # nothing is due yet, nothing to register
    assert (again.registered, again.polled, again.events) == (0, 0, 0)

    clock.advance(hours=7)  # due; the story has nothing new until hour 12
    polled = _run(kefu, face)
    assert (polled.polled, polled.events) == (2, 0)
    assert _events(kefu, NEW) == 1  # the same event read twice is stored once
    assert _state(kefu).last_success_at == NOW + timedelta(hours=7)
    assert _state(kefu).quota_used == 2


def test_delivered_parcels_stop_being_polled(
    kefu: Kefu, face: TrackingFace, clock: FixedClock
) -> None:
    face.seed(NEW, "delivered")
    _add_parcel(kefu, NEW)
    _run(kefu, face)
    clock.advance(hours=200)
    report = _run(kefu, face)
    assert report.events == 7 + 3  # both stories' other steps (delivered, customs hold)
    assert report.stopped == 1
    parcel = _parcel(kefu, NEW)
    assert parcel.latest_status == TrackingStatus.DELIVERED
    assert parcel.next_poll_at is None
    assert not face.numbers[NEW].tracking  # the provider was told to stop
    assert face.numbers[CATALOG].tracking  # still held in customs: still followed
    clock.advance(days=5)
    later = _run(kefu, face)
    assert later.polled == 1  # the catalog parcel only
    assert face.calls.count("stoptrack") == 1


def test_a_quota_exceeded_day_spends_nothing_beyond_it(
    kefu: Kefu, face: TrackingFace, clock: FixedClock
) -> None:
    face.quota_total = 4
    numbers = [f"RR00000000{n}CN" for n in range(5)]
    for number in numbers:
        _add_parcel(kefu, number)
    report = _run(kefu, face, reserve=1)  # 4 left, 1 kept: 3 of 6 registered
    assert (report.registered, report.waiting_for_quota, report.quota_left) == (3, 3, 1)
    assert report.error is not None and "quota" in report.error
    assert face.used == 3
    state = _state(kefu)
    assert state.stale_since == NOW
    assert (state.quota_total, state.quota_used) == (4, 3)

    clock.advance(hours=7)
    later = _run(kefu, face, reserve=1)
    assert later.registered == 0 and later.waiting_for_quota == 3
    assert later.polled == 3  # what is registered is still followed
    assert face.used == 3  # the reserve is never spent
    assert _state(kefu).stale_since == NOW  # stale since the first failure

    face.quota_total = 100  # a new plan
    clock.advance(hours=1)
    done = _run(kefu, face, reserve=1)
    assert (done.registered, done.waiting_for_quota, done.error) == (3, 0, None)
    assert _state(kefu).stale_since is None


def test_the_sandbox_refusing_quota_stops_registering(kefu: Kefu, face: TrackingFace) -> None:
    face.daily_max = 2  # the day's limit is not in the quota the job reads
    for n in range(3):
        _add_parcel(kefu, f"RR00000000{n}CN")
    report = _run(kefu, face, reserve=0)
    assert report.registered == 2
    assert report.waiting_for_quota == 2
    assert len(face.numbers) == 2
    unregistered = [
        n
        for n in [CATALOG, *(f"RR00000000{n}CN" for n in range(3))]
        if _parcel(kefu, n).provider is None
    ]
    assert len(unregistered) == 2  # offered again tomorrow


def test_provider_down_then_back(kefu: Kefu, face: TrackingFace, clock: FixedClock) -> None:
    face.fail_next(1)
    down = _run(kefu, face)
    assert down.error is not None and "503" in down.error
    assert (down.registered, down.polled) == (0, 0)
    state = _state(kefu)
    assert (state.stale_since, state.last_error_at, state.last_success_at) == (NOW, NOW, None)

    clock.advance(minutes=15)
    face.fail_next(1)
    _run(kefu, face)
    assert _state(kefu).stale_since == NOW  # still since the first failure

    clock.advance(minutes=15)
    back = _run(kefu, face)
    assert back.error is None and back.registered == 1
    state = _state(kefu)
    assert state.stale_since is None
    assert state.last_success_at == NOW + timedelta(minutes=30)
    assert state.last_error is not None  # the last failure stays on record


def test_a_wrong_key_is_recorded_and_nothing_spent(kefu: Kefu, face: TrackingFace) -> None:
    report = _run(kefu, face, key="not-the-key")
    assert report.error is not None and "-18010002" in report.error
    assert face.numbers == {}
    assert _state(kefu).stale_since == NOW


def test_a_malformed_number_is_refused_once(kefu: Kefu, face: TrackingFace) -> None:
    _add_parcel(kefu, "AB#12")
    first = _run(kefu, face)
    assert (first.registered, first.refused) == (1, 1)
    assert first.refusals == [("AB#12", "-18010012", "The format of 'AB#12' is invalid.")]
    parcel = _parcel(kefu, "AB#12")
    assert parcel.provider == "17track" and parcel.registered_at is None
    second = _run(kefu, face)
    assert (second.registered, second.refused) == (0, 0)


def test_a_number_the_provider_lost_is_registered_again(
    kefu: Kefu, face: TrackingFace, clock: FixedClock
) -> None:
    _run(kefu, face)
    del face.numbers[CATALOG]
    clock.advance(hours=7)
    lost = _run(kefu, face)
    assert lost.polled == 0
    assert _parcel(kefu, CATALOG).provider is None
    again = _run(kefu, face)
    assert again.registered == 1


def test_already_registered_numbers_are_followed_without_spending(
    kefu: Kefu, face: TrackingFace
) -> None:
    face.register([{"number": CATALOG}])  # registered by hand on 17TRACK's site
    report = _run(kefu, face)
    assert report.registered == 0 and report.refused == 0
    assert _parcel(kefu, CATALOG).registered_at == NOW
    assert report.polled == 1


def test_cli_refresh_over_http(
    kefu: Kefu, face: TrackingFace, monkeypatch: pytest.MonkeyPatch
) -> None:
    with serve_app(create_tracking_sandbox(face)) as url:
        monkeypatch.setenv("KEFU_TRACKING_URL", f"{url}/track/v2.2")
        monkeypatch.setenv("KEFU_TRACKING_KEY", KEY)
        result = CliRunner().invoke(
            cli,
            [
                "tracking",
                "refresh",
                "--store",
                "ali-global",
                "--database-url",
                kefu.settings.database_url,
            ],
        )
    assert result.exit_code == 0, result.output
    assert "registered" in result.output and "quota left" in result.output
    assert list(face.numbers) == [CATALOG]
    assert _parcel(kefu, CATALOG).polled_at is not None


def test_cli_without_a_provider_asks_aliexpress(
    kefu: Kefu, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("KEFU_TRACKING_KEY", raising=False)
    result = CliRunner().invoke(
        cli, ["tracking", "refresh", "--database-url", kefu.settings.database_url]
    )
    assert result.exit_code == 0, result.output
    assert "KEFU_TRACKING_KEY" in result.output and "aliexpress" in result.output


def test_store_filter_leaves_other_stores_alone(kefu: Kefu, face: TrackingFace) -> None:
    report = refresh(kefu.uow, _provider(face), kefu.clock, store="ebay-uk")
    assert report.registered == 0
    assert face.numbers == {}


def test_the_api_says_since_when_data_is_stale(
    kefu: Kefu, face: TrackingFace, clock: FixedClock
) -> None:
    with signed_in(kefu, "lina") as client:
        assert client.get("/api/v1/tracking/providers").json() == []
        _run(kefu, face)
        clock.advance(hours=1)
        face.fail_next(1)
        _run(kefu, face)
        (provider,) = client.get("/api/v1/tracking/providers").json()
    assert provider["name"] == "17track"
    assert provider["health"] == "stale"
    assert provider["label_zh"] == "物流跟踪数据已过时"
    assert provider["label_en"] == "Tracking data stale"
    assert datetime.fromisoformat(provider["stale_since"]) == NOW + timedelta(hours=1)
    assert datetime.fromisoformat(provider["last_success_at"]) == NOW
    assert (provider["quota_total"], provider["quota_used"], provider["quota_remaining"]) == (
        1000,
        1,
        999,
    )
    assert "503" in provider["last_error"]


def test_the_api_needs_a_signed_in_person(kefu: Kefu) -> None:
    with TestClient(create_app(kefu=kefu)) as client:
        assert client.get("/api/v1/tracking/providers").status_code == 401


# --- AliExpress's own tracking, without a provider ---


def test_aliexpress_parcels_are_tracked_by_aliexpress_without_a_provider(
    kefu: Kefu, clock: FixedClock
) -> None:
    face = aliexpress_face()
    now = datetime.now(UTC).replace(microsecond=0)
    clock._now = now  # the platform checks request times against the real clock
    kefu.settings.secret_key = SecretStr(Fernet.generate_key().decode())
    kefu.__dict__.pop("secrets", None)
    with kefu.uow() as uow:  # the catalog's parcel shipped recently, to Spain
        uow.tracking.session.execute(
            update(t.Parcel)
            .where(t.Parcel.tracking_number == CATALOG)
            .values(shipped_at=now - timedelta(days=3))
        )
        uow.tracking.session.execute(
            update(t.Order)
            .where(t.Order.order_number.in_(["A-STUCK", "A-PAID"]))
            .values(ship_to_country="ES")
        )
        uow.commit()
    _add_parcel(kefu, "LP00123456789CN", order="A-PAID")  # shipped long ago by NOW's clock
    with kefu.uow() as uow:
        uow.tracking.session.execute(
            update(t.Parcel)
            .where(t.Parcel.tracking_number == "LP00123456789CN")
            .values(shipped_at=now - timedelta(days=1))
        )
        uow.commit()
    face.tracking.seed(
        CATALOG,
        [
            (now - timedelta(days=2), "Departed from the sorting center", "SHENZHEN"),
            (now - timedelta(hours=3), "Arrived at the post office, ready for pickup", "MADRID"),
        ],
    )
    with serve_sandbox(face) as url:
        sync.connect_store(
            acting(kefu),
            "ali-global",
            base_url=url,
            credentials={"app_key": APP_KEY, "app_secret": SECRET, "access_token": TOKEN},
            secrets=kefu.secrets,
            uow=kefu.uow(),
            clock=kefu.clock,
        )
        report = kefu.refresh_tracking()
        again = kefu.refresh_tracking()
    assert report.provider == "aliexpress"
    assert (report.polled, report.events, report.registered) == (2, 2, 2)
    assert report.refusals == [
        ("LP00123456789CN", "none", report.refusals[0][2])
    ]  # the platform has no tracking for it: asked again at its next poll
    assert "no tracking information" in report.refusals[0][2]
    assert (again.polled, again.events) == (0, 0)  # not due again for 6 hours
    asked = face.tracking.asked
    assert len(asked) == 2
    assert {a["logistics_no"]: (a["out_ref"], a["to_area"]) for a in asked}[CATALOG] == (
        "A-STUCK",
        "ES",
    )
    parcel = _parcel(kefu, CATALOG)
    assert parcel.provider == "aliexpress"
    assert parcel.latest_status == TrackingStatus.AWAITING_PICKUP
    assert parcel.next_poll_at == now + timedelta(hours=6)
    with kefu.uow() as uow:
        sources = uow.tracking.session.execute(
            select(t.TrackingEvent.source, t.TrackingEvent.code)
            .join(t.Parcel)
            .where(t.Parcel.tracking_number == CATALOG, t.TrackingEvent.source == "marketplace")
        ).all()
    assert len(sources) == 2 and all(code.startswith("ae:") for _, code in sources)
