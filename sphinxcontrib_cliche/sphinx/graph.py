"""The revision graph in a document: a node, and how each builder writes it.

The node keeps plain data (the boxes and edges of the graph, and what its
text drawing is drawn from) and, as children, one pending reference per
linked revision, so Sphinx resolves the links like any other.  DOT is
produced at write time, when the links are known, and handed to
``sphinx.ext.graphviz``: its ``graphviz_output_format``, ``graphviz_dot``
and per-builder output apply.  Builders without pictures (text, man, ...)
get the text drawing as a literal block, and so does every builder when the
``dot`` program is missing: it is drawn then, as the page is written, from
the history kept for the build, as the revisions are (:mod:`.revisions`).
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from docutils import nodes
from sphinx.ext.graphviz import (
    graphviz,
    render_dot_html,
    render_dot_latex,
    render_dot_texinfo,
)
from sphinx.transforms.post_transforms import SphinxPostTransform
from sphinx.util import logging

from sphinxcontrib_cliche.render.graph import Graph
from sphinxcontrib_cliche.render.lanes import draw
from sphinxcontrib_cliche.sphinx.compat import builder_of
from sphinxcontrib_cliche.sphinx.doctree import quiet_ref
from sphinxcontrib_cliche.sphinx.drawing import dot_code, link_url, wait_for
from sphinxcontrib_cliche.sphinx.store import StaleHistory, shown_history

if TYPE_CHECKING:
    from sphinx.application import Sphinx
    from sphinx.writers.html5 import HTML5Translator
    from sphinx.writers.latex import LaTeXTranslator
    from sphinx.writers.texinfo import TexinfoTranslator

    from sphinxcontrib_cliche.sphinx.domain import ClicheDomain

logger = logging.getLogger(__name__)

#: Builder formats that draw pictures with ``dot``.
PICTURE_FORMATS = ("html", "latex", "texinfo")

INSTALL_HINT = (
    "the Graphviz `dot` program was not found, so the revision graph is shown as text; "
    "install Graphviz (e.g. `apt-get install graphviz` or `brew install graphviz`), "
    "or set graphviz_dot in conf.py"
)


@dataclass(frozen=True)
class Lanes:
    """What a graph's text drawing is drawn from: the history (the digest of its
    source key) and the revisions shown, newest first."""

    history: str
    revisions: tuple[str, ...]


class cliche_graph(graphviz):
    """A revision graph: ``graph`` (plain data), ``name``, ``direction``, ``lanes``.

    A ``sphinx.ext.graphviz`` node by type, so its renderers accept it; its own
    visitors (below) make the DOT at write time, when the links are known.
    """


def graph_node(graph: Graph, name: str, direction: str, lanes: Lanes) -> cliche_graph:
    node = cliche_graph(graph=graph, name=name, direction=direction, lanes=lanes)
    node["classes"].append("cliche-graph")
    for revision in sorted({box.link_target for box in graph.boxes}):
        node += quiet_ref("rev", name, revision, nodes.inline(revision, revision))
    return node


class GraphAsText(SphinxPostTransform):
    """Replace graphs with their text drawing where no picture can be made."""

    # after the references inside the graph are resolved (ReferencesResolver: 10)
    default_priority = 20

    def run(self, **kwargs: Any) -> None:
        pictures = builder_of(self).format in PICTURE_FORMATS
        if pictures and shutil.which(self.config.graphviz_dot):
            return  # before looking for graphs: a page of 500 revisions is 40,000 nodes
        domain = cast("ClicheDomain", self.env.get_domain("cliche"))
        for graph in list(self.document.findall(cliche_graph)):
            if pictures:
                logger.warning(INSTALL_HINT, type="cliche", subtype="graph", location=graph)
            lanes: Lanes = graph["lanes"]
            try:
                history, _ = shown_history(domain, lanes.history, graph["name"], lanes.revisions)
                drawing = "\n".join(draw([history.get(each) for each in lanes.revisions]))
            except StaleHistory as stale:
                drawing = f"Cannot draw the graph read for this page: {stale}. Build again."
                logger.warning(drawing, type="cliche", subtype="render", location=graph)
            block = nodes.literal_block(drawing, drawing, classes=["cliche-graph-text"])
            graph.replace_self(block)


def _urls(self: HTML5Translator, node: cliche_graph) -> dict[str, str]:
    """Link targets by revision, as ``inheritance_diagram`` builds them: a same-page
    anchor carries the file name in SVG, whose links Sphinx rewrites relative to
    the image file."""
    svg = self.config.graphviz_output_format.upper() == "SVG"
    current = (self.builder.current_docname + self.builder.out_suffix).rsplit("/", 1)[-1]
    page = current if svg else ""
    return {ref.astext(): link_url(ref, page) for ref in node.findall(nodes.reference)}


def _dot(node: cliche_graph, urls: dict[str, str] | None = None) -> str:
    return dot_code(node["graph"], node["name"], node["direction"], urls)


def html_visit(self: HTML5Translator, node: cliche_graph) -> None:
    alt = f"Revision graph of {node['name']}"
    domain = cast("ClicheDomain", self.builder.env.get_domain("cliche"))
    code = domain.drawing.dot(node["graph"], node["name"], node["direction"], _urls(self, node))
    wait_for(domain, code)
    render_dot_html(self, node, code, {}, "cliche", "cliche-graph", alt=alt)


def latex_visit(self: LaTeXTranslator, node: cliche_graph) -> None:
    render_dot_latex(self, node, _dot(node), {}, "cliche")


def texinfo_visit(self: TexinfoTranslator, node: cliche_graph) -> None:
    render_dot_texinfo(self, node, _dot(node), {}, "cliche")


def register(app: Sphinx) -> None:
    app.setup_extension("sphinx.ext.graphviz")
    app.add_node(
        cliche_graph,
        html=(html_visit, None),
        latex=(latex_visit, None),
        texinfo=(texinfo_visit, None),
    )
    app.add_post_transform(GraphAsText)
