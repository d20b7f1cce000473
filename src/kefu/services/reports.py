"""KPI reports: plain rows from the read side, SPEC §11 formulas from the domain."""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import date
from zoneinfo import ZoneInfo

from kefu.domain.calendar import WorkingHours
from kefu.domain.kpis import Kpis, compute, final_until
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

    def rows(self) -> list[tuple[str, str]]:
        """(metric, value) in SPEC §11 order, formatted for a table or a CSV file."""
        k = self.kpis
        return [
            ("buyers_served", str(k.buyers_served)),
            ("buyers_answered", str(k.buyers_answered)),
            ("messages_received", str(k.messages_received)),
            ("messages_answered", str(k.messages_answered)),
            ("answered_24h", str(k.answered_24h)),
            ("reply_rate_24h", _ratio(k.reply_rate_24h)),
            ("inquiry_conversion", _ratio(k.inquiry_conversion)),
            ("guided_gmv_usd", f"{k.guided_gmv_cents / 100:.2f}"),
            ("automatic_replies", str(k.automatic_replies)),
            ("response_p50_hours", _hours(k.response_seconds, 0.5)),
            ("response_p90_hours", _hours(k.response_seconds, 0.9)),
            ("response_p50_working_hours", _hours(k.response_working_seconds, 0.5)),
            ("response_p90_working_hours", _hours(k.response_working_seconds, 0.9)),
        ]


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
    hours = {store_id: DEFAULT_HOURS for store_id in zones}
    result = compute(messages, payments, start=start, end=end, zones=zones, hours=hours)
    return KpiReport(start, end, store, agent, result)


def _ratio(value: float | None) -> str:
    return "" if value is None else f"{value:.4f}"


def _hours(values: list[float], quantile: float) -> str:
    if not values:
        return ""
    if len(values) == 1:
        return f"{values[0] / 3600:.2f}"
    cut = statistics.quantiles(values, n=100, method="inclusive")[round(quantile * 100) - 1]
    return f"{cut / 3600:.2f}"
