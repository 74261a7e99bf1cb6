"""The fast path of the reader: the ids and docstring from a file's header alone.

Parsing a whole revision file costs far more than reading it; the ids and the
docstring sit in a few lines at the top.  Here the docstring is matched and
evaluated with ``ast.literal_eval``, and each ``revision = ...`` line is
confirmed by parsing that line on its own.  Anything unusual (a docstring that
is not first, an id that is not a one-line literal, an assignment that could
sit inside a string, a bracket or a block) returns ``None`` and the caller
parses the whole file instead.  Syntax errors further down are not seen here:
only the graph commands use this path; ``check`` and Sphinx read whole files.
"""

from __future__ import annotations

import ast
import re

from sphinxcontrib_cliche.source.literals import Literal

_LEADING = re.compile(r"\A(?:[ \t]*(?:#[^\n]*)?\n)*")
_TRIPLE = re.compile(r'([rRuU]?)("""|\'\'\')((?:[^\\]|\\.)*?)\2', re.DOTALL)
_FIELD = re.compile(
    r"^(revision|down_revision|branch_labels|depends_on)[ \t]*(?::[^=\n]*)?=[ \t]*([^\n]*)$",
    re.MULTILINE,
)
_NESTED_FIELD = re.compile(
    r"^[ \t]+(?:revision|down_revision|branch_labels|depends_on)[ \t]*[:=+]", re.MULTILINE
)
_OPEN_LINE = re.compile(r"[(\[{,\\][ \t]*(?:#[^\n]*)?$")

FIELDS = ("revision", "down_revision", "branch_labels", "depends_on")

# A plain string: no escapes, no line break, no prefix.  With ``None`` and flat
# tuples or lists of such strings, the usual right-hand sides: read without ``ast``.
_SIMPLE_STRING = re.compile(r"'[^'\\\n]*'|\"[^\"\\\n]*\"")
_S = _SIMPLE_STRING.pattern
_SIMPLE_VALUE = re.compile(
    # a parenthesised string without a comma is a string, so tuples need one
    rf"(None|{_S}|\(\s*\)|\(\s*(?:(?:{_S})\s*,\s*)+(?:{_S})?\s*\)"
    rf"|\[\s*(?:(?:{_S})\s*,\s*)*(?:{_S})?\s*\])"
    r"[ \t]*(?:#[^\n]*)?$"
)


class Header:
    """What the header gave: the docstring (raw), the field values and their lines."""

    __slots__ = ("docstring", "docstring_line", "lines", "values")

    def __init__(self, docstring: str, values: dict[str, Literal], lines: dict[str, int]) -> None:
        self.docstring = docstring
        self.docstring_line = 1
        self.values = values
        self.lines = lines


def read_header(text: str) -> Header | None:
    """The header of a revision file, or ``None`` when only a full parse can tell."""
    if _NESTED_FIELD.search(text):
        return None  # assigned in a block: the full parse reports it as dynamic
    start = _LEADING.match(text)
    docstring_start = start.end() if start else 0
    literal = _TRIPLE.match(text, docstring_start)
    if literal is None:
        return None  # no triple-quoted docstring first: rare; let ast decide
    if "\\" in literal.group(3):
        try:
            docstring = ast.literal_eval(literal.group(0))
        except (SyntaxError, ValueError):
            return None
    else:
        docstring = literal.group(3)  # no escapes: the text is the value, raw or not
    after = literal.end()
    values: dict[str, Literal] = {}
    lines: dict[str, int] = {}
    for match in _FIELD.finditer(text, after):
        if not _on_its_own(text, after, match):
            return None
        simple = _SIMPLE_VALUE.match(match.group(2))
        if simple is not None:
            values[match.group(1)] = _simple_value(simple.group(1))
        else:
            statement = _statement(match)
            if statement is None or statement.value is None:
                return None
            try:
                values[match.group(1)] = _tuples(ast.literal_eval(statement.value))
            except (ValueError, TypeError, MemoryError, RecursionError):
                return None  # a name, an attribute, a call: the full reader follows those
        lines[match.group(1)] = text.count("\n", 0, match.start()) + 1
    if "revision" not in values or "down_revision" not in values:
        return None
    header = Header(docstring, values, lines)
    header.docstring_line = text.count("\n", 0, docstring_start) + 1
    return header


def _tuples(value: object) -> Literal:
    """Lists become tuples, as the full reader's literal evaluation makes them."""
    if isinstance(value, list | tuple):
        return tuple(_tuples(item) for item in value)
    if value is None or isinstance(value, str | int | float | bool | bytes):
        return value
    raise ValueError("not a literal the reader keeps")


def _on_its_own(text: str, after: int, match: re.Match[str]) -> bool:
    """Not inside a string or a bracket: no triple quote since the docstring, and
    the line before does not leave anything open."""
    between = text[after : match.start()]
    if '"""' in between or "'''" in between:
        return False
    previous = text.rfind("\n", 0, match.start() - 1)
    return not _OPEN_LINE.search(text[previous + 1 : match.start() - 1])


def _simple_value(source: str) -> Literal:
    """The value of a line ``_SIMPLE_VALUE`` matched: ``None``, a string, or strings."""
    if source == "None":
        return None
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
