"""The synthetic echo reports, checked without echolab's reader: the files say what each style
promises, the calipers lie on the structures drawn in the pixels, and each value is what its
calipers span by the image's own calibration (PS3.3 C.8.5.5 applied by hand)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pydicom
import pytest
from pydicom.dataset import Dataset

from echolab.samples.synthetic.reports import (
    COMPREHENSIVE_3D_SR,
    COMPREHENSIVE_SR,
    ENHANCED_SR,
    STYLES,
    ExpectedMeasurement,
    ReportTruth,
    write_report_study,
)


@pytest.fixture(scope="module")
def studies(tmp_path_factory: pytest.TempPathFactory) -> dict[str, ReportTruth]:
    return {style: write_report_study(tmp_path_factory.mktemp(style), style=style) for style in STYLES}


@pytest.fixture(scope="module")
def pixels(studies: dict[str, ReportTruth]) -> dict[str, np.ndarray]:
    """The images' pixels as grey levels (the first channel), by kind."""
    images = studies["comprehensive"].images
    found = {}
    for kind, path in images.items():
        array = pydicom.dcmread(path).pixel_array
        found[kind] = array[..., 0] if array.ndim == 3 and array.shape[-1] == 3 else array
    return found


def _items(dataset: Dataset) -> list[Dataset]:
    """Every content item below ``dataset``, depth first."""
    found, stack = [], list(reversed(dataset.get("ContentSequence", [])))
    while stack:
        item = stack.pop()
        found.append(item)
        stack.extend(reversed(item.get("ContentSequence", [])))
    return found


def _region(path: str, index: int) -> Dataset:
    region: Dataset = pydicom.dcmread(path, stop_before_pixels=True).SequenceOfUltrasoundRegions[index]
    return region


# --- the files ------------------------------------------------------------------------------------


def test_same_style_and_seed_write_the_same_files(tmp_path: Path, studies: dict[str, ReportTruth]) -> None:
    again = write_report_study(tmp_path / "again", style="legacy")
    assert Path(again.path).read_bytes() == Path(studies["legacy"].path).read_bytes()
    other = write_report_study(tmp_path / "other", style="legacy", seed=1)
    assert other.study_instance_uid != again.study_instance_uid
    assert [m.name for m in other.measurements] == [m.name for m in again.measurements]


def test_each_style_writes_what_it_promises(studies: dict[str, ReportTruth]) -> None:
    for name, study in studies.items():
        report = pydicom.dcmread(study.path)
        items = _items(report)
        schemes = {c.CodingSchemeDesignator for item in items for c in item.get("ConceptNameCodeSequence", [])}
        measured = [item.MeasuredValueSequence for item in items if item.get("ValueType") == "NUM"]
        assert (
            report.StudyInstanceUID == pydicom.dcmread(study.images["cine"], stop_before_pixels=True).StudyInstanceUID
        )
        assert report.Modality == "SR"
        if name == "comprehensive":
            assert report.SOPClassUID == COMPREHENSIVE_SR
            assert report.ContentTemplateSequence[0].TemplateIdentifier == "5200"
            assert "SRT" not in schemes and "SCT" in schemes
            assert all("FloatingPointValue" in values[0] for values in measured)
            assert report.VerifyingObserverSequence[0].VerifyingObserverName == "Cardiologist^Synthetic"
        if name == "legacy":
            assert report.SOPClassUID == ENHANCED_SR
            assert "ContentTemplateSequence" not in report
            assert "SRT" in schemes and "99ECHOLAB" in schemes
            assert not any("FloatingPointValue" in values[0] for values in measured)
            units = {values[0].MeasurementUnitsCodeSequence[0].CodeValue for values in measured}
            assert {"mm", "m/s"} <= units and not {"cm/s"} & units
        if name == "3d":
            assert report.SOPClassUID == COMPREHENSIVE_3D_SR
            assert any("ReferencedContentItemIdentifier" in item for item in items)
            empty = [item for item in items if item.get("ValueType") == "NUM" and len(item.MeasuredValueSequence) == 0]
            assert len(empty) == 1 and empty[0].NumericValueQualifierCodeSequence[0].CodeValue == "114007"


def test_selected_values_follow_the_individual_ones(studies: dict[str, ReportTruth]) -> None:
    for study in studies.values():
        for name in ("IVSd", "E", "DT"):
            listed = study.named(name)
            chosen = [m for m in listed if m.selected]
            assert len(chosen) == 1, (study.style.name, name)
            if study.style.selection == "121412":
                assert chosen[0].value == pytest.approx(np.mean([m.value for m in listed if not m.selected]))
            if study.style.selection == "121411":
                assert chosen[0].value == [m.value for m in listed if not m.selected][-1]


# --- the calipers ---------------------------------------------------------------------------------


def _index(point: tuple[float, float]) -> tuple[int, int]:
    """The (column, row) index of the pixel a SCOORD point lies in."""
    return int(np.floor(point[0])), int(np.floor(point[1]))


def _calipered(study: ReportTruth, image: str) -> list[ExpectedMeasurement]:
    uid = study.image_uids[image]
    return [m for m in study.measurements if m.image_sop_instance_uid == uid and m.graphic_data is not None]


def test_mmode_calipers_span_the_drawn_walls(studies: dict[str, ReportTruth], pixels: dict[str, np.ndarray]) -> None:
    study = studies["comprehensive"]
    strip = pixels["mmode"].astype(float)
    region = _region(study.images["mmode"], study.mmode.mmode_region)
    measured = _calipered(study, "mmode")
    assert sorted({m.name for m in measured}) == ["IVSd", "LVIDd", "LVIDs", "LVPWd"]
    for m in measured:
        assert m.graphic_data is not None
        (column, top), (_, bottom) = (_index(p) for p in m.graphic_data)
        inside = strip[top + 2 : bottom - 1, column - 2 : column + 3].mean()
        above = strip[top - 5 : top - 1, column - 2 : column + 3].mean()
        if m.name in ("IVSd", "LVPWd"):  # a wall between blood above (septum) or blood and pericardium
            assert inside > 120, m
        else:  # the cavity, between septum and posterior wall
            assert inside < 40 and above > 120, m
            assert strip[bottom + 2 : bottom + 6, column - 2 : column + 3].mean() > 120, m
        spanned = abs(m.graphic_data[1][1] - m.graphic_data[0][1]) * float(region.PhysicalDeltaY)
        assert m.value == pytest.approx(spanned, rel=1e-5), m
        assert m.unit == "cm"


def test_doppler_calipers_sit_on_the_envelope(studies: dict[str, ReportTruth], pixels: dict[str, np.ndarray]) -> None:
    study = studies["comprehensive"]
    strip = pixels["doppler"].astype(float)
    region = _region(study.images["doppler"], study.doppler.doppler_region)
    baseline = int(region.RegionLocationMinY0) + int(region.ReferencePixelY0)
    delta_y, delta_x = float(region.PhysicalDeltaY), float(region.PhysicalDeltaX)
    for m in _calipered(study, "doppler"):
        assert m.graphic_data is not None
        column, row = _index(m.graphic_data[0])
        if m.name in ("E", "A"):
            toward_baseline = strip[row + 2 : row + 8, column - 1 : column + 2].mean()
            beyond = strip[row - 8 : row - 2, column - 1 : column + 2].mean()
            assert toward_baseline > 50 and beyond < 20, m
            velocity = float(region.ReferencePixelPhysicalValueY) + (m.graphic_data[0][1] - 0.5 - baseline) * delta_y
            assert m.value == pytest.approx(velocity, rel=1e-5), m
        else:  # DT: from the E peak down to where the E wave ends on the baseline
            end_column, end_row = _index(m.graphic_data[1])
            assert end_row == baseline
            assert strip[baseline - 30 : baseline - 4, end_column].mean() < 20
            assert strip[row + 2 : row + 8, column].mean() > 50
            assert m.value == pytest.approx(abs(end_column - column) * delta_x * 1000, rel=1e-5)
    e_values = [m.value for m in study.named("E")]
    assert e_values == pytest.approx([study.doppler.e_peak] * 3, rel=0.01)
    assert [m.value for m in study.named("A")] == pytest.approx([study.doppler.a_peak] * 3, rel=0.01)


def test_cine_calipers_cross_the_cavity_of_its_largest_and_smallest_frames(
    studies: dict[str, ReportTruth], pixels: dict[str, np.ndarray]
) -> None:
    study = studies["comprehensive"]
    loop = pixels["cine"].astype(float)
    region = _region(study.images["cine"], study.cine.region)
    frames = {m.name: m.frame for m in _calipered(study, "cine")}
    assert frames == {"LVIDd": int(np.argmax(study.cine.cavity_area)), "LVIDs": int(np.argmin(study.cine.cavity_area))}
    for m in _calipered(study, "cine"):
        assert m.graphic_data is not None and m.frame is not None
        (left, row), (right, _) = (_index(p) for p in m.graphic_data)
        image = loop[m.frame]
        assert image[row - 1 : row + 2, left + 2 : right - 1].mean() < 25, m  # the cavity
        assert image[row - 1 : row + 2, left - 6 : left - 1].mean() > 60, m  # the wall either side
        assert image[row - 1 : row + 2, right + 2 : right + 7].mean() > 60, m
        width = abs(m.graphic_data[1][0] - m.graphic_data[0][0]) * float(region.PhysicalDeltaX)
        assert m.value == pytest.approx(width, rel=1e-5)
    lvidd, lvids = study.named("LVIDd")[-1].value, study.named("LVIDs")[-1].value
    assert lvidd == pytest.approx(2 * 2.55, rel=0.01) and lvids < lvidd


def test_true_values_are_the_drawn_anatomy(studies: dict[str, ReportTruth]) -> None:
    study = studies["3d"]
    named: dict[str, Any] = {}
    for m in study.measurements:  # the first of each name: the M-mode ones before the 2D cine's
        if m.true_value is not None:
            named.setdefault(m.name, m)
    assert named["IVSd"].true_value == pytest.approx(0.9, abs=0.01)
    assert named["LVPWd"].true_value == pytest.approx(0.9, abs=0.01)
    assert named["LVIDd"].true_value == pytest.approx(9.1 - (3.2 + 0.9), abs=0.01)  # wall top - septum bottom
    assert named["E"].true_value == pytest.approx(study.doppler.e_peak / 100, rel=0.01)  # in m/s
