"""The operation reference: extraction, descriptions, links, tables and SQL."""

from __future__ import annotations

import ast
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
from alembic.operations import BatchOperations, Operations
from bs4 import BeautifulSoup
from conftest import MIGRATIONS, write_alembic_inventory

from sphinxcontrib_cliche.cli.main import main
from sphinxcontrib_cliche.loading import load
from sphinxcontrib_cliche.render.operations import describe, reference_target
from sphinxcontrib_cliche.source.operations import extract
from sphinxcontrib_cliche.sphinx.revisions import RenderRevisions

DATA = Path(__file__).parent / "data"
ROOTS = Path(__file__).parent / "roots"


def _ops(path: Path) -> tuple[list[str], list[str]]:
    up, down = extract(ast.parse(path.read_text()))
    return [describe(o) for o in up], [describe(o) for o in down]


def test_migrations_operations() -> None:
    history = load(MIGRATIONS / "alembic.ini").history
    described = {n.revision: [describe(o) for o in n.record.upgrade_ops] for n in history.nodes}
    assert described == {
        "27e81ea4d86": [
            "create table `people` (id Integer not null, name String(200) not null, dob Date)"
        ],
        "2d8b17e13d1": ["create table `teams` (id Integer not null, name String(200) not null)"],
        "1344c33541b": [
            "create table `team_memberships` (team_id Integer not null, member_id Integer not null)"
        ],
        "1ed82ef0071": ["add column `dod` (Date, nullable) to `people`"],
        "2d8e07def2": ["add column `nationality` (String(100), nullable) to `people`"],
    }
    downgrade = history.get("1ed82ef0071").record.downgrade_ops
    assert [(o.name, o.table, o.target, o.batch, o.line) for o in downgrade] == [
        ("drop_column", "people", "dod", True, 23)
    ]


def test_every_operation_and_import_form() -> None:
    up, down = _ops(DATA / "every_operation.py")
    assert up == [
        "create table `accounts` (id Integer not null, email String(120) not null default 'x')",
        "drop table `legacy`",
        "rename table `old_name` to `new_name`",
        "add column `plan` (String(20), nullable) to `accounts`",
        "drop column `obsolete` from `accounts`",
        "alter column `email` of `accounts` (type=String(60), nullable=True)",
        "create index `ix_accounts_email` on `accounts` (email)",
        "drop index `ix_old` on `accounts`",
        "create unique constraint `uq_plan` on `accounts` (plan)",
        "create foreign key `fk_owner` on `accounts` (owner_id) referencing `users`",
        "create check constraint `ck_plan` on `accounts`",
        "create primary key `pk_accounts` on `accounts` (id)",
        "drop constraint `uq_old` on `accounts`",
        "create table comment `accounts`",
        "drop table comment `legacy_notes`",
        "execute `UPDATE accounts SET plan = 'free' WHERE plan IS NULL`",
        "execute `DELETE FROM accounts WHERE id < 0`",
        "bulk insert into `accounts`",
        "add column `region` (String(2)) to `billing.accounts` (batch)",
        "drop column `fax` from `billing.accounts` (batch)",
        "create index `ix_alias` on `accounts` (plan)",
        "drop index `ix_alias2` on `accounts`",
        "add column `bare` (Integer) to `accounts`",
        "create table comment `accounts`",
        "execute `CREATE EXTENSION IF NOT EXISTS citext` if op.get_context().dialect.name == 'postgresql'",
        # the helper gets its table as an argument: followed, but not guessed
        "add column `created_by` (String(50)) to ? in _add_audit_columns() [dynamic: the table name is computed]",
        "add column `flag` (Boolean) to ? [dynamic: inside a loop; the table name is computed]",
        "drop table ? [dynamic: the table name is computed]",
        "create table `engine_two` (id Integer) if engine engine2",
    ]
    assert down == []


def test_destructive_operations() -> None:
    up, _ = extract(ast.parse((DATA / "every_operation.py").read_text()))
    destructive = [describe(o) for o in up if o.destructive]
    assert destructive == [
        "drop table `legacy`",
        "drop column `obsolete` from `accounts`",
        "alter column `email` of `accounts` (type=String(60), nullable=True)",
        "execute `DELETE FROM accounts WHERE id < 0`",
        "drop column `fax` from `billing.accounts` (batch)",
        "drop table ? [dynamic: the table name is computed]",
    ]


def test_every_operation_name_is_in_alembics_reference() -> None:
    """Every name the extractor emits is a documented method of Alembic's Operations
    (plain) or BatchOperations (batch): the targets of the Operation Reference."""
    up, down = extract(ast.parse((DATA / "every_operation.py").read_text()))
    history = load(MIGRATIONS / "alembic.ini").history
    operations = [*up, *down, *(o for n in history.nodes for o in n.record.downgrade_ops)]
    for operation in operations:
        owner = BatchOperations if operation.batch else Operations
        assert callable(getattr(owner, operation.name)), operation.name
        assert reference_target(operation) == f"alembic.operations.Operations.{operation.name}"
        assert getattr(Operations, operation.name).__doc__


def test_check_strict_fails_on_destructive_and_irreversible(tmp_path: Path, capsys: Any) -> None:
    versions = tmp_path / "versions"
    versions.mkdir()
    shutil.copy(DATA / "every_operation.py", versions / "ops1.py")
    assert main(["check", "-d", str(tmp_path)]) == 0
    capsys.readouterr()
    assert main(["check", "-d", str(tmp_path), "--strict"]) == 1
    err = capsys.readouterr().err
    assert "[destructive-operation] ops1: drop_table on legacy loses data" in err
    assert "[missing-downgrade]" in err


def test_cli_tables(capsys: Any) -> None:
    assert main(["tables", "people", "-c", str(MIGRATIONS / "alembic.ini")]) == 0
    assert capsys.readouterr().out.splitlines()[:4] == [
        "people",
        "  27e81ea4d86  create table `people` (id Integer not null, name String(200) not null, dob Date)",
        "  1ed82ef0071  add column `dod` (Date, nullable) to `people`",
        "  2d8e07def2  add column `nationality` (String(100), nullable) to `people`",
    ]
    assert main(["tables", "nope", "-c", str(MIGRATIONS / "alembic.ini")]) == 2


# --- in Sphinx -------------------------------------------------------------------


@pytest.fixture
def ops_app(make_app: Any, tmp_path: Path) -> Any:
    def build(index: str, **overrides: Any) -> Any:
        srcdir = tmp_path / "src"
        srcdir.mkdir(exist_ok=True)
        (srcdir / "conf.py").write_text('project = "ops"\nextensions = ["sphinxcontrib_cliche"]\n')
        (srcdir / "index.rst").write_text(index)
        settings = {
            "cliche_config": str(MIGRATIONS / "alembic.ini"),
            "show_warning_types": True,
            **overrides,
        }
        app = make_app("html", srcdir=srcdir, confoverrides=settings)
        app.build()
        return app

    return build


def _warnings(app: Any) -> str:
    text = re.sub(r"\x1b\[[0-9;]*m", "", app.warning.getvalue())
    return "\n".join(line for line in text.splitlines() if "already registered" not in line)


def _page(app: Any) -> BeautifulSoup:
    return BeautifulSoup((Path(app.outdir) / "index.html").read_text(), "html.parser")


@pytest.mark.sphinx
def test_operations_and_tables_in_sphinx(ops_app: Any) -> None:
    app = ops_app(
        "History\n=======\n\n.. cliche-history::\n   :downgrade:\n\n"
        "Tables\n======\n\n.. cliche-tables::\n\nSee :cliche:table:`people`.\n"
    )
    assert _warnings(app) == ""
    page = _page(app)
    dod = page.find(id="cliche-migrations-1ed82ef0071").find_parent("dl")
    operation = dod.select_one("li.cliche-operation")
    assert " ".join(operation.get_text().split()) == "add column dod (Date, nullable) to people"
    link = operation.select_one("a.reference.external")
    assert (
        link["href"]
        == "https://alembic.sqlalchemy.org/en/latest/ops.html#alembic.operations.Operations.add_column"
    )
    assert operation.select_one("a[href='#cliche-migrations-table-people']") is not None
    downgrade = [li for li in dod.select("li.cliche-operation") if "drop column" in li.get_text()]
    assert downgrade and "cliche-destructive" in downgrade[0]["class"]
    people = page.find(id="cliche-migrations-table-people").find_parent("dl")
    rows = [" ".join(li.get_text().split()) for li in people.select("li")]
    assert [row.split(" ")[0] for row in rows] == ["27e81ea4d86", "1ed82ef0071", "2d8e07def2"]
    assert (
        "create table people" in rows[0]
        and "add column dod" in rows[1]
        and "add column nationality" in rows[2]
    )
    assert page.select_one("p a[href='#cliche-migrations-table-people']") is not None


@pytest.mark.sphinx
def test_operation_links_through_intersphinx(ops_app: Any, tmp_path: Path) -> None:
    inventory = tmp_path / "alembic-objects.inv"
    write_alembic_inventory(inventory, ["add_column", "create_table", "drop_column", "drop_table"])
    app = ops_app(
        ".. cliche-history::\n",
        extensions=["sphinx.ext.intersphinx", "sphinxcontrib_cliche"],
        intersphinx_mapping={"alembic": ("https://alembic.example/", str(inventory))},
    )
    assert _warnings(app) == ""
    link = _page(app).select_one("li.cliche-operation a")
    assert (
        link["href"] == "https://alembic.example/ops.html#alembic.operations.Operations.add_column"
    )


@pytest.mark.sphinx
def test_irreversible_mark(ops_app: Any, tmp_path: Path) -> None:
    versions = tmp_path / "hist" / "versions"
    versions.mkdir(parents=True)
    (versions / "a1.py").write_text(
        '"""One way"""\nrevision = "a1"\ndown_revision = None\ndef upgrade():\n    pass\n'
    )
    app = ops_app(".. cliche-history::\n", cliche_config=str(tmp_path / "hist"))
    block = _page(app).select_one("dl.cliche-revision")
    assert "cliche-irreversible" in block["class"]
    assert block.select_one(".cliche-mark-irreversible").get_text() == "irreversible"


@pytest.mark.sphinx
def test_sql_sqlite(ops_app: Any) -> None:
    app = ops_app(".. cliche-history::\n   :sql: sqlite\n")
    assert _warnings(app) == ""
    page = _page(app)
    dod = page.find(id="cliche-migrations-1ed82ef0071").find_parent("dl")
    assert (
        "ALTER TABLE people ADD COLUMN dod DATE"
        in dod.select_one("div.highlight-sql, pre").get_text()
    )


@pytest.mark.sphinx
def test_sql_failure_is_a_warning_not_a_broken_build(ops_app: Any) -> None:
    app = ops_app(".. cliche-history::\n   :sql: nosuchdialect\n")
    assert "[cliche.sql]" in _warnings(app)
    assert len(_page(app).select("dl.cliche-revision")) == 5


@pytest.mark.sphinx
@pytest.mark.parametrize("intersphinx", [False, True])
def test_html_revisions_made_after_sphinx_post_transforms_are_the_same(
    make_app: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, intersphinx: bool
) -> None:
    """For HTML the revisions are made after Sphinx's own post-transforms, which
    would only walk them; the page is byte for byte the page made before them."""
    inventory = tmp_path / "alembic-objects.inv"
    write_alembic_inventory(inventory, ["add_column", "create_table", "drop_column", "drop_table"])
    index = "History\n=======\n\n.. cliche-history::\n   :downgrade:\n\n.. cliche-tables::\n"

    def page(name: str) -> str:
        settings: dict[str, Any] = {"cliche_config": str(MIGRATIONS / "alembic.ini")}
        if intersphinx:  # made anew: intersphinx rewrites its mapping in place
            settings["extensions"] = ["sphinx.ext.intersphinx", "sphinxcontrib_cliche"]
            settings["intersphinx_mapping"] = {
                "alembic": ("https://alembic.example/", str(inventory))
            }
        srcdir = tmp_path / name
        srcdir.mkdir()
        (srcdir / "conf.py").write_text('project = "ops"\nextensions = ["sphinxcontrib_cliche"]\n')
        (srcdir / "index.rst").write_text(index)
        app = make_app("html", srcdir=srcdir, confoverrides=settings)
        app.build()
        assert _warnings(app) == ""
        return (Path(app.outdir) / "index.html").read_text()

    late = page("late")
    monkeypatch.setattr(RenderRevisions, "is_supported", lambda self: not self.late)
    assert page("early") == late
    operations = BeautifulSoup(late, "html.parser").select("li.cliche-operation a:has(.cliche-op)")
    host = "alembic.example" if intersphinx else "alembic.sqlalchemy.org"
    assert len(operations) > 3 and all(host in link["href"] for link in operations)
