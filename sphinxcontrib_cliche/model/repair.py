"""Make a set of records safe to hand to Alembic's ``RevisionMap``.

``RevisionMap`` only *warns* about a duplicate id (then counts a head twice)
and a missing parent (then raises a bare ``KeyError``), and raises on a
reused branch label or a cycle without saying which file is at fault.  Each
of those is found here first, reported with its file and line, and repaired
in the least surprising way, so that the rest of the history can still be
shown:

* a duplicate id: the last file wins, as in Alembic's own map;
* a reused branch label: the first revision (in load order) keeps it;
* a missing parent or dependency: the link is dropped;
* a cycle: its revisions are left out, and links to them dropped.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from sphinxcontrib_cliche.diagnostics import Code, Diagnostic
from sphinxcontrib_cliche.source.records import RevisionRecord, RevisionValue


def repair(
    records: Sequence[RevisionRecord],
) -> tuple[list[RevisionRecord], list[Diagnostic]]:
    """Return records ``RevisionMap`` can load, and what was wrong with them."""
    findings: list[Diagnostic] = []
    kept = _drop_duplicates(records, findings)
    kept = _drop_reused_labels(kept, findings)
    removed: dict[str, str] = {}
    while True:
        kept = _drop_dangling_links(kept, removed, findings)
        cyclic = _cyclic_revisions(kept)
        if not cyclic:
            return kept, findings
        by_id = {r.revision: r for r in kept}
        members = sorted(cyclic)
        for revision in members:
            record = by_id[revision]
            findings.append(
                Diagnostic(
                    record.path,
                    record.line_of("down_revision"),
                    Code.CYCLE,
                    f"{revision} is part of a cycle of revisions "
                    f"({' -> '.join(members)}); left out of the history",
                    revision=revision,
                )
            )
            removed[revision] = "is part of a cycle"
        kept = [r for r in kept if r.revision not in cyclic]


def _drop_duplicates(
    records: Sequence[RevisionRecord], findings: list[Diagnostic]
) -> list[RevisionRecord]:
    last_index = {record.revision: index for index, record in enumerate(records)}
    kept = []
    for index, record in enumerate(records):
        winner_index = last_index[record.revision]
        if winner_index == index:
            kept.append(record)
            continue
        winner = records[winner_index]
        findings.append(
            Diagnostic(
                record.path,
                record.line_of("revision"),
                Code.DUPLICATE_REVISION,
                f"revision {record.revision} is declared here and in {winner.path}; "
                "Alembic keeps only the last one loaded, so this file is ignored",
                revision=record.revision,
            )
        )
    return kept


def _drop_reused_labels(
    records: list[RevisionRecord], findings: list[Diagnostic]
) -> list[RevisionRecord]:
    ids = {record.revision for record in records}
    owner: dict[str, str] = {}
    result = []
    for record in records:
        if not record.branch_labels:
            result.append(record)
            continue
        labels = list(record.labels)
        for label in record.labels:
            clash = owner.get(label) or (label if label in ids else None)
            if clash is None:
                owner[label] = record.revision
                continue
            labels.remove(label)
            what = "the id of revision" if clash == label and label in ids else "used by revision"
            findings.append(
                Diagnostic(
                    record.path,
                    record.line_of("branch_labels"),
                    Code.DUPLICATE_BRANCH_LABEL,
                    f"{record.revision}: branch label {label!r} is already {what} {clash}; "
                    "the label is ignored here",
                    revision=record.revision,
                )
            )
        if len(labels) != len(record.labels):
            record = dataclasses.replace(record, branch_labels=_shaped(labels))
        result.append(record)
    return result


def _drop_dangling_links(
    records: list[RevisionRecord], removed: dict[str, str], findings: list[Diagnostic]
) -> list[RevisionRecord]:
    ids = {record.revision for record in records}
    targets = ids.union(*(record.labels for record in records if record.branch_labels))
    result = []
    for record in records:
        if ids.issuperset(record.parents) and (
            not record.depends_on or targets.issuperset(record.dependencies)
        ):
            result.append(record)  # the usual case, decided in C
            continue
        parents = [p for p in record.parents if p in ids]
        for parent in record.parents:
            if parent not in ids:
                why = removed.get(parent, "is not in any version location")
                findings.append(
                    Diagnostic(
                        record.path,
                        record.line_of("down_revision"),
                        Code.MISSING_PARENT,
                        f"{record.revision}: parent revision {parent!r} {why}; "
                        + ("shown as a base" if not parents else "link dropped"),
                        revision=record.revision,
                    )
                )
        dependencies = [d for d in record.dependencies if d in targets]
        for dependency in record.dependencies:
            if dependency not in targets:
                why = removed.get(dependency, "is not a known revision or branch label")
                findings.append(
                    Diagnostic(
                        record.path,
                        record.line_of("depends_on"),
                        Code.MISSING_DEPENDENCY,
                        f"{record.revision}: depends_on {dependency!r} {why}; dependency dropped",
                        revision=record.revision,
                    )
                )
        if len(parents) != len(record.parents):
            record = dataclasses.replace(record, down_revision=_shaped(parents))
        if len(dependencies) != len(record.dependencies):
            record = dataclasses.replace(record, depends_on=_shaped(dependencies))
        result.append(record)
    return result


def _shaped(values: list[str]) -> RevisionValue:
    if not values:
        return None
    return values[0] if len(values) == 1 else tuple(values)


def _cyclic_revisions(records: list[RevisionRecord]) -> set[str]:
    """Revisions on a cycle through parents or dependencies (Tarjan, iterative)."""
    label_owner = {label: r.revision for r in records if r.branch_labels for label in r.labels}
    edges: dict[str, Sequence[str]] = {
        r.revision: (
            [*r.parents, *(label_owner.get(d, d) for d in r.dependencies)]
            if r.depends_on
            else r.parents
        )
        for r in records
    }
    if _acyclic(edges):
        return set()  # the usual case: one cheap pass instead of Tarjan's bookkeeping
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    cyclic: set[str] = set()
    counter = 0
    for start in edges:
        if start in index:
            continue
        work = [(start, 0)]
        while work:
            node, position = work.pop()
            if position == 0:
                index[node] = low[node] = counter
                counter += 1
                stack.append(node)
                on_stack.add(node)
            successors = edges[node]
            if position < len(successors):
                work.append((node, position + 1))
                nxt = successors[position]
                if nxt not in index:
                    work.append((nxt, 0))
                elif nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
                continue
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1 or node in successors:
                    cyclic.update(component)
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
    return cyclic


def _acyclic(edges: dict[str, Sequence[str]]) -> bool:
    """Kahn's test: every revision can be taken once all that point at it are."""
    waiting = dict.fromkeys(edges, 0)
    for targets in edges.values():
        for target in targets:
            waiting[target] += 1
    ready = [name for name, count in waiting.items() if count == 0]
    taken = 0
    while ready:
        taken += 1
        for target in edges[ready.pop()]:
            waiting[target] -= 1
            if waiting[target] == 0:
                ready.append(target)
    return taken == len(edges)
