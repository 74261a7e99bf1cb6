"""Alembic's revision-map semantics without importing Alembic.

Importing anything from ``alembic`` imports SQLAlchemy (a third of a second),
which read-only commands on a 10,000-revision history cannot afford.  This
module performs the steps of ``RevisionMap._revision_map`` in the same order
with the same set operations (heads and bases in load order, children as
frozensets grown one union at a time, dependencies normalized against
ancestors, branch labels spread to descendants and down to the nearest
branch point), so that even the order in which hash-ordered sets iterate is
Alembic's in this process.  The differential tests hold it to
``RevisionMap`` on generated histories; anything that needs Alembic's
resolver (ranges, prefixes, ``label@head``) still goes to ``RevisionMap``.

The attribute names follow ``alembic.script.revision.Revision`` on purpose:
:mod:`.order` sorts either kind.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import cached_property

from sphinxcontrib_cliche.source.records import RevisionRecord


def _to_tuple(value: str | Iterable[str] | None) -> tuple[str, ...]:
    """Alembic's ``util.to_tuple(x, default=())``."""
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    return tuple(value)


def _as_scalar(values: tuple[str, ...]) -> str | tuple[str, ...] | None:
    """Alembic's ``tuple_rev_as_scalar``."""
    if not values:
        return None
    return values[0] if len(values) == 1 else values


def _dedupe(values: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(values))


class Rev:
    """One revision's place in the map, with ``Revision``'s attribute names."""

    __slots__ = (
        "_all_down_revisions",
        "_all_nextrev",
        "_normalized_down_revisions",
        "_normalized_resolved_dependencies",
        "_resolved_dependencies",
        "_versioned_down_revisions",
        "branch_labels",
        "dependencies",
        "down_revision",
        "nextrev",
        "revision",
    )

    def __init__(self, record: RevisionRecord) -> None:
        self.revision = record.revision
        versioned = _to_tuple(record.down_revision)
        self.down_revision = _as_scalar(versioned)
        self.dependencies = _as_scalar(_to_tuple(record.depends_on))
        self.branch_labels: set[str] = set(_to_tuple(record.branch_labels))
        self.nextrev: frozenset[str] = frozenset()
        self._all_nextrev: frozenset[str] = frozenset()
        # Alembic derives these tuples on every access; here they are set once, as
        # the dependencies are resolved (``resolve``) and normalized (``normalize``).
        self._versioned_down_revisions = versioned
        self._all_down_revisions = versioned
        self._normalized_down_revisions = versioned
        self._resolved_dependencies: tuple[str, ...] = ()
        self._normalized_resolved_dependencies: tuple[str, ...] = ()

    def resolve(self, dependencies: tuple[str, ...]) -> None:
        self._resolved_dependencies = dependencies
        self._all_down_revisions = _dedupe(self._versioned_down_revisions + dependencies)

    def normalize(self, dependencies: tuple[str, ...]) -> None:
        self._normalized_resolved_dependencies = dependencies
        self._normalized_down_revisions = _dedupe(self._versioned_down_revisions + dependencies)

    @property
    def is_head(self) -> bool:
        return not self.nextrev

    @property
    def _is_real_head(self) -> bool:
        return not self._all_nextrev

    @property
    def is_base(self) -> bool:
        return self.down_revision is None

    @property
    def _is_real_base(self) -> bool:
        return self.down_revision is None and self.dependencies is None

    @property
    def is_branch_point(self) -> bool:
        return len(self.nextrev) > 1

    @property
    def _is_real_branch_point(self) -> bool:
        return len(self._all_nextrev) > 1

    @property
    def is_merge_point(self) -> bool:
        return len(self._versioned_down_revisions) > 1

    def add_nextrev(self, child: Rev) -> None:
        self._all_nextrev = self._all_nextrev.union([child.revision])
        if self.revision in child._versioned_down_revisions:
            self.nextrev = self.nextrev.union([child.revision])


class RevisionGraph:
    """The map of a repaired set of records (no duplicates, dangling links or cycles)."""

    def __init__(self, records: Sequence[RevisionRecord]) -> None:
        self.revisions: dict[str, Rev] = {r.revision: Rev(r) for r in records}
        revs = self.revisions
        heads = dict.fromkeys(revs)  # ordered sets: insertion order is load order
        real_heads = dict.fromkeys(revs)
        self.bases = tuple(name for name, rev in revs.items() if rev.is_base)
        self._real_bases = tuple(name for name, rev in revs.items() if rev._is_real_base)
        labelled = [rev for rev in revs.values() if rev.branch_labels]
        # a revision's own labels, before _spread_labels adds inherited ones
        self.labels = {label: rev.revision for rev in labelled for label in rev.branch_labels}
        for rev in revs.values():
            if rev.dependencies:
                rev.resolve(
                    tuple(self._lookup(dep).revision for dep in _to_tuple(rev.dependencies))
                )
        for rev in revs.values():
            for down in rev._all_down_revisions:
                parent = revs[down]
                parent.add_nextrev(rev)
                if down in rev._versioned_down_revisions:
                    heads.pop(down, None)
                real_heads.pop(down, None)
        self._normalize_dependencies()
        self.heads = tuple(heads)
        self._real_heads = tuple(real_heads)
        self._spread_labels(labelled)

    def _lookup(self, name: str) -> Rev:
        if name in self.revisions:
            return self.revisions[name]
        return self.revisions[self.labels[name]]

    def _normalize_dependencies(self) -> None:
        """``_normalize_depends_on``: drop dependencies an ancestor already has.

        What the ancestors (through ``down_revision``) depend on is carried up
        in one pass, parents first, instead of a walk per revision; the set
        operations on each revision are Alembic's, so its tuple comes out in
        the same order.
        """
        if not any(rev._resolved_dependencies for rev in self.revisions.values()):
            return
        below: dict[str, frozenset[str]] = {}
        empty: frozenset[str] = frozenset()
        for rev in self._parents_first:
            inherited = empty
            for parent in rev._versioned_down_revisions:
                carried = below[parent]
                deps = self.revisions[parent]._resolved_dependencies
                if deps:
                    carried = carried.union(deps)
                inherited = carried if not inherited else inherited | carried
            below[rev.revision] = inherited
            if rev._resolved_dependencies:
                normalized = set(rev._resolved_dependencies)
                normalized.difference_update(inherited)
                rev.normalize(tuple(normalized))

    def _spread_labels(self, labelled: list[Rev]) -> None:
        """The outcome of ``_add_branches`` in one pass instead of a walk per label.

        Alembic gives a labelled revision's labels to every descendant, then walks
        down from the last descendant it visited until a real branch point or a
        merge point.  That walk only gets below the labelled revision when its
        descendants form one plain chain (no real branch point, no merge point,
        the revision itself included); then it continues below it.  So: mark
        those walks, then let every revision inherit its parents' labels.
        """
        own = {rev.revision: set(rev.branch_labels) for rev in labelled}
        for rev in labelled:
            if not self._plain_chain_above(rev):
                continue
            below = self._parent(rev)
            while below and not below._is_real_branch_point and not below.is_merge_point:
                below.branch_labels.update(own[rev.revision])
                below = self._parent(below)
        if not labelled:
            return
        for rev in self._parents_first:
            for parent in rev._versioned_down_revisions:
                inherited = self.revisions[parent].branch_labels
                if inherited:
                    rev.branch_labels.update(inherited)

    def _parent(self, rev: Rev) -> Rev | None:
        down = rev.down_revision
        return self.revisions[down] if isinstance(down, str) else None

    def _plain_chain_above(self, rev: Rev) -> bool:
        node: Rev | None = rev
        while node is not None:
            if node._is_real_branch_point or node.is_merge_point:
                return False
            node = self.revisions[next(iter(node.nextrev))] if node.nextrev else None
        return True

    @cached_property
    def _parents_first(self) -> list[Rev]:
        """Revisions in an order where each comes after its versioned parents
        (computed once: two passes need it)."""
        waiting = {name: len(rev._versioned_down_revisions) for name, rev in self.revisions.items()}
        ready = [rev for name, rev in self.revisions.items() if waiting[name] == 0]
        ordered = []
        while ready:
            rev = ready.pop()
            ordered.append(rev)
            for child in rev.nextrev:
                waiting[child] -= 1
                if waiting[child] == 0:
                    ready.append(self.revisions[child])
        return ordered
