"""The intent model's versions over the API (docs/triage.md "Model versions"): list them
with their figures, activate one (roll back), retrain in the background, set the schedule,
and upload a labelled file. Everything here needs `manage_model` (the owner and leads)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Path, UploadFile
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from kefu.bootstrap import Kefu, open_table
from kefu.domain.errors import InvalidInput
from kefu.domain.model_versions import MAX_SCHEDULE_CORRECTIONS, VersionSummary
from kefu.services import model_versions
from kefu.services.access import Principal
from kefu.services.ports import TableError
from kefu.web import uploads
from kefu.web.api.imports import file_format, stage_upload
from kefu.web.api.stores import ErrorOut
from kefu.web.deps import KefuDep
from kefu.web.security import ModelManager

router = APIRouter(prefix="/api/v1/model", tags=["model"])
upload_router = APIRouter(prefix="/api/v1/model", tags=["model"])

VersionId = Annotated[str, Path(max_length=40, pattern=r"^[0-9A-Za-z._-]+$")]
ERRORS: dict[int | str, dict[str, Any]] = {
    403: {"model": ErrorOut, "description": "the role (or token) may not manage the model"},
    404: {"model": ErrorOut, "description": "no such model version"},
    409: {"model": ErrorOut, "description": "a retrain runs already, or the corpus is partial"},
}


class VersionOut(BaseModel):
    id: str
    created_at: str
    created_by: str | None
    reason: str = Field(description="manual, schedule, cli or packaged")
    status: str = Field(description="training, ready or failed")
    stage: str = Field(description="queued, gathering, training, evaluating, saving, done")
    progress: int = Field(description="percent of the stages done")
    active: bool
    trained_on: dict[str, Any]
    macro_f1: float | None
    error: str | None


class VersionDetailOut(VersionOut):
    figures: dict[str, Any] = Field(
        description="macro_f1, accuracy, per_intent, per_language, coverage (share and "
        "accuracy above each confidence threshold), sets"
    )
    previous: dict[str, Any] = Field(description="the version active before, on the same sets")


class ModelOut(BaseModel):
    active: str | None = Field(description="the active version; null: the packaged model")
    training: str | None = Field(description="the retrain running now")
    retrain_every: int = Field(description="retrain after this many new corrections; 0: off")
    new_corrections: int
    versions: list[VersionOut]


class RetrainIn(BaseModel):
    only_if_not_worse: bool = Field(
        False, description="keep the active version when the new one's macro-F1 is lower"
    )


class ScheduleIn(BaseModel):
    every: int = Field(ge=0, le=MAX_SCHEDULE_CORRECTIONS, description="0: off")


class LabelErrorOut(BaseModel):
    row: int | None
    field: str
    reason: str
    value: str | None


class LabelReportOut(BaseModel):
    rows: int
    added: int
    changed: int
    unchanged: int
    errors: list[LabelErrorOut]


def version_out(v: VersionSummary) -> dict[str, Any]:
    return {
        "id": v.id,
        "created_at": v.created_at.isoformat(),
        "created_by": v.created_by,
        "reason": v.reason,
        "status": v.status,
        "stage": v.stage,
        "progress": v.progress,
        "active": v.active,
        "trained_on": v.trained_on,
        "macro_f1": v.macro_f1,
        "error": v.error,
    }


def overview(kefu: Kefu, who: Principal) -> dict[str, Any]:
    state = model_versions.state(who, uow=kefu.uow())
    listed = model_versions.versions(who, uow=kefu.uow())
    return {
        "active": state.active,
        "training": state.training,
        "retrain_every": state.retrain_every,
        "new_corrections": state.new_corrections,
        "versions": [version_out(v) for v in listed],
    }


@router.get("/versions", response_model=ModelOut, responses=ERRORS)
def list_versions(kefu: KefuDep, who: ModelManager) -> Any:
    """The versions, newest first, with the active one, the retrain running and the schedule."""
    return overview(kefu, who)


@router.get("/versions/{version_id}", response_model=VersionDetailOut, responses=ERRORS)
def get_version(version_id: VersionId, kefu: KefuDep, who: ModelManager) -> Any:
    v = model_versions.version(who, version_id, uow=kefu.uow())
    return {**version_out(v), "figures": v.figures, "previous": v.previous}


@router.post("/versions/{version_id}/activate", response_model=VersionOut, responses=ERRORS)
def activate(version_id: VersionId, kefu: KefuDep, who: ModelManager) -> Any:
    """Make a ready version the one every process uses within seconds (roll back: activate
    an earlier one)."""
    model_versions.activate(who, version_id, uow=kefu.uow(), clock=kefu.clock)
    return version_out(model_versions.version(who, version_id, uow=kefu.uow()))


def start_retrain(kefu: Kefu, who: Principal, only_if_not_worse: bool) -> str:
    return model_versions.request_retrain(
        who,
        uow=kefu.uow(),
        clock=kefu.clock,
        corpus=kefu.training_deps.corpus,
        only_if_not_worse=only_if_not_worse,
    )


@router.post("/retrain", status_code=202, response_model=VersionOut, responses=ERRORS)
def retrain(
    kefu: KefuDep, who: ModelManager, response: Response, body: RetrainIn | None = None
) -> Any:
    """Train a new version in the background from the packaged corpus, the demo corpus and
    the shop's corrections; GET the version for its progress. One at a time (409)."""
    version_id = start_retrain(kefu, who, body is not None and body.only_if_not_worse)
    response.headers["Location"] = f"/api/v1/model/versions/{version_id}"
    return version_out(model_versions.version(who, version_id, uow=kefu.uow()))


@router.put("/schedule", response_model=ModelOut, responses=ERRORS)
def set_schedule(body: ScheduleIn, kefu: KefuDep, who: ModelManager) -> Any:
    """Retrain on its own once this many new corrections exist (checked every 10 minutes)."""
    model_versions.set_schedule(who, body.every, uow=kefu.uow(), clock=kefu.clock)
    return overview(kefu, who)


def read_labelled_upload(
    kefu: Kefu, who: Principal, upload: uploads.Staged, name: str, encoding: str | None
) -> model_versions.LabelReport:
    """Add a staged labelled file's rows, then delete the file."""
    try:
        with open_table(
            upload.path, fmt=file_format(name, None), encoding=encoding, name=name
        ) as table:
            return model_versions.add_labelled(
                who, table.rows(), name, uow=kefu.uow(), clock=kefu.clock
            )
    except TableError as exc:
        raise InvalidInput(f"{name}: {exc}", field="file") from None
    finally:
        uploads.discard(upload)


def report_out(report: model_versions.LabelReport) -> dict[str, Any]:
    return {
        "rows": report.rows,
        "added": report.added,
        "changed": report.changed,
        "unchanged": report.unchanged,
        "errors": [
            {"row": e.row, "field": e.field, "reason": e.reason, "value": e.value}
            for e in report.errors[:1000]
        ],
    }


@upload_router.post(
    "/corrections",
    response_model=LabelReportOut,
    responses={
        **ERRORS,
        413: {"model": ErrorOut, "description": "the file is over the size limit"},
        422: {"description": "the file cannot be read as a table"},
    },
)
async def upload_corrections(
    kefu: KefuDep,
    who: ModelManager,
    file: Annotated[
        UploadFile, File(description="CSV, XLSX or JSONL: text, intent, language?, sub_intent?")
    ],
    encoding: Annotated[str | None, Form(max_length=40, description="empty: detected")] = None,
) -> Any:
    """Labelled messages as training examples for the next retrain: each row's errors are
    listed (unknown intent, empty text, over 20,000 characters), the good rows kept, and
    the same file twice adds nothing twice."""
    name = (file.filename or "labels.csv")[:300]
    file_format(name, None)
    try:
        declared = uploads.encoding(encoding)
    except uploads.BadEncoding as exc:
        raise InvalidInput(str(exc), field="encoding") from None
    try:
        upload = await stage_upload(kefu, file)
    except uploads.UploadTooLarge as exc:
        return JSONResponse(
            {"error": "too_large", "message": f"the file is over {exc.limit} bytes"},
            status_code=413,
        )
    report = await run_in_threadpool(read_labelled_upload, kefu, who, upload, name, declared)
    return report_out(report)
