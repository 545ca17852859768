"""Checking files and folders (echolab.checks.run) and `echolab check`."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pydicom
import pytest

from echolab import checks
from echolab.cli import main
from echolab.codes import Rule, Severity
from echolab.samples import sample

from ..conftest import SHARED, shared_file
from .conftest import KNOWN, _rules, _write


def test_headers_only_finds_the_quirks_without_correcting_them() -> None:
    findings = checks.check_file(shared_file("orthanc__Issue164.dcm"), pixels=False)
    depth = next(f for f in findings if f.rule is Rule.DEPTH_ORIGIN)
    assert "not corrected here" in depth.message and "row 816" in depth.message


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
