"""The pixel area a de-identified file keeps: region boxes, scan areas or a box given by the user.

Everything outside it is set to 0 on every frame: the banner with the patient's name, the
institution, the date, the operator's initials. Image pixels are (row, column), boxes
(x0, y0, x1, y1) inclusive, as in (0018,6011) Sequence of Ultrasound Regions.
"""

from __future__ import annotations

import enum
import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..codes import RegionKind
from ..echofile import EchoFile
from ..errors import DeidentificationError, GeometryError

__all__ = ["KeepArea", "KeptArea", "kept_area", "check_box", "Box"]

Box = tuple[int, int, int, int]
BoolArray = np.ndarray[Any, np.dtype[np.bool_]]

#: Regions kept whole in scan-area mode: their pixels are the measurement, not the screen around it.
_BOX_KINDS = (RegionKind.SPECTRAL_DOPPLER, RegionKind.M_MODE, RegionKind.TRACE)
_REGIONS = "(0018,6011) Sequence of Ultrasound Regions"


class KeepArea(enum.Enum):
    """Which pixels survive, the ``keep`` argument of :func:`echolab.deid.deidentify`."""

    #: The union of the (0018,6011) region boxes (every region, as clipped to the image).
    REGIONS = "regions"
    #: The scan area (sector or linear) of each 2D region (:meth:`echolab.EchoFile.sector`), plus
    #: the boxes of the spectral Doppler, M-mode and trace regions; colour bars, grey bars and
    #: other regions are blanked. A colour-flow region inside a 2D region's box is covered by that
    #: region's scan area.
    SCAN_AREA = "scan-area"


@dataclass(frozen=True)
class KeptArea:
    """The pixels kept on every frame.

    Attributes
    ----------
    mask
        Boolean (rows, columns) over the whole image: True where pixels are kept.
    mode
        ``"regions"``, ``"scan-area"`` or ``"box"``.
    boxes
        (x0, y0, x1, y1) inclusive image pixels kept whole (region boxes, or the box given).
    scan_areas
        Per 2D region kept by its scan area: region index, kind, geometry (image pixels, degrees,
        region units) and the estimate's confidence.
    dropped
        Regions whose pixels were blanked, as ``"region 2 (colour bar)"``.
    """

    mask: BoolArray
    mode: str
    boxes: tuple[Box, ...] = ()
    scan_areas: tuple[dict[str, Any], ...] = ()
    dropped: tuple[str, ...] = field(default=())

    def describe(self) -> dict[str, Any]:
        """The area for the audit: mode, boxes, scan areas, pixels kept per frame and their fraction."""
        kept = int(self.mask.sum())
        return {
            "mode": self.mode,
            "boxes": [list(box) for box in self.boxes],
            "scan_areas": list(self.scan_areas),
            "dropped_regions": list(self.dropped),
            "pixels_kept_per_frame": kept,
            "fraction_kept": round(kept / max(1, self.mask.size), 4),
        }


def check_box(box: Any, rows: int, columns: int, source: str | None) -> Box:
    """``box`` as four ints inside an image of ``rows`` x ``columns``, or a :class:`DeidentificationError`."""
    valid = f"x0 <= x1 in 0..{columns - 1}, y0 <= y1 in 0..{rows - 1} (inclusive image pixels)"
    try:
        x0, y0, x1, y1 = (int(v) for v in box)
    except (TypeError, ValueError):
        raise DeidentificationError(
            f"box={box!r} is not four integers (x0, y0, x1, y1); valid: {valid}", source
        ) from None
    if not (0 <= x0 <= x1 < columns and 0 <= y0 <= y1 < rows):
        raise DeidentificationError(f"box=({x0}, {y0}, {x1}, {y1}) is outside the image; valid: {valid}", source)
    return (x0, y0, x1, y1)


def _box_mask(mask: BoolArray, box: Box) -> None:
    x0, y0, x1, y1 = box
    mask[y0 : y1 + 1, x0 : x1 + 1] = True


def _inside(inner: Box, outer: Box) -> bool:
    return outer[0] <= inner[0] and outer[1] <= inner[1] and inner[2] <= outer[2] and inner[3] <= outer[3]


def kept_area(echo: EchoFile, keep: KeepArea, box: Box | None) -> KeptArea:
    """The area of ``echo``'s frames to keep.

    Parameters
    ----------
    echo
        The opened input.
    keep
        Region boxes or scan areas (ignored when ``box`` is given).
    box
        (x0, y0, x1, y1) inclusive image pixels: keep exactly this rectangle.

    Raises
    ------
    DeidentificationError
        When the file has no usable region and no ``box`` is given (the banner's extent is then
        unknown), when a 2D region's scan area cannot be found in scan-area mode, or when the
        area is empty.
    """
    shape = (echo.rows, echo.columns)
    mask: BoolArray = np.zeros(shape, dtype=bool)
    source = echo.source
    if box is not None:
        checked = check_box(box, echo.rows, echo.columns, source)
        _box_mask(mask, checked)
        return KeptArea(mask, "box", (checked,))
    usable = [r for r in echo.regions if r.clipped_box is not None]
    if not usable:
        what = (
            "is absent"
            if not echo.regions
            else f"has {len(echo.regions)} item(s), none with a box inside the {echo.columns} x {echo.rows} image"
        )
        raise DeidentificationError(
            f"{_REGIONS} {what}: the area to keep is unknown and burned-in text around it may identify the "
            f"patient; give box=(x0, y0, x1, y1), inclusive image pixels with 0 <= x < {echo.columns} and "
            f"0 <= y < {echo.rows}, to keep that rectangle",
            source,
        )
    boxes: list[Box] = []
    if keep is KeepArea.REGIONS:
        for region in usable:
            assert region.clipped_box is not None
            _box_mask(mask, region.clipped_box)
            boxes.append(region.clipped_box)
        return KeptArea(mask, "regions", tuple(boxes))

    scan_areas: list[dict[str, Any]] = []
    dropped: list[str] = []
    two_d_boxes = [r.clipped_box for r in usable if r.kind is RegionKind.TWO_D and r.clipped_box is not None]
    for region in usable:
        assert region.clipped_box is not None
        label = f"region {region.index} ({region.kind.value})"
        if region.kind in _BOX_KINDS:
            _box_mask(mask, region.clipped_box)
            boxes.append(region.clipped_box)
        elif region.kind.is_two_d:
            if region.kind is RegionKind.COLOR_FLOW and any(_inside(region.clipped_box, b) for b in two_d_boxes):
                continue  # inside a 2D region: covered by its scan area
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    sector = echo.sector(region.index)
            except GeometryError as exc:
                raise DeidentificationError(
                    f"{label}: its scan area cannot be found ({exc.reason}); keep='regions' keeps its whole box",
                    source,
                ) from None
            mask |= sector.image_mask(shape)
            scan_areas.append(
                {
                    "region": region.index,
                    "kind": sector.kind,
                    "apex_row_column": None if sector.apex is None else [round(v, 2) for v in sector.apex],
                    "angle_range_degrees": [round(v, 2) for v in sector.angle_range],
                    "radius_range": [round(v, 4) for v in sector.radius_range],
                    "units": sector.units,
                    "bounds": list(sector.bounds),
                    "confidence": round(sector.confidence, 3),
                }
            )
        else:
            dropped.append(label)
    if not mask.any():
        raise DeidentificationError(
            f"scan-area mode keeps no pixel: {_REGIONS} has no 2D, spectral Doppler, M-mode or trace "
            f"region ({', '.join(dropped) or 'none usable'}); use keep='regions' or give box=(x0, y0, x1, y1)",
            source,
        )
    return KeptArea(mask, "scan-area", tuple(boxes), tuple(scan_areas), tuple(dropped))
