"""Inventory of a folder from headers only: every file, unreadable ones with their reason."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest

from echolab.data import sample
from echolab.inventory import find_files, inventory_row, scan, write_csv
from echolab.pixels import PixelSource

from .conftest import SHARED, manifest, package_file


@pytest.fixture(scope="module")
def mixed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Good files (one without suffix, in a subfolder), a truncated one, garbage named .dcm, a text file."""
    root = tmp_path_factory.mktemp("mixed")
    shutil.copy(package_file("color3d_jpeg_baseline.dcm"), root / "cine.dcm")
    (root / "sub").mkdir()
    shutil.copy(sample("synthetic-doppler.dcm"), root / "sub" / "IMG0001")
    (root / "truncated.dcm").write_bytes((root / "cine.dcm").read_bytes()[:700])
    (root / "garbage.dcm").write_bytes(b"\x00" * 128 + b"DICM" + b"\xff" * 64)
    (root / "readme.txt").write_text("not dicom")
    return root


def test_find_files_by_content(mixed: Path) -> None:
    names = [Path(p).relative_to(mixed).as_posix() for p in find_files([mixed])]
    assert names == ["cine.dcm", "garbage.dcm", "sub/IMG0001", "truncated.dcm"]


@pytest.mark.parametrize("workers", [1, 2])
def test_scan_lists_every_file_with_its_header_or_reason(mixed: Path, workers: int) -> None:
    rows = {row.path: row for row in scan([str(mixed)], workers=workers)}
    assert sorted(rows) == ["cine.dcm", "garbage.dcm", "sub/IMG0001", "truncated.dcm"]
    cine = rows["cine.dcm"]
    assert (cine.frames, cine.timing_source, cine.region_kinds, cine.region_units) == (
        120,
        "(0018,1063) Frame Time",
        "2D",
        "cm x cm",
    )
    assert cine.frame_rate == pytest.approx(30.0, rel=1e-3) and cine.error == ""
    doppler = rows["sub/IMG0001"]
    assert doppler.region_kinds == "2D;spectral Doppler;trace" and doppler.heart_rate == 72.0
    assert doppler.region_units == "cm x cm;s x cm/s;s x pixel"
    assert rows["garbage.dcm"].error and rows["truncated.dcm"].error
    assert "header" in rows["garbage.dcm"].error


def test_scan_reads_headers_only(mixed: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("scan decoded pixels")

    monkeypatch.setattr(PixelSource, "decode_frame", refuse)
    monkeypatch.setattr(PixelSource, "read", refuse)
    rows = list(scan([str(mixed)], workers=1))
    assert sum(1 for r in rows if not r.error) == 2


def test_csv_has_one_line_per_file_and_no_identifiers(tmp_path: Path) -> None:
    if not manifest():
        pytest.skip(f"shared test data not found at {SHARED}")
    rows = list(scan([str(SHARED)]))
    count = write_csv(rows, tmp_path / "inventory.csv")
    with (tmp_path / "inventory.csv").open() as handle:
        lines = list(csv.DictReader(handle))
    assert count == len(lines) == len(manifest())
    text = (tmp_path / "inventory.csv").read_text()
    for secret in ("Echo^Demo", "BOGALUSA", "anonymous"):
        assert secret not in text
    by_name = {line["path"]: line for line in lines}
    assert by_name["godicom__I_000038.dcm"]["region_kinds"] == "2D;colour flow;spectral Doppler"
    assert by_name["dcm4che__will-jxl.dcm"]["error"] == ""  # headers only: an undecodable syntax still scans


def test_missing_file_is_a_row_not_an_exception(tmp_path: Path) -> None:
    row = inventory_row(str(tmp_path / "gone.dcm"))
    assert row.error.startswith("cannot read the file")
