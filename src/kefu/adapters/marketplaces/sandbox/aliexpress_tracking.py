"""The sandbox AliExpress face's tracking: `aliexpress.logistics.redefining.querytrackingresult`
through the signed `/sync` gateway, in the shape kefu.adapters.marketplaces.aliexpress_tracking
reads (docs/tracking.md "Providers").

Tests seed a number's events (`TrackingBook.seed`); the answer lists them newest first as
`details.details[]` {event_desc, event_date ("yyyy-MM-dd HH:mm:ss", the platform's zone),
address, signed_name} with `official_website` and `result_success`. It refuses what the
platform refuses: a missing logistics_no, service_name, out_ref or to_area (40), an origin
other than ESCROW (41), and a number it does not know (`result_success` false with an
error_desc).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from kefu.adapters.marketplaces.sandbox.aliexpress import _invalid, _required

METHOD = "aliexpress.logistics.redefining.querytrackingresult"
ZONE = ZoneInfo("America/Los_Angeles")
FORMAT = "%Y-%m-%d %H:%M:%S"
WEBSITE = "https://global.cainiao.com/"


@dataclass
class TrackingBook:
    """The numbers the face can track: number → [(moment, description, address)]."""

    numbers: dict[str, list[tuple[datetime, str, str]]] = field(default_factory=dict)
    asked: list[dict[str, str]] = field(default_factory=list)

    def seed(self, number: str, events: list[tuple[datetime, str, str]]) -> None:
        self.numbers[number] = sorted(events)

    def dispatch(self, method: str, params: Mapping[str, str]) -> dict[str, Any] | None:
        """The answer to the tracking method, or None for another method."""
        if method != METHOD:
            return None
        asked = {
            name: _required(params, name)
            for name in ("logistics_no", "service_name", "out_ref", "to_area")
        }
        origin = params.get("origin") or "ESCROW"
        if origin != "ESCROW":
            raise _invalid("origin", "origin must be ESCROW for AliExpress orders")
        self.asked.append(asked)
        events = self.numbers.get(asked["logistics_no"])
        if events is None:
            return {
                "result_success": False,
                "error_desc": f"no tracking information for {asked['logistics_no']}",
                "details": {"details": []},
            }
        return {
            "result_success": True,
            "official_website": WEBSITE,
            "details": {
                "details": [
                    {
                        "event_desc": desc,
                        "event_date": at.astimezone(ZONE).strftime(FORMAT),
                        "address": address,
                        "signed_name": "",
                    }
                    for at, desc, address in reversed(events)
                ]
            },
        }
