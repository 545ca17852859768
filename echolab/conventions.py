"""The attrs schema: every attr key, the units and long names, netCDF-safe values, identifying tags.

This is the one place attr names are spelled (modules use these constants, never loose strings)
and the one table users' plots and exported files get their labels from, as xarray-sentinel's
``conventions``. A region DataArray's attrs hold its raw (0018,6011) values — under the keys
below, per axis through :func:`axis_key` — so its calibration survives slicing, pickling and a
round trip through netCDF or Zarr (see :meth:`echolab.Axis.from_attrs`).
"""

from __future__ import annotations

import enum
import math
from collections.abc import Mapping
from typing import Any, TypeVar

import numpy as np

from .codes import PhysicalUnits, RegionKind

_T = TypeVar("_T")

__all__ = [
    "UNITS",
    "LONG_NAME",
    "COMMENT",
    "SOP_INSTANCE_UID",
    "SOURCE_FILE",
    "SOURCE_ENCODING",
    "source_of",
    "with_source",
    "TIMING_SOURCE",
    "TRANSFER_SYNTAX_UID",
    "PHOTOMETRIC_INTERPRETATION",
    "REGION_INDEX",
    "REGION_KIND",
    "SPATIAL_FORMAT",
    "SPATIAL_FORMAT_CODE",
    "DATA_TYPE",
    "DATA_TYPE_CODE",
    "REGION_FLAGS",
    "PRIORITY",
    "SCALING_PROTECTION",
    "DOPPLER_SCALE_TYPE",
    "SCROLLING",
    "REGION_LOCATION",
    "REGION_LOCATION_CLIPPED",
    "DOPPLER_POSITIVE_DIRECTION",
    "DOPPLER_POSITIVE_UP",
    "DOPPLER_POSITIVE_DOWN",
    "CALIBRATION_CORRECTIONS",
    "PHYSICAL_UNITS_DIRECTION",
    "PHYSICAL_DELTA",
    "REFERENCE_PIXEL",
    "REFERENCE_PIXEL_PHYSICAL_VALUE",
    "REGION_CALIBRATION_KEYS",
    "TRANSDUCER_FREQUENCY",
    "TRANSDUCER_TYPE",
    "PULSE_REPETITION_FREQUENCY",
    "DOPPLER_CORRECTION_ANGLE",
    "STEERING_ANGLE",
    "DOPPLER_SAMPLE_VOLUME",
    "TM_LINE",
    "ACQUISITION_KEYS",
    "HEADER_PREFIX",
    "TRACE_REGION_ROWS",
    "TRACE_TIME_UNITS",
    "ENVELOPE_THRESHOLD",
    "ENVELOPE_MAX_GAP",
    "PROFILE_TIME",
    "SCAN_AREA_NAME",
    "axis_key",
    "COORDINATE_ATTRS",
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
    "VIEW_OF",
    "VIEW_ROWS",
    "VIEW_COLUMNS",
    "IMAGE_STORAGE",
    "STORED_BITSTREAMS",
    "STORED_DECODED",
    "CLIP_SPACING",
    "CLIP_SIZE",
    "CLIP_FPS",
    "CLIP_PHASES",
    "CLIP_MASK",
    "CLIP_CHANNELS",
    "CLIP_GEOMETRY",
    "CLIP_GEOMETRY_KIND",
    "CLIP_GEOMETRY_APEX",
    "CLIP_GEOMETRY_ANGLE_RANGE",
    "CLIP_GEOMETRY_RADIUS_RANGE",
    "CLIP_GEOMETRY_PROBE_FACE",
    "CLIP_GEOMETRY_UNITS",
    "CLIP_GEOMETRY_CONFIDENCE",
    "CLIP_GEOMETRY_METHOD",
    "CLIP_GEOMETRY_NOTES",
    "CLIP_FIELD_OF_VIEW",
    "CLIP_SOURCE_DURATION",
    "CLIP_SOURCE_FRAMES",
    "CLIP_NAME",
    "CLIP_FILE_KEY",
    "CLIP_SETTINGS",
    "BEAT_INDEX",
    "BEAT_START",
    "BEAT_STOP",
    "BEAT_RR",
    "BEAT_HEART_RATE",
    "BEAT_SOURCE",
    "BEAT_TIME_BASE",
    "HISTORY",
    "PROCESSING_SOFTWARE_NAME",
    "PROCESSING_SOFTWARE_VERSION",
    "PROCESSING_TIME",
    "PROCESSING_FUNCTION",
    "MANUFACTURER",
    "MANUFACTURER_MODEL_NAME",
    "SOP_CLASS_UID",
    "ROWS",
    "COLUMNS",
    "FRAME_RATE",
    "CINE_RATE",
    "HEART_RATE",
    "REGION_COUNT",
    "UNUSABLE_REGIONS",
    "CONVERTED_BY",
    "IDENTIFIER_PREFIX",
]

# --- attr keys ---------------------------------------------------------------------------------

#: CF attrs of every coordinate and variable.
UNITS = "units"
LONG_NAME = "long_name"
STANDARD_NAME = "standard_name"
COMMENT = "comment"

#: Attrs every array of a file carries: (0008,0018), where frame times come from, (0002,0010)
#: and (0028,0004). The file name is identifying (folder and file names carry patient names):
#: it is an attr (:data:`SOURCE_FILE`) only where identifiers are asked for; arrays keep the path
#: in memory, in their ``encoding`` (:data:`SOURCE_ENCODING`, as xarray's own backends do), which
#: messages name and ``to_netcdf`` / ``to_zarr`` never write.
SOP_INSTANCE_UID = "sop_instance_uid"
SOURCE_FILE = "source_file"
SOURCE_ENCODING = "source"
TIMING_SOURCE = "timing_source"
TRANSFER_SYNTAX_UID = "transfer_syntax_uid"
PHOTOMETRIC_INTERPRETATION = "photometric_interpretation"

#: Attrs of a region DataArray: its item index in (0018,6011), what it shows, the raw codes and
#: flags, and its box (absolute inclusive image pixels, as written and clipped to the image).
REGION_INDEX = "region_index"
REGION_KIND = "region_kind"
SPATIAL_FORMAT = "spatial_format"
SPATIAL_FORMAT_CODE = "spatial_format_code"
DATA_TYPE = "data_type"
DATA_TYPE_CODE = "data_type_code"
REGION_FLAGS = "region_flags"
PRIORITY = "priority"
SCALING_PROTECTION = "scaling_protection"
DOPPLER_SCALE_TYPE = "doppler_scale_type"
SCROLLING = "scrolling"
REGION_LOCATION = "region_location"
REGION_LOCATION_CLIPPED = "region_location_clipped"
#: Where positive Doppler values are drawn: :data:`DOPPLER_POSITIVE_UP` (above the baseline) or
#: :data:`DOPPLER_POSITIVE_DOWN`.
DOPPLER_POSITIVE_DIRECTION = "doppler_positive_direction"
DOPPLER_POSITIVE_UP = "up"
DOPPLER_POSITIVE_DOWN = "down"
#: The calibration rules echolab applied to make the axes match the screen (comma-separated ids);
#: the header's own values are kept under the same keys prefixed with :data:`HEADER_PREFIX`.
CALIBRATION_CORRECTIONS = "calibration_corrections"
HEADER_PREFIX = "header_"
#: Attrs of a signal read from a drawn curve (:func:`echolab.analysis.traces.trace_signal`): the
#: height (rows) of the trace region it came from, and the units of its ``x`` (time) axis.
TRACE_REGION_ROWS = "trace_region_rows"
TRACE_TIME_UNITS = "time_units"
#: Attrs of a Doppler envelope (:func:`echolab.analysis.doppler.envelope`): the grey level that
#: counted as signal, and the longest dark run (rows) allowed inside the spectrum.
ENVELOPE_THRESHOLD = "threshold"
ENVELOPE_MAX_GAP = "max_gap"
#: Attr of an M-mode depth profile (:func:`echolab.analysis.mmode.depth_profile`): the strip time (s)
#: of its column.
PROFILE_TIME = "time"
#: Name of a scan-area mask DataArray (:attr:`echolab.Sector.mask`).
SCAN_AREA_NAME = "scan_area"

#: Per-axis keys of the (0018,6011) calibration, ``{axis}`` being ``x`` or ``y``: (0018,6024/6026),
#: (0018,602C/602E), (0018,6020/6022) and (0018,6028/602A).
PHYSICAL_UNITS_DIRECTION = "physical_units_{axis}_direction"
PHYSICAL_DELTA = "physical_delta_{axis}"
REFERENCE_PIXEL = "reference_pixel_{axis}0"
REFERENCE_PIXEL_PHYSICAL_VALUE = "reference_pixel_physical_value_{axis}"

#: What the scanner was set to when it acquired a region (PS3.3 C.8.5.5, Type 3 elements of the
#: (0018,6011) item; absent keys are elements the item does not carry): (0018,6030) Transducer
#: Frequency in kHz, (0018,6031) Transducer Type (a defined term, e.g. ``"SECTOR_PHASED"``),
#: (0018,6032) Pulse Repetition Frequency in Hz, (0018,6034) Doppler Correction Angle and
#: (0018,6036) Steering Angle in degrees, (0018,6039/603B) Doppler Sample Volume X/Y Position and
#: (0018,603D..6043) TM-Line Position X0, Y0, X1, Y1 in pixels from the reference pixel.
TRANSDUCER_FREQUENCY = "transducer_frequency_khz"
TRANSDUCER_TYPE = "transducer_type"
PULSE_REPETITION_FREQUENCY = "pulse_repetition_frequency_hz"
DOPPLER_CORRECTION_ANGLE = "doppler_correction_angle_degrees"
STEERING_ANGLE = "steering_angle_degrees"
DOPPLER_SAMPLE_VOLUME = "doppler_sample_volume_pixels"
TM_LINE = "tm_line_pixels"
#: Every acquisition key above.
ACQUISITION_KEYS: tuple[str, ...] = (
    TRANSDUCER_FREQUENCY,
    TRANSDUCER_TYPE,
    PULSE_REPETITION_FREQUENCY,
    DOPPLER_CORRECTION_ANGLE,
    STEERING_ANGLE,
    DOPPLER_SAMPLE_VOLUME,
    TM_LINE,
)


def _region_calibration_keys() -> tuple[str, ...]:
    axis_templates = (PHYSICAL_UNITS_DIRECTION, PHYSICAL_DELTA, REFERENCE_PIXEL, REFERENCE_PIXEL_PHYSICAL_VALUE)
    return (
        REGION_INDEX,
        REGION_KIND,
        DATA_TYPE,
        DATA_TYPE_CODE,
        REGION_LOCATION,
        REGION_LOCATION_CLIPPED,
        SOP_INSTANCE_UID,
        DOPPLER_POSITIVE_DIRECTION,
        *(template.format(axis=axis) for axis in ("x", "y") for template in axis_templates),
        *ACQUISITION_KEYS,
    )


#: Every attr a region's calibration (:class:`echolab.calibration.RegionCalibration`) is read from.
REGION_CALIBRATION_KEYS: tuple[str, ...] = _region_calibration_keys()


def source_of(array: Any) -> str | None:
    """The file an array (or anything with ``encoding`` / ``attrs``) came from, for messages: its
    in-memory ``encoding["source"]``, else a kept :data:`SOURCE_FILE` attr; None when unknown."""
    encoding = getattr(array, "encoding", None)
    source = encoding.get(SOURCE_ENCODING) if isinstance(encoding, Mapping) else None
    if source is None:
        attrs = getattr(array, "attrs", None)
        source = attrs.get(SOURCE_FILE) if isinstance(attrs, Mapping) else None
    return str(source) if source is not None else None


def with_source(array: _T, source: str | None) -> _T:
    """``array`` with ``source`` in its in-memory ``encoding`` (never an attr: see :data:`SOURCE_ENCODING`)."""
    if source is not None:
        array.encoding[SOURCE_ENCODING] = source  # type: ignore[attr-defined]
    return array


def axis_key(template: str, axis: str) -> str:
    """The attr key of one axis' calibration value: ``axis_key(PHYSICAL_DELTA, "y")`` is
    ``"physical_delta_y"``."""
    return template.format(axis=axis)


# --- units and long names ------------------------------------------------------------------------

#: ``units`` of an axis without calibration (one step per image pixel).
PIXEL_UNITS = "pixel"
#: ``units`` of the ``time`` axis when the file has no timing tag: frame indices, not seconds.
FRAME_UNITS = "frame"

#: Attr: the frames the arrays hold (the length of ``time``), never more than the file has.
NUMBER_OF_FRAMES_ATTR = "number_of_frames"
#: Attr: (0028,0008) Number of Frames as the header says (more than the arrays hold when frames are missing).
HEADER_NUMBER_OF_FRAMES_ATTR = "header_number_of_frames"
#: Attr: the file's problems (see :mod:`echolab.reading.problems`), ``"<rule>: <message>"`` joined by ``" | "``.
PROBLEMS_ATTR = "problems"

# --- archives (echolab.archive.layout) ------------------------------------------------------------------

#: Attrs of an archived region group, which holds the region's coordinates and attrs but no pixels:
#: its pixels are the ``image`` group's, rows ``[start, stop)`` and columns ``[start, stop)``
#: (:func:`echolab.archive.layout.open_archive` puts the view back as the region's data variable).
VIEW_OF = "view_of"
VIEW_ROWS = "view_rows"
VIEW_COLUMNS = "view_columns"
#: Attr of an archived image: how its frames are stored — :data:`STORED_BITSTREAMS` (each chunk is
#: a frame's compressed bitstream copied from the DICOM) or :data:`STORED_DECODED` (decoded values,
#: Zarr's default lossless compression).
IMAGE_STORAGE = "storage"
STORED_BITSTREAMS = "DICOM bitstreams"
STORED_DECODED = "decoded"

# --- clips for learning (echolab.clips) ----------------------------------------------------------

#: Attrs of a clip: the isotropic grid step (cm per pixel), its size (pixels per side), the output
#: frame rate (frames/s; absent for a clip per beat) or the phases per beat, the mask applied
#: ("scan-area" or "none"), how its channels were made ("grey" or "RGB").
CLIP_SPACING = "spacing_cm"
CLIP_SIZE = "size_pixels"
CLIP_FPS = "fps"
CLIP_PHASES = "phases"
CLIP_MASK = "mask"
CLIP_CHANNELS = "channels"
#: Attrs of a clip: the scan-area geometry it was positioned from (``geometry_kind``,
#: ``geometry_apex``, ... one key per :class:`~echolab.Sector` field, prefixed with this), the
#: field of view in cm (x0, y0, x1, y1: left, top, right, bottom edges, region frame), and the
#: source cine's duration (s) and frame count.
CLIP_GEOMETRY = "geometry_"
CLIP_GEOMETRY_KIND = CLIP_GEOMETRY + "kind"
CLIP_GEOMETRY_APEX = CLIP_GEOMETRY + "apex"
CLIP_GEOMETRY_ANGLE_RANGE = CLIP_GEOMETRY + "angle_range"
CLIP_GEOMETRY_RADIUS_RANGE = CLIP_GEOMETRY + "radius_range"
CLIP_GEOMETRY_PROBE_FACE = CLIP_GEOMETRY + "probe_face"
CLIP_GEOMETRY_UNITS = CLIP_GEOMETRY + "units"
CLIP_GEOMETRY_CONFIDENCE = CLIP_GEOMETRY + "confidence"
CLIP_GEOMETRY_METHOD = CLIP_GEOMETRY + "method"
CLIP_GEOMETRY_NOTES = CLIP_GEOMETRY + "notes"
CLIP_FIELD_OF_VIEW = "field_of_view_cm"
CLIP_SOURCE_DURATION = "source_duration_s"
CLIP_SOURCE_FRAMES = "source_frames"
#: Attrs of a clip: its pseudonymous name and the part of it shared by every clip of one file.
CLIP_NAME = "clip_name"
CLIP_FILE_KEY = "file_key"
#: Attr of a Zarr output's root group that keeps the settings of :func:`echolab.clips.export`.
CLIP_SETTINGS = "clips_settings"
#: Attrs of a clip per heartbeat (and columns of :func:`echolab.analysis.beats.beats`): the beat's
#: position in the file's beat table, its R waves (s), R-R interval (s), rate (1/min), where the R
#: waves came from and which clock their times are on.
BEAT_INDEX = "beat_index"
BEAT_START = "beat_start_s"
BEAT_STOP = "beat_stop_s"
BEAT_RR = "beat_rr_s"
BEAT_HEART_RATE = "beat_heart_rate_per_min"
BEAT_SOURCE = "beat_source"
BEAT_TIME_BASE = "beat_time_base"
#: Processing history, after CF's ``history`` (one line per step: when, with what, what) and
#: echopype's provenance attrs (the software that made the data, its version, when, which function).
HISTORY = "history"
PROCESSING_SOFTWARE_NAME = "processing_software_name"
PROCESSING_SOFTWARE_VERSION = "processing_software_version"
PROCESSING_TIME = "processing_time"
PROCESSING_FUNCTION = "processing_function"
#: (0008,0070) Manufacturer and (0008,1090) Manufacturer's Model Name (not identifying).
MANUFACTURER = "manufacturer"
MANUFACTURER_MODEL_NAME = "manufacturer_model_name"
#: Attrs of a file's summary (the root of :func:`echolab.archive.datasets.file_datatree`): (0008,0016)
#: SOP Class UID, (0028,0010) Rows, (0028,0011) Columns, the frame rate (frames/s), (0018,0040) Cine
#: Rate (frames/s), (0018,1088) Heart Rate (1/min), the items of (0018,6011) and the unusable ones,
#: and the software that converted the file. With identifiers asked for, each identifying element
#: is kept under its keyword prefixed with :data:`IDENTIFIER_PREFIX`.
SOP_CLASS_UID = "sop_class_uid"
ROWS = "rows"
COLUMNS = "columns"
FRAME_RATE = "frame_rate"
CINE_RATE = "cine_rate"
HEART_RATE = "heart_rate"
REGION_COUNT = "region_count"
UNUSABLE_REGIONS = "unusable_regions"
CONVERTED_BY = "converted_by"
IDENTIFIER_PREFIX = "dicom_"

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


#: Attrs of the coordinates every array has, by coordinate name.
COORDINATE_ATTRS: dict[str, dict[str, str]] = {
    "time": {UNITS: "s", LONG_NAME: "time", STANDARD_NAME: "time"},
    "untimed": {UNITS: FRAME_UNITS, LONG_NAME: "frame index (no timing in file)"},
    "frame": {LONG_NAME: "frame index (0-based)"},
    "row": {LONG_NAME: "image row index (0-based)", UNITS: PIXEL_UNITS},
    "column": {LONG_NAME: "image column index (0-based)", UNITS: PIXEL_UNITS},
    "clip_row": {
        LONG_NAME: "image row the sample was interpolated at (continuous, pixel centres at integers)",
        UNITS: PIXEL_UNITS,
    },
    "clip_column": {
        LONG_NAME: "image column the sample was interpolated at (continuous, pixel centres at integers)",
        UNITS: PIXEL_UNITS,
    },
    "source_frame": {LONG_NAME: "frame position interpolated at (i + w: w of frame i + 1, 1 - w of frame i)"},
    "phase": {LONG_NAME: "phase of the heartbeat (0 at its R wave, 1 at the next)", UNITS: "1"},
    # polar resampling (echolab.geometry.to_polar); the radii's units are the sector's (cm or pixel)
    "depth": {LONG_NAME: "distance from the apex"},
    "depth_below_probe_face": {LONG_NAME: "distance from the probe face"},
    "angle": {LONG_NAME: "angle from straight down, left negative", UNITS: "degree"},
}


def time_attrs(has_timing: bool) -> dict[str, str]:
    """Attrs of the frame ``time`` coordinate: seconds, or frame indices when untimed."""
    return dict(COORDINATE_ATTRS["time" if has_timing else "untimed"])


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
