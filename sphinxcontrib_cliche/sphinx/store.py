"""Read histories once per build and keep them in the environment.

A parsed folder is kept in the ``cliche`` domain's data with the stamp
(mtime_ns, size) of every file it read and the listing of every folder it
walked; it is reused while they all still match, so an unchanged history is
never read twice, and the number of real reads is counted where tests can
see it.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sphinxcontrib_cliche.diagnostics import Diagnostic
from sphinxcontrib_cliche.loading import Loader, Report, analyse, read_snapshot
from sphinxcontrib_cliche.source.locations import Locations
from sphinxcontrib_cliche.source.scan import FileStamp, SourceSnapshot

if TYPE_CHECKING:
    from sphinxcontrib_cliche.sphinx.domain import ClicheDomain


@dataclass(frozen=True)
class CachedHistory:
    """A snapshot with what it takes to tell whether it is still current.

    ``generation`` counts the reads of this history; a page remembers the
    generation it was rendered from, so only pages of a history read again
    need their fingerprints compared (:func:`.gate.outdated_documents`).
    """

    snapshot: SourceSnapshot
    listings: tuple[tuple[str, tuple[str, ...]], ...]
    loader: Loader
    generation: int
    diagnostics: tuple[Diagnostic, ...]  # the gate's findings, judged once per read


def source_key(locations: Locations, loader: Loader) -> str:
    """A stable key for one way of reading one history."""
    parts = [loader.value, str(locations.recursive), *locations.version_locations]
    return "|".join(parts)


def load_cached(domain: ClicheDomain, locations: Locations, loader: Loader) -> CachedHistory:
    """The history as last read, read again first if any file or folder changed."""
    key = source_key(locations, loader)
    cached: CachedHistory | None = domain.snapshots.get(key)
    if cached is not None and is_current(cached):
        return cached
    return _read(domain, key, locations, loader, cached.generation if cached else 0)


def refresh(domain: ClicheDomain, key: str) -> CachedHistory:
    """A kept history, read again if it changed since (same folders, same loader)."""
    cached: CachedHistory = domain.snapshots[key]
    if is_current(cached):
        return cached
    return _read(domain, key, cached.snapshot.locations, cached.loader, cached.generation)


def _read(
    domain: ClicheDomain, key: str, locations: Locations, loader: Loader, generation: int
) -> CachedHistory:
    snapshot = read_snapshot(locations, loader)
    report = analyse(snapshot)
    cached = CachedHistory(
        snapshot, listings(snapshot.folders), loader, generation + 1, report.diagnostics
    )
    domain.snapshots[key] = cached
    domain.reads[key] = domain.reads.get(key, 0) + 1
    domain.reports[(key, cached.generation)] = report
    return cached


def report_of(domain: ClicheDomain, key: str, cached: CachedHistory) -> Report:
    """The analysed history, built at most once per process for each read."""
    found = domain.reports.get((key, cached.generation))
    if found is None:
        found = domain.reports[(key, cached.generation)] = analyse(cached.snapshot)
    return found


def is_current(cached: CachedHistory) -> bool:
    """Every folder lists the same names and every file has the same stamp.

    ``os.stat`` on strings: this runs on every file of every history at every
    build, where a ``Path`` per file would cost more than the system call.
    """
    return listings(folder for folder, _ in cached.listings) == cached.listings and all(
        _unchanged(stamp) for stamp in cached.snapshot.files
    )


def listings(folders: Iterable[str]) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """The sorted entry names of each folder (``()`` for a folder that is gone)."""
    result = []
    for folder in folders:
        try:
            names = tuple(sorted(os.listdir(folder)))  # noqa: PTH208 - see is_current
        except OSError:
            names = ()
        result.append((folder, names))
    return tuple(result)


def _unchanged(stamp: FileStamp) -> bool:
    try:
        status = os.stat(stamp.path)  # noqa: PTH116 - see is_current
    except OSError:
        return False
    return (status.st_mtime_ns, status.st_size) == (stamp.mtime_ns, stamp.size)
