"""What a revision does, read from its ``upgrade()`` / ``downgrade()`` by ``ast``.

Every call on Alembic's ``op`` (however it was imported, or received as a
parameter) and on a ``batch_alter_table`` context becomes an
:class:`Operation`: its Alembic name, table, names, column details and line.
Calls under an ``if`` carry the condition; helpers of the same module called
from ``upgrade``/``downgrade`` are followed one level.  Anything that cannot
be known without running the file (a computed table name, a call in a loop)
is marked ``dynamic`` with the reason, never guessed.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from operator import attrgetter
from typing import NamedTuple, cast

#: Positional parameters of each operation, on ``op`` and on a batch context.
SIGNATURES: dict[str, tuple[str, ...]] = {
    "create_table": ("table_name",),
    "drop_table": ("table_name",),
    "rename_table": ("old_table_name", "new_table_name"),
    "add_column": ("table_name", "column"),
    "drop_column": ("table_name", "column_name"),
    "alter_column": ("table_name", "column_name"),
    "create_index": ("index_name", "table_name", "columns"),
    "drop_index": ("index_name", "table_name"),
    "create_unique_constraint": ("constraint_name", "table_name", "columns"),
    "create_foreign_key": (
        "constraint_name",
        "source_table",
        "referent_table",
        "local_cols",
        "remote_cols",
    ),
    "create_check_constraint": ("constraint_name", "table_name", "condition"),
    "create_primary_key": ("constraint_name", "table_name", "columns"),
    "create_exclude_constraint": ("constraint_name", "table_name"),
    "drop_constraint": ("constraint_name", "table_name", "type_"),
    "create_table_comment": ("table_name", "comment"),
    "drop_table_comment": ("table_name",),
    "execute": ("sqltext",),
    "bulk_insert": ("table", "rows"),
}
BATCH_SIGNATURES: dict[str, tuple[str, ...]] = {
    "add_column": ("column",),
    "drop_column": ("column_name",),
    "alter_column": ("column_name",),
    "create_index": ("index_name", "columns"),
    "drop_index": ("index_name",),
    "create_unique_constraint": ("constraint_name", "columns"),
    "create_foreign_key": ("constraint_name", "referent_table", "local_cols", "remote_cols"),
    "create_check_constraint": ("constraint_name", "condition"),
    "create_primary_key": ("constraint_name", "columns"),
    "create_exclude_constraint": ("constraint_name",),
    "drop_constraint": ("constraint_name", "type_"),
    "create_table_comment": ("comment",),
    "drop_table_comment": (),
    "execute": ("sqltext",),
}

#: What :meth:`Operation.plain` holds, for a fingerprint to hash: values that
#: ``marshal`` writes (it writes no named tuple).
Plain = (
    str
    | int
    | bool
    | None
    | tuple[str, ...]
    | tuple[tuple[str | bool | None, ...], ...]
    | dict[str, int]
)

_SQL_WIDTH = 80
_DESTRUCTIVE_SQL = ("delete", "drop", "truncate")


# Column and Operation are named tuples, not dataclasses: a tuple of strings,
# numbers and such tuples is left alone by Python's cycle collector, and a
# large history holds some 80,000 of them for a whole Sphinx build, whose
# every full collection would walk them (a third of its time at 10,000
# revisions).


class Column(NamedTuple):
    """A column as written in ``sa.Column(...)``: literals only, else ``None``."""

    name: str | None
    type: str | None = None
    nullable: bool | None = None
    server_default: str | None = None


class Operation(NamedTuple):
    """One Alembic operation in a revision, as far as the source shows it."""

    name: str
    line: int
    table: str | None = None
    schema: str | None = None
    target: str | None = None  # the column, index or constraint operated on
    new_name: str | None = None  # rename_table / alter_column(new_column_name=)
    columns: tuple[Column, ...] = ()
    names: tuple[str, ...] = ()  # columns of an index or constraint
    details: tuple[tuple[str, str], ...] = ()  # alter_column's changes, as written
    referent: str | None = None  # create_foreign_key's other table
    sql: str | None = None
    condition: str | None = None
    batch: bool = False
    via: str | None = None  # the helper function it was found in
    dynamic: str | None = None

    def plain(self) -> tuple[Plain, ...]:
        """Its fields as plain tuples, which ``marshal`` writes (named tuples it
        refuses): its columns are the one field that holds named tuples."""
        return (*self[:_COLUMNS], tuple(map(tuple, self.columns)), *self[_COLUMNS + 1 :])

    @property
    def tables(self) -> tuple[str, ...]:
        """Every table this operation touches (a rename touches both names)."""
        found = [
            t for t in (self.table, self.new_name if self.name == "rename_table" else None) if t
        ]
        return tuple(found)

    @property
    def destructive(self) -> bool:
        """Loses data: drops a table or column, narrows a type, or runs DELETE/DROP."""
        if self.name in ("drop_table", "drop_column"):
            return True
        if self.name == "execute" and self.sql:
            return self.sql.lstrip().lower().startswith(_DESTRUCTIVE_SQL)
        return self.name == "alter_column" and _narrows(dict(self.details))


_COLUMNS = Operation._fields.index("columns")


@dataclass
class _Context:
    ops: list[Operation]
    op_names: set[str]
    bare: dict[str, str]  # local name -> operation (from alembic.op import add_column)
    helpers: dict[str, ast.FunctionDef | ast.AsyncFunctionDef]
    tables: dict[str, str]  # variable -> table name (sa.table("x", ...))
    batch: dict[str, tuple[str | None, str | None]] = field(default_factory=dict)
    condition: str | None = None
    loop: bool = False
    via: str | None = None


def extract(tree: ast.Module) -> tuple[tuple[Operation, ...], tuple[Operation, ...]]:
    """``(upgrade operations, downgrade operations)`` of a parsed revision file."""
    op_names, bare = _op_imports(tree)
    functions = {
        stmt.name: stmt
        for stmt in tree.body
        if isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef)
    }
    tables = _table_variables(tree.body)
    result = []
    for direction in ("upgrade", "downgrade"):
        ops: list[Operation] = []
        for name, function in functions.items():
            if name != direction and not name.startswith(f"{direction}_"):
                continue
            engine = name[len(direction) + 1 :] or None
            names = op_names | _op_parameters(function)
            context = _Context(
                ops,
                names,
                bare,
                {k: v for k, v in functions.items() if not k.startswith(("upgrade", "downgrade"))},
                {**tables, **_table_variables(function.body)},
                condition=f"engine {engine}" if engine else None,
            )
            _statements(function.body, context)
        result.append(tuple(ops))
    return result[0], result[1]


def _op_imports(tree: ast.Module) -> tuple[set[str], dict[str, str]]:
    """Local names bound to ``alembic.op``, and bare names of its functions."""
    names: set[str] = set()
    bare: dict[str, str] = {}
    # module-level imports, and those at the top of a function (never deeper)
    statements = [*tree.body]
    for stmt in tree.body:
        if isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef):
            statements.extend(stmt.body)
    for stmt in statements:
        kind = stmt.__class__  # ast's parser makes no subclasses: identity suffices
        if kind is ast.ImportFrom:
            imported = cast("ast.ImportFrom", stmt)
            if imported.module == "alembic":
                names.update(a.asname or a.name for a in imported.names if a.name == "op")
            elif imported.module == "alembic.op":
                bare.update({a.asname or a.name: a.name for a in imported.names})
        elif kind is ast.Import:
            aliases = cast("ast.Import", stmt).names
            names.update(a.asname for a in aliases if a.name == "alembic.op" and a.asname)
    return names, bare


def _op_parameters(function: ast.FunctionDef | ast.AsyncFunctionDef) -> set[str]:
    """``def upgrade(op, tables, tester)``: ``op`` handed in as a parameter."""
    return {arg.arg for arg in function.args.args if arg.arg == "op"}


def _table_variables(body: Sequence[ast.stmt]) -> dict[str, str]:
    """``people = sa.table("people", ...)``: variables that name a table."""
    found = {}
    for stmt in body:
        if not (isinstance(stmt, ast.Assign) and len(stmt.targets) == 1):
            continue
        target, value = stmt.targets[0], stmt.value
        if (
            isinstance(target, ast.Name)
            and isinstance(value, ast.Call)
            and _callee_name(value.func) in ("table", "Table")
            and value.args
            and (name := _string(value.args[0]))
        ):
            found[target.id] = name
    return found


def _statements(body: Sequence[ast.stmt], context: _Context) -> None:
    for stmt in body:
        if isinstance(stmt, ast.If):
            test = _short(ast.unparse(stmt.test))
            _statements(stmt.body, _with_condition(context, test))
            _statements(stmt.orelse, _with_condition(context, f"not ({test})"))
        elif isinstance(stmt, ast.For | ast.AsyncFor | ast.While):
            inner = replace(context, loop=True)
            _statements(stmt.body, inner)
            _statements(stmt.orelse, inner)
        elif isinstance(stmt, ast.With | ast.AsyncWith):
            inner = replace(context, batch=dict(context.batch))
            for item in stmt.items:
                _with_item(item, inner)
            _statements(stmt.body, inner)
        elif isinstance(stmt, ast.Try):
            for part in (stmt.body, *(h.body for h in stmt.handlers), stmt.orelse, stmt.finalbody):
                _statements(part, context)
        elif isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            continue
        else:
            for call in _calls(stmt):
                _call(call, context)


def _with_condition(context: _Context, test: str) -> _Context:
    condition = test if context.condition is None else f"{context.condition} and {test}"
    return replace(context, condition=condition)


def _with_item(item: ast.withitem, context: _Context) -> None:
    call = item.context_expr
    if not (
        isinstance(call, ast.Call) and _operation_of(call.func, context) == "batch_alter_table"
    ):
        return
    arguments, _ = _bind(call, ("table_name",))
    table = _name_value(arguments.get("table_name"))
    schema = _string(arguments.get("schema"))
    if isinstance(item.optional_vars, ast.Name):
        context.batch[item.optional_vars.id] = (table, schema)


def _calls(stmt: ast.stmt) -> Iterator[ast.Call]:
    """Calls in source order, not entering lambdas or nested definitions.

    A walk of its own rather than ``ast.iter_child_nodes``: it is the inner
    loop of reading operations.  Most nodes of a migration are names,
    constants and their contexts, which cannot hold a call and are skipped
    without a visit; most of the rest are calls, attributes and keywords
    (``sa.Column("id", sa.Integer(), nullable=False)``), whose children are
    taken directly rather than by asking every field.
    """
    todo: list[ast.AST] = [stmt]
    found: list[ast.Call] = []
    push = todo.append
    while todo:
        node = todo.pop()
        kind = node.__class__
        if kind is ast.Call:
            call = cast("ast.Call", node)
            found.append(call)
            # pushed one by one: no list or generator made for each call
            if call.func.__class__ not in _NO_CALLS:
                push(call.func)
            for child in call.args:
                if child.__class__ not in _NO_CALLS:
                    push(child)
            for keyword in call.keywords:
                if keyword.value.__class__ not in _NO_CALLS:
                    push(keyword.value)
        elif kind is ast.Attribute or kind is ast.keyword:
            inner = cast("ast.Attribute | ast.keyword", node).value
            if inner.__class__ not in _NO_CALLS:
                push(inner)
        else:
            for name in node._fields:
                value = getattr(node, name, None)
                if value.__class__ is list:
                    for item in value:
                        if item.__class__ not in _NO_CALLS:
                            push(item)
                elif value.__class__ not in _NO_CALLS and isinstance(value, ast.AST):
                    push(value)
    if len(found) > 1:
        found.sort(key=_SOURCE_ORDER)
    return iter(found)


_SOURCE_ORDER = attrgetter("lineno", "col_offset")


#: Nodes the walk for calls does not enter: leaves (and non-nodes: strings,
#: numbers), and definitions, whose calls do not run with the statement.
_NO_CALLS = frozenset(
    {
        ast.Name,
        ast.Constant,
        ast.Load,
        ast.Store,
        ast.Del,
        ast.Lambda,
        ast.FunctionDef,
        ast.AsyncFunctionDef,
        ast.ClassDef,
        str,
        int,
        float,
        complex,
        bool,
        bytes,
        type(None),
    }
)


def _operation_of(func: ast.expr, context: _Context) -> str | None:
    if isinstance(func, ast.Attribute):
        base = func.value
        if isinstance(base, ast.Name) and base.id in context.op_names:
            return func.attr
        if (
            isinstance(base, ast.Attribute)
            and base.attr == "op"
            and isinstance(base.value, ast.Name)
            and base.value.id == "alembic"
        ):
            return func.attr
    if isinstance(func, ast.Name):
        return context.bare.get(func.id)
    return None


def _call(call: ast.Call, context: _Context) -> None:
    func = call.func
    if (
        isinstance(func, ast.Attribute)
        and isinstance(func.value, ast.Name)
        and func.value.id in context.batch
        and func.attr in BATCH_SIGNATURES
    ):
        _record(call, func.attr, context, batch_table=context.batch[func.value.id])
        return
    name = _operation_of(func, context)
    if name in SIGNATURES:
        _record(call, name, context)
        return
    if isinstance(func, ast.Name) and func.id in context.helpers and context.via is None:
        helper = context.helpers[func.id]
        inner = replace(context, via=func.id, op_names=context.op_names | _op_parameters(helper))
        _statements(helper.body, inner)


def _record(
    call: ast.Call,
    name: str,
    context: _Context,
    batch_table: tuple[str | None, str | None] | None = None,
) -> None:
    signature = BATCH_SIGNATURES[name] if batch_table else SIGNATURES[name]
    args, extra = _bind(call, signature)
    reasons = ["inside a loop"] if context.loop else []
    fields: dict[str, object] = {}
    if batch_table is not None:
        table, schema = batch_table
        if table is None:
            reasons.append("the batch table name is computed")
    else:
        table_node = (
            args.get("table_name") or args.get("source_table") or args.get("old_table_name")
        )
        table = _name_value(table_node) if table_node is not None else None
        if name == "bulk_insert":
            table = _bulk_table(args.get("table"), context)
        computed = table_node is not None or name == "bulk_insert"
        if computed and table is None:
            reasons.append("the table name is computed")
        schema = _string(args.get("schema"))
    fields.update(_specifics(name, args, extra))
    operation = Operation(
        name=name,
        line=call.lineno,
        table=table,
        schema=schema,
        condition=context.condition,
        batch=batch_table is not None,
        via=context.via,
        dynamic="; ".join(reasons) or None,
        **fields,  # type: ignore[arg-type]
    )
    context.ops.append(operation)


def _specifics(name: str, args: dict[str, ast.expr], extra: list[ast.expr]) -> dict[str, object]:
    """The parts of each operation worth showing, taken only from literals."""
    if name == "create_table":
        return {"columns": tuple(_column(a) for a in extra if _is_column(a))}
    if name == "add_column":
        column = args.get("column")
        return {"columns": (_column(column),)} if column is not None else {}
    if name in ("drop_column", "alter_column"):
        result: dict[str, object] = {"target": _name_value(args.get("column_name"))}
        if name == "alter_column":
            result["new_name"] = _string(args.get("new_column_name"))
            result["details"] = tuple(
                (key, _expression(args[key]))
                for key in ("type_", "existing_type", "nullable", "server_default", "comment")
                if key in args
            )
        return result
    if name == "rename_table":
        return {"new_name": _string(args.get("new_table_name"))}
    if name in ("create_index", "drop_index"):
        return {
            "target": _name_value(args.get("index_name")),
            "names": _strings(args.get("columns")),
        }
    if name.startswith(("create_", "drop_")) and name.endswith(("constraint", "_key")):
        result = {"target": _name_value(args.get("constraint_name"))}
        result["names"] = _strings(args.get("columns") or args.get("local_cols"))
        referent = args.get("referent_table")
        if referent is not None:
            result["referent"] = _name_value(referent)
        return result
    if name == "execute":
        return {"sql": _sql(args.get("sqltext"))}
    return {}


def _bind(call: ast.Call, signature: Sequence[str]) -> tuple[dict[str, ast.expr], list[ast.expr]]:
    """Arguments by parameter name, and the positionals beyond the signature."""
    args = call.args
    bound = dict(zip(signature, args, strict=False))
    for keyword in call.keywords:
        if keyword.arg:
            bound[keyword.arg] = keyword.value
    return bound, args[len(signature) :]


def _callee_name(func: ast.expr) -> str | None:
    if isinstance(func, ast.Attribute):
        return func.attr
    if isinstance(func, ast.Name):
        return func.id
    return None


def _string(node: ast.expr | None) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return None


def _name_value(node: ast.expr | None) -> str | None:
    """A literal name, unwrapping the ``op.f("...")`` naming-convention marker."""
    if isinstance(node, ast.Call) and _callee_name(node.func) == "f" and node.args:
        return _string(node.args[0])
    return _string(node)


def _strings(node: ast.expr | None) -> tuple[str, ...]:
    if isinstance(node, ast.List | ast.Tuple):
        return tuple(v for v in (_name_value(e) for e in node.elts) if v is not None)
    single = _name_value(node)
    return (single,) if single else ()


def _is_column(node: ast.expr) -> bool:
    return isinstance(node, ast.Call) and _callee_name(node.func) == "Column"


def _column(node: ast.expr) -> Column:
    if not isinstance(node, ast.Call):
        return Column(None)
    name = _string(node.args[0]) if node.args else None
    types = node.args[1:2] if name is not None else node.args[:1]
    keywords = {k.arg: k.value for k in node.keywords if k.arg}
    nullable_node = keywords.get("nullable")
    nullable = (
        nullable_node.value
        if isinstance(nullable_node, ast.Constant) and isinstance(nullable_node.value, bool)
        else None
    )
    default = keywords.get("server_default")
    return Column(
        name=name,
        type=_type_name(types[0]) if types else _type_name(keywords.get("type_")),
        nullable=nullable,
        server_default=_expression(default) if default is not None else None,
    )


def _type_name(node: ast.expr | None) -> str | None:
    """``sa.String(length=100)`` shown as ``String(100)``; the module prefix dropped."""
    if node is None:
        return None
    if isinstance(node, ast.Call):
        base = _callee_name(node.func)
        values = [ast.unparse(a) for a in node.args] + [ast.unparse(k.value) for k in node.keywords]
        return f"{base}({', '.join(values)})" if values else base
    return _callee_name(node) or _short(ast.unparse(node))


def _expression(node: ast.expr) -> str:
    if isinstance(node, ast.Call | ast.Attribute | ast.Name) and _type_name(node):
        return str(_type_name(node))
    return _short(ast.unparse(node))


def _sql(node: ast.expr | None) -> str | None:
    if isinstance(node, ast.Call) and _callee_name(node.func) == "text" and node.args:
        node = node.args[0]
    text = _string(node)
    if text is None:
        return None
    return _short(" ".join(text.split()), _SQL_WIDTH)


def _bulk_table(node: ast.expr | None, context: _Context) -> str | None:
    if isinstance(node, ast.Name):
        return context.tables.get(node.id)
    if isinstance(node, ast.Call) and _callee_name(node.func) in ("table", "Table") and node.args:
        return _string(node.args[0])
    return None


def _short(text: str, width: int = 60) -> str:
    return text if len(text) <= width else text[: width - 1] + "\u2026"


def _narrows(details: dict[str, str]) -> bool:
    """A String/VARCHAR length made smaller, as far as the literals show."""
    new, old = details.get("type_"), details.get("existing_type")
    if not new or not old:
        return False
    new_length, old_length = _length(new), _length(old)
    return new_length is not None and old_length is not None and new_length < old_length


def _length(type_name: str) -> int | None:
    head, _, rest = type_name.partition("(")
    if head not in ("String", "VARCHAR", "Unicode", "CHAR", "NVARCHAR") or not rest:
        return None
    number = rest.split(",")[0].rstrip(")").split("=")[-1].strip()
    return int(number) if number.isdigit() else None
