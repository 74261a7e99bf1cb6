"""Evaluate the right-hand side of a revision assignment without running it.

Only literals are values: strings, ``None``, and tuples or lists of them.  A
name or attribute is followed one step to a module-level literal, either in
the same file or in a module imported from the configured source roots
(``branch_labels = (cli.EXPAND_BRANCH,)``); anything else is *dynamic* and is
reported, never guessed.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path


class Dynamic:
    """The value could not be known statically; ``reason`` says why."""

    __slots__ = ("line", "reason")

    def __init__(self, reason: str, line: int) -> None:
        self.reason = reason
        self.line = line


Literal = str | None | tuple["Literal", ...] | int | float | bool | bytes


@dataclass
class ImportTable:
    """What the module-level imports of one file bind, by local name.

    ``modules`` maps a local name to a dotted module (``import a.b as c``);
    ``members`` maps a local name to ``(module, attribute)`` for
    ``from a import b`` (``b`` may itself be a module).
    """

    modules: dict[str, str] = field(default_factory=dict)
    members: dict[str, tuple[str, str]] = field(default_factory=dict)

    def add(self, node: ast.Import | ast.ImportFrom) -> None:
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    self.modules[alias.asname] = alias.name
                else:
                    head = alias.name.split(".", 1)[0]
                    self.modules[head] = head
        elif node.module and node.level == 0:
            for alias in node.names:
                self.members[alias.asname or alias.name] = (node.module, alias.name)


class ConstantResolver:
    """Finds module-level literal constants in modules under ``roots``.

    Each module is parsed at most once per resolver; the resolver lives for
    one read of a history, so nothing outlives the files it saw.
    """

    def __init__(self, roots: Iterable[str]) -> None:
        self._roots = tuple(Path(root) for root in roots)
        self._constants: dict[str, dict[str, Literal]] = {}
        self.lookups = 0  # a reading that looked into another module depends on it

    def lookup(self, module: str, name: str) -> Literal | Dynamic:
        self.lookups += 1
        constants = self._constants.get(module)
        if constants is None:
            constants = self._constants[module] = self._load(module)
        if name in constants:
            return constants[name]
        return Dynamic(f"{module}.{name} is not a literal constant in {module}", 0)

    def _load(self, module: str) -> dict[str, Literal]:
        relative = Path(*module.split("."))
        for root in self._roots:
            for candidate in (
                root / relative.with_suffix(".py"),
                root / relative / "__init__.py",
            ):
                if candidate.is_file():
                    return _module_constants(candidate)
        return {}


def _module_constants(path: Path) -> dict[str, Literal]:
    try:
        tree = ast.parse(path.read_bytes())
    except (OSError, SyntaxError, ValueError, RecursionError):
        return {}
    constants: dict[str, Literal] = {}
    for stmt in tree.body:
        target, value = assignment_parts(stmt)
        if target is None or value is None:
            continue
        result = literal_value(value, {}, ImportTable(), None)
        if not isinstance(result, Dynamic):
            constants[target] = result
    return constants


def assignment_parts(stmt: ast.stmt) -> tuple[str | None, ast.expr | None]:
    """``(name, value)`` of ``name = value`` or ``name: T = value``, else ``(None, None)``."""
    if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1:
        target = stmt.targets[0]
        if isinstance(target, ast.Name):
            return target.id, stmt.value
    elif (
        isinstance(stmt, ast.AnnAssign)
        and isinstance(stmt.target, ast.Name)
        and stmt.value is not None
    ):
        return stmt.target.id, stmt.value
    return None, None


def literal_value(
    node: ast.expr,
    local: dict[str, Literal],
    imports: ImportTable,
    resolver: ConstantResolver | None,
) -> Literal | Dynamic:
    """The value of ``node`` if it is a literal or a one-step constant reference."""
    if isinstance(node, ast.Constant):
        value = node.value
        if value is None or isinstance(value, str | int | float | bool | bytes):
            return value
        return Dynamic("not a literal", node.lineno)
    if isinstance(node, ast.Tuple | ast.List):
        items: list[Literal] = []
        for element in node.elts:
            item = literal_value(element, local, imports, resolver)
            if isinstance(item, Dynamic):
                return item
            items.append(item)
        return tuple(items)
    if isinstance(node, ast.Name):
        return _resolve_name(node, local, imports, resolver)
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
        return _resolve_attribute(node, node.value.id, imports, resolver)
    return Dynamic(f"`{_shorten(ast.unparse(node))}` is computed", node.lineno)


def _resolve_name(
    node: ast.Name,
    local: dict[str, Literal],
    imports: ImportTable,
    resolver: ConstantResolver | None,
) -> Literal | Dynamic:
    if node.id in local:
        return local[node.id]
    if node.id in imports.members and resolver is not None:
        module, attribute = imports.members[node.id]
        return _located(resolver.lookup(module, attribute), node)
    return Dynamic(f"name `{node.id}` is not a literal constant", node.lineno)


def _resolve_attribute(
    node: ast.Attribute,
    base: str,
    imports: ImportTable,
    resolver: ConstantResolver | None,
) -> Literal | Dynamic:
    if resolver is not None:
        if base in imports.modules:
            return _located(resolver.lookup(imports.modules[base], node.attr), node)
        if base in imports.members:
            package, module = imports.members[base]
            return _located(resolver.lookup(f"{package}.{module}", node.attr), node)
    return Dynamic(f"`{_shorten(ast.unparse(node))}` is not resolvable", node.lineno)


def _located(value: Literal | Dynamic, node: ast.expr) -> Literal | Dynamic:
    if isinstance(value, Dynamic):
        return Dynamic(f"`{ast.unparse(node)}`: {value.reason}", node.lineno)
    return value


def _shorten(text: str, width: int = 60) -> str:
    return text if len(text) <= width else text[: width - 3] + "..."
