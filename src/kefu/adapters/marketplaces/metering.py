"""How a marketplace client keeps its platform's call budgets (docs/channels.md "Rate
limits"): each call first takes its slot from the shared limiter, and a platform that
says "stop" (429 with Retry-After, AliExpress's "ban will last N seconds") pauses every
worker under that budget.

A client built without a limiter (unit tests, `kefu bench sync` with the limits off)
calls at once; the platform's own 429 still comes back as a retryable ChannelError.
"""

from __future__ import annotations

from kefu.services.ports import CallBudget, CallLimiter, ChannelError

# A call waits at most this long for its slot; a longer wait ends the store's run as
# rate_limited (ChannelError with retry_after), and the store backs off.
MAX_WAIT = 30.0


class Meter:
    """One client's way into the shared budgets."""

    def __init__(self, limiter: CallLimiter | None, max_wait: float = MAX_WAIT) -> None:
        self.limiter = limiter
        self.max_wait = max_wait

    def take(self, key: str, budget: CallBudget) -> None:
        """Wait for a slot under `budget`; ChannelError when it is further than max_wait."""
        if self.limiter is not None:
            self.limiter.acquire(key, budget, max_wait=self.max_wait)

    def refused(self, key: str, error: ChannelError) -> None:
        """The platform said when to come back: nobody calls under `key` before then."""
        if self.limiter is not None and error.retry_after is not None:
            self.limiter.pause(key, error.retry_after)
