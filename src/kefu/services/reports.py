"""KPI reports: SPEC §11 counts from the reporting facts, percentiles and formats here."""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from kefu.domain.errors import InvalidInput
from kefu.domain.intents import INTENTS
from kefu.domain.kpis import Kpis, across_stores, backlog, final_until_all, resolution_seconds
from kefu.domain.permissions import Permission
from kefu.domain.subintents import UNDER
from kefu.services import access
from kefu.services.access import Principal
from kefu.services.ports import Clock, DisputeBreakdown, KpiGroup, UnitOfWork

# Days a report may cover: no message is older than 2000 (domain/messages.EARLIEST), and
# the period before and the day after must stay within Python's dates (year 1 to 9999).
FIRST_DAY = date(2000, 1, 1)
LAST_DAY = date(2999, 12, 31)


@dataclass(frozen=True)
class KpiReport:
    start: date
    end: date
    store: str | None
    agent: str | None
    kpis: Kpis

    def values(self) -> dict[str, float | None]:
        """Each metric in SPEC §11 order; None where a rate has nothing to divide by."""
        k = self.kpis
        response, working = _hours(k.response_seconds), _hours(k.response_working_seconds)
        resolution = _hours(k.resolution_seconds)
        return {
            "buyers_served": k.buyers_served,
            "buyers_answered": k.buyers_answered,
            "messages_received": k.messages_received,
            "messages_answered": k.messages_answered,
            "answered_24h": k.answered_24h,
            "reply_rate_24h": k.reply_rate_24h,
            "inquiry_conversion": k.inquiry_conversion,
            "guided_gmv_usd": k.guided_gmv_cents / 100,
            "daily_inquiry_conversion": k.daily_inquiry_conversion,
            "daily_guided_gmv_usd": k.daily_guided_gmv_cents / 100,
            "automatic_replies": k.automatic_replies,
            "undelivered_replies": k.undelivered_replies,
            "automatic_share": k.automatic_share,
            "response_p50_hours": response[0],
            "response_p90_hours": response[1],
            "response_p50_working_hours": working[0],
            "response_p90_working_hours": working[1],
            "resolution_p50_hours": resolution[0],
            "resolution_p90_hours": resolution[1],
            "satisfaction_ratings": len(k.satisfaction_scores),
            "satisfaction_mean": k.satisfaction_mean,
            "satisfied_share": k.satisfied_share,
            "open_disputes": k.open_disputes,
            "disputes_opened": k.disputes_opened,
            "orders_placed": k.orders_placed,
            "dispute_rate": k.dispute_rate,
        }

    def rows(self) -> list[tuple[str, str]]:
        """(metric, value) formatted for a table or a CSV file; empty where undefined."""
        return [(name, _format(name, value)) for name, value in self.values().items()]


@dataclass(frozen=True)
class Breakdowns:
    """The counts of a range by store, by platform and by agent (no response times)."""

    by_store: list[tuple[str, Kpis]]
    by_platform: list[tuple[str, Kpis]]
    by_agent: list[tuple[str, Kpis]]  # by the conversations each agent holds now
    platforms: dict[str, str]  # each store's platform, by store code


@dataclass(frozen=True)
class SubIntentCount:
    sub_intent: str
    messages: int
    share: float | None  # of its parent intent's messages


@dataclass(frozen=True)
class IntentCount:
    """Buyer messages of one intent in the range, with the sub-intents under it (issue 22):
    how many short shipments among the wrong items, invoices among payment questions."""

    intent: str
    messages: int
    share: float | None  # of the triaged buyer messages of the range
    sub_intents: list[SubIntentCount] = field(default_factory=list)


def by_intent(counts: Mapping[tuple[str, str | None], int]) -> list[IntentCount]:
    """Intents most asked first (ties in the taxonomy's order); each parent lists every
    sub-intent under it, zeros included, so a month without invoices reads as such."""
    per_intent: dict[str, int] = defaultdict(int)
    for (intent, _sub), n in counts.items():
        per_intent[intent] += n
    total = sum(per_intent.values())
    order = {intent: i for i, intent in enumerate(INTENTS)}
    out = []
    for intent, n in sorted(per_intent.items(), key=lambda x: (-x[1], order.get(x[0], 99))):
        subs = [
            SubIntentCount(s, counts.get((intent, s), 0), counts.get((intent, s), 0) / n)
            for s in UNDER.get(intent, ())
        ]
        out.append(IntentCount(intent, n, n / total if total else None, subs))
    return out


@dataclass(frozen=True)
class KpiDashboard:
    current: KpiReport
    previous: KpiReport  # the same number of days just before
    daily: list[tuple[date, Kpis]]
    backlog: dict[str, int]  # now, not for the range: conversations waiting, by age
    breakdowns: Breakdowns
    by_intent: list[IntentCount] = field(default_factory=list)  # of the range

    @property
    def by_store(self) -> list[tuple[str, Kpis]]:
        return self.breakdowns.by_store

    @property
    def by_agent(self) -> list[tuple[str, Kpis]]:
        return self.breakdowns.by_agent


def kpi_dashboard(
    uow: UnitOfWork,
    *,
    start: date,
    end: date,
    now: datetime,
    store: str | None = None,
    agent: str | None = None,
    final_only: bool = False,
) -> KpiDashboard:
    """The range, the period before it, one KPI set per day for the trend, and the backlog."""
    with uow:
        if final_only:
            end = min(end, _final_end(uow, now, store))
        length = (end - start).days + 1
        before = start - timedelta(days=length)
        current = _full(uow, start, end, now, store, agent)
        previous = _full(uow, before, start - timedelta(days=1), now, store, agent)
        # The trend shows messages, 24h answers and buyers served: counts without conversion.
        daily = uow.queries.kpi_counts(start, end, store, agent, by="day", conversion=False)
        breakdowns = _breakdowns(uow, start, end, now, store, agent)
        intents = by_intent(uow.queries.intent_counts(start, end, store, agent))
        waiting = uow.queries.waiting_since(store, agent)
    return KpiDashboard(
        KpiReport(start, end, store, agent, current),
        KpiReport(before, start - timedelta(days=1), store, agent, previous),
        [
            (day, daily.get(day, Kpis()))
            for day in (start + timedelta(days=i) for i in range(length))
        ],
        backlog(waiting, now),
        breakdowns,
        intents,
    )


def kpi_breakdowns(
    uow: UnitOfWork,
    *,
    start: date,
    end: date,
    now: datetime,
    store: str | None = None,
    agent: str | None = None,
    final_only: bool = False,
) -> Breakdowns:
    """The counts of start..end by store, platform and agent (`kefu report kpi --by`)."""
    with uow:
        if final_only:
            end = min(end, _final_end(uow, now, store))
        return _breakdowns(uow, start, end, now, store, agent)


def _final_end(uow: UnitOfWork, now: datetime, store: str | None) -> date:
    """T+3 on the store's own calendar; for several stores, the last day final in all of
    them (docs/kpis.md "Final data")."""
    q = uow.queries
    codes = q.store_labels()
    zones = [zone for sid, zone in q.store_zones().items() if store is None or codes[sid] == store]
    return final_until_all(now, zones)


def _breakdowns(
    uow: UnitOfWork,
    start: date,
    end: date,
    now: datetime,
    store: str | None,
    agent: str | None,
) -> Breakdowns:
    """By store and by agent from the facts and the case records; a platform's stores
    added up (every count is per store, see `across_stores`)."""
    q = uow.queries
    stores = q.kpi_counts(start, end, store, agent, by="store")
    agents = q.kpi_counts(start, end, store, agent, by="agent")
    _add_disputes(uow, stores, start, end, now, store, agent, "store")
    _add_disputes(uow, agents, start, end, now, store, agent, "agent")
    codes, platforms = q.store_labels(), q.store_platforms()
    # An archived store is history: listed while it has counts in the range, not as zeros.
    archived = {s.id for s in q.stores() if s.archived_at is not None}
    shown = sorted(
        sid
        for sid, code in codes.items()
        if (store is None or code == store) and (sid not in archived or sid in stores)
    )
    return Breakdowns(
        by_store=[(codes[sid], stores.get(sid, Kpis())) for sid in shown],
        by_platform=[
            (
                platform,
                across_stores(
                    stores.get(sid, Kpis()) for sid in shown if platforms[sid] == platform
                ),
            )
            for platform in sorted({platforms[sid] for sid in shown})
        ],
        by_agent=[(name, agents.get(aid, Kpis())) for name, aid in sorted(q.account_ids().items())],
        platforms={codes[sid]: platforms[sid] for sid in shown},
    )


def kpi_report(
    uow: UnitOfWork,
    *,
    start: date,
    end: date,
    now: datetime,
    store: str | None = None,
    agent: str | None = None,
    final_only: bool = False,
) -> KpiReport:
    """KPIs for start..end; with `final_only` the range stops at T+3 (SPEC §11), on each
    store's own calendar."""
    with uow:
        if final_only:
            end = min(end, _final_end(uow, now, store))
        kpis = _full(uow, start, end, now, store, agent)
    return KpiReport(start, end, store, agent, kpis)


def _full(
    uow: UnitOfWork,
    first: date,
    last: date,
    now: datetime,
    store: str | None,
    agent: str | None,
) -> Kpis:
    """Every KPI of one period: the counts and waits from the reporting facts (response
    times in working hours were measured when each answer was written), resolution times
    from the conversations closed on its days, disputes from the case records."""
    q = uow.queries
    counted = q.kpi_counts(first, last, store, agent)
    _add_disputes(uow, counted, first, last, now, store, agent, None)
    kpis = counted.get(None, Kpis())
    kpis.response_seconds, kpis.response_working_seconds = q.response_waits(
        first, last, store, agent
    )
    closed = q.closed_conversations(first, last, store, agent)
    kpis.resolution_seconds = resolution_seconds(
        closed, start=first, end=last, zones=q.store_zones()
    )
    kpis.satisfaction_scores = q.satisfaction_scores(first, last, store, agent)
    return kpis


def _add_disputes(
    uow: UnitOfWork,
    groups: dict[KpiGroup, Kpis],
    first: date,
    last: date,
    now: datetime,
    store: str | None,
    agent: str | None,
    by: DisputeBreakdown | None,
) -> None:
    """Disputes open when the range ends (or now, for a range that ends today), disputes
    that began in it, and orders placed in it (docs/kpis.md "Disputes"), into `groups`.
    Orders belong to stores, not agents: an agent's report has no dispute rate."""
    q = uow.queries
    figures: list[tuple[str, dict[KpiGroup, int]]] = [
        ("open_disputes", q.open_disputes(last, now, store, agent, by)),
        ("disputes_opened", q.disputes_opened(first, last, store, agent, by)),
    ]
    if agent is None and by != "agent":
        orders = q.orders_placed(first, last, store)
        by_store: dict[KpiGroup, int] = {sid: n for sid, n in orders.items()}
        figures.append(("orders_placed", {None: sum(orders.values())} if by is None else by_store))
    for name, counts in figures:
        for group, n in counts.items():
            setattr(groups.setdefault(group, Kpis()), name, n)


def breakdown_values(k: Kpis) -> dict[str, float | None]:
    """The metrics a breakdown shows for each store, platform or agent, in SPEC §11 order."""
    return {
        "messages_received": k.messages_received,
        "answered_24h": k.answered_24h,
        "reply_rate_24h": k.reply_rate_24h,
        "buyers_served": k.buyers_served,
        "buyers_answered": k.buyers_answered,
        "inquiry_conversion": k.inquiry_conversion,
        "guided_gmv_usd": k.guided_gmv_cents / 100,
        "daily_inquiry_conversion": k.daily_inquiry_conversion,
        "daily_guided_gmv_usd": k.daily_guided_gmv_cents / 100,
        "undelivered_replies": k.undelivered_replies,
        "open_disputes": k.open_disputes,
        "dispute_rate": k.dispute_rate,
    }


def breakdown_rows(k: Kpis) -> list[str]:
    """`breakdown_values` formatted for a table or a CSV file; empty where undefined."""
    return [_format(name, value) for name, value in breakdown_values(k).items()]


def _format(name: str, value: float | None) -> str:
    if value is None:
        return ""
    if name in RATES:
        return f"{value:.4f}"
    if name == "satisfaction_mean":
        return f"{value:.2f}"
    if name.endswith(("_usd", "_hours")):
        return f"{value:.2f}"
    return str(int(value))


RATES = (
    "reply_rate_24h",
    "inquiry_conversion",
    "daily_inquiry_conversion",
    "dispute_rate",
    "satisfied_share",
    "automatic_share",
)


def _hours(values: list[float]) -> tuple[float | None, float | None]:
    """The median and the 90th percentile, in hours; None without values."""
    if not values:
        return None, None
    if len(values) == 1:
        return values[0] / 3600, values[0] / 3600
    cuts = statistics.quantiles(values, n=100, method="inclusive")  # sorts once for both
    return cuts[49] / 3600, cuts[89] / 3600


@dataclass(frozen=True)
class ReportChoices:
    """What the person may pick on the report form: their stores, and the agents."""

    store_codes: list[str]
    usernames: list[str]
    # Names to show for them: a store's name by code, an agent's display name by user name.
    store_names: dict[str, str] = field(default_factory=dict)
    agent_names: dict[str, str] = field(default_factory=dict)


def report_choices(who: Principal, *, uow: UnitOfWork) -> ReportChoices:
    access.require(who, Permission.VIEW_REPORTS)
    with uow:
        stores = access.stores(uow, who)
        return ReportChoices(
            [s.code for s in stores],
            sorted(uow.queries.account_ids()),
            {s.code: s.name or s.code for s in stores},
            {a.username: a.display_name for a in uow.auth.accounts()},
        )


def dashboard_for(
    who: Principal,
    *,
    start: date,
    end: date,
    store: str | None,
    agent: str | None,
    final_only: bool,
    uow: UnitOfWork,
    clock: Clock,
) -> KpiDashboard:
    """The dashboard as `who` may read it: a sub-account reads one of its own stores at a
    time (404 for another), the main account any store or all of them."""
    access.require(who, Permission.VIEW_REPORTS)
    if who.store_ids is not None:
        if not store:
            raise InvalidInput("choose one of your stores (store=…)", field="store")
        with uow:
            access.store(uow, who, store, archived=True)
    return kpi_dashboard(
        uow,
        start=start,
        end=end,
        now=clock.now(),
        store=store or None,
        agent=agent or None,
        final_only=final_only,
    )
