"""Findings about a migration folder, as plain data shared by every layer.

A finding is never an exception or a print: the reader, the graph and the
checks each return :class:`Diagnostic` records, and the faces (Sphinx, the
CLI) decide how loud to be.  Every code is declared once in :class:`Code`
with its level and advice, so the warning types of Sphinx, the exit codes of
the CLI and the reference page of the docs all come from the same table.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field


class Level(enum.IntEnum):
    """How serious a finding is; ordered so that ``max()`` gives the worst."""

    INFO = 10
    WARNING = 20
    ERROR = 30

    @property
    def label(self) -> str:
        return self.name.lower()


@dataclass(frozen=True)
class CodeInfo:
    """What a diagnostic code means and what the user should do about it.

    ``strict`` findings are information in the docs but fail ``cliche check
    --strict``, for teams that want every data loss reviewed.
    """

    level: Level
    summary: str
    fix: str
    strict: bool = False


class Code(enum.StrEnum):
    """Stable diagnostic codes; the value is also the Sphinx warning subtype."""

    MULTIPLE_HEADS = "multiple-heads"
    MISSING_PARENT = "missing-parent"
    MISSING_DEPENDENCY = "missing-dependency"
    DUPLICATE_REVISION = "duplicate-revision"
    DUPLICATE_BRANCH_LABEL = "duplicate-branch-label"
    CYCLE = "cycle"
    SYNTAX_ERROR = "syntax-error"
    NOT_UTF8 = "not-utf8"
    UNREADABLE_FILE = "unreadable-file"
    DYNAMIC_REVISION = "dynamic-revision"
    INVALID_REVISION = "invalid-revision"
    NO_REVISIONS = "no-revisions"
    MISSING_VERSION_LOCATION = "missing-version-location"
    DUPLICATE_FILE = "duplicate-file"
    DOCSTRING_MISMATCH = "docstring-mismatch"
    MISSING_DOWNGRADE = "missing-downgrade"
    DESTRUCTIVE_OPERATION = "destructive-operation"
    DYNAMIC_OPERATION = "dynamic-operation"

    @property
    def info(self) -> CodeInfo:
        return CODE_INFO[self]

    @property
    def level(self) -> Level:
        return CODE_INFO[self].level


CODE_INFO: dict[Code, CodeInfo] = {
    Code.MULTIPLE_HEADS: CodeInfo(
        Level.ERROR,
        "The history has more than one head, so `upgrade head` is ambiguous.",
        "Rebase one branch onto the other head (`cliche rebase REV --onto HEAD`, "
        "only for revisions no database has applied) or create a merge revision "
        "with `alembic merge heads`.",
    ),
    Code.MISSING_PARENT: CodeInfo(
        Level.ERROR,
        "A revision's down_revision names a revision that is not in any version location.",
        "Restore the missing revision file, or correct down_revision. The "
        "revision is shown as a base until then.",
    ),
    Code.MISSING_DEPENDENCY: CodeInfo(
        Level.ERROR,
        "A revision's depends_on names a revision or branch label that does not exist.",
        "Correct depends_on, or add the revision it should depend on.",
    ),
    Code.DUPLICATE_REVISION: CodeInfo(
        Level.ERROR,
        "Two files declare the same revision id; Alembic silently keeps the last one.",
        "Give one of the files a new id (`alembic revision` generates one) "
        "and update its children.",
    ),
    Code.DUPLICATE_BRANCH_LABEL: CodeInfo(
        Level.ERROR,
        "A branch label is used by two revisions, or equals a revision id.",
        "Rename one of the labels; labels name exactly one branch.",
    ),
    Code.CYCLE: CodeInfo(
        Level.ERROR,
        "Revisions form a cycle through down_revision or depends_on.",
        "Break the cycle by correcting down_revision in one of the named files.",
    ),
    Code.SYNTAX_ERROR: CodeInfo(
        Level.ERROR,
        "A revision file is not valid Python. Where the error lies below the ids,"
        " the revision keeps its place, read from the header, its operations unknown.",
        "Fix the syntax error at the line shown.",
    ),
    Code.NOT_UTF8: CodeInfo(
        Level.ERROR,
        "A revision file cannot be decoded with its declared encoding "
        "(UTF-8 unless a PEP 263 coding line says otherwise).",
        "Save the file as UTF-8, or declare its encoding on the first line.",
    ),
    Code.UNREADABLE_FILE: CodeInfo(
        Level.ERROR,
        "A revision file or version folder could not be read.",
        "Check that the path exists and is readable by the user running the build.",
    ),
    Code.DYNAMIC_REVISION: CodeInfo(
        Level.ERROR,
        "A revision id, parent, label or dependency is computed, so it cannot "
        "be read without running the file.",
        "Assign a literal, or opt in to the importing loader (loader = 'alembic').",
    ),
    Code.INVALID_REVISION: CodeInfo(
        Level.ERROR,
        "A revision file declares no usable revision id, or a value of the wrong type.",
        "Assign `revision` and `down_revision` as strings (or a tuple of strings for a merge).",
    ),
    Code.NO_REVISIONS: CodeInfo(
        Level.WARNING,
        "No revision file was found in the version locations.",
        "Check script_location / version_locations, or create a first "
        "revision with `alembic revision`.",
    ),
    Code.MISSING_VERSION_LOCATION: CodeInfo(
        Level.WARNING,
        "A configured version location does not exist; Alembic skips it silently.",
        "Create the folder or remove it from version_locations.",
    ),
    Code.DUPLICATE_FILE: CodeInfo(
        Level.WARNING,
        "The same file is reachable twice (overlapping version locations or a "
        "symlink); it was read once.",
        "Make the version locations disjoint.",
    ),
    Code.DOCSTRING_MISMATCH: CodeInfo(
        Level.INFO,
        "The docstring's `Revision ID:` / `Revises:` lines disagree with the "
        "assignments; the assignments win.",
        "Update the docstring so readers of the file are not misled.",
    ),
    Code.MISSING_DOWNGRADE: CodeInfo(
        Level.INFO,
        "A revision has no downgrade(), or its downgrade() does nothing: it is irreversible.",
        "Write the downgrade, or accept that this revision is irreversible.",
        strict=True,
    ),
    Code.DESTRUCTIVE_OPERATION: CodeInfo(
        Level.INFO,
        "An upgrade drops a table or column, narrows a column's type, or runs DELETE, DROP "
        "or TRUNCATE SQL: data is lost.",
        "Make sure the data is migrated or backed up first; `cliche check --strict` lists them.",
        strict=True,
    ),
    Code.DYNAMIC_OPERATION: CodeInfo(
        Level.INFO,
        "An operation's table or arguments are computed (or it runs in a loop), so the "
        "operation reference cannot say exactly what it does.",
        "Nothing to fix: the docs mark the operation as dynamic.",
    ),
}


@dataclass(frozen=True, order=True)
class Diagnostic:
    """One finding, located in a file (and line) where it has a place.

    Plain, picklable data: Sphinx keeps these in its environment and the CLI
    prints or serialises them.  ``path`` is absolute; faces decide how to
    show it.
    """

    path: str | None
    line: int | None
    code: Code
    message: str
    revision: str | None = None
    hint: str | None = field(default=None, compare=False)

    @property
    def level(self) -> Level:
        return self.code.level

    def location(self) -> str:
        """``file:line`` (or just ``file``) for messages; empty when unplaced."""
        if self.path is None:
            return ""
        return self.path if self.line is None else f"{self.path}:{self.line}"
