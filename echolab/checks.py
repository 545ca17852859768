"""Checks before trusting a file: one rule engine for the calibration panel and ``echolab check``.

Each check is a named :class:`~echolab.codes.Rule` that gives :class:`Finding` s — the file, the
rule id, a :class:`~echolab.codes.Severity` and a message naming the elements and their values.
Header rules read only what :func:`echolab.open` parsed; pixel rules decode one or a few frames
(the ECG trace for the heart rate, the scan area for the depth origin). The tables the
calibration panel shows (:func:`region_rows`, :func:`timing_rows`) come from the same place.

Rules: ``region-overhang``, ``region-unusable``, ``uncalibrated-axis``, ``doppler-scale-flag``,
``duplicate-region``, ``doppler-sign``, ``depth-origin``, ``timing-disagreement``, ``timing-missing``,
``heart-rate-disagreement``, ``truncated-pixel-data``, ``missing-frames``, ``no-pixel-data``,
``no-decoder``, ``unreadable-pixel-data``, ``burned-in-annotation``, ``no-regions`` and
``unreadable-file``.
"""

from __future__ import annotations

import math
import multiprocessing
import os
import warnings
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from typing import Any

from .codes import RegionKind, RegionNote, Rule, Severity
from .conventions import DOPPLER_POSITIVE_DOWN
from .echofile import EchoFile, open_collecting
from .errors import EcholabError, EcholabWarning, MeasurementError
from .reading.regions import Region

__all__ = [
    "Finding",
    "header_findings",
    "pixel_findings",
    "check_file",
    "check",
    "region_rows",
    "timing_rows",
    "findings_table",
    "TIMING_TOLERANCE",
    "HEART_RATE_TOLERANCE",
]

#: Frames per second two timing elements may differ by before they disagree.
TIMING_TOLERANCE = 1.0
#: Beats per minute the ECG trace and (0018,1088) Heart Rate may differ by (and 10 % of the header's).
HEART_RATE_TOLERANCE = 5.0

_PIXEL_RULE_SEVERITY = {
    Rule.NO_PIXEL_DATA: Severity.ERROR,
    Rule.NO_DECODER: Severity.ERROR,
    Rule.UNREADABLE_PIXEL_DATA: Severity.ERROR,
    Rule.TRUNCATED_PIXEL_DATA: Severity.ERROR,
    Rule.MISSING_FRAMES: Severity.WARNING,
}


@dataclass(frozen=True)
class Finding:
    """One problem of one file.

    Attributes
    ----------
    file
        The file as given.
    rule
        The stable id of the check (``"region-overhang"``, ...).
    severity
        ``error`` (the file cannot be used as it is), ``warning`` or ``info``.
    message
        What is wrong, naming the elements and their values, and what echolab does about it.
    """

    file: str
    rule: Rule
    severity: Severity
    message: str

    def to_dict(self) -> dict[str, str]:
        """``{"file", "rule", "severity", "message"}`` as plain strings (JSON and CSV rows)."""
        return {"file": self.file, "rule": self.rule.value, "severity": self.severity.value, "message": self.message}


# --- header rules ----------------------------------------------------------------------------


def header_findings(f: EchoFile, file: str | None = None) -> list[Finding]:
    """Every finding the header alone shows (nothing is decoded)."""
    name = file if file is not None else (f.source or "<in-memory dataset>")
    found: list[Finding] = []

    def add(rule: Rule, severity: Severity, message: str) -> None:
        found.append(Finding(name, rule, severity, message))

    for problem in f.problems:
        add(problem.rule, _PIXEL_RULE_SEVERITY.get(problem.rule, Severity.ERROR), problem.message)
    if not f.regions:
        add(
            Rule.NO_REGIONS,
            Severity.WARNING,
            "no (0018,6011) Sequence of Ultrasound Regions: no physical axes, only image pixels",
        )
    for region in f.regions:
        _region_findings(region, add)
    _quirk_findings(f, add)
    _timing_findings(f, add)
    burned_in = f.burned_in_annotation
    if burned_in != "NO":
        said = "is YES" if burned_in == "YES" else "is absent" if burned_in is None else f"= {burned_in!r}"
        add(
            Rule.BURNED_IN_ANNOTATION,
            Severity.WARNING,
            f"(0028,0301) Burned In Annotation {said}: names and dates may be printed in the pixels; "
            "de-identify the pixels before sharing (echolab deid)",
        )
    return found


def _region_findings(region: Region, add: Any) -> None:
    where = f"region {region.index} ({region.kind.value})"
    if region.duplicate_of is not None:
        add(
            Rule.DUPLICATE_REGION,
            Severity.WARNING,
            f"region {region.index}: the (0018,6011) item repeats item {region.duplicate_of}; it is listed once "
            f"(use region {region.duplicate_of})",
        )
        return
    if not region.usable:
        add(Rule.REGION_UNUSABLE, Severity.ERROR, f"{where} is unusable: " + "; ".join(region.problems))
        return
    for note_kind, note in region.notes:
        if note_kind is RegionNote.CLIPPED:
            add(Rule.REGION_OVERHANG, Severity.WARNING, f"{where}: {note}")
        elif note_kind is RegionNote.CALIBRATION:
            add(Rule.DOPPLER_SCALE_FLAG, Severity.WARNING, f"{where}: {note}")
        elif note_kind is RegionNote.UNCALIBRATED and _needs_calibration(region, note):
            add(Rule.UNCALIBRATED_AXIS, Severity.WARNING, f"{where}: {note}")


def _quirk_findings(f: EchoFile, add: Any) -> None:
    """The vendor quirks the header shows (see :mod:`echolab.corrections`), and whether they were
    corrected (``calibration="screen"``) or left as the header says."""
    from .corrections import detect

    quirks = detect(f.manufacturer, f.header_regions)
    if not quirks:
        return
    applied = {(rule, r.index) for r in f.regions for rule, _ in r.corrections} if f.calibration == "screen" else set()
    failed = {(quirk.rule, quirk.region): reason for quirk, reason in f.correction_failures}
    for quirk in quirks:
        if (quirk.rule, quirk.region) in applied:
            state = "corrected: the axes follow the screen (calibration='header' keeps the header's)"
        elif f.calibration == "screen":
            state = "could not be corrected: " + failed.get((quirk.rule, quirk.region), "unknown reason")
        else:
            state = "not corrected here; echolab.open(..., calibration='screen') makes the axes follow the screen"
        add(quirk.rule, Severity.WARNING, f"region {quirk.region}: {quirk.evidence}; {state}")


def _needs_calibration(region: Region, note: str) -> bool:
    """Axes that must carry physics: not a trace's amplitude, a bar's or a graphic's pixels."""
    if region.kind in (RegionKind.GREY_BAR, RegionKind.COLOUR_BAR, RegionKind.GRAPHICS, RegionKind.OTHER):
        return False
    return not (region.kind is RegionKind.TRACE and note.startswith("y axis"))


def _timing_findings(f: EchoFile, add: Any) -> None:
    candidates = f.timing.candidates
    if f.number_of_frames > 1 and not f.timing.has_timing:
        add(
            Rule.TIMING_MISSING,
            Severity.WARNING,
            f"{f.number_of_frames} frames but no (0018,1065) Frame Time Vector, (0018,1063) Frame Time, "
            "(0018,0040) Cine Rate or (0008,2144) Recommended Display Frame Rate: time is in frame numbers",
        )
    for i, first in enumerate(candidates):
        for second in candidates[i + 1 :]:
            if abs(first.frame_rate - second.frame_rate) > TIMING_TOLERANCE:
                add(
                    Rule.TIMING_DISAGREEMENT,
                    Severity.WARNING,
                    f"{first.source.value} = {first.value} ({first.frame_rate:.3f} frames/s) disagrees with "
                    f"{second.source.value} = {second.value} ({second.frame_rate:.3f} frames/s); "
                    f"the time axis follows {f.timing_source.value}",
                )


# --- pixel rules -----------------------------------------------------------------------------


def pixel_findings(f: EchoFile, file: str | None = None) -> list[Finding]:
    """Findings that need pixels: the heart rate the drawn ECG shows against (0018,1088) Heart
    Rate (one frame of the trace region decoded)."""
    from . import traces

    name = file if file is not None else (f.source or "<in-memory dataset>")
    found: list[Finding] = []
    if f.heart_rate is None:
        return found
    for region in f.regions:
        if not (region.usable and region.kind is RegionKind.TRACE and region.data_type_name == "ECG trace"):
            continue
        try:
            with warnings.catch_warnings():  # the region's notes are header findings already
                warnings.simplefilter("ignore", EcholabWarning)
                drawn = traces.heart_rate(f.region(region.index, cache=False))
        except (MeasurementError, EcholabError):
            continue  # too few beats drawn to tell: no finding either way
        if abs(drawn.value - f.heart_rate) > max(HEART_RATE_TOLERANCE, 0.1 * f.heart_rate):
            found.append(
                Finding(
                    name,
                    Rule.HEART_RATE_DISAGREEMENT,
                    Severity.WARNING,
                    f"(0018,1088) Heart Rate = {f.heart_rate:g} /min but the ECG drawn in region "
                    f"{region.index} beats at {drawn.value:.1f} /min (R-R intervals)",
                )
            )
        break
    return found


# --- files and folders -----------------------------------------------------------------------


def check_file(path: str | os.PathLike[str], *, pixels: bool = True) -> list[Finding]:
    """Every finding for one file; a file that cannot be opened gives one ``unreadable-file``
    error. ``pixels=False`` runs the header rules only. Never raises for a bad file."""
    name = os.fspath(path)
    opened = open_collecting(path, calibration="screen" if pixels else "header")
    if opened.echofile is None:
        assert opened.error is not None
        return [Finding(name, Rule.UNREADABLE_FILE, Severity.ERROR, opened.error.reason)]
    f = opened.echofile
    try:
        found = header_findings(f, name)
        if pixels and not any(finding.severity is Severity.ERROR for finding in found):
            found += pixel_findings(f, name)
    except EcholabError as exc:
        found = [Finding(name, Rule.UNREADABLE_FILE, Severity.ERROR, exc.reason)]
    return found


def _check_one(job: tuple[str, bool]) -> list[Finding]:
    return check_file(job[0], pixels=job[1])


def check(
    paths: Sequence[str | os.PathLike[str]], *, workers: int | None = None, pixels: bool = True
) -> Iterator[Finding]:
    """Findings for every DICOM file under ``paths`` (see :func:`echolab.inventory.find_files`),
    file by file in path order; ``workers`` processes check files in parallel (default: one per
    CPU; 1 checks in this process)."""
    from .inventory import find_files
    from .workers import check_script_guard

    files = find_files(paths)
    count = workers or os.cpu_count() or 1
    jobs = [(path, pixels) for path in files]
    if count <= 1 or len(jobs) < 4:
        for job in jobs:
            yield from _check_one(job)
        return
    context = multiprocessing.get_context()
    check_script_guard("echolab.checks.check()", context.get_start_method())
    with ProcessPoolExecutor(max_workers=count, mp_context=context) as pool:
        for findings in pool.map(_check_one, jobs, chunksize=max(1, min(16, len(jobs) // (4 * count)))):
            yield from findings


# --- tables for people -----------------------------------------------------------------------


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


def findings_table(findings: Iterable[Finding]) -> list[dict[str, str]]:
    """Findings as rows of plain strings (what ``--csv`` writes and the panel shows)."""
    return [finding.to_dict() for finding in findings]
