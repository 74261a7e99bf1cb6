"""What the revision graph shows: boxes, edges and collapsed runs.

A long history is mostly straight lines. Every maximal run of *plain*
revisions (one parent, one child, no mark, no label, no dependency either
way) longer than a threshold becomes one box, "N revisions: first .. last";
every structural revision keeps its own box.

A very long history has more branch and merge points than a picture can
hold (``dot`` takes seconds past a thousand boxes). Then the graph keeps
only the landmarks (heads, bases, branch labels, dependencies) and draws
what lies between two landmarks, in history order, as one *segment* box.
Segments are stretches of a topological order, so the graph stays acyclic.

The result is a plain data structure, so DOT, SVG links and tests all look
at the same thing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from sphinxcontrib_cliche.model.history import History, Node

#: The most boxes handed to ``dot``: layout time grows much faster than the
#: box count (on generated histories ~0.1 s for 500 boxes, ~0.7 s for 1,000,
#: ~7 s for 2,000), and past this a picture is no longer read, only scrolled.
MAX_BOXES = 1000

#: Where the newest revisions go, and Graphviz's ``rankdir`` for it (newest at
#: the top by default, as ``alembic history`` lists them).
DIRECTIONS = {"newest-top": "BT", "oldest-top": "TB", "left-right": "LR", "right-left": "RL"}

#: Runs of plain revisions longer than this are drawn as one box by default.
DEFAULT_COLLAPSE = 3


@dataclass(frozen=True, slots=True)
class Box:
    """One box of the graph: a revision, or a collapsed run of revisions."""

    key: str
    revisions: tuple[str, ...]  # oldest first; one element unless collapsed
    label: str
    marks: tuple[str, ...] = ()
    branch_labels: tuple[str, ...] = ()

    @property
    def collapsed(self) -> bool:
        return len(self.revisions) > 1

    @property
    def link_target(self) -> str:
        """The revision a click on this box should show (the first of a run)."""
        return self.revisions[0]


@dataclass(frozen=True, slots=True)
class Edge:
    parent: str  # box keys
    child: str
    dependency: bool = False


@dataclass(frozen=True)
class Graph:
    boxes: tuple[Box, ...]
    edges: tuple[Edge, ...]
    omitted: int = 0  # older revisions left out to stay under MAX_BOXES
    notes: tuple[str, ...] = field(default_factory=tuple)


def build_graph(
    history: History,
    shown: Sequence[Node] | None = None,
    collapse: int | None = DEFAULT_COLLAPSE,
    max_boxes: int = MAX_BOXES,
) -> Graph:
    """The graph of ``shown`` (default: every revision), newest first."""
    nodes = list(history.nodes if shown is None else shown)
    selected = {node.revision for node in nodes}
    runs = _plain_runs(history, nodes, selected, collapse) if collapse is not None else []
    box_of: dict[str, str] = {}
    boxes: list[Box] = []
    in_run = {revision: run for run in runs for revision in run}
    for node in nodes:
        run = in_run.get(node.revision)
        if run is not None:
            if run[-1] != node.revision:
                box_of[node.revision] = _run_key(run)
                continue  # the newest revision of a run places the run's box
            box = Box(_run_key(run), tuple(run), f"{len(run)} revisions\n{run[0]} .. {run[-1]}")
        else:
            box = Box(
                node.revision,
                (node.revision,),
                _label(node),
                node.marks,
                node.record.labels,
            )
        box_of[node.revision] = box.key
        boxes.append(box)
    if len(boxes) > max_boxes and collapse is not None:
        return _segment_graph(history, nodes, max_boxes)
    return _graph_of(history, nodes, selected, boxes, box_of, max_boxes)


def _graph_of(
    history: History,
    nodes: Sequence[Node],
    selected: set[str],
    boxes: list[Box],
    box_of: dict[str, str],
    max_boxes: int,
) -> Graph:
    """The graph of these boxes, the newest ``max_boxes`` of them."""
    omitted = 0
    if len(boxes) > max_boxes:
        kept = {box.key for box in boxes[:max_boxes]}
        omitted = sum(len(box.revisions) for box in boxes[max_boxes:])
        boxes = boxes[:max_boxes]
        selected = {revision for revision in selected if box_of[revision] in kept}
    edges = _edges(history, nodes, selected, box_of)
    return Graph(tuple(boxes), tuple(edges), omitted)


def _segment_graph(history: History, nodes: Sequence[Node], max_boxes: int) -> Graph:
    """Landmarks keep their boxes; the stretches between them become segments."""
    selected = {node.revision for node in nodes}
    owners = history.label_owners
    targets = {owners.get(dep, dep) for node in nodes for dep in node.record.dependencies}
    boxes: list[Box] = []
    box_of: dict[str, str] = {}
    stretch: list[Node] = []  # oldest first

    def close() -> None:
        if not stretch:
            return
        revisions = tuple(node.revision for node in stretch)
        merges = sum(1 for node in stretch if node.is_mergepoint)
        label = f"{len(revisions)} revisions"
        if merges:
            label += f", {merges} merge" + ("s" if merges > 1 else "")
        box = Box(f"seg-{revisions[0]}", revisions, f"{label}\n{revisions[0]} .. {revisions[-1]}")
        boxes.append(box)
        box_of.update(dict.fromkeys(revisions, box.key))
        stretch.clear()

    for node in reversed(nodes):  # oldest first: a topological order
        if _is_landmark(node, targets):
            close()
            boxes.append(
                Box(node.revision, (node.revision,), _label(node), node.marks, node.record.labels)
            )
            box_of[node.revision] = node.revision
        else:
            stretch.append(node)
    close()
    boxes.reverse()  # newest first, as every graph lists them
    return _graph_of(history, nodes, selected, boxes, box_of, max_boxes)


def _is_landmark(node: Node, targets: set[str]) -> bool:
    record = node.record
    return (
        node.is_head
        or node.is_base
        or bool(record.labels or record.dependencies)
        or node.revision in targets
    )


def _label(node: Node, width: int = 40) -> str:
    message = " ".join(node.record.message.split())
    if len(message) > width:
        message = message[: width - 1] + "\u2026"
    return f"{node.revision}\n{message}" if message else node.revision


def _run_key(run: Sequence[str]) -> str:
    # "-" never occurs in a revision id (Alembic forbids it), so this cannot clash;
    # ":" would, to DOT, mean a node port
    return f"run-{run[0]}"


def _is_plain(node: Node, selected: set[str], targets: set[str]) -> bool:
    if node.marks or node.record.labels or node.record.dependencies:
        return False
    if node.revision in targets or len(node.parents) != 1 or len(node.children) != 1:
        return False
    return node.parents[0] in selected and node.children[0] in selected


def _plain_runs(
    history: History, nodes: Sequence[Node], selected: set[str], threshold: int
) -> list[list[str]]:
    """Maximal chains of plain revisions longer than ``threshold``, oldest first."""
    owners = history.label_owners
    targets = {owners.get(dep, dep) for node in nodes for dep in node.record.dependencies}
    plain = {n.revision for n in nodes if _is_plain(n, selected, targets)}
    runs = []
    for revision in plain:
        if history.get(revision).parents[0] in plain:
            continue  # not the oldest of its run
        run = [revision]
        while history.get(run[-1]).children[0] in plain:
            run.append(history.get(run[-1]).children[0])
        if len(run) > threshold:
            runs.append(run)
    return sorted(runs)


def _edges(
    history: History, nodes: Sequence[Node], selected: set[str], box_of: dict[str, str]
) -> list[Edge]:
    owners = history.label_owners
    edges: list[Edge] = []
    seen: set[tuple[str, str, bool]] = set()
    for node in nodes:
        if node.revision not in selected:
            continue
        links = [(p, False) for p in node.parents] + [
            (owners.get(d, d), True) for d in node.record.dependencies
        ]
        for parent, dependency in links:
            if parent not in selected or box_of[parent] == box_of[node.revision]:
                continue
            key = (box_of[parent], box_of[node.revision], dependency)
            if key not in seen:
                seen.add(key)
                edges.append(Edge(*key))
    return edges
