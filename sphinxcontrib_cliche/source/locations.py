"""Find a project's version folders from an ``alembic.ini``, a ``pyproject.toml``
or a plain folder.

Configuration files are resolved by Alembic itself (``Config`` and
``ScriptDirectory.from_config``), so ``%(here)s``, ``version_locations`` with
its separator, ``recursive_version_locations`` and package resources mean
exactly what they mean to Alembic.  Only the folder case, which Alembic has no
notion of, is decided here.
"""

from __future__ import annotations

import configparser
import contextlib
import inspect
import os
import sys
import tomllib
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from sphinxcontrib_cliche.errors import ConfigError

if TYPE_CHECKING:
    from alembic.config import Config

#: File names tried, in order, when a folder holds a configuration.
CONFIG_NAMES = ("alembic.ini", "pyproject.toml")


@dataclass(frozen=True)
class Locations:
    """Where a history lives and how Alembic is told to walk it.

    ``config_file`` is ``None`` for a plain folder.  ``source_paths`` are the
    roots searched when a revision takes an id from an imported constant.
    """

    version_locations: tuple[str, ...]
    script_dir: str | None = None
    config_file: str | None = None
    recursive: bool = False
    sourceless: bool = False
    source_paths: tuple[str, ...] = ()

    @property
    def root(self) -> str:
        """The folder paths are shown relative to: the config's, else the script's."""
        if self.config_file is not None:
            return str(Path(self.config_file).parent)
        if self.script_dir is not None:
            return str(Path(self.script_dir).parent)
        return str(Path(self.version_locations[0]).parent)

    @property
    def name(self) -> str:
        """A history's default name (in references, anchors and titles): the folder
        of its config, else its script folder, else its versions folder."""
        if self.config_file is not None:
            folder = Path(self.config_file).parent
        elif self.script_dir is not None:
            folder = Path(self.script_dir)
        else:
            folder = Path(self.version_locations[0])
        return folder.name or "history"


def locate(
    path: str | Path,
    *,
    recursive: bool = False,
    source_paths: tuple[str, ...] = (),
) -> Locations:
    """Resolve ``path`` (a config file, a script folder or a versions folder).

    ``recursive`` and ``source_paths`` apply to plain folders, which carry no
    configuration of their own.
    """
    target = Path(path).expanduser()
    if not target.exists():
        raise ConfigError(
            f"{target}: no such file or folder. Give an alembic.ini, a "
            "pyproject.toml with [tool.alembic], a script folder or a versions "
            "folder."
        )
    # normalise "docs/../alembic.ini" without resolving symlinks (Path.resolve would)
    target = Path(os.path.abspath(target))  # noqa: PTH100
    if target.is_file():
        if target.suffix not in (".ini", ".toml", ".cfg", ".conf"):
            raise ConfigError(
                f"{target}: is a file, not a folder, an alembic.ini or a pyproject.toml."
            )
        return _from_config_file(target, source_paths)
    for name in CONFIG_NAMES:
        candidate = target / name
        if candidate.is_file() and is_alembic_config(candidate):
            return _from_config_file(candidate, source_paths)
    return _from_folder(target, recursive, source_paths)


def is_alembic_config(path: Path) -> bool:
    if path.suffix == ".toml":
        return _toml_alembic_table(path) is not None
    return True


def _from_folder(folder: Path, recursive: bool, source_paths: tuple[str, ...]) -> Locations:
    versions = folder / "versions"
    if versions.is_dir():
        return Locations(
            version_locations=(str(versions),),
            script_dir=str(folder),
            recursive=recursive,
            source_paths=source_paths or (str(folder.parent),),
        )
    return Locations(
        version_locations=(str(folder),),
        recursive=recursive,
        source_paths=source_paths or (str(folder.parent),),
    )


def _from_config_file(path: Path, source_paths: tuple[str, ...]) -> Locations:
    simple = _from_simple_ini(path, source_paths)
    if simple is not None:
        return simple
    return _from_alembic_config(path, source_paths)


def _from_simple_ini(path: Path, source_paths: tuple[str, ...]) -> Locations | None:
    """The common ``alembic.ini`` read as Alembic reads it, without importing Alembic.

    Importing ``alembic`` imports SQLAlchemy, which read-only commands cannot
    afford on every run.  Only the plain shape is handled here: a filesystem
    ``script_location`` (``%(here)s`` interpolated), no ``version_locations``,
    no ``[tool.alembic]`` beside it.  Anything else returns ``None`` and goes to
    Alembic's own ``Config``; a test holds both to the same answer.
    """
    if path.suffix != ".ini":
        return None
    sibling = path.parent / "pyproject.toml"
    if sibling.is_file() and _toml_alembic_table(sibling) is not None:
        return None
    parser = configparser.ConfigParser(defaults={"here": path.parent.as_posix()})
    try:
        parser.read(path, encoding="utf-8")
        section = parser["alembic"]
        if "version_locations" in section:
            return None
        script_location = section.get("script_location")
        recursive = section.get("recursive_version_locations") == "true"
        sourceless = section.get("sourceless") == "true"
    except (KeyError, configparser.Error, UnicodeDecodeError):
        return None
    if not script_location or ":" in script_location:
        return None  # missing (Alembic says so), or a package resource
    script_dir = Path(script_location).absolute()  # relative: from the current folder, as Alembic
    if not script_dir.exists():
        return None
    return Locations(
        version_locations=(str(script_dir / "versions"),),
        script_dir=str(script_dir),
        config_file=str(path),
        recursive=recursive,
        sourceless=sourceless,
        source_paths=source_paths or (str(path.parent),),
    )


def _from_alembic_config(path: Path, source_paths: tuple[str, ...]) -> Locations:
    from alembic.config import Config
    from alembic.script import ScriptDirectory
    from alembic.util import CommandError

    config = _make_config(Config, path)
    try:
        with _sys_path_restored(), warnings.catch_warnings():
            # Alembic's nags about the user's config style are not ours to print.
            warnings.simplefilter("ignore", DeprecationWarning)
            script = ScriptDirectory.from_config(config)
    except CommandError as error:
        raise ConfigError(f"{path}: {error}") from None
    except (KeyError, ValueError, OSError, configparser.Error) as error:
        raise ConfigError(f"{path}: cannot read Alembic configuration: {error}") from None
    versions = tuple(str(Path(v)) for v in script._version_locations)
    return Locations(
        version_locations=versions,
        script_dir=str(Path(script.dir).absolute()),
        config_file=str(path),
        recursive=bool(script.recursive_version_locations),
        sourceless=bool(script.sourceless),
        source_paths=source_paths or (str(path.parent),),
    )


def make_alembic_config(path: str | Path) -> Config:
    """An ``alembic.config.Config`` for ``path`` (ini, or pyproject on Alembic >= 1.16)."""
    from alembic.config import Config

    return _make_config(Config, Path(path).absolute())


def _make_config(config_class: type[Config], path: Path) -> Config:
    accepts_toml = "toml_file" in inspect.signature(config_class).parameters
    if path.suffix == ".toml":
        if _toml_alembic_table(path) is None:
            raise ConfigError(f"{path}: has no [tool.alembic] table.")
        if not accepts_toml:
            raise ConfigError(
                f"{path}: [tool.alembic] needs Alembic >= 1.16; use an alembic.ini "
                "with this Alembic."
            )
        return config_class(toml_file=str(path))
    sibling = path.parent / "pyproject.toml"
    if accepts_toml and sibling.is_file() and _toml_alembic_table(sibling) is not None:
        return config_class(file_=str(path), toml_file=str(sibling))
    return config_class(file_=str(path))


def _toml_alembic_table(path: Path) -> dict[str, object] | None:
    try:
        with path.open("rb") as stream:
            data = tomllib.load(stream)
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise ConfigError(f"{path}: cannot read TOML: {error}") from None
    table = data.get("tool", {}).get("alembic")
    return table if isinstance(table, dict) else None


@contextlib.contextmanager
def _sys_path_restored() -> Iterator[None]:
    """``from_config`` prepends ``prepend_sys_path`` to ``sys.path``: undo it,
    since reading a history must not change how this process imports."""
    saved = list(sys.path)
    try:
        yield
    finally:
        sys.path[:] = saved
