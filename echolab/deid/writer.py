"""Assemble and write a de-identified file: cleaned header, new file meta, encapsulated frames.

The file is built in memory and written under a temporary name in its folder, then renamed into
place: a crash never leaves a half-written file under a final name. Names come from the new UIDs,
``<Study Instance UID>/<SOP Instance UID>.dcm`` (input names often carry the patient's name).
"""

from __future__ import annotations

import hashlib
import io
import os
from pathlib import Path

import pydicom
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.encaps import encapsulate, encapsulate_extended

from .encoding import Codec

__all__ = ["output_name", "assemble", "write_atomic"]


def output_name(dataset: Dataset) -> str:
    """The output's path relative to the output folder, from its (new) UIDs."""
    return f"{dataset.StudyInstanceUID}/{dataset.SOPInstanceUID}.dcm"


def assemble(header: Dataset, frames: list[bytes], codec: Codec) -> Dataset:
    """The output data set: ``header`` (cleaned, with its Image Pixel module set) plus the
    encapsulated ``frames`` and a new file meta group. ``header`` is modified and returned."""
    dataset = header
    for keyword in ("PixelData", "ExtendedOffsetTable", "ExtendedOffsetTableLengths", "PixelDataProviderURL"):
        if keyword in dataset:
            delattr(dataset, keyword)
    total = (len(frames) - 1) * 8 + sum(len(f) for f in frames[:-1])
    if total > 2**32 - 1:  # too far for the Basic Offset Table: as pydicom's compress() does
        dataset.PixelData, dataset.ExtendedOffsetTable, dataset.ExtendedOffsetTableLengths = encapsulate_extended(
            frames
        )
    else:
        dataset.PixelData = encapsulate(frames, has_bot=True)
    element = dataset["PixelData"]
    element.VR = "OB"
    element.is_undefined_length = True

    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = dataset.SOPClassUID
    meta.MediaStorageSOPInstanceUID = dataset.SOPInstanceUID
    meta.TransferSyntaxUID = codec.transfer_syntax_uid
    dataset.file_meta = meta
    return dataset


def encode_file(dataset: Dataset) -> bytes:
    """The DICOM file (preamble, file meta, data set) as bytes."""
    buffer = io.BytesIO()
    dataset.preamble = b"\x00" * 128
    pydicom.dcmwrite(buffer, dataset, enforce_file_format=True)
    return buffer.getvalue()


def write_atomic(data: bytes, path: Path) -> str:
    """Write ``data`` to ``path`` through a temporary file renamed into place; return its sha256."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.{os.getpid()}.partial")
    try:
        with open(partial, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(partial, path)
    finally:
        if partial.exists():
            partial.unlink()
    return hashlib.sha256(data).hexdigest()
