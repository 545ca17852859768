"""The sonographer's measurements: echo Structured Reports (TID 5200) as labelled data.

>>> from echolab import reports
>>> report = reports.read("exam/report.dcm")
>>> report.measurements[["name", "value", "unit", "finding_site", "image_mode", "selected"]]
>>> report.selected().set_index("name")["value"]["LVIDd"]
>>> report.to_units({"LVIDd": "mm", "E": "m/s"})
>>> reports.remeasure(report, images="exam/")[["name", "value", "remeasured", "one_pixel"]]
>>> report.patient.bsa
Quantity(value=1.9, unit='m2')

Modules: :mod:`.concepts` (one key per concept, legacy SNOMED codes included; the PS3.16 echo
concepts), :mod:`.names` (short names: LVIDd, E/A, TAPSE ...), :mod:`.measurements` (the content
tree to the table: inherited modifiers, selected values, calipers), :mod:`.patient` (TID 5201),
:mod:`.units` (UCUM conversions on request), :mod:`.report` (:func:`read`), :mod:`.calipers`
(the calipers measured again on their images: :func:`remeasure`). Parsing the DICOM
file is left to :mod:`echolab.reading.content_tree`.
"""

from __future__ import annotations

from .calipers import REMEASURE_COLUMNS, remeasure
from .measurements import COLUMNS
from .patient import Patient, Quantity
from .report import Report, read, report_from_document
from .units import to_units

__all__ = [
    "Report",
    "Patient",
    "Quantity",
    "read",
    "report_from_document",
    "to_units",
    "remeasure",
    "COLUMNS",
    "REMEASURE_COLUMNS",
]
