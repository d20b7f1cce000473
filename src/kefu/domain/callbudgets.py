"""The arithmetic of marketplace call budgets and of a failing store's back-off
(docs/channels.md "Rate limits", "Back-off"), on plain numbers so that every store of a
budget — a database row, a Redis hash — applies the same rule.

A budget of `calls` per `seconds` with a `burst` is kept as one number per key, the
theoretical arrival time (TAT) of the next call — the generic cell rate algorithm, which
is a token bucket of `burst` tokens refilled one every `seconds / calls`. Keeping one
number (not a log of calls) is what lets a row lock or a Lua script decide in one step.
With a burst of 1, no window of `seconds` ever holds more than `calls` calls, which is
how eBay and AliExpress count; Amazon's "1 per second, burst 5" is the bucket itself.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Slot:
    """When the next call under a budget may go, and the budget's state after it."""

    at: float  # epoch seconds; never before `now` nor before a pause ends
    tat: float  # the new theoretical arrival time to store


def next_slot(*, tat: float, paused_until: float, now: float, interval: float, burst: int) -> Slot:
    """Reserve the earliest call that keeps the budget: `interval` seconds per call on
    average, at most `burst` at once, none before `paused_until` (the platform said stop).

    A caller that reserves a slot in the future waits for it outside the lock, so workers
    queue in the order they asked instead of all waking at once and retrying.
    """
    if interval <= 0 or burst < 1:
        raise ValueError("a budget needs a positive interval and a burst of at least 1")
    start = max(now, paused_until)
    at = max(start, tat - interval * (burst - 1))
    return Slot(at=at, tat=max(tat, at) + interval)


# A store whose sync failed because the platform was busy or down waits before its next
# run: 30 s, doubling per failure in a row, at most an hour, and a random part of up to a
# quarter so that stores (and workers) that failed together do not come back together.
BACKOFF_BASE_SECONDS = 30.0
BACKOFF_CAP_SECONDS = 3600.0
BACKOFF_JITTER = 0.25


def backoff_seconds(failures: int, jitter: float, retry_after: float | None = None) -> float:
    """How long a store waits after `failures` failed runs in a row (1 for the first);
    `jitter` is a number in [0, 1); never less than what the platform asked for."""
    if failures < 1:
        return 0.0
    exponent = min(failures - 1, 20)  # 2**20 × 30 s is far past the cap already
    base = min(BACKOFF_BASE_SECONDS * float(2**exponent), BACKOFF_CAP_SECONDS)
    wait = base * (1 - BACKOFF_JITTER * jitter)
    return max(wait, retry_after or 0.0)
