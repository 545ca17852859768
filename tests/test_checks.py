"""The rule engine: findings by rule id on real and generated files, `echolab check`, the panel."""

from __future__ import annotations

import json
import shutil
import warnings
from pathlib import Path

import pydicom
import pytest

import echolab
from echolab import checks
from echolab.cli import main
from echolab.codes import Rule, Severity
from echolab.data import sample

from .conftest import SHARED, shared_file

#: The quirk or problem each shared file is known for, by rule id.
KNOWN = {
    "godicom__I_000038.dcm": Rule.DOPPLER_SIGN,
    "godicom__I_000039.dcm": Rule.DOPPLER_SIGN,
    "orthanc__Issue164.dcm": Rule.DEPTH_ORIGIN,
    "dcm4che__will-jxl.dcm": Rule.NO_DECODER,
    "cs3d__no-pixel-spacing.dcm": Rule.REGION_OVERHANG,
}


def _rules(findings: list[checks.Finding]) -> set[Rule]:
    return {finding.rule for finding in findings}


@pytest.mark.parametrize(("name", "rule"), sorted(KNOWN.items()))
def test_each_shared_file_is_named_by_its_quirk(name: str, rule: Rule) -> None:
    findings = checks.check_file(shared_file(name))
    assert rule in _rules(findings)
    found = next(f for f in findings if f.rule is rule)
    assert found.file == shared_file(name) and found.message
    if rule in (Rule.DOPPLER_SIGN, Rule.DEPTH_ORIGIN):
        assert "(0018,60" in found.message and "corrected" in found.message
        assert found.severity is Severity.WARNING


def test_headers_only_finds_the_quirks_without_correcting_them() -> None:
    findings = checks.check_file(shared_file("orthanc__Issue164.dcm"), pixels=False)
    depth = next(f for f in findings if f.rule is Rule.DEPTH_ORIGIN)
    assert "not corrected here" in depth.message and "row 816" in depth.message


def test_the_sample_files_have_only_the_findings_they_should() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", echolab.EcholabWarning)
        assert _rules(checks.check_file(sample("examples_ybr_color.dcm"))) >= {Rule.REGION_OVERHANG}
        cx50 = _rules(checks.check_file(sample("OBXXXX1A.dcm")))
    # the ECG trace's amplitude is never calibrated: that is not an uncalibrated-axis finding
    assert Rule.UNCALIBRATED_AXIS not in cx50 and Rule.TIMING_DISAGREEMENT not in cx50
    assert not [f for f in checks.check_file(sample("synthetic-doppler.dcm")) if f.severity is Severity.ERROR]


def _write(ds: pydicom.Dataset, path: Path) -> str:
    ds.save_as(path, enforce_file_format=True)
    return str(path)


def test_timing_elements_that_disagree_and_a_cine_without_timing(tmp_path: Path) -> None:
    """As the Philips Affiniti writes it: Cine Rate 18 /s with a Frame Time of 54.241 ms (18.4 /s)
    agrees; 30 /s does not. A cine with no timing element at all is timing-missing."""
    ds = pydicom.dcmread(sample("color3d_jpeg_baseline.dcm"))
    ds.FrameTime = 54.241
    ds.CineRate = 18
    assert Rule.TIMING_DISAGREEMENT not in _rules(checks.check_file(_write(ds, tmp_path / "agree.dcm")))
    ds.CineRate = 30
    findings = checks.check_file(_write(ds, tmp_path / "disagree.dcm"))
    disagreement = next(f for f in findings if f.rule is Rule.TIMING_DISAGREEMENT)
    assert "(0018,0040) Cine Rate = 30" in disagreement.message and "(0018,1063) Frame Time" in disagreement.message
    for keyword in ("FrameTime", "CineRate", "FrameIncrementPointer", "RecommendedDisplayFrameRate"):
        if keyword in ds:
            del ds[keyword]
    assert Rule.TIMING_MISSING in _rules(checks.check_file(_write(ds, tmp_path / "untimed.dcm")))


def test_heart_rate_in_the_header_against_the_drawn_ecg(tmp_path: Path) -> None:
    """The generated screen draws its ECG at 72 /min: the header's 72 agrees, 100 does not (the ECG
    region is decoded and its R-R intervals measured); headers-only checks do not look."""
    assert Rule.HEART_RATE_DISAGREEMENT not in _rules(checks.check_file(sample("synthetic-doppler.dcm")))
    ds = pydicom.dcmread(sample("synthetic-doppler.dcm"))
    ds.HeartRate = 100
    path = _write(ds, tmp_path / "hr.dcm")
    finding = next(f for f in checks.check_file(path) if f.rule is Rule.HEART_RATE_DISAGREEMENT)
    assert "(0018,1088) Heart Rate = 100" in finding.message and "72" in finding.message
    assert Rule.HEART_RATE_DISAGREEMENT not in _rules(checks.check_file(path, pixels=False))


def test_unreadable_files_and_files_without_regions(tmp_path: Path) -> None:
    (tmp_path / "text.dcm").write_text("not DICOM at all")
    [unreadable] = checks.check_file(tmp_path / "text.dcm")
    assert unreadable.rule is Rule.UNREADABLE_FILE and unreadable.severity is Severity.ERROR
    ds = pydicom.dcmread(sample("OBXXXX1A.dcm"))
    del ds.SequenceOfUltrasoundRegions
    assert Rule.NO_REGIONS in _rules(checks.check_file(_write(ds, tmp_path / "plain.dcm")))


def test_check_command_writes_json_and_csv_and_fails_on_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(sample("synthetic-doppler.dcm"), folder / "good.dcm")
    assert main(["check", str(folder), "--json", str(tmp_path / "f.json"), "--workers", "1"]) == 0
    out = capsys.readouterr().out
    assert "0 error(s)" in out
    (folder / "cut.dcm").write_bytes(Path(sample("color3d_jpeg_baseline.dcm")).read_bytes()[:3000])
    status = main(["check", str(folder), "--json", str(tmp_path / "f.json"), "--csv", str(tmp_path / "f.csv")])
    assert status == 1
    findings = json.loads((tmp_path / "f.json").read_text())
    assert isinstance(findings, list) and all(set(f) == {"file", "rule", "severity", "message"} for f in findings)
    cut = [f for f in findings if f["file"].endswith("cut.dcm")]
    assert cut and {f["severity"] for f in cut} == {"error"}
    assert (tmp_path / "f.csv").read_text().splitlines()[0] == "file,rule,severity,message"


@pytest.mark.skipif(not SHARED.is_dir(), reason="shared test data not found")
def test_check_over_the_shared_folder_in_parallel_names_every_quirk() -> None:
    findings = list(checks.check([str(SHARED)], workers=2, pixels=False))
    by_file = {}
    for finding in findings:
        by_file.setdefault(Path(finding.file).name, set()).add(finding.rule)
    for name, rule in KNOWN.items():
        assert rule in by_file.get(name, set()), name
    errors = {Path(f.file).name for f in findings if f.severity is Severity.ERROR}
    assert errors == {"dcm4che__will-jxl.dcm"}


def test_the_calibration_panel_shows_the_same_findings() -> None:
    pytest.importorskip("ipywidgets")
    from echolab.widgets import CalibrationPanel

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", echolab.EcholabWarning)
        panel = CalibrationPanel(sample("examples_ybr_color.dcm"))
    assert [f.to_dict() for f in panel.findings] == [f.to_dict() for f in checks.check_file(panel.echofile.source)]
    assert "region-overhang" in panel.findings_table.value
