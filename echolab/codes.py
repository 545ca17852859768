"""Enumerations: the US Region Calibration Module's (DICOM PS3.3 C.8.5.5) and echolab's own.

One :class:`enum.Enum` per DICOM enumeration, in the style of highdicom: names are what users
see in attrs and tables; values are the codes stored in the file. Below them, the value sets
echolab itself names — the kind of a region, where frame times and frame positions come from,
the notes a region item can carry — each one :class:`enum.Enum` with one spelling.
(0028,0004) Photometric Interpretation uses pydicom's own enumeration.
"""

from __future__ import annotations

import enum

__all__ = [
    "SpatialFormat",
    "DataType",
    "PhysicalUnits",
    "Priority",
    "DopplerScaleType",
    "ScrollingMode",
    "RegionFlags",
    "RegionKind",
    "TimingSource",
    "FrameLocation",
    "RegionNote",
    "Rule",
    "Severity",
    "BeatSource",
    "SRValueType",
    "SRRelationship",
    "CompletionFlag",
    "VerificationFlag",
    "GraphicType",
    "InstanceKind",
]


class SpatialFormat(enum.IntEnum):
    """(0018,6012) Region Spatial Format."""

    NONE = 0
    TWO_D = 1
    M_MODE = 2
    SPECTRAL = 3
    WAVEFORM = 4
    GRAPHICS = 5

    @property
    def label(self) -> str:
        """Human name used in attrs and tables (e.g. ``"2D"``, ``"M-mode"``)."""
        return _SPATIAL_FORMAT_LABELS[self]


_SPATIAL_FORMAT_LABELS = {
    SpatialFormat.NONE: "none",
    SpatialFormat.TWO_D: "2D",
    SpatialFormat.M_MODE: "M-mode",
    SpatialFormat.SPECTRAL: "spectral",
    SpatialFormat.WAVEFORM: "waveform",
    SpatialFormat.GRAPHICS: "graphics",
}


class DataType(enum.IntEnum):
    """(0018,6014) Region Data Type."""

    TISSUE = 0x1
    COLOR_FLOW = 0x2
    PW_SPECTRAL_DOPPLER = 0x3
    CW_SPECTRAL_DOPPLER = 0x4
    DOPPLER_MEAN_TRACE = 0x5
    DOPPLER_MODE_TRACE = 0x6
    DOPPLER_MAX_TRACE = 0x7
    VOLUME_TRACE = 0x8
    D_VOLUME_DT_TRACE = 0x9
    ECG_TRACE = 0xA
    PULSE_TRACE = 0xB
    PHONOCARDIOGRAM_TRACE = 0xC
    GRAY_BAR = 0xD
    COLOR_BAR = 0xE
    INTEGRATED_BACKSCATTER = 0xF
    AREA_TRACE = 0x10
    D_AREA_DT_TRACE = 0x11
    OTHER_PHYSIOLOGICAL_INPUT = 0x12

    @property
    def label(self) -> str:
        """Human name used in attrs and tables (e.g. ``"PW spectral Doppler"``)."""
        return _DATA_TYPE_LABELS[self]

    @property
    def is_spectral_doppler(self) -> bool:
        """True for PW and CW spectral Doppler."""
        return self in (DataType.PW_SPECTRAL_DOPPLER, DataType.CW_SPECTRAL_DOPPLER)

    @property
    def is_trace(self) -> bool:
        """True for physiological and Doppler traces (drawn curves over time)."""
        return self in _TRACES


_DATA_TYPE_LABELS = {
    DataType.TISSUE: "tissue",
    DataType.COLOR_FLOW: "colour flow",
    DataType.PW_SPECTRAL_DOPPLER: "PW spectral Doppler",
    DataType.CW_SPECTRAL_DOPPLER: "CW spectral Doppler",
    DataType.DOPPLER_MEAN_TRACE: "Doppler mean trace",
    DataType.DOPPLER_MODE_TRACE: "Doppler mode trace",
    DataType.DOPPLER_MAX_TRACE: "Doppler max trace",
    DataType.VOLUME_TRACE: "volume trace",
    DataType.D_VOLUME_DT_TRACE: "d(volume)/dt trace",
    DataType.ECG_TRACE: "ECG trace",
    DataType.PULSE_TRACE: "pulse trace",
    DataType.PHONOCARDIOGRAM_TRACE: "phonocardiogram trace",
    DataType.GRAY_BAR: "grey bar",
    DataType.COLOR_BAR: "colour bar",
    DataType.INTEGRATED_BACKSCATTER: "integrated backscatter",
    DataType.AREA_TRACE: "area trace",
    DataType.D_AREA_DT_TRACE: "d(area)/dt trace",
    DataType.OTHER_PHYSIOLOGICAL_INPUT: "other physiological input",
}

_TRACES = frozenset(
    {
        DataType.DOPPLER_MEAN_TRACE,
        DataType.DOPPLER_MODE_TRACE,
        DataType.DOPPLER_MAX_TRACE,
        DataType.VOLUME_TRACE,
        DataType.D_VOLUME_DT_TRACE,
        DataType.ECG_TRACE,
        DataType.PULSE_TRACE,
        DataType.PHONOCARDIOGRAM_TRACE,
        DataType.AREA_TRACE,
        DataType.D_AREA_DT_TRACE,
        DataType.OTHER_PHYSIOLOGICAL_INPUT,
    }
)


class PhysicalUnits(enum.IntEnum):
    """(0018,6024) / (0018,6026) Physical Units X / Y Direction."""

    NONE = 0x0
    PERCENT = 0x1
    DB = 0x2
    CM = 0x3
    SECONDS = 0x4
    HERTZ = 0x5
    DB_PER_SECOND = 0x6
    CM_PER_SECOND = 0x7
    CM2 = 0x8
    CM2_PER_SECOND = 0x9
    CM3 = 0xA
    CM3_PER_SECOND = 0xB
    DEGREES = 0xC

    @property
    def unit(self) -> str:
        """The UDUNITS-style unit string (``"cm"``, ``"cm/s"``, ``"Hz"``; ``""`` for NONE)."""
        return _UNIT_STRINGS[self]


_UNIT_STRINGS = {
    PhysicalUnits.NONE: "",
    PhysicalUnits.PERCENT: "%",
    PhysicalUnits.DB: "dB",
    PhysicalUnits.CM: "cm",
    PhysicalUnits.SECONDS: "s",
    PhysicalUnits.HERTZ: "Hz",
    PhysicalUnits.DB_PER_SECOND: "dB/s",
    PhysicalUnits.CM_PER_SECOND: "cm/s",
    PhysicalUnits.CM2: "cm2",
    PhysicalUnits.CM2_PER_SECOND: "cm2/s",
    PhysicalUnits.CM3: "cm3",
    PhysicalUnits.CM3_PER_SECOND: "cm3/s",
    PhysicalUnits.DEGREES: "deg",
}


class Priority(enum.IntEnum):
    """Bit 0 of (0018,6016) Region Flags."""

    HIGH = 0
    LOW = 1


class DopplerScaleType(enum.IntEnum):
    """Bit 2 of (0018,6016) Region Flags: what a spectral Doppler axis measures."""

    VELOCITY = 0
    FREQUENCY = 1


class ScrollingMode(enum.IntEnum):
    """Bits 3-4 of (0018,6016) Region Flags."""

    UNSPECIFIED = 0b00
    SCROLLING = 0b01
    SWEEPING = 0b10
    SWEEPING_THEN_SCROLLING = 0b11

    @property
    def label(self) -> str:
        """Lower-case name with spaces (``"sweeping then scrolling"``)."""
        return self.name.lower().replace("_", " ")


class RegionFlags(int):
    """(0018,6016) Region Flags, an int with its bit fields decoded."""

    @property
    def priority(self) -> Priority:
        """Bit 0: 0 high priority, 1 low priority."""
        return Priority(self & 0b1)

    @property
    def scaling_protection(self) -> bool:
        """Bit 1: the region must not be resized (measurements depend on its scale)."""
        return bool(self & 0b10)

    @property
    def doppler_scale_type(self) -> DopplerScaleType:
        """Bit 2: 0 velocity, 1 frequency."""
        return DopplerScaleType((self >> 2) & 0b1)

    @property
    def scrolling(self) -> ScrollingMode:
        """Bits 3-4: scrolling / sweeping behaviour of a time-based region."""
        return ScrollingMode((self >> 3) & 0b11)


class RegionKind(enum.Enum):
    """What a region shows, decided from (0018,6012) Spatial Format and (0018,6014) Data Type.

    Not a DICOM enumeration itself: the two codes combined into the kinds echolab analyses
    differently (axes, long names, which functions of :mod:`echolab.analysis.doppler`, :mod:`echolab.analysis.mmode`
    and :mod:`echolab.analysis.traces` apply).
    """

    TWO_D = "2D"
    COLOR_FLOW = "colour flow"
    M_MODE = "M-mode"
    SPECTRAL_DOPPLER = "spectral Doppler"
    TRACE = "trace"
    GREY_BAR = "grey bar"
    COLOUR_BAR = "colour bar"
    GRAPHICS = "graphics"
    OTHER = "other"

    @classmethod
    def of(cls, spatial_format: SpatialFormat | None, data_type: DataType | None) -> RegionKind:
        """The kind of a region with these (decoded) codes; ``OTHER`` when they say nothing."""
        if data_type is DataType.GRAY_BAR:
            return cls.GREY_BAR
        if data_type is DataType.COLOR_BAR:
            return cls.COLOUR_BAR
        if spatial_format is SpatialFormat.SPECTRAL or (data_type is not None and data_type.is_spectral_doppler):
            return cls.SPECTRAL_DOPPLER
        if spatial_format is SpatialFormat.M_MODE:
            return cls.M_MODE
        if spatial_format is SpatialFormat.WAVEFORM or (data_type is not None and data_type.is_trace):
            return cls.TRACE
        if spatial_format is SpatialFormat.TWO_D:
            return cls.COLOR_FLOW if data_type is DataType.COLOR_FLOW else cls.TWO_D
        if spatial_format is SpatialFormat.GRAPHICS:
            return cls.GRAPHICS
        return cls.OTHER

    @property
    def is_strip(self) -> bool:
        """True for kinds whose x axis is time sweeping across the region (M-mode, Doppler, traces)."""
        return self in (RegionKind.M_MODE, RegionKind.SPECTRAL_DOPPLER, RegionKind.TRACE)

    @property
    def is_two_d(self) -> bool:
        """True for 2D images: tissue and colour flow (x is lateral distance, y depth)."""
        return self in (RegionKind.TWO_D, RegionKind.COLOR_FLOW)


class _Named(str, enum.Enum):
    """A string enumeration whose ``str()`` and format are its value (as written in attrs)."""

    def __str__(self) -> str:
        return str(self.value)

    def __format__(self, spec: str) -> str:
        return format(str(self.value), spec)


class TimingSource(_Named):
    """Where the frame times come from (the ``timing_source`` attr), in order of precedence after
    (0028,0009) Frame Increment Pointer."""

    FRAME_TIME_VECTOR = "(0018,1065) Frame Time Vector"
    FRAME_TIME = "(0018,1063) Frame Time"
    CINE_RATE = "(0018,0040) Cine Rate"
    RECOMMENDED_DISPLAY_FRAME_RATE = "(0008,2144) Recommended Display Frame Rate"
    NONE = "none"


class FrameLocation(_Named):
    """How the frames of encapsulated pixel data were found."""

    EXTENDED_OFFSET_TABLE = "extended offset table"
    BASIC_OFFSET_TABLE = "basic offset table"
    FRAGMENT_SCAN = "fragment scan"


class RegionNote(enum.Enum):
    """What a note on a (0018,6011) item is about; each is emitted as its own warning class."""

    CLIPPED = "clipped"
    UNCALIBRATED = "uncalibrated"
    CALIBRATION = "calibration"


class Rule(_Named):
    """The id of every check echolab makes (``echolab scan``'s problems, ``echolab check``'s
    findings, the calibration panel): stable, for programs and spreadsheets."""

    # the pixel data, from the header, the pixel element's length and the fragment table
    NO_PIXEL_DATA = "no-pixel-data"
    NO_DECODER = "no-decoder"
    TRUNCATED_PIXEL_DATA = "truncated-pixel-data"
    MISSING_FRAMES = "missing-frames"
    UNREADABLE_PIXEL_DATA = "unreadable-pixel-data"
    # the file as a whole
    UNREADABLE_FILE = "unreadable-file"
    NO_REGIONS = "no-regions"
    BURNED_IN_ANNOTATION = "burned-in-annotation"
    # the (0018,6011) regions
    REGION_OVERHANG = "region-overhang"
    REGION_UNUSABLE = "region-unusable"
    UNCALIBRATED_AXIS = "uncalibrated-axis"
    DOPPLER_SCALE_FLAG = "doppler-scale-flag"
    DUPLICATE_REGION = "duplicate-region"
    # what the screen shows against what the header says
    DOPPLER_SIGN = "doppler-sign"
    DEPTH_ORIGIN = "depth-origin"
    # timing
    TIMING_DISAGREEMENT = "timing-disagreement"
    TIMING_MISSING = "timing-missing"
    HEART_RATE_DISAGREEMENT = "heart-rate-disagreement"
    # a structured report against the images it was measured on
    REPORT_DISAGREEMENT = "report-disagreement"


class Severity(_Named):
    """How much a finding matters: an ``error`` makes ``echolab check`` exit with status 1."""

    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


class BeatSource(_Named):
    """Where the R waves of :func:`echolab.analysis.beats.beats` come from, in order of precedence."""

    R_WAVE_TIME_VECTOR = "(0018,6060) R Wave Time Vector"
    ECG_TRACE = "ECG trace region"


class SRValueType(_Named):
    """(0040,A040) Value Type of a Structured Report content item (PS3.3 C.17.3)."""

    CONTAINER = "CONTAINER"
    NUM = "NUM"
    CODE = "CODE"
    TEXT = "TEXT"
    PNAME = "PNAME"
    DATE = "DATE"
    TIME = "TIME"
    DATETIME = "DATETIME"
    UIDREF = "UIDREF"
    SCOORD = "SCOORD"
    SCOORD3D = "SCOORD3D"
    TCOORD = "TCOORD"
    IMAGE = "IMAGE"
    COMPOSITE = "COMPOSITE"
    WAVEFORM = "WAVEFORM"
    TABLE = "TABLE"


class SRRelationship(_Named):
    """(0040,A010) Relationship Type of a content item with its parent (PS3.3 C.17.3.2.4)."""

    CONTAINS = "CONTAINS"
    HAS_PROPERTIES = "HAS PROPERTIES"
    HAS_CONCEPT_MOD = "HAS CONCEPT MOD"
    HAS_OBS_CONTEXT = "HAS OBS CONTEXT"
    HAS_ACQ_CONTEXT = "HAS ACQ CONTEXT"
    INFERRED_FROM = "INFERRED FROM"
    SELECTED_FROM = "SELECTED FROM"


class CompletionFlag(_Named):
    """(0040,A491) Completion Flag of an SR document."""

    PARTIAL = "PARTIAL"
    COMPLETE = "COMPLETE"


class VerificationFlag(_Named):
    """(0040,A493) Verification Flag of an SR document."""

    UNVERIFIED = "UNVERIFIED"
    VERIFIED = "VERIFIED"


class GraphicType(_Named):
    """(0070,0023) Graphic Type of an SCOORD or SCOORD3D content item (PS3.3 C.18.6.1.2, C.18.9.1.2)."""

    POINT = "POINT"
    MULTIPOINT = "MULTIPOINT"
    POLYLINE = "POLYLINE"
    CIRCLE = "CIRCLE"
    ELLIPSE = "ELLIPSE"
    POLYGON = "POLYGON"
    ELLIPSOID = "ELLIPSOID"


class InstanceKind(_Named):
    """What one instance of a study is, for the catalogue of a folder (:mod:`echolab.studies`):
    from its SOP class and its regions, the most specific region deciding (a 2D + PW Doppler
    screen is ``PW Doppler``; a 2D image of one frame is a ``2D still``, of several a ``2D cine``)."""

    TWO_D_CINE = "2D cine"
    TWO_D_STILL = "2D still"
    PW_DOPPLER = "PW Doppler"
    CW_DOPPLER = "CW Doppler"
    M_MODE = "M-mode"
    COLOUR_FLOW = "colour flow"
    REPORT = "report"
    OTHER = "other"
