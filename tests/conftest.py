"""Shared fixtures: a fixed clock and a fresh, migrated SQLite file per test."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from hypothesis import settings
from pydantic import SecretStr

from kefu.bootstrap import Kefu, bootstrap
from kefu.config import Settings
from kefu.services.catalog import load_catalog
from tests.factories import NOW, make_catalog
from tests.fakes import FixedClock
from tests.mail_servers import MailServers, servers_or_skip

# Shared machines are noisy: no per-example deadline, and no example database in the repo.
# Derandomized: every machine draws the same examples, so what passes here passes in CI
# (a failure a random draw found is kept as an explicit test). HYPOTHESIS_PROFILE=explore
# draws new examples on each run, for looking for bugs on purpose.
settings.register_profile("kefu", deadline=None, database=None, derandomize=True)
settings.register_profile("explore", deadline=None, database=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "kefu"))


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(NOW)


@pytest.fixture
def kefu(tmp_path: Path, clock: FixedClock) -> Iterator[Kefu]:
    """A fresh database with the test catalog (tests/factories.py) loaded, every store
    given to every account.

    SQLite in WAL mode in a temporary folder; PostgreSQL instead when
    KEFU_TEST_DATABASE_URL names one (its public schema is emptied first).
    """
    url = os.environ.get("KEFU_TEST_DATABASE_URL") or f"sqlite:///{tmp_path / 'kefu.db'}"
    # Jobs asked for (a reply to send) wait in memory; tests run them when they want.
    app = bootstrap(Settings(database_url=url, queue_url="memory://"), clock=clock)
    if app.engine.dialect.name == "postgresql":
        with app.engine.begin() as conn:
            conn.exec_driver_sql("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
    app.upgrade()
    load_catalog(make_catalog(), app.uow(), NOW)
    with app.uow() as uow:  # every agent works on every store unless a test says otherwise
        stores = [s.id for s in uow.queries.stores()]
        for account in uow.auth.accounts():
            uow.auth.set_stores(account.id, stores)
        uow.commit()
    yield app
    app.close()


@pytest.fixture
def mail_servers() -> MailServers:
    """Dovecot and Postfix on loopback (.ci/mail-servers.sh; tests/mail_servers.py):
    skipped when absent, failed when KEFU_MAIL_TEST_REQUIRED or CI is set."""
    return servers_or_skip()


@pytest.fixture
def mail_kefu(kefu: Kefu, mail_servers: MailServers) -> Kefu:
    """The test shop with a secret key for mailbox passwords and the mail servers'
    certificate trusted."""
    kefu.settings.secret_key = SecretStr(Fernet.generate_key().decode())
    kefu.settings.mail_ca_file = mail_servers.ca_file
    return kefu
