"""What every tracking source hands kefu, whatever its format (issue 21, docs/tracking.md).

A provider (17TRACK), a marketplace (AliExpress), the webhook and a file import all turn
their documents into `IncomingEvent`s; one use case stores them. An event is the same event
when its carrier, tracking number, time and code are the same: that is the webhook's
idempotency key and the stored event's unique key, so a document read twice adds nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from kefu.domain.errors import InvalidInput
from kefu.domain.types import TrackingStatus

MAX_CODE = 64
MAX_DESCRIPTION = 500
MAX_LOCATION = 200
MAX_NUMBER = 64
MAX_CARRIER = 64

# A parcel in one of these states has nothing more to tell: it is no longer polled.
FINAL = frozenset({TrackingStatus.DELIVERED, TrackingStatus.EXPIRED, TrackingStatus.RETURNED})


class TrackingSource(StrEnum):
    """Where an event came from; each has its own mapping to the one status set."""

    IMPORT = "import"
    WEBHOOK = "webhook"
    SEVENTEEN_TRACK = "17track"
    MARKETPLACE = "marketplace"
    DEMO = "demo"


@dataclass(frozen=True)
class IncomingEvent:
    """One tracking event as a source gave it.

    `code` is the source's own word for the event (17TRACK's sub-status, a carrier's event
    code, or the status the file named); `status` is the normalised status when the source
    maps it itself, else None and the normaliser reads `code` and `description`. Times are
    aware; a source that gives local times without an offset must say which zone.
    """

    tracking_number: str
    occurred_at: datetime
    code: str
    description: str = ""
    location: str | None = None
    carrier: str | None = None
    status: TrackingStatus | None = None

    def __post_init__(self) -> None:
        if problems := self.problems():
            name, reason = problems[0]
            raise InvalidInput(f"{name} {reason}", field=name)

    def problems(self) -> list[tuple[str, str]]:
        """Each field that is wrong and why, so an import can report a row whole."""
        out: list[tuple[str, str]] = []
        if not self.tracking_number or len(self.tracking_number) > MAX_NUMBER:
            out.append(("tracking_number", f"must be 1–{MAX_NUMBER} characters"))
        if self.occurred_at.tzinfo is None:
            out.append(("occurred_at", "must carry a time zone offset"))
        if not self.code or len(self.code) > MAX_CODE:
            out.append(("code", f"must be 1–{MAX_CODE} characters"))
        if len(self.description) > MAX_DESCRIPTION:
            out.append(("description", f"must be at most {MAX_DESCRIPTION} characters"))
        if self.location is not None and len(self.location) > MAX_LOCATION:
            out.append(("location", f"must be at most {MAX_LOCATION} characters"))
        if self.carrier is not None and len(self.carrier) > MAX_CARRIER:
            out.append(("carrier", f"must be at most {MAX_CARRIER} characters"))
        return out
