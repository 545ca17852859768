"""A region's calibration, read the same way from a :class:`~echolab.Region` or from the attrs of
its DataArray (after slicing, pickling, or a round trip through netCDF or Zarr).

Analysis modules (:mod:`echolab.analysis.measure`, :mod:`echolab.analysis.doppler`, :mod:`echolab.analysis.mmode`,
:mod:`echolab.analysis.traces`) read regions through :func:`region_calibration` only.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import xarray as xr

from .codes import RegionKind
from .conventions import (
    DATA_TYPE,
    DOPPLER_POSITIVE_DIRECTION,
    REGION_INDEX,
    REGION_KIND,
    REGION_LOCATION,
    REGION_LOCATION_CLIPPED,
    SOP_INSTANCE_UID,
    source_of,
)
from .errors import EcholabError, MeasurementError
from .reading.regions import Axis, Region, axes_from_attrs

__all__ = ["RegionCalibration", "RegionLike", "region_calibration"]

RegionLike = xr.DataArray | Region


@dataclass(frozen=True)
class RegionCalibration:
    """What analysis needs to know of a region besides its pixels.

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

    @property
    def name(self) -> str:
        """``"region 2"`` (``"region ?"`` when the index is unknown), as messages name it."""
        return f"region {'?' if self.index is None else self.index}"


def region_calibration(region: RegionLike) -> RegionCalibration:
    """The calibration of a region DataArray (from its attrs) or of a usable :class:`Region`.

    Raises
    ------
    MeasurementError
        When ``region`` is neither a region DataArray nor a usable :class:`Region`.
    """
    if isinstance(region, Region):
        if not region.usable or region.x is None or region.y is None or region.clipped_box is None:
            raise MeasurementError(f"region {region.index} is unusable: " + "; ".join(region.problems))
        return RegionCalibration(
            index=region.index,
            kind=region.kind,
            data_type=region.data_type_name,
            x=region.x,
            y=region.y,
            box=region.clipped_box,
            doppler_positive_direction=region.doppler_positive_direction,
        )
    if isinstance(region, xr.DataArray):
        attrs = region.attrs
        source = source_of(region)
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
        return RegionCalibration(
            index=None if index is None else int(index),
            kind=kind,
            data_type=str(attrs.get(DATA_TYPE, "")),
            x=x_axis,
            y=y_axis,
            box=(x0, y0, x1, y1),
            source=source,
            sop_instance_uid=attrs.get(SOP_INSTANCE_UID),
            doppler_positive_direction=attrs.get(DOPPLER_POSITIVE_DIRECTION),
        )
    raise MeasurementError(f"expected a region DataArray or an echolab.Region, not {type(region).__name__}")
