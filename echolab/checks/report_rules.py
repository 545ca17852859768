"""The rule for Structured Reports: a report's values against its calipers re-measured.

``report-disagreement``: a measurement made with calipers whose value the report gives differs
from the calipers re-measured on the referenced image (:func:`echolab.reports.calipers.remeasure`) by more
than :data:`REPORT_TOLERANCE` of the value and more than one pixel's worth along the measurement
(a caliper cannot be placed finer). The message names the measurement, both values, the image
and the frame. A report that cannot be read is ``unreadable-file``.
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence

import pandas as pd

from ..codes import Rule, Severity
from ..errors import EcholabError
from .findings import Finding

__all__ = ["report_findings", "REPORT_TOLERANCE"]

#: The relative difference a report's value and its re-measured calipers may show.
REPORT_TOLERANCE = 0.02


def report_findings(
    path: str | os.PathLike[str],
    images: Sequence[str | os.PathLike[str]] | None = None,
    *,
    pixels: bool = True,
) -> list[Finding]:
    """Every finding of the SR document at ``path``, its referenced images looked for under
    ``images`` (default: the report's folder). ``pixels=False`` measures with the header's
    calibration (a vendor quirk's correction may decode frames). Never raises for a bad file."""
    import warnings

    from ..reports import read, remeasure

    name = os.fspath(path)
    places = list(images) if images else [os.path.dirname(os.path.abspath(name))]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            table = remeasure(read(name), places, calibration="screen" if pixels else "header")
    except EcholabError as exc:
        return [Finding(name, Rule.UNREADABLE_FILE, Severity.ERROR, exc.reason)]
    found = []
    for row in table.to_dict("records"):
        value, again, step = float(row["value"]), float(row["remeasured"]), float(row["one_pixel"])
        if not (math.isfinite(value) and math.isfinite(again)):
            continue
        difference = abs(value - again)
        if difference <= REPORT_TOLERANCE * abs(value) or (math.isfinite(step) and difference <= step):
            continue
        unit = row["unit"]
        frame = "" if pd.isna(row["frame"]) else f", frame {row['frame']}"
        found.append(
            Finding(
                name,
                Rule.REPORT_DISAGREEMENT,
                Severity.WARNING,
                f"{row['name']} (content item {row['position']}, ({row['code']}, {row['scheme']}, "
                f'"{row["meaning"]}")): the report says {value:.4g} {unit}, its calipers on {row["image_path"]}'
                f"{frame} measure {again:.4g} {unit} ({difference / abs(value):.1%} apart; agreement is within "
                f"{REPORT_TOLERANCE:.0%} or one pixel, {step:.3g} {unit})",
            )
        )
    return found
