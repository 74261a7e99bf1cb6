"""Split one cold read of a history into its stages, to show which one to work on.

    python benchmarks/reading.py FOLDER [--files N] [--runs K]

FOLDER is an environment written by ``generate.py`` (its ``versions/``).  The
stages run in this process, one core, the collector held as the reader holds it
(``loading.collector_paused``), each the median of K runs over the same files:

* ``bytes``: reading every file (the floor of any reader);
* ``parse``: ``ast.parse`` of every file, the trees kept, so that freeing them
  falls outside the clock (the reader frees each as it goes, which its stage
  counts);
* ``walk``: ``operations.extract`` over those trees, the walk that finds each
  revision's operations;
* ``reader``: the reader's whole read of each file with its operations
  (``read_revision_file``, one resolver for the read, as ``scan`` has it):
  about the three added up, with the header and the freeing besides.

``run.py`` times whole commands and builds; this says where inside a read the
time goes, which a whole build's profile blurs across two cores.
"""

from __future__ import annotations

import argparse
import ast
import gc
import statistics
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from sphinxcontrib_cliche.source.literals import ConstantResolver
from sphinxcontrib_cliche.source.operations import extract
from sphinxcontrib_cliche.source.reader import read_revision_file


def stages(paths: Sequence[Path]) -> dict[str, Callable[[], object]]:
    """Each stage as a call over all of ``paths``; ``walk`` uses trees parsed once."""
    data = [path.read_bytes() for path in paths]
    trees = [ast.parse(source) for source in data]
    return {
        "bytes": lambda: [path.read_bytes() for path in paths],
        "parse": lambda: [ast.parse(source) for source in data],
        "walk": lambda: [extract(tree) for tree in trees],
        "reader": lambda: _read_all(paths, data),
    }


def _read_all(paths: Sequence[Path], data: Sequence[bytes]) -> list[object]:
    resolver = ConstantResolver(())  # one for the whole read, as scan.read_history_files has it
    return [
        read_revision_file(path, resolver, data=source)
        for path, source in zip(paths, data, strict=True)
    ]


def measure(work: dict[str, Callable[[], object]], runs: int) -> dict[str, list[float]]:
    """Seconds of each stage, run after run, interleaved so that noise hits all alike."""
    seconds: dict[str, list[float]] = {name: [] for name in work}
    enabled = gc.isenabled()
    gc.disable()  # as the reader runs: see loading.collector_paused
    try:
        for _ in range(runs):
            for name, call in work.items():
                start = time.perf_counter()
                result = call()
                seconds[name].append(time.perf_counter() - start)
                del result
                gc.collect()  # outside the clock: each run starts from the same heap
    finally:
        if enabled:
            gc.enable()
    return seconds


def table(seconds: dict[str, list[float]], files: int) -> str:
    parse = statistics.median(seconds["parse"])
    lines = [
        f"{files} files, median of {len(seconds['parse'])} runs",
        f"{'stage':<8} {'median s':>9} {'min':>7} {'max':>7} {'µs/file':>8} {'x parse':>8}",
    ]
    for name, values in seconds.items():
        median = statistics.median(values)
        lines.append(
            f"{name:<8} {median:>9.3f} {min(values):>7.3f} {max(values):>7.3f}"
            f" {median / files * 1e6:>8.0f} {median / parse:>8.2f}"
        )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path, help="an environment written by generate.py")
    parser.add_argument("--files", type=int, default=2000, help="how many files (default 2000)")
    parser.add_argument("--runs", type=int, default=5, help="runs of each stage (default 5)")
    arguments = parser.parse_args(argv)
    paths = sorted((arguments.folder / "versions").glob("*.py"))[: arguments.files]
    if not paths:
        parser.error(f"no revision files in {arguments.folder / 'versions'}")
    print(table(measure(stages(paths), arguments.runs), len(paths)))


if __name__ == "__main__":
    main()
