"""The revision graph: heads, bases, branch and merge points, order, ranges.

The graph is built by :mod:`.engine`, which repeats the steps of Alembic's
``RevisionMap`` without importing Alembic, and ordered by :mod:`.order`, which
gives ``alembic history``'s order in linear time; the differential tests hold
both to Alembic.  Alembic's own map is built only when its resolver is needed
(ranges, id prefixes, ``label@head``).  What the map keeps in frozensets
(children, propagated branch labels) is sorted here, so that output does not
depend on ``PYTHONHASHSEED``; what leaves :class:`History` is plain data.
"""

from __future__ import annotations

import hashlib
import itertools
import marshal
import warnings
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sphinxcontrib_cliche.diagnostics import Diagnostic
from sphinxcontrib_cliche.errors import RangeError
from sphinxcontrib_cliche.model.engine import RevisionGraph
from sphinxcontrib_cliche.model.order import ancestor_masks, down_edges, topological_order
from sphinxcontrib_cliche.model.repair import repair
from sphinxcontrib_cliche.source.records import RevisionRecord

if TYPE_CHECKING:
    from alembic.script.revision import Revision, RevisionMap


@dataclass(frozen=True, slots=True)
class Node:
    """One revision with its place in the graph.

    ``children`` follow ``down_revision`` links only, as Alembic's
    ``nextrev``; ``branch_names`` include labels inherited from ancestors,
    as Alembic's ``Revision.branch_labels`` after the map is built.
    """

    record: RevisionRecord
    children: tuple[str, ...]
    branch_names: tuple[str, ...]
    is_real_head: bool
    """No revision points at it, through ``down_revision`` or ``depends_on``."""

    @property
    def is_head(self) -> bool:
        """Alembic's ``is_head``: no child through ``down_revision``."""
        return not self.children

    @property
    def is_base(self) -> bool:
        """Alembic's ``is_base``: no ``down_revision``."""
        return not self.record.parents

    @property
    def is_branchpoint(self) -> bool:
        """Alembic's ``is_branch_point``: two or more children."""
        return len(self.children) > 1

    @property
    def is_mergepoint(self) -> bool:
        """Alembic's ``is_merge_point``: two or more parents."""
        return len(self.record.parents) > 1

    @property
    def revision(self) -> str:
        return self.record.revision

    @property
    def parents(self) -> tuple[str, ...]:
        return self.record.parents

    @property
    def marks(self) -> tuple[str, ...]:
        """The structural roles of this revision, in a fixed order."""
        return _marks(self.record.parents, self.children)


def _marks(parents: tuple[str, ...], children: tuple[str, ...]) -> tuple[str, ...]:
    """A revision's roles from its parents and children: one of a few tuples
    (each revision's page and fingerprint ask for them, 10,000s of times)."""
    return _MARKS[(not children, not parents, len(children) > 1, len(parents) > 1)]


#: ``marshal``'s format for digests: version 2 writes every value out, where later
#: versions write repeated objects by reference, decided by their reference counts
#: (which differ from one run, or one reading, to the next).
_MARSHAL_VERSION = 2

#: Every combination of ``(head, base, branchpoint, mergepoint)`` and its marks.
_MARKS: dict[tuple[bool, ...], tuple[str, ...]] = {
    flags: tuple(
        name
        for name, flag in zip(("head", "base", "branchpoint", "mergepoint"), flags, strict=True)
        if flag
    )
    for flags in itertools.product((False, True), repeat=4)
}


class History:
    """A revision history, in ``alembic history`` order (newest first)."""

    order: tuple[str, ...]
    """Every revision id, in the order of ``alembic history`` (newest first)."""
    heads: tuple[str, ...]
    """Head revisions, in Alembic's order (the order of ``alembic heads``)."""
    bases: tuple[str, ...]
    """Revisions with no parent, in Alembic's order."""
    diagnostics: tuple[Diagnostic, ...]
    """Findings of the reader and of the graph's repairs."""

    def __init__(
        self, records: Sequence[RevisionRecord], diagnostics: Iterable[Diagnostic] = ()
    ) -> None:
        usable, findings = repair(records)
        self._usable = usable
        self._alembic: RevisionMap | None = None  # built on demand, for ranges and prefixes
        self._digests: dict[str, bytes] = {}  # made on demand, see digest()
        self._ordered: tuple[Node, ...] | None = None  # made on demand, see nodes
        self._positions: dict[str, int] | None = None  # made on demand, see position()
        graph = RevisionGraph(usable)
        self._revisions = graph.revisions
        self._nodes = {node.revision: node for node in _nodes(graph, usable)}
        self._load_index = {record.revision: index for index, record in enumerate(usable)}
        self._edges = down_edges(self._revisions)
        self._ancestry = ancestor_masks(self._edges)
        self.order: tuple[str, ...] = tuple(self._sorted(self._revisions, graph._real_heads))
        self.heads: tuple[str, ...] = graph.heads
        self.bases: tuple[str, ...] = graph.bases
        self.label_owners: dict[str, str] = graph.labels
        """The revision that carries each branch label (``depends_on`` may name one)."""
        self.diagnostics: tuple[Diagnostic, ...] = (*diagnostics, *findings)

    @property
    def _map(self) -> RevisionMap:
        """Alembic's own map of the same records, for what only its resolver answers."""
        if self._alembic is None:
            self._alembic = _revision_map(self._usable)
        return self._alembic

    def __len__(self) -> int:
        return len(self._nodes)

    def __contains__(self, revision: object) -> bool:
        return revision in self._nodes

    @property
    def nodes(self) -> tuple[Node, ...]:
        """Every revision, newest first (made once: each page of a history asks)."""
        if self._ordered is None:
            self._ordered = tuple(self._nodes[revision] for revision in self.order)
        return self._ordered

    def position(self, revision: str) -> int:
        """Where ``revision`` comes in :attr:`order` (0: the newest)."""
        if self._positions is None:
            self._positions = {revision: index for index, revision in enumerate(self.order)}
        return self._positions[revision]

    @property
    def branchpoints(self) -> tuple[str, ...]:
        return tuple(r for r in self.order if self._nodes[r].is_branchpoint)

    @property
    def mergepoints(self) -> tuple[str, ...]:
        return tuple(r for r in self.order if self._nodes[r].is_mergepoint)

    def digest(self, revision: str) -> bytes:
        """A digest of everything known of ``revision`` (its record, children,
        branch names and marks), stable across processes.

        What a rendering of the revision is made from: pages compare digests to
        tell whether they must be made again.  Made once per revision, as a
        history split into pages asks for each revision twice (its page and the
        overview), and the build's gate again.
        """
        found = self._digests.get(revision)
        if found is None:
            node = self._nodes[revision]
            facts = (node.record.plain(), node.children, node.branch_names, node.marks)
            # marshal, not repr: written in C where a record's repr runs Python
            # for every field and operation (half the time at 10,000 revisions)
            data = marshal.dumps(facts, _MARSHAL_VERSION)
            found = hashlib.blake2b(data, digest_size=16).digest()
            self._digests[revision] = found
        return found

    def get(self, revision: str) -> Node:
        """The node of an exact revision id (``KeyError`` if there is none)."""
        return self._nodes[revision]

    def load_index(self, revision: str) -> int:
        """Where the revision's file came in Alembic's load order (sorted walk)."""
        return self._load_index[revision]

    def children(self, revision: str) -> tuple[str, ...]:
        return self._nodes[revision].children

    def ancestors(self, revision: str) -> set[str]:
        """``revision`` and every revision below it through ``down_revision``."""
        return self._closure(revision, lambda node: node.parents)

    def descendants(self, revision: str) -> set[str]:
        """``revision`` and every revision above it (its children, theirs, ...)."""
        return self._closure(revision, lambda node: node.children)

    def _closure(self, revision: str, step: Callable[[Node], tuple[str, ...]]) -> set[str]:
        seen = {revision}
        todo = [revision]
        while todo:
            for name in step(self._nodes[todo.pop()]):
                if name not in seen:
                    seen.add(name)
                    todo.append(name)
        return seen

    def resolve(self, identifier: str) -> Node:
        """Resolve an id, a unique id prefix, a branch label or ``label@head``."""
        from alembic.script.revision import RevisionError

        try:
            found = self._map.get_revision(identifier)
        except RevisionError as error:
            raise RangeError(str(error.args[0])) from None
        if found is None:
            raise RangeError(f"{identifier!r} does not name a revision")
        return self._nodes[found.revision]

    def range(self, spec: str | None) -> tuple[Node, ...]:
        """Revisions of an ``alembic history -r`` range, in history order.

        ``spec`` is ``[start]:[end]`` as Alembic takes it; ``None`` is everything.
        """
        if spec is None:
            return self.nodes
        if ":" not in spec:
            raise RangeError("History range requires [start]:[end], [start]:, or :[end]")
        base, head = spec.strip().split(":", 1)
        if "current" in (base, head):
            raise RangeError("'current' needs a database; use `cliche history` with -c")
        return tuple(self._nodes[r] for r in self._iterate(head or "heads", base or "base"))

    def _sorted(self, wanted: Iterable[str], heads: Iterable[str]) -> list[str]:
        return topological_order(self._revisions, self._edges, self._ancestry, wanted, tuple(heads))

    def _iterate(self, upper: str, lower: str) -> list[str]:
        """``iterate_revisions(upper, lower, inclusive=True)``, sorted in linear time."""
        from alembic.script import revision as alembic_revision

        try:
            needs, heads = self._map._collect_upgrade_revisions(
                upper, lower, inclusive=True, implicit_base=False, assert_relative_length=False
            )
            return self._sorted((r.revision for r in needs), (h.revision for h in heads))
        except alembic_revision.RangeNotAncestorError:
            raise RangeError(
                f"Requested range {lower}:{upper} does not refer to ancestor/descendant "
                "revisions along the same branch"
            ) from None
        except alembic_revision.MultipleHeads as error:
            raise RangeError(
                f"Multiple head revisions are present for given argument '{upper}'; please "
                f"specify a specific target revision, '<branchname>@{upper}' to narrow to "
                "a specific head, or 'heads' for all heads"
            ) from error
        except alembic_revision.ResolutionError as error:
            raise RangeError(f"Can't locate revision identified by '{error.argument}'") from None
        except alembic_revision.RevisionError as error:
            raise RangeError(str(error.args[0])) from None


def _revision_map(records: Sequence[RevisionRecord]) -> RevisionMap:
    from alembic.script.revision import Revision, RevisionMap

    revisions = [
        Revision(
            r.revision,
            r.down_revision,
            dependencies=r.depends_on,
            branch_labels=r.branch_labels,
        )
        for r in records
    ]
    revision_map = RevisionMap(_Generator(revisions))
    with warnings.catch_warnings():
        # ``repair`` removed everything Alembic warns about; a warning now is a bug.
        warnings.simplefilter("error")
        revision_map._revision_map  # noqa: B018 - builds the map, raising early
    return revision_map


class _Generator:
    """A picklable zero-argument callable for ``RevisionMap`` (a lambda is not)."""

    def __init__(self, revisions: list[Revision]) -> None:
        self._revisions = revisions

    def __call__(self) -> list[Revision]:
        return self._revisions


def _nodes(graph: RevisionGraph, records: Sequence[RevisionRecord]) -> list[Node]:
    nodes = []
    for record in records:
        rev = graph.revisions[record.revision]
        nodes.append(
            Node(record, _sorted(rev.nextrev), _sorted(rev.branch_labels), not rev._all_nextrev)
        )
    return nodes


def _sorted(names: frozenset[str] | set[str]) -> tuple[str, ...]:
    """Sorted, without sorting the empty and one-member sets most revisions have."""
    return tuple(names) if len(names) < 2 else tuple(sorted(names))
