"""Where a sonographer's calipers go on echolab's generated screens, with the value each measures.

The generators of :mod:`.screens` return what they drew — wall depths and envelope
velocities per region column, the cavity area per cine frame. Each caliper here is placed on
that truth: a column of the drawn strip and, along it, the row where a drawn depth or velocity
lies. Rows and columns come from the image's own (0018,6011) calibration, read from the written
header with pydicom and inverted here by hand (PS3.3 C.8.5.5: value = Reference Pixel Physical
Value + (pixel − (Region Location Min + Reference Pixel)) × Physical Delta), so the caliper
positions do not depend on the reading path they later test.

Calipers are SCOORD coordinates (PS3.3 C.18.6.1.1): (column, row) with (0, 0) the top left
corner of the top left pixel, so the centre of pixel index (i, j) is (i + 0.5, j + 0.5).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
from pydicom.dataset import Dataset

from .screens import DopplerTruth, MModeTruth, TimingTruth

__all__ = ["Caliper", "RegionGeometry", "Screens", "mmode_calipers", "doppler_calipers", "cine_calipers"]

#: Depth (cm) of the sector :func:`.screens.write_timing_sample` draws, and the
#: semi-axes (cm, lateral and in depth) of its end-diastolic cavity: ``_draw_sector`` draws a
#: ring whose cavity is 0.85 of its 3 × 4 cm ellipse, centred at 0.55 of the depth.
CINE_SECTOR_DEPTH = 12.0
CAVITY_SEMI_AXES = (0.85 * 3.0, 0.85 * 4.0)


class Caliper(NamedTuple):
    """Calipers on one image: SCOORD (column, row) points, the image (``"mmode"``, ``"doppler"``,
    ``"cine"``) and its 0-based frame (None for a single-frame image)."""

    graphic_type: str
    points: tuple[tuple[float, float], ...]
    image: str
    frame: int | None


@dataclass(frozen=True)
class RegionGeometry:
    """The calibration of one (0018,6011) item, as written."""

    min_x: int
    min_y: int
    reference_x: int
    reference_y: int
    physical_x: float
    physical_y: float
    delta_x: float
    delta_y: float

    @classmethod
    def of(cls, item: Dataset) -> RegionGeometry:
        return cls(
            min_x=int(item.RegionLocationMinX0),
            min_y=int(item.RegionLocationMinY0),
            reference_x=int(item.ReferencePixelX0),
            reference_y=int(item.ReferencePixelY0),
            physical_x=float(item.ReferencePixelPhysicalValueX),
            physical_y=float(item.ReferencePixelPhysicalValueY),
            delta_x=float(item.PhysicalDeltaX),
            delta_y=float(item.PhysicalDeltaY),
        )

    def column(self, x: float) -> float:
        """The (fractional) image column index where the x axis holds ``x``."""
        return self.min_x + self.reference_x + (x - self.physical_x) / self.delta_x

    def row(self, y: float) -> float:
        """The (fractional) image row index where the y axis holds ``y``."""
        return self.min_y + self.reference_y + (y - self.physical_y) / self.delta_y


@dataclass(frozen=True)
class Screens:
    """The three generated screens: what was drawn and the calibration of the regions measured."""

    mmode: MModeTruth
    doppler: DopplerTruth
    cine: TimingTruth
    mmode_region: RegionGeometry
    doppler_region: RegionGeometry
    cine_region: RegionGeometry


def _corner(column: float, row: float) -> tuple[float, float]:
    """SCOORD coordinates of the centre of pixel index (column, row)."""
    return (column + 0.5, row + 0.5)


def mmode_calipers(screens: Screens) -> dict[str, list[tuple[Caliper, float]]]:
    """Vertical lines on the M-mode strip at two R waves (end-diastole) and at the end-systole of
    each beat after them — the septum, the cavity, the posterior wall — with the thickness or
    dimension each spans (cm), by name (IVSd, LVIDd, LVPWd, LVIDs)."""
    truth, region = screens.mmode, screens.mmode_region
    period = 60.0 / truth.heart_rate
    found: dict[str, list[tuple[Caliper, float]]] = {"IVSd": [], "LVIDd": [], "LVPWd": [], "LVIDs": []}
    cavity = truth.wall_top - truth.septum_bottom

    def line(index: int, top: float, bottom: float) -> tuple[Caliper, float]:
        column = region.min_x + index  # the truth holds one value per region column
        points = (_corner(column, region.row(top)), _corner(column, region.row(bottom)))
        return Caliper("POLYLINE", points, "mmode", None), bottom - top

    beats = [r for r in truth.r_peaks if r + 0.45 * period <= truth.time[-1]][:2]
    for r_wave in beats:
        diastole = int(np.argmin(np.abs(truth.time - r_wave)))
        window = np.flatnonzero((truth.time >= r_wave + 0.2 * period) & (truth.time <= r_wave + 0.4 * period))
        systole = int(window[np.argmin(cavity[window])])
        found["IVSd"].append(line(diastole, truth.septum_top[diastole], truth.septum_bottom[diastole]))
        found["LVIDd"].append(line(diastole, truth.septum_bottom[diastole], truth.wall_top[diastole]))
        found["LVPWd"].append(line(diastole, truth.wall_top[diastole], truth.wall_bottom[diastole]))
        found["LVIDs"].append(line(systole, truth.septum_bottom[systole], truth.wall_top[systole]))
    return found


def doppler_calipers(screens: Screens) -> dict[str, list[tuple[Caliper, float]]]:
    """POINTs at the E and A peaks of two beats of the PW envelope (their velocity, cm/s) and the
    deceleration time, a line from the E peak to where the E wave meets the baseline (s)."""
    truth, region = screens.doppler, screens.doppler_region
    period = 60.0 / truth.heart_rate
    found: dict[str, list[tuple[Caliper, float]]] = {"E": [], "A": [], "DT": []}

    def at(index: int, velocity: float) -> tuple[float, float]:
        return _corner(region.min_x + index, region.row(velocity))

    every_r = np.unique(np.concatenate([truth.r_peaks - period, truth.r_peaks]))
    beats = [r for r in every_r if r + 0.4 * period >= truth.time[0] and r + period <= truth.time[-1]]
    for r_wave in beats[:2]:
        e_window = np.flatnonzero((truth.time >= r_wave + 0.45 * period) & (truth.time <= r_wave + 0.72 * period))
        a_window = np.flatnonzero((truth.time >= r_wave + 0.78 * period) & (truth.time <= r_wave + 0.97 * period))
        for name, window in (("E", e_window), ("A", a_window)):
            peak = int(window[np.argmax(truth.positive[window])])
            velocity = float(truth.positive[peak])
            found[name].append((Caliper("POINT", (at(peak, velocity),), "doppler", None), velocity))
        e_peak = int(e_window[np.argmax(truth.positive[e_window])])
        end = e_peak + int(np.flatnonzero(truth.positive[e_peak:] <= 0.0)[0])
        line = (at(e_peak, float(truth.positive[e_peak])), at(end, 0.0))
        found["DT"].append((Caliper("POLYLINE", line, "doppler", None), abs(end - e_peak) * abs(region.delta_x)))
    return found


def cine_calipers(screens: Screens) -> dict[str, tuple[Caliper, float]]:
    """Horizontal lines across the left-ventricular cavity of the 2D cine through its centre, on
    its largest (end-diastolic, LVIDd) and smallest (end-systolic, LVIDs) frames, with the
    cavity's width (cm)."""
    truth, region = screens.cine, screens.cine_region
    lateral, axial = CAVITY_SEMI_AXES
    row = region.row(0.55 * CINE_SECTOR_DEPTH)
    found: dict[str, tuple[Caliper, float]] = {}
    for name, frame in (("LVIDd", int(np.argmax(truth.cavity_area))), ("LVIDs", int(np.argmin(truth.cavity_area)))):
        scale = math.sqrt(float(truth.cavity_area[frame]) / (math.pi * lateral * axial))
        half = lateral * scale
        points = (_corner(region.column(-half), row), _corner(region.column(half), row))
        found[name] = (Caliper("POLYLINE", points, "cine", frame), 2 * half)
    return found
