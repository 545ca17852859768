"""Frame times from the Cine and Multi-frame modules (DICOM PS3.3 C.7.6.5, C.7.6.6).

Precedence: the attribute(s) named by (0028,0009) Frame Increment Pointer, then (0018,1065)
Frame Time Vector, (0018,1063) Frame Time, (0018,0040) Cine Rate and finally (0008,2144)
Recommended Display Frame Rate. Without any of them the time axis holds frame indices: echolab
never invents a frame rate.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import numpy as np

from ..codes import TimingSource
from ..errors import InvalidHeaderError
from .elements import element_name, element_value, get_float, get_float_list, is_multi_value
from .raw_header import RawDataSet

if TYPE_CHECKING:  # pydicom is imported where a pydicom data set is read, not before
    from pydicom.dataset import Dataset

__all__ = ["FrameTiming", "frame_timing", "TimingCandidate", "timing_candidates"]

FRAME_TIME = 0x00181063
FRAME_TIME_VECTOR = 0x00181065


@dataclass(frozen=True)
class FrameTiming:
    """Times of every frame and where they came from.

    Attributes
    ----------
    times
        Seconds from the first frame (frame indices when ``source`` is ``"none"``).
    source
        The element the times were computed from (its value is e.g. "(0018,1063) Frame Time").
    notes
        Disagreements found on the way (emitted as :class:`~echolab.errors.TimingWarning`).
    candidates
        Every usable timing element with what it implies, chosen or not (see
        :func:`timing_candidates`), so that checks can compare them without reading the header.
    r_waves
        (0018,6060) R Wave Time Vector in s from the first frame (PS3.3 C.8.5.6: ms "relative to
        the time of the start of the acquisition of the first frame"), sorted and unique; None
        when absent or unreadable (then a note says why).
    """

    times: np.ndarray
    source: TimingSource
    notes: tuple[str, ...] = ()
    candidates: tuple[TimingCandidate, ...] = ()
    r_waves: np.ndarray | None = None

    @property
    def has_timing(self) -> bool:
        """True when ``times`` are in seconds."""
        return self.source != TimingSource.NONE

    @property
    def frame_rate(self) -> float | None:
        """Mean frames per second over the loop (None without timing or with one frame)."""
        if not self.has_timing or len(self.times) < 2 or self.times[-1] <= self.times[0]:
            return None
        return float((len(self.times) - 1) / (self.times[-1] - self.times[0]))


def frame_timing(dataset: Dataset | RawDataSet, number_of_frames: int, source: str | None) -> FrameTiming:
    """Return the frame times of a data set with ``number_of_frames`` frames."""
    chosen = _chosen_timing(dataset, number_of_frames, source)
    notes = list(chosen.notes)
    r_waves = _r_wave_times(dataset, source, notes)
    candidates = tuple(timing_candidates(dataset, number_of_frames, source))
    return replace(chosen, candidates=candidates, r_waves=r_waves, notes=tuple(notes))


def _r_wave_times(dataset: Dataset | RawDataSet, source: str | None, notes: list[str]) -> np.ndarray | None:
    try:
        values = get_float_list(dataset, "RWaveTimeVector", source)
    except InvalidHeaderError as exc:
        notes.append(f"{exc.reason}; no beats taken from it")
        return None
    if not values:
        return None
    return _sorted_unique(np.asarray(values, dtype=np.float64)) / 1000.0


def _sorted_unique(values: np.ndarray) -> np.ndarray:
    """``np.unique(values)`` for finite floats (each the first of its equals), without the import
    of ``numpy.ma`` a first call of ``np.unique`` costs (13 ms, in every worker of a scan)."""
    ordered = np.sort(values, kind="stable")
    keep = np.ones(len(ordered), dtype=bool)
    keep[1:] = ordered[1:] != ordered[:-1]
    result: np.ndarray = ordered[keep]
    return result


def _chosen_timing(dataset: Dataset | RawDataSet, number_of_frames: int, source: str | None) -> FrameTiming:
    notes: list[str] = []
    n = number_of_frames
    cine_rate = _positive(dataset, "CineRate", source, notes)

    for tag in _preferred_tags(dataset, source, notes):
        times = _from_frame_time_vector(dataset, n, source, notes) if tag == FRAME_TIME_VECTOR else None
        if tag == FRAME_TIME:
            frame_time = _positive(dataset, "FrameTime", source, notes)
            times = None if frame_time is None else np.arange(n, dtype=np.float64) * frame_time / 1000.0
        if times is not None:
            name = TimingSource.FRAME_TIME_VECTOR if tag == FRAME_TIME_VECTOR else TimingSource.FRAME_TIME
            _check_cine_rate(times, cine_rate, name, notes)
            return FrameTiming(times, name, tuple(notes))

    if cine_rate is not None:
        return FrameTiming(np.arange(n, dtype=np.float64) / cine_rate, TimingSource.CINE_RATE, tuple(notes))
    display_rate = _positive(dataset, "RecommendedDisplayFrameRate", source, notes)
    if display_rate is not None:
        times = np.arange(n, dtype=np.float64) / display_rate
        return FrameTiming(times, TimingSource.RECOMMENDED_DISPLAY_FRAME_RATE, tuple(notes))
    return FrameTiming(np.arange(n, dtype=np.float64), TimingSource.NONE, tuple(notes))


def _preferred_tags(dataset: Dataset | RawDataSet, source: str | None, notes: list[str]) -> list[int]:
    """Timing tags in order: those the Frame Increment Pointer names first, then the others."""
    named: list[int] = []
    try:
        value = element_value(dataset, "FrameIncrementPointer")
    except Exception:
        notes.append(f"{element_name('FrameIncrementPointer')} cannot be read; ignored")
        value = None
    if value is not None and value != "":
        values = list(value) if is_multi_value(value) else [value]
        for tag in values:
            try:
                named.append(int(tag))
            except (TypeError, ValueError):
                notes.append(f"{element_name('FrameIncrementPointer')} holds {tag!r}, not a tag; ignored")
    ordered = [t for t in named if t in (FRAME_TIME, FRAME_TIME_VECTOR)]
    return ordered + [t for t in (FRAME_TIME_VECTOR, FRAME_TIME) if t not in ordered]


def _positive(dataset: Dataset | RawDataSet, keyword: str, source: str | None, notes: list[str]) -> float | None:
    try:
        value = get_float(dataset, keyword, source)
    except InvalidHeaderError as exc:
        notes.append(f"{exc.reason}; ignored")
        return None
    if value is None:
        return None
    if value <= 0:
        notes.append(f"{element_name(keyword)} = {value:g} is not positive; ignored")
        return None
    return value


def _from_frame_time_vector(
    dataset: Dataset | RawDataSet, n: int, source: str | None, notes: list[str]
) -> np.ndarray | None:
    name = element_name("FrameTimeVector")
    try:
        increments = get_float_list(dataset, "FrameTimeVector", source)
    except InvalidHeaderError as exc:
        notes.append(f"{exc.reason}; ignored")
        return None
    if increments is None:
        return None
    if any(v < 0 for v in increments):
        notes.append(f"{name} holds negative increments; ignored")
        return None
    if len(increments) == n:
        if increments[0] != 0:
            notes.append(f"{name} starts with {increments[0]:g} ms instead of 0; frame 0 is taken at 0 s")
        steps = increments[1:]
    elif len(increments) == n - 1:
        notes.append(f"{name} has {len(increments)} values for {n} frames; taken as the increments after frame 0")
        steps = increments
    else:
        notes.append(f"{name} has {len(increments)} values but there are {n} frames; ignored")
        return None
    return np.concatenate([[0.0], np.cumsum(np.asarray(steps, dtype=np.float64))]) / 1000.0


def _check_cine_rate(times: np.ndarray, cine_rate: float | None, name: TimingSource, notes: list[str]) -> None:
    if cine_rate is None or len(times) < 2 or times[-1] <= 0:
        return
    rate = (len(times) - 1) / times[-1]
    if math.fabs(rate - cine_rate) > 1.0:
        notes.append(
            f"{element_name('CineRate')} = {cine_rate:g} frames/s disagrees with {name} "
            f"({rate:.3f} frames/s); using {name}"
        )


@dataclass(frozen=True)
class TimingCandidate:
    """What one timing element of the header implies, for comparing the sources side by side.

    Attributes
    ----------
    source
        The element, e.g. "(0018,0040) Cine Rate".
    value
        Its value as written ("30", "33.333 ms", "mean 33.4 ms over 119 increments").
    frame_rate
        Frames per second it implies.
    duration
        Seconds from the first to the last frame it implies (None for a single frame).
    """

    source: TimingSource
    value: str
    frame_rate: float
    duration: float | None


def timing_candidates(
    dataset: Dataset | RawDataSet, number_of_frames: int, source: str | None
) -> list[TimingCandidate]:
    """Every usable timing element of ``dataset`` with the frame rate and loop length it implies.

    Unlike :func:`frame_timing`, which picks one source, this lists them all (invalid values are
    left out) so that a reader can see whether they agree.
    """
    n = number_of_frames
    notes: list[str] = []
    candidates: list[TimingCandidate] = []
    times = _from_frame_time_vector(dataset, n, source, notes) if n > 1 else None
    if times is not None and times[-1] > 0:
        mean = 1000.0 * times[-1] / (n - 1)
        candidates.append(
            TimingCandidate(
                TimingSource.FRAME_TIME_VECTOR, f"mean {mean:.4g} ms over {n - 1} increments", 1000.0 / mean, times[-1]
            )
        )
    frame_time = _positive(dataset, "FrameTime", source, notes)
    if frame_time is not None:
        duration = (n - 1) * frame_time / 1000.0 if n > 1 else None
        candidates.append(TimingCandidate(TimingSource.FRAME_TIME, f"{frame_time:g} ms", 1000.0 / frame_time, duration))
    for keyword, name in (
        ("CineRate", TimingSource.CINE_RATE),
        ("RecommendedDisplayFrameRate", TimingSource.RECOMMENDED_DISPLAY_FRAME_RATE),
    ):
        rate = _positive(dataset, keyword, source, notes)
        if rate is not None:
            candidates.append(TimingCandidate(name, f"{rate:g} /s", rate, (n - 1) / rate if n > 1 else None))
    return candidates
