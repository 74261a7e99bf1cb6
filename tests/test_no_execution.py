"""Reading a history never runs the revision files."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from sphinxcontrib_cliche.loading import load

HOSTILE = '''"""Hostile revision

Revision ID: bad1
"""
import pathlib, sys
pathlib.Path({marker!r}).write_text("ran")
raise SystemExit("module body ran")
sys.exit(3)
revision = "bad1"
down_revision = None

def upgrade():
    pass

def downgrade():
    pass
'''


def test_module_body_does_not_run(tmp_path: Path) -> None:
    marker = tmp_path / "marker"
    versions = tmp_path / "versions"
    versions.mkdir()
    (versions / "bad1.py").write_text(HOSTILE.format(marker=str(marker)))
    report = load(tmp_path)
    assert report.history.order == ("bad1",)
    assert report.history.get("bad1").record.doc == "Hostile revision"
    assert not marker.exists()


def test_core_imports_neither_sphinx_nor_docutils() -> None:
    code = (
        "import sys\n"
        "import sphinxcontrib_cliche.loading, sphinxcontrib_cliche.render.text\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('sphinx', 'docutils'))\n"
        "print(bad)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
