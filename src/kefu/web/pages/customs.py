"""The customs facts page (docs/customs.md): a store's effective rules with their source
and date, and the form that replaces the store's own set."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import RedirectResponse, Response

from kefu.bootstrap import Kefu
from kefu.domain.customs import CustomsFact, RuleKind, fact_from
from kefu.domain.errors import FieldError, RowErrors
from kefu.services import customs, views
from kefu.services.access import Principal
from kefu.web.deps import KefuDep
from kefu.web.security import TemplateManager
from kefu.web.templating import render

router = APIRouter(include_in_schema=False)

FIELDS = ("region", "kind", "threshold", "currency", "since", "source", "source_url", "as_of",
          "summary")  # fmt: skip
BLANK_ROWS = 2  # empty rows under the store's own, to add a rule
MAX_ROWS = 50


@router.get("/settings/customs")
def customs_page(
    request: Request,
    kefu: KefuDep,
    who: TemplateManager,
    store: Annotated[str | None, Query(max_length=64)] = None,
    saved: Annotated[str | None, Query(max_length=8)] = None,
) -> Response:
    return _render(request, kefu, who, store, saved=saved == "yes")


@router.post("/settings/customs/{store}")
async def save_customs(
    store: str, request: Request, kefu: KefuDep, who: TemplateManager
) -> Response:
    form = await request.form()
    rows = [
        {name: str(form.get(f"{name}_{n}", "")).strip() for name in FIELDS}
        for n in range(1, MAX_ROWS + 1)
        if str(form.get(f"region_{n}", "")).strip()
    ]
    facts: list[CustomsFact] = []
    errors: list[FieldError] = []
    for n, row in enumerate(rows, start=1):
        try:
            facts.append(fact_from(_typed(row, errors, n), n))
        except RowErrors as exc:
            errors += exc.errors
    if not errors:
        try:
            customs.save_facts(who, store, facts, uow=kefu.uow(), clock=kefu.clock)
        except RowErrors as exc:
            errors = exc.errors
    if errors:
        return _render(request, kefu, who, store, rows=rows, errors=errors, status=422)
    query = urlencode({"store": store, "saved": "yes"})
    return RedirectResponse(f"/settings/customs?{query}", status_code=303)


def _typed(row: dict[str, str], errors: list[FieldError], n: int) -> dict[str, Any]:
    """The form's text as the API's values: empty is none, the threshold a whole number."""
    out: dict[str, Any] = {k: (v or None) for k, v in row.items()}
    if row["threshold"]:
        if row["threshold"].isdigit():
            out["threshold"] = int(row["threshold"])
        else:
            errors.append(FieldError("threshold", "must be a whole number", n, row["threshold"]))
            out["threshold"] = None
    return out


def _render(
    request: Request,
    kefu: Kefu,
    who: Principal,
    code: str | None,
    *,
    rows: list[dict[str, str]] | None = None,
    errors: list[FieldError] | None = None,
    saved: bool = False,
    status: int = 200,
) -> Response:
    ref = views.store(who, code, uow=kefu.uow())
    found = customs.list_facts(who, ref.code, uow=kefu.uow())
    own = {(f.region, f.kind) for f in found.own}
    if rows is None:
        rows = [{k: "" if v is None else str(v) for k, v in f.to_dict().items()} for f in found.own]
    rows = rows + [dict.fromkeys(FIELDS, "") for _ in range(BLANK_ROWS)]
    return render(
        request.app.state.templates,
        request,
        "pages/settings_customs.html",
        {
            "nav": "settings",
            "store": ref,
            "stores": views.stores(who, uow=kefu.uow()),
            "facts": [(f, (f.region, f.kind) in own) for f in found.effective],
            "rows": rows,
            "kinds": [k.value for k in RuleKind],
            "errors": errors or [],
            "saved": saved,
        },
        status_code=status,
    )
