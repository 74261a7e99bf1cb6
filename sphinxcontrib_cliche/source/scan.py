"""Walk the version folders and read every revision file in them.

Files are selected and ordered exactly as Alembic's ``Script._list_py_dir``
and ``Script._from_path`` do (sorted names, ``__init__`` and emacs ``.#``
lock files skipped, ``__pycache__`` ignored, recursion only when
``recursive_version_locations`` is on, each real file once), because the
order of files is the order Alembic's ``RevisionMap`` sees, and that order
decides the order of heads and of ``alembic history``.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

from sphinxcontrib_cliche.diagnostics import Code, Diagnostic
from sphinxcontrib_cliche.source.cache import ReadingCache
from sphinxcontrib_cliche.source.literals import ConstantResolver
from sphinxcontrib_cliche.source.locations import Locations
from sphinxcontrib_cliche.source.parallel import read_files
from sphinxcontrib_cliche.source.reader import FileReading
from sphinxcontrib_cliche.source.records import RevisionRecord

#: Alembic's ``_only_source_rev_file``: which names in a version folder are revisions.
_SOURCE_REVISION_NAME = re.compile(r"(?!\.\#|__init__)(.*\.py)$")
_COMPILED_REVISION_NAME = re.compile(r"(?!\.\#|__init__)(.*\.py)[co]$")


@dataclass(frozen=True, slots=True)
class FileStamp:
    """A file's identity for caching: unchanged stamp, unchanged content."""

    path: str
    mtime_ns: int
    size: int


@dataclass(frozen=True)
class SourceSnapshot:
    """Everything read from a history's folders, in Alembic's load order."""

    locations: Locations
    records: tuple[RevisionRecord, ...]
    diagnostics: tuple[Diagnostic, ...]
    files: tuple[FileStamp, ...]
    folders: tuple[str, ...]


def read_history_files(
    locations: Locations,
    *,
    with_operations: bool = True,
    stamps: bool | None = None,
    later: list[Callable[[], None]] | None = None,
) -> SourceSnapshot:
    """Read every revision file of ``locations`` statically.

    ``with_operations=False`` reads only what the graph needs (the header of
    each file, see :mod:`.header`); ``stamps`` (default: with the operations)
    returns each file's mtime and size, for Sphinx's environment.  Files
    unchanged since an earlier read come from the :mod:`.cache`; the others
    are read on as many cores as help (:mod:`.parallel`).

    Keeping the new readings in the cache (pickling them all: a third of a
    second at 10,000 revisions) is work nobody waits for: given ``later``, it
    is appended there for the caller to run where it costs nothing (Sphinx
    runs it in the copy that keeps the snapshot), else it is done here.
    """
    want_stamps = with_operations if stamps is None else stamps
    cache = ReadingCache.open(locations, with_operations=with_operations)
    walk_findings: list[Diagnostic] = []  # about folders and links, in the walk's order
    findings_before: list[int] = []  # how many of those come before each file
    folders: list[str] = []
    paths: list[str] = []
    for path in _revision_paths(locations, walk_findings, folders):
        paths.append(path)
        findings_before.append(len(walk_findings))
    file_stamps = [_stamp(path) if want_stamps or cache.enabled else None for path in paths]
    readings = _readings(locations, paths, file_stamps, cache, with_operations)
    if later is None:
        cache.save()
    else:
        later.append(cache.save)
    records: list[RevisionRecord] = []
    diagnostics: list[Diagnostic] = []
    shown = 0
    for reading, before in zip(readings, findings_before, strict=True):
        diagnostics.extend(walk_findings[shown:before])
        shown = before
        diagnostics.extend(reading.diagnostics)
        if reading.record is not None:
            records.append(reading.record)
    diagnostics.extend(walk_findings[shown:])
    return SourceSnapshot(
        locations=locations,
        records=tuple(records),
        diagnostics=tuple(diagnostics),
        files=tuple(stamp for stamp in file_stamps if stamp is not None) if want_stamps else (),
        folders=tuple(folders),
    )


def _readings(
    locations: Locations,
    paths: list[str],
    file_stamps: list[FileStamp | None],
    cache: ReadingCache,
    with_operations: bool,
) -> list[FileReading]:
    """Each file's reading: kept in the cache, or read now (and kept)."""
    kept = [
        cache.get(path, stamp.mtime_ns, stamp.size) if stamp else None
        for path, stamp in zip(paths, file_stamps, strict=True)
    ]
    unread = [path for path, reading in zip(paths, kept, strict=True) if reading is None]
    resolver = ConstantResolver(locations.source_paths)
    fresh = iter(
        read_files(unread, resolver, with_operations=with_operations, digests=cache.enabled)
    )
    readings = []
    for path, stamp, reading in zip(paths, file_stamps, kept, strict=True):
        if reading is None:
            reading, digest = next(fresh)
            if stamp and reading.record is not None and digest is not None:
                cache.put(path, stamp.mtime_ns, stamp.size, digest, reading)
        readings.append(reading)
    return readings


def _revision_paths(
    locations: Locations, diagnostics: list[Diagnostic], folders: list[str]
) -> Iterator[str]:
    """The real path of every revision file, as strings: a ``Path`` per file costs
    more than the header reader on a large history."""
    seen: set[str] = set()
    for location in locations.version_locations:
        folder = Path(location)
        if not folder.exists():
            diagnostics.append(
                Diagnostic(
                    location,
                    None,
                    Code.MISSING_VERSION_LOCATION,
                    "version location does not exist (Alembic skips it silently)",
                )
            )
            continue
        if not folder.is_dir():
            diagnostics.append(
                Diagnostic(
                    location, None, Code.UNREADABLE_FILE, "version location is a file, not a folder"
                )
            )
            continue
        for listed in _list_folder(folder, locations, diagnostics, folders):
            if not _SOURCE_REVISION_NAME.match(listed.name):
                if locations.sourceless and _COMPILED_REVISION_NAME.match(listed.name):
                    diagnostics.append(
                        Diagnostic(
                            listed.path,
                            None,
                            Code.UNREADABLE_FILE,
                            "compiled-only revision (sourceless) cannot be read "
                            "statically; ship its .py source or use loader='alembic'",
                        )
                    )
                continue
            real = _real_path(listed, diagnostics)
            if real is None:
                continue
            if real in seen:
                diagnostics.append(
                    Diagnostic(real, None, Code.DUPLICATE_FILE, "file reached twice; read once")
                )
                continue
            seen.add(real)
            yield real


class _Listed(NamedTuple):
    """A file found in a version folder, with what resolving it needs (a named
    tuple: one is made per file, and it costs a third of a frozen dataclass)."""

    path: str
    name: str
    symlink: bool
    real_folder: str


def _real_path(listed: _Listed, diagnostics: list[Diagnostic]) -> str | None:
    """``Path.resolve()`` as Alembic calls it, without a system call per plain file."""
    if not listed.symlink:
        return listed.real_folder + listed.name  # the folder ends with a separator
    try:
        real = Path(listed.path).resolve()
    except (OSError, RuntimeError) as error:
        diagnostics.append(
            Diagnostic(listed.path, None, Code.UNREADABLE_FILE, f"cannot resolve path: {error}")
        )
        return None
    if not real.exists():
        diagnostics.append(
            Diagnostic(
                listed.path,
                None,
                Code.UNREADABLE_FILE,
                f"symbolic link to {real}, which does not exist (any more)",
            )
        )
        return None
    return str(real)


def _list_folder(
    folder: Path,
    locations: Locations,
    diagnostics: list[Diagnostic],
    folders: list[str],
) -> list[_Listed]:
    """Alembic's walk (``os.walk`` top-down, not into symlinked folders): sorted
    files per folder, then sorted sub-folders, recursing only when asked."""
    listed: list[_Listed] = []
    todo = [str(folder)]
    while todo:
        root = todo.pop()
        if root.endswith("__pycache__"):
            continue
        try:
            with os.scandir(root) as scan:
                entries = list(scan)
        except OSError as error:
            diagnostics.append(
                Diagnostic(
                    error.filename or root,
                    None,
                    Code.UNREADABLE_FILE,
                    f"cannot list folder: {error.strerror or error}",
                )
            )
            continue
        folders.append(root)
        real_folder = os.path.join(Path(root).resolve(), "")
        files = sorted((e for e in entries if not _is_dir(e)), key=lambda e: e.name)
        listed.extend(_Listed(e.path, e.name, e.is_symlink(), real_folder) for e in files)
        if locations.sourceless:
            listed.extend(
                _Listed(str(p), p.name, p.is_symlink(), os.path.join(p.parent.resolve(), ""))
                for p in _compiled_only(Path(root), [e.name for e in files])
            )
        if not locations.recursive:
            break
        subfolders = sorted(
            (e for e in entries if _is_dir(e) and not e.is_symlink()), key=lambda e: e.name
        )
        todo.extend(e.path for e in reversed(subfolders))
    return listed


def _is_dir(entry: os.DirEntry[str]) -> bool:
    try:
        return entry.is_dir()
    except OSError:
        return False


def _compiled_only(root: Path, files: list[str]) -> list[Path]:
    cache = root / "__pycache__"
    if not cache.is_dir():
        return []
    names = {name.split(".")[0] for name in files}
    return [entry for entry in sorted(cache.iterdir()) if entry.name.split(".")[0] not in names]


def _stamp(path: str) -> FileStamp | None:
    try:
        status = os.stat(path)
    except OSError:
        return None
    return FileStamp(path, status.st_mtime_ns, status.st_size)
