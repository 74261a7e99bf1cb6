"""What differs between the Sphinx versions supported (7.4 and newer)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import sphinx

if TYPE_CHECKING:
    from sphinx.application import Sphinx
    from sphinx.builders import Builder
    from sphinx.environment import BuildEnvironment
    from sphinx.transforms import SphinxTransform


def app_of(env: BuildEnvironment) -> Sphinx:
    """The application building ``env``.  Sphinx 9 deprecates ``env.app`` (and
    ``transform.app``) with no public replacement and reads the environment's
    ``_app`` in its own code, as this does; 7.4 has only the former."""
    app = getattr(env, "_app", None)
    return app if app is not None else env.app


def builder_of(transform: SphinxTransform) -> Builder:
    """The builder a transform runs for."""
    return app_of(transform.env).builder


def double_anchor_page(builder: Builder) -> str | None:
    """The page to which the builder rewrites each resolved link
    ``#document-x#anchor`` (as ``page#anchor``), if it does: ``singlehtml``
    before Sphinx 8.2 (``fix_refuris``)."""
    from sphinx.builders.singlehtml import SingleFileHTMLBuilder

    if not isinstance(builder, SingleFileHTMLBuilder) or sphinx.version_info >= (8, 2):
        return None
    return f"{builder.config.root_doc}{builder.out_suffix}"
