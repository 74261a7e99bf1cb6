"""The facts read from one revision file, as plain picklable data."""

from __future__ import annotations

import datetime as dt
import enum
import re
from dataclasses import dataclass, field

from sphinxcontrib_cliche.source.operations import Operation, Plain

#: What ``down_revision`` / ``branch_labels`` / ``depends_on`` may hold once read:
#: kept in the shape the file wrote (scalar or tuple) because Alembic's
#: semantics depend on it (``depends_on = ""`` is not ``None`` to Alembic).
RevisionValue = str | tuple[str, ...] | None

_CREATE_DATE = re.compile(r"^Create Date:[ \t]*(.+?)[ \t]*$", re.MULTILINE)


class Downgrade(enum.StrEnum):
    """Whether a revision can be undone, as far as its source shows."""

    PRESENT = "present"
    EMPTY = "empty"  # only ``pass``, ``...`` or a docstring
    MISSING = "missing"
    UNKNOWN = "unknown"  # the body could not be inspected


@dataclass(frozen=True, slots=True)
class RevisionRecord:
    """One revision file as Alembic would see it, read without importing it.

    ``docstring`` is the module's ``__doc__`` exactly (``None`` when the file
    has none, e.g. a docstring placed after the imports); ``recovered_doc`` is
    that misplaced first string, so the docs can still show it.
    """

    revision: str
    down_revision: RevisionValue
    branch_labels: RevisionValue
    depends_on: RevisionValue
    path: str
    docstring: str | None
    recovered_doc: str | None = None
    downgrade: Downgrade = Downgrade.UNKNOWN
    upgrade_ops: tuple[Operation, ...] = ()
    downgrade_ops: tuple[Operation, ...] = ()
    lines: dict[str, int] = field(default_factory=dict, compare=False)

    @property
    def parents(self) -> tuple[str, ...]:
        return _as_tuple(self.down_revision)

    @property
    def labels(self) -> tuple[str, ...]:
        return _as_tuple(self.branch_labels)

    @property
    def dependencies(self) -> tuple[str, ...]:
        return tuple(d for d in _as_tuple(self.depends_on) if d)

    @property
    def longdoc(self) -> str:
        """Alembic's ``Script.longdoc``: the stripped docstring."""
        return self.docstring.strip() if self.docstring else ""

    @property
    def doc(self) -> str:
        """Alembic's ``Script.doc``: the first paragraph of :attr:`longdoc`."""
        return self.longdoc.split("\n\n", 1)[0]

    @property
    def message(self) -> str:
        """The revision's title for humans, falling back to a recovered docstring."""
        if self.doc:
            return self.doc
        if self.recovered_doc:
            return self.recovered_doc.strip().split("\n\n", 1)[0]
        return ""

    @property
    def create_date(self) -> dt.datetime | None:
        """The template's ``Create Date:`` line, read when asked: the graph
        commands never show it, and parsing it costs a tenth of reading a file."""
        match = _CREATE_DATE.search(self.docstring or self.recovered_doc or "")
        if match is None:
            return None
        try:
            return dt.datetime.fromisoformat(match.group(1))
        except ValueError:
            return None

    @property
    def irreversible(self) -> bool:
        """Its ``downgrade()`` is missing or does nothing."""
        return self.downgrade in (Downgrade.MISSING, Downgrade.EMPTY)

    def line_of(self, name: str) -> int | None:
        return self.lines.get(name)

    def plain(self) -> tuple[Plain | tuple[tuple[Plain, ...], ...], ...]:
        """Every field as values ``marshal`` writes (strings, numbers, ``None``,
        plain tuples, a dict): what a fingerprint hashes.  ``marshal`` refuses
        anything else, so a field of another kind fails loudly, never goes
        unhashed."""
        return (
            self.revision,
            self.down_revision,
            self.branch_labels,
            self.depends_on,
            self.path,
            self.docstring,
            self.recovered_doc,
            self.downgrade.value,
            tuple(operation.plain() for operation in self.upgrade_ops),
            tuple(operation.plain() for operation in self.downgrade_ops),
            self.lines,
        )

    def __reduce__(self) -> tuple[type[RevisionRecord], tuple[object, ...]]:
        # Pickled by its fields in order, not by the state dictionary that
        # dataclasses give a class with slots (built and read back in Python, a
        # field at a time): records cross processes and caches by the thousand,
        # and this halves their pickling and loading.
        return (
            RevisionRecord,
            (
                self.revision,
                self.down_revision,
                self.branch_labels,
                self.depends_on,
                self.path,
                self.docstring,
                self.recovered_doc,
                self.downgrade,
                self.upgrade_ops,
                self.downgrade_ops,
                self.lines,
            ),
        )


def _as_tuple(value: RevisionValue) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,) if value else ()
    return value
