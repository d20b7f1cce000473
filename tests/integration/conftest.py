"""Fixtures shared by the integration tests that sign in as each kind of account."""

from __future__ import annotations

import pytest

from kefu.bootstrap import Kefu
from kefu.domain.permissions import Role
from kefu.services import inbox
from kefu.services.auth import NewAccount, principal_of
from kefu.services.readmodels import InboxFilters
from tests.factories import make_message
from tests.web import PASSWORD


@pytest.fixture
def team(kefu: Kefu) -> dict[str, int]:
    """The test shop's team with stores: lina (pre-sale) has ali-global only; a lead (lena)
    and an analyst (ana) with every store are created by the owner; one conversation waits
    on ali-global and one on ebay-uk."""
    with kefu.uow() as uow:
        stores = {s.code: s.id for s in uow.queries.stores()}
        owner = uow.auth.account_by_username("owner")
        lina = uow.auth.account_by_username("lina")
        assert owner is not None and lina is not None
        uow.auth.set_stores(lina.id, [stores["ali-global"]])
        uow.commit()
    boss = principal_of(owner)
    for username, role in (("lena", Role.LEAD), ("ana", Role.ANALYST)):
        kefu.auth.create_account(
            boss,
            NewAccount(
                username, username.title(), role.value, PASSWORD, frozenset(stores.values())
            ),
            uow=kefu.uow(),
            clock=kefu.clock,
        )
    inbox.ingest([make_message(1), make_message(2, store="ebay-uk")], kefu.uow(), kefu.clock)
    with kefu.uow() as uow:
        rows = uow.queries.inbox_page(InboxFilters()).rows
    ids = {r.store_code: r.id for r in rows}
    return {
        "ali": ids["ali-global"],
        "ebay": ids["ebay-uk"],
        "lina": lina.id,
        "ebay_store": stores["ebay-uk"],
    }
