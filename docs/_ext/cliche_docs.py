"""Helpers for this project's own docs; not part of the package.

* ``.. cliche-run::`` runs ``cliche`` commands on a private copy of
  ``migrations/`` at build time and shows their real output, so the workflow
  guide cannot drift from the tool.  ``:scenario: two-heads`` first puts the
  copy in the seed's two-heads state.
* ``.. cliche-reference:: config|diagnostics|cli|directive`` generates
  reference material from the declarations in the code.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any, ClassVar

from docutils import nodes
from docutils.parsers.rst import directives
from docutils.statemachine import StringList
from sphinx.application import Sphinx
from sphinx.util.docutils import SphinxDirective

PROJECT = Path(__file__).resolve().parents[2]
MIGRATIONS = PROJECT / "migrations"
SHOWN_ROOT = "/path/to/project/migrations"
HEADS_FILE = "2d8e07def2_add_nationality_column_to_people_table.py"


def prepare(scenario: str, target: Path) -> None:
    shutil.copytree(MIGRATIONS, target, ignore=shutil.ignore_patterns("*.db", "__pycache__"))
    if scenario == "two-heads":
        path = target / "versions" / HEADS_FILE
        text = path.read_text().replace(
            "down_revision = '1ed82ef0071'", "down_revision = '1344c33541b'"
        )
        path.write_text(text.replace("Revises: 1ed82ef0071", "Revises: 1344c33541b"))


class RunDirective(SphinxDirective):
    """Run each content line as a shell-less command in a copy of migrations/."""

    has_content = True
    option_spec: ClassVar[dict[str, Any]] = {
        "scenario": lambda arg: directives.choice(arg, ("seed", "two-heads")),
    }

    def run(self) -> list[nodes.Node]:
        for path in sorted((MIGRATIONS / "versions").glob("*.py")):
            self.env.note_dependency(str(path))
        transcript: list[str] = []
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp) / "migrations"
            prepare(self.options.get("scenario", "seed"), folder)
            env = {
                k: v for k, v in os.environ.items() if k not in ("CLICHE_DATABASE_URL", "NO_COLOR")
            }
            env["NO_COLOR"] = "1"
            for line in self.content:
                argv = line.split()
                if argv[0] == "cliche":
                    argv = [sys.executable, "-m", "sphinxcontrib_cliche.cli.main", *argv[1:]]
                result = subprocess.run(
                    argv, cwd=folder, capture_output=True, text=True, env=env, check=False
                )
                output = (result.stdout + result.stderr).replace(str(folder), SHOWN_ROOT)
                transcript.append(f"$ {line}")
                transcript.extend(output.rstrip("\n").splitlines())
                if result.returncode:
                    transcript.append(f"(exit status {result.returncode})")
                transcript.append("")
        text = "\n".join(transcript).rstrip() + "\n"
        block = nodes.literal_block(text, text, language="console")
        return [block]


class ReferenceDirective(SphinxDirective):
    required_arguments = 1

    def run(self) -> list[nodes.Node]:
        kind = self.arguments[0]
        lines = GENERATORS[kind]()
        container = nodes.container()
        self.state.nested_parse(
            StringList(lines, source=f"<cliche-reference {kind}>"), 0, container
        )
        return list(container.children)


def _config_lines() -> list[str]:
    from sphinxcontrib_cliche.sphinx.config import CONFIG_VALUES

    lines: list[str] = []
    for value in CONFIG_VALUES:
        lines += [
            f".. confval:: {value.name}",
            f"   :type: {' | '.join(t.__name__ for t in value.types)}",
            f"   :default: ``{value.default!r}``",
            "",
        ]
        lines += [f"   {value.doc}", ""]
        if value.choices:
            lines += ["   One of: " + ", ".join(f"``{c!r}``" for c in value.choices), ""]
    return lines


def _diagnostic_lines() -> list[str]:
    from sphinxcontrib_cliche.diagnostics import CODE_INFO

    lines = [
        ".. list-table::",
        "   :header-rows: 1",
        "   :widths: 18 8 37 37",
        "",
        "   * - Code",
        "     - Level",
        "     - Meaning",
        "     - What to do",
    ]
    for code, info in CODE_INFO.items():
        lines += [
            f"   * - ``{code.value}``",
            f"     - {info.level.label}",
            f"     - {info.summary}",
            f"     - {info.fix}",
        ]
    lines += [
        "",
        "In Sphinx each finding of level warning or error is a warning of type ``cliche`` with "
        "the code as subtype, located at the revision file: silence one kind with "
        '``suppress_warnings = ["cliche.<code>"]``. The CLI prints every finding with its '
        "``file:line``; ``cliche check`` fails on errors (and on warnings with ``--strict``).",
    ]
    return lines


def _cli_lines() -> list[str]:
    from sphinxcontrib_cliche.cli.main import build_parser

    parser = build_parser()
    lines = ["``cliche --help``:", "", ".. code-block:: text", ""]
    lines += ["   " + line for line in parser.format_help().splitlines()]
    subparsers = next(a for a in parser._actions if a.choices and isinstance(a.choices, dict))
    for name, sub in subparsers.choices.items():
        lines += ["", f".. rubric:: cliche {name}", ""]
        lines += [".. code-block:: text", ""] + [
            "   " + line for line in sub.format_help().splitlines()
        ]
    return lines


def _directive_lines() -> list[str]:
    from sphinxcontrib_cliche.sphinx.directives import (
        OPTION_HELP,
        GraphDirective,
        HistoryDirective,
        TablesDirective,
    )

    directives_ = (
        (
            "cliche-history",
            HistoryDirective,
            "Render an Alembic history, newest first, optionally under its graph.",
        ),
        ("cliche-graph", GraphDirective, "Draw the revision graph of an Alembic history."),
        (
            "cliche-tables",
            TablesDirective,
            "For every table the history touches, the revisions that changed it, oldest first.",
        ),
    )
    lines: list[str] = []
    for name, directive, summary in directives_:
        lines += [
            f".. rst:directive:: .. {name}:: [PATH]",
            "",
            f"   {summary} PATH (an ``alembic.ini``, a ``pyproject.toml``, a script",
            "   folder or a versions folder) is relative to the document, or to the source",
            "   folder when it starts with ``/``; without it, :confval:`cliche_config` is used.",
            "",
        ]
        for option in directive.option_spec:
            lines += [
                f"   .. rst:directive:option:: {option}",
                "",
                f"      {OPTION_HELP[option]}",
                "",
            ]
    return lines


GENERATORS = {
    "config": _config_lines,
    "diagnostics": _diagnostic_lines,
    "cli": _cli_lines,
    "directive": _directive_lines,
}


def setup(app: Sphinx) -> dict[str, Any]:
    app.add_directive("cliche-run", RunDirective)
    app.add_directive("cliche-reference", ReferenceDirective)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
