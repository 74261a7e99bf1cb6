"""Re-point a revision's ``down_revision``, changing no other byte of its file.

The seed's manual fix for two heads, made safe: the literal is replaced in
place with the same quote style, the docstring's ``Revises:`` line follows,
and the file is written atomically (a temporary file renamed over it in the
same folder, with the original's permissions), only if it is still exactly
what was read.
"""

from __future__ import annotations

import ast
import io
import os
import re
import tempfile
import tokenize
from dataclasses import dataclass
from pathlib import Path

from sphinxcontrib_cliche.errors import ClicheError


class RewriteError(ClicheError):
    """The file cannot be rewritten safely; nothing was changed."""


@dataclass(frozen=True)
class Rewrite:
    path: Path
    before: bytes
    after: bytes


def plan_rebase(path: Path, parent: str, onto: str) -> Rewrite:
    """The new bytes of ``path`` with ``down_revision`` moved from ``parent`` to ``onto``."""
    before = path.read_bytes()
    encoding = _encoding(before)
    text = before.decode(encoding)
    # Python's own line breaks only (str.splitlines would also split on \f, \x1c...).
    lines = io.StringIO(text, newline="").readlines()
    node = _down_revision_literal(text, parent)
    line = lines[node.lineno - 1]
    raw = line.encode("utf-8")
    literal = raw[node.col_offset : node.end_col_offset].decode("utf-8")
    quote = literal[-1]
    replacement = f"{quote}{onto}{quote}"
    lines[node.lineno - 1] = (
        raw[: node.col_offset].decode("utf-8")
        + replacement
        + raw[node.end_col_offset :].decode("utf-8")
    )
    new_text = _rewrite_revises_line("".join(lines), parent, onto)
    return Rewrite(path, before, new_text.encode(encoding))


def apply(rewrite: Rewrite) -> None:
    """Write atomically, refusing if the file changed since it was read."""
    if rewrite.path.read_bytes() != rewrite.before:
        raise RewriteError(f"{rewrite.path} changed on disk since it was read; nothing written")
    mode = rewrite.path.stat().st_mode
    handle, temporary = tempfile.mkstemp(
        prefix=f".{rewrite.path.name}.", suffix=".tmp", dir=rewrite.path.parent
    )
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(rewrite.after)
            stream.flush()
            os.fsync(stream.fileno())
        Path(temporary).chmod(mode & 0o7777)
        Path(temporary).replace(rewrite.path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _encoding(data: bytes) -> str:
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    except SyntaxError as error:
        raise RewriteError(f"cannot tell the file's encoding: {error}") from None
    return encoding


def _down_revision_literal(text: str, parent: str) -> ast.Constant:
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError, RecursionError) as error:
        raise RewriteError(f"cannot parse the file: {error}") from None
    found: ast.Constant | None = None
    for stmt in tree.body:
        target: ast.expr | None = None
        if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1:
            target, value = stmt.targets[0], stmt.value
        elif isinstance(stmt, ast.AnnAssign) and stmt.value is not None:
            target, value = stmt.target, stmt.value
        if not (isinstance(target, ast.Name) and target.id == "down_revision"):
            continue
        if isinstance(value, ast.Tuple | ast.List) and len(value.elts) == 1:
            value = value.elts[0]
        # the last assignment wins, as when Python runs the module
        found = value if isinstance(value, ast.Constant) and value.value == parent else None
    if found is None or found.end_lineno != found.lineno or found.end_col_offset is None:
        raise RewriteError(
            f"down_revision is not a one-line string literal equal to {parent!r}; edit it by hand"
        )
    return found


def _rewrite_revises_line(text: str, parent: str, onto: str) -> str:
    pattern = re.compile(rf"^(Revises:[^\n]*?)(?<![\w]){re.escape(parent)}(?![\w])", re.MULTILINE)
    return pattern.sub(lambda m: f"{m.group(1)}{onto}", text, count=1)
