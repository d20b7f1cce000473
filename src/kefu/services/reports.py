"""KPI reports: plain rows from the read side, SPEC §11 formulas from the domain."""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from kefu.domain.calendar import WorkingHours
from kefu.domain.kpis import (
    ClosedRow,
    Kpis,
    MessageRow,
    PaymentRow,
    backlog,
    compute,
    final_until,
    resolution_seconds,
)
from kefu.services.ports import UnitOfWork

# Until shop facts are editable (replies issue): SPEC §5's 9:00-18:00 Beijing time.
DEFAULT_HOURS = WorkingHours(ZoneInfo("Asia/Shanghai"))


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
        return {
            "buyers_served": k.buyers_served,
            "buyers_answered": k.buyers_answered,
            "messages_received": k.messages_received,
            "messages_answered": k.messages_answered,
            "answered_24h": k.answered_24h,
            "reply_rate_24h": k.reply_rate_24h,
            "inquiry_conversion": k.inquiry_conversion,
            "guided_gmv_usd": k.guided_gmv_cents / 100,
            "automatic_replies": k.automatic_replies,
            "response_p50_hours": _hours(k.response_seconds, 0.5),
            "response_p90_hours": _hours(k.response_seconds, 0.9),
            "response_p50_working_hours": _hours(k.response_working_seconds, 0.5),
            "response_p90_working_hours": _hours(k.response_working_seconds, 0.9),
            "resolution_p50_hours": _hours(k.resolution_seconds, 0.5),
            "resolution_p90_hours": _hours(k.resolution_seconds, 0.9),
        }

    def rows(self) -> list[tuple[str, str]]:
        """(metric, value) formatted for a table or a CSV file; empty where undefined."""
        return [(name, _format(name, value)) for name, value in self.values().items()]


@dataclass(frozen=True)
class KpiDashboard:
    current: KpiReport
    previous: KpiReport  # the same number of days just before
    daily: list[tuple[date, Kpis]]
    backlog: dict[str, int]  # now, not for the range: conversations waiting, by age
    by_store: list[tuple[str, Kpis]]
    by_agent: list[tuple[str, Kpis]]  # by the conversations each agent holds now


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
    if final_only:
        end = min(end, final_until(now.date()))
    length = (end - start).days + 1
    before = start - timedelta(days=length)
    with uow:
        messages, payments, zones = uow.queries.kpi_rows(before, end, store, agent)
        closed = uow.queries.closed_conversations(before, end, store, agent)
        waiting = uow.queries.waiting_since(store, agent)
        stores = uow.queries.store_labels()
        agents = uow.queries.account_ids()

    def part(rows: list[MessageRow], paid: list[PaymentRow], first: date, last: date) -> Kpis:
        """Counts only (no working hours, no resolution): breakdowns and the daily trend."""
        return compute(rows, paid, start=first, end=last, zones=zones)

    by_store = [
        (
            code,
            part(
                [m for m in messages if m.store_id == sid],
                [p for p in payments if p.store_id == sid],
                start,
                end,
            ),
        )
        for sid, code in sorted(stores.items())
        if sid in zones
    ]
    by_agent = [
        (name, part([m for m in messages if m.agent_id == aid], payments, start, end))
        for name, aid in sorted(agents.items())
    ]

    def period(first: date, last: date) -> KpiReport:
        kpis = _full(messages, payments, closed, zones, first, last)
        return KpiReport(first, last, store, agent, kpis)

    daily = [
        (day, part(messages, payments, day, day))
        for day in (start + timedelta(days=i) for i in range(length))
    ]
    return KpiDashboard(
        period(start, end),
        period(before, start - timedelta(days=1)),
        daily,
        backlog(waiting, now),
        by_store,
        by_agent,
    )


def kpi_report(
    uow: UnitOfWork,
    *,
    start: date,
    end: date,
    today: date,
    store: str | None = None,
    agent: str | None = None,
    final_only: bool = False,
) -> KpiReport:
    """KPIs for start..end; with `final_only` the range stops at T+3 (SPEC §11)."""
    if final_only:
        end = min(end, final_until(today))
    with uow:
        messages, payments, zones = uow.queries.kpi_rows(start, end, store, agent)
        closed = uow.queries.closed_conversations(start, end, store, agent)
    return KpiReport(start, end, store, agent, _full(messages, payments, closed, zones, start, end))


def _full(
    messages: list[MessageRow],
    payments: list[PaymentRow],
    closed: list[ClosedRow],
    zones: dict[int, ZoneInfo],
    first: date,
    last: date,
) -> Kpis:
    """Every KPI of one period, response times in working hours and resolution included."""
    hours = {store_id: DEFAULT_HOURS for store_id in zones}
    kpis = compute(messages, payments, start=first, end=last, zones=zones, hours=hours)
    kpis.resolution_seconds = resolution_seconds(closed, start=first, end=last, zones=zones)
    return kpis


def _format(name: str, value: float | None) -> str:
    if value is None:
        return ""
    if name in ("reply_rate_24h", "inquiry_conversion"):
        return f"{value:.4f}"
    if name == "guided_gmv_usd" or name.endswith("_hours"):
        return f"{value:.2f}"
    return str(int(value))


def _hours(values: list[float], quantile: float) -> float | None:
    if not values:
        return None
    if len(values) == 1:
        return values[0] / 3600
    return statistics.quantiles(values, n=100, method="inclusive")[round(quantile * 100) - 1] / 3600
