"""A sector region resampled onto depth × angle (polar coordinates around the apex)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import xarray as xr

from ..conventions import COORDINATE_ATTRS, LONG_NAME, UNITS, source_of
from ..errors import GeometryError
from .sector import Sector, pixel_coords

__all__ = ["to_polar"]


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
        name = "the region" if sector.region_index is None else f"region {sector.region_index}"
        raise GeometryError(
            f"{name} has a linear scan area: there is no apex to resample around; "
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
    rows, columns = pixel_coords(region)
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
        "depth": ("depth", depth, {**COORDINATE_ATTRS["depth"], UNITS: sector.units}),
        "depth_below_probe_face": (
            "depth",
            depth - near,
            {**COORDINATE_ATTRS["depth_below_probe_face"], UNITS: sector.units},
        ),
        "angle": ("angle", angle, dict(COORDINATE_ATTRS["angle"])),
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
    # the region's attrs pass through (as xarray's keep_attrs), its long name gains the new grid
    attrs = {**region.attrs, LONG_NAME: f"{region.attrs.get(LONG_NAME, 'pixel value')} on depth × angle"}
    return xr.DataArray(data, dims=dims, coords=coords, attrs=attrs, name=region.name)
