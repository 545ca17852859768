"""Coded concepts of echo reports: one key per concept whatever the coding scheme, and the echo
measurement concepts of PS3.16.

A concept is identified by its coding scheme and code value. Scanners still write SNOMED's legacy
SNOMED-RT identifiers (scheme ``SRT``, e.g. ``T-35300`` "Mitral Valve") where current reports
write SNOMED CT (``SCT``, ``91134007``): they are the same concept, and :func:`concept_key` gives
both the SNOMED CT key, through the mapping DICOM publishes and pydicom ships
(``pydicom.sr._snomed_dict``). No other library maps them; the table is pydicom's, only looked
up here.

:func:`echo_measurement_concepts` lists the measurement concepts of the context groups CID 12200
to CID 12300 of PS3.16 (the TID 5200 "Adult Echocardiography Procedure Report" families, left
ventricle to "Core Echo Measurement"), from pydicom's copy of those tables.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import NamedTuple, cast

from ..reading.content_tree import Code

__all__ = [
    "ConceptKey",
    "concept_key",
    "same_concept",
    "EchoConcept",
    "echo_measurement_concepts",
    "standard_meaning",
    "ECHO_CIDS",
    "FINDING_SITE",
    "IMAGE_MODE",
    "IMAGE_VIEW",
    "MEASUREMENT_METHOD",
    "CARDIAC_CYCLE_POINT",
    "FLOW_DIRECTION",
    "DERIVATION",
    "SELECTION_STATUS",
    "PATIENT_CHARACTERISTICS",
    "ADULT_ECHO_REPORT",
]

#: pydicom's concept tables: scheme -> keyword -> code value -> (meaning, context groups).
_ConceptTable = dict[str, dict[str, dict[str, tuple[str, list[int]]]]]


class ConceptKey(NamedTuple):
    """A concept as (coding scheme, code value), legacy SNOMED-RT codes given as SNOMED CT; equal
    to (and hashed as) the plain tuple ``(scheme, value)``."""

    scheme: str
    value: str


#: Coding schemes of SNOMED's legacy identifiers ("SNM3" is the older designator of the same).
_LEGACY_SNOMED = frozenset({"SRT", "SNM3", "99SDM"})
#: Designators some writers use for a scheme DICOM designates otherwise.
_SCHEME_ALIASES = {"LOINC": "LN", "SNOMED-CT": "SCT", "SNOMEDCT": "SCT"}

#: The context groups of the adult echo measurements (TID 5200 to TID 5300's core measurements).
ECHO_CIDS = range(12200, 12301)

# Concept names of the modifiers and containers of TID 5200 / 5202 / 5203 / 300 (SNOMED CT keys;
# the legacy codes written by older scanners are given in comments).
FINDING_SITE = ConceptKey("SCT", "363698007")  # SRT G-C0E3
IMAGE_MODE = ConceptKey("SCT", "399264008")  # SRT G-0373
IMAGE_VIEW = ConceptKey("DCM", "111031")
MEASUREMENT_METHOD = ConceptKey("SCT", "370129005")  # SRT G-C036
CARDIAC_CYCLE_POINT = ConceptKey("SCT", "272518008")  # SRT R-4089A
FLOW_DIRECTION = ConceptKey("SCT", "260674002")  # SRT G-C048 "Direction of Flow"
DERIVATION = ConceptKey("DCM", "121401")
SELECTION_STATUS = ConceptKey("DCM", "121404")
PATIENT_CHARACTERISTICS = ConceptKey("DCM", "121118")
ADULT_ECHO_REPORT = ConceptKey("DCM", "125200")


@functools.lru_cache(maxsize=1)
def _legacy_to_sct() -> dict[str, str]:
    from pydicom.sr._snomed_dict import mapping

    return dict(mapping["SRT"])


def concept_key(code: Code) -> ConceptKey:
    """The key of ``code``'s concept: (scheme, value), a legacy SNOMED-RT code as its SNOMED CT
    equivalent (``("SRT", "T-35300")`` → ``("SCT", "91134007")``); other schemes, private ones
    included, as written."""
    scheme = _SCHEME_ALIASES.get(code.scheme.upper(), code.scheme)
    if scheme in _LEGACY_SNOMED:
        sct = _legacy_to_sct().get(code.value)
        if sct is not None:
            return ConceptKey("SCT", sct)
    return ConceptKey(scheme, code.value)


def same_concept(code: Code | None, key: ConceptKey) -> bool:
    """True when ``code`` is the concept ``key`` (legacy and current SNOMED codes alike)."""
    return code is not None and concept_key(code) == key


@dataclass(frozen=True)
class EchoConcept:
    """An echo measurement concept of PS3.16: its meaning and the context groups listing it."""

    meaning: str
    cids: tuple[int, ...]


@functools.lru_cache(maxsize=1)
def echo_measurement_concepts() -> dict[ConceptKey, EchoConcept]:
    """Every concept of the context groups CID 12200 to CID 12300 of PS3.16, by key, with its
    meaning and the groups listing it (measurements, and the modifier value sets among them:
    image modes CID 12224, methods CID 12227, cardiac phases CID 12233, flow directions CID 12221,
    sites CID 12236 ...)."""
    from pydicom.sr._cid_dict import cid_concepts
    from pydicom.sr._concepts_dict import concepts as table

    concepts = cast(_ConceptTable, table)
    found: dict[ConceptKey, tuple[str, list[int]]] = {}
    for cid in ECHO_CIDS:
        for scheme, keywords in cid_concepts.get(cid, {}).items():
            for keyword in keywords:
                for value, (meaning, _) in concepts.get(scheme, {}).get(keyword, {}).items():
                    if not value:  # pydicom's table has an entry without a code value
                        continue
                    entry = found.setdefault(ConceptKey(scheme, value), (meaning, []))
                    if cid not in entry[1]:
                        entry[1].append(cid)
    return {ConceptKey(*key): EchoConcept(meaning, tuple(sorted(cids))) for key, (meaning, cids) in found.items()}


@functools.lru_cache(maxsize=1)
def _meanings() -> dict[ConceptKey, str]:
    from pydicom.sr._concepts_dict import concepts as table

    concepts = cast(_ConceptTable, table)
    best: dict[ConceptKey, tuple[int, str]] = {}
    for scheme, keywords in concepts.items():
        for codes in keywords.values():
            for value, (meaning, cids) in codes.items():
                # prefer the meaning an echo context group uses, then any group's, over SNOMED's
                # "(body structure)" names; the first of equals wins
                rank = 2 if any(12200 <= cid < 12400 for cid in cids) else (1 if cids else 0)
                key = ConceptKey(scheme, value)
                if value and (key not in best or rank > best[key][0]):
                    best[key] = (rank, meaning)
    return {ConceptKey(*key): meaning for key, (_, meaning) in best.items()}


def standard_meaning(key: ConceptKey) -> str | None:
    """The meaning DICOM gives concept ``key`` (pydicom's tables), None for a code it does not list."""
    return _meanings().get(key)
