"""Our graph and text against Alembic's, on generated histories.

Each history is written as real files; Alembic loads them by importing
(``ScriptDirectory``), we read them statically, and every structural fact and
every byte of ``history`` / ``heads`` output must agree.
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from alembic_oracle import alembic_view

from sphinxcontrib_cliche.loading import load
from sphinxcontrib_cliche.render.text import heads_lines, history_lines
from sphinxcontrib_cliche.testing.histories import Shape, generate

#: 300 histories: mostly small (fast to import for Alembic), some up to 300 revisions.
SEEDS = range(300)


def _shape(seed: int) -> Shape:
    rng = random.Random(seed)
    size = rng.choice((1, 2, 3, 5, 8, 13, 21, 34, 55)) if seed % 25 else rng.randint(150, 300)
    return Shape(
        revisions=size,
        branch=rng.uniform(0, 0.25),
        merge=rng.uniform(0, 0.3),
        new_base=rng.uniform(0, 0.08),
        label=rng.uniform(0, 0.3),
        depends=rng.uniform(0, 0.15),
        body_ops=1,
    )


def _text(lines: object) -> str:
    return "".join(line + "\n" for line in lines)  # type: ignore[attr-defined]


@pytest.mark.parametrize("seed", SEEDS)
def test_graph_and_text_agree_with_alembic(seed: int, tmp_path: Path) -> None:
    generate(seed, _shape(seed)).write(tmp_path)
    expected = alembic_view(tmp_path)
    report = load(tmp_path)
    history = report.history

    assert history.heads == expected.heads
    assert history.bases == expected.bases
    assert set(history.branchpoints) == expected.branchpoints
    assert set(history.mergepoints) == expected.mergepoints
    assert history.order == expected.order
    assert {n.revision: set(n.children) for n in history.nodes} == expected.children
    assert _text(history_lines(history.nodes, verbose=True)) == expected.history_verbose
    assert _text(history_lines(history.nodes, verbose=False)) == expected.history_short
    heads = [history.get(h) for h in history.heads]
    assert _text(heads_lines(heads, verbose=False)) == expected.heads_text
    assert _text(heads_lines(heads, verbose=True)) == expected.heads_verbose
    assert not [
        d for d in report.diagnostics if d.code not in ("multiple-heads", "missing-downgrade")
    ]


@pytest.mark.parametrize("seed", range(0, 300, 3))
def test_ranges_agree_with_alembic(seed: int, tmp_path: Path) -> None:
    generated = generate(seed, _shape(seed))
    generated.write(tmp_path)
    history = load(tmp_path).history
    rng = random.Random(seed)
    node = rng.choice(history.nodes)
    ancestor = rng.choice(sorted(history.ancestors(node.revision)))
    for spec in (
        f"{ancestor}:{node.revision}",
        f"{node.revision}:",
        f":{node.revision}",
        "base:heads",
    ):
        expected = alembic_view(tmp_path, spec)
        assert tuple(n.revision for n in history.range(spec)) == expected.order, spec
        assert _text(history_lines(history.range(spec), verbose=True)) == expected.history_verbose
