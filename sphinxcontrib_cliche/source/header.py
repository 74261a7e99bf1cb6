"""The fast path of the reader: the ids and docstring from a file's header alone.

Parsing a whole revision file costs far more than reading it; the ids and the
docstring sit in a few lines at the top.  A file laid out as Alembic's
templates write it is read by one match of the whole header.  Other layouts go
through a general reader: the docstring is matched and evaluated with
``ast.literal_eval``, and each ``revision = ...`` line is confirmed by parsing
that line on its own.  Anything unusual (a docstring that is not first, an id
that is not a one-line literal, an assignment that could sit inside a string,
a bracket or a block) returns ``None`` and the caller parses the whole file
instead.  Syntax errors further down are not seen here: only the graph
commands use this path; ``check`` and Sphinx read whole files.
"""

from __future__ import annotations

import ast
import re

from sphinxcontrib_cliche.source.literals import Literal

_LEADING = re.compile(r"\A(?:[ \t]*(?:#[^\n]*)?\n)*")
_DOC_OPEN = re.compile(r'[rRuU]?("""|\'\'\')')
_TRIPLE = re.compile(r'([rRuU]?)("""|\'\'\')((?:[^\\]|\\.)*?)\2', re.DOTALL)
#: A field at the start of a line; a plain string or ``None`` is captured as such,
#: anything else (group 5) is confirmed by the parser.
_FIELD = re.compile(
    # from the line break before: a literal first character makes the search fast
    r"\n(revision|down_revision|branch_labels|depends_on)[ \t]*(?::[^=\n]*)?=[ \t]*"
    r"(?:'([^'\\\n]*)'|\"([^\"\\\n]*)\"|(None)|([^\n]*))[ \t]*(?:#[^\n]*)?$",
    re.MULTILINE,
)
_NESTED_FIELD = re.compile(
    r"\n[ \t]+(?:revision|down_revision|branch_labels|depends_on)[ \t]*[:=+]"
)
#: The rest of a line that ends a statement: blanks, a comment, the line break.
_END = r"[ \t]*(?:#[^\n]*)?(?:\n|\Z)"
_LINE_END = re.compile(_END)
#: A line that leaves a bracket, a call or a line open.
_OPEN_LINE = re.compile(r"[(\[{,\\][ \t]*(?:#[^\n]*)?$")

FIELDS = ("revision", "down_revision", "branch_labels", "depends_on")

# A plain string: no escapes, no line break, no prefix.  With ``None`` and flat
# tuples or lists of such strings, the usual right-hand sides: read without ``ast``.
_SIMPLE_STRING = re.compile(r"'[^'\\\n]*'|\"[^\"\\\n]*\"")


def _value_pattern(space: str) -> str:
    """``None``, a plain string, or a flat tuple or list of them, ``space`` apart
    (a parenthesised string without a comma is a string, so tuples need one)."""
    s, w = _SIMPLE_STRING.pattern, space
    return (
        rf"(None|{s}|\({w}\)|\({w}(?:(?:{s}){w},{w})+(?:{s})?{w}\)"
        rf"|\[{w}(?:(?:{s}){w},{w})*(?:{s})?{w}\])"
    )


_SIMPLE_VALUE = re.compile(_value_pattern(r"\s*") + r"[ \t]*(?:#[^\n]*)?$")

# Alembic's own templates (generic, pyproject and typed), matched whole: comment
# lines, a plain docstring ending its line, lines with no string, bracket or
# backslash in them, then the fields one to a line in the template's order.  One
# match replaces the general path's dozen calls on nearly every file a project has.
_ASSIGN = r"[ \t]*(?::[^=\n]*)?=[ \t]*"  # with an annotation or without
_ON_ONE_LINE = _value_pattern(r"[ \t]*")
_TEMPLATE = re.compile(
    r"(?P<leading>(?:[ \t]*(?:#[^\n]*)?\n)*)"  # a coding line, a shebang
    # the docstring ends at its first closing quotes, as Python's tokenizer ends it;
    # possessive, so the engine keeps no place to come back to at each character
    r'"""(?P<doc>[^"]*+(?:"(?!"")[^"]*+)*+)"""'
    + _END
    + r"(?:[^\"'\\(\[{#\n]*(?:#[^\n]*)?\n)*?"  # imports
    rf"(?P<revision>revision{_ASSIGN}(?P<id>{_SIMPLE_STRING.pattern}){_END})"
    rf"down_revision{_ASSIGN}(?P<down>{_ON_ONE_LINE}){_END}"
    rf"(?:branch_labels{_ASSIGN}(?P<labels>{_ON_ONE_LINE}){_END})?"
    rf"(?:depends_on{_ASSIGN}(?P<depends>{_ON_ONE_LINE}){_END})?",
    re.DOTALL,
)
#: An assignment to a field at any depth, before the template's lines or after
#: them: the template match no longer has the last word, so the general path
#: decides.
_ASSIGNED_FIELD = re.compile(
    r"\n[ \t]*(?:revision|down_revision|branch_labels|depends_on)[ \t]*[:=+]"
)


def _assigns_field(text: str, start: int, end: int) -> bool:
    """Whether ``_ASSIGNED_FIELD`` is found in ``text[start:end]``: looked for only
    where a field's name stands (``str.find`` passes over a file's body in a
    fraction of the time the expression takes to try each of its lines).  The
    words are spelt out, not looped over: a generator would cost as much as it
    saves.  ("down_revision" holds "revision".)"""
    if (
        text.find("revision", start, end) < 0
        and text.find("branch_labels", start, end) < 0
        and text.find("depends_on", start, end) < 0
    ):
        return False
    return _ASSIGNED_FIELD.search(text, start, end) is not None


class Header:
    """What the header gave: the docstring (raw), the field values and their lines."""

    __slots__ = ("docstring", "docstring_line", "lines", "values")

    def __init__(self, docstring: str, values: dict[str, Literal], lines: dict[str, int]) -> None:
        self.docstring = docstring
        self.docstring_line = 1
        self.values = values
        self.lines = lines


def read_header(text: str) -> Header | None:
    """The header of a revision file, or ``None`` when only a full parse can tell.

    The checks run once per file rather than once per field (this runs on every
    file of every history): no field assigned inside a block, no triple quote
    between the docstring and the last field, no field continuing a bracket.
    Each pattern starts with a line break rather than ``^``: a literal first
    character lets the regular expression engine skip ahead.
    """
    header = _template_header(text)
    if header is not None:
        return header
    if _NESTED_FIELD.search(text):
        return None  # assigned in a block: the full parse reports it as dynamic
    docstring_start = _LEADING.match(text).end()  # type: ignore[union-attr]  # always matches
    found = _docstring(text, docstring_start)
    if found is None:
        return None
    docstring, after = found
    values: dict[str, Literal] = {}
    lines: dict[str, int] = {}
    last = after
    counted, line = 0, 1
    for match in _FIELD.finditer(text, after):
        name, single, double, none, other = match.groups()
        if single is not None:
            values[name] = single
        elif double is not None:
            values[name] = double
        elif none is not None:
            values[name] = None
        else:
            try:
                values[name] = _other_value(match, other)
            except _StepAside:
                return None
        start = match.start()  # the line break before the field
        if _OPEN_LINE.search(text, text.rfind("\n", 0, start) + 1, start):
            return None  # the field may continue a bracket or a line
        line += text.count("\n", counted, start + 1)
        counted = start + 1
        lines[name] = line
        last = start
    if "revision" not in values or "down_revision" not in values:
        return None
    if text.find('"""', after, last) >= 0 or text.find("'''", after, last) >= 0:
        return None  # a field may sit inside a string
    header = Header(docstring, values, lines)
    header.docstring_line = text.count("\n", 0, docstring_start) + 1
    return header


def _template_header(text: str) -> Header | None:
    """The header of a file laid out as Alembic's templates write it, else ``None``.

    Nothing between the docstring and the fields can open a string or a bracket,
    so the fields are module-level statements; nothing before or after them may
    assign a field (at any depth): the template's lines may leave out
    ``branch_labels`` and ``depends_on``, which an earlier assignment would then
    set, and a later one would have the last word.
    """
    match = _TEMPLATE.match(text)
    if match is None or _assigns_field(text, match.end() - 1, len(text)):
        return None
    if _assigns_field(text, match.end("doc"), match.start("revision")):
        return None
    docstring = match["doc"]
    if "\\" in docstring or '"""' in docstring:
        return None  # an escape, or a first string that is not the whole statement
    line = text.count("\n", 0, match.start("revision")) + 1
    values: dict[str, Literal] = {
        "revision": match["id"][1:-1],
        "down_revision": _simple_value(match["down"]),
    }
    lines = {"revision": line, "down_revision": line + 1}
    line += 2
    for name, group in (("branch_labels", "labels"), ("depends_on", "depends")):
        if match[group] is not None:
            values[name] = _simple_value(match[group])
            lines[name] = line
            line += 1
    header = Header(docstring, values, lines)
    header.docstring_line = match["leading"].count("\n") + 1
    return header


def _docstring(text: str, start: int) -> tuple[str, int] | None:
    """The first statement as a triple-quoted string: its value and where it ends."""
    opening = _DOC_OPEN.match(text, start)
    if opening is None:
        return None  # no triple-quoted docstring first: rare; let ast decide
    quote = opening.group(1)
    end = text.find(quote, opening.end())
    if end < 0:
        return None
    if not _LINE_END.match(text, end + 3):
        return None  # the string goes on (``.strip()``, ``+ x``): maybe no docstring
    body = text[opening.end() : end]
    if "\\" not in body:
        return body, end + 3  # no escapes: the text is the value, raw or not
    literal = _TRIPLE.match(text, start)
    if literal is None:
        return None
    try:
        return ast.literal_eval(literal.group(0)), literal.end()
    except (SyntaxError, ValueError):
        return None


class _StepAside(Exception):
    """Only the full reader can tell this value."""


def _other_value(match: re.Match[str], source: str) -> Literal:
    """A right-hand side other than a plain string or ``None``: flat tuples and
    lists of strings by pattern, anything else by the parser."""
    simple = _SIMPLE_VALUE.match(source)
    if simple is not None:
        return _simple_value(simple.group(1))
    statement = _statement(match)
    if statement is None or statement.value is None:
        raise _StepAside
    try:
        return _tuples(ast.literal_eval(statement.value))
    except (ValueError, TypeError, MemoryError, RecursionError):
        raise _StepAside from None  # a name, an attribute, a call: the full reader follows


def _tuples(value: object) -> Literal:
    """Lists become tuples, as the full reader's literal evaluation makes them."""
    if isinstance(value, list | tuple):
        return tuple(_tuples(item) for item in value)
    if value is None or isinstance(value, str | int | float | bool | bytes):
        return value
    raise ValueError("not a literal the reader keeps")


def _simple_value(source: str) -> Literal:
    """The value of a line ``_SIMPLE_VALUE`` matched: ``None``, a string, or strings."""
    if source == "None":
        return None
    if source[0] in "'\"":
        return source[1:-1]  # a plain string: no escapes, no line break
    strings = tuple(str(s)[1:-1] for s in _SIMPLE_STRING.findall(source))
    if source[0] in "([":
        return strings
    return strings[0]


def _statement(match: re.Match[str]) -> ast.Assign | ast.AnnAssign | None:
    """The matched line as one complete assignment, confirmed by the parser."""
    try:
        body = ast.parse(match.group(0)).body
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    if len(body) == 1 and isinstance(body[0], ast.Assign | ast.AnnAssign):
        return body[0]
    return None
