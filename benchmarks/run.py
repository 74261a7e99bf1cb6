"""Time cliche against Alembic and against the floor, on generated histories.

    python benchmarks/run.py                     # N = 100, 1000, 5000, 10000 (Sphinx: 500)
    python benchmarks/run.py --sizes 10000 --sphinx-sizes 10000    # Sphinx at 10,000
    python benchmarks/run.py --sizes 100 1000 --repeat 7 --output results.json

Every measurement runs in a fresh process, interleaved with the others (run 1
of everything, then run 2, ...), so that a noisy neighbour spreads over all of
them; the table shows the median, min and max of each, and ratios between
measurements of the same run.  In-process figures are timed inside the child,
after its imports; whole-command figures include start-up and imports.
Peak memory is each child's maximum resident set size.  cliche's reading
cache is off except in the rows marked "warm cache", which show a repeated
run over an unchanged history (as in pre-commit or CI re-runs), or a docs
build after ``cliche check`` read the same files.
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from generate import write_environment

from sphinxcontrib_cliche.source.cache import RACY_SECONDS

HERE = Path(__file__).resolve().parent

PYTHON = sys.executable
BIN = Path(sys.executable).parent

# --- what the children run (timed inside, start-up excluded) --------------------------

FLOOR = """
import ast, pathlib, sys, time
files = sorted(pathlib.Path(sys.argv[1], "versions").glob("*.py"))
t = time.perf_counter()
for f in files:
    ast.parse(f.read_bytes())
print(time.perf_counter() - t)
"""
READ_BYTES = """
import pathlib, sys, time
files = sorted(pathlib.Path(sys.argv[1], "versions").glob("*.py"))
t = time.perf_counter()
for f in files:
    f.read_bytes()
print(time.perf_counter() - t)
"""
OURS_GRAPH = """
import sys, time
from sphinxcontrib_cliche.loading import load
t = time.perf_counter()
report = load(sys.argv[1], with_operations=False)
assert len(report.history.order) == int(sys.argv[2])
print(time.perf_counter() - t)
"""
OURS_FULL = """
import sys, time
from sphinxcontrib_cliche.loading import load
t = time.perf_counter()
report = load(sys.argv[1])
assert len(report.history.order) == int(sys.argv[2])
print(time.perf_counter() - t)
"""
ALEMBIC_WALK = """
import sys, time
sys.dont_write_bytecode = True
from alembic.script import ScriptDirectory
t = time.perf_counter()
revisions = list(ScriptDirectory(sys.argv[1]).walk_revisions())
assert len(revisions) == int(sys.argv[2])
print(time.perf_counter() - t)
"""
DOT_SOURCE = """
import sys, time
from sphinxcontrib_cliche.loading import load
from sphinxcontrib_cliche.render.dot import to_dot
from sphinxcontrib_cliche.render.graph import MAX_BOXES, build_graph
history = load(sys.argv[1], with_operations=False).history
collapse = None if sys.argv[3] == "none" else int(sys.argv[3])
t = time.perf_counter()
# collapsed: what a page gets (runs, then segments past MAX_BOXES); else every box
graph = build_graph(history, collapse=collapse, max_boxes=MAX_BOXES if collapse else 10**9)
source = to_dot(graph)
elapsed = time.perf_counter() - t
open(sys.argv[4], "w").write(source)
print(elapsed, len(graph.boxes))
"""


@dataclass
class Measure:
    name: str
    run: Callable[[Path, int], tuple[float, int, str]]  # -> seconds, peak RSS KB, note
    sizes: tuple[int, ...] | None = None  # only for these N (None: all)


def _child(script: str, *args: str, cache: Path | None = None) -> tuple[float, int, str]:
    """Run ``script`` in a fresh interpreter; its first number is the time."""
    return _process([PYTHON, "-c", script, *args], timed_inside=True, cache=cache)


def _warm(folder: Path) -> Path:
    """The reading cache of ``folder``'s warm measurements (filled before the runs)."""
    return folder / "reading-cache"


#: GNU time reports a child's own peak RSS; ``wait4`` would also count the memory
#: of this (forking) process from before the child's exec.
GNU_TIME = "/usr/bin/time" if Path("/usr/bin/time").exists() else None

#: No single measurement may hang the run (an uncollapsed dot layout can take hours).
TIME_LIMIT = 180


def _process(
    argv: list[str], timed_inside: bool = False, cache: Path | None = None, noted: bool = False
) -> tuple[float, int, str]:
    """Time ``argv``; without ``cache``, cliche's reading cache is off (a cold read).

    ``noted``: what the process prints is kept as the measurement's note.
    """
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1", "NO_COLOR": "1"}
    if cache is None:
        env["CLICHE_CACHE"] = "0"
    else:
        env.pop("CLICHE_CACHE", None)
        env["CLICHE_CACHE_DIR"] = str(cache)
    with tempfile.NamedTemporaryFile("r") as rss_file:
        prefix = [GNU_TIME, "-f", "%M", "-o", rss_file.name] if GNU_TIME else []
        start = time.perf_counter()
        try:
            result = subprocess.run(
                [*prefix, *argv], capture_output=True, env=env, check=False, timeout=TIME_LIMIT
            )
        except subprocess.TimeoutExpired:
            return float("nan"), 0, f"timed out after {TIME_LIMIT} s"
        elapsed = time.perf_counter() - start
        reported = rss_file.read().strip().splitlines()
    rss_kb = int(reported[-1]) if reported and reported[-1].isdigit() else 0
    failed = result.returncode not in (0, 1)  # 1: several heads in a generated history
    words = result.stdout.decode().split()
    if timed_inside:
        if not words or failed:
            return float("nan"), rss_kb, "failed"
        return float(words[0]), rss_kb, " ".join(words[1:])
    if failed:
        return elapsed, rss_kb, "failed"
    return elapsed, rss_kb, " ".join(words) if noted else ""


#: Histories are split into pages of this many revisions, in both builds.
PER_PAGE = 500


def _sphinx(folder: Path, mode: str, cache: Path | None = None) -> tuple[float, int, str]:
    """A Sphinx HTML build of the history, split into pages of ``PER_PAGE``.

    ``mode``: ``ext`` (``cliche-history`` with graph and operations), ``ext-plain``
    (both off), ``rest`` and ``rest-plain`` (the same content written as plain
    reST, see ``plain_rest.py``), ``again`` (``ext`` built a second time with
    nothing changed), ``ext-warm`` (``ext`` with the reading cache that
    ``cliche check`` filled, as when CI runs the check before the docs), or
    ``ext-clone`` (``ext-warm`` in a fresh clone: every file written anew,
    the cache kept by CI).
    """
    if mode == "ext-clone":
        return _as_in_a_fresh_clone(folder, lambda cache: _sphinx(folder, "ext-warm", cache))
    docs = folder / f"docs-{mode}"
    if mode == "again":
        docs = folder / "docs-ext"
    else:
        shutil.rmtree(docs, ignore_errors=True)
        docs.mkdir()
        plain = mode.endswith("-plain")
        if mode.startswith("rest"):
            extensions = ["sphinx.ext.graphviz"]
            flags = ["--no-graph", "--no-operations"] if plain else []
            writer = [PYTHON, str(HERE / "plain_rest.py"), str(folder), str(docs)]
            subprocess.run([*writer, "--per-page", str(PER_PAGE), *flags], check=True)
        else:
            extensions = ["sphinxcontrib_cliche"]
            on = ":no-graph:\n   :no-operations:" if plain else ":graph:\n   :operations:"
            (docs / "index.rst").write_text(
                f"History\n=======\n\n.. cliche-history::\n   :per-page: {PER_PAGE}\n   {on}\n"
            )
        (docs / "conf.py").write_text(
            f'project = "bench"\nextensions = {extensions!r}\n'
            f"cliche_config = {str(folder / 'alembic.ini')!r}\n"
            "cliche_multiple_heads = 'ignore'\n"
        )
    build = ["-q", "-b", "html", str(docs), str(docs / "_build")]
    if mode == "ext-warm" and cache is None:
        cache = _warm(folder)
    if mode.startswith("rest"):
        return _process([str(BIN / "sphinx-build"), *build])
    # the same build, with the time spent in the extension's code as the note
    return _process([PYTHON, str(HERE / "share.py"), *build], noted=True, cache=cache)


def _as_in_a_fresh_clone(
    folder: Path, measure: Callable[[Path], tuple[float, int, str]]
) -> tuple[float, int, str]:
    """``measure`` with every revision file's time changed (its bytes not), as a
    fresh clone has them, and a copy of the warm cache, as CI restores it.  The
    times are put back after, so that the other warm measurements stay warm."""
    files = list((folder / "versions").glob("*.py"))
    times = [(path.stat().st_atime_ns, path.stat().st_mtime_ns) for path in files]
    cloned = time.time() - 60  # older than a racy read
    for path in files:
        os.utime(path, (cloned, cloned))
    cache = folder / "reading-cache-clone"
    shutil.rmtree(cache, ignore_errors=True)
    shutil.copytree(_warm(folder), cache)
    try:
        return measure(cache)
    finally:
        for path, (atime, mtime) in zip(files, times, strict=True):
            os.utime(path, ns=(atime, mtime))


def _dot(folder: Path, collapse: str) -> tuple[float, int, str]:
    source = folder / f"graph-{collapse}.dot"
    _child(DOT_SOURCE, str(folder), "0", collapse, str(source))
    return _process(["dot", "-Tsvg", "-o", os.devnull, str(source)])


MEASURES = [
    Measure("floor: read bytes", lambda f, n: _child(READ_BYTES, str(f))),
    Measure("floor: read + ast.parse", lambda f, n: _child(FLOOR, str(f))),
    Measure("cliche: read + graph", lambda f, n: _child(OURS_GRAPH, str(f), str(n))),
    Measure(
        "cliche: read + graph, warm cache",
        lambda f, n: _child(OURS_GRAPH, str(f), str(n), cache=_warm(f)),
    ),
    Measure("cliche: read + graph + operations", lambda f, n: _child(OURS_FULL, str(f), str(n))),
    Measure("alembic: walk_revisions()", lambda f, n: _child(ALEMBIC_WALK, str(f), str(n))),
    Measure(
        "cliche heads (process)",
        lambda f, n: _process([str(BIN / "cliche"), "heads", "-d", str(f)]),
    ),
    Measure(
        "cliche heads (process), warm cache",
        lambda f, n: _process([str(BIN / "cliche"), "heads", "-d", str(f)], cache=_warm(f)),
    ),
    Measure(
        "alembic heads (process)",
        lambda f, n: _process([str(BIN / "alembic"), "-c", str(f / "alembic.ini"), "heads"]),
    ),
    Measure(
        "cliche history (process)",
        lambda f, n: _process([str(BIN / "cliche"), "history", "-d", str(f)]),
    ),
    Measure(
        "cliche history (process), warm cache",
        lambda f, n: _process([str(BIN / "cliche"), "history", "-d", str(f)], cache=_warm(f)),
    ),
    Measure(
        "alembic history --verbose (process)",
        lambda f, n: _process(
            [str(BIN / "alembic"), "-c", str(f / "alembic.ini"), "history", "--verbose"]
        ),
    ),
    Measure(
        "DOT generation, collapsed", lambda f, n: _child(DOT_SOURCE, str(f), "0", "3", os.devnull)
    ),
    # past 1,000 boxes the graph keeps only landmarks and segments (render/graph.py),
    # so the collapsed layout stays small at any size
    Measure("dot layout, collapsed", lambda f, n: _dot(f, "3")),
    # uncollapsed layouts grow much faster than linearly: at 5,000 revisions a single
    # one ran for more than 7 minutes here, which is why the graph collapses
    Measure("dot layout, every revision", lambda f, n: _dot(f, "none"), sizes=(100, 1000)),
]
SPHINX_MEASURES = [
    Measure("sphinx: plain reST, graph + operations", lambda f, n: _sphinx(f, "rest")),
    Measure("sphinx: cliche-history, graph + operations", lambda f, n: _sphinx(f, "ext")),
    Measure("sphinx: second build, nothing changed", lambda f, n: _sphinx(f, "again")),
    Measure(
        "sphinx: after cliche check, graph + operations",
        lambda f, n: _sphinx(f, "ext-warm"),
    ),
    Measure(
        "sphinx: fresh clone + cache, graph + operations",
        lambda f, n: _sphinx(f, "ext-clone"),
    ),
    Measure("sphinx: plain reST, no graph, no operations", lambda f, n: _sphinx(f, "rest-plain")),
    Measure(
        "sphinx: cliche-history, no graph, no operations", lambda f, n: _sphinx(f, "ext-plain")
    ),
]

RATIOS = [
    ("alembic: walk_revisions()", "cliche: read + graph", "x faster than Alembic's loader"),
    ("cliche: read + graph", "floor: read bytes", "x the raw read floor"),
    ("alembic heads (process)", "cliche heads (process)", "x faster: heads"),
    ("alembic history --verbose (process)", "cliche history (process)", "x faster: history"),
    (
        "alembic heads (process)",
        "cliche heads (process), warm cache",
        "x faster: heads, warm cache",
    ),
    (
        "alembic history --verbose (process)",
        "cliche history (process), warm cache",
        "x faster: history, warm cache",
    ),
    (
        "sphinx: cliche-history, graph + operations",
        "sphinx: plain reST, graph + operations",
        "x the plain reST build (graph + operations)",
    ),
    (
        "sphinx: after cliche check, graph + operations",
        "sphinx: plain reST, graph + operations",
        "x the plain reST build (graph + operations, after cliche check)",
    ),
    (
        "sphinx: fresh clone + cache, graph + operations",
        "sphinx: plain reST, graph + operations",
        "x the plain reST build (graph + operations, fresh clone, cache kept)",
    ),
    (
        "sphinx: cliche-history, no graph, no operations",
        "sphinx: plain reST, no graph, no operations",
        "x the plain reST build (no graph, no operations)",
    ),
    ("dot layout, every revision", "dot layout, collapsed", "x faster dot with collapsing"),
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 1000, 5000, 10000])
    # five rounds of the five Sphinx builds take 3 minutes at 1,000 revisions on a busy
    # machine and 25 at 10,000: the default run builds 500 (one page), to stay under
    # 10 minutes when the machine is slow too
    parser.add_argument("--sphinx-sizes", type=int, nargs="*", default=[500])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument(
        "--output", type=Path, default=Path(__file__).parent / "results" / "latest.json"
    )
    parser.add_argument("--workdir", type=Path, default=None)
    parser.add_argument(
        "--markdown", type=Path, default=None, help="also write the largest N's table as Markdown"
    )
    options = parser.parse_args()

    workdir = options.workdir or Path(tempfile.mkdtemp(prefix="cliche-bench-"))
    # as an installed package is (pip compiles it): the children run with
    # PYTHONDONTWRITEBYTECODE=1, as a fresh CI checkout does, and would otherwise
    # compile the package from source on every start
    compileall.compile_dir(str(HERE.parent / "sphinxcontrib_cliche"), quiet=1)
    results: dict[str, dict[str, dict[str, float | str]]] = {}
    started = time.time()
    for size in sorted({*options.sizes, *options.sphinx_sizes}):
        folder = workdir / f"n{size}"
        if not (folder / "alembic.ini").exists():
            write_environment(folder, size)
        # fill the warm measurements' cache; files younger than RACY_SECONDS are
        # never kept, so a history written just now must age a little first
        time.sleep(max(0.0, RACY_SECONDS + 0.5 - (time.time() - _newest(folder))))
        _process([str(BIN / "cliche"), "history", "-d", str(folder)], cache=_warm(folder))
        if size in options.sphinx_sizes:  # whole files, with their operations
            _process([str(BIN / "cliche"), "check", "-d", str(folder)], cache=_warm(folder))
        measures = [
            m for m in MEASURES if size in options.sizes and (m.sizes is None or size in m.sizes)
        ]  # none for a size given only for the Sphinx builds
        if size in options.sphinx_sizes:
            measures += SPHINX_MEASURES
        samples: dict[str, list[tuple[float, int, str]]] = {m.name: [] for m in measures}
        for _ in range(options.repeat):
            for measure in measures:  # interleaved: one of each per round
                samples[measure.name].append(measure.run(folder, size))
        results[str(size)] = {name: _summary(values) for name, values in samples.items()}
        print(_table(size, results[str(size)]), flush=True)
    payload = {
        "machine": _machine(),
        "repeat": options.repeat,
        "file_bytes_mean": _mean_size(workdir, options.sizes[-1]),
        "seconds_total": round(time.time() - started, 1),
        "results": results,
    }
    options.output.parent.mkdir(parents=True, exist_ok=True)
    options.output.write_text(json.dumps(payload, indent=2) + "\n")
    if options.markdown:
        options.markdown.write_text(markdown(payload))
    print(f"\nwritten: {options.output} ({payload['seconds_total']} s in all)")


def markdown(payload: dict[str, object]) -> str:
    """Every N's table, largest first, with the machine, for the README and the docs."""
    results = payload["results"]
    machine = payload["machine"]
    assert isinstance(results, dict) and isinstance(machine, dict)
    lines = [
        f"Median of {payload['repeat']} interleaved runs (min and max beside it), on "
        f"{machine['cpus']} CPUs, Python {machine['python']}, {machine['platform']}; "
        f"mean revision file {payload['file_bytes_mean']} bytes; "
        f"{payload['seconds_total']} s in all.",
    ]
    for size in sorted(results, key=int, reverse=True):
        rows = results[size]
        lines += [
            "",
            f"N = {int(size):,} revisions",
            "",
            "| measure | median s | min s | max s | peak RSS MB |",
            "|---|---:|---:|---:|---:|",
        ]
        for name, row in rows.items():
            lines.append(
                f"| {name} | {row['median_s']:.3f} | {row['min_s']:.3f} | {row['max_s']:.3f} "
                f"| {row['peak_rss_mb']:.1f} |"
            )
        ratios = [
            f"- {rows[a]['median_s'] / rows[b]['median_s']:.2f}{label}"
            for a, b, label in RATIOS
            if a in rows and b in rows
        ]
        ratios += [
            f"- {row['own_s']:.2f} s in cliche's own code: {name}"
            for name, row in rows.items()
            if "own_s" in row
        ]
        if ratios:
            lines += ["", *ratios]
    return "\n".join(lines) + "\n"


def _summary(values: list[tuple[float, int, str]]) -> dict[str, float | str]:
    times = [v[0] for v in values]
    summary: dict[str, float | str] = {
        "median_s": statistics.median(times),
        "min_s": min(times),
        "max_s": max(times),
        "peak_rss_mb": max(v[1] for v in values) / 1024,
        "note": values[-1][2],
    }
    shares = [_seconds(v[2]) for v in values]
    if all(share is not None for share in shares):  # a Sphinx build timed by share.py
        summary["own_s"] = statistics.median([s for s in shares if s is not None])
        summary["note"] = f"cliche's own: {summary['own_s']:.2f} s"
    return summary


def _seconds(note: str) -> float | None:
    """The seconds of an ``own 1.234`` note (``share.py``'s output), else ``None``."""
    label, _, seconds = note.partition(" ")
    return float(seconds) if label == "own" else None


def _table(size: int, rows: dict[str, dict[str, float | str]]) -> str:
    out = [
        f"\nN = {size:,} revisions",
        f"{'measure':48} {'median':>9} {'min':>9} {'max':>9} {'RSS MB':>8}",
    ]
    for name, row in rows.items():
        out.append(
            f"{name:48} {row['median_s']:9.3f} {row['min_s']:9.3f} {row['max_s']:9.3f} "
            f"{row['peak_rss_mb']:8.1f} {row['note']}"
        )
    for numerator, denominator, label in RATIOS:
        if numerator in rows and denominator in rows:
            ratio = float(rows[numerator]["median_s"]) / float(rows[denominator]["median_s"])
            out.append(f"  ratio: {ratio:7.2f}{label}")
    return "\n".join(out)


def _machine() -> dict[str, str | int]:
    return {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpus": os.cpu_count() or 0,
        "processor": platform.processor() or platform.machine(),
    }


def _newest(folder: Path) -> float:
    return max(path.stat().st_mtime for path in (folder / "versions").glob("*.py"))


def _mean_size(workdir: Path, size: int) -> float:
    files = list((workdir / f"n{size}" / "versions").glob("*.py"))
    return round(sum(f.stat().st_size for f in files) / max(len(files), 1), 1)


if __name__ == "__main__":
    main()
