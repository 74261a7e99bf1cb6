"""Docutils nodes for a history, built directly from data.

No reST is generated and re-parsed: messages and docstrings are text nodes,
so ``<script>`` or ``.. raw::`` in a docstring is shown, not obeyed, and the
same nodes come out under MyST.  Each revision is a ``desc`` object (as
Sphinx's own domains render theirs), which every builder knows how to write,
with the structural marks both as CSS classes and as visible text.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from docutils import nodes
from sphinx import addnodes

from sphinxcontrib_cliche.model.history import Node
from sphinxcontrib_cliche.model.tables import TableChange
from sphinxcontrib_cliche.render.operations import segments
from sphinxcontrib_cliche.source.operations import Operation
from sphinxcontrib_cliche.source.records import RevisionRecord
from sphinxcontrib_cliche.sphinx.making import element, text_element

_HEADER_LINE = re.compile(r"^(Revision ID|Revises|Create Date):", re.MULTILINE)
_UNSAFE_ID_CHARS = re.compile(r"[^A-Za-z0-9_-]")

#: Parses docstring text as reST for ``:docstrings: rst``; text otherwise.
DocParser = Callable[[str], list[nodes.Node]]
#: Makes the link from an operation's name to Alembic's Operation Reference.
OperationLink = Callable[[Operation, str], nodes.Node]
#: The SQL of a revision (``:sql:``), or an error message to show instead.
SqlRenderer = Callable[[Node], "tuple[str | None, str | None]"]
#: The history's own link to a revision (``"rev"``) or table, around a label:
#: the finished reference, or the label alone where the link leads nowhere.
OwnLink = Callable[[str, str, nodes.Node], nodes.Node]


@dataclass(frozen=True)
class RenderOptions:
    name: str
    index: bool
    display_path: Callable[[str], str]
    parse_docstring: DocParser | None = None
    operation_link: OperationLink | None = None  # None: operations are not listed
    downgrade: bool = False
    sql: SqlRenderer | None = None
    #: Known once every document is read: the history's own links are then made
    #: finished (``None``: pending, for Sphinx's resolver).
    own_link: OwnLink | None = None
    #: The revision carrying each branch label: ``depends_on`` may name a label.
    label_owners: Mapping[str, str] = field(default_factory=dict)
    #: Made after Sphinx's post-transforms: signatures carry the domain's class,
    #: as ``PropagateDescDomain`` would give them.
    domain_class: bool = False


def table_anchor(history: str, table: str) -> str:
    return f"cliche-{_UNSAFE_ID_CHARS.sub('-', history)}-table-{_UNSAFE_ID_CHARS.sub('-', table)}"


def table_nodes(
    table: str, changes: Sequence[TableChange], ident: str, options: RenderOptions
) -> list[nodes.Node]:
    """A table's story: each revision that touched it (a link) and what it did."""
    desc = addnodes.desc(
        domain="cliche",
        objtype="table",
        desctype="table",
        noindex=not options.index,
        classes=["cliche", "table", "cliche-table"],
    )
    signature = addnodes.desc_signature("", "", ids=[ident] if options.index else [])
    signature += addnodes.desc_name(table, table)
    desc += signature
    items = nodes.bullet_list(classes=["cliche-table-changes"])
    for change in changes:
        paragraph = nodes.paragraph()
        paragraph += _refs([change.node.revision], options)
        paragraph += nodes.Text(" \u2014 ")
        for index, operation in enumerate(change.operations):
            if index:
                paragraph += nodes.Text("; ")
            paragraph.extend(operation_nodes(operation, options))
        classes = ["cliche-destructive"] if any(o.destructive for o in change.operations) else []
        items += nodes.list_item("", paragraph, classes=classes)
    desc += addnodes.desc_content("", items)
    result: list[nodes.Node] = []
    if options.index:
        entry = ("single", f"{table} (database table)", ident, "", None)
        result.append(addnodes.index(entries=[entry]))
    result.append(desc)
    return result


def anchor(history: str, revision: str) -> str:
    """The HTML id of a revision: stable, readable, namespaced by history."""
    return f"cliche-{_UNSAFE_ID_CHARS.sub('-', history)}-{_UNSAFE_ID_CHARS.sub('-', revision)}"


#: Shown for a revision without a message.
NO_MESSAGE = "(no message)"
#: Said of a docstring that Alembic misses (:func:`docstring_text`).
RECOVERED_NOTE = "Docstring found after the imports: Alembic does not see it."
#: The class of the container holding a history's revisions.
HISTORY_CLASS = "cliche-history"


def history_nodes(shown: Sequence[Node], options: RenderOptions) -> list[nodes.Node]:
    children: list[nodes.Node] = []
    for node in shown:
        children.extend(revision_nodes(node, options))
    return [element(nodes.container, children, [HISTORY_CLASS])]


def revision_nodes(node: Node, options: RenderOptions) -> list[nodes.Node]:
    record = node.record
    ident = anchor(options.name, node.revision)
    marks = marks_of(node)
    # like Sphinx's own :no-index: objects, an unindexed copy has no anchor to clash with
    signature = addnodes.desc_signature("", "", ids=[ident] if options.index else [])
    if options.domain_class:
        signature["classes"].append("cliche")
    heading: list[nodes.Node] = [addnodes.desc_name(node.revision, node.revision)]
    if marks:
        heading += [nodes.Text(" "), _marks(marks)]
    message = record.message or NO_MESSAGE
    heading += [_punctuation(" \u2014 "), text_element(nodes.inline, message, ["cliche-message"])]
    signature.extend(heading)
    content: list[nodes.Node] = [_fields(node, options)]
    content.extend(_docstring(node, options))
    content.extend(_sql(node, options))
    desc = element(
        addnodes.desc,
        [signature, element(addnodes.desc_content, content)],
        ["cliche", "revision", "cliche-revision", *(f"cliche-{mark}" for mark in marks)],
        domain="cliche",
        objtype="revision",
        desctype="revision",
        noindex=not options.index,
    )
    result: list[nodes.Node] = [index_node(options.name, node.revision)] if options.index else []
    result.append(desc)
    return result


def index_node(history: str, revision: str) -> addnodes.index:
    """The general index's entry for a revision."""
    entry = ("single", f"{revision} (Alembic revision)", anchor(history, revision), "", None)
    return element(addnodes.index, entries=[entry])


def _marks(marks: Sequence[str]) -> nodes.inline:
    """``(head, branchpoint)``: plain text for text, man and LaTeX; in HTML the
    punctuation is hidden by the style sheet and the marks become badges."""
    children: list[nodes.Node] = [_punctuation("(")]
    for index, mark in enumerate(marks):
        if index:
            children.append(_punctuation(", "))
        children.append(text_element(nodes.inline, mark, ["cliche-mark", f"cliche-mark-{mark}"]))
    children.append(_punctuation(")"))
    return element(nodes.inline, children, ["cliche-marks"])


def marks_of(node: Node) -> tuple[str, ...]:
    """The graph's marks, and ``irreversible`` for a revision that cannot be undone."""
    return (*node.marks, "irreversible") if node.record.irreversible else node.marks


def _punctuation(text: str) -> nodes.inline:
    return text_element(nodes.inline, text, ["cliche-punct"])


def _fields(node: Node, options: RenderOptions) -> nodes.field_list:
    record = node.record
    fields = [
        _field("Parents", _refs(node.parents, options) or [nodes.Text("<base>")]),
        _field("Children", _refs(node.children, options) or [nodes.Text("none")]),
    ]
    if record.labels:
        fields.append(_field("Branch labels", _literals(record.labels)))
    if record.dependencies:
        depends = _refs(record.dependencies, options, options.label_owners)
        fields.append(_field("Depends on", depends))
    created = record.create_date
    if created:
        fields.append(_field("Created", [nodes.Text(created.isoformat(" "))]))
    path = options.display_path(record.path)
    fields.append(_field("File", [text_element(nodes.literal, path)]))
    if options.operation_link is not None:
        if record.upgrade_ops:
            fields.append(_operations_field("Operations", record.upgrade_ops, options))
        if options.downgrade and record.downgrade_ops:
            fields.append(_operations_field("Downgrade", record.downgrade_ops, options))
    return element(nodes.field_list, list(fields), ["cliche-fields"])


def _operations_field(
    name: str, operations: Sequence[Operation], options: RenderOptions
) -> nodes.field:
    items: list[nodes.Node] = []
    for operation in operations:
        classes = ["cliche-operation"]
        destructive = operation.destructive
        if destructive:
            classes.append("cliche-destructive")
        if operation.dynamic:
            classes.append("cliche-dynamic")
        line = operation_nodes(operation, options)
        if destructive:
            line.append(text_element(nodes.inline, " (destructive)", ["cliche-loss"]))
        items.append(element(nodes.list_item, [element(nodes.paragraph, line)], classes))
    listing = element(nodes.bullet_list, items, ["cliche-operations"])
    return _field_of(name, listing)


def operation_nodes(operation: Operation, options: RenderOptions) -> list[nodes.Node]:
    """An operation's line: its name linked to Alembic's docs, its tables to their history."""
    result: list[nodes.Node] = []
    for kind, text in segments(operation):
        if kind == "op" and options.operation_link is not None:
            result.append(options.operation_link(operation, text))
        elif kind == "table":
            result.append(_table_ref(text, options))
        elif kind == "code":
            result.append(text_element(nodes.literal, text))
        else:
            result.append(nodes.Text(text))
    return result


def _table_ref(table: str, options: RenderOptions) -> nodes.Node:
    label = text_element(nodes.literal, table, ["xref", "cliche", "cliche-table"])
    return _own_link("table", table, label, options)


def _own_link(reftype: str, name: str, label: nodes.Node, options: RenderOptions) -> nodes.Node:
    """A link of the history to one of its revisions or tables.  At write time
    it is made finished, or as the text the resolver would leave (a parent
    outside the ``:range:``, a table no ``cliche-tables`` lists): tens of
    thousands of them on a large history, and none for Sphinx's resolver to
    carry, copy and replace."""
    if options.own_link is not None:
        return options.own_link(reftype, name, label)
    return quiet_ref(reftype, options.name, name, label)


def quiet_ref(reftype: str, history: str, name: str, label: nodes.Node) -> addnodes.pending_xref:
    """A link the history makes itself: it resolves when the target is rendered
    somewhere (that very revision or table of that history, never a prefix or
    a label), and otherwise stays text without a warning (a parent outside the
    ``:range:``, a table no ``cliche-tables`` lists)."""
    xref = addnodes.pending_xref(
        "",
        label,
        refdomain="cliche",
        reftype=reftype,
        reftarget=f"{history}:{name}",
        refexplicit=True,
        refwarn=False,
    )
    xref["cliche-quiet"] = True
    return xref


def _sql(node: Node, options: RenderOptions) -> list[nodes.Node]:
    if options.sql is None:
        return []
    sql, problem = options.sql(node)
    if problem:
        return [nodes.paragraph(problem, problem, classes=["cliche-sql-error"])]
    if not sql:
        return []
    return [nodes.literal_block(sql, sql, language="sql", classes=["cliche-sql"])]


def _field(name: str, body: list[nodes.Node]) -> nodes.field:
    return _field_of(name, element(nodes.paragraph, body))


def _field_of(name: str, body: nodes.Element) -> nodes.field:
    title = text_element(nodes.field_name, name)
    return element(nodes.field, [title, element(nodes.field_body, [body])])


def _refs(
    revisions: Sequence[str], options: RenderOptions, owners: Mapping[str, str] | None = None
) -> list[nodes.Node]:
    """Links to revisions, each shown as written; ``owners`` leads a branch label
    to the revision that carries it."""
    result: list[nodes.Node] = []
    for index, revision in enumerate(revisions):
        if index:
            result.append(nodes.Text(", "))
        label = text_element(nodes.literal, revision, ["xref", "cliche", "cliche-rev"])
        target = owners.get(revision, revision) if owners else revision
        result.append(_own_link("rev", target, label, options))
    return result


def _literals(values: Sequence[str]) -> list[nodes.Node]:
    result: list[nodes.Node] = []
    for index, value in enumerate(values):
        if index:
            result.append(nodes.Text(", "))
        result.append(text_element(nodes.literal, value))
    return result


def _docstring(node: Node, options: RenderOptions) -> list[nodes.Node]:
    recovered, paragraphs = docstring_text(node.record)
    result: list[nodes.Node] = []
    if recovered:
        note = RECOVERED_NOTE
        result.append(nodes.paragraph(note, note, classes=["cliche-recovered"]))
    if not paragraphs:
        return result
    if options.parse_docstring is not None:
        result.extend(options.parse_docstring("\n\n".join(paragraphs)))
        return result
    for paragraph in paragraphs:
        result.append(text_element(nodes.paragraph, paragraph, ["cliche-doc"]))
    return result


def docstring_text(record: RevisionRecord) -> tuple[bool, list[str]]:
    """Whether the docstring was recovered from below the imports, and its
    paragraphs after the first (the message) without Alembic's header lines."""
    body = record.longdoc
    recovered = False
    if not body and record.recovered_doc:
        body, recovered = record.recovered_doc.strip(), True
    paragraphs = [p for p in body.split("\n\n")[1:] if p.strip() and not _HEADER_LINE.match(p)]
    text = "\n\n".join(_without_header_lines(p) for p in paragraphs).strip()
    return recovered, text.split("\n\n") if text else []


def _without_header_lines(paragraph: str) -> str:
    return "\n".join(line for line in paragraph.splitlines() if not _HEADER_LINE.match(line))
