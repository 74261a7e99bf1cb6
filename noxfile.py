"""The version matrix: the oldest and newest Sphinx/Alembic we support, on 3.11 and 3.13.

``./dev matrix`` runs every cell, two at a time (``.ci/run`` does); ``nox -s
matrix-oldest`` runs one.  Each cell installs the package with its test extra
plus the cell's pins, and runs the whole test suite.

The newest releases on Python 3.11 are no cell of their own: ``./dev test``
installs the package unpinned in ``.venv``, which on a fresh checkout (as in
CI) is exactly that cell.  Every test run names its versions in pytest's header.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import nox

nox.options.default_venv_backend = "venv"
nox.options.reuse_existing_virtualenvs = True

CELLS = {
    # the declared floor: Sphinx 7.4, the docutils it accepts, Alembic 1.13, SQLAlchemy 2.0
    "oldest": (
        "3.11",
        [
            "sphinx==7.4.*",
            "docutils==0.20.*",
            "alembic==1.13.*",
            "sqlalchemy==2.0.*",
            "myst-parser==3.*",
        ],
    ),
    "sphinx8": ("3.11", ["sphinx==8.*", "myst-parser==4.*"]),
    "newest-3.13": ("3.13", ["sphinx>=9.2", "alembic>=1.16", "docutils>=0.21", "myst-parser>=4"]),
}


def _runs(path: str) -> bool:
    try:
        return subprocess.run([path, "-V"], capture_output=True, check=False).returncode == 0
    except OSError:
        return False


def _interpreter(version: str) -> str:
    """A working ``python3.X``: from PATH if it runs (a pyenv shim may not), else pyenv's."""
    found = shutil.which(f"python{version}")
    if found and _runs(found):
        return found
    candidates = sorted(Path.home().glob(f".pyenv/versions/{version}.*/bin/python{version}"))
    return str(candidates[-1]) if candidates else version


def _cell(name: str, version: str, pins: list[str]) -> None:
    @nox.session(name=f"matrix-{name}", python=_interpreter(version))
    def run(session: nox.Session) -> None:
        session.install("-e", ".[test]", *pins)
        # the versions tested stand in pytest's header (tests/conftest.py)
        session.run("python", "-m", "pytest", "-p", "no:cacheprovider", *session.posargs)


for _name, (_version, _pins) in CELLS.items():
    _cell(_name, _version, _pins)
