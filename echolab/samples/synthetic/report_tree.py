"""The content tree of a synthetic report as it is built, and its DICOM form (PS3.3 C.17.3).

A :class:`Node` is one content item to write; a node with a ``target`` is a by-reference
relationship to another node, written as (0040,DB73) Referenced Content Item Identifier once
every node's position is known (:func:`positions`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from pydicom.dataset import Dataset
from pydicom.sequence import Sequence

from .report_codes import UNIT_MEANINGS, Concept

__all__ = ["Node", "positions", "content_dataset", "code_item", "ds_text"]


@dataclass
class Node:
    """A content item to write; ``target`` makes it a by-reference relationship to that node.

    ``value`` holds what its value type needs: ``code`` (a :class:`Concept`); ``text``;
    ``number``, ``text`` and ``unit`` or ``qualifier`` (NUM); ``graphic_type`` and
    ``graphic_data`` (SCOORD); ``sop_class``, ``sop_instance`` and ``frames`` (IMAGE).
    """

    value_type: str | None
    relationship: str | None
    concept: Concept | None = None
    children: list[Node] = field(default_factory=list)
    value: dict[str, Any] = field(default_factory=dict)
    target: Node | None = None

    def add(self, node: Node) -> Node:
        """Append ``node`` to the children; return it."""
        self.children.append(node)
        return node


def positions(root: Node) -> dict[int, tuple[int, ...]]:
    """Every node's position (as (0040,DB73) counts: the root is (1,)) by ``id(node)``."""
    found: dict[int, tuple[int, ...]] = {}
    stack: list[tuple[Node, tuple[int, ...]]] = [(root, (1,))]
    while stack:
        node, position = stack.pop()
        found[id(node)] = position
        stack.extend((child, (*position, index)) for index, child in enumerate(node.children, start=1))
    return found


def ds_text(value: float) -> str:
    """``value`` as a (0040,A30A) Numeric Value: the most digits 16 characters hold."""
    for digits in range(12, 0, -1):
        text = f"{value:.{digits}g}"
        if len(text) <= 16:
            return text
    raise ValueError(f"{value!r} does not fit a DS")


def code_item(concept: Concept) -> Dataset:
    """A code sequence item."""
    item = Dataset()
    item.CodeValue = concept.value
    item.CodingSchemeDesignator = concept.scheme
    item.CodeMeaning = concept.meaning
    return item


def content_dataset(
    node: Node,
    places: dict[int, tuple[int, ...]],
    written: Callable[[Concept], Concept],
    floating_point: bool,
) -> Dataset:
    """The data set of ``node`` and everything below it.

    Parameters
    ----------
    node
        The item (the root gives the document's content: its Content Sequence and concept name).
    places
        :func:`positions` of the whole tree, for by-reference items.
    written
        How the vendor writes a concept (legacy codes or current ones).
    floating_point
        Write (0040,A161) Floating Point Value beside (0040,A30A) Numeric Value.
    """
    item = Dataset()
    if node.relationship is not None:
        item.RelationshipType = node.relationship
    if node.target is not None:
        item.ReferencedContentItemIdentifier = list(places[id(node.target)])
        return item
    assert node.value_type is not None
    item.ValueType = node.value_type
    if node.concept is not None:
        item.ConceptNameCodeSequence = [code_item(written(node.concept))]
    value = node.value
    if node.value_type == "CONTAINER":
        item.ContinuityOfContent = "SEPARATE"
    elif node.value_type == "CODE":
        item.ConceptCodeSequence = [code_item(written(value["code"]))]
    elif node.value_type == "TEXT":
        item.TextValue = value["text"]
    elif node.value_type == "PNAME":
        item.PersonName = value["text"]
    elif node.value_type == "NUM":
        if "qualifier" in value:
            item.MeasuredValueSequence = Sequence([])
            item.NumericValueQualifierCodeSequence = [code_item(value["qualifier"])]
        else:
            measured = Dataset()
            measured.NumericValue = value["text"]
            if floating_point:
                measured.FloatingPointValue = float(value["number"])
            unit = value["unit"]
            measured.MeasurementUnitsCodeSequence = [code_item(Concept("UCUM", unit, UNIT_MEANINGS.get(unit, unit)))]
            item.MeasuredValueSequence = [measured]
    elif node.value_type == "SCOORD":
        item.GraphicType = value["graphic_type"]
        item.GraphicData = value["graphic_data"]
    elif node.value_type == "IMAGE":
        reference = Dataset()
        reference.ReferencedSOPClassUID = value["sop_class"]
        reference.ReferencedSOPInstanceUID = value["sop_instance"]
        if value["frames"]:
            reference.ReferencedFrameNumber = value["frames"]
        item.ReferencedSOPSequence = [reference]
    if node.children:
        item.ContentSequence = [content_dataset(child, places, written, floating_point) for child in node.children]
    return item
