"""An echo Structured Report read as data: :func:`read` gives a :class:`Report`."""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import pandas as pd

from ..codes import CompletionFlag, VerificationFlag
from ..errors import ReportWarning, warn
from ..reading.content_tree import EvidenceReference, SRDocument, read_content_tree
from .concepts import ADULT_ECHO_REPORT, concept_key
from .measurements import measurement_table
from .patient import Patient, patient_characteristics
from .units import to_units

__all__ = ["Report", "read", "report_from_document", "ECHO_TEMPLATE"]

#: (0040,DB00) Template Identifier of the adult echo report.
ECHO_TEMPLATE = "5200"


@dataclass(frozen=True, eq=False)
class Report:
    """An echo report: its measurements, the patient's characteristics and its own facts.

    Attributes
    ----------
    measurements
        One row per numeric measurement (see :func:`echolab.reports.measurements.measurement_table`
        for the columns): code, meaning, short name, value and unit as written, finding site,
        image mode, method, cardiac phase, flow direction, derivation, selection, whether it is
        the value to use (``selected``), and the calipers it was made with.
    patient
        Height, weight, BSA, heart rate and blood pressure (TID 5201), with their units.
    title
        The document title (the root's concept name meaning).
    template
        (0040,DB00) Template Identifier of the root ("5200"); None when the report leaves it out.
    mapping_resource
        (0008,0105) Mapping Resource of the template ("DCMR"); None when absent.
    completion_flag, verification_flag
        (0040,A491) and (0040,A493).
    sop_class_uid, sop_instance_uid, study_instance_uid, series_instance_uid
        The report's own UIDs.
    manufacturer, model
        (0008,0070) and (0008,1090).
    evidence
        The instances the report says it was made from.
    source
        The file.
    problems
        What could not be read (each also emitted as a :class:`~echolab.errors.ReportWarning`).
    is_echo_report
        True when the report says it is TID 5200, by its template or by its title (125200, DCM).
    """

    measurements: pd.DataFrame
    patient: Patient
    title: str | None
    template: str | None
    mapping_resource: str | None
    completion_flag: CompletionFlag | None
    verification_flag: VerificationFlag | None
    sop_class_uid: str | None
    sop_instance_uid: str | None
    study_instance_uid: str | None
    series_instance_uid: str | None
    manufacturer: str | None
    model: str | None
    evidence: tuple[EvidenceReference, ...]
    source: str | None
    problems: tuple[str, ...] = ()
    is_echo_report: bool = False

    def to_units(self, units: str | Iterable[str] | Mapping[str, str]) -> pd.DataFrame:
        """The measurements with values converted to ``units`` (see :func:`echolab.reports.to_units`)."""
        return to_units(self.measurements, units)

    def selected(self) -> pd.DataFrame:
        """The rows a reader should use: one value per measurement (``selected`` is True)."""
        return self.measurements[self.measurements["selected"]]

    def __repr__(self) -> str:
        count = len(self.measurements)
        return (
            f"<echolab.reports.Report {self.title or 'untitled'!r}: {count} measurement{'s' if count != 1 else ''}, "
            f"template {self.template or 'not given'}, {self.completion_flag or 'no completion flag'}, "
            f"{self.verification_flag or 'no verification flag'}>"
        )


def read(path: str | os.PathLike[str]) -> Report:
    """Read the echo Structured Report at ``path``.

    Raises
    ------
    NotDicomError, InvalidHeaderError
        When the file is not DICOM or cannot be parsed.
    ReportError
        When it is not an SR document or its content tree exceeds ``max_sr_depth`` or
        ``max_sr_items`` of :func:`echolab.limits.limits`.

    Warns
    -----
    ReportWarning
        For content items that cannot be read as their value type says, and for a report that
        says neither by its template nor by its title that it is an echo report (its numbers are
        read all the same).
    """
    return report_from_document(read_content_tree(path))


def report_from_document(document: SRDocument) -> Report:
    """The :class:`Report` of an SR document already read."""
    echo_title = document.title is not None and concept_key(document.title) == ADULT_ECHO_REPORT
    if document.template != ECHO_TEMPLATE and not echo_title:
        title = str(document.title) if document.title is not None else "none"
        warn(
            ReportWarning,
            f"neither (0040,DB00) Template Identifier ({document.template or 'absent'}) nor the document title "
            f"({title}) says TID 5200 Adult Echocardiography Procedure Report; its NUM items are read as measurements",
            document.source,
            stacklevel=3,
        )
    return Report(
        measurements=measurement_table(document),
        patient=patient_characteristics(document),
        title=document.title.meaning if document.title is not None else None,
        template=document.template,
        mapping_resource=document.mapping_resource,
        completion_flag=document.completion_flag,
        verification_flag=document.verification_flag,
        sop_class_uid=document.sop_class_uid,
        sop_instance_uid=document.sop_instance_uid,
        study_instance_uid=document.study_instance_uid,
        series_instance_uid=document.series_instance_uid,
        manufacturer=document.manufacturer,
        model=document.model,
        evidence=document.evidence,
        source=document.source,
        problems=document.problems,
        is_echo_report=document.template == ECHO_TEMPLATE or echo_title,
    )
