"""A Structured Report's content tree as plain typed items: the only place SR documents are parsed.

A DICOM SR document (PS3.3 C.17) is a tree of content items, each a nested item of (0040,A730)
Content Sequence with a (0040,A040) Value Type, a (0040,A010) Relationship Type with its parent
and a (0040,A043) Concept Name Code Sequence. :func:`read_content_tree` reads the tree of a file
into :class:`ContentItem` objects — value type, relationship, concept name, the value of each
kind (number with units and qualifier, code, text, spatial coordinates, image reference) and the
children — and the document's own facts into an :class:`SRDocument`: its UIDs, SOP class,
template, completion and verification flags and the evidence it references. What sits on top
(:mod:`echolab.reports`) reads those objects and never a pydicom data set.

Real reports are messy and hostile files exist: a content item that cannot be read as its value
type says (a missing concept name, a number that does not parse, a sequence written with another
VR) keeps its place in the tree without the unreadable part, and a
:class:`~echolab.errors.ReportWarning` names the item ("content item 1.3.2"), the element
("(0040,A30A) Numeric Value") and what would be valid. The work one file can cause is bounded:
a tree nested deeper than ``max_depth`` or holding more than ``max_items`` content items is
refused with a :class:`~echolab.errors.ReportError` naming the limit and how to raise it
(``max_sr_depth`` and ``max_sr_items`` of :mod:`echolab.limits`); the tree is walked without
recursion.

Positions follow (0040,DB73) Referenced Content Item Identifier: the root is ``(1,)``, its
third child ``(1, 3)``, and so on; a by-reference relationship keeps its target's position in
:attr:`ContentItem.target`.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Iterator
from collections.abc import Sequence as SequenceABC
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, NamedTuple

from ..codes import CompletionFlag, GraphicType, SRRelationship, SRValueType, VerificationFlag
from ..errors import EcholabError, ReportError, ReportWarning, short_exception
from ..limits import limits, raise_hint
from .elements import element_name, element_value, get_float, get_float_list, get_str, is_multi_value
from .header import header_from_dataset, read_header

if TYPE_CHECKING:
    from pydicom.dataset import Dataset

__all__ = [
    "Code",
    "ImageReference",
    "EvidenceReference",
    "ContentItem",
    "SRDocument",
    "read_content_tree",
    "content_tree_from_dataset",
    "SR_SOP_CLASS_PREFIX",
    "is_sr_sop_class",
    "dotted",
    "frame_index",
]

#: Every SR Storage SOP Class UID starts with this (Basic Text, Enhanced, Comprehensive, 3D ...).
SR_SOP_CLASS_PREFIX = "1.2.840.10008.5.1.4.1.1.88."

#: Warnings emitted one by one for a document; the rest are summed up in one more.
_WARNINGS_SHOWN = 10


def is_sr_sop_class(uid: str | None) -> bool:
    """True for the SOP Class UID of an SR Storage SOP Class (and of Key Object Selection)."""
    return uid is not None and uid.startswith(SR_SOP_CLASS_PREFIX)


# --- the items ---------------------------------------------------------------------------------


class Code(NamedTuple):
    """A coded concept as written: (0008,0100) Code Value (or its long / URN form), (0008,0102)
    Coding Scheme Designator and (0008,0104) Code Meaning; ``""`` for a missing part."""

    value: str
    scheme: str
    meaning: str

    def __str__(self) -> str:
        return f'({self.value}, {self.scheme}, "{self.meaning}")'


@dataclass(frozen=True)
class ImageReference:
    """What an IMAGE, COMPOSITE or WAVEFORM item references ((0008,1199) Referenced SOP Sequence).

    Attributes
    ----------
    sop_class_uid, sop_instance_uid
        (0008,1150) and (0008,1155); ``""`` when missing.
    frames
        (0008,1160) Referenced Frame Number as written: 1-based, empty when the item names none
        (the whole image, or its only frame).
    """

    sop_class_uid: str
    sop_instance_uid: str
    frames: tuple[int, ...] = ()


@dataclass(frozen=True)
class EvidenceReference:
    """One instance of (0040,A375) Current Requested Procedure Evidence Sequence or (0040,A385)
    Pertinent Other Evidence Sequence: the instances the report was made from."""

    study_instance_uid: str
    series_instance_uid: str
    sop_class_uid: str
    sop_instance_uid: str


@dataclass(frozen=True)
class ContentItem:
    """One content item of an SR document, with its children.

    Attributes
    ----------
    position
        Where it is in the tree, as (0040,DB73) Referenced Content Item Identifier counts:
        ``(1,)`` for the root, ``(1, 3, 2)`` for the second child of the root's third child.
    value_type
        (0040,A040) Value Type; None for a by-reference item (see ``target``) and for an item
        whose value type is missing or unknown.
    relationship
        (0040,A010) Relationship Type with the parent; None for the root.
    concept
        (0040,A043) Concept Name Code Sequence; None when absent (allowed for a CONTAINER that
        is not the root and for by-reference items).
    children
        The items of its (0040,A730) Content Sequence, in order.
    number, units, qualifier
        A NUM's (0040,A30A) Numeric Value (or its exact (0040,A161) Floating Point Value), the
        (0040,08EA) Measurement Units Code Sequence (UCUM) and the (0040,A301) Numeric Value
        Qualifier Code Sequence that says why there is no number (``number`` None then).
    code
        A CODE's (0040,A168) Concept Code Sequence.
    text
        The value of a TEXT, PNAME, DATE, TIME, DATETIME or UIDREF item, as written.
    graphic_type, graphic_data
        An SCOORD's or SCOORD3D's (0070,0023) Graphic Type and (0070,0022) Graphic Data: for
        SCOORD, (column, row) pairs in image pixels, (0, 0) the top left corner of the top left
        pixel (PS3.3 C.18.6.1.1); for SCOORD3D, (x, y, z) triplets in mm.
    frame_of_reference_uid
        An SCOORD3D's (3006,0024) Referenced Frame of Reference UID.
    reference
        What an IMAGE, COMPOSITE or WAVEFORM item references.
    target
        For a by-reference relationship, the position of the item it points at.
    template
        (0040,DB00) Template Identifier of a (0040,A504) Content Template Sequence on the item.
    continuity
        A CONTAINER's (0040,A050) Continuity Of Content ("SEPARATE" or "CONTINUOUS").
    """

    position: tuple[int, ...]
    value_type: SRValueType | None
    relationship: SRRelationship | None
    concept: Code | None
    children: tuple[ContentItem, ...] = ()
    number: float | None = None
    units: Code | None = None
    qualifier: Code | None = None
    code: Code | None = None
    text: str | None = None
    graphic_type: GraphicType | None = None
    graphic_data: tuple[float, ...] = ()
    frame_of_reference_uid: str | None = None
    reference: ImageReference | None = None
    target: tuple[int, ...] | None = None
    template: str | None = None
    continuity: str | None = None

    @property
    def label(self) -> str:
        """``"content item 1.3.2"``, as messages name it."""
        return _label(self.position)

    def walk(self) -> Iterator[ContentItem]:
        """This item and every item below it, depth first in document order (no recursion)."""
        stack: list[ContentItem] = [self]
        while stack:
            item = stack.pop()
            yield item
            stack.extend(reversed(item.children))


def dotted(position: tuple[int, ...]) -> str:
    """A position as text: ``"1.3.2"``."""
    return ".".join(str(index) for index in position)


def _label(position: tuple[int, ...]) -> str:
    """``"content item 1.3.2"``; a position deeper than 12 levels is shortened (a hostile tree's
    would fill the message)."""
    if len(position) <= 12:
        return f"content item {dotted(position)}"
    return f"content item {dotted(position[:4])}...{dotted(position[-2:])} ({len(position)} levels deep)"


@dataclass(frozen=True)
class SRDocument:
    """An SR document: its own facts and its content tree.

    Attributes
    ----------
    source
        The file, or None for an in-memory data set.
    sop_class_uid, sop_instance_uid, study_instance_uid, series_instance_uid
        (0008,0016), (0008,0018), (0020,000D), (0020,000E); None when missing.
    manufacturer, model
        (0008,0070) Manufacturer and (0008,1090) Manufacturer's Model Name.
    completion_flag, verification_flag
        (0040,A491) and (0040,A493); None when missing or not one of the defined terms.
    template, mapping_resource
        (0040,DB00) Template Identifier and (0008,0105) Mapping Resource of the root's
        (0040,A504) Content Template Sequence (``"5200"``, ``"DCMR"``); None when missing.
    root
        The root content item (a CONTAINER: the document title is its concept name).
    evidence
        The instances of (0040,A375) Current Requested Procedure Evidence Sequence and
        (0040,A385) Pertinent Other Evidence Sequence.
    problems
        What could not be read, one message per problem (each also emitted as a
        :class:`~echolab.errors.ReportWarning`).
    item_count
        Content items in the tree (the root included).
    """

    source: str | None
    sop_class_uid: str | None
    sop_instance_uid: str | None
    study_instance_uid: str | None
    series_instance_uid: str | None
    manufacturer: str | None
    model: str | None
    completion_flag: CompletionFlag | None
    verification_flag: VerificationFlag | None
    template: str | None
    mapping_resource: str | None
    root: ContentItem
    evidence: tuple[EvidenceReference, ...] = ()
    problems: tuple[str, ...] = ()
    item_count: int = 1
    _by_position: dict[tuple[int, ...], ContentItem] = field(default_factory=dict, repr=False, compare=False)

    @property
    def title(self) -> Code | None:
        """The document title: the root's concept name."""
        return self.root.concept

    def item(self, position: tuple[int, ...]) -> ContentItem | None:
        """The item at ``position`` (as a by-reference relationship names it); None when absent."""
        if not self._by_position:
            self._by_position.update((item.position, item) for item in self.root.walk())
        return self._by_position.get(tuple(position))


# --- reading ------------------------------------------------------------------------------------


def read_content_tree(path: str | os.PathLike[str]) -> SRDocument:
    """Read the SR document in the file at ``path``.

    Raises
    ------
    NotDicomError, InvalidHeaderError
        When the file is not DICOM or its data set cannot be parsed (a tree too deep for the
        parser ends here too).
    ReportError
        When the data set is not an SR document, or its tree exceeds ``max_sr_depth`` or
        ``max_sr_items`` (:func:`echolab.limits.limits`).
    """
    header = read_header(path)
    return _document(header.dataset, header.source)


def content_tree_from_dataset(dataset: Dataset, source: str | None = None) -> SRDocument:
    """Read an in-memory pydicom data set as an SR document (see :func:`read_content_tree`)."""
    header = header_from_dataset(dataset)
    return _document(header.dataset, source if source is not None else header.source)


class _Problems:
    """The problems met while reading one document."""

    def __init__(self, source: str | None) -> None:
        self.source = source
        self.messages: list[str] = []

    def add(self, message: str) -> None:
        if len(self.messages) < 1000:  # a hostile file may hold a problem per item
            self.messages.append(message)

    def emit(self) -> None:
        for message in self.messages[:_WARNINGS_SHOWN]:
            warnings.warn(ReportWarning(message, self.source), stacklevel=4)
        hidden = len(self.messages) - _WARNINGS_SHOWN
        if hidden > 0:
            warnings.warn(
                ReportWarning(f"{hidden} more problem(s) of this kind; SRDocument.problems lists them", self.source),
                stacklevel=4,
            )


def _document(dataset: Dataset, source: str | None) -> SRDocument:
    problems = _Problems(source)
    sop_class_uid = _text(dataset, "SOPClassUID", source, problems, "the document")
    value_type = _text(dataset, "ValueType", source, problems, "the document")
    has_content = "ContentSequence" in dataset
    if value_type is None and not has_content:
        what = f"its SOP class is {sop_class_uid}" if sop_class_uid else "it has no (0008,0016) SOP Class UID"
        raise ReportError(
            f"not a structured report: {element_name('ValueType')} and {element_name('ContentSequence')} are "
            f"missing ({what}); an SR document's root is a CONTAINER content item",
            source,
        )
    if not is_sr_sop_class(sop_class_uid):
        problems.add(
            f"{element_name('SOPClassUID')} = {sop_class_uid or 'missing'} is not an SR Storage SOP Class "
            f"({SR_SOP_CLASS_PREFIX}*); its content tree is read all the same"
        )
    root = _read_tree(dataset, source, problems)
    if root.value_type is not SRValueType.CONTAINER:
        problems.add(f"{root.label} (the root) is {root.value_type or 'of no value type'}; a CONTAINER is expected")
    template, mapping_resource = _template(dataset, source, problems, "the document")
    document = SRDocument(
        source=source,
        sop_class_uid=sop_class_uid,
        sop_instance_uid=_text(dataset, "SOPInstanceUID", source, problems, "the document"),
        study_instance_uid=_text(dataset, "StudyInstanceUID", source, problems, "the document"),
        series_instance_uid=_text(dataset, "SeriesInstanceUID", source, problems, "the document"),
        manufacturer=_text(dataset, "Manufacturer", source, problems, "the document"),
        model=_text(dataset, "ManufacturerModelName", source, problems, "the document"),
        completion_flag=_flag(dataset, "CompletionFlag", CompletionFlag, source, problems),
        verification_flag=_flag(dataset, "VerificationFlag", VerificationFlag, source, problems),
        template=template,
        mapping_resource=mapping_resource,
        root=root,
        evidence=_evidence(dataset, source, problems),
        problems=tuple(problems.messages),
        item_count=sum(1 for _ in root.walk()),
    )
    problems.emit()
    return document


@dataclass
class _Pending:
    """An item being read: its own fields, and its children read so far."""

    position: tuple[int, ...]
    fields: dict[str, Any]
    children: list[ContentItem]
    remaining: Iterator[tuple[int, Dataset]]


def _read_tree(dataset: Dataset, source: str | None, problems: _Problems) -> ContentItem:
    """The content tree rooted at the document's data set, read without recursion."""
    bounds = limits()
    count = 1
    stack = [_pending(dataset, (1,), True, source, problems)]
    while True:
        top = stack[-1]
        following = next(top.remaining, None)
        if following is None:
            stack.pop()
            item = ContentItem(position=top.position, children=tuple(top.children), **top.fields)
            if not stack:
                return item
            stack[-1].children.append(item)
            continue
        index, child = following
        count += 1
        if count > bounds.max_sr_items:
            raise ReportError(
                f"{element_name('ContentSequence')}: the content tree holds more than {bounds.max_sr_items} content "
                f"items (the limit; {raise_hint('max_sr_items')}); a real echo report holds a few thousand",
                source,
            )
        position = (*top.position, index)
        if len(position) > bounds.max_sr_depth:
            raise ReportError(
                f"{element_name('ContentSequence')}: {_label(position)} is nested more than the limit of "
                f"{bounds.max_sr_depth} levels ({raise_hint('max_sr_depth')}); a TID 5200 report is about six deep",
                source,
            )
        stack.append(_pending(child, position, False, source, problems))


def _pending(
    dataset: Dataset, position: tuple[int, ...], root: bool, source: str | None, problems: _Problems
) -> _Pending:
    label = _label(position)
    fields: dict[str, Any] = {"relationship": None, "value_type": None, "concept": None}
    if not root:
        fields["relationship"] = _enum(dataset, "RelationshipType", SRRelationship, source, problems, label)
    target = _target(dataset, source, problems, label)
    if target is not None:
        fields["target"] = target
        return _Pending(position, fields, [], iter(()))
    value_type = _enum(dataset, "ValueType", SRValueType, source, problems, label)
    fields["value_type"] = value_type
    fields["concept"] = _first_code(dataset, "ConceptNameCodeSequence", source, problems, label)
    if fields["concept"] is None and (root or value_type in _NAMED_VALUE_TYPES):
        problems.add(
            f"{label} ({value_type or 'no value type'}) has no {element_name('ConceptNameCodeSequence')}; "
            "it is kept without a concept name"
        )
    if value_type is not None:
        fields.update(_value(dataset, value_type, source, problems, label))
    children = _sequence(dataset, "ContentSequence", source, problems, label)
    return _Pending(position, fields, [], enumerate(children, start=1))


def _value(
    dataset: Dataset, value_type: SRValueType, source: str | None, problems: _Problems, label: str
) -> dict[str, Any]:
    """The value fields of an item of ``value_type``."""
    if value_type is SRValueType.NUM:
        return _numeric(dataset, source, problems, label)
    if value_type is SRValueType.CODE:
        code = _first_code(dataset, "ConceptCodeSequence", source, problems, label)
        if code is None:
            problems.add(f"{label} (CODE) has no {element_name('ConceptCodeSequence')}; it holds no value")
        return {"code": code}
    if value_type in _TEXT_KEYWORDS:
        return {"text": _text(dataset, _TEXT_KEYWORDS[value_type], source, problems, label)}
    if value_type in (SRValueType.SCOORD, SRValueType.SCOORD3D):
        return _coordinates(dataset, value_type, source, problems, label)
    if value_type in (SRValueType.IMAGE, SRValueType.COMPOSITE, SRValueType.WAVEFORM):
        references = _sequence(dataset, "ReferencedSOPSequence", source, problems, label)
        if not references:
            problems.add(f"{label} ({value_type}) has no {element_name('ReferencedSOPSequence')} item")
            return {}
        return {"reference": _image_reference(references[0], source, problems, label)}
    if value_type is SRValueType.CONTAINER:
        template, _ = _template(dataset, source, problems, label)
        return {"template": template, "continuity": _text(dataset, "ContinuityOfContent", source, problems, label)}
    return {}


#: Value types whose items must carry a concept name (PS3.3 C.17.3, Type 1C); for the others (a
#: CONTAINER below the root, coordinates, references) it is optional.
_NAMED_VALUE_TYPES = frozenset(
    {
        SRValueType.TEXT,
        SRValueType.NUM,
        SRValueType.CODE,
        SRValueType.DATETIME,
        SRValueType.DATE,
        SRValueType.TIME,
        SRValueType.UIDREF,
        SRValueType.PNAME,
    }
)

#: The element holding the value of each text-like value type.
_TEXT_KEYWORDS = {
    SRValueType.TEXT: "TextValue",
    SRValueType.PNAME: "PersonName",
    SRValueType.DATE: "Date",
    SRValueType.TIME: "Time",
    SRValueType.DATETIME: "DateTime",
    SRValueType.UIDREF: "UID",
}


def _numeric(dataset: Dataset, source: str | None, problems: _Problems, label: str) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "qualifier": _first_code(dataset, "NumericValueQualifierCodeSequence", source, problems, label)
    }
    measured = _sequence(dataset, "MeasuredValueSequence", source, problems, label)
    if not measured:
        if fields["qualifier"] is None:
            problems.add(
                f"{label} (NUM) has an empty {element_name('MeasuredValueSequence')} and no "
                f"{element_name('NumericValueQualifierCodeSequence')} saying why; it holds no number"
            )
        return fields
    if len(measured) > 1:
        problems.add(f"{label}: {element_name('MeasuredValueSequence')} holds {len(measured)} items; the first is read")
    value = measured[0]
    number = _number(value, "FloatingPointValue", source, problems, label)  # exact when present
    if number is None:
        number = _number(value, "NumericValue", source, problems, label)
    if number is None and fields["qualifier"] is None:
        problems.add(f"{label} (NUM) has no readable {element_name('NumericValue')}; it holds no number")
    fields["number"] = number
    fields["units"] = _first_code(value, "MeasurementUnitsCodeSequence", source, problems, label)
    if fields["units"] is None:
        problems.add(f"{label} (NUM) has no {element_name('MeasurementUnitsCodeSequence')}; its unit is unknown")
    return fields


def _number(dataset: Dataset, keyword: str, source: str | None, problems: _Problems, label: str) -> float | None:
    try:
        return get_float(dataset, keyword, source)
    except EcholabError as exc:
        problems.add(f"{label}: {exc.reason}; a finite number is expected")
        return None


def _coordinates(
    dataset: Dataset, value_type: SRValueType, source: str | None, problems: _Problems, label: str
) -> dict[str, Any]:
    fields: dict[str, Any] = {"graphic_type": _enum(dataset, "GraphicType", GraphicType, source, problems, label)}
    try:
        data = get_float_list(dataset, "GraphicData", source)
    except EcholabError as exc:
        problems.add(f"{label}: {exc.reason}")
        data = None
    step = 3 if value_type is SRValueType.SCOORD3D else 2
    if data is None or not data or len(data) % step:
        problems.add(
            f"{label} ({value_type}): {element_name('GraphicData')} holds "
            f"{len(data) if data else 0} value(s); whole {'(x, y, z) triplets' if step == 3 else '(column, row) pairs'}"
            " are expected"
        )
        data = []
    fields["graphic_data"] = tuple(data)
    if value_type is SRValueType.SCOORD3D:
        fields["frame_of_reference_uid"] = _text(dataset, "ReferencedFrameOfReferenceUID", source, problems, label)
    return fields


def _image_reference(dataset: Dataset, source: str | None, problems: _Problems, label: str) -> ImageReference:
    frames: list[int] = []
    try:
        value = element_value(dataset, "ReferencedFrameNumber")
        for number in value if is_multi_value(value) else ([] if value in (None, "") else [value]):
            frame = int(float(number))
            if frame < 1 or frame != float(number):
                raise ValueError(f"{number!r}")
            frames.append(frame)
    except (ValueError, TypeError, OverflowError) as exc:
        problems.add(
            f"{label}: {element_name('ReferencedFrameNumber')} holds {short_exception(exc)}; positive frame "
            "numbers (1 for the first frame) are expected; the reference names no frame"
        )
        frames = []
    except Exception as exc:  # a value pydicom cannot convert from its VR
        problems.add(f"{label}: {element_name('ReferencedFrameNumber')} cannot be read ({short_exception(exc)})")
        frames = []
    return ImageReference(
        sop_class_uid=_text(dataset, "ReferencedSOPClassUID", source, problems, label) or "",
        sop_instance_uid=_text(dataset, "ReferencedSOPInstanceUID", source, problems, label) or "",
        frames=tuple(frames),
    )


def _target(dataset: Dataset, source: str | None, problems: _Problems, label: str) -> tuple[int, ...] | None:
    """The position a by-reference item points at ((0040,DB73)); None for a by-value item."""
    try:
        value = element_value(dataset, "ReferencedContentItemIdentifier")
    except Exception as exc:
        problems.add(
            f"{label}: {element_name('ReferencedContentItemIdentifier')} cannot be read ({short_exception(exc)})"
        )
        return None
    if value is None or value == "":
        return None
    values = list(value) if is_multi_value(value) else [value]
    if not values or not all(isinstance(v, int) and v > 0 for v in values):
        problems.add(
            f"{label}: {element_name('ReferencedContentItemIdentifier')} = {values!r:.60} is not a list of positive "
            "integers; the reference is dropped"
        )
        return ()
    return tuple(int(v) for v in values)


def _sequence(dataset: Dataset, keyword: str, source: str | None, problems: _Problems, label: str) -> list[Dataset]:
    """The items of sequence ``keyword``; empty (and a problem) when it is not a sequence."""
    from pydicom.dataset import Dataset as PydicomDataset

    try:
        value = element_value(dataset, keyword)
    except Exception as exc:  # a value pydicom cannot convert from its VR
        problems.add(f"{label}: {element_name(keyword)} cannot be read ({short_exception(exc)}); it is skipped")
        return []
    if value is None:
        return []
    if isinstance(value, (str, bytes)) or not isinstance(value, SequenceABC):
        items_ok = False
    else:
        items_ok = all(isinstance(item, PydicomDataset) for item in value)
    if not items_ok:
        vr = getattr(dataset[keyword], "VR", "?") if keyword in dataset else "?"
        problems.add(f"{label}: {element_name(keyword)} is not a sequence (VR {vr}); its content is skipped")
        return []
    return list(value)


def _first_code(dataset: Dataset, keyword: str, source: str | None, problems: _Problems, label: str) -> Code | None:
    items = _sequence(dataset, keyword, source, problems, label)
    if not items:
        return None
    item = items[0]
    value = (
        _text(item, "CodeValue", source, problems, label)
        or _text(item, "LongCodeValue", source, problems, label)
        or _text(item, "URNCodeValue", source, problems, label)
    )
    scheme = _text(item, "CodingSchemeDesignator", source, problems, label)
    meaning = _text(item, "CodeMeaning", source, problems, label)
    if value is None:
        problems.add(f"{label}: {element_name(keyword)} has no {element_name('CodeValue')}; the code is dropped")
        return None
    if scheme is None:
        problems.add(
            f"{label}: code {value} of {element_name(keyword)} has no {element_name('CodingSchemeDesignator')}"
        )
    return Code(value, scheme or "", meaning or "")


def _text(dataset: Dataset, keyword: str, source: str | None, problems: _Problems, label: str) -> str | None:
    """A text element's value without padding; None (and a problem when unreadable) otherwise."""
    try:
        return get_str(dataset, keyword, source)
    except EcholabError as exc:
        problems.add(f"{label}: {exc.reason}")
        return None


def _enum(dataset: Dataset, keyword: str, kind: Any, source: str | None, problems: _Problems, label: str) -> Any:
    text = _text(dataset, keyword, source, problems, label)
    if text is None:
        problems.add(f"{label} has no {element_name(keyword)}")
        return None
    try:
        return kind(text.upper())
    except ValueError:
        valid = ", ".join(member.value for member in kind)
        problems.add(f"{label}: {element_name(keyword)} = {text!r:.40} is not one of {valid}")
        return None


def _flag(dataset: Dataset, keyword: str, kind: Any, source: str | None, problems: _Problems) -> Any:
    if keyword not in dataset:
        return None
    return _enum(dataset, keyword, kind, source, problems, "the document")


def _template(dataset: Dataset, source: str | None, problems: _Problems, label: str) -> tuple[str | None, str | None]:
    items = _sequence(dataset, "ContentTemplateSequence", source, problems, label)
    if not items:
        return None, None
    return (
        _text(items[0], "TemplateIdentifier", source, problems, label),
        _text(items[0], "MappingResource", source, problems, label),
    )


def _evidence(dataset: Dataset, source: str | None, problems: _Problems) -> tuple[EvidenceReference, ...]:
    found: list[EvidenceReference] = []
    for keyword in ("CurrentRequestedProcedureEvidenceSequence", "PertinentOtherEvidenceSequence"):
        label = element_name(keyword)
        for study in _sequence(dataset, keyword, source, problems, "the document"):
            study_uid = _text(study, "StudyInstanceUID", source, problems, label) or ""
            for series in _sequence(study, "ReferencedSeriesSequence", source, problems, label):
                series_uid = _text(series, "SeriesInstanceUID", source, problems, label) or ""
                for instance in _sequence(series, "ReferencedSOPSequence", source, problems, label):
                    found.append(
                        EvidenceReference(
                            study_instance_uid=study_uid,
                            series_instance_uid=series_uid,
                            sop_class_uid=_text(instance, "ReferencedSOPClassUID", source, problems, label) or "",
                            sop_instance_uid=_text(instance, "ReferencedSOPInstanceUID", source, problems, label) or "",
                        )
                    )
    return tuple(found)


def frame_index(reference: ImageReference) -> int | None:
    """The 0-based frame a reference names: its first (0008,1160) Referenced Frame Number less
    one; None when it names none."""
    return reference.frames[0] - 1 if reference.frames else None
