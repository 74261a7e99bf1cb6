"""A throwaway PostgreSQL server for the tests marked ``postgres``.

The server runs from a temporary data folder on a free port of 127.0.0.1,
as the ``postgres`` user when the tests run as root (the server refuses
root), and is stopped when the session ends, whatever happened.  Set
``CLICHE_TEST_POSTGRES_URL`` to use a server of your own instead, and
``CLICHE_REQUIRE_POSTGRES=1`` (as CI does) to make a missing server an error
rather than a skip.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

DRIVER = "postgresql+psycopg"


def _binaries() -> Path | None:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: p.parts[-3])
    if found:
        return found[-1].parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def _as_server_user(argv: list[str]) -> list[str]:
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *argv]
    return argv


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _unavailable(reason: str) -> None:
    message = f"PostgreSQL tests NOT RUN: {reason}"
    if os.environ.get("CLICHE_REQUIRE_POSTGRES") == "1":
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """The URL of a running server (no database part)."""
    given = os.environ.get("CLICHE_TEST_POSTGRES_URL")
    if given:
        yield given.rstrip("/")
        return
    bindir = _binaries()
    if bindir is None:
        _unavailable("no initdb found; install Debian's postgresql package")
    assert bindir is not None
    root = Path(tempfile.mkdtemp(prefix="cliche-pg-"))
    if os.geteuid() == 0:
        shutil.chown(root, "postgres", "postgres")
    data, port = root / "data", _free_port()
    started = False
    try:
        subprocess.run(
            _as_server_user(
                [str(bindir / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust"]
            ),
            check=True,
            capture_output=True,
        )
        options = f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off"
        subprocess.run(
            _as_server_user(
                [
                    str(bindir / "pg_ctl"),
                    "-D",
                    str(data),
                    "-o",
                    options,
                    "-w",
                    "-l",
                    str(root / "log"),
                    "start",
                ]
            ),
            check=True,
            capture_output=True,
        )
        started = True
        yield f"{DRIVER}://postgres@127.0.0.1:{port}"
    except (OSError, subprocess.CalledProcessError) as error:
        detail = getattr(error, "stderr", b"") or b""
        _unavailable(f"could not start a server: {error} {detail.decode(errors='replace')[-300:]}")
    finally:
        if started:
            subprocess.run(
                _as_server_user(
                    [str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"]
                ),
                check=False,
                capture_output=True,
            )
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def postgres_url(postgres_server: str) -> Iterator[str]:
    """A fresh, empty database for one test."""
    import psycopg

    name = f"cliche_{uuid.uuid4().hex[:12]}"
    plain = postgres_server.replace(DRIVER, "postgresql")
    with psycopg.connect(f"{plain}/postgres", autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    yield f"{postgres_server}/{name}"
    with psycopg.connect(f"{plain}/postgres", autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
