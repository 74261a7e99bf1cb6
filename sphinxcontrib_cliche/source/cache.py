"""A cache of read revision files, shared by the ``cliche`` command and Sphinx.

Reading a file is worth keeping only while the file is unchanged, which its
modification time (in nanoseconds) and size tell without reading it.  So the
readings of one history are pickled together, each with the stamp of its
file and the digest of the bytes it was read from, and a later read of the
same history stats every file and reads again only those whose stamp differs.

A stamp differs without any change where the files were written anew: a
fresh clone in CI (with this folder restored from CI's cache), a branch
switched back and forth.  A file whose stamp differs but whose size does not
is hashed (a few microseconds) and, where its bytes are those read before,
their reading is taken, under the new stamp.

Three rules keep it from ever returning a stale reading:

* a file modified within :data:`RACY_SECONDS` of being read is not kept (a
  second edit in the same clock tick would keep its stamp; git calls such
  entries "racily clean");
* a reading that followed an import into another module (an id taken from an
  imported constant) is not kept: that module's edits would not show;
* the cache's name covers everything else a reading depends on: this
  package's version, the Python version (docstrings compile differently from
  3.13), the folders, the reading mode and the import roots.

The cache lives in ``$CLICHE_CACHE_DIR``, else ``$XDG_CACHE_HOME/sphinxcontrib-cliche``,
else ``~/.cache/sphinxcontrib-cliche``; ``CLICHE_CACHE=0`` turns it off.  A
cache that cannot be read or written is ignored, never an error.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import sys
import time
from pathlib import Path

from sphinxcontrib_cliche import __version__
from sphinxcontrib_cliche.source.locations import Locations
from sphinxcontrib_cliche.source.reader import FileReading, read_bytes

#: Files modified more recently than this before being read are not kept.
RACY_SECONDS = 2
#: Bumped whenever what a reading holds changes shape.
FORMAT = 4

Entry = tuple[int, int, bytes, FileReading]  # mtime_ns, size, content digest, reading


def content_digest(data: bytes) -> bytes:
    """The digest that tells a file's bytes from any other's."""
    return hashlib.blake2b(data, digest_size=16).digest()


def cache_folder() -> Path | None:
    """Where caches are kept, or ``None`` when caching is off."""
    if os.environ.get("CLICHE_CACHE", "").lower() in ("0", "no", "off", "false"):
        return None
    explicit = os.environ.get("CLICHE_CACHE_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "sphinxcontrib-cliche"


class ReadingCache:
    """The kept readings of one history read one way; see the module doc."""

    def __init__(self, file: Path | None, entries: dict[str, Entry]) -> None:
        self._file = file
        self._entries = entries
        self._seen: dict[str, Entry] = {}
        self._started_ns = time.time_ns()

    @classmethod
    def open(cls, locations: Locations, *, with_operations: bool) -> ReadingCache:
        folder = cache_folder()
        if folder is None:
            return cls(None, {})
        name = repr(
            (
                FORMAT,
                __version__,
                sys.version_info[:2],
                with_operations,
                locations.version_locations,
                locations.recursive,
                locations.sourceless,
                locations.source_paths,
            )
        )
        file = folder / (hashlib.blake2b(name.encode(), digest_size=12).hexdigest() + ".pickle")
        return cls(file, _load(file))

    @property
    def enabled(self) -> bool:
        return self._file is not None

    def get(self, path: str, mtime_ns: int, size: int) -> FileReading | None:
        """The reading of ``path`` if its stamp is the one it was read under,
        or else its bytes are (see the module's doc)."""
        entry = self._entries.get(path)
        if entry is None or entry[1] != size:
            return None
        if entry[0] != mtime_ns:
            digest = _digest_of(path)
            if digest != entry[2]:
                return None
            self.put(path, mtime_ns, size, digest, entry[3])
            return entry[3]
        self._seen[path] = entry
        return entry[3]

    def put(self, path: str, mtime_ns: int, size: int, digest: bytes, reading: FileReading) -> None:
        """Keep ``reading``, read from bytes of this ``digest`` with this stamp."""
        if self._file is None:
            return
        if self._started_ns - mtime_ns < RACY_SECONDS * 1_000_000_000:
            return  # racily clean: it may change again within the same tick
        self._seen[path] = (mtime_ns, size, digest, reading)

    def save(self) -> None:
        """Keep this read's readings (files no longer in the history are dropped)."""
        if self._file is None or self._seen == self._entries:
            return
        try:
            self._file.parent.mkdir(parents=True, exist_ok=True)
            partial = self._file.with_suffix(f".{os.getpid()}.tmp")
            partial.write_bytes(pickle.dumps(self._seen, pickle.HIGHEST_PROTOCOL))
            partial.replace(self._file)
        except OSError:
            pass  # a read-only home or a full disk: run without the cache


def _digest_of(path: str) -> bytes | None:
    try:
        return content_digest(read_bytes(path))
    except OSError:
        return None


def _load(file: Path) -> dict[str, Entry]:
    try:
        data = pickle.loads(file.read_bytes())
    except Exception:  # unpickling damaged data can raise almost anything: no cache
        return {}
    return data if isinstance(data, dict) else {}
