"""Reading on several cores gives exactly what reading here gives, in the same order."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from sphinxcontrib_cliche.diagnostics import Code
from sphinxcontrib_cliche.source import parallel
from sphinxcontrib_cliche.source.locations import locate
from sphinxcontrib_cliche.source.scan import SourceSnapshot, read_history_files
from sphinxcontrib_cliche.testing.histories import Shape, generate

#: The real one, before a test stands in its own.
USABLE_CORES = parallel.usable_cores

pytestmark = pytest.mark.skipif(not parallel.may_fork(), reason="no forking on this platform")


def _troubled_history(tmp_path: Path) -> Path:
    """A generated history with every kind of file trouble in it, spread over the shares."""
    folder = generate(3, Shape(revisions=40, branch=0.2, merge=0.2)).write(tmp_path / "h")
    versions = folder / "versions"
    (versions / "a_broken.py").write_text('revision = "x1"\ndown_revision = None\ndef upgrade(:\n')
    (versions / "m_latin.py").write_bytes('"""Caf\xe9"""\nrevision = "x2"\n'.encode("latin-1"))
    (versions / "q_dynamic.py").write_text("revision = make_id()\ndown_revision = None\n")
    first = sorted(versions.glob("*.py"))[5]
    (versions / "z_copy.py").write_text(first.read_text())
    return folder


@pytest.fixture
def shares(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Reading is shared from two files on, between three cores; the sizes of
    the shares handed to forked copies."""
    monkeypatch.setenv("CLICHE_CACHE", "0")
    monkeypatch.setattr(parallel, "PARALLEL_FROM", 2)
    monkeypatch.setattr(parallel, "usable_cores", lambda: 3)
    started: list[int] = []
    real_start = parallel._start

    def start(paths: Sequence[str], *args: Any) -> Any:
        started.append(len(paths))
        return real_start(paths, *args)

    monkeypatch.setattr(parallel, "_start", start)
    return started


def _read_here(folder: Path) -> SourceSnapshot:
    return read_history_files(locate(folder), with_operations=True)


def _same(shared: SourceSnapshot, serial: SourceSnapshot) -> None:
    assert shared == serial
    assert [r.lines for r in shared.records] == [r.lines for r in serial.records]
    assert [r.upgrade_ops for r in shared.records] == [r.upgrade_ops for r in serial.records]


def test_shares_come_back_in_order(
    tmp_path: Path, shares: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = _troubled_history(tmp_path)
    shared = _read_here(folder)
    assert shares == [15, 14]  # 44 files: 15 read here, 15 and 14 by two copies
    monkeypatch.setattr(parallel, "usable_cores", lambda: 1)
    _same(shared, _read_here(folder))
    codes = {d.code for d in shared.diagnostics}
    assert {Code.SYNTAX_ERROR, Code.DYNAMIC_REVISION, Code.NOT_UTF8} <= codes


def test_headers_alone_are_read_here(tmp_path: Path, shares: list[int]) -> None:
    """Some 25 µs a file: a copy's start would cost more than it saves."""
    read_history_files(locate(_troubled_history(tmp_path)), with_operations=False)
    assert shares == []


def test_a_copy_that_fails_costs_only_time(
    tmp_path: Path, shares: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = _troubled_history(tmp_path)
    monkeypatch.setattr(parallel, "usable_cores", lambda: 1)
    serial = _read_here(folder)
    monkeypatch.setattr(parallel, "usable_cores", lambda: 3)

    def dies(*args: Any) -> None:
        os._exit(3)

    monkeypatch.setattr(parallel, "_read_share", dies)  # the copies inherit it
    _same(_read_here(folder), serial)
    assert len(shares) == 2


def test_no_fork_while_another_thread_runs(tmp_path: Path, shares: list[int]) -> None:
    folder = _troubled_history(tmp_path)
    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    other.start()
    try:
        snapshot = _read_here(folder)
    finally:
        stop.set()
        other.join()
    assert shares == [] and len(snapshot.records) == 41


def test_shared_readings_are_kept_in_the_cache(
    tmp_path: Path, shares: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CLICHE_CACHE")
    folder = _troubled_history(tmp_path)
    an_hour_ago = time.time() - 3600
    for path in (folder / "versions").iterdir():
        os.utime(path, (an_hour_ago, an_hour_ago))
    first = _read_here(folder)
    assert len(shares) == 2
    shares.clear()
    _same(_read_here(folder), first)
    # only the three files that gave no record are read again: one here, one in each copy
    assert shares == [1, 1]


@pytest.mark.parametrize(
    ("value", "cores"), [("3", 3), (" 2 ", 2), ("1", 1), ("0", 1), ("-2", 1), ("many", 1)]
)
def test_cliche_jobs_sets_the_cores(
    monkeypatch: pytest.MonkeyPatch, value: str, cores: int
) -> None:
    monkeypatch.setenv("CLICHE_JOBS", value)
    assert parallel.usable_cores() == cores


def test_one_job_reads_here(
    tmp_path: Path, shares: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(parallel, "usable_cores", USABLE_CORES)
    monkeypatch.setenv("CLICHE_JOBS", "1")
    _read_here(_troubled_history(tmp_path))
    assert shares == []
