"""The ``cliche`` command: parse arguments, find the history, run a command.

Exit status: 0 all is well, 1 a check failed or a command refused, 2 a usage
or configuration error.  Expected failures print one message and no
traceback.
"""

from __future__ import annotations

import argparse
import gc
import sys
from collections.abc import Sequence
from pathlib import Path

from sphinxcontrib_cliche import __version__
from sphinxcontrib_cliche.cli import commands
from sphinxcontrib_cliche.cli.output import err
from sphinxcontrib_cliche.errors import ClicheError, ConfigError, RangeError
from sphinxcontrib_cliche.render.graph import DIRECTIONS
from sphinxcontrib_cliche.source.locations import CONFIG_NAMES, is_alembic_config

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="cliche",
        description="Read, check and run an Alembic migration history.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    _add_location_options(parser, top_level=True)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    history = _command(sub, "history", "List revisions, newest first, as `alembic history`.")
    history.add_argument("-r", "--rev-range", metavar="RANGE", help="[start]:[end], as Alembic")
    history.add_argument("--short", action="store_true", help="one line per revision")
    history.add_argument("-v", "--verbose", action="store_true", help="the default; accepted")
    history.add_argument("--format", choices=("text", "json"), default="text")

    heads = _command(sub, "heads", "Show the head revisions, as `alembic heads`.")
    heads.add_argument("-v", "--verbose", action="store_true")

    check = _command(sub, "check", "Fail unless the history has one head and no error.")
    check.add_argument("--format", choices=("text", "json"), default="text")
    check.add_argument("--strict", action="store_true", help="also fail on warnings")
    check.add_argument("-v", "--verbose", action="store_true", help="also show info findings")

    rebase = _command(sub, "rebase", "Re-point a branch's down_revision onto another revision.")
    rebase.add_argument("revision", metavar="REV")
    rebase.add_argument("--onto", required=True, metavar="TARGET")
    rebase.add_argument("--dry-run", action="store_true", help="print the diff, change nothing")

    upgrade = _command(sub, "upgrade", "Upgrade the database (Alembic), refusing on two heads.")
    upgrade.add_argument("revision", nargs="?", default="head")
    upgrade.add_argument("--sql", action="store_true", help="offline mode: print the SQL")

    downgrade = _command(sub, "downgrade", "Downgrade the database (Alembic).")
    downgrade.add_argument("revision")
    downgrade.add_argument("--sql", action="store_true", help="offline mode: print the SQL")

    revision = _command(sub, "revision", "Create a revision (Alembic), refusing on two heads.")
    revision.add_argument("-m", "--message", required=True)
    revision.add_argument("--autogenerate", action="store_true")

    graph = _command(sub, "graph", "Draw the revision graph: text, or DOT/SVG/PNG/PDF with -o.")
    graph.add_argument("-r", "--rev-range", metavar="RANGE")
    graph.add_argument(
        "--collapse",
        default="3",
        metavar="N|none",
        help="draw runs of plain revisions longer than N as one box (default 3)",
    )
    graph.add_argument("--direction", choices=tuple(DIRECTIONS), default="newest-top")
    graph.add_argument("--format", choices=("text", "dot"), default=None, help="for stdout")
    graph.add_argument(
        "-o", "--output", metavar="FILE", type=Path, help=".dot/.gv, or .svg/.png/.pdf via dot"
    )

    tables = _command(sub, "tables", "The history of each table: which revisions changed it.")
    tables.add_argument("table", nargs="?", help="only this table")
    tables.add_argument("--format", choices=("text", "json"), default="text")

    changelog = _command(sub, "changelog", "A migration changelog for release notes.")
    changelog.add_argument("-r", "--rev-range", metavar="RANGE")
    changelog.add_argument("--format", choices=("md", "rst", "json"), default="md")
    changelog.add_argument("-o", "--output", metavar="FILE", type=Path)
    return parser


def _command(
    sub: argparse._SubParsersAction[argparse.ArgumentParser], name: str, text: str
) -> argparse.ArgumentParser:
    parser = sub.add_parser(name, help=text, description=text)
    _add_location_options(parser, top_level=False)
    return parser


def _add_location_options(parser: argparse.ArgumentParser, *, top_level: bool) -> None:
    """``-c``/``-d`` work before or after the command: the command's copy only
    overrides when given (``SUPPRESS``), so ``cliche -c X history`` keeps X."""
    default = None if top_level else argparse.SUPPRESS
    parser.add_argument(
        "-c",
        "--config",
        metavar="FILE",
        default=default,
        help="alembic.ini or pyproject.toml (default: ./alembic.ini, then ./pyproject.toml)",
    )
    parser.add_argument(
        "-d",
        "--directory",
        metavar="DIR",
        default=default,
        help="a script or versions folder, for read-only commands without a config",
    )


def resolve_target(options: argparse.Namespace) -> tuple[Path, bool]:
    """The path to read and whether it is a configuration file."""
    if options.config:
        return Path(options.config), True
    if options.directory:
        return Path(options.directory), False
    for name in CONFIG_NAMES:
        candidate = Path.cwd() / name
        if candidate.is_file() and is_alembic_config(candidate):
            return candidate, True
    raise ConfigError(
        "no alembic.ini or pyproject.toml with [tool.alembic] here; "
        "pass -c FILE, or -d DIR for a folder of revisions"
    )


def main(argv: Sequence[str] | None = None) -> int:
    options = build_parser().parse_args(argv)
    try:
        target, is_config = resolve_target(options)
        return commands.run(options, target, is_config)
    except ConfigError as error:
        err(f"cliche: error: {error}")
        return EXIT_USAGE
    except RangeError as error:
        err(f"cliche: error: {error}")
        return EXIT_USAGE
    except ClicheError as error:
        err(f"cliche: {error}")
        return EXIT_FAILED
    except KeyboardInterrupt:
        err("cliche: interrupted")
        return 130
    except BrokenPipeError:
        sys.stderr.close()
        return EXIT_OK


def run() -> None:
    """The ``cliche`` console script: :func:`main` with the cycle collector off.

    A short-lived process that builds a history of thousands of mostly acyclic
    objects gains nothing from the collector, which would scan them again and
    again and once more, in full, when they are all alive at the end.
    """
    gc.disable()
    sys.exit(main())


if __name__ == "__main__":  # pragma: no cover
    run()
