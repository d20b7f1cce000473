"""Typed ids: anything outside what the id columns hold is refused as input (422) before
it can reach a query and overflow the driver (a 500). The columns are INTEGER
(adapters/db/tables.py: Mapped[int]), 32-bit on PostgreSQL, where anything above
2^31 - 1 fails in the driver ("integer out of range") as 2^63 does on SQLite."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path
from pydantic import Field

MAX_ID = 2**31 - 1

# A path id (/conversations/{conversation_id}).
Id = Annotated[int, Path(ge=1, le=MAX_ID, description="a database id (1 to 2^31 - 1)")]
# Ids and integer filters inside query and body models (web/schemas.py).
IdValue = Annotated[int, Field(ge=1, le=MAX_ID, description="a database id (1 to 2^31 - 1)")]
