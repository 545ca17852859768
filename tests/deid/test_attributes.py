"""The header cleaned by PS3.15 E.1-1 (echolab.deid.attributes): identifiers gone, keyed UIDs, dates, the
de-identification recorded."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pydicom
import pytest
from pydicom.dataset import Dataset

from echolab.conventions import IDENTIFYING_KEYWORDS
from echolab.deid import (
    AUDIT_FILE,
    DeidStatus,
    Secret,
    deidentify,
)

from .conftest import MORE_IDENTIFYING, SALT, Run, _frames, _need, _read

#: pydicom warns of over-long values in the inputs (a 122-character Reason for Study) when they are read
pytestmark = pytest.mark.filterwarnings("ignore:The value length")


def _days(date: str) -> int:
    import datetime as dt

    return dt.date(int(date[:4]), int(date[4:6]), int(date[6:8])).toordinal()


def _header_bytes(path: Path) -> bytes:
    with open(path, "rb") as handle:
        pydicom.dcmread(handle, stop_before_pixels=True)
        end = handle.tell()
        handle.seek(0)
        return handle.read(end)


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


UID_PATTERN = re.compile(r"2\.25\.(0|[1-9][0-9]*)")


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
