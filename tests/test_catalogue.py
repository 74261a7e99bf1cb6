"""The bad-input catalogue: one small folder per case, one expected outcome.

Each case builds its folder, then is checked three ways: the reader's
diagnostics (code, file, line), the CLI (``cliche check``: exit status, the
``file:line`` in its message, never a traceback), and a Sphinx build (a
``cliche.<code>`` warning at the file, and the rest of the history rendered).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from bs4 import BeautifulSoup

from sphinxcontrib_cliche.diagnostics import Code, Level
from sphinxcontrib_cliche.loading import load


def rev(revision: str, down: object = None, *, doc: str | None = None, extra: str = "") -> str:
    message = doc if doc is not None else f"Revision {revision}"
    return (
        f'"""{message}\n\nRevision ID: {revision}\n"""\nfrom alembic import op\n\n'
        f"revision = {revision!r}\ndown_revision = {down!r}\n{extra}\n\n"
        "def upgrade():\n    op.execute('SELECT 1')\n\n\ndef downgrade():\n    op.execute('SELECT 1')\n"
    )


@dataclass
class Case:
    name: str
    files: dict[str, str | bytes]
    findings: list[tuple[Code, str, int | None]] = field(default_factory=list)  # code, file, line
    shown: int = 0  # revisions still rendered
    prepare: Callable[[Path], None] | None = None
    recursive: bool = False

    @property
    def exit(self) -> int:
        """What `cliche check` returns: 1 when any finding is an error."""
        return 1 if any(code.level is Level.ERROR for code, _, _ in self.findings) else 0


def _symlinked_file(folder: Path) -> None:
    outside = folder.parent / "elsewhere.py"
    outside.write_text(rev("link1", "base1"))
    (folder / "versions" / "link1.py").symlink_to(outside)


def _symlink_loop(folder: Path) -> None:
    (folder / "versions" / "loop_a.py").symlink_to(folder / "versions" / "loop_b.py")
    (folder / "versions" / "loop_b.py").symlink_to(folder / "versions" / "loop_a.py")


def _symlinked_folder(folder: Path) -> None:
    outside = folder.parent / "outside"
    outside.mkdir()
    (outside / "hidden.py").write_text(rev("hidden1", "base1"))
    (folder / "versions" / "linked").symlink_to(outside, target_is_directory=True)


def _dangling(folder: Path) -> None:
    """A file that is gone by the time it is read (listed, then unreadable)."""
    (folder / "versions" / "gone.py").symlink_to(folder / "nowhere.py")


CASES = [
    Case(
        "syntax-error",
        {"a.py": rev("a1"), "b.py": "revision = 'b1'\ndown_revision = 'a1'\ndef upgrade(:\n"},
        [(Code.SYNTAX_ERROR, "b.py", 3)],
        shown=1,
    ),
    Case(
        "syntax-error-below-the-ids",  # the revision keeps its place, read from its header
        {
            "a.py": rev("a1"),
            "b.py": rev("b1", "a1").replace("op.execute('SELECT 1')", "op.execute('SELECT 1'", 1),
        },
        [(Code.SYNTAX_ERROR, "b.py", 12)],
        shown=2,
    ),
    Case(
        "empty-file",
        {"a.py": rev("a1"), "empty.py": ""},
        [(Code.INVALID_REVISION, "empty.py", None)],
        shown=1,
    ),
    Case(
        "only-docstring",
        {"a.py": rev("a1"), "doc.py": '"""Just words."""\n'},
        [(Code.INVALID_REVISION, "doc.py", None)],
        shown=1,
    ),
    Case(
        "not-utf8",
        {"a.py": rev("a1"), "b.py": b"revision = 'b1'\ndown_revision = 'a1'\n# caf\xe9\n"},
        [(Code.NOT_UTF8, "b.py", 3)],
        shown=1,
    ),
    Case("utf8-bom", {"a.py": b"\xef\xbb\xbf" + rev("a1", doc="Caf\u00e9").encode()}, shown=1),
    Case(
        "pep263-latin1",
        {"a.py": ("# -*- coding: latin-1 -*-\n" + rev("a1", doc="Caf\xe9")).encode("latin-1")},
        shown=1,
    ),
    Case("crlf", {"a.py": rev("a1").replace("\n", "\r\n").encode()}, shown=1),
    Case(
        "typed-template",
        {
            "a.py": 'revision: str = "a1"\ndown_revision: Union[str, Sequence[str], None] = None\n'
            "branch_labels: Union[str, Sequence[str], None] = None\n"
            "depends_on: Union[str, Sequence[str], None] = None\n"
        },
        shown=1,
    ),
    Case(
        "merge-as-tuple-list-and-1-tuple",
        {
            "a.py": rev("a1"),
            "b.py": rev("b1", ("a1",)),
            "c.py": rev("c1", ["a1"]),
            "m.py": rev("m1", ("b1", "c1")),
        },
        shown=4,
    ),
    Case("non-hex-ids", {"a.py": rev("0001_init"), "b.py": rev("0002_more", "0001_init")}, shown=2),
    Case(
        "same-id-twice",
        {"a.py": rev("a1"), "b1.py": rev("b1", "a1"), "b2.py": rev("b1", "a1")},
        [(Code.DUPLICATE_REVISION, "b1.py", 7)],
        shown=2,
    ),
    Case(
        "missing-parent",
        {"a.py": rev("a1"), "b.py": rev("b1", "ghost")},
        [(Code.MISSING_PARENT, "b.py", 8), (Code.MULTIPLE_HEADS, "a.py", 8)],
        shown=2,
    ),
    Case(
        "cycle",
        {"a.py": rev("a1"), "b.py": rev("b1", "c1"), "c.py": rev("c1", "b1")},
        [(Code.CYCLE, "b.py", 8), (Code.CYCLE, "c.py", 8)],
        shown=1,
    ),
    Case(
        "self-loop",
        {"a.py": rev("a1"), "b.py": rev("b1", "b1")},
        [(Code.CYCLE, "b.py", 8)],
        shown=1,
    ),
    Case(
        "unknown-dependency",
        {"a.py": rev("a1"), "b.py": rev("b1", "a1", extra="depends_on = 'nope'")},
        [(Code.MISSING_DEPENDENCY, "b.py", 9)],
        shown=2,
    ),
    Case(
        "unknown-label-dependency",
        {"a.py": rev("a1"), "b.py": rev("b1", "a1", extra="depends_on = 'nolabel@head'")},
        [(Code.MISSING_DEPENDENCY, "b.py", 9)],
        shown=2,
    ),
    Case(
        "label-used-twice",
        {
            "a.py": rev("a1", extra="branch_labels = ('core',)"),
            "b.py": rev("b1", "a1", extra="branch_labels = ('core',)"),
        },
        [(Code.DUPLICATE_BRANCH_LABEL, "b.py", 9)],
        shown=2,
    ),
    Case(
        "two-bases-merged",
        {"a.py": rev("a1"), "b.py": rev("b1"), "m.py": rev("m1", ("a1", "b1"))},
        shown=3,
    ),
    Case(
        "two-bases-two-heads",
        {"a.py": rev("a1"), "b.py": rev("b1")},
        [(Code.MULTIPLE_HEADS, "a.py", 8)],
        shown=2,
    ),
    Case("symlinked-file", {"base.py": rev("base1")}, shown=2, prepare=_symlinked_file),
    Case(
        "symlinked-folder-not-walked",
        {"base.py": rev("base1")},
        shown=1,
        prepare=_symlinked_folder,
        recursive=True,
    ),
    Case(
        "symlink-loop",
        {"a.py": rev("a1")},
        [(Code.UNREADABLE_FILE, "loop_a.py", None), (Code.UNREADABLE_FILE, "loop_b.py", None)],
        shown=1,
        prepare=_symlink_loop,
    ),
    Case(
        "file-gone-before-read",
        {"a.py": rev("a1")},
        [(Code.UNREADABLE_FILE, "gone.py", None)],
        shown=1,
        prepare=_dangling,
    ),
    Case("nested-without-recursive", {"a.py": rev("a1"), "sub/b.py": rev("b1", "a1")}, shown=1),
    Case(
        "nested-with-recursive",
        {"a.py": rev("a1"), "sub/b.py": rev("b1", "a1")},
        shown=2,
        recursive=True,
    ),
    Case("ten-megabyte-file", {"a.py": rev("a1") + "# padding\n" * 1_000_000}, shown=1),
    Case(
        "docstring-of-100000-lines",
        {"a.py": rev("a1", doc="Long one\n\n" + "line\n" * 100_000)},
        shown=1,
    ),
    Case(
        "deep-nesting",
        {
            "a.py": rev("a1"),
            "b.py": "revision = 'b1'\ndown_revision = " + "(" * 100_000 + ")" * 100_000,
        },
        [(Code.SYNTAX_ERROR, "b.py", 2)],
        shown=1,
    ),
    Case(
        "dynamic-id",
        {
            "a.py": rev("a1"),
            "b.py": "import os\nrevision = os.environ['X']\ndown_revision = 'a1'\n",
        },
        [(Code.DYNAMIC_REVISION, "b.py", 2)],
        shown=1,
    ),
]


def build_case(case: Case, root: Path) -> Path:
    folder = root / case.name
    versions = folder / "versions"
    versions.mkdir(parents=True)
    for name, content in case.files.items():
        path = versions / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    if case.prepare is not None:
        case.prepare(folder)
    return folder


def _expected(case: Case) -> list[tuple[Code, str, int | None]]:
    return sorted(case.findings, key=lambda f: (f[0].value, f[1]))


def _found(report: Any, folder: Path) -> list[tuple[Code, str, int | None]]:
    return sorted(
        (
            (d.code, Path(d.path).name if d.path else "", d.line)
            for d in report.diagnostics
            if d.level >= Level.WARNING
        ),
        key=lambda f: (f[0].value, f[1]),
    )


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_reader(case: Case, tmp_path: Path) -> None:
    folder = build_case(case, tmp_path)
    report = load(folder, recursive=case.recursive)
    assert _found(report, folder) == _expected(case)
    assert len(report.history) == case.shown


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_cli(case: Case, tmp_path: Path) -> None:
    folder = build_case(case, tmp_path)
    if case.recursive:
        ini = folder / "alembic.ini"
        ini.write_text(
            "[alembic]\nscript_location = %(here)s\nrecursive_version_locations = true\n"
        )
        target = ["-c", str(ini)]
    else:
        target = ["-d", str(folder)]
    result = subprocess.run(
        [sys.executable, "-m", "sphinxcontrib_cliche.cli.main", "check", *target],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "NO_COLOR": "1"},
    )
    assert result.returncode == case.exit, result.stderr
    assert "Traceback" not in result.stderr
    for code, name, line in case.findings:
        where = f"{name}:{line}" if line else name
        assert re.search(
            rf"{re.escape(where)}\S*: (error|warning): \[{code.value}\]", result.stderr
        ), result.stderr


@pytest.mark.sphinx
@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_sphinx(case: Case, tmp_path: Path, make_app: Any) -> None:
    folder = build_case(case, tmp_path)
    srcdir = tmp_path / "docs"
    srcdir.mkdir()
    (srcdir / "conf.py").write_text(
        'project = "catalogue"\nextensions = ["sphinxcontrib_cliche"]\n'
    )
    (srcdir / "index.rst").write_text(".. cliche-history::\n   :multiple-heads: warning\n")
    app = make_app(
        "html",
        srcdir=srcdir,
        confoverrides={
            "cliche_config": str(folder),
            "cliche_recursive": case.recursive,
            "show_warning_types": True,
        },
    )
    app.build()
    warnings = re.sub(r"\x1b\[[0-9;]*m", "", app.warning.getvalue())
    for code, name, line in case.findings:
        where = f"{name}:{line}" if line else name
        if code is Code.MULTIPLE_HEADS:  # warned at the directive that renders the history
            where = "index.rst:1"
        pattern = rf"{re.escape(where)}\S*: WARNING: .*?\[cliche\.{code.value}\]"
        assert re.search(pattern, warnings, re.DOTALL), warnings
    page = BeautifulSoup((Path(app.outdir) / "index.html").read_text(), "html.parser")
    assert len(page.select("dl.cliche-revision")) == case.shown


def test_vanishing_folder(tmp_path: Path) -> None:
    from sphinxcontrib_cliche.source.locations import locate
    from sphinxcontrib_cliche.source.scan import read_history_files

    folder = build_case(Case("vanish", {"a.py": rev("a1")}), tmp_path)
    locations = locate(folder)
    shutil.rmtree(folder / "versions")
    snapshot = read_history_files(locations)
    assert [d.code for d in snapshot.diagnostics] == [Code.MISSING_VERSION_LOCATION]


def test_versions_path_that_is_a_file(tmp_path: Path) -> None:
    target = tmp_path / "versions"
    target.write_text("not a folder")
    result = subprocess.run(
        [sys.executable, "-m", "sphinxcontrib_cliche.cli.main", "check", "-d", str(target)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2 and "is a file, not a folder" in result.stderr
    assert "Traceback" not in result.stderr


def test_permission_denied(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, make_app: Any) -> None:
    """An unreadable revision file is one clear finding, in the core, the CLI and Sphinx.

    The tests may run as root, for whom no file is unreadable, so the read is
    refused the way the kernel would refuse it: PermissionError from the read.
    """
    from sphinxcontrib_cliche.cli.main import main
    from sphinxcontrib_cliche.source import reader

    folder = build_case(Case("perm", {"a.py": rev("a1"), "b.py": rev("b1", "a1")}), tmp_path)
    locked = folder / "versions" / "b.py"
    real_read = reader.read_bytes

    def read_bytes(path: str | Path) -> bytes:
        if Path(path) == locked:
            raise PermissionError(13, "Permission denied", str(path))
        return real_read(path)

    monkeypatch.setattr(reader, "read_bytes", read_bytes)
    report = load(folder)
    assert _found(report, folder) == [(Code.UNREADABLE_FILE, "b.py", None)]
    assert "Permission denied" in report.diagnostics[0].message
    assert len(report.history) == 1

    assert main(["check", "-d", str(folder)]) == 1

    srcdir = tmp_path / "docs"
    srcdir.mkdir()
    (srcdir / "conf.py").write_text('project = "perm"\nextensions = ["sphinxcontrib_cliche"]\n')
    (srcdir / "index.rst").write_text(".. cliche-history::\n")
    overrides = {"cliche_config": str(folder), "show_warning_types": True}
    app = make_app("html", srcdir=srcdir, confoverrides=overrides)
    app.build()
    warnings = re.sub(r"\x1b\[[0-9;]*m", "", app.warning.getvalue())
    assert re.search(
        r"b\.py:?: WARNING: \[unreadable-file\] cannot read file: Permission denied", warnings
    )
