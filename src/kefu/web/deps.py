"""FastAPI dependencies: the app's Kefu container and the acting account."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from kefu.bootstrap import Kefu


def get_kefu(request: Request) -> Kefu:
    kefu: Kefu = request.app.state.kefu
    return kefu


KefuDep = Annotated[Kefu, Depends(get_kefu)]


def get_account_id(kefu: KefuDep) -> int | None:
    """Until sign-in lands (team issue), every action is taken as the shop's main account."""
    with kefu.uow() as uow:
        return uow.queries.main_account_id()


AccountDep = Annotated[int | None, Depends(get_account_id)]
