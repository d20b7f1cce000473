"""Typed path parameters: a database id is a positive 64-bit integer, so anything else is
refused as input (422) before it can reach a query and overflow the driver (a 500)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path
from pydantic import Field

MAX_ID = 2**63 - 1

Id = Annotated[int, Path(ge=1, le=MAX_ID, description="a database id (1 to 2^63 - 1)")]

# The same range for ids and integer filters inside query and body models (web/schemas.py).
IdValue = Annotated[int, Field(ge=1, le=MAX_ID, description="a database id (1 to 2^63 - 1)")]
