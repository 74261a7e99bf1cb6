"""Sphinx configuration of sphinxcontrib-cliche's own documentation."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent / "_ext"))

from sphinxcontrib_cliche import __version__

project = "sphinxcontrib-cliche"
author = "the sphinxcontrib-cliche developers"
copyright = f"2026, {author}"
version = release = __version__

extensions = [
    "sphinx.ext.autodoc",
    "myst_parser",
    "sphinxcontrib_cliche",
    "cliche_docs",
]

# The history of this repository's example project, rendered on the example pages.
cliche_config = "../migrations/alembic.ini"

# The two-heads page shows the marks of a broken history on purpose.
suppress_warnings = ["cliche.multiple-heads"]

graphviz_output_format = "svg"

html_theme = "furo"
html_title = "sphinxcontrib-cliche"
html_static_path = ["_static"]
exclude_patterns = ["_build", "snippets", "examples"]
nitpicky = True
# The standard library's classes, without intersphinx (the build runs offline).
nitpick_ignore_regex = [(r"py:.*", r"(datetime|pathlib|enum|ast)\..*")]
autodoc_member_order = "bysource"
autodoc_typehints = "description"
myst_enable_extensions = ["colon_fence"]
