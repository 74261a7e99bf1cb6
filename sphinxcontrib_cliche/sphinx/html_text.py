"""A history's revisions written straight as HTML, for Sphinx's own HTML writer.

A revision is some eighty docutils nodes (:mod:`.doctree`).  At 10,000
revisions the HTML builder made 800,000 of them, indexed their text for
search, translated them node by node and freed them: three quarters of the
whole build (a 10,000-revision history without graphs took 21.7 s; with
the revisions left out, 6.5 s).  Yet the HTML those nodes
become is a plain function of the revisions, their links and a few
settings.  So where the page is written by Sphinx's stock
``HTML5Translator`` (the ``html``, ``dirhtml``, ``singlehtml`` and ``epub``
builders), the late post-transform writes that HTML itself, as one raw
HTML node per history: the search indexer reads the text of raw HTML
(``sphinx.search``), and the writer copies it out.

Every tag, attribute and escape below is the one the translator writes for
the node of the same name in :mod:`.doctree`, down to the ``<span
class="pre">`` around each word of a signature or literal and the odd/even
classes of fields.  ``tests/test_html_text.py`` builds histories both ways
and holds the pages equal byte for byte, on each Sphinx and docutils the
project supports.

Any other translator (a theme's or an extension's own, or a handler an
extension set on one of these nodes), non-default list compaction, and
external links in an EPUB that shows their URLs get the nodes:
:func:`writes_html_itself` decides.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from docutils import nodes
from sphinx import addnodes
from sphinx.locale import _
from sphinx.writers.html5 import HTML5Translator

from sphinxcontrib_cliche.render.operations import segments
from sphinxcontrib_cliche.sphinx.compat import app_of
from sphinxcontrib_cliche.sphinx.doctree import (
    HISTORY_CLASS,
    NO_MESSAGE,
    RECOVERED_NOTE,
    anchor,
    docstring_text,
    marks_of,
)

if TYPE_CHECKING:
    from sphinx.builders import Builder

    from sphinxcontrib_cliche.model.history import Node
    from sphinxcontrib_cliche.source.operations import Operation

#: The history's own link to a revision (``"rev"``) or table: its ``href`` and
#: title, or ``None`` where the link leads nowhere (the label is shown alone).
OwnHref = Callable[[str, str], "tuple[str, str] | None"]
#: An operation's name as HTML, linked to Alembic's Operation Reference.
OperationHtml = Callable[["Operation", str], str]

#: The nodes the revisions are made of: a handler set on any of them by an
#: extension would change how they are written.
NODE_CLASSES = (
    nodes.container,
    addnodes.desc,
    addnodes.desc_signature,
    addnodes.desc_name,
    addnodes.desc_content,
    nodes.inline,
    nodes.field_list,
    nodes.field,
    nodes.field_name,
    nodes.field_body,
    nodes.paragraph,
    nodes.literal,
    nodes.reference,
    nodes.bullet_list,
    nodes.list_item,
    nodes.Text,
    nodes.raw,
)

# The translator's own tables, so that escaping follows the docutils installed.
_SPECIAL = HTML5Translator.special_characters
_WORDS_AND_SPACES: re.Pattern[str] = HTML5Translator.words_and_spaces
_ATTRIBUTE_WHITESPACE = re.compile("[\n\r\t\v\f]")
# Most of a history's strings (ids, names, paths, links) need no escaping:
# one regular expression tells, cheaper than translating them.
_SPECIALS = re.escape("".join(map(chr, _SPECIAL)))
_NEEDS_ESCAPING = re.compile(f"[{_SPECIALS}]")
_PLAIN_WORD = re.compile(f"[^\\s{_SPECIALS}]+")
_PLAIN_ATTRIBUTE = re.compile(f"[^\n\r\t\v\f{_SPECIALS}]*")


def writes_html_itself(builder: Builder, *, external_links: bool) -> bool:
    """Whether this builder's pages are written by the stock translator with
    the settings :mod:`.html_text` writes for.

    EPUB builders show the URL of each external link (``epub_show_urls``) by
    adding nodes just before they write: a history with such links is left
    as nodes there.
    """
    if builder.format != "html":
        return False
    shows_urls = hasattr(builder, "add_visible_links") and builder.config.epub_show_urls != "no"
    if external_links and shows_urls:
        return False
    registry = app_of(builder.env).registry
    if registry.get_translator_class(builder) is not HTML5Translator:
        return False
    handlers = registry.translation_handlers
    overridden = {**handlers.get(builder.format, {}), **handlers.get(builder.name, {})}
    if any(cls.__name__ in overridden for cls in NODE_CLASSES):
        return False
    settings = getattr(builder, "docsettings", None)
    if settings is None:
        return False
    return bool(settings.compact_lists and settings.compact_field_lists)


def permalink(builder: Builder) -> str | None:
    """The signature's link to itself as ``add_permalink_ref`` writes it, with
    ``\\0`` for the anchor; ``None`` where permalinks are off."""
    config = builder.config
    if not (config.html_permalinks and getattr(builder, "add_permalinks", False)):
        return None
    title = _("Link to this definition")
    return f'<a class="headerlink" href="#\0" title="{title}">{config.html_permalinks_icon}</a>'


@dataclass(frozen=True)
class HtmlOptions:
    """What :func:`history_html` needs besides the revisions."""

    name: str
    index: bool
    display_path: Callable[[str], str]
    own_href: OwnHref
    #: ``None``: operations are not listed.
    operation_html: OperationHtml | None = None
    downgrade: bool = False
    #: The headerlink with ``\\0`` for the anchor (:func:`permalink`).
    permalink: str | None = None
    #: The revision carrying each branch label: ``depends_on`` may name a label.
    label_owners: Mapping[str, str] | None = None


def text(value: str) -> str:
    """Text as ``visit_Text`` writes it outside signatures and literals."""
    return value.translate(_SPECIAL) if _NEEDS_ESCAPING.search(value) else value


def attribute(value: str) -> str:
    """An attribute's value as ``starttag`` writes it."""
    if _PLAIN_ATTRIBUTE.fullmatch(value):
        return value
    return _ATTRIBUTE_WHITESPACE.sub(" ", value).translate(_SPECIAL)


def protected(value: str) -> str:
    """Text inside a signature or a literal: each word in ``<span class="pre">``
    so that it never wraps, breaks allowed at single spaces."""
    if _PLAIN_WORD.fullmatch(value):
        return f'<span class="pre">{value}</span>'
    parts = []
    for token in _WORDS_AND_SPACES.findall(value.translate(_SPECIAL)):
        if token.strip():
            parts.append(f'<span class="pre">{token}</span>')
        elif token in (" ", "\n"):
            parts.append(token)
        else:
            parts.append("&#160;" * (len(token) - 1) + " ")
    return "".join(parts)


def literal(words: str, *classes: str) -> str:
    """A ``literal`` node around ``words`` (:func:`protected` text), its
    ``classes`` before the translator's own."""
    return f'<code class="{" ".join((*classes, "docutils literal notranslate"))}">{words}</code>'


def history_html(shown: Sequence[Node], options: HtmlOptions) -> str:
    """The container of a history's revisions, as the translator writes it."""
    writer = _Writer(options)
    parts = [f'<div class="{HISTORY_CLASS} docutils container">\n']
    parts.extend(writer.revision(node) for node in shown)
    parts.append("</div>\n")
    return "".join(parts)


class _Fields:
    """A field list's rows, numbered odd and even as the translator numbers them."""

    def __init__(self) -> None:
        self.parts = ['<dl class="cliche-fields field-list simple">\n']
        self.count = 0

    def add(self, name: str, body: str) -> None:
        self.count += 1
        parity = "field-even" if self.count % 2 == 0 else "field-odd"
        self.parts.append(
            f'<dt class="{parity}">{text(name)}<span class="colon">:</span></dt>\n'
            f'<dd class="{parity}">{body}</dd>\n'
        )

    def paragraph(self, name: str, body: str) -> None:
        self.add(name, f"<p>{body}</p>\n")

    def html(self) -> str:
        return "".join(self.parts) + "</dl>\n"


class _Writer:
    """Writes one history's revisions.  The words a history repeats (operation
    names, tables, punctuation, marks, links to revisions) are written once
    and remembered."""

    def __init__(self, options: HtmlOptions) -> None:
        self.options = options
        self.words: dict[str, str] = {}
        self.tables: dict[str, str] = {}
        self.revisions: dict[tuple[str, str], str] = {}  # most are a parent and a child

    def protected(self, value: str) -> str:
        found = self.words.get(value)
        if found is None:
            found = self.words[value] = protected(value)
        return found

    def revision(self, node: Node) -> str:
        options, record = self.options, node.record
        marks = marks_of(node)
        classes = " ".join(("cliche revision cliche-revision", *(f"cliche-{m}" for m in marks)))
        ident = anchor(options.name, node.revision) if options.index else None
        parts = [f'<dl class="{classes}">\n<dt class="sig sig-object cliche"']
        parts.append(f' id="{attribute(ident)}">\n' if ident else ">\n")
        parts.append(f'<span class="sig-name descname">{protected(node.revision)}</span>')
        if marks:
            parts.append(" ")
            parts.append(self.marks(marks))
        parts.append(self.punctuation(" \u2014 "))
        message = record.message or NO_MESSAGE
        parts.append(f'<span class="cliche-message">{protected(message)}</span>')
        if ident and options.permalink:
            parts.append(options.permalink.replace("\0", ident))
        parts.append("</dt>\n<dd>")
        parts.append(self.fields(node))
        recovered, paragraphs = docstring_text(record)
        if recovered:
            parts.append(f'<p class="cliche-recovered">{text(RECOVERED_NOTE)}</p>\n')
        parts.extend(f'<p class="cliche-doc">{text(paragraph)}</p>\n' for paragraph in paragraphs)
        parts.append("</dd></dl>\n\n")
        return "".join(parts)

    def marks(self, marks: Sequence[str]) -> str:
        parts = ['<span class="cliche-marks">', self.punctuation("(")]
        for index, mark in enumerate(marks):
            if index:
                parts.append(self.punctuation(", "))
            words = self.protected(mark)
            parts.append(f'<span class="cliche-mark cliche-mark-{mark}">{words}</span>')
        parts.append(self.punctuation(")"))
        parts.append("</span>")
        return "".join(parts)

    def punctuation(self, value: str) -> str:
        return f'<span class="cliche-punct">{self.protected(value)}</span>'

    def fields(self, node: Node) -> str:
        options, record = self.options, node.record
        fields = _Fields()
        fields.paragraph("Parents", self.refs(node.parents) or text("<base>"))
        fields.paragraph("Children", self.refs(node.children) or "none")
        if record.labels:
            labels = ", ".join(literal(protected(label)) for label in record.labels)
            fields.paragraph("Branch labels", labels)
        if record.dependencies:
            fields.paragraph("Depends on", self.refs(record.dependencies, options.label_owners))
        if record.create_date:
            fields.paragraph("Created", text(record.create_date.isoformat(" ")))
        fields.paragraph("File", literal(protected(options.display_path(record.path))))
        if options.operation_html is not None:
            if record.upgrade_ops:
                fields.add("Operations", self.operations(record.upgrade_ops))
            if options.downgrade and record.downgrade_ops:
                fields.add("Downgrade", self.operations(record.downgrade_ops))
        return fields.html()

    def operations(self, operations: Iterable[Operation]) -> str:
        parts = ['<ul class="cliche-operations simple">\n']
        for operation in operations:
            classes = "cliche-operation"
            destructive = operation.destructive
            if destructive:
                classes += " cliche-destructive"
            if operation.dynamic:
                classes += " cliche-dynamic"
            line = self.operation(operation)
            if destructive:
                line += '<span class="cliche-loss"> (destructive)</span>'
            parts.append(f'<li class="{classes}"><p>{line}</p></li>\n')
        parts.append("</ul>\n")
        return "".join(parts)

    def operation(self, operation: Operation) -> str:
        """Its name linked to Alembic's docs, its tables to their history."""
        link = self.options.operation_html
        parts = []
        for kind, value in segments(operation):
            if kind == "op" and link is not None:
                parts.append(link(operation, value))
            elif kind == "table":
                parts.append(self.table(value))
            elif kind == "code":
                parts.append(literal(self.protected(value)))
            else:
                parts.append(text(value))
        return "".join(parts)

    def table(self, table: str) -> str:
        found = self.tables.get(table)
        if found is None:
            label = literal(protected(table), "xref", "cliche", "cliche-table")
            found = self.tables[table] = self.own_link("table", table, label)
        return found

    def refs(self, revisions: Sequence[str], owners: Mapping[str, str] | None = None) -> str:
        links = []
        for revision in revisions:
            target = owners.get(revision, revision) if owners else revision
            found = self.revisions.get((revision, target))
            if found is None:
                label = literal(protected(revision), "xref", "cliche", "cliche-rev")
                found = self.revisions[(revision, target)] = self.own_link("rev", target, label)
            links.append(found)
        return ", ".join(links)

    def own_link(self, typ: str, name: str, label: str) -> str:
        found = self.options.own_href(typ, name)
        if found is None:
            return label
        href, title = found
        titled = f' title="{attribute(title)}"' if title else ""
        return f'<a class="reference internal" href="{attribute(href)}"{titled}>{label}</a>'
