"""The benchmark's instruments measure what they say (timings stay in the benchmark)."""

from __future__ import annotations

import json
import subprocess
import sys
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
    assert clock.seconds > 0
