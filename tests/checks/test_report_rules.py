"""report-disagreement: a report whose value contradicts its calipers is flagged, naming both values."""

from __future__ import annotations

import shutil
from pathlib import Path

import pydicom
import pytest

from echolab.checks import check, check_file, report_findings
from echolab.codes import Rule, Severity
from echolab.samples.synthetic.reports import write_report_study


@pytest.fixture(scope="module")
def exam(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("exam")
    write_report_study(folder, style="legacy")
    return folder


def _tamper(exam: Path, target: Path, factor: float) -> Path:
    """A copy of the exam whose first E value is ``factor`` times what its caliper measures."""
    shutil.copytree(exam, target)
    report = pydicom.dcmread(target / "report.dcm")
    mitral = report.ContentSequence[5]
    e_wave = mitral.ContentSequence[1].ContentSequence[1]
    assert e_wave.ConceptNameCodeSequence[0].CodeValue == "59080-2"
    measured = e_wave.MeasuredValueSequence[0]
    measured.NumericValue = f"{float(measured.NumericValue) * factor:.6g}"
    report.save_as(target / "report.dcm")
    return target


def test_an_agreeing_report_has_no_finding(exam: Path) -> None:
    assert report_findings(exam / "report.dcm") == []
    assert [f for f in check([exam], workers=1) if f.rule is Rule.REPORT_DISAGREEMENT] == []
    assert check_file(exam / "report.dcm") == []  # a report is not an image without pixel data


def test_a_contradicting_value_is_flagged_with_both_values(exam: Path, tmp_path: Path) -> None:
    folder = _tamper(exam, tmp_path / "tampered", 1.05)  # 0.84 m/s against 0.80: 5 %, 5 pixels
    found = check_file(folder / "report.dcm")
    assert len(found) == 1
    finding = found[0]
    assert finding.rule is Rule.REPORT_DISAGREEMENT and finding.severity is Severity.WARNING
    assert finding.message.startswith("E (content item 1.6.2.2, (59080-2, LN")
    assert "the report says 0.84 m/s" in finding.message and "measure 0.8 m/s" in finding.message
    assert "doppler.dcm" in finding.message and "4.8% apart" in finding.message  # of the report's value
    assert [f.rule for f in check([folder], workers=1) if f.file.endswith("report.dcm")] == [Rule.REPORT_DISAGREEMENT]


def test_within_one_pixel_or_two_percent_agrees(exam: Path, tmp_path: Path) -> None:
    folder = _tamper(exam, tmp_path / "close", 1.015)  # 1.5 %: within 2 % (and one pixel, 0.008 m/s of 0.8)
    assert report_findings(folder / "report.dcm") == []


def test_a_report_whose_images_are_elsewhere_is_not_flagged(exam: Path, tmp_path: Path) -> None:
    shutil.copy(exam / "report.dcm", tmp_path / "report.dcm")
    assert report_findings(tmp_path / "report.dcm") == []
    assert report_findings(tmp_path / "report.dcm", [exam]) == []
