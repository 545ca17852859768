"""Reading what a scanner drew: one frame of a region as grey intensity and colourfulness.

Strip regions (M-mode, spectral Doppler, traces) are pictures of a signal, not the signal: the
spectrum is drawn in grey, ECG curves and calipers in colour, labels in white. The analysis
modules separate them with two per-pixel numbers computed here — ``grey`` (mean of the colour
channels, or the value itself) and ``chroma`` (max − min of the channels, 0 for grey).
"""

from __future__ import annotations

import numpy as np
import xarray as xr

from ..conventions import source_of
from ..errors import MeasurementError

__all__ = ["frame_of", "grey_and_chroma", "otsu_threshold", "hue"]


def frame_of(region: xr.DataArray, frame: int | None = None) -> xr.DataArray:
    """One frame of a region DataArray (dims ``y, x[, channel]``), decoded.

    ``frame`` is a 0-based frame index; None takes the last frame, the one whose strip is the
    most complete in a scrolling cine (and the only one of a single-frame file).
    """
    if "time" not in region.dims:
        return region.load()
    frames = region.sizes["time"]
    index = frames - 1 if frame is None else int(frame)
    if not -frames <= index < frames:
        raise MeasurementError(
            f"frame {frame} does not exist; the region has {frames} frame(s) (0..{frames - 1})",
            source_of(region),
        )
    return region.isel(time=index).load()


def grey_and_chroma(values: np.ndarray, colour: bool | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Grey level and colourfulness of pixels, both float32 in the pixel value scale.

    ``values`` holds grey pixels, or RGB pixels along its last axis when ``colour`` is True
    (None: RGB when ``values`` has three dimensions, i.e. rows × columns × 3).
    """
    array = np.asarray(values, dtype=np.float32)
    if not (array.ndim == 3 if colour is None else colour):
        return array, np.zeros_like(array)
    return array.mean(axis=-1), array.max(axis=-1) - array.min(axis=-1)


def hue(values: np.ndarray) -> np.ndarray:
    """Hue in degrees (0..360) of RGB pixels of shape (..., 3); 0 for grey pixels."""
    rgb = np.asarray(values, dtype=np.float32)
    r, g, b = rgb[..., 0], rgb[..., 1], rgb[..., 2]
    high, low = rgb.max(axis=-1), rgb.min(axis=-1)
    span = np.where(high > low, high - low, 1.0)
    h = np.where(
        high == r,
        ((g - b) / span) % 6.0,
        np.where(high == g, (b - r) / span + 2.0, (r - g) / span + 4.0),
    )
    return np.where(high > low, h * 60.0, 0.0)


def otsu_threshold(values: np.ndarray, bins: int = 256) -> float:
    """Otsu's threshold: the grey level that best splits ``values`` into dark and bright.

    Returns the largest value when all values are equal (nothing is "bright").
    """
    data = np.asarray(values, dtype=np.float64).ravel()
    data = data[np.isfinite(data)]
    if data.size == 0 or data.min() == data.max():
        return float(data.max()) if data.size else 0.0
    counts, edges = np.histogram(data, bins=bins)
    centres = (edges[:-1] + edges[1:]) / 2
    weight_low = np.cumsum(counts)
    weight_high = weight_low[-1] - weight_low
    sum_low = np.cumsum(counts * centres)
    mean_low = sum_low / np.maximum(weight_low, 1)
    mean_high = (sum_low[-1] - sum_low) / np.maximum(weight_high, 1)
    between = weight_low * weight_high * (mean_low - mean_high) ** 2
    return float(edges[int(np.argmax(between)) + 1])
