"""A migration changelog for release notes: revisions oldest first."""

from __future__ import annotations

import json
from collections.abc import Sequence

from sphinxcontrib_cliche.model.history import Node
from sphinxcontrib_cliche.render.data import revision_data
from sphinxcontrib_cliche.render.operations import describe


def changelog(
    nodes: Sequence[Node], fmt: str, root: str, title: str = "Database migrations"
) -> str:
    """``nodes`` in history order (newest first) rendered oldest first as md, rst or json."""
    oldest_first = list(reversed(nodes))
    if fmt == "json":
        return json.dumps([revision_data(n, root) for n in oldest_first], indent=2) + "\n"
    lines = [title, "=" * len(title), ""] if fmt == "rst" else [f"# {title}", ""]
    for node in oldest_first:
        date = node.record.create_date
        when = f" ({date:%Y-%m-%d})" if date else ""
        message = node.record.message or "(no message)"
        if fmt == "rst":
            lines.append(f"* ``{node.revision}``{when}: {_rst_text(message)}")
        else:
            lines.append(f"- `{node.revision}`{when}: {_md_text(message)}")
        for operation in node.record.upgrade_ops:
            text = describe(operation) + (" (destructive)" if operation.destructive else "")
            if fmt == "rst":
                lines.append(f"  * {_rst_code(text)}")
            else:
                lines.append(f"  - {text}")
    return "\n".join(lines) + "\n"


def _md_text(text: str) -> str:
    return "".join(f"\\{c}" if c in "\\`*_{}[]<>#|" else c for c in text.replace("\n", " "))


def _rst_code(text: str) -> str:
    """Operation lines mark names with backticks; reST wants them doubled."""
    return text.replace("`", "``")


def _rst_text(text: str) -> str:
    return "".join(f"\\{c}" if c in "\\`*_|" else c for c in text.replace("\n", " "))
