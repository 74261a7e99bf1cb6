"""Read histories once per build and keep them between builds.

What is kept in the environment is small: the stamp (mtime_ns, size) of
every file read, the listing of every folder walked, and the gate's
findings.  The snapshot itself (every record, with its operations) is
pickled beside the doctrees and loaded only when a page is read or written
in a process that has not built the history yet: a build with nothing
changed never loads it, and the environment that every build loads stays a
few hundred kilobytes instead of megabytes.  The number of real reads is
counted where tests can see it.
"""

from __future__ import annotations

import gc
import hashlib
import os
import pickle
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, cast

from sphinxcontrib_cliche.diagnostics import Diagnostic
from sphinxcontrib_cliche.loading import Loader, Report, analyse, read_snapshot
from sphinxcontrib_cliche.model.history import History
from sphinxcontrib_cliche.source.locations import Locations
from sphinxcontrib_cliche.source.parallel import may_fork, usable_cores
from sphinxcontrib_cliche.source.scan import SourceSnapshot

if TYPE_CHECKING:
    from sphinx.application import Sphinx

    from sphinxcontrib_cliche.sphinx.domain import ClicheDomain

#: ``(path, mtime_ns, size)``: plain tuples pickle and load several times faster
#: than a dataclass per file.
Stamp = tuple[str, int, int]


@dataclass(frozen=True)
class CachedHistory:
    """What it takes to tell whether a history is still current, and where its
    snapshot is.

    ``generation`` counts the reads of this history; a page remembers the
    generation it was rendered from, so only pages of a history read again
    need their fingerprints compared (:func:`.gate.outdated_documents`).
    """

    locations: Locations
    loader: Loader
    generation: int
    listings: tuple[tuple[str, tuple[str, ...]], ...]
    stamps: tuple[Stamp, ...]
    diagnostics: tuple[Diagnostic, ...]  # the gate's findings, judged once per read
    snapshot_file: str


def source_key(locations: Locations, loader: Loader) -> str:
    """A stable key for one way of reading one history."""
    parts = [loader.value, str(locations.recursive), *locations.version_locations]
    return "|".join(parts)


def key_digest(key: str) -> str:
    """A source key without its absolute paths, for what is written beside the
    doctrees (a build's output must not depend on where the project lies)."""
    return hashlib.blake2b(key.encode(), digest_size=8).hexdigest()


def find_cached(domain: ClicheDomain, digest: str) -> tuple[str, CachedHistory] | None:
    """The kept history whose source key has this digest."""
    for key, cached in domain.snapshots.items():
        if key_digest(key) == digest:
            return key, cached
    return None


def load_cached(domain: ClicheDomain, locations: Locations, loader: Loader) -> CachedHistory:
    """The history as last read, read again first if any file or folder changed."""
    key = source_key(locations, loader)
    cached: CachedHistory | None = domain.snapshots.get(key)
    if cached is not None and _checked(domain, key, cached):
        return cached
    return _read(domain, key, locations, loader, cached.generation if cached else 0)


def refresh(domain: ClicheDomain, key: str) -> CachedHistory:
    """A kept history, read again if it changed since (same folders, same loader)."""
    cached: CachedHistory = domain.snapshots[key]
    if _checked(domain, key, cached):
        return cached
    return _read(domain, key, cached.locations, cached.loader, cached.generation)


def _checked(domain: ClicheDomain, key: str, cached: CachedHistory) -> bool:
    """:func:`is_current`, once per build for each read of a history.

    Every directive of a history split into pages loads it: checking every file
    again for each page would cost pages x files system calls, and would let
    pages of one build show different reads of a history edited mid-build.
    """
    mark = (key, cached.generation)
    if mark in domain.checked:
        return True
    if not is_current(cached):
        return False
    domain.checked.add(mark)
    return True


def _read(
    domain: ClicheDomain, key: str, locations: Locations, loader: Loader, generation: int
) -> CachedHistory:
    later: list[Callable[[], None]] = []
    snapshot = read_snapshot(locations, loader, later=later)
    report = analyse(snapshot)
    cached = CachedHistory(
        locations=locations,
        loader=loader,
        generation=generation + 1,
        listings=listings(snapshot.folders),
        stamps=tuple((f.path, f.mtime_ns, f.size) for f in snapshot.files),
        diagnostics=report.diagnostics,
        snapshot_file=_keep(domain, key, generation + 1, snapshot, later),
    )
    domain.snapshots[key] = cached
    domain.checked.add((key, cached.generation))
    domain.reads[key] = domain.reads.get(key, 0) + 1
    domain.reports[(key, cached.generation)] = report
    return cached


def _keep(
    domain: ClicheDomain,
    key: str,
    generation: int,
    snapshot: SourceSnapshot,
    later: Sequence[Callable[[], None]] = (),
) -> str:
    """Pickle ``snapshot`` beside the doctrees, and do what reading left for
    ``later`` (keeping the reading cache), in a forked copy of this process
    where that is safe and worth it (a large history, a core to spare: see
    :func:`settle`), else here."""
    folder = Path(domain.env.doctreedir) / "cliche"
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{key_digest(key)}-{generation}.pickle"
    if len(snapshot.records) < KEEP_APART_FROM or usable_cores() < 2 or not may_fork():
        _keep_here(target, snapshot, later)
        return str(target)
    try:
        pid = os.fork()
    except OSError:  # no more processes allowed
        _keep_here(target, snapshot, later)
        return str(target)
    if pid == 0:  # the copy: write, and leave without running anything of the parent's
        status = 1
        try:
            gc.disable()  # nothing to collect in a copy about to leave
            _keep_here(target, snapshot, later)
            status = 0
        finally:
            os._exit(status)
    domain.keeping[str(target)] = Keeping(pid, snapshot, tuple(later))
    return str(target)


#: Smaller snapshots are pickled here: at some 50 µs a revision, a copy would save
#: little more than forking it costs.
KEEP_APART_FROM = 1000


@dataclass(frozen=True)
class Keeping:
    """A forked copy pickling ``snapshot`` and doing ``later``: if it fails,
    this process does it all."""

    pid: int
    snapshot: SourceSnapshot
    later: tuple[Callable[[], None], ...] = ()


def _keep_here(target: Path, snapshot: SourceSnapshot, later: Sequence[Callable[[], None]]) -> None:
    """Do what reading left for later, then write the snapshot (see :func:`_keep`)."""
    for work in later:
        work()
    _write_kept(target, snapshot)


def _write_kept(target: Path, snapshot: SourceSnapshot) -> None:
    """Write the pickle atomically (parallel readers may write the same history),
    and remove the older reads of the same history."""
    partial = target.with_suffix(f".{os.getpid()}.tmp")
    partial.write_bytes(pickle.dumps(snapshot, pickle.HIGHEST_PROTOCOL))
    partial.replace(target)
    stem = target.name.rsplit("-", 1)[0]
    for older in target.parent.glob(f"{stem}-*.pickle"):
        if older != target:
            older.unlink(missing_ok=True)


def settle(domain: ClicheDomain) -> None:
    """Wait for the copies pickling snapshots; write here what one failed to write.

    Pickling 10,000 revisions with their operations takes half a second, which
    a copy spends while this process reads the pages: what is kept is needed
    only by the next build, or a process that lost the records
    (:func:`report_of`), and both come after this is called.
    """
    for target, keeping in list(domain.keeping.items()):
        try:
            _, status = os.waitpid(keeping.pid, 0)
        except ChildProcessError:  # not this process's copy (a forked reader of Sphinx's)
            continue
        finally:
            del domain.keeping[target]
        if status != 0 or not Path(target).is_file():
            _keep_here(Path(target), keeping.snapshot, keeping.later)


def finish(app: Sphinx, exception: BaseException | None) -> None:
    """``build-finished``: every snapshot is kept before the build ends."""
    settle(cast("ClicheDomain", app.env.get_domain("cliche")))


def snapshot_of(cached: CachedHistory) -> SourceSnapshot:
    """The records of a kept history: from its pickle, or read again if that is gone."""
    try:
        snapshot = pickle.loads(Path(cached.snapshot_file).read_bytes())
    except Exception:  # missing, damaged, or of an older shape: any of these raises
        snapshot = None
    if isinstance(snapshot, SourceSnapshot):
        return snapshot
    return read_snapshot(cached.locations, cached.loader)


def report_of(domain: ClicheDomain, key: str, cached: CachedHistory) -> Report:
    """The analysed history, built at most once per process for each read."""
    found = domain.reports.get((key, cached.generation))
    if found is None:
        settle(domain)
        found = analyse(snapshot_of(cached))
        domain.reports[(key, cached.generation)] = found
    return found


class StaleHistory(Exception):
    """What a page read of a history is gone when the page is written (its files
    changed during the build, or the environment was damaged): says what."""


def shown_history(
    domain: ClicheDomain, digest: str, name: str, revisions: Sequence[str]
) -> tuple[History, CachedHistory]:
    """The history whose source key has this digest, as a page written now shows
    it, with ``revisions`` all in it (else :class:`StaleHistory`)."""
    found = find_cached(domain, digest)
    if found is None:  # the environment lost the history: only a damaged one does
        raise StaleHistory(f"the history {name!r} is no longer known")
    key, cached = found
    history = report_of(domain, key, cached).history
    missing = [revision for revision in revisions if revision not in history]
    if missing:
        more = f" and {len(missing) - 3} more" if len(missing) > 3 else ""
        raise StaleHistory(f"revisions no longer in the history: {', '.join(missing[:3])}{more}")
    return history, cached


def is_current(cached: CachedHistory) -> bool:
    """Every folder lists the same names and every file has the same stamp.

    ``os.stat`` on strings: this runs on every file of every history at every
    build, where a ``Path`` per file would cost more than the system call.
    """
    return listings(folder for folder, _ in cached.listings) == cached.listings and all(
        _unchanged(stamp) for stamp in cached.stamps
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


def _unchanged(stamp: Stamp) -> bool:
    path, mtime_ns, size = stamp
    try:
        status = os.stat(path)  # noqa: PTH116 - see is_current
    except OSError:
        return False
    return status.st_mtime_ns == mtime_ns and status.st_size == size
