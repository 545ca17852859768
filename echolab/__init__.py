"""echolab: ultrasound DICOM regions as labelled xarray DataArrays with physical coordinates.

Analysis lives in submodules imported on demand: :mod:`echolab.measure` (calibrated points,
distances, times, velocities), :mod:`echolab.doppler`, :mod:`echolab.mmode`, :mod:`echolab.traces`,
:mod:`echolab.geometry` (the scan area of a 2D region: apex, angles, mask, polar resampling) and
:mod:`echolab.synthetic` / :mod:`echolab.data` for sample files.
"""

from .codes import DataType, PhysicalUnits, RegionKind, SpatialFormat
from .echofile import EchoFile, open
from .errors import (
    ArchiveBusyError,
    CalibrationWarning,
    EcholabError,
    EcholabWarning,
    GeometryError,
    InvalidHeaderError,
    MeasurementError,
    MissingDecoderError,
    NotDicomError,
    PixelDataError,
    PixelDataWarning,
    RegionClippedWarning,
    RegionError,
    RegionIndexError,
    RegionWarning,
    TimingWarning,
    UncalibratedAxisWarning,
    UnguardedScriptError,
)
from .geometry import Sector
from .limits import Limits, limits, set_limits
from .reading.regions import Axis, Region

__version__ = "0.1.0"

__all__ = [
    "open",
    "EchoFile",
    "Region",
    "Axis",
    "SpatialFormat",
    "DataType",
    "PhysicalUnits",
    "RegionKind",
    "EcholabError",
    "NotDicomError",
    "InvalidHeaderError",
    "PixelDataError",
    "MissingDecoderError",
    "RegionError",
    "RegionIndexError",
    "MeasurementError",
    "GeometryError",
    "Sector",
    "UnguardedScriptError",
    "ArchiveBusyError",
    "EcholabWarning",
    "RegionClippedWarning",
    "UncalibratedAxisWarning",
    "TimingWarning",
    "PixelDataWarning",
    "CalibrationWarning",
    "RegionWarning",
    "Limits",
    "limits",
    "set_limits",
    "__version__",
]
