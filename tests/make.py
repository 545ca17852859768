"""Small synthetic DICOM files for unit tests of header logic (real files cover the rest)."""

from __future__ import annotations

from collections.abc import Sequence as SequenceABC
from pathlib import Path
from typing import Any

import numpy as np
import pydicom.uid as uids
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.sequence import Sequence


def make_dataset(
    *,
    rows: int = 480,
    columns: int = 640,
    frames: int | None = None,
    regions: SequenceABC[Dataset] | None = None,
    pixels: np.ndarray | None = None,
    **elements: Any,
) -> Dataset:
    """A minimal US Multi-frame Image data set with grey native pixel data."""
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = uids.UltrasoundMultiFrameImageStorage
    meta.MediaStorageSOPInstanceUID = uids.generate_uid()
    meta.TransferSyntaxUID = uids.ExplicitVRLittleEndian
    ds = Dataset()
    ds.file_meta = meta
    ds.SOPClassUID = meta.MediaStorageSOPClassUID
    ds.SOPInstanceUID = meta.MediaStorageSOPInstanceUID
    ds.Modality = "US"
    ds.Rows, ds.Columns = rows, columns
    ds.SamplesPerPixel = 1
    ds.PhotometricInterpretation = "MONOCHROME2"
    ds.BitsAllocated = ds.BitsStored = 8
    ds.HighBit = 7
    ds.PixelRepresentation = 0
    n = frames or 1
    if frames is not None:
        ds.NumberOfFrames = frames
    if regions is not None:
        ds.SequenceOfUltrasoundRegions = Sequence(list(regions))
    for key, value in elements.items():
        setattr(ds, key, value)
    if pixels is None:
        pixels = (np.arange(n * rows * columns, dtype=np.uint32) % 251).astype(np.uint8)
    ds.PixelData = np.ascontiguousarray(pixels).tobytes()
    return ds


def write_file(path: Path, **kwargs: Any) -> str:
    """Write :func:`make_dataset` to ``path`` and return the path as a string."""
    ds = make_dataset(**kwargs)
    ds.save_as(path, enforce_file_format=True)
    return str(path)
