"""Retries with back-off and a circuit breaker around any Translator.

An agent is waiting for the translation, so a retry only starts while the time since
the first call plus the wait stays within a small budget (2 s by default); a provider
asking for longer (Retry-After) gets its answer passed on at once instead. A provider
that keeps failing is left alone for a while (the circuit opens): calls fail at once
with "unavailable" rather than each waiting for a timeout, and after the pause one
trial call is let through (half-open); its success closes the circuit again.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from typing import Literal

from kefu.services.ports import TranslationFailed, Translator

CircuitState = Literal["closed", "open", "half_open"]


class CircuitBreaker:
    """Consecutive failures of one provider, shared by every thread that calls it."""

    def __init__(
        self, provider: str, failures_to_open: int, open_seconds: float, clock: Callable[[], float]
    ) -> None:
        self.provider = provider
        self.failures_to_open = failures_to_open
        self.open_seconds = open_seconds
        self._clock = clock
        self._lock = threading.Lock()
        self._failures = 0
        self._opened_at: float | None = None
        self._trial_running = False

    @property
    def state(self) -> CircuitState:
        with self._lock:
            if self._opened_at is None:
                return "closed"
            return "open" if self._remaining(self._opened_at) > 0 else "half_open"

    def before_call(self) -> None:
        """Raise at once while the circuit is open, and while a half-open trial runs."""
        with self._lock:
            if self._opened_at is None:
                return
            remaining = self._remaining(self._opened_at)
            if remaining <= 0 and not self._trial_running:
                self._trial_running = True
                return
            raise TranslationFailed(
                f"{self.provider}: circuit open after {self.failures_to_open} failures in a row",
                kind="unavailable",
                retry_after=max(remaining, 0.0) or None,
            )

    def succeeded(self) -> None:
        with self._lock:
            self._failures = 0
            self._opened_at = None
            self._trial_running = False

    def failed(self) -> bool:
        """Count a failure; True when the circuit is open after it."""
        with self._lock:
            self._trial_running = False
            self._failures += 1
            if self._opened_at is not None or self._failures >= self.failures_to_open:
                self._opened_at = self._clock()
            return self._opened_at is not None

    def _remaining(self, opened_at: float) -> float:
        return opened_at + self.open_seconds - self._clock()


class ResilientTranslator:
    """The Translator port with retries and a circuit breaker; thread-safe.

    Retried: the retryable failures (rate_limited, unavailable, timeout), at most
    `retries` times, waiting `backoff` × 2ⁿ seconds or the provider's Retry-After if
    longer. "unsupported" is about the request, not the provider, so it does not count
    against the circuit.
    """

    def __init__(
        self,
        inner: Translator,
        *,
        retries: int = 2,
        backoff: float = 0.25,
        budget: float = 2.0,
        failures_to_open: int = 5,
        open_seconds: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.inner = inner
        self.provider = inner.provider
        self.retries = retries
        self.backoff = backoff
        self.budget = budget
        self.breaker = CircuitBreaker(inner.provider, failures_to_open, open_seconds, clock)
        self._clock = clock
        self._sleep = sleep

    def translate(self, texts: Sequence[str], source: str | None, target: str) -> list[str]:
        started = self._clock()
        attempt = 0
        while True:
            self.breaker.before_call()
            try:
                result = self.inner.translate(texts, source, target)
            except TranslationFailed as failure:
                if failure.kind == "unsupported":
                    self.breaker.succeeded()
                    raise
                wait = None if self.breaker.failed() else self._wait(failure, attempt, started)
                if wait is None:
                    raise
                self._sleep(wait)
                attempt += 1
            except BaseException:
                self.breaker.failed()
                raise
            else:
                self.breaker.succeeded()
                return result

    def _wait(self, failure: TranslationFailed, attempt: int, started: float) -> float | None:
        """Seconds to wait before the next attempt; None when there is to be none."""
        if not failure.retryable or attempt >= self.retries:
            return None
        wait = self.backoff * 2.0**attempt
        if failure.retry_after is not None:
            wait = max(wait, failure.retry_after)
        if self._clock() - started + wait > self.budget:
            return None
        return wait
