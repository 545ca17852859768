"""The echolab command line: info, scan and convert, their output and exit status."""

from __future__ import annotations

import csv
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from echolab.cli import format_table, main
from echolab.samples import sample

from .conftest import package_file


def test_format_table_aligns_columns() -> None:
    table = format_table([{"a": 1, "bb": None}, {"a": 100, "bb": "x"}])
    assert table.splitlines() == ["a    bb", "---  --", "1    -", "100  x"]


def test_info_prints_summary_and_regions(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["info", sample("synthetic-doppler.dcm")]) == 0
    out = capsys.readouterr().out
    assert "SOP Instance UID" in out and "spectral Doppler" in out
    assert "Doppler velocity [cm/s], 0.8 cm/s/pixel, positive above the baseline" in out
    assert "Synthetic^Sample" not in out
    assert main(["info", "--keep-identifiers", sample("synthetic-doppler.dcm")]) == 0
    assert "Synthetic^Sample" in capsys.readouterr().out


def _one_error_line(err: str) -> str:
    """The single line an error ends in: ``echolab: error: ...``, no traceback."""
    lines = err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("echolab: error: "), err
    return lines[0]


def test_info_on_a_non_dicom_file_is_a_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = tmp_path / "notes.txt"
    text.write_text("hello")
    assert main(["info", str(text)]) == 1
    line = _one_error_line(capsys.readouterr().err)
    assert f"{text}: not a DICOM file" in line and "no 'DICM' preamble" in line


@pytest.mark.parametrize(
    ("command", "valid"),
    [
        (["info", "{missing}"], "give the path of a DICOM file"),
        (["info", "{folder}"], "echolab scan"),
        (["scan", "{folder}", "{missing}"], "give folders or DICOM files"),
        (["convert", "{missing}", "{folder}/out.zarr"], "give folders or DICOM files"),
        (["browse", "{missing}", "--no-browser"], "give a folder"),
    ],
)
def test_a_path_that_is_not_there_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], command: list[str], valid: str
) -> None:
    missing = tmp_path / "no-such-thing"
    argv = [part.format(missing=missing, folder=tmp_path) for part in command]
    assert main(argv) == 2
    line = _one_error_line(capsys.readouterr().err)
    assert str(missing if "{missing}" in command else tmp_path) in line and valid in line
    assert not (tmp_path / "out.zarr").exists()


def test_debug_shows_the_traceback(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = str(tmp_path / "missing.dcm")
    for argv in (["--debug", "info", missing], ["info", missing, "--debug"]):
        assert main(argv) == 2
        err = capsys.readouterr().err
        assert err.startswith("Traceback (most recent call last):")
        assert err.splitlines()[-1].startswith("echolab: error: ") and "missing.dcm" in err.splitlines()[-1]


def test_an_unexpected_error_is_one_line_too(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import echolab.echofile

    def broken(path: object, **options: object) -> None:
        raise RuntimeError("something no one expected\non two lines")

    monkeypatch.setattr(echolab.echofile, "open", broken)
    assert main(["info", sample("synthetic-mmode.dcm")]) == 1
    line = _one_error_line(capsys.readouterr().err)
    assert "unexpected RuntimeError: something no one expected on two lines" in line and "--debug" in line
    assert main(["--debug", "info", sample("synthetic-mmode.dcm")]) == 1
    assert "Traceback" in capsys.readouterr().err


def test_a_missing_file_from_a_fresh_process(tmp_path: Path) -> None:
    """What a user sees: one line and status 2, from the installed entry point's module."""
    done = subprocess.run(
        [sys.executable, "-m", "echolab.cli", "info", str(tmp_path / "missing.dcm")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2 and done.stdout == ""
    assert _one_error_line(done.stderr) == (
        f"echolab: error: {tmp_path / 'missing.dcm'}: no such file; give the path of a DICOM file"
    )


def test_scan_prints_and_writes_csv(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "export"
    folder.mkdir()
    shutil.copy(package_file("OBXXXX1A.dcm"), folder / "a.dcm")
    shutil.copy(sample("synthetic-mmode.dcm"), folder / "b")
    (folder / "c.dcm").write_bytes(b"\x00" * 128 + b"DICM" + b"\x02\x00")
    assert main(["scan", str(folder), "--csv", str(tmp_path / "inventory.csv"), "--workers", "1"]) == 0
    out = capsys.readouterr().out
    assert "3 DICOM file(s), 1 unreadable" in out and "2D;trace" in out
    with (tmp_path / "inventory.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    assert [r["path"] for r in rows] == ["a.dcm", "b", "c.dcm"] and rows[1]["region_kinds"] == "2D;M-mode"


def test_scan_and_info_show_problems(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "export"
    folder.mkdir()
    cine = Path(package_file("color3d_jpeg_baseline.dcm")).read_bytes()  # 120 JPEG frames
    (folder / "whole.dcm").write_bytes(cine)
    (folder / "cut.dcm").write_bytes(cine[: len(cine) // 2])
    assert main(["scan", str(folder), "--workers", "1"]) == 0
    out = capsys.readouterr().out
    table, details = out.split("\n\n")[:2]
    assert "problems" in table.splitlines()[0]
    assert [line.split()[-1] for line in table.splitlines()[2:]] == ["truncated-pixel-data", "2D"]
    assert details.startswith("cut.dcm: truncated-pixel-data: (7FE0,0010) Pixel Data holds ")
    assert out.rstrip().endswith("2 DICOM file(s), 0 unreadable, 1 with problems")
    assert main(["info", str(folder / "cut.dcm")]) == 0
    assert "\nproblem: truncated-pixel-data: (7FE0,0010) Pixel Data holds " in capsys.readouterr().out


def test_convert_command_reports_failures_in_its_exit_status(tmp_path: Path) -> None:
    """Run as users do, in a fresh process with its own local Dask cluster."""
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(sample("synthetic-doppler.dcm"), folder / "good.dcm")
    (folder / "bad.dcm").write_bytes(Path(sample("synthetic-mmode.dcm")).read_bytes()[:1000])
    cine = Path(package_file("color3d_jpeg_baseline.dcm")).read_bytes()
    (folder / "cut.dcm").write_bytes(cine[: len(cine) // 2])
    store = tmp_path / "out.zarr"
    command = [sys.executable, "-m", "echolab.cli", "convert", str(folder), str(store), "--workers", "1"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert done.returncode == 1, done.stderr
    last = done.stdout.splitlines()[-1]
    assert last == f"2 converted (1 with problems), 0 already in {store}, 0 duplicate SOP Instance UIDs, 1 failed"
    assert "failed: " in done.stderr and "bad.dcm" in done.stderr and "Traceback" not in done.stderr
    assert f"problem: {folder / 'cut.dcm'}: truncated-pixel-data: (7FE0,0010) Pixel Data holds " in done.stderr
    assert "8787" not in done.stderr and "Warning" not in done.stderr  # port 8787 is held (conftest)
    good_only = subprocess.run(
        [*command[:4], str(folder / "good.dcm"), str(store)], capture_output=True, text=True, timeout=300
    )
    assert good_only.returncode == 0 and "0 converted, 1 already in" in good_only.stdout
    assert good_only.stderr == ""  # no progress bar when nothing is left to convert


def test_convert_counts_files_in_the_archive_apart_from_duplicates(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Two files sharing one SOP Instance UID, on a new archive and then again."""
    folder = tmp_path / "dups"
    folder.mkdir()
    shutil.copy(package_file("OBXXXX1A.dcm"), folder / "a.dcm")
    shutil.copy(package_file("examples_palette.dcm"), folder / "b.dcm")  # a crop of a.dcm, same SOP Instance UID
    shutil.copy(sample("synthetic-mmode.dcm"), folder / "c.dcm")
    store = str(tmp_path / "archive.zarr")
    assert main(["convert", str(folder), store, "--workers", "1"]) == 0
    captured = capsys.readouterr()
    assert captured.out.splitlines()[-1] == f"2 converted, 0 already in {store}, 1 duplicate SOP Instance UID, 0 failed"
    assert f"skipped: {folder / 'b.dcm'}: duplicate SOP Instance UID of a.dcm" in captured.err
    assert main(["convert", str(folder), store, "--workers", "1"]) == 0
    last = capsys.readouterr().out.splitlines()[-1]
    assert last == f"0 converted, 2 already in {store}, 1 duplicate SOP Instance UID, 0 failed"


def test_usage_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["convert", str(tmp_path / "only.zarr")]) == 2
    (tmp_path / "file.zarr").write_text("")
    assert main(["convert", sample("synthetic-mmode.dcm"), str(tmp_path / "file.zarr")]) == 2
    with pytest.raises(SystemExit):
        main(["frobnicate"])


# --- leaks and rough edges (issue 19) -------------------------------------------------------------


def test_control_characters_from_headers_are_printed_escaped(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """An escape sequence in a header (here: set the window title, clear the screen) reached the
    terminal raw through `info` and `scan`; it is shown escaped instead."""
    import pydicom

    ds = pydicom.dcmread(sample("synthetic-mmode.dcm"))
    ds.Manufacturer = "ACME\x1b]0;pwned\x07\x1b[2J"
    ds.SpecificCharacterSet = "ISO_IR 192"  # UTF-8
    ds.ManufacturerModelName = "right\u202eleft"
    path = tmp_path / "escapes.dcm"
    ds.save_as(path)
    assert main(["info", str(path)]) == 0
    out = capsys.readouterr().out
    assert "\x1b" not in out and "\x07" not in out and "\u202e" not in out
    assert "ACME\\x1b]0;pwned\\x07\\x1b[2J" in out and "right\\u202eleft" in out
    assert main(["scan", str(tmp_path), "--workers", "1"]) == 0
    assert "\x1b" not in capsys.readouterr().out


def test_scan_paths_leave_out_the_folders_above(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The `path` column held the path as given: folder names often carry patient names. Paths
    are relative to the folder scanned unless --absolute-paths is given."""
    folder = tmp_path / "Smith_John_19580101"
    folder.mkdir()
    shutil.copy(sample("synthetic-mmode.dcm"), folder / "clip.dcm")
    out_csv = tmp_path / "inventory.csv"
    assert main(["scan", str(folder / "clip.dcm"), "--csv", str(out_csv)]) == 0
    assert "Smith" not in capsys.readouterr().out + out_csv.read_text()
    with out_csv.open() as handle:
        assert [row["path"] for row in csv.DictReader(handle)] == ["clip.dcm"]
    assert main(["scan", str(folder / "clip.dcm"), "--csv", str(out_csv), "--absolute-paths"]) == 0
    with out_csv.open() as handle:
        assert [row["path"] for row in csv.DictReader(handle)] == [str(folder / "clip.dcm")]


def test_a_write_that_fails_names_the_file_in_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A disk that fills up (here /dev/full) ended in 'unexpected OSError ... (--debug shows the traceback)'."""
    if not Path("/dev/full").exists():
        pytest.skip("no /dev/full")
    shutil.copy(sample("synthetic-mmode.dcm"), tmp_path / "clip.dcm")
    assert main(["scan", str(tmp_path), "--csv", "/dev/full"]) == 1
    assert _one_error_line(capsys.readouterr().err) == "echolab: error: /dev/full: No space left on device"


def test_tls_files_are_for_a_remote_scheduler(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    shutil.copy(sample("synthetic-mmode.dcm"), tmp_path / "clip.dcm")
    (tmp_path / "ca.pem").write_text("")
    assert main(["convert", str(tmp_path), str(tmp_path / "a.zarr"), "--tls-ca-file", str(tmp_path / "ca.pem")]) == 2
    assert "--tls-* options are for a remote --scheduler" in _one_error_line(capsys.readouterr().err)
    missing = ["--scheduler", "tls://127.0.0.1:1", "--tls-cert", str(tmp_path / "none.pem")]
    assert main(["convert", str(tmp_path), str(tmp_path / "a.zarr"), *missing]) == 2
    assert "none.pem: no such file or folder" in _one_error_line(capsys.readouterr().err)
