"""Labelled DataArrays over the frame source: one per region in physical coordinates, and the image.

:class:`FrameArray` is the lazy xarray ``BackendArray`` over a file's frames (OUTER indexing:
any set of frames decodes exactly those frames). The builders put it, wrapped once in a
``LazilyIndexedArray``, into a DataArray with coordinates and attrs; that is what the xarray
engine hands to xarray, which adds its own caching. :func:`cached` adds the same caching for
arrays users get from :meth:`EchoFile.region` — the data are wrapped once, at the end, as
rioxarray does. Attrs pass through :func:`~echolab.conventions.netcdf_safe_attrs` so every
array can be written to netCDF or Zarr as it is.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import xarray as xr
from xarray.backends import BackendArray
from xarray.core import indexing

from . import calibration  # noqa: F401 - registers the DataArray accessor ``echo`` on the arrays built here
from .conventions import (
    CALIBRATION_CORRECTIONS,
    COMMENT,
    COORDINATE_ATTRS,
    DATA_TYPE,
    DATA_TYPE_CODE,
    DOPPLER_POSITIVE_DIRECTION,
    DOPPLER_SCALE_TYPE,
    HEADER_PREFIX,
    LONG_NAME,
    PHOTOMETRIC_INTERPRETATION,
    PRIORITY,
    REGION_FLAGS,
    REGION_INDEX,
    REGION_KIND,
    REGION_LOCATION,
    REGION_LOCATION_CLIPPED,
    SCALING_PROTECTION,
    SCROLLING,
    SOP_INSTANCE_UID,
    SPATIAL_FORMAT,
    SPATIAL_FORMAT_CODE,
    TIMING_SOURCE,
    TRANSFER_SYNTAX_UID,
    UNITS,
    netcdf_safe_attrs,
    region_long_name,
    time_attrs,
    with_source,
)
from .reading.frame_source import FrameReader, PixelSource
from .reading.regions import Axis, Region
from .reading.timing import FrameTiming

__all__ = ["FrameArray", "region_dataarray", "image_dataarray", "cached", "region_attrs", "file_attrs"]

CHANNELS = ("R", "G", "B")


class FrameArray(BackendArray):
    """Lazy ``(time, rows, columns[, channel])`` frames of the whole image or one region box.

    Parameters
    ----------
    pixels
        Where the frames come from: the file's :class:`PixelSource` (or an archive's frames).
    box
        Inclusive (x0, y0, x1, y1) image pixel box to crop every frame to; None for the image.
    keep
        Boolean (rows, columns) mask over the box: pixels outside it come out as 0 (burned-in
        text blanked on the fly); None keeps every pixel.
    """

    def __init__(
        self, pixels: FrameReader, box: tuple[int, int, int, int] | None = None, keep: np.ndarray | None = None
    ) -> None:
        self.pixels = pixels
        rows, columns = pixels.frame_shape[:2]
        x0, y0, x1, y1 = box if box is not None else (0, 0, columns - 1, rows - 1)
        self.box = (x0, y0, x1, y1)
        if keep is not None and keep.shape != (y1 - y0 + 1, x1 - x0 + 1):
            raise ValueError(f"keep mask of shape {keep.shape} does not fit the box {self.box}")
        self.keep = keep
        self.shape = (pixels.number_of_frames, y1 - y0 + 1, x1 - x0 + 1) + pixels.frame_shape[2:]
        self.dtype = pixels.dtype

    def __getitem__(self, key: indexing.ExplicitIndexer) -> np.ndarray:
        # OUTER indexing: a list of frames reaches _raw_indexing_method as it is, so that exactly
        # those frames are decoded (BASIC would turn [3, 597] into the slice 3..597)
        values: np.ndarray = indexing.explicit_indexing_adapter(
            key, self.shape, indexing.IndexingSupport.OUTER, self._raw_indexing_method
        )
        return values

    def _raw_indexing_method(self, key: tuple[int | slice | np.ndarray, ...]) -> np.ndarray:
        key = tuple(key) + (slice(None),) * (len(self.shape) - len(key))
        time_key, row_key, column_key = key[:3]
        frames = _positions(time_key, self.shape[0])
        rows = _positions(row_key, self.shape[1])
        columns = _positions(column_key, self.shape[2])
        x0, y0 = self.box[0], self.box[1]
        if not frames or not rows or not columns:
            data = np.empty((len(frames), len(rows), len(columns)) + self.shape[3:], self.dtype)
        else:
            # each frame decoded once, however often it is asked for (a slice asks for each once)
            distinct: Sequence[int] = frames if _ascending(frames) else sorted(set(frames))
            row_lo, row_hi = min(rows), max(rows)
            col_lo, col_hi = min(columns), max(columns)
            data = self.pixels.read(distinct, slice(y0 + row_lo, y0 + row_hi + 1), slice(x0 + col_lo, x0 + col_hi + 1))
            if distinct is not frames:
                data = np.take(data, np.searchsorted(np.asarray(distinct), np.asarray(frames)), axis=0)
            data = _subselect(data, rows, row_lo, 1)
            data = _subselect(data, columns, col_lo, 2)
            if self.keep is not None:
                outside = ~self.keep[np.ix_(rows, columns)]
                data[:, outside] = 0
        result_key = tuple(0 if isinstance(k, (int, np.integer)) else slice(None) for k in key[:3])
        return data[result_key + tuple(key[3:])]


def _positions(key: int | np.integer | slice | np.ndarray, size: int) -> Sequence[int]:
    """The non-negative positions an outer-indexing key selects along an axis of ``size`` (a
    ``range`` for a slice: ten million frames take no memory)."""
    if isinstance(key, slice):
        return range(size)[key]
    indices = np.atleast_1d(np.asarray(key, dtype=np.int64))
    return [int(i) for i in np.where(indices < 0, indices + size, indices)]


def _ascending(positions: Sequence[int]) -> bool:
    """True when ``positions`` is strictly increasing (every frame once, in order)."""
    if isinstance(positions, range):
        return positions.step > 0
    return all(a < b for a, b in zip(positions, positions[1:], strict=False))


def _subselect(data: np.ndarray, positions: Sequence[int], low: int, axis: int) -> np.ndarray:
    if isinstance(positions, range) and positions.step == 1:
        first = positions.start - low
        return data[(slice(None),) * axis + (slice(first, first + len(positions)),)]
    relative = [p - low for p in positions]
    if relative == list(range(relative[0], relative[0] + len(relative))):
        return data[(slice(None),) * axis + (slice(relative[0], relative[0] + len(relative)),)]
    return np.take(data, relative, axis=axis)


def cached(array: xr.DataArray) -> xr.DataArray:
    """``array`` with its lazy data wrapped as xarray's own backends wrap theirs: copy-on-write,
    and kept in memory once loaded (a second ``.values`` decodes nothing)."""
    data = array.variable._data
    protected = indexing.MemoryCachedArray(indexing.CopyOnWriteArray(data))
    variable = xr.Variable(array.dims, protected, attrs=array.attrs, encoding=array.encoding)
    result = xr.DataArray(variable, coords=array.coords, name=array.name)
    result.encoding = dict(array.encoding)  # the constructor drops it
    return result


def _time_coords(timing: FrameTiming, frames: int) -> dict[str, Any]:
    # the pixel source never holds more frames than (0028,0008) says, so the timing covers them all
    times = timing.times[:frames]
    return {
        "time": ("time", np.asarray(times, dtype=np.float64), time_attrs(timing.has_timing)),
        "frame": ("time", np.arange(frames, dtype=np.int64), dict(COORDINATE_ATTRS["frame"])),
    }


def _axis_coords(axis: Axis, first: int, last: int, dim: str, pixel_name: str) -> dict[str, Any]:
    pixels = np.arange(first, last + 1, dtype=np.int64)
    attrs: dict[str, Any] = {UNITS: axis.unit, LONG_NAME: axis.long_name}
    if axis.uncalibrated_reason:
        attrs[COMMENT] = f"uncalibrated: {axis.uncalibrated_reason}"
    return {
        dim: (dim, axis.values(pixels), attrs),
        pixel_name: (dim, pixels, dict(COORDINATE_ATTRS[pixel_name])),
    }


def region_attrs(region: Region) -> dict[str, Any]:
    """The attrs that describe a region (netCDF-safe): its codes, box and calibration; when
    echolab corrected the calibration, the header's own values too (prefixed ``header_``)."""
    flags = region.flags
    attrs: dict[str, Any] = {
        REGION_INDEX: region.index,
        REGION_KIND: region.kind.value,
        SPATIAL_FORMAT: region.spatial_format_name,
        SPATIAL_FORMAT_CODE: region.spatial_format_code,
        DATA_TYPE: region.data_type_name,
        DATA_TYPE_CODE: region.data_type_code,
        REGION_FLAGS: int(flags),
        PRIORITY: flags.priority.name.lower(),
        SCALING_PROTECTION: flags.scaling_protection,
        DOPPLER_SCALE_TYPE: flags.doppler_scale_type.name.lower(),
        SCROLLING: flags.scrolling.label,
        REGION_LOCATION: list(region.box) if region.box else None,
        REGION_LOCATION_CLIPPED: list(region.clipped_box) if region.clipped_box else None,
    }
    for axis in (region.x, region.y):
        if axis is not None:
            attrs.update(axis.to_attrs())
    if region.original is not None:
        for axis in (region.original.x, region.original.y):
            if axis is not None:
                attrs.update(axis.to_attrs(prefix=HEADER_PREFIX))
        attrs[CALIBRATION_CORRECTIONS] = ", ".join(rule.value for rule, _ in region.corrections)
    attrs[DOPPLER_POSITIVE_DIRECTION] = region.doppler_positive_direction
    attrs.update(region.acquisition.to_attrs())
    return attrs


def region_dataarray(
    region: Region,
    pixels: PixelSource,
    timing: FrameTiming,
    file_attrs: dict[str, Any],
) -> xr.DataArray:
    """A lazy DataArray of one usable region: dims (time, y, x[, channel]), not yet :func:`cached`."""
    assert region.clipped_box is not None and region.x is not None and region.y is not None
    x0, y0, x1, y1 = region.clipped_box
    array = FrameArray(pixels, region.clipped_box)
    dims: tuple[str, ...] = ("time", "y", "x") + (("channel",) if pixels.fmt.is_colour else ())
    coords = _time_coords(timing, array.shape[0])
    coords.update(_axis_coords(region.y, y0, y1, "y", "row"))
    coords.update(_axis_coords(region.x, x0, x1, "x", "column"))
    if pixels.fmt.is_colour:
        coords["channel"] = ("channel", np.array(CHANNELS, dtype=object))  # vlen strings: specified in Zarr v3
    attrs = {**file_attrs, **region_attrs(region)}
    attrs[LONG_NAME] = region_long_name(region.kind, region.data_type_name)
    if region.flags.scrolling.name.startswith("SWEEPING"):
        attrs[COMMENT] = "sweeping region: its time axis wraps inside the region and is not monotonic"
    variable = xr.Variable(dims, indexing.LazilyIndexedArray(array), attrs=netcdf_safe_attrs(attrs))
    return with_source(xr.DataArray(variable, coords=coords, name=f"region_{region.index}"), pixels.source)


def image_dataarray(
    pixels: PixelSource,
    timing: FrameTiming,
    file_attrs: dict[str, Any],
    keep: np.ndarray | None = None,
) -> xr.DataArray:
    """A lazy DataArray of whole frames in pixel coordinates: dims (time, row, column[, channel]),
    not yet :func:`cached`; with ``keep`` (a boolean (rows, columns) mask) every pixel outside it
    is 0 (see :class:`FrameArray`)."""
    array = FrameArray(pixels, keep=keep)
    dims: tuple[str, ...] = ("time", "row", "column") + (("channel",) if pixels.fmt.is_colour else ())
    coords = _time_coords(timing, array.shape[0])
    coords["row"] = ("row", np.arange(pixels.fmt.rows, dtype=np.int64), dict(COORDINATE_ATTRS["row"]))
    coords["column"] = (
        "column",
        np.arange(pixels.fmt.columns, dtype=np.int64),
        dict(COORDINATE_ATTRS["column"]),
    )
    if pixels.fmt.is_colour:
        coords["channel"] = ("channel", np.array(CHANNELS, dtype=object))  # vlen strings: specified in Zarr v3
    attrs = {**file_attrs, LONG_NAME: "pixel value"}
    if keep is not None:
        attrs[COMMENT] = "pixels outside the (0018,6011) region boxes are blanked (0): burned-in text removed"
    variable = xr.Variable(dims, indexing.LazilyIndexedArray(array), attrs=netcdf_safe_attrs(attrs))
    return with_source(xr.DataArray(variable, coords=coords, name="image"), pixels.source)


def file_attrs(
    *,
    source: str | None,
    sop_instance_uid: str | None,
    timing: FrameTiming,
    transfer_syntax_uid: str,
    photometric_interpretation: str | None,
) -> dict[str, Any]:
    """Attrs every array of one file carries: no patient or institution identifiers, and not the
    file name (``source`` is kept in memory only, in each array's ``encoding``: see
    :func:`~echolab.conventions.source_of`)."""
    return {
        SOP_INSTANCE_UID: sop_instance_uid,
        TIMING_SOURCE: timing.source.value,
        TRANSFER_SYNTAX_UID: transfer_syntax_uid,
        PHOTOMETRIC_INTERPRETATION: photometric_interpretation,
    }
