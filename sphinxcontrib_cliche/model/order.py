"""The order of ``alembic history``, computed without Alembic's quadratic cost.

Alembic's ``RevisionMap._topological_sort`` walks lanes down from the heads
and, at every branch or merge point, recomputes a lane's set of ancestors by
walking the whole graph below it: O(revisions x branch points).  This is the
same algorithm, step for step (same lanes, same switching rule, same
tie-breaks by load order), with each revision's ancestors computed once, as
an integer bit mask over the forks only, in topological order.  The output is
identical by construction and checked against Alembic on generated histories.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from typing import Protocol


class Revision(Protocol):
    """What the sort reads: ``alembic.script.revision.Revision`` or ``engine.Rev``."""

    @property
    def _normalized_down_revisions(self) -> tuple[str, ...]: ...
    @property
    def _versioned_down_revisions(self) -> tuple[str, ...]: ...
    @property
    def _normalized_resolved_dependencies(self) -> tuple[str, ...]: ...


def down_edges(revisions: Mapping[str, Revision]) -> dict[str, tuple[str, ...]]:
    """Alembic's normalized edges (parents and dependencies), read once."""
    return {name: tuple(rev._normalized_down_revisions) for name, rev in revisions.items()}


@dataclass(frozen=True)
class Ancestry:
    """Which forks lie below each revision: ``masks[name] & bits[fork]``."""

    masks: dict[str, int]
    bits: dict[str, int]


def ancestor_masks(edges: Mapping[str, tuple[str, ...]]) -> Ancestry:
    """Each revision's ancestors that are forks (itself included), as a bit mask.

    Only a fork (a revision two or more others point at) can be a lane's
    candidate while it still has a child to emit: a revision with one child
    joins a lane only as that child is emitted.  So only forks need a bit,
    which keeps each mask a few words long instead of one bit per revision.
    """
    children: dict[str, list[str]] = {name: [] for name in edges}
    for name, parents in edges.items():
        for parent in parents:
            children[parent].append(name)
    forks = [name for name, below in children.items() if len(below) > 1]
    bit = {name: 1 << index for index, name in enumerate(forks)}
    pending = {name: len(parents) for name, parents in edges.items()}
    ready = [name for name, count in pending.items() if count == 0]
    masks: dict[str, int] = {}
    while ready:
        name = ready.pop()
        mask = bit.get(name, 0)
        for parent in edges[name]:
            mask |= masks[parent]
        masks[name] = mask
        for child in children[name]:
            pending[child] -= 1
            if pending[child] == 0:
                ready.append(child)
    return Ancestry(masks, bit)


def topological_order(
    revisions: Mapping[str, Revision],
    edges: Mapping[str, tuple[str, ...]],
    ancestry: Ancestry,
    wanted: Iterable[str],
    heads: Collection[str],
) -> list[str]:
    """Alembic's ``_topological_sort(wanted, heads)``; ``revisions`` in load order,
    ``edges`` and ``ancestry`` from :func:`down_edges` and :func:`ancestor_masks`."""
    masks, bits = ancestry.masks, ancestry.bits
    position = {name: index for index, name in enumerate(revisions)}
    todo = set(wanted)
    # A lane must wait exactly when the candidate still has a child to emit: emitted
    # revisions are always closed under descendants, and every unemitted revision
    # lies below some lane.  The masks are only read to find which lane to visit.
    pending = dict.fromkeys(todo, 0)
    for name in todo:
        for parent in edges[name]:
            if parent in pending:
                pending[parent] += 1
    lanes = sorted({head for head in heads if head in todo}, key=position.__getitem__)
    ancestors = [masks[head] for head in lanes]
    output: list[str] = []
    current = 0
    while lanes:
        candidate = lanes[current]
        bit = bits.get(candidate, 0)
        if pending.get(candidate):
            current = next(i for i, mask in enumerate(ancestors) if i != current and mask & bit)
            continue
        if candidate in todo:
            output.append(candidate)
            todo.remove(candidate)
            for parent in edges[candidate]:
                if parent in pending:
                    pending[parent] -= 1
        revision = revisions[candidate]
        to_add = [r for r in edges[candidate] if r in todo and r not in lanes]
        if not to_add:
            del lanes[current]
            del ancestors[current]
            current = max(current - 1, 0)
        elif (
            not revision._normalized_resolved_dependencies
            and len(revision._versioned_down_revisions) == 1
        ):
            lanes[current] = to_add[0]
            ancestors[current] &= ~bit
        else:
            lanes[current] = to_add[0]
            lanes.extend(to_add[1:])
            ancestors[current] = masks[to_add[0]]
            ancestors.extend(masks[head] for head in to_add[1:])
    return output
