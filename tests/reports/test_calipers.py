"""Calipers re-measured on their images: every style's report agrees with its calipers within 1 %."""

from __future__ import annotations

import math
import shutil
from pathlib import Path

import pydicom
import pytest

from echolab.reports import REMEASURE_COLUMNS, read, remeasure
from echolab.samples.synthetic.reports import ReportTruth


def test_every_caliper_remeasures_to_the_reports_value(study: ReportTruth) -> None:
    table = remeasure(study.path, Path(study.path).parent)
    assert list(table.columns[-4:]) == list(REMEASURE_COLUMNS)
    with_calipers = table[table["graphic_data"].notna()]
    assert len(with_calipers) == sum(m.graphic_data is not None for m in study.measurements) > 0
    for row in with_calipers.to_dict("records"):
        assert row["remeasure_note"] == "", row["name"]
        assert row["remeasured"] == pytest.approx(row["value"], rel=0.01), row["name"]
        assert Path(row["image_path"]).name in ("mmode.dcm", "doppler.dcm", "cine.dcm")
        assert row["one_pixel"] > 0
    without = table[table["graphic_data"].isna()]
    assert without["remeasured"].isna().all() and (without["remeasure_note"] == "").all()


def test_one_pixel_is_the_calibration_step_in_the_rows_unit(studies: dict[str, ReportTruth]) -> None:
    legacy = remeasure(studies["legacy"].path, Path(studies["legacy"].path).parent).set_index("name")
    assert legacy.loc["IVSd", "one_pixel"].iloc[0] == pytest.approx(0.284954, rel=1e-6)  # mm per M-mode row
    assert legacy.loc["E", "one_pixel"].iloc[0] == pytest.approx(0.008, rel=1e-9)  # m/s per Doppler row
    assert legacy.loc["DT", "one_pixel"].iloc[0] == pytest.approx(1000 / 240, rel=1e-9)  # ms per column


def test_missing_image_and_unknown_units_are_said(tmp_path: Path, studies: dict[str, ReportTruth]) -> None:
    study = studies["comprehensive"]
    shutil.copy(study.path, tmp_path / "report.dcm")
    shutil.copy(study.images["mmode"], tmp_path / "mmode.dcm")
    table = remeasure(read(tmp_path / "report.dcm"), tmp_path)
    cine = table[table["image_sop_instance_uid"] == study.image_uids["cine"]]
    assert cine["remeasured"].isna().all()
    assert all(note.endswith("is not among the files given") for note in cine["remeasure_note"])
    mmode = table[table["image_sop_instance_uid"] == study.image_uids["mmode"]]
    assert mmode["remeasured"].notna().all()


def test_a_moved_caliper_measures_something_else(tmp_path: Path, studies: dict[str, ReportTruth]) -> None:
    study = studies["comprehensive"]
    for kind, path in study.images.items():
        shutil.copy(path, tmp_path / f"{kind}.dcm")
    report = pydicom.dcmread(study.path)
    mmode_section = report.ContentSequence[4]  # Findings: Left Ventricle
    ivsd = mmode_section.ContentSequence[1].ContentSequence[1]  # the first IVSd of the M-mode group
    assert ivsd.ConceptNameCodeSequence[0].CodeValue == "18154-5"
    scoord = ivsd.ContentSequence[-1]
    data = list(scoord.GraphicData)
    data[3] += 10.0  # the bottom point 10 rows lower
    scoord.GraphicData = data
    report.save_as(tmp_path / "report.dcm")
    table = remeasure(tmp_path / "report.dcm", tmp_path)
    first = table.iloc[0]
    assert first["name"] == "IVSd"
    assert first["remeasured"] == pytest.approx(first["value"] + 10 * 0.0284954, rel=1e-5)
    assert math.isclose(table.iloc[1]["remeasured"], table.iloc[1]["value"], rel_tol=1e-6)
