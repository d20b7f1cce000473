"""The KPI dashboard page and its CSV download."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from openpyxl import Workbook
from pydantic import ValidationError

from kefu.domain.kpis import Kpis
from kefu.services.reports import FIRST_DAY, LAST_DAY, IntentCount, report_choices
from kefu.web.api.reports import KpiQuery, dashboard
from kefu.web.deps import KefuDep
from kefu.web.i18n import negotiate, translations
from kefu.web.labels import LABELS
from kefu.web.security import ReportViewer
from kefu.web.templating import render, render_page

router = APIRouter(include_in_schema=False)
PLATFORM_NAMES = LABELS["platform"]
# The page's own wording of a bad date; the field names come from the UI catalog.
NOT_A_DATE = {
    "en": "{field}: not a date (YYYY-MM-DD): {value}",
    "zh_CN": "{field}：不是有效的日期（格式为 YYYY-MM-DD）：{value}",
}
RANGE_ERRORS = ("greater_than_equal", "less_than_equal")
NOT_IN_RANGE = {
    "en": "{field}: a day from {first} to {last}: {value}",
    "zh_CN": "{field}：日期须在 {first} 至 {last} 之间：{value}",
}


@router.get("/reports")
def reports_page(
    request: Request,
    kefu: KefuDep,
    who: ReportViewer,
    start: Annotated[str | None, Query(alias="from")] = None,
    end: Annotated[str | None, Query(alias="to")] = None,
    store: str | None = None,
    agent: str | None = None,
    final: bool = False,
) -> Response:
    """Defaults to the last 30 days; the form keeps what was chosen."""
    today = datetime.now(UTC).date()
    choices = report_choices(who, uow=kefu.uow())
    mine = choices.store_codes[0] if choices.store_codes else ""
    try:
        query = KpiQuery.model_validate(
            {
                "from": start or (today - timedelta(days=29)).isoformat(),
                "to": end or today.isoformat(),
                "store": store or (None if who.store_ids is None else mine),
                "agent": agent or None,
                "final": final,
            }
        )
    except ValidationError as exc:
        return _bad_dates(request, kefu, exc)
    result = dashboard(kefu, query, who)
    trend = {
        "days": [day.isoformat() for day, _ in result.daily],
        "messages_received": [k.messages_received for _, k in result.daily],
        "reply_rate_24h": [_percent(k.reply_rate_24h) for _, k in result.daily],
    }
    return render_page(
        request,
        "pages/reports.html",
        {
            "nav": "reports",
            "result": result,
            "query": query,
            "usernames": choices.usernames,
            "store_codes": choices.store_codes or [""],
            "store_names": choices.store_names,
            "agent_names": choices.agent_names,
            "trend_json": json.dumps(trend),
            "breakdown_json": _breakdown_json,
            "disputes_json": _disputes_json(result.by_store, choices.store_names),
            "intent_json": _intent_json,
        },
    )


@router.get("/reports/kpi.csv")
def reports_csv(kefu: KefuDep, who: ReportViewer, query: Annotated[KpiQuery, Query()]) -> Response:
    result = dashboard(kefu, query, who)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(
        [
            "metric",
            f"{result.current.start}..{result.current.end}",
            f"{result.previous.start}..{result.previous.end}",
        ]
    )
    previous = dict(result.previous.rows())
    writer.writerows((name, value, previous[name]) for name, value in result.current.rows())
    name = f"kefu-kpi-{result.current.start}-{result.current.end}.csv"
    return Response(
        buffer.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.get("/reports/kpi.xlsx")
def reports_xlsx(kefu: KefuDep, who: ReportViewer, query: Annotated[KpiQuery, Query()]) -> Response:
    """The same report as a workbook: the KPIs with the period before, and one row per day."""
    result = dashboard(kefu, query, who)
    book = Workbook()
    sheet = book.active
    sheet.title = "KPIs"
    sheet.append(
        [
            "metric",
            f"{result.current.start}..{result.current.end}",
            f"{result.previous.start}..{result.previous.end}",
        ]
    )
    previous = result.previous.values()
    for name, value in result.current.values().items():
        sheet.append([name, value, previous[name]])
    daily = book.create_sheet("Daily")
    daily.append(
        [
            "day",
            "messages_received",
            "messages_answered",
            "answered_24h",
            "reply_rate_24h",
            "buyers_served",
        ]
    )
    for day, k in result.daily:
        daily.append(
            [
                day,
                k.messages_received,
                k.messages_answered,
                k.answered_24h,
                k.reply_rate_24h,
                k.buyers_served,
            ]
        )
    intents = book.create_sheet("By intent")
    intents.append(["intent", "sub_intent", "messages", "share"])
    for row in result.by_intent:
        intents.append([row.intent, None, row.messages, row.share])
        for sub in row.sub_intents:
            intents.append([row.intent, sub.sub_intent, sub.messages, sub.share])
    buffer = io.BytesIO()
    book.save(buffer)
    name = f"kefu-kpi-{result.current.start}-{result.current.end}.xlsx"
    return Response(
        buffer.getvalue(),
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


def _bad_dates(request: Request, kefu: KefuDep, exc: ValidationError) -> Response:
    """A date typed into the address bar is the agent's mistake, told in their language
    (422), not a server error; the API answers the same query with FastAPI's 422."""
    locale = negotiate(request, kefu.settings.default_locale)
    gettext = translations(locale).gettext
    labels = {"from": gettext("From"), "to": gettext("To")}
    lang = "zh_CN" if locale == "zh_CN" else "en"
    message = "; ".join(
        (NOT_IN_RANGE if e["type"] in RANGE_ERRORS else NOT_A_DATE)[lang].format(
            field=labels.get(str(e["loc"][0]), str(e["loc"][0])),
            value=e["input"],
            first=FIRST_DAY,
            last=LAST_DAY,
        )
        for e in exc.errors()
    )
    context = {"headline": message, "problems": [], "status": 422}
    return render(request.app.state.templates, request, "pages/error.html", context, 422)


def _breakdown_json(
    rows: list[tuple[str, Kpis]], kind: str, names: dict[str, str] | None = None
) -> str:
    """One bar per store, platform or agent, shown by name: the 24 h reply rate as a
    percentage (none: no messages)."""
    shown = names or {}
    return json.dumps(
        {
            "labels": [
                PLATFORM_NAMES.get(name, name) if kind == "by-platform" else shown.get(name, name)
                for name, _ in rows
            ],
            "reply_rate_24h": [_percent(k.reply_rate_24h) for _, k in rows],
        },
        ensure_ascii=False,
    ).replace("</", "<\\/")


def _intent_json(rows: list[IntentCount], label: Callable[[str, str | None], str]) -> str:
    """One bar per intent, and under each parent one bar per sub-intent: messages received
    (`kind` tells the two apart, for the colours)."""
    bars = [
        bar
        for row in rows
        for bar in [
            (label("intent", row.intent), row.messages, "intent"),
            *(
                (f"{label('intent', row.intent)} › {label('sub_intent', s.sub_intent)}",
                 s.messages, "sub_intent")
                for s in row.sub_intents
            ),
        ]
    ]  # fmt: skip
    return json.dumps(
        {
            "labels": [name for name, _, _ in bars],
            "messages": [n for _, n, _ in bars],
            "kinds": [kind for _, _, kind in bars],
        },
        ensure_ascii=False,
    ).replace("</", "<\\/")


def _disputes_json(rows: list[tuple[str, Kpis]], names: dict[str, str]) -> str:
    """One bar per store: disputes open when the range ends; and its dispute rate as a
    percentage (none: no orders placed)."""
    return json.dumps(
        {
            "labels": [names.get(code, code) for code, _ in rows],
            "open_disputes": [k.open_disputes for _, k in rows],
            "dispute_rate": [_percent(k.dispute_rate) for _, k in rows],
        },
        ensure_ascii=False,
    ).replace("</", "<\\/")


def _percent(rate: float | None) -> float | None:
    """A rate as the charts draw it: a percentage with one decimal."""
    return None if rate is None else round(rate * 100, 1)
