"""Policy over a built history: one head, reversible revisions, something to show.

The structural findings (duplicates, missing parents, cycles) come from the
model, which has to repair them to build a graph at all; the policies here
judge a graph that is already sound.
"""

from __future__ import annotations

from dataclasses import dataclass

from sphinxcontrib_cliche.diagnostics import Code, Diagnostic
from sphinxcontrib_cliche.model.history import History, Node
from sphinxcontrib_cliche.paths import relative_path
from sphinxcontrib_cliche.source.operations import Operation
from sphinxcontrib_cliche.source.records import Downgrade


@dataclass(frozen=True)
class Rebase:
    """The seed's fix for two heads: point ``revision`` at ``onto`` instead of ``parent``."""

    revision: str
    path: str
    line: int | None
    parent: str
    onto: str


def check_history(history: History, root: str | None = None) -> list[Diagnostic]:
    """The policy findings for ``history``; paths in messages are shown relative to ``root``."""
    findings: list[Diagnostic] = []
    if len(history) == 0:
        findings.append(Diagnostic(None, None, Code.NO_REVISIONS, "no revision files found"))
    if len(history.heads) > 1:
        findings.append(multiple_heads(history, root))
    findings.extend(_missing_downgrades(history))
    findings.extend(_operation_findings(history))
    return findings


def multiple_heads(history: History, root: str | None = None) -> Diagnostic:
    """One diagnostic naming every head with its file, and the fix."""
    wanted = set(history.heads)
    heads = [history.get(r) for r in history.order if r in wanted]
    listing = "\n".join(
        f"  {node.revision} ({node.record.message or 'no message'}) "
        f"in {_shown(node.record.path, root)}"
        for node in heads
    )
    rebase = suggest_rebase(history)
    if rebase is not None:
        line = f" line {rebase.line}," if rebase.line else ""
        fix = (
            f"Fix: in {_shown(rebase.path, root)},{line} change down_revision from "
            f"'{rebase.parent}' to '{rebase.onto}' (run `cliche rebase {rebase.revision} "
            f"--onto {rebase.onto}`; only if no database has applied {rebase.revision}), "
            'or create a merge revision with `alembic merge -m "merge heads" heads`.'
        )
        anchor = history.get(rebase.revision).record
    else:
        fix = 'Fix: create a merge revision with `alembic merge -m "merge heads" heads`.'
        anchor = heads[0].record
    return Diagnostic(
        anchor.path,
        anchor.line_of("down_revision"),
        Code.MULTIPLE_HEADS,
        f"the history has {len(heads)} heads; Alembic will refuse `upgrade head`:\n"
        f"{listing}\n{fix}",
        revision=anchor.revision,
        hint=fix,
    )


def suggest_rebase(history: History) -> Rebase | None:
    """The single ``down_revision`` edit that leaves one head, if there is one.

    With two heads A and B, the revisions only B reaches form B's branch; if
    that branch has one root with one parent, re-pointing the root at A
    joins the lines.  The branch started last (newest root) is the one moved,
    because it is the least likely to be applied anywhere yet.
    """
    if len(history.heads) != 2:
        return None
    first, second = history.heads
    options = [
        rebase
        for moved, kept in ((first, second), (second, first))
        if (rebase := _rebase_onto(history, moved, kept)) is not None
    ]
    if not options:
        return None
    return max(options, key=lambda rebase: _root_age(history.get(rebase.revision), history))


def _rebase_onto(history: History, moved: str, kept: str) -> Rebase | None:
    branch = history.ancestors(moved) - history.ancestors(kept)
    roots = [r for r in branch if not set(history.get(r).parents) & branch]
    if len(roots) != 1:
        return None
    root = history.get(roots[0])
    if len(root.parents) != 1 or root.record.dependencies:
        return None
    return Rebase(
        root.revision,
        root.record.path,
        root.record.line_of("down_revision"),
        root.parents[0],
        kept,
    )


def _root_age(node: Node, history: History) -> tuple[bool, str, int]:
    """Newer sorts higher: by create date, then by load order (a later file is newer)."""
    date = node.record.create_date
    return (date is not None, date.isoformat() if date else "", history.load_index(node.revision))


def _missing_downgrades(history: History) -> list[Diagnostic]:
    findings = []
    for node in history.nodes:
        record = node.record
        if record.downgrade is Downgrade.MISSING:
            what = "has no downgrade()"
        elif record.downgrade is Downgrade.EMPTY:
            what = "has a downgrade() that does nothing"
        else:
            continue
        findings.append(
            Diagnostic(
                record.path,
                record.line_of("downgrade") or record.line_of("revision"),
                Code.MISSING_DOWNGRADE,
                f"{record.revision} {what}; it cannot be undone",
                revision=record.revision,
            )
        )
    return findings


def _operation_findings(history: History) -> list[Diagnostic]:
    findings = []
    for node in history.nodes:
        record = node.record
        for operation in record.upgrade_ops:
            if not (operation.dynamic or operation.destructive):
                continue  # most operations: no finding, no text to make
            text = _operation_text(operation)
            if operation.destructive:
                findings.append(
                    Diagnostic(
                        record.path,
                        operation.line,
                        Code.DESTRUCTIVE_OPERATION,
                        f"{record.revision}: {text} loses data",
                        revision=record.revision,
                    )
                )
            if operation.dynamic:
                findings.append(
                    Diagnostic(
                        record.path,
                        operation.line,
                        Code.DYNAMIC_OPERATION,
                        f"{record.revision}: {text} cannot be read statically "
                        f"({operation.dynamic})",
                        revision=record.revision,
                    )
                )
    return findings


def _operation_text(operation: Operation) -> str:
    """``drop_column dod on people``: terse, since the faces describe operations at length."""
    parts = [operation.name]
    if operation.target:
        parts.append(operation.target)
    if operation.table:
        parts.append(f"on {operation.table}")
    return " ".join(parts)


def _shown(path: str, root: str | None) -> str:
    return relative_path(path, root) or path
