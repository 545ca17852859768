"""echolab: ultrasound DICOM regions as labelled xarray DataArrays with physical coordinates.

Analysis lives in submodules imported on demand: :mod:`echolab.measure` (calibrated points,
distances, times, velocities), :mod:`echolab.doppler`, :mod:`echolab.mmode`, :mod:`echolab.traces`,
:mod:`echolab.geometry` (the scan area of a 2D region: apex, angles, mask, polar resampling) and
:mod:`echolab.synthetic` / :mod:`echolab.data` for sample files.
"""

from __future__ import annotations

import importlib
import importlib.util
from typing import TYPE_CHECKING, Any

from .codes import DataType, PhysicalUnits, RegionKind, SpatialFormat
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
from .limits import Limits, limits, set_limits

if TYPE_CHECKING:
    from .echofile import EchoFile, open
    from .geometry import Sector
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

#: Public names whose modules are imported on first use: ``echolab.open`` brings in xarray,
#: ``echolab.Sector`` scipy, and neither is needed by ``import echolab`` alone (``echolab scan``
#: imports neither, see :mod:`echolab.inventory`).
_LAZY = {
    "open": "echofile",
    "EchoFile": "echofile",
    "Sector": "geometry",
    "Region": "reading.regions",
    "Axis": "reading.regions",
}


def __getattr__(name: str) -> Any:
    """The public names of :data:`_LAZY` and echolab's submodules, imported on first use."""
    module = _LAZY.get(name)
    if module is not None:
        value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    elif not name.startswith("_") and importlib.util.find_spec(f"{__name__}.{name}") is not None:
        value = importlib.import_module(f"{__name__}.{name}")  # ``echolab.geometry`` without an import
    else:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))
