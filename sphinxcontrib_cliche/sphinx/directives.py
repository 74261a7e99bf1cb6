"""``.. cliche-history:: [PATH]``: a history rendered into a page."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, cast

from docutils import nodes
from docutils.parsers.rst import directives
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective

from sphinxcontrib_cliche.errors import ClicheError
from sphinxcontrib_cliche.loading import Loader, analyse
from sphinxcontrib_cliche.model.history import History, Node
from sphinxcontrib_cliche.source.locations import Locations, locate
from sphinxcontrib_cliche.sphinx.config import MULTIPLE_HEADS_POLICIES
from sphinxcontrib_cliche.sphinx.doctree import RenderOptions, anchor, history_nodes
from sphinxcontrib_cliche.sphinx.domain import RevisionObject, Usage
from sphinxcontrib_cliche.sphinx.store import load_cached, source_key

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
}


def _choice(values: Sequence[str]) -> Callable[[str], Any]:
    """An option converter that names the allowed values in its error."""

    def convert(argument: str) -> str:
        return str(directives.choice(argument, values))

    return convert


class HistoryDirective(SphinxDirective):
    """Render every revision of an Alembic history, newest first."""

    optional_arguments = 1
    final_argument_whitespace = True
    has_content = False
    option_spec: ClassVar[dict[str, Callable[[str], Any]]] = {
        "range": directives.unchanged_required,
        "limit": directives.positive_int,
        "order": _choice(ORDERS),
        "branch": directives.unchanged_required,
        "graph": directives.flag,
        "no-graph": directives.flag,
        "operations": directives.flag,
        "no-operations": directives.flag,
        "multiple-heads": _choice(MULTIPLE_HEADS_POLICIES),
        "docstrings": _choice(("text", "rst")),
        "name": directives.unchanged_required,
        "no-index": directives.flag,
        "loader": _choice(tuple(loader.value for loader in Loader)),
    }

    def run(self) -> list[nodes.Node]:
        try:
            locations = self._locations()
        except ClicheError as error:
            logger.warning(
                "cliche-history: %s",
                error,
                type="cliche",
                subtype="config",
                location=self.get_location(),
            )
            return []
        domain = cast("ClicheDomain", self.env.get_domain("cliche"))
        loader = Loader(self.options.get("loader", self.config.cliche_loader))
        snapshot = load_cached(domain, locations, loader)
        for stamp in snapshot.files:
            self.env.note_dependency(stamp.path)
        if locations.config_file:
            self.env.note_dependency(locations.config_file)
        report = analyse(snapshot)
        name = self.options.get("name") or history_name(locations)
        domain.note_usage(
            Usage(
                docname=self.env.docname,
                lineno=self.lineno,
                name=name,
                source_key=source_key(locations, loader),
                multiple_heads=self.options.get(
                    "multiple-heads", self.config.cliche_multiple_heads
                ),
            )
        )
        try:
            shown = self._select(report.history)
        except ClicheError as error:
            logger.warning(
                "cliche-history: %s",
                error,
                type="cliche",
                subtype="range",
                location=self.get_location(),
            )
            return []
        index = "no-index" not in self.options
        self._register(domain, report.history, shown, name, index)
        options = RenderOptions(
            name=name,
            index=index,
            display_path=_display_path(locations),
            parse_docstring=self._parse_rst if self.options.get("docstrings") == "rst" else None,
        )
        return history_nodes(shown, options)

    def _locations(self) -> Locations:
        recursive = bool(self.config.cliche_recursive)
        if self.arguments:
            _, path = self.env.relfn2path(self.arguments[0], self.env.docname)
            return locate(path, recursive=recursive)
        if not self.config.cliche_config:
            raise ClicheError("no PATH given and cliche_config is not set in conf.py")
        return locate(self.config.cliche_config, recursive=recursive)

    def _select(self, history: History) -> list[Node]:
        shown = list(history.range(self.options.get("range")))
        branch = self.options.get("branch")
        if branch:
            shown = [node for node in shown if branch in node.branch_names]
        if self.options.get("order") == "oldest-first":
            shown.reverse()
        limit = self.options.get("limit")
        return shown[:limit] if limit else shown

    def _register(
        self, domain: ClicheDomain, history: History, shown: list[Node], name: str, index: bool
    ) -> None:
        for node in history.nodes:
            for label in node.record.labels:
                domain.note_alias(name, label, node.revision)
        for head in history.heads:
            for label in history.get(head).branch_names:
                domain.note_alias(name, f"{label}@head", head)
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


def history_name(locations: Locations) -> str:
    """A history's default name: the folder of its config, else its script folder."""
    if locations.config_file is not None:
        folder = Path(locations.config_file).parent
    elif locations.script_dir is not None:
        folder = Path(locations.script_dir)
    else:
        folder = Path(locations.version_locations[0])
    return folder.name or "history"


def _display_path(locations: Locations) -> Callable[[str], str]:
    base = Path(locations.root).parent

    def display(path: str) -> str:
        return Path(os.path.relpath(path, base)).as_posix()

    return display
