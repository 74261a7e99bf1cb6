"""Freeing a written page's revisions at once, not at the next full collection.

A page of 500 revisions is some 40,000 docutils nodes, 200,000 objects for
Python's collector.  Docutils nodes point at their parents, so a page's
doctree is cyclic garbage once written, freed only by a full collection:
one walks the whole heap and then the garbage, about a second for every two
pages at 10,000 revisions, and the nodes' own ageing triggers them.

So, in the HTML builders, when the page is written (the last handler of
``html-page-context``, the final event to see the doctree, which Sphinx drops
right after), the revisions and graphs are taken apart, and reference
counting frees them.  Knowing that, the revisions are built straight into the
collector's oldest generation (:func:`.collector_paused`), where ageing does
not count: no collection ever scans them.  Where no such event follows in
this process (other builders), they are left young, to be collected as any
garbage.

A parallel HTML build (``-j``) is the exception: its main process resolves
each page (building the revisions there) and hands whole chunks of pages to
forked writers, keeping every page of a chunk alive until that chunk is
written, so the revisions of a dozen pages are alive at once, and full
collections walked them again and again (6 s of a 40 s ``-j 2`` build at
10,000 revisions).  When the build froze its history (below), they join it:
never scanned, and freed when the build ends.

The other side of it: what lives for the whole build.  A large history, read
when the builder starts, is some 400,000 objects that every full collection
of the build would walk through for nothing (two thirds of the collector's
time at 10,000 revisions).  So once it is read, everything alive is frozen
(``gc.freeze``): the collections of the build skip it, and it is unfrozen
when the build ends.  Nothing is lost: what is frozen can still be freed by
reference counting, and what of it becomes cyclic garbage waits for the
build's end instead of a full collection.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, cast

from docutils import nodes
from sphinx import addnodes

from sphinxcontrib_cliche.sphinx.doctree import HISTORY_CLASS
from sphinxcontrib_cliche.sphinx.graph import cliche_graph

if TYPE_CHECKING:
    from sphinx.application import Sphinx
    from sphinx.builders import Builder
    from sphinx.environment import BuildEnvironment

    from sphinxcontrib_cliche.sphinx.domain import ClicheDomain

#: Smaller histories are left to the collector: they cost its scans little.
FREEZE_FROM = 1000


def built_unscanned(builder: Builder, domain: ClicheDomain) -> bool:
    """Whether the page being resolved has its revisions built where no collection
    scans them: in an HTML build, it is either written and freed in this process
    (serial), or kept here for a forked writer while the build holds objects
    frozen until it ends (parallel; see the module doc)."""
    if builder.format != "html":
        return False
    return not builder.parallel_ok or domain.froze


def release_written(
    app: Sphinx,
    pagename: str,
    templatename: str,
    context: dict[str, Any],
    doctree: nodes.document | None,
) -> None:
    if doctree is not None:
        for node in _built_when_written(doctree):
            take_apart(node)


def _built_when_written(doctree: nodes.Node) -> Iterator[nodes.Element]:
    """A doctree's history containers and graphs, without walking into objects'
    descriptions (the revisions themselves): neither ever sits inside one."""
    stack = [doctree]
    while stack:
        for child in stack.pop().children:
            if isinstance(child, cliche_graph) or (
                isinstance(child, nodes.container) and HISTORY_CLASS in child["classes"]
            ):
                yield child
            elif isinstance(child, nodes.Element) and not isinstance(child, addnodes.desc):
                stack.append(child)


def take_apart(element: nodes.Element) -> None:
    """Empty the children of every element under ``element``: a node is then held
    by nothing but its own children's ``parent``, so reference counting frees
    each as soon as its children are freed, the leaves first.  A node the
    resolver replaced, still pointing at its old parent, holds up that parent
    alone, no branch of the tree.  Text nodes (a third of a page's) are leaves:
    they are left as they are."""
    stack: list[nodes.Node] = [element]
    while stack:
        node = stack.pop()
        children = node.children
        node.children = []
        for child in children:
            if not isinstance(child, nodes.Text):
                stack.append(child)


def freeze_histories(app: Sphinx, env: BuildEnvironment, docnames: list[str]) -> None:
    """``env-before-read-docs`` (the histories split into pages are read by then,
    when the builder started): freeze, if a large history was read and nobody
    else froze objects in this process (their unfreezing is theirs to choose:
    this leaves them alone)."""
    domain = _domain(app)
    domain.frozen = gc.get_freeze_count() > 0
    large = any(len(report.history) >= FREEZE_FROM for report in domain.reports.values())
    if large and gc.isenabled() and not domain.frozen:
        gc.freeze()
        domain.frozen = domain.froze = True


def unfreeze(app: Sphinx, exception: BaseException | None) -> None:
    """``build-finished``: leave the collector as the build found it."""
    domain = _domain(app)
    if domain.froze:
        gc.unfreeze()
    domain.frozen = domain.froze = False


def _domain(app: Sphinx) -> ClicheDomain:
    return cast("ClicheDomain", app.env.get_domain("cliche"))


def register(app: Sphinx) -> None:
    # last: every other handler has seen the page whole
    app.connect("html-page-context", release_written, priority=1000)
    app.connect("env-before-read-docs", freeze_histories)
    app.connect("build-finished", unfreeze)
