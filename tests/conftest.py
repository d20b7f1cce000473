"""Shared fixtures: a fixed clock and a fresh, migrated SQLite file per test."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import settings

from kefu.bootstrap import Kefu, bootstrap
from kefu.config import Settings
from kefu.services.catalog import load_catalog
from tests.factories import NOW, make_catalog
from tests.fakes import FixedClock

# Shared machines are noisy: no per-example deadline, and no example database in the repo.
settings.register_profile("kefu", deadline=None, database=None)
settings.load_profile("kefu")


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(NOW)


@pytest.fixture
def kefu(tmp_path: Path, clock: FixedClock) -> Iterator[Kefu]:
    """A real SQLite database in WAL mode with the test catalog (tests/factories.py) loaded."""
    app = bootstrap(Settings(database_url=f"sqlite:///{tmp_path / 'kefu.db'}"), clock=clock)
    app.upgrade()
    load_catalog(make_catalog(), app.uow(), NOW)
    yield app
    app.close()
