"""How the command talks: results to stdout, findings to stderr, colour only on a TTY."""

from __future__ import annotations

import os
import sys
from typing import TextIO

from sphinxcontrib_cliche.diagnostics import Diagnostic, Level
from sphinxcontrib_cliche.paths import relative_path

_COLOURS = {Level.ERROR: "31", Level.WARNING: "33", Level.INFO: "36"}


def use_colour(stream: TextIO) -> bool:
    """Colour only for a terminal, and never when ``NO_COLOR`` is set (no-color.org)."""
    return "NO_COLOR" not in os.environ and hasattr(stream, "isatty") and stream.isatty()


def format_diagnostic(diagnostic: Diagnostic, root: str, colour: bool = False) -> str:
    where = relative_path(diagnostic.path, root) or "(history)"
    if diagnostic.line is not None:
        where = f"{where}:{diagnostic.line}"
    level = diagnostic.level.label
    if colour:
        level = f"\033[{_COLOURS[diagnostic.level]}m{level}\033[0m"
    return f"{where}: {level}: [{diagnostic.code.value}] {diagnostic.message}"


def report_diagnostics(diagnostics: tuple[Diagnostic, ...], root: str, minimum: Level) -> None:
    colour = use_colour(sys.stderr)
    for diagnostic in diagnostics:
        if diagnostic.level >= minimum:
            print(format_diagnostic(diagnostic, root, colour), file=sys.stderr)


def out(text: str = "") -> None:
    sys.stdout.write(text + "\n")


def err(text: str) -> None:
    sys.stderr.write(text + "\n")
