"""A test-owned generator of 2D scan areas of known geometry (phased, curved and linear arrays).

Each picture is a speckle-filled scan area drawn into a black screen, with what scanners burn in
around and over it: a text block, a static ECG-like line crossing the whole region, a depth scale
of dots and labels beside the scan area and a marker letter inside it. The overlays are the same
in every frame; the speckle changes from frame to frame (half of it persists, as tissue does) and
a dark cavity moves slightly, so the multi-frame and the single-frame paths are both exercised.

The pictures are wrapped in an in-memory US (Multi-frame) Image data set with one 2D region, so a
test goes through ``echolab.open(dataset).region(0)`` exactly as for a file. A pixel belongs to
the scan area when its centre lies inside the geometry; :meth:`ScanArea.inside` is that truth.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pydicom.uid as uids
from PIL import Image, ImageDraw
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.sequence import Sequence

__all__ = ["ScanArea", "PHASED", "CURVED", "LINEAR", "scan_area_dataset", "doppler_strip_dataset"]


@dataclass(frozen=True)
class ScanArea:
    """The true geometry of a generated scan area (image pixels are (row, column), centres at integers).

    Attributes
    ----------
    kind
        ``"sector"`` or ``"linear"``.
    image_shape
        (rows, columns) of the whole frame.
    box
        Region box (x0, y0, x1, y1), inclusive image pixels.
    spacing
        (row, column) spacing in cm per pixel.
    apex
        (row, column) of the apex (sector), None for linear.
    angle_range
        (left, right) edge angles in degrees from straight down, left negative (sector).
    radius_range
        (near, far) in cm: from the apex for a sector, from the top edge for linear (near = 0).
    top_row, columns
        Linear only: the top edge row and the (left, right) edge columns, continuous image pixels.
    depth_origin
        ``"apex"`` or ``"probe face"``: where the header puts depth 0.
    """

    kind: str
    image_shape: tuple[int, int]
    box: tuple[int, int, int, int]
    spacing: tuple[float, float]
    apex: tuple[float, float] | None = None
    angle_range: tuple[float, float] = (0.0, 0.0)
    radius_range: tuple[float, float] = (0.0, 0.0)
    top_row: float = 0.0
    columns: tuple[float, float] = (0.0, 0.0)
    depth_origin: str = "apex"

    @property
    def centre_column(self) -> float:
        """Column of the centre line at the probe face."""
        if self.kind == "linear":
            return (self.columns[0] + self.columns[1]) / 2
        assert self.apex is not None
        near = self.radius_range[0]
        middle = math.radians(sum(self.angle_range) / 2)
        return self.apex[1] + near * math.sin(middle) / self.spacing[1]

    @property
    def probe_face_row(self) -> float:
        """Row of the probe face on the centre line."""
        if self.kind == "linear":
            return self.top_row
        assert self.apex is not None
        middle = math.radians(sum(self.angle_range) / 2)
        return self.apex[0] + self.radius_range[0] * math.cos(middle) / self.spacing[0]

    def polar(self, rows: np.ndarray, columns: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(radius in cm, angle in degrees) of image pixels (sector), (depth in cm, 0) for linear."""
        dy, dx = self.spacing
        if self.kind == "linear":
            return (rows - self.top_row) * dy + 0.0 * columns, np.zeros(np.broadcast(rows, columns).shape)
        assert self.apex is not None
        y, x = (rows - self.apex[0]) * dy, (columns - self.apex[1]) * dx
        return np.hypot(x, y), np.degrees(np.arctan2(x, y))

    def inside(self, rows: np.ndarray, columns: np.ndarray) -> np.ndarray:
        """True where the pixel centre (row, column) lies inside the scan area (the test's truth)."""
        radius, angle = self.polar(rows, columns)
        near, far = self.radius_range
        if self.kind == "linear":
            left, right = self.columns
            inside: np.ndarray = (radius >= near) & (radius <= far) & (columns >= left) & (columns <= right)
            return inside
        left_angle, right_angle = self.angle_range
        inside = (radius >= near) & (radius <= far) & (angle >= left_angle) & (angle <= right_angle)
        return inside

    def region_mask(self) -> np.ndarray:
        """The truth over the region box, (rows, columns) of the region."""
        x0, y0, x1, y1 = self.box
        rows, columns = np.mgrid[y0 : y1 + 1, x0 : x1 + 1]
        return self.inside(rows.astype(float), columns.astype(float))


#: Phased array with non-square pixels (as HP writes them): apex inside the image near the top,
#: asymmetric angles, depth 0 at the apex.
PHASED = ScanArea(
    kind="sector",
    image_shape=(390, 530),
    box=(30, 12, 500, 372),
    spacing=(0.024, 0.030),
    apex=(22.0, 262.0),
    angle_range=(-38.0, 42.0),
    radius_range=(0.3, 8.0),
    depth_origin="apex",
)

#: Curved array: apex 71 rows above the image, a 4 cm probe radius, depth 0 at the probe face.
CURVED = ScanArea(
    kind="sector",
    image_shape=(380, 505),
    box=(8, 20, 495, 370),
    spacing=(0.035, 0.035),
    apex=(-71.4, 250.3),
    angle_range=(-33.0, 33.0),
    radius_range=(4.0, 15.0),
    depth_origin="probe face",
)

#: Linear array: a 6.2 x 5 cm rectangle, depth 0 at its top edge.
LINEAR = ScanArea(
    kind="linear",
    image_shape=(340, 490),
    box=(20, 30, 470, 320),
    spacing=(0.02, 0.02),
    top_row=39.5,
    columns=(89.5, 400.5),
    radius_range=(0.0, 5.0),
    depth_origin="probe face",
)


# --- drawing ----------------------------------------------------------------------------------


def _tissue(area: ScanArea, rows: np.ndarray, columns: np.ndarray, shift: float) -> np.ndarray:
    """Mean echo level (0..~1.3) inside the scan area: a bright near field, attenuation with depth,
    a dark cavity with a bright wall in the middle; for sectors, dim side edges and a dark shadow
    against the left edge (speckle there is often exactly black)."""
    radius, angle = area.polar(rows, columns)
    near, far = area.radius_range
    depth = radius - near
    level = 0.25 + 0.75 * np.exp(-depth / (0.9 * (far - near)))
    level = level + 0.5 * np.exp(-(((depth - 0.25) / 0.25) ** 2))
    dy, dx = area.spacing
    centre_row = area.probe_face_row + 0.55 * (far - near) / dy
    centre_column = area.centre_column + shift
    ry, rx = 0.18 * (far - near) / dy, 0.12 * (far - near) / dx
    ellipse = np.hypot((rows - centre_row) / ry, (columns - centre_column) / rx)
    level = np.where(ellipse < 1.0, 0.05, level)
    level = level + 0.6 * np.exp(-(((ellipse - 1.15) / 0.1) ** 2))
    if area.kind == "sector":
        # the beam weakens towards the side edges, and a rib shadow darkens the left edge at mid depth
        left, right = area.angle_range
        offset = np.minimum(angle - left, right - angle) / (right - left)
        level = level * (0.35 + 0.65 * np.clip(offset / 0.25, 0.0, 1.0))
        shadow = (angle < left + 0.12 * (right - left)) & (depth > 0.4 * (far - near)) & (depth < 0.6 * (far - near))
        level = np.where(shadow, 0.03, level)
    return level


def _draw_overlays(frame: np.ndarray, area: ScanArea, rng: np.random.Generator, colour: bool) -> None:
    """Static overlays burned in like a scanner's: text, an ECG-like line, a depth scale, a marker."""
    x0, y0, x1, y1 = area.box
    picture = Image.fromarray(frame)
    draw = ImageDraw.Draw(picture)
    white = (235, 235, 235) if colour else 235
    green = (40, 230, 60) if colour else 200
    for i, text in enumerate(("echolab P21", "Gen THI", "MI 0.9 TIS 0.7")):
        draw.text((x0 + 4, y0 + 3 + 12 * i), text, fill=white)
    # the depth scale: a dot every cm down the right of the scan area, labels every 2 cm
    dy = area.spacing[0]
    column = int(area.columns[1] + 8) if area.kind == "linear" else x1 - 8
    origin = (
        area.apex[0] if area.kind == "sector" and area.depth_origin == "apex" and area.apex else area.probe_face_row
    )
    for cm in range(0, 40):
        row = origin + cm / dy
        if y0 + 2 <= row <= y1 - 8:
            draw.rectangle((column, int(row), column + 1, int(row) + 1), fill=white)
            if cm % 2 == 0:
                draw.text((column + 4, int(row) - 5), str(cm), fill=white)
    # a marker letter inside the scan area near its probe face
    draw.text((int(area.centre_column) + 30, int(area.probe_face_row) + 12), "P", fill=white)
    # an ECG-like line across the whole region, 2 pixels thick, over the lower part of the scan area
    columns = np.arange(x0, x1 + 1)
    baseline = y1 - 0.18 * (y1 - y0)
    beats = np.exp(-0.5 * ((np.mod(columns - x0, 150) - 75) / 2.5) ** 2)
    ecg = baseline - 25 * beats + rng.normal(0, 0.3, size=columns.size)
    draw.line(list(zip(columns.tolist(), ecg.tolist(), strict=True)), fill=green, width=2)
    frame[...] = np.asarray(picture)


def scan_area_frames(area: ScanArea, *, frames: int, seed: int, colour: bool = False) -> np.ndarray:
    """Frames (time, rows, columns[, 3]) of uint8: the scan area, speckled, with static overlays."""
    rng = np.random.default_rng(seed)
    rows, columns = np.mgrid[0 : area.image_shape[0], 0 : area.image_shape[1]].astype(float)
    inside = area.inside(rows, columns)
    persistent = rng.gamma(2.0, 0.5, size=inside.shape)
    overlay = np.zeros((*area.image_shape, 3) if colour else area.image_shape, dtype=np.uint8)
    _draw_overlays(overlay, area, rng, colour)
    drawn = overlay.any(axis=-1) if colour else overlay > 0
    out = np.empty((frames, *overlay.shape), dtype=np.uint8)
    for t in range(frames):
        level = _tissue(area, rows, columns, shift=4.0 * math.sin(2 * math.pi * t / max(frames, 2)))
        speckle = 0.5 * persistent + 0.5 * rng.gamma(2.0, 0.5, size=inside.shape)
        grey = np.clip(np.where(inside, level * speckle * 120.0, 0.0), 0, 255).astype(np.uint8)
        picture = np.repeat(grey[..., None], 3, axis=-1) if colour else grey
        out[t] = np.where(drawn[..., None] if colour else drawn, overlay, picture)
    return out


# --- DICOM ------------------------------------------------------------------------------------


def _dataset(pixels: np.ndarray, region: Dataset, *, colour: bool) -> Dataset:
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = uids.UltrasoundMultiFrameImageStorage
    meta.MediaStorageSOPInstanceUID = uids.generate_uid(entropy_srcs=["echolab tests scan areas"])
    meta.TransferSyntaxUID = uids.ExplicitVRLittleEndian
    ds = Dataset()
    ds.file_meta = meta
    ds.SOPClassUID = meta.MediaStorageSOPClassUID
    ds.SOPInstanceUID = meta.MediaStorageSOPInstanceUID
    ds.Modality = "US"
    ds.Rows, ds.Columns = pixels.shape[1:3]
    ds.NumberOfFrames = pixels.shape[0]
    ds.FrameTime = 33.3
    ds.SamplesPerPixel = 3 if colour else 1
    ds.PhotometricInterpretation = "RGB" if colour else "MONOCHROME2"
    if colour:
        ds.PlanarConfiguration = 0
    ds.BitsAllocated = ds.BitsStored = 8
    ds.HighBit = 7
    ds.PixelRepresentation = 0
    ds.SequenceOfUltrasoundRegions = Sequence([region])
    ds.PixelData = np.ascontiguousarray(pixels).tobytes()
    return ds


def _region_item(
    box: tuple[int, int, int, int],
    spatial_format: int,
    data_type: int,
    units: tuple[int, int],
    delta: tuple[float, float],
    reference_value: tuple[float, float],
) -> Dataset:
    item = Dataset()
    item.RegionSpatialFormat = spatial_format
    item.RegionDataType = data_type
    item.RegionFlags = 0
    item.RegionLocationMinX0, item.RegionLocationMinY0, item.RegionLocationMaxX1, item.RegionLocationMaxY1 = box
    item.PhysicalUnitsXDirection, item.PhysicalUnitsYDirection = units
    item.PhysicalDeltaX, item.PhysicalDeltaY = delta
    item.ReferencePixelX0 = item.ReferencePixelY0 = 0
    item.ReferencePixelPhysicalValueX, item.ReferencePixelPhysicalValueY = reference_value
    return item


def scan_area_dataset(area: ScanArea, *, frames: int = 8, seed: int = 0, colour: bool = False) -> Dataset:
    """An in-memory US image data set: one 2D tissue region (item 0) holding ``area``.

    The region's calibration puts lateral 0 on the centre line and depth 0 at the apex or the
    probe face (``area.depth_origin``), through (0018,602A/6028) Reference Pixel Physical Values
    at the region's top-left pixel.
    """
    pixels = scan_area_frames(area, frames=frames, seed=seed, colour=colour)
    x0, y0 = area.box[:2]
    dy, dx = area.spacing
    origin_row = area.apex[0] if area.depth_origin == "apex" and area.apex is not None else area.probe_face_row
    centre = area.apex[1] if area.depth_origin == "apex" and area.apex is not None else area.centre_column
    region = _region_item(area.box, 1, 1, (3, 3), (dx, dy), ((x0 - centre) * dx, (y0 - origin_row) * dy))
    return _dataset(pixels, region, colour=colour)


def doppler_strip_dataset(*, seed: int = 0) -> Dataset:
    """A PW spectral Doppler strip (speckled flow power over time) as region 0: no scan area."""
    rng = np.random.default_rng(seed)
    rows, columns = 300, 480
    velocity = (np.arange(rows) - 150)[:, None]
    envelope = 60 + 50 * np.sin(np.arange(columns) / 20.0)[None, :]
    power = np.where(np.abs(velocity) < envelope, 160.0, 6.0) * rng.gamma(4.0, 0.25, size=(rows, columns))
    pixels = np.clip(power, 0, 255).astype(np.uint8)[None]
    region = _region_item((0, 0, columns - 1, rows - 1), 3, 3, (4, 7), (0.004, -0.8), (0.0, 120.0))
    return _dataset(pixels, region, colour=False)
