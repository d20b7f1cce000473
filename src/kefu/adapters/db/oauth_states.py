"""Pending OAuth connections (services/oauth.py): one-time states, by their digest."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from kefu.adapters.db import tables as t
from kefu.services.ports import OAuthState


class SqlOAuthStateRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, state: OAuthState) -> None:
        self.session.add(
            t.OAuthStateRow(
                digest=state.digest,
                store_id=state.store_id,
                account_id=state.account_id,
                platform=state.platform,
                redirect_uri=state.redirect_uri,
                app=state.app,
                created_at=state.created_at,
                expires_at=state.expires_at,
                used_at=state.used_at,
            )
        )
        self.session.flush()

    def take(self, digest: str, now: datetime) -> OAuthState | None:
        row = self.session.execute(
            select(t.OAuthStateRow).where(t.OAuthStateRow.digest == digest)
        ).scalar_one_or_none()
        if row is None:
            return None
        found = _state(row)
        if row.used_at is None:
            # Conditional on still unused: of two callbacks racing, one marks it.
            done = self.session.execute(
                update(t.OAuthStateRow)
                .where(t.OAuthStateRow.digest == digest, t.OAuthStateRow.used_at.is_(None))
                .values(used_at=now)
            )
            if not getattr(done, "rowcount", 0):
                return OAuthState(**{**found.__dict__, "used_at": now})
        return found

    def purge(self, before: datetime) -> int:
        done = self.session.execute(
            delete(t.OAuthStateRow).where(t.OAuthStateRow.expires_at < before)
        )
        return int(getattr(done, "rowcount", 0) or 0)


def _state(row: t.OAuthStateRow) -> OAuthState:
    return OAuthState(
        digest=row.digest,
        store_id=row.store_id,
        account_id=row.account_id,
        platform=row.platform,
        redirect_uri=row.redirect_uri,
        app=row.app,
        created_at=row.created_at,
        expires_at=row.expires_at,
        used_at=row.used_at,
    )
