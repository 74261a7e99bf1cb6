"""Write a realistic Alembic environment of N revisions for the benchmarks.

Built on the seeded generator the tests use (``sphinxcontrib_cliche.testing``):
classic and typed templates, branches and merges, labels, ``depends_on``,
upgrade bodies with create_table, add_column, batch_alter_table and execute.
The odds of each structure are those of a large, long-lived project.
"""

from __future__ import annotations

import sys
from pathlib import Path

from sphinxcontrib_cliche.testing.histories import Shape, generate

#: A long-lived project: mostly straight lines, branches merged soon after.
REALISTIC = Shape(
    branch=0.05,
    merge=0.05,
    new_base=0.0005,
    label=0.005,
    depends=0.005,
    typed=0.4,
    odd_ids=0.05,
    body_ops=3,
    locality=20,
)


def write_environment(folder: Path, revisions: int, seed: int = 2026) -> Path:
    shape = Shape(**{**REALISTIC.__dict__, "revisions": revisions})
    generate(seed, shape).write(folder)
    (folder / "alembic.ini").write_text(
        "[alembic]\nscript_location = %(here)s\npath_separator = os\n"
    )
    return folder


if __name__ == "__main__":
    target = write_environment(Path(sys.argv[1]), int(sys.argv[2]))
    print(target)
