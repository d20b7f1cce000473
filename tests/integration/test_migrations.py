"""Migrations go up and down and leave the schema the tables describe."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import inspect

from kefu.adapters.db.tables import Base
from kefu.bootstrap import bootstrap
from kefu.config import Settings


def test_upgrade_downgrade_upgrade(tmp_path: Path) -> None:
    kefu = bootstrap(Settings(database_url=f"sqlite:///{tmp_path / 'm.db'}"))
    kefu.upgrade()
    assert set(Base.metadata.tables) <= set(inspect(kefu.engine).get_table_names())
    kefu.downgrade("base")
    assert set(inspect(kefu.engine).get_table_names()) == {"alembic_version"}
    kefu.upgrade()
    columns = {c["name"] for c in inspect(kefu.engine).get_columns("conversations")}
    assert {"queue_rank", "sort_key", "waiting_since", "first_replied_at"} <= columns
    kefu.close()


def test_sqlite_runs_in_wal_mode_with_foreign_keys(tmp_path: Path) -> None:
    kefu = bootstrap(Settings(database_url=f"sqlite:///{tmp_path / 'w.db'}"))
    with kefu.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    kefu.close()


def test_migrations_build_exactly_the_schema_the_tables_describe(tmp_path: Path) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    kefu = bootstrap(Settings(database_url=f"sqlite:///{tmp_path / 'c.db'}"))
    kefu.upgrade()
    with kefu.engine.connect() as conn:
        # The search indexes are the engine's own (FTS5 tables and their shadow tables).
        def ours(name: str | None, kind: str, _parent: object) -> bool:
            engine_owned = (name or "").startswith(("message_search", "buyer_names"))
            return not (kind == "table" and engine_owned)

        context = MigrationContext.configure(
            conn, opts={"compare_type": True, "include_name": ours}
        )
        assert compare_metadata(context, Base.metadata) == []
    kefu.close()
