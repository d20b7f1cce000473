"""AliExpress's own tracking of an order's parcel (issue 21; docs/tracking.md "Providers"):
`aliexpress.logistics.redefining.querytrackingresult` through the signed gateway, used for
AliExpress parcels when no tracking provider is configured.

Sources: the TOP SDKs' `AliexpressLogisticsRedefiningQuerytrackingresultRequest` (params
logistics_no, origin = ESCROW, out_ref = the order id, service_name = the logistics
service key, to_area = the ship-to country) and integrators' code reading the answer
`{details: {details: [{event_desc, event_date, address, signed_name}]}, official_website,
result_success, error_desc}` (docs page docId 30120). ⚠ `event_date` carries no zone; it is
read as the platform's (US Pacific), like the order API's times.

The platform gives no event code: an event is stored under "ae:" and a short checksum of
its words, so the same event read again is the same event, and the normaliser reads the
words for its status (source `marketplace`).
"""

from __future__ import annotations

import zlib
from collections.abc import Mapping
from typing import Any

from kefu.adapters.marketplaces.aliexpress_orders import Gateway, platform_time
from kefu.domain.errors import InvalidInput
from kefu.domain.tracking import MAX_DESCRIPTION, MAX_LOCATION, IncomingEvent
from kefu.services.ports import ChannelError

METHOD = "aliexpress.logistics.redefining.querytrackingresult"


class AliExpressTracking:
    """A store's AliExpress tracking, over its gateway client."""

    def __init__(self, gateway: Gateway) -> None:
        self.gateway = gateway

    def close(self) -> None:
        close = getattr(self.gateway, "close", None)
        if callable(close):
            close()

    def tracking(
        self, number: str, *, service: str, order_id: str, to_area: str
    ) -> list[IncomingEvent]:
        """The parcel's events, oldest first; ChannelError when AliExpress has none for it
        (not retryable) or cannot be reached (retryable)."""
        answer: Mapping[str, Any] = self.gateway.call(
            METHOD,
            {
                "logistics_no": number,
                "origin": "ESCROW",
                "out_ref": order_id,
                "service_name": service,
                "to_area": to_area,
            },
        )
        # The TOP answer holds the fields at its top; the gateway's envelope may hold
        # them under `result`, as the other methods' answers are.
        inner = answer.get("result")
        if isinstance(inner, Mapping) and ("details" in inner or "result_success" in inner):
            answer = inner
        if answer.get("result_success") in (False, "false"):
            reason = str(answer.get("error_desc") or "no reason given")[:200]
            raise ChannelError(
                f"AliExpress has no tracking for {number}: {reason}", retryable=False
            )
        return events_of(number, answer)


def events_of(number: str, answer: Mapping[str, Any]) -> list[IncomingEvent]:
    """The answer's events, oldest first; one without a usable time or words is left out."""
    details = answer.get("details")
    if isinstance(details, Mapping):
        details = details.get("details")
    out: dict[tuple[object, str], IncomingEvent] = {}
    for raw in details if isinstance(details, list) else []:
        if not isinstance(raw, Mapping):
            continue
        when = platform_time(raw.get("event_date"))
        words = str(raw.get("event_desc") or "").strip()
        if when is None or not words:
            continue
        address = str(raw.get("address") or "").strip()
        code = f"ae:{zlib.crc32(words.encode()):08x}"
        try:
            event = IncomingEvent(
                tracking_number=number,
                occurred_at=when,
                code=code,
                description=words[:MAX_DESCRIPTION],
                location=address[:MAX_LOCATION] or None,
            )
        except InvalidInput:
            continue
        out.setdefault((when, code), event)
    return sorted(out.values(), key=lambda e: e.occurred_at)
