"""Checks before trusting a file: one rule engine for the calibration panel and ``echolab check``.

Each check is a named :class:`~echolab.codes.Rule` that gives :class:`Finding` s — the file, the
rule id, a :class:`~echolab.codes.Severity` and a message naming the elements and their values.
Header rules read only what :func:`echolab.open` parsed; pixel rules decode one or a few frames
(the ECG trace for the heart rate, the scan area for the depth origin). The tables the
calibration panel shows (:func:`region_rows`, :func:`timing_rows`) come from the same place.

Rules: ``region-overhang``, ``region-unusable``, ``uncalibrated-axis``, ``doppler-scale-flag``,
``duplicate-region``, ``doppler-sign``, ``depth-origin``, ``timing-disagreement``, ``timing-missing``,
``heart-rate-disagreement``, ``truncated-pixel-data``, ``missing-frames``, ``no-pixel-data``,
``no-decoder``, ``unreadable-pixel-data``, ``burned-in-annotation``, ``no-regions``,
``unreadable-file`` and, for Structured Reports, ``report-disagreement`` (a report's value against
its calipers re-measured on the referenced image).

Modules: :mod:`.findings` (what a rule reports), :mod:`.header_rules`, :mod:`.pixel_rules`, :mod:`.report_rules`,
:mod:`.run` (files and folders, in parallel) and :mod:`.tables` (the calibration panel's tables).
"""

from .findings import Finding, findings_table
from .header_rules import TIMING_TOLERANCE, header_findings
from .pixel_rules import HEART_RATE_TOLERANCE, pixel_findings
from .report_rules import REPORT_TOLERANCE, report_findings
from .run import check, check_file
from .tables import region_rows, timing_rows

__all__ = [
    "Finding",
    "header_findings",
    "pixel_findings",
    "report_findings",
    "check_file",
    "check",
    "region_rows",
    "timing_rows",
    "findings_table",
    "TIMING_TOLERANCE",
    "HEART_RATE_TOLERANCE",
    "REPORT_TOLERANCE",
]
