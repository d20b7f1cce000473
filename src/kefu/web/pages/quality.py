"""The quality report page (red-marked problems per product) and its CSV download."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from pydantic import ValidationError

from kefu.services.reports import report_choices
from kefu.web.api.quality import QualityQuery, quality
from kefu.web.deps import KefuDep
from kefu.web.pages.reports import _bad_dates
from kefu.web.security import ReportViewer
from kefu.web.templating import render_page

router = APIRouter(include_in_schema=False)


@router.get("/reports/quality")
def quality_page(
    request: Request,
    kefu: KefuDep,
    who: ReportViewer,
    start: Annotated[str | None, Query(alias="from")] = None,
    end: Annotated[str | None, Query(alias="to")] = None,
    store: str | None = None,
) -> Response:
    """Defaults to the last 30 days of every store the person has."""
    today = datetime.now(UTC).date()
    choices = report_choices(who, uow=kefu.uow())
    try:
        query = QualityQuery.model_validate(
            {
                "from": start or (today - timedelta(days=29)).isoformat(),
                "to": end or today.isoformat(),
                "store": store or None,
            }
        )
    except ValidationError as exc:
        return _bad_dates(request, kefu, exc)
    result = quality(kefu, query, who)
    return render_page(
        request,
        "pages/quality.html",
        {
            "nav": "quality",
            "result": result,
            "query": query,
            "store_codes": choices.store_codes,
            "store_names": choices.store_names,
            "chart_json": json.dumps(result.chart(), ensure_ascii=False).replace("</", "<\\/"),
        },
    )


@router.get("/reports/quality.csv")
def quality_csv(
    kefu: KefuDep, who: ReportViewer, query: Annotated[QualityQuery, Query()]
) -> Response:
    result = quality(kefu, query, who)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(
        [
            "store",
            "sku",
            "title",
            "conversations",
            "orders",
            "share",
            "latest_conversation_id",
            "latest_at",
        ]
    )
    writer.writerows(
        [
            r.store,
            _cell(r.sku),
            _cell(r.title),
            r.conversations,
            r.orders,
            "" if r.share is None else f"{r.share:.4f}",
            r.latest_conversation_id,
            r.latest_at.isoformat(),
        ]
        for r in result.rows
    )
    name = f"kefu-quality-{result.start}-{result.end}.csv"
    return Response(
        buffer.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


def _cell(text: str) -> str:
    """An imported SKU or title is text in a spreadsheet, never a formula (as
    adapters/tabular.safe_cell does for the import error files)."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
