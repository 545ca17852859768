"""Shared fixtures: the real ultrasound files the suite runs over.

Three sources: pydicom's bundled US examples, the ``pydicom-data`` package, and the folder
``../shared/data/ultrasound`` beside the checkout (or ``$ECHOLAB_TEST_DATA``) with its
``MANIFEST.tsv``. Tests over the shared folder are skipped cleanly when it is absent.
"""

from __future__ import annotations

import csv
import os
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from pydicom.data import get_testdata_file

REPO = Path(__file__).resolve().parents[1]


#: Dask's default dashboard port, which Jupyter servers, dashboards and other tools often hold.
BUSY_PORT = 8787


@pytest.fixture(scope="session", autouse=True)
def busy_port_8787() -> Iterator[list[tuple[str, int]]]:
    """Hold port 8787 for the whole session, as another program on a user's machine would.

    Every test then proves that the Dask clusters echolab starts need no fixed port. 0.0.0.0 is
    tried first (it covers 127.0.0.1 too: Linux then refuses a bind to 127.0.0.1:8787), then
    127.0.0.1 alone; a port some other program already holds is left to it. Yields the
    ``(host, port)`` pairs held by this fixture.
    """
    held: list[socket.socket] = []
    for host in ("0.0.0.0", "127.0.0.1"):
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            listener.bind((host, BUSY_PORT))
            listener.listen()
        except OSError:  # taken already (by another program, or by the 0.0.0.0 socket above)
            listener.close()
            continue
        held.append(listener)
    try:
        yield [listener.getsockname() for listener in held]
    finally:
        for listener in held:
            listener.close()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("echolab fuzzing")
    group.addoption("--fuzz-cases", type=int, default=None, help="mutated files to try (default 200)")
    group.addoption("--fuzz-seed", type=int, default=20261124, help="seed of the mutations")
    group.addoption(
        "--fuzz-kind", choices=["bytes", "dicom", "both"], default="both", help="byte or DICOM-aware mutations"
    )
    archive = parser.getgroup("echolab archives")
    archive.addoption(
        "--convert-pairs", type=int, default=2, help="staggered pairs of converts into one archive (default 2)"
    )


SHARED = Path(os.environ.get("ECHOLAB_TEST_DATA", REPO.parent / "shared" / "data" / "ultrasound"))

#: Ultrasound files of pydicom and pydicom-data (the latter is a test dependency).
PACKAGE_FILES = [
    "examples_ybr_color.dcm",
    "examples_palette.dcm",
    "examples_rgb_color.dcm",
    "examples_jpeg2k.dcm",
    "ExplVR_BigEnd.dcm",
    "US1_UNCI.dcm",
    "US1_UNCR.dcm",
    "US1_J2KI.dcm",
    "US1_J2KR.dcm",
    "OBXXXX1A.dcm",
    "OBXXXX1A_expb.dcm",
    "OBXXXX1A_2frame.dcm",
    "OBXXXX1A_expb_2frame.dcm",
    "OBXXXX1A_rle.dcm",
    "OBXXXX1A_rle_2frame.dcm",
    "gdcm-US-ALOKA-16.dcm",
    "gdcm-US-ALOKA-16_big.dcm",
    "color3d_jpeg_baseline.dcm",
    "JPGLosslessP14SV1_1s_1f_8b.dcm",
    "color-pl.dcm",
    "color-px.dcm",
]


def package_file(name: str) -> str:
    path = get_testdata_file(name, download=False)
    if path is None:
        pytest.skip(f"{name} is not installed (pip install pydicom-data)")
    return str(path)


def manifest() -> list[dict[str, str]]:
    """Rows of ``MANIFEST.tsv`` for files present in the shared folder (empty when absent)."""
    path = SHARED / "MANIFEST.tsv"
    if not path.is_file():
        return []
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    return [row for row in rows if (SHARED / row["filename"]).is_file()]


_SKIP_SHARED = pytest.mark.skip(reason=f"shared test data not found at {SHARED}")


def shared_params() -> list:
    rows = manifest()
    if not rows:
        return [pytest.param(None, id="shared-data-absent", marks=_SKIP_SHARED)]
    return [pytest.param(row, id=row["filename"]) for row in rows]


def all_file_params() -> list:
    """Every real file: ``(path_or_name, manifest_row_or_None)``; package files resolved lazily."""
    params = [pytest.param(("package", name), id=name) for name in PACKAGE_FILES]
    rows = manifest()
    if rows:
        params += [pytest.param(("shared", row["filename"]), id=row["filename"]) for row in rows]
    else:
        params.append(pytest.param(("shared", None), id="shared-data-absent", marks=_SKIP_SHARED))
    return params


def resolve(spec: tuple[str, str]) -> str:
    kind, name = spec
    return package_file(name) if kind == "package" else str(SHARED / name)


#: Shared files that no installed decoder can read, by design (a clear error is the answer).
UNDECODABLE = {"dcm4che__will-jxl.dcm"}


@pytest.fixture(scope="session")
def doppler_sample(tmp_path_factory: pytest.TempPathFactory):
    """A generated 2D + PW Doppler + ECG file with the usual negative Delta Y, and its truth."""
    from echolab.samples.synthetic import write_doppler_sample

    path = tmp_path_factory.mktemp("synthetic") / "doppler.dcm"
    return str(path), write_doppler_sample(path)


@pytest.fixture(scope="session")
def doppler_sample_positive_down(tmp_path_factory: pytest.TempPathFactory):
    """The same screen with a positive Delta Y (positive velocities below the baseline, as Toshiba)."""
    from echolab.samples.synthetic import write_doppler_sample

    path = tmp_path_factory.mktemp("synthetic") / "doppler-down.dcm"
    return str(path), write_doppler_sample(path, seed=3, positive_down=True, heart_rate=58.0)


@pytest.fixture(scope="session")
def mmode_sample(tmp_path_factory: pytest.TempPathFactory):
    """A generated 2D + M-mode file and its truth."""
    from echolab.samples.synthetic import write_mmode_sample

    path = tmp_path_factory.mktemp("synthetic") / "mmode.dcm"
    return str(path), write_mmode_sample(path)


def shared_file(name: str) -> str:
    """Path of one file of the shared folder, skipping the test when it is absent."""
    path = SHARED / name
    if not path.is_file():
        pytest.skip(f"{name} not found in {SHARED}")
    return str(path)
