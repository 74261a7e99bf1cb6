"""Nodes made by :mod:`.making` are the nodes docutils' constructors make.

The history's nodes skip the constructors for speed, which is sound only
while the result is the same object: these tests compare the two, attribute
by attribute, on the installed docutils (CI's matrix runs them on the
oldest supported and the newest).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest
from docutils import nodes
from sphinx import addnodes

from sphinxcontrib_cliche.loading import load
from sphinxcontrib_cliche.source.operations import Operation
from sphinxcontrib_cliche.sphinx.doctree import RenderOptions, history_nodes
from sphinxcontrib_cliche.sphinx.making import element, text_element
from sphinxcontrib_cliche.testing.histories import Shape, generate


def _made_again(node: nodes.Node) -> nodes.Node:
    """``node`` and its descendants made again by their constructors."""
    if isinstance(node, nodes.Text):
        return nodes.Text(str(node))
    assert isinstance(node, nodes.Element)
    children = [_made_again(child) for child in node.children]
    attributes = {
        name: list(value) if isinstance(value, list) else value
        for name, value in node.attributes.items()
    }
    text = ("",) if isinstance(node, nodes.TextElement) else ()  # its second argument
    if type(node).__init__ not in (nodes.Element.__init__, nodes.TextElement.__init__):
        # such constructors add to the attributes (Sphinx's signature classes): the
        # node's own were made by its constructor, so set them as they are
        again = type(node)(node.rawsource, *text, *children)
        again.attributes = attributes
        return again
    return type(node)(node.rawsource, *text, *children, **attributes)


def _state(node: nodes.Node, parent: nodes.Node | None) -> Any:
    """Everything a node holds, its children's included; its parent as checked."""
    assert node.parent is parent
    if isinstance(node, nodes.Text):
        return (type(node), str(node), {k: v for k, v in vars(node).items() if k != "parent"})
    fields = {k: v for k, v in vars(node).items() if k not in ("parent", "children")}
    children = [_state(child, node) for child in node.children]
    return (type(node), fields, list(node.attributes), children)


def _assert_same(made: nodes.Node) -> None:
    again = _made_again(made)
    assert _state(made, made.parent) == _state(again, None)
    assert made.pformat() == again.pformat()


@pytest.mark.parametrize(
    "cls",
    [
        nodes.container,
        nodes.field_list,
        nodes.field,
        nodes.field_body,
        nodes.bullet_list,
        nodes.list_item,
        addnodes.desc,
        addnodes.desc_content,
        addnodes.index,
    ],
)
def test_an_element_is_what_its_constructor_makes(cls: type[nodes.Element]) -> None:
    child = nodes.paragraph("x", "x")
    made = element(cls, [child], ["one", "two"], domain="cliche", noindex=False)
    assert made.children == [child]
    assert child.parent is made
    _assert_same(made)
    assert vars(made).keys() == vars(cls("", nodes.paragraph("x", "x"))).keys()


@pytest.mark.parametrize(
    "cls", [nodes.paragraph, nodes.literal, nodes.inline, nodes.field_name, addnodes.desc_name]
)
def test_a_text_element_is_what_its_constructor_makes(cls: type[nodes.Element]) -> None:
    made = text_element(cls, "add column", ["cliche-op"])
    assert made.astext() == "add column"
    assert made.rawsource == "add column"
    _assert_same(made)
    assert made.attributes == cls("add column", "add column", classes=["cliche-op"]).attributes


def test_a_class_with_a_constructor_of_its_own_is_made_by_it() -> None:
    made = element(addnodes.desc_signature, [nodes.Text("x")], ["mine"])
    assert made["classes"] == addnodes.desc_signature("", "x", classes=["mine"])["classes"]
    assert "sig" in made["classes"]  # Sphinx's constructor added its classes


def test_nothing_is_shared_between_nodes() -> None:
    first, second = element(nodes.paragraph), element(nodes.paragraph)
    first["ids"].append("a")
    first["classes"].append("b")
    assert second["ids"] == []
    assert second["classes"] == []


def test_a_history_s_nodes_are_what_the_constructors_make(tmp_path: Path) -> None:
    generate(7, Shape(revisions=40, body_ops=4)).write(tmp_path)
    history = load(tmp_path / "versions").history
    assert any(node.record.upgrade_ops for node in history.nodes)

    def op_link(operation: Operation, text: str) -> nodes.Node:
        label = text_element(nodes.literal, text, ["cliche-op"])
        return element(nodes.reference, [label], refuri=f"#{operation.name}", internal=False)

    def own_link(typ: str, name: str, label: nodes.Node) -> nodes.Node:
        return element(nodes.reference, [label], refuri=f"b.html#{typ}-{name}", internal=True)

    indexed = RenderOptions(
        name="h",
        index=True,
        display_path=str,
        operation_link=op_link,
        own_link=own_link,
        downgrade=True,
        label_owners=history.label_owners,
    )
    for options in (indexed, dataclasses.replace(indexed, index=False, own_link=None)):
        (container,) = history_nodes(history.nodes, options)
        assert len(container.children) == len(history) * (2 if options.index else 1)
        _assert_same(container)
