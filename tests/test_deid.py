"""De-identification (echolab.deid) on real files with names and institutions in header and pixels.

The files: the five ultrasound files of the ``deid-data`` package (Philips EPIQ 5G and Affiniti
70G, Siemens S2000, Terason; "CCHS Cleveland Clinic" and patient names in their banners and
headers) and GE Voluson's ``orthanc__Issue164.dcm`` of the shared folder (name, ID and
institution burned into its banner). Each test skips when its files are absent.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import warnings
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pydicom
import pytest
from pydicom.dataset import Dataset

import echolab
from echolab.conventions import IDENTIFYING_KEYWORDS
from echolab.data import sample
from echolab.deid import (
    AUDIT_FILE,
    BASIC_PROFILE,
    Action,
    DeidResult,
    DeidStatus,
    Secret,
    action_for,
    deidentify,
)
from echolab.deid.area import KeepArea, kept_area
from echolab.deid.verify import pack_mask, verify_frames, verify_header
from echolab.errors import DeidentificationError, EcholabError

from .conftest import SHARED, package_file

#: pydicom warns of over-long values in the inputs (a 122-character Reason for Study) when they are read
pytestmark = pytest.mark.filterwarnings("ignore:The value length")

SALT = "a long secret for the tests"
ISSUE164 = "orthanc__Issue164.dcm"
#: Elements whose values identify beyond IDENTIFYING_KEYWORDS: free text and descriptions the
#: profile removes (the files carry reasons for study, histories, locations).
MORE_IDENTIFYING = {
    "AdditionalPatientHistory",
    "ReasonForStudy",
    "CurrentPatientLocation",
    "RequestingService",
    "StudyDescription",
    "PatientAddress",
    "OtherPatientIDs",
    "MilitaryRank",
    "BranchOfService",
}
UID_PATTERN = re.compile(r"2\.25\.(0|[1-9][0-9]*)")


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _read(path: Path | str) -> Dataset:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return pydicom.dcmread(path)


def _frames(path: Path | str) -> np.ndarray:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return np.asarray(echolab.open(path).image().values)


@dataclass
class Run:
    """One de-identification run over the real files, shared by the tests of this module."""

    sources: dict[str, Path]  # short name -> input path
    before: dict[str, str]  # short name -> sha256 before the run
    out: Path
    results: dict[str, DeidResult]


def _deid_data_files(folder: Path) -> dict[str, Path]:
    data = pytest.importorskip("deid_data.data", reason="pip install deid-data (the test extra)")
    ultrasounds = Path(data.get_dataset("ultrasounds"))
    files = {name: ultrasounds / f"{name}.dcm" for name in ("GREYSCALE_IMAGE", "RGB_IMAGE", "ultrasound-multiframe")}
    for name in ("GREYSCALE_CINE", "RGB_CINE"):  # shipped zipped: extracted to a temporary folder
        with zipfile.ZipFile(ultrasounds / f"{name}.zip") as archive:
            archive.extract(f"{name}.dcm", folder)
        files[name] = folder / f"{name}.dcm"
    return files


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Run:
    """The deid-data files and Issue164 (when present) de-identified once, with two workers."""
    sources = _deid_data_files(tmp_path_factory.mktemp("deid-data"))
    if (SHARED / ISSUE164).is_file():
        sources["Issue164"] = SHARED / ISSUE164
    before = {name: _sha256(path) for name, path in sources.items()}
    out = tmp_path_factory.mktemp("shared")
    results = deidentify(list(sources.values()), out, salt=SALT, workers=2)
    by_path = {Path(r.source): r for r in results}
    return Run(sources, before, out, {name: by_path[path] for name, path in sources.items()})


def _need(run: Run, name: str) -> tuple[Path, DeidResult]:
    if name not in run.sources:
        pytest.skip(f"{name} not found in {SHARED}")
    return run.sources[name], run.results[name]


def _texts(dataset: Dataset) -> list[str]:
    """Every value of every element of ``dataset``, nested sequences and file meta included, as text."""
    found = []
    datasets = [dataset] + ([dataset.file_meta] if getattr(dataset, "file_meta", None) is not None else [])
    for ds in datasets:
        for element in ds.iterall():
            if element.VR in ("SQ", "OB", "OW", "UN") or element.tag == 0x7FE00010:
                continue
            value = element.value
            items = value if isinstance(value, (list, pydicom.multival.MultiValue)) else [value]
            found += [str(v) for v in items]
    return found


def _identifying_values(dataset: Dataset) -> set[str]:
    """The input's identifying values, by this test's own reading: every text value of an
    identifying element (names, IDs, dates of birth, institution, ...) at any depth, 3 characters
    or more, plus each name's family and given names of 4 or more."""
    values: set[str] = set()
    for element in dataset.iterall():
        if element.keyword not in IDENTIFYING_KEYWORDS | MORE_IDENTIFYING or element.VR == "SQ":
            continue
        items = element.value if isinstance(element.value, (list, pydicom.multival.MultiValue)) else [element.value]
        for item in items:
            text = str(item).strip()
            if len(text) >= 3:
                values.add(text)
            if element.VR == "PN":
                values |= {part.strip() for part in re.split(r"[\^=]", text) if len(part.strip()) >= 4}
    return values


def _header_bytes(path: Path) -> bytes:
    with open(path, "rb") as handle:
        pydicom.dcmread(handle, stop_before_pixels=True)
        end = handle.tell()
        handle.seek(0)
        return handle.read(end)


# --- every file -------------------------------------------------------------------------------


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


@pytest.mark.parametrize(
    "name", ["GREYSCALE_IMAGE", "RGB_IMAGE", "ultrasound-multiframe", "GREYSCALE_CINE", "RGB_CINE", "Issue164"]
)
def test_no_identifying_value_is_left_anywhere(run: Run, name: str) -> None:
    source, result = _need(run, name)
    assert result.output is not None
    values = _identifying_values(_read(source))
    assert len(values) >= 3  # the files do carry names, IDs and institutions
    output = Path(result.output)
    texts = _texts(_read(output))
    head = _header_bytes(output)
    whole = output.read_bytes()
    audit = (run.out / AUDIT_FILE).read_text(encoding="utf-8")
    for value in values:
        word = re.compile(rf"(?<!\w){re.escape(value)}(?!\w)")
        assert not any(word.search(text) for text in texts), f"{value!r} is still in the data set"
        for encoded in {value.encode("latin-1", "replace"), value.encode("utf-8")}:
            word_bytes = re.compile(rb"(?<![0-9A-Za-z])" + re.escape(encoded) + rb"(?![0-9A-Za-z])")
            assert not word_bytes.search(head), f"{value!r} is still in the file's header"
            if len(value) >= 6:  # long enough never to turn up by chance in compressed pixels
                assert encoded not in whole
        assert value not in str(output.relative_to(run.out)) and value not in audit
    assert source.name not in audit and source.stem not in audit  # input names often carry patient names


@pytest.mark.parametrize("name", ["RGB_CINE", "Issue164", "GREYSCALE_IMAGE", "ultrasound-multiframe"])
def test_only_the_regions_survive_on_every_frame(run: Run, name: str) -> None:
    source, result = _need(run, name)
    assert result.output is not None
    before, after = _frames(source), _frames(result.output)
    assert before.shape == after.shape
    regions = echolab.open(source).regions
    inside = np.zeros(before.shape[1:3], dtype=bool)
    for region in regions:
        x0, y0, x1, y1 = region.clipped_box
        inside[y0 : y1 + 1, x0 : x1 + 1] = True
    # bit-identical to the input's decode inside the regions (lossless inputs), or equal to the
    # decoded input (the lossy JPEG of Issue164): never a second lossy generation
    assert np.array_equal(after[:, inside], before[:, inside])
    assert not after[:, ~inside].any()
    assert before[:, ~inside].reshape(len(before), -1).any(axis=1).all()  # there was a banner on every frame


def test_the_voluson_banner_is_gone(run: Run) -> None:
    source, result = _need(run, "Issue164")
    assert result.output is not None
    banner = (slice(0, 74), slice(0, 975))  # name, ID, institution, date above the region (y0 = 74)
    before, after = _frames(source), _frames(result.output)
    assert (before[(slice(None), *banner)] > 0).mean() > 0.05
    assert not after[(slice(None), *banner)].any()


def test_new_uids_are_valid_and_keep_the_study_together(run: Run) -> None:
    outputs = {name: _read(r.output) for name, r in run.results.items() if r.output}
    inputs = {name: _read(run.sources[name]) for name in outputs}
    for name, ds in outputs.items():
        for keyword in ("StudyInstanceUID", "SeriesInstanceUID", "SOPInstanceUID"):
            uid = str(ds[keyword].value)
            assert UID_PATTERN.fullmatch(uid) and len(uid) <= 64 and uid != str(inputs[name][keyword].value)
        assert ds.file_meta.MediaStorageSOPInstanceUID == ds.SOPInstanceUID
        assert Path(run.results[name].output or "").relative_to(run.out).as_posix() == (
            f"{ds.StudyInstanceUID}/{ds.SOPInstanceUID}.dcm"
        )
    # GREYSCALE_IMAGE and GREYSCALE_CINE are two files of one study (and one series)
    same = ("GREYSCALE_IMAGE", "GREYSCALE_CINE")
    assert inputs[same[0]].StudyInstanceUID == inputs[same[1]].StudyInstanceUID
    assert outputs[same[0]].StudyInstanceUID == outputs[same[1]].StudyInstanceUID
    assert outputs[same[0]].SeriesInstanceUID == outputs[same[1]].SeriesInstanceUID
    assert outputs[same[0]].SOPInstanceUID != outputs[same[1]].SOPInstanceUID
    assert outputs["RGB_IMAGE"].StudyInstanceUID != outputs[same[0]].StudyInstanceUID


def test_same_salt_gives_the_same_uids_another_salt_others(run: Run, tmp_path: Path) -> None:
    source, first = _need(run, "GREYSCALE_IMAGE")
    (again,) = deidentify([source], tmp_path / "again", salt=SALT, workers=1)
    (other,) = deidentify([source], tmp_path / "other", salt="another secret", workers=1)
    assert first.output and again.output and other.output
    a, b, c = _read(first.output), _read(again.output), _read(other.output)
    for keyword in ("StudyInstanceUID", "SeriesInstanceUID", "SOPInstanceUID"):
        assert a[keyword].value == b[keyword].value != c[keyword].value
    assert a.StudyDate == b.StudyDate  # the date shift is keyed too
    assert Path(first.output).relative_to(run.out) == Path(again.output).relative_to(tmp_path / "again")
    assert a.PixelData == b.PixelData


def test_the_header_says_what_was_done(run: Run) -> None:
    for name, result in run.results.items():
        assert result.output is not None
        ds, original = _read(result.output), _read(run.sources[name])
        assert ds.PatientIdentityRemoved == "YES" and ds.BurnedInAnnotation == "NO"
        codes = [(item.CodeValue, item.CodingSchemeDesignator) for item in ds.DeidentificationMethodCodeSequence]
        assert codes == [("113100", "DCM"), ("113101", "DCM"), ("113107", "DCM")]
        assert "Basic Application Confidentiality Profile" in ds.DeidentificationMethod
        assert ds.LongitudinalTemporalInformationModified == "MODIFIED"
        assert not [e for e in ds.iterall() if e.tag.is_private]
        assert ds.PatientName == "" and ds.get("PatientBirthDate", "") == "" and "InstitutionName" not in ds
        assert "DeviceSerialNumber" not in ds and "OperatorsName" not in ds and "StationName" not in ds
        assert ds.file_meta.TransferSyntaxUID == pydicom.uid.JPEGLSLossless
        # dates move back by whole days, the same for every date of the file; times of day are kept
        shift = _days(original.StudyDate) - _days(ds.StudyDate)
        assert 365 <= shift <= 3652
        if "ContentDate" in original:
            assert _days(original.ContentDate) - _days(ds.ContentDate) == shift
        assert ds.get("StudyTime") == original.get("StudyTime")


def _days(date: str) -> int:
    import datetime as dt

    return dt.date(int(date[:4]), int(date[4:6]), int(date[6:8])).toordinal()


def test_outputs_open_with_the_same_regions_and_axes(run: Run) -> None:
    for name, result in run.results.items():
        assert result.output is not None
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            before, after = echolab.open(run.sources[name]), echolab.open(result.output)
        assert after.regions == before.regions and after.regions
        assert after.number_of_frames == before.number_of_frames
        np.testing.assert_array_equal(after.frame_times, before.frame_times)
        for region in before.regions:
            if region.usable:
                a, b = before.region(region.index), after.region(region.index)
                np.testing.assert_array_equal(a["x"].values, b["x"].values)
                np.testing.assert_array_equal(a["y"].values, b["y"].values)
                assert a["x"].attrs["units"] == b["x"].attrs["units"]
        if after.number_of_frames <= 30:  # pydicom reads it too (through pyjpegls)
            ds = _read(result.output)
            pixels = ds.pixel_array if after.number_of_frames > 1 else ds.pixel_array[np.newaxis]
            np.testing.assert_array_equal(pixels, after.image().values)


def test_a_lossy_input_says_so_in_the_output(run: Run) -> None:
    source, result = _need(run, "Issue164")  # JPEG Baseline: (0028,2110) = 01 without ratio or method
    assert result.output is not None
    ds = _read(result.output)
    assert ds.LossyImageCompression == "01" and ds.LossyImageCompressionMethod == "ISO_10918_1"
    assert float(ds.LossyImageCompressionRatio) > 5
    assert ds.PhotometricInterpretation == "RGB" and ds.file_meta.TransferSyntaxUID == pydicom.uid.JPEGLSLossless
    _, multiframe = _need(run, "ultrasound-multiframe")  # native, but once JPEG-compressed at 100:1
    ds = _read(multiframe.output or "")
    assert (ds.LossyImageCompression, ds.LossyImageCompressionRatio, ds.LossyImageCompressionMethod) == (
        "01",
        100,
        "ISO_10918_1",
    )
    _, greyscale = _need(run, "GREYSCALE_IMAGE")  # lossless and said so
    assert _read(greyscale.output or "").LossyImageCompression == "00"


def test_a_rerun_skips_the_files_done(run: Run) -> None:
    audit = run.out / AUDIT_FILE
    lines = audit.read_text(encoding="utf-8")
    stamps = {name: Path(r.output or "").stat().st_mtime_ns for name, r in run.results.items()}
    again = deidentify(list(run.sources.values()), run.out, salt=SALT, workers=2)
    assert [r.status for r in again] == [DeidStatus.SKIPPED] * len(run.sources)
    assert [r.output for r in again] == [run.results[name].output for name in run.sources]
    assert audit.read_text(encoding="utf-8") == lines
    assert {name: Path(r.output or "").stat().st_mtime_ns for name, r in run.results.items()} == stamps


# --- options and refusals -----------------------------------------------------------------------


def test_a_file_without_regions_is_refused_unless_a_box_is_given(tmp_path: Path) -> None:
    source = Path(package_file("US1_UNCR.dcm"))  # a 640 x 480 RGB frame without (0018,6011)
    (refused,) = deidentify([source], tmp_path / "out", salt=SALT, workers=1)
    assert refused.status is DeidStatus.FAILED and refused.output is None
    assert "(0018,6011) Sequence of Ultrasound Regions is absent" in refused.reason and "box=" in refused.reason
    with pytest.raises(DeidentificationError) as caught:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            kept_area(echolab.open(source), KeepArea.REGIONS, None)
    assert isinstance(caught.value, EcholabError) and str(source) in str(caught.value)
    (line,) = [json.loads(x) for x in (tmp_path / "out" / AUDIT_FILE).read_text().splitlines()]
    assert line["status"] == "failed" and "(0018,6011)" in line["reason"] and source.name not in line["reason"]

    (done,) = deidentify([source], tmp_path / "out", salt=SALT, workers=1, box=(100, 50, 539, 429))
    assert done.status is DeidStatus.DONE and done.output is not None
    frame = _frames(done.output)[0]
    assert not frame[:50].any() and not frame[430:].any() and not frame[:, :100].any() and not frame[:, 540:].any()
    np.testing.assert_array_equal(frame[50:430, 100:540], _frames(source)[0][50:430, 100:540])
    (outside,) = deidentify([source], tmp_path / "bad-box", salt=SALT, workers=1, box=(0, 0, 640, 480))
    assert outside.status is DeidStatus.FAILED and "0..639" in outside.reason


def test_scan_area_keeps_the_sector_and_the_doppler_and_trace_boxes(tmp_path: Path) -> None:
    source = sample("synthetic-doppler.dcm")  # 2D sector, PW Doppler and ECG regions
    (result,) = deidentify([source], tmp_path, salt=SALT, keep="scan-area", workers=1)
    assert result.status is DeidStatus.DONE and result.output is not None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        echo = echolab.open(source)
        area = kept_area(echo, KeepArea.SCAN_AREA, None)
    kinds = {r.kind for r in echo.regions}
    assert echolab.RegionKind.SPECTRAL_DOPPLER in kinds and echolab.RegionKind.TRACE in kinds
    before, after = _frames(source), _frames(result.output)
    assert np.array_equal(after[:, area.mask], before[:, area.mask]) and not after[:, ~area.mask].any()
    two_d = next(r for r in echo.regions if r.kind is echolab.RegionKind.TWO_D)
    x0, y0, x1, y1 = two_d.clipped_box
    in_box = np.zeros_like(area.mask)
    in_box[y0 : y1 + 1, x0 : x1 + 1] = True
    assert (in_box & ~area.mask).any()  # the corners of the 2D box beside the sector went
    for region in echo.regions:
        if region.kind in (echolab.RegionKind.SPECTRAL_DOPPLER, echolab.RegionKind.TRACE):
            x0, y0, x1, y1 = region.clipped_box
            assert area.mask[y0 : y1 + 1, x0 : x1 + 1].all()
    assert result.audit["area"]["mode"] == "scan-area" and result.audit["area"]["scan_areas"][0]["kind"] == "sector"


def test_the_voluson_sector_only(run: Run, tmp_path: Path) -> None:
    source, _ = _need(run, "Issue164")
    (result,) = deidentify([source], tmp_path, salt=SALT, keep="scan-area", workers=2)
    assert result.status is DeidStatus.DONE and result.output is not None
    after = _frames(result.output)
    assert not after[:, 100:130, 280:330].any()  # the "Voluson S8" label inside the region box, beside the sector
    assert after[:, 300:600, 300:600].any()


@pytest.mark.parametrize(("dates", "code", "modified"), [("keep", "113106", "UNMODIFIED"), ("remove", None, "REMOVED")])
def test_dates_kept_or_removed(run: Run, tmp_path: Path, dates: str, code: str | None, modified: str) -> None:
    source, _ = _need(run, "GREYSCALE_IMAGE")
    (result,) = deidentify([source], tmp_path, salt=SALT, dates=dates, codec="rle", workers=1)
    assert result.status is DeidStatus.DONE and result.output is not None
    ds, original = _read(result.output), _read(source)
    codes = [item.CodeValue for item in ds.DeidentificationMethodCodeSequence]
    assert codes == ["113100", "113101"] + ([code] if code else [])
    assert ds.LongitudinalTemporalInformationModified == modified
    assert ds.file_meta.TransferSyntaxUID == pydicom.uid.RLELossless
    np.testing.assert_array_equal(_frames(result.output)[0, 38:759, 14:1011], _frames(source)[0, 38:759, 14:1011])
    if dates == "keep":
        assert (ds.StudyDate, ds.ContentDate, ds.AcquisitionDateTime) == (
            original.StudyDate,
            original.ContentDate,
            original.AcquisitionDateTime,
        )
    else:
        assert ds.StudyDate == "" and ds.ContentDate == "" and "SeriesDate" not in ds and "StudyTime" in ds
        assert "AcquisitionDateTime" not in ds and original.StudyDate.encode() not in _header_bytes(Path(result.output))
    assert ds.get("PatientBirthDate", "") == ""  # whatever the option


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


# --- the verification and the table -------------------------------------------------------------


def test_the_verification_catches_a_leak(run: Run, tmp_path: Path) -> None:
    source, result = _need(run, "GREYSCALE_IMAGE")
    assert result.output is not None
    clean = Path(result.output)
    name = "ZZZ TEST PATIENTFIVE^NEW^P^"
    assert verify_header(str(clean), "x.dcm", {name: "PatientName"}) == []
    leaky = _read(clean)
    leaky.ImageComments = "seen by ZZZ TEST PATIENTFIVE^NEW^P^"
    leaky.save_as(tmp_path / "leaky.dcm")
    problems = verify_header(str(tmp_path / "leaky.dcm"), "x.dcm", {name: "PatientName"})
    assert any("PatientName is still in ImageComments" in p for p in problems)
    assert all(name not in p for p in problems)  # problems name elements, never values
    # pixels: a file whose banner is still there fails the frame check
    mask = np.zeros((768, 1024), dtype=bool)
    mask[38:759, 14:1011] = True
    assert verify_frames(str(clean), 0, 1, pack_mask(mask), mask.shape) == []
    assert verify_frames(str(source), 0, 1, pack_mask(mask), mask.shape)[0][1] > 1000


def test_the_profile_table() -> None:
    rows = {row.keyword: row for row in BASIC_PROFILE}
    assert len(BASIC_PROFILE) == len({row.tag for row in BASIC_PROFILE}) == 652
    expected = {
        "PatientName": Action.Z,
        "PatientID": Action.Z_D,
        "PatientBirthDate": Action.Z,
        "PatientAddress": Action.X,
        "PatientAge": Action.X,
        "InstitutionName": Action.X_Z_D,
        "InstitutionAddress": Action.X,
        "ReferringPhysicianName": Action.Z,
        "PerformingPhysicianName": Action.X,
        "OperatorsName": Action.X_Z_D,
        "StationName": Action.X_Z_D,
        "DeviceSerialNumber": Action.X_Z_D,
        "AccessionNumber": Action.Z,
        "StudyInstanceUID": Action.U,
        "SeriesInstanceUID": Action.U,
        "SOPInstanceUID": Action.U,
        "ReferencedSOPInstanceUID": Action.U,
        "StudyDate": Action.Z,
        "ImageComments": Action.X,
        "IconImageSequence": Action.X,
        "ReferencedImageSequence": Action.X_Z_U,
    }
    assert {keyword: rows[keyword].action for keyword in expected} == expected
    for row in BASIC_PROFILE:  # keywords and tags agree with pydicom's dictionary where it knows them
        known = pydicom.datadict.keyword_for_tag(row.tag)
        assert known in ("", row.keyword), (hex(row.tag), row.keyword, known)
    assert action_for(0x60023000) is not None and action_for(0x60023000).action is Action.X  # overlay data, any group
    assert action_for(0x00280010) is None  # Rows: not listed, kept
    for keyword in IDENTIFYING_KEYWORDS:  # every identifier echolab knows of is in the table
        assert keyword in rows, keyword


def test_keyed_uids_and_date_shifts() -> None:
    secret, other = Secret.from_salt(SALT), Secret.from_salt("another")
    uid = "1.2.840.113663.1500.1.392075967.3.4.20170302.172457.342"
    assert secret.uid(uid) == secret.uid(uid + "\x00") == Secret.from_salt(SALT.encode()).uid(uid)
    assert secret.uid(uid) != other.uid(uid) and secret.uid(uid) != secret.uid(uid[:-1])
    assert all(UID_PATTERN.fullmatch(secret.uid(f"1.2.{i}")) and len(secret.uid(f"1.2.{i}")) <= 44 for i in range(200))
    shifts = {secret.date_shift(f"patient {i}") for i in range(200)}
    assert min(shifts) >= 365 and max(shifts) <= 3652 and len(shifts) > 150
    with pytest.raises(ValueError, match="salt"):
        Secret.from_salt("")


def test_options_are_checked(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="keep='sector'"):
        deidentify([package_file("OBXXXX1A.dcm")], tmp_path, salt=SALT, keep="sector")
    with pytest.raises(FileNotFoundError):
        deidentify([tmp_path / "missing.dcm"], tmp_path, salt=SALT)


@pytest.fixture(autouse=True)
def _no_stray_partials(tmp_path: Path) -> Iterator[None]:
    yield
    assert not list(tmp_path.rglob("*.partial"))
