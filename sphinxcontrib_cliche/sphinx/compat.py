"""What differs between the Sphinx versions supported (7.4 and newer)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sphinx.builders import Builder
    from sphinx.transforms import SphinxTransform


def builder_of(transform: SphinxTransform) -> Builder:
    """The builder a transform runs for.  Sphinx 9 deprecates ``transform.app``
    with no public replacement and reads the builder from the environment's
    application in its own transforms, as this does; 7.4 has only the former."""
    app = getattr(transform.env, "_app", None)
    return (app if app is not None else transform.app).builder
