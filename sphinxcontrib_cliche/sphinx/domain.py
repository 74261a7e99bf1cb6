"""The ``cliche`` domain: revisions as objects, the ``:cliche:rev:`` role, and
everything the extension keeps between builds.

Revisions are namespaced by history (``migrations:1ed82ef0071``) because one
project may document several Alembic environments that reuse ids; the short
form, a unique prefix, a branch label and ``label@head`` resolve whenever
they are unambiguous.  All data is plain and merged across parallel readers.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from docutils import nodes
from sphinx.domains import Domain, ObjType
from sphinx.roles import XRefRole
from sphinx.util import logging
from sphinx.util.nodes import make_refnode

from sphinxcontrib_cliche.sphinx.drawing import Drawing
from sphinxcontrib_cliche.sphinx.selection import Selection

if TYPE_CHECKING:
    from sphinx.addnodes import pending_xref
    from sphinx.application import Sphinx
    from sphinx.builders import Builder
    from sphinx.environment import BuildEnvironment

    from sphinxcontrib_cliche.loading import Report
    from sphinxcontrib_cliche.sphinx.store import CachedHistory, Keeping

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class RevisionObject:
    """Where a revision is documented canonically."""

    docname: str
    anchor: str
    message: str

    def reference(
        self, builder: Builder, fromdocname: str, contnode: nodes.Node
    ) -> nodes.reference:
        """The link to it from ``fromdocname``, titled with its message."""
        return make_refnode(builder, fromdocname, self.docname, self.anchor, contnode, self.message)


@dataclass(frozen=True)
class Usage:
    """One directive rendering a history: what the gate re-checks every build."""

    docname: str
    lineno: int
    name: str
    source_key: str
    multiple_heads: str
    selection: Selection
    generation: int  # of the history it was rendered from
    fingerprint: str  # of what the directive showed (``""``: nothing, an error)


class ClicheDomain(Domain):
    """Alembic revisions."""

    name = "cliche"
    label = "Alembic"
    object_types: ClassVar[dict[str, ObjType]] = {
        "revision": ObjType("revision", "rev"),
        "table": ObjType("table", "table"),
    }
    roles: ClassVar[dict[str, XRefRole]] = {  # type: ignore[assignment]
        # a dangling :cliche:rev: warns even without -n: a wrong id is a real mistake
        "rev": XRefRole(warn_dangling=True),
        "table": XRefRole(warn_dangling=True),
    }
    #: bumped whenever the shape of the data below changes
    data_version = 4
    initial_data: ClassVar[dict[str, Any]] = {
        "revisions": {},  # (history name, id) -> RevisionObject
        "tables": {},  # (history name, table) -> RevisionObject of its cliche-tables entry
        "aliases": {},  # (history name, label or label@head) -> id
        "usages": {},  # docname -> [Usage]
        "snapshots": {},  # source key -> CachedHistory
        "reads": {},  # source key -> how many times it was really read
        "page_totals": {},  # (source key, Selection) -> (generation, revisions selected)
    }

    def __init__(self, env: BuildEnvironment) -> None:
        super().__init__(env)
        #: Analysed histories by (source key, generation): this process's, this
        #: build's; never pickled (the snapshots are).
        self.reports: dict[tuple[str, int], Report] = {}
        #: Reads of a history found current in this build, as (source key,
        #: generation): each is stat-checked once a build (see ``store``).
        self.checked: set[tuple[str, int]] = set()
        #: The graphs read in this build and their pictures drawn ahead.
        self.drawing = Drawing()
        #: Snapshots being pickled by forked copies, by file (see ``store.settle``).
        self.keeping: dict[str, Keeping] = {}
        #: Whether objects are frozen from the collector in this build, and
        #: whether this build froze them (and unfreezes them: see ``freeing``).
        self.frozen = False
        self.froze = False

    @property
    def revisions(self) -> dict[tuple[str, str], RevisionObject]:
        return self.data["revisions"]  # type: ignore[no-any-return]

    @property
    def tables(self) -> dict[tuple[str, str], RevisionObject]:
        return self.data["tables"]  # type: ignore[no-any-return]

    def store(self, typ: str) -> dict[tuple[str, str], RevisionObject]:
        """The objects of a role or object type: ``rev``/``revision`` or ``table``."""
        return self.tables if typ == "table" else self.revisions

    @property
    def aliases(self) -> dict[tuple[str, str], str]:
        return self.data["aliases"]  # type: ignore[no-any-return]

    @property
    def usages(self) -> dict[str, list[Usage]]:
        return self.data["usages"]  # type: ignore[no-any-return]

    @property
    def snapshots(self) -> dict[str, CachedHistory]:
        return self.data["snapshots"]  # type: ignore[no-any-return]

    @property
    def reads(self) -> dict[str, int]:
        return self.data["reads"]  # type: ignore[no-any-return]

    @property
    def page_totals(self) -> dict[tuple[str, Selection], tuple[int, int]]:
        return self.data["page_totals"]  # type: ignore[no-any-return]

    def note_revision(self, history: str, revision: str, obj: RevisionObject) -> None:
        """Record a canonical place; the first document (by name) wins, silently."""
        _note(self.revisions, (history, revision), obj)

    def note_table(self, history: str, table: str, obj: RevisionObject) -> None:
        _note(self.tables, (history, table), obj)

    def note_alias(self, history: str, alias: str, revision: str) -> None:
        self.aliases[(history, alias)] = revision

    def note_usage(self, usage: Usage) -> None:
        self.usages.setdefault(usage.docname, []).append(usage)

    def clear_doc(self, docname: str) -> None:
        if docname not in self.usages:
            return  # every directive that notes objects notes its use first
        for store in (self.revisions, self.tables):
            for key, obj in list(store.items()):
                if obj.docname == docname:
                    del store[key]
        self.usages.pop(docname, None)
        live = {(usage.name, usage.source_key) for uses in self.usages.values() for usage in uses}
        names = {name for name, _ in live}
        for key in [k for k in self.aliases if k[0] not in names]:
            del self.aliases[key]

    def merge_domaindata(self, docnames: Iterable[str], otherdata: dict[str, Any]) -> None:
        wanted = set(docnames)
        for name in ("revisions", "tables"):
            for key, obj in otherdata[name].items():
                if obj.docname in wanted:
                    _note(self.data[name], key, obj)
        self.aliases.update(otherdata["aliases"])
        for docname, uses in otherdata["usages"].items():
            if docname in wanted:
                self.usages[docname] = list(uses)
        for key, cached in otherdata["snapshots"].items():
            self.snapshots.setdefault(key, cached)
        for key, count in otherdata["reads"].items():
            self.reads[key] = max(self.reads.get(key, 0), count)

    def find(self, target: str, typ: str = "rev") -> tuple[str, str] | None:
        """The (history, name) a reference names, if exactly one matches."""
        candidates = self.candidates(target, typ)
        return candidates[0] if len(candidates) == 1 else None

    def candidates(self, target: str, typ: str = "rev") -> list[tuple[str, str]]:
        """Every (history, name) a reference could name, sorted."""
        history, _, ident = target.rpartition(":")
        if history and (history, ident) in self.store(typ):
            return [(history, ident)]  # the history's own links: no scan
        if typ == "table":
            matches: Iterable[tuple[str, str]] = (k for k in self.tables if k[1] == ident)
        else:
            matches = self._matches(ident)
        return sorted({key for key in matches if not history or key[0] == history})

    def _matches(self, ident: str) -> Iterator[tuple[str, str]]:
        exact = [key for key in self.revisions if key[1] == ident]
        if exact:
            yield from exact
            return
        aliased = [(name, rev) for (name, alias), rev in self.aliases.items() if alias == ident]
        if aliased:
            yield from aliased
            return
        if len(ident) >= 4:  # a short prefix names nothing useful
            yield from (key for key in self.revisions if key[1].startswith(ident))

    def resolve_xref(
        self,
        env: BuildEnvironment,
        fromdocname: str,
        builder: Builder,
        typ: str,
        target: str,
        node: pending_xref,
        contnode: nodes.Element,
    ) -> nodes.reference | None:
        if node.get("cliche-quiet"):
            history, _, name = target.rpartition(":")
            return self.own_reference(builder, fromdocname, history, typ, name, contnode)
        obj = self.resolve_target(target, typ)
        if obj is None:
            return None  # reported by warn_missing_revision
        return obj.reference(builder, fromdocname, contnode)

    def resolve_target(self, target: str, typ: str = "rev") -> RevisionObject | None:
        """Where a reference of role ``typ`` to ``target`` leads, if anywhere."""
        found = self.find(target, typ)
        return self.store(typ).get(found) if found else None

    def own_target(self, history: str, typ: str, name: str) -> RevisionObject | None:
        """Where the history's own link to ``name`` leads: that very revision or
        table of that history, or nowhere (a parent outside the rendered range
        must not land on a rendered id it is a prefix of)."""
        return self.store(typ).get((history, name))

    def own_reference(
        self,
        builder: Builder,
        fromdocname: str,
        history: str,
        typ: str,
        name: str,
        contnode: nodes.Node,
    ) -> nodes.reference | None:
        """The history's own link to ``name`` from ``fromdocname``, made as the
        resolver makes it, or ``None`` where it leads nowhere (:meth:`own_target`)."""
        obj = self.own_target(history, typ, name)
        if obj is None:
            return None
        return obj.reference(builder, fromdocname, contnode)

    def resolve_any_xref(
        self,
        env: BuildEnvironment,
        fromdocname: str,
        builder: Builder,
        target: str,
        node: pending_xref,
        contnode: nodes.Element,
    ) -> list[tuple[str, nodes.reference]]:
        results = []
        for typ in ("rev", "table"):
            obj = self.resolve_target(target, typ)
            if obj is not None:
                results.append((f"cliche:{typ}", obj.reference(builder, fromdocname, contnode)))
        return results

    def get_objects(self) -> Iterator[tuple[str, str, str, str, str, int]]:
        short_counts: dict[str, int] = {}
        for _, revision in self.revisions:
            short_counts[revision] = short_counts.get(revision, 0) + 1
        for (history, revision), obj in sorted(self.revisions.items()):
            yield (f"{history}:{revision}", revision, "revision", obj.docname, obj.anchor, 1)
            if short_counts[revision] == 1:
                yield (revision, revision, "revision", obj.docname, obj.anchor, 2)
        for (history, table), obj in sorted(self.tables.items()):
            yield (f"{history}:{table}", table, "table", obj.docname, obj.anchor, 1)


def _note(
    store: dict[tuple[str, str], RevisionObject], key: tuple[str, str], obj: RevisionObject
) -> None:
    current = store.get(key)
    if current is None or obj.docname < current.docname:
        store[key] = obj


def warn_missing_revision(app: Sphinx, domain: Domain, node: pending_xref) -> bool | None:
    """Our own warning for an unresolved revision (``cliche.ref``), with its location.

    Links the history itself makes to revisions outside a rendered ``:range:``
    are quiet: they simply stay text.
    """
    if not isinstance(domain, ClicheDomain):
        return None
    if node.get("cliche-quiet"):
        return True
    target = node["reftarget"]
    typ = node.get("reftype", "rev")
    candidates = domain.candidates(target, typ)
    what = "table" if typ == "table" else "revision"
    if candidates:
        names = ", ".join(f"{history}:{name}" for history, name in candidates)
        why = f"is ambiguous: it could be {names}; write one of those"
    elif typ == "table":
        why = "is not a table listed by any cliche-tables"
    else:
        why = "is not a revision rendered by any cliche-history (nor a label or unique prefix)"
    logger.warning(
        "Alembic %s %r %s", what, target, why, type="cliche", subtype="ref", location=node
    )
    return True
