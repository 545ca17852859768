"""The rules the header alone decides: regions, vendor quirks, timing, pixel data, burned-in text flag.

They read only what :func:`echolab.open` parsed; nothing is decoded.
"""

from __future__ import annotations

from typing import Any

from ..codes import RegionKind, RegionNote, Rule, Severity
from ..echofile import EchoFile
from ..reading.regions import Region
from .findings import Finding

__all__ = ["header_findings", "TIMING_TOLERANCE"]

#: Frames per second two timing elements may differ by before they disagree.
TIMING_TOLERANCE = 1.0

_PIXEL_RULE_SEVERITY = {
    Rule.NO_PIXEL_DATA: Severity.ERROR,
    Rule.NO_DECODER: Severity.ERROR,
    Rule.UNREADABLE_PIXEL_DATA: Severity.ERROR,
    Rule.TRUNCATED_PIXEL_DATA: Severity.ERROR,
    Rule.MISSING_FRAMES: Severity.WARNING,
}


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
    from ..corrections import detect

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
