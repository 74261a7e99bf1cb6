"""Revisions and diagnostics as plain JSON-ready data, shared by every face."""

from __future__ import annotations

from typing import Any

from sphinxcontrib_cliche.diagnostics import Diagnostic
from sphinxcontrib_cliche.model.history import Node
from sphinxcontrib_cliche.paths import relative_path
from sphinxcontrib_cliche.render.operations import describe
from sphinxcontrib_cliche.source.operations import Operation


def revision_data(node: Node, root: str) -> dict[str, Any]:
    record = node.record
    created = record.create_date
    return {
        "revision": node.revision,
        "parents": list(node.parents),
        "children": list(node.children),
        "message": record.message,
        "doc": record.longdoc or (record.recovered_doc or "").strip(),
        "create_date": created.isoformat() if created else None,
        "path": relative_path(record.path, root),
        "branch_labels": list(record.labels),
        "branch_names": list(node.branch_names),
        "depends_on": list(record.dependencies),
        "is_head": node.is_head,
        "is_base": node.is_base,
        "is_branchpoint": node.is_branchpoint,
        "is_mergepoint": node.is_mergepoint,
        "downgrade": record.downgrade.value,
        "irreversible": record.irreversible,
        "operations": [operation_data(op) for op in record.upgrade_ops],
        "downgrade_operations": [operation_data(op) for op in record.downgrade_ops],
    }


def operation_data(operation: Operation) -> dict[str, Any]:
    """Every field of an operation, plus its readable line and whether it loses data."""
    data = operation._asdict()
    data["columns"] = [column._asdict() for column in operation.columns]
    data["details"] = dict(operation.details)
    data["description"] = describe(operation)
    data["destructive"] = operation.destructive
    return data


def diagnostic_data(diagnostic: Diagnostic, root: str) -> dict[str, Any]:
    return {
        "code": diagnostic.code.value,
        "level": diagnostic.level.label,
        "message": diagnostic.message,
        "path": relative_path(diagnostic.path, root),
        "line": diagnostic.line,
        "revision": diagnostic.revision,
    }
