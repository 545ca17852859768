"""Physiological traces drawn in a region: the ECG curve as a signal, R peaks and heart rate.

Scanners draw the ECG as a coloured line, either in its own waveform region ((0018,6012) = 4,
(0018,6014) = 0xA ECG trace) or over an M-mode or Doppler strip that shares its time axis. The
curve's row in each column, read back from the picture, is the signal; R peaks are its tallest
upward spikes, and the heart rate follows from the R–R intervals — to compare with
(0018,1088) Heart Rate, which is the scanner's own estimate.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np
import xarray as xr
from scipy.ndimage import find_objects, label
from scipy.signal import find_peaks

from ..calibration import region_calibration
from ..codes import PhysicalUnits, RegionKind
from ..conventions import (
    LONG_NAME,
    PIXEL_UNITS,
    REGION_INDEX,
    SOP_INSTANCE_UID,
    TRACE_REGION_ROWS,
    TRACE_TIME_UNITS,
    UNITS,
    source_of,
    with_source,
)
from ..errors import MeasurementError
from .display import frame_of, grey_and_chroma, hue, otsu_threshold
from .measure import Measurement

__all__ = ["trace_signal", "r_peaks", "heart_rate"]

#: Pixels at least this colourful (max − min of R, G, B) may belong to a coloured curve.
MIN_CHROMA = 60.0


def trace_signal(
    region: xr.DataArray,
    *,
    frame: int | None = None,
    colour: Sequence[float] | None = None,
    tolerance: float = 60.0,
    position: Literal["centre", "top"] = "centre",
) -> xr.DataArray:
    """The drawn curve of a trace region (or a curve drawn over a strip) as a 1-D signal over time.

    Parameters
    ----------
    region
        A region DataArray whose x axis is time: an ECG/trace region, or an M-mode / Doppler strip
        with the ECG drawn over it.
    frame
        Frame index for multi-frame files; None takes the last frame.
    colour
        RGB colour of the curve; None finds it: the most common hue among colourful pixels
        (ignoring rarer colours such as cursors), or the bright pixels of a grey picture.
    tolerance
        Largest RGB distance from ``colour`` still counted as the curve.
    position
        Per column, the ``"centre"`` of the curve's pixels or its ``"top"`` (R peaks stand out best).

    Returns
    -------
    xarray.DataArray
        Over ``x`` (the strip time, s): the curve's height — in the region's y units when it is a
        trace region with a calibrated y axis, otherwise in pixels above (0018,6022) Reference
        Pixel Y0 — NaN where a column shows no curve.
    """
    cal = region_calibration(region)
    x_axis, y_axis = cal.x, cal.y
    picture = frame_of(region, frame).transpose("y", "x", ...)
    mask = _long_strokes(_curve_mask(picture.values, colour, tolerance))
    rows = picture["row"].values.astype(np.float64) if "row" in picture.coords else np.arange(mask.shape[0])
    counts = mask.sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        if position == "top":
            first = np.argmax(mask, axis=0)
            curve_rows = np.where(counts > 0, rows[first], np.nan)
        else:
            curve_rows = np.where(counts > 0, (mask * rows[:, None]).sum(axis=0) / counts, np.nan)

    trace_region = cal.kind is RegionKind.TRACE
    if trace_region and y_axis.calibrated:
        values, units, what = y_axis.values(curve_rows), y_axis.unit, y_axis.long_name
    else:
        values, units, what = y_axis.reference_index - curve_rows, PIXEL_UNITS, "height above the reference row"
    data_type = (cal.data_type or "trace") if trace_region else "drawn curve"
    coords = {"x": picture["x"]}
    if "column" in picture.coords:
        coords["column"] = picture["column"]
    attrs = {
        UNITS: units,
        LONG_NAME: f"{data_type} {what}",
        REGION_INDEX: cal.index,
        SOP_INSTANCE_UID: cal.sop_instance_uid,
        TRACE_TIME_UNITS: x_axis.unit,
        TRACE_REGION_ROWS: int(mask.shape[0]) if trace_region else None,
    }
    trace = xr.DataArray(
        np.asarray(values, dtype=np.float64),
        dims=("x",),
        coords=coords,
        name="trace",
        attrs={k: v for k, v in attrs.items() if v is not None},
    )
    return with_source(trace, cal.source)


def _curve_mask(values: np.ndarray, colour: Sequence[float] | None, tolerance: float) -> np.ndarray:
    array = np.asarray(values, dtype=np.float32)
    if colour is not None:
        if array.ndim != 3:
            raise MeasurementError("a curve colour was given but the region is grey")
        near: np.ndarray = np.linalg.norm(array - np.asarray(colour, dtype=np.float32), axis=-1) <= tolerance
        return near
    grey, chroma = grey_and_chroma(array)
    if array.ndim == 3:
        colourful = chroma >= MIN_CHROMA
        if colourful.any(axis=0).mean() >= 0.01:  # a coloured curve shows (partly hidden curves count)
            hues = hue(array[colourful])
            histogram, edges = np.histogram(hues, bins=24, range=(0.0, 360.0))
            peak = int(np.argmax(histogram))
            centre = (edges[peak] + edges[peak + 1]) / 2
            distance = np.abs((hue(array) - centre + 180.0) % 360.0 - 180.0)
            same_hue: np.ndarray = colourful & (distance <= 22.5)
            return same_hue
    bright = grey > otsu_threshold(grey)
    return ~bright if bright.mean() > 0.5 else bright  # the curve is the minority: dark on a light ground


def _long_strokes(mask: np.ndarray, min_width: float = 0.03, min_height: float = 0.3) -> np.ndarray:
    """Keep the 8-connected strokes of ``mask`` spanning at least ``min_width`` of the columns or
    ``min_height`` of the rows (pieces of the curve, its spikes), dropping labels and dots; keep
    everything when no stroke is that large (a curve mostly hidden)."""
    labels, count = label(mask, structure=np.ones((3, 3), dtype=bool))
    if count == 0:
        return mask
    spans = find_objects(labels)
    long = np.zeros(count + 1, dtype=bool)
    for index, span in enumerate(spans, start=1):
        if span is not None and (
            span[1].stop - span[1].start >= min_width * mask.shape[1]
            or span[0].stop - span[0].start >= min_height * mask.shape[0]
        ):
            long[index] = True
    return long[labels] if long.any() else mask


def r_peaks(signal: xr.DataArray, *, min_interval: float = 0.25, prominence: float | None = None) -> np.ndarray:
    """Strip times (s) of the R peaks of an ECG signal from :func:`trace_signal`.

    Parameters
    ----------
    min_interval
        Shortest R–R interval accepted (s); 0.25 s allows heart rates up to 240 /min.
    prominence
        How far a peak must rise above its surroundings, in the signal's units; None takes half of
        the signal's range (1st to 99th percentile), and at least 1/8 of the height of a trace
        region for signals in pixels.
    """
    values = signal.values.astype(np.float64)
    x = signal["x"].values.astype(np.float64)
    finite = np.isfinite(values)
    if finite.sum() < 3:
        raise MeasurementError("the trace is empty: no curve was found in the region", source_of(signal))
    filled = np.interp(np.arange(values.size), np.flatnonzero(finite), values[finite])
    low, high = np.percentile(filled, [1, 99])
    if prominence is None:
        # half the signal's range, and in a trace region at least 1/8 of its height: a flat
        # line with tick marks has no R peaks
        needed = max(
            0.5 * (high - low),
            signal.attrs.get(TRACE_REGION_ROWS, 0) / 8 if signal.attrs.get(UNITS) == PIXEL_UNITS else 0,
        )
    else:
        needed = float(prominence)
    step = float(np.abs(np.diff(x)).mean()) if x.size > 1 else 1.0
    indices, _ = find_peaks(filled, prominence=max(needed, 1e-9), distance=max(1, round(min_interval / step)))
    peaks: np.ndarray = x[indices]
    return peaks


def heart_rate(
    region: xr.DataArray,
    *,
    frame: int | None = None,
    colour: Sequence[float] | None = None,
    min_interval: float = 0.25,
) -> Measurement:
    """Heart rate (beats per minute) from the median R–R interval of the ECG drawn in ``region``.

    ``where`` holds the number of R peaks found (``"beats"``) and the median R–R interval (s).

    Raises
    ------
    MeasurementError
        When the region's x axis is not time in s, or fewer than two R peaks are found.
    """
    cal = region_calibration(region)
    x_axis, source = cal.x, cal.source
    if x_axis.units is not PhysicalUnits.SECONDS:
        raise MeasurementError(
            f"{cal.name}: its x axis is {x_axis.long_name} [{x_axis.unit}]; a heart rate needs a time axis in s",
            source,
        )
    signal = trace_signal(region, frame=frame, colour=colour, position="top")
    peaks = np.sort(r_peaks(signal, min_interval=min_interval))
    if peaks.size < 2:
        raise MeasurementError(
            f"found {peaks.size} R peak(s) in {cal.name}; a heart rate needs at least two",
            source,
        )
    interval = float(np.median(np.diff(peaks)))
    return Measurement(
        60.0 / interval, "1/min", "heart rate from R-R intervals", where={"beats": float(peaks.size), "rr": interval}
    )
