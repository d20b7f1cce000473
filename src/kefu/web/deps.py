"""FastAPI dependencies: the app's Kefu container, a unit of work, the acting account, locale."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from kefu.bootstrap import Kefu
from kefu.services.ports import UnitOfWork
from kefu.web.i18n import negotiate


def get_kefu(request: Request) -> Kefu:
    kefu: Kefu = request.app.state.kefu
    return kefu


KefuDep = Annotated[Kefu, Depends(get_kefu)]


def get_uow(kefu: KefuDep) -> UnitOfWork:
    return kefu.uow()


UowDep = Annotated[UnitOfWork, Depends(get_uow)]


def get_account_id(kefu: KefuDep) -> int | None:
    """Until sign-in lands (team issue), every action is taken as the shop's main account."""
    with kefu.uow() as uow:
        return uow.queries.main_account_id()


AccountDep = Annotated[int | None, Depends(get_account_id)]


def get_locale(request: Request, kefu: KefuDep) -> str:
    return negotiate(request, kefu.settings.default_locale)


LocaleDep = Annotated[str, Depends(get_locale)]
