"""Read one revision file statically: the ids, the docstring, the downgrade.

Nothing here imports or executes the file.  The text is decoded as Python
decodes source (PEP 263 coding line, BOM, universal newlines) and the whole
file is parsed: a syntax error anywhere makes Alembic's import fail, so it
must be reported even when the ids at the top are readable.  (Where the
header reader has read the ids, their lines are left out of the parse; see
:func:`_parsed_without_fields`.)
"""

from __future__ import annotations

import ast
import codecs
import dataclasses
import io
import os
import re
import sys
import tokenize
from dataclasses import dataclass
from pathlib import Path

from sphinxcontrib_cliche.diagnostics import Code, Diagnostic
from sphinxcontrib_cliche.source import operations
from sphinxcontrib_cliche.source.header import Header, read_header
from sphinxcontrib_cliche.source.literals import (
    ConstantResolver,
    Dynamic,
    ImportTable,
    Literal,
    assignment_parts,
    literal_value,
)
from sphinxcontrib_cliche.source.records import Downgrade, RevisionRecord, RevisionValue

#: The module attributes Alembic reads from a revision file.
FIELDS = ("revision", "down_revision", "branch_labels", "depends_on")

#: Alembic's fallback when a file assigns no ``revision``: the id from the name.
_LEGACY_NAME = re.compile(r"([a-f0-9]+)\.py$")

#: Characters ``alembic.script.revision.Revision`` refuses in an id.
_ILLEGAL_ID_CHARS = frozenset("@-+:")

#: Python 3.13 compiles docstrings with their common indentation removed.
_COMPILER_CLEANS_DOCSTRINGS = sys.version_info >= (3, 13)
_REVISION_ID_LINE = re.compile(r"^Revision ID:[ \t]*(\S*)", re.MULTILINE)
_REVISES_LINE = re.compile(r"^Revises:[ \t]*(.*)$", re.MULTILINE)


@dataclass(frozen=True)
class FileReading:
    """What reading one file gave: a record when the file is usable, and findings."""

    record: RevisionRecord | None
    diagnostics: tuple[Diagnostic, ...] = ()


class _Unusable(Exception):
    """Raised inside this module when a file yields no record; carries the finding."""

    def __init__(self, diagnostic: Diagnostic) -> None:
        super().__init__(diagnostic.message)
        self.diagnostic = diagnostic


def read_revision_file(
    path: str | Path,
    resolver: ConstantResolver | None = None,
    *,
    with_operations: bool = True,
    data: bytes | None = None,
) -> FileReading:
    """Read ``path`` as Alembic would import it, without importing it (from
    ``data``, its bytes, when the caller has read them already)."""
    path = os.fspath(path)
    findings: list[Diagnostic] = []
    try:
        text = decode_source(path, data)
        header = read_header(text)
        rest = None
        if header is not None and with_operations:
            rest = _parsed_without_fields(path, text, header)
        if header is not None and (rest is not None or not with_operations):
            record = _record_from_header(path, header, findings, rest)
        else:
            try:
                tree = _parse(path, text)
            except _Unusable as unusable:
                record = _record_despite(path, text, unusable.diagnostic, findings)
                return FileReading(record, (unusable.diagnostic, *findings))
            record = _record_from_tree(path, tree, resolver, findings, with_operations)
    except _Unusable as unusable:
        return FileReading(None, (unusable.diagnostic, *findings))
    return FileReading(record, tuple(findings))


def _record_despite(
    path: str, text: str, error: Diagnostic, findings: list[Diagnostic]
) -> RevisionRecord:
    """The record of a file Python cannot parse, where the header reader can
    read its ids and the error lies below them (in a function, say).

    Such a revision keeps its place in the graph, its operations and downgrade
    unknown, and the error is reported with its line: dropping it would also
    cut its children off from their parent.  It is also what the graph
    commands, which read headers alone, show for it.  Otherwise the file is
    unusable (raises ``_Unusable``).
    """
    header = read_header(text)
    if header is None or error.line is None:
        raise _Unusable(error)
    if error.line <= max((header.docstring_line, *header.lines.values())):
        raise _Unusable(error)
    return _record_from_header(path, header, findings)


def _encoding(data: bytes) -> str:
    """PEP 263: a BOM or a coding line in the first two lines, else UTF-8."""
    head = data[: data.find(b"\n", data.find(b"\n") + 1) + 1 or len(data)]
    if data.startswith(codecs.BOM_UTF8) or b"coding" in head:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
        return encoding
    return "utf-8"


def decode_source(path: str | Path, data: bytes | None = None) -> str:
    """The file's text (its bytes, ``data``, read here if not given) as the
    import system decodes it (newlines normalised)."""
    try:
        if data is None:
            data = read_bytes(path)
    except OSError as error:
        raise _Unusable(
            Diagnostic(
                str(path),
                None,
                Code.UNREADABLE_FILE,
                f"cannot read file: {error.strerror or error}",
            )
        ) from None
    try:
        encoding = _encoding(data)
    except SyntaxError as error:
        raise _Unusable(
            Diagnostic(
                str(path),
                error.lineno or 1,
                Code.NOT_UTF8,
                f"bad encoding declaration: {error.msg}",
            )
        ) from None
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        shown = "UTF-8" if encoding in ("utf-8", "utf-8-sig") else encoding
        raise _Unusable(
            Diagnostic(
                str(path),
                line,
                Code.NOT_UTF8,
                f"not valid {shown}: byte 0x{data[error.start]:02x} at line {line} "
                "cannot be decoded",
            )
        ) from None
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text


def read_bytes(path: str | Path) -> bytes:
    """A file's bytes through ``os.read``: half the cost of ``open().read()`` for
    the small files a history is made of (no buffered reader to set up)."""
    descriptor = os.open(path, os.O_RDONLY)
    try:
        chunks = [os.read(descriptor, _CHUNK)]
        while len(chunks[-1]) == _CHUNK:
            chunks.append(os.read(descriptor, _CHUNK))
    finally:
        os.close(descriptor)
    return chunks[0] if len(chunks) == 1 else b"".join(chunks)


_CHUNK = 1 << 16


def _parse(path: str, text: str) -> ast.Module:
    try:
        return ast.parse(text, filename=str(path))
    except SyntaxError as error:
        message = f"invalid Python: {error.msg}"
        raise _Unusable(Diagnostic(str(path), error.lineno, Code.SYNTAX_ERROR, message)) from None
    except (RecursionError, MemoryError):
        raise _Unusable(
            Diagnostic(str(path), None, Code.SYNTAX_ERROR, "too deeply nested for Python's parser")
        ) from None
    except ValueError as error:  # e.g. "source code string cannot contain null bytes"
        raise _Unusable(
            Diagnostic(str(path), None, Code.SYNTAX_ERROR, f"invalid Python: {error}")
        ) from None


def _record_from_tree(
    path: str,
    tree: ast.Module,
    resolver: ConstantResolver | None,
    findings: list[Diagnostic],
    with_operations: bool = True,
) -> RevisionRecord:
    values, lines = _module_assignments(path, tree, resolver, findings)
    docstring, recovered, doc_line = _docstrings(tree)
    if doc_line is not None:
        lines["docstring"] = doc_line
    record = _record(path, values, lines, findings, docstring, recovered)
    record = _with_functions(record, tree, with_operations)
    findings.extend(_docstring_mismatches(record))
    return record


def _record_from_header(
    path: str, header: Header, findings: list[Diagnostic], rest: ast.Module | None = None
) -> RevisionRecord:
    """The record from the header, with what the functions of the ``rest`` of
    the file tell (without it, the downgrade and operations stay unknown)."""
    lines = {**header.lines, "docstring": header.docstring_line}
    values: dict[str, Literal | Dynamic] = dict(header.values)
    docstring = compiled_docstring(header.docstring)
    record = _record(path, values, lines, findings, docstring, None)
    if rest is not None:
        record = _with_functions(record, rest)
    findings.extend(_docstring_mismatches(record))
    return record


def _with_functions(
    record: RevisionRecord, tree: ast.Module, with_operations: bool = True
) -> RevisionRecord:
    """The record with what its module's functions tell: the downgrade, the operations."""
    downgrade, line = _downgrade_in(tree.body)
    lines = record.lines if line is None else {**record.lines, "downgrade": line}
    upgrade_ops, downgrade_ops = operations.extract(tree) if with_operations else ((), ())
    return dataclasses.replace(
        record,
        downgrade=downgrade,
        upgrade_ops=upgrade_ops,
        downgrade_ops=downgrade_ops,
        lines=lines,
    )


def _parsed_without_fields(path: str, text: str, header: Header) -> ast.Module | None:
    """The file parsed with the lines of the ids the header read left blank.

    Those lines are module-level statements of one line each (the header
    reader steps aside otherwise) and their values are known; with Alembic's
    typed template (``down_revision: Union[str, Sequence[str], None] = ...``)
    they are some 18 % of the parser's work on a file.  The line numbers stay
    those of the file.  ``None`` when Python cannot parse it: the caller then
    parses the file as it is, to report the error as it stands there.
    """
    lines = text.split("\n")
    for number in header.lines.values():
        lines[number - 1] = ""
    try:
        return _parse(path, "\n".join(lines))
    except _Unusable:
        return None


def _record(
    path: str,
    values: dict[str, Literal | Dynamic],
    lines: dict[str, int],
    findings: list[Diagnostic],
    docstring: str | None,
    recovered: str | None,
) -> RevisionRecord:
    revision = _revision_id(path, values, lines)
    down_revision = _down_revision(path, revision, values, lines, findings)
    labels = _id_value(path, revision, "branch_labels", values.get("branch_labels"), lines)
    depends = _id_value(path, revision, "depends_on", values.get("depends_on"), lines)
    return RevisionRecord(
        revision=revision,
        down_revision=down_revision,
        branch_labels=labels,
        depends_on=depends,
        path=str(path),
        docstring=docstring,
        recovered_doc=recovered,
        lines=lines,
    )


def _module_assignments(
    path: str,
    tree: ast.Module,
    resolver: ConstantResolver | None,
    findings: list[Diagnostic],
) -> tuple[dict[str, Literal | Dynamic], dict[str, int]]:
    """The last module-level value of each field, as Python would leave it."""
    imports = ImportTable()
    local: dict[str, Literal] = {}
    values: dict[str, Literal | Dynamic] = {}
    lines: dict[str, int] = {}
    for stmt in tree.body:
        if isinstance(stmt, ast.Import | ast.ImportFrom):
            imports.add(stmt)
            continue
        name, value_node = assignment_parts(stmt)
        if name is not None and value_node is not None:
            value = literal_value(value_node, local, imports, resolver)
            if name in FIELDS:
                values[name] = value
                lines[name] = stmt.lineno
            elif not isinstance(value, Dynamic):
                local[name] = value
            continue
        for name, line in _nested_field_assignments(stmt):
            values[name] = Dynamic(
                f"`{name}` is assigned inside a {type(stmt).__name__.lower()} block",
                line,
            )
            lines[name] = line
    return values, lines


def _nested_field_assignments(stmt: ast.stmt) -> list[tuple[str, int]]:
    """Field assignments Python may or may not execute (inside if/try/with/...).

    Function and class bodies are not entered: they do not bind module names.
    """
    found: list[tuple[str, int]] = []
    todo: list[ast.AST] = [stmt]
    while todo:
        node = todo.pop()
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef | ast.Lambda):
            continue
        targets: list[ast.expr] = []
        if isinstance(node, ast.Assign):
            targets = node.targets
        elif isinstance(node, ast.AnnAssign | ast.AugAssign | ast.For):
            targets = [node.target]
        for target in targets:
            found.extend(
                (sub.id, target.lineno)
                for sub in ast.walk(target)
                if isinstance(sub, ast.Name) and sub.id in FIELDS
            )
        todo.extend(ast.iter_child_nodes(node))
    return found


def _revision_id(path: str, values: dict[str, Literal | Dynamic], lines: dict[str, int]) -> str:
    value = values.get("revision")
    line = lines.get("revision")
    if value is None and "revision" not in values:
        legacy = _LEGACY_NAME.match(os.path.basename(path))
        if legacy is None:
            raise _Unusable(
                Diagnostic(
                    str(path),
                    None,
                    Code.INVALID_REVISION,
                    "declares no `revision`; Alembic cannot load it either",
                    hint="Add `revision = '<id>'` near the top of the file.",
                )
            )
        lines["revision"] = 1
        return legacy.group(1)
    if isinstance(value, Dynamic):
        raise _Unusable(
            Diagnostic(
                str(path),
                value.line or line,
                Code.DYNAMIC_REVISION,
                f"revision id {value.reason}",
            )
        )
    if not isinstance(value, str) or not value:
        raise _Unusable(
            Diagnostic(
                str(path),
                line,
                Code.INVALID_REVISION,
                f"`revision` must be a non-empty string, not {value!r}",
            )
        )
    illegal = sorted(_ILLEGAL_ID_CHARS.intersection(value))
    if illegal:
        raise _Unusable(
            Diagnostic(
                str(path),
                line,
                Code.INVALID_REVISION,
                f"revision id {value!r} contains {', '.join(repr(c) for c in illegal)}, "
                "which Alembic does not allow in ids",
            )
        )
    return value


def _down_revision(
    path: str,
    revision: str,
    values: dict[str, Literal | Dynamic],
    lines: dict[str, int],
    findings: list[Diagnostic],
) -> RevisionValue:
    if "down_revision" not in values:
        findings.append(
            Diagnostic(
                str(path),
                lines.get("revision"),
                Code.INVALID_REVISION,
                f"{revision} declares no `down_revision` (Alembic fails on this file); "
                "shown as a base",
                revision=revision,
                hint="Add `down_revision = None` for a base, or the parent's id.",
            )
        )
        return None
    value = _id_value(path, revision, "down_revision", values["down_revision"], lines)
    if value == "":
        findings.append(
            Diagnostic(
                str(path),
                lines.get("down_revision"),
                Code.INVALID_REVISION,
                f"{revision}: `down_revision` is an empty string; use None for a base",
                revision=revision,
            )
        )
        return None
    if value == ():
        return None
    return value


def _id_value(
    path: str,
    revision: str,
    name: str,
    value: Literal | Dynamic | None,
    lines: dict[str, int],
) -> RevisionValue:
    """Check that an id-valued field holds a string, a sequence of strings, or None."""
    if isinstance(value, Dynamic):
        raise _Unusable(
            Diagnostic(
                str(path),
                value.line or lines.get(name),
                Code.DYNAMIC_REVISION,
                f"{revision}: `{name}`: {value.reason}",
                revision=revision,
            )
        )
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, tuple) and all(isinstance(item, str) for item in value):
        return tuple(item for item in value if isinstance(item, str))
    raise _Unusable(
        Diagnostic(
            str(path),
            lines.get(name),
            Code.INVALID_REVISION,
            f"{revision}: `{name}` must be None, a string or a tuple of strings, not {value!r}",
            revision=revision,
        )
    )


def _docstrings(tree: ast.Module) -> tuple[str | None, str | None, int | None]:
    """``(__doc__, recovered, line)``: the docstring Python sees, else the first
    module-level string statement (a docstring misplaced after the imports)."""
    for index, stmt in enumerate(tree.body):
        if (
            isinstance(stmt, ast.Expr)
            and isinstance(stmt.value, ast.Constant)
            and isinstance(stmt.value.value, str)
        ):
            if index == 0:
                return compiled_docstring(stmt.value.value), None, stmt.lineno
            return None, stmt.value.value, stmt.lineno
    return None, None, None


def compiled_docstring(raw: str) -> str:
    """``__doc__`` as the running Python compiles it.

    From Python 3.13 the compiler strips the common indentation of docstrings
    (gh-81283); Alembic prints ``__doc__``, so we must do the same to agree.
    """
    if not _COMPILER_CLEANS_DOCSTRINGS:
        return raw
    lines = raw.expandtabs().split("\n")
    margins = [len(line) - len(line.lstrip(" ")) for line in lines[1:] if line.lstrip(" ")]
    margin = min(margins, default=0)
    cleaned = [lines[0].lstrip(" ")]
    cleaned.extend(line[margin:] for line in lines[1:])
    return "\n".join(cleaned)


def _downgrade_in(body: list[ast.stmt]) -> tuple[Downgrade, int | None]:
    found: tuple[Downgrade, int | None] = (Downgrade.MISSING, None)
    for stmt in body:
        if isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef) and stmt.name == "downgrade":
            state = Downgrade.EMPTY if _is_empty_body(stmt.body) else Downgrade.PRESENT
            found = (state, stmt.lineno)
        elif assignment_parts(stmt)[0] == "downgrade":
            found = (Downgrade.PRESENT, stmt.lineno)
    return found


def _is_empty_body(body: list[ast.stmt]) -> bool:
    return all(
        isinstance(stmt, ast.Pass)
        or (isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant))
        for stmt in body
    )


def _docstring_mismatches(record: RevisionRecord) -> list[Diagnostic]:
    doc = record.docstring
    if not doc:
        return []
    findings = []
    line = record.line_of("docstring")
    said_id = _REVISION_ID_LINE.search(doc)
    if said_id and said_id.group(1) and said_id.group(1) != record.revision:
        findings.append(
            Diagnostic(
                record.path,
                line,
                Code.DOCSTRING_MISMATCH,
                f"{record.revision}: docstring says `Revision ID: {said_id.group(1)}`, "
                f"but revision = {record.revision!r}",
                revision=record.revision,
            )
        )
    revises = _REVISES_LINE.search(doc)
    if revises and revises.group(1).strip() != ", ".join(record.parents):  # as the template
        said = revises.group(1).split("#", 1)[0]
        said_parents = {p.strip() for p in said.split(",") if p.strip() not in ("", "None")}
        if said_parents != set(record.parents):
            actual = ", ".join(record.parents) or "None"
            findings.append(
                Diagnostic(
                    record.path,
                    line,
                    Code.DOCSTRING_MISMATCH,
                    f"{record.revision}: docstring says `Revises: {said.strip()}`, but "
                    f"down_revision is {actual}",
                    revision=record.revision,
                )
            )
    return findings
