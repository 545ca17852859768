"""Bad input ends in an EcholabError naming the file (or a working result with a warning)."""

from __future__ import annotations

import hashlib
import warnings
from pathlib import Path

import numpy as np
import pytest

import echolab

from .conftest import package_file
from .make import make_dataset, write_file

PNG_BYTES = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)


def _write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


@pytest.mark.parametrize(
    ("name", "data", "error"),
    [
        ("empty.dcm", b"", echolab.NotDicomError),
        ("notes.txt", b"Patient scanned at 10:00, echo normal.\n" * 20, echolab.NotDicomError),
        ("image.png", PNG_BYTES, echolab.NotDicomError),
        ("zeros.dcm", bytes(4096), echolab.NotDicomError),
    ],
)
def test_not_dicom(tmp_path: Path, name: str, data: bytes, error: type) -> None:
    path = _write(tmp_path, name, data)
    with pytest.raises(error, match=name):
        echolab.open(path)


def test_directory_is_not_a_dicom_file(tmp_path: Path) -> None:
    with pytest.raises(echolab.NotDicomError, match="directory"):
        echolab.open(tmp_path)


@pytest.mark.parametrize("keep", [132, 200, 400, 1000])
def test_truncated_header(tmp_path: Path, keep: int) -> None:
    data = Path(package_file("gdcm-US-ALOKA-16.dcm")).read_bytes()
    path = _write(tmp_path, f"cut{keep}.dcm", data[:keep])
    with pytest.raises(echolab.EcholabError, match=f"cut{keep}.dcm"):
        f = echolab.open(path)
        f.image().values


@pytest.mark.parametrize("fraction", [0.3, 0.9, 0.999])
def test_truncated_jpeg_pixel_data(tmp_path: Path, fraction: float) -> None:
    data = Path(package_file("color3d_jpeg_baseline.dcm")).read_bytes()
    path = _write(tmp_path, "cut.dcm", data[: int(len(data) * fraction)])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", echolab.EcholabWarning)
        f = echolab.open(path)
        image = f.image()  # frames that are wholly present still decode
    assert 0 < image.sizes["time"] <= 120
    image.isel(time=0).values
    try:
        image.values
    except echolab.PixelDataError as exc:
        assert "cut.dcm" in str(exc)


def test_truncated_native_pixel_data_keeps_whole_frames(tmp_path: Path) -> None:
    data = Path(package_file("OBXXXX1A_2frame.dcm")).read_bytes()
    path = _write(tmp_path, "cut.dcm", data[: len(data) - 1000])
    with pytest.warns(echolab.PixelDataWarning, match="only 1 whole frame"):
        image = echolab.open(path).image()
    assert image.sizes["time"] == 1 and image.values.shape == (1, 600, 800, 3)


def test_number_of_frames_larger_than_the_pixel_data(tmp_path: Path) -> None:
    pixels = np.zeros((2, 48, 64), np.uint8)
    path = write_file(tmp_path / "frames.dcm", rows=48, columns=64, frames=2, pixels=pixels)
    from pydicom import dcmread

    ds = dcmread(path)
    ds.NumberOfFrames = 50
    ds.save_as(path)
    with pytest.warns(echolab.PixelDataWarning, match=r"\(0028,0008\) Number of Frames = 50"):
        image = echolab.open(path).image()
    assert image.sizes["time"] == 2


def test_no_regions_leaves_the_image(tmp_path: Path) -> None:
    f = echolab.open(write_file(tmp_path / "plain.dcm", rows=32, columns=40))
    assert f.regions == ()
    assert "No (0018,6011)" in f._repr_html_()
    with pytest.raises(IndexError, match="has 0 item"):
        f.region(0)
    assert f.image().shape == (1, 32, 40)


def test_no_pixel_data(tmp_path: Path) -> None:
    ds = make_dataset(rows=8, columns=8)
    del ds.PixelData
    path = tmp_path / "header-only.dcm"
    ds.save_as(path, enforce_file_format=True)
    f = echolab.open(path)
    with pytest.raises(echolab.PixelDataError, match=r"header-only.dcm: the file has no \(7FE0,0010\) Pixel Data"):
        f.image()


@pytest.mark.parametrize(
    ("element", "value", "match"),
    [
        ("Rows", 0, r"\(0028,0010\) Rows = 0 is outside"),
        ("BitsAllocated", 12, r"\(0028,0100\) Bits Allocated = 12 is not supported"),
        ("PhotometricInterpretation", "CMYK", r"'CMYK' is not supported"),
        ("SamplesPerPixel", 2, r"\(0028,0002\) Samples per Pixel = 2 is not supported"),
    ],
)
def test_impossible_image_pixel_values(tmp_path: Path, element: str, value: object, match: str) -> None:
    path = write_file(tmp_path / "bad.dcm", rows=8, columns=8, **{element: value})
    with pytest.raises(echolab.InvalidHeaderError, match=match):
        echolab.open(path).image()


def test_photometric_interpretation_that_contradicts_the_samples_is_corrected(tmp_path: Path) -> None:
    pixels = (np.arange(64, dtype=np.uint8) * 3).reshape(8, 8)
    path = write_file(tmp_path / "mislabelled.dcm", rows=8, columns=8, pixels=pixels, PhotometricInterpretation="RGB")
    with pytest.warns(echolab.PixelDataWarning, match="reading the pixels as MONOCHROME2"):
        image = echolab.open(path).image()
    np.testing.assert_array_equal(image.values[0], pixels)


def test_huge_declared_frame_is_refused_before_allocating(tmp_path: Path) -> None:
    path = write_file(tmp_path / "huge.dcm", rows=8, columns=8)
    from pydicom import dcmread

    ds = dcmread(path)
    ds.Rows = ds.Columns = 65535
    ds.SamplesPerPixel, ds.PhotometricInterpretation, ds.BitsAllocated, ds.BitsStored = 3, "RGB", 32, 32
    ds.save_as(path)
    with pytest.raises(echolab.InvalidHeaderError, match="MiB limit"):
        echolab.open(path).image()


def test_opening_never_changes_the_input_file() -> None:
    path = Path(package_file("OBXXXX1A.dcm"))
    before = hashlib.sha256(path.read_bytes()).hexdigest()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", echolab.EcholabWarning)
        f = echolab.open(path)
        f.region(0).values
        f.image().values
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before


def test_errors_pickle_with_their_source() -> None:
    import pickle

    error = echolab.RegionError("region 2 is unusable", "clip.dcm")
    restored = pickle.loads(pickle.dumps(error))
    assert type(restored) is echolab.RegionError and str(restored) == str(error)


# --- hostile input (issue "Hostile and broken input") -------------------------------------------


def test_a_huge_element_length_is_not_allocated(tmp_path: Path) -> None:
    """A corrupt 4 GiB length near the end of the header must not make the reader allocate it."""
    import tracemalloc

    data = bytearray(Path(package_file("OBXXXX1A.dcm")).read_bytes()[:3000])
    data += b"\x09\x00\x10\x00" + b"UN\x00\x00" + b"\xf0\xff\xff\xff" + b"\x00" * 64  # (0009,0010) UN, 4 GiB
    path = _write(tmp_path, "huge-length.dcm", bytes(data))
    tracemalloc.start()
    try:
        with pytest.raises(echolab.EcholabError, match="huge-length.dcm"):
            echolab.open(path).image().values
    finally:
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    assert peak < 64 * 2**20


def _rewrite(tmp_path: Path, name: str, source: str, **changes: object) -> Path:
    import pydicom

    ds = pydicom.dcmread(source)
    for keyword, value in changes.items():
        setattr(ds, keyword, value)
    path = tmp_path / name
    ds.save_as(path)
    return path


@pytest.mark.parametrize(
    ("source", "changes", "match"),
    [
        (
            "color3d_jpeg_baseline.dcm",
            {"Rows": 4000},
            r"frame 0: the JPEG frame header \(SOF\) says 480 x 640 with 3 component\(s\) but .* say 4000 x 640",
        ),
        (
            "US1_J2KR.dcm",
            {"SamplesPerPixel": 1, "PhotometricInterpretation": "MONOCHROME2"},
            r"the JPEG 2000 SIZ marker says 480 x 640 with 3 component\(s\)",
        ),
        (
            "OBXXXX1A_rle.dcm",
            {"BitsAllocated": 16, "BitsStored": 16, "HighBit": 15},
            r"the RLE header has 1 segment\(s\) but the Image Pixel module needs 2",
        ),
    ],
)
def test_a_frame_that_cannot_fit_the_header_is_refused_before_decoding(
    tmp_path: Path, source: str, changes: dict[str, object], match: str
) -> None:
    path = _rewrite(tmp_path, "mismatch.dcm", package_file(source), **changes)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", echolab.EcholabWarning)
        f = echolab.open(path)
        with pytest.raises(echolab.PixelDataError, match=match):
            f.image()[0].values


def test_a_corrupt_stream_is_reported_as_corrupt_not_as_a_missing_package(tmp_path: Path) -> None:
    import pydicom
    from pydicom.encaps import encapsulate

    ds = pydicom.dcmread(package_file("US1_J2KR.dcm"))
    frame = next(iter(pydicom.encaps.generate_frames(ds.PixelData, number_of_frames=1)))
    ds.PixelData = encapsulate([frame[:200] + b"\x00" * 300])  # a valid SIZ marker, then garbage
    ds.save_as(tmp_path / "corrupt.dcm")
    with pytest.raises(
        echolab.PixelDataError, match="corrupt or unsupported; every installed decoder refused it"
    ) as info:
        echolab.open(tmp_path / "corrupt.dcm").image()[0].values
    assert not isinstance(info.value, echolab.MissingDecoderError) and "corrupt.dcm" in str(info.value)


def test_region_index_out_of_range_is_an_echolab_error_and_an_index_error() -> None:
    f = echolab.open(package_file("OBXXXX1A.dcm"))
    with pytest.raises(echolab.RegionIndexError, match=r"region 5 does not exist.*valid: 0\.\.1") as info:
        f.region(5)
    assert isinstance(info.value, IndexError) and isinstance(info.value, echolab.EcholabError)


@pytest.mark.parametrize(
    ("module", "use"),
    [
        ("echolab.ui.plot", "echolab.ui.plot.region(echolab.open(sample('OBXXXX1A.dcm')).region(0))"),
        ("echolab.ui.widgets", "echolab.ui.widgets.Browser()"),
    ],
)
def test_a_missing_optional_package_names_the_extra_to_install(module: str, use: str) -> None:
    """A base install (no matplotlib): plotting says what to install instead of a bare
    ModuleNotFoundError; the rest of echolab imports and reads files without it."""
    import subprocess
    import sys

    script = f"""
import sys, warnings
warnings.simplefilter("ignore")
sys.modules["matplotlib"] = None  # as if matplotlib were not installed
import echolab, echolab.analysis.measure, echolab.analysis.doppler
from echolab.samples import sample
try:
    import {module}
    {use}
except echolab.errors.MissingDependencyError as exc:
    assert isinstance(exc, ImportError) and isinstance(exc, echolab.EcholabError)
    print(exc)
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f'{module} needs matplotlib, which is not installed: pip install "echolab[notebooks]"'


def test_warnings_carry_the_file_and_the_reason_and_open_collecting_gathers_them(tmp_path: Path) -> None:
    """Nothing parses warning text: a warning has ``source`` and ``reason`` as an error does, and
    pickles across worker processes; open_collecting returns them, or the error, without raising."""
    import pickle

    from echolab.echofile import open_collecting
    from echolab.samples import sample

    opened = open_collecting(sample("examples_ybr_color.dcm"))  # no warning at open: regions warn on use
    assert opened.echofile is not None and opened.error is None
    warning = echolab.TimingWarning("(0018,0040) Cine Rate = 0 is not positive; ignored", "a.dcm")
    assert (warning.source, warning.reason) == ("a.dcm", "(0018,0040) Cine Rate = 0 is not positive; ignored")
    assert str(warning) == "a.dcm: (0018,0040) Cine Rate = 0 is not positive; ignored"
    again = pickle.loads(pickle.dumps(warning))
    assert type(again) is echolab.TimingWarning and again.reason == warning.reason
    bad = tmp_path / "cine-rate.dcm"
    write_file(bad, CineRate=0)
    found = open_collecting(bad)
    assert found.echofile is not None
    assert [(type(w), w.source) for w in found.warnings] == [(echolab.TimingWarning, str(bad))]
    assert "(0018,0040) Cine Rate" in found.warnings[0].reason
    (tmp_path / "text.dcm").write_text("no DICOM here")
    failed = open_collecting(tmp_path / "text.dcm")
    assert failed.echofile is None and isinstance(failed.error, echolab.NotDicomError)
    missing = open_collecting(tmp_path / "missing.dcm")
    assert missing.echofile is None and isinstance(missing.error, echolab.EcholabError)
