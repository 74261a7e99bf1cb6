"""Calm, honest and safe on anything: fuzzing, no execution, escaping, atomic writes,
deterministic output."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import warnings
from pathlib import Path
from typing import Any

import pytest
from bs4 import BeautifulSoup
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sphinxcontrib_cliche.diagnostics import Level
from sphinxcontrib_cliche.loading import load
from sphinxcontrib_cliche.source import rewrite
from sphinxcontrib_cliche.source.reader import FileReading, read_revision_file
from sphinxcontrib_cliche.testing.histories import Shape, generate

# CI runs a bounded number of examples; `HYPOTHESIS_PROFILE=long` runs many more.
settings.register_profile("ci", max_examples=150, deadline=None)
settings.register_profile("long", max_examples=5000, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

FUZZ = settings(suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


# --- fuzzing -----------------------------------------------------------------------


@FUZZ
@given(st.one_of(st.text(), st.binary()))
def test_reader_survives_any_content(tmp_path: Path, content: str | bytes) -> None:
    path = tmp_path / "fuzz.py"
    if isinstance(content, str):
        path.write_text(content, encoding="utf-8", errors="surrogatepass")
    else:
        path.write_bytes(content)
    reading = read_revision_file(path)
    assert isinstance(reading, FileReading)
    assert reading.record is not None or reading.diagnostics


_ID = st.text(alphabet="abcdef0123456789_xyz", min_size=1, max_size=8)
_LITERAL = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=10),
    lambda inner: st.lists(inner, max_size=3) | st.tuples(inner, inner),
    max_leaves=6,
)


@st.composite
def histories(draw: st.DrawFn) -> list[str]:
    """Valid Python revision files: random ids and links, literals, unicode, markup."""
    ids = draw(st.lists(_ID, min_size=1, max_size=7, unique=True))
    files = []
    for index, revision in enumerate(ids):
        earlier = ids[:index]
        if earlier and draw(st.booleans()):
            parents: Any = draw(
                st.lists(st.sampled_from(earlier), min_size=1, max_size=3, unique=True)
            )
            parents = parents[0] if len(parents) == 1 and draw(st.booleans()) else tuple(parents)
        else:
            parents = None
        doc = draw(st.text(max_size=40))
        extra = draw(st.lists(_LITERAL, max_size=3))
        labels = (f"label_{revision}",) if draw(st.integers(0, 4)) == 0 else None
        files.append(
            f"{doc!r}\n# fuzz: {draw(st.text(alphabet=st.characters(blacklist_categories=['Cs', 'Cc']), max_size=20))}\n"
            f"revision = {revision!r}\ndown_revision = {parents!r}\nbranch_labels = {labels!r}\n"
            + "".join(f"extra_{i} = {value!r}\n" for i, value in enumerate(extra))
            + "def upgrade():\n    pass\n"
        )
    return files


@FUZZ
@given(histories())
def test_fuzzed_histories_agree_with_alembic_when_it_loads_them(
    tmp_path: Path, files: list[str]
) -> None:
    folder = tmp_path / "fuzz"
    shutil.rmtree(folder, ignore_errors=True)
    (folder / "versions").mkdir(parents=True)
    for index, text in enumerate(files):
        (folder / "versions" / f"r{index}.py").write_text(text, encoding="utf-8")
    report = load(folder)  # never raises: that is the point
    from alembic.script import ScriptDirectory

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            script = ScriptDirectory(str(folder))
            order = [s.revision for s in script.walk_revisions()]
            heads, bases = tuple(script.revision_map.heads), tuple(script.revision_map.bases)
    except Exception:  # Alembic refuses this history; ours must have said why
        assert report.at_least(Level.ERROR)
        return
    assert report.history.order == tuple(order)
    assert report.history.heads == heads
    assert report.history.bases == bases


# --- nothing untrusted runs ---------------------------------------------------------

HOSTILE = '''"""Hostile revision"""
import pathlib
pathlib.Path({marker!r}).write_text("ran")
revision = "evil1"
down_revision = None


def upgrade():
    pathlib.Path({marker!r}).write_text("upgrade ran")


def downgrade():
    pass
'''


@pytest.mark.sphinx
def test_no_face_runs_revision_files(tmp_path: Path, make_app: Any) -> None:
    marker = tmp_path / "marker"
    versions = tmp_path / "hostile" / "versions"
    versions.mkdir(parents=True)
    (versions / "evil1.py").write_text(HOSTILE.format(marker=str(marker)))
    folder = str(tmp_path / "hostile")
    for command in (
        ["history"],
        ["heads"],
        ["check"],
        ["graph"],
        ["tables"],
        ["changelog"],
        ["history", "--format", "json"],
    ):
        subprocess.run(
            [sys.executable, "-m", "sphinxcontrib_cliche.cli.main", *command, "-d", folder],
            capture_output=True,
            check=False,
        )
    srcdir = tmp_path / "docs"
    srcdir.mkdir()
    (srcdir / "conf.py").write_text('project = "x"\nextensions = ["sphinxcontrib_cliche"]\n')
    (srcdir / "index.rst").write_text(".. cliche-history::\n   :graph:\n\n.. cliche-tables::\n")
    make_app("html", srcdir=srcdir, confoverrides={"cliche_config": folder}).build()
    assert not marker.exists()


# --- nothing untrusted renders -------------------------------------------------------

EVIL = '<script>alert(1)</script> </svg> \\input{/etc/passwd} "quoted" back\\slash'
EVIL_FILE = f"""{EVIL + chr(10) + chr(10) + ".TH injected" + chr(10) + ".. raw:: html" + chr(10) + chr(10) + "   <script>x()</script>"!r}
revision = "e1"
down_revision = None
branch_labels = ("<b>label</b>\\\\input{{x}}",)


def upgrade():
    pass


def downgrade():
    pass
"""


@pytest.fixture
def evil_project(tmp_path: Path) -> tuple[Path, Path]:
    versions = tmp_path / "evil" / "versions"
    versions.mkdir(parents=True)
    (versions / "e1.py").write_text(EVIL_FILE)
    srcdir = tmp_path / "docs"
    srcdir.mkdir()
    (srcdir / "conf.py").write_text('project = "evil"\nextensions = ["sphinxcontrib_cliche"]\n')
    (srcdir / "index.rst").write_text("Evil\n====\n\n.. cliche-history::\n   :graph:\n")
    return tmp_path / "evil", srcdir


@pytest.mark.sphinx
@pytest.mark.parametrize("buildername", ["html", "latex", "man", "text"])
def test_revision_text_is_escaped_in_every_format(
    evil_project: tuple[Path, Path], make_app: Any, buildername: str
) -> None:
    folder, srcdir = evil_project
    app = make_app(buildername, srcdir=srcdir, confoverrides={"cliche_config": str(folder)})
    app.build()
    outdir = Path(app.outdir)
    if buildername == "html":
        page = BeautifulSoup((outdir / "index.html").read_text(), "html.parser")
        assert page.find("script", string=re.compile("alert|x\\(\\)")) is None
        assert EVIL in page.select_one("dl.cliche-revision").get_text()
    elif buildername == "latex":
        tex = next(outdir.glob("*.tex")).read_text()
        assert "\\input{/etc/passwd}" not in tex and "\\textbackslash{}input" in tex
    elif buildername == "man":
        page = next(outdir.glob("*.1")).read_text()
        assert "\n.TH injected" not in page and "\\&.TH injected" in page
    else:
        assert EVIL in (outdir / "index.txt").read_text()


def test_json_round_trips_the_text(evil_project: tuple[Path, Path]) -> None:
    folder, _ = evil_project
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "sphinxcontrib_cliche.cli.main",
            "history",
            "--format",
            "json",
            "-d",
            str(folder),
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    (data,) = json.loads(result.stdout)["revisions"]
    assert data["message"] == EVIL
    assert data["branch_labels"] == ["<b>label</b>\\input{x}"]


# --- nothing lost -----------------------------------------------------------------------


@pytest.mark.parametrize("failure", [OSError("disk full"), KeyboardInterrupt()])
def test_interrupted_rebase_write_changes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, failure: BaseException
) -> None:
    path = tmp_path / "r.py"
    path.write_text('"""Msg\n\nRevises: aaa\n"""\nrevision = "bbb"\ndown_revision = "aaa"\n')
    before = path.read_bytes()
    plan = rewrite.plan_rebase(path, "aaa", "ccc")

    def fail(*args: object, **kwargs: object) -> None:
        raise failure

    monkeypatch.setattr(os, "fsync", fail)
    with pytest.raises(type(failure)):
        rewrite.apply(plan)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["r.py"]  # no temporary file left behind


# --- deterministic output ------------------------------------------------------------


def _run_with_seed(seed: str, *argv: str, cwd: Path | None = None) -> bytes:
    env = {**os.environ, "PYTHONHASHSEED": seed, "NO_COLOR": "1"}
    return subprocess.run(argv, capture_output=True, check=True, env=env, cwd=cwd).stdout


def test_cli_output_does_not_depend_on_the_hash_seed(tmp_path: Path) -> None:
    folder = generate(21, Shape(revisions=60, branch=0.2, merge=0.2, label=0.3, depends=0.1)).write(
        tmp_path / "h"
    )
    cli = [sys.executable, "-m", "sphinxcontrib_cliche.cli.main"]
    for command in (
        ["history"],
        ["history", "--format", "json"],
        ["graph", "--format", "dot"],
        ["graph"],
        ["tables", "--format", "json"],
        ["changelog"],
        ["heads", "--verbose"],
    ):
        outputs = {
            _run_with_seed(seed, *cli, *command, "-d", str(folder)) for seed in ("0", "1", "12345")
        }
        assert len(outputs) == 1, command


def _html_tree(outdir: Path) -> dict[str, bytes]:
    return {
        str(path.relative_to(outdir)): path.read_bytes()
        for path in sorted(outdir.rglob("*"))
        if path.is_file()
        and path.suffix in (".html", ".svg", ".inv", ".js")
        and "searchindex" not in path.name
    }


@pytest.mark.sphinx
def test_sphinx_output_does_not_depend_on_the_hash_seed(tmp_path: Path) -> None:
    folder = generate(5, Shape(revisions=40, branch=0.2, merge=0.2, label=0.3)).write(
        tmp_path / "h"
    )
    srcdir = tmp_path / "docs"
    srcdir.mkdir()
    (srcdir / "conf.py").write_text(
        'project = "seed"\nextensions = ["sphinxcontrib_cliche"]\n'
        f"cliche_config = {str(folder)!r}\ncliche_multiple_heads = 'ignore'\n"
        'graphviz_output_format = "svg"\n'
    )
    (srcdir / "index.rst").write_text(
        "Seed\n====\n\n.. cliche-history::\n   :graph:\n\n.. cliche-tables::\n"
    )
    trees = []
    for seed in ("0", "777"):
        outdir = tmp_path / f"out-{seed}"
        _run_with_seed(
            seed, sys.executable, "-m", "sphinx", "-q", "-E", "-b", "html", str(srcdir), str(outdir)
        )
        trees.append(_html_tree(outdir))
    assert trees[0].keys() == trees[1].keys()
    assert trees[0] == trees[1]


def test_fingerprints_do_not_depend_on_the_hash_seed_or_the_reading(tmp_path: Path) -> None:
    """A page compares digests of its revisions across builds and processes: they
    must be the same whatever the hash seed, and whether the records were read
    now or loaded from a pickle (the reading cache, the kept snapshot)."""
    folder = generate(8, Shape(revisions=40, branch=0.2, merge=0.2, label=0.3, body_ops=3)).write(
        tmp_path / "h"
    )
    script = (
        "import json, pickle, sys\n"
        "from sphinxcontrib_cliche.loading import load\n"
        "from sphinxcontrib_cliche.model.history import History\n"
        "report = load(sys.argv[1])\n"
        "again = History(pickle.loads(pickle.dumps(report.snapshot.records)))\n"
        "for history in (report.history, again):\n"
        "    print(json.dumps([history.digest(node.revision).hex() for node in history.nodes]))\n"
    )
    outputs = {
        _run_with_seed(seed, sys.executable, "-c", script, str(folder)) for seed in ("0", "99")
    }
    assert len(outputs) == 1
    fresh, pickled = outputs.pop().decode().splitlines()
    assert fresh == pickled
    assert len(set(json.loads(fresh))) == 40  # one digest per revision, none alike
