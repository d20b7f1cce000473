"""Translation on screen: the composer's live translation, a buyer message translated on
request, the store's term base, and the owner's provider page (usage and budgets)."""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response

from kefu.bootstrap import Kefu
from kefu.domain.errors import FieldError, RowErrors
from kefu.domain.termbase import terms_from_lines, terms_to_lines
from kefu.services import translation as translation_service
from kefu.services import views
from kefu.services.access import Principal
from kefu.services.ports import StoredTranslation, TranslationPrefs, UsageDay
from kefu.services.translation import AGENT_LANGUAGES, PROVIDERS
from kefu.web.deps import KefuDep
from kefu.web.i18n import negotiate
from kefu.web.params import Id
from kefu.web.security import InboxViewer, Replier, ShopManager, TemplateManager
from kefu.web.templating import render, render_page

router = APIRouter(include_in_schema=False)

USAGE_DAYS = 30
MAX_DRAFT = 8 * 1024


def agent_language(request: Request, kefu: Kefu) -> str:
    """The language of the agent's screen: what buyer messages are translated into."""
    return "zh" if negotiate(request, kefu.settings.default_locale) == "zh_CN" else "en"


def translations_by_language(
    rows: dict[int, list[StoredTranslation]],
) -> dict[int, dict[str, StoredTranslation]]:
    return {mid: {r.language: r for r in found} for mid, found in rows.items()}


@router.post("/conversations/{conversation_id}/translate-draft")
def translate_draft(
    conversation_id: Id,
    request: Request,
    kefu: KefuDep,
    who: Replier,
    agent_text: Annotated[str, Form(max_length=MAX_DRAFT)] = "",
) -> Response:
    """As the agent types: the buyer's text and its back-translation, never sent from here."""
    buyer, composed = kefu.translation.draft(
        who, conversation_id, agent_text, agent_language(request, kefu)
    )
    return render_page(
        request,
        "partials/draft_translation.html",
        {"composed": composed, "buyer_language": buyer, "agent_text": agent_text},
    )


@router.post("/messages/{message_id}/translate")
def translate_message(
    message_id: Id, request: Request, kefu: KefuDep, who: InboxViewer
) -> Response:
    """A buyer message in the agent's language, made now (no translation was asked for
    this language, or the last attempt failed) and stored."""
    target = agent_language(request, kefu)
    result = kefu.translation.translate_message(who, message_id, target)
    stored = views.message_translations(who, message_id, uow=kefu.uow())
    mine = next((r for r in stored if r.language == target), None)
    return render_page(
        request,
        "partials/message_translation.html",
        {
            "message_id": message_id,
            "mine": mine,
            "problem": result.problem,
            "translation_enabled": kefu.translation.translator is not None,
        },
    )


# --- the store's term base --------------------------------------------------------------------


@router.get("/settings/terms")
def terms_page(
    request: Request,
    kefu: KefuDep,
    who: TemplateManager,
    store: Annotated[str | None, Query(max_length=64)] = None,
    saved: Annotated[str | None, Query(max_length=8)] = None,
) -> Response:
    return _terms(request, kefu, who, store, None, saved=bool(saved))


@router.post("/settings/terms/{store}")
def save_terms(
    store: str,
    request: Request,
    kefu: KefuDep,
    who: TemplateManager,
    terms: Annotated[str, Form(max_length=200_000)] = "",
    keep: Annotated[str, Form(max_length=50_000)] = "",
) -> Response:
    ref = views.store(who, store, uow=kefu.uow())
    try:
        parsed = terms_from_lines(terms, keep)
        translation_service.save_termbase(who, ref.id, parsed, uow=kefu.uow(), clock=kefu.clock)
    except RowErrors as bad:
        return _terms(request, kefu, who, ref.code, (terms, keep), errors=bad.errors, status=422)
    return RedirectResponse(f"/settings/terms?store={ref.code}&saved=1", status_code=303)


def _terms(
    request: Request,
    kefu: Kefu,
    who: Principal,
    code: str | None,
    typed: tuple[str, str] | None,
    *,
    saved: bool = False,
    errors: list[FieldError] | None = None,
    status: int = 200,
) -> Response:
    """The term-base page: what was typed (with its errors), else the stored terms."""
    ref, stores, termbase = views.termbase(who, code, uow=kefu.uow())
    terms, keep = typed or terms_to_lines(termbase.terms)
    return render(
        request.app.state.templates,
        request,
        "pages/settings_terms.html",
        {
            "nav": "terms",
            "store": ref,
            "stores": stores,
            "terms": terms,
            "keep": keep,
            "version": termbase.version,
            "saved": saved,
            "errors": errors or [],
        },
        status_code=status,
    )


# --- the owner's page: providers, usage, budgets ---------------------------------------------


@router.get("/settings/translation")
def translation_page(
    request: Request,
    kefu: KefuDep,
    who: ShopManager,
    saved: Annotated[str | None, Query(max_length=8)] = None,
) -> Response:
    return _translation(request, kefu, who, saved=bool(saved))


@router.post("/settings/translation")
async def save_translation(request: Request, kefu: KefuDep, who: ShopManager) -> Response:
    form = await request.form()
    languages = tuple(str(v) for v in form.getlist("agent_languages"))
    budgets: dict[str, int] = {}
    errors: list[FieldError] = []
    for provider in PROVIDERS:
        value = str(form.get(f"budget_{provider}", "")).replace(",", "").replace(" ", "")
        if not value:
            continue
        if not (value.isascii() and value.isdigit()):
            errors.append(
                FieldError(f"budget_{provider}", "a whole number of characters", value=value)
            )
            continue
        budgets[provider] = int(value)
    if not languages:
        errors.append(FieldError("agent_languages", "choose at least one language"))
    try:
        if errors:
            raise RowErrors(errors)
        translation_service.save_prefs(
            who,
            TranslationPrefs(agent_languages=languages, budgets=budgets),
            uow=kefu.uow(),
            clock=kefu.clock,
        )
    except RowErrors as bad:
        return _translation(
            request,
            kefu,
            who,
            errors=bad.errors,
            echo={k: str(v) for k, v in form.items()},
            status=422,
        )
    return RedirectResponse("/settings/translation?saved=1", status_code=303)


def _translation(
    request: Request,
    kefu: Kefu,
    who: Principal,
    *,
    saved: bool = False,
    errors: list[FieldError] | None = None,
    echo: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    today = kefu.clock.now().date()
    first, month_start = today - timedelta(days=USAGE_DAYS - 1), today.replace(day=1)
    # One usage query for both the last 30 days and the month.
    overview = views.translation_overview(who, min(first, month_start), uow=kefu.uow())
    days = [d for d in overview.usage if d.day >= first]
    month: dict[str, int] = {}
    for d in overview.usage:
        if d.day >= month_start:
            month[d.provider] = month.get(d.provider, 0) + d.characters
    return render(
        request.app.state.templates,
        request,
        "pages/settings_translation.html",
        {
            "nav": "translation",
            "provider": kefu.translation.provider,
            "prefs": overview.prefs,
            "agent_languages": AGENT_LANGUAGES,
            "providers": PROVIDERS,
            "totals": _totals(days, month),
            "month": month,
            "pending": overview.pending,
            "chart": json.dumps(_chart(days, first, USAGE_DAYS)),
            "saved": saved,
            "errors": errors or [],
            "echo": echo or {},
        },
        status_code=status,
    )


def _totals(days: list[UsageDay], month: dict[str, int]) -> list[dict[str, object]]:
    """One row per provider over the period: what the owner compares."""
    rows: dict[str, dict[str, float]] = {}
    for d in days:
        row = rows.setdefault(
            d.provider,
            {
                "characters": 0,
                "calls": 0,
                "segments": 0,
                "hits": 0,
                "errors": 0,
                "ms": 0.0,
                "max_ms": 0.0,
            },
        )
        row["characters"] += d.characters
        row["calls"] += d.calls
        row["segments"] += d.segments
        row["hits"] += d.cache_hits
        row["errors"] += d.errors
        row["ms"] += d.latency_ms_total
        row["max_ms"] = max(row["max_ms"], d.latency_ms_max)
    out: list[dict[str, object]] = []
    for provider, row in sorted(rows.items()):
        looked_up = row["hits"] + row["segments"]
        out.append(
            {
                "provider": provider,
                "characters": int(row["characters"]),
                "month": month.get(provider, 0),
                "calls": int(row["calls"]),
                "hit_rate": row["hits"] / looked_up if looked_up else None,
                "errors": int(row["errors"]),
                "mean_ms": row["ms"] / row["calls"] if row["calls"] else None,
                "max_ms": row["max_ms"],
            }
        )
    return out


def _chart(days: list[UsageDay], first: date, count: int) -> dict[str, object]:
    """Characters per provider per day, for the chart beside the table."""
    labels = [(first + timedelta(days=i)).isoformat() for i in range(count)]
    series: dict[str, list[int]] = {}
    for d in days:
        series.setdefault(d.provider, [0] * count)[(d.day - first).days] = d.characters
    return {"days": labels, "series": series}
