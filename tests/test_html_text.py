"""The revisions written as HTML text are the HTML the translator writes for their nodes.

Each builder that writes HTML builds one project twice: as released (the
revisions written by :mod:`sphinxcontrib_cliche.sphinx.html_text`) and with
that path turned off (the nodes of :mod:`.doctree` through Sphinx's
translator).  Every page must come out byte for byte the same.
"""

from __future__ import annotations

import json
import re
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from conftest import write_alembic_inventory
from sphinx.writers.html5 import HTML5Translator

from sphinxcontrib_cliche.sphinx import html_text, revisions
from sphinxcontrib_cliche.testing.histories import Shape, generate

pytestmark = pytest.mark.sphinx

#: Files whose revisions show what escaping, spacing and linking must survive.
ODD_FILES = {
    "odd1_markup.py": '''\
        """Fix <b>bold</b> & "quotes" @ home,  twice\tspaced

        A docstring with <script>alert(1)</script> & an @ sign.

        Revision ID: odd1
        Revises:
        Create Date: 2024-02-29 10:00:00

        Its second   paragraph,
        over two lines.
        """
        from alembic import op
        import sqlalchemy as sa

        revision = "odd1"
        down_revision = None
        branch_labels = ("odd-branch",)


        def upgrade():
            op.drop_table("legacy <old>")
            op.execute("DELETE FROM  people  WHERE id = 1")
            op.rename_table("a_b", "c_d")
            op.create_index("ix_people_name", "people", ["name"])
            for name in ("x", "y"):
                op.add_column(name, sa.Column("z", sa.Integer()))
            if op.get_context().dialect.name == "sqlite":
                op.add_column("people", sa.Column("age", sa.Integer(), nullable=False))


        def downgrade():
            pass
        ''',
    "odd2_late.py": """\
        from alembic import op

        '''Docstring after the imports

        Alembic does not see it.'''
        revision = "odd2"
        down_revision = "odd1"
        depends_on = "odd-branch"


        def upgrade():
            op.add_column("people", op.f("x"))


        def downgrade():
            op.drop_column("people", "x")
        """,
    "odd3_quiet.py": """\
        revision = "odd3"
        down_revision = "odd2"


        def upgrade():
            pass
        """,
}

INDEX = """\
History
=======

.. cliche-history::
   :operations:
   :downgrade:
   :per-page: 40

.. toctree::

   recent
"""

RECENT = """\
Recent
======

.. cliche-history::
   :name: recent
   :limit: 12
   :operations:

The same, unindexed:

.. cliche-history::
   :no-index:
   :no-operations:
   :limit: 5
"""


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A generated history with every structure, the odd files, and two pages."""
    root = tmp_path_factory.mktemp("html-text")
    history = root / "history"
    shape = Shape(revisions=90, label=0.3, depends=0.2, merge=0.2, branch=0.2)
    generate(11, shape).write(history)
    for name, source in ODD_FILES.items():
        (history / "versions" / name).write_text(textwrap.dedent(source))
    (history / "alembic.ini").write_text("[alembic]\nscript_location = %(here)s\n")
    source = root / "src"
    source.mkdir()
    (source / "conf.py").write_text(
        'project = "Odd"\ncopyright = "2026, the authors"\nversion = release = "1.0"\n'
        'extensions = ["sphinxcontrib_cliche"]\n'
        f"cliche_config = {str(history / 'alembic.ini')!r}\n"
        'cliche_multiple_heads = "ignore"\n'
    )
    (source / "index.rst").write_text(INDEX)
    (source / "recent.rst").write_text(RECENT)
    return source


def _counted(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Count the histories written as HTML text."""
    written: list[int] = []
    history_html = html_text.history_html

    def counted(*args: Any, **kwargs: Any) -> str:
        written.append(1)
        return history_html(*args, **kwargs)

    monkeypatch.setattr(revisions, "history_html", counted)
    return written


def _never(builder: Any, *, external_links: bool) -> bool:
    return False


def _pages(outdir: Path) -> dict[str, str]:
    return {
        str(path.relative_to(outdir)): path.read_text(encoding="utf-8")
        for path in sorted(outdir.rglob("*"))
        if path.suffix in (".html", ".xhtml")
    }


def _build(
    make_app: Callable[..., Any],
    project: Path,
    buildername: str,
    outdir: Path,
    **overrides: Any,
) -> Any:
    app = make_app(
        buildername, srcdir=project, builddir=outdir, confoverrides=overrides, freshenv=True
    )
    app.build()
    lines = app.warning.getvalue().splitlines()
    assert [line for line in lines if "already registered" not in line] == []
    return app


@pytest.mark.parametrize(
    ("buildername", "overrides", "histories"),
    [
        ("html", {}, 5),
        ("dirhtml", {}, 5),
        ("singlehtml", {}, 5),
        ("epub", {"epub_show_urls": "no"}, 5),
        # the URLs it shows are added to the nodes when written: operations stay nodes
        ("epub", {}, 1),
    ],
    ids=["html", "dirhtml", "singlehtml", "epub", "epub-showing-urls"],
)
def test_text_is_what_the_translator_writes(
    make_app: Callable[..., Any],
    project: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    buildername: str,
    overrides: dict[str, str],
    histories: int,
) -> None:
    written = _counted(monkeypatch)
    text = _build(make_app, project, buildername, tmp_path / "text", **overrides)
    assert len(written) == histories  # of the five, those written as text
    monkeypatch.setattr(revisions, "writes_html_itself", _never)
    made = _build(make_app, project, buildername, tmp_path / "nodes", **overrides)
    text_pages, node_pages = _pages(Path(text.outdir)), _pages(Path(made.outdir))
    assert text_pages.keys() == node_pages.keys()
    shown = "".join(text_pages.values())
    for needle in ("odd1", "&lt;script&gt;", "cliche-recovered", "cliche-dynamic", "field-even"):
        assert needle in shown
    for name, page in text_pages.items():
        assert page == node_pages[name], name


@pytest.mark.parametrize(
    ("overrides", "histories"),
    [
        ({"html_permalinks": False}, 5),
        ({"html_permalinks_icon": "#", "language": "de"}, 5),
        ({"html_compact_lists": False}, 0),  # a case the text is not written for
        ({"cliche_alembic_docs_url": "https://example.org/ops?x=1&y=2"}, 5),
    ],
    ids=["no-permalinks", "icon-and-language", "lists-not-compact", "docs-url"],
)
def test_text_follows_the_settings(
    make_app: Callable[..., Any],
    project: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    overrides: dict[str, Any],
    histories: int,
) -> None:
    written = _counted(monkeypatch)
    text = _build(make_app, project, "html", tmp_path / "text", **overrides)
    assert len(written) == histories
    monkeypatch.setattr(revisions, "writes_html_itself", _never)
    made = _build(make_app, project, "html", tmp_path / "nodes", **overrides)
    assert _pages(Path(text.outdir)) == _pages(Path(made.outdir))


def test_operations_linked_through_intersphinx(
    make_app: Callable[..., Any], project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Operation names are resolved by Sphinx and written by its translator, once
    a page each; those the inventory lacks stay text, as they would."""
    inventory = tmp_path / "alembic.inv"
    write_alembic_inventory(inventory, ["add_column", "create_table", "drop_table"])

    def overrides() -> dict[str, Any]:  # new each build: intersphinx rewrites its mapping
        return {
            "extensions": ["sphinx.ext.intersphinx", "sphinxcontrib_cliche"],
            "intersphinx_mapping": {"alembic": ("https://alembic.example/", str(inventory))},
        }

    written = _counted(monkeypatch)
    text = _build(make_app, project, "html", tmp_path / "text", **overrides())
    assert len(written) == 5
    monkeypatch.setattr(revisions, "writes_html_itself", _never)
    made = _build(make_app, project, "html", tmp_path / "nodes", **overrides())
    pages = _pages(Path(text.outdir))
    assert pages == _pages(Path(made.outdir))
    shown = "".join(pages.values())
    assert "https://alembic.example/ops.html#alembic.operations.Operations.add_column" in shown
    assert '<code class="cliche-op docutils literal notranslate"><span class="pre">execute' in shown


def _terms(outdir: Path) -> set[str]:
    source = (outdir / "searchindex.js").read_text(encoding="utf-8")
    index = json.loads(source[source.index("(") + 1 : source.rindex(")")])
    return set(index["terms"])


def test_search_finds_the_same_words(
    make_app: Callable[..., Any], project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Sphinx indexes raw HTML by its text: every word the nodes gave is found,
    and the only words added are the names of character references."""
    text = _terms(Path(_build(make_app, project, "html", tmp_path / "text").outdir))
    monkeypatch.setattr(revisions, "writes_html_itself", _never)
    made = _terms(Path(_build(make_app, project, "html", tmp_path / "nodes").outdir))
    assert "bold" in made
    assert made <= text
    assert text - made <= {"lt", "gt", "amp", "quot", "64", "160"}


class OwnTranslator(HTML5Translator):
    """A theme's translator: it writes revisions its own way."""

    def visit_desc(self, node: Any) -> None:
        node["classes"].append("own-translator")
        super().visit_desc(node)


def test_a_translator_of_its_own_gets_the_nodes(
    make_app: Callable[..., Any], project: Path, tmp_path: Path
) -> None:
    app = make_app("html", srcdir=project, builddir=tmp_path, freshenv=True)
    app.set_translator("html", OwnTranslator, override=True)
    app.build()
    page = (Path(app.outdir) / "recent.html").read_text(encoding="utf-8")
    assert len(re.findall(r'<dl class="[^"]*cliche-revision[^"]*own-translator', page)) == 17


def test_a_handler_on_one_of_the_nodes_gets_the_nodes(
    make_app: Callable[..., Any], project: Path, tmp_path: Path
) -> None:
    app = make_app("html", srcdir=project, builddir=tmp_path, freshenv=True)
    app.add_node(
        html_text.nodes.field_name,
        override=True,
        html=(lambda self, node: self.body.append("<dt>[own]"), lambda self, node: None),
    )
    app.build()
    page = (Path(app.outdir) / "recent.html").read_text(encoding="utf-8")
    assert page.count("<dt>[own]Parents") == 17
