"""The commands that touch a database, handed to Alembic's own ``alembic.command``.

Imported only by those commands: SQLAlchemy and Alembic's runtime stay out
of the read-only commands.
"""

from __future__ import annotations

from pathlib import Path

from sphinxcontrib_cliche.cli.output import err
from sphinxcontrib_cliche.loading import load
from sphinxcontrib_cliche.source.locations import make_alembic_config


def run_alembic(name: str, config_path: Path, revision: str, *, sql: bool = False) -> int:
    """``alembic upgrade|downgrade REVISION``; Alembic's log lines show as usual."""
    from alembic import command

    config = make_alembic_config(config_path)
    operation = command.upgrade if name == "upgrade" else command.downgrade
    return _guarded(lambda: operation(config, revision, sql=sql), name)


def make_revision(config_path: Path, message: str, *, autogenerate: bool) -> int:
    from alembic import command

    config = make_alembic_config(config_path)
    return _guarded(
        lambda: command.revision(config, message=message, autogenerate=autogenerate), "revision"
    )


def _guarded(action: object, name: str) -> int:
    """Run an Alembic command, turning expected failures into one clear message."""
    from alembic.util import CommandError
    from sqlalchemy.exc import SQLAlchemyError

    assert callable(action)
    try:
        action()
    except CommandError as error:
        err(f"cliche {name}: {error}")
        return 1
    except SQLAlchemyError as error:
        detail = str(getattr(error, "orig", None) or error).strip().splitlines()[0]
        err(
            f"cliche {name}: database error: {detail}\n"
            "The migration was not completed; with transactional DDL nothing of it was kept."
        )
        return 1
    except Exception as error:  # the project's env.py and migrations may raise anything
        err(f"cliche {name}: {type(error).__name__}: {error}")
        return 1
    return 0


def applied_revisions(config_path: Path) -> tuple[set[str], str | None]:
    """Revisions the configured database has applied, and a note when it was not checked.

    Uses the config's ``sqlalchemy.url`` (an ``env.py`` that computes its URL
    some other way is not run: that would execute project code).
    """
    config = make_alembic_config(config_path)
    url = config.get_main_option("sqlalchemy.url")
    if not url:
        return set(), "the config has no sqlalchemy.url, so no database was checked"
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    database = parsed.database
    is_file_database = parsed.get_backend_name() == "sqlite" and database not in (
        None,
        "",
        ":memory:",
    )
    if is_file_database and not Path(str(database)).exists():
        return set(), None  # connecting would create the file: nothing is applied
    try:
        from alembic.runtime.migration import MigrationContext

        engine = create_engine(url)
        try:
            with engine.connect() as connection:
                heads = MigrationContext.configure(connection).get_current_heads()
        finally:
            engine.dispose()
    except Exception as error:  # unreachable server, bad credentials, missing driver
        return set(), (
            f"could not check the database ({type(error).__name__}: {error}); "
            "be sure no database has applied this revision"
        )
    history = load(config_path).history
    applied: set[str] = set()
    for head in heads:
        if head in history:
            applied |= history.ancestors(head)
    return applied, None
