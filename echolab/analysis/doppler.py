"""Spectral Doppler strips: the peak-velocity envelope, velocities over a time window, the Nyquist limit.

A spectral Doppler region is a time × velocity picture: each column is one spectrum, the
brightness of a pixel the power at that velocity, and (0018,6022) Reference Pixel Y0 the
zero-velocity baseline. Signs come from the calibration alone — (0018,602E) Physical Delta Y is
usually negative (flow towards the probe above the baseline) but one vendor writes it positive —
so "positive" here always means a positive calibrated velocity, wherever the scanner drew it.

Examples
--------
>>> strip = f.region(f.find_regions(spatial_format=SpatialFormat.SPECTRAL)[0])
>>> env = doppler.envelope(strip)                     # dims ("direction", "x"), cm/s
>>> doppler.peak_velocity(env, "positive", start=-2.0, stop=-1.2)
<Measurement peak positive Doppler velocity: 79.2 cm/s>
>>> doppler.nyquist_velocity(strip)                   # from the item's PRF, frequency and angle
<Measurement Nyquist velocity: 23.48 cm/s>
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import xarray as xr
from scipy.ndimage import label, median_filter

from ..calibration import RegionLike, region_calibration
from ..codes import DataType, PhysicalUnits, RegionKind
from ..conventions import (
    DOPPLER_POSITIVE_DIRECTION,
    ENVELOPE_MAX_GAP,
    ENVELOPE_THRESHOLD,
    LONG_NAME,
    REGION_INDEX,
    SOP_INSTANCE_UID,
    UNITS,
    source_of,
    with_source,
)
from ..errors import MeasurementError
from ..reading.acquisition import Acquisition
from ..reading.elements import element_name
from .display import frame_of, grey_and_chroma, otsu_threshold
from .measure import Measurement

__all__ = ["SPEED_OF_SOUND", "envelope", "peak_velocity", "mean_velocity", "velocity_time_integral", "nyquist_velocity"]

#: Speed of sound in soft tissue that scanners assume (and calibrate depths and velocities with), m/s.
SPEED_OF_SOUND = 1540.0
_VELOCITY = PhysicalUnits.CM_PER_SECOND.unit
_FREQUENCY = PhysicalUnits.HERTZ.unit

Direction = Literal["positive", "negative"]
DIRECTIONS: tuple[Direction, Direction] = ("positive", "negative")


def envelope(
    region: xr.DataArray,
    *,
    frame: int | None = None,
    threshold: float | None = None,
    max_gap: int | None = None,
    max_chroma: float = 48.0,
    smooth: int = 3,
) -> xr.DataArray:
    """The peak-velocity envelope of a spectral Doppler strip, per column, on both sides of the baseline.

    For each column and each side, the envelope is the outermost pixel brighter than
    ``threshold`` that is connected to the baseline without a dark gap longer than ``max_gap``
    rows. Small blobs (label glyphs, dots) are dropped first, coloured overlays (ECG curves,
    cursors) are excluded by their colour, and drawings beyond a dark gap are ignored.

    Parameters
    ----------
    region
        The DataArray of a spectral Doppler region (``f.region(i)``), possibly sliced along ``x``.
    frame
        Frame index for multi-frame files; None takes the last frame.
    threshold
        Grey level that counts as signal; None takes half of Otsu's threshold, so that the dim
        outer edge of the spectrum still counts.
    max_gap
        Longest dark run (rows) allowed inside the spectrum; None uses 5 % of the strip height.
    max_chroma
        Pixels more colourful than this (max − min of R, G, B) are overlays, not spectrum.
    smooth
        Width (columns) of a median filter along time that removes single-column speckle; 1 turns it off.

    Returns
    -------
    xarray.DataArray
        Signed velocities (cm/s, or Hz on a frequency scale) with dims ``("direction", "x")``:
        ``direction`` is ``"positive"`` / ``"negative"``, ``x`` the strip time (s). Columns
        without any flow on a side hold 0.

    Raises
    ------
    MeasurementError
        When ``region`` is not a calibrated spectral Doppler region.
    """
    cal = region_calibration(region)
    y_axis, source = cal.y, cal.source
    if cal.kind is not RegionKind.SPECTRAL_DOPPLER:
        raise MeasurementError(
            f"{cal.name} is a {cal.kind.value} region; the envelope needs a spectral Doppler region "
            "(0018,6012) Region Spatial Format = 3",
            source,
        )
    if y_axis.units not in (PhysicalUnits.CM_PER_SECOND, PhysicalUnits.HERTZ):
        raise MeasurementError(
            f"the velocity axis of {cal.name} is {y_axis.long_name} [{y_axis.unit}]; an envelope needs cm/s or Hz",
            source,
        )
    picture = frame_of(region, frame).transpose("y", "x", ...)
    grey, chroma = grey_and_chroma(picture.values)
    signal_grey = np.where(chroma <= max_chroma, grey, 0.0)
    level = otsu_threshold(signal_grey) / 2 if threshold is None else float(threshold)
    mask = _without_specks(signal_grey >= level, min_area=max(20, mask_area_fraction(signal_grey.size)))

    velocities = picture["y"].values
    height = mask.shape[0]
    gap = max(2, round(0.05 * height)) if max_gap is None else max(1, int(max_gap))
    result = np.zeros((2, mask.shape[1]), dtype=np.float64)
    for side, sign in enumerate((1.0, -1.0)):
        rows = np.flatnonzero(sign * velocities > 0)
        if rows.size == 0:
            continue
        rows = rows[np.argsort(np.abs(velocities[rows]))]  # outward from the baseline
        outer = _outermost(mask[rows], gap)
        values = np.where(outer >= 0, velocities[rows[np.maximum(outer, 0)]], 0.0)
        if smooth > 1:
            values = median_filter(values, size=int(smooth), mode="nearest")
        result[side] = values

    attrs = {
        UNITS: y_axis.unit,
        LONG_NAME: f"peak {y_axis.long_name} envelope",
        REGION_INDEX: cal.index,
        SOP_INSTANCE_UID: cal.sop_instance_uid,
        ENVELOPE_THRESHOLD: level,
        ENVELOPE_MAX_GAP: gap,
        DOPPLER_POSITIVE_DIRECTION: cal.doppler_positive_direction,
    }
    coords = {"direction": list(DIRECTIONS), "x": picture["x"]}
    if "column" in picture.coords:
        coords["column"] = picture["column"]
    envelope = xr.DataArray(
        result,
        dims=("direction", "x"),
        coords=coords,
        name="envelope",
        attrs={k: v for k, v in attrs.items() if v is not None},
    )
    return with_source(envelope, source)


def mask_area_fraction(size: int) -> int:
    """Smallest blob (pixels) kept as spectrum: 0.2 % of the strip, so glyphs of labels drop out."""
    return int(0.002 * size)


def _without_specks(mask: np.ndarray, min_area: int) -> np.ndarray:
    """``mask`` without the 8-connected blobs smaller than ``min_area`` pixels (text, dots, speckle)."""
    labels, count = label(mask, structure=np.ones((3, 3), dtype=bool))
    if count == 0:
        return mask
    sizes = np.bincount(labels.ravel(), minlength=count + 1)
    keep = sizes >= min_area
    keep[0] = False
    kept: np.ndarray = keep[labels]
    return kept


def _outermost(mask: np.ndarray, gap: int) -> np.ndarray:
    """Per column of ``mask`` (rows ordered outwards from the baseline), the last True index
    before the first run of ``gap`` False rows that follows the first True; -1 without any True."""
    n, columns = mask.shape
    has_signal = mask.any(axis=0)
    first = np.argmax(mask, axis=0)
    if n > gap:
        dark = np.concatenate([np.zeros((1, columns), dtype=np.int64), np.cumsum(~mask, axis=0)])
        gap_start = (dark[gap:] - dark[:-gap]) == gap
        gap_start &= np.arange(gap_start.shape[0])[:, None] > first[None, :]
        end = np.where(gap_start.any(axis=0), np.argmax(gap_start, axis=0), n)
    else:
        end = np.full(columns, n)
    inside = mask & (np.arange(n)[:, None] < end[None, :])
    last = n - 1 - np.argmax(inside[::-1], axis=0)
    return np.where(has_signal, last, -1)


def _window(envelope: xr.DataArray, direction: Direction, start: float | None, stop: float | None) -> xr.DataArray:
    if direction not in DIRECTIONS:
        raise MeasurementError(f"direction must be 'positive' or 'negative', not {direction!r}")
    trace = envelope.sel(direction=direction)
    x = trace["x"].values
    low = x.min() if start is None else min(start, stop if stop is not None else x.max())
    high = x.max() if stop is None else max(stop, start if start is not None else x.min())
    inside = (x >= low) & (x <= high)
    if not inside.any():
        raise MeasurementError(
            f"the window {low:.4g}..{high:.4g} s holds no column of the strip ({x.min():.4g}..{x.max():.4g} s)",
            source_of(envelope),
        )
    return trace.isel(x=np.flatnonzero(inside))


def peak_velocity(
    envelope: xr.DataArray, direction: Direction = "positive", *, start: float | None = None, stop: float | None = None
) -> Measurement:
    """The highest velocity of one side of an envelope between ``start`` and ``stop`` (s).

    The value keeps its sign; ``where["x"]`` is the strip time of the peak.
    """
    trace = _window(envelope, direction, start, stop)
    index = int(np.argmax(np.abs(trace.values)))
    return Measurement(
        float(trace.values[index]),
        envelope.attrs.get(UNITS, ""),
        f"peak {direction} {_quantity(envelope)}",
        where={"x": float(trace["x"].values[index])},
    )


def mean_velocity(
    envelope: xr.DataArray, direction: Direction = "positive", *, start: float | None = None, stop: float | None = None
) -> Measurement:
    """The time-averaged peak velocity of one side between ``start`` and ``stop`` (s); columns
    without flow count as 0, as in a time-averaged maximum velocity."""
    trace = _window(envelope, direction, start, stop)
    return Measurement(
        float(trace.values.mean()), envelope.attrs.get(UNITS, ""), f"mean {direction} {_quantity(envelope)}"
    )


def velocity_time_integral(
    envelope: xr.DataArray, direction: Direction = "positive", *, start: float | None = None, stop: float | None = None
) -> Measurement:
    """The velocity-time integral (cm, unsigned) of one side between ``start`` and ``stop`` (s):
    the stroke distance when the window is one ejection."""
    if envelope.attrs.get(UNITS) != _VELOCITY:
        raise MeasurementError(
            f"a velocity-time integral needs velocities in cm/s, not {envelope.attrs.get(UNITS)!r}",
            source_of(envelope),
        )
    trace = _window(envelope, direction, start, stop)
    x = trace["x"].values
    step = float(np.abs(np.diff(x)).mean()) if x.size > 1 else 0.0
    return Measurement(float(np.abs(trace.values).sum() * step), "cm", f"{direction} velocity-time integral")


def _quantity(envelope: xr.DataArray) -> str:
    return "Doppler frequency shift" if envelope.attrs.get(UNITS) == _FREQUENCY else "Doppler velocity"


def nyquist_velocity(
    region: RegionLike | None = None,
    *,
    pulse_repetition_frequency_hz: float | None = None,
    transducer_frequency_khz: float | None = None,
    angle_degrees: float | None = None,
    speed_of_sound: float = SPEED_OF_SOUND,
) -> Measurement:
    """The highest velocity pulsed Doppler measures without aliasing, in cm/s.

    A reflector moving at ``v`` at angle ``θ`` to the beam shifts the echo of a transmitted
    frequency ``f0`` by ``f_D = 2 · f0 · v · cos θ / c``. Pulsed Doppler samples that shift once per
    pulse, at the pulse repetition frequency: a shift beyond PRF / 2 (the Nyquist frequency) wraps
    around to the other side of the baseline (aliasing). The velocity at that limit is

        v = c · PRF / (4 · f0 · cos θ)

    with ``c`` the speed of sound the scanner assumes (1540 m/s). Continuous-wave Doppler does not
    sample in pulses and has no such limit.

    Parameters
    ----------
    region
        A Doppler region (DataArray or :class:`~echolab.Region`) whose (0018,6011) item gives
        (0018,6032) Pulse Repetition Frequency, (0018,6030) Transducer Frequency and (0018,6034)
        Doppler Correction Angle; None to give all of them below.
    pulse_repetition_frequency_hz
        PRF in Hz; overrides the region's.
    transducer_frequency_khz
        The transmitted centre frequency ``f0`` in kHz (as (0018,6030) gives it: 2000 for 2 MHz);
        overrides the region's.
    angle_degrees
        The angle ``θ`` between beam and flow, degrees; overrides the region's (0018,6034). When
        neither gives one, 0 (no angle correction: the velocity along the beam).
    speed_of_sound
        ``c`` in m/s.

    Returns
    -------
    Measurement
        The Nyquist velocity (positive) in cm/s; ``where`` holds the values used.

    Raises
    ------
    MeasurementError
        When the PRF or the transducer frequency is neither given nor in the region's item, a value
        is not positive, the angle is 90° or more, or the region is CW Doppler.
    """
    acquisition = Acquisition()
    name, source = "the region", None
    if region is not None:
        calibration = region_calibration(region)
        name, source, acquisition = calibration.name, calibration.source, calibration.acquisition
        if calibration.data_type_value is DataType.CW_SPECTRAL_DOPPLER:
            raise MeasurementError(
                f"{name} is CW spectral Doppler ((0018,6014) Region Data Type = 4): continuous-wave Doppler does "
                "not sample in pulses and has no Nyquist limit",
                source,
            )
    prf = _setting(pulse_repetition_frequency_hz, acquisition.pulse_repetition_frequency_hz)
    f0 = _setting(transducer_frequency_khz, acquisition.transducer_frequency_khz)
    angle = _setting(angle_degrees, acquisition.doppler_correction_angle_degrees)
    for value, keyword, argument in (
        (prf, "PulseRepetitionFrequency", "pulse_repetition_frequency_hz"),
        (f0, "TransducerFrequency", "transducer_frequency_khz"),
    ):
        if value is None:
            raise MeasurementError(
                f"{name} gives no {element_name(keyword)}; pass {argument}=... to compute the Nyquist velocity",
                source,
            )
        if not (np.isfinite(value) and value > 0):
            raise MeasurementError(f"{element_name(keyword)} = {value:g} is not a positive frequency", source)
    assert prf is not None and f0 is not None
    theta = 0.0 if angle is None else float(angle)
    cosine = float(np.cos(np.radians(theta)))
    if not (np.isfinite(theta) and abs(theta) < 90.0) or cosine <= 0.0:
        raise MeasurementError(
            f"a Doppler angle of {theta:g}° leaves no velocity along the flow to measure (valid: -90 < angle < 90)",
            source,
        )
    if not (np.isfinite(speed_of_sound) and speed_of_sound > 0):
        raise MeasurementError(f"the speed of sound must be a positive number of m/s, not {speed_of_sound!r}", source)
    metres_per_second = speed_of_sound * prf / (4.0 * f0 * 1000.0 * cosine)
    return Measurement(
        100.0 * metres_per_second,
        _VELOCITY,
        "Nyquist velocity",
        where={
            "pulse_repetition_frequency_hz": float(prf),
            "transducer_frequency_khz": float(f0),
            "angle_degrees": theta,
            "speed_of_sound_m_per_s": float(speed_of_sound),
        },
    )


def _setting(given: float | None, from_region: float | None) -> float | None:
    """A Doppler setting: the caller's when given, else the region item's (None when neither)."""
    return float(given) if given is not None else (None if from_region is None else float(from_region))
