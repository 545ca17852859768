"""Shared by the tests of this folder (split from test_deid.py)."""

from __future__ import annotations

import hashlib
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
from echolab.deid import (
    DeidResult,
    deidentify,
)

from ..conftest import SHARED

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
    """One de-identification run over the real files, shared by the tests of this folder."""

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


@pytest.fixture(scope="package")
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


@pytest.fixture(autouse=True)
def _no_stray_partials(tmp_path: Path) -> Iterator[None]:
    yield
    assert not list(tmp_path.rglob("*.partial"))
