"""The static reader on the forms found in real projects' version folders."""

from __future__ import annotations

import datetime as dt
import gc
import shutil
from pathlib import Path
from unittest import mock

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sphinxcontrib_cliche.diagnostics import Code
from sphinxcontrib_cliche.loading import collector_paused
from sphinxcontrib_cliche.source import reader
from sphinxcontrib_cliche.source.header import _template_header
from sphinxcontrib_cliche.source.literals import ConstantResolver
from sphinxcontrib_cliche.source.operations import Operation
from sphinxcontrib_cliche.source.reader import FileReading, read_revision_file
from sphinxcontrib_cliche.source.records import Downgrade

TYPED = '''"""Add accounts

Revision ID: 0001_restart_migrations
Revises:
Create Date: 2023-05-06 07:08:09.123456

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision: str = "0001_restart_migrations"
down_revision: Union[str, Sequence[str], None] = None
branch_labels: Union[str, Sequence[str], None] = ("accounts", "billing")
depends_on: Union[str, Sequence[str], None] = ""


def upgrade() -> None:
    op.create_table("accounts", sa.Column("id", sa.Integer))


def downgrade() -> None:
    op.drop_table("accounts")
'''


def test_typed_template(tmp_path: Path) -> None:
    path = tmp_path / "2023_05_06-whatever.py"
    path.write_text(TYPED)
    reading = read_revision_file(path)
    record = reading.record
    assert record is not None
    assert record.revision == "0001_restart_migrations"
    assert record.down_revision is None
    assert record.labels == ("accounts", "billing")
    assert record.depends_on == ""  # kept: Alembic treats "" differently from None
    assert record.dependencies == ()
    assert record.doc == "Add accounts"
    assert record.create_date == dt.datetime(2023, 5, 6, 7, 8, 9, 123456)
    assert record.downgrade is Downgrade.PRESENT
    assert record.line_of("revision") == 14
    assert record.line_of("down_revision") == 15
    assert reading.diagnostics == ()


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("('a1', 'b2')", ("a1", "b2")),
        ("['a1', 'b2']", ("a1", "b2")),
        ("('a1',)", ("a1",)),
        ("'a1'", "a1"),
        ("None", None),
        ("()", None),
    ],
)
def test_down_revision_shapes(write_revision, source: str, expected: object) -> None:
    path = write_revision("x.py", text=f"revision = 'c3'\ndown_revision = {source}\n")
    record = read_revision_file(path).record
    assert record is not None
    assert record.down_revision == expected


@pytest.mark.parametrize(
    "rev_id", ["059", "1400000000", "mitaka01", "kilo", "01H5ZKX3_", "0001_init"]
)
def test_ids_stay_strings(write_revision, rev_id: str) -> None:
    path = write_revision("file.py", text=f"revision = {rev_id!r}\ndown_revision = None\n")
    record = read_revision_file(path).record
    assert record is not None
    assert record.revision == rev_id


def test_docstring_after_imports_is_recovered_not_used(write_revision) -> None:
    text = (
        "from alembic import op\n\n'''Add things\n\nmore'''\nrevision = 'a'\ndown_revision = None\n"
    )
    record = read_revision_file(write_revision("a.py", text=text)).record
    assert record is not None
    assert record.docstring is None
    assert record.doc == ""  # Alembic's answer, for parity
    assert record.message == "Add things"  # what the docs show


def test_docstring_mismatch_is_info(write_revision) -> None:
    path = write_revision("a.py", "abc", "def0", doc="Msg")
    path.write_text(path.read_text().replace("Revises: def0", "Revises: 123, 456"))
    reading = read_revision_file(path)
    assert [d.code for d in reading.diagnostics] == [Code.DOCSTRING_MISMATCH]
    assert reading.diagnostics[0].line == 1
    assert "123, 456" in reading.diagnostics[0].message


def test_revises_comment_of_the_seed_is_not_a_mismatch(write_revision) -> None:
    path = write_revision("a.py", "2d8e07def2", "1ed82ef0071")
    path.write_text(
        path.read_text().replace(
            "Revises: 1ed82ef0071", "Revises: 1ed82ef0071  # changed from 1344c33541b"
        )
    )
    assert read_revision_file(path).diagnostics == ()


def test_constant_from_imported_module(tmp_path: Path, write_revision) -> None:
    package = tmp_path / "app" / "db"
    package.mkdir(parents=True)
    (tmp_path / "app" / "__init__.py").write_text("")
    (package / "__init__.py").write_text("")
    (package / "cli.py").write_text("EXPAND_BRANCH = 'expand'\nCONTRACT = 'contract'\n")
    text = (
        "from app.db import cli\nfrom app.db.cli import CONTRACT\n"
        "revision = 'e1'\ndown_revision = None\nbranch_labels = (cli.EXPAND_BRANCH, CONTRACT)\n"
    )
    record = read_revision_file(
        write_revision("e1.py", text=text), ConstantResolver([str(tmp_path)])
    ).record
    assert record is not None
    assert record.labels == ("expand", "contract")


def test_unresolvable_constant_is_dynamic_with_line(write_revision) -> None:
    text = (
        "import uuid\nrevision = 'r1'\ndown_revision = None\nbranch_labels = (uuid.uuid4().hex,)\n"
    )
    reading = read_revision_file(write_revision("r1.py", text=text))
    assert reading.record is None
    (finding,) = reading.diagnostics
    assert (finding.code, finding.line) == (Code.DYNAMIC_REVISION, 4)


def test_computed_revision_id_is_dynamic(write_revision) -> None:
    reading = read_revision_file(
        write_revision("r.py", text="revision = 'a' + 'b'\ndown_revision = None\n")
    )
    assert reading.record is None
    assert reading.diagnostics[0].code is Code.DYNAMIC_REVISION
    assert reading.diagnostics[0].line == 1


def test_assignment_inside_if_is_dynamic(write_revision) -> None:
    text = "import os\nrevision = 'a'\nif os.environ.get('X'):\n    down_revision = 'b'\nelse:\n    down_revision = None\n"
    reading = read_revision_file(write_revision("r.py", text=text))
    assert reading.record is None
    assert reading.diagnostics[0].code is Code.DYNAMIC_REVISION


def test_assignment_after_functions_is_seen(write_revision) -> None:
    text = "def upgrade():\n    pass\n\nrevision = 'late'\ndown_revision = None\n"
    record = read_revision_file(write_revision("r.py", text=text)).record
    assert record is not None
    assert record.revision == "late"
    assert record.line_of("revision") == 4


def test_reassignment_after_functions_wins(write_revision) -> None:
    text = "revision = 'a'\ndown_revision = None\ndef upgrade():\n    pass\ndown_revision = 'z'\n"
    record = read_revision_file(write_revision("r.py", text=text)).record
    assert record is not None
    assert record.down_revision == "z"


def test_legacy_revision_from_file_name(write_revision) -> None:
    record = read_revision_file(write_revision("abc123.py", text="down_revision = None\n")).record
    assert record is not None
    assert record.revision == "abc123"


@pytest.mark.parametrize(
    ("body", "state"),
    [
        ("def downgrade():\n    pass\n", Downgrade.EMPTY),
        ("def downgrade():\n    '''Nothing.'''\n    ...\n", Downgrade.EMPTY),
        ("def downgrade():\n    op.drop_table('x')\n", Downgrade.PRESENT),
        ("", Downgrade.MISSING),
    ],
)
def test_downgrade_states(write_revision, body: str, state: Downgrade) -> None:
    text = f"revision = 'a'\ndown_revision = None\n\ndef upgrade():\n    pass\n\n{body}"
    record = read_revision_file(write_revision("a.py", text=text)).record
    assert record is not None
    assert record.downgrade is state


def test_crlf_bom_and_latin1(write_revision) -> None:
    crlf = write_revision(
        "crlf.py", text=b'"""Crlf\r\n\r\nbody"""\r\nrevision = "c"\r\ndown_revision = None\r\n'
    )
    bom = write_revision(
        "bom.py", text=b'\xef\xbb\xbf"""Bom"""\nrevision = "b"\ndown_revision = None\n'
    )
    latin = write_revision(
        "latin.py",
        text='# -*- coding: latin-1 -*-\n"""Caf\xe9"""\nrevision = "l"\ndown_revision = None\n'.encode(
            "latin-1"
        ),
    )
    crlf_record = read_revision_file(crlf).record
    assert crlf_record is not None
    assert crlf_record.longdoc == "Crlf\n\nbody"
    bom_record = read_revision_file(bom).record
    assert bom_record is not None
    assert bom_record.doc == "Bom"
    latin_record = read_revision_file(latin).record
    assert latin_record is not None
    assert latin_record.doc == "Café"


# --- the header fast path agrees with the full reader, or steps aside -----------------


def _full_parse(path: Path) -> FileReading:
    """The reading of a whole parse, with the header reader out of the way
    (the oracle of the paths that lean on it)."""
    with mock.patch.object(reader, "read_header", lambda text: None):
        return read_revision_file(path, with_operations=True)


def _whole(reading: FileReading) -> object:
    """Everything a reading holds, the record's lines (which equality skips) too."""
    record = reading.record
    lines = None if record is None else record.lines
    return record, lines, [(d.code, d.line, d.message) for d in reading.diagnostics]


def _fields(reading):  # type: ignore[no-untyped-def]
    record = reading.record
    if record is None:
        return None
    return (
        record.revision,
        record.down_revision,
        record.branch_labels,
        record.depends_on,
        record.docstring,
        record.create_date,
        record.line_of("revision"),
        record.line_of("down_revision"),
        record.line_of("docstring"),
    )


def test_header_path_agrees_with_the_full_reader_on_generated_files(tmp_path: Path) -> None:
    from sphinxcontrib_cliche.testing.histories import Shape, generate

    folder = generate(4, Shape(revisions=300, label=0.3, depends=0.2, body_ops=2)).write(tmp_path)
    for path in sorted((folder / "versions").glob("*.py")):
        fast = read_revision_file(path, with_operations=False)
        full = _full_parse(path)
        assert _fields(fast) == _fields(full), path.name
        assert _whole(read_revision_file(path)) == _whole(full), path.name


@pytest.mark.parametrize(
    "text",
    [
        # an assignment that is really inside a string
        '"""Doc"""\nx = """\nrevision = \'fake\'\n"""\nrevision = "real"\ndown_revision = None\n',
        # a continuation line inside brackets
        '"""Doc"""\nsettings = dict(\nrevision = "fake")\nrevision = "real"\ndown_revision = None\n',
        # assigned in a block: dynamic, which only the full reader can tell
        '"""Doc"""\nimport os\nrevision = "real"\nif os.environ.get("X"):\n    down_revision = "a"\nelse:\n    down_revision = None\n',
        # an imported constant
        '"""Doc"""\nfrom app import cli\nrevision = "real"\ndown_revision = cli.PARENT\n',
        # a parenthesised string is a string
        '"""Doc"""\nrevision = ("real")\ndown_revision = ("parent")\n',
        # escapes in the docstring
        '"""Caf\\u00e9 \\\\ done"""\nrevision = "real"\ndown_revision = None\n',
        # a field the template's lines leave out, assigned before them: a name,
        # in a block, or a plain None (whose line the full reader reports)
        '"""Doc"""\ndepends_on = PARENT\nrevision = "real"\ndown_revision = None\n',
        '"""Doc"""\nif True:\n    depends_on = None\nrevision = "real"\ndown_revision = None\n',
        '"""Doc"""\nbranch_labels = None\nrevision = "real"\ndown_revision = None\n',
        # four closing quotes: Python ends the docstring at the first three, and
        # the fourth opens a string never closed (a syntax error, not `Doc"`)
        '"""Doc""""\nrevision = "real"\ndown_revision = None\n',
    ],
)
def test_header_path_steps_aside_or_agrees(write_revision, text: str) -> None:
    path = write_revision("r.py", text=text)
    fast = read_revision_file(path, with_operations=False)
    full = _full_parse(path)
    assert _fields(fast) == _fields(full)
    assert _whole(read_revision_file(path)) == _whole(full)
    assert [d.code for d in fast.diagnostics] == [
        d.code for d in full.diagnostics if d.code != Code.MISSING_DOWNGRADE
    ]


# Texts near Alembic's templates, for the template match and the general header
# path: each piece is one the template accepts, or one that must make it step aside.
_FUZZ = settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
_LEADING_LINES = st.sampled_from(["", "# -*- coding: utf-8 -*-\n", "#!/usr/bin/env python\n\n"])
_DOCSTRINGS = st.sampled_from(
    [
        '"""Add users\n\nRevision ID: r1\nRevises: p1\nCreate Date: 2024-01-02 03:04:05\n\n"""\n',
        '"""Say "hi" twice\n\nRevision ID: r1\n"""  # a comment\n',
        '"""Say "hi""""\n',
        '"""Escaped \\u00e9"""\n',
        '"""First""" .upper\n',
        '"""First""" + """second"""\n',
        "'''Single quoted'''\n",
        "",
    ]
)
_MIDDLE_LINES = st.sampled_from(
    [
        "from alembic import op\n",
        "import sqlalchemy as sa\n",
        "from typing import Sequence, Union\n",
        "\n",
        "# revision identifiers, used by Alembic.\n",
        "# don't edit by hand\n",
        "from app import (models)\n",
        "x = '''\nrevision = 'inside'\n'''\n",
        "settings = dict(\n",
        "try:\n    import app\nexcept ImportError:\n    revision = None\n",
        "y = 1 + \\\n",
        "depends_on = None\n",
        "branch_labels = PARENT\n",
    ]
)
_ANNOTATIONS = st.sampled_from(["", ": str", ": Union[str, Sequence[str], None]"])
_VALUES = st.sampled_from(
    ["None", "'p1'", '"p2"', "('p1',)", "('p1', 'p2')", "['p1']", "[]", "()", "''", "PARENT"]
)
_ENDINGS = st.sampled_from(["", "  # the parent", " "])
_LATER = st.sampled_from(
    [
        "",
        "\n\ndef upgrade() -> None:\n    op.add_column('t', sa.Column('c', sa.Text()))\n",
        "\ndepends_on = 'p1'\n",
        "\nrevision = 'r2'\n",
        "\ndef upgrade():\n    global revision\n    revision = 'r3'\n",
        "\nif True:\n    down_revision = 'p9'\n",
        '\nop.execute("""\nrevision = \'sql\'\n""")\n',
    ]
)


@st.composite
def _near_template(draw: st.DrawFn) -> str:
    lines = [draw(_LEADING_LINES), draw(_DOCSTRINGS)]
    lines += draw(st.lists(_MIDDLE_LINES, max_size=4))
    names = ["revision", "down_revision", "branch_labels", "depends_on"]
    kept = [n for n in names if n in ("revision", "down_revision") or draw(st.booleans())]
    if draw(st.booleans()):
        kept = draw(st.permutations(kept))
    for name in kept:
        value = "'r1'" if name == "revision" and draw(st.booleans()) else draw(_VALUES)
        lines.append(f"{name}{draw(_ANNOTATIONS)} = {value}{draw(_ENDINGS)}\n")
    lines.append(draw(_LATER))
    return "".join(lines)


@_FUZZ
@given(text=_near_template())
def test_header_paths_agree_with_the_full_reader_near_the_template(
    tmp_path: Path, text: str
) -> None:
    """Whatever the header paths accept, they read as the full parse does; and
    the reading with operations, which parses the file without the lines the
    header read, is the full parse's in every detail."""
    path = tmp_path / "near.py"
    path.write_text(text, encoding="utf-8")
    fast = read_revision_file(path, with_operations=False)
    full = _full_parse(path)
    assert _whole(read_revision_file(path)) == _whole(full)
    if any(d.code == Code.SYNTAX_ERROR for d in full.diagnostics):
        return  # the header paths do not look for syntax errors further down
    assert _fields(fast) == _fields(full)
    assert [d.code for d in fast.diagnostics] == [
        d.code for d in full.diagnostics if d.code != Code.MISSING_DOWNGRADE
    ]


_TYPED_TEMPLATE = '''"""Add users

Revision ID: ab12
Revises: 9f, e3
Create Date: 2024-01-02 03:04:05

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = 'ab12'
down_revision: Union[str, None] = ('9f', 'e3')
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = ['c0']


def upgrade() -> None:
    pass
'''


def test_the_template_match_reads_alembic_templates_alone() -> None:
    """Both templates' layouts are read by the one match, without the general path."""
    header = _template_header(_TYPED_TEMPLATE)
    assert header is not None
    assert header.values == {
        "revision": "ab12",
        "down_revision": ("9f", "e3"),
        "branch_labels": None,
        "depends_on": ("c0",),
    }
    assert header.lines == {
        "revision": 15,
        "down_revision": 16,
        "branch_labels": 17,
        "depends_on": 18,
    }
    assert header.docstring.startswith("Add users\n")
    classic = _TYPED_TEMPLATE.replace("branch_labels: Union[str, Sequence[str], None] = None\n", "")
    classic_header = _template_header(classic)
    assert classic_header is not None
    assert classic_header.lines["depends_on"] == 17
    assert "branch_labels" not in classic_header.values
    assert _template_header(classic + "\nrevision = 'later'\n") is None
    before = classic.replace("# revision identifiers", "depends_on = None\n# revision identifiers")
    assert _template_header(before) is None  # the general path reads both lines


@pytest.mark.parametrize("template", ["generic", "async", "pyproject"])
def test_files_from_alembics_own_templates_take_the_template_match(
    template: str, tmp_path: Path
) -> None:
    """``alembic revision`` output, as each installed template writes it, is read
    by the one match (the fast path is for real projects, not only generated ones)."""
    from alembic import command
    from alembic.config import Config

    mako = Path(command.__file__).parent / "templates" / template / "script.py.mako"
    if not mako.is_file():
        pytest.skip(f"this Alembic has no {template!r} template")
    scripts = tmp_path / "scripts"
    (scripts / "versions").mkdir(parents=True)
    shutil.copy(mako, scripts)
    config = Config()
    config.set_main_option("script_location", str(scripts))
    command.revision(config, message="first")
    command.revision(config, message="second", head="head")
    files = sorted((scripts / "versions").glob("*.py"))
    assert len(files) == 2
    for path in files:
        text = path.read_text(encoding="utf-8")
        assert _template_header(text) is not None, text
        fast = read_revision_file(path, with_operations=False)
        full = _full_parse(path)
        assert _fields(fast) == _fields(full)
        assert _whole(read_revision_file(path)) == _whole(full)


@pytest.mark.parametrize("promote", [True, False])
def test_collector_paused_and_given_back(promote: bool) -> None:
    """The collector is held inside and given back after, even on an error."""
    assert gc.isenabled()
    with pytest.raises(RuntimeError), collector_paused(promote=promote):
        assert not gc.isenabled()
        raise RuntimeError
    assert gc.isenabled()
    gc.disable()
    try:
        with collector_paused(promote=promote):
            pass
        assert not gc.isenabled()  # a collector held by the caller stays held
    finally:
        gc.enable()


@pytest.mark.parametrize("told", [None, True])
def test_collector_paused_leaves_frozen_objects_frozen(told: bool | None) -> None:
    """Objects someone froze stay frozen, and what was allocated joins them
    (moving it to the oldest generation would unfreeze theirs)."""
    gc.freeze()
    try:
        before = gc.get_freeze_count()
        with collector_paused(frozen=told):
            made = [[index] for index in range(1000)]
        assert gc.get_freeze_count() >= before + len(made)
        assert gc.isenabled()
    finally:
        gc.unfreeze()


# --- records cross processes and caches whole ---------------------------------------


def test_a_record_pickles_with_every_field(write_revision) -> None:
    import dataclasses
    import pickle

    path = write_revision("r.py", text=TYPED)
    record = read_revision_file(path).record
    assert record is not None and record.upgrade_ops and record.lines
    record = dataclasses.replace(record, recovered_doc="Misplaced", downgrade=Downgrade.EMPTY)
    loaded = pickle.loads(pickle.dumps(record, pickle.HIGHEST_PROTOCOL))
    assert loaded == record
    for field in dataclasses.fields(record):  # ``lines`` too, which equality skips
        assert getattr(loaded, field.name) == getattr(record, field.name), field.name
    assert len(record.__reduce__()[1]) == len(dataclasses.fields(record))


def test_a_record_s_plain_form_holds_every_field(write_revision) -> None:
    """What a page's fingerprint hashes (``marshal`` of :meth:`plain`): a change to
    any field of a record, of one of its operations or of a column shows in it."""
    import dataclasses
    import marshal

    from sphinxcontrib_cliche.source.operations import Column

    def written(record: object) -> bytes:
        return marshal.dumps(record.plain(), 2)  # type: ignore[attr-defined]

    record = read_revision_file(write_revision("r.py", text=TYPED)).record
    assert record is not None and record.upgrade_ops and record.downgrade_ops
    others = {
        "revision": "other",
        "down_revision": ("p1", "p2"),
        "branch_labels": ("label",),
        "depends_on": "dependency",
        "path": "/elsewhere/r.py",
        "docstring": "Another docstring",
        "recovered_doc": "Misplaced",
        "downgrade": Downgrade.MISSING,
        "upgrade_ops": (),
        "downgrade_ops": (),
        "lines": {"revision": 99},
    }
    assert set(others) == {field.name for field in dataclasses.fields(record)}
    for name, value in others.items():
        assert getattr(record, name) != value, name
        assert written(dataclasses.replace(record, **{name: value})) != written(record), name

    operation = next(op for op in record.upgrade_ops if op.columns)
    column = operation.columns[0]

    def changed(value: object) -> object:
        if isinstance(value, bool) or value is None:
            return not value
        if isinstance(value, int | str):
            return value * 2 if value else "x"
        return (*value, ("x", "y"))  # type: ignore[misc]

    for name in Operation._fields:
        other = Column("x") if name == "columns" else None
        value = (*operation.columns, other) if other else changed(getattr(operation, name))
        variant = operation._replace(**{name: value})
        assert variant.plain() != operation.plain(), name
        assert marshal.dumps(variant.plain(), 2) != marshal.dumps(operation.plain(), 2), name
    for name in Column._fields:
        variant = operation._replace(
            columns=(column._replace(**{name: changed(getattr(column, name))}),)
        )
        assert marshal.dumps(variant.plain(), 2) != marshal.dumps(
            operation._replace(columns=(column,)).plain(), 2
        ), name
