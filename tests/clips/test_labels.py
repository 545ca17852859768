"""Clips labelled by their study's report: each cine's clip gets the selected values of its study."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from echolab import clips
from echolab.errors import EcholabError
from echolab.samples.synthetic.reports import write_report_study
from echolab.studies import catalogue


@pytest.fixture(scope="module")
def exams(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """Two studies in two report styles (lengths in cm in one, mm in the other), their cines as clips."""
    folder = tmp_path_factory.mktemp("exams")
    write_report_study(folder / "a", style="comprehensive", seed=3)
    write_report_study(folder / "b", style="legacy", seed=4)
    out = tmp_path_factory.mktemp("clips") / "clips.zarr"
    cines = [str(folder / name / "cine.dcm") for name in ("a", "b")]
    clips.export(cines, out, spacing=0.1, size=48, fps=10, workers=0, salt="pepper", progress=False)
    return folder, out


def test_each_clip_gets_its_studys_selected_values(exams: tuple[Path, Path]) -> None:
    folder, out = exams
    found = catalogue(folder)
    dataset = clips.ClipDataset(
        out,
        labels=found.measurements,
        targets=["EF", "LVIDd", "TAPSE", "AR PHT"],
        instances=found.instances,
        salt="pepper",
        units={"LVIDd": "cm", "TAPSE": "mm"},
    )
    assert len(dataset) == 2
    by_study = {}
    for item in (dataset[0], dataset[1]):
        ef, lvidd, tapse, missing = item["label"]
        assert item["label"].dtype == np.float64
        assert ef == pytest.approx(66.66, abs=0.05)
        assert lvidd == pytest.approx(5.0, abs=0.01)  # the first selected LVIDd: the M-mode one, in cm
        assert tapse == pytest.approx(22.0)  # 2.2 cm in one report, 22 mm in the other: asked in mm
        assert math.isnan(missing)  # no study measured it
        by_study[item["name"]] = lvidd
    assert len(by_study) == 2


def test_units_must_be_said_when_reports_differ(exams: tuple[Path, Path]) -> None:
    folder, out = exams
    found = catalogue(folder)
    with pytest.raises(EcholabError, match=r"'LVIDd' in cm, mm: say which unit"):
        clips.ClipDataset(out, labels=found.measurements, targets=["LVIDd"], instances=found.instances, salt="pepper")
    with pytest.raises(EcholabError, match="instances=catalogue.instances"):
        clips.ClipDataset(out, labels=found.measurements, targets=["EF"])


def test_another_salt_finds_no_clip(exams: tuple[Path, Path]) -> None:
    folder, out = exams
    found = catalogue(folder)
    dataset = clips.ClipDataset(out, labels=found.measurements, targets=["EF"], instances=found.instances, salt="x")
    assert len(dataset) == 0
