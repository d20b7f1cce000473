"""17TRACK API v2.2 (docs/tracking.md "Providers"): register numbers, read their track info,
read the quota, stop tracking. tests/data/17track/ holds documents in its published format.

Every call is a POST of a JSON array (at most 40 numbers) with the key in the `17token`
header; the answer is `{code, data: {accepted: [...], rejected: [{number, error: {code,
message}}]}}`, or a whole-call failure `{code: -180100xx, data: {errors: [...]}}` (a bad
key comes with HTTP 401). Events become `IncomingEvent`s coded with 17TRACK's stage
("InTransit_CustomsProcessing"); the mapping to kefu's statuses is domain/tracking_17track.py.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

import httpx

from kefu.domain.errors import InvalidInput
from kefu.domain.tracking import MAX_CODE, MAX_DESCRIPTION, MAX_LOCATION, IncomingEvent
from kefu.domain.tracking_17track import code_of, event_status, status_of
from kefu.services.ports import (
    TrackAnswer,
    TrackInfo,
    TrackingProviderError,
    TrackQuota,
    TrackRefusal,
    TrackRequest,
)

NAME = "17track"
BATCH = 40
DEFAULT_URL = "https://api.17track.net/track/v2.2"
TIMEOUT = httpx.Timeout(20.0, connect=5.0)
# An event without a stage is stored under this code; its words decide its status.
NO_STAGE = "NoStage"
# 17TRACK's whole-call codes a retry cannot cure: IP not allowed, bad key, account off.
FATAL = frozenset({"-18010001", "-18010002", "-18010004", "-18010005"})


class SeventeenTrack:
    """The 17TRACK client; `client` is an httpx client of one's own (tests: the sandbox
    app in-process)."""

    name = NAME
    batch_size = BATCH

    def __init__(self, base_url: str, key: str, client: httpx.Client | None = None) -> None:
        self._url = base_url.rstrip("/")
        self._key = key
        self._http = client or httpx.Client(timeout=TIMEOUT)

    def close(self) -> None:
        self._http.close()

    def register(self, numbers: Sequence[TrackRequest]) -> TrackAnswer:
        data = self._call("register", [_request(n) for n in numbers])
        return TrackAnswer(accepted=_accepted(data), refused=_refused(data))

    def track_info(self, numbers: Sequence[TrackRequest]) -> TrackAnswer:
        data = self._call("gettrackinfo", [_request(n) for n in numbers])
        infos = tuple(parse_track_info(item) for item in _list(data, "accepted"))
        return TrackAnswer(accepted=_accepted(data), refused=_refused(data), infos=infos)

    def quota(self) -> TrackQuota:
        data = self._call("getquota", [])
        try:
            daily = data.get("max_track_daily")
            return TrackQuota(
                total=int(data["quota_total"]),
                used=int(data["quota_used"]),
                remaining=int(data["quota_remain"]),
                daily_max=int(daily) if daily is not None else None,
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise TrackingProviderError(f"17TRACK's quota answer is malformed: {exc}") from exc

    def stop(self, numbers: Sequence[TrackRequest]) -> TrackAnswer:
        data = self._call("stoptrack", [_request(n) for n in numbers])
        return TrackAnswer(accepted=_accepted(data), refused=_refused(data))

    def _call(self, path: str, body: list[dict[str, Any]]) -> Mapping[str, Any]:
        if len(body) > BATCH:
            raise ValueError(f"17TRACK takes at most {BATCH} numbers a call, not {len(body)}")
        try:
            answer = self._http.post(
                f"{self._url}/{path}",
                json=body,
                headers={"17token": self._key, "Content-Type": "application/json"},
            )
        except httpx.HTTPError as exc:
            raise TrackingProviderError(f"17TRACK unreachable: {exc}") from exc
        if answer.status_code == 429 or answer.status_code >= 500:
            raise TrackingProviderError(f"17TRACK answered HTTP {answer.status_code}")
        try:
            document = answer.json()
        except ValueError as exc:
            raise TrackingProviderError(
                f"17TRACK answered HTTP {answer.status_code} without JSON", retryable=False
            ) from exc
        return _data(document, answer.status_code)


def _data(document: Any, http_status: int) -> Mapping[str, Any]:
    if not isinstance(document, Mapping) or not isinstance(document.get("data"), Mapping):
        raise TrackingProviderError(f"17TRACK answered HTTP {http_status} in an unknown shape")
    code = str(document.get("code"))
    data: Mapping[str, Any] = document["data"]
    if code != "0" or http_status != 200:
        errors = data.get("errors") or [{}]
        first = errors[0] if isinstance(errors[0], Mapping) else {}
        message = str(first.get("message") or f"HTTP {http_status}")[:300]
        error_code = str(first.get("code", code))
        raise TrackingProviderError(
            f"17TRACK refused the call ({error_code}): {message}",
            code=error_code,
            retryable=error_code not in FATAL and http_status != 401,
        )
    return data


def _request(number: TrackRequest) -> dict[str, Any]:
    body: dict[str, Any] = {"number": number.number}
    if number.carrier:
        body["carrier"] = int(number.carrier) if number.carrier.isdigit() else number.carrier
    return body


def _list(data: Mapping[str, Any], key: str) -> list[Mapping[str, Any]]:
    items = data.get(key) or []
    return [item for item in items if isinstance(item, Mapping) and item.get("number")]


def _carrier(item: Mapping[str, Any]) -> str | None:
    carrier = item.get("carrier")
    return None if carrier in (None, "", 0) else str(carrier)


def _accepted(data: Mapping[str, Any]) -> tuple[TrackRequest, ...]:
    return tuple(
        TrackRequest(str(item["number"]), _carrier(item)) for item in _list(data, "accepted")
    )


def _refused(data: Mapping[str, Any]) -> tuple[TrackRefusal, ...]:
    out = []
    for item in _list(data, "rejected"):
        error = _object(item, "error")
        out.append(
            TrackRefusal(
                str(item["number"]), str(error.get("code", "")), str(error.get("message", ""))
            )
        )
    return tuple(out)


def parse_track_info(item: Mapping[str, Any]) -> TrackInfo:
    """One accepted number of a gettrackinfo answer: its latest status and every event of
    every provider (a parcel handed from China Post to USPS has two), oldest first.

    An event whose time or fields are unusable is left out rather than guessed; the same
    event under two providers is stored once (its time and code are its key)."""
    number = str(item["number"])
    info = _object(item, "track_info")
    latest = _object(info, "latest_status")
    status, sub_status = latest.get("status"), latest.get("sub_status")
    events: dict[tuple[datetime, str], IncomingEvent] = {}
    tracking = _object(info, "tracking")
    for provider in tracking.get("providers") or []:
        if not isinstance(provider, Mapping):
            continue
        for raw in provider.get("events") or []:
            event = _event(number, raw)
            if event is not None:
                events.setdefault((event.occurred_at, event.code), event)
    return TrackInfo(
        number=number,
        carrier=_carrier(item),
        status=status_of(status, sub_status),
        code=code_of(status, sub_status),
        events=tuple(sorted(events.values(), key=lambda e: e.occurred_at)),
    )


def _object(parent: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    value = parent.get(key)
    return value if isinstance(value, Mapping) else {}


def _event(number: str, raw: object) -> IncomingEvent | None:
    if not isinstance(raw, Mapping):
        return None
    when = _time(raw.get("time_iso")) or _time(raw.get("time_utc"))
    if when is None:
        return None
    stage = raw.get("stage") or raw.get("sub_status") or None
    stage = str(stage)[:MAX_CODE] if stage else None
    location = raw.get("location")
    try:
        return IncomingEvent(
            tracking_number=number,
            occurred_at=when,
            code=stage or NO_STAGE,
            description=str(raw.get("description") or "")[:MAX_DESCRIPTION],
            location=str(location)[:MAX_LOCATION] if location else None,
            status=event_status(stage),
        )
    except InvalidInput:
        return None


def _time(value: object) -> datetime | None:
    """An ISO time with its offset; one without an offset is not guessed."""
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else None
