"""Reply settings for a shop lead: the store's facts, automatic replies, and the store's
own wording of each template with a live preview (replies issue)."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response

from kefu.bootstrap import Kefu
from kefu.domain.errors import FieldError, InvalidInput, NotFound, RowErrors
from kefu.domain.geo import BUYER_LANGUAGES
from kefu.services import replies as reply_service
from kefu.services import views
from kefu.services.access import Principal
from kefu.services.ports import StoreRef
from kefu.web.deps import KefuDep
from kefu.web.errors import field_errors
from kefu.web.i18n import negotiate
from kefu.web.security import TemplateManager
from kefu.web.settings_forms import (
    KEYWORD_ROWS,
    auto_from_form,
    auto_to_form,
    facts_from_form,
    facts_to_form,
)
from kefu.web.templating import cldr, render, render_page

router = APIRouter(include_in_schema=False)

# The languages a store can word templates in: the agents' Chinese and the buyers' languages.
WORDING_LANGUAGES = ("en", "zh", *(lang for lang in BUYER_LANGUAGES if lang != "en"))
SECTIONS = ("facts", "auto", "templates")


@router.get("/settings/replies")
def settings_page(
    request: Request,
    kefu: KefuDep,
    who: TemplateManager,
    store: Annotated[str | None, Query(max_length=64)] = None,
    template: Annotated[str | None, Query(max_length=40)] = None,
    lang: Annotated[str | None, Query(max_length=8)] = None,
    saved: Annotated[str | None, Query(max_length=20)] = None,
) -> Response:
    return _render(request, kefu, who, store, template=template, lang=lang, saved=saved)


@router.post("/settings/replies/{store}/facts")
async def save_facts(store: str, request: Request, kefu: KefuDep, who: TemplateManager) -> Response:
    form = await request.form()
    fields = {k: str(v) for k, v in form.items()}
    ref = views.store(who, store, uow=kefu.uow())
    try:
        facts = facts_from_form(fields, [str(d) for d in form.getlist("workdays")])
        if facts.holiday_country and not kefu.replies.holidays(
            facts.holiday_country, kefu.clock.now().year
        ):
            raise RowErrors(
                [FieldError("holiday_country", "has no public-holiday calendar; leave it empty")]
            )
    except RowErrors as exc:
        return _render(
            request,
            kefu,
            who,
            store,
            facts_form=fields,
            errors=exc.errors,
            section="facts",
            status=422,
        )
    reply_service.save_facts(who, ref.id, facts, uow=kefu.uow(), clock=kefu.clock)
    return _back(ref, "facts")


@router.post("/settings/replies/{store}/auto-replies")
async def save_auto_replies(
    store: str, request: Request, kefu: KefuDep, who: TemplateManager
) -> Response:
    form = await request.form()
    fields = {k: str(v) for k, v in form.items()}
    ref = views.store(who, store, uow=kefu.uow())
    try:
        settings = auto_from_form(fields)
    except RowErrors as exc:
        return _render(
            request,
            kefu,
            who,
            store,
            auto_form=fields,
            errors=exc.errors,
            section="auto",
            status=422,
        )
    reply_service.save_auto_replies(
        who, ref.id, settings, gate=kefu.gate, uow=kefu.uow(), clock=kefu.clock
    )
    return _back(ref, "auto")


@router.post("/settings/replies/{store}/templates/{key}/{language}")
def save_wording(
    store: str,
    key: str,
    language: str,
    request: Request,
    kefu: KefuDep,
    who: TemplateManager,
    text: Annotated[str, Form(max_length=5000)] = "",
    action: Annotated[str, Form()] = "save",
) -> Response:
    """Save the store's wording, or (action=revert) go back to kefu's packaged text."""
    ref = views.store(who, store, uow=kefu.uow())
    _check_template(kefu, key, language)
    try:
        kefu.replies.save_wording(
            who,
            ref.id,
            key,
            language,
            None if action == "revert" else text,
            uow=kefu.uow(),
            clock=kefu.clock,
        )
    except (InvalidInput, RowErrors) as exc:
        return _render(
            request,
            kefu,
            who,
            store,
            template=key,
            lang=language,
            draft=text,
            errors=field_errors(exc),
            section="templates",
            status=422,
        )
    return _back(ref, "templates", template=key, lang=language)


@router.post("/settings/replies/{store}/templates/{key}/{language}/preview")
def preview_wording(
    store: str,
    key: str,
    language: str,
    request: Request,
    kefu: KefuDep,
    who: TemplateManager,
    text: Annotated[str, Form(max_length=5000)] = "",
) -> Response:
    """As the lead types: the draft filled with the store's facts and an example order."""
    ref = views.store(who, store, uow=kefu.uow())
    _check_template(kefu, key, language)
    preview = kefu.replies.preview(
        who, ref.id, key, language, text, uow=kefu.uow(), clock=kefu.clock
    )
    return render_page(request, "partials/template_preview.html", {"preview": preview})


def _render(
    request: Request,
    kefu: Kefu,
    who: Principal,
    code: str | None,
    *,
    template: str | None = None,
    lang: str | None = None,
    saved: str | None = None,
    draft: str | None = None,
    facts_form: dict[str, str] | None = None,
    auto_form: dict[str, str] | None = None,
    errors: list[FieldError] | None = None,
    section: str | None = None,
    status: int = 200,
) -> Response:
    locale = negotiate(request, kefu.settings.default_locale)
    agent_language = "zh" if locale == "zh_CN" else "en"
    found = views.reply_settings(who, code, uow=kefu.uow())
    ref, facts, auto, own = found.store, found.facts, found.auto, found.own
    catalogue = kefu.replies.catalogue.with_overrides(own)
    chosen = template if template in catalogue else None
    language = lang if lang in WORDING_LANGUAGES else agent_language
    editor = None
    if chosen:
        t = catalogue.get(chosen)
        packaged = kefu.replies.catalogue.get(chosen)
        editor = {
            "template": t,
            "language": language,
            "text": draft if draft is not None else t.texts.get(language, ""),
            "own": (chosen, language) in own,
            "packaged": packaged.texts.get(language),
            "preview": kefu.replies.preview(
                who, ref.id, chosen, language, draft, uow=kefu.uow(), clock=kefu.clock
            ),
        }
    return render(
        request.app.state.templates,
        request,
        "pages/settings_replies.html",
        {
            "nav": "settings",
            "store": ref,
            "stores": found.stores,
            "facts": facts_form or facts_to_form(facts),
            "workdays": sorted(facts.workdays),
            "weekdays": [cldr(locale).days["format"]["abbreviated"][d] for d in range(7)],
            "auto": auto_form or auto_to_form(auto),
            "keyword_rows": range(1, KEYWORD_ROWS + 1),
            "catalogue": sorted(catalogue, key=lambda t: (t.automatic, t.key)),
            "own": {key for key, _ in own},
            "own_languages": sorted(own),
            "agent_language": agent_language,
            "languages": WORDING_LANGUAGES,
            "editor": editor,
            "errors": errors or [],
            "section": section or ("templates" if chosen else None),
            "saved": saved if saved in SECTIONS else None,
        },
        status_code=status,
    )


def _check_template(kefu: Kefu, key: str, language: str) -> None:
    if key not in kefu.replies.catalogue or language not in WORDING_LANGUAGES:
        raise NotFound(f"no template {key!r} in language {language!r}", key=key)


def _back(ref: StoreRef, section: str, **extra: str) -> Response:
    """Post/redirect/get: a reload does not post the form again."""
    query = urlencode({"store": ref.code, "saved": section, **extra})
    anchor = {"facts": "facts", "auto": "auto-replies", "templates": "wording"}[section]
    return RedirectResponse(f"/settings/replies?{query}#{anchor}", status_code=303)
