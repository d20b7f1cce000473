"""Who gets a new conversation (SPEC §7 routing, first phase).

Order of the rules: the stage's team (pre-sale to the pre-sale team; in-sale and
after-sale — questions about an order — to the after-sale team), then the agents who
read the buyer's language, then whoever has the fewest open conversations, among those
on shift and given the store. When nobody of the team is on shift, anyone on shift
with the store takes it: a conversation is never left without an owner while someone
is working.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, time
from zoneinfo import ZoneInfo

from kefu.domain.errors import FieldError, RowErrors
from kefu.domain.types import Stage


@dataclass(frozen=True)
class Shift:
    """Working hours per weekday (Monday = 0) in the agent's own zone; nights may wrap."""

    zone: ZoneInfo
    hours: Mapping[int, tuple[time, time]]

    def covers(self, at: datetime) -> bool:
        local = at.astimezone(self.zone)
        span = self.hours.get(local.weekday())
        if span is None:
            return False
        start, end = span
        now = local.time()
        return start <= now < end if start < end else now >= start or now < end


@dataclass
class Agent:
    id: int
    team: Stage  # PRE_SALE or AFTER_SALE
    languages: frozenset[str]
    stores: frozenset[int]
    shift: Shift | None = None  # None: always on
    open_conversations: int = 0
    active: bool = True

    def available_anywhere(self, at: datetime) -> bool:
        return self.active and (self.shift is None or self.shift.covers(at))

    def available(self, store_id: int, at: datetime) -> bool:
        return (
            self.active
            and store_id in self.stores
            and (self.shift is None or self.shift.covers(at))
        )


def team_for(stage: Stage) -> Stage:
    return Stage.PRE_SALE if stage == Stage.PRE_SALE else Stage.AFTER_SALE


def choose(
    agents: Iterable[Agent], *, stage: Stage, language: str | None, store_id: int, at: datetime
) -> Agent | None:
    """The agent for a new conversation, or None when nobody with the store is on shift."""
    return _pick([a for a in agents if a.available(store_id, at)], stage, language)


def _pick(on_shift: list[Agent], stage: Stage, language: str | None) -> Agent | None:
    team = [a for a in on_shift if a.team == team_for(stage)] or on_shift
    base = language.split("-")[0] if language else None
    readers = [a for a in team if base in a.languages] if base else []
    pool = readers or team
    return min(pool, key=lambda a: (a.open_conversations, a.id), default=None)


@dataclass
class Router:
    """Assigns conversations one after another, keeping each agent's open count."""

    agents: list[Agent]
    assigned: dict[int, int] = field(default_factory=dict)  # agent id -> conversations given
    # Who is on shift changes by the minute at most: computed once per minute, not per call.
    _minute: datetime | None = None
    _on_shift: list[Agent] = field(default_factory=list)

    def assign(
        self,
        *,
        stage: Stage,
        language: str | None,
        store_id: int,
        at: datetime,
        managers: frozenset[int] = frozenset(),
    ) -> Agent | None:
        """`managers`: the agents who manage the conversation's products (SPEC §7: they
        receive the messages about them); one of them on shift with the store takes it."""
        minute = at.replace(second=0, microsecond=0)
        if minute != self._minute:
            self._minute = minute
            self._on_shift = [
                a for a in self.agents if a.active and (a.shift is None or a.shift.covers(at))
            ]
        here = [a for a in self._on_shift if store_id in a.stores]
        agent = _pick([a for a in here if a.id in managers] or here, stage, language)
        if agent is not None:
            agent.open_conversations += 1
            self.assigned[agent.id] = self.assigned.get(agent.id, 0) + 1
        return agent


def parse_shift(data: Mapping[str, object] | None) -> dict[int, tuple[time, time]] | None:
    """A stored shift ({"0": ["09:00", "18:00"], …}, Monday = 0) as hours per weekday.

    None (no shift) means always on. Raises RowErrors naming each bad day.
    """
    if data is None:
        return None
    hours: dict[int, tuple[time, time]] = {}
    errors: list[FieldError] = []
    for day, span in data.items():
        try:
            if not isinstance(span, list | tuple) or len(span) != 2:
                raise ValueError(span)
            weekday = int(day)
            start, end = time.fromisoformat(str(span[0])), time.fromisoformat(str(span[1]))
        except ValueError:
            errors.append(FieldError(f"shift.{day}", "is a start and an end time, 09:00–18:00"))
            continue
        if not 0 <= weekday <= 6 or start == end:
            errors.append(FieldError(f"shift.{day}", "needs a weekday 0–6 and two different times"))
            continue
        hours[weekday] = (start, end)
    if errors:
        raise RowErrors(errors)
    return hours
