"""A history's revisions, built when the page is written rather than when it is read.

Sphinx keeps every doctree it reads in memory until the write phase, and a
revision is some eighty docutils nodes: at 10,000 revisions that was most of
a build's 900 MB.  So the directive leaves a small placeholder holding plain
data (which history, which revisions, which options) and its index entries,
which Sphinx collects at read time; a post-transform builds the nodes when
the page is written, one page at a time, from the same snapshot the page was
read from (:mod:`.store`).  The domain's objects are noted at read time as
before, so references resolve across pages.

For Sphinx's own HTML translator the nodes are not made at all: the page
gets the HTML they would become (:mod:`.html_text`).

Docstrings parsed as reST and ``:sql:`` are rendered at read time instead:
the first needs the directive's parser state, the second runs Alembic and
warns at the directive's line.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from docutils import nodes
from docutils.utils import new_document
from sphinx import addnodes
from sphinx.errors import NoUri
from sphinx.transforms.post_transforms import ReferencesResolver, SphinxPostTransform
from sphinx.util import logging

from sphinxcontrib_cliche.loading import collector_paused
from sphinxcontrib_cliche.render.operations import reference_target
from sphinxcontrib_cliche.sphinx.compat import builder_of, double_anchor_page
from sphinxcontrib_cliche.sphinx.doctree import (
    OperationLink,
    OwnLink,
    RenderOptions,
    history_nodes,
    index_node,
)
from sphinxcontrib_cliche.sphinx.freeing import built_unscanned, take_apart
from sphinxcontrib_cliche.sphinx.html_text import (
    HtmlOptions,
    OperationHtml,
    OwnHref,
    history_html,
    permalink,
    writes_html_itself,
)
from sphinxcontrib_cliche.sphinx.making import element, text_element
from sphinxcontrib_cliche.sphinx.store import CachedHistory, StaleHistory, shown_history

if TYPE_CHECKING:
    from sphinx.application import Sphinx
    from sphinx.config import Config
    from sphinx.writers.html5 import HTML5Translator

    from sphinxcontrib_cliche.model.history import History, Node
    from sphinxcontrib_cliche.source.locations import Locations
    from sphinxcontrib_cliche.source.operations import Operation
    from sphinxcontrib_cliche.sphinx.domain import ClicheDomain

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Shown:
    """What a placeholder stands for: plain data, pickled with the doctree."""

    history: str  # the digest of its source key (:func:`.store.key_digest`)
    name: str
    revisions: tuple[str, ...]
    index: bool
    operations: bool
    downgrade: bool


class cliche_revisions(nodes.General, nodes.Element):
    """Placeholder for the revisions of one directive (``shown``: :class:`Shown`).

    Its children are the revisions' index entries, so the index is complete
    before anything is written; the whole node is replaced at write time.
    """


def placeholder(shown: Shown, nodes_shown: Sequence[Node]) -> cliche_revisions:
    node = cliche_revisions(shown=shown)
    if shown.index:
        node.extend(index_node(shown.name, revision.revision) for revision in nodes_shown)
    return node


class RenderRevisions(SphinxPostTransform):
    """Replace each placeholder with the revisions' nodes, first of the
    post-transforms: theirs may concern the revisions (LaTeX's URL footnotes).
    In HTML, where the page's translator allows, with their HTML instead
    (:mod:`.html_text`)."""

    # before ReferencesResolver (10): operations may link through intersphinx
    default_priority = 1
    #: After Sphinx's own post-transforms (:class:`RenderRevisionsForHTML`).
    late = False

    def is_supported(self) -> bool:
        return (builder_of(self).format == "html") == self.late

    def run(self, **kwargs: Any) -> None:
        # A page of 500 revisions is some 40,000 new nodes (200,000 objects): left
        # to the collector, they would be scanned as they age and then trigger
        # full collections of the whole heap.  Where the page is freed once
        # written, or kept for a forked writer in a frozen build (:mod:`.freeing`),
        # they skip the collector altogether.
        domain = cast("ClicheDomain", self.env.get_domain("cliche"))
        promote = built_unscanned(builder_of(self), domain)
        with collector_paused(promote=promote, frozen=domain.frozen):
            placeholders = list(self.document.findall(cliche_revisions))
            for node in placeholders:
                node.replace_self(self._render(node))
                take_apart(node)  # its index entries are made again with the revisions
        operations = any(node["shown"].operations for node in placeholders)
        if self.late and operations and links_through_intersphinx(self.config):
            ReferencesResolver(self.document).apply()  # their names, left pending

    def _render(self, node: cliche_revisions) -> list[nodes.Node]:
        shown: Shown = node["shown"]
        domain = cast("ClicheDomain", self.env.get_domain("cliche"))
        try:
            history, cached = shown_history(domain, shown.history, shown.name, shown.revisions)
        except StaleHistory as stale:
            return self._stale(node, str(stale))
        revisions = [history.get(revision) for revision in shown.revisions]
        if self._writes_html_itself(shown):
            options = HtmlOptions(
                name=shown.name,
                index=shown.index,
                display_path=display_path(cached.locations),
                own_href=self._own_href(domain, shown.name),
                operation_html=self._operation_html(node) if shown.operations else None,
                downgrade=shown.downgrade,
                permalink=permalink(builder_of(self)),
                label_owners=history.label_owners,
            )
            return [nodes.raw("", history_html(revisions, options), format="html")]
        return history_nodes(revisions, self._options(shown, domain, cached, history))

    def _writes_html_itself(self, shown: Shown) -> bool:
        """HTML text instead of nodes (:mod:`.html_text`), where the page's writer
        is known to write the nodes as that text."""
        builder = builder_of(self)
        return self.late and writes_html_itself(builder, external_links=shown.operations)

    def _operation_html(self, placeholder: nodes.Element) -> OperationHtml:
        """Operation names as HTML: each made as the nodes make it, resolved
        where it links through intersphinx, and written by the page's
        translator, once a page for each operation."""
        make_link = operation_linker(self.config)
        links: dict[tuple[str, str], str] = {}

        def link(operation: Operation, text: str) -> str:
            key = (operation.name, text)
            if key not in links:
                links[key] = self._written(make_link(operation, text), placeholder)
            return links[key]

        return link

    def _written(self, link: nodes.Node, placeholder: nodes.Element) -> str:
        """An inline node as the page's translator writes it, resolved first if it
        is a pending reference (a warning points at the directive)."""
        builder = builder_of(self)
        paragraph = nodes.paragraph("", "", link)
        if isinstance(link, addnodes.pending_xref):
            paragraph.source, paragraph.line = placeholder.source, placeholder.line
            self.document += paragraph  # where the resolver looks, for as long as it looks
            try:
                ReferencesResolver(self.document).apply()
            finally:
                self.document.remove(paragraph)
        scratch = new_document(paragraph.source or "", builder.docsettings)  # type: ignore[attr-defined]
        translator = cast("HTML5Translator", builder.create_translator(scratch, builder))
        for child in paragraph.children:
            child.walkabout(translator)
        return "".join(translator.body)

    def _options(
        self, shown: Shown, domain: ClicheDomain, cached: CachedHistory, history: History
    ) -> RenderOptions:
        return RenderOptions(
            name=shown.name,
            index=shown.index,
            display_path=display_path(cached.locations),
            operation_link=operation_linker(self.config) if shown.operations else None,
            downgrade=shown.downgrade,
            own_link=self._own_linker(domain, shown.name),
            domain_class=self.late,
            label_owners=history.label_owners,
        )

    def _own_href(self, domain: ClicheDomain, history: str) -> OwnHref:
        """:meth:`_own_linker` as an ``href`` and title, each page's relative URI
        asked of the builder once."""
        builder, docname = builder_of(self), self.env.docname
        uris: dict[str, str | None] = {}
        single_page = double_anchor_page(builder)

        def href(typ: str, name: str) -> tuple[str, str] | None:
            target = domain.own_target(history, typ, name)
            if target is None:
                return None
            if target.docname == docname:
                return f"#{target.anchor}", target.message
            if target.docname not in uris:
                try:
                    uris[target.docname] = builder.get_relative_uri(docname, target.docname)
                except NoUri:  # the builder does not write the target's document
                    uris[target.docname] = None
            uri = uris[target.docname]
            if uri is None:
                return None
            if single_page is not None and "#" in uri:
                return f"{single_page}#{target.anchor}", target.message
            return f"{uri}#{target.anchor}", target.message

        return href

    def _own_linker(self, domain: ClicheDomain, history: str) -> OwnLink:
        """Every document is read by now, so the history's own links are made
        here as the resolver would make them, and a link to nowhere stays text."""
        builder, docname = builder_of(self), self.env.docname

        def link(typ: str, name: str, label: nodes.Node) -> nodes.Node:
            try:
                reference = domain.own_reference(builder, docname, history, typ, name, label)
            except NoUri:  # the builder does not write the target's document
                return label
            return label if reference is None else reference

        return link

    def _stale(self, node: cliche_revisions, why: str) -> list[nodes.Node]:
        """Revisions read for the page but gone when it is written (the files
        changed during the build, or the environment was damaged): the next
        build reads the page again and puts it right."""
        text = f"Cannot show the revisions read for this page: {why}. Build again."
        logger.warning(text, type="cliche", subtype="render", location=node)
        return [nodes.paragraph(text, text, classes=["cliche-stale"])]


class RenderRevisionsForHTML(RenderRevisions):
    """For HTML, the revisions are made after Sphinx's own post-transforms.

    Those have nothing to do in the revisions (no images, code blocks, aliases
    or ``only`` nodes), yet each would walk a page's 40,000 nodes: some 8 s
    of a 10,000-revision build.  What two of them would do is done here: the
    signatures carry their domain's class (``PropagateDescDomain``), and
    operation links through intersphinx go to Sphinx's resolver.  The history's
    own links are made finished anyway.  Written as HTML text, the revisions
    have their operation links made, resolved and written one by one instead.
    """

    # after Sphinx's own; the last of them, TrimDoctestFlagsTransform, is 401
    default_priority = 450
    late = True


def links_through_intersphinx(config: Config) -> bool:
    mapping = getattr(config, "intersphinx_mapping", None) or {}
    return "alembic" in mapping


def operation_linker(config: Config) -> OperationLink:
    """Operation names link to Alembic's Operation Reference: through intersphinx
    when the project maps ``alembic``, else by URL (``cliche_alembic_docs_url``)."""
    intersphinx = links_through_intersphinx(config)
    base_url = config.cliche_alembic_docs_url

    def link(operation: Operation, text: str) -> nodes.Node:
        target = reference_target(operation)
        label = text_element(nodes.literal, text, ["cliche-op"])
        if intersphinx:
            return addnodes.pending_xref(
                "", label, refdomain="py", reftype="meth", reftarget=target, refexplicit=True
            )
        return element(nodes.reference, [label], refuri=f"{base_url}#{target}", internal=False)

    return link


def display_path(locations: Locations) -> Callable[[str], str]:
    """Paths as the reader knows them: relative to the folder above the history."""
    base = Path(locations.root).parent
    # the reader's paths are absolute and normal: most need only their prefix cut
    prefix = str(base).rstrip("/") + "/" if os.sep == "/" else None

    def display(path: str) -> str:
        if prefix and path.startswith(prefix) and "/." not in path and "//" not in path:
            return path[len(prefix) :]
        return Path(os.path.relpath(path, base)).as_posix()

    return display


def register(app: Sphinx) -> None:
    app.add_node(cliche_revisions)
    app.add_post_transform(RenderRevisions)
    app.add_post_transform(RenderRevisionsForHTML)
