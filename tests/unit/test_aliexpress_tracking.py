"""AliExpress's querytrackingresult answer read as events (issue 21; docs/tracking.md)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from kefu.adapters.marketplaces.aliexpress_tracking import METHOD, AliExpressTracking, events_of
from kefu.services.ports import ChannelError

# The answer's shape as integrators of the TOP API read it (docs/tracking.md).
ANSWER = {
    "details": {
        "details": [
            {
                "address": "",
                "event_date": "2019-11-30 03:42:00",
                "event_desc": "【8】Arrive at destination country",
                "signed_name": "",
            },
            {
                "address": "CN,SHENZHEN",
                "event_date": "2019-11-20 10:00:00",
                "event_desc": "Departed from the sorting center",
            },
            {"address": "CN", "event_date": "", "event_desc": "no time: left out"},
            {"address": "CN", "event_date": "2019-11-19 10:00:00", "event_desc": ""},
        ]
    },
    "official_website": "http://intmail.11185.cn/",
    "result_success": True,
    "request_id": "slvafg1s01xt",
}


class Gateway:
    def __init__(self, answer: dict[str, Any]) -> None:
        self.answer = answer
        self.calls: list[tuple[str, dict[str, object]]] = []

    def call(self, method: str, params: dict[str, object]) -> dict[str, Any]:
        self.calls.append((method, dict(params)))
        return self.answer


def test_events_oldest_first_in_the_platform_zone_with_stable_codes() -> None:
    events = events_of("LP00123456789CN", ANSWER)
    assert [e.description for e in events] == [
        "Departed from the sorting center",
        "【8】Arrive at destination country",
    ]
    first = events[0]
    assert first.occurred_at == datetime(2019, 11, 20, 18, tzinfo=UTC)  # 10:00 Pacific (PST)
    assert first.location == "CN,SHENZHEN" and first.status is None  # the words decide
    assert first.code.startswith("ae:") and events_of("LP00123456789CN", ANSWER)[0] == first
    assert events[1].location is None


def test_the_call_names_the_order_service_and_country() -> None:
    gateway = Gateway(ANSWER)
    events = AliExpressTracking(gateway).tracking(  # type: ignore[arg-type]
        "LP00123456789CN", service="CAINIAO_STANDARD", order_id="8123", to_area="ES"
    )
    assert len(events) == 2
    assert gateway.calls == [
        (
            METHOD,
            {
                "logistics_no": "LP00123456789CN",
                "origin": "ESCROW",
                "out_ref": "8123",
                "service_name": "CAINIAO_STANDARD",
                "to_area": "ES",
            },
        )
    ]


def test_no_tracking_is_a_refusal_no_retry_cures() -> None:
    gateway = Gateway({"result": {"result_success": False, "error_desc": "no such number"}})
    with pytest.raises(ChannelError, match="no such number") as caught:
        AliExpressTracking(gateway).tracking(  # type: ignore[arg-type]
            "LP1", service="X", order_id="1", to_area="ES"
        )
    assert not caught.value.retryable
