"""Store connections to marketplace APIs: sealed credentials, sync cursor, health."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import and_, delete, or_, select, update
from sqlalchemy.orm import Session

from kefu.adapters.db import tables as t
from kefu.services.ports import STATE_FIELDS, StoredConnection, SyncedState


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
            failures=c.failures or 0,
            retry_at=c.retry_at,
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

    # State both ways (docs/channels.md)

    def states(self, store_id: int, refs: Collection[str] | None = None) -> list[SyncedState]:
        c, s = t.Conversation, t.MarketplaceState
        query = (
            select(c.id, c.platform_conversation_id, s)
            .outerjoin(s, s.conversation_id == c.id)
            .where(c.store_id == store_id)
        )
        found: list[SyncedState] = []
        wanted = sorted(set(refs)) if refs is not None else None
        chunks = [wanted[i : i + 500] for i in range(0, len(wanted), 500)] if wanted else []
        if wanted is None:
            rows = list(self.session.execute(query.where(s.conversation_id.is_not(None))))
        else:
            rows = [
                row
                for chunk in chunks
                for row in self.session.execute(query.where(c.platform_conversation_id.in_(chunk)))
            ]
        for conversation_id, ref, row in rows:
            found.append(_synced(conversation_id, store_id, ref, row))
        return found

    def pending_states(
        self, store_id: int, fields: Collection[str] = STATE_FIELDS
    ) -> list[SyncedState]:
        s = t.MarketplaceState
        changed = [
            and_(
                getattr(s, f"kefu_{name}_at").is_not(None),
                or_(
                    getattr(s, f"platform_{name}_at").is_(None),
                    getattr(s, f"platform_{name}_at") <= getattr(s, f"kefu_{name}_at"),
                ),
            )
            for name in STATE_FIELDS
            if name in fields
        ]
        if not changed:
            return []
        rows = self.session.scalars(
            select(s).where(s.store_id == store_id, or_(*changed)).order_by(s.conversation_id)
        )
        synced = [_synced(r.conversation_id, store_id, r.ref, r) for r in rows]
        return [state for state in synced if state.pending(fields)]

    def save_state(self, conversation_id: int, store_id: int, values: dict[str, Any]) -> None:
        row = self.session.get(t.MarketplaceState, conversation_id)
        now = values.pop("updated_at")
        if row is None:
            ref = self.session.scalar(
                select(t.Conversation.platform_conversation_id).where(
                    t.Conversation.id == conversation_id
                )
            )
            row = t.MarketplaceState(conversation_id=conversation_id, store_id=store_id, ref=ref)
            self.session.add(row)
        for name, value in values.items():
            setattr(row, name, value)
        row.updated_at = now
        self.session.flush()

    def agent_changed(
        self, conversation_id: int, store_id: int, changes: Mapping[str, object], at: datetime
    ) -> None:
        connected = self.session.scalar(
            select(t.StoreConnection.store_id).where(t.StoreConnection.store_id == store_id)
        )
        if connected is None:
            return
        values: dict[str, Any] = {"updated_at": at}
        for name, value in changes.items():
            if name in STATE_FIELDS:
                values |= {f"kefu_{name}": value, f"kefu_{name}_at": at}
        self.save_state(conversation_id, store_id, values)


def _synced(
    conversation_id: int, store_id: int, ref: str, row: t.MarketplaceState | None
) -> SyncedState:
    def each(prefix: str, suffix: str = "") -> dict[str, Any]:
        return {
            name: getattr(row, f"{prefix}_{name}{suffix}") if row is not None else None
            for name in STATE_FIELDS
        }

    return SyncedState(
        conversation_id=conversation_id,
        store_id=store_id,
        ref=ref,
        platform=each("platform"),
        platform_at=each("platform", "_at"),
        platform_by=each("platform", "_by"),
        kefu=each("kefu"),
        kefu_at=each("kefu", "_at"),
        push_error=row.push_error if row is not None else None,
        push_refused_at=row.push_refused_at if row is not None else None,
        owner=row.platform_owner if row is not None else None,
    )
