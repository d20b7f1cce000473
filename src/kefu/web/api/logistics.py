"""The logistics board, its proactive messages and tasks, and each store's thresholds
(docs/logistics.md); the work is services/logistics.py's and services/tasks.py's."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, Field, field_validator

from kefu.domain.logistics import MAX_DAYS, Anomaly, BoardFilters, LogisticsThresholds
from kefu.services import logistics, tasks
from kefu.services.logistics import Acted, Board, Notifier
from kefu.services.ports import TaskRow
from kefu.web.deps import KefuDep
from kefu.web.params import Id, IdValue
from kefu.web.security import InboxViewer, Replier, TemplateManager

router = APIRouter(prefix="/api/v1", tags=["logistics"])
Code = Annotated[str, Path(min_length=1, max_length=64, description="the store's code")]


class BoardQuery(BaseModel):
    store: IdValue | None = Field(None, description="a store's id; all stores given")
    anomaly: Anomaly | None = None
    carrier: str | None = Field(None, max_length=64, description="the carrier, as stored")
    destination: str | None = Field(
        None, min_length=2, max_length=2, description="the ISO country shipped to"
    )
    show_handled: bool = Field(False, description="also the lines someone acted on")
    page: int = Field(1, ge=1, le=logistics.MAX_PAGE)

    @field_validator("*", mode="before")
    @classmethod
    def empty_is_none(cls, value: object) -> object:
        """A form's "all" option sends an empty value: no filter."""
        return None if value == "" else value

    def filters(self) -> BoardFilters:
        return BoardFilters(
            store_id=self.store,
            anomaly=self.anomaly,
            carrier=self.carrier,
            destination=self.destination.upper() if self.destination else None,
            show_handled=self.show_handled,
            page=self.page,
        )


class LineOut(BaseModel):
    parcel_id: int
    anomaly: Anomaly
    severity: int = Field(description="3 high, 2 medium, 1 low")
    since: datetime = Field(description="since when the situation behind it holds")
    days: int = Field(description="whole days since then (days left for promise_at_risk)")
    store_id: int
    store_name: str
    platform: str
    order_id: int
    order_number: str
    buyer_name: str | None
    carrier: str
    tracking_number: str
    destination: str | None
    status: str | None
    status_since: datetime | None
    latest_event_at: datetime | None
    conversation_id: int | None
    proposal: Literal["message", "task"]
    template: str | None = Field(description="the template proposed; null: a task")
    handled_at: datetime | None


class BoardOut(BaseModel):
    lines: list[LineOut]
    total: int
    counts: dict[str, int] = Field(description="lines per anomaly (not hidden as handled)")
    handled_hidden: int
    stale_since: dict[str, datetime] = Field(
        description="per tracking provider whose data is stale, since when"
    )
    page: int
    page_size: int


def board_out(found: Board) -> BoardOut:
    return BoardOut(
        lines=[
            LineOut(
                parcel_id=x.row.parcel_id,
                anomaly=x.found.anomaly,
                severity=int(x.found.severity),
                since=x.found.since,
                days=x.found.days,
                store_id=x.row.store_id,
                store_name=x.row.store_name,
                platform=x.row.facts.platform,
                order_id=x.row.order_id,
                order_number=x.row.order_number,
                buyer_name=x.row.buyer_name,
                carrier=x.row.facts.carrier,
                tracking_number=x.row.tracking_number,
                destination=x.row.facts.destination,
                status=x.row.facts.status,
                status_since=x.row.facts.status_since,
                latest_event_at=x.row.facts.latest_event_at,
                conversation_id=found.conversations.get(x.row.order_id),
                proposal="task" if x.proposal.is_task else "message",
                template=x.proposal.template,
                handled_at=x.handled_at,
            )
            for x in found.lines
        ],
        total=found.total,
        counts={a.value: n for a, n in found.counts.items()},
        handled_hidden=found.handled,
        stale_since=found.stale_since,
        page=found.page,
        page_size=found.page_size,
    )


@router.get(
    "/logistics/board",
    response_model=BoardOut,
    summary="Parcels that need someone: one line per parcel and anomaly, worst first (50 a page)",
)
def get_board(kefu: KefuDep, who: InboxViewer, query: Annotated[BoardQuery, Query()]) -> BoardOut:
    return board_out(logistics.board(who, query.filters(), uow=kefu.uow(), clock=kefu.clock))


class ItemIn(BaseModel):
    parcel_id: IdValue
    anomaly: str = Field(max_length=32)


class ActIn(BaseModel):
    items: list[ItemIn] = Field(min_length=1, max_length=logistics.MAX_BULK)


class ActedOut(BaseModel):
    parcel_id: int
    anomaly: str
    outcome: Literal["sent", "task", "already", "refused"]
    code: str | None
    message: str | None
    conversation_id: int | None
    task_id: int | None


def acted_out(a: Acted) -> ActedOut:
    return ActedOut(
        parcel_id=a.parcel_id,
        anomaly=a.anomaly,
        outcome=a.outcome.value,
        code=a.code,
        message=a.message,
        conversation_id=a.conversation_id,
        task_id=a.task_id,
    )


@router.post(
    "/logistics/actions",
    response_model=list[ActedOut],
    summary="Do what each selected line proposes: the template through the outgoing gate, "
    "or a task (Amazon; no conversation). Once per anomaly: again, nothing is sent",
)
def post_actions(body: ActIn, kefu: KefuDep, who: Replier) -> list[ActedOut]:
    notifier = Notifier(kefu.replies, kefu.uow, kefu.clock)
    done = notifier.act_many(who, [(i.parcel_id, i.anomaly) for i in body.items])
    return [acted_out(a) for a in done]


class ThresholdsIO(BaseModel):
    no_update_days: dict[str, int] = Field(
        default_factory=lambda: {"*": 10},
        description='days without news before flagging: "*", a country ("US"), a carrier '
        '("China Post") or both ("China Post/BR"); the most specific wins',
        max_length=200,
    )
    pickup_days: int = Field(0, ge=0, le=MAX_DAYS)
    promise_at_risk_days: int = Field(3, ge=0, le=MAX_DAYS)

    def thresholds(self) -> LogisticsThresholds:
        return LogisticsThresholds.from_dict(self.model_dump())

    @classmethod
    def of(cls, th: LogisticsThresholds) -> ThresholdsIO:
        return cls(**th.to_dict())


@router.get(
    "/stores/{code}/logistics-settings",
    response_model=ThresholdsIO,
    summary="A store's logistics board thresholds (a lead or the owner)",
)
def get_settings(code: Code, kefu: KefuDep, who: TemplateManager) -> ThresholdsIO:
    return ThresholdsIO.of(logistics.thresholds(who, code, uow=kefu.uow()))


@router.put(
    "/stores/{code}/logistics-settings",
    response_model=ThresholdsIO,
    summary="Set a store's logistics board thresholds (a lead or the owner; audited)",
)
def put_settings(
    code: Code, body: ThresholdsIO, kefu: KefuDep, who: TemplateManager
) -> ThresholdsIO:
    saved = logistics.save_thresholds(
        who, code, body.thresholds(), uow=kefu.uow(), clock=kefu.clock
    )
    return ThresholdsIO.of(saved)


class TaskOut(BaseModel):
    id: int
    key: str
    store_id: int
    store_name: str
    kind: str
    title: str
    detail: str
    conversation_id: int | None
    order_id: int | None
    parcel_id: int | None
    created_at: datetime
    done_at: datetime | None


def task_out(task: TaskRow) -> TaskOut:
    fields: dict[str, Any] = {name: getattr(task, name) for name in TaskOut.model_fields}
    return TaskOut(**fields)


@router.get(
    "/tasks",
    response_model=list[TaskOut],
    summary="Internal tasks of your stores (parcel anomalies on Amazon…), open first",
)
def get_tasks(
    kefu: KefuDep,
    who: InboxViewer,
    state: Annotated[Literal["open", "all"], Query()] = "open",
    limit: Annotated[int, Query(ge=1, le=tasks.MAX_TASKS)] = 100,
) -> list[TaskOut]:
    found = tasks.tasks(who, uow=kefu.uow(), open_only=state == "open", limit=limit)
    return [task_out(t) for t in found]


@router.post(
    "/tasks/{task_id}/done",
    response_model=TaskOut,
    summary="Mark a task done (again: nothing changes)",
)
def post_task_done(task_id: Id, kefu: KefuDep, who: Replier) -> TaskOut:
    return task_out(tasks.done(who, task_id, uow=kefu.uow(), clock=kefu.clock))
