"""The tables the calibration panel shows: regions against the image, and the timing elements."""

from __future__ import annotations

import math
from typing import Any

from ..codes import RegionKind
from ..conventions import DOPPLER_POSITIVE_DOWN
from ..echofile import EchoFile
from ..reading.regions import Region
from .header_rules import TIMING_TOLERANCE

__all__ = ["region_rows", "timing_rows"]


def region_rows(f: EchoFile) -> list[dict[str, Any]]:
    """One row per region: its box against the image, its pixel aspect and its reference point."""
    rows: list[dict[str, Any]] = []
    for r in f.regions:
        if r.box is None or r.x is None or r.y is None:
            rows.append({"region": r.index, "kind": r.kind.value, "box": "invalid", "image": "; ".join(r.problems)})
            continue
        x0, y0, x1, y1 = r.box
        if not r.usable:
            fits = "unusable: " + "; ".join(r.problems)
        elif r.clipped_box != r.box:
            fits = f"overhangs by {max(0, x1 - f.columns + 1)} columns, {max(0, y1 - f.rows + 1)} rows: clipped"
        else:
            fits = "inside the image"
        aspect = "-"
        if r.x.calibrated and r.y.calibrated and r.x.units is r.y.units:
            assert r.x.delta is not None and r.y.delta is not None
            ratio = abs(r.x.delta) / abs(r.y.delta)
            aspect = f"{ratio:.4f}" + ("" if math.isclose(ratio, 1.0, rel_tol=0.01) else " (pixels not square)")
        rows.append(
            {
                "region": r.index,
                "kind": r.kind.value,
                "box": f"columns {x0}..{x1}, rows {y0}..{y1}",
                "image": fits,
                "ΔX / ΔY": aspect,
                "reference point": _reference_description(r),
            }
        )
    return rows


def _reference_description(r: Region) -> str:
    x, y = r.x, r.y
    assert x is not None and y is not None
    where = f"column {x.reference_index}, row {y.reference_index}"
    if r.kind.is_two_d and x.calibrated and y.calibrated:
        text = f"x = {x.reference_value:g} {x.unit}, depth {y.reference_value:g} {y.unit} at {where}"
        # the header's word only: a scanner's quirk can put it off the probe face (see corrections)
        origin = x.reference_value == 0 and y.reference_value == 0
        return text + (" (header origin: depth 0 on the centre line)" if origin else "")
    if r.kind is RegionKind.SPECTRAL_DOPPLER and y.calibrated:
        baseline = float(y.pixels(0.0))
        time_zero = f"time {x.reference_value:g} {x.unit} at column {x.reference_index}"
        below = ", positive below it" if r.doppler_positive_direction == DOPPLER_POSITIVE_DOWN else ""
        return f"baseline (0 {y.unit}) at row {baseline:g}{below}; {time_zero}"
    if r.kind.is_strip and x.calibrated:
        return f"time {x.reference_value:g} {x.unit} at column {x.reference_index}"
    return where


def timing_rows(f: EchoFile) -> list[dict[str, Any]]:
    """Every timing element with the frame rate and loop length it implies, and whether it agrees
    with the one the time axis follows."""
    candidates = f.timing.candidates
    chosen = f.frame_rate
    rows: list[dict[str, Any]] = []
    for c in candidates:
        agrees = "-" if chosen is None else ("yes" if abs(c.frame_rate - chosen) <= TIMING_TOLERANCE else "NO")
        rows.append(
            {
                "element": c.source.value,
                "value": c.value,
                "frames/s": f"{c.frame_rate:.3f}",
                "loop length": f"{c.duration:.3f} s" if c.duration is not None else "-",
                "used": "yes" if c.source is f.timing_source else "",
                "agrees": agrees,
            }
        )
    if not candidates:
        rows.append({"element": "none", "value": "no timing element: the time axis holds frame numbers"})
    if f.heart_rate is not None:
        times = f.frame_times  # the loop as the time axis has it (the element it follows)
        loop = float(times[-1] - times[0]) if f.timing.has_timing and times.size > 1 else None
        beats = f"{loop * f.heart_rate / 60:.2f} beats in the loop" if loop else "single frame"
        rows.append({"element": "(0018,1088) Heart Rate", "value": f"{f.heart_rate:g} /min", "frames/s": beats})
    for note in f.timing.notes:
        rows.append({"element": "note", "value": note})
    return rows
