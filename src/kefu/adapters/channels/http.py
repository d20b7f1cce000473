"""Deliver replies over HTTP to a marketplace endpoint speaking the sandbox format."""

from __future__ import annotations

from urllib.parse import quote

import httpx

from kefu.services.ports import ChannelError, OutgoingReply

TIMEOUT = httpx.Timeout(10.0, connect=3.0)


class HttpChannel:
    """One client per process; `base_url` is the marketplace's (or our sandbox's) address."""

    def __init__(self, base_url: str, client: httpx.Client | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        self.client = client or httpx.Client(timeout=TIMEOUT)

    def close(self) -> None:
        self.client.close()

    def send(self, reply: OutgoingReply) -> str:
        url = (
            f"{self.base_url}/v1/stores/{quote(reply.store_code, safe='')}"
            f"/conversations/{quote(reply.conversation_ref, safe='')}/messages"
        )
        try:
            response = self.client.post(
                url,
                json={
                    "text": reply.text,
                    "attachments": list(reply.attachments),
                    "automatic": reply.is_automatic,
                },
                headers={"Idempotency-Key": reply.idempotency_key},
            )
        except httpx.HTTPError as exc:
            raise ChannelError(f"channel unreachable: {exc.__class__.__name__}") from exc
        if response.status_code in (200, 201):
            body = response.json()
            return str(body["id"])
        retry_after = _seconds(response.headers.get("retry-after"))
        retryable = response.status_code == 429 or response.status_code >= 500
        raise ChannelError(
            f"channel answered {response.status_code}: {response.text[:200]}",
            retryable=retryable,
            retry_after=retry_after,
        )


def _seconds(value: str | None) -> float | None:
    try:
        return float(value) if value else None
    except ValueError:
        return None


class NoChannel:
    """No channel configured: replies wait in the outbox and the conversation says why."""

    def send(self, reply: OutgoingReply) -> str:
        raise ChannelError("no channel is configured for this store (KEFU_CHANNEL_URL)")
