"""The rules that decode a few frames: what the pixels show against what the header says."""

from __future__ import annotations

import warnings

from ..codes import RegionKind, Rule, Severity
from ..echofile import EchoFile
from ..errors import EcholabError, EcholabWarning, MeasurementError
from .findings import Finding

__all__ = ["pixel_findings", "HEART_RATE_TOLERANCE"]

#: Beats per minute the ECG trace and (0018,1088) Heart Rate may differ by (and 10 % of the header's).
HEART_RATE_TOLERANCE = 5.0


def pixel_findings(f: EchoFile, file: str | None = None) -> list[Finding]:
    """Findings that need pixels: the heart rate the drawn ECG shows against (0018,1088) Heart
    Rate (one frame of the trace region decoded)."""
    from ..analysis import traces

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
