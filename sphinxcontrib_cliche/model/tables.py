"""The story of each table: which revisions touched it, and how, oldest first."""

from __future__ import annotations

from dataclasses import dataclass

from sphinxcontrib_cliche.model.history import History, Node
from sphinxcontrib_cliche.source.operations import Operation


@dataclass(frozen=True)
class TableChange:
    """What one revision did to one table."""

    node: Node
    operations: tuple[Operation, ...]


def table_key(operation: Operation, table: str) -> str:
    return f"{operation.schema}.{table}" if operation.schema else table


def table_histories(history: History) -> dict[str, tuple[TableChange, ...]]:
    """Every table the upgrades touch, by name, with its changes oldest first."""
    changes: dict[str, list[TableChange]] = {}
    for node in reversed(history.nodes):
        touched: dict[str, list[Operation]] = {}
        for operation in node.record.upgrade_ops:
            for table in operation.tables:
                touched.setdefault(table_key(operation, table), []).append(operation)
        for table, operations in touched.items():
            changes.setdefault(table, []).append(TableChange(node, tuple(operations)))
    return {table: tuple(changes[table]) for table in sorted(changes)}
