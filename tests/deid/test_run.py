"""deidentify() and `echolab deid` end to end on real files: every file done and audited, inputs untouched,
reruns, bad files, options, the command line.

The files: the five ultrasound files of the ``deid-data`` package (Philips EPIQ 5G and Affiniti
70G, Siemens S2000, Terason; "CCHS Cleveland Clinic" and patient names in their banners and
headers) and GE Voluson's ``orthanc__Issue164.dcm`` of the shared folder (name, ID and
institution burned into its banner). Each test skips when its files are absent.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

import echolab
from echolab.deid import (
    AUDIT_FILE,
    DeidStatus,
    deidentify,
)

from ..conftest import package_file
from .conftest import SALT, Run, _frames, _read, _sha256

#: pydicom warns of over-long values in the inputs (a 122-character Reason for Study) when they are read
pytestmark = pytest.mark.filterwarnings("ignore:The value length")


def test_every_file_is_deidentified_with_an_audit_line(run: Run) -> None:
    assert {name: r.status for name, r in run.results.items()} == {name: DeidStatus.DONE for name in run.sources}
    lines = [json.loads(line) for line in (run.out / AUDIT_FILE).read_text(encoding="utf-8").splitlines()]
    assert sorted(line["input_sha256"] for line in lines) == sorted(run.before.values())
    for line in lines:
        assert line["status"] == "de-identified" and (run.out / line["output"]).is_file()
        assert line["verification"]["passed"] and line["verification"]["frames_checked"] == line["frames_cleaned"] > 0
        assert line["options"]["keep"] == "regions" and line["options"]["dates"] == "shift"
        assert "PatientName" in line["elements"]["emptied"] and "SOPInstanceUID" in line["elements"]["UID replaced"]
        assert [c["code"] for c in line["method_codes"]] == ["113100", "113101", "113107"]


def test_inputs_are_never_written(run: Run) -> None:
    assert {name: _sha256(path) for name, path in run.sources.items()} == run.before


def test_a_rerun_skips_the_files_done(run: Run) -> None:
    audit = run.out / AUDIT_FILE
    lines = audit.read_text(encoding="utf-8")
    stamps = {name: Path(r.output or "").stat().st_mtime_ns for name, r in run.results.items()}
    again = deidentify(list(run.sources.values()), run.out, salt=SALT, workers=2)
    assert [r.status for r in again] == [DeidStatus.SKIPPED] * len(run.sources)
    assert [r.output for r in again] == [run.results[name].output for name in run.sources]
    assert audit.read_text(encoding="utf-8") == lines
    assert {name: Path(r.output or "").stat().st_mtime_ns for name, r in run.results.items()} == stamps


def test_bad_files_are_reported_and_the_others_go_on(tmp_path: Path) -> None:
    good = Path(package_file("OBXXXX1A.dcm"))
    sources = tmp_path / "in"
    sources.mkdir()
    shutil.copy(good, sources / "a_good.dcm")
    (sources / "b_not_dicom.dcm").write_bytes(b"not a DICOM file at all" * 20)
    out = sources / "shared"  # inside the source folder: its files are outputs, never inputs
    results = deidentify([sources], out, salt=SALT, workers=2)
    status = {Path(r.source).name: r for r in results}
    assert status["a_good.dcm"].status is DeidStatus.DONE
    bad = status["b_not_dicom.dcm"]
    assert bad.status is DeidStatus.FAILED and "not a DICOM file" in bad.reason and bad.output is None
    lines = [json.loads(x) for x in (out / AUDIT_FILE).read_text().splitlines()]
    assert sorted(line["status"] for line in lines) == ["de-identified", "failed"]
    again = deidentify([sources], out, salt=SALT, workers=2)
    assert [(Path(r.source).name, r.status) for r in again] == [
        ("a_good.dcm", DeidStatus.SKIPPED),
        ("b_not_dicom.dcm", DeidStatus.FAILED),
    ]
    # the palette frame is written as RGB, its lookup tables dropped, its pixels as echolab decodes them
    output = status["a_good.dcm"].output or ""
    ds = _read(output)
    assert ds.PhotometricInterpretation == "RGB" and ds.SamplesPerPixel == 3
    assert not [e for e in ds if "Palette" in e.name]
    before, after = _frames(good), _frames(output)
    for region in echolab.open(good).regions:
        x0, y0, x1, y1 = region.clipped_box
        np.testing.assert_array_equal(after[:, y0 : y1 + 1, x0 : x1 + 1], before[:, y0 : y1 + 1, x0 : x1 + 1])


def test_the_command_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    from echolab.cli import main

    good, no_regions = package_file("OBXXXX1A.dcm"), package_file("US1_UNCR.dcm")
    monkeypatch.delenv("ECHOLAB_DEID_SALT", raising=False)
    assert main(["deid", good, str(tmp_path / "out")]) == 2
    assert "--salt SECRET or set $ECHOLAB_DEID_SALT" in capsys.readouterr().err
    assert main(["deid", good, no_regions, str(tmp_path / "out"), "--salt", SALT, "--workers", "1"]) == 1
    captured = capsys.readouterr()
    assert f"failed: {no_regions}: (0018,6011) Sequence of Ultrasound Regions is absent" in captured.err
    assert "1 de-identified, 0 skipped (done before, or a copy), 1 failed" in captured.out
    monkeypatch.setenv("ECHOLAB_DEID_SALT", SALT)
    box = ["--box", "100,50,539,429", "--dates", "keep", "--codec", "rle"]
    assert main(["deid", good, no_regions, str(tmp_path / "out"), "--workers", "1", *box]) == 0
    assert "2 de-identified, 0 skipped" in capsys.readouterr().out  # other options: done again
    assert main(["deid", no_regions, str(tmp_path / "out"), "--box", "1,2,3"]) == 2
    assert "--box '1,2,3' is not x0,y0,x1,y1" in capsys.readouterr().err


def test_options_are_checked(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="keep='sector'"):
        deidentify([package_file("OBXXXX1A.dcm")], tmp_path, salt=SALT, keep="sector")
    with pytest.raises(FileNotFoundError):
        deidentify([tmp_path / "missing.dcm"], tmp_path, salt=SALT)
