"""echolab: ultrasound DICOM regions as labelled xarray DataArrays with physical coordinates.

Public names only; everything is imported on first use. The rooms of the package:

- :mod:`echolab.reading` — the one-way reading path (file → header → regions/timing → frames →
  decoders), which nothing above parses around; :mod:`echolab.arrays` and :mod:`echolab.echofile`
  turn it into DataArrays and :func:`open`;
- beside them, serving :func:`open`: :mod:`echolab.calibration`, :mod:`echolab.corrections` and
  :mod:`echolab.geometry` (the scan area of a 2D region);
- above them: :mod:`echolab.analysis` (measure, doppler, mmode, traces, beats, display),
  :mod:`echolab.checks`, :mod:`echolab.deid`, :mod:`echolab.clips`, :mod:`echolab.archive`
  (Zarr archives, the xarray engine, folder scans), :mod:`echolab.ui` (plots, widgets, the browse
  app) and :mod:`echolab.samples` (sample files and their generators);
- :mod:`echolab.parallel` runs work in parallel; :mod:`echolab.cli` is the command line.

Modules that moved into these rooms keep their old names (:data:`MOVED`): ``from echolab import
measure`` and ``import echolab.convert`` give the module in its new place.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import importlib.util
import sys
from collections.abc import Sequence
from types import ModuleType
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


#: Modules that moved into a room of their own, by their old name under ``echolab``.
MOVED = {
    "measure": "analysis.measure",
    "doppler": "analysis.doppler",
    "mmode": "analysis.mmode",
    "traces": "analysis.traces",
    "beats": "analysis.beats",
    "display": "analysis.display",
    "archive_codec": "archive.codec",
    "convert": "archive.convert",
    "datasets": "archive.datasets",
    "backend": "archive.backend",
    "inventory": "archive.inventory",
    "plot": "ui.plot",
    "widgets": "ui.widgets",
    "browse": "ui.browse",
    "browse_server": "ui.browse_server",
    "data": "samples.data",
    "synthetic": "samples.synthetic",
    "workers": "parallel",
}


class _MovedModules(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """``import echolab.<old name>`` of :data:`MOVED`: the module in its new place, one object
    under both names (no copy, no second import)."""

    def find_spec(
        self, fullname: str, path: Sequence[str] | None = None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        package, _, name = fullname.rpartition(".")
        if package != __name__ or name not in MOVED:
            return None
        return importlib.machinery.ModuleSpec(fullname, self)

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType:
        module = importlib.import_module(f"{__name__}.{MOVED[spec.name.rpartition('.')[2]]}")
        spec.loader_state = module.__spec__  # the import system sets ``__spec__`` to ``spec`` next
        return module

    def exec_module(self, module: ModuleType) -> None:
        """Nothing to run (the module was imported under its new name): its own spec back."""
        module.__spec__ = module.__spec__.loader_state if module.__spec__ is not None else None


if not any(isinstance(finder, _MovedModules) for finder in sys.meta_path):
    sys.meta_path.append(_MovedModules())


def __getattr__(name: str) -> Any:
    """The public names of :data:`_LAZY` and echolab's submodules, imported on first use."""
    module = _LAZY.get(name)
    if name in MOVED:
        value = importlib.import_module(f"{__name__}.{MOVED[name]}")
    elif module is not None:
        value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    elif not name.startswith("_") and importlib.util.find_spec(f"{__name__}.{name}") is not None:
        value = importlib.import_module(f"{__name__}.{name}")  # ``echolab.geometry`` without an import
    else:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))
