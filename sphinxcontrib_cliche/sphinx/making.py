"""Docutils nodes made without their constructors' general-purpose work.

A page of 500 revisions is some 40,000 nodes, and docutils' ``Element``
constructor is the single largest cost of making them: it takes any
children and any attributes, copies every list it is given, and attaches
each child through ``setup_child``, which looks up the (absent) document by
letting an ``AttributeError`` rise from the root of a tree still being built.
Here the nodes are made new and detached, with children known, so the same
object can be set up directly: the same ``rawsource``, ``children`` (each
with its ``parent``), ``attributes`` (the class's list attributes first, as
the constructor makes them) and ``tagname``.

Only classes whose constructor is docutils' own plain one are made this way;
any other (Sphinx's signature nodes add their classes in theirs) goes
through its constructor.  ``tests/test_making.py`` holds the two ways equal
on every class the history uses, on each docutils version the project
supports.
"""

from __future__ import annotations

from typing import Any, TypeVar

from docutils import nodes

E = TypeVar("E", bound=nodes.Element)

#: The constructors whose whole work is done by :func:`element` instead.
_PLAIN = (nodes.Element.__init__, nodes.TextElement.__init__)
#: The attributes every node has as lists, in the order the constructor adds
#: them (docutils 0.22 dropped ``backrefs``).
_LISTS = nodes.Element.list_attributes
_BACKREFS = _LISTS == ("ids", "classes", "names", "dupnames", "backrefs")
_KNOWN = _BACKREFS or _LISTS == ("ids", "classes", "names", "dupnames")


def element(
    cls: type[E],
    children: list[nodes.Node] | None = None,
    classes: list[str] | None = None,
    rawsource: str = "",
    **attributes: Any,
) -> E:
    """``cls(rawsource, *children, classes=classes, **attributes)``, at a third of
    the cost.  ``children`` and ``classes`` are taken, not copied: pass new lists."""
    if not _KNOWN or cls.__init__ not in _PLAIN or cls.list_attributes is not _LISTS:
        text = ("",) if issubclass(cls, nodes.TextElement) else ()  # its second argument
        return cls(rawsource, *text, *(children or ()), classes=classes or [], **attributes)
    node = cls.__new__(cls)
    node.rawsource = rawsource
    node.children = children if children is not None else []
    for child in node.children:
        child.parent = node
    made: dict[str, Any] = {"ids": [], "classes": classes or [], "names": [], "dupnames": []}
    if _BACKREFS:
        made["backrefs"] = []
    if attributes:
        made.update(attributes)
    node.attributes = made
    if getattr(cls, "tagname", None) is None:  # as the constructor names it
        node.tagname = cls.__name__
    return node


def text_element(cls: type[E], text: str, classes: list[str] | None = None, **attributes: Any) -> E:
    """``cls(text, text, classes=classes, **attributes)``: an element holding one text."""
    children: list[nodes.Node] = [nodes.Text(text)] if text else []
    return element(cls, children, classes, text, **attributes)
