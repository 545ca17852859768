"""Short names: every entry is a PS3.16 concept with the meaning DICOM gives it, and the most
specific entry fitting a measurement's site, flow and mode names it."""

from __future__ import annotations

import pytest

from echolab.reports.concepts import echo_measurement_concepts
from echolab.reports.names import FLOWS, MODES, SHORT_NAMES, SITES, short_name

#: The names the issue asks for, each of which must be in the table.
CONVENTIONAL = [
    "LVIDd", "IVSd", "LVPWd", "LVIDs", "EF", "FS", "E", "A", "E/A", "DT", "e'", "E/e'", "TAPSE",
    "AV Vmax", "AV Vmean", "AV peak PG", "AV mean PG", "AVA", "LVOT diam", "LVOT VTI", "MV Vmax",
    "MV mean PG", "TR Vmax", "TV E", "PV Vmax", "RVSP", "LA volume", "LAVI", "HR",
]  # fmt: skip


def _meanings_of(code: str) -> set[str]:
    """Every meaning pydicom's tables give SNOMED CT ``code`` (lower case)."""
    from pydicom.sr._concepts_dict import concepts

    return {
        meaning.lower() for codes in concepts["SCT"].values() for value, (meaning, _) in codes.items() if value == code
    }


def test_every_entry_is_an_echo_concept_of_ps3_16() -> None:
    concepts = echo_measurement_concepts()
    for entry in SHORT_NAMES:
        assert (entry.scheme, entry.code) in concepts, entry


def test_sites_flows_and_modes_are_the_concepts_their_names_say() -> None:
    meanings = {
        **{code: name for name, code in SITES.items()},
        **{code: name for name, code in FLOWS.items()},
        **{code: name for name, code in MODES.items()},
    }
    expected = {
        "LV": "Left ventricle", "RV": "Right ventricle", "LA": "Left atrium", "RA": "Right atrium",
        "MV": "Mitral Valve", "AV": "Aortic Valve", "TV": "Tricuspid valve", "PV": "Pulmonic Valve",
        "LVOT": "Left ventricle outflow tract", "RVOT": "Right ventricle outflow tract",
        "MA": "Mitral Annulus", "MA lateral": "Lateral Mitral Annulus", "MA medial": "Medial Mitral Annulus",
        "TA": "Tricuspid Annulus", "Ao root": "Aortic Root", "regurgitant": "Regurgitant Flow",
        "antegrade": "Antegrade Flow", "2D": "2D mode", "M": "M mode", "PW": "Doppler Pulsed",
        "CW": "Doppler Continuous Wave", "TDI": "Tissue Doppler Imaging",
    }  # fmt: skip
    for code, name in meanings.items():
        assert expected[name].lower() in _meanings_of(code), name
    for entry in SHORT_NAMES:
        for value, table in ((entry.site, SITES), (entry.flow, FLOWS), (entry.mode, MODES)):
            assert value is None or value in table.values(), entry


def test_the_conventional_names_are_all_there() -> None:
    names = {entry.name for entry in SHORT_NAMES}
    assert [name for name in CONVENTIONAL if name not in names] == []


def test_no_two_entries_fit_the_same_measurement_equally() -> None:
    keys = [(e.scheme, e.code, e.site, e.flow, e.mode) for e in SHORT_NAMES]
    assert len(keys) == len(set(keys))


@pytest.mark.parametrize(
    ("concept", "site", "flow", "mode", "name"),
    [
        (("LN", "29436-3"), None, None, None, "LVIDd"),
        (("LN", "29436-3"), SITES["LV"], None, SITES["LV"], "LVIDd"),  # modifiers no entry asks for
        (("LN", "59080-2"), SITES["MV"], None, MODES["PW"], "E"),
        (("LN", "59080-2"), None, None, None, "E"),
        (("LN", "59080-2"), SITES["TV"], None, None, "TV E"),
        (("LN", "59080-2"), SITES["MA lateral"], None, MODES["TDI"], "e' lateral"),
        (("LN", "59080-2"), SITES["MA"], None, None, "e'"),
        (("LN", "20355-4"), SITES["AV"], FLOWS["antegrade"], MODES["CW"], "AV Vmax"),
        (("LN", "20355-4"), SITES["TV"], FLOWS["regurgitant"], MODES["CW"], "TR Vmax"),
        (("LN", "20355-4"), SITES["TV"], None, MODES["CW"], "TV Vmax"),
        (("LN", "20247-3"), SITES["TV"], FLOWS["regurgitant"], None, "TR peak PG"),
        (("SCT", "399367004"), SITES["AV"], None, None, "AVA"),
        (("SCT", "399367004"), SITES["MV"], None, None, "MVA"),
        (("SCT", "399027007"), SITES["LVOT"], None, None, "LVOT diam"),
        (("LN", "77903-3"), None, None, None, "TAPSE"),
    ],
)
def test_the_most_specific_fitting_entry_names_the_measurement(
    concept: tuple[str, str], site: str | None, flow: str | None, mode: str | None, name: str
) -> None:
    assert short_name(concept, site=site, flow=flow, mode=mode) == name


def test_no_name_without_a_fitting_entry() -> None:
    assert short_name(("LN", "20355-4")) is None  # a peak velocity, but where?
    assert short_name(("SCT", "399367004"), site=SITES["LA"]) is None
    assert short_name(("99GEMS", "GEU-1")) is None
