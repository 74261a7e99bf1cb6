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


@dataclass(frozen=True)
class Selected:
    """What a selection gave: the revisions shown, and how many it covers before
    paging (a page needs that count for its bounds and the number of pages)."""

    nodes: list[Node]
    total: int


def select(history: History, selection: Selection) -> Selected:
    """The revisions one directive shows: all of them, or one page.

    Raises :class:`~sphinxcontrib_cliche.errors.RangeError` for a bad range.
    """
    shown = list(history.range(selection.range))
    if selection.branch:
        shown = [node for node in shown if selection.branch in node.branch_names]
    if not selection.newest_first:
        shown.reverse()
    if selection.limit:
        shown = shown[: selection.limit]
    if selection.per_page is None or selection.page is None:
        return Selected(shown, len(shown))
    return Selected(_page_of(shown, selection), len(shown))


def page_count(total: int, per_page: int) -> int:
    return max(1, -(-total // per_page))


def _page_of(shown: Sequence[Node], selection: Selection) -> list[Node]:
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


def fingerprint(history: History, selected: Selected | None, selection: Selection) -> str:
    """What a directive rendered, hashed: every fact of each shown revision and
    its place in the graph (:meth:`.History.digest`) and, for a history split
    into pages, the number of pages (the links between them).  ``None`` (the
    selection failed): ``""``."""
    if selected is None:
        return ""
    extra = () if selection.per_page is None else page_count(selected.total, selection.per_page)
    digest = hashlib.blake2b(repr(extra).encode(), digest_size=16)
    for node in selected.nodes:
        digest.update(history.digest(node.revision))
    return digest.hexdigest()
