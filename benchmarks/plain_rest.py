"""The baseline of the Sphinx measurements: what ``cliche-history`` shows, written
out by hand as plain reST, split into the same pages.

Same content, revision for revision: an index entry and a label, the title with
the marks and the message, the parents, children, labels, dependencies, date,
file and operations (each linked to Alembic's Operation Reference) as a field
list with ``:ref:`` links, the docstring's paragraphs, and (when asked) the
same graph through ``.. graphviz::``.  Sphinx then does for it what it does
for any project; the extension's build is compared with this one.

    python benchmarks/plain_rest.py ENVIRONMENT DOCS [--per-page N] [--no-graph] [--no-operations]
"""

from __future__ import annotations

import argparse
import re
from collections.abc import Sequence
from pathlib import Path

from sphinxcontrib_cliche.loading import load
from sphinxcontrib_cliche.model.history import History, Node
from sphinxcontrib_cliche.render.dot import to_dot
from sphinxcontrib_cliche.render.graph import build_graph
from sphinxcontrib_cliche.render.operations import ALEMBIC_OPS_URL, reference_target, segments
from sphinxcontrib_cliche.source.operations import Operation
from sphinxcontrib_cliche.sphinx.doctree import anchor

_SPECIAL = re.compile(r"([\\`*_|<>\[\]])")
_HEADER = re.compile(r"(Revision ID|Revises|Create Date):")


def escape(text: str) -> str:
    return _SPECIAL.sub(r"\\\1", text)


def literal(text: str) -> str:
    return f":literal:`{escape(text)}`"


def write_docs(environment: Path, docs: Path, per_page: int, graph: bool, operations: bool) -> None:
    history = load(environment).history
    name = environment.name
    nodes = list(history.nodes)
    docs.mkdir(parents=True, exist_ok=True)
    pages = [
        nodes[max(0, len(nodes) - k * per_page) : len(nodes) - (k - 1) * per_page]
        for k in range(1, -(-len(nodes) // per_page) + 1)
    ]
    lines = ["History", "=======", ""]
    if len(pages) == 1:
        lines += _revisions(history, name, pages[0], graph, operations, environment)
    else:
        lines += [f"{len(nodes):,} revisions on {len(pages)} pages.", ""]
        if graph:
            lines += _graph(history, nodes)
        lines += [".. toctree::", "   :maxdepth: 1", ""]
        lines += [f"   history-pages/page-{k}" for k in range(len(pages), 0, -1)]
        (docs / "history-pages").mkdir(exist_ok=True)
        for k, page in enumerate(pages, 1):
            title = f"Revisions {(k - 1) * per_page + 1:,}\u2013{(k - 1) * per_page + len(page):,}"
            text = [title, "=" * len(title), ""]
            text += _revisions(history, name, page, graph, operations, environment)
            (docs / "history-pages" / f"page-{k}.rst").write_text("\n".join(text) + "\n")
    (docs / "index.rst").write_text("\n".join(lines) + "\n")


def _revisions(
    history: History, name: str, nodes: Sequence[Node], graph: bool, operations: bool, root: Path
) -> list[str]:
    lines = _graph(history, nodes) if graph else []
    owners = history.label_owners
    for node in nodes:
        record = node.record
        ident = anchor(name, node.revision)
        marks = f" ({', '.join(node.marks)})" if node.marks else ""
        title = f"{escape(node.revision)}{marks} \u2014 {escape(record.message or '(no message)')}"
        lines += [
            f".. index:: single: {node.revision} (Alembic revision)",
            "",
            f".. _{ident}:",
            "",
            title,
            "-" * len(title),
            "",
            f":Parents: {_refs(name, node.parents) or escape('<base>')}",
            f":Children: {_refs(name, node.children) or 'none'}",
        ]
        if record.labels:
            lines.append(f":Branch labels: {', '.join(literal(label) for label in record.labels)}")
        if record.dependencies:
            targets = [owners.get(d, d) for d in record.dependencies]
            lines.append(f":Depends on: {_refs(name, targets)}")
        if record.create_date:
            lines.append(f":Created: {record.create_date.isoformat(' ')}")
        lines.append(f":File: {literal(str(Path(record.path).relative_to(root.parent)))}")
        if operations and record.upgrade_ops:
            lines.append(":Operations:")
            for operation in record.upgrade_ops:
                lines.append("   - " + _operation(operation))
        lines.append("")
        for paragraph in record.longdoc.split("\n\n")[1:]:
            kept = [line for line in paragraph.splitlines() if not _HEADER.match(line)]
            if kept:
                lines += [escape(" ".join(kept)), ""]
    return lines


def _refs(name: str, revisions: Sequence[str]) -> str:
    return ", ".join(f":ref:`{r} <{anchor(name, r)}>`" for r in revisions)


def _operation(operation: Operation) -> str:
    parts = []
    for kind, text in segments(operation):
        if kind == "op":
            url = f"{ALEMBIC_OPS_URL}#{reference_target(operation)}"
            parts.append(f"`{escape(text)} <{url}>`__")
        elif kind in ("code", "table"):
            parts.append(literal(text))
        else:
            parts.append(escape(text))
    return "".join(parts) or "(operation)"


def _graph(history: History, nodes: Sequence[Node]) -> list[str]:
    source = to_dot(build_graph(history, nodes))
    return [".. graphviz::", "", *("   " + line for line in source.splitlines()), ""]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("environment", type=Path)
    parser.add_argument("docs", type=Path)
    parser.add_argument("--per-page", type=int, default=500)
    parser.add_argument("--no-graph", action="store_true")
    parser.add_argument("--no-operations", action="store_true")
    options = parser.parse_args()
    write_docs(
        options.environment,
        options.docs,
        options.per_page,
        not options.no_graph,
        not options.no_operations,
    )


if __name__ == "__main__":
    main()
