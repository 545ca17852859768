"""echolab: ultrasound DICOM regions as labelled xarray DataArrays with physical coordinates."""

from .codes import DataType, PhysicalUnits, SpatialFormat
from .echofile import EchoFile, open
from .errors import (
    EcholabError,
    EcholabWarning,
    InvalidHeaderError,
    MissingDecoderError,
    NotDicomError,
    PixelDataError,
    PixelDataWarning,
    RegionClippedWarning,
    RegionError,
    TimingWarning,
    UncalibratedAxisWarning,
)
from .regions import Axis, Region

__version__ = "0.1.0"

__all__ = [
    "open",
    "EchoFile",
    "Region",
    "Axis",
    "SpatialFormat",
    "DataType",
    "PhysicalUnits",
    "EcholabError",
    "NotDicomError",
    "InvalidHeaderError",
    "PixelDataError",
    "MissingDecoderError",
    "RegionError",
    "EcholabWarning",
    "RegionClippedWarning",
    "UncalibratedAxisWarning",
    "TimingWarning",
    "PixelDataWarning",
    "__version__",
]
