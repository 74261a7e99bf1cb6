"""The order of ``alembic history``, computed without Alembic's quadratic cost.

Alembic's ``RevisionMap._topological_sort`` walks lanes down from the heads
and, at every branch or merge point, recomputes a lane's set of ancestors by
walking the whole graph below it: O(revisions x branch points).  This is the
same algorithm, step for step (same lanes, same switching rule, same
tie-breaks by load order), with each revision's ancestors computed once, as
an integer bit mask, in topological order.  The output is identical by
construction and checked against Alembic on generated histories.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from typing import Protocol


class Revision(Protocol):
    """What the sort reads: ``alembic.script.revision.Revision`` or ``engine.Rev``."""

    @property
    def _normalized_down_revisions(self) -> tuple[str, ...]: ...
    @property
    def _versioned_down_revisions(self) -> tuple[str, ...]: ...

    _normalized_resolved_dependencies: tuple[str, ...]


def ancestor_masks(revisions: Mapping[str, Revision]) -> dict[str, int]:
    """Each revision's ancestors (itself included) over Alembic's normalized edges."""
    position = {name: index for index, name in enumerate(revisions)}
    pending = {name: len(_edges(rev)) for name, rev in revisions.items()}
    children: dict[str, list[str]] = {name: [] for name in revisions}
    for name, rev in revisions.items():
        for parent in _edges(rev):
            children[parent].append(name)
    ready = [name for name, count in pending.items() if count == 0]
    masks: dict[str, int] = {}
    while ready:
        name = ready.pop()
        mask = 1 << position[name]
        for parent in _edges(revisions[name]):
            mask |= masks[parent]
        masks[name] = mask
        for child in children[name]:
            pending[child] -= 1
            if pending[child] == 0:
                ready.append(child)
    return masks


def _edges(revision: Revision) -> tuple[str, ...]:
    return tuple(revision._normalized_down_revisions)


def topological_order(
    revisions: Mapping[str, Revision],
    masks: Mapping[str, int],
    wanted: Iterable[str],
    heads: Collection[str],
) -> list[str]:
    """Alembic's ``_topological_sort(wanted, heads)``; ``revisions`` in load order."""
    position = {name: index for index, name in enumerate(revisions)}
    todo = set(wanted)
    # A lane must wait exactly when the candidate still has a child to emit: emitted
    # revisions are always closed under descendants, and every unemitted revision
    # lies below some lane.  The masks are only read to find which lane to visit.
    pending = dict.fromkeys(todo, 0)
    for name in todo:
        for parent in _edges(revisions[name]):
            if parent in pending:
                pending[parent] += 1
    lanes = sorted({head for head in heads if head in todo}, key=position.__getitem__)
    ancestors = [masks[head] for head in lanes]
    output: list[str] = []
    current = 0
    while lanes:
        candidate = lanes[current]
        bit = 1 << position[candidate]
        if pending.get(candidate):
            current = next(i for i, mask in enumerate(ancestors) if i != current and mask & bit)
            continue
        if candidate in todo:
            output.append(candidate)
            todo.remove(candidate)
            for parent in _edges(revisions[candidate]):
                if parent in pending:
                    pending[parent] -= 1
        revision = revisions[candidate]
        to_add = [r for r in _edges(revision) if r in todo and r not in lanes]
        if not to_add:
            del lanes[current]
            del ancestors[current]
            current = max(current - 1, 0)
        elif (
            not revision._normalized_resolved_dependencies
            and len(revision._versioned_down_revisions) == 1
        ):
            lanes[current] = to_add[0]
            if ancestors[current] & bit:
                ancestors[current] ^= bit
        else:
            lanes[current] = to_add[0]
            lanes.extend(to_add[1:])
            ancestors[current] = masks[to_add[0]]
            ancestors.extend(masks[head] for head in to_add[1:])
    return output
