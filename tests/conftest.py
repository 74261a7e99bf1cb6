"""Shared fixtures: paths of the example project and small folder builders."""

from __future__ import annotations

import os
import shutil
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

pytest_plugins = ["sphinx.testing.fixtures", "postgres"]

PROJECT = Path(__file__).resolve().parent.parent
MIGRATIONS = PROJECT / "migrations"


def pytest_report_header() -> str:
    """Which cell of the version matrix this run is (``./dev test`` is one of them)."""
    from importlib.metadata import version

    found = ", ".join(
        f"{name} {version(name)}" for name in ("sphinx", "docutils", "alembic", "sqlalchemy")
    )
    return f"cliche matrix cell: {found}"


@pytest.fixture(autouse=True, scope="session")
def private_reading_cache(tmp_path_factory: pytest.TempPathFactory) -> None:
    """The tests (and the commands they start) keep their reading cache to themselves."""
    os.environ["CLICHE_CACHE_DIR"] = str(tmp_path_factory.mktemp("reading-cache"))
    os.environ.pop("CLICHE_CACHE", None)


@pytest.fixture
def migrations_copy(tmp_path: Path) -> Path:
    """A private copy of ``migrations/`` (config, env, models, versions)."""
    target = tmp_path / "migrations"
    shutil.copytree(MIGRATIONS, target, ignore=shutil.ignore_patterns("*.db", "__pycache__"))
    return target


RevisionWriter = Callable[..., Path]


@pytest.fixture
def write_revision(tmp_path: Path) -> RevisionWriter:
    """Write a revision file into ``tmp_path/versions`` from a short spec or raw text."""
    versions = tmp_path / "versions"
    versions.mkdir(exist_ok=True)

    def write(
        name: str,
        revision: str | None = None,
        down: str | None = None,
        *,
        text: str | bytes | None = None,
        doc: str | None = None,
        extra: str = "",
    ) -> Path:
        path = versions / name
        if text is None:
            message = doc if doc is not None else f"Revision {revision}"
            text = textwrap.dedent(
                f'''\
                """{message}

                Revision ID: {revision}
                Revises: {down or ""}
                Create Date: 2024-01-02 03:04:05.000006

                """
                from alembic import op

                revision = {revision!r}
                down_revision = {down!r}
                {extra}

                def upgrade():
                    op.execute("SELECT 1")


                def downgrade():
                    op.execute("SELECT 1")
                '''
            )
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(text, encoding="utf-8")
        return path

    return write


def write_alembic_inventory(path: Path, names: list[str]) -> None:
    """An intersphinx inventory of Alembic's ``Operations`` methods ``names``."""
    import zlib

    lines = "".join(
        f"alembic.operations.Operations.{name} py:method 1 ops.html#$ -\n" for name in names
    )
    header = (
        "# Sphinx inventory version 2\n# Project: Alembic\n# Version: 1\n"
        "# The remainder of this file is compressed using zlib.\n"
    )
    path.write_bytes(header.encode() + zlib.compress(lines.encode()))
