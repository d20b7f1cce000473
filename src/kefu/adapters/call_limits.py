"""Marketplace call budgets shared by every worker and process (kefu.services.ports
CallLimiter; docs/channels.md "Rate limits"): in the database, or in Redis when the job
queue is there.

Both keep per key the theoretical arrival time of the next call and the end of a pause,
and decide with kefu.domain.callbudgets' rule under a lock: a row lock (PostgreSQL's
`UPDATE … RETURNING` holds it to the commit; SQLite takes its one write lock at the first
write), or a Lua script, which Redis runs alone. Times come from the database's or
Redis's clock, not the workers', so workers on machines whose clocks differ still share
one budget. A worker reserves its slot and then sleeps outside the lock.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from sqlalchemy import Connection, Engine, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as lite_insert

from kefu.adapters.db import tables as t
from kefu.domain.callbudgets import next_slot
from kefu.services.ports import CallBudget, CallLimiter, ChannelError

MAX_KEY_CHARS = 200


def _check(key: str) -> str:
    if not key or len(key) > MAX_KEY_CHARS:
        raise ValueError(f"a call budget key has 1–{MAX_KEY_CHARS} characters: {key[:60]!r}")
    return key


def _shape(budget: CallBudget) -> tuple[float, int]:
    """(seconds per call, burst) of a budget."""
    if budget.calls < 1 or budget.seconds <= 0:
        raise ValueError(f"a call budget needs calls ≥ 1 and seconds > 0: {budget}")
    return budget.seconds / budget.calls, budget.burst or budget.calls


def _too_long(key: str, wait: float) -> ChannelError:
    return ChannelError(
        f"the call budget {key} is spent for the next {wait:.0f} s", retry_after=wait
    )


_NOW_SQL = {
    "sqlite": "SELECT (julianday('now') - 2440587.5) * 86400.0",
    "postgresql": "SELECT extract(epoch from clock_timestamp())",
}


class DbCallLimiter:
    """Budgets in the `call_budgets` table of kefu's own database."""

    def __init__(self, engine: Engine, sleep: Callable[[float], None] = time.sleep) -> None:
        self.engine = engine
        self.sleep = sleep
        self._now = text(_NOW_SQL[engine.dialect.name])

    def _locked(self, conn: Connection, key: str) -> tuple[float, float, float]:
        """(tat, paused_until, now) of a key, its row locked until the commit."""
        found = _touch(conn, key)
        if found is None:  # a new key: create it, or wait for whoever just did
            make = pg_insert if conn.dialect.name == "postgresql" else lite_insert
            new = make(t.CallBudgetRow).values(key=key, tat=0.0, paused_until=0.0)
            conn.execute(new.on_conflict_do_nothing(index_elements=["key"]))
            found = _touch(conn, key)
        assert found is not None  # noqa: S101 - created just now or by another worker
        now = float(conn.execute(self._now).scalar_one())  # read under the lock
        return found[0], found[1], now

    def acquire(self, key: str, budget: CallBudget, *, max_wait: float) -> None:
        interval, burst = _shape(budget)
        with self.engine.begin() as conn:
            tat, paused, now = self._locked(conn, _check(key))
            slot = next_slot(tat=tat, paused_until=paused, now=now, interval=interval, burst=burst)
            wait = slot.at - now
            if wait > max_wait:
                raise _too_long(key, wait)
            conn.execute(
                update(t.CallBudgetRow).where(t.CallBudgetRow.key == key).values(tat=slot.tat)
            )
        if wait > 0:
            self.sleep(wait)

    def pause(self, key: str, seconds: float) -> None:
        with self.engine.begin() as conn:
            _tat, paused, now = self._locked(conn, _check(key))
            conn.execute(
                update(t.CallBudgetRow)
                .where(t.CallBudgetRow.key == key)
                .values(paused_until=max(paused, now + max(seconds, 0.0)))
            )


def _touch(conn: Connection, key: str) -> tuple[float, float] | None:
    """Lock a key's row with a write that changes nothing, and read it: PostgreSQL holds
    the row lock to the commit, SQLite its one write lock."""
    row = t.CallBudgetRow
    found = conn.execute(
        update(row).where(row.key == key).values(tat=row.tat).returning(row.tat, row.paused_until)
    ).first()
    return (float(found[0]), float(found[1])) if found else None


# KEYS[1]: the budget's hash; ARGV: seconds per call, burst, max wait (acquire) — the rule
# of kefu.domain.callbudgets.next_slot, on Redis's clock. Numbers go back as strings:
# Redis would cut a Lua number to an integer.
_ACQUIRE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local interval, burst, max_wait = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local tat = tonumber(redis.call('HGET', KEYS[1], 'tat') or '0')
local paused = tonumber(redis.call('HGET', KEYS[1], 'paused_until') or '0')
local at = math.max(now, paused, tat - interval * (burst - 1))
local wait = at - now
if wait > max_wait then return {0, tostring(wait)} end
local next_tat = math.max(tat, at) + interval
redis.call('HSET', KEYS[1], 'tat', tostring(next_tat))
redis.call('PEXPIRE', KEYS[1], math.ceil((math.max(next_tat, paused) - now + 60) * 1000))
return {1, tostring(wait)}
"""
# KEYS[1]; ARGV: seconds of the pause.
_PAUSE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local paused = tonumber(redis.call('HGET', KEYS[1], 'paused_until') or '0')
local tat = tonumber(redis.call('HGET', KEYS[1], 'tat') or '0')
local until_ = math.max(paused, now + tonumber(ARGV[1]))
redis.call('HSET', KEYS[1], 'paused_until', tostring(until_))
redis.call('PEXPIRE', KEYS[1], math.ceil((math.max(until_, tat) - now + 60) * 1000))
return tostring(until_)
"""
REDIS_PREFIX = "kefu:call-budget:"


class RedisCallLimiter:
    """Budgets in Redis (KEFU_QUEUE_URL=redis://…, or KEFU_CALL_BUDGET_URL), for workers
    on several machines."""

    def __init__(self, url: str, sleep: Callable[[float], None] = time.sleep) -> None:
        import redis

        self.redis = redis.Redis.from_url(url)
        self.sleep = sleep
        self._acquire = self.redis.register_script(_ACQUIRE)
        self._pause = self.redis.register_script(_PAUSE)

    def acquire(self, key: str, budget: CallBudget, *, max_wait: float) -> None:
        interval, burst = _shape(budget)
        granted, wait_text = self._acquire(
            keys=[REDIS_PREFIX + _check(key)], args=[interval, burst, max_wait]
        )
        wait = float(wait_text)
        if not int(granted):
            raise _too_long(key, wait)
        if wait > 0:
            self.sleep(wait)

    def pause(self, key: str, seconds: float) -> None:
        self._pause(keys=[REDIS_PREFIX + _check(key)], args=[max(seconds, 0.0)])

    def close(self) -> None:
        self.redis.close()


def make_call_limiter(url: str | None, engine: Engine) -> CallLimiter:
    """Redis when `url` is redis:// (or rediss://), else kefu's database."""
    if url and url.startswith(("redis://", "rediss://")):
        return RedisCallLimiter(url)
    return DbCallLimiter(engine)
