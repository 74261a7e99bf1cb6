"""The SQL of one revision, from Alembic's offline mode (``upgrade A:B --sql``).

This *runs* the project's ``env.py`` and the revision files, as Alembic must
to render SQL, so it is only ever used when asked for (``:sql:``).  The URL is
replaced by a bare dialect URL (``postgresql://``), so no database is
contacted, and ``env.py`` is kept from reconfiguring this process's logging.
"""

from __future__ import annotations

import contextlib
import io
import logging
from collections.abc import Iterator
from pathlib import Path

from sphinxcontrib_cliche.errors import ClicheError


def revision_sql(config_file: str, revision: str, parents: tuple[str, ...], dialect: str) -> str:
    """The SQL Alembic writes for upgrading from ``parents`` to ``revision``."""
    from alembic import command

    from sphinxcontrib_cliche.source.locations import make_alembic_config

    if len(parents) > 1:
        raise ClicheError("a merge point has no single-step SQL")
    buffer = io.StringIO()
    config = make_alembic_config(Path(config_file))
    config.output_buffer = buffer
    config.file_config  # noqa: B018 - read the ini now, before hiding it from env.py
    config.config_file_name = None  # env.py then skips fileConfig()
    config.set_main_option("sqlalchemy.url", f"{dialect}://")
    config.attributes["configure_logger"] = False
    target = f"{parents[0]}:{revision}" if parents else revision
    try:
        with _logging_preserved():
            command.upgrade(config, target, sql=True)
    except Exception as error:  # the project's env.py and revisions may raise anything
        raise ClicheError(
            f"offline SQL for {revision} failed: {type(error).__name__}: {error}"
        ) from None
    return _without_version_table(buffer.getvalue())


def _without_version_table(sql: str) -> str:
    """Keep the revision's own statements: drop Alembic's bookkeeping of its version table."""
    kept = []
    for statement in sql.split(";\n"):
        lines = [line for line in statement.splitlines() if not line.startswith("--")]
        body = "\n".join(lines).strip()
        lowered = body.lower()
        if not body or "alembic_version" in lowered or lowered in ("begin", "commit"):
            continue
        kept.append(body + ";")
    return "\n\n".join(kept)


@contextlib.contextmanager
def _logging_preserved() -> Iterator[None]:
    root = logging.getLogger()
    saved = (list(root.handlers), root.level)
    disabled = {
        name: logger.disabled
        for name, logger in logging.Logger.manager.loggerDict.items()
        if isinstance(logger, logging.Logger)
    }
    try:
        yield
    finally:
        root.handlers[:] = saved[0]
        root.setLevel(saved[1])
        for name, was_disabled in disabled.items():
            logging.getLogger(name).disabled = was_disabled
