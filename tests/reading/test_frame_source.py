"""Pixels: agreement with pydicom's own decode on every real file, laziness, dask, pickling."""

from __future__ import annotations

import pickle
import warnings

import numpy as np
import pydicom
import pydicom.uid as uids
import pytest
from pydicom.pixels import apply_color_lut

import echolab
from echolab.reading.frame_source import PixelSource

from ..conftest import UNDECODABLE, all_file_params, package_file, resolve

_LOSSY = {uids.JPEGBaseline8Bit, uids.JPEGExtended12Bit, uids.JPEG2000}
# pydicom 3.0 reads non-segmented 16-bit palette LUT data of big endian files in native byte
# order; these files are compared with their little endian twins instead.
_BIG_ENDIAN_TWINS = {"OBXXXX1A_expb.dcm": "OBXXXX1A.dcm", "OBXXXX1A_expb_2frame.dcm": "OBXXXX1A_2frame.dcm"}


def _pydicom_reference(path: str) -> np.ndarray:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ds = pydicom.dcmread(path)
        frames = int(ds.get("NumberOfFrames") or 1)
        arr = ds.pixel_array
    if ds.PhotometricInterpretation == "PALETTE COLOR":
        arr = apply_color_lut(arr, ds)[..., :3]
    if ds.PhotometricInterpretation == "MONOCHROME1":
        arr = (1 << ds.BitsStored) - 1 - arr
    return arr if frames > 1 else arr[None]


@pytest.mark.parametrize("spec", all_file_params())
def test_frames_equal_pydicom_decode(spec: tuple[str, str]) -> None:
    if spec[1] in UNDECODABLE:
        pytest.skip("no installed decoder reads this transfer syntax (covered by the contract test)")
    path = resolve(spec)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", echolab.EcholabWarning)
        f = echolab.open(path)
        ours = f.image().values
    if spec[1] in _BIG_ENDIAN_TWINS:
        reference = echolab.open(package_file(_BIG_ENDIAN_TWINS[spec[1]])).image().values
    else:
        reference = _pydicom_reference(path)
    if ours.dtype == np.uint8 and reference.dtype == np.uint16:
        # 16-bit palette entries holding 8-bit colours come out as uint8, exactly
        scale = 256 if not np.any(reference & 0xFF) else 257
        assert not np.any(reference % scale)
        reference = (reference // scale).astype(np.uint8)
    assert ours.shape == reference.shape and ours.dtype == reference.dtype
    difference = np.abs(ours.astype(np.int64) - reference.astype(np.int64)).max()
    tolerance = 8 if f.transfer_syntax_uid in _LOSSY else 0
    assert difference <= tolerance
    # one frame on demand equals the same frame of the full load
    last = f.number_of_frames - 1
    np.testing.assert_array_equal(f.image().isel(time=last).values, ours[last])


def test_indexing_one_frame_decodes_only_that_frame(monkeypatch: pytest.MonkeyPatch) -> None:
    decoded: list[int] = []
    original = PixelSource.decode_frame

    def counting(self, reader, index, out):  # type: ignore[no-untyped-def]
        decoded.append(index)
        return original(self, reader, index, out)

    monkeypatch.setattr(PixelSource, "decode_frame", counting)
    da = echolab.open(package_file("color3d_jpeg_baseline.dcm")).region(0)
    assert decoded == []  # opening and building the DataArray decode nothing
    frame = da.isel(time=42).values
    assert decoded == [42] and frame.shape == (384, 512, 3)
    decoded.clear()
    da.isel(time=slice(10, 20, 3), y=slice(5, 50), x=7).values
    assert sorted(decoded) == [10, 13, 16, 19]  # decoded in parallel, in any order


@pytest.mark.parametrize(
    "frames", [[3, 117], [5, 7], [90, 2, 90, -1], np.array([0, 60, 119])], ids=["far", "near", "repeated", "array"]
)
def test_any_list_of_frames_decodes_exactly_those_frames(monkeypatch: pytest.MonkeyPatch, frames: list[int]) -> None:
    decoded: list[int] = []
    original = PixelSource.decode_frame

    def counting(self, reader, index, out):  # type: ignore[no-untyped-def]
        decoded.append(index)
        return original(self, reader, index, out)

    f = echolab.open(package_file("color3d_jpeg_baseline.dcm"))
    expected = f.image().values[frames]
    monkeypatch.setattr(PixelSource, "decode_frame", counting)
    for array in (f.image(), f.region(0)):
        decoded.clear()
        got = array.isel(time=frames).values
        assert sorted(decoded) == sorted({int(i) % 120 for i in frames})  # each asked frame once, no other
        if array.name == "image":
            np.testing.assert_array_equal(got, expected)
    decoded.clear()
    f.region(0).isel(time=frames, y=[4, 2, 300], x=slice(0, 9)).values  # outer indexing on every axis
    assert sorted(decoded) == sorted({int(i) % 120 for i in frames})


def test_lazy_subsetting_matches_the_full_load() -> None:
    da = echolab.open(package_file("color3d_jpeg_baseline.dcm")).region(0)
    full = da.values
    np.testing.assert_array_equal(
        da.isel(time=[3, 1], y=slice(None, None, -7), x=slice(2, 40, 3)).values, full[[3, 1]][:, ::-7, 2:40:3]
    )
    np.testing.assert_array_equal(da.isel(time=-1, channel=1).values, full[-1, ..., 1])


def test_chunks_give_a_dask_array_chunked_by_frame() -> None:
    pytest.importorskip("dask")
    f = echolab.open(package_file("color3d_jpeg_baseline.dcm"))
    da = f.region(0, chunks={"time": 1})
    assert da.chunks[0] == (1,) * 120
    np.testing.assert_array_equal(da.isel(time=5).values, f.region(0).isel(time=5).values)
    assert f.image(chunks=10).chunks[0] == (10,) * 12


def test_pixel_source_pickles_without_a_file_handle() -> None:
    source = echolab.open(package_file("color3d_jpeg_baseline.dcm")).pixels
    restored = pickle.loads(pickle.dumps(source))
    assert restored == source or restored.spans == source.spans
    assert not any(hasattr(v, "fileno") for v in vars(restored).values())


def test_big_endian_ow_palette_matches_little_endian_twin() -> None:
    big = echolab.open(package_file("OBXXXX1A_expb_2frame.dcm")).image().values
    little = echolab.open(package_file("OBXXXX1A_2frame.dcm")).image().values
    np.testing.assert_array_equal(big, little)


def test_palette_is_applied_to_rgb() -> None:
    da = echolab.open(package_file("gdcm-US-ALOKA-16.dcm")).region(0)
    assert da.dims == ("time", "y", "x", "channel") and da.channel.values.tolist() == ["R", "G", "B"]


def test_missing_decoder_names_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    import pydicom.pixels.decoders.base

    from echolab.reading import decoders

    class Unavailable:
        is_available = False

    monkeypatch.setattr(pydicom.pixels.decoders.base, "get_decoder", lambda uid: Unavailable())
    monkeypatch.setattr(decoders, "_decoder_without_pydicom", lambda uid: None)  # no plugin test passes either
    path = package_file("US1_J2KR.dcm")
    with pytest.raises(echolab.MissingDecoderError, match=r"US1_J2KR.dcm: .*pylibjpeg-openjpeg.*gdcmconv --raw"):
        echolab.open(path).image()
    assert "pylibjpeg-libjpeg" in decoders.install_hint(uids.JPEGLosslessSV1)
    assert "pyjpegls" in decoders.install_hint(uids.JPEGLSLossless)


def test_jpeg_without_simplejpeg_falls_back_to_pillow(monkeypatch: pytest.MonkeyPatch) -> None:
    from echolab.reading import decoders

    path = package_file("color3d_jpeg_baseline.dcm")
    fast = echolab.open(path).image().isel(time=9).values
    monkeypatch.setattr(decoders, "_simplejpeg", None)
    fallback = echolab.open(path).image().isel(time=9).values
    assert np.abs(fast.astype(int) - fallback.astype(int)).max() <= 8
