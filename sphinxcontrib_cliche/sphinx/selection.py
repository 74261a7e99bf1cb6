"""Which revisions a directive shows, and a fingerprint of what it showed.

Kept apart from the directives so that the environment can ask the same
question again between builds: when a history changes, a page is read
again only if the revisions it shows (or their facts) changed.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

from sphinxcontrib_cliche.model.history import History, Node


@dataclass(frozen=True)
class Selection:
    """A directive's choice of revisions; ``page`` 1 holds the oldest ones."""

    range: str | None = None
    branch: str | None = None
    newest_first: bool = True
    limit: int | None = None
    per_page: int | None = None
    page: int | None = None

    @property
    def is_overview(self) -> bool:
        """The page that links to the pages rather than showing revisions."""
        return self.per_page is not None and self.page is None


def select_all(history: History, selection: Selection) -> list[Node]:
    """Every revision the selection covers, before paging, in display order.

    Raises :class:`~sphinxcontrib_cliche.errors.RangeError` for a bad range.
    """
    shown = list(history.range(selection.range))
    if selection.branch:
        shown = [node for node in shown if selection.branch in node.branch_names]
    if not selection.newest_first:
        shown.reverse()
    return shown[: selection.limit] if selection.limit else shown


def select(history: History, selection: Selection) -> list[Node]:
    """The revisions one directive shows: all of them, or one page."""
    shown = select_all(history, selection)
    if selection.per_page is None or selection.page is None:
        return shown
    return page_of(shown, selection)


def page_count(total: int, per_page: int) -> int:
    return max(1, -(-total // per_page))


def page_of(shown: Sequence[Node], selection: Selection) -> list[Node]:
    """Page ``selection.page`` of ``shown``, counted from the oldest revision.

    Counting from the oldest keeps every page but the newest unchanged when a
    revision is added on top, so an incremental build reads one page again.
    """
    assert selection.per_page is not None and selection.page is not None
    oldest_first = list(shown) if not selection.newest_first else list(reversed(shown))
    start = (selection.page - 1) * selection.per_page
    page = oldest_first[start : start + selection.per_page]
    return page if not selection.newest_first else list(reversed(page))


def page_bounds(total: int, per_page: int, page: int) -> tuple[int, int]:
    """The first and last position (1 = the oldest revision) on ``page``."""
    return (page - 1) * per_page + 1, min(page * per_page, total)


def fingerprint(nodes: Sequence[Node], *extra: object) -> str:
    """What a page renders of its revisions, hashed: every fact of each record
    and each revision's place in the graph, plus ``extra`` (page counts)."""
    digest = hashlib.blake2b(repr(extra).encode(), digest_size=16)
    for node in nodes:
        facts = (node.record, node.children, node.branch_names, node.marks)
        digest.update(repr(facts).encode())
    return digest.hexdigest()


def usage_fingerprint(history: History, selection: Selection, shown: Sequence[Node]) -> str:
    """The fingerprint of one directive's output: its revisions and, for a
    history split into pages, the number of pages (the links between them)."""
    if selection.per_page is None:
        return fingerprint(shown)
    total = len(select_all(history, selection))
    return fingerprint(shown, page_count(total, selection.per_page))
