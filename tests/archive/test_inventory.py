"""Inventory of a folder from headers only: every file, unreadable ones with their reason."""

from __future__ import annotations

import csv
import shutil
import warnings
from pathlib import Path

import pydicom
import pytest

import echolab
from echolab import inventory
from echolab.archive.inventory import InventoryRow, find_files, inventory_row, scan, write_csv
from echolab.reading.frame_source import PixelSource
from echolab.reading.header import read_header
from echolab.samples import sample

from .. import hostile
from ..conftest import SHARED, UNDECODABLE, all_file_params, manifest, package_file, resolve, shared_file
from ..make import write_file


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
    assert by_name["dcm4che__will-jxl.dcm"]["problems"].startswith("no-decoder: no decoder exists for (0002,0010)")
    assert {name for name, line in by_name.items() if line["problems"]} == UNDECODABLE


def test_missing_file_is_a_row_not_an_exception(tmp_path: Path) -> None:
    row = inventory_row(str(tmp_path / "gone.dcm"))
    assert row.error.startswith("cannot read the file")


def _refuse_decoding(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("scan decoded pixels")

    monkeypatch.setattr(PixelSource, "decode_frame", refuse)
    monkeypatch.setattr(PixelSource, "read", refuse)


def _rules(row: object) -> list[str]:
    return [problem.rule for problem in row.problems]  # type: ignore[attr-defined]


def _whole_frames_before(path: str, cut: int) -> int:
    """Frames of the complete file whose bytes all lie before ``cut`` (from its offset table)."""
    spans = echolab.open(path).pixels.spans
    assert spans is not None
    return sum(1 for offset, length in spans if offset + length <= cut)


def test_a_cine_cut_short_is_flagged_from_its_headers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`head -c 400000 godicom__I_000031.dcm`: 64 frames promised, the cut inside frame 10."""
    source = shared_file("godicom__I_000031.dcm")
    whole = _whole_frames_before(source, 400_000)
    assert whole == 9
    (tmp_path / "half.dcm").write_bytes(Path(source).read_bytes()[:400_000])
    (tmp_path / "header-only.dcm").write_bytes(Path(source).read_bytes()[:3000])
    _refuse_decoding(monkeypatch)
    rows = {row.path: row for row in scan([str(tmp_path)], workers=1)}
    half, header_only = rows["half.dcm"], rows["header-only.dcm"]
    assert half.error == "" and half.frames == 64 and _rules(half) == ["truncated-pixel-data"]
    assert str(half.problems[0]).startswith(
        f"truncated-pixel-data: (7FE0,0010) Pixel Data holds {whole} of 64 frames ((0028,0008) Number of Frames)"
    )
    assert "400000" in half.problems[0].message
    assert header_only.error == "" and _rules(header_only) == ["no-pixel-data"]
    assert "3000" in header_only.problems[0].message


def test_a_syntax_no_installed_package_decodes_is_flagged(monkeypatch: pytest.MonkeyPatch) -> None:
    path = shared_file("dcm4che__will-jxl.dcm")
    _refuse_decoding(monkeypatch)
    row = inventory_row(path)
    assert row.error == "" and _rules(row) == ["no-decoder"]
    assert "(0002,0010) Transfer Syntax UID = 1.2.840.10008.1.2.4.1" in row.problems[0].message


@pytest.fixture(scope="module")
def short_of_their_headers(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Package files cut short or promising more frames than they hold, and a healthy one."""
    root = tmp_path_factory.mktemp("short")
    cine = Path(package_file("color3d_jpeg_baseline.dcm")).read_bytes()  # 120 JPEG frames
    (root / "healthy.dcm").write_bytes(cine)
    (root / "jpeg-half.dcm").write_bytes(cine[: len(cine) // 2])
    pixel_start = read_header(root / "healthy.dcm").pixel_element
    assert pixel_start is not None
    (root / "jpeg-header-only.dcm").write_bytes(cine[: pixel_start.value_offset - 12])  # before the (7FE0,0010) tag
    native = Path(package_file("OBXXXX1A_2frame.dcm")).read_bytes()  # 2 native frames
    (root / "native-cut.dcm").write_bytes(native[:-1000])
    promising = write_file(root / "native-promising.dcm", rows=48, columns=64, frames=2)
    ds = pydicom.dcmread(promising)
    ds.NumberOfFrames = 50  # the two frames are complete; the header promises 48 more
    ds.save_as(promising)
    return root


def test_frames_short_of_the_header_are_flagged(short_of_their_headers: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = short_of_their_headers
    _refuse_decoding(monkeypatch)
    rows = {row.path: row for row in scan([str(root)], workers=1)}
    assert {path: _rules(row) for path, row in rows.items()} == {
        "healthy.dcm": [],
        "jpeg-half.dcm": ["truncated-pixel-data"],
        "jpeg-header-only.dcm": ["no-pixel-data"],
        "native-cut.dcm": ["truncated-pixel-data"],
        "native-promising.dcm": ["missing-frames"],
    }
    half = _whole_frames_before(str(root / "healthy.dcm"), (root / "jpeg-half.dcm").stat().st_size)
    assert f"holds {half} of 120 frames" in rows["jpeg-half.dcm"].problems[0].message
    assert "holds 1 of 2 frames" in rows["native-cut.dcm"].problems[0].message
    assert "holds 2 of 50 frames" in rows["native-promising.dcm"].problems[0].message
    assert all(not row.error for row in rows.values())
    # the CSV column: "rule: message", several joined by " | "
    write_csv(rows.values(), root.parent / "short.csv")
    with (root.parent / "short.csv").open() as handle:
        by_path = {line["path"]: line for line in csv.DictReader(handle)}
    assert by_path["native-cut.dcm"]["problems"] == str(rows["native-cut.dcm"].problems[0])
    assert by_path["healthy.dcm"]["problems"] == ""


def test_a_frame_cut_in_half_is_not_a_frame(short_of_their_headers: Path) -> None:
    """The frames the image offers after a cut are the whole ones: the first and last decode."""
    import warnings

    root = short_of_their_headers
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", echolab.EcholabWarning)
        image = echolab.open(root / "jpeg-half.dcm").image()
    cut = (root / "jpeg-half.dcm").stat().st_size
    assert image.sizes["time"] == _whole_frames_before(str(root / "healthy.dcm"), cut)
    complete = echolab.open(root / "healthy.dcm").image()
    last = image.sizes["time"] - 1
    assert (image[last].values == complete[last].values).all()


@pytest.mark.parametrize("has_bot", [True, False])
def test_a_single_frame_cut_anywhere_has_no_whole_frame(tmp_path: Path, has_bot: bool) -> None:
    """One frame in two fragments, cut after the first: that fragment alone is not the frame."""
    from pydicom.encaps import encapsulate

    ds = pydicom.dcmread(package_file("JPGLosslessP14SV1_1s_1f_8b.dcm"))
    frame = next(pydicom.encaps.generate_frames(ds.PixelData, number_of_frames=1))
    ds.PixelData = encapsulate([frame], fragments_per_frame=2, has_bot=has_bot)
    ds.save_as(tmp_path / "whole.dcm")
    data = (tmp_path / "whole.dcm").read_bytes()
    (tmp_path / "cut.dcm").write_bytes(data[: data.rindex(b"\xfe\xff\x00\xe0")])  # before the second item
    assert _rules(inventory_row(str(tmp_path / "whole.dcm"))) == []
    row = inventory_row(str(tmp_path / "cut.dcm"))
    assert _rules(row) == ["truncated-pixel-data"] and "holds 0 of 1 frame " in row.problems[0].message
    no_frame = r"cut.dcm: not one whole frame: \(7FE0,0010\) Pixel Data"
    with pytest.raises(echolab.PixelDataError, match=no_frame), pytest.warns(echolab.PixelDataWarning):
        echolab.open(tmp_path / "cut.dcm").image()


# --- hostile folders (issue 19) -------------------------------------------------------------------


def test_a_named_pipe_in_a_folder_is_never_opened(tmp_path: Path) -> None:
    """A FIFO in a scanned folder hung `scan` and `convert` (both list files with find_files):
    only regular files are listed, and a FIFO given by name is refused without blocking."""
    import os
    import subprocess
    import sys

    from ..conftest import REPO

    shutil.copy(sample("synthetic-mmode.dcm"), tmp_path / "a.dcm")
    os.mkfifo(tmp_path / "pipe.dcm")
    os.mkfifo(tmp_path / "pipe")
    done = subprocess.run(
        [sys.executable, "-m", "echolab.cli", "scan", str(tmp_path)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,  # the old code blocked here forever
    )
    assert done.returncode == 0, done.stderr
    assert "1 DICOM file(s), 0 unreadable" in done.stdout
    assert [Path(p).name for p in find_files([tmp_path])] == ["a.dcm"]
    with pytest.raises(echolab.NotDicomError, match=r"pipe.dcm: is a named pipe \(FIFO\), not a regular file"):
        echolab.open(tmp_path / "pipe.dcm")
    row = inventory_row(str(tmp_path / "pipe.dcm"))
    assert "named pipe" in row.error


def test_scan_survives_a_worker_process_killed_by_a_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A file that kills the process reading it (SIGBUS from a file cut while mapped, a crashing
    decoder) ended `scan` in BrokenProcessPool: it is a row with the reason, the others are read."""
    import multiprocessing
    import os
    import signal

    import echolab.archive.inventory as inventory

    if multiprocessing.get_start_method() != "fork":
        pytest.skip("the crash is planted in forked worker processes")
    for index in range(12):
        shutil.copy(sample("synthetic-mmode.dcm"), tmp_path / f"{index:02d}.dcm")
    real = inventory.inventory_row

    def crash_on_05(path: str, root: str | None = None) -> inventory.InventoryRow:
        if path.endswith("05.dcm"):
            os.kill(os.getpid(), signal.SIGKILL)  # as SIGBUS would, without a faulthandler dump
        return real(path, root)

    monkeypatch.setattr(inventory, "inventory_row", crash_on_05)
    rows = list(scan([tmp_path], workers=2))
    assert [row.path for row in rows] == [f"{index:02d}.dcm" for index in range(12)]
    assert [row.path for row in rows if row.error] == ["05.dcm"]
    assert rows[5].error == inventory.CRASHED and rows[5].size_bytes > 0
    assert all(row.frames == rows[0].frames for row in rows if not row.error)


# --- fast where users wait (issue 18): headers read without pydicom, the same rows ----------------


def _both_rows(path: str) -> tuple[InventoryRow | None, InventoryRow]:
    """The row from the header read without pydicom (None when that reader leaves the file to
    pydicom) and the row from ``echolab.open`` (pydicom's reading of the header)."""
    name = Path(path).name
    return inventory._quick_row(path, name), inventory._full_row(path, name)


@pytest.mark.parametrize("spec", all_file_params())
def test_the_header_read_without_pydicom_gives_the_rows_of_echolab_open(spec: tuple[str, str]) -> None:
    """Every real file: the fast reader's row equals the row built from ``echolab.open`` field
    by field (UID, sizes, frames, frame rate and timing source, heart rate, region kinds and
    units, syntax, problems, warnings); every file of the shared folder is read the fast way."""
    quick, full = _both_rows(resolve(spec))
    if quick is None:
        assert spec[0] == "package", f"{spec[1]}: the shared folder's files are all read without pydicom"
        return
    assert quick == full


def test_fuzzed_files_read_without_pydicom_give_the_same_rows(tmp_path: Path) -> None:
    """The fast reader reads a mutated file exactly as pydicom does, or leaves it to pydicom:
    never a different row (mutations of every kind the fuzzer makes, DICOM-aware ones too)."""
    from ..fuzz import cases

    quick_count = 0
    for case in cases(400, seed=18):
        data, what = case.build()
        path = tmp_path / f"{case.source}-{case.seed}.dcm"
        path.write_bytes(data)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            quick, full = _both_rows(str(path))
        if quick is not None:
            quick_count += 1
            assert quick == full, f"{case} ({what})"
        path.unlink()
    assert quick_count > 50  # the comparison ran on files of every source


@pytest.mark.parametrize("name", sorted(set(hostile.CASES) - {"100000-regions"}))
def test_crafted_files_read_without_pydicom_give_the_same_rows(tmp_path: Path, name: str) -> None:
    path = hostile.CASES[name](tmp_path / f"{name}.dcm")
    quick, full = _both_rows(path)
    assert quick is None or quick == full


_IMPORTS = """
import sys
from echolab.cli import main

status = main(["scan", sys.argv[1], "--csv", sys.argv[2]])
heavy = ("xarray", "dask", "matplotlib", "pandas", "scipy", "pydicom")
print(status, sorted(name for name in heavy if name in sys.modules))
"""


def test_scan_imports_neither_xarray_dask_matplotlib_nor_pydicom(tmp_path: Path) -> None:
    """`echolab scan` of well-formed files starts no heavy library: not xarray, dask,
    matplotlib, pandas or scipy (none is needed), nor pydicom (its headers read without it)."""
    import subprocess
    import sys

    from ..conftest import REPO

    folder = tmp_path / "folder"
    folder.mkdir()
    for name in ("synthetic-doppler.dcm", "synthetic-mmode.dcm"):
        shutil.copy(sample(name), folder / name)
    shutil.copy(package_file("color3d_jpeg_baseline.dcm"), folder / "IMG0001")  # no suffix: told by reading
    done = subprocess.run(
        [sys.executable, "-c", _IMPORTS, str(folder), str(tmp_path / "out.csv")],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-1] == "0 []"
    with (tmp_path / "out.csv").open() as handle:
        assert sorted(line["path"] for line in csv.DictReader(handle)) == [
            "IMG0001",
            "synthetic-doppler.dcm",
            "synthetic-mmode.dcm",
        ]


def test_a_file_without_the_dcm_suffix_is_opened_once(mixed: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Files of other names are told DICOM by reading their header: only one the header reader
    leaves to pydicom is sniffed on its own (here none; readme.txt is not DICOM)."""
    sniffed: list[str] = []
    real = inventory.looks_like_dicom

    def counting(path: str) -> bool:
        sniffed.append(Path(path).name)
        return real(path)

    monkeypatch.setattr(inventory, "looks_like_dicom", counting)
    rows = [row.path for row in scan([str(mixed)], workers=1)]
    assert rows == ["cine.dcm", "garbage.dcm", "sub/IMG0001", "truncated.dcm"]
    assert sniffed == ["readme.txt"]


def test_a_large_folder_is_read_by_worker_processes_with_the_same_rows(tmp_path: Path) -> None:
    """At POOL_FROM files scan starts worker processes; the rows and their order are those of
    reading in this process."""
    names = ["synthetic-doppler.dcm", "synthetic-mmode.dcm"]
    for index in range(inventory.POOL_FROM):
        name = names[index % 2]
        (tmp_path / f"{index:03d}-{name}").hardlink_to(sample(name))
    pooled = list(scan([tmp_path]))
    assert pooled == list(scan([tmp_path], workers=1))
    assert len(pooled) == inventory.POOL_FROM and not any(row.error for row in pooled)
