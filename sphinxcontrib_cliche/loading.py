"""Locate, read, build and check a history in one call: what both faces use."""

from __future__ import annotations

import enum
import gc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sphinxcontrib_cliche.checks.policy import check_history
from sphinxcontrib_cliche.diagnostics import Diagnostic, Level
from sphinxcontrib_cliche.model.history import History
from sphinxcontrib_cliche.source.locations import Locations, locate
from sphinxcontrib_cliche.source.scan import SourceSnapshot, read_history_files


class Loader(enum.StrEnum):
    """How revision files are read: statically (default) or by importing them."""

    STATIC = "static"
    ALEMBIC = "alembic"


@dataclass(frozen=True)
class Report:
    """A history and every finding about it, source, graph and policy."""

    snapshot: SourceSnapshot
    history: History
    diagnostics: tuple[Diagnostic, ...]

    @property
    def root(self) -> str:
        return self.snapshot.locations.root

    def at_least(self, level: Level) -> tuple[Diagnostic, ...]:
        return tuple(d for d in self.diagnostics if d.level >= level)


def read_snapshot(
    locations: Locations,
    loader: Loader = Loader.STATIC,
    *,
    with_operations: bool = True,
    later: list[Callable[[], None]] | None = None,
) -> SourceSnapshot:
    """Read a history's files; ``later`` takes work that may be done elsewhere
    (see :func:`.read_history_files`)."""
    if loader is Loader.ALEMBIC:
        from sphinxcontrib_cliche.source.importing import import_history_files

        return import_history_files(locations)
    with collector_paused():
        return read_history_files(locations, with_operations=with_operations, later=later)


def analyse(snapshot: SourceSnapshot) -> Report:
    """Build and check the history of an already-read snapshot."""
    with collector_paused():
        history = History(snapshot.records, snapshot.diagnostics)
        policy = check_history(history, snapshot.locations.root)
    return Report(snapshot, history, (*history.diagnostics, *policy))


def load(
    path: str | Path,
    *,
    loader: Loader = Loader.STATIC,
    recursive: bool = False,
    source_paths: tuple[str, ...] = (),
    with_operations: bool = True,
) -> Report:
    """Read the history at ``path`` (config file or folder) and check it."""
    locations = locate(path, recursive=recursive, source_paths=source_paths)
    with collector_paused():  # also across the two steps: one pause, one collection
        return analyse(read_snapshot(locations, loader, with_operations=with_operations))


@contextmanager
def collector_paused(*, promote: bool = True, frozen: bool | None = None) -> Iterator[None]:
    """Hold Python's cycle collector while a history is read and built.

    Reading allocates a few objects per revision and frees almost none, which
    is the pattern that makes the collector scan the growing heap again and
    again: on 10,000 revisions it took a third of the time.  Nothing built
    here forms reference cycles that need collecting early.

    Promoting first collects the young generations, so that only what is
    alive is promoted: young garbage of others (a page's templates, in a
    Sphinx build) would otherwise wait in the oldest generation too.

    ``promote=False`` leaves the new objects young, for what may soon become
    cyclic garbage (a page's doctree once written, unless it is taken apart):
    in the oldest generation it would wait for a full collection that its own
    count never triggers.

    Where objects are frozen already (``gc.freeze``: by a Sphinx build for its
    length, or by an application before it forks), what was allocated joins
    them instead: moving it to the oldest generation would unfreeze theirs.
    ``frozen`` says whether they are, for a caller that knows: finding out
    walks every frozen object (40 ms for a Sphinx build's 500,000).
    """
    enabled = gc.isenabled()
    if frozen is None:
        frozen = gc.get_freeze_count() > 0
    if enabled and promote:
        gc.collect(1)
    gc.disable()
    try:
        yield
    finally:
        if enabled and not promote:
            gc.enable()
        elif enabled:
            # Move what was allocated to the oldest generation unscanned: otherwise
            # the first collection after this scans every new object at once
            # (~50 ms on 10,000 revisions). Unfreezing keeps them all collectable.
            gc.freeze()
            if not frozen:
                gc.unfreeze()
            gc.enable()
