"""The build gate: judged on every build from environment data, in the main process.

A check made while reading a document would be skipped on the next build
when that document is unchanged, and a broken history would then pass; so
the findings are re-evaluated in ``env-updated`` from what the environment
holds, every time.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from typing import TYPE_CHECKING, cast

from docutils import nodes
from sphinx.errors import SphinxError
from sphinx.util import logging

from sphinxcontrib_cliche.diagnostics import Code, Diagnostic, Level
from sphinxcontrib_cliche.errors import ClicheError
from sphinxcontrib_cliche.model.history import History
from sphinxcontrib_cliche.sphinx.selection import fingerprint, select
from sphinxcontrib_cliche.sphinx.store import refresh, report_of

if TYPE_CHECKING:
    from sphinx.application import Sphinx
    from sphinx.environment import BuildEnvironment

    from sphinxcontrib_cliche.sphinx.domain import ClicheDomain, Usage

logger = logging.getLogger(__name__)


class ClicheBuildError(SphinxError):
    """The history breaks a rule the project asked to enforce (e.g. one head)."""

    category = "Alembic history error"


def _domain(env: BuildEnvironment) -> ClicheDomain:
    return cast("ClicheDomain", env.get_domain("cliche"))


def outdated_documents(
    app: Sphinx, env: BuildEnvironment, added: set[str], changed: set[str], removed: set[str]
) -> list[str]:
    """Pages whose revisions changed since they were rendered.

    Each history is stat-checked and, if any of its files or folders changed,
    read again once; then only the pages rendered from an older read are
    compared, by fingerprint, with what they would show now.  Adding a
    revision to a history split into pages thus re-reads the newest page and
    the overview, not all of them.
    """
    domain = _domain(env)
    domain.checked.clear()  # a new build: every history is stat-checked again, once
    outdated = []
    for docname, usages in sorted(domain.usages.items()):
        kept = []
        for usage in usages:
            key = usage.source_key
            if key not in domain.snapshots:
                break  # never read (a failed directive): read the page again
            cached = refresh(domain, key)
            if usage.generation != cached.generation:
                history = report_of(domain, key, cached).history
                if _fingerprint(history, usage) != usage.fingerprint:
                    break
                usage = replace(usage, generation=cached.generation)
            kept.append(usage)
        else:
            domain.usages[docname] = kept  # unchanged: now known to match this read
            continue
        outdated.append(docname)
    return outdated


def _fingerprint(history: History, usage: Usage) -> str:
    """What the usage's directive would show now, as :meth:`.directives.HistorySourceDirective.use`
    fingerprinted it."""
    try:
        return fingerprint(history, select(history, usage.selection), usage.selection)
    except ClicheError:
        return fingerprint(history, None, usage.selection)


def check_histories(app: Sphinx, env: BuildEnvironment) -> None:
    """Warn about every finding and enforce ``multiple-heads``, once per history."""
    domain = _domain(env)
    usages = [u for _, uses in sorted(domain.usages.items()) for u in uses]
    by_source: dict[str, list[Usage]] = {}
    for usage in usages:
        by_source.setdefault(usage.source_key, []).append(usage)
    failures = []
    for key, uses in by_source.items():
        cached = domain.snapshots.get(key)
        if cached is None:
            continue
        _warn(
            d
            for d in cached.diagnostics
            if d.code is not Code.MULTIPLE_HEADS and d.level >= Level.WARNING
        )
        heads = [d for d in cached.diagnostics if d.code is Code.MULTIPLE_HEADS]
        if not heads:
            continue
        message = heads[0].message
        policies = {use.multiple_heads for use in uses}
        if "error" in policies:
            failures.append(message)
        elif "warning" in policies:
            first = next(use for use in uses if use.multiple_heads == "warning")
            logger.warning(
                "%s",
                message,
                type="cliche",
                subtype="multiple-heads",
                location=(first.docname, first.lineno),
            )
    if failures:
        raise ClicheBuildError(
            "\n\n".join(failures)
            + "\n\n(to build anyway: cliche_multiple_heads = 'warning' in conf.py, "
            "or :multiple-heads: warning on the directive)"
        )


def _warn(diagnostics: Iterable[Diagnostic]) -> None:
    for diagnostic in diagnostics:
        logger.warning(
            "[%s] %s",
            diagnostic.code.value,
            diagnostic.message,
            type="cliche",
            subtype=diagnostic.code.value,
            location=_file_location(diagnostic),
        )


def _file_location(diagnostic: Diagnostic) -> nodes.Node | None:
    """The revision file (and line) as a warning location.

    Sphinx reads a location string without a colon as a docname, so a file
    outside the project is handed over the way a node carries its source.
    """
    if diagnostic.path is None:
        return None
    node = nodes.Element()
    node.source, node.line = diagnostic.path, diagnostic.line
    return node
