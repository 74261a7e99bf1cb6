"""The example ``migrations/`` is a real Alembic environment on SQLite."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

from alembic import command
from alembic.config import Config


def _tables(database: Path) -> set[str]:
    with closing(sqlite3.connect(database)) as connection:
        rows = connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        return {name for (name,) in rows}


def _columns(database: Path, table: str) -> set[str]:
    with closing(sqlite3.connect(database)) as connection:
        return {row[1] for row in connection.execute(f"PRAGMA table_info({table})")}


def test_upgrade_head_then_downgrade_base(migrations_copy: Path, tmp_path: Path) -> None:
    database = tmp_path / "example.db"
    config = Config(str(migrations_copy / "alembic.ini"))
    config.set_main_option("sqlalchemy.url", f"sqlite:///{database}")
    config.attributes["configure_logger"] = False

    command.upgrade(config, "head")
    assert {"people", "teams", "team_memberships", "alembic_version"} <= _tables(database)
    assert {"dod", "nationality"} <= _columns(database, "people")
    with closing(sqlite3.connect(database)) as connection:
        assert connection.execute("SELECT version_num FROM alembic_version").fetchall() == [
            ("2d8e07def2",)
        ]

    command.downgrade(config, "base")
    assert _tables(database) == {"alembic_version"}
