"""``.. cliche-history::`` and ``.. cliche-graph::``: a history in a page."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, cast

from docutils import nodes
from docutils.parsers.rst import directives
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective

from sphinxcontrib_cliche.errors import ClicheError
from sphinxcontrib_cliche.loading import Loader, Report
from sphinxcontrib_cliche.model.history import History, Node
from sphinxcontrib_cliche.model.tables import table_histories
from sphinxcontrib_cliche.render.graph import DIRECTIONS, build_graph
from sphinxcontrib_cliche.source.locations import Locations, locate
from sphinxcontrib_cliche.source.offline import revision_sql
from sphinxcontrib_cliche.source.operations import Operation
from sphinxcontrib_cliche.sphinx.config import MULTIPLE_HEADS_POLICIES
from sphinxcontrib_cliche.sphinx.doctree import (
    RenderOptions,
    SqlRenderer,
    anchor,
    history_nodes,
    table_anchor,
    table_nodes,
)
from sphinxcontrib_cliche.sphinx.domain import RevisionObject, Usage
from sphinxcontrib_cliche.sphinx.drawing import GraphRead, Targets, draw_early, note_graph
from sphinxcontrib_cliche.sphinx.graph import Lanes, graph_node
from sphinxcontrib_cliche.sphinx.pages import (
    doc_link,
    overview_docname,
    page_docname,
    toctree_node,
)
from sphinxcontrib_cliche.sphinx.revisions import (
    Shown,
    display_path,
    operation_linker,
    placeholder,
)
from sphinxcontrib_cliche.sphinx.selection import (
    Selected,
    Selection,
    fingerprint,
    page_bounds,
    page_count,
    select,
)
from sphinxcontrib_cliche.sphinx.store import key_digest, load_cached, report_of, source_key

if TYPE_CHECKING:
    from sphinxcontrib_cliche.sphinx.domain import ClicheDomain

logger = logging.getLogger(__name__)

ORDERS = ("newest-first", "oldest-first")

#: One line of help per option; the reference page is generated from it.
OPTION_HELP = {
    "range": "Alembic range syntax ``[start]:[end]``, as ``alembic history -r``.",
    "limit": "Show at most N revisions (after the range and the order).",
    "order": "``newest-first`` (default, as ``alembic history``) or ``oldest-first``.",
    "branch": "Only revisions on the branch with this label.",
    "graph": "Draw the graph above the history (default: ``cliche_graph``).",
    "no-graph": "Do not draw the graph.",
    "operations": "List each revision's operations (default: ``cliche_operations``).",
    "no-operations": "Do not list operations.",
    "multiple-heads": "``error``, ``warning`` or ``ignore``; overrides ``cliche_multiple_heads``.",
    "docstrings": "``text`` (default: shown verbatim, never parsed) or ``rst`` (parsed as "
    "reST: only for histories you trust).",
    "name": "The history's name in references (default: the config's folder name).",
    "no-index": "Render without anchors, index entries or inventory objects (a second copy).",
    "loader": "``static`` (default) or ``alembic`` (imports the revision files).",
    "downgrade": "Also list each revision's downgrade operations.",
    "sql": "Show the SQL Alembic's offline mode writes for each revision, for this dialect "
    "(``sqlite``, ``postgresql``, ...). This runs env.py and the revision files: use it only "
    "for histories you trust.",
    "collapse": "Draw runs of plain revisions longer than N as one box, or ``none`` "
    "(default: ``cliche_graph_collapse``).",
    "direction": "``newest-top`` (default), ``oldest-top``, ``left-right`` or ``right-left``.",
    "per-page": "Split the history into generated pages of N revisions (page 1 holds the oldest); "
    "this page then shows the graph of all of them and a table of contents of the pages. "
    "The pages are written next to this document, in a folder named after it with "
    "``-revisions`` appended (add it to ``.gitignore``). One such directive per document.",
    "page": "With ``:per-page:``, show only page K. Written into the generated pages; not "
    "usually set by hand.",
}


def _choice(values: Sequence[str]) -> Callable[[str], Any]:
    """An option converter that names the allowed values in its error."""

    def convert(argument: str) -> str:
        return str(directives.choice(argument, values))

    return convert


def collapse_option(argument: str) -> int | None:
    """``none`` or a non-negative whole number."""
    if argument.strip().lower() == "none":
        return None
    return int(directives.nonnegative_int(argument))


@dataclass(frozen=True)
class Loaded:
    report: Report
    locations: Locations
    name: str
    domain: ClicheDomain
    key: str
    generation: int


class HistorySourceDirective(SphinxDirective):
    """Reads the history named by PATH (or ``cliche_config``) and records its use.

    The use is noted with a fingerprint of what the page shows: the gate
    judges the history again on every build and reads the page again only
    when that fingerprint changes (the page depends on the config file, not
    on the revision files).
    """

    optional_arguments = 1
    final_argument_whitespace = True
    has_content = False
    common_options: ClassVar[dict[str, Callable[[str], Any]]] = {
        "range": directives.unchanged_required,
        "limit": directives.positive_int,
        "multiple-heads": _choice(MULTIPLE_HEADS_POLICIES),
        "name": directives.unchanged_required,
        "loader": _choice(tuple(loader.value for loader in Loader)),
    }

    def load(self) -> Loaded:
        """The history, read once per build (see :mod:`.store`).

        The page does not depend on the revision files themselves: between
        builds, :func:`.gate.outdated_documents` compares what the page showed
        with what it would show now, so an edit elsewhere in a long history
        does not make every page be read again.
        """
        locations = self._locations()
        domain = cast("ClicheDomain", self.env.get_domain("cliche"))
        loader = Loader(self.options.get("loader", self.config.cliche_loader))
        cached = load_cached(domain, locations, loader)
        if locations.config_file:
            self.env.note_dependency(locations.config_file)
        name = self.options.get("name") or locations.name
        key = source_key(locations, loader)
        report = report_of(domain, key, cached)
        return Loaded(report, locations, name, domain, key, cached.generation)

    def selection(self) -> Selection:
        return Selection(
            range=self.options.get("range"),
            branch=self.options.get("branch"),
            newest_first=self.options.get("order") != "oldest-first",
            limit=self.options.get("limit"),
            per_page=self.options.get("per-page"),
            page=self.options.get("page"),
        )

    def use(self, loaded: Loaded, selection: Selection, selected: Selected | None) -> None:
        """Note the use for the gate, with a fingerprint of what the page shows."""
        policy = self.options.get("multiple-heads", self.config.cliche_multiple_heads)
        usage = Usage(
            self.env.docname,
            self.lineno,
            loaded.name,
            loaded.key,
            policy,
            selection,
            loaded.generation,
            fingerprint(loaded.report.history, selected, selection),
        )
        loaded.domain.note_usage(usage)

    def warn(self, error: ClicheError, subtype: str) -> list[nodes.Node]:
        logger.warning(
            "%s: %s",
            self.name,
            error,
            type="cliche",
            subtype=subtype,
            location=self.get_location(),
        )
        return []

    def select(self, loaded: Loaded, selection: Selection) -> Selected:
        """The revisions to show (raises ``ClicheError`` for a bad range), noted
        as this page's use of the history."""
        try:
            selected = select(loaded.report.history, selection)
        except ClicheError:
            self.use(loaded, selection, None)  # the gate still judges the history
            raise
        self.use(loaded, selection, selected)
        return selected

    def graph(
        self, loaded: Loaded, shown: list[Node], targets: Targets | None = None
    ) -> nodes.Node:
        """The graph of ``shown``; where its links are known already (``targets``),
        its picture is started at once (:func:`.draw_early`)."""
        history, name = loaded.report.history, loaded.name
        collapse = self.options.get("collapse", self.config.cliche_graph_collapse)
        newest_first = sorted(shown, key=lambda node: history.position(node.revision))
        graph = build_graph(history, newest_first, collapse)
        direction = self.options.get("direction", self.config.cliche_graph_direction)
        read = GraphRead(self.env.docname, graph, name, direction)
        note_graph(loaded.domain, read)
        if targets is not None:
            draw_early(self.env, read, targets)
        lanes = Lanes(key_digest(loaded.key), tuple(node.revision for node in newest_first))
        return graph_node(graph, name, direction, lanes)

    def _locations(self) -> Locations:
        recursive = bool(self.config.cliche_recursive)
        if self.arguments:
            _, path = self.env.relfn2path(self.arguments[0], self.env.docname)
            return locate(path, recursive=recursive)
        if not self.config.cliche_config:
            raise ClicheError("no PATH given and cliche_config is not set in conf.py")
        return locate(self.config.cliche_config, recursive=recursive)


class HistoryDirective(HistorySourceDirective):
    """Render every revision of an Alembic history, newest first."""

    option_spec: ClassVar[dict[str, Callable[[str], Any]]] = {
        **HistorySourceDirective.common_options,
        "order": _choice(ORDERS),
        "branch": directives.unchanged_required,
        "graph": directives.flag,
        "no-graph": directives.flag,
        "collapse": collapse_option,
        "direction": _choice(tuple(DIRECTIONS)),
        "operations": directives.flag,
        "no-operations": directives.flag,
        "downgrade": directives.flag,
        "sql": directives.unchanged_required,
        "docstrings": _choice(("text", "rst")),
        "no-index": directives.flag,
        "per-page": directives.positive_int,
        "page": directives.positive_int,
    }

    def run(self) -> list[nodes.Node]:
        if "page" in self.options and "per-page" not in self.options:
            return self.warn(ClicheError(":page: needs :per-page:"), "pages")
        try:
            loaded = self.load()
        except ClicheError as error:
            return self.warn(error, "config")
        history = loaded.report.history
        selection = self.selection()
        try:
            selected = self.select(loaded, selection)
        except ClicheError as error:
            return self.warn(error, "range")
        shown = selected.nodes
        if selection.is_overview:
            return self._overview(loaded, shown, selection)
        index = "no-index" not in self.options
        self._register(loaded.domain, history, shown, loaded.name, index)
        result: list[nodes.Node] = []
        if selection.page is not None:
            result.append(self._navigation(selected.total, selection))
        if self._wants_graph() and shown:
            result.append(self.graph(loaded, shown))
        result.extend(self._revisions(loaded, shown, index))
        return result

    def _revisions(self, loaded: Loaded, shown: list[Node], index: bool) -> list[nodes.Node]:
        """The revisions, or (usually) a placeholder built into them when the page is
        written (:mod:`.revisions`); reST docstrings and SQL are made here."""
        rst = self.options.get("docstrings") == "rst"
        if not rst and "sql" not in self.options:
            later = Shown(
                history=key_digest(loaded.key),
                name=loaded.name,
                revisions=tuple(node.revision for node in shown),
                index=index,
                operations=self._wants_operations(),
                downgrade="downgrade" in self.options,
            )
            return [placeholder(later, shown)]
        options = RenderOptions(
            name=loaded.name,
            index=index,
            display_path=display_path(loaded.locations),
            parse_docstring=self._parse_rst if rst else None,
            operation_link=operation_linker(self.config) if self._wants_operations() else None,
            downgrade="downgrade" in self.options,
            sql=self._sql_renderer(loaded.locations),
            label_owners=loaded.report.history.label_owners,
        )
        return history_nodes(shown, options)

    def _overview(
        self, loaded: Loaded, shown: list[Node], selection: Selection
    ) -> list[nodes.Node]:
        """A history split into pages: how many, the graph of all, the pages."""
        assert selection.per_page is not None
        count = page_count(len(shown), selection.per_page)
        summary = (
            f"{len(shown):,} revisions on {count:,} pages of up to {selection.per_page:,}, "
            + ("newest first." if selection.newest_first else "oldest first.")
        )
        result: list[nodes.Node] = [
            nodes.paragraph(summary, summary, classes=["cliche-pages-summary"])
        ]
        if self._wants_graph() and shown:
            places = self._places(loaded.name, shown, selection)
            result.append(self.graph(loaded, shown, places.get))
        numbers = range(count, 0, -1) if selection.newest_first else range(1, count + 1)
        docnames = [page_docname(self.env.docname, number) for number in numbers]
        result.append(toctree_node(self.env.docname, docnames))
        return result

    def _places(
        self, name: str, shown: list[Node], selection: Selection
    ) -> dict[str, RevisionObject]:
        """Where the pages will put each revision of the overview (page 1 holds
        the oldest): known before the pages are read.  Unindexed pages hold no
        place to link to."""
        assert selection.per_page is not None
        if "no-index" in self.options:
            return {}
        oldest_first = shown[::-1] if selection.newest_first else shown
        return {
            node.revision: RevisionObject(
                page_docname(self.env.docname, position // selection.per_page + 1),
                anchor(name, node.revision),
                node.record.message,
            )
            for position, node in enumerate(oldest_first)
        }

    def _navigation(self, total: int, selection: Selection) -> nodes.Node:
        """The page's place among the ``total`` revisions' pages, with links to its
        neighbours."""
        assert selection.per_page is not None and selection.page is not None
        count = page_count(total, selection.per_page)
        first, last = page_bounds(total, selection.per_page, selection.page)
        overview = overview_docname(self.env.docname)
        text = (
            f"Revisions {first:,}\u2013{last:,} (1 is the oldest), "
            f"page {selection.page} of {count}: "
        )
        paragraph = nodes.paragraph("", text, classes=["cliche-pages-nav"])
        links = [("all pages", overview)]
        if selection.page < count:
            links.append(("newer", page_docname(overview, selection.page + 1)))
        if selection.page > 1:
            links.append(("older", page_docname(overview, selection.page - 1)))
        for index, (label, docname) in enumerate(links):
            if index:
                paragraph += nodes.Text(" \u00b7 ")
            paragraph += doc_link(self.env.docname, docname, label)
        return paragraph

    def _wants_operations(self) -> bool:
        if "no-operations" in self.options:
            return False
        return "operations" in self.options or bool(self.config.cliche_operations)

    def _sql_renderer(self, locations: Locations) -> SqlRenderer | None:
        dialect = self.options.get("sql")
        if not dialect:
            return None
        config_file = locations.config_file
        if config_file is None:
            self.warn(ClicheError(":sql: needs an alembic.ini or pyproject.toml"), "sql")
            return None

        def render(node: Node) -> tuple[str | None, str | None]:
            try:
                return revision_sql(config_file, node.revision, node.parents, dialect), None
            except ClicheError as error:
                logger.warning(
                    "%s", error, type="cliche", subtype="sql", location=self.get_location()
                )
                return None, f"No SQL: {error}"

        return render

    def _wants_graph(self) -> bool:
        if "no-graph" in self.options:
            return False
        return "graph" in self.options or bool(self.config.cliche_graph)

    def _register(
        self, domain: ClicheDomain, history: History, shown: list[Node], name: str, index: bool
    ) -> None:
        # only what this page shows: a page of a long history is not read again
        # when a label elsewhere changes, so it must not hold other pages' aliases
        for node in shown:
            for label in node.record.labels:
                domain.note_alias(name, label, node.revision)
            if node.is_head:
                for label in node.branch_names:
                    domain.note_alias(name, f"{label}@head", node.revision)
        if not index:
            return
        for node in shown:
            obj = RevisionObject(self.env.docname, anchor(name, node.revision), node.record.message)
            domain.note_revision(name, node.revision, obj)

    def _parse_rst(self, text: str) -> list[nodes.Node]:
        from docutils.statemachine import StringList

        container = nodes.container()
        self.state.nested_parse(StringList(text.splitlines(), source="docstring"), 0, container)
        return list(container.children)


class TablesDirective(HistorySourceDirective):
    """For every table the history touches, the revisions that changed it, oldest first."""

    option_spec: ClassVar[dict[str, Callable[[str], Any]]] = {
        **HistorySourceDirective.common_options,
        "no-index": directives.flag,
    }

    def run(self) -> list[nodes.Node]:
        try:
            loaded = self.load()
            shown = {node.revision for node in self.select(loaded, self.selection()).nodes}
        except ClicheError as error:
            return self.warn(error, "config")
        index = "no-index" not in self.options
        result: list[nodes.Node] = []
        for table, changes in table_histories(loaded.report.history).items():
            changes = tuple(change for change in changes if change.node.revision in shown)
            if not changes:
                continue
            ident = table_anchor(loaded.name, table)
            if index:
                obj = RevisionObject(self.env.docname, ident, f"table {table}")
                loaded.domain.note_table(loaded.name, table, obj)
            options = RenderOptions(
                name=loaded.name,
                index=index,
                display_path=display_path(loaded.locations),
                operation_link=self._plain_link,
            )
            result.extend(table_nodes(table, changes, ident, options))
        return result

    def _plain_link(self, operation: Operation, text: str) -> nodes.Node:
        return nodes.Text(text)


class GraphDirective(HistorySourceDirective):
    """Draw the revision graph of an Alembic history."""

    option_spec: ClassVar[dict[str, Callable[[str], Any]]] = {
        **HistorySourceDirective.common_options,
        "collapse": collapse_option,
        "direction": _choice(tuple(DIRECTIONS)),
    }

    def run(self) -> list[nodes.Node]:
        try:
            loaded = self.load()
            shown = self.select(loaded, self.selection()).nodes
        except ClicheError as error:
            return self.warn(error, "config")
        if not shown:
            return []
        return [self.graph(loaded, shown)]
