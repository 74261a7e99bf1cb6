"""Finding version folders from alembic.ini, pyproject.toml and plain folders."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from conftest import MIGRATIONS

from sphinxcontrib_cliche.errors import ConfigError
from sphinxcontrib_cliche.loading import load
from sphinxcontrib_cliche.source.locations import locate


def _rev(folder: Path, rev: str, down: str | None) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{rev}.py").write_text(f"revision = {rev!r}\ndown_revision = {down!r}\n")


def test_ini_with_here_and_two_version_locations(tmp_path: Path) -> None:
    _rev(tmp_path / "a", "aaa", None)
    _rev(tmp_path / "b", "bbb", "aaa")
    (tmp_path / "scripts").mkdir()
    ini = tmp_path / "alembic.ini"
    ini.write_text(
        "[alembic]\nscript_location = %(here)s/scripts\n"
        "version_path_separator = ;\nversion_locations = %(here)s/a;%(here)s/b\n"
    )
    saved = list(sys.path)
    locations = locate(ini)
    assert sys.path == saved
    assert locations.version_locations == (str(tmp_path / "a"), str(tmp_path / "b"))
    assert load(ini).history.order == ("bbb", "aaa")


def test_recursive_version_locations(tmp_path: Path) -> None:
    _rev(tmp_path / "versions", "aaa", None)
    _rev(tmp_path / "versions" / "release2", "bbb", "aaa")
    ini = tmp_path / "alembic.ini"
    ini.write_text("[alembic]\nscript_location = %(here)s\n")
    assert load(ini).history.order == ("aaa",)
    ini.write_text("[alembic]\nscript_location = %(here)s\nrecursive_version_locations = true\n")
    assert load(ini).history.order == ("bbb", "aaa")


def test_pyproject_tool_alembic(tmp_path: Path) -> None:
    pytest.importorskip("alembic.config")
    import inspect

    from alembic.config import Config

    if "toml_file" not in inspect.signature(Config).parameters:
        pytest.skip("this Alembic predates [tool.alembic]")
    _rev(tmp_path / "migrations" / "versions", "aaa", None)
    toml = tmp_path / "pyproject.toml"
    toml.write_text('[tool.alembic]\nscript_location = "%(here)s/migrations"\n')
    assert load(toml).history.order == ("aaa",)
    assert load(tmp_path).history.order == ("aaa",)  # a folder holding the config


def test_pyproject_without_table(tmp_path: Path) -> None:
    toml = tmp_path / "pyproject.toml"
    toml.write_text("[project]\nname = 'x'\n")
    with pytest.raises(ConfigError, match=r"no \[tool.alembic\]"):
        locate(toml)


def test_script_folder_and_bare_versions_folder(tmp_path: Path) -> None:
    _rev(tmp_path / "scripts" / "versions", "aaa", None)
    assert load(tmp_path / "scripts").history.order == ("aaa",)
    assert load(tmp_path / "scripts" / "versions").history.order == ("aaa",)


def test_revision_files_directly_in_script_folder(tmp_path: Path) -> None:
    _rev(tmp_path / "migrations", "aaa", None)
    ini = tmp_path / "alembic.ini"
    ini.write_text(
        "[alembic]\nscript_location = %(here)s/migrations\nversion_locations = %(here)s/migrations\n"
    )
    assert load(ini).history.order == ("aaa",)


def test_path_that_does_not_exist(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no such file or folder"):
        locate(tmp_path / "nope.ini")


def test_ini_without_script_location(tmp_path: Path) -> None:
    ini = tmp_path / "alembic.ini"
    ini.write_text("[alembic]\n")
    with pytest.raises(ConfigError, match="script_location"):
        locate(ini)


def test_the_example_project() -> None:
    report = load(MIGRATIONS / "alembic.ini")
    assert report.history.order == (
        "2d8e07def2",
        "1ed82ef0071",
        "1344c33541b",
        "2d8b17e13d1",
        "27e81ea4d86",
    )
    assert report.history.heads == ("2d8e07def2",)
    assert report.diagnostics == ()


@pytest.mark.parametrize(
    "ini",
    [
        "[alembic]\nscript_location = %(here)s\n",
        "[alembic]\nscript_location = %(here)s/scripts\nrecursive_version_locations = true\n",
        "[alembic]\nscript_location = %(here)s/scripts\nrecursive_version_locations = True\nsourceless = true\n",
        "[alembic]\nscript_location = scripts\n",  # relative: from the current folder
        "[alembic]\nscript_location = %(here)s/scripts\nversion_locations = %(here)s/scripts/versions\n",
        "[alembic]\nscript_location = %(here)s\nprepend_sys_path = .\npath_separator = os\n",
    ],
)
def test_plain_ini_reading_agrees_with_alembics(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, ini: str
) -> None:
    from sphinxcontrib_cliche.source import locations as module

    (tmp_path / "scripts" / "versions").mkdir(parents=True)
    (tmp_path / "versions").mkdir()
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "alembic.ini"
    path.write_text(ini)
    ours = module._from_simple_ini(path, ())
    alembic = module._from_alembic_config(path, ())
    if "\nversion_locations" in ini:
        assert ours is None  # left to Alembic
    else:
        assert ours == alembic


def test_read_only_commands_import_neither_alembic_nor_sqlalchemy(tmp_path: Path) -> None:
    """Nor Sphinx, docutils, or multiprocessing (only reads with operations fork)."""
    import subprocess

    _rev(tmp_path / "versions", "aaa", None)
    (tmp_path / "alembic.ini").write_text("[alembic]\nscript_location = %(here)s\n")
    code = (
        "import sys, io, contextlib\n"
        "from sphinxcontrib_cliche.cli.main import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        f"    for command in ('heads', 'history', 'graph'):\n"
        f"        main([command, '-c', {str(tmp_path / 'alembic.ini')!r}])\n"
        "unwanted = {'alembic', 'sqlalchemy', 'sphinx', 'docutils', 'multiprocessing'}\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & unwanted))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
