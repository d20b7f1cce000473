"""Store connections to marketplace APIs: sealed credentials, sync cursor, health."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from kefu.adapters.db import tables as t
from kefu.services.ports import StoredConnection


class SqlConnectionRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def _query(self) -> Any:
        c = t.StoreConnection
        return select(c, t.Store.code).join(t.Store, t.Store.id == c.store_id)

    @staticmethod
    def _stored(row: Any) -> StoredConnection:
        c, code = row[0], row[1]
        return StoredConnection(
            store_id=c.store_id,
            store_code=code,
            platform=c.platform,
            base_url=c.base_url,
            credentials=c.credentials,
            cursor=c.cursor,
            backfill_days=c.backfill_days,
            interval_minutes=c.interval_minutes,
            enabled=c.enabled,
            last_sync_at=c.last_sync_at,
            last_success_at=c.last_success_at,
            last_pulled=c.last_pulled,
            total_pulled=c.total_pulled,
            error_code=c.error_code,
            error_detail=c.error_detail,
            error_at=c.error_at,
            updated_at=c.updated_at,
        )

    def connection(self, store_id: int) -> StoredConnection | None:
        row = self.session.execute(
            self._query().where(t.StoreConnection.store_id == store_id)
        ).first()
        return self._stored(row) if row else None

    def connection_by_code(self, code: str) -> StoredConnection | None:
        row = self.session.execute(self._query().where(t.Store.code == code)).first()
        return self._stored(row) if row else None

    def connections(self, *, enabled_only: bool) -> list[StoredConnection]:
        query = self._query().where(t.Store.archived_at.is_(None)).order_by(t.Store.code)
        if enabled_only:
            query = query.where(t.StoreConnection.enabled.is_(True))
        return [self._stored(r) for r in self.session.execute(query)]

    def save_connection(self, store_id: int, values: dict[str, Any], now: datetime) -> None:
        row = self.session.get(t.StoreConnection, store_id)
        if row is None:
            self.session.add(
                t.StoreConnection(
                    store_id=store_id,
                    last_pulled=0,
                    total_pulled=0,
                    updated_at=now,
                    **values,
                )
            )
        else:
            for name, value in values.items():
                setattr(row, name, value)
            row.updated_at = now
        self.session.flush()

    def remove_connection(self, store_id: int) -> bool:
        done = self.session.execute(
            delete(t.StoreConnection).where(t.StoreConnection.store_id == store_id)
        )
        return bool(getattr(done, "rowcount", 0))

    def record_sync(self, store_id: int, values: dict[str, Any]) -> None:
        self.session.execute(
            update(t.StoreConnection).where(t.StoreConnection.store_id == store_id).values(values)
        )
