"""Graph pictures drawn on every core while the pages are being written.

A page's graph as a PNG is a picture of up to some 1,300 x 8,000 pixels, and
rasterising it is most of what ``dot`` does: 0.3 to 0.5 s a page of 500
revisions, 8 s for a history of 10,000 split into pages.
``sphinx.ext.graphviz`` draws each picture when its page is written, on the
one core that writes.

Yet once every document is read, each graph's DOT is known but for its
links, and under the ``html`` and ``dirhtml`` builders a link is a plain
function of document names (``builder.get_relative_uri``).  So when reading
ends, the graphs read in this build are handed to ``sphinx.ext.graphviz``'s
own ``render_dot`` in worker threads (``dot`` is a process of its own, so
they truly run beside the writer), and a graph's visitor waits for its
picture: graphviz then finds the file drawn and goes on.  The DOT drawn ahead
is made by the same function as the DOT the visitor makes, from the same
resolution of the same references; a picture drawn for nothing would only
cost time and leave an unused image behind, which the tests look for.

Only where it is safe and worth it: PNG output (SVG is drawn in
milliseconds, and is rewritten for its page as it is drawn), a serial build
(``-j`` already spreads the writing over processes, and a forked writer must
not wait on a thread it does not have: the pool is never made there), and a
machine with two cores or more.  There are as many workers as cores: the
writer, which writes the revisions as text (:mod:`.html_text`), would
otherwise wait for the pictures at the end.

One picture is started sooner.  A history split into pages puts each
revision on a page known before any page is read, so its overview's links
are known as soon as the overview is read (:func:`draw_early`).  That picture
is the largest of a build, and the first one its writer needs (an
overview's name sorts before its pages'): it is drawn while the pages are
read.  When reading ends, the links foretold are checked like any other
graph's, by the links alone: a picture foretold right keeps the DOT it was
drawn from; one whose links turn out otherwise is drawn again, and the one
drawn for nothing is removed when the build ends.  (Starting every page's
picture as it is read too was measured, and gained nothing: the build is
bound by the cores, and the ``dot`` processes then slowed the reading of the
pages by what they spared the writer.)
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any, cast

from docutils import nodes
from sphinx.ext.graphviz import render_dot

from sphinxcontrib_cliche.render.dot import to_dot
from sphinxcontrib_cliche.source.parallel import usable_cores
from sphinxcontrib_cliche.sphinx.compat import app_of

if TYPE_CHECKING:
    from sphinx.application import Sphinx
    from sphinx.environment import BuildEnvironment
    from sphinx.writers.html5 import HTML5Translator

    from sphinxcontrib_cliche.render.graph import Graph
    from sphinxcontrib_cliche.sphinx.domain import ClicheDomain, RevisionObject

#: Builders whose links are ``get_relative_uri`` between the documents as read.
BUILDERS = ("html", "dirhtml")
#: Worker threads: each waits on one ``dot`` process.
MAX_WORKERS = 4


@dataclass(frozen=True)
class GraphRead:
    """A graph as its directive left it: what its DOT is made from."""

    docname: str
    graph: Graph
    name: str
    direction: str


#: What a graph's DOT is made of: the graph, its name, direction and links.
CodeKey = tuple["Graph", str, str, tuple[tuple[str, str], ...]]
#: Where the history's own link to a revision leads (``None``: nowhere).
Targets = Callable[[str], "RevisionObject | None"]


@dataclass
class Drawing:
    """This build's pictures drawn ahead, by their DOT (on the domain, never pickled)."""

    read: list[GraphRead] = field(default_factory=list)
    pending: dict[str, Future[Any]] = field(default_factory=dict)
    codes: dict[CodeKey, str] = field(default_factory=dict)  # made ahead, for the visitors
    pool: ThreadPoolExecutor | None = None
    early: dict[CodeKey, str] = field(default_factory=dict)  # started while reading
    unused: dict[str, Future[Any]] = field(default_factory=dict)  # foretold wrongly
    asked: set[str] = field(default_factory=set)  # the DOT of every picture a visitor drew

    def dot(self, graph: Graph, name: str, direction: str, urls: dict[str, str]) -> str:
        """:func:`dot_code`, taken from the drawing ahead when it made the same."""
        code = self.codes.pop(_code_key(graph, name, direction, urls), None)
        return code if code is not None else dot_code(graph, name, direction, urls)


def _code_key(graph: Graph, name: str, direction: str, urls: dict[str, str]) -> CodeKey:
    return graph, name, direction, tuple(sorted(urls.items()))


def dot_code(graph: Graph, name: str, direction: str, urls: dict[str, str] | None) -> str:
    """The DOT of a graph node: the one function both the visitors and the
    drawing ahead use, so their pictures are the same file."""
    return to_dot(graph, f"cliche_{name}", urls, direction)


def note_graph(domain: ClicheDomain, graph: GraphRead) -> None:
    """A directive made a graph: it may be drawn ahead once reading ends."""
    domain.drawing.read.append(graph)


def draw_early(env: BuildEnvironment, graph: GraphRead, targets: Targets) -> None:
    """Start drawing ``graph`` as it is read, with the links ``targets`` foretell
    (checked when reading ends, by :func:`draw_ahead`)."""
    app = app_of(env)
    drawing = cast("ClicheDomain", env.get_domain("cliche")).drawing
    if _started(app, drawing):
        urls = _links(app, graph, targets)
        code = dot_code(graph.graph, graph.name, graph.direction, urls)
        _submit(app, drawing, code)
        drawing.early[_code_key(graph.graph, graph.name, graph.direction, urls)] = code


def draw_ahead(app: Sphinx, env: BuildEnvironment) -> list[str]:
    """``env-updated``: start drawing the pictures of the graphs read in this build."""
    domain = cast("ClicheDomain", env.get_domain("cliche"))
    drawing = domain.drawing
    graphs, drawing.read = drawing.read, []
    if graphs and _started(app, drawing):
        for graph in graphs:
            urls = _links(app, graph, _own_targets(domain, graph.name))
            key = _code_key(graph.graph, graph.name, graph.direction, urls)
            code = drawing.early.get(key) or dot_code(
                graph.graph, graph.name, graph.direction, urls
            )
            drawing.codes[key] = code
            _submit(app, drawing, code)
    needed = set(drawing.codes.values())
    for code in set(drawing.early.values()) - needed:
        drawing.unused[code] = drawing.pending.pop(code)
    drawing.early.clear()
    return []


def _own_targets(domain: ClicheDomain, history: str) -> Targets:
    """Where the history's own links lead, as every document read tells."""
    return lambda revision: domain.own_target(history, "rev", revision)


def _started(app: Sphinx, drawing: Drawing) -> bool:
    """Whether pictures are drawn ahead in this build (starting the workers)."""
    if drawing.pool is None:
        workers = _drawing_workers(app)
        if not workers:
            return False
        drawing.pool = ThreadPoolExecutor(workers, thread_name_prefix="cliche-dot")
    return True


def _submit(app: Sphinx, drawing: Drawing, code: str) -> None:
    if code in drawing.pending or drawing.pool is None:
        return
    # render_dot reads only ``.builder`` of the translator it is given
    stand_in = cast("HTML5Translator", SimpleNamespace(builder=app.builder))
    drawing.pending[code] = drawing.pool.submit(render_dot, stand_in, code, {}, "png", "cliche")


def wait_for(domain: ClicheDomain, code: str) -> None:
    """Before a visitor draws ``code``: let its drawing ahead (if any) finish.

    Its outcome does not matter here: a picture that failed is drawn again by
    the visitor, which reports the failure as ``sphinx.ext.graphviz`` does.
    """
    domain.drawing.asked.add(code)
    future = domain.drawing.pending.pop(code, None)
    if future is not None:
        future.exception()


def finish(app: Sphinx, exception: BaseException | None) -> None:
    """``build-finished``: no thread outlives the build."""
    drawing = cast("ClicheDomain", app.env.get_domain("cliche")).drawing
    if drawing.pool is not None:
        drawing.pool.shutdown(wait=True, cancel_futures=True)
    for code, future in drawing.unused.items():
        if code not in drawing.asked:
            _remove_picture(future)
    drawing.pool, drawing.pending, drawing.codes = None, {}, {}
    drawing.early, drawing.unused, drawing.asked = {}, {}, set()


def _remove_picture(future: Future[Any]) -> None:
    """Remove the picture a future drew (if it drew one): nothing shows it."""
    if future.cancelled() or future.exception() is not None:
        return
    _, path = future.result()
    if path:
        Path(path).unlink(missing_ok=True)


def _drawing_workers(app: Sphinx) -> int:
    """How many pictures to draw at once; 0 where drawing ahead is not for this build."""
    config = app.config
    if app.builder.name not in BUILDERS or config.graphviz_output_format != "png":
        return 0
    if app.parallel > 1 or not shutil.which(config.graphviz_dot):
        return 0
    cores = usable_cores()
    return 0 if cores < 2 else min(MAX_WORKERS, cores)


def _links(app: Sphinx, graph: GraphRead, targets: Targets) -> dict[str, str]:
    """Each box's link as the visitor will find it: the history's own link to
    its revision, made as :meth:`.ClicheDomain.own_reference` makes it."""
    urls = {}
    for revision in sorted({box.link_target for box in graph.graph.boxes}):
        target = targets(revision)
        if target is not None:
            reference = target.reference(app.builder, graph.docname, nodes.Text(revision))
            urls[revision] = link_url(reference, page="")
    return urls


def link_url(reference: nodes.reference, page: str) -> str:
    """A resolved reference as a link in a graph; a same-page anchor is prefixed
    with ``page`` (an SVG's links are read relative to the image file)."""
    return str(reference.get("refuri") or f"{page}#{reference['refid']}")


def register(app: Sphinx) -> None:
    # after the gate (500): a build it stops draws nothing
    app.connect("env-updated", draw_ahead, priority=900)
    app.connect("build-finished", finish)
