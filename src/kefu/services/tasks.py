"""Internal tasks (docs/logistics.md): work for a person instead of a message — a parcel
anomaly on Amazon, where the shop may not send shipping news (SPEC §13), or a buyer to
write to without a conversation. Created by services/logistics.py, idempotent by key."""

from __future__ import annotations

from kefu.domain.errors import InvalidInput, NotFound
from kefu.domain.permissions import Permission
from kefu.services import access
from kefu.services.access import Principal
from kefu.services.ports import Clock, TaskRow, UnitOfWork

MAX_TASKS = 500


def tasks(
    who: Principal, *, uow: UnitOfWork, open_only: bool = True, limit: int = 100
) -> list[TaskRow]:
    """The tasks of the person's stores, open first, newest first."""
    access.require(who, Permission.VIEW_INBOX)
    if not 1 <= limit <= MAX_TASKS:
        raise InvalidInput(f"limit must be 1 to {MAX_TASKS}", field="limit", value=limit)
    with uow:
        return uow.logistics.tasks(who.store_ids, open_only=open_only, limit=limit)


def done(who: Principal, task_id: int, *, uow: UnitOfWork, clock: Clock) -> TaskRow:
    """Mark a task done; marking it again changes nothing."""
    access.require(who, Permission.REPLY)
    now = clock.now()
    with uow:
        task = uow.logistics.task(task_id)
        if task is None or not who.sees_store(task.store_id):
            raise NotFound(f"no task {task_id}", id=task_id)
        if task.done_at is None:
            uow.logistics.finish_task(task_id, now)
            uow.inbox.audit(
                at=now,
                account_id=who.account_id,
                action="task_done",
                entity_type="task",
                entity_id=task_id,
                before=None,
                after={"key": task.key},
            )
            uow.commit()
        finished = uow.logistics.task(task_id) if task.done_at is None else task
    assert finished is not None  # noqa: S101 — it was there a moment ago in this transaction
    return finished
