"""The revision graph as Graphviz DOT, built with the ``graphviz`` package.

Text from revision files (ids, messages, labels) is escaped with
``graphviz.escape`` and wrapped as non-HTML, so quotes, backslashes, braces
and ``<...>`` in a message are shown, never interpreted by ``dot``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import cast
from urllib.parse import quote

import graphviz

from sphinxcontrib_cliche.render.graph import DIRECTIONS, Box, Graph

#: Fill and border per mark; mid-tones that read on light and dark pages. The
#: first mark in Node.marks order (head, base, branchpoint, mergepoint) wins.
_MARK_STYLE = {
    "head": ("#d3f9d8", "#2f9e44"),
    "base": ("#e9ecef", "#868e96"),
    "branchpoint": ("#fff3bf", "#e67700"),
    "mergepoint": ("#dbe4ff", "#4c6ef5"),
}
_PLAIN_STYLE = ("#ffffff", "#495057")
_URL_SAFE = "/:#?=&%.-_~+!$,;@()*"
_RUN_STYLE = ("#f1f3f5", "#adb5bd")


def to_dot(
    graph: Graph,
    name: str = "cliche",
    urls: Mapping[str, str] | None = None,
    direction: str = "newest-top",
) -> str:
    """DOT source for ``graph``; ``urls`` maps revision ids to link targets."""
    dot = graphviz.Digraph(
        name,
        graph_attr={
            "rankdir": DIRECTIONS[direction],
            "bgcolor": "transparent",
            "nodesep": "0.25",
            "ranksep": "0.3",
        },
        node_attr={
            "shape": "box",
            "style": "rounded,filled",
            "fontname": "Helvetica",
            "fontsize": "10",
            "fontcolor": "#212529",
            "penwidth": "1.2",
        },
        edge_attr={"color": "#868e96", "arrowsize": "0.6"},
    )
    for box in graph.boxes:
        dot.node(_key(box.key), **_box_attributes(box, urls or {}))
    for edge in graph.edges:
        attributes = {"style": "dashed"} if edge.dependency else {}
        dot.edge(_key(edge.parent), _key(edge.child), **attributes)
    if graph.omitted:
        dot.node(
            "cliche-omitted",
            label=graphviz.nohtml(f"{graph.omitted} older revisions not drawn"),
            shape="plaintext",
            style="",
        )
    return str(dot.source)


def _key(key: str) -> str:
    # keep graphviz's NoHtml marker: an id like "<a>" must not read as an HTML label
    return cast(str, graphviz.escape(key))


def _box_attributes(box: Box, urls: Mapping[str, str]) -> dict[str, str]:
    fill, border = _style(box)
    label = "\\n".join(graphviz.escape(line) for line in box.label.split("\n"))
    if box.branch_labels:
        label += "\\n" + graphviz.escape("[" + ", ".join(box.branch_labels) + "]")
    attributes = {
        "label": graphviz.nohtml(label),
        "fillcolor": fill,
        "color": border,
        "tooltip": graphviz.nohtml(graphviz.escape(" ".join(box.label.split()))),
    }
    if box.marks:
        attributes["class"] = " ".join(f"cliche-{mark}" for mark in box.marks)
        attributes["penwidth"] = "2"
    if box.collapsed:
        attributes["style"] = "rounded,filled,dashed"
    url = urls.get(box.link_target)
    if url:
        # dot copies URLs into SVG attributes unescaped: keep them to URL-safe characters
        attributes["URL"] = graphviz.escape(quote(url, safe=_URL_SAFE))
        attributes["target"] = "_top"
    return attributes


def _style(box: Box) -> tuple[str, str]:
    if box.collapsed:
        return _RUN_STYLE
    for mark in box.marks:
        return _MARK_STYLE[mark]
    return _PLAIN_STYLE
