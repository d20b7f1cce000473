"""What the HTTP adapters share: the client, failures in the port's terms, batching.

Timeouts are short because an agent is waiting for the answer: a provider that has not
connected in 2 s or answered in 8 s is treated as down for this call (the resilience
wrapper decides whether to try again).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import httpx

from kefu.services.ports import TranslationFailed

CONNECT_SECONDS = 2.0
READ_SECONDS = 8.0


@dataclass(frozen=True)
class Translated:
    """One answer: a segment per text, and the source language the provider detected
    (kefu's tag when it is one of ours, else the provider's code; None if not said)."""

    texts: list[str]
    detected: str | None = None


def new_client(connect: float = CONNECT_SECONDS, read: float = READ_SECONDS) -> httpx.Client:
    return httpx.Client(timeout=httpx.Timeout(read, connect=connect))


def post(client: httpx.Client, provider: str, url: str, **kwargs: Any) -> httpx.Response:
    """POST, with the transport's failures as TranslationFailed (timeout / unavailable)."""
    try:
        return client.post(url, **kwargs)
    except httpx.TimeoutException as exc:
        raise TranslationFailed(f"{provider} did not answer in time", kind="timeout") from exc
    except httpx.HTTPError as exc:
        raise TranslationFailed(
            f"{provider} is unreachable ({exc.__class__.__name__})", kind="unavailable"
        ) from exc


def json_of(response: httpx.Response, provider: str) -> Any:
    try:
        return response.json()
    except ValueError as exc:
        raise malformed(provider, f"the answer is not JSON: {response.text[:120]!r}") from exc


def error_body(response: httpx.Response) -> Any:
    """The JSON of a failed answer, None when it has none (a proxy's HTML page, say)."""
    try:
        return response.json()
    except ValueError:
        return None


def malformed(provider: str, what: str) -> TranslationFailed:
    return TranslationFailed(f"{provider}: {what}", kind="malformed")


def strings(value: Any, provider: str, field: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise malformed(provider, f"{field} is not a list of strings")
    return value


def same_count(got: Sequence[object], sent: Sequence[object], provider: str) -> None:
    if len(got) != len(sent):
        raise malformed(provider, f"{len(got)} segments came back for {len(sent)} sent")


def retry_after(response: httpx.Response) -> float | None:
    """Retry-After in seconds (it may be a number or an HTTP date); None if absent or bad."""
    value = response.headers.get("retry-after")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def status_failure(
    response: httpx.Response, provider: str, message: str
) -> TranslationFailed | None:
    """The failure every provider means by these statuses; None for the ones it defines."""
    status = response.status_code
    text = f"{provider} answered {status}: {message}"
    if status == 429:
        return TranslationFailed(text, kind="rate_limited", retry_after=retry_after(response))
    if status >= 500:
        return TranslationFailed(text, kind="unavailable", retry_after=retry_after(response))
    if status in (401, 403):
        return TranslationFailed(text, kind="auth")
    return None


def batches(texts: Sequence[str], max_count: int, max_chars: int) -> Iterator[list[str]]:
    """Consecutive runs of texts within a provider's per-request limits (a single text
    longer than `max_chars` goes alone, and the provider says whether it takes it)."""
    batch: list[str] = []
    size = 0
    for text in texts:
        if batch and (len(batch) == max_count or size + len(text) > max_chars):
            yield batch
            batch, size = [], 0
        batch.append(text)
        size += len(text)
    if batch:
        yield batch


def translate_nonblank(
    texts: Sequence[str], translate: Callable[[list[str]], Translated]
) -> Translated:
    """Send only the segments with something to translate; blank ones come back as they
    went (providers charge for them, and some drop them, which would shift the rest)."""
    wanted = [i for i, text in enumerate(texts) if text.strip()]
    if not wanted:
        return Translated(list(texts))
    answer = translate([texts[i] for i in wanted])
    result = list(texts)
    for i, text in zip(wanted, answer.texts, strict=True):
        result[i] = text
    return Translated(result, answer.detected)


def in_batches(
    texts: list[str],
    max_count: int,
    max_chars: int,
    translate: Callable[[list[str]], Translated],
) -> Translated:
    """Translate batch by batch; the detected language is the first batch's."""
    result: list[str] = []
    detected: str | None = None
    for batch in batches(texts, max_count, max_chars):
        answer = translate(batch)
        result.extend(answer.texts)
        detected = detected or answer.detected
    return Translated(result, detected)
