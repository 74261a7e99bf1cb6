"""A text drawing of the revision graph, in the spirit of ``git log --graph``.

Revisions come newest first, one line each; every open line of descent is a
lane. A revision takes the lane that waits for it, lanes that also wait for
it join it (``/``), and a merge point opens one lane per extra parent (``\\``).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from sphinxcontrib_cliche.model.history import Node


def draw(nodes: Sequence[Node]) -> Iterator[str]:
    """The drawing of ``nodes`` (history order), one string per line."""
    shown = {node.revision for node in nodes}
    lanes: list[str] = []
    for node in nodes:
        waiting = [i for i, lane in enumerate(lanes) if lane == node.revision]
        if not waiting:
            lanes.append(node.revision)
            waiting = [len(lanes) - 1]
        column = waiting[0]
        if len(waiting) > 1:
            yield _joint(len(lanes), column, waiting[1:])
            lanes = [lane for i, lane in enumerate(lanes) if i not in waiting[1:]]
        yield _row(len(lanes), column, "*") + "  " + _title(node)
        parents = [p for p in node.parents if p in shown]
        if not parents:
            if column < len(lanes) - 1:
                yield _closing(len(lanes), column)
            del lanes[column]
            continue
        lanes[column] = parents[0]
        extra = parents[1:]
        if extra:
            lanes[column + 1 : column + 1] = extra
            yield _opening(len(lanes), column, len(extra))


def _title(node: Node) -> str:
    marks = f" ({', '.join(node.marks)})" if node.marks else ""
    labels = f" [{', '.join(node.record.labels)}]" if node.record.labels else ""
    message = " ".join(node.record.message.split())
    return f"{node.revision}{marks}{labels} {message}".rstrip()


def _row(width: int, column: int, mark: str) -> str:
    return " ".join(mark if i == column else "|" for i in range(width))


def _joint(width: int, column: int, merging: list[int]) -> str:
    """Lanes that end in the revision of ``column`` bend into it; the lanes
    right of the first of them move left with them."""
    first = merging[0]
    return " ".join("/" if i >= first else "|" for i in range(width))


def _opening(width: int, column: int, extra: int) -> str:
    """A merge point opens lanes for its other parents; lanes to the right move over."""
    return " ".join("\\" if i > column else "|" for i in range(width))


def _closing(width: int, column: int) -> str:
    """A base ends its lane: the lanes to its right move left."""
    cells = []
    for i in range(width):
        if i < column:
            cells.append("|")
        elif i > column:
            cells.append("/")
        else:
            cells.append(" ")
    return " ".join(cells).rstrip()
