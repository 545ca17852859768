"""A cine whose answers are known, for the clips and beats tests.

An in-memory DICOM cine of a bright dot moving at a known velocity (cm/s) through speckle in a
sector, with an irregular (0018,1065) Frame Time Vector, non-square pixels (Physical Delta X ≠
Delta Y) and an (0018,6060) R Wave Time Vector. The dot's position in every exported frame is
compared with speed × time; the same cine with the frame times or the aspect read wrongly must fail
that comparison (the tests are sensitive to both).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pydicom.uid as uids
import pytest
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.sequence import Sequence

DX, DY = 0.03, 0.05  # cm per pixel: non-square on purpose


ROWS, COLUMNS = 300, 400


BOX = (20, 10, 379, 289)  # x0, y0, x1, y1


APEX = (14, 200)  # image (row, column): depth 0 and lateral 0


START = np.array([-1.5, 3.0])  # dot at t = 0: (x, y) cm


VELOCITY = np.array([2.0, 3.0])  # cm/s


DOT_SIGMA = 0.08  # cm


#: irregular frame increments (ms): 20 frames 20 ms apart, then 20 frames 55 ms apart
INCREMENTS = [0.0] + [20.0] * 20 + [55.0] * 19


R_WAVES_MS = [120.0, 780.0, 1390.0, 1500.0]  # the last beat ends after the last frame (1.445 s)


@dataclass(frozen=True)
class Cine:
    dataset: Dataset
    times: np.ndarray  # s, the true frame times


def dot_position(t: np.ndarray | float) -> np.ndarray:
    """(x, y) cm of the dot at time(s) ``t`` s."""
    return START + np.multiply.outer(np.asarray(t, dtype=np.float64), VELOCITY)


def make_cine(*, rgb: bool = True, r_waves: list[float] | None = R_WAVES_MS, seed: int = 1) -> Cine:
    """A 2D sector cine with a moving dot (see the module docstring); RGB with R=G=B by default."""
    rng = np.random.default_rng(seed)
    times = np.cumsum(INCREMENTS) / 1000.0
    x0, y0, x1, y1 = BOX
    rows, columns = np.mgrid[0:ROWS, 0:COLUMNS]
    x_cm = (columns - APEX[1]) * DX
    y_cm = (rows - APEX[0]) * DY
    radius, angle = np.hypot(x_cm, y_cm), np.degrees(np.arctan2(x_cm, y_cm))
    inside = (radius <= 12.5) & (np.abs(angle) <= 40) & (rows >= y0) & (rows <= y1) & (columns >= x0) & (columns <= x1)
    frames = np.zeros((len(times), ROWS, COLUMNS), dtype=np.uint8)
    for i, t in enumerate(times):
        speckle = rng.gamma(4.0, 10.0, size=(ROWS, COLUMNS))  # changes from frame to frame, mean 40
        x, y = dot_position(t)
        dot = 200.0 * np.exp(-((x_cm - x) ** 2 + (y_cm - y) ** 2) / (2 * DOT_SIGMA**2))
        frames[i] = np.clip((speckle + dot) * inside, 0, 255).astype(np.uint8)

    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = uids.UltrasoundMultiFrameImageStorage
    meta.MediaStorageSOPInstanceUID = uids.generate_uid(entropy_srcs=[f"echolab clips test {seed} {rgb}"])
    meta.TransferSyntaxUID = uids.ExplicitVRLittleEndian
    ds = Dataset()
    ds.file_meta = meta
    ds.SOPClassUID = meta.MediaStorageSOPClassUID
    ds.SOPInstanceUID = meta.MediaStorageSOPInstanceUID
    ds.Modality = "US"
    ds.Manufacturer = "echolab tests"
    ds.PatientName = "Secret^Patient"
    ds.PatientID = "ID-12345"
    ds.InstitutionName = "Hospital of Secrets"
    ds.NumberOfFrames = len(times)
    ds.FrameIncrementPointer = 0x00181065
    ds.FrameTimeVector = [f"{v:g}" for v in INCREMENTS]
    if r_waves is not None:
        ds.RWaveTimeVector = r_waves
    ds.Rows, ds.Columns = ROWS, COLUMNS
    ds.BitsAllocated = ds.BitsStored = 8
    ds.HighBit = 7
    ds.PixelRepresentation = 0
    if rgb:
        ds.SamplesPerPixel = 3
        ds.PhotometricInterpretation = "RGB"
        ds.PlanarConfiguration = 0
        ds.PixelData = np.repeat(frames[..., None], 3, axis=-1).tobytes()
    else:
        ds.SamplesPerPixel = 1
        ds.PhotometricInterpretation = "MONOCHROME2"
        ds.PixelData = frames.tobytes()
    item = Dataset()
    item.RegionSpatialFormat = 1
    item.RegionDataType = 1
    item.RegionFlags = 0
    item.RegionLocationMinX0, item.RegionLocationMinY0, item.RegionLocationMaxX1, item.RegionLocationMaxY1 = BOX
    item.PhysicalUnitsXDirection = item.PhysicalUnitsYDirection = 3
    item.PhysicalDeltaX, item.PhysicalDeltaY = DX, DY
    item.ReferencePixelX0, item.ReferencePixelY0 = APEX[1] - x0, APEX[0] - y0
    item.ReferencePixelPhysicalValueX = item.ReferencePixelPhysicalValueY = 0.0
    ds.SequenceOfUltrasoundRegions = Sequence([item])
    return Cine(ds, times)


@pytest.fixture(scope="module")
def cine() -> Cine:
    """The cine, made once per test module."""
    return make_cine()
