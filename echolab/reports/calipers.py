"""Re-measuring a report's calipers on the images they were placed on.

A measurement made with calipers says where: SCOORD points on an image and frame. :func:`remeasure`
finds that image among the files of a folder by its SOP Instance UID (headers only, see
:func:`echolab.studies.find_instances`), finds the (0018,6011) region holding the points and
measures them with that region's calibration through :mod:`echolab.analysis.measure`:

- on a 2D region, a POLYLINE's length (the sum of its segments; cm);
- on an M-mode strip, the depth between a POLYLINE's first and last points for a length, or the
  time between them for a time;
- on a spectral Doppler strip, a POINT's velocity (its magnitude: reports give E, A or Vmax as
  positive numbers whichever side of the baseline they are drawn), or the time between a
  POLYLINE's first and last points for a time (deceleration, acceleration time).

The value is converted to the report's unit for the row. ``one_pixel`` is what one pixel step is
worth along the measurement (the region's Physical Delta along it, in the row's unit), the
resolution of any caliper: ``echolab check`` counts a difference within it, or within 2 %, as
agreement. A row without calipers, or whose image, region or kind of measurement is not found,
gets NaN and the reason in ``remeasure_note``.

SCOORD coordinates put (0, 0) at the top left corner of the top left pixel (PS3.3 C.18.6.1.1);
echolab's pixel indices put it at that pixel's centre: a point (x, y) is image pixel
(x − 0.5, y − 0.5).
"""

from __future__ import annotations

import math
import os
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pandas as pd

from ..codes import PhysicalUnits, RegionKind
from ..errors import EcholabError
from .report import Report, read
from .units import conversion_factor, unit_of

if TYPE_CHECKING:
    from ..echofile import EchoFile
    from ..reading.regions import Region

__all__ = ["remeasure", "REMEASURE_COLUMNS"]

#: The columns :func:`remeasure` adds to the measurements table.
REMEASURE_COLUMNS = ("image_path", "remeasured", "one_pixel", "remeasure_note")

#: The region units echolab measures in, by (0018,6024/6026) Physical Units.
_UNIT_TEXT = {PhysicalUnits.CM: "cm", PhysicalUnits.SECONDS: "s", PhysicalUnits.CM_PER_SECOND: "cm/s"}


@dataclass(frozen=True)
class _Result:
    value: float = math.nan
    one_pixel: float = math.nan
    note: str = ""


def remeasure(
    report: Report | str | os.PathLike[str],
    images: str | os.PathLike[str] | Sequence[str | os.PathLike[str]],
    *,
    calibration: str = "screen",
) -> pd.DataFrame:
    """The report's measurements table with the calipers re-measured on their images.

    Parameters
    ----------
    report
        A :class:`Report` or the path of one.
    images
        A folder (searched recursively), a file, or several: where the referenced images are.
    calibration
        ``"screen"`` (vendor quirks corrected, as the sonographer saw the screen) or ``"header"``
        (see :func:`echolab.open`).

    Returns
    -------
    pandas.DataFrame
        :attr:`Report.measurements` and :data:`REMEASURE_COLUMNS`: the image file, the
        re-measured value in the row's unit, one pixel's worth in that unit, and why a row with
        calipers has no re-measurement.
    """
    from ..studies import find_instances

    chosen = report if isinstance(report, Report) else read(report)
    table = chosen.measurements.copy()
    places = [images] if isinstance(images, (str, os.PathLike)) else list(images)
    wanted = {uid for uid in table["image_sop_instance_uid"] if isinstance(uid, str)}
    paths = find_instances(places) if wanted else {}
    opened: dict[str, EchoFile | EcholabError] = {}
    results = []
    for record in table.to_dict("records"):
        row = {str(key): value for key, value in record.items()}
        path = paths.get(row["image_sop_instance_uid"]) if isinstance(row["image_sop_instance_uid"], str) else None
        if row["graphic_data"] is None or row["image_sop_instance_uid"] is None:
            results.append((path, _Result()))
        elif path is None:
            results.append((None, _Result(note=f"image {row['image_sop_instance_uid']} is not among the files given")))
        else:
            results.append((path, _measure(row, _open(path, calibration, opened))))
    table["image_path"] = pd.Series([p for p, _ in results], dtype=object, index=table.index)
    table["remeasured"] = pd.Series([r.value for _, r in results], dtype="float64", index=table.index)
    table["one_pixel"] = pd.Series([r.one_pixel for _, r in results], dtype="float64", index=table.index)
    table["remeasure_note"] = pd.Series([r.note for _, r in results], dtype=object, index=table.index)
    return table


def _open(path: str, calibration: str, opened: dict[str, EchoFile | EcholabError]) -> EchoFile | EcholabError:
    from ..echofile import open as open_file

    if path not in opened:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # echolab check reports the image's own problems
                f = open_file(path, calibration=calibration)  # type: ignore[arg-type]
                f.regions  # noqa: B018 - corrections are decided once, here
            opened[path] = f
        except EcholabError as exc:
            opened[path] = exc
    return opened[path]


def _measure(row: dict[str, Any], image: EchoFile | EcholabError) -> _Result:
    if isinstance(image, EcholabError):
        return _Result(note=f"the image cannot be opened: {image.reason}")
    points = [(float(x) - 0.5, float(y) - 0.5) for x, y in row["graphic_data"]]  # SCOORD corner -> pixel index
    region = _region_holding(image.regions, points)
    if region is None:
        return _Result(note="no usable region of the image holds every caliper point")
    unit = unit_of(str(row["unit"] or ""))
    if unit is None:
        return _Result(note=f"the report's unit {row['unit']!r} is not one echolab converts")
    try:
        value, one_pixel, region_unit = _on_region(region, row["graphic_type"], points, unit.dimension)
    except _NotMeasured as reason:
        return _Result(note=str(reason))
    except EcholabError as exc:
        return _Result(note=exc.reason)
    factor = conversion_factor(region_unit, str(row["unit"]))
    return _Result(value * factor, one_pixel * factor)


class _NotMeasured(Exception):
    """Why a caliper cannot be re-measured (the message says)."""


def _region_holding(regions: Sequence[Region], points: list[tuple[float, float]]) -> Region | None:
    for region in regions:
        box = region.clipped_box
        if not region.usable or box is None:
            continue
        if all(box[0] - 0.5 <= x <= box[2] + 0.5 and box[1] - 0.5 <= y <= box[3] + 0.5 for x, y in points):
            return region
    return None


def _on_region(
    region: Region, graphic_type: str | None, points: list[tuple[float, float]], dimension: str
) -> tuple[float, float, str]:
    """The value the calipers measure on ``region``, one pixel's worth, and their unit."""
    from ..analysis import measure

    x_axis, y_axis = region.x, region.y
    assert x_axis is not None and y_axis is not None
    kind = region.kind
    line = graphic_type == "POLYLINE" and len(points) >= 2
    if kind.is_two_d and line and dimension == "length":
        length = sum(
            measure.distance(region, start, end, pixels=True).value
            for start, end in zip(points, points[1:], strict=False)
        )
        return length, _step(x_axis.delta, y_axis.delta), _unit(x_axis.units)
    if kind is RegionKind.M_MODE and line and dimension == "length":
        first, last = (measure.depth_at(region, y).value for _, y in (points[0], points[-1]))
        return abs(last - first), _step(y_axis.delta), "cm"
    if kind.is_strip and line and dimension == "time":
        interval = measure.time_between(region, points[0][0], points[-1][0], pixels=True).value
        return abs(interval), _step(x_axis.delta), "s"
    if kind is RegionKind.SPECTRAL_DOPPLER and graphic_type == "POINT" and dimension == "velocity":
        velocity = measure.velocity_at(region, points[0][1])
        if velocity.units != "cm/s":
            raise _NotMeasured(f"the Doppler scale is in {velocity.units}, not a velocity")
        return abs(velocity.value), _step(y_axis.delta), "cm/s"
    raise _NotMeasured(
        f"a {graphic_type or 'caliper'} of {len(points)} point(s) on a {kind.value} region is not re-measured "
        f"as a {dimension}"
    )


def _step(*deltas: float | None) -> float:
    """One pixel's worth: the largest |Physical Delta| along the axes measured."""
    values = [abs(delta) for delta in deltas if delta is not None]
    return max(values) if values else math.nan


def _unit(units: PhysicalUnits | None) -> str:
    if units not in _UNIT_TEXT:
        raise _NotMeasured(f"the region's axes are in {units.name.lower() if units else 'no unit'}")
    return _UNIT_TEXT[units]
