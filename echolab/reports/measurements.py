"""The measurements of an echo report as a table: one row per numeric content item.

TID 5200 "Adult Echocardiography Procedure Report" nests its measurements (TID 5203 / TID 300,
NUM items) in sections (TID 5202, "Findings" containers whose Finding Site is the structure) and
measurement groups (whose Image Mode is 2D, M mode, PW Doppler ...). A measurement's modifiers
are therefore inherited: each container's HAS CONCEPT MOD (or HAS ACQ CONTEXT) modifiers hold for
everything below it, a nested container's override its parent's, and a modifier on the NUM
itself overrides them all. The modifiers read are Finding Site, Image Mode, Image View,
Measurement Method, Cardiac Cycle Point, Direction of Flow, Derivation and Selection Status,
recognised by their concept name code (legacy SNOMED-RT and SNOMED CT alike) or, for a writer
that codes them privately, by their meaning.

Scanners list each value several times: the individual measurements, then the value chosen
(a mean, the last one ...) with a Selection Status (TID 310, CID 224). ``selected`` marks the
row a reader should use for each measurement — same concept, site, mode, view, method, cardiac
phase and flow direction: the rows with a Selection Status when there are any, else a row whose
Derivation says it is the mean (or best value) of the others, else the row when it is the only
one. Several rows and nothing to choose between them: none is selected.

A measurement made on an image says where: its NUM is INFERRED FROM an SCOORD (the calipers)
SELECTED FROM an IMAGE (which instance and frame), by value or by reference.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Any

import pandas as pd

from ..codes import SRRelationship, SRValueType
from ..reading.content_tree import Code, ContentItem, SRDocument, dotted, frame_index
from .concepts import (
    CARDIAC_CYCLE_POINT,
    DERIVATION,
    FINDING_SITE,
    FLOW_DIRECTION,
    IMAGE_MODE,
    IMAGE_VIEW,
    MEASUREMENT_METHOD,
    PATIENT_CHARACTERISTICS,
    SELECTION_STATUS,
    ConceptKey,
    concept_key,
    standard_meaning,
)
from .names import short_name

__all__ = ["COLUMNS", "MODIFIERS", "measurement_table", "modifier_slot", "empty_table"]

#: The modifiers read, by column name, with the concept name that carries each.
MODIFIERS: dict[str, ConceptKey] = {
    "finding_site": FINDING_SITE,
    "image_mode": IMAGE_MODE,
    "image_view": IMAGE_VIEW,
    "method": MEASUREMENT_METHOD,
    "cardiac_phase": CARDIAC_CYCLE_POINT,
    "flow_direction": FLOW_DIRECTION,
    "derivation": DERIVATION,
    "selection": SELECTION_STATUS,
}
_BY_KEY = {key: slot for slot, key in MODIFIERS.items()}
#: Meanings of the modifiers' concept names, for writers that code them in a private scheme.
_BY_MEANING = {
    "finding site": "finding_site",
    "image mode": "image_mode",
    "image view": "image_view",
    "measurement method": "method",
    "cardiac cycle point": "cardiac_phase",
    "cardiac phase": "cardiac_phase",
    "direction of flow": "flow_direction",
    "flow direction": "flow_direction",
    "derivation": "derivation",
    "selection status": "selection",
}
#: Derivations (CID 3627) that mark a value as chosen from the others listed beside it.
_CHOSEN_DERIVATIONS = frozenset({("SCT", "373098007"), ("SCT", "371912002")})  # Mean, Best value
#: The modifiers that tell one measurement from another (a Derivation or a Selection Status tells
#: one value of a measurement from another value of it).
_IDENTITY = ("finding_site", "image_mode", "image_view", "method", "cardiac_phase", "flow_direction")
_MODIFIER_RELATIONSHIPS = frozenset(
    {SRRelationship.HAS_CONCEPT_MOD, SRRelationship.HAS_ACQ_CONTEXT, SRRelationship.HAS_PROPERTIES}
)

#: The columns of the table, in order.
COLUMNS: tuple[str, ...] = (
    "position",
    "group",
    "code",
    "scheme",
    "meaning",
    "name",
    "value",
    "unit",
    "qualifier",
    *(column for slot in MODIFIERS for column in (slot, f"{slot}_code")),
    "selected",
    "image_sop_instance_uid",
    "frame",
    "graphic_type",
    "graphic_data",
    "written_code",
    "written_scheme",
)


@dataclass(frozen=True)
class _Modifier:
    """A modifier's value: its meaning and its concept key (None for a TEXT modifier)."""

    meaning: str
    key: ConceptKey | None


def modifier_slot(item: ContentItem) -> str | None:
    """The column a modifier item fills (``"finding_site"``, ``"image_mode"`` ...), None when the
    item is not one of :data:`MODIFIERS`."""
    if item.value_type not in (SRValueType.CODE, SRValueType.TEXT) or item.concept is None:
        return None
    if item.relationship is not None and item.relationship not in _MODIFIER_RELATIONSHIPS:
        return None
    slot = _BY_KEY.get(concept_key(item.concept))
    return slot if slot is not None else _BY_MEANING.get(item.concept.meaning.strip().lower())


def _modifier_value(item: ContentItem) -> _Modifier | None:
    if item.value_type is SRValueType.CODE:
        if item.code is None:
            return None
        return _Modifier(_meaning(item.code), concept_key(item.code))
    return _Modifier(item.text, None) if item.text else None


def _meaning(code: Code) -> str:
    """A code's meaning as written; DICOM's when the writer left it empty; else its value."""
    if code.meaning:
        return code.meaning
    return standard_meaning(concept_key(code)) or code.value


def _own_modifiers(item: ContentItem, document: SRDocument) -> dict[str, _Modifier]:
    found: dict[str, _Modifier] = {}
    for child in item.children:
        child = _resolve(child, document)
        slot = modifier_slot(child)
        if slot is not None and slot not in found:  # the first of a kind counts
            value = _modifier_value(child)
            if value is not None:
                found[slot] = value
    return found


def _resolve(item: ContentItem, document: SRDocument) -> ContentItem:
    """The item a by-reference relationship points at (with the referring relationship); the
    item itself otherwise, or when the target is missing."""
    if item.target is None:
        return item
    target = document.item(item.target)
    if target is None or target.target is not None:
        return item
    return replace(target, relationship=item.relationship)


def _measurement_items(document: SRDocument) -> Iterator[tuple[ContentItem, dict[str, _Modifier], tuple[str, ...]]]:
    """Each NUM that is a measurement, with its modifiers (inherited and its own) and the
    meanings of the containers above it; no recursion."""
    stack: list[tuple[ContentItem, dict[str, _Modifier], tuple[str, ...]]] = [(document.root, {}, ())]
    while stack:
        item, inherited, path = stack.pop()
        if item.concept is not None and concept_key(item.concept) == PATIENT_CHARACTERISTICS:
            continue  # TID 5201: the patient's, read by echolab.reports.patient
        context = {**inherited, **_own_modifiers(item, document)}
        if item.value_type is SRValueType.NUM:
            if item.concept is not None:
                yield item, context, path
            below = [c for c in item.children if c.relationship is SRRelationship.INFERRED_FROM]
            children = [(c, path) for c in (_resolve(c, document) for c in below) if c.value_type is SRValueType.NUM]
        elif item.value_type is SRValueType.CONTAINER:
            inner = path if item is document.root else (*path, _container_name(item))
            children = [
                (c, inner)
                for c in item.children
                if c.target is None
                and c.relationship in (SRRelationship.CONTAINS, None)
                and c.value_type in (SRValueType.CONTAINER, SRValueType.NUM)
            ]
        else:
            children = []
        stack.extend((child, context, child_path) for child, child_path in reversed(children))


def _container_name(item: ContentItem) -> str:
    return _meaning(item.concept) if item.concept is not None else "(unnamed container)"


def _caliper(item: ContentItem, document: SRDocument) -> dict[str, Any]:
    """Where a measurement was made: the SCOORD it is INFERRED FROM and the image (and frame)
    that is SELECTED FROM; or only the image it is inferred from."""
    image_only: ContentItem | None = None
    for child in item.children:
        if child.relationship is not SRRelationship.INFERRED_FROM:
            continue
        child = _resolve(child, document)
        if child.value_type in (SRValueType.SCOORD, SRValueType.SCOORD3D):
            image = next(
                (
                    grandchild
                    for grandchild in (_resolve(c, document) for c in child.children)
                    if grandchild.value_type is SRValueType.IMAGE and grandchild.reference is not None
                ),
                None,
            )
            data = child.graphic_data
            pairs = tuple(zip(data[0::2], data[1::2], strict=True)) if child.value_type is SRValueType.SCOORD else None
            triplets = tuple(zip(data[0::3], data[1::3], data[2::3], strict=True)) if pairs is None else None
            return {
                "image_sop_instance_uid": image.reference.sop_instance_uid if image and image.reference else None,
                "frame": frame_index(image.reference) if image and image.reference else None,
                "graphic_type": str(child.graphic_type) if child.graphic_type is not None else None,
                "graphic_data": pairs if pairs is not None else triplets,
            }
        if child.value_type is SRValueType.IMAGE and child.reference is not None and image_only is None:
            image_only = child
    if image_only is not None and image_only.reference is not None:
        return {
            "image_sop_instance_uid": image_only.reference.sop_instance_uid,
            "frame": frame_index(image_only.reference),
        }
    return {}


def _row(
    item: ContentItem, context: dict[str, _Modifier], path: tuple[str, ...], document: SRDocument
) -> dict[str, Any]:
    assert item.concept is not None
    key = concept_key(item.concept)

    def code_of(slot: str) -> str | None:
        modifier = context.get(slot)
        return modifier.key[1] if modifier is not None and modifier.key is not None else None

    row: dict[str, Any] = {
        "position": dotted(item.position),
        "group": " > ".join(path),
        "code": key[1],
        "scheme": key[0],
        "meaning": _meaning(item.concept),
        "name": short_name(
            key, site=code_of("finding_site"), flow=code_of("flow_direction"), mode=code_of("image_mode")
        )
        or _meaning(item.concept),
        "value": item.number if item.number is not None and math.isfinite(item.number) else math.nan,
        "unit": item.units.value if item.units is not None else None,
        "qualifier": _meaning(item.qualifier) if item.qualifier is not None else None,
        "written_code": item.concept.value,
        "written_scheme": item.concept.scheme,
    }
    for slot in MODIFIERS:
        modifier = context.get(slot)
        row[slot] = modifier.meaning if modifier is not None else None
        row[f"{slot}_code"] = code_of(slot)
    row.update(_caliper(item, document))
    return row


def _select(rows: list[dict[str, Any]]) -> None:
    """Fill each row's ``selected`` (see the module docstring)."""
    groups: dict[tuple[Any, ...], list[dict[str, Any]]] = {}
    for row in rows:
        identity = (row["scheme"], row["code"], *(row[f"{slot}_code"] or row[slot] for slot in _IDENTITY))
        groups.setdefault(identity, []).append(row)
    for members in groups.values():
        chosen = [row for row in members if row["selection"] is not None]
        if not chosen:
            chosen = [row for row in members if ("SCT", row["derivation_code"]) in _CHOSEN_DERIVATIONS]
        if not chosen and len(members) == 1:
            chosen = members
        for row in members:
            row["selected"] = any(row is other for other in chosen)


def empty_table() -> pd.DataFrame:
    """A measurements table without rows (the columns and their types)."""
    return _frame([])


def measurement_table(document: SRDocument) -> pd.DataFrame:
    """The measurements of ``document`` as a table with the :data:`COLUMNS` (see the module docstring).

    ``code``/``scheme`` and the ``*_code`` columns hold concept keys (legacy SNOMED-RT codes as
    SNOMED CT); ``written_code``/``written_scheme`` the measurement's code as written; meanings are
    as written. ``frame`` is 0-based; ``graphic_data`` holds (column, row) pairs in image pixels,
    (0, 0) the top left corner of the top left pixel (PS3.3 C.18.6.1.1).
    """
    rows = [_row(item, context, path, document) for item, context, path in _measurement_items(document)]
    _select(rows)
    return _frame(rows)


def _frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    """The table of ``rows``: text columns of Python objects (None when missing, with any pandas),
    ``value`` float (NaN when missing), ``selected`` bool, ``frame`` nullable integer."""
    columns: dict[str, pd.Series] = {}
    for column in COLUMNS:
        values = [row.get(column) for row in rows]
        if column == "value":
            columns[column] = pd.Series(values, dtype="float64")
        elif column == "selected":
            columns[column] = pd.Series([bool(v) for v in values], dtype="bool")
        elif column == "frame":
            columns[column] = pd.Series(values, dtype="Int64")
        else:
            columns[column] = pd.Series(values, dtype=object)
    return pd.DataFrame(columns)
