"""One key per concept: legacy SNOMED-RT and SNOMED CT codes alike; the PS3.16 echo concepts."""

from __future__ import annotations

import pytest

from echolab.reading.content_tree import Code
from echolab.reports.concepts import (
    ECHO_CIDS,
    FINDING_SITE,
    FLOW_DIRECTION,
    IMAGE_MODE,
    concept_key,
    echo_measurement_concepts,
    same_concept,
    standard_meaning,
)


@pytest.mark.parametrize(
    ("legacy", "current"),
    [
        ("G-C0E3", "363698007"),  # Finding Site
        ("G-0373", "399264008"),  # Image Mode
        ("G-C048", "260674002"),  # Direction of Flow
        ("R-4089A", "272518008"),  # Cardiac Cycle Point
        ("T-35300", "91134007"),  # Mitral Valve
        ("R-409E4", "261199008"),  # Doppler Pulsed
        ("G-0384", "399354002"),  # Mitral Valve E-Wave Deceleration Time
    ],
)
def test_legacy_snomed_codes_are_their_snomed_ct_concepts(legacy: str, current: str) -> None:
    assert concept_key(Code(legacy, "SRT", "any meaning")) == ("SCT", current)
    assert concept_key(Code(legacy, "SNM3", "")) == ("SCT", current)
    assert concept_key(Code(current, "SCT", "")) == ("SCT", current)


def test_other_schemes_are_kept_as_written() -> None:
    assert concept_key(Code("29436-3", "LN", "")) == ("LN", "29436-3")
    assert concept_key(Code("29436-3", "LOINC", "")) == ("LN", "29436-3")
    assert concept_key(Code("GEU-106-0104", "99GEMS", "")) == ("99GEMS", "GEU-106-0104")
    assert concept_key(Code("X-NOT-A-CODE", "SRT", "")) == ("SRT", "X-NOT-A-CODE")  # unmapped: as written


def test_modifier_concepts_match_their_legacy_codes() -> None:
    assert same_concept(Code("G-C0E3", "SRT", "Finding Site"), FINDING_SITE)
    assert same_concept(Code("G-0373", "SRT", "Image Mode"), IMAGE_MODE)
    assert same_concept(Code("G-C048", "SRT", "Direction of Flow"), FLOW_DIRECTION)
    assert not same_concept(Code("G-C0E3", "SRT", "Finding Site"), IMAGE_MODE)
    assert not same_concept(None, FINDING_SITE)


def test_echo_concepts_come_from_cids_12200_to_12300() -> None:
    concepts = echo_measurement_concepts()
    assert list(ECHO_CIDS)[0] == 12200 and list(ECHO_CIDS)[-1] == 12300
    lvidd = concepts[("LN", "29436-3")]
    assert lvidd.meaning == "Left Ventricle Internal End Diastolic Dimension"
    assert {12200, 12201} <= set(lvidd.cids)
    assert 12300 in concepts[("LN", "77903-3")].cids  # TAPSE, a core echo measurement
    assert 12224 in concepts[("SCT", "261199008")].cids  # Doppler Pulsed, an image mode
    assert 12233 in concepts[("SCT", "416190007")].cids  # End diastole, a cardiac phase
    assert 12221 in concepts[("SCT", "397417004")].cids  # Regurgitant Flow
    assert all(12200 <= cid <= 12300 for concept in concepts.values() for cid in concept.cids)
    assert all(value for _, value in concepts)  # pydicom's entry without a code value is left out


def test_standard_meanings() -> None:
    assert standard_meaning(("SCT", "91134007")) == "Mitral Valve"
    assert standard_meaning(("DCM", "121404")) == "Selection Status"
    assert standard_meaning(("99GEMS", "GEU-1")) is None
