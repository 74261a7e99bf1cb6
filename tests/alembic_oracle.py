"""Alembic's own answers for a folder, to compare ours against.

Alembic is used the normal way here: ``ScriptDirectory`` imports every
revision file, and the text is produced by Alembic's own ``Script`` methods
exactly as ``alembic history`` / ``alembic heads`` call them.
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass
from pathlib import Path

from alembic.script import Script, ScriptDirectory


@dataclass
class AlembicView:
    heads: tuple[str, ...]
    bases: tuple[str, ...]
    branchpoints: set[str]
    mergepoints: set[str]
    children: dict[str, set[str]]
    dependencies: dict[str, set[str]]  # depends_on, labels resolved to revisions
    order: tuple[str, ...]
    history_verbose: str
    history_short: str
    heads_text: str
    heads_verbose: str


def alembic_view(folder: Path, rev_range: str | None = None) -> AlembicView:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        script = ScriptDirectory(str(folder))
        base, head = rev_range.split(":") if rev_range else (None, None)
        walked = list(script.walk_revisions(base=base or "base", head=head or "heads"))
    all_scripts = list(script.walk_revisions())
    heads = script.get_revisions(script.get_heads())
    return AlembicView(
        heads=tuple(script.revision_map.heads),
        bases=tuple(script.revision_map.bases),
        branchpoints={s.revision for s in all_scripts if s.is_branch_point},
        mergepoints={s.revision for s in all_scripts if s.is_merge_point},
        children={s.revision: set(s.nextrev) for s in all_scripts},
        dependencies={s.revision: set(s._resolved_dependencies) for s in all_scripts},
        order=tuple(s.revision for s in walked),
        history_verbose="".join(_verbose(s) for s in walked),
        history_short="".join(
            _short(s, include_branches=True, include_doc=True, include_parents=True) for s in walked
        ),
        heads_text="".join(_short(h, include_branches=True, tree_indicators=False) for h in heads),
        heads_verbose="".join(_verbose(h) for h in heads),
    )


def _verbose(script: Script) -> str:
    return normalise_sets(script.cmd_format(True) + "\n")


def _short(script: Script, **options: bool) -> str:
    """Alembic's one-line format, with the set of branch labels listed sorted."""
    line = script.cmd_format(False, **options)
    labels = script.branch_labels
    if len(labels) > 1:
        line = line.replace(f"({', '.join(labels)})", f"({', '.join(sorted(labels))})", 1)
    return line + "\n"


_SET_LINE = re.compile(r"^(Branches into|Branch names): (.*)$", re.MULTILINE)


def normalise_sets(text: str) -> str:
    """Sort the lists Alembic prints from sets, the one documented difference."""
    return _SET_LINE.sub(
        lambda m: f"{m.group(1)}: {', '.join(sorted(m.group(2).split(', ')))}", text
    )
