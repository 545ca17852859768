"""A 2D region resampled onto a physical grid (cm per pixel) and a true time base (s).

Space
-----
The grid is ``size`` × ``size`` pixels of ``spacing`` cm, isotropic whatever the region's
(0018,602C) / (0018,602E) Physical Delta X / Y. Its top edge lies on the probe face and its
centre column on the scan area's centre line, both from :meth:`echolab.EchoFile.sector` (the
geometry found in the pixels). It is axis-aligned with the image: sample ``(k, j)`` is taken at
the continuous image position ::

    row    = probe face row + (k + 1/2) × spacing / |Delta Y|
    column = centre column  + (j − (size − 1)/2) × spacing / |Delta X|

so its ``y`` / ``x`` coordinates are the region's own (depth and lateral distance in cm, exactly
as ``region(i)`` computes them for those positions). Values are interpolated bilinearly
(:func:`scipy.ndimage.map_coordinates`, order 1) after a Gaussian anti-aliasing filter of
standard deviation ``(s − 1) / 2`` source pixels along an axis shrunk ``s`` times (as
scikit-image's ``resize`` does): speckle finer than the grid averages out instead of aliasing.
Both are linear and separable, so each axis' operator is built once as a matrix and applied to
every frame by BLAS.
Samples outside the region are 0, and with ``mask="scan-area"`` so is everything outside the scan
area.

Time
----
Output frames sit at ``t0 + k / fps`` for every ``k`` that does not pass the last frame's time
(never extrapolated), or at ``phases`` equal steps of one R–R interval for a clip per beat; each
is interpolated linearly between the two source frames around it, from the file's true frame times
((0018,1065) Frame Time Vector, (0018,1063) Frame Time, ... see :mod:`echolab.reading.timing`).
A file without timing is refused with a :class:`ClipError`: a clip never assumes a frame rate.

Channels
--------
A region whose sampled frames are grey (R, G and B within a few levels inside the scan area,
as on most 2D tissue images stored as RGB) gives one channel, their mean; a colour region (colour
flow) keeps R, G, B.
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import xarray as xr

from .. import __version__
from ..analysis.beats import beats
from ..calibration import RegionCalibration, region_calibration
from ..codes import PhysicalUnits
from ..conventions import (
    BEAT_HEART_RATE,
    BEAT_INDEX,
    BEAT_RR,
    BEAT_SOURCE,
    BEAT_START,
    BEAT_STOP,
    BEAT_TIME_BASE,
    CLIP_CHANNELS,
    CLIP_FIELD_OF_VIEW,
    CLIP_FPS,
    CLIP_GEOMETRY_ANGLE_RANGE,
    CLIP_GEOMETRY_APEX,
    CLIP_GEOMETRY_CONFIDENCE,
    CLIP_GEOMETRY_KIND,
    CLIP_GEOMETRY_METHOD,
    CLIP_GEOMETRY_NOTES,
    CLIP_GEOMETRY_PROBE_FACE,
    CLIP_GEOMETRY_RADIUS_RANGE,
    CLIP_GEOMETRY_UNITS,
    CLIP_MASK,
    CLIP_PHASES,
    CLIP_SIZE,
    CLIP_SOURCE_DURATION,
    CLIP_SOURCE_FRAMES,
    CLIP_SPACING,
    COORDINATE_ATTRS,
    HISTORY,
    LONG_NAME,
    MANUFACTURER,
    MANUFACTURER_MODEL_NAME,
    PROCESSING_FUNCTION,
    PROCESSING_SOFTWARE_NAME,
    PROCESSING_SOFTWARE_VERSION,
    PROCESSING_TIME,
    SOP_INSTANCE_UID,
    SOURCE_FILE,
    netcdf_safe_attrs,
    time_attrs,
)
from ..echofile import EchoFile
from ..echofile import open as open_file
from ..errors import EcholabError, GeometryError, MeasurementError
from ..reading.regions import Axis

if TYPE_CHECKING:
    import pandas as pd

    from ..geometry import Sector

__all__ = [
    "ClipError",
    "FieldOfView",
    "Mask",
    "beat_clips",
    "clip",
    "complete_beats",
    "field_of_view",
    "fps_times",
    "frame_weights",
    "phase_times",
]

Mask = Literal["scan-area", "none"]
MASKS: tuple[Mask, ...] = ("scan-area", "none")
FloatArray = np.ndarray[Any, np.dtype[np.float64]]
IntArray = np.ndarray[Any, np.dtype[np.int64]]

#: Output frames computed at once: bounds the decoded frames held in memory.
CHUNK = 32
#: A pixel whose R, G and B spread over more than this many levels is colour.
GREY_TOLERANCE = 16
#: A region is grey when at most this fraction of its sampled scan-area pixels is colour.
GREY_FRACTION = 0.001


class ClipError(EcholabError):
    """A region cannot become a clip as asked (no frame timing, not a 2D region in cm, a beat
    outside the cine); the message names the file, the element and what would be valid."""


@dataclass(frozen=True)
class FieldOfView:
    """Where a clip's pixels are taken from: an isotropic grid placed on a region.

    Attributes
    ----------
    spacing
        Grid step, cm per pixel, along both axes.
    rows, columns
        Continuous image positions (pixel centres at integers) of the grid's rows and columns.
    y, x
        The region's physical coordinates (cm) at ``rows`` / ``columns``.
    anchor
        What placed the grid: ``"scan area"`` (the probe face and centre line of the geometry) or
        ``"region box"`` (its top edge and centre column, when no geometry is used).
    """

    spacing: float
    rows: FloatArray
    columns: FloatArray
    y: FloatArray
    x: FloatArray
    anchor: str

    @property
    def size(self) -> int:
        """Pixels per side."""
        return int(self.rows.size)

    @property
    def row_step(self) -> float:
        """Image rows per grid pixel (spacing / abs(Delta Y))."""
        return float(self.rows[1] - self.rows[0]) if self.rows.size > 1 else 1.0

    @property
    def column_step(self) -> float:
        """Image columns per grid pixel (spacing / abs(Delta X))."""
        return float(self.columns[1] - self.columns[0]) if self.columns.size > 1 else 1.0

    @property
    def bounds_cm(self) -> tuple[float, float, float, float]:
        """(x0, y0, x1, y1): the grid's outer edges in the region's cm (left, top, right, bottom)."""
        dx = (self.x[-1] - self.x[0]) / max(self.size - 1, 1)
        dy = (self.y[-1] - self.y[0]) / max(self.size - 1, 1)
        return (
            float(self.x[0] - dx / 2),
            float(self.y[0] - dy / 2),
            float(self.x[-1] + dx / 2),
            float(self.y[-1] + dy / 2),
        )


def _cm_axis(axis: Axis, calibration: RegionCalibration) -> float:
    """``axis``' step in cm per image pixel (signed), refusing an axis not calibrated in cm."""
    if axis.units is not PhysicalUnits.CM or axis.delta is None:
        raise ClipError(
            f"{calibration.name}: its {axis.name} axis is in {axis.unit!r}, not cm: a clip's grid needs a 2D region "
            "calibrated in cm ((0018,6024) / (0018,6026) Physical Units = 3)",
            calibration.source,
        )
    return axis.delta


def field_of_view(region: xr.DataArray, sector: Sector | None, *, spacing: float, size: int) -> FieldOfView:
    """The grid of a clip of ``region``: ``size`` × ``size`` pixels of ``spacing`` cm, its top on
    the probe face and its centre on the centre line of ``sector`` (the region box's top edge and
    centre column when ``sector`` is None).

    Raises
    ------
    ClipError
        When the region's x or y axis is not in cm.
    ValueError
        When ``spacing`` is not positive or ``size`` below 2.
    """
    if not (isinstance(spacing, (int, float)) and math.isfinite(spacing) and spacing > 0):
        raise ValueError(f"spacing must be a positive number of cm per pixel, not {spacing!r}")
    if not isinstance(size, (int, np.integer)) or isinstance(size, bool) or size < 2:
        raise ValueError(f"size must be an int of at least 2 pixels, not {size!r}")
    try:
        calibration = region_calibration(region)
    except MeasurementError as exc:
        raise ClipError(exc.reason, exc.source) from None
    dy = _cm_axis(calibration.y, calibration)
    dx = _cm_axis(calibration.x, calibration)
    if sector is not None:
        top, centre, anchor = sector.probe_face_row, sector.centre_column, "scan area"
    else:
        rows = region["row"].values
        columns = region["column"].values
        top, centre, anchor = float(rows[0]) - 0.5, (float(columns[0]) + float(columns[-1])) / 2, "region box"
    k = np.arange(size, dtype=np.float64)
    rows_at = top + (k + 0.5) * spacing / abs(dy)
    columns_at = centre + (k - (size - 1) / 2) * spacing / abs(dx)
    return FieldOfView(
        spacing=float(spacing),
        rows=rows_at,
        columns=columns_at,
        y=np.asarray(calibration.y.values(rows_at), dtype=np.float64),
        x=np.asarray(calibration.x.values(columns_at), dtype=np.float64),
        anchor=anchor,
    )


# --- time ---------------------------------------------------------------------------------------


def fps_times(times: Sequence[float] | np.ndarray, fps: float) -> FloatArray:
    """Output times at ``fps`` frames/s from the first frame's time to the last's, never past it."""
    if not (isinstance(fps, (int, float)) and math.isfinite(fps) and fps > 0):
        raise ValueError(f"fps must be a positive number of frames per second, not {fps!r}")
    source = np.asarray(times, dtype=np.float64)
    count = int(math.floor((source[-1] - source[0]) * fps + 1e-9)) + 1
    result: FloatArray = source[0] + np.arange(count, dtype=np.float64) / fps
    return result


def phase_times(start: float, stop: float, phases: int) -> tuple[FloatArray, FloatArray]:
    """``phases`` equal steps of the beat from ``start`` to ``stop`` (s): (times, phases in [0, 1)).

    Phase ``k / phases`` for ``k`` = 0 … phases − 1: phase 0 is the beat's R wave, phase 1 would be
    the next one (the next beat's phase 0), so a clip per beat covers one cycle exactly once.
    """
    if not isinstance(phases, (int, np.integer)) or isinstance(phases, bool) or phases < 1:
        raise ValueError(f"phases must be a positive int, not {phases!r}")
    phase = np.arange(phases, dtype=np.float64) / phases
    times: FloatArray = start + phase * (stop - start)
    return times, phase


def frame_weights(
    source_times: Sequence[float] | np.ndarray, targets: Sequence[float] | np.ndarray
) -> tuple[IntArray, FloatArray]:
    """For each target time, the source frame ``i`` at or before it and the weight ``w`` of frame
    ``i + 1``: the frame at the target is ``(1 − w) × frame[i] + w × frame[i + 1]``.

    Raises
    ------
    ValueError
        When a target lies before the first frame or after the last (no extrapolation), or the
        source times decrease.
    """
    t = np.asarray(source_times, dtype=np.float64)
    target = np.asarray(targets, dtype=np.float64)
    if t.size == 0:
        raise ValueError("no source frames")
    if np.any(np.diff(t) < 0):
        raise ValueError("source frame times decrease")
    slack = 1e-9 * max(1.0, float(np.abs(t).max()))
    if target.size and (target.min() < t[0] - slack or target.max() > t[-1] + slack):
        raise ValueError(
            f"times {target.min():.6g} .. {target.max():.6g} s leave the frames' span {t[0]:.6g} .. {t[-1]:.6g} s: "
            "clips never extrapolate"
        )
    if t.size == 1:
        return np.zeros(target.size, dtype=np.int64), np.zeros(target.size, dtype=np.float64)
    lower = np.clip(np.searchsorted(t, target, side="right") - 1, 0, t.size - 2).astype(np.int64)
    gap = t[lower + 1] - t[lower]
    with np.errstate(invalid="ignore", divide="ignore"):
        weight = np.where(gap > 0, (target - t[lower]) / gap, 0.0)
    return lower, np.clip(weight, 0.0, 1.0)


# --- pixels -------------------------------------------------------------------------------------


def _grey(region: xr.DataArray, positions: Sequence[int], inside: np.ndarray | None) -> bool:
    """True when the sampled frames of an RGB region are grey inside ``inside`` (region mask):
    every other row and column is enough to tell."""
    if "channel" not in region.dims:
        return True
    frames = np.asarray(region.isel(time=list(positions)).transpose("time", "y", "x", "channel").values)
    frames = frames[:, ::2, ::2].astype(np.int16)
    red, green, blue = frames[..., 0], frames[..., 1], frames[..., 2]
    colour = (np.abs(red - green) > GREY_TOLERANCE) | (np.abs(green - blue) > GREY_TOLERANCE)
    colour |= np.abs(red - blue) > GREY_TOLERANCE
    if inside is not None:
        colour = colour[:, inside[::2, ::2]]
    return bool(colour.size == 0 or np.mean(colour) <= GREY_FRACTION)


def _sample_positions(count: int, wanted: int = 8) -> list[int]:
    return sorted({int(round(p)) for p in np.linspace(0, count - 1, min(wanted, count))})


def _axis_matrix(length: int, positions: FloatArray, step: float) -> Any:
    """The (positions × length) matrix that anti-aliases and interpolates one image axis.

    Resampling here is linear and separable (the grid is axis-aligned): filtering with a Gaussian
    of standard deviation (step − 1) / 2 pixels, then linear interpolation at ``positions`` (crop
    pixel coordinates; 0 outside the crop). scipy.ndimage applies both operators to the identity
    matrix, which gives the operator itself; BLAS then applies it to every frame (two matrix
    products per frame instead of a filter and an interpolation over the whole frame). Each row
    has only the filter's few taps: the matrix is kept sparse (CSR).
    """
    from scipy import ndimage, sparse

    identity = np.eye(length, dtype=np.float64)
    sigma = max(0.0, (step - 1) / 2)
    filtered = ndimage.gaussian_filter1d(identity, sigma, axis=0, mode="nearest") if sigma > 0 else identity
    grid = np.meshgrid(positions, np.arange(length, dtype=np.float64), indexing="ij")
    matrix = ndimage.map_coordinates(filtered, np.stack(grid), order=1, mode="constant", cval=0.0)
    matrix[np.abs(matrix) < 1e-6] = 0.0  # the Gaussian's far tails: below any pixel level
    return sparse.csr_array(matrix.astype(np.float32))


def _resample(
    region: xr.DataArray,
    fov: FieldOfView,
    lower: IntArray,
    weight: FloatArray,
    *,
    grey: bool,
    keep: np.ndarray | None,
) -> np.ndarray:
    """(time, size, size, channel) values of the clip, cast to the region's dtype."""
    ordered = region.transpose("time", "y", "x", ...)
    colour = "channel" in ordered.dims
    channels = 1 if grey or not colour else ordered.sizes["channel"]
    dtype = np.dtype(ordered.dtype)
    size = fov.size
    out = np.zeros((lower.size, size, size, channels), dtype=dtype)
    # the crop of the region that the grid (and the anti-aliasing filter around it) reaches
    row0 = int(ordered["row"].values[0])
    column0 = int(ordered["column"].values[0])
    margin_rows = int(math.ceil(2 * max(0.0, fov.row_step - 1))) + 2
    margin_columns = int(math.ceil(2 * max(0.0, fov.column_step - 1))) + 2
    first_row = max(0, int(math.floor(fov.rows.min())) - row0 - margin_rows)
    last_row = min(ordered.sizes["y"] - 1, int(math.ceil(fov.rows.max())) - row0 + margin_rows)
    first_column = max(0, int(math.floor(fov.columns.min())) - column0 - margin_columns)
    last_column = min(ordered.sizes["x"] - 1, int(math.ceil(fov.columns.max())) - column0 + margin_columns)
    if first_row > last_row or first_column > last_column:
        return out  # the grid misses the region: nothing to sample
    rows = _axis_matrix(last_row - first_row + 1, fov.rows - row0 - first_row, fov.row_step)
    columns_t = _axis_matrix(last_column - first_column + 1, fov.columns - column0 - first_column, fov.column_step).T
    width = last_column - first_column + 1
    height = last_row - first_row + 1
    upper = np.where(weight > 0, lower + 1, lower)
    limits = (0, float(np.iinfo(dtype).max)) if np.issubdtype(dtype, np.integer) else (-np.inf, np.inf)
    for begin in range(0, lower.size, CHUNK):
        part = slice(begin, begin + CHUNK)
        needed = np.unique(np.concatenate([lower[part], upper[part]]))
        frames = np.asarray(
            ordered.isel(
                time=needed.tolist(), y=slice(first_row, last_row + 1), x=slice(first_column, last_column + 1)
            ).values
        )
        if not colour:
            planes = frames.astype(np.float32)[..., None]
        elif grey:  # the mean of R, G and B (three strided sums: faster than a reduction over the last axis)
            planes = (frames[..., 0].astype(np.float32) + frames[..., 1] + frames[..., 2])[..., None] / 3
        else:
            planes = frames.astype(np.float32)
        count, depth = planes.shape[0], planes.shape[-1]
        # columns first, on (frame, row, channel) lines, then rows, on (column, frame, channel) lines
        across = np.moveaxis(planes, 3, 2).reshape(count * height * depth, width) @ columns_t
        across = np.asarray(across).reshape(count, height, depth, size).transpose(1, 0, 3, 2)
        down = np.asarray(rows @ across.reshape(height, count * size * depth)).reshape(size, count, size, depth)
        resampled = down.transpose(1, 0, 2, 3)  # (frames, size, size, channels)
        a = np.searchsorted(needed, lower[part])
        b = np.searchsorted(needed, upper[part])
        w = weight[part].astype(np.float32)[:, None, None, None]
        blended = (1 - w) * resampled[a] + w * resampled[b]
        if keep is not None:
            blended *= keep[None, :, :, None]
        out[part] = np.clip(np.rint(blended), *limits).astype(dtype)
    return out


# --- clips --------------------------------------------------------------------------------------


def _echofile(f: EchoFile | str | os.PathLike[str]) -> EchoFile:
    return f if isinstance(f, EchoFile) else open_file(f)


def _check_region(f: EchoFile, index: int) -> None:
    if not isinstance(index, (int, np.integer)) or isinstance(index, bool):
        raise TypeError(f"region index must be an int, not {type(index).__name__}")
    if -len(f.regions) <= index < len(f.regions) and not f.regions[index].kind.is_two_d:
        region = f.regions[index]
        raise ClipError(
            f"region {region.index} is {region.kind.value} ({region.spatial_format_name} / {region.data_type_name}): "
            "clips are made of 2D regions ((0018,6012) Region Spatial Format = 1)",
            f.source,
        )


def _check_timing(f: EchoFile) -> None:
    if not f.timing.has_timing:
        raise ClipError(
            "has no frame timing: none of (0028,0009) Frame Increment Pointer, (0018,1065) Frame Time Vector, "
            "(0018,1063) Frame Time, (0018,0040) Cine Rate, (0008,2144) Recommended Display Frame Rate is usable; "
            "a clip needs the true frame times and echolab never assumes a frame rate",
            f.source,
        )


def _geometry(
    f: EchoFile, index: int, mask: Mask, sector: Sector | None
) -> tuple[Sector | None, dict[str, Any], str | None]:
    """The sector to place the grid with (None: the region box), its attrs, and why there is none."""
    if mask not in MASKS:
        raise ValueError(f"mask must be one of {', '.join(MASKS)}, not {mask!r}")
    if sector is None:
        try:
            sector = f.sector(index)
        except GeometryError as exc:
            if mask == "scan-area":
                raise GeometryError(
                    f"{exc.reason}; a clip with mask='none' is placed on the region box instead", f.source
                ) from None
            return None, {CLIP_GEOMETRY_KIND: "none", CLIP_GEOMETRY_NOTES: exc.reason}, exc.reason
    attrs = {
        CLIP_GEOMETRY_KIND: sector.kind,
        CLIP_GEOMETRY_APEX: list(sector.apex) if sector.apex is not None else None,
        CLIP_GEOMETRY_ANGLE_RANGE: list(sector.angle_range),
        CLIP_GEOMETRY_RADIUS_RANGE: list(sector.radius_range),
        CLIP_GEOMETRY_PROBE_FACE: list(sector.probe_face),
        CLIP_GEOMETRY_UNITS: sector.units,
        CLIP_GEOMETRY_CONFIDENCE: sector.confidence,
        CLIP_GEOMETRY_METHOD: sector.method,
        CLIP_GEOMETRY_NOTES: "; ".join(sector.notes) or None,
    }
    return sector, attrs, None


def _history_line(step: str) -> str:
    stamp = datetime.now(timezone.utc).isoformat(timespec="seconds")
    return f"{stamp} echolab {__version__}: {step}"


@dataclass(frozen=True)
class _Prepared:
    """What every clip of one region shares: its DataArray, grid, geometry and channels."""

    f: EchoFile
    index: int
    region: xr.DataArray
    fov: FieldOfView
    sector: Sector | None
    geometry_attrs: dict[str, Any]
    no_geometry: str | None
    mask: Mask
    keep: np.ndarray | None
    grey: bool


def _prepare(f: EchoFile, index: int, *, spacing: float, size: int, mask: Mask, sector: Sector | None) -> _Prepared:
    _check_region(f, index)
    _check_timing(f)
    region = f.region(index)
    sector, geometry_attrs, no_geometry = _geometry(f, index, mask, sector)
    fov = field_of_view(region, sector, spacing=spacing, size=size)
    keep = None
    if sector is not None and mask == "scan-area":
        keep = sector.contains(fov.rows[:, None], fov.columns[None, :]).astype(np.float32)
    inside = np.asarray(sector.mask.values, dtype=bool) if sector is not None else None
    grey = _grey(region, _sample_positions(region.sizes["time"]), inside)
    return _Prepared(f, index, region, fov, sector, geometry_attrs, no_geometry, mask, keep, grey)


def _build(
    prepared: _Prepared,
    targets: FloatArray,
    *,
    extra_coords: dict[str, Any],
    extra_attrs: dict[str, Any],
    what: str,
) -> xr.DataArray:
    f, index, region, fov = prepared.f, prepared.index, prepared.region, prepared.fov
    source_times = np.asarray(region["time"].values, dtype=np.float64)
    try:
        lower, weight = frame_weights(source_times, targets)
    except ValueError as exc:
        raise ClipError(f"region {index}: {exc}", f.source) from None
    values = _resample(region, fov, lower, weight, grey=prepared.grey, keep=prepared.keep)
    colour = values.shape[-1] == 3
    coords: dict[str, Any] = {
        "time": ("time", targets, time_attrs(True)),
        "source_frame": ("time", lower + weight, dict(COORDINATE_ATTRS["source_frame"])),
        "y": ("y", fov.y, dict(region["y"].attrs)),
        "x": ("x", fov.x, dict(region["x"].attrs)),
        "row": ("y", fov.rows, dict(COORDINATE_ATTRS["clip_row"])),
        "column": ("x", fov.columns, dict(COORDINATE_ATTRS["clip_column"])),
        "channel": ("channel", np.array(["R", "G", "B"] if colour else ["grey"], dtype=object)),
        **extra_coords,
    }
    attrs = {k: v for k, v in region.attrs.items() if k not in (SOP_INSTANCE_UID, SOURCE_FILE)}
    masked = prepared.keep is not None
    placed = (
        "probe face, centred on the scan area's centre line"
        if prepared.sector is not None
        else f"region's top edge, centred on the region ({prepared.no_geometry})"
    )
    channels = (
        f"grey: R=G=B within {GREY_TOLERANCE} levels, kept as one channel" if prepared.grey else "colour: R, G, B"
    )
    step = (
        f"region {index} resampled onto {fov.size} x {fov.size} pixels of {fov.spacing:g} cm, top at the {placed} "
        f"(Gaussian anti-aliasing, bilinear); {what}, each interpolated linearly between the two neighbouring "
        f"frames of the times from {f.timing.source.value}; mask: "
        f"{'outside the scan area set to 0' if masked else 'none'}; {channels}"
    )
    attrs.update(
        {
            LONG_NAME: f"{region.attrs.get(LONG_NAME, 'pixel value')} on a {fov.spacing:g} cm grid",
            CLIP_SPACING: fov.spacing,
            CLIP_SIZE: fov.size,
            CLIP_MASK: "scan-area" if masked else "none",
            CLIP_CHANNELS: "RGB" if colour else "grey",
            CLIP_FIELD_OF_VIEW: list(fov.bounds_cm),
            CLIP_SOURCE_DURATION: float(source_times[-1] - source_times[0]),
            CLIP_SOURCE_FRAMES: int(source_times.size),
            MANUFACTURER: f.manufacturer,
            MANUFACTURER_MODEL_NAME: f.model,
            HISTORY: _history_line(step),
            PROCESSING_SOFTWARE_NAME: "echolab",
            PROCESSING_SOFTWARE_VERSION: __version__,
            PROCESSING_TIME: datetime.now(timezone.utc).isoformat(timespec="seconds"),
            PROCESSING_FUNCTION: "echolab.clips",
            **prepared.geometry_attrs,
            **extra_attrs,
        }
    )
    return xr.DataArray(
        values,
        dims=("time", "y", "x", "channel"),
        coords=coords,
        attrs=netcdf_safe_attrs(attrs),
        name="clip",
    )


def clip(
    f: EchoFile | str | os.PathLike[str],
    index: int,
    *,
    spacing: float,
    size: int,
    fps: float,
    mask: Mask = "scan-area",
    sector: Sector | None = None,
) -> xr.DataArray:
    """Region ``index`` of ``f`` as a clip: ``size`` × ``size`` pixels of ``spacing`` cm, at
    ``fps`` frames/s over the cine's real duration (see the module docstring).

    Parameters
    ----------
    f
        An opened file or a path.
    index
        A 2D region (item of (0018,6011)).
    spacing
        Grid step in cm per pixel (both axes).
    size
        Pixels per side.
    fps
        Output frames per second; frames at ``t0 + k / fps`` up to the last frame's time.
    mask
        ``"scan-area"`` (default): pixels outside the scan area are 0; ``"none"``: kept (and when
        no scan area is found, the grid is placed on the region box instead).
    sector
        The region's scan area when already estimated (default: :meth:`EchoFile.sector`).

    Returns
    -------
    xarray.DataArray
        Dims ``("time", "y", "x", "channel")``, the region's dtype (uint8 for 8-bit files);
        ``time`` in s (on the frames' clock), ``y`` / ``x`` in cm in the region's frame, ``row`` /
        ``column`` the image positions sampled, ``source_frame`` the fractional frame each output
        frame was interpolated at, ``channel`` ``["grey"]`` or ``["R", "G", "B"]``; attrs with the
        grid, timing source, calibration corrections, geometry and a processing ``history``; no
        identifiers.

    Raises
    ------
    ClipError
        When the file has no frame timing, or the region is not 2D or not in cm.
    GeometryError
        When no scan area is found and ``mask="scan-area"``.
    """
    f = _echofile(f)
    _check_timing(f)
    prepared = _prepare(f, index, spacing=spacing, size=size, mask=mask, sector=sector)
    times = fps_times(np.asarray(prepared.region["time"].values), fps)
    return _build(
        prepared,
        times,
        extra_coords={},
        extra_attrs={CLIP_FPS: float(fps)},
        what=f"{times.size} frames at {fps:g} /s",
    )


def complete_beats(f: EchoFile, table: pd.DataFrame | None = None) -> pd.DataFrame:
    """The beats of ``table`` (default :func:`echolab.analysis.beats.beats`) that lie wholly inside the cine:
    both R waves between the first and the last frame's time, on the frames' clock.

    Raises
    ------
    ClipError
        When the beats are not on the frames' clock (R peaks of an ECG trace region are on that
        region's own time axis) or the file has no frame timing.
    """
    from ..analysis.beats import FRAMES_CLOCK, describe_time_base

    _check_timing(f)
    table = beats(f) if table is None else table
    if len(table) and table.attrs.get(BEAT_TIME_BASE) != FRAMES_CLOCK:
        raise ClipError(
            f"its beats are on {describe_time_base(table)}, not on the frames' clock: a clip per beat needs "
            "(0018,6060) R Wave Time Vector (ms from the first frame)",
            f.source,
        )
    times = f.frame_times[: f.pixels.number_of_frames]
    slack = 1e-9
    inside = (table["start"] >= times[0] - slack) & (table["stop"] <= times[-1] + slack)
    complete: pd.DataFrame = table.loc[inside]
    return complete


def beat_clips(
    f: EchoFile | str | os.PathLike[str],
    index: int,
    *,
    spacing: float,
    size: int,
    phases: int,
    mask: Mask = "scan-area",
    sector: Sector | None = None,
    table: pd.DataFrame | None = None,
) -> list[xr.DataArray]:
    """One clip per complete beat of region ``index``, each resampled to ``phases`` equal phases
    of its R–R interval (see :func:`phase_times`); otherwise as :func:`clip`.

    Each clip has a ``phase`` coordinate (0 … (phases − 1)/phases) beside its real ``time`` (s
    from the first frame) and the beat in its attrs (``beat_index`` — its row in ``table`` —,
    ``beat_start_s``, ``beat_stop_s``, ``beat_rr_s``, ``beat_heart_rate_per_min``,
    ``beat_source``). Beats that begin before the first frame or end after the last are left out.

    Parameters
    ----------
    table
        The beats (default :func:`echolab.analysis.beats.beats`).

    Raises
    ------
    ClipError
        As :func:`clip`, and when the beats are not on the frames' clock.
    """
    f = _echofile(f)
    _check_region(f, index)
    beats = complete_beats(f, table)
    if not len(beats):
        return []
    prepared = _prepare(f, index, spacing=spacing, size=size, mask=mask, sector=sector)
    clips = []
    for row, beat in beats.iterrows():
        times, phase = phase_times(float(beat["start"]), float(beat["stop"]), phases)
        clips.append(
            _build(
                prepared,
                times,
                extra_coords={"phase": ("time", phase, dict(COORDINATE_ATTRS["phase"]))},
                extra_attrs={
                    CLIP_PHASES: int(phases),
                    BEAT_INDEX: int(row),  # type: ignore[call-overload]
                    BEAT_START: float(beat["start"]),
                    BEAT_STOP: float(beat["stop"]),
                    BEAT_RR: float(beat["rr"]),
                    BEAT_HEART_RATE: float(beat["heart_rate"]),
                    BEAT_SOURCE: str(beat["source"]),
                    BEAT_TIME_BASE: str(beats.attrs.get(BEAT_TIME_BASE)),
                },
                what=f"{phases} phases of beat {row} ({float(beat['start']):.3f} .. {float(beat['stop']):.3f} s)",
            )
        )
    return clips
