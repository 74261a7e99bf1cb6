"""Operations as short readable lines: "add column `dod` (Date, nullable) to `people`".

A line is a list of segments, so that each face can link what it can: the
operation to Alembic's Operation Reference, a table to its history.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

from sphinxcontrib_cliche.source.operations import Column, Operation

SegmentKind = Literal["op", "text", "code", "table"]
Segment = tuple[SegmentKind, str]

#: Alembic's documentation of ``Operations``; each operation has an anchor there.
ALEMBIC_OPS_URL = "https://alembic.sqlalchemy.org/en/latest/ops.html"


def reference_target(operation: Operation) -> str:
    """The Python object documenting an operation (an intersphinx target)."""
    return f"alembic.operations.Operations.{operation.name}"


def segments(op: Operation) -> list[Segment]:
    words: list[Segment] = [("op", op.name.replace("_", " ")), ("text", " ")]
    words.extend(_body(op))
    if op.batch:
        words.append(("text", " (batch)"))
    if op.condition:
        words.append(("text", f" if {op.condition}"))
    if op.via:
        words.append(("text", f" in {op.via}()"))
    if op.dynamic:
        words.append(("text", f" [dynamic: {op.dynamic}]"))
    return words


def describe(op: Operation) -> str:
    return "".join(
        f"`{text}`" if kind in ("code", "table") else text for kind, text in segments(op)
    )


def _body(op: Operation) -> Iterable[Segment]:
    table = _table(op)
    name = op.name
    if name == "create_table":
        yield from table
        if op.columns:
            yield ("text", " (" + ", ".join(_table_column(c) for c in op.columns) + ")")
    elif name in ("drop_table", "create_table_comment", "drop_table_comment"):
        yield from table
    elif name == "rename_table":
        yield from table
        yield ("text", " to ")
        yield ("table", op.new_name or "?")
    elif name == "add_column":
        column = op.columns[0] if op.columns else Column(None)
        yield ("code", column.name or "?")
        details = _column_details(column)
        if details:
            yield ("text", f" ({details})")
        yield ("text", " to ")
        yield from table
    elif name in ("drop_column", "alter_column"):
        yield ("code", op.target or "?")
        yield ("text", " of " if name == "alter_column" else " from ")
        yield from table
        if op.new_name:
            yield ("text", f" (renamed to {op.new_name})")
        changes = [
            f"{key.rstrip('_')}={value}" for key, value in op.details if key != "existing_type"
        ]
        if changes:
            yield ("text", " (" + ", ".join(changes) + ")")
    elif name in ("create_index", "drop_index") or "constraint" in name or name.endswith("_key"):
        if op.target:
            yield ("code", op.target)
        if op.table:
            yield ("text", " on " if op.target else "on ")
            yield from table
        if op.names:
            yield ("text", " (" + ", ".join(op.names) + ")")
        if op.referent:
            yield ("text", " referencing ")
            yield ("table", op.referent)
    elif name == "execute":
        yield ("code", op.sql or "<computed SQL>")
    elif name == "bulk_insert":
        yield ("text", "into ")
        yield from table


def _table(op: Operation) -> list[Segment]:
    if not op.table:
        return [("text", "?")]
    return [("table", f"{op.schema}.{op.table}" if op.schema else op.table)]


def _table_column(column: Column) -> str:
    """``name String(200) not null``: nullable is the default, so only NOT NULL shows."""
    parts = [column.name or "?"]
    if column.type:
        parts.append(column.type)
    if column.nullable is False:
        parts.append("not null")
    if column.server_default:
        parts.append(f"default {column.server_default}")
    return " ".join(parts)


def _column_details(column: Column) -> str:
    parts = []
    if column.type:
        parts.append(column.type)
    if column.nullable is not None:
        parts.append("nullable" if column.nullable else "not null")
    if column.server_default:
        parts.append(f"default {column.server_default}")
    return ", ".join(parts)
