"""``setup()``: wires the directive, the domain, the gate and the style sheet."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from sphinxcontrib_cliche import __version__
from sphinxcontrib_cliche.sphinx import (
    config,
    drawing,
    freeing,
    gate,
    graph,
    pages,
    revisions,
    store,
)
from sphinxcontrib_cliche.sphinx.directives import (
    GraphDirective,
    HistoryDirective,
    TablesDirective,
)
from sphinxcontrib_cliche.sphinx.domain import ClicheDomain, warn_missing_revision

if TYPE_CHECKING:
    from sphinx.application import Sphinx
    from sphinx.config import Config
    from sphinx.util.typing import ExtensionMetadata

STATIC = Path(__file__).parent / "static"

#: Bump when the environment data of the ``cliche`` domain changes shape.
ENV_VERSION = 4


def _add_static(app: Sphinx, config: Config) -> None:
    """Our style sheet's folder, added before Sphinx compares the configuration with
    the pickled one (later, every build would look like a config change and
    rewrite every page)."""
    if str(STATIC) not in config.html_static_path:
        config.html_static_path.append(str(STATIC))


def setup(app: Sphinx) -> ExtensionMetadata:
    config.register(app)
    app.add_domain(ClicheDomain)
    app.add_directive("cliche-history", HistoryDirective)
    app.add_directive("cliche-graph", GraphDirective)
    app.add_directive("cliche-tables", TablesDirective)
    graph.register(app)
    revisions.register(app)
    drawing.register(app)
    freeing.register(app)
    app.add_css_file("cliche.css")
    app.connect("config-inited", _add_static)
    app.connect("builder-inited", pages.write_pages)
    app.connect("env-get-outdated", gate.outdated_documents)
    app.connect("env-updated", gate.check_histories)
    app.connect("warn-missing-reference", warn_missing_revision)
    app.connect("build-finished", store.finish)
    return {
        "version": __version__,
        "env_version": ENV_VERSION,
        "parallel_read_safe": True,
        "parallel_write_safe": True,
    }
