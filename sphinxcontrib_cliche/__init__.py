"""Render an Alembic revision history in Sphinx, and gate builds on a single head.

The Sphinx entry point lives here so that ``extensions = ["sphinxcontrib_cliche"]``
works, but Sphinx itself is imported only when Sphinx calls :func:`setup`: the
core (``source``, ``model``, ``checks``, ``render``) and the ``cliche`` command
must stay importable without Sphinx or docutils.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sphinx.application import Sphinx

__version__ = "0.1.0"


def setup(app: Sphinx) -> dict[str, Any]:
    """Register the extension with Sphinx (imported lazily, see the module doc)."""
    from sphinxcontrib_cliche.sphinx.extension import setup as setup_extension

    return dict(setup_extension(app))
