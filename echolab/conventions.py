"""Naming conventions: the long_name of each axis kind, netCDF-safe attrs, identifying tags.

This is the one table users' plots and exported files get their labels from.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from .codes import PhysicalUnits, RegionKind

__all__ = [
    "PIXEL_UNITS",
    "FRAME_UNITS",
    "NUMBER_OF_FRAMES_ATTR",
    "HEADER_NUMBER_OF_FRAMES_ATTR",
    "PROBLEMS_ATTR",
    "axis_long_name",
    "region_long_name",
    "time_attrs",
    "netcdf_safe_attrs",
    "IDENTIFYING_KEYWORDS",
]

#: ``units`` of an axis without calibration (one step per image pixel).
PIXEL_UNITS = "pixel"
#: ``units`` of the ``time`` axis when the file has no timing tag: frame indices, not seconds.
FRAME_UNITS = "frame"

#: Attr: the frames the arrays hold (the length of ``time``), never more than the file has.
NUMBER_OF_FRAMES_ATTR = "number_of_frames"
#: Attr: (0028,0008) Number of Frames as the header says (more than the arrays hold when frames are missing).
HEADER_NUMBER_OF_FRAMES_ATTR = "header_number_of_frames"
#: Attr: the file's problems (see :mod:`echolab.problems`), ``"<rule>: <message>"`` joined by ``" | "``.
PROBLEMS_ATTR = "problems"

_LONG_NAMES: dict[PhysicalUnits, str] = {
    PhysicalUnits.PERCENT: "percent",
    PhysicalUnits.DB: "level",
    PhysicalUnits.SECONDS: "time",
    PhysicalUnits.HERTZ: "frequency",
    PhysicalUnits.DB_PER_SECOND: "level rate",
    PhysicalUnits.CM_PER_SECOND: "velocity",
    PhysicalUnits.CM2: "area",
    PhysicalUnits.CM2_PER_SECOND: "area rate",
    PhysicalUnits.CM3: "volume",
    PhysicalUnits.CM3_PER_SECOND: "volume flow rate",
    PhysicalUnits.DEGREES: "angle",
}


def axis_long_name(units: PhysicalUnits | None, axis: str, kind: RegionKind) -> str:
    """Return the CF ``long_name`` of a region axis.

    Parameters
    ----------
    units
        The axis' physical units, or None when the axis is uncalibrated (pixel offsets).
    axis
        ``"x"`` (columns) or ``"y"`` (rows).
    kind
        What the region shows; it tells a lateral distance in a 2D sector from a depth, and a
        Doppler velocity from the velocity of a colour bar.
    """
    if units is None:
        return "column offset in region" if axis == "x" else "row offset in region"
    if units is PhysicalUnits.CM:
        if axis == "y":
            return "depth"
        return "lateral distance" if kind.is_two_d else "distance"
    if kind is RegionKind.SPECTRAL_DOPPLER and units is PhysicalUnits.CM_PER_SECOND:
        return "Doppler velocity"
    if kind is RegionKind.SPECTRAL_DOPPLER and units is PhysicalUnits.HERTZ:
        return "Doppler frequency shift"
    return _LONG_NAMES.get(units, units.name.lower())


def region_long_name(kind: RegionKind, data_type_label: str) -> str:
    """The ``long_name`` of a region's pixel values ("2D tissue pixel value", ...)."""
    if kind.is_two_d:
        return f"2D {data_type_label} pixel value"
    if kind is RegionKind.M_MODE:
        return f"M-mode {data_type_label} pixel value"
    if kind is RegionKind.OTHER:
        return "pixel value"
    return f"{data_type_label} pixel value"


def time_attrs(has_timing: bool) -> dict[str, str]:
    """Attrs of the frame ``time`` coordinate: seconds, or frame indices when untimed."""
    if has_timing:
        return {"units": "s", "long_name": "time", "standard_name": "time"}
    return {"units": FRAME_UNITS, "long_name": "frame index (no timing in file)"}


def netcdf_safe_attrs(attrs: Mapping[str, Any]) -> dict[str, Any]:
    """Return a copy of ``attrs`` that netCDF and Zarr can store.

    None and NaN-only values are dropped, booleans become 0/1, enums their names, sequences
    numeric arrays (or a comma-joined string when mixed), anything else its ``str``.
    """
    safe: dict[str, Any] = {}
    for key, value in attrs.items():
        converted = _safe_value(value)
        if converted is not None:
            safe[str(key)] = converted
    return safe


def _safe_value(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, enum.Enum):
        return value.name
    if isinstance(value, (bool, np.bool_)):
        return int(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return None if math.isnan(value) else float(value)
    if isinstance(value, str):
        return value
    if isinstance(value, Mapping):
        return None  # dicts have no netCDF form; callers flatten them first
    if isinstance(value, (list, tuple, np.ndarray)):
        items = list(np.asarray(value).ravel()) if isinstance(value, np.ndarray) else list(value)
        if items and all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in items):
            return np.asarray(items, dtype=np.int64)
        if items and all(isinstance(v, (int, float, np.integer, np.floating)) for v in items):
            return np.asarray(items, dtype=np.float64)
        return ", ".join(str(v) for v in items)
    return str(value)


#: DICOM keywords that identify a patient, an operator or an institution. echolab never copies
#: them into attrs, tables or exports unless the caller asks for identifiers explicitly.
IDENTIFYING_KEYWORDS: frozenset[str] = frozenset(
    {
        "PatientName",
        "PatientID",
        "OtherPatientIDs",
        "OtherPatientNames",
        "OtherPatientIDsSequence",
        "PatientBirthDate",
        "PatientBirthTime",
        "PatientAddress",
        "PatientTelephoneNumbers",
        "PatientMotherBirthName",
        "IssuerOfPatientID",
        "AccessionNumber",
        "StudyID",
        "InstitutionName",
        "InstitutionAddress",
        "InstitutionalDepartmentName",
        "StationName",
        "OperatorsName",
        "PerformingPhysicianName",
        "ReferringPhysicianName",
        "NameOfPhysiciansReadingStudy",
        "PhysiciansOfRecord",
        "RequestingPhysician",
        "DeviceSerialNumber",
    }
)
