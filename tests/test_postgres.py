"""``cliche`` against a real PostgreSQL server, as the seed's own output was made."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

from sphinxcontrib_cliche.loading import load
from sphinxcontrib_cliche.source.offline import revision_sql

pytestmark = pytest.mark.postgres

HEADS_FILE = "2d8e07def2_add_nationality_column_to_people_table.py"


def cliche(folder: Path, url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "CLICHE_DATABASE_URL": url, "NO_COLOR": "1"}
    return subprocess.run(
        [sys.executable, "-m", "sphinxcontrib_cliche.cli.main", *args],
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def schema(url: str) -> dict[str, set[str]]:
    engine = sa.create_engine(url)
    try:
        inspector = sa.inspect(engine)
        return {
            t: {c["name"] for c in inspector.get_columns(t)} for t in inspector.get_table_names()
        }
    finally:
        engine.dispose()


def version(url: str) -> list[str]:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            return [
                row[0]
                for row in connection.execute(sa.text("SELECT version_num FROM alembic_version"))
            ]
    finally:
        engine.dispose()


def two_heads(migrations: Path) -> None:
    path = migrations / "versions" / HEADS_FILE
    text = path.read_text().replace(
        "down_revision = '1ed82ef0071'", "down_revision = '1344c33541b'"
    )
    path.write_text(text.replace("Revises: 1ed82ef0071", "Revises: 1344c33541b"))


def test_upgrade_and_downgrade_with_the_seeds_log_lines(
    migrations_copy: Path, postgres_url: str
) -> None:
    result = cliche(migrations_copy, postgres_url, "upgrade")
    assert result.returncode == 0, result.stderr
    assert "Context impl PostgresqlImpl." in result.stderr
    assert "Will assume transactional DDL." in result.stderr
    assert "Running upgrade 1344c33541b -> 1ed82ef0071, Add dod column to Person" in result.stderr
    tables = schema(postgres_url)
    assert {"people", "teams", "team_memberships", "alembic_version"} <= set(tables)
    assert {"dod", "nationality"} <= tables["people"]
    assert version(postgres_url) == ["2d8e07def2"]

    result = cliche(migrations_copy, postgres_url, "downgrade", "base")
    assert result.returncode == 0, result.stderr
    assert "Running downgrade 27e81ea4d86 -> , Add people table" in result.stderr
    assert set(schema(postgres_url)) == {"alembic_version"}


def test_refusal_on_two_heads_leaves_the_database_untouched(
    migrations_copy: Path, postgres_url: str
) -> None:
    two_heads(migrations_copy)
    result = cliche(migrations_copy, postgres_url, "upgrade")
    assert result.returncode == 1
    assert "2 heads" in result.stderr and "Nothing was changed" in result.stderr
    assert schema(postgres_url) == {}  # not even alembic_version


def test_rebase_refuses_a_revision_the_database_has_applied(
    migrations_copy: Path, postgres_url: str
) -> None:
    two_heads(migrations_copy)
    ini = migrations_copy / "alembic.ini"
    ini.write_text(ini.read_text().replace("sqlite:///%(here)s/cliche.db", postgres_url))
    assert cliche(migrations_copy, postgres_url, "upgrade", "2d8e07def2").returncode == 0
    before = (migrations_copy / "versions" / HEADS_FILE).read_bytes()
    result = cliche(migrations_copy, postgres_url, "rebase", "2d8e07def2", "--onto", "1ed82ef0071")
    assert result.returncode == 1
    assert "already applied 2d8e07def2" in result.stderr and "alembic merge" in result.stderr
    assert (migrations_copy / "versions" / HEADS_FILE).read_bytes() == before


def test_offline_sql_matches_the_online_upgrade(
    migrations_copy: Path, postgres_url: str, postgres_server: str
) -> None:
    assert cliche(migrations_copy, postgres_url, "upgrade").returncode == 0
    online = schema(postgres_url)
    online.pop("alembic_version")

    history = load(migrations_copy / "alembic.ini").history
    statements = [
        revision_sql(
            str(migrations_copy / "alembic.ini"), node.revision, node.parents, "postgresql"
        )
        for node in reversed(history.nodes)
    ]
    import psycopg

    offline_db = postgres_url.rsplit("/", 1)[0] + "/" + postgres_url.rsplit("/", 1)[1] + "_offline"
    plain = postgres_server.replace("postgresql+psycopg", "postgresql")
    name = offline_db.rsplit("/", 1)[1]
    with psycopg.connect(f"{plain}/postgres", autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    try:
        with psycopg.connect(offline_db.replace("postgresql+psycopg", "postgresql")) as connection:
            for sql in statements:
                connection.execute(sql)
        assert schema(offline_db) == online
    finally:
        with psycopg.connect(f"{plain}/postgres", autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


BROKEN = '''"""Half-way failure

Revision ID: badf00d
Revises: 2d8e07def2
Create Date: 2024-01-01 00:00:00

"""
from alembic import op
import sqlalchemy as sa

revision = 'badf00d'
down_revision = '2d8e07def2'


def upgrade():
    op.create_table('half', sa.Column('id', sa.Integer, primary_key=True))
    op.execute('INSERT INTO no_such_table VALUES (1)')


def downgrade():
    op.drop_table('half')
'''


def test_a_migration_failing_half_way_is_rolled_back_whole(
    migrations_copy: Path, postgres_url: str
) -> None:
    assert cliche(migrations_copy, postgres_url, "upgrade").returncode == 0
    (migrations_copy / "versions" / "badf00d_half_way_failure.py").write_text(BROKEN)
    result = cliche(migrations_copy, postgres_url, "upgrade")
    assert result.returncode == 1
    assert "database error" in result.stderr and "no_such_table" in result.stderr
    assert "Traceback" not in result.stderr
    assert "half" not in schema(postgres_url)  # transactional DDL: the create_table is gone too
    assert version(postgres_url) == ["2d8e07def2"]
