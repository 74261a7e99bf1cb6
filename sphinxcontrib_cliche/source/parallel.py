"""Reading many revision files on more than one core.

Reading a file with its operations is some 300 µs of ``ast`` work, all of it
under the interpreter's lock: 3 s for a history of 10,000 revisions, which a
Sphinx build pays before it reads its first page.  From a thousand files on,
the files are shared between this process and forked copies of it (as
Sphinx's own ``-j`` forks its readers); each reads its share and sends the
readings back pickled, and they are put together in the files' order.

Forking is used only where it is safe: where the platform forks by default
(Linux and the BSDs, not macOS, whose system libraries do not survive it, nor
Windows) and no other thread is running.  A copy that fails costs only time:
its share is read here, and a real problem in a file is reported as always.
"""

from __future__ import annotations

import os
import pickle
import sys
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sphinxcontrib_cliche.source import reader
from sphinxcontrib_cliche.source.cache import content_digest
from sphinxcontrib_cliche.source.literals import ConstantResolver
from sphinxcontrib_cliche.source.reader import FileReading, read_revision_file

if TYPE_CHECKING:
    from multiprocessing.connection import Connection
    from multiprocessing.process import BaseProcess

#: Fewer files are read here: a copy's start and answer would cost more than they save.
PARALLEL_FROM = 1000
#: Beyond four, the readings' trip back costs about what reading them does.
MAX_PROCESSES = 4

#: A file's reading, and the digest of the bytes it was read from where it may be
#: cached (``None``: it looked into another module, or the file could not be read).
Read = tuple[FileReading, bytes | None]


def usable_cores() -> int:
    """How many cores reading (and Sphinx's drawing) may use: ``CLICHE_JOBS`` when
    set (anything but a positive whole number means 1: the cautious reading),
    else the cores this process may run on (a container's limit, not the machine's)."""
    wanted = os.environ.get("CLICHE_JOBS")
    if wanted is not None:
        return int(wanted) if wanted.strip().isdecimal() and int(wanted) > 0 else 1
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def read_files(
    paths: Sequence[str],
    resolver: ConstantResolver,
    *,
    with_operations: bool,
    digests: bool = False,
) -> list[Read]:
    """Read ``paths`` in order, on as many cores as help where forking is safe
    (with ``digests``, for a cache to keep them: see :func:`read_serially`)."""
    count = _processes(len(paths), with_operations)
    if count <= 1:
        return read_serially(paths, resolver, with_operations, digests)
    shares = _split(paths, count)
    copies = [_start(share, resolver, with_operations, digests) for share in shares[1:]]
    results = read_serially(shares[0], resolver, with_operations, digests)
    for share, copy in zip(shares[1:], copies, strict=True):
        answer = _answer(copy, len(share)) if copy is not None else None
        if answer is None:
            answer = read_serially(share, resolver, with_operations, digests)
        results.extend(answer)
    return results


def read_serially(
    paths: Sequence[str], resolver: ConstantResolver, with_operations: bool, digests: bool = False
) -> list[Read]:
    """Read ``paths`` here, each with the digest of what was read (see ``Read``)
    where ``digests`` are asked for (hashing costs 3 % of reading the ids).

    The digest is of the very bytes parsed: a file changed since it was
    stat'ed can then never be cached with another version's reading.
    """
    results: list[Read] = []
    for path in paths:
        lookups = resolver.lookups
        try:
            # through the module: the catalogue's test refuses reads there
            data: bytes | None = reader.read_bytes(path)
        except OSError:
            data = None  # reported by the reader, which tries again
        reading = read_revision_file(path, resolver, with_operations=with_operations, data=data)
        cacheable = digests and resolver.lookups == lookups
        results.append((reading, content_digest(data) if cacheable and data is not None else None))
    return results


def may_fork() -> bool:
    """Forking is safe: the platform forks by default and no other thread runs
    (a forked copy would hold whatever locks the other threads held)."""
    import multiprocessing  # see _start

    if sys.platform in ("darwin", "win32") or "fork" not in multiprocessing.get_all_start_methods():
        return False
    return threading.active_count() == 1


def _processes(files: int, with_operations: bool) -> int:
    """How many processes should read ``files`` files (1: this one alone)."""
    if not with_operations or files < PARALLEL_FROM:
        return 1  # the header alone is read in some 25 µs a file
    return min(MAX_PROCESSES, usable_cores(), files) if may_fork() else 1


def _split(paths: Sequence[str], count: int) -> list[Sequence[str]]:
    size = -(-len(paths) // count)
    return [paths[start : start + size] for start in range(0, len(paths), size)]


@dataclass(frozen=True)
class _Copy:
    """A forked copy reading a share, and the end of the pipe its answer comes by."""

    process: BaseProcess
    answers: Connection


def _start(
    paths: Sequence[str], resolver: ConstantResolver, with_operations: bool, digests: bool
) -> _Copy | None:
    # imported only by the reads that fork: importing it costs 20 to 30 ms, a
    # twentieth of ``cliche heads`` on 10,000 revisions, which never forks
    import multiprocessing

    context = multiprocessing.get_context("fork")
    answers, sender = context.Pipe(duplex=False)
    process = context.Process(
        target=_read_share, args=(paths, resolver, with_operations, digests, sender), daemon=True
    )
    try:
        process.start()
    except OSError:  # no more processes allowed: read it here
        answers.close()
        return None
    finally:
        sender.close()  # the copy has its own
    return _Copy(process, answers)


def _read_share(
    paths: Sequence[str],
    resolver: ConstantResolver,
    with_operations: bool,
    digests: bool,
    sender: Connection,
) -> None:
    """In the copy: read, answer, leave.  Any failure leaves without an answer
    (and without a traceback): the parent reads the share itself and reports."""
    try:
        results = read_serially(paths, resolver, with_operations, digests)
        sender.send_bytes(pickle.dumps(results, pickle.HIGHEST_PROTOCOL))
    except BaseException:  # any failure means "no answer", see above
        os._exit(1)


def _answer(copy: _Copy, expected: int) -> list[Read] | None:
    """A copy's readings, or ``None`` when it gave no whole answer."""
    try:
        results = pickle.loads(copy.answers.recv_bytes())
    except Exception:  # a dead copy or a damaged answer: read here instead
        results = None
    finally:
        copy.answers.close()
        copy.process.join()
    if not isinstance(results, list) or len(results) != expected:
        return None
    return results
