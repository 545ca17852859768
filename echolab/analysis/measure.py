"""Calibrated measurements on one region: values at pixels, distances, time intervals, velocities.

Every function takes the region as the DataArray of :meth:`EchoFile.region` (its attrs carry the
calibration, so slices work too) or as a :class:`~echolab.Region`, and points either in
the region's physical units (the default) or, with ``pixels=True``, as absolute image
``(column, row)`` indices — the ``column``/``row`` coordinates of the DataArray. Results are
:class:`Measurement` objects that carry their units.

A measurement is refused with a :class:`~echolab.errors.MeasurementError` when it would not mean
anything: a distance between axes of different units (seconds against cm in M-mode), an
uncalibrated axis, or a point outside the region's box (a point in another region is measured
with that region's calibration, not this one's).

Examples
--------
>>> sector = f.region(0)
>>> measure.distance(sector, (0.0, 5.1), (1.0, 5.4))         # (x, y) in cm
<Measurement distance: 1.044 cm>
>>> measure.velocity_at(f.region(2), row=300)                 # an image row
<Measurement Doppler velocity: -9.292 cm/s>
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from ..calibration import RegionCalibration, RegionLike, region_calibration
from ..codes import PhysicalUnits
from ..errors import MeasurementError
from ..reading.regions import Axis

__all__ = [
    "Measurement",
    "RegionLike",
    "region_calibration",
    "value_at",
    "pixel_at",
    "distance",
    "time_between",
    "velocity_at",
    "depth_at",
]

Point = Sequence[float]

#: Units a velocity axis may carry: spectral Doppler in cm/s, or Hz on a frequency scale.
_VELOCITY_UNITS = (PhysicalUnits.CM_PER_SECOND, PhysicalUnits.HERTZ)


@dataclass(frozen=True)
class Measurement:
    """A number with its units and what it measures.

    Attributes
    ----------
    value
        The value in ``units`` (signed where the quantity has a sign, e.g. a Doppler velocity).
    units
        ``"cm"``, ``"s"``, ``"cm/s"``, ``"Hz"``, ``"1/min"``, ...
    long_name
        What was measured ("distance", "Doppler velocity", "peak Doppler velocity", ...).
    where
        Where the value was found, e.g. ``{"x": -1.22}`` for the time of a peak (region units).
    """

    value: float
    units: str
    long_name: str
    where: dict[str, float] = field(default_factory=dict, compare=False)

    def __float__(self) -> float:
        return float(self.value)

    def __format__(self, spec: str) -> str:
        return f"{format(self.value, spec or '.4g')} {self.units}"

    def __str__(self) -> str:
        return format(self)

    def __repr__(self) -> str:
        return f"<Measurement {self.long_name}: {self}>"


def _require_calibrated(axis: Axis, cal: RegionCalibration) -> None:
    if not axis.calibrated:
        raise MeasurementError(
            f"{cal.name}: the {axis.name} axis is uncalibrated ({axis.uncalibrated_reason}); "
            "only pixel positions are known there",
            cal.source,
        )


def _to_pixel(axis: Axis, position: float, pixels: bool) -> float:
    return float(position) if pixels else float(axis.pixels(float(position)))


def _check_inside(axis: Axis, pixel: float, cal: RegionCalibration) -> None:
    box = cal.box
    low, high = (box[0], box[2]) if axis.name == "x" else (box[1], box[3])
    if not math.isfinite(pixel) or not low - 0.5 <= pixel <= high + 0.5:
        label = "column" if axis.name == "x" else "row"
        value = f" ({axis.values(pixel):.5g} {axis.unit})" if math.isfinite(pixel) else ""
        raise MeasurementError(
            f"{cal.name}: {label} {pixel:.1f}{value} lies outside the region "
            f"({label}s {low}..{high}, {axis.long_name} {_span(axis, low, high)}); "
            "measure a point in another region with that region",
            cal.source,
        )


def _span(axis: Axis, low: int, high: int) -> str:
    a, b = sorted((float(axis.values(low)), float(axis.values(high))))
    return f"{a:.4g}..{b:.4g} {axis.unit}"


def value_at(region: RegionLike, column: float, row: float) -> tuple[Measurement, Measurement]:
    """The physical (x, y) values at image pixel (``column``, ``row``) of a region.

    An uncalibrated axis gives its pixel offset from the region's corner, in ``"pixel"``.
    """
    cal = region_calibration(region)
    x_axis, y_axis = cal.x, cal.y
    _check_inside(x_axis, float(column), cal)
    _check_inside(y_axis, float(row), cal)
    return (
        Measurement(float(x_axis.values(float(column))), x_axis.unit, x_axis.long_name),
        Measurement(float(y_axis.values(float(row))), y_axis.unit, y_axis.long_name),
    )


def pixel_at(region: RegionLike, x: float, y: float) -> tuple[float, float]:
    """The fractional image (column, row) where the physical point (``x``, ``y``) lies."""
    cal = region_calibration(region)
    x_axis, y_axis = cal.x, cal.y
    column, row = float(x_axis.pixels(float(x))), float(y_axis.pixels(float(y)))
    _check_inside(x_axis, column, cal)
    _check_inside(y_axis, row, cal)
    return column, row


def distance(region: RegionLike, start: Point, end: Point, *, pixels: bool = False) -> Measurement:
    """The straight-line distance between two points of a region, in its units.

    Parameters
    ----------
    region
        A region DataArray or :class:`Region` whose x and y axes share one unit (a 2D region in cm).
    start, end
        Points as (x, y) in the region's units, or (column, row) image indices with ``pixels=True``.

    Raises
    ------
    MeasurementError
        When the axes carry different units (use :func:`time_between` or
        :func:`echolab.analysis.mmode.depth_distance` there), an axis is uncalibrated, or a point lies
        outside the region.
    """
    cal = region_calibration(region)
    x_axis, y_axis = cal.x, cal.y
    _require_calibrated(x_axis, cal)
    _require_calibrated(y_axis, cal)
    if x_axis.units is not y_axis.units:
        raise MeasurementError(
            f"{cal.name}: a distance needs both axes in one unit, but x is {x_axis.long_name} "
            f"[{x_axis.unit}] and y is {y_axis.long_name} [{y_axis.unit}]; measure along one axis instead "
            "(time_between, depth_at, velocity_at, mmode.depth_distance)",
            cal.source,
        )
    cols = [_to_pixel(x_axis, p[0], pixels) for p in (start, end)]
    rows = [_to_pixel(y_axis, p[1], pixels) for p in (start, end)]
    for column, row in zip(cols, rows, strict=True):
        _check_inside(x_axis, column, cal)
        _check_inside(y_axis, row, cal)
    assert x_axis.delta is not None and y_axis.delta is not None
    dx = (cols[1] - cols[0]) * x_axis.delta
    dy = (rows[1] - rows[0]) * y_axis.delta
    # ``where`` keeps the arithmetic: pixel steps and their physical lengths along each axis
    steps = {"columns": cols[1] - cols[0], "rows": rows[1] - rows[0], "dx": dx, "dy": dy}
    return Measurement(math.hypot(dx, dy), x_axis.unit, "distance", where=steps)


def time_between(region: RegionLike, start: float, end: float, *, pixels: bool = False) -> Measurement:
    """The time from ``start`` to ``end`` along a strip's x axis (s; negative when ``end`` is earlier).

    ``start``/``end`` are x values in s, or image columns with ``pixels=True``.
    """
    cal = region_calibration(region)
    x_axis = cal.x
    _require_calibrated(x_axis, cal)
    if x_axis.units is not PhysicalUnits.SECONDS:
        raise MeasurementError(
            f"{cal.name}: its x axis is {x_axis.long_name} [{x_axis.unit}], not time [s]; "
            "time intervals are measured on M-mode, Doppler and trace regions",
            cal.source,
        )
    columns = [_to_pixel(x_axis, v, pixels) for v in (start, end)]
    for column in columns:
        _check_inside(x_axis, column, cal)
    values = x_axis.values(np.asarray(columns))
    return Measurement(float(values[1] - values[0]), "s", "time interval")


def _value_along_y(region: RegionLike, row: float, allowed: Sequence[PhysicalUnits], what: str) -> Measurement:
    cal = region_calibration(region)
    y_axis = cal.y
    _require_calibrated(y_axis, cal)
    if y_axis.units not in allowed:
        raise MeasurementError(f"{cal.name}: its y axis is {y_axis.long_name} [{y_axis.unit}], not {what}", cal.source)
    _check_inside(y_axis, float(row), cal)
    return Measurement(float(y_axis.values(float(row))), y_axis.unit, y_axis.long_name)


def velocity_at(region: RegionLike, row: float) -> Measurement:
    """The signed Doppler velocity (cm/s, or Hz on a frequency scale) at image ``row`` of a spectral region."""
    return _value_along_y(region, row, _VELOCITY_UNITS, "a velocity [cm/s] or Doppler frequency [Hz]")


def depth_at(region: RegionLike, row: float) -> Measurement:
    """The depth (cm) at image ``row`` of a 2D or M-mode region."""
    return _value_along_y(region, row, (PhysicalUnits.CM,), "depth [cm]")
