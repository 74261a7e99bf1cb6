"""The terminal formats of Alembic's ``history``, ``heads`` and friends.

These reproduce ``Script.log_entry`` and ``Script._head_only`` byte for byte,
with one deliberate difference: lists Alembic takes from sets (``Branches
into:`` and propagated ``Branch names:``) are sorted, since Alembic's own
order there changes with ``PYTHONHASHSEED``.
"""

from __future__ import annotations

from collections.abc import Iterable

from sphinxcontrib_cliche.model.history import Node


def verbose_entry(node: Node, current: bool = False) -> str:
    """``alembic history --verbose`` for one revision (``Script.log_entry``)."""
    record = node.record
    entry = (
        f"Rev: {node.revision}{' (head)' if node.is_head else ''}"
        f"{' (branchpoint)' if node.is_branchpoint else ''}"
        f"{' (mergepoint)' if node.is_mergepoint else ''}"
        f"{' (current)' if current else ''}\n"
    )
    label = "Merges" if node.is_mergepoint else "Parent"
    entry += f"{label}: {format_down_revision(node)}\n"
    if record.depends_on:
        entry += f"Also depends on: {_comma(record.depends_on)}\n"
    if node.is_branchpoint:
        entry += f"Branches into: {_comma(node.children)}\n"
    if node.branch_names:
        entry += f"Branch names: {_comma(node.branch_names)}\n"
    entry += f"Path: {record.path}\n"
    entry += "\n" + "\n".join(f"    {line}" for line in record.longdoc.splitlines()) + "\n"
    return entry


def short_entry(
    node: Node,
    *,
    include_branches: bool = False,
    include_doc: bool = False,
    include_parents: bool = False,
    tree_indicators: bool = True,
    head_indicators: bool = True,
    current: bool = False,
) -> str:
    """One line per revision (``Script._head_only``), as ``alembic history`` prints."""
    record = node.record
    text = node.revision
    if include_parents:
        if record.depends_on:
            text = f"{format_down_revision(node)} ({_comma(record.depends_on)}) -> {text}"
        else:
            text = f"{format_down_revision(node)} -> {text}"
    if include_branches and node.branch_names:
        text += f" ({_comma(node.branch_names)})"
    if head_indicators or tree_indicators:
        text += " (head)" if node.is_real_head else ""
        text += " (effective head)" if node.is_head and not node.is_real_head else ""
        text += " (current)" if current else ""
    if tree_indicators:
        text += " (branchpoint)" if node.is_branchpoint else ""
        text += " (mergepoint)" if node.is_mergepoint else ""
    if include_doc:
        text += f", {record.doc}"
    return text


def history_lines(nodes: Iterable[Node], *, verbose: bool) -> Iterable[str]:
    """What ``alembic history [--verbose]`` prints, one ``print`` at a time."""
    for node in nodes:
        if verbose:
            yield verbose_entry(node)
        else:
            yield short_entry(node, include_branches=True, include_doc=True, include_parents=True)


def heads_lines(nodes: Iterable[Node], *, verbose: bool) -> Iterable[str]:
    """What ``alembic heads [--verbose]`` prints."""
    for node in nodes:
        if verbose:
            yield verbose_entry(node)
        else:
            yield short_entry(node, include_branches=True, tree_indicators=False)


def format_down_revision(node: Node) -> str:
    """Alembic's ``_format_down_revision``: ``<base>`` or the parents, in file order."""
    return _comma(node.parents) if node.parents else "<base>"


def _comma(value: str | Iterable[str]) -> str:
    return value if isinstance(value, str) else ", ".join(value)
