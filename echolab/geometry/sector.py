"""The scan-area model: :class:`Sector`, its polar coordinates and its masks.

Image pixels are (row, column) with pixel centres at integers, as the ``row`` / ``column`` coords
of a region DataArray; "left" is towards column 0 on screen, whatever the sign of the region's x
axis. Angles are in degrees from straight down (the image's +row direction), negative to the left.
Radii and depths are in the region's spatial units (cm; "pixel" for an uncalibrated region).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import xarray as xr

from ..conventions import LONG_NAME, REGION_INDEX, SCAN_AREA_NAME

__all__ = ["Sector", "BoolArray", "FloatArray", "mask_dataarray", "pixel_coords"]

FloatArray = np.ndarray[Any, np.dtype[np.float64]]
BoolArray = np.ndarray[Any, np.dtype[np.bool_]]


@dataclass(frozen=True)
class Sector:
    """The scan area of a 2D region: a sector (phased or curved array) or a linear rectangle.

    Build one with :func:`~echolab.geometry.estimate_sector` or :meth:`echolab.EchoFile.sector`. Positions are
    continuous image pixels (row, column), pixel centres at integers; a pixel is inside the scan
    area when its centre is.

    Attributes
    ----------
    kind
        ``"sector"`` (phased or curved array: side edges meet at an apex) or ``"linear"``
        (parallel side edges).
    apex
        (row, column) of the apex in image pixels, floats; above the image (negative row) for
        curved arrays. None for a linear scan area.
    angle_range
        (left, right) angles of the side edges in degrees from straight down, left negative.
        (0.0, 0.0) for a linear scan area.
    radius_range
        (near, far) in ``units`` (cm) along the centre line: from the apex for a sector (near is
        the probe face: about 0 for a phased array, the probe radius for a curved array); from the
        probe face (the top edge) for a linear scan area, so near is 0.
    probe_face
        (row, column) in image pixels where the centre line meets the probe face (the near arc,
        or the top edge of a linear area): the top of a field of view centred on the scan area.
    lateral_range
        (left, right) image columns that bound the scan area: the side edges of a linear area; for
        a sector, vertical cuts of its sides (as HP draws them; the uncut side at the region's
        border), None when the sector is not cut.
    confidence
        0..1: overlap (IoU) of the fitted shape with the detected scan area, times the fraction of
        the side edges' rows where a detected edge lies on the fitted line.
    spacing
        (row, column) pixel spacing in ``units`` per pixel, positive, from the region's y/x coords.
    units
        Units of ``radius_range`` and ``spacing``: ``"cm"``, or ``"pixel"`` when the region is
        uncalibrated.
    region_box
        (x0, y0, x1, y1) inclusive image pixels the estimate looked at (the region's box).
    region_index
        The region's index in (0018,6011), None when unknown.
    frames
        Frame indices (positions along ``time``) whose pixels were used.
    method
        ``"temporal"`` (several frames: brightness and frame-to-frame change) or ``"single frame"``.
    header_origin
        (row, column) in image pixels where the region's depth (y) and lateral (x) coordinates are
        0, from its calibration; None when the axes are not calibrated.
    header_agrees
        True when the header's depth 0 falls at the apex or at the probe face (within 3 pixels or
        2 % of the region's height, whichever is larger) and, when the header's lateral 0 lies
        inside the scan area's width, on the centre line too (same tolerance on the width); False
        otherwise (``notes`` says where the header puts them); None without a calibrated header.
    notes
        What the estimate noticed: header disagreement, edges clipped by the region box, ...
    mask
        Boolean DataArray over the region's (y, x) with its ``row`` / ``column`` coords, True
        inside the scan area (the fitted shape, not the raw detection).
    """

    kind: Literal["sector", "linear"]
    apex: tuple[float, float] | None
    angle_range: tuple[float, float]
    radius_range: tuple[float, float]
    probe_face: tuple[float, float]
    lateral_range: tuple[float, float] | None
    confidence: float
    spacing: tuple[float, float]
    units: str
    region_box: tuple[int, int, int, int]
    region_index: int | None = None
    frames: tuple[int, ...] = ()
    method: str = "temporal"
    header_origin: tuple[float, float] | None = None
    header_agrees: bool | None = None
    notes: tuple[str, ...] = ()
    mask: xr.DataArray = field(default_factory=lambda: xr.DataArray(np.zeros((0, 0), bool)), compare=False, repr=False)

    # --- derived geometry ------------------------------------------------------------------

    @property
    def centre_angle(self) -> float:
        """Direction of the centre line, degrees from straight down (0 for a symmetric sector)."""
        return (self.angle_range[0] + self.angle_range[1]) / 2

    @property
    def probe_face_row(self) -> float:
        """Image row of the probe face on the centre line (the top of a linear area)."""
        return self.probe_face[0]

    @property
    def centre_column(self) -> float:
        """Image column of the centre line at the probe face."""
        return self.probe_face[1]

    @property
    def far_centre(self) -> tuple[float, float]:
        """(row, column) in image pixels where the centre line meets the far edge."""
        row, column = self.pixel_at(self.radius_range[1], self.centre_angle)
        return float(row), float(column)

    @property
    def bounds(self) -> tuple[int, int, int, int]:
        """(x0, y0, x1, y1): inclusive image pixels of the scan area's bounding box, within the region."""
        x0, y0, x1, y1 = self.region_box
        rows, columns = np.nonzero(self.image_mask((y1 + 1, x1 + 1)))
        if rows.size == 0:
            return (x0, y0, x0, y0)
        return (int(columns.min()), int(rows.min()), int(columns.max()), int(rows.max()))

    def polar(self, rows: Any, columns: Any) -> tuple[FloatArray, FloatArray]:
        """Polar position of image pixels.

        Parameters
        ----------
        rows, columns
            Image pixel positions (broadcast together), floats allowed.

        Returns
        -------
        radius, angle
            For a sector: distance from the apex in ``units`` and angle in degrees from straight
            down (left negative). For a linear area: depth below the probe face in ``units`` and
            lateral distance from the centre line in ``units`` (in place of the angle).
        """
        rows = np.asarray(rows, dtype=np.float64)
        columns = np.asarray(columns, dtype=np.float64)
        dy, dx = self.spacing
        if self.apex is None:
            depth = (rows - self.probe_face[0]) * dy + 0.0 * columns
            lateral = (columns - self.probe_face[1]) * dx + 0.0 * rows
            return depth, lateral
        y = (rows - self.apex[0]) * dy
        x = (columns - self.apex[1]) * dx
        return np.hypot(x, y), np.degrees(np.arctan2(x, y))

    def pixel_at(self, radius: Any, angle: Any) -> tuple[FloatArray, FloatArray]:
        """Inverse of :meth:`polar`: image (row, column) at ``radius`` (units) and ``angle`` (degrees;
        for a linear area the lateral distance in units from the centre line)."""
        radius = np.asarray(radius, dtype=np.float64)
        angle = np.asarray(angle, dtype=np.float64)
        dy, dx = self.spacing
        if self.apex is None:
            return self.probe_face[0] + radius / dy + 0.0 * angle, self.probe_face[1] + angle / dx + 0.0 * radius
        theta = np.radians(angle)
        return self.apex[0] + radius * np.cos(theta) / dy, self.apex[1] + radius * np.sin(theta) / dx

    def contains(self, rows: Any, columns: Any) -> BoolArray:
        """True where the image pixel (row, column) lies inside the scan area (broadcast)."""
        radius, angle = self.polar(rows, columns)
        near, far = self.radius_range
        inside = (radius >= near) & (radius <= far)
        if self.apex is not None:
            inside &= (angle >= self.angle_range[0]) & (angle <= self.angle_range[1])
        if self.lateral_range is not None:
            left, right = self.lateral_range
            columns = np.asarray(columns, dtype=np.float64)
            inside &= (columns >= left) & (columns <= right)
        result: BoolArray = np.asarray(inside, dtype=bool)
        return result

    def image_mask(self, shape: tuple[int, int], *, clip_to_region: bool = True) -> BoolArray:
        """Boolean mask of a whole frame of ``shape`` = (rows, columns), True inside the scan area.

        Parameters
        ----------
        shape
            (rows, columns) of the frame, in the image pixels the sector was estimated in.
        clip_to_region
            Keep the mask inside the region box (default): a scan area never extends past its region.
        """
        rows, columns = np.ogrid[0 : shape[0], 0 : shape[1]]
        mask = self.contains(rows, columns)
        if clip_to_region:
            x0, y0, x1, y1 = self.region_box
            box = np.zeros(shape, dtype=bool)
            box[max(y0, 0) : y1 + 1, max(x0, 0) : x1 + 1] = True
            mask &= box
        return mask

    def mask_like(self, region: xr.DataArray) -> xr.DataArray:
        """The scan-area mask over another DataArray's (y, x), using its ``row`` / ``column`` coords."""
        rows, columns = pixel_coords(region)
        data = self.contains(rows[:, None], columns[None, :])
        return mask_dataarray(data, region, self.region_index)


def pixel_coords(region: xr.DataArray) -> tuple[FloatArray, FloatArray]:
    """Image rows and columns of the region's y/x samples (0-based offsets when coords are absent)."""
    rows = region["row"].values if "row" in region.coords else np.arange(region.sizes["y"])
    columns = region["column"].values if "column" in region.coords else np.arange(region.sizes["x"])
    return np.asarray(rows, dtype=np.float64), np.asarray(columns, dtype=np.float64)


def mask_dataarray(data: BoolArray, region: xr.DataArray, index: int | None) -> xr.DataArray:
    """``data`` (True inside the scan area) over ``region``'s y/x and their ``row`` / ``column``
    coords, named :data:`~echolab.conventions.SCAN_AREA_NAME`; ``index`` is the region's item
    index (-1 when unknown)."""
    coords = {name: region.coords[name] for name in ("y", "x", "row", "column") if name in region.coords}
    return xr.DataArray(
        data,
        dims=("y", "x"),
        coords=coords,
        name=SCAN_AREA_NAME,
        attrs={LONG_NAME: "inside the scan area", REGION_INDEX: -1 if index is None else index},
    )
