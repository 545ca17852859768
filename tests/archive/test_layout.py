"""The archive layout: frames kept as the DICOM's bitstreams, regions as views, read back exactly."""

from __future__ import annotations

import os
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest
import xarray as xr

import echolab
from echolab.archive.convert import ConvertResult, convert_file, scratch_dir
from echolab.archive.layout import ArchivedFrames, open_archive
from echolab.conventions import IMAGE_STORAGE, STORED_BITSTREAMS, STORED_DECODED, VIEW_COLUMNS, VIEW_ROWS

from ..conftest import SHARED, package_file

pytest.importorskip("zarr")

#: Compressed files of several kinds: (where, name). JPEG Baseline with regions (a corrected one
#: among them), frames split over several fragments, JPEG 2000, RLE, JPEG-LS palette (stored decoded).
COMPRESSED = [
    ("shared", "godicom__I_000001.dcm"),
    ("shared", "orthanc__Issue164.dcm"),
    ("shared", "dicomParser__IM00001.fragmented_no_bot_jpeg_baseline.50.dcm"),
    ("shared", "dcm4che__jpeg-ls-Palette.dcm"),
    ("package", "color3d_jpeg_baseline.dcm"),
    ("package", "emri_small_jpeg_2k_lossless.dcm"),
    ("package", "SC_rgb_rle_2frame.dcm"),
]


def _path(where: str, name: str) -> str:
    if where == "package":
        return package_file(name)
    if not (SHARED / name).is_file():
        pytest.skip(f"{name} not found in {SHARED}")
    return str(SHARED / name)


def _convert(path: str, store: Path, **options: object) -> ConvertResult:
    import zarr

    zarr.open_group(store, mode="a")
    os.makedirs(scratch_dir(store), exist_ok=True)
    result = convert_file(path, str(store), **options)  # type: ignore[arg-type]
    assert result.status == "converted", result.reason
    return result


def _size(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


@pytest.mark.parametrize(("where", "name"), COMPRESSED, ids=[name for _, name in COMPRESSED])
def test_kept_frames_are_the_dicom_bitstreams_and_decode_identically(where: str, name: str, tmp_path: Path) -> None:
    path = _path(where, name)
    store = tmp_path / "a.zarr"
    result = _convert(path, store, keep_identifiers=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        f = echolab.open(path)
        group = open_archive(store)[result.group]
        image = group["image"]["image"]
        np.testing.assert_array_equal(image.values, f.image().values)  # every frame, every bit
        for child in group.children:
            if child.startswith("region_"):
                region, original = group[child][child], f.region(int(child.removeprefix("region_")))
                del region.attrs["source_file"]  # kept identifiers: the file name, which the file's array lacks
                xr.testing.assert_identical(region, original)  # values, coordinates and attrs
    pixels = f.pixels
    if pixels.fmt.is_palette:  # the lookup table is not the codec's to carry: decoded values
        assert image.attrs[IMAGE_STORAGE] == STORED_DECODED
        return
    assert image.attrs[IMAGE_STORAGE] == STORED_BITSTREAMS
    frames = image.variable._data.array.pixels  # the lazy array open_archive built
    assert isinstance(frames, ArchivedFrames)
    with pixels.open_reader() as reader:  # each chunk is the frame's bitstream, byte for byte
        for index in (0, pixels.number_of_frames - 1):
            chunk = Path(frames.source, frames.chunk_files[index]).read_bytes()
            assert chunk == pixels.encoded_frame(reader, index)
    dicom = os.path.getsize(path)
    if dicom > 200_000:  # small files are mostly header and metadata
        assert _size(store) <= 1.2 * dicom


def test_region_groups_hold_no_pixels_only_their_box(tmp_path: Path) -> None:
    path = package_file("color3d_jpeg_baseline.dcm")
    store = tmp_path / "a.zarr"
    result = _convert(path, store)
    raw = xr.open_datatree(store, engine="zarr", consolidated=False)[result.group]["region_0"]
    assert not raw.data_vars  # coordinates and attrs only
    f = echolab.open(path)
    x0, y0, x1, y1 = f.regions[0].clipped_box  # type: ignore[misc]
    assert raw.attrs[VIEW_ROWS] == [y0, y1 + 1] and raw.attrs[VIEW_COLUMNS] == [x0, x1 + 1]
    np.testing.assert_allclose(raw.x.values, f.region(0).x.values)  # physical coordinates, cm


def test_burned_in_text_is_blanked_and_stored_decoded(tmp_path: Path) -> None:
    path = package_file("color3d_jpeg_baseline.dcm")  # pixels outside its region box
    store = tmp_path / "a.zarr"
    result = _convert(path, store)
    f = echolab.open(path)
    image = open_archive(store)[result.group]["image"]["image"]
    assert image.attrs[IMAGE_STORAGE] == STORED_DECODED
    outside = ~f.region_mask()
    assert f.image()[5].values[outside].any()  # text there in the DICOM...
    assert not image[5].values[outside].any()  # ...none in the archive
    np.testing.assert_array_equal(image[5].values[~outside], f.image()[5].values[~outside])


def test_deidentified_files_keep_their_bitstreams(tmp_path: Path) -> None:
    data = pytest.importorskip("deid_data.data", reason="pip install deid-data (the test extra)")
    from echolab.deid import deidentify

    source = Path(data.get_dataset("ultrasounds")) / "RGB_IMAGE.dcm"
    [done] = deidentify([source], tmp_path / "deid", salt="test", workers=1)
    assert done.output is not None
    store = tmp_path / "a.zarr"
    result = _convert(done.output, store)  # identifiers not kept, but nothing left to blank
    image = open_archive(store)[result.group]["image"]["image"]
    assert image.attrs[IMAGE_STORAGE] == STORED_BITSTREAMS
    np.testing.assert_array_equal(image.values, echolab.open(done.output).image().values)


def test_plain_xarray_reads_the_archive_through_the_codec_entry_point(tmp_path: Path) -> None:
    path = package_file("emri_small_jpeg_2k_lossless.dcm")
    store = tmp_path / "a.zarr"
    result = _convert(path, store, keep_identifiers=True)
    np.save(tmp_path / "expected.npy", echolab.open(path).image()[3].values)
    script = (
        "import sys, numpy as np, xarray as xr\n"
        f"tree = xr.open_datatree({str(store)!r}, engine='zarr', consolidated=False)\n"
        f"frame = tree[{result.group!r}]['image']['image'][3].values\n"
        f"np.testing.assert_array_equal(frame, np.load({str(tmp_path / 'expected.npy')!r}))\n"
    )
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr[-2000:]


def test_archived_bitstreams_are_read_only(tmp_path: Path) -> None:
    import zarr

    path = package_file("emri_small_jpeg_2k_lossless.dcm")
    store = tmp_path / "a.zarr"
    result = _convert(path, store, keep_identifiers=True)
    array = zarr.open_array(store, path=f"{result.group}/image/image", mode="r+")
    with pytest.raises(echolab.EcholabError, match="read-only"):
        array[0] = 7


def test_open_archive_gives_dask_arrays_on_request(tmp_path: Path) -> None:
    path = package_file("color3d_jpeg_baseline.dcm")
    store = tmp_path / "a.zarr"
    result = _convert(path, store, keep_identifiers=True)
    lazy = open_archive(store)[result.group]
    chunked = open_archive(store, chunks={"time": 7})[result.group]
    assert chunked["region_0"]["region_0"].chunks[0][0] == 7
    np.testing.assert_array_equal(
        chunked["region_0"]["region_0"][[2, 90]].values, lazy["region_0"]["region_0"][[2, 90]].values
    )


def _blank_cine_with_a_name(folder: Path) -> Path:
    """Three frames of the SonoSite cine blanked outside its region, re-encoded as JPEG-LS
    (lossless: still blank there) with the patient's name in a comment segment of each frame."""
    import pydicom
    from pydicom.encaps import encapsulate, generate_frames

    source = package_file("color3d_jpeg_baseline.dcm")
    frames = echolab.open(source).image(blank_outside_regions=True)[:3].values
    ds = pydicom.dcmread(source)
    ds.file_meta.TransferSyntaxUID = pydicom.uid.ExplicitVRLittleEndian
    ds.PhotometricInterpretation, ds.PlanarConfiguration, ds.NumberOfFrames = "RGB", 0, 3
    ds.PixelData = np.ascontiguousarray(frames).tobytes()
    ds["PixelData"].VR = "OB"
    ds.compress(pydicom.uid.JPEGLSLossless, encoding_plugin="pyjpegls")
    comment = b"\xff\xfe\x00\x0aDoe^John"
    named = [frame[:2] + comment + frame[2:] for frame in generate_frames(ds.PixelData, number_of_frames=3)]
    ds.PixelData = encapsulate(named)
    path = folder / "named.dcm"
    ds.save_as(path)
    return path


def test_a_copied_bitstream_carries_no_text_unless_identifiers_are_kept(tmp_path: Path) -> None:
    path = _blank_cine_with_a_name(tmp_path)
    private, kept = tmp_path / "private.zarr", tmp_path / "kept.zarr"
    result = _convert(str(path), private)
    _convert(str(path), kept, keep_identifiers=True)
    image = open_archive(private)[result.group]["image"]["image"]
    assert image.attrs[IMAGE_STORAGE] == STORED_BITSTREAMS  # blank outside the region: nothing to blank
    np.testing.assert_array_equal(image.values, echolab.open(path).image().values)
    chunks = [p.read_bytes() for p in (private / str(result.group) / "image" / "image").rglob("*") if p.is_file()]
    assert len(chunks) == 4 and not any(b"Doe^John" in chunk for chunk in chunks)  # 3 frames and zarr.json
    kept_chunks = (kept / str(result.group) / "image" / "image").rglob("*")
    assert sum(b"Doe^John" in p.read_bytes() for p in kept_chunks if p.is_file()) == 3  # byte for byte


@pytest.mark.parametrize("keep_identifiers", [True, False], ids=["bitstreams", "decoded"])
def test_archived_frames_read_any_list_of_frames_and_pickle(keep_identifiers: bool, tmp_path: Path) -> None:
    import pickle

    path = package_file("color3d_jpeg_baseline.dcm")
    store = tmp_path / "a.zarr"
    result = _convert(path, store, keep_identifiers=keep_identifiers)
    image = open_archive(store)[result.group]["image"]["image"]
    expected = echolab.open(path).image(blank_outside_regions=not keep_identifiers)
    for frames in ([97, 3, 4, 5, 3], [119], slice(10, 30, 7)):
        np.testing.assert_array_equal(image[frames].values, expected[frames].values)
    revived = pickle.loads(pickle.dumps(image.variable))  # what Dask sends its workers
    np.testing.assert_array_equal(revived[[2, 60]].values, expected[[2, 60]].values)
    assert image.encoding["source"].startswith(str(store))  # in memory only, for error messages


def test_a_damaged_view_is_an_echolab_error(tmp_path: Path) -> None:
    import zarr

    path = package_file("color3d_jpeg_baseline.dcm")
    store = tmp_path / "a.zarr"
    result = _convert(path, store, keep_identifiers=True)
    group = zarr.open_group(store, path=f"{result.group}/region_0", mode="r+")
    group.attrs[VIEW_ROWS] = [0, 10**6]  # past the image
    with pytest.raises(echolab.EcholabError, match="view_rows / view_columns must be"):
        open_archive(store)


def test_open_archive_default_dask_chunks_hold_about_32_mib(tmp_path: Path) -> None:
    path = package_file("color3d_jpeg_baseline.dcm")  # 120 frames of 640 x 480 x 3: 36 per 32 MiB
    store = tmp_path / "a.zarr"
    result = _convert(path, store, keep_identifiers=True)
    image = open_archive(store, chunks={})[result.group]["image"]["image"]
    assert image.chunks is not None and image.chunks[0][0] == (32 << 20) // (640 * 480 * 3)
