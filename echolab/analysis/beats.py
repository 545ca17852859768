"""Heartbeats of a file: its R waves, from the header first, else from the drawn ECG.

:func:`beats` gives one row per complete beat — from one R
wave to the next — as a :class:`pandas.DataFrame` with columns ``start`` and ``stop`` (s),
``rr`` (s), ``heart_rate`` (1/min) and ``source``. The R waves come from

1. (0018,6060) R Wave Time Vector of the US Image Module (PS3.3 C.8.5.6): "the time offset(s) of
   the reported R Wave peaks, each relative to the time of the start of the acquisition of the
   first frame", in ms, one value per R wave. The first frame is time 0 of the frame times
   (:attr:`echolab.EchoFile.frame_times`), so these beats are on the frames' clock;
2. else the R peaks of the ECG drawn in the first usable ECG trace region ((0018,6014) Region Data
   Type = 0xA), read back from the last frame by :func:`echolab.analysis.traces.r_peaks`. Their times are
   that region's own time axis ((0018,6028) / (0018,6020) calibrate it), which the standard does
   not tie to the frame times: ``DataFrame.attrs["beat_time_base"]`` says which clock a table is on;
3. else an empty table: beats are never invented (not from (0018,1088) Heart Rate either, which
   says how fast, not when).
"""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ..codes import BeatSource, DataType, RegionKind
from ..conventions import BEAT_TIME_BASE, REGION_INDEX
from ..errors import EcholabError, EcholabWarning
from ..reading.elements import element_name

if TYPE_CHECKING:
    from ..echofile import EchoFile

__all__ = ["beats", "beat_table", "r_wave_times", "COLUMNS", "FRAMES_CLOCK"]

#: Columns of a beat table, in order.
COLUMNS = ("start", "stop", "rr", "heart_rate", "source")
#: ``attrs["beat_time_base"]`` of a table on the frames' clock (s from the first frame).
FRAMES_CLOCK = "frames"


def r_wave_times(f: EchoFile) -> np.ndarray | None:
    """(0018,6060) R Wave Time Vector in seconds from the first frame, sorted; None when absent or
    unreadable (read with the frame timing: see :attr:`echolab.reading.timing.FrameTiming.r_waves`)."""
    return f.timing.r_waves


def beat_table(r_waves: np.ndarray, source: str, time_base: str) -> pd.DataFrame:
    """One row per pair of consecutive R waves (times in s, sorted or not).

    Parameters
    ----------
    r_waves
        R wave times, s.
    source
        What the ``source`` column says (a :class:`~echolab.codes.BeatSource` value).
    time_base
        Which clock the times are on, kept in ``attrs["beat_time_base"]``.
    """
    peaks = np.unique(np.asarray(r_waves, dtype=np.float64))
    start, stop = peaks[:-1], peaks[1:]
    rr = stop - start
    table = pd.DataFrame(
        {
            "start": start,
            "stop": stop,
            "rr": rr,
            "heart_rate": 60.0 / rr if rr.size else np.empty(0),
            "source": [source] * int(rr.size),
        },
        columns=list(COLUMNS),
    )
    table.attrs[BEAT_TIME_BASE] = time_base
    return table


def _empty() -> pd.DataFrame:
    table = beat_table(np.empty(0), "", "none")
    table["source"] = table["source"].astype(object)
    return table


def _ecg_region(f: EchoFile) -> int | None:
    for region in f.regions:
        if region.usable and region.kind is RegionKind.TRACE and region.data_type is DataType.ECG_TRACE:
            return region.index
    return None


def beats(f: EchoFile) -> pd.DataFrame:
    """The complete heartbeats of ``f`` (see the module docstring for where they come from).

    Returns
    -------
    pandas.DataFrame
        Columns ``start``, ``stop`` (the beat's R wave and the next, s), ``rr`` (s),
        ``heart_rate`` (1/min, 60 / rr) and ``source`` (``"(0018,6060) R Wave Time Vector"`` or
        ``"ECG trace region"``); ``attrs["beat_time_base"]`` is ``"frames"`` (s from the first
        frame) or ``"ECG trace region <i>"`` (that region's time axis), and for an ECG table
        ``attrs["region_index"]``. Empty (no rows) when the file reports fewer than two R waves.
    """
    times = r_wave_times(f)
    if times is not None:
        return beat_table(times, BeatSource.R_WAVE_TIME_VECTOR.value, FRAMES_CLOCK)
    index = _ecg_region(f)
    if index is None:
        return _empty()
    from .traces import r_peaks, trace_signal

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", EcholabWarning)  # an ECG's amplitude is never calibrated
            peaks = r_peaks(trace_signal(f.region(index), position="top"))
    except EcholabError:  # no curve in the region: no beats, never invented ones
        return _empty()
    table = beat_table(peaks, BeatSource.ECG_TRACE.value, f"ECG trace region {index}")
    table.attrs[REGION_INDEX] = index
    return table


def describe_time_base(table: pd.DataFrame) -> str:
    """A phrase naming the clock of a beat table, for messages."""
    base = table.attrs.get(BEAT_TIME_BASE, "none")
    if base == FRAMES_CLOCK:
        return f"s from the first frame ({element_name('RWaveTimeVector')})"
    return f"the time axis of the {base}" if base != "none" else "no clock (no beats)"
