"""A worker process for tests/integration/test_call_limits.py: from a given moment on, it
makes N calls to the sandbox's AliExpress face through kefu's AliExpress client, whose
calls take their slots from the shared call budget (the database or Redis; "none": no
limiter), and prints one JSON line per call: when the limiter let it go, and whether the
face took it.

Run: python -m tests.integration.limiter_worker LIMITER_URL DATABASE_URL BASE_URL CALLS START
"""

from __future__ import annotations

import json
import sys
import time

from kefu.adapters.call_limits import make_call_limiter
from kefu.adapters.db.engine import make_engine
from kefu.adapters.marketplaces.aliexpress import AliExpressClient, Credentials
from kefu.services.ports import CallBudget, CallLimiter, ChannelError
from tests.sandbox_server import APP_KEY, SECRET, TOKEN


class Noted:
    """The limiter, noting when each call was let go."""

    def __init__(self, limiter: CallLimiter) -> None:
        self.limiter = limiter
        self.granted: list[float] = []

    def acquire(self, key: str, budget: CallBudget, *, max_wait: float) -> None:
        self.limiter.acquire(key, budget, max_wait=max_wait)
        self.granted.append(time.time())

    def pause(self, key: str, seconds: float) -> None:
        self.limiter.pause(key, seconds)


def main(limiter_url: str, database_url: str, base_url: str, calls: int, start: float) -> None:
    engine = make_engine(database_url)
    limiter: Noted | None = None
    if limiter_url != "none":
        limiter = Noted(make_call_limiter(limiter_url if limiter_url != "db" else None, engine))
    client = AliExpressClient(
        "ali-global", Credentials(APP_KEY, SECRET, TOKEN), base_url=base_url, limiter=limiter
    )
    time.sleep(max(0.0, start - time.time()))
    for n in range(calls):
        try:
            client.relations(start=None, end=None)
            outcome = "ok"
        except ChannelError as exc:
            outcome = str(exc)
        granted = limiter.granted[n] if limiter else time.time()
        print(json.dumps({"granted": granted, "outcome": outcome}), flush=True)
    client.close()
    engine.dispose()


if __name__ == "__main__":
    url, database, base, count, moment = sys.argv[1:6]
    main(url, database, base, int(count), float(moment))
