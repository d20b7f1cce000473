"""kefu's 17TRACK sandbox: the API v2.2 format served locally (docs/tracking.md "Providers").

`kefu serve --sandbox` mounts it at /tracking-sandbox (so the refresh job's URL is
`…/tracking-sandbox/track/v2.2`, key `sandbox-17token`); tests serve it in-process.

It holds the numbers registered and plays a story per number: the story seeded for it
(`TrackingFace.seed`, or `POST /stories {"number", "story"}`), its events falling due as
the sandbox clock passes the registration time plus each step's hours. A number nobody
seeded has no events (17TRACK's "NotFound"), so a demo's own parcels keep the state the
demo gave them; `autoplay=True` gives every number a story chosen by the number itself.
It refuses what 17TRACK refuses, with 17TRACK's codes:

- a missing or wrong `17token`: HTTP 401, code -18010002;
- a body that is not an array of objects: -18010013; more than 40 numbers: -18010014;
- a malformed number (5–50 letters, digits, hyphens): rejected -18010012;
- a number registered twice: rejected -18019901; an unregistered one on gettrackinfo
  or stoptrack: rejected -18019902; one already stopped on stoptrack: -18019906;
- registrations beyond the plan's quota: rejected -18019908; beyond the daily limit:
  -18019907 (`getquota` reports both);
- `fail_next(count)`: the next calls answer HTTP 503, code -18010003 (provider down).
"""

from __future__ import annotations

import re
import threading
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

KEY = "sandbox-17token"
PREFIX = "/track/v2.2"
BATCH = 40
NUMBER = re.compile(r"[A-Za-z0-9-]{5,50}")

# Carrier codes for the shapes the sandbox recognises (17TRACK's published list: China Post
# 3011, USPS 21051, DHL 100001, UPS 100002, FedEx 100003); 9999: the sandbox's own.
CARRIERS = ((re.compile(r"^[A-Z]{2}\d{9}CN$"), 3011), (re.compile(r"^1Z"), 100002))
OTHER_CARRIER = 9999

# (hours after registration, stage, description, location)
Step = tuple[float, str, str, str]
STORIES: dict[str, tuple[Step, ...]] = {
    "delivered": (
        (0, "InfoReceived", "Shipping information received", "SHENZHEN"),
        (12, "InTransit_PickedUp", "Accepted by the carrier", "SHENZHEN"),
        (30, "InTransit_Departure", "Departed from the origin country", "SHENZHEN"),
        (120, "InTransit_Arrival", "Arrived in the destination country", "FRANKFURT"),
        (130, "InTransit_CustomsProcessing", "Held for customs processing", "FRANKFURT"),
        (150, "InTransit_CustomsReleased", "Released by customs", "FRANKFURT"),
        (170, "OutForDelivery_Other", "Out for delivery", "BERLIN"),
        (180, "Delivered_Other", "Delivered to the recipient", "BERLIN"),
    ),
    "pickup": (
        (0, "InfoReceived", "Shipping information received", "SHENZHEN"),
        (12, "InTransit_PickedUp", "Accepted by the carrier", "SHENZHEN"),
        (110, "InTransit_Arrival", "Arrived in the destination country", "MADRID"),
        (160, "AvailableForPickup_Other", "Waiting at the post office for collection", "MADRID"),
    ),
    "customs_hold": (
        (0, "InfoReceived", "Shipping information received", "SHENZHEN"),
        (12, "InTransit_PickedUp", "Accepted by the carrier", "SHENZHEN"),
        (100, "InTransit_Arrival", "Arrived in the destination country", "NEW YORK"),
        (
            120,
            "InTransit_CustomsRequiringInformation",
            "Customs clearance information required",
            "NEW YORK",
        ),
    ),
    "returned": (
        (0, "InfoReceived", "Shipping information received", "SHENZHEN"),
        (12, "InTransit_PickedUp", "Accepted by the carrier", "SHENZHEN"),
        (150, "DeliveryFailure_InvalidAddress", "Delivery failed: address incomplete", "PARIS"),
        (200, "Exception_Returning", "Returning to sender", "PARIS"),
        (400, "Exception_Returned", "Returned to sender", "SHENZHEN"),
    ),
    "silent": (
        (0, "InfoReceived", "Shipping information received", "SHENZHEN"),
        (12, "InTransit_PickedUp", "Accepted by the carrier", "SHENZHEN"),
    ),
}
ERRORS = {
    -18010002: "Invalid security key.",
    -18010003: "Internal service error.",
    -18010012: "The format of '{0}' is invalid.",
    -18010013: "Invalid submitted data.",
    -18010014: "The number of submitted tracking numbers exceeds the limit of 40.",
    -18019901: "The tracking number '{0}' has been registered, don't need to repeat registration.",
    -18019902: "The tracking number '{0}' does not register, please register first.",
    -18019906: "Only tracking numbers that are being tracked can be stopped.",
    -18019907: "Exceeds the daily tracking limit.",
    -18019908: "The quota is not enough.",
}


@dataclass
class Number:
    number: str
    carrier: int
    registered_at: datetime
    story: tuple[Step, ...]
    tracking: bool = True


@dataclass
class TrackingFace:
    """The sandbox's state; tests seed stories, move `now`, read what was registered."""

    key: str = KEY
    quota_total: int = 1000
    daily_max: int = 500
    now: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))
    numbers: dict[str, Number] = field(default_factory=dict)
    seeded: dict[str, str] = field(default_factory=dict)
    used: int = 0
    by_day: dict[str, int] = field(default_factory=dict)
    calls: list[str] = field(default_factory=list)
    failing: int = 0
    autoplay: bool = False
    lock: threading.Lock = field(default_factory=threading.Lock)

    def seed(self, number: str, story: str) -> None:
        """Play this story for the number once it is registered."""
        if story not in STORIES:
            raise ValueError(f"no story {story!r}; one of {', '.join(STORIES)}")
        self.seeded[number] = story

    def fail_next(self, count: int = 1) -> None:
        """The next `count` calls fail as a provider that is down (HTTP 503)."""
        with self.lock:
            self.failing += count

    def story_of(self, number: str) -> tuple[Step, ...]:
        name = self.seeded.get(number)
        if name is None and self.autoplay:
            names = sorted(STORIES)
            name = names[zlib.crc32(number.encode()) % len(names)]
        return STORIES[name] if name else ()

    # --- the calls ---

    def register(self, items: list[dict[str, Any]]) -> dict[str, Any]:
        accepted, rejected = [], []
        now = self.now()
        day = now.date().isoformat()
        for item in items:
            number = str(item.get("number") or "")
            if not NUMBER.fullmatch(number):
                rejected.append(_rejected(number, -18010012))
            elif number in self.numbers:
                rejected.append(_rejected(number, -18019901))
            elif self.used >= self.quota_total:
                rejected.append(_rejected(number, -18019908))
            elif self.by_day.get(day, 0) >= self.daily_max:
                rejected.append(_rejected(number, -18019907))
            else:
                carrier = _carrier(number, item.get("carrier"))
                self.numbers[number] = Number(number, carrier, now, self.story_of(number))
                self.used += 1
                self.by_day[day] = self.by_day.get(day, 0) + 1
                accepted.append({"origin": 1, "number": number, "carrier": carrier})
        return _ok(accepted, rejected)

    def gettrackinfo(self, items: list[dict[str, Any]]) -> dict[str, Any]:
        accepted, rejected = [], []
        for item in items:
            number = str(item.get("number") or "")
            held = self.numbers.get(number)
            if held is None:
                rejected.append(_rejected(number, -18019902))
            else:
                accepted.append(self._track_info(held))
        return _ok(accepted, rejected)

    def stoptrack(self, items: list[dict[str, Any]]) -> dict[str, Any]:
        accepted, rejected = [], []
        for item in items:
            number = str(item.get("number") or "")
            held = self.numbers.get(number)
            if held is None:
                rejected.append(_rejected(number, -18019902))
            elif not held.tracking:
                rejected.append(_rejected(number, -18019906))
            else:
                held.tracking = False
                accepted.append({"number": number, "carrier": held.carrier})
        return _ok(accepted, rejected)

    def getquota(self) -> dict[str, Any]:
        return {
            "code": 0,
            "data": {
                "quota_total": self.quota_total,
                "quota_used": self.used,
                "quota_remain": max(0, self.quota_total - self.used),
                "max_track_daily": self.daily_max,
                "free_email_quota": 0,
                "free_email_quotaused": 0,
            },
        }

    def _track_info(self, held: Number) -> dict[str, Any]:
        now = self.now()
        events = []
        for hours, stage, description, location in held.story:
            at = held.registered_at + timedelta(hours=hours)
            if at <= now:
                events.append(
                    {
                        "time_iso": at.isoformat(timespec="seconds"),
                        "time_utc": at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
                        "description": description,
                        "location": location,
                        "stage": stage,
                    }
                )
        events.reverse()  # 17TRACK lists the newest first
        stage = events[0]["stage"] if events else "NotFound_Other"
        status = stage.split("_", 1)[0]
        latest = {"status": status, "sub_status": stage, "sub_status_descr": None}
        return {
            "number": held.number,
            "carrier": held.carrier,
            "tag": None,
            "track_info": {
                "latest_status": latest,
                "latest_event": events[0] if events else None,
                "tracking": {
                    "providers": [
                        {
                            "provider": {"key": held.carrier, "name": "Sandbox Post"},
                            "latest_sync_status": "Success",
                            "events": events,
                        }
                    ]
                },
            },
        }


def _carrier(number: str, asked: object) -> int:
    if isinstance(asked, int) and asked > 0:
        return asked
    for shape, code in CARRIERS:
        if shape.match(number):
            return code
    return OTHER_CARRIER


def _rejected(number: str, code: int) -> dict[str, Any]:
    return {"number": number, "error": {"code": code, "message": ERRORS[code].format(number)}}


def _ok(accepted: list[dict[str, Any]], rejected: list[dict[str, Any]]) -> dict[str, Any]:
    return {"code": 0, "data": {"accepted": accepted, "rejected": rejected}}


def _failure(code: int, status: int = 200) -> JSONResponse:
    message = ERRORS[code]
    body = {"code": code, "data": {"errors": [{"code": code, "message": message}]}}
    return JSONResponse(body, status_code=status)


async def _stories(request: Request) -> JSONResponse:
    """Test and demo helper: `POST /stories {"number": n, "story": name}`."""
    face: TrackingFace = request.app.state.face
    try:
        body = await request.json()
        face.seed(str(body["number"]), str(body["story"]))
    except (ValueError, KeyError, TypeError) as exc:
        return JSONResponse({"error": str(exc)}, status_code=422)
    return JSONResponse({"number": body["number"], "story": body["story"]})


async def _faults(request: Request) -> JSONResponse:
    """Test helper: `POST /faults {"count": n}` makes the next n calls fail."""
    face: TrackingFace = request.app.state.face
    body = await request.json()
    count = body.get("count", 1) if isinstance(body, dict) else 1
    face.fail_next(int(count))
    return JSONResponse({"failing": face.failing})


def create_tracking_sandbox(face: TrackingFace | None = None) -> Starlette:
    """The sandbox app; `app.state.face` is its state."""
    face = face or TrackingFace()
    calls: dict[str, Callable[[list[dict[str, Any]]], dict[str, Any]]] = {
        "register": face.register,
        "gettrackinfo": face.gettrackinfo,
        "stoptrack": face.stoptrack,
        "getquota": lambda _items: face.getquota(),
    }

    async def call(request: Request) -> JSONResponse:
        name = request.path_params["call"]
        if name not in calls:
            return JSONResponse({"code": 404, "data": {"errors": []}}, status_code=404)
        if request.headers.get("17token") != face.key:
            return _failure(-18010002, 401)
        try:
            body = await request.json()
        except ValueError:
            return _failure(-18010013)
        with face.lock:
            face.calls.append(name)
            if face.failing:
                face.failing -= 1
                return _failure(-18010003, 503)
            if not isinstance(body, list) or not all(isinstance(i, dict) for i in body):
                return _failure(-18010013)
            if len(body) > BATCH:
                return _failure(-18010014)
            return JSONResponse(calls[name](body))

    app = Starlette(
        routes=[
            Route(PREFIX + "/{call}", call, methods=["POST"]),
            Route("/faults", _faults, methods=["POST"]),
            Route("/stories", _stories, methods=["POST"]),
        ]
    )
    app.state.face = face
    return app
