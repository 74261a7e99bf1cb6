"""One function per ``cliche`` command, each returning the exit status.

Read-only commands read the history statically.  The database commands
(``upgrade``, ``downgrade``, ``revision``) hand over to Alembic's own
``alembic.command`` only after the static history has been checked, so a
refusal never touches the database or the folder.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from pathlib import Path

from sphinxcontrib_cliche.checks.policy import multiple_heads
from sphinxcontrib_cliche.cli.output import err, out, report_diagnostics
from sphinxcontrib_cliche.diagnostics import Diagnostic, Level
from sphinxcontrib_cliche.errors import ClicheError, ConfigError, RangeError
from sphinxcontrib_cliche.loading import Report, load
from sphinxcontrib_cliche.model.tables import table_histories
from sphinxcontrib_cliche.paths import relative_path
from sphinxcontrib_cliche.render.changelog import changelog
from sphinxcontrib_cliche.render.data import (
    diagnostic_data,
    operation_data,
    revision_data,
)
from sphinxcontrib_cliche.render.graph import build_graph
from sphinxcontrib_cliche.render.lanes import draw
from sphinxcontrib_cliche.render.operations import describe
from sphinxcontrib_cliche.render.text import heads_lines, history_lines

Command = Callable[[argparse.Namespace, Path, bool], int]


def run(options: argparse.Namespace, target: Path, is_config: bool) -> int:
    command: Command = COMMANDS[options.command]
    return command(options, target, is_config)


def history(options: argparse.Namespace, target: Path, is_config: bool) -> int:
    report = load(target, with_operations=False)
    nodes = report.history.range(options.rev_range)
    if options.format == "json":
        data = [revision_data(node, report.root) for node in nodes]
        out(json.dumps({"revisions": data}, indent=2))
    else:
        for line in history_lines(nodes, verbose=not options.short):
            out(line)
    report_diagnostics(report.diagnostics, report.root, Level.WARNING)
    return 0


def heads(options: argparse.Namespace, target: Path, is_config: bool) -> int:
    report = load(target, with_operations=False)
    nodes = [report.history.get(head) for head in report.history.heads]
    for line in heads_lines(nodes, verbose=options.verbose):
        out(line)
    report_diagnostics(report.diagnostics, report.root, Level.WARNING)
    return 0


def check(options: argparse.Namespace, target: Path, is_config: bool) -> int:
    report = load(target)
    failed = any(_fails(d, options.strict) for d in report.diagnostics)
    if options.format == "json":
        payload = {
            "ok": not failed,
            "revisions": len(report.history),
            "heads": list(report.history.heads),
            "diagnostics": [diagnostic_data(d, report.root) for d in report.diagnostics],
        }
        out(json.dumps(payload, indent=2))
        return 1 if failed else 0
    shown = Level.INFO if options.verbose or options.strict else Level.WARNING
    report_diagnostics(report.diagnostics, report.root, shown)
    history_ = report.history
    if failed:
        err(f"cliche check: failed ({_counts(report)})")
        return 1
    head = history_.heads[0] if history_.heads else "none"
    out(f"cliche check: ok: {len(history_)} revisions, one head ({head}); {_counts(report)}")
    return 0


def _fails(diagnostic: Diagnostic, strict: bool) -> bool:
    if diagnostic.level is Level.ERROR:
        return True
    return strict and (diagnostic.level is Level.WARNING or diagnostic.code.info.strict)


def _counts(report: Report) -> str:
    errors = len([d for d in report.diagnostics if d.level is Level.ERROR])
    warnings = len([d for d in report.diagnostics if d.level is Level.WARNING])
    return f"{errors} error(s), {warnings} warning(s)"


def rebase(options: argparse.Namespace, target: Path, is_config: bool) -> int:
    # only `rebase` writes files: difflib and tempfile stay out of the other commands
    import difflib

    from sphinxcontrib_cliche.source import rewrite

    report = load(target, with_operations=False)
    graph = report.history
    node = graph.resolve(options.revision)
    onto = graph.resolve(options.onto)
    _refuse_unsafe_rebase(report, node.revision, onto.revision)
    parent = node.parents[0]
    plan = rewrite.plan_rebase(Path(node.record.path), parent, onto.revision)
    shown = relative_path(node.record.path, report.root) or node.record.path
    diff = difflib.unified_diff(
        plan.before.decode("utf-8", "replace").splitlines(keepends=True),
        plan.after.decode("utf-8", "replace").splitlines(keepends=True),
        fromfile=f"a/{shown}",
        tofile=f"b/{shown}",
    )
    if options.dry_run:
        for line in diff:
            print(line, end="")
        return 0
    if is_config:
        from sphinxcontrib_cliche.cli.database import applied_revisions

        applied, note = applied_revisions(target)
        if node.revision in applied:
            raise ClicheError(
                f"refusing: the configured database has already applied {node.revision}; "
                "re-pointing it would break that database's upgrade path. Create a merge "
                'revision instead: alembic merge -m "merge heads" heads'
            )
        if note:
            err(f"cliche rebase: note: {note}")
    else:
        err("cliche rebase: note: no config given, so no database was checked")
    rewrite.apply(plan)
    out(f"Rebased {node.revision} onto {onto.revision} (was {parent}) in {shown}")
    out(
        "Only do this for revisions no database has applied yet; "
        "otherwise use `alembic merge heads`."
    )
    return 0


def _refuse_unsafe_rebase(report: Report, revision: str, onto: str) -> None:
    graph = report.history
    node = graph.get(revision)
    if onto == revision or revision in graph.ancestors(onto):
        raise ClicheError(
            f"refusing: {onto} descends from {revision}; the rebase would create a cycle"
        )
    if len(node.parents) != 1:
        raise ClicheError(
            f"refusing: {revision} has {len(node.parents)} parents; only a revision with one "
            "parent can be rebased (use `alembic merge heads`)"
        )
    parent = graph.get(node.parents[0])
    if not parent.is_branchpoint:
        raise ClicheError(
            f"refusing: {revision} is not the root of a branch ({parent.revision} has no other "
            "child), so moving it would reorder a shared line"
        )
    merged = sorted(r for r in graph.descendants(revision) if graph.get(r).is_mergepoint)
    if merged:
        raise ClicheError(
            f"refusing: the branch from {revision} is already merged by {', '.join(merged)}"
        )


def upgrade(options: argparse.Namespace, target: Path, is_config: bool) -> int:
    config = _alembic_config(target, is_config, "upgrade")
    if options.revision == "head":
        _refuse_on_multiple_heads(target, "upgrade")
    from sphinxcontrib_cliche.cli.database import run_alembic

    return run_alembic("upgrade", config, options.revision, sql=options.sql)


def downgrade(options: argparse.Namespace, target: Path, is_config: bool) -> int:
    config = _alembic_config(target, is_config, "downgrade")
    from sphinxcontrib_cliche.cli.database import run_alembic

    return run_alembic("downgrade", config, options.revision, sql=options.sql)


def revision(options: argparse.Namespace, target: Path, is_config: bool) -> int:
    config = _alembic_config(target, is_config, "revision")
    _refuse_on_multiple_heads(target, "revision")
    from sphinxcontrib_cliche.cli.database import make_revision

    return make_revision(config, options.message, autogenerate=options.autogenerate)


def changelog_command(options: argparse.Namespace, target: Path, is_config: bool) -> int:
    report = load(target)
    text = changelog(report.history.range(options.rev_range), options.format, report.root)
    if options.output:
        options.output.write_text(text, encoding="utf-8")
    else:
        print(text, end="")
    report_diagnostics(report.diagnostics, report.root, Level.WARNING)
    return 0


def graph(options: argparse.Namespace, target: Path, is_config: bool) -> int:
    report = load(target, with_operations=False)
    nodes = report.history.range(options.rev_range)
    collapse = _collapse(options.collapse)
    output: Path | None = options.output
    fmt = options.format or ("text" if output is None else _format_of(output))
    if fmt == "text":
        text = "\n".join(draw(nodes)) + "\n"
    else:
        from sphinxcontrib_cliche.render.dot import to_dot  # imports graphviz: only here

        text = to_dot(build_graph(report.history, nodes, collapse), direction=options.direction)
    if output is None:
        print(text, end="")
    elif fmt in ("text", "dot"):
        output.write_text(text, encoding="utf-8")
    else:
        _run_dot(text, fmt, output)
    report_diagnostics(report.diagnostics, report.root, Level.WARNING)
    return 0


def tables(options: argparse.Namespace, target: Path, is_config: bool) -> int:
    report = load(target)
    stories = table_histories(report.history)
    if options.table:
        if options.table not in stories:
            known = ", ".join(stories) or "none"
            raise RangeError(f"no revision touches table {options.table!r} (tables: {known})")
        stories = {options.table: stories[options.table]}
    if options.format == "json":
        data = {
            table: [
                {
                    "revision": change.node.revision,
                    "message": change.node.record.message,
                    "operations": [operation_data(op) for op in change.operations],
                }
                for change in changes
            ]
            for table, changes in stories.items()
        }
        out(json.dumps(data, indent=2))
    else:
        for table, changes in stories.items():
            out(table)
            for change in changes:
                text = "; ".join(describe(op) for op in change.operations)
                out(f"  {change.node.revision}  {text}")
            out()
    report_diagnostics(report.diagnostics, report.root, Level.WARNING)
    return 0


def _collapse(value: str) -> int | None:
    if value.lower() == "none":
        return None
    if not value.isdigit():
        raise ConfigError(f"--collapse takes a whole number or 'none', not {value!r}")
    return int(value)


def _format_of(path: Path) -> str:
    suffix = path.suffix.lower().lstrip(".")
    formats = {"dot": "dot", "gv": "dot", "txt": "text", "svg": "svg", "png": "png", "pdf": "pdf"}
    if suffix not in formats:
        raise ConfigError(f"{path}: unknown output type; use .dot, .gv, .txt, .svg, .png or .pdf")
    return formats[suffix]


def _run_dot(source: str, fmt: str, output: Path) -> None:
    import shutil  # with subprocess, a tenth of the start-up of `cliche heads`
    import subprocess

    dot = shutil.which("dot")
    if dot is None:
        raise ClicheError(
            "the Graphviz `dot` program is needed for ." + fmt + " output; install Graphviz "
            "(apt-get install graphviz, brew install graphviz), or write .dot instead"
        )
    result = subprocess.run(
        [dot, f"-T{fmt}", "-o", str(output)],
        input=source,
        text=True,
        capture_output=True,
        check=False,
    )
    if result.returncode:
        raise ClicheError(f"dot failed: {result.stderr.strip()}")


def _alembic_config(target: Path, is_config: bool, name: str) -> Path:
    if not is_config:
        raise ConfigError(f"`cliche {name}` needs a configuration (-c alembic.ini), not a folder")
    return target


def _refuse_on_multiple_heads(target: Path, name: str) -> None:
    report = load(target, with_operations=False)
    if len(report.history.heads) > 1:
        finding = multiple_heads(report.history, report.root)
        raise ClicheError(f"refusing to {name}: {finding.message}\nNothing was changed.")


COMMANDS: dict[str, Command] = {
    "history": history,
    "heads": heads,
    "check": check,
    "rebase": rebase,
    "upgrade": upgrade,
    "downgrade": downgrade,
    "revision": revision,
    "changelog": changelog_command,
    "graph": graph,
    "tables": tables,
}
