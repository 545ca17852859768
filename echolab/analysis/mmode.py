"""M-mode strips: a depth profile at one time, bright layers, and distances between depths.

An M-mode region is a time × depth picture along one scan line: x is the strip time (s), y the
depth (cm) below the transducer. A wall is a bright layer; its thickness is the distance between
two depths at one time.

Examples
--------
>>> strip = f.region(f.find_regions(spatial_format=SpatialFormat.M_MODE)[0])
>>> profile = mmode.depth_profile(strip, time=-1.0)
>>> mmode.bright_layers(profile)                      # [(top, bottom), ...] in cm
>>> mmode.depth_distance(strip, -1.0, 4.1, 5.2)       # a wall thickness
<Measurement distance: 1.1 cm>
"""

from __future__ import annotations

import numpy as np
import xarray as xr

from ..calibration import RegionCalibration, region_calibration
from ..codes import PhysicalUnits
from ..conventions import LONG_NAME, PROFILE_TIME, REGION_INDEX, UNITS, with_source
from ..errors import MeasurementError
from .display import frame_of, grey_and_chroma, otsu_threshold
from .measure import Measurement

__all__ = ["depth_profile", "bright_layers", "depth_distance"]


def _check_time_depth(region: xr.DataArray) -> RegionCalibration:
    cal = region_calibration(region)
    x_axis, y_axis = cal.x, cal.y
    if x_axis.units is not PhysicalUnits.SECONDS or y_axis.units is not PhysicalUnits.CM:
        raise MeasurementError(
            f"{cal.name} has x {x_axis.long_name} [{x_axis.unit}] and "
            f"y {y_axis.long_name} [{y_axis.unit}]; M-mode analysis needs time [s] by depth [cm]",
            cal.source,
        )
    assert y_axis.delta is not None
    return cal


def _column_at(region: xr.DataArray, time: float, pixels: bool, source: str | None) -> int:
    """Position (0-based, along ``x``) of the column nearest ``time`` (s) or image column."""
    coordinate = region["column"].values if pixels else region["x"].values
    position = int(np.argmin(np.abs(coordinate - float(time))))
    step = abs(float(coordinate[1] - coordinate[0])) if coordinate.size > 1 else 1.0
    if abs(coordinate[position] - float(time)) > step:
        low, high = sorted((float(coordinate[0]), float(coordinate[-1])))
        what = "column" if pixels else "time"
        raise MeasurementError(
            f"{what} {time} lies outside the strip ({what}s {low:.5g}..{high:.5g})",
            source,
        )
    return position


def depth_profile(region: xr.DataArray, time: float, *, frame: int | None = None, pixels: bool = False) -> xr.DataArray:
    """Grey level along depth at one time of an M-mode strip.

    Parameters
    ----------
    region
        The DataArray of an M-mode region (x time in s, y depth in cm).
    time
        Strip time (s), or an image column with ``pixels=True``; the nearest column is used.
    frame
        Frame index for multi-frame files; None takes the last frame.

    Returns
    -------
    xarray.DataArray
        Over ``y`` (depth, cm): the grey level (mean of R, G, B for colour), with the strip time
        of the column in ``attrs["time"]``.
    """
    cal = _check_time_depth(region)
    source = cal.source
    position = _column_at(region, time, pixels, source)
    column = frame_of(region, frame).isel(x=position).transpose("y", ...)
    grey, _ = grey_and_chroma(column.values, colour="channel" in column.dims)
    coords = {"y": column["y"]}
    if "row" in column.coords:
        coords["row"] = column["row"]
    profile = xr.DataArray(
        grey,
        dims=("y",),
        coords=coords,
        name="profile",
        attrs={
            LONG_NAME: "M-mode grey level",
            UNITS: "1",
            PROFILE_TIME: float(column["x"].values),
            REGION_INDEX: cal.index,
        },
    )
    return with_source(profile, source)


def bright_layers(
    profile: xr.DataArray,
    *,
    threshold: float | None = None,
    min_thickness: float = 0.1,
    max_gap: float = 0.1,
) -> list[tuple[float, float]]:
    """Bright layers (walls, pericardium) of a depth profile as ``(top, bottom)`` depths in cm.

    A layer is a run of samples at or above ``threshold`` (Otsu's threshold when None); the top
    and bottom are the outer edges of its first and last pixel. Runs split by dark gaps of at
    most ``max_gap`` cm (speckle) are one layer; layers thinner than ``min_thickness`` cm are dropped.
    """
    depth = profile["y"].values.astype(np.float64)
    if depth.size < 2:
        return []
    step = abs(float(depth[1] - depth[0]))
    level = otsu_threshold(profile.values) if threshold is None else float(threshold)
    bright = np.concatenate([[False], profile.values >= level, [False]])
    edges = np.flatnonzero(np.diff(bright.astype(np.int8)))
    runs: list[list[float]] = []
    for start, stop in zip(edges[::2], edges[1::2], strict=True):
        top, bottom = sorted((float(depth[start]), float(depth[stop - 1])))
        top, bottom = top - step / 2, bottom + step / 2
        if runs and top - runs[-1][1] <= max_gap + 1e-9:
            runs[-1][1] = max(runs[-1][1], bottom)
        else:
            runs.append([top, bottom])
    return [(top, bottom) for top, bottom in runs if bottom - top >= min_thickness]


def depth_distance(
    region: xr.DataArray, time: float, first: float, second: float, *, pixels: bool = False
) -> Measurement:
    """The distance (cm) between two depths at one time of an M-mode strip, e.g. a wall thickness.

    ``time``, ``first`` and ``second`` are a strip time (s) and depths (cm), or with
    ``pixels=True`` an image column and image rows. ``where`` records the time and both depths.
    """
    cal = _check_time_depth(region)
    y_axis, box, source = cal.y, cal.box, cal.source
    position = _column_at(region, time, pixels, source)
    depths = []
    for value in (first, second):
        row = float(value) if pixels else float(y_axis.pixels(float(value)))
        if not box[1] - 0.5 <= row <= box[3] + 0.5:
            raise MeasurementError(
                f"depth {float(y_axis.values(row)):.4g} cm (row {row:.1f}) lies outside the strip "
                f"(rows {box[1]}..{box[3]})",
                source,
            )
        depths.append(float(y_axis.values(row)))
    return Measurement(
        abs(depths[1] - depths[0]),
        "cm",
        "distance",
        where={"x": float(region["x"].values[position]), "first": depths[0], "second": depths[1]},
    )
