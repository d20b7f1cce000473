"""Messages sent through Amazon's Messaging API for an order: once per store and client
key (docs/channels.md "Amazon")."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from kefu.adapters.db import tables as t
from kefu.services.ports import OrderMessage


def _message(row: t.AmazonMessage) -> OrderMessage:
    return OrderMessage(
        id=row.id,
        store_id=row.store_id,
        client_key=row.client_key,
        order_number=row.order_number,
        action=row.action,
        text=row.text,
        state=row.state,
        platform_ref=row.platform_ref,
        error=row.error,
        account_id=row.account_id,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


class SqlAmazonMessageRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def message(self, store_id: int, client_key: str) -> OrderMessage | None:
        m = t.AmazonMessage
        row = self.session.scalar(
            select(m).where(m.store_id == store_id, m.client_key == client_key)
        )
        return _message(row) if row is not None else None

    def messages(self, store_id: int, order_number: str) -> list[OrderMessage]:
        m = t.AmazonMessage
        rows = self.session.scalars(
            select(m).where(m.store_id == store_id, m.order_number == order_number).order_by(m.id)
        )
        return [_message(r) for r in rows]

    def add_message(self, values: Mapping[str, Any]) -> int:
        row = t.AmazonMessage(**values)
        self.session.add(row)
        self.session.flush()
        return row.id

    def update_message(self, message_id: int, values: Mapping[str, Any]) -> None:
        m = t.AmazonMessage
        self.session.execute(update(m).where(m.id == message_id).values(**values))
