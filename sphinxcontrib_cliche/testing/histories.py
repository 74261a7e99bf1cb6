"""Seeded generators of Alembic histories, for differential tests and benchmarks.

A generated history is a real script folder: revision files written the way
Alembic's templates write them (classic and typed), with branches, merges of
two and three parents, several bases, branch labels and ``depends_on``, so
that Alembic can load the very same files by importing them.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from pathlib import Path

_WORDS = (
    "people teams memberships orders invoices users accounts audit events tags "
    "comments posts likes sessions tokens roles grants regions stores items"
).split()
_COLUMNS = "name email status created_at updated_at amount note kind flag code".split()


@dataclass(frozen=True)
class Shape:
    """How a generated history looks: sizes and the odds of each structure."""

    revisions: int = 50
    branch: float = 0.12
    merge: float = 0.10
    new_base: float = 0.03
    label: float = 0.15
    depends: float = 0.06
    typed: float = 0.4
    odd_ids: float = 0.15
    body_ops: int = 2
    #: Branch from, and merge, only the newest ``locality`` revisions and tips, as
    #: projects do; ``None`` picks anywhere (harder on the graph, kept for tests).
    locality: int | None = None


@dataclass
class GeneratedRevision:
    revision: str
    parents: tuple[str, ...]
    labels: tuple[str, ...] = ()
    depends_on: tuple[str, ...] = ()
    message: str = ""
    created: dt.datetime = field(default_factory=lambda: dt.datetime(2020, 1, 1))


@dataclass
class GeneratedHistory:
    revisions: list[GeneratedRevision]
    seed: int
    body_ops: int = 2

    def write(self, folder: Path, *, seed: int | None = None) -> Path:
        """Write ``folder/versions/*.py`` (and a minimal ``env.py``); return ``folder``."""
        rng = random.Random(self.seed if seed is None else seed)
        versions = folder / "versions"
        versions.mkdir(parents=True, exist_ok=True)
        (folder / "env.py").write_text("# generated history: no database\n", encoding="utf-8")
        for revision in self.revisions:
            name = _file_name(rng, revision)
            (versions / name).write_text(
                render_revision(rng, revision, self.body_ops), encoding="utf-8"
            )
        return folder


def generate(seed: int, shape: Shape | None = None) -> GeneratedHistory:
    """A random but reproducible history: the same seed gives the same history."""
    shape = shape or Shape()
    rng = random.Random(seed)
    revisions: list[GeneratedRevision] = []
    tips: list[str] = []
    used_ids: set[str] = set()
    labels_used = 0
    clock = dt.datetime(2014, 2, 27, 0, 50, 4, 698519)
    for index in range(shape.revisions):
        clock += dt.timedelta(seconds=rng.randint(60, 86400 * 3), microseconds=rng.randint(0, 999))
        revision_id = _new_id(rng, used_ids, index, shape)
        roll = rng.random()
        if not revisions or roll < shape.new_base:
            parents: tuple[str, ...] = ()
        elif roll < shape.new_base + shape.merge and len(tips) >= 2:
            pool = tips[-shape.locality :] if shape.locality else tips
            if len(pool) < 2:
                pool = tips
            parents = tuple(rng.sample(pool, min(len(pool), rng.choice((2, 2, 3)))))
        elif roll < shape.new_base + shape.merge + shape.branch:
            recent = revisions[-shape.locality :] if shape.locality else revisions
            parents = (rng.choice(recent).revision,)
        else:
            pool = tips[-shape.locality :] if shape.locality else tips
            parents = (rng.choice(pool),) if pool else (revisions[-1].revision,)
        tips = [t for t in tips if t not in parents] + [revision_id]
        labels: tuple[str, ...] = ()
        if rng.random() < shape.label and (not parents or rng.random() < 0.5):
            labels_used += 1
            labels = (f"{rng.choice(_WORDS)}_branch{labels_used}",)
            if rng.random() < 0.2:
                labels += (f"alias{labels_used}",)
        depends: tuple[str, ...] = ()
        if revisions and rng.random() < shape.depends:
            depends = (rng.choice(revisions).revision,)
            labelled = [label for r in revisions for label in r.labels]
            if labelled and rng.random() < 0.3:
                depends = (rng.choice(labelled),)
        message = f"{rng.choice(('Add', 'Drop', 'Alter', 'Index'))} {rng.choice(_WORDS)}"
        revisions.append(GeneratedRevision(revision_id, parents, labels, depends, message, clock))
    return GeneratedHistory(revisions, seed, shape.body_ops)


def _new_id(rng: random.Random, used: set[str], index: int, shape: Shape) -> str:
    while True:
        if rng.random() < shape.odd_ids:
            candidate = rng.choice(
                (
                    f"{index:04d}_{rng.choice(_WORDS)}",
                    f"{rng.randint(0, 999):03d}",
                    f"{rng.choice(_WORDS)}{index}_",
                    str(1_400_000_000 + rng.randint(0, 10**8)),
                )
            )
        else:
            candidate = f"{rng.getrandbits(48):012x}"[: rng.choice((10, 11, 12))]
        if candidate not in used:
            used.add(candidate)
            return candidate


def _file_name(rng: random.Random, revision: GeneratedRevision) -> str:
    slug = revision.message.lower().replace(" ", "_")
    style = rng.random()
    if style < 0.6:
        return f"{revision.revision}_{slug}.py"
    if style < 0.85:
        return f"{revision.created:%Y_%m_%d_%H%M}-{revision.revision}_{slug}.py"
    return f"{slug}_{rng.getrandbits(20):05x}.py"


def _value(rng: random.Random, values: tuple[str, ...]) -> str:
    if not values:
        return "None"
    if len(values) == 1:
        return rng.choice(
            (repr(values[0]), repr(values[0]), f"({values[0]!r},)", f"[{values[0]!r}]")
        )
    inner = ", ".join(repr(v) for v in values)
    return rng.choice((f"({inner})", f"[{inner}]"))


def render_revision(rng: random.Random, revision: GeneratedRevision, ops: int = 2) -> str:
    """The source of one revision file, in the classic or the typed template."""
    typed = rng.random() < 0.4
    revises = ", ".join(revision.parents) or "None"
    header = (
        f'"""{revision.message}\n\nRevision ID: {revision.revision}\nRevises: {revises}\n'
        f'Create Date: {revision.created.isoformat(" ")}\n\n"""\n'
    )
    if typed:
        imports = (
            "from typing import Sequence, Union\n\n"
            "from alembic import op\nimport sqlalchemy as sa\n"
        )
        ids = (
            f"revision: str = {revision.revision!r}\n"
            f"down_revision: Union[str, Sequence[str], None] = {_value(rng, revision.parents)}\n"
            f"branch_labels: Union[str, Sequence[str], None] = {_value(rng, revision.labels)}\n"
            f"depends_on: Union[str, Sequence[str], None] = {_value(rng, revision.depends_on)}\n"
        )
    else:
        imports = "from alembic import op\nimport sqlalchemy as sa\n"
        ids = f"revision = {revision.revision!r}\ndown_revision = {_value(rng, revision.parents)}\n"
        if revision.labels or rng.random() < 0.5:
            ids += f"branch_labels = {_value(rng, revision.labels)}\n"
        if revision.depends_on or rng.random() < 0.5:
            ids += f"depends_on = {_value(rng, revision.depends_on)}\n"
    upgrade, downgrade = _bodies(rng, ops)
    return (
        f"{header}{imports}\n\n# revision identifiers, used by Alembic.\n{ids}\n\n"
        f"def upgrade() -> None:\n{upgrade}\n\n"
        f"def downgrade() -> None:\n{downgrade}"
    )


def _bodies(rng: random.Random, ops: int) -> tuple[str, str]:
    up: list[str] = []
    down: list[str] = []
    for _ in range(ops):
        table = f"{rng.choice(_WORDS)}_{rng.randint(1, 99)}"
        column = rng.choice(_COLUMNS)
        kind = rng.random()
        if kind < 0.3:
            up.append(
                f"    op.create_table(\n        {table!r},\n"
                "        sa.Column('id', sa.Integer(), nullable=False),\n"
                f"        sa.Column({column!r}, sa.String(length=50), nullable=True),\n"
                "        sa.PrimaryKeyConstraint('id'),\n    )\n"
            )
            down.append(f"    op.drop_table({table!r})\n")
        elif kind < 0.6:
            up.append(
                f"    op.add_column({table!r}, sa.Column({column!r}, sa.Text(), nullable=True))\n"
            )
            down.append(f"    op.drop_column({table!r}, {column!r})\n")
        elif kind < 0.8:
            up.append(
                f"    with op.batch_alter_table({table!r}) as batch_op:\n"
                f"        batch_op.alter_column({column!r}, nullable=False)\n"
            )
            down.append(
                f"    with op.batch_alter_table({table!r}) as batch_op:\n"
                f"        batch_op.alter_column({column!r}, nullable=True)\n"
            )
        else:
            up.append(f'    op.execute("UPDATE {table} SET {column} = NULL WHERE 1 = 0")\n')
            down.append("    pass\n")
    return "".join(up) or "    pass\n", "".join(reversed(down)) or "    pass\n"
