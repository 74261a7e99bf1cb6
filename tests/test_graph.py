"""The revision graph: its boxes and edges, DOT accepted by the real ``dot``, SVG links."""

from __future__ import annotations

import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from alembic_oracle import alembic_view
from bs4 import BeautifulSoup
from conftest import MIGRATIONS

from sphinxcontrib_cliche.cli.main import main
from sphinxcontrib_cliche.loading import load
from sphinxcontrib_cliche.render.dot import to_dot
from sphinxcontrib_cliche.render.graph import build_graph
from sphinxcontrib_cliche.render.lanes import draw
from sphinxcontrib_cliche.sphinx import drawing
from sphinxcontrib_cliche.sphinx.graph import cliche_graph
from sphinxcontrib_cliche.testing.histories import Shape, generate

DOT = shutil.which("dot")
SVG = "{http://www.w3.org/2000/svg}"
XLINK_HREF = "{http://www.w3.org/1999/xlink}href"


def _svg(text: str) -> ET.Element:
    return ET.fromstring(text.encode())


needs_dot = pytest.mark.skipif(DOT is None, reason="Graphviz `dot` is not installed")
ROOTS = Path(__file__).parent / "roots"


def dot_json(source: str) -> dict[str, Any]:
    """Let the real ``dot`` parse the source and report what it understood."""
    import json

    assert DOT is not None
    result = subprocess.run(
        [DOT, "-Tjson0"], input=source, capture_output=True, text=True, check=True
    )
    return json.loads(result.stdout)  # type: ignore[no-any-return]


@needs_dot
@pytest.mark.parametrize("seed", range(0, 40, 4))
def test_one_box_per_revision_one_edge_per_link(seed: int, tmp_path: Path) -> None:
    folder = generate(seed, Shape(revisions=30, branch=0.2, merge=0.2, depends=0.1)).write(tmp_path)
    history = load(folder).history
    expected = alembic_view(folder)
    graph = build_graph(history, collapse=None)
    parsed = dot_json(to_dot(graph))
    names = {obj["name"] for obj in parsed["objects"]}
    assert names == set(expected.order)
    by_id = {obj["_gvid"]: obj["name"] for obj in parsed["objects"]}
    edges = {
        (by_id[e["tail"]], by_id[e["head"]], e.get("style") == "dashed")
        for e in parsed.get("edges", [])
    }
    parent_links = {(p, n.revision, False) for n in history.nodes for p in n.parents}
    assert {e for e in edges if not e[2]} == parent_links
    # a dependency on a branch label points at the revision Alembic resolves it to
    dependency_links = {(d, r, True) for r, deps in expected.dependencies.items() for d in deps}
    assert {e for e in edges if e[2]} == dependency_links
    for obj in parsed["objects"]:
        classes = set(obj.get("class", "").split())
        name = obj["name"]
        assert ("cliche-head" in classes) == (name in expected.heads)
        assert ("cliche-branchpoint" in classes) == (name in expected.branchpoints)
        assert ("cliche-mergepoint" in classes) == (name in expected.mergepoints)


def _linear(tmp_path: Path, count: int) -> Path:
    versions = tmp_path / "versions"
    versions.mkdir(parents=True)
    previous = None
    for index in range(count):
        revision = f"r{index:04d}"
        (versions / f"{revision}.py").write_text(
            f"revision = {revision!r}\ndown_revision = {previous!r}\n"
        )
        previous = revision
    return tmp_path


@needs_dot
def test_collapsing_keeps_structure(tmp_path: Path) -> None:
    history = load(_linear(tmp_path, 50)).history
    graph = build_graph(history, collapse=3)
    # base and head keep their boxes; the 48 plain revisions between become one run
    assert [box.key for box in graph.boxes] == ["r0049", "run-r0001", "r0000"]
    run = graph.boxes[1]
    assert (
        run.revisions[0] == "r0001" and run.revisions[-1] == "r0048" and run.link_target == "r0001"
    )
    assert "48 revisions" in run.label
    assert [(e.parent, e.child) for e in graph.edges] == [
        ("run-r0001", "r0049"),
        ("r0000", "run-r0001"),
    ]
    parsed = dot_json(to_dot(graph))
    assert len(parsed["objects"]) == 3
    assert build_graph(history, collapse=60).boxes[1].key == "r0048"  # shorter than the threshold


def test_box_cap(tmp_path: Path) -> None:
    history = load(_linear(tmp_path, 40)).history
    graph = build_graph(history, collapse=None, max_boxes=10)
    assert len(graph.boxes) == 10 and graph.omitted == 30
    assert "30 older revisions not drawn" in to_dot(graph)


@needs_dot
@pytest.mark.parametrize(
    "message",
    ['say "hi"', "back\\slash \\l", "<b>tags</b> & <script>", "{braces}", "two\nlines", "end\\"],
)
def test_escaping(tmp_path: Path, message: str) -> None:
    versions = tmp_path / "versions"
    versions.mkdir()
    (versions / "e1.py").write_text(
        f'{message!r}\nrevision = "e\\"1"\ndown_revision = None\n'.replace('"e\\"1"', "'e1'")
    )
    history = load(tmp_path).history
    source = to_dot(build_graph(history), urls={"e1": 'page.html#a"b'})
    assert DOT is not None
    svg = subprocess.run(
        [DOT, "-Tsvg"], input=source, capture_output=True, text=True, check=True
    ).stdout
    text = " ".join("".join(t.itertext()) for t in _svg(svg).iter(f"{SVG}text"))
    assert " ".join(message.split()) in text
    assert "<script>" not in svg


def test_text_drawing_of_the_seed_two_heads() -> None:
    history = load(Path(__file__).parent.parent / "docs" / "examples" / "two-heads").history
    assert list(draw(history.nodes)) == [
        "*  1ed82ef0071 (head) Add dod column to Person",
        "| *  2d8e07def2 (head) Add nationality column to people table",
        "| /",
        "*  1344c33541b (branchpoint) Add team_memberships table",
        "*  2d8b17e13d1 Add teams table",
        "*  27e81ea4d86 (base) Add people table",
    ]


def test_text_drawing_has_one_line_per_revision(tmp_path: Path) -> None:
    folder = generate(9, Shape(revisions=60, branch=0.2, merge=0.2)).write(tmp_path)
    history = load(folder).history
    # a revision's row: its lanes (one with the star), two spaces, its title
    rows = [line for line in draw(history.nodes) if "*" in line.partition("  ")[0]]
    assert [row.split("  ", 1)[1].split()[0] for row in rows] == list(history.order)


@needs_dot
def test_cli_graph_outputs(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ini = str(MIGRATIONS / "alembic.ini")
    assert main(["graph", "-c", ini]) == 0
    assert (
        capsys.readouterr().out.splitlines()[0]
        == "*  2d8e07def2 (head) Add nationality column to people table"
    )
    assert main(["graph", "-c", ini, "--format", "dot"]) == 0
    assert capsys.readouterr().out.startswith("digraph cliche {")
    for suffix in ("svg", "png", "pdf", "dot"):
        target = tmp_path / f"graph.{suffix}"
        assert main(["graph", "-c", ini, "-o", str(target)]) == 0
        assert target.stat().st_size > 100
    assert main(["graph", "-c", ini, "-o", str(tmp_path / "graph.jpg")]) == 2


# --- in Sphinx -------------------------------------------------------------------


@pytest.fixture
def graph_app(make_app: Any, tmp_path: Path) -> Any:
    def build(buildername: str = "html", **overrides: Any) -> Any:
        srcdir = tmp_path / f"src-{buildername}"
        shutil.copytree(ROOTS / "test-graph", srcdir)
        settings = {
            "cliche_config": str(MIGRATIONS / "alembic.ini"),
            "show_warning_types": True,
            **overrides,
        }
        app = make_app(buildername, srcdir=srcdir, confoverrides=settings)
        app.build()
        return app

    return build


def _warnings(app: Any) -> str:
    """Warnings without colour and without the harness's node re-registration noise."""
    text = re.sub(r"\x1b\[[0-9;]*m", "", app.warning.getvalue())
    return "\n".join(line for line in text.splitlines() if "already registered" not in line)


@needs_dot
@pytest.mark.sphinx
def test_svg_links_point_at_existing_anchors(graph_app: Any) -> None:
    app = graph_app("html", graphviz_output_format="svg")
    assert _warnings(app) == ""
    outdir = Path(app.outdir)
    page = BeautifulSoup((outdir / "index.html").read_text(), "html.parser")
    ids = {tag["id"] for tag in page.find_all(id=True)}
    objects = page.select("object.cliche-graph")
    assert len(objects) == 2
    for obj in objects:
        svg = _svg((outdir / obj["data"]).read_text())
        links = [a.get(XLINK_HREF) for a in svg.iter(f"{SVG}a") if a.get(XLINK_HREF)]
        boxes = [g for g in svg.iter(f"{SVG}g") if "node" in g.get("class", "").split()]
        assert len(links) == len(boxes), "every box links to its revision"
        for link in links:
            target_page, _, anchor = link.partition("#")
            assert target_page == "../index.html"
            assert anchor in ids


@needs_dot
@pytest.mark.sphinx
def test_png_output_and_latex(graph_app: Any) -> None:
    app = graph_app("html", graphviz_output_format="png")
    assert _warnings(app) == ""
    assert list(Path(app.outdir, "_images").glob("cliche-*.png"))
    latex = graph_app("latex")
    assert _warnings(latex) == ""
    tex = next(Path(latex.outdir).glob("*.tex")).read_text()
    assert "\\sphinxincludegraphics" in tex and "cliche-" in tex


@pytest.mark.sphinx
def test_text_builder_draws_lanes(graph_app: Any) -> None:
    app = graph_app("text")
    assert _warnings(app) == ""
    text = (Path(app.outdir) / "index.txt").read_text()
    assert "*  2d8e07def2 (head) Add nationality column to people table" in text


@pytest.mark.sphinx
def test_lanes_are_drawn_when_written_and_a_lost_history_is_named(
    make_app: Any, tmp_path: Path
) -> None:
    """The text drawing is made as the page is written, from the history kept for
    the build: the doctree holds only what to draw, and a history lost between
    reading and writing is named in its place, with a warning."""
    srcdir = tmp_path / "src"
    shutil.copytree(ROOTS / "test-graph", srcdir)
    settings = {"cliche_config": str(MIGRATIONS / "alembic.ini"), "show_warning_types": True}
    app = make_app("text", srcdir=srcdir, confoverrides=settings)
    read: list[cliche_graph] = []

    def forget(app: Any, env: Any) -> None:
        read.extend(env.get_doctree("index").findall(cliche_graph))
        env.get_domain("cliche").snapshots.clear()

    app.connect("env-updated", forget)
    app.build()
    assert [graph["lanes"].revisions[0] for graph in read] == ["2d8e07def2", "2d8e07def2"]
    assert all("drawing" not in graph.attributes for graph in read)
    why = "Cannot draw the graph read for this page: the history 'migrations' is no longer known"
    assert _warnings(app).count(why) == 2
    assert "[cliche.render]" in _warnings(app)
    assert (Path(app.outdir) / "index.txt").read_text().count(why) == 2


@pytest.mark.sphinx
def test_missing_dot_warns_once_per_graph_and_renders_text(graph_app: Any) -> None:
    app = graph_app("html", graphviz_dot="/nonexistent/dot")
    warnings = _warnings(app).strip().splitlines()
    assert len(warnings) == 2  # one per graph on the page
    assert all("[cliche.graph]" in w and "install Graphviz" in w for w in warnings)
    page = BeautifulSoup((Path(app.outdir) / "index.html").read_text(), "html.parser")
    assert "2d8e07def2 (head)" in page.select_one("pre").get_text()
    assert len(page.select("dl.cliche-revision")) == 5  # the history still renders


def test_segments_when_runs_are_not_enough(tmp_path: Path) -> None:
    """Past the box cap only landmarks keep boxes; every revision is still drawn,
    once, in segments that follow the history order, and the graph stays acyclic."""
    shape = Shape(revisions=400, branch=0.2, merge=0.3, label=0.02, depends=0.02, locality=5)
    folder = generate(11, shape).write(tmp_path)
    history = load(folder, with_operations=False).history
    runs_only = build_graph(history, collapse=3, max_boxes=10**6)
    graph = build_graph(history, collapse=3, max_boxes=60)
    assert len(runs_only.boxes) > 60 >= len(graph.boxes) and graph.omitted == 0

    drawn = [revision for box in graph.boxes for revision in box.revisions]
    assert sorted(drawn) == sorted(history.order)  # each revision exactly once
    landmarks = {
        node.revision
        for node in history.nodes
        if node.is_head or node.is_base or node.record.labels or node.record.dependencies
    }
    single = {box.key for box in graph.boxes if not box.key.startswith("seg-")}
    assert landmarks <= single
    segments = [box for box in graph.boxes if box.key.startswith("seg-")]
    assert segments and all(f"{len(box.revisions)} revisions" in box.label for box in segments)

    position = {revision: index for index, revision in enumerate(reversed(history.order))}
    for box in segments:  # a segment is a stretch of the (reversed) history order
        places = sorted(position[revision] for revision in box.revisions)
        assert places == list(range(places[0], places[0] + len(places)))
    children: dict[str, list[str]] = {}
    for edge in graph.edges:
        assert edge.parent != edge.child
        children.setdefault(edge.parent, []).append(edge.child)
    state: dict[str, int] = {}

    def acyclic(key: str) -> bool:  # depth-first search for a back edge
        state[key] = 1
        for child in children.get(key, []):
            if state.get(child) == 1 or (child not in state and not acyclic(child)):
                return False
        state[key] = 2
        return True

    assert all(acyclic(box.key) for box in graph.boxes if box.key not in state)


# --- pictures drawn ahead ---------------------------------------------------------


class DotRuns:
    """Every ``dot`` that Sphinx's graphviz runs, by the thread that ran it."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        import threading

        import sphinx.ext.graphviz

        self.threads: list[str] = []
        real_run = sphinx.ext.graphviz.subprocess.run

        def run(args: Any, *rest: Any, **kwargs: Any) -> Any:
            self.threads.append(threading.current_thread().name)
            return real_run(args, *rest, **kwargs)

        monkeypatch.setattr(sphinx.ext.graphviz.subprocess, "run", run)

    def ahead(self) -> int:
        return sum(name.startswith("cliche-dot") for name in self.threads)


def _paged_build(
    make_app: Any,
    tmp_path: Path,
    name: str,
    buildername: str,
    more: str = "",
    prepare: Callable[[Any], None] | None = None,
    **kwargs: Any,
) -> Any:
    """A branchy history of 14 revisions on pages of 4, each page with its graph;
    ``more`` ends the index, ``prepare`` sees the application before it builds."""
    history = tmp_path / "history"
    if not history.exists():
        generate(5, Shape(revisions=14, branch=0.3, merge=0.3)).write(history)
    srcdir = tmp_path / name
    shutil.copytree(ROOTS / "test-pages", srcdir)
    index = srcdir / "index.rst"
    index.write_text(index.read_text().replace(":per-page: 3", ":per-page: 4"))
    index.write_text(index.read_text().split("The oldest")[0] + more)
    overrides = {
        "cliche_config": str(history),
        "graphviz_output_format": "png",
        "show_warning_types": True,
    }
    app = make_app(buildername, srcdir=srcdir, confoverrides=overrides, **kwargs)
    if prepare is not None:
        prepare(app)
    app.build()
    assert _warnings(app) == ""
    return app


def _pictures(app: Any) -> tuple[set[str], set[str]]:
    """The graph pictures the pages show, and the ones in ``_images``."""
    outdir = Path(app.outdir)
    shown = set()
    for page in outdir.rglob("*.html"):
        for img in BeautifulSoup(page.read_text(), "html.parser").select("img.cliche-graph"):
            shown.add(Path(img["src"]).name)
    return shown, {path.name for path in (outdir / "_images").glob("cliche-*.png")}


@needs_dot
@pytest.mark.sphinx
@pytest.mark.parametrize("buildername", ["html", "dirhtml"])
def test_graphs_drawn_ahead_are_the_pictures_shown(
    make_app: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, buildername: str
) -> None:
    """Once reading ends, every graph is drawn in a worker thread, with the links its
    page will have: the visitors find each picture drawn and run no ``dot``."""
    monkeypatch.setattr(drawing, "usable_cores", lambda: 2)
    runs = DotRuns(monkeypatch)
    made: list[str] = []
    real_dot_code = drawing.dot_code

    def dot_code(*args: Any) -> str:
        made.append(args[1])
        return real_dot_code(*args)

    monkeypatch.setattr(drawing, "dot_code", dot_code)
    app = _paged_build(make_app, tmp_path, "ahead", buildername)
    shown, drawn = _pictures(app)
    assert len(shown) == 5  # the overview and four pages
    assert drawn == shown, "a picture drawn ahead with links the page does not have"
    assert runs.ahead() == len(runs.threads) == 5
    # the visitors took the DOT made ahead, and each graph's DOT was made once:
    # the overview's links, foretold when it was read, were checked by the links
    assert len(made) == 5
    assert app.env.get_domain("cliche").drawing.pool is None  # shut down with the build

    monkeypatch.setattr(drawing, "usable_cores", lambda: 1)  # a single core: drawn as written
    runs.threads.clear()
    serial = _paged_build(make_app, tmp_path, "serial", buildername)
    assert runs.ahead() == 0 and len(runs.threads) == 5
    assert _pictures(serial) == (shown, drawn)
    for page in Path(app.outdir).rglob("*.html"):
        twin = Path(serial.outdir) / page.relative_to(app.outdir)
        assert re.sub(r"\?v=\w+", "", page.read_text()) == re.sub(r"\?v=\w+", "", twin.read_text())


@needs_dot
@pytest.mark.sphinx
def test_graphs_are_not_drawn_ahead_where_it_is_not_safe(
    make_app: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(drawing, "usable_cores", lambda: 2)
    runs = DotRuns(monkeypatch)
    # parallel writers are processes of their own: each draws its own pages
    _paged_build(make_app, tmp_path, "parallel", "html", parallel=2)
    assert runs.ahead() == 0
    # a single page's links are not the pages' links
    runs.threads.clear()
    single = _paged_build(make_app, tmp_path, "single", "singlehtml")
    assert runs.ahead() == 0 and len(runs.threads) == 5
    assert _pictures(single)[0] == _pictures(single)[1]


@needs_dot
@pytest.mark.sphinx
def test_a_paged_overview_is_drawn_while_its_pages_are_read(
    make_app: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Its links lead to pages known before they are read: its picture (the
    first one the writer needs) is started at once, and is the one shown."""
    monkeypatch.setattr(drawing, "usable_cores", lambda: 2)
    runs = DotRuns(monkeypatch)
    started: list[str] = []

    def note(app: Any, env: Any) -> list[str]:
        started.extend(env.get_domain("cliche").drawing.pending)
        return []

    def prepare(app: Any) -> None:
        app.connect("env-updated", note, priority=0)  # before the drawing ahead

    app = _paged_build(make_app, tmp_path, "early", "html", prepare=prepare)
    assert len(started) == 1 and 'URL="index-revisions/page-' in started[0]
    shown, drawn = _pictures(app)
    assert len(shown) == 5 and drawn == shown
    assert runs.ahead() == len(runs.threads) == 5  # the overview was drawn once


@needs_dot
@pytest.mark.sphinx
def test_an_overview_drawn_early_with_links_foretold_wrongly_is_drawn_again(
    make_app: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A document whose name sorts first renders the same revisions: the links lead
    there, not to the pages.  The picture is drawn again, and the one drawn for
    nothing is removed."""
    monkeypatch.setattr(drawing, "usable_cores", lambda: 2)
    runs = DotRuns(monkeypatch)
    more = "\n.. toctree::\n\n   all\n"

    def prepare(app: Any) -> None:
        (Path(app.srcdir) / "all.rst").write_text("All\n===\n\n.. cliche-history::\n")

    app = _paged_build(make_app, tmp_path, "elsewhere", "html", more=more, prepare=prepare)
    shown, drawn = _pictures(app)
    assert drawn == shown and len(shown) == 5
    assert runs.ahead() == 6  # the overview's first picture was drawn for nothing
    overview = BeautifulSoup((Path(app.outdir) / "index.html").read_text(), "html.parser")
    links = {area["href"] for area in overview.select("map area")}
    assert links and all(href.startswith("all.html#") for href in links)


@pytest.mark.parametrize(("cores", "workers"), [(1, 0), (2, 2), (3, 3), (16, drawing.MAX_WORKERS)])
def test_pictures_are_drawn_on_every_core_from_two(
    monkeypatch: pytest.MonkeyPatch, cores: int, workers: int
) -> None:
    """The writer, writing revisions as HTML text, outruns ``dot``: every core
    draws, though one of them also writes; a single core draws as it writes."""
    from types import SimpleNamespace

    monkeypatch.setattr(drawing, "usable_cores", lambda: cores)
    monkeypatch.setattr(drawing.shutil, "which", lambda name: f"/usr/bin/{name}")
    config = SimpleNamespace(graphviz_output_format="png", graphviz_dot="dot")
    app = SimpleNamespace(builder=SimpleNamespace(name="html"), config=config, parallel=0)
    assert drawing._drawing_workers(app) == workers  # type: ignore[arg-type]
    app.parallel = 2  # -j: the forked writers draw their own
    assert drawing._drawing_workers(app) == 0  # type: ignore[arg-type]
