"""Saved inbox views per person (docs/inbox.md "Saved views"): a name, the filters, a place."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from kefu.adapters.db import tables as t
from kefu.domain.saved_views import SavedView


def _view(row: t.SavedView) -> SavedView:
    return SavedView(row.id, row.name, row.query, row.position)


class SqlSavedViewRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def of_account(self, account_id: int) -> list[SavedView]:
        rows = self.session.scalars(
            select(t.SavedView)
            .where(t.SavedView.account_id == account_id)
            .order_by(t.SavedView.position, t.SavedView.id)
        )
        return [_view(r) for r in rows]

    def save(self, account_id: int, name: str, query: str, at: datetime) -> SavedView:
        row = self.session.scalar(
            select(t.SavedView).where(
                t.SavedView.account_id == account_id, t.SavedView.name == name
            )
        )
        if row is None:
            last = self.session.scalar(
                select(func.max(t.SavedView.position)).where(t.SavedView.account_id == account_id)
            )
            row = t.SavedView(
                account_id=account_id,
                name=name,
                query=query,
                position=(last or 0) + 1,
                created_at=at,
            )
            self.session.add(row)
        else:
            row.query = query
        self.session.flush()
        return _view(row)

    def delete(self, account_id: int, view_id: int) -> bool:
        gone = self.session.execute(
            delete(t.SavedView).where(
                t.SavedView.account_id == account_id, t.SavedView.id == view_id
            )
        )
        return bool(gone.rowcount)  # type: ignore[attr-defined]
