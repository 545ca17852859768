"""The catalogue of a mixed folder: every instance's kind, and the measurements joined to files."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest
from pydicom.data import get_testdata_file

from echolab.cli import main
from echolab.codes import InstanceKind
from echolab.reports import COLUMNS
from echolab.samples.synthetic.reports import ReportTruth, write_report_study
from echolab.studies import INSTANCE_COLUMNS, catalogue


@pytest.fixture(scope="module")
def mixed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, ReportTruth]]:
    """Two exams (two studies, two report styles), pydicom's real files of other kinds, a text file."""
    folder = tmp_path_factory.mktemp("mixed")
    exams = {
        "legacy": write_report_study(folder / "exam1", style="legacy", seed=1),
        "3d": write_report_study(folder / "exam2", style="3d", seed=2),
    }
    (folder / "other").mkdir()
    for name in ("OBXXXX1A.dcm", "color3d_jpeg_baseline.dcm", "test-SR.dcm"):
        source = get_testdata_file(name, download=False)
        if source is not None:
            shutil.copy(source, folder / "other" / name)
    (folder / "other" / "broken.dcm").write_bytes(b"\0" * 128 + b"DICM" + b"\x02\x00")
    return folder, exams


def test_every_instance_gets_its_kind(mixed: tuple[Path, dict[str, ReportTruth]]) -> None:
    folder, exams = mixed
    found = catalogue(folder)
    instances = found.instances.set_index("path")
    assert list(found.instances.columns) == list(INSTANCE_COLUMNS)
    for exam in ("exam1", "exam2"):
        assert instances.loc[f"{exam}/mmode.dcm", "kind"] == InstanceKind.M_MODE  # 2D + M-mode: M-mode
        assert instances.loc[f"{exam}/doppler.dcm", "kind"] == InstanceKind.PW_DOPPLER  # 2D + PW: PW Doppler
        assert instances.loc[f"{exam}/cine.dcm", "kind"] == InstanceKind.TWO_D_CINE
        assert instances.loc[f"{exam}/report.dcm", "kind"] == InstanceKind.REPORT
        cine = instances.loc[f"{exam}/cine.dcm"]
        assert cine["frames"] == 60 and cine["duration"] == pytest.approx(60 * 0.04, rel=0.02)
        assert cine["heart_rate"] == 75.0 and cine["manufacturer"] == "echolab"
    if "other/OBXXXX1A.dcm" in instances.index:  # a Philips frame: 2D and an ECG trace
        assert instances.loc["other/OBXXXX1A.dcm", "kind"] == InstanceKind.TWO_D_STILL
        assert instances.loc["other/color3d_jpeg_baseline.dcm", "kind"] == InstanceKind.TWO_D_CINE
        assert instances.loc["other/test-SR.dcm", "kind"] == InstanceKind.REPORT
    assert instances.loc["other/broken.dcm", "error"] != ""
    studies = found.instances.groupby("study_instance_uid")["path"].apply(set)
    assert {exams["legacy"].study_instance_uid, exams["3d"].study_instance_uid} <= set(studies.index)
    assert studies[exams["legacy"].study_instance_uid] == {
        f"exam1/{n}.dcm" for n in ("mmode", "doppler", "cine", "report")
    }


def test_measurements_are_joined_by_study_and_resolved_to_files(mixed: tuple[Path, dict[str, ReportTruth]]) -> None:
    folder, exams = mixed
    table = catalogue(folder).measurements
    assert set(COLUMNS) <= set(table.columns)
    for exam, truth in (("exam1", exams["legacy"]), ("exam2", exams["3d"])):
        rows = table[table["report_path"] == f"{exam}/report.dcm"]
        assert len(rows) == len(truth.measurements)
        assert set(rows["study_instance_uid"]) == {truth.study_instance_uid}
        assert set(rows["report_sop_instance_uid"]) == {truth.sop_instance_uid}
        calipered = rows[rows["graphic_data"].notna()]
        assert set(calipered["image_path"]) == {f"{exam}/mmode.dcm", f"{exam}/doppler.dcm", f"{exam}/cine.dcm"}
        assert set(calipered["image_kind"]) == {"M-mode", "PW Doppler", "2D cine"}
        assert rows[rows["graphic_data"].isna()]["image_path"].isna().all()


def test_the_command_writes_parquet_or_csv(mixed: tuple[Path, dict[str, ReportTruth]], tmp_path: Path) -> None:
    folder, exams = mixed
    assert main(["catalogue", str(folder), "--out", str(tmp_path / "parquet")]) == 0
    instances = pd.read_parquet(tmp_path / "parquet" / "instances.parquet")
    measurements = pd.read_parquet(tmp_path / "parquet" / "measurements.parquet")
    assert (instances["kind"] == "report").sum() >= 2
    legacy = measurements[measurements["report_path"] == "exam1/report.dcm"]
    e_wave = legacy[(legacy["name"] == "E") & legacy["selected"]].iloc[0]
    assert e_wave["value"] == pytest.approx(0.8) and e_wave["unit"] == "m/s"
    first = legacy[legacy["graphic_data"].notna()].iloc[0]["graphic_data"]
    assert len(first) == 2 and len(first[0]) == 2  # [[column, row], [column, row]]
    assert main(["catalogue", str(folder), "--out", str(tmp_path / "csv"), "--csv"]) == 0
    again = pd.read_csv(tmp_path / "csv" / "measurements.csv")
    assert len(again) == len(measurements) and "graphic_data" in again
