"""Estimating a region's scan area: detection, then fitting, then the cross-check against the header.

:func:`estimate_sector` decodes a few frames (:mod:`.detection`), fits a sector or a rectangle to
what it found (:mod:`.fitting`), scores the fit and compares it with the region's calibration —
reached through ``region.echo`` (:mod:`echolab.calibration`), never by reading attrs here. The
image point where the region's depth and lateral coordinates are 0 (``Sector.header_origin``)
should be the apex of a phased array, or the probe face on the centre line. Disagreement is
reported (``header_agrees``, ``notes``), never silently resolved.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import numpy as np
import xarray as xr

from ..calibration import RegionCalibration, echo_of
from ..codes import PhysicalUnits
from ..conventions import PIXEL_UNITS, source_of
from ..errors import GeometryError, MeasurementError
from .detection import DEFAULT_FRAMES, MIN_REGION_PIXELS, NoScanArea, detect, frame_positions, grey_frames
from .fitting import Fit, fit, outline_agreement
from .sector import BoolArray, FloatArray, Sector, mask_dataarray, pixel_coords

__all__ = ["estimate_sector", "HEADER_TOLERANCE_PIXELS", "HEADER_TOLERANCE_FRACTION"]

#: The header's depth 0 (or lateral 0) agrees with the fitted apex, probe face or centre line when
#: within this many pixels …
HEADER_TOLERANCE_PIXELS = 3.0
#: … or this fraction of the region's height (width), whichever is larger.
HEADER_TOLERANCE_FRACTION = 0.02


def estimate_sector(region: xr.DataArray, *, frames: int | Sequence[int] = DEFAULT_FRAMES) -> Sector:
    """Estimate the scan area of a 2D region from its pixels.

    Parameters
    ----------
    region
        A 2D region as :meth:`echolab.EchoFile.region` returns it: dims ``("time", "y", "x"[,
        "channel"])`` (``time`` optional), ``row`` / ``column`` coords, y/x in cm. An array
        without a region calibration is measured in pixels.
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
    calibration = _calibration(region)
    source = calibration.source if calibration is not None else source_of(region)
    name = calibration.name if calibration is not None and calibration.index is not None else "the region"
    if calibration is not None and not calibration.kind.is_two_d:
        kind = calibration.kind.value
        raise GeometryError(f"{name} is {_article(kind)} {kind} region, not a 2D scan area", source)
    if "y" not in region.dims or "x" not in region.dims:
        raise GeometryError(f"{name} has dims {region.dims}; a scan area needs 'y' and 'x'", source)
    if region.sizes["y"] < MIN_REGION_PIXELS or region.sizes["x"] < MIN_REGION_PIXELS:
        raise GeometryError(f"{name} is only {region.sizes['y']} x {region.sizes['x']} pixels: too small", source)
    spacing, units = _spacing(calibration)
    positions = frame_positions(region.sizes.get("time", 1), frames, source)
    grey = grey_frames(region, positions)
    rows, columns = pixel_coords(region)
    try:
        detected, method = detect(grey)
        fitted = fit(detected, rows, columns, spacing)
    except NoScanArea as exc:
        raise GeometryError(f"{name}: no scan area found: {exc}", source) from None
    sector = Sector(
        kind=fitted.kind,
        apex=fitted.apex,
        angle_range=fitted.angle_range,
        radius_range=fitted.radius_range,
        probe_face=fitted.probe_face,
        lateral_range=fitted.lateral_range,
        confidence=0.0,
        spacing=spacing,
        units=units,
        region_box=(int(columns[0]), int(rows[0]), int(columns[-1]), int(rows[-1])),
        region_index=None if calibration is None else calibration.index,
        frames=positions,
        method=method,
    )
    return _scored(sector, fitted, detected, region, rows, columns, calibration)


def _calibration(region: xr.DataArray) -> RegionCalibration | None:
    """The region's calibration (``region.echo``), None for an array that carries none."""
    accessor = echo_of(region)
    if not accessor.is_region:
        return None
    try:
        return accessor.calibration
    except MeasurementError as exc:
        raise GeometryError(exc.reason, exc.source) from None


def _article(word: str) -> str:
    return "an" if word[:1].lower() in "aeiou" or word[:2] in ("M-",) else "a"


def _spacing(calibration: RegionCalibration | None) -> tuple[tuple[float, float], str]:
    """(row, column) pixel spacing (positive) and its units: the region's |Physical Delta Y / X|
    when both axes are calibrated in one unit, else one pixel per pixel."""
    if calibration is None:
        return (1.0, 1.0), PIXEL_UNITS
    x, y = calibration.x, calibration.y
    if not (x.calibrated and y.calibrated) or x.units is not y.units or x.delta is None or y.delta is None:
        # one calibrated axis and one not (or two units): geometry needs a common scale
        return (1.0, 1.0), PIXEL_UNITS
    return (abs(y.delta), abs(x.delta)), y.unit


def _scored(
    sector: Sector,
    fitted: Fit,
    detected: BoolArray,
    region: xr.DataArray,
    rows: FloatArray,
    columns: FloatArray,
    calibration: RegionCalibration | None,
) -> Sector:
    """``sector`` with its confidence, mask and the cross-check against the header."""
    model = sector.contains(rows[:, None], columns[None, :])
    union = np.count_nonzero(model | detected)
    iou = np.count_nonzero(model & detected) / union if union else 0.0
    origin, agrees, header_notes = _header_check(sector, calibration, rows, columns)
    return replace(
        sector,
        confidence=float(np.clip(iou * outline_agreement(model, detected), 0.0, 1.0)),
        header_origin=origin,
        header_agrees=agrees,
        notes=fitted.notes + header_notes,
        mask=mask_dataarray(model, region, sector.region_index),
    )


def _axis_zero(calibration: RegionCalibration, name: str) -> float | None:
    """Image pixel (row for ``"y"``, column for ``"x"``) where the region's coordinate is 0 cm
    (extrapolated); None when that axis is not calibrated in cm."""
    axis = calibration.y if name == "y" else calibration.x
    if axis.units is not PhysicalUnits.CM:
        return None
    return float(axis.pixels(0.0))


def _header_check(
    sector: Sector, calibration: RegionCalibration | None, rows: FloatArray, columns: FloatArray
) -> tuple[tuple[float, float] | None, bool | None, tuple[str, ...]]:
    if calibration is None:
        return None, None, ()
    zero_row = _axis_zero(calibration, "y")
    zero_column = _axis_zero(calibration, "x")
    if zero_row is None or zero_column is None:
        return None, None, ()
    origin = (zero_row, zero_column)
    row_tolerance = max(HEADER_TOLERANCE_PIXELS, HEADER_TOLERANCE_FRACTION * rows.size)
    column_tolerance = max(HEADER_TOLERANCE_PIXELS, HEADER_TOLERANCE_FRACTION * columns.size)
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
