"""The benchmark's instruments measure what they say (timings stay in the benchmark)."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

BENCHMARKS = Path(__file__).resolve().parent.parent / "benchmarks"


def test_the_share_clock_wraps_every_entry_point_of_the_extension() -> None:
    """A renamed handler or directive would silently drop out of "cliche's own" time."""
    script = "import json, share\nprint(json.dumps(share.instrument(share.Clock())))\n"
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=BENCHMARKS,
        capture_output=True,
        text=True,
        check=True,
    )
    wrapped = set(json.loads(result.stdout))
    assert {
        "HistoryDirective.run",
        "GraphDirective.run",
        "TablesDirective.run",
        "RenderRevisions.run",
        "GraphAsText.run",
        "ClicheDomain.resolve_xref",
        "sphinxcontrib_cliche.sphinx.pages.write_pages",
        "sphinxcontrib_cliche.sphinx.gate.outdated_documents",
        "sphinxcontrib_cliche.sphinx.gate.check_histories",
        "sphinxcontrib_cliche.sphinx.extension.warn_missing_revision",
        "sphinxcontrib_cliche.sphinx.graph.html_visit",
        "sphinxcontrib_cliche.sphinx.drawing.draw_ahead",
        "sphinxcontrib_cliche.sphinx.freeing.release_written",
        "sphinxcontrib_cliche.sphinx.drawing.finish",
        "sphinxcontrib_cliche.sphinx.store.finish",
        "ClicheDomain.get_objects",
    } <= wrapped


def test_the_share_clock_counts_nested_calls_once() -> None:
    sys.path.insert(0, str(BENCHMARKS))
    try:
        from share import Clock  # type: ignore[import-not-found]
    finally:
        sys.path.remove(str(BENCHMARKS))
    clock = Clock()
    calls: list[str] = []

    @clock.wrap
    def inner() -> None:
        calls.append("inner")
        assert clock.depth == 1  # already inside the outer call: not timed again

    @clock.wrap
    def outer() -> None:
        calls.append("outer")
        inner()

    outer()
    assert calls == ["outer", "inner"]
    assert clock.depth == 0

    @clock.wrap
    def generator() -> Iterator[int]:
        yield 1
        calls.append("drained")

    items = generator()
    assert calls[-1] == "drained"  # run (and timed) before the caller iterates
    assert list(items) == [1]
    assert clock.seconds > 0
    # --detail's tally: each call at its outermost entry only, adding up to the sum
    assert [name.rsplit(".", 1)[-1] for name in clock.by_entry] == ["outer", "generator"]
    assert sum(clock.by_entry.values()) == clock.seconds


def _run(*argv: str | Path, cwd: Path = BENCHMARKS) -> str:
    result = subprocess.run(
        [sys.executable, *map(str, argv)], cwd=cwd, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_the_benchmark_writes_and_builds_both_kinds_of_docs(tmp_path: Path) -> None:
    """The plain reST the extension is compared with, and the extension's build
    timed by ``share.py``, both work on a generated history (a smoke test: the
    benchmark itself is too slow for the suite)."""
    history = tmp_path / "history"
    _run(BENCHMARKS / "generate.py", history, "30")
    assert len(list((history / "versions").glob("*.py"))) == 30

    plain = tmp_path / "plain"
    _run(BENCHMARKS / "plain_rest.py", history, plain, "--per-page", "10")
    pages = sorted(p.relative_to(plain).as_posix() for p in plain.rglob("*.rst"))
    assert len(pages) == 4  # the overview and three pages of ten
    assert ".. graphviz::" in (plain / pages[0]).read_text()

    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "conf.py").write_text(
        f"extensions = ['sphinxcontrib_cliche']\ncliche_config = {str(history)!r}\n"
        "cliche_multiple_heads = 'ignore'\n"
    )
    (docs / "index.rst").write_text(
        "History\n=======\n\n.. cliche-history::\n   :per-page: 10\n   :operations:\n"
    )
    out = _run(BENCHMARKS / "share.py", "-q", "-b", "html", docs, docs / "_build")
    label, seconds = out.split()
    assert label == "own"
    assert float(seconds) >= 0
    assert (docs / "_build" / "index-revisions" / "page-3.html").exists()


def test_the_reading_benchmark_reports_every_stage_of_a_read(tmp_path: Path) -> None:
    """``reading.py`` times the same files in each stage (a smoke test: the
    figures belong to the benchmark, only the table's shape is checked)."""
    history = tmp_path / "history"
    _run(BENCHMARKS / "generate.py", history, "30")
    out = _run(BENCHMARKS / "reading.py", history, "--files", "20", "--runs", "2")
    heading, columns, *rows = out.splitlines()
    assert heading == "20 files, median of 2 runs"
    assert columns.split()[0] == "stage"
    assert [row.split()[0] for row in rows] == ["bytes", "parse", "walk", "reader"]
    for row in rows:
        _, median, low, high, _per_file, _ratio = row.split()
        assert float(low) <= float(median) <= float(high)
    assert rows[1].split()[-1] == "1.00"  # the ratios are to the parse


def test_the_reading_benchmark_names_a_folder_without_revisions(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, str(BENCHMARKS / "reading.py"), str(tmp_path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2
    assert f"no revision files in {tmp_path / 'versions'}" in result.stderr
