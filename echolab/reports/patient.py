"""The patient's characteristics an echo report holds (TID 5201 "Echo Patient Characteristics").

The "Patient Characteristics" container ((121118, DCM)) of a TID 5200 report holds the numbers
indexed measurements were computed with: height, weight, body surface area, blood pressure —
and, in some reports, the heart rate. Age and sex, also allowed there, are not read: echolab
keeps no patient identifiers or quasi-identifiers in its tables.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields
from typing import NamedTuple

from ..codes import SRValueType
from ..reading.content_tree import ContentItem, SRDocument
from .concepts import PATIENT_CHARACTERISTICS, ConceptKey, concept_key

__all__ = ["Quantity", "Patient", "patient_characteristics", "PATIENT_CONCEPTS"]


class Quantity(NamedTuple):
    """A number with its UCUM unit as written (``Quantity(172.0, "cm")``)."""

    value: float
    unit: str

    def __str__(self) -> str:
        return f"{self.value:g} {self.unit}"


@dataclass(frozen=True)
class Patient:
    """What TID 5201 says of the patient; None for what the report does not say.

    Attributes
    ----------
    height, weight
        (8302-2, LN, "Patient Height"), (29463-7, LN, "Patient Weight").
    bsa
        (8277-6, LN, "Body Surface Area").
    heart_rate
        (8867-4, LN, "Heart rate").
    systolic_bp, diastolic_bp
        (271649006, SCT, "Systolic Blood Pressure") and (271650006, SCT, "Diastolic Blood
        Pressure"), legacy codes F-008EC / F-008ED alike.
    """

    height: Quantity | None = None
    weight: Quantity | None = None
    bsa: Quantity | None = None
    heart_rate: Quantity | None = None
    systolic_bp: Quantity | None = None
    diastolic_bp: Quantity | None = None

    def as_dict(self) -> dict[str, Quantity | None]:
        """The fields by name."""
        return {field.name: getattr(self, field.name) for field in fields(self)}


#: The concepts of each :class:`Patient` field.
PATIENT_CONCEPTS: dict[str, tuple[ConceptKey, ...]] = {
    "height": (ConceptKey("LN", "8302-2"),),
    "weight": (ConceptKey("LN", "29463-7"),),
    "bsa": (ConceptKey("LN", "8277-6"),),
    "heart_rate": (ConceptKey("LN", "8867-4"),),
    "systolic_bp": (ConceptKey("SCT", "271649006"), ConceptKey("LN", "8480-6")),
    "diastolic_bp": (ConceptKey("SCT", "271650006"), ConceptKey("LN", "8462-4")),
}
_FIELD_OF = {key: name for name, keys in PATIENT_CONCEPTS.items() for key in keys}


def patient_characteristics(document: SRDocument) -> Patient:
    """The :class:`Patient` of a report: the NUM items of its first "Patient Characteristics"
    container (the first of each concept counts)."""
    container = next(
        (
            item
            for item in document.root.walk()
            if item.value_type is SRValueType.CONTAINER
            and item.concept is not None
            and concept_key(item.concept) == PATIENT_CHARACTERISTICS
        ),
        None,
    )
    if container is None:
        return Patient()
    values: dict[str, Quantity] = {}
    for item in container.children:
        name = _field(item)
        if name is not None and name not in values and item.number is not None and math.isfinite(item.number):
            values[name] = Quantity(item.number, item.units.value if item.units is not None else "")
    return Patient(**values)


def _field(item: ContentItem) -> str | None:
    if item.value_type is not SRValueType.NUM or item.concept is None:
        return None
    return _FIELD_OF.get(concept_key(item.concept))
