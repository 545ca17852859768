"""Crafted hostile files (issue 19): small headers that claim unbounded work, or odd encodings.

Each builder writes one file with pydicom into the given path and returns it as a string; the
cases are those an audit found, run as an attacker: :data:`CASES` names them for the tests that
run every public entry point on each within a time and memory limit.
"""

from __future__ import annotations

import struct
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pydicom.uid as uids
from pydicom.dataelem import DataElement
from pydicom.dataset import Dataset
from pydicom.encaps import encapsulate

from .make import make_dataset


def region_item(**elements: Any) -> Dataset:
    """One calibrated 2D tissue item of (0018,6011) over a 64 x 48 image."""
    item = Dataset()
    item.RegionSpatialFormat, item.RegionDataType, item.RegionFlags = 1, 1, 0
    item.RegionLocationMinX0, item.RegionLocationMinY0 = 0, 0
    item.RegionLocationMaxX1, item.RegionLocationMaxY1 = 63, 47
    item.PhysicalUnitsXDirection = item.PhysicalUnitsYDirection = 3
    item.PhysicalDeltaX = item.PhysicalDeltaY = 0.01
    for keyword, value in elements.items():
        setattr(item, keyword, value)
    return item


def _save(ds: Dataset, path: Path) -> str:
    ds.save_as(path, enforce_file_format=True)
    return str(path)


def regions_with_vr(path: Path, vr: str) -> str:
    """(0018,6011) Sequence of Ultrasound Regions written with VR ``vr`` (OB, UT, LO) instead of SQ."""
    ds = make_dataset(rows=48, columns=64)
    value: bytes | str = b"\x01\x02\x03\x04" if vr in ("OB", "UN") else "ab"
    ds[0x00186011] = DataElement(0x00186011, vr, value)
    return _save(ds, path)


def many_regions(path: Path, count: int) -> str:
    """``count`` copies of one region item (100,000 took 12-16 s to open; 1,000 made convert
    write 16,014 files)."""
    return _save(make_dataset(rows=48, columns=64, regions=[region_item() for _ in range(count)]), path)


def jpeg_ls_frame(rows: int, columns: int) -> bytes:
    """A JPEG-LS stream of a small black RGB frame whose SOF55 claims ``rows`` x ``columns``."""
    import jpeg_ls

    data = bytearray(jpeg_ls.encode(np.zeros((16, 16, 3), np.uint8)))
    sof = data.find(b"\xff\xf7")
    struct.pack_into(">HH", data, sof + 5, rows, columns)
    return bytes(data)


def jpeg_ls_claiming(path: Path, rows: int = 18900, columns: int = 18900, frames: int = 1) -> str:
    """A few hundred bytes of JPEG-LS claiming ``rows`` x ``columns`` RGB frames (18900 x 18900
    took 8 s and 3.2 GB to decode one frame)."""
    ds = make_dataset(rows=8, columns=8)
    ds.file_meta.TransferSyntaxUID = uids.JPEGLSLossless
    ds.Rows, ds.Columns = rows, columns
    ds.SamplesPerPixel, ds.PhotometricInterpretation, ds.PlanarConfiguration = 3, "RGB", 0
    if frames > 1:
        ds.NumberOfFrames = frames
    ds.PixelData = encapsulate([jpeg_ls_frame(rows, columns) for _ in range(frames)])
    ds["PixelData"].VR = "OB"
    return _save(ds, path)


def repeating_offset_table(path: Path, frames: int = 1000, rows: int = 4000, columns: int = 4000) -> str:
    """An Extended Offset Table listing one fragment ``frames`` times (18 KB ran convert past 90 s)."""
    ds = make_dataset(rows=8, columns=8)
    ds.file_meta.TransferSyntaxUID = uids.JPEGLSLossless
    ds.Rows, ds.Columns = rows, columns
    ds.SamplesPerPixel, ds.PhotometricInterpretation, ds.PlanarConfiguration = 3, "RGB", 0
    ds.NumberOfFrames = frames
    frame = jpeg_ls_frame(rows, columns)
    ds.PixelData = encapsulate([frame])
    ds["PixelData"].VR = "OB"
    ds.ExtendedOffsetTable = struct.pack(f"<{frames}Q", *([0] * frames))
    ds.ExtendedOffsetTableLengths = struct.pack(f"<{frames}Q", *([len(frame)] * frames))
    return _save(ds, path)


def tiny_frames(path: Path, frames: int = 10_000_000) -> str:
    """``frames`` frames of 1 x 1 pixel (10**7 made convert write 31,250 chunks)."""
    ds = make_dataset(rows=1, columns=1, frames=frames, pixels=np.zeros(frames, np.uint8))
    return _save(ds, path)


def huge_delta(path: Path) -> str:
    """A region whose (0018,602C) Physical Delta X is 1e308: its x coordinates overflow to inf."""
    return _save(make_dataset(rows=48, columns=64, regions=[region_item(PhysicalDeltaX=1e308)]), path)


def absurd_reference_pixel(path: Path) -> str:
    """A region whose (0018,6020) Reference Pixel X0 is 4294967295 (SL, as a UL -1 would be read
    by a careless writer): x would run from -42,949,672 cm."""
    ds = make_dataset(rows=48, columns=64, regions=[region_item(ReferencePixelX0=0)])
    element = ds.SequenceOfUltrasoundRegions[0]["ReferencePixelX0"]
    element.VR, element.value = "UL", 4294967295
    return _save(ds, path)


#: Every crafted case of the audit: name -> builder(path).
CASES: dict[str, Callable[[Path], str]] = {
    "regions-vr-OB": lambda path: regions_with_vr(path, "OB"),
    "regions-vr-UT": lambda path: regions_with_vr(path, "UT"),
    "regions-vr-LO": lambda path: regions_with_vr(path, "LO"),
    "100000-regions": lambda path: many_regions(path, 100_000),
    "1000-copied-regions": lambda path: many_regions(path, 1000),
    "jpeg-ls-18900x18900": jpeg_ls_claiming,
    "offset-table-repeating-one-fragment": repeating_offset_table,
    "10**7-frames-of-1x1": tiny_frames,
    "delta-1e308": huge_delta,
    "reference-pixel-4294967295": absurd_reference_pixel,
}
