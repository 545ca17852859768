"""Scan-area geometry of a 2D region, estimated from its pixels: apex, angles, radii and mask.

A 2D region of (0018,6011) is a box; the picture the probe made is a smaller scan area inside it
— a sector (phased or curved array: two straight side edges meeting at an apex, a far arc and, for
a curved array, a near arc at the probe face) or a rectangle (linear array). :func:`estimate_sector`
finds it from the pixels and returns a frozen :class:`Sector`; :func:`to_polar` resamples a region
onto depth × angle.

How the scan area is found
--------------------------
1. A few frames spread over the cine are decoded (16 by default, never all of them).
2. Evidence that a pixel belongs to the scan area: it is brighter than the background (the region's
   darkest level) in most frames, or its value changes from frame to frame (speckle moves, burned-in
   overlays do not). On a single frame only the first applies: speckle is seldom exactly black,
   the screen around the scan area is.
3. Overlays are thin (text, ECG lines, depth-scale dots) or detached: a morphological opening
   removes them, then the largest connected component is kept and its holes (dark cavities) filled.
4. The side edges are fitted by robust (RANSAC, then least-squares) straight lines to the leftmost
   and rightmost scan-area pixel of each row, in physical units (cm, so that non-square pixels
   give true angles); up to three straight pieces per side. Slanted edges opening downwards make a
   sector: their intersection is the apex, their directions the angles; a vertical piece below a
   slanted edge is a display cut (HP draws its sectors so). Edges within 6° of vertical make a
   linear scan area. Rows where the area touches the region's border are not edges (clipping).
   When only one side edge lies inside the region, the apex is placed on it at the centre of the
   far arc (or of the near arc), fitted by least squares.
5. Near and far radii are the median over angle bins of the nearest and farthest scan-area pixel
   from the apex, leaving out bins that end on the region's border or a cut (the top and bottom
   rows for a linear area). What was clipped is said in ``Sector.notes``.

The result is cross-checked against the header: the image point where the region's depth and
lateral coordinates are 0 (``Sector.header_origin``) should be the apex of a phased array, or the
probe face on the centre line. Disagreement is reported (``header_agrees``, ``notes``), never
silently resolved.

Coordinates
-----------
Image pixels are (row, column) with pixel centres at integers, as the ``row`` / ``column`` coords
of a region DataArray; "left" is towards column 0 on screen, whatever the sign of the region's x
axis. Angles are in degrees from straight down (the image's +row direction), negative to the left.
Radii and depths are in the region's spatial units (cm; "pixel" for an uncalibrated region).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import xarray as xr

from .codes import RegionKind
from .conventions import LONG_NAME, PIXEL_UNITS, REGION_INDEX, REGION_KIND, UNITS, source_of
from .errors import GeometryError

__all__ = ["Sector", "estimate_sector", "to_polar"]

#: Region kinds (attr ``region_kind``) that hold a 2D scan area.
#: The region kinds that hold a scan area (their ``region_kind`` attr values).
SCAN_KINDS = tuple(kind.value for kind in RegionKind if kind.is_two_d)

FloatArray = np.ndarray[Any, np.dtype[np.float64]]
BoolArray = np.ndarray[Any, np.dtype[np.bool_]]


@dataclass(frozen=True)
class Sector:
    """The scan area of a 2D region: a sector (phased or curved array) or a linear rectangle.

    Build one with :func:`estimate_sector` or :meth:`echolab.EchoFile.sector`. Positions are
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
        The region's index in (0018,6011) (its ``region_index`` attr), None when unknown.
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
        rows, columns = _pixel_coords(region)
        data = self.contains(rows[:, None], columns[None, :])
        return _mask_dataarray(data, region)


# --- estimation ---------------------------------------------------------------------------------


def estimate_sector(region: xr.DataArray, *, frames: int | Sequence[int] = 16) -> Sector:
    """Estimate the scan area of a 2D region from its pixels.

    Parameters
    ----------
    region
        A 2D region as :meth:`echolab.EchoFile.region` returns it: dims ``("time", "y", "x"[,
        "channel"])`` (``time`` optional), ``row`` / ``column`` coords, y/x in cm.
    frames
        How many frames to decode, spread evenly over the cine (default 16), or the frame
        positions to use. Only those frames are decoded.

    Returns
    -------
    Sector
        The fitted geometry, its mask, a confidence and the cross-check against the header.

    Raises
    ------
    GeometryError
        When the region is not 2D (M-mode, Doppler, trace) or holds no scan area (a black or
        uniform frame, too little texture, no straight side edges); the message names the file,
        the region and why.
    """
    source = source_of(region)
    name = _region_name(region)
    kind = region.attrs.get(REGION_KIND)
    if kind is not None and kind not in SCAN_KINDS:
        raise GeometryError(f"{name} is {_article(kind)} {kind} region, not a 2D scan area", source)
    if "y" not in region.dims or "x" not in region.dims:
        raise GeometryError(f"{name} has dims {region.dims}; a scan area needs 'y' and 'x'", source)
    if region.sizes["y"] < 16 or region.sizes["x"] < 16:
        raise GeometryError(f"{name} is only {region.sizes['y']} x {region.sizes['x']} pixels: too small", source)
    spacing, units = _spacing(region)
    positions = _frame_positions(region, frames, source)
    grey = _decode(region, positions)
    rows, columns = _pixel_coords(region)
    try:
        detected, method = _detect(grey)
        fit = _fit(detected, rows, columns, spacing)
    except _NoScanArea as exc:
        raise GeometryError(f"{name}: no scan area found: {exc}", source) from None
    return _build_sector(fit, detected, region, rows, columns, spacing, units, positions, method)


class _NoScanArea(Exception):
    """Internal: why the pixels hold no scan area (wrapped into a GeometryError with the names)."""


def _region_name(region: xr.DataArray) -> str:
    index = region.attrs.get(REGION_INDEX)
    return f"region {index}" if index is not None else "the region"


def _article(word: str) -> str:
    return "an" if word[:1].lower() in "aeiou" or word[:2] in ("M-",) else "a"


def _spacing(region: xr.DataArray) -> tuple[tuple[float, float], str]:
    """(row, column) spacing from the y/x coords (positive), and their units."""
    steps = []
    units = []
    for dim in ("y", "x"):
        values = np.asarray(region[dim].values, dtype=np.float64)
        step = abs(float(values[1] - values[0])) if values.size > 1 else 1.0
        unit = str(region[dim].attrs.get(UNITS, PIXEL_UNITS))
        if not math.isfinite(step) or step == 0.0:
            step, unit = 1.0, "pixel"
        steps.append(step)
        units.append(unit)
    if units[0] != units[1]:
        # one calibrated axis and one not: geometry needs a common scale
        return (1.0, 1.0), "pixel"
    return (steps[0], steps[1]), units[0]


def _pixel_coords(region: xr.DataArray) -> tuple[FloatArray, FloatArray]:
    """Image rows and columns of the region's y/x samples (0-based offsets when coords are absent)."""
    rows = region["row"].values if "row" in region.coords else np.arange(region.sizes["y"])
    columns = region["column"].values if "column" in region.coords else np.arange(region.sizes["x"])
    return np.asarray(rows, dtype=np.float64), np.asarray(columns, dtype=np.float64)


def _frame_positions(region: xr.DataArray, frames: int | Sequence[int], source: str | None) -> tuple[int, ...]:
    count = region.sizes.get("time", 1)
    if isinstance(frames, bool) or not isinstance(frames, (int, np.integer, Sequence, np.ndarray)):
        raise TypeError(f"frames must be a number of frames or a sequence of positions, not {type(frames).__name__}")
    if isinstance(frames, (int, np.integer)):
        n = max(1, min(int(frames), count))
        return tuple(int(i) for i in np.unique(np.linspace(0, count - 1, n).round().astype(int)))
    positions = tuple(int(i) for i in frames)
    if not positions or any(not -count <= i < count for i in positions):
        raise GeometryError(f"frames {positions} are not positions along time (0..{count - 1})", source)
    return tuple(sorted({i % count for i in positions}))


def _decode(region: xr.DataArray, positions: tuple[int, ...]) -> np.ndarray:
    """Grey frames (n, rows, columns) as float32: channels averaged."""
    if "time" in region.dims:
        data = region.isel(time=list(positions)).transpose("time", "y", "x", ...).values
    else:
        data = region.transpose("y", "x", ...).values[None]
    grey = np.asarray(data, dtype=np.float32)
    if grey.ndim == 4:
        grey = grey.mean(axis=-1)
    return grey


def _detect(grey: np.ndarray) -> tuple[BoolArray, str]:
    """The scan area as detected (before fitting), and the method used."""
    from scipy import ndimage  # imported on use: it keeps `import echolab` light

    n, height, width = grey.shape
    mean = grey.mean(axis=0)
    background = float(np.percentile(mean, 1.0))
    top = float(np.percentile(mean, 99.5))
    if not top > background:
        raise _NoScanArea(f"the {'frames are' if n > 1 else 'frame is'} uniform (every pixel about {background:.3g})")
    tolerance = max(0.5, 0.004 * (top - background))
    above = (grey > background + tolerance).mean(axis=0)
    evidence = ndimage.uniform_filter(above.astype(np.float32), 3) >= 0.5
    method = "single frame"
    if n > 1:
        spread = grey.std(axis=0)
        if np.count_nonzero(spread > tolerance) > 0.01 * spread.size:
            method = "temporal"
            moving = ndimage.uniform_filter((spread > max(1.0, 2 * tolerance)).astype(np.float32), 3) >= 0.5
            evidence |= moving
    if np.count_nonzero(evidence) < 0.02 * evidence.size:
        raise _NoScanArea(
            f"only {100 * np.count_nonzero(evidence) / evidence.size:.1f} % of the pixels differ from the background"
        )
    radius = int(np.clip(round(min(height, width) / 100), 2, 6))
    opened = ndimage.binary_opening(evidence, structure=_disk(radius))
    labels, count = ndimage.label(opened)
    if count == 0:
        raise _NoScanArea("nothing but thin lines and text differs from the background")
    sizes = np.bincount(labels.ravel())[1:]
    biggest = labels == (int(np.argmax(sizes)) + 1)
    if np.count_nonzero(biggest) < 0.04 * biggest.size:
        raise _NoScanArea(
            f"the largest textured area covers only {100 * np.count_nonzero(biggest) / biggest.size:.1f} % "
            "of the region"
        )
    # what the opening shaved off next to the scan area (the tip of a phased sector) comes back
    recovered = biggest | (evidence & ndimage.binary_dilation(biggest, structure=_disk(radius + 1)))
    filled: BoolArray = ndimage.binary_fill_holes(recovered)
    return filled, method


def _disk(radius: int) -> BoolArray:
    y, x = np.ogrid[-radius : radius + 1, -radius : radius + 1]
    disk: BoolArray = (x * x + y * y) <= radius * radius
    return disk


@dataclass(frozen=True)
class _Fit:
    kind: Literal["sector", "linear"]
    apex: tuple[float, float] | None
    angle_range: tuple[float, float]
    radius_range: tuple[float, float]
    lateral_range: tuple[float, float] | None
    probe_face: tuple[float, float]
    notes: tuple[str, ...]


@dataclass(frozen=True)
class _Line:
    """A side edge ``x = a + b * y`` in physical units, and the y of the boundary points on it."""

    a: float
    b: float
    y: FloatArray

    @property
    def count(self) -> int:
        return int(self.y.size)

    @property
    def angle(self) -> float:
        """Degrees from straight down, negative when the edge runs down to the left."""
        return math.degrees(math.atan(self.b))

    def x_at(self, y: Any) -> Any:
        return self.a + self.b * y


@dataclass(frozen=True)
class _Boundary:
    """The detected mask's outline, in image pixels and physical units."""

    rows: FloatArray  # image rows that hold scan-area pixels
    left: FloatArray  # image column of the left boundary per row (a pixel edge)
    right: FloatArray
    left_clipped: BoolArray  # the boundary is the region's border, not an edge of the scan area
    right_clipped: BoolArray


def _boundary(mask: BoolArray, rows: FloatArray, columns: FloatArray) -> _Boundary:
    index = np.nonzero(mask.any(axis=1))[0]
    sub = mask[index]
    left = np.argmax(sub, axis=1)
    right = mask.shape[1] - 1 - np.argmax(sub[:, ::-1], axis=1)
    return _Boundary(
        rows=rows[index],
        left=columns[left] - 0.5,
        right=columns[right] + 0.5,
        left_clipped=left == 0,
        right_clipped=right == mask.shape[1] - 1,
    )


def _ransac_line(
    y: FloatArray, x: FloatArray, tolerance: float, rng: np.random.Generator, trials: int = 300
) -> tuple[float, float, BoolArray]:
    """Robust fit of x = a + b * y (RANSAC, then least squares on the inliers); (a, b, inliers)."""
    n = y.size
    i = rng.integers(0, n, size=trials)
    j = rng.integers(0, n, size=trials)
    keep = np.abs(y[i] - y[j]) > 0.1 * (y.max() - y.min() + 1e-9)
    i, j = i[keep], j[keep]
    if i.size == 0:
        return float(np.median(x)), 0.0, np.zeros(n, dtype=bool)
    b = (x[j] - x[i]) / (y[j] - y[i])
    a = x[i] - b * y[i]
    residual = np.abs(x[None, :] - (a[:, None] + b[:, None] * y[None, :]))
    best = int(np.argmax((residual < tolerance).sum(axis=1)))
    inliers = residual[best] < tolerance
    a_fit, b_fit = float(a[best]), float(b[best])
    for _ in range(3):
        if np.count_nonzero(inliers) < 2:
            break
        b_fit, a_fit = (float(v) for v in np.polyfit(y[inliers], x[inliers], 1))
        inliers = np.abs(x - (a_fit + b_fit * y)) < tolerance
    return a_fit, b_fit, inliers


def _side_lines(y: FloatArray, x: FloatArray, tolerance: float, minimum: int) -> list[_Line]:
    """Up to three straight pieces of one side's boundary (a slanted edge, a vertical cut, ...), best first."""
    rng = np.random.default_rng(0)
    lines: list[_Line] = []
    remaining = np.ones(y.size, dtype=bool)
    for _ in range(3):
        if np.count_nonzero(remaining) < minimum:
            break
        index = np.nonzero(remaining)[0]
        a, b, inliers = _ransac_line(y[index], x[index], tolerance, rng)
        if np.count_nonzero(inliers) < minimum:
            break
        lines.append(_Line(a, b, y[index[inliers]]))
        remaining[index[inliers]] = False
    return lines


#: Side edges within this many degrees of vertical are vertical (linear edges or display cuts).
_VERTICAL_DEGREES = 6.0


def _fit(mask: BoolArray, rows: FloatArray, columns: FloatArray, spacing: tuple[float, float]) -> _Fit:
    """Fit a sector or a rectangle to the detected mask (region-shaped)."""
    dy, dx = spacing
    outline = _boundary(mask, rows, columns)
    minimum = max(8, int(0.05 * outline.rows.size))
    tolerance = 1.5 * max(dx, dy)
    notes: list[str] = []
    sides: dict[str, list[_Line]] = {}
    reaches_border: dict[str, bool] = {}
    for side, column, clipped in (
        ("left", outline.left, outline.left_clipped),
        ("right", outline.right, outline.right_clipped),
    ):
        use = ~clipped
        reaches_border[side] = bool(np.count_nonzero(clipped) >= minimum)
        y, x = outline.rows[use] * dy, column[use] * dx
        sides[side] = _side_lines(y, x, tolerance, minimum) if y.size >= minimum else []
    best = {side: max(lines, key=lambda line: line.count) for side, lines in sides.items() if lines}
    if len(best) == 2 and best["left"].angle >= _VERTICAL_DEGREES and best["right"].angle <= -_VERTICAL_DEGREES:
        raise _NoScanArea(
            f"the side edges ({best['left'].angle:.1f}° and {best['right'].angle:.1f}°) close downwards: the scan "
            "area opens upwards (an image flipped upside down, probe at the bottom, is not supported)"
        )
    slanted = {
        "left": [line for line in sides["left"] if line.angle <= -_VERTICAL_DEGREES],
        "right": [line for line in sides["right"] if line.angle >= _VERTICAL_DEGREES],
    }
    vertical = {side: [line for line in lines if abs(line.angle) < _VERTICAL_DEGREES] for side, lines in sides.items()}
    if not slanted["left"] and not slanted["right"]:
        return _fit_linear(mask, rows, columns, spacing, vertical, reaches_border, notes)
    edges = {side: max(slanted[side], key=lambda line: line.count) if slanted[side] else None for side in sides}
    left_edge, right_edge = edges["left"], edges["right"]
    if left_edge is not None and right_edge is not None:
        apex_y = (left_edge.a - right_edge.a) / (right_edge.b - left_edge.b)
        apex = (apex_y / dy, left_edge.x_at(apex_y) / dx)
        angles = (left_edge.angle, right_edge.angle)
    else:
        known = left_edge if left_edge is not None else right_edge
        assert known is not None
        missing = "right" if left_edge is not None else "left"
        apex = _apex_on_line(mask, rows, columns, spacing, known)
        angles = _open_side_angles(mask, rows, columns, spacing, apex, known, missing)
        notes.append(
            f"the {missing} side edge of the sector lies outside the region box: the apex is placed on the "
            f"{'left' if missing == 'right' else 'right'} edge by the curvature of the arcs, and the "
            f"{missing} angle is where the scan area ends"
        )
    if apex[0] > outline.rows[0] + 0.25 * (outline.rows[-1] - outline.rows[0]):
        if all(np.count_nonzero(c) > 0.5 * c.size for c in (outline.left_clipped, outline.right_clipped)):
            # the area fills the region's width: the slanted pieces were noise along its top or bottom
            return _fit_linear(mask, rows, columns, spacing, {"left": [], "right": []}, reaches_border, [])
        raise _NoScanArea(
            f"the side edges meet at image row {apex[0]:.0f}, inside the textured area: it is not a sector "
            "opening downwards (an image flipped upside down is not supported)"
        )
    cuts = _cuts(vertical, edges, spacing)
    lateral = None
    if cuts[0] is not None or cuts[1] is not None:
        lateral = (
            cuts[0] if cuts[0] is not None else float(columns[0]) - 0.5,
            cuts[1] if cuts[1] is not None else float(columns[-1]) + 0.5,
        )
        notes.append(
            "the sector is cut by vertical lines at image columns "
            + ", ".join(f"{c:.1f}" for c in cuts if c is not None)
        )
    near, far = _radial_extent(mask, rows, columns, spacing, apex, angles, lateral, notes)
    middle = math.radians((angles[0] + angles[1]) / 2)
    face = (apex[0] + near * math.cos(middle) / dy, apex[1] + near * math.sin(middle) / dx)
    return _Fit("sector", apex, angles, (near, far), lateral, face, tuple(notes))


def _cuts(
    vertical: dict[str, list[_Line]], edges: dict[str, _Line | None], spacing: tuple[float, float]
) -> tuple[float | None, float | None]:
    """Columns of vertical cuts below the slanted side edges (as HP draws its sectors)."""
    found: list[float | None] = []
    for side in ("left", "right"):
        cut = None
        edge = edges[side]
        for line in vertical[side]:
            if edge is None or float(np.mean(line.y)) > float(np.mean(edge.y)):
                cut = float(np.median(line.x_at(line.y))) / spacing[1]
                break
        found.append(cut)
    return found[0], found[1]


def _circle_centre_on_line(points: FloatArray, line: _Line) -> tuple[float, float]:
    """Centre (y, x) on ``line`` of the circle through ``points`` (n, 2: y, x), trimmed least squares."""
    origin = np.array([0.0, line.a])
    direction = np.array([1.0, line.b]) / math.hypot(1.0, line.b)
    keep = np.ones(len(points), dtype=bool)
    t = 0.0
    for _ in range(4):
        q = points[keep] - origin
        design = np.column_stack([2.0 * q @ direction, np.ones(len(q))])
        solution, *_ = np.linalg.lstsq(design, (q**2).sum(axis=1), rcond=None)
        t, k = float(solution[0]), float(solution[1])
        radius = math.sqrt(max(k + t * t, 0.0))
        distance = np.hypot(*(points - (origin + t * direction)).T)
        residual = np.abs(distance - radius)
        spread = float(np.median(residual[keep])) + 1e-9
        keep = residual < max(3.0 * spread, 1e-6)
        if np.count_nonzero(keep) < 6:
            break
    centre = origin + t * direction
    return float(centre[0]), float(centre[1])


def _apex_on_line(
    mask: BoolArray, rows: FloatArray, columns: FloatArray, spacing: tuple[float, float], line: _Line
) -> tuple[float, float]:
    """The apex on the one visible side edge: the centre of the far arc (or of the near arc)."""
    dy, dx = spacing
    inner: BoolArray = np.asarray(mask.any(axis=0), dtype=bool).copy()
    inner[:2] = inner[-2:] = False
    bottom = mask.shape[0] - 1 - np.argmax(mask[::-1], axis=0)
    top = np.argmax(mask, axis=0)
    far = inner & (bottom < mask.shape[0] - 1)
    for chosen, offset in ((far, 0.5), (inner & (top > 0), -0.5)):
        index = np.nonzero(chosen)[0]
        row = bottom[index] if offset > 0 else top[index]
        points = np.column_stack([(rows[row] + offset) * dy, columns[index] * dx])
        if offset < 0:
            # the top outline follows the side edge where it is not the near arc
            points = points[np.abs(points[:, 1] - line.x_at(points[:, 0])) > 3 * max(dx, dy)]
        if len(points) >= 20:
            y, x = _circle_centre_on_line(points, line)
            return (y / dy, x / dx)
    raise _NoScanArea("one side edge and no arc are visible: the apex cannot be placed")


def _open_side_angles(
    mask: BoolArray,
    rows: FloatArray,
    columns: FloatArray,
    spacing: tuple[float, float],
    apex: tuple[float, float],
    known: _Line,
    missing: str,
) -> tuple[float, float]:
    dy, dx = spacing
    ys, xs = np.nonzero(mask)
    angle = np.degrees(np.arctan2((columns[xs] - apex[1]) * dx, (rows[ys] - apex[0]) * dy))
    if missing == "right":
        return (known.angle, float(np.percentile(angle, 99.9)))
    return (float(np.percentile(angle, 0.1)), known.angle)


def _radial_extent(
    mask: BoolArray,
    rows: FloatArray,
    columns: FloatArray,
    spacing: tuple[float, float],
    apex: tuple[float, float],
    angles: tuple[float, float],
    lateral: tuple[float, float] | None,
    notes: list[str],
) -> tuple[float, float]:
    """(near, far) radii: medians over angle bins of the nearest and farthest mask pixel.

    Bins whose farthest pixel lies on the region's border or on a cut say nothing of the far arc.
    """
    dy, dx = spacing
    ys, xs = np.nonzero(mask)
    y = (rows[ys] - apex[0]) * dy
    x = (columns[xs] - apex[1]) * dx
    radius = np.hypot(x, y)
    angle = np.degrees(np.arctan2(x, y))
    low, high = angles
    margin = 0.05 * (high - low)
    edges = np.linspace(low + margin, high - margin, 31)
    count = edges.size - 1
    bins = np.digitize(angle, edges) - 1
    valid = (bins >= 0) & (bins < count)
    if not np.any(valid):
        raise _NoScanArea("no scan-area pixel lies between the fitted side edges")
    far_bins = np.full(count, -np.inf)
    near_bins = np.full(count, np.inf)
    np.maximum.at(far_bins, bins[valid], radius[valid])
    np.minimum.at(near_bins, bins[valid], radius[valid])
    # which bins end on the region's border or a cut rather than on the far arc
    farthest = np.zeros(count, dtype=np.int64)
    order = np.argsort(radius[valid], kind="stable")
    farthest[bins[valid][order]] = np.nonzero(valid)[0][order]
    nearest = np.zeros(count, dtype=np.int64)
    nearest[bins[valid][order[::-1]]] = np.nonzero(valid)[0][order[::-1]]
    filled = np.isfinite(far_bins)
    end_rows, end_columns = ys[farthest], xs[farthest]
    clipped = (end_rows == mask.shape[0] - 1) | (end_columns == 0) | (end_columns == mask.shape[1] - 1)
    if lateral is not None:
        clipped |= (np.abs(columns[end_columns] - lateral[0]) < 2) | (np.abs(columns[end_columns] - lateral[1]) < 2)
    middle = math.radians((low + high) / 2)
    half = 0.5 * math.hypot(dx * math.sin(middle), dy * math.cos(middle))
    arc = filled & ~clipped
    if np.count_nonzero(arc) >= 3:
        far = float(np.median(far_bins[arc])) + half
    else:
        far = float(np.max(far_bins[filled])) + half
        notes.append("the far arc lies outside the region box: the far radius is where the region ends (a lower bound)")
    start_rows, start_columns = ys[nearest], xs[nearest]
    near_clipped = (start_rows == 0) | (start_columns == 0) | (start_columns == mask.shape[1] - 1)
    face = filled & ~near_clipped
    if np.count_nonzero(face) >= 3:
        near = float(np.median(near_bins[face])) - half
    else:
        near = float(np.median(near_bins[filled])) - half
        notes.append("the probe face lies above the region box: the near radius is where the region starts")
    return max(0.0, near), far


def _fit_linear(
    mask: BoolArray,
    rows: FloatArray,
    columns: FloatArray,
    spacing: tuple[float, float],
    vertical: dict[str, list[_Line]],
    reaches_border: dict[str, bool],
    notes: list[str],
) -> _Fit:
    """A rectangle between two vertical edges (or the region's border where the area reaches it)."""
    dy, dx = spacing
    found: list[float] = []
    for side, border in (("left", float(columns[0]) - 0.5), ("right", float(columns[-1]) + 0.5)):
        if vertical[side]:
            line = max(vertical[side], key=lambda candidate: candidate.count)
            found.append(float(np.median(line.x_at(line.y))) / dx)
        elif reaches_border[side]:
            found.append(border)
            notes.append(f"the scan area reaches the region's {side} border: its {side} edge is the region's")
        else:
            raise _NoScanArea(
                f"no straight {side} edge: the textured area is neither a sector opening downwards nor a "
                "rectangle (an image flipped upside down is not supported)"
            )
    left, right = found
    if right - left < 8:
        raise _NoScanArea(f"the side edges at columns {left:.0f} and {right:.0f} are too close")
    inner = (columns >= left + 0.1 * (right - left)) & (columns <= right - 0.1 * (right - left))
    sub = mask[:, inner]
    has = sub.any(axis=0)
    if not np.any(has):
        raise _NoScanArea("no scan-area pixel between the side edges")
    top_index = np.argmax(sub[:, has], axis=0)
    bottom_index = sub.shape[0] - 1 - np.argmax(sub[::-1, has], axis=0)
    top = float(np.median(rows[top_index])) - 0.5
    bottom = float(np.median(rows[bottom_index])) + 0.5
    if np.mean(bottom_index == sub.shape[0] - 1) > 0.5:
        notes.append("the bottom of the scan area lies below the region box: the depth is where the region ends")
    height = max(bottom - top, 1.0)
    centre = (left + right) / 2
    if np.mean(top_index == 0) > 0.5:
        notes.append("the top of the scan area lies above the region box: the probe face is where the region starts")
    return _Fit("linear", None, (0.0, 0.0), (0.0, height * dy), (left, right), (top, centre), tuple(notes))


def _build_sector(
    fit: _Fit,
    detected: BoolArray,
    region: xr.DataArray,
    rows: FloatArray,
    columns: FloatArray,
    spacing: tuple[float, float],
    units: str,
    positions: tuple[int, ...],
    method: str,
) -> Sector:
    box = (int(columns[0]), int(rows[0]), int(columns[-1]), int(rows[-1]))
    index = region.attrs.get(REGION_INDEX)
    sector = Sector(
        kind=fit.kind,
        apex=fit.apex,
        angle_range=fit.angle_range,
        radius_range=fit.radius_range,
        probe_face=fit.probe_face,
        lateral_range=fit.lateral_range,
        confidence=0.0,
        spacing=spacing,
        units=units,
        region_box=box,
        region_index=None if index is None else int(index),
        frames=positions,
        method=method,
    )
    model = sector.contains(rows[:, None], columns[None, :])
    union = np.count_nonzero(model | detected)
    iou = np.count_nonzero(model & detected) / union if union else 0.0
    origin, agrees, header_notes = _header_check(sector, region, rows, columns)
    return Sector(
        **{
            **sector.__dict__,
            "confidence": float(np.clip(iou * _outline_agreement(model, detected), 0.0, 1.0)),
            "header_origin": origin,
            "header_agrees": agrees,
            "notes": fit.notes + header_notes,
            "mask": _mask_dataarray(model, region),
        }
    )


def _outline_agreement(model: BoolArray, detected: BoolArray, tolerance: int = 3) -> float:
    """Fraction of the fitted outline's rows (left and right, where it is not the region's border)
    at which the detected outline lies within ``tolerance`` pixels."""
    width = model.shape[1]
    rows = model.any(axis=1)
    seen: BoolArray = np.asarray(detected.any(axis=1), dtype=bool)
    model_left, model_right = np.argmax(model, axis=1), width - 1 - np.argmax(model[:, ::-1], axis=1)
    found_left, found_right = np.argmax(detected, axis=1), width - 1 - np.argmax(detected[:, ::-1], axis=1)
    fractions = []
    for fitted, found, border in ((model_left, found_left, 0), (model_right, found_right, width - 1)):
        use = rows & (fitted != border)
        if np.count_nonzero(use):
            agree = seen[use] & (np.abs(fitted[use] - found[use]) <= tolerance)
            fractions.append(np.count_nonzero(agree) / np.count_nonzero(use))
    return float(np.mean(fractions)) if fractions else 1.0


def _mask_dataarray(data: BoolArray, region: xr.DataArray) -> xr.DataArray:
    coords = {name: region.coords[name] for name in ("y", "x", "row", "column") if name in region.coords}
    return xr.DataArray(
        data,
        dims=("y", "x"),
        coords=coords,
        name="scan_area",
        attrs={LONG_NAME: "inside the scan area", REGION_INDEX: region.attrs.get(REGION_INDEX, -1)},
    )


def _axis_zero(region: xr.DataArray, dim: str, pixel: str) -> float | None:
    """Image pixel where the region's ``dim`` coordinate is 0 (extrapolated), None when uncalibrated."""
    if pixel not in region.coords or region[dim].attrs.get(UNITS) != "cm" or region.sizes[dim] < 2:
        return None
    values = np.asarray(region[dim].values, dtype=np.float64)
    pixels = np.asarray(region[pixel].values, dtype=np.float64)
    slope = (values[-1] - values[0]) / (pixels[-1] - pixels[0])
    if slope == 0 or not math.isfinite(slope):
        return None
    return float(pixels[0] - values[0] / slope)


def _header_check(
    sector: Sector, region: xr.DataArray, rows: FloatArray, columns: FloatArray
) -> tuple[tuple[float, float] | None, bool | None, tuple[str, ...]]:
    zero_row = _axis_zero(region, "y", "row")
    zero_column = _axis_zero(region, "x", "column")
    if zero_row is None or zero_column is None:
        return None, None, ()
    origin = (zero_row, zero_column)
    row_tolerance = max(3.0, 0.02 * rows.size)
    column_tolerance = max(3.0, 0.02 * columns.size)
    candidates = [("probe face", sector.probe_face[0])]
    if sector.apex is not None:
        candidates.insert(0, ("apex", sector.apex[0]))
    matched = [name for name, row in candidates if abs(zero_row - row) <= row_tolerance]
    notes = []
    depth_ok = bool(matched)
    if not depth_ok:
        described = " and ".join(f"the {name} (row {row:.1f})" for name, row in candidates)
        notes.append(
            f"the header puts depth 0 at image row {zero_row:.1f}, not at {described}: "
            "depths from the header are not distances from the probe"
        )
    centre = sector.apex[1] if sector.apex is not None else sector.probe_face[1]
    # lateral 0 says where the centre line is only when it lies inside the scan area's width
    x0, _, x1, _ = sector.bounds
    column_ok = True
    if x0 + column_tolerance < zero_column < x1 - column_tolerance:
        column_ok = abs(zero_column - centre) <= column_tolerance
        if not column_ok:
            notes.append(
                f"the header puts lateral 0 at image column {zero_column:.1f}, "
                f"not on the centre line (column {centre:.1f})"
            )
    return origin, depth_ok and column_ok, tuple(notes)


# --- resampling ---------------------------------------------------------------------------------


def to_polar(
    region: xr.DataArray,
    sector: Sector,
    *,
    depth_step: float | None = None,
    angle_step: float | None = None,
) -> xr.DataArray:
    """Resample a sector region onto (time, depth, angle[, channel]).

    Bilinear interpolation (:func:`scipy.ndimage.map_coordinates`, order 1), one frame at a time:
    only one decoded frame and the output are in memory, the output being float32 of
    ``time × depth × angle (× 3)`` values (e.g. 120 frames × 400 × 300 × 4 bytes = 58 MB; select
    frames first with ``region.isel(time=...)`` to keep it small).

    Parameters
    ----------
    region
        The region DataArray the sector was estimated on (or a time selection of it).
    sector
        Its :class:`Sector` (``kind == "sector"``).
    depth_step
        Depth sampling in ``sector.units`` (cm); default the finer pixel spacing.
    angle_step
        Angle sampling in degrees; default one pixel's width at the far radius.

    Returns
    -------
    xarray.DataArray
        Dims ``("time", "depth", "angle"[, "channel"])``. ``depth`` is the distance from the apex
        in cm, from the near to the far radius, with a ``depth_below_probe_face`` coord (depth
        minus the near radius); ``angle`` in degrees from straight down, left negative. Samples
        that fall outside the scan area or the region are NaN.

    Raises
    ------
    GeometryError
        For a linear scan area (it is already rectangular: select it with ``sector.mask``).
    """
    from scipy import ndimage

    if sector.apex is None:
        raise GeometryError(
            f"{_region_name(region)} has a linear scan area: there is no apex to resample around; "
            "it is already on a depth × lateral grid (select it with sector.mask)",
            source_of(region),
        )
    dy, dx = sector.spacing
    near, far = sector.radius_range
    left, right = sector.angle_range
    depth_step = depth_step or min(dx, dy)
    angle_step = angle_step or math.degrees(min(dx, dy) / far)
    depth = near + depth_step * np.arange(int(math.floor((far - near) / depth_step + 1e-9)) + 1)
    angle = left + angle_step * np.arange(int(math.floor((right - left) / angle_step + 1e-9)) + 1)
    image_rows, image_columns = sector.pixel_at(depth[:, None], angle[None, :])
    rows, columns = _pixel_coords(region)
    coordinates = np.stack([image_rows - rows[0], image_columns - columns[0]])
    outside = ~sector.contains(image_rows, image_columns)
    has_time = "time" in region.dims
    ordered = region.transpose(*(("time",) if has_time else ()), "y", "x", ...)
    count = ordered.sizes["time"] if has_time else 1
    colour = "channel" in ordered.dims
    shape = (count, depth.size, angle.size) + ((ordered.sizes["channel"],) if colour else ())
    out = np.empty(shape, dtype=np.float32)
    for t in range(count):
        frame = np.asarray(ordered.isel(time=t).values if has_time else ordered.values, dtype=np.float32)
        planes = [frame[..., c] for c in range(frame.shape[-1])] if colour else [frame]
        for c, plane in enumerate(planes):
            values = ndimage.map_coordinates(plane, coordinates, order=1, mode="constant", cval=np.nan)
            values[outside] = np.nan
            if colour:
                out[t, ..., c] = values
            else:
                out[t] = values
    dims = ("time", "depth", "angle") + (("channel",) if colour else ())
    coords: dict[str, Any] = {
        "depth": ("depth", depth, {"units": sector.units, "long_name": "distance from the apex"}),
        "depth_below_probe_face": (
            "depth",
            depth - near,
            {"units": sector.units, "long_name": "distance from the probe face"},
        ),
        "angle": ("angle", angle, {"units": "degree", "long_name": "angle from straight down, left negative"}),
    }
    if has_time:
        for name in ("time", "frame"):
            if name in ordered.coords:
                coords[name] = ordered.coords[name]
    if colour and "channel" in ordered.coords:
        coords["channel"] = ordered.coords["channel"]
    data = out if has_time else out[0]
    if not has_time:
        dims = dims[1:]
    attrs = {**region.attrs, "long_name": f"{region.attrs.get('long_name', 'pixel value')} on depth × angle"}
    return xr.DataArray(data, dims=dims, coords=coords, attrs=attrs, name=region.name)
