"""The measurements table: every style's report against the answers its writer states, and the
semantics (inheritance, overrides, selection, calipers by value and by reference) on small
documents built for each rule."""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterable
from dataclasses import asdict
from typing import Any

import pandas as pd
import pytest
from pydicom.dataset import Dataset

from echolab.errors import ReportWarning
from echolab.reading.content_tree import content_tree_from_dataset
from echolab.reports import COLUMNS, read
from echolab.reports.measurements import measurement_table
from echolab.samples.synthetic.reports import ReportTruth

#: Columns compared exactly with the writer's answers (value and graphic_data separately).
EXACT = [
    "code",
    "scheme",
    "meaning",
    "name",
    "unit",
    "qualifier",
    *(
        f"{slot}{suffix}"
        for slot in ("finding_site", "image_mode", "method", "cardiac_phase")
        for suffix in ("", "_code")
    ),
    *(f"{slot}{suffix}" for slot in ("flow_direction", "derivation", "selection") for suffix in ("", "_code")),
    "selected",
    "image_sop_instance_uid",
    "frame",
    "graphic_type",
    "written_code",
    "written_scheme",
]


def _plain(value: Any) -> Any:
    """A table cell as a plain Python value (None for a missing one)."""
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return None
    if hasattr(value, "item"):
        return value.item()
    return value


def test_every_measurement_has_the_written_code_value_unit_site_mode_and_selection(study: ReportTruth) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error", ReportWarning)  # a well-formed report reads without a warning
        table = read(study.path).measurements
    assert list(table.columns) == list(COLUMNS)
    assert len(table) == len(study.measurements)
    for row, expected in zip(table.to_dict("records"), study.measurements, strict=True):
        answer = asdict(expected)
        where = f"{study.style.name} {row['position']} {expected.name}"
        for column in EXACT:
            assert _plain(row[column]) == answer[column], f"{where}: {column}"
        if math.isnan(expected.value):
            assert math.isnan(row["value"]), where
        else:
            assert row["value"] == pytest.approx(expected.value, rel=1e-12), where
        assert row["graphic_data"] == expected.graphic_data, where


def test_one_selected_value_per_measurement(study: ReportTruth) -> None:
    table = read(study.path).measurements
    chosen = table[table["selected"]]
    identity = ["code", "finding_site_code", "image_mode_code", "method_code", "flow_direction_code"]
    assert not chosen.duplicated(identity).any()
    lvidd = chosen[chosen["name"] == "LVIDd"].set_index("image_mode")["value"]
    assert set(lvidd.index) == {"M mode", "2D mode"}  # measured on the M-mode strip and on the cine
    if study.style.selection is not None:  # the individual values are listed, then the chosen one
        every_e = table[table["name"] == "E"]
        assert len(every_e) == 3 and list(every_e["selected"]) == [False, False, True]
        assert every_e["selection"].iloc[-1] in ("Mean value chosen", "Most recent value chosen")
        if study.style.selection == "121412":
            assert every_e["value"].iloc[-1] == pytest.approx(every_e["value"].iloc[:2].mean(), rel=1e-12)


def test_units_as_written_and_converted_on_request(studies: dict[str, ReportTruth]) -> None:
    current = read(studies["comprehensive"].path).selected().set_index("name")
    legacy = read(studies["legacy"].path)
    assert current.loc["IVSd", "unit"] == "cm" and current.loc["E", "unit"] == "cm/s"
    as_written = legacy.selected().set_index("name")
    assert as_written.loc["IVSd", "unit"] == "mm" and as_written.loc["E", "unit"] == "m/s"
    converted = legacy.to_units(["cm", "cm/s"])
    converted = converted[converted["selected"]].set_index("name")
    assert converted.loc["IVSd", "unit"] == "cm" and converted.loc["IVSd", "value"] == pytest.approx(0.9, rel=1e-4)
    assert converted.loc["E", "unit"] == "cm/s" and converted.loc["E", "value"] == pytest.approx(80.0, rel=1e-9)
    assert converted.loc["DT", "unit"] == "ms"  # a time: no target of its kind was asked for
    assert as_written.loc["IVSd", "value"] == pytest.approx(9.0, rel=1e-4)  # the report's table is unchanged


def test_legacy_and_current_codes_are_one_concept(studies: dict[str, ReportTruth]) -> None:
    current = read(studies["comprehensive"].path).measurements
    legacy = read(studies["legacy"].path).measurements
    keys = ["code", "scheme", "finding_site_code", "image_mode_code"]
    shared = current[keys].drop_duplicates().merge(legacy[keys].drop_duplicates())
    assert len(shared) == len(current[keys].drop_duplicates())
    area = legacy[legacy["name"] == "AVA"].iloc[0]
    assert (area["written_scheme"], area["written_code"]) == ("SRT", "G-038E")
    assert (area["scheme"], area["code"]) == ("SCT", "399367004")


def test_private_codes_keep_their_meaning(studies: dict[str, ReportTruth]) -> None:
    table = read(studies["legacy"].path).measurements
    vendor = table[table["scheme"] == "99ECHOLAB"].iloc[0]
    assert vendor["name"] == vendor["meaning"] == "LA Diam (vendor)"
    assert vendor["finding_site"] == "Left Atrium (vendor)" and vendor["finding_site_code"] == "ECL-S01"
    assert vendor["value"] == 36.0 and vendor["unit"] == "mm"


def test_a_number_replaced_by_a_qualifier_is_nan_with_the_qualifier(studies: dict[str, ReportTruth]) -> None:
    rvsp = read(studies["3d"].path).measurements.set_index("name").loc["RVSP"]
    assert math.isnan(rvsp["value"]) and rvsp["qualifier"] == "Measurement not attempted"
    assert rvsp["unit"] is None and bool(rvsp["selected"])


# --- the rules, one small document each -----------------------------------------------------------


def _code(value: str, scheme: str, meaning: str) -> Dataset:
    item = Dataset()
    item.CodeValue, item.CodingSchemeDesignator, item.CodeMeaning = value, scheme, meaning
    return item


def _item(
    value_type: str | None,
    relationship: str | None,
    concept: tuple[str, str, str] | None,
    children: Iterable[Dataset] = (),
    **elements: Any,
) -> Dataset:
    item = Dataset()
    if relationship is not None:
        item.RelationshipType = relationship
    if value_type is not None:
        item.ValueType = value_type
    if concept is not None:
        item.ConceptNameCodeSequence = [_code(*concept)]
    for keyword, value in elements.items():
        setattr(item, keyword, value)
    if children:
        item.ContentSequence = list(children)
    return item


def _modifier(
    name: tuple[str, str, str], value: tuple[str, str, str], relationship: str = "HAS CONCEPT MOD"
) -> Dataset:
    return _item("CODE", relationship, name, ConceptCodeSequence=[_code(*value)])


def _num(
    concept: tuple[str, str, str], number: float | None, unit: str = "cm", children: Iterable[Dataset] = ()
) -> Dataset:
    measured = Dataset()
    if number is not None:
        measured.NumericValue = str(number)
        measured.MeasurementUnitsCodeSequence = [_code(unit, "UCUM", unit)]
    return _item("NUM", "CONTAINS", concept, children, MeasuredValueSequence=[measured] if number is not None else [])


def _table(
    *children: Dataset, title: tuple[str, str, str] = ("125200", "DCM", "Adult Echocardiography Procedure Report")
) -> pd.DataFrame:
    root = _item("CONTAINER", None, title, children, SOPClassUID="1.2.840.10008.5.1.4.1.1.88.33")
    return measurement_table(content_tree_from_dataset(root))


SITE = ("363698007", "SCT", "Finding Site")
SITE_LEGACY = ("G-C0E3", "SRT", "Finding Site")
MODE = ("G-0373", "SRT", "Image Mode")
SELECTION = ("121404", "DCM", "Selection Status")
DERIVATION = ("121401", "DCM", "Derivation")
MITRAL = ("91134007", "SCT", "Mitral Valve")
TRICUSPID_LEGACY = ("T-35100", "SRT", "Tricuspid Valve")
PW = ("R-409E4", "SRT", "Doppler Pulsed")
CW = ("261198000", "SCT", "Doppler Continuous Wave")
E_WAVE = ("59080-2", "LN", "E-Wave Peak Velocity")
FINDINGS = ("121070", "DCM", "Findings")
GROUP = ("125007", "DCM", "Measurement Group")


def test_nested_containers_override_outer_ones_and_a_num_overrides_them_all() -> None:
    table = _table(
        _item(
            "CONTAINER",
            "CONTAINS",
            FINDINGS,
            [
                _modifier(SITE, MITRAL),
                _modifier(MODE, PW),
                _item(
                    "CONTAINER",
                    "CONTAINS",
                    GROUP,
                    [
                        _modifier(MODE, CW),  # the group's mode overrides the section's
                        _num(E_WAVE, 80, "cm/s"),
                        _num(E_WAVE, 60, "cm/s", [_modifier(SITE_LEGACY, TRICUSPID_LEGACY)]),
                    ],
                ),
                _num(E_WAVE, 70, "cm/s"),
            ],
        )
    )
    rows = table.set_index("value")
    assert list(rows.loc[80.0, ["name", "finding_site", "image_mode", "image_mode_code"]]) == [
        "E",
        "Mitral Valve",
        "Doppler Continuous Wave",
        "261198000",
    ]
    assert list(rows.loc[60.0, ["name", "finding_site", "finding_site_code", "image_mode"]]) == [
        "TV E",
        "Tricuspid Valve",
        "46030003",
        "Doppler Continuous Wave",
    ]
    assert list(rows.loc[70.0, ["finding_site", "image_mode", "image_mode_code"]]) == [
        "Mitral Valve",
        "Doppler Pulsed",
        "261199008",
    ]
    assert list(table["group"]) == ["Findings > Measurement Group", "Findings > Measurement Group", "Findings"]
    assert list(table["position"]) == ["1.1.3.2", "1.1.3.3", "1.1.4"]


def test_selection_status_derivation_mean_and_ambiguity() -> None:
    mean = ("373098007", "SCT", "Mean")
    chosen = ("121410", "DCM", "User chosen value")
    table = _table(
        # values, then the one chosen with a Selection Status (under HAS PROPERTIES, as TID 310 puts it)
        _num(E_WAVE, 80, "cm/s"),
        _num(E_WAVE, 82, "cm/s", [_modifier(SELECTION, chosen, "HAS PROPERTIES")]),
        # values, then their mean marked by its Derivation only
        _num(("20217-6", "LN", "Deceleration Time"), 190, "ms"),
        _num(("20217-6", "LN", "Deceleration Time"), 200, "ms"),
        _num(("20217-6", "LN", "Deceleration Time"), 195, "ms", [_modifier(DERIVATION, mean)]),
        # two values and nothing to choose between them
        _num(("59081-0", "LN", "A-Wave Peak Velocity"), 50, "cm/s"),
        _num(("59081-0", "LN", "A-Wave Peak Velocity"), 52, "cm/s"),
        # the only value
        _num(("77903-3", "LN", "Tricuspid Annular Plane Systolic Excursion (TAPSE)"), 2.2),
    )
    assert list(zip(table["name"], table["selected"], strict=True)) == [
        ("E", False),
        ("E", True),
        ("DT", False),
        ("DT", False),
        ("DT", True),
        ("A", False),
        ("A", False),
        ("TAPSE", True),
    ]
    assert table["selection"].iloc[1] == "User chosen value" and table["derivation"].iloc[4] == "Mean"


def test_calipers_by_value_by_reference_and_image_only() -> None:
    image = Dataset()
    image.ReferencedSOPClassUID = "1.2.840.10008.5.1.4.1.1.3.1"
    image.ReferencedSOPInstanceUID = "1.2.3.4"
    image.ReferencedFrameNumber = 7
    library = _item(
        "CONTAINER",
        "CONTAINS",
        ("111028", "DCM", "Image Library"),
        [_item("IMAGE", "CONTAINS", None, ReferencedSOPSequence=[image])],
    )
    by_value = _item(
        "SCOORD",
        "INFERRED FROM",
        None,
        [_item("IMAGE", "SELECTED FROM", None, ReferencedSOPSequence=[image])],
        GraphicType="POLYLINE",
        GraphicData=[10.5, 20.5, 10.5, 60.5],
    )
    by_reference = _item(
        "SCOORD",
        "INFERRED FROM",
        None,
        [_item(None, "SELECTED FROM", None, ReferencedContentItemIdentifier=[1, 1, 1])],
        GraphicType="POINT",
        GraphicData=[5.5, 6.5],
    )
    scoord_elsewhere = _item("CONTAINER", "CONTAINS", ("9", "99TEST", "Holder"), [by_reference])
    pointer = _item(None, "INFERRED FROM", None, ReferencedContentItemIdentifier=[1, 2, 1])
    image_only = _item("IMAGE", "INFERRED FROM", None, ReferencedSOPSequence=[image])
    table = _table(
        library,
        scoord_elsewhere,
        _num(("29436-3", "LN", "Left Ventricle Internal End Diastolic Dimension"), 4.0, children=[by_value]),
        _num(E_WAVE, 80, "cm/s", [pointer]),
        _num(("18154-5", "LN", "Interventricular Septum Diastolic Thickness"), 0.9, children=[image_only]),
    )
    lvidd, e_wave, ivsd = table.to_dict("records")
    assert (lvidd["image_sop_instance_uid"], lvidd["frame"], lvidd["graphic_type"]) == ("1.2.3.4", 6, "POLYLINE")
    assert lvidd["graphic_data"] == ((10.5, 20.5), (10.5, 60.5))
    assert (e_wave["image_sop_instance_uid"], e_wave["frame"], e_wave["graphic_type"]) == ("1.2.3.4", 6, "POINT")
    assert e_wave["graphic_data"] == ((5.5, 6.5),)
    assert (ivsd["image_sop_instance_uid"], ivsd["frame"], ivsd["graphic_type"]) == ("1.2.3.4", 6, None)


def test_what_is_not_a_measurement_stays_out() -> None:
    patient = _item(
        "CONTAINER",
        "CONTAINS",
        ("121118", "DCM", "Patient Characteristics"),
        [_num(("8302-2", "LN", "Patient Height"), 172)],
    )
    property_of = _num(("20355-4", "LN", "Peak Blood Velocity"), 1.3, "m/s")
    property_of.RelationshipType = "HAS PROPERTIES"
    inferred = _num(E_WAVE, 81, "cm/s")
    inferred.RelationshipType = "INFERRED FROM"
    nameless = _num(E_WAVE, 1.0)
    del nameless.ConceptNameCodeSequence
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        table = _table(patient, _num(E_WAVE, 80, "cm/s", [property_of, inferred]), nameless)
    assert list(table["value"]) == [80.0, 81.0]  # a value it was inferred from is a measurement too
    assert [w.message.reason for w in caught if isinstance(w.message, ReportWarning)] == [
        "content item 1.3 (NUM) has no (0040,A043) Concept Name Code Sequence; it is kept without a concept name"
    ]


def test_private_modifier_names_are_read_by_meaning_and_empty_meanings_filled() -> None:
    table = _table(
        _num(
            E_WAVE,
            80,
            "cm/s",
            [
                _modifier(("GEU-1", "99GEMS", "Finding Site"), ("91134007", "SCT", "")),
                _modifier(("GEU-2", "99GEMS", "Direction of Flow"), ("GEU-F", "99GEMS", "Forward")),
            ],
        )
    )
    row = table.iloc[0]
    assert row["finding_site"] == "Mitral Valve" and row["finding_site_code"] == "91134007"
    assert row["flow_direction"] == "Forward" and row["flow_direction_code"] == "GEU-F"


def test_an_empty_report_gives_the_columns() -> None:
    table = _table()
    assert list(table.columns) == list(COLUMNS) and len(table) == 0
    assert table["value"].dtype == "float64" and table["selected"].dtype == bool and table["frame"].dtype == "Int64"
