"""A region's calibration, reached one way: ``da.echo`` on a region DataArray, or a :class:`Region`.

A region DataArray keeps its raw (0018,6011) values in its attrs (see
:func:`echolab.arrays.region_attrs`), so its calibration survives slicing, pickling and a round
trip through netCDF or Zarr. :class:`RegionCalibration` is that calibration rebuilt —
:meth:`RegionCalibration.from_attrs` reads the attrs (the inverse of the ``to_attrs`` of
:class:`~echolab.Axis` and :class:`~echolab.reading.acquisition.Acquisition`), and
:meth:`RegionCalibration.from_region` takes a :class:`~echolab.Region` as it is.

The ``echo`` accessor, registered on every :class:`xarray.DataArray` as rioxarray registers
``rio``, reads the attrs once per array and keeps the result::

    da = f.region(2)
    da.echo.y.pixels(0.0)          # the image row of the zero-velocity baseline
    da.echo.acquisition.pulse_repetition_frequency_hz

Geometry (:mod:`echolab.geometry`), clips (:mod:`echolab.clips`) and analysis
(:mod:`echolab.analysis`) reach a region's calibration through :func:`region_calibration` only,
which asks the accessor: however many measurements are taken on one array, its attrs are read
once (``benchmarks/calibration.py`` shows the difference). The accessor reads them again when one
of the attrs it was read from is replaced (``da.attrs[key] = value``); changing a value inside an
attr in place (``da.attrs[key][0] = 1``) is not seen — assign a new value instead.
"""

from __future__ import annotations

import operator
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import xarray as xr

from .codes import DataType, RegionKind
from .conventions import (
    DATA_TYPE,
    DATA_TYPE_CODE,
    DOPPLER_POSITIVE_DIRECTION,
    REGION_CALIBRATION_KEYS,
    REGION_INDEX,
    REGION_KIND,
    REGION_LOCATION,
    REGION_LOCATION_CLIPPED,
    SOP_INSTANCE_UID,
    source_of,
)
from .errors import EcholabError, MeasurementError
from .reading.acquisition import Acquisition
from .reading.regions import Axis, Region, axes_from_attrs

__all__ = ["EchoAccessor", "RegionCalibration", "RegionLike", "echo_of", "region_calibration"]

#: The accessor's name: ``da.echo``.
ACCESSOR = "echo"


@dataclass(frozen=True)
class RegionCalibration:
    """What geometry, clips and analysis need to know of a region besides its pixels.

    Attributes
    ----------
    index
        Item index in (0018,6011); None when unknown.
    kind
        What the region shows.
    data_type
        Label of (0018,6014) Region Data Type ("tissue", "ECG trace", ...).
    x, y
        Calibration of columns and rows.
    box
        The region's (x0, y0, x1, y1) inclusive image pixels, clipped to the image.
    source
        The file name the array came from, for messages; None for a bare :class:`Region`.
    sop_instance_uid
        (0008,0018) SOP Instance UID, when known.
    doppler_positive_direction
        ``"up"`` or ``"down"`` for a calibrated spectral Doppler region, else None.
    data_type_code
        The raw (0018,6014) Region Data Type code, None when absent.
    acquisition
        Transducer frequency (kHz), pulse repetition frequency (Hz), Doppler correction and
        steering angles (degrees), sample volume and TM-line (pixels), as the item gives them.
    """

    index: int | None
    kind: RegionKind
    data_type: str
    x: Axis
    y: Axis
    box: tuple[int, int, int, int]
    source: str | None = None
    sop_instance_uid: str | None = None
    doppler_positive_direction: str | None = None
    data_type_code: int | None = None
    acquisition: Acquisition = field(default_factory=Acquisition)

    @property
    def name(self) -> str:
        """``"region 2"`` (``"region ?"`` when the index is unknown), as messages name it."""
        return f"region {'?' if self.index is None else self.index}"

    @property
    def data_type_value(self) -> DataType | None:
        """The decoded (0018,6014) Region Data Type, None when absent or unknown."""
        if self.data_type_code is None:
            return None
        try:
            return DataType(self.data_type_code)
        except ValueError:
            return None

    @classmethod
    def from_region(cls, region: Region, source: str | None = None) -> RegionCalibration:
        """The calibration of a usable :class:`Region`, as it is (nothing is parsed).

        Raises
        ------
        MeasurementError
            When the region is unusable (its problems are named).
        """
        if not region.usable or region.x is None or region.y is None or region.clipped_box is None:
            raise MeasurementError(f"region {region.index} is unusable: " + "; ".join(region.problems), source)
        return cls(
            index=region.index,
            kind=region.kind,
            data_type=region.data_type_name,
            x=region.x,
            y=region.y,
            box=region.clipped_box,
            source=source,
            doppler_positive_direction=region.doppler_positive_direction,
            data_type_code=region.data_type_code,
            acquisition=region.acquisition,
        )

    @classmethod
    def from_attrs(cls, attrs: Mapping[str, Any], source: str | None = None) -> RegionCalibration:
        """Rebuild the calibration from a region DataArray's attrs (what ``da.echo`` caches).

        Raises
        ------
        MeasurementError
            When the attrs do not describe a region (e.g. those of the whole-image DataArray).
        """
        try:
            x_axis, y_axis = axes_from_attrs(attrs, source)
        except EcholabError as exc:  # RegionError for arrays without a region calibration
            raise MeasurementError(exc.reason, source) from exc
        x0, y0, x1, y1 = (int(v) for v in np.atleast_1d(attrs.get(REGION_LOCATION_CLIPPED, attrs[REGION_LOCATION])))
        try:
            kind = RegionKind(attrs.get(REGION_KIND, RegionKind.OTHER.value))
        except ValueError:
            kind = RegionKind.OTHER
        index = attrs.get(REGION_INDEX)
        code = attrs.get(DATA_TYPE_CODE)
        uid = attrs.get(SOP_INSTANCE_UID)
        direction = attrs.get(DOPPLER_POSITIVE_DIRECTION)
        return cls(
            index=None if index is None else int(index),
            kind=kind,
            data_type=str(attrs.get(DATA_TYPE, "")),
            x=x_axis,
            y=y_axis,
            box=(x0, y0, x1, y1),
            source=source,
            sop_instance_uid=None if uid is None else str(uid),
            doppler_positive_direction=None if direction is None else str(direction),
            data_type_code=None if code is None else int(code),
            acquisition=Acquisition.from_attrs(attrs),
        )


RegionLike = xr.DataArray | Region | RegionCalibration


@xr.register_dataarray_accessor(ACCESSOR)  # type: ignore[no-untyped-call]  # xarray leaves it unannotated
class EchoAccessor:
    """``da.echo``: the region calibration of a DataArray, read from its attrs on first use and kept.

    xarray builds one accessor per DataArray object and keeps it, so every measurement on one
    array shares one :class:`RegionCalibration`; a slice (``da.isel(...)``) is a new array and
    reads its own (the same values: slicing keeps attrs).
    """

    def __init__(self, array: xr.DataArray) -> None:
        self._array = array
        self._calibration: RegionCalibration | None = None
        self._read_from: tuple[Any, ...] = ()

    @property
    def calibration(self) -> RegionCalibration:
        """The array's region calibration.

        Raises
        ------
        MeasurementError
            When the array carries no region calibration (e.g. the whole-image DataArray).
        """
        attrs = self._array.attrs
        cached = self._calibration
        # read again only when an attr it was read from was replaced: identity, not equality, so
        # that the check is a few dictionary look-ups (in C) and never compares arrays
        if cached is None or not all(map(operator.is_, map(attrs.get, REGION_CALIBRATION_KEYS), self._read_from)):
            cached = RegionCalibration.from_attrs(attrs, source_of(self._array))
            self._calibration = cached
            self._read_from = tuple(map(attrs.get, REGION_CALIBRATION_KEYS))
        return cached

    @property
    def is_region(self) -> bool:
        """True when the attrs describe a region (they hold its box, (0018,6018)..(0018,601E))."""
        return REGION_LOCATION in self._array.attrs

    @property
    def x(self) -> Axis:
        """Calibration of the region's columns (see :class:`~echolab.Axis`)."""
        return self.calibration.x

    @property
    def y(self) -> Axis:
        """Calibration of the region's rows."""
        return self.calibration.y

    @property
    def kind(self) -> RegionKind:
        """What the region shows."""
        return self.calibration.kind

    @property
    def index(self) -> int | None:
        """The region's item index in (0018,6011)."""
        return self.calibration.index

    @property
    def acquisition(self) -> Acquisition:
        """Transducer frequency, PRF, Doppler angles, sample volume and TM-line of the region's item."""
        return self.calibration.acquisition


def echo_of(array: xr.DataArray) -> EchoAccessor:
    """``array.echo``, for code that type checkers read (they do not see registered accessors)."""
    accessor: EchoAccessor = getattr(array, ACCESSOR)
    return accessor


def region_calibration(region: RegionLike) -> RegionCalibration:
    """The calibration of a region DataArray (``region.echo.calibration``, read once per array),
    of a usable :class:`Region`, or a :class:`RegionCalibration` itself.

    Raises
    ------
    MeasurementError
        When ``region`` is neither a region DataArray nor a usable :class:`Region`.
    """
    if isinstance(region, RegionCalibration):
        return region
    if isinstance(region, Region):
        return RegionCalibration.from_region(region)
    if isinstance(region, xr.DataArray):
        return echo_of(region).calibration
    raise MeasurementError(f"expected a region DataArray or an echolab.Region, not {type(region).__name__}")
