"""De-identified echo reports: measurements and coordinates stay, people and free text go, and
the report still points at its de-identified images."""

from __future__ import annotations

from pathlib import Path

import pydicom
import pytest

from echolab.deid import DeidStatus, deidentify
from echolab.deid.structured import verify_report
from echolab.reports import read, remeasure
from echolab.samples.synthetic.reports import ReportTruth, write_report_study
from echolab.studies import catalogue

SAME = ["position", "code", "scheme", "name", "value", "unit", "finding_site", "image_mode", "selection", "selected"]


@pytest.fixture(scope="module")
def shared(tmp_path_factory: pytest.TempPathFactory) -> tuple[ReportTruth, Path]:
    exam = write_report_study(tmp_path_factory.mktemp("exam"), style="comprehensive")
    out = tmp_path_factory.mktemp("shared")
    results = deidentify([str(Path(exam.path).parent)], out, salt="a long secret", workers=1)
    assert [r.status for r in results] == [DeidStatus.DONE] * 4, [r.reason for r in results]
    return exam, out


def _report(out: Path) -> Path:
    found = catalogue(out).instances
    return out / found[found["kind"] == "report"]["path"].iloc[0]


def test_measurements_and_calipers_stay(shared: tuple[ReportTruth, Path]) -> None:
    exam, out = shared
    before, after = read(exam.path).measurements, read(_report(out)).measurements
    assert after[SAME].equals(before[SAME])
    assert list(after["graphic_data"]) == list(before["graphic_data"])
    assert read(_report(out)).patient == read(exam.path).patient


def test_the_report_still_resolves_its_de_identified_images(shared: tuple[ReportTruth, Path]) -> None:
    exam, out = shared
    table = remeasure(_report(out), out)
    calipered = table[table["graphic_data"].notna()]
    assert set(calipered["image_sop_instance_uid"]).isdisjoint(exam.image_uids.values())  # UIDs replaced
    assert calipered["image_path"].notna().all()
    assert (abs(calipered["remeasured"] - calipered["value"]) <= 0.01 * calipered["value"].abs()).all()
    found = catalogue(out).measurements
    assert set(found.loc[found["graphic_data"].notna(), "image_kind"]) == {"M-mode", "PW Doppler", "2D cine"}


def test_people_free_text_and_dates(shared: tuple[ReportTruth, Path]) -> None:
    exam, out = shared
    path = _report(out)
    data = path.read_bytes()
    for secret in (b"Jane", b"555-0100", b"Sonographer", b"Cardiologist", b"Referrer", b"19700101", b"SYN0001"):
        assert secret not in data, secret
    ds = pydicom.dcmread(path)
    image = pydicom.dcmread(next(p for p in out.rglob("*.dcm") if p != path), stop_before_pixels=True)
    assert ds.StudyDate == image.StudyDate != "20260101"  # shifted, by the same days as the images'
    assert ds.StudyInstanceUID == image.StudyInstanceUID
    codes = [item.CodeValue for item in ds.DeidentificationMethodCodeSequence]
    assert "113104" in codes and "113101" not in codes  # Clean Structured Content; no pixels to claim clean
    assert "BurnedInAnnotation" not in ds
    assert verify_report(str(path)) == []


def test_a_text_left_in_a_report_fails_the_verification(shared: tuple[ReportTruth, Path], tmp_path: Path) -> None:
    _, out = shared
    ds = pydicom.dcmread(_report(out))
    ds.ContentSequence[-1].TextValue = "seen by Dr Who"
    ds.save_as(tmp_path / "leaky.dcm")
    assert verify_report(str(tmp_path / "leaky.dcm")) == [
        f"content item 1.{len(ds.ContentSequence)} (TEXT) holds a value that is not the dummy"
    ]
