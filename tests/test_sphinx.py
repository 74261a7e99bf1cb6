"""Real Sphinx builds of test roots, and the HTML that comes out."""

from __future__ import annotations

import gc
import os
import re
import shutil
import textwrap
import weakref
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from alembic_oracle import alembic_view
from bs4 import BeautifulSoup
from conftest import MIGRATIONS
from sphinx import addnodes

from sphinxcontrib_cliche.sphinx import freeing, store
from sphinxcontrib_cliche.sphinx import revisions as rendering
from sphinxcontrib_cliche.sphinx.domain import ClicheDomain
from sphinxcontrib_cliche.sphinx.gate import ClicheBuildError
from sphinxcontrib_cliche.sphinx.graph import cliche_graph
from sphinxcontrib_cliche.sphinx.revisions import cliche_revisions
from sphinxcontrib_cliche.testing.histories import Shape, generate

ROOTS = Path(__file__).parent / "roots"
SEED_ORDER = ["2d8e07def2", "1ed82ef0071", "1344c33541b", "2d8b17e13d1", "27e81ea4d86"]

pytestmark = pytest.mark.sphinx

#: Sphinx 7.4 prints a warning's [type.subtype] only when asked (the default from 8.0).
SHOW_TYPES = {"show_warning_types": True}


@pytest.fixture(scope="session")
def rootdir() -> Path:
    return ROOTS


Builder = Callable[..., Any]


@pytest.fixture
def build(make_app: Callable[..., Any], tmp_path: Path) -> Builder:
    """Copy a test root to a private srcdir (roots are read-only), build it, return the app."""

    def run(
        root: str,
        buildername: str = "html",
        config: Path | None = MIGRATIONS / "alembic.ini",
        **kwargs: Any,
    ) -> Any:
        srcdir = tmp_path / f"src-{root}"
        if not srcdir.exists():
            shutil.copytree(ROOTS / f"test-{root}", srcdir)
        overrides = {**SHOW_TYPES, **kwargs.pop("confoverrides", {})}
        if config is not None:
            overrides.setdefault("cliche_config", str(config))
        app = make_app(buildername, srcdir=srcdir, confoverrides=overrides, **kwargs)
        app.build()
        return app

    return run


_ANSI = re.compile(r"\x1b\[[0-9;]*m")


def as_nodes(monkeypatch: pytest.MonkeyPatch) -> None:
    """HTML builds make the revisions as nodes, as for a theme's own translator
    (instead of writing them as HTML text, :mod:`.html_text`)."""
    monkeypatch.setattr(rendering, "writes_html_itself", lambda builder, **_: False)


def warnings_of(app: Any) -> str:
    """The build's warnings without colour codes or the harness's own noise.

    Two apps in one process (the second build of a test) re-register Sphinx's
    nodes; those ``app.add_*`` warnings come from the test harness, not from us.
    """
    lines = _ANSI.sub("", app.warning.getvalue()).splitlines()
    return "\n".join(line for line in lines if "already registered" not in line)


def soup(app: Any, page: str = "index.html") -> BeautifulSoup:
    return BeautifulSoup((Path(app.outdir) / page).read_text(encoding="utf-8"), "html.parser")


def revision_blocks(page: BeautifulSoup) -> dict[str, Any]:
    return {dl.dt["id"].split("-", 2)[2]: dl for dl in page.select("dl.cliche-revision")}


def two_heads(migrations: Path) -> None:
    path = migrations / "versions" / "2d8e07def2_add_nationality_column_to_people_table.py"
    text = path.read_text().replace(
        "down_revision = '1ed82ef0071'", "down_revision = '1344c33541b'"
    )
    path.write_text(text.replace("Revises: 1ed82ef0071", "Revises: 1344c33541b"))


def test_seed_history(build: Builder) -> None:
    app = build("history")
    assert warnings_of(app) == ""
    page = soup(app)
    blocks = revision_blocks(page)
    assert list(blocks) == SEED_ORDER
    assert blocks["2d8e07def2"]["class"] == ["cliche", "revision", "cliche-revision", "cliche-head"]
    assert "cliche-base" in blocks["27e81ea4d86"]["class"]
    head = blocks["2d8e07def2"]
    assert "Add nationality column to people table" in head.dt.get_text()
    assert head.dt.select_one("a.headerlink")["href"] == "#cliche-migrations-2d8e07def2"
    fields = {
        dt.get_text().rstrip(":"): dd.get_text().strip() and dd
        for dt, dd in zip(
            head.select("dt.field-odd, dt.field-even"),
            head.select("dd.field-odd, dd.field-even"),
            strict=True,
        )
    }
    assert fields["Parents"].a["href"] == "#cliche-migrations-1ed82ef0071"
    assert (
        fields["File"].get_text().strip()
        == "migrations/versions/2d8e07def2_add_nationality_column_to_people_table.py"
    )
    assert fields["Created"].get_text().strip() == "2014-08-08 02:38:45.072148"
    assert str(MIGRATIONS) not in page.get_text()  # no absolute path of this machine
    # the role, by full id and by prefix
    links = [
        a["href"]
        for a in page.select("p a.reference.internal")
        if "cliche-migrations" in a.get("href", "")
    ]
    assert "#cliche-migrations-2d8e07def2" in links and "#cliche-migrations-1ed82ef0071" in links
    genindex = (Path(app.outdir) / "genindex.html").read_text()
    assert "2d8e07def2 (Alembic revision)" in genindex


def test_objects_inventory(build: Builder) -> None:
    from sphinx.util.inventory import InventoryFile

    app = build("history")
    with (Path(app.outdir) / "objects.inv").open("rb") as stream:
        inventory = InventoryFile.load(
            stream, "https://example.invalid", lambda base, uri: f"{base}/{uri}"
        )
    revisions = inventory["cliche:revision"]
    entry = revisions["migrations:1ed82ef0071"]
    location = entry.uri if hasattr(entry, "uri") else entry[2]
    assert location.endswith("index.html#cliche-migrations-1ed82ef0071")
    assert "1ed82ef0071" in revisions


def test_two_heads_fail_the_build(build: Builder, migrations_copy: Path) -> None:
    two_heads(migrations_copy)
    with pytest.raises(ClicheBuildError) as error:
        build("history", config=migrations_copy / "alembic.ini")
    message = str(error.value)
    assert "2 heads" in message
    assert "1ed82ef0071 (Add dod column to Person)" in message
    assert "2d8e07def2 (Add nationality column to people table)" in message
    assert "change down_revision from '1344c33541b' to '1ed82ef0071'" in message
    assert "alembic merge" in message


def test_two_heads_fail_again_when_nothing_changed(
    build: Builder, migrations_copy: Path, tmp_path: Path
) -> None:
    """The gate runs on every build, not only when the page is read."""
    two_heads(migrations_copy)
    app = build(
        "history",
        config=migrations_copy / "alembic.ini",
        confoverrides={"cliche_multiple_heads": "warning"},
    )
    assert "multiple-heads" in warnings_of(app)
    with pytest.raises(ClicheBuildError):
        build("history", config=migrations_copy / "alembic.ini", freshenv=False)


def test_two_heads_warning_and_ignore(build: Builder, migrations_copy: Path) -> None:
    two_heads(migrations_copy)
    app = build(
        "history",
        config=migrations_copy / "alembic.ini",
        confoverrides={"cliche_multiple_heads": "warning"},
    )
    warnings = warnings_of(app)
    assert re.search(r"index\.rst:8: WARNING: the history has 2 heads", warnings)
    assert warnings.rstrip().endswith("[cliche.multiple-heads]")
    blocks = revision_blocks(soup(app))
    assert (
        "cliche-head" in blocks["1ed82ef0071"]["class"]
        and "cliche-head" in blocks["2d8e07def2"]["class"]
    )
    assert "cliche-branchpoint" in blocks["1344c33541b"]["class"]
    (Path(app.srcdir) / "index.rst").write_text((Path(app.srcdir) / "index.rst").read_text())
    quiet = build(
        "history",
        config=migrations_copy / "alembic.ini",
        confoverrides={"cliche_multiple_heads": "ignore"},
        freshenv=True,
    )
    assert "multiple-heads" not in warnings_of(quiet)


def test_suppress_warnings_silences_the_subtype(build: Builder, migrations_copy: Path) -> None:
    two_heads(migrations_copy)
    app = build(
        "history",
        config=migrations_copy / "alembic.ini",
        confoverrides={
            "cliche_multiple_heads": "warning",
            "suppress_warnings": ["cliche.multiple-heads"],
        },
    )
    assert warnings_of(app) == ""


@pytest.mark.parametrize("seed", [3, 11, 42, 77, 123])
def test_marks_match_alembic_flags(build: Builder, tmp_path: Path, seed: int) -> None:
    folder = generate(
        seed, Shape(revisions=40, branch=0.2, merge=0.25, label=0.2, depends=0.1)
    ).write(tmp_path / "hist")
    expected = alembic_view(folder)
    app = build("history", config=folder, confoverrides={"cliche_multiple_heads": "ignore"})
    blocks = revision_blocks(soup(app))
    assert list(blocks) == list(expected.order)
    for revision, block in blocks.items():
        classes = set(block["class"])
        assert ("cliche-head" in classes) == (revision in expected.heads)
        assert ("cliche-base" in classes) == (revision in expected.bases)
        assert ("cliche-branchpoint" in classes) == (revision in expected.branchpoints)
        assert ("cliche-mergepoint" in classes) == (revision in expected.mergepoints)


def test_escaping(build: Builder, tmp_path: Path) -> None:
    versions = tmp_path / "evil" / "versions"
    versions.mkdir(parents=True)
    (versions / "e1.py").write_text(
        '"""<script>alert(1)</script> & "quotes"\n\n.. raw:: html\n\n   <script>alert(2)</script>\n\n'
        '**not bold** `not code`\n"""\nrevision = "e1"\ndown_revision = None\nbranch_labels = ("<b>label</b>",)\n'
        "def upgrade():\n    pass\ndef downgrade():\n    pass\n"
    )
    app = build("history", config=tmp_path / "evil", confoverrides={"suppress_warnings": ["ref"]})
    page = soup(app)
    assert page.find("script", string=re.compile("alert")) is None
    text = page.select_one("dl.cliche-revision").get_text()
    assert '<script>alert(1)</script> & "quotes"' in text
    assert ".. raw:: html" in text and "**not bold**" in text
    assert "<b>label</b>" in text
    assert page.select_one("dl.cliche-revision b") is None


def test_docstrings_rst_opt_in(build: Builder, tmp_path: Path) -> None:
    versions = tmp_path / "doc" / "versions"
    versions.mkdir(parents=True)
    (versions / "d1.py").write_text(
        '"""Title\n\nSome **bold** words.\n"""\nrevision = "d1"\ndown_revision = None\n'
    )
    srcdir = tmp_path / "src-history"
    shutil.copytree(ROOTS / "test-history", srcdir)
    (srcdir / "index.rst").write_text(".. cliche-history::\n   :docstrings: rst\n")
    (srcdir / "other.rst").unlink()
    app = build("history", config=tmp_path / "doc")
    assert soup(app).select_one("dl.cliche-revision strong").get_text() == "bold"


def test_range_limit_order_branch(build: Builder, tmp_path: Path) -> None:
    srcdir = tmp_path / "src-history"
    shutil.copytree(ROOTS / "test-history", srcdir)
    (srcdir / "index.rst").write_text(
        textwrap.dedent(
            """\
            .. cliche-history::
               :range: 1344c33541b:head
               :order: oldest-first

            .. cliche-history::
               :limit: 2
               :no-index:
            """
        )
    )
    (srcdir / "other.rst").unlink()
    app = build("history")
    assert warnings_of(app) == ""
    page = soup(app)
    first, second = page.select("div.cliche-history")
    assert [dl.dt["id"] for dl in first.select("dl.cliche-revision")] == [
        "cliche-migrations-1344c33541b",
        "cliche-migrations-1ed82ef0071",
        "cliche-migrations-2d8e07def2",
    ]
    assert [
        dl.select_one(".sig-name").get_text() for dl in second.select("dl.cliche-revision")
    ] == ["2d8e07def2", "1ed82ef0071"]
    assert all(not dl.dt.has_attr("id") for dl in second.select("dl.cliche-revision"))


def test_own_links_lead_to_that_revision_or_nowhere(
    build: Builder, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A parent outside the ``:range:`` stays text, even when it is a prefix of a
    rendered id; knowing that once every page is read, the page does not even
    hand Sphinx a reference to resolve in vain."""
    versions = tmp_path / "prefix" / "versions"
    versions.mkdir(parents=True)
    for rev, down in (("abcd", None), ("abcdef", "abcd"), ("ffff", "abcdef")):
        (versions / f"{rev}.py").write_text(
            f'"""Step {rev}"""\nrevision = {rev!r}\ndown_revision = {down!r}\n'
        )
    srcdir = tmp_path / "src-history"
    shutil.copytree(ROOTS / "test-history", srcdir)
    (srcdir / "index.rst").write_text(".. cliche-history::\n   :range: abcdef:head\n")
    (srcdir / "other.rst").unlink()
    resolved: list[str] = []
    real_resolve = ClicheDomain.resolve_xref

    def resolve(self: ClicheDomain, *args: Any) -> Any:
        resolved.append(args[4])
        return real_resolve(self, *args)

    monkeypatch.setattr(ClicheDomain, "resolve_xref", resolve)
    app = build("history", config=tmp_path / "prefix")
    assert warnings_of(app) == ""
    blocks = revision_blocks(soup(app))
    assert sorted(blocks) == ["abcdef", "ffff"]
    parents = blocks["abcdef"].select_one("dl.cliche-fields dd")
    assert parents.get_text(strip=True) == "abcd" and parents.find("a") is None
    link = blocks["ffff"].select_one("dl.cliche-fields dd a")
    assert link["href"] == "#cliche-prefix-abcdef"
    assert link["title"] == "Step abcdef"  # the title Sphinx's resolver would give
    children = blocks["abcdef"].select("dl.cliche-fields dd")[1].select("a")
    assert [a["href"] for a in children] == ["#cliche-prefix-ffff"]
    # the links were made finished when the page was written: none reached the resolver
    assert resolved == []


@pytest.mark.parametrize("buildername", ["html", "singlehtml", "epub"])
def test_written_revisions_are_freed_without_the_cycle_collector(
    make_app: Callable[..., Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, buildername: str
) -> None:
    """Made as nodes, every other ``html-page-context`` handler sees the revisions
    and graphs whole; then, the page written, reference counting frees them: a
    large history's pages do not wait for full cycle collections."""
    as_nodes(monkeypatch)
    seen: list[str] = []
    refs: list[weakref.ref[Any]] = []

    def look(app: Any, pagename: str, template: str, context: Any, doctree: Any) -> None:
        if doctree is None:
            return
        for desc in doctree.findall(addnodes.desc):
            seen.append(desc[0]["ids"][0])
            refs.append(weakref.ref(desc))
        for graph in doctree.findall(cliche_graph):
            seen.append(f"graph of {len(graph.children)} links")
            refs.extend(weakref.ref(link) for link in graph.children)

    srcdir = tmp_path / "src"
    shutil.copytree(ROOTS / "test-graph", srcdir)
    overrides = {**SHOW_TYPES, "cliche_config": str(MIGRATIONS / "alembic.ini")}
    app = make_app(buildername, srcdir=srcdir, confoverrides=overrides)
    app.connect("html-page-context", look)
    gc.collect()
    gc.disable()  # whatever is freed now is freed by reference counting
    try:
        app.build()
        alive = [ref() for ref in refs if ref() is not None]
    finally:
        gc.enable()
    revisions = [f"cliche-migrations-{revision}" for revision in SEED_ORDER]
    assert seen == [*revisions, "graph of 5 links", "graph of 5 links"]
    assert alive == []
    page = "index.xhtml" if buildername == "epub" else "index.html"
    assert list(revision_blocks(soup(app, page))) == SEED_ORDER


@pytest.mark.parametrize("frozen_before", [False, True])
def test_a_large_history_is_frozen_from_the_collector_for_the_build(
    make_app: Callable[..., Any],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    frozen_before: bool,
) -> None:
    """Read when the builder starts, it lives for the whole build: its objects
    are frozen, so that the build's full collections do not walk them, and
    unfrozen when it ends; objects frozen by someone else are left as they are."""
    monkeypatch.setattr(freeing, "FREEZE_FROM", 1)  # as if the chain were large
    during: list[tuple[int, bool]] = []

    def look(app: Any, env: Any) -> None:
        during.append((gc.get_freeze_count(), env.get_domain("cliche").froze))

    srcdir = tmp_path / "src"
    shutil.copytree(ROOTS / "test-pages", srcdir)
    overrides = {**SHOW_TYPES, "cliche_config": str(_chain(tmp_path / "history", 7))}
    app = make_app("html", srcdir=srcdir, confoverrides=overrides)
    app.connect("env-updated", look)
    if frozen_before:
        gc.freeze()
    try:
        before = gc.get_freeze_count()
        app.build()
        after = gc.get_freeze_count()
    finally:
        gc.unfreeze()
    (count, froze) = during[0]
    assert count > 0  # frozen while the documents were read
    if frozen_before:  # left frozen for whoever froze them
        assert not froze and after > 0
    else:
        assert froze and before == after == 0
    assert warnings_of(app) == ""


def test_a_dependency_on_a_branch_label_links_to_its_revision(
    build: Builder, tmp_path: Path
) -> None:
    versions = tmp_path / "labels" / "versions"
    versions.mkdir(parents=True)
    for rev, down, labels, depends in (
        ("a1", None, ("core",), None),
        ("b1", None, None, "core"),
        ("b2", "b1", None, ("a1", "core")),
    ):
        (versions / f"{rev}.py").write_text(
            f'"""Step {rev}"""\nrevision = {rev!r}\ndown_revision = {down!r}\n'
            f"branch_labels = {labels!r}\ndepends_on = {depends!r}\n"
        )
    srcdir = tmp_path / "src-history"
    shutil.copytree(ROOTS / "test-history", srcdir)
    (srcdir / "index.rst").write_text(".. cliche-history::\n   :multiple-heads: ignore\n")
    (srcdir / "other.rst").unlink()
    app = build("history", config=tmp_path / "labels")
    assert warnings_of(app) == ""
    blocks = revision_blocks(soup(app))
    for revision, shown in (("b1", ["core"]), ("b2", ["a1", "core"])):
        names = blocks[revision].select("dl.cliche-fields > dt")
        bodies = blocks[revision].select("dl.cliche-fields > dd")
        field = next(
            dd
            for dt, dd in zip(names, bodies, strict=True)
            if dt.get_text(strip=True).startswith("Depends on")
        )
        links = field.select("a")
        assert [a.get_text() for a in links] == shown  # as written
        assert {a["href"] for a in links} == {"#cliche-labels-a1"}  # the label's revision


def test_branch_option(build: Builder, tmp_path: Path) -> None:
    versions = tmp_path / "labels" / "versions"
    versions.mkdir(parents=True)
    for rev, down, labels in (
        ("a1", None, ("core",)),
        ("a2", "a1", None),
        ("b1", None, ("extra",)),
        ("b2", "b1", None),
    ):
        (versions / f"{rev}.py").write_text(
            f"revision = {rev!r}\ndown_revision = {down!r}\nbranch_labels = {labels!r}\n"
        )
    srcdir = tmp_path / "src-history"
    shutil.copytree(ROOTS / "test-history", srcdir)
    (srcdir / "index.rst").write_text(
        ".. cliche-history::\n   :branch: extra\n\nSee :cliche:rev:`extra@head`.\n"
    )
    (srcdir / "other.rst").unlink()
    app = build(
        "history", config=tmp_path / "labels", confoverrides={"cliche_multiple_heads": "ignore"}
    )
    page = soup(app)
    assert list(revision_blocks(page)) == ["b2", "b1"]
    assert page.select_one("p a[href='#cliche-labels-b2']") is not None
    assert warnings_of(app) == ""


def test_unknown_reference_warns_with_location(build: Builder, tmp_path: Path) -> None:
    srcdir = tmp_path / "src-history"
    shutil.copytree(ROOTS / "test-history", srcdir)
    (srcdir / "other.rst").write_text("Other\n=====\n\nSee :cliche:rev:`ffffffff`.\n")
    app = build("history")
    assert re.search(
        r"other\.rst:4: WARNING: Alembic revision 'ffffffff' is not a revision rendered.*\[cliche\.ref\]",
        warnings_of(app),
    )


def test_two_pages_no_duplicate_warnings(build: Builder) -> None:
    app = build("two-pages")
    assert warnings_of(app) == ""
    recent = soup(app, "recent.html")
    assert recent.select_one("a[href='index.html#cliche-migrations-27e81ea4d86']") is not None


def test_myst(build: Builder) -> None:
    pytest.importorskip("myst_parser")
    app = build("myst")
    assert warnings_of(app) == ""
    page = soup(app)
    assert list(revision_blocks(page)) == list(reversed(SEED_ORDER))
    assert page.select_one("a[href='#cliche-migrations-2d8e07def2']") is not None


@pytest.mark.parametrize(
    "buildername", ["html", "dirhtml", "singlehtml", "latex", "text", "man", "epub"]
)
def test_every_builder(build: Builder, buildername: str) -> None:
    app = build("history", buildername)
    assert warnings_of(app) == ""
    outputs = [
        p
        for p in Path(app.outdir).rglob("*")
        if p.suffix in (".html", ".xhtml", ".tex", ".txt", ".1")
    ]
    text = "\n".join(p.read_text(encoding="utf-8") for p in outputs)
    assert "2d8e07def2" in text
    assert "head" in text and "base" in text
    assert "Add nationality column to people table" in text
    # the fields and operations, built when the page is written, reach every builder
    assert "1ed82ef0071_add_dod_column_to_person.py" in text.replace("\\_", "_")
    assert re.search(r"add(?:\s|<[^>]+>)+column", text)  # spans between the words in HTML


def _html_without_noise(app: Any) -> dict[str, str]:
    pages = {}
    for path in sorted(Path(app.outdir).rglob("*.html")):
        text = path.read_text(encoding="utf-8")
        pages[path.name] = re.sub(r"\?v=[0-9a-f]+", "", text)
    return pages


def test_parallel_build_is_identical(
    build: Builder, make_app: Callable[..., Any], tmp_path: Path
) -> None:
    serial = build("two-pages")
    srcdir = tmp_path / "parallel"
    shutil.copytree(ROOTS / "test-two-pages", srcdir)
    parallel = make_app(
        "html",
        srcdir=srcdir,
        confoverrides={**SHOW_TYPES, "cliche_config": str(MIGRATIONS / "alembic.ini")},
        parallel=2,
    )
    parallel.build()
    assert warnings_of(parallel) == ""
    assert _html_without_noise(parallel) == _html_without_noise(serial)


def test_second_build_reads_nothing(build: Builder, make_app: Callable[..., Any]) -> None:
    app = build("history")
    domain = app.env.get_domain("cliche")
    reads = dict(domain.reads)
    assert list(reads.values()) == [1]
    again = make_app(
        "html",
        srcdir=Path(app.srcdir),
        confoverrides={**SHOW_TYPES, "cliche_config": str(MIGRATIONS / "alembic.ini")},
        freshenv=False,
    )
    assert list(again.builder.get_outdated_docs()) == []
    assert again.builder.read() == []
    again.build()
    assert dict(again.env.get_domain("cliche").reads) == reads


def rebuilder(
    make_app: Callable[..., Any], app: Any, config: Path
) -> Callable[[], tuple[list[str], Any]]:
    """Build ``app``'s project again (same environment): the documents it read, and it."""

    def rebuild() -> tuple[list[str], Any]:
        overrides = {**SHOW_TYPES, "cliche_config": str(config)}
        again = make_app("html", srcdir=Path(app.srcdir), confoverrides=overrides, freshenv=False)
        read: list[str] = []
        again.connect("env-before-read-docs", lambda app, env, docnames: read.extend(docnames))
        again.build()
        return sorted(read), again

    return rebuild


def test_incremental_edit_add_delete(
    build: Builder, make_app: Callable[..., Any], migrations_copy: Path
) -> None:
    app = build("history", config=migrations_copy / "alembic.ini")
    rebuild = rebuilder(make_app, app, migrations_copy / "alembic.ini")

    target = migrations_copy / "versions" / "1ed82ef0071_add_dod_column_to_person.py"
    target.write_text(
        target.read_text().replace("Add dod column to Person", "Add date of death to Person")
    )
    updated, again = rebuild()
    assert updated == ["index"]
    assert "Add date of death to Person" in soup(again).get_text()

    (migrations_copy / "versions" / "9f9f9f9f_more.py").write_text(
        '"""Add more"""\nrevision = "9f9f9f9f"\ndown_revision = "2d8e07def2"\n'
    )
    updated, again = rebuild()
    assert updated == ["index"]
    assert next(iter(revision_blocks(soup(again)))) == "9f9f9f9f"

    (migrations_copy / "versions" / "9f9f9f9f_more.py").unlink()
    updated, again = rebuild()
    assert updated == ["index"]
    assert "9f9f9f9f" not in revision_blocks(soup(again))

    updated, _ = rebuild()
    assert updated == []


def test_setup_metadata() -> None:
    from sphinxcontrib_cliche.sphinx.extension import setup

    class App:
        def __getattr__(self, name: str) -> Callable[..., None]:
            return lambda *args, **kwargs: None

    metadata = setup(App())  # type: ignore[arg-type]
    assert metadata["parallel_read_safe"] is True and metadata["parallel_write_safe"] is True
    assert metadata["env_version"] >= 1 and metadata["version"]


def test_no_absolute_paths_in_doctrees(build: Builder) -> None:
    app = build("history")
    doctree = (Path(app.doctreedir) / "index.doctree").read_bytes()
    assert os.fsencode(str(MIGRATIONS)) not in doctree


def test_revisions_are_built_when_written(build: Builder) -> None:
    """The doctree Sphinx keeps after reading holds a placeholder (plain data and
    the index entries), not the revisions' nodes; they are built when written."""
    app = build("history")
    read = app.env.get_doctree("index")
    assert not list(read.findall(addnodes.desc))
    placeholders = list(read.findall(cliche_revisions))
    assert [node["shown"].revisions for node in placeholders] == [tuple(SEED_ORDER)]
    entries = [node["entries"][0][1] for node in read.findall(addnodes.index)]
    assert entries == [f"{revision} (Alembic revision)" for revision in SEED_ORDER]

    assert list(revision_blocks(soup(app))) == SEED_ORDER


def _forget_history(app: Any, env: Any) -> None:
    """The environment damaged between reading and writing."""
    env.get_domain("cliche").snapshots.clear()


def _delete_head(app: Any, env: Any) -> None:
    """The head's file deleted during the build, and the kept records lost with it."""
    domain = env.get_domain("cliche")
    domain.reports.clear()
    for kept in (Path(env.doctreedir) / "cliche").glob("*.pickle"):
        kept.unlink()
    config = Path(next(iter(domain.snapshots.values())).locations.config_file)
    next((config.parent / "versions").glob(f"{SEED_ORDER[0]}_*.py")).unlink()


@pytest.mark.parametrize(
    ("forget", "why", "left"),
    [
        (_forget_history, "the history 'migrations' is no longer known", SEED_ORDER),
        (_delete_head, f"revisions no longer in the history: {SEED_ORDER[0]}", SEED_ORDER[1:]),
    ],
)
def test_revisions_lost_before_writing_warn(
    make_app: Callable[..., Any],
    tmp_path: Path,
    migrations_copy: Path,
    forget: Callable[[Any, Any], None],
    why: str,
    left: list[str],
) -> None:
    """What vanished between reading and writing is named, not skipped, and the
    next build reads the page again."""
    srcdir = tmp_path / "src"
    shutil.copytree(ROOTS / "test-history", srcdir)
    overrides = {**SHOW_TYPES, "cliche_config": str(migrations_copy / "alembic.ini")}
    app = make_app("html", srcdir=srcdir, confoverrides=overrides)
    app.connect("env-updated", forget)
    app.build()
    warnings = warnings_of(app)
    assert f"Cannot show the revisions read for this page: {why}. Build again." in warnings
    assert "[cliche.render]" in warnings and "index.rst" in warnings
    stale = soup(app).select_one("p.cliche-stale")
    assert stale is not None and why in stale.get_text()

    again = make_app("html", srcdir=srcdir, confoverrides=overrides)
    again.build()
    assert soup(again).select_one("p.cliche-stale") is None
    assert list(revision_blocks(soup(again))) == left


def test_every_option_is_documented() -> None:
    from sphinxcontrib_cliche.sphinx.directives import OPTION_HELP, HistoryDirective

    assert set(OPTION_HELP) == set(HistoryDirective.option_spec)


def test_ambiguous_reference_names_the_candidates(build: Builder, tmp_path: Path) -> None:
    srcdir = tmp_path / "src-history"
    shutil.copytree(ROOTS / "test-history", srcdir)
    shutil.copytree(
        MIGRATIONS / "versions",
        srcdir / "copy" / "versions",
        ignore=shutil.ignore_patterns("__pycache__"),
    )
    (srcdir / "other.rst").write_text(
        "Other\n=====\n\n.. cliche-history:: copy\n\nSee :cliche:rev:`27e81ea4d86`.\n"
    )
    app = build("history")
    warnings = warnings_of(app)
    assert "could be copy:27e81ea4d86, migrations:27e81ea4d86" in warnings
    assert "[cliche.ref]" in warnings


# --- histories split into pages ------------------------------------------------------


def _chain(folder: Path, count: int, start: int = 0) -> Path:
    """A straight line of revisions r0000 -> r0001 -> ... in ``folder/versions``."""
    versions = folder / "versions"
    versions.mkdir(parents=True, exist_ok=True)
    for index in range(start, start + count):
        parent = f"r{index - 1:04d}" if index else None
        (versions / f"r{index:04d}.py").write_text(
            f'"""Step {index}"""\nrevision = "r{index:04d}"\ndown_revision = {parent!r}\n'
        )
    return folder


def _page_revisions(app: Any, page: int) -> list[str]:
    return list(revision_blocks(soup(app, f"index-revisions/page-{page}.html")))


def _build_pages(
    build: Builder, tmp_path: Path, root: str, revisions: int, **kwargs: Any
) -> tuple[Any, Path]:
    """Build ``root`` on a chain of ``revisions``: the app and the history's folder."""
    history = _chain(tmp_path / "history", revisions)
    app = build(root, config=history, **kwargs)
    assert warnings_of(app) == ""
    return app, history


def _page_sources(app: Any) -> list[str]:
    return sorted(p.name for p in (Path(app.srcdir) / "index-revisions").iterdir())


def test_pages(build: Builder, tmp_path: Path) -> None:
    app, _ = _build_pages(build, tmp_path, "pages", 7)
    assert _page_sources(app) == ["page-1.rst", "page-2.rst", "page-3.rst"]
    # page 1 holds the oldest revisions; each page lists newest first
    assert _page_revisions(app, 1) == ["r0002", "r0001", "r0000"]
    assert _page_revisions(app, 2) == ["r0005", "r0004", "r0003"]
    assert _page_revisions(app, 3) == ["r0006"]

    overview = soup(app)
    assert "7 revisions on 3 pages of up to 3" in overview.get_text()
    pages = [a["href"] for a in overview.select("div.cliche-pages a.reference")]
    assert pages == [f"index-revisions/page-{n}.html" for n in (3, 2, 1)]
    # the graph of all the pages' revisions, each box linking into its page
    assert overview.select_one("img.cliche-graph")["alt"] == "Revision graph of history"
    assert [area["href"] for area in overview.select("map area")] == [
        "index-revisions/page-3.html#cliche-history-r0006",
        "index-revisions/page-1.html#cliche-history-r0001",
        "index-revisions/page-1.html#cliche-history-r0000",
    ]
    # references and the history's own links resolve across pages
    roles = {a.get_text(): a["href"] for a in overview.select("div.body p a.reference")}
    assert roles["r0000"] == "index-revisions/page-1.html#cliche-history-r0000"
    assert roles["r0006"] == "index-revisions/page-3.html#cliche-history-r0006"
    parent = revision_blocks(soup(app, "index-revisions/page-2.html"))["r0003"]
    assert parent.select_one("a.reference")["href"] == "page-1.html#cliche-history-r0002"
    nav = soup(app, "index-revisions/page-2.html").select_one("p.cliche-pages-nav")
    assert "Revisions 4\u20136" in nav.get_text() and "page 2 of 3" in nav.get_text()
    assert [a["href"] for a in nav.select("a")] == ["../index.html", "page-3.html", "page-1.html"]


def test_pages_rebuild_only_what_changed(
    build: Builder, make_app: Callable[..., Any], tmp_path: Path
) -> None:
    app, history = _build_pages(build, tmp_path, "pages", 7)
    srcdir = Path(app.srcdir)
    rebuild = rebuilder(make_app, app, history)

    updated, again = rebuild()
    assert updated == []
    assert list(again.env.get_domain("cliche").reads.values()) == [1]  # no file read again

    _chain(history, 1, start=7)  # r0007 on top: the newest page and the overview
    updated, again = rebuild()
    assert updated == ["index", "index-revisions/page-3"]
    assert _page_revisions(again, 3) == ["r0007", "r0006"]

    step = history / "versions" / "r0001.py"
    step.write_text(step.read_text().replace("Step 1", "Step one"))
    updated, again = rebuild()
    assert updated == ["index", "index-revisions/page-1"]  # the graph on the overview shows it
    assert "Step one" in soup(again, "index-revisions/page-1.html").get_text()

    with step.open("a") as handle:
        handle.write("# a comment changes nothing shown\n")
    updated, _ = rebuild()
    assert updated == []

    for index in (5, 6, 7):  # back to two pages: the third page's source goes away
        (history / "versions" / f"r{index:04d}.py").unlink()
    updated, again = rebuild()
    assert not (srcdir / "index-revisions" / "page-3.rst").exists()
    assert "index-revisions/page-2" in updated
    assert _page_revisions(again, 2) == ["r0004", "r0003"]


def test_a_paged_history_is_checked_once_a_build(
    build: Builder, make_app: Callable[..., Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each page loads the history; its files are stat-checked once a build, not
    once a page (pages x files system calls on a large history)."""
    from sphinxcontrib_cliche.sphinx import store

    app, history = _build_pages(build, tmp_path, "pages", 7)
    checks: list[int] = []
    real_check = store.is_current

    def counted(cached: store.CachedHistory) -> bool:
        checks.append(cached.generation)
        return real_check(cached)

    monkeypatch.setattr(store, "is_current", counted)
    rebuild = rebuilder(make_app, app, history)
    step = history / "versions" / "r0001.py"
    step.write_text(step.read_text().replace("Step 1", "Step one"))
    updated, again = rebuild()
    assert updated == ["index", "index-revisions/page-1"]  # two directives loaded it
    assert "Step one" in soup(again, "index-revisions/page-1.html").get_text()
    # the pages' writer finds the change and reads it again, the outdated check
    # confirms that read; the two directives check nothing
    assert checks == [1, 2]

    checks.clear()
    _chain(history, 1, start=7)  # the next build in the same process sees the change
    updated, again = rebuild()
    assert updated == ["index", "index-revisions/page-3"]
    assert _page_revisions(again, 3) == ["r0007", "r0006"]
    assert len(checks) == 2


def test_pages_in_myst(build: Builder, tmp_path: Path) -> None:
    app, _ = _build_pages(build, tmp_path, "pages-myst", 5)
    assert _page_sources(app) == ["page-1.md", "page-2.md"]
    assert _page_revisions(app, 2) == ["r0004", "r0003"]
    link = soup(app).select_one("div.body p a.reference")
    assert link["href"] == "index-revisions/page-1.html#cliche-history-r0000"


def test_page_needs_per_page(build: Builder, tmp_path: Path) -> None:
    history = _chain(tmp_path / "history", 2)
    srcdir = tmp_path / "src-pages"
    shutil.copytree(ROOTS / "test-pages", srcdir)
    (srcdir / "index.rst").write_text("Pages\n=====\n\n.. cliche-history::\n   :page: 2\n")
    app = build("pages", config=history)
    assert ":page: needs :per-page:" in warnings_of(app)
    assert "[cliche.pages]" in warnings_of(app)


# pickles that raise on loading: a call with wrong arguments, a class that is gone
_DAMAGED = (b"cbuiltins\nint\n(S'x'\nS'y'\nS'z'\ntR.", b"csphinxcontrib_cliche\nGone\n.")


@pytest.mark.parametrize("damage", [None, *_DAMAGED])
def test_snapshot_kept_beside_the_doctrees(
    build: Builder, make_app: Callable[..., Any], tmp_path: Path, damage: bytes | None
) -> None:
    """The environment keeps stamps and findings, not the records; a page rendered
    again after the kept records are gone (or damaged) reads the history once more."""
    app, history = _build_pages(build, tmp_path, "pages", 7)
    kept = list((Path(app.doctreedir) / "cliche").glob("*.pickle"))
    assert len(kept) == 1
    cached = next(iter(app.env.get_domain("cliche").snapshots.values()))
    assert not hasattr(cached, "snapshot") and len(cached.stamps) == 7

    if damage is None:
        kept[0].unlink()
    else:
        kept[0].write_bytes(damage)
    index = Path(app.srcdir) / "index.rst"
    index.write_text(index.read_text().replace("The oldest", "Here, the oldest"))
    updated, again = rebuilder(make_app, app, history)()
    assert updated == ["index"]
    assert warnings_of(again) == ""
    assert "7 revisions on 3 pages" in soup(again).get_text()


@pytest.mark.parametrize(("copy_fails", "parallel"), [(False, 1), (True, 1), (False, 2)])
def test_snapshot_pickled_by_a_forked_copy(
    build: Builder,
    make_app: Callable[..., Any],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    copy_fails: bool,
    parallel: int,
) -> None:
    """A large history's records are pickled by a forked copy while the pages are
    read (by Sphinx's forked readers too); the build ends only once they are kept
    (by this process, if the copy failed), and the next build finds them without
    reading the history again."""
    monkeypatch.setattr(store, "KEEP_APART_FROM", 1)  # as if the chain were large
    monkeypatch.setattr(store, "usable_cores", lambda: 2)
    parent = os.getpid()
    writers: list[int] = []
    real_write = store._write_kept

    def write(target: Path, snapshot: Any) -> None:
        if os.getpid() != parent and copy_fails:
            raise OSError("disk full")
        writers.append(os.getpid())  # seen here only when this process writes
        real_write(target, snapshot)

    monkeypatch.setattr(store, "_write_kept", write)
    # twenty revisions: eight documents, enough for Sphinx to read them in parallel
    app, history = _build_pages(build, tmp_path, "pages", 20, parallel=parallel)
    domain = app.env.get_domain("cliche")
    assert domain.keeping == {}  # settled when the build finished
    assert writers == ([parent] if copy_fails else [])
    assert len(list((Path(app.doctreedir) / "cliche").glob("*.pickle"))) == 1

    index = Path(app.srcdir) / "index.rst"
    index.write_text(index.read_text().replace("The oldest", "Here, the oldest"))
    read_again: list[object] = []
    monkeypatch.setattr(store, "read_snapshot", lambda *args: read_again.append(args))
    updated, again = rebuilder(make_app, app, history)()
    assert updated == ["index"]
    assert warnings_of(again) == ""
    assert read_again == []  # the records came from the pickle


@pytest.mark.parametrize("copy_fails", [False, True])
def test_reading_cache_kept_by_the_forked_copy(
    build: Builder, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, copy_fails: bool
) -> None:
    """Keeping the reading cache is work nobody waits for: the copy that pickles
    the snapshot keeps it too (this process, if the copy failed), before the
    build ends, and the command line then reads no file again."""
    from sphinxcontrib_cliche.loading import load
    from sphinxcontrib_cliche.source import reader
    from sphinxcontrib_cliche.source.cache import ReadingCache

    monkeypatch.setattr(store, "KEEP_APART_FROM", 1)  # as if the chain were large
    monkeypatch.setattr(store, "usable_cores", lambda: 2)
    monkeypatch.setenv("CLICHE_CACHE_DIR", str(tmp_path / "cache"))
    history = _chain(tmp_path / "history", 7)
    an_hour_ago = os.stat(history).st_mtime - 3600  # older than a racy read
    for path in (history / "versions").iterdir():
        os.utime(path, (an_hour_ago, an_hour_ago))
    parent = os.getpid()
    savers: list[int] = []
    real_save = ReadingCache.save

    def save(cache: ReadingCache) -> None:
        if os.getpid() != parent and copy_fails:
            raise OSError("disk full")
        savers.append(os.getpid())  # seen here only when this process saves
        real_save(cache)

    monkeypatch.setattr(ReadingCache, "save", save)
    app = build("pages", config=history)
    assert warnings_of(app) == ""
    assert savers == ([parent] if copy_fails else [])
    assert len(list((tmp_path / "cache").glob("*.pickle"))) == 1

    reads: list[str] = []
    real_read = reader.read_bytes
    monkeypatch.setattr(reader, "read_bytes", lambda path: reads.append(path) or real_read(path))
    assert len(load(history).snapshot.records) == 7
    assert reads == []


def test_pages_parallel_build_is_identical(
    build: Builder, make_app: Callable[..., Any], tmp_path: Path
) -> None:
    """Eight documents, so that Sphinx really reads them in parallel."""
    serial, history = _build_pages(build, tmp_path, "pages", 20)
    srcdir = tmp_path / "parallel"
    shutil.copytree(ROOTS / "test-pages", srcdir)
    parallel = make_app(
        "html",
        srcdir=srcdir,
        confoverrides={**SHOW_TYPES, "cliche_config": str(history)},
        parallel=2,
    )
    parallel.build()
    assert warnings_of(parallel) == ""
    assert len(_page_sources(parallel)) == 7
    assert _html_without_noise(parallel) == _html_without_noise(serial)
    assert list(parallel.env.get_domain("cliche").reads.values()) == [1]


@pytest.mark.parametrize("large", [True, False])
def test_pages_kept_for_parallel_writers_are_frozen_from_the_collector(
    make_app: Callable[..., Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, large: bool
) -> None:
    """In a parallel HTML build the main process resolves every page and keeps it
    for a forked writer: a large history's revisions are built among the objects
    frozen for the build (no full collection walks them), unfrozen when it ends;
    a small history's are left to the collector.  (Revisions made as nodes: as
    HTML text, a page holds one node a history.)"""
    as_nodes(monkeypatch)
    if large:
        monkeypatch.setattr(freeing, "FREEZE_FROM", 1)
    parent = os.getpid()
    resolved: list[tuple[int, int]] = []  # (revisions, frozen objects) as each page is

    def look(app: Any, doctree: Any, docname: str) -> None:
        if os.getpid() == parent:
            revisions = len(list(doctree.findall(addnodes.desc)))
            resolved.append((revisions, gc.get_freeze_count()))

    srcdir = tmp_path / "src"
    shutil.copytree(ROOTS / "test-pages", srcdir)
    overrides = {**SHOW_TYPES, "cliche_config": str(_chain(tmp_path / "history", 20))}
    app = make_app("html", srcdir=srcdir, confoverrides=overrides, parallel=2)
    app.connect("doctree-resolved", look)
    app.build()
    assert warnings_of(app) == ""
    assert app.builder.parallel_ok  # written by forked writers
    assert sum(revisions for revisions, _ in resolved) == 20  # every page resolved here
    frozen = [count for _, count in resolved]
    if large:
        # each later page's nodes (some eighty a revision) joined the frozen objects
        assert frozen[-1] - frozen[0] > 40 * 20
    else:
        assert set(frozen) == {0}
    assert gc.get_freeze_count() == 0  # the build unfroze what it froze


def test_paged_directives_are_found_in_rest_and_myst() -> None:
    from sphinxcontrib_cliche.sphinx.pages import paged_directives

    rest = (
        "Title\n=====\n\n.. note::\n\n   .. cliche-history:: ../alembic.ini\n"
        "      :per-page: 50\n      :range: a:b\n\n   text\n\n.. cliche-history::\n   :graph:\n"
    )
    (found,) = paged_directives(rest, markdown=False)
    assert found.argument == "../alembic.ini"
    assert found.options == (("per-page", "50"), ("range", "a:b"))
    myst = "# T\n\n````{cliche-history} /x.ini\n:per-page: 9\n:no-graph:\n````\n"
    (found,) = paged_directives(myst, markdown=True)
    assert (found.argument, found.option("per-page"), found.option("no-graph")) == (
        "/x.ini",
        "9",
        "",
    )


def test_two_paged_histories_in_one_document_warn(build: Builder, tmp_path: Path) -> None:
    history = _chain(tmp_path / "history", 4)
    srcdir = tmp_path / "src-pages"
    shutil.copytree(ROOTS / "test-pages", srcdir)
    paged = ".. cliche-history::\n   :per-page: 3\n   :no-index:\n"
    (srcdir / "index.rst").write_text(f"Pages\n=====\n\n{paged}\n{paged}")
    app = build("pages", config=history)
    assert "2 cliche-history directives with :per-page: in one document" in warnings_of(app)
    assert "index.rst: WARNING" in warnings_of(app) and "[cliche.pages]" in warnings_of(app)
    assert _page_sources(app) == ["page-1.rst", "page-2.rst"]
