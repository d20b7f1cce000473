"""FastAPI dependencies: the app's Kefu container (who acts: web/security.py)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from kefu.bootstrap import Kefu


def get_kefu(request: Request) -> Kefu:
    kefu: Kefu = request.app.state.kefu
    return kefu


KefuDep = Annotated[Kefu, Depends(get_kefu)]
