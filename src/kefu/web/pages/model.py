"""The Model page (/settings/model; docs/triage.md "Model versions"): the active version,
every version with its figures, "Retrain now" with its progress, the schedule, labelled
files, and per version its tables, its coverage chart and "Activate" (roll back)."""

from __future__ import annotations

import json
from importlib.resources import files
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, UploadFile

from kefu.bootstrap import Kefu
from kefu.domain.errors import DomainError, InvalidInput
from kefu.domain.model_versions import VersionSummary, coverage_at
from kefu.domain.triage import CONFIDENCE_THRESHOLD
from kefu.services import model_versions
from kefu.services.access import Principal
from kefu.web import uploads
from kefu.web.api.imports import file_format, stage_upload
from kefu.web.api.model import read_labelled_upload, start_retrain
from kefu.web.deps import KefuDep
from kefu.web.errors import field_errors
from kefu.web.i18n import negotiate, translations
from kefu.web.labels import N_
from kefu.web.model_chart import coverage_svg
from kefu.web.security import ModelManager
from kefu.web.templating import render

router = APIRouter(include_in_schema=False)
upload_router = APIRouter(include_in_schema=False)

REASONS = {
    "manual": N_("retrained on the page"),
    "schedule": N_("on schedule"),
    "cli": N_("kefu model train"),
    "packaged": N_("packaged with kefu"),
}
STATUSES = {"training": N_("training"), "ready": N_("ready"), "failed": N_("failed")}
STAGES = {
    "queued": N_("waiting for a worker"),
    "gathering": N_("gathering the training data"),
    "training": N_("training"),
    "evaluating": N_("evaluating on the held-out sets"),
    "saving": N_("saving"),
    "done": N_("done"),
}
# Messages the use cases raise, marked so the page shows them in Chinese too.
MESSAGES = (
    N_("a retrain is already running; wait for it to finish"),
    N_("the schedule is a number of corrections from 0 (off) to 100000"),
)


def packaged_baseline() -> dict[str, Any]:
    """The packaged model's report (src/kefu/models/intent.report.json): the baseline."""
    path = files("kefu") / "models" / "intent.report.json"
    try:
        report: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return report


def _row(v: VersionSummary) -> dict[str, Any]:
    point = coverage_at(v.figures, CONFIDENCE_THRESHOLD)
    return {"v": v, "coverage": point}


def _context(kefu: Kefu, who: Principal) -> dict[str, Any]:
    state = model_versions.state(who, uow=kefu.uow())
    listed = model_versions.versions(who, uow=kefu.uow())
    running = next((v for v in listed if v.id == state.training), None)
    return {
        "nav": "model",
        "state": state,
        "rows": [_row(v) for v in listed],
        "running": running,
        "baseline": packaged_baseline(),
        "reasons": REASONS,
        "statuses": STATUSES,
        "stages": STAGES,
        "unsure_at": CONFIDENCE_THRESHOLD,
        "errors": [],
    }


def _page(
    request: Request, kefu: Kefu, who: Principal, extra: dict[str, Any], status: int = 200
) -> Response:
    context = {**_context(kefu, who), **extra}
    return render(request.app.state.templates, request, "pages/model.html", context, status)


@router.get("/settings/model")
def model_page(request: Request, kefu: KefuDep, who: ModelManager) -> Response:
    return _page(request, kefu, who, {})


@router.get("/settings/model/progress")
def progress(request: Request, kefu: KefuDep, who: ModelManager, version: str = "") -> Response:
    """The retrain's progress bar (HTMX polls it); when done, the page reloads its list."""
    found = model_versions.version(who, version[:40], uow=kefu.uow())
    context = {"running": found, "stages": STAGES, "statuses": STATUSES}
    return render(request.app.state.templates, request, "partials/model_progress.html", context)


@router.post("/settings/model/retrain")
async def retrain(request: Request, kefu: KefuDep, who: ModelManager) -> Response:
    form = await request.form()
    only = form.get("only_if_not_worse") == "on"
    try:
        await run_in_threadpool(start_retrain, kefu, who, only)
    except DomainError as exc:
        return _page(request, kefu, who, {"errors": field_errors(exc)}, 409)
    return RedirectResponse("/settings/model", status_code=303)


@router.post("/settings/model/schedule")
async def schedule(request: Request, kefu: KefuDep, who: ModelManager) -> Response:
    form = await request.form()
    raw = form.get("every")
    try:
        every = int(raw) if isinstance(raw, str) and raw.strip().isdigit() else -1
        model_versions.set_schedule(who, every, uow=kefu.uow(), clock=kefu.clock)
    except DomainError as exc:
        return _page(request, kefu, who, {"errors": field_errors(exc)}, 422)
    return RedirectResponse("/settings/model", status_code=303)


@router.post("/settings/model/versions/{version_id}/activate")
def activate(request: Request, kefu: KefuDep, who: ModelManager, version_id: str) -> Response:
    model_versions.activate(who, version_id[:40], uow=kefu.uow(), clock=kefu.clock)
    return RedirectResponse("/settings/model", status_code=303)


@router.get("/settings/model/versions/{version_id}")
def version_page(request: Request, kefu: KefuDep, who: ModelManager, version_id: str) -> Response:
    v = model_versions.version(who, version_id[:40], uow=kefu.uow())
    context = {
        "nav": "model",
        "v": v,
        "reasons": REASONS,
        "statuses": STATUSES,
        "chart": _chart(request, kefu, v),
        "unsure_at": CONFIDENCE_THRESHOLD,
    }
    return render(request.app.state.templates, request, "pages/model_version.html", context)


def _chart(request: Request, kefu: Kefu, v: VersionSummary) -> str | None:
    points = v.figures.get("coverage")
    if not points:
        return None
    gettext = translations(negotiate(request, kefu.settings.default_locale)).gettext
    return coverage_svg(
        points,
        title=gettext("Coverage against accuracy"),
        share_label=gettext("Share of messages at least this sure"),
        accuracy_label=gettext("Accuracy on them"),
        threshold_label=gettext("Confidence threshold"),
        unsure_at=CONFIDENCE_THRESHOLD,
    )


@upload_router.post("/settings/model/corrections")
async def corrections(request: Request, kefu: KefuDep, who: ModelManager) -> Response:
    async with request.form() as form:
        return await _corrections(request, kefu, who, form)


async def _corrections(request: Request, kefu: Kefu, who: Principal, form: FormData) -> Response:
    file = form.get("file")
    try:
        if not isinstance(file, UploadFile) or not file.filename:
            raise InvalidInput("choose a file to upload")
        name = file.filename[:300]
        file_format(name, None)
        upload = await stage_upload(kefu, file)
    except uploads.UploadTooLarge as exc:
        error = InvalidInput(f"the file is larger than {exc.limit:,} bytes", field="file")
        return _page(request, kefu, who, {"errors": field_errors(error)}, 413)
    except DomainError as exc:
        return _page(request, kefu, who, {"errors": field_errors(exc)}, 422)
    try:
        report = await run_in_threadpool(read_labelled_upload, kefu, who, upload, name, None)
    except DomainError as exc:
        return _page(request, kefu, who, {"errors": field_errors(exc)}, 422)
    return _page(request, kefu, who, {"label_report": report, "label_file": name})
