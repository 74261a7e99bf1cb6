"""The reading cache: a file is read again exactly when it may have changed."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from sphinxcontrib_cliche.loading import load
from sphinxcontrib_cliche.source import reader
from sphinxcontrib_cliche.source.cache import cache_folder

AN_HOUR_AGO = time.time() - 3600


def _history(folder: Path, count: int, *, age: float = AN_HOUR_AGO) -> Path:
    versions = folder / "versions"
    versions.mkdir(parents=True, exist_ok=True)
    for index in range(count):
        parent = f"r{index - 1}" if index else None
        path = versions / f"r{index}.py"
        path.write_text(f'"""Step {index}"""\nrevision = "r{index}"\ndown_revision = {parent!r}\n')
        os.utime(path, (age, age))
    return folder


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The files really read (decoded and parsed, not taken from the cache)."""
    seen: list[str] = []
    real = reader.decode_source

    def counting(path: str | Path, data: bytes | None = None) -> str:
        seen.append(Path(path).name)
        return real(path, data)

    monkeypatch.setattr(reader, "decode_source", counting)
    return seen


@pytest.mark.parametrize("with_operations", [False, True])
def test_unchanged_files_are_not_read_again(
    tmp_path: Path, reads: list[str], with_operations: bool
) -> None:
    folder = _history(tmp_path / "h", 4)
    first = load(folder, with_operations=with_operations)
    assert sorted(reads) == ["r0.py", "r1.py", "r2.py", "r3.py"]
    reads.clear()
    again = load(folder, with_operations=with_operations)
    assert reads == []
    assert again.snapshot.records == first.snapshot.records
    assert again.history.order == first.history.order


def test_an_edit_is_read(tmp_path: Path, reads: list[str]) -> None:
    folder = _history(tmp_path / "h", 3)
    load(folder)
    target = folder / "versions" / "r1.py"
    target.write_text(target.read_text().replace("Step 1", "Step I"))  # same size
    os.utime(target, (AN_HOUR_AGO + 5, AN_HOUR_AGO + 5))
    reads.clear()
    report = load(folder)
    assert reads == ["r1.py"]
    assert report.history.get("r1").record.message == "Step I"


def test_files_written_anew_with_the_same_bytes_are_not_read_again(
    tmp_path: Path, reads: list[str]
) -> None:
    """A fresh clone, or a branch switched back: new stamps, the same bytes.
    Their readings are taken (and kept under the new stamps)."""
    folder = _history(tmp_path / "h", 3)
    first = load(folder)
    for index, path in enumerate(sorted((folder / "versions").iterdir())):
        path.write_bytes(path.read_bytes())
        os.utime(path, (AN_HOUR_AGO + 60 + index, AN_HOUR_AGO + 60 + index))
    reads.clear()
    again = load(folder)
    assert reads == []
    assert again.snapshot.records == first.snapshot.records
    assert load(folder).history.order == first.history.order
    assert reads == []


def test_files_written_just_now_are_not_kept(tmp_path: Path, reads: list[str]) -> None:
    """Racily clean: a second edit in the same clock tick would keep the stamp."""
    folder = _history(tmp_path / "h", 2, age=time.time())
    load(folder)
    reads.clear()
    load(folder)
    assert sorted(reads) == ["r0.py", "r1.py"]


def test_readings_that_follow_imports_are_not_kept(tmp_path: Path, reads: list[str]) -> None:
    (tmp_path / "ids.py").write_text("BASE = 'b1'\n")
    folder = _history(tmp_path / "h", 1)
    path = folder / "versions" / "b1.py"
    path.write_text('"""Base"""\nfrom ids import BASE\nrevision = BASE\ndown_revision = None\n')
    os.utime(path, (AN_HOUR_AGO, AN_HOUR_AGO))
    (folder / "versions" / "r0.py").unlink()
    assert load(folder, source_paths=(str(tmp_path),)).history.order == ("b1",)
    (tmp_path / "ids.py").write_text("BASE = 'b2'\n")
    reads.clear()
    assert load(folder, source_paths=(str(tmp_path),)).history.order == ("b2",)
    assert reads == ["b1.py"]


def test_off_damaged_or_unwritable(
    tmp_path: Path, reads: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = _history(tmp_path / "h", 2)
    monkeypatch.setenv("CLICHE_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("CLICHE_CACHE", "0")
    assert cache_folder() is None
    load(folder)
    assert not (tmp_path / "cache").exists()

    monkeypatch.delenv("CLICHE_CACHE")
    load(folder)
    (kept,) = (tmp_path / "cache").iterdir()
    kept.write_bytes(b"not a pickle")
    reads.clear()
    assert load(folder).history.order == ("r1", "r0")  # damaged: read, and kept anew
    assert sorted(reads) == ["r0.py", "r1.py"]
    reads.clear()
    load(folder)
    assert reads == []

    blocked = tmp_path / "blocked"
    blocked.write_text("a file where the cache folder should be")
    monkeypatch.setenv("CLICHE_CACHE_DIR", str(blocked))
    assert load(folder).history.order == ("r1", "r0")  # no cache, no error
