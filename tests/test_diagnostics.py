"""One bad folder per diagnostic code: the message names the file (and line),
and the rest of the history is still returned."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from sphinxcontrib_cliche.diagnostics import CODE_INFO, Code, Level
from sphinxcontrib_cliche.errors import ConfigError
from sphinxcontrib_cliche.loading import load


def _codes(report) -> list[Code]:
    return [d.code for d in report.diagnostics]


def _only(report, code: Code):
    found = [d for d in report.diagnostics if d.code is code]
    assert len(found) == 1, report.diagnostics
    return found[0]


def test_every_code_has_a_level_summary_and_fix() -> None:
    assert set(CODE_INFO) == set(Code)
    for info in CODE_INFO.values():
        assert info.summary and info.fix


def test_multiple_heads_names_heads_files_and_fix(tmp_path: Path, write_revision) -> None:
    write_revision("a.py", "aaa", None)
    write_revision("b.py", "bbb", "aaa")
    write_revision("c.py", "ccc", "bbb")
    branch = write_revision("d.py", "ddd", "bbb")
    report = load(tmp_path)
    finding = _only(report, Code.MULTIPLE_HEADS)
    assert finding.level is Level.ERROR
    assert "ccc" in finding.message and "ddd" in finding.message
    assert "versions/c.py" in finding.message and "versions/d.py" in finding.message
    # d.py is the newer branch (later in file order, same date): move it onto ccc.
    assert finding.path == str(branch)
    assert finding.line == 11
    assert "change down_revision from 'bbb' to 'ccc'" in finding.message
    assert "cliche rebase ddd --onto ccc" in finding.message
    assert "alembic merge" in finding.message
    assert len(report.history) == 4


def test_missing_parent(tmp_path: Path, write_revision) -> None:
    write_revision("a.py", "aaa", None)
    orphan = write_revision("b.py", "bbb", "nope")
    report = load(tmp_path)
    finding = _only(report, Code.MISSING_PARENT)
    assert (finding.path, finding.line) == (str(orphan), 11)
    assert "'nope'" in finding.message
    assert set(report.history.order) == {"aaa", "bbb"}
    assert report.history.get("bbb").is_base


def test_missing_dependency(tmp_path: Path, write_revision) -> None:
    write_revision("a.py", "aaa", None)
    path = write_revision("b.py", "bbb", "aaa", extra="depends_on = 'ghost'")
    report = load(tmp_path)
    finding = _only(report, Code.MISSING_DEPENDENCY)
    assert (finding.path, finding.line) == (str(path), 12)
    assert report.history.order == ("bbb", "aaa")


def test_duplicate_revision(tmp_path: Path, write_revision) -> None:
    write_revision("a.py", "aaa", None)
    first = write_revision("b1.py", "bbb", "aaa", doc="First")
    write_revision("b2.py", "bbb", "aaa", doc="Second")
    report = load(tmp_path)
    finding = _only(report, Code.DUPLICATE_REVISION)
    assert (finding.path, finding.line) == (str(first), 10)
    assert "b2.py" in finding.message
    assert report.history.heads == ("bbb",)  # Alembic would count it twice
    assert report.history.get("bbb").record.doc == "Second"


def test_duplicate_branch_label(tmp_path: Path, write_revision) -> None:
    write_revision("a.py", "aaa", None, extra="branch_labels = ('core',)")
    second = write_revision("b.py", "bbb", None, extra="branch_labels = ('core',)")
    report = load(tmp_path)
    finding = _only(report, Code.DUPLICATE_BRANCH_LABEL)
    assert (finding.path, finding.line) == (str(second), 12)
    assert report.history.get("aaa").branch_names == ("core",)
    assert report.history.get("bbb").branch_names == ()


@pytest.mark.parametrize("loop", ["cycle", "self"])
def test_cycle(tmp_path: Path, write_revision, loop: str) -> None:
    write_revision("a.py", "aaa", None)
    write_revision("b.py", "bbb", "ccc" if loop == "cycle" else "bbb")
    write_revision("c.py", "ccc", "bbb" if loop == "cycle" else "aaa")
    write_revision("d.py", "ddd", "aaa")
    report = load(tmp_path)
    cycles = [d for d in report.diagnostics if d.code is Code.CYCLE]
    assert cycles and all(d.line == 11 for d in cycles)
    assert "ddd" in report.history and "aaa" in report.history
    assert "bbb" not in report.history


def test_syntax_error(tmp_path: Path, write_revision) -> None:
    write_revision("a.py", "aaa", None)
    broken = write_revision("b.py", text="revision = 'bbb'\ndown_revision = 'aaa'\ndef upgrade(:\n")
    report = load(tmp_path)
    finding = _only(report, Code.SYNTAX_ERROR)
    assert (finding.path, finding.line) == (str(broken), 3)
    assert report.history.order == ("aaa",)


def test_a_syntax_error_below_the_header_keeps_the_revision(tmp_path: Path, write_revision) -> None:
    """Its ids are read from the header, so its children keep their parent; the
    error is reported at its line, and what the body does stays unknown."""
    write_revision("a.py", "aaa", None)
    broken = write_revision("b.py", "bbb", "aaa")
    write_revision("c.py", "ccc", "bbb")
    text = broken.read_text().replace('op.execute("SELECT 1")', 'op.execute("SELECT 1"', 1)
    broken.write_text(text)
    report = load(tmp_path)
    finding = _only(report, Code.SYNTAX_ERROR)
    line = 1 + text.splitlines().index('    op.execute("SELECT 1"')  # the unclosed call
    assert (finding.path, finding.line) == (str(broken), line)
    assert report.history.order == ("ccc", "bbb", "aaa")
    assert report.history.get("bbb").record.upgrade_ops == ()
    assert report.history.get("bbb").record.message == "Revision bbb"
    assert not [d for d in report.diagnostics if d.code is Code.MISSING_PARENT]
    # the graph commands read headers alone: they see the same history
    assert load(tmp_path, with_operations=False).history.order == report.history.order


def test_not_utf8(tmp_path: Path, write_revision) -> None:
    write_revision("a.py", "aaa", None)
    bad = write_revision("b.py", text=b"revision = 'bbb'\ndown_revision = None\n# caf\xe9\n")
    finding = _only(load(tmp_path), Code.NOT_UTF8)
    assert (finding.path, finding.line) == (str(bad), 3)
    assert "0xe9" in finding.message


def test_deep_nesting_is_a_syntax_error_not_a_crash(tmp_path: Path, write_revision) -> None:
    write_revision("a.py", "aaa", None)
    write_revision(
        "b.py", text="revision = 'bbb'\ndown_revision = " + "(" * 200_000 + ")" * 200_000 + "\n"
    )
    report = load(tmp_path)
    assert Code.SYNTAX_ERROR in _codes(report)
    assert report.history.order == ("aaa",)


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads any file")
def test_unreadable_file(tmp_path: Path, write_revision) -> None:
    path = write_revision("a.py", "aaa", None)
    path.chmod(0)
    assert _only(load(tmp_path), Code.UNREADABLE_FILE).path == str(path)


def test_versions_path_that_is_a_file(tmp_path: Path) -> None:
    (tmp_path / "versions").write_text("not a folder")
    with pytest.raises(ConfigError, match="is a file, not a folder"):
        load(tmp_path / "versions")
    ini = tmp_path / "alembic.ini"
    ini.write_text("[alembic]\nscript_location = %(here)s\n")
    finding = _only(load(ini), Code.UNREADABLE_FILE)
    assert finding.path == str(tmp_path / "versions")
    assert "is a file" in finding.message


def test_dynamic_revision(tmp_path: Path, write_revision) -> None:
    path = write_revision(
        "a.py", text="import os\nrevision = os.environ['REV']\ndown_revision = None\n"
    )
    finding = _only(load(tmp_path), Code.DYNAMIC_REVISION)
    assert (finding.path, finding.line) == (str(path), 2)


def test_invalid_revision(tmp_path: Path, write_revision) -> None:
    path = write_revision("not-hex-name.py", text="down_revision = None\n")
    write_revision("b.py", text="revision = 'x@y'\ndown_revision = None\n")
    report = load(tmp_path)
    findings = [d for d in report.diagnostics if d.code is Code.INVALID_REVISION]
    assert {d.path for d in findings} == {str(path), str(tmp_path / "versions" / "b.py")}
    assert any("'@'" in d.message for d in findings)


def test_no_revisions(tmp_path: Path) -> None:
    (tmp_path / "versions").mkdir()
    assert _only(load(tmp_path), Code.NO_REVISIONS).level is Level.WARNING


def test_missing_version_location(tmp_path: Path, write_revision) -> None:
    write_revision("a.py", "aaa", None)
    ini = tmp_path / "alembic.ini"
    ini.write_text(
        "[alembic]\nscript_location = %(here)s\nversion_locations = %(here)s/versions %(here)s/gone\n"
    )
    finding = _only(load(ini), Code.MISSING_VERSION_LOCATION)
    assert finding.path is not None and finding.path.endswith("gone")


def test_duplicate_file(tmp_path: Path, write_revision) -> None:
    target = write_revision("a.py", "aaa", None)
    (tmp_path / "versions" / "b.py").symlink_to(target)
    report = load(tmp_path)
    assert _only(report, Code.DUPLICATE_FILE).path == str(target)
    assert report.history.order == ("aaa",)


def test_docstring_mismatch(tmp_path: Path, write_revision) -> None:
    path = write_revision("a.py", "aaa", None)
    path.write_text(path.read_text().replace("Revision ID: aaa", "Revision ID: bbb"))
    finding = _only(load(tmp_path), Code.DOCSTRING_MISMATCH)
    assert (finding.path, finding.line, finding.level) == (str(path), 1, Level.INFO)


def test_missing_downgrade(tmp_path: Path, write_revision) -> None:
    path = write_revision(
        "a.py", text="revision = 'aaa'\ndown_revision = None\ndef upgrade():\n    pass\n"
    )
    finding = _only(load(tmp_path), Code.MISSING_DOWNGRADE)
    assert (finding.path, finding.level) == (str(path), Level.INFO)
