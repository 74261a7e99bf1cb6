"""How paths are shown: relative to the history's folder, with forward slashes.

Shared by every layer that words a message or renders a file name, so that
the same file reads the same in a diagnostic, on the terminal and in JSON.
"""

from __future__ import annotations

from pathlib import Path


def relative_path(path: str | None, root: str | None) -> str | None:
    """``path`` relative to ``root`` with forward slashes, else unchanged."""
    if path is None or root is None:
        return path
    try:
        return Path(path).relative_to(root).as_posix()
    except ValueError:
        return path
