"""The getting-started page's snippets, built as a project of their own."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from bs4 import BeautifulSoup
from conftest import MIGRATIONS, PROJECT

SNIPPETS = PROJECT / "docs" / "snippets"


@pytest.mark.sphinx
def test_getting_started_snippets_build(make_app: Any, tmp_path: Path) -> None:
    # the layout the page describes: alembic.ini one folder above docs/conf.py
    project = tmp_path / "project"
    shutil.copytree(MIGRATIONS, project, ignore=shutil.ignore_patterns("*.db", "__pycache__"))
    docs = project / "docs"
    docs.mkdir()
    shutil.copy(SNIPPETS / "conf.py", docs / "conf.py")
    shutil.copy(SNIPPETS / "index.rst", docs / "index.rst")
    app = make_app("html", srcdir=docs)
    app.build()
    assert app.warning.getvalue() == ""
    page = BeautifulSoup((Path(app.outdir) / "index.html").read_text(), "html.parser")
    assert len(page.select("dl.cliche-revision")) == 5
    assert page.select_one("dl.cliche-head .sig-name").get_text() == "2d8e07def2"
    assert page.select_one("p a[href='#cliche-project-2d8e07def2']") is not None


def test_snippets_are_what_the_page_shows() -> None:
    page = (PROJECT / "docs" / "getting-started.rst").read_text()
    assert "literalinclude:: snippets/conf.py" in page
    assert "literalinclude:: snippets/index.rst" in page
