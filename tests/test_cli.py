"""The ``cliche`` command: Alembic-identical output, the seed's workflow, every refusal."""

from __future__ import annotations

import io
import json
import os
import random
import shutil
import sqlite3
import subprocess
import sys
from contextlib import closing
from pathlib import Path

import pytest
from alembic import command
from alembic.config import Config
from alembic_oracle import normalise_sets
from conftest import MIGRATIONS

from sphinxcontrib_cliche.cli.main import main
from sphinxcontrib_cliche.testing.histories import Shape, generate

SEED_HEADS_FILE = "2d8e07def2_add_nationality_column_to_people_table.py"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def alembic_output(folder: Path, name: str, *args: object, **kwargs: object) -> str:
    """What the real ``alembic`` command prints for a script folder."""
    buffer = io.StringIO()
    config = Config(stdout=buffer)
    config.set_main_option("script_location", str(folder))
    getattr(command, name)(config, *args, **kwargs)
    return normalise_sets(buffer.getvalue())


@pytest.mark.parametrize("seed", range(100))
def test_history_and_heads_match_alembic_command(seed: int, tmp_path: Path, capsys) -> None:
    rng = random.Random(seed)
    generate(seed, Shape(revisions=rng.randint(1, 40), label=0.0, body_ops=1)).write(tmp_path)
    d = str(tmp_path)
    assert run(capsys, "history", "-d", d)[1] == alembic_output(tmp_path, "history", verbose=True)
    assert run(capsys, "-d", d, "history", "--short")[1] == alembic_output(tmp_path, "history")
    assert run(capsys, "heads", "-d", d)[1] == alembic_output(tmp_path, "heads")
    assert run(capsys, "heads", "-v", "-d", d)[1] == alembic_output(tmp_path, "heads", verbose=True)
    _, out, _ = run(capsys, "history", "-d", d, "--format", "json")
    revisions = json.loads(out)["revisions"]
    order = [
        line.split()[1]
        for line in alembic_output(tmp_path, "history", verbose=True).splitlines()
        if line.startswith("Rev: ")
    ]
    assert [r["revision"] for r in revisions] == order
    # a range between a revision and one of its ancestors
    lines = alembic_output(tmp_path, "history").splitlines()
    upper = rng.choice(lines).split(" -> ")[1].split()[0].rstrip(",")
    spec = f":{upper}"
    assert run(capsys, "history", "-d", d, "-r", spec)[1] == alembic_output(
        tmp_path, "history", spec, verbose=True
    )


def test_real_alembic_cli_on_migrations(capsys) -> None:
    ini = str(MIGRATIONS / "alembic.ini")
    for ours, theirs in (
        (["-c", ini, "history"], ["history", "--verbose"]),
        (["history", "--short", "-c", ini], ["history"]),
        (
            ["history", "-r", "1344c33541b:head", "-c", ini],
            ["history", "--verbose", "-r", "1344c33541b:head"],
        ),
        (["heads", "-c", ini], ["heads"]),
    ):
        expected = subprocess.run(
            [sys.executable, "-m", "alembic", "-c", ini, *theirs],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        assert run(capsys, *ours)[1] == expected


def _two_heads(migrations: Path) -> Path:
    path = migrations / "versions" / SEED_HEADS_FILE
    text = path.read_text().replace(
        "down_revision = '1ed82ef0071'", "down_revision = '1344c33541b'"
    )
    path.write_text(text.replace("Revises: 1ed82ef0071", "Revises: 1344c33541b"))
    return path


def _database(migrations: Path) -> Path:
    return migrations / "cliche.db"


def _columns(database: Path, table: str) -> set[str]:
    with closing(sqlite3.connect(database)) as connection:
        return {row[1] for row in connection.execute(f"PRAGMA table_info({table})")}


def test_seed_scenario_end_to_end(migrations_copy: Path, capsys, monkeypatch) -> None:
    monkeypatch.delenv("CLICHE_DATABASE_URL", raising=False)
    ini = str(migrations_copy / "alembic.ini")
    head_file = _two_heads(migrations_copy)
    before = head_file.read_bytes()

    status, _, err = run(capsys, "upgrade", "-c", ini)
    assert status == 1
    assert "1ed82ef0071" in err and "2d8e07def2" in err and "Nothing was changed" in err
    assert not _database(migrations_copy).exists()

    status, _, err = run(capsys, "check", "-c", ini)
    assert status == 1 and "cliche rebase 2d8e07def2 --onto 1ed82ef0071" in err

    status, out, _ = run(
        capsys, "rebase", "2d8e07def2", "--onto", "1ed82ef0071", "-c", ini, "--dry-run"
    )
    assert status == 0 and "+down_revision = '1ed82ef0071'" in out
    assert head_file.read_bytes() == before

    status, out, _ = run(capsys, "rebase", "2d8e07def2", "--onto", "1ed82ef0071", "-c", ini)
    assert status == 0
    after = head_file.read_bytes()
    # exactly the seed's edit: the Revises line and the down_revision literal
    assert after == before.replace(b"Revises: 1344c33541b", b"Revises: 1ed82ef0071").replace(
        b"down_revision = '1344c33541b'", b"down_revision = '1ed82ef0071'"
    )
    assert run(capsys, "check", "-c", ini)[0] == 0

    status, _, err = run(capsys, "upgrade", "-c", ini)
    assert status == 0
    assert "nationality" in _columns(_database(migrations_copy), "people")

    assert run(capsys, "downgrade", "base", "-c", ini)[0] == 0
    with closing(sqlite3.connect(_database(migrations_copy))) as connection:
        tables = {
            n for (n,) in connection.execute("SELECT name FROM sqlite_master WHERE type='table'")
        }
    assert tables == {"alembic_version"}


def test_upgrade_log_lines_as_the_seed_shows(migrations_copy: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "CLICHE_DATABASE_URL"}
    result = subprocess.run(
        [sys.executable, "-m", "sphinxcontrib_cliche.cli.main", "upgrade"],
        cwd=migrations_copy,
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "Context impl SQLiteImpl." in result.stderr
    assert (
        "Running upgrade 1ed82ef0071 -> 2d8e07def2, Add nationality column to people table"
        in result.stderr
    )


def test_rebase_refuses_when_database_applied_it(
    migrations_copy: Path, capsys, monkeypatch
) -> None:
    monkeypatch.delenv("CLICHE_DATABASE_URL", raising=False)
    ini = str(migrations_copy / "alembic.ini")
    head_file = _two_heads(migrations_copy)
    assert run(capsys, "upgrade", "2d8e07def2", "-c", ini)[0] == 0
    before = head_file.read_bytes()
    status, _, err = run(capsys, "rebase", "2d8e07def2", "--onto", "1ed82ef0071", "-c", ini)
    assert status == 1
    assert "already applied 2d8e07def2" in err and "alembic merge" in err
    assert head_file.read_bytes() == before


@pytest.mark.parametrize(
    ("args", "status", "message"),
    [
        (["rebase", "2d8e07def2", "--onto", "ffff"], 2, "ffff"),
        (["rebase", "1344c33541b", "--onto", "2d8e07def2"], 1, "cycle"),
        (["rebase", "1344c33541b", "--onto", "27e81ea4d86"], 1, "not the root of a branch"),
        (["rebase", "27e81ea4d86", "--onto", "2d8e07def2"], 1, "cycle"),
        (["history", "-r", "nope:"], 2, "nope"),
        (["history", "-r", "1344c33541b"], 2, "[start]:[end]"),
    ],
)
def test_refusals_change_nothing(migrations_copy: Path, capsys, args, status, message) -> None:
    ini = str(migrations_copy / "alembic.ini")
    _two_heads(migrations_copy)
    snapshot = {p: p.read_bytes() for p in (migrations_copy / "versions").iterdir()}
    code, _, err = run(capsys, *args, "-c", ini)
    assert code == status
    assert message in err
    assert "Traceback" not in err
    assert {p: p.read_bytes() for p in (migrations_copy / "versions").iterdir()} == snapshot
    assert not _database(migrations_copy).exists()


def test_rebase_refuses_a_file_changed_meanwhile(migrations_copy: Path, monkeypatch) -> None:
    from sphinxcontrib_cliche.source import rewrite

    path = _two_heads(migrations_copy)
    plan = rewrite.plan_rebase(path, "1344c33541b", "1ed82ef0071")
    path.write_text(path.read_text() + "\n# edited meanwhile\n")
    edited = path.read_bytes()
    with pytest.raises(rewrite.RewriteError, match="changed on disk"):
        rewrite.apply(plan)
    assert path.read_bytes() == edited


def test_rebase_keeps_crlf_encoding_and_mode(tmp_path: Path) -> None:
    from sphinxcontrib_cliche.source import rewrite

    path = tmp_path / "r.py"
    source = '# -*- coding: latin-1 -*-\r\n"""Caf\xe9\r\n\r\nRevises: aaa\r\n"""\r\nrevision = "bbb"\r\ndown_revision = "aaa"  # keep me\r\n'
    path.write_bytes(source.encode("latin-1"))
    path.chmod(0o640)
    rewrite.apply(rewrite.plan_rebase(path, "aaa", "ccc"))
    assert path.read_bytes() == source.replace("aaa", "ccc").encode("latin-1")
    assert path.stat().st_mode & 0o777 == 0o640
    assert [p.name for p in tmp_path.iterdir()] == ["r.py"]


def test_database_errors_are_one_message(migrations_copy: Path, capsys, monkeypatch) -> None:
    monkeypatch.setenv("CLICHE_DATABASE_URL", f"sqlite:///{migrations_copy}/no/such/dir/x.db")
    status, _, err = run(capsys, "upgrade", "-c", str(migrations_copy / "alembic.ini"))
    assert status == 1
    assert "database error" in err and "Traceback" not in err


def test_config_errors_exit_2(tmp_path: Path, capsys, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    status, _, err = run(capsys, "history")
    assert status == 2 and "no alembic.ini" in err
    assert run(capsys, "upgrade", "-d", str(MIGRATIONS))[0] == 2
    assert run(capsys, "check", "-c", str(tmp_path / "missing.ini"))[0] == 2


def test_check_json_and_strict(tmp_path: Path, capsys) -> None:
    shutil.copytree(
        MIGRATIONS / "versions", tmp_path / "versions", ignore=shutil.ignore_patterns("__pycache__")
    )
    (tmp_path / "versions" / "x.py").write_text(
        "revision = 'x1'\ndown_revision = '2d8e07def2'\ndef upgrade():\n    pass\n"
    )
    status, out, _ = run(capsys, "check", "-d", str(tmp_path), "--format", "json")
    assert status == 0
    payload = json.loads(out)
    assert payload["heads"] == ["x1"] and payload["diagnostics"][0]["code"] == "missing-downgrade"
    (tmp_path / "versions" / "y.py").write_text("revision = 'y1'\ndown_revision = 'ghost'\n")
    assert run(capsys, "check", "-d", str(tmp_path))[0] == 1


def test_revision_autogenerate(migrations_copy: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "CLICHE_DATABASE_URL"}
    cli = [sys.executable, "-m", "sphinxcontrib_cliche.cli.main"]
    subprocess.run([*cli, "upgrade"], cwd=migrations_copy, env=env, check=True, capture_output=True)
    models = migrations_copy / "models.py"
    models.write_text(
        models.read_text().replace(
            '    Column("nationality", String(100), nullable=True),\n',
            '    Column("nationality", String(100), nullable=True),\n    Column("x", String(20), nullable=True),\n',
        )
    )
    result = subprocess.run(
        [*cli, "revision", "--autogenerate", "-m", "add x to y"],
        cwd=migrations_copy,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    (new,) = (migrations_copy / "versions").glob("*add_x_to_y.py")
    text = new.read_text()
    assert "op.add_column('people', sa.Column('x'" in text
    assert "down_revision = '2d8e07def2'" in text


def test_revision_refuses_on_two_heads(migrations_copy: Path, capsys) -> None:
    _two_heads(migrations_copy)
    before = sorted(p.name for p in (migrations_copy / "versions").iterdir())
    status, _, err = run(
        capsys, "revision", "-m", "more", "-c", str(migrations_copy / "alembic.ini")
    )
    assert status == 1 and "2 heads" in err
    assert sorted(p.name for p in (migrations_copy / "versions").iterdir()) == before


def test_changelog_formats(capsys, tmp_path: Path) -> None:
    ini = str(MIGRATIONS / "alembic.ini")
    status, out, _ = run(capsys, "changelog", "-c", ini, "-r", "1344c33541b:")
    assert status == 0
    assert out.splitlines()[2:] == [
        "- `1344c33541b` (2014-02-27): Add team\\_memberships table",
        "  - create table `team_memberships` (team_id Integer not null, member_id Integer not null)",
        "- `1ed82ef0071` (2014-08-04): Add dod column to Person",
        "  - add column `dod` (Date, nullable) to `people`",
        "- `2d8e07def2` (2014-08-08): Add nationality column to people table",
        "  - add column `nationality` (String(100), nullable) to `people`",
    ]
    target = tmp_path / "c.json"
    assert run(capsys, "changelog", "-c", ini, "--format", "json", "-o", str(target))[0] == 0
    assert json.loads(target.read_text())[0]["revision"] == "27e81ea4d86"
    status, out, _ = run(capsys, "changelog", "-c", ini, "--format", "rst")
    assert out.startswith("Database migrations\n===================\n")


def test_no_color_and_version(capsys) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["--version"])
    status = exit_info.value.code
    assert status == 0 and "cliche" in capsys.readouterr().out


def test_rebase_refuses_a_branch_already_merged(tmp_path: Path, capsys) -> None:
    versions = tmp_path / "versions"
    versions.mkdir()
    for rev, down in (
        ("a1", None),
        ("b1", "a1"),
        ("c1", "a1"),
        ("c2", "c1"),
        ("m1", ("b1", "c2")),
        ("x1", "a1"),
    ):
        (versions / f"{rev}.py").write_text(f"revision = {rev!r}\ndown_revision = {down!r}\n")
    before = (versions / "c1.py").read_bytes()
    status, _, err = run(capsys, "rebase", "c1", "--onto", "x1", "-d", str(tmp_path))
    assert status == 1
    assert "already merged by m1" in err
    assert (versions / "c1.py").read_bytes() == before
