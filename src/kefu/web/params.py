"""Typed path parameters: a database id is a positive 64-bit integer, so anything else is
refused as input (422) before it can reach a query and overflow the driver (a 500)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path

MAX_ID = 2**63 - 1

Id = Annotated[int, Path(ge=1, le=MAX_ID, description="a database id (1 to 2^63 - 1)")]
