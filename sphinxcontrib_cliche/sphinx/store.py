"""Read histories once per build and keep them in the environment.

A parsed folder is kept in the ``cliche`` domain's data with the stamp
(mtime_ns, size) of every file it read and the listing of every folder it
walked; it is reused while they all still match, so an unchanged history is
never read twice, and the number of real reads is counted where tests can
see it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from sphinxcontrib_cliche.loading import Loader, read_snapshot
from sphinxcontrib_cliche.source.locations import Locations
from sphinxcontrib_cliche.source.scan import FileStamp, SourceSnapshot

if TYPE_CHECKING:
    from sphinxcontrib_cliche.sphinx.domain import ClicheDomain


@dataclass(frozen=True)
class CachedHistory:
    """A snapshot with what it takes to tell whether it is still current."""

    snapshot: SourceSnapshot
    listings: tuple[tuple[str, tuple[str, ...]], ...]


def source_key(locations: Locations, loader: Loader) -> str:
    """A stable key for one way of reading one history."""
    parts = [loader.value, str(locations.recursive), *locations.version_locations]
    return "|".join(parts)


def load_cached(domain: ClicheDomain, locations: Locations, loader: Loader) -> SourceSnapshot:
    key = source_key(locations, loader)
    cached: CachedHistory | None = domain.snapshots.get(key)
    if cached is not None and is_current(cached):
        return cached.snapshot
    snapshot = read_snapshot(locations, loader)
    domain.snapshots[key] = CachedHistory(snapshot, listings(snapshot.folders))
    domain.reads[key] = domain.reads.get(key, 0) + 1
    return snapshot


def is_current(cached: CachedHistory) -> bool:
    return listings(folder for folder, _ in cached.listings) == cached.listings and all(
        _unchanged(stamp) for stamp in cached.snapshot.files
    )


def listings(folders: Iterable[str]) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """The sorted entry names of each folder (``()`` for a folder that is gone)."""
    result = []
    for folder in folders:
        try:
            names = tuple(sorted(entry.name for entry in Path(folder).iterdir()))
        except OSError:
            names = ()
        result.append((folder, names))
    return tuple(result)


def _unchanged(stamp: FileStamp) -> bool:
    try:
        status = Path(stamp.path).stat()
    except OSError:
        return False
    return (status.st_mtime_ns, status.st_size) == (stamp.mtime_ns, stamp.size)
