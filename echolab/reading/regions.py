"""Regions parsed from (0018,6011) Sequence of Ultrasound Regions (DICOM PS3.3 C.8.5.5).

A :class:`Region` is a frozen description of one sequence item: its box in image pixels (absolute
and inclusive, clipped to the image), its decoded enumerations, and one :class:`Axis` per
direction that turns pixel indices into physical values with the standard's formula

    value(pixel) = ReferencePhysicalValue + (pixel - (RegionMin + ReferencePixel)) * PhysicalDelta

Parsing never raises for one bad item: problems that make a region unusable are collected in
``Region.problems`` (and raised by :meth:`Region.check_usable`), recoverable oddities in
``Region.notes``.
"""

from __future__ import annotations

import math
import struct
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import IntEnum
from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np

from ..codes import DataType, DopplerScaleType, PhysicalUnits, RegionFlags, RegionKind, RegionNote, Rule, SpatialFormat
from ..conventions import (
    DOPPLER_POSITIVE_DOWN,
    DOPPLER_POSITIVE_UP,
    PHYSICAL_DELTA,
    PHYSICAL_UNITS_DIRECTION,
    PIXEL_UNITS,
    REFERENCE_PIXEL,
    REFERENCE_PIXEL_PHYSICAL_VALUE,
    REGION_KIND,
    REGION_LOCATION,
    axis_key,
    axis_long_name,
)
from ..errors import InvalidHeaderError, RegionError, RegionWarning, warn
from ..limits import limits, raise_hint
from .acquisition import Acquisition, parse_acquisition
from .elements import element_name, get_float, get_int, short_exception
from .raw_header import RawDataSet, item_key

if TYPE_CHECKING:  # pydicom is imported where a pydicom data set is read, not before
    from pydicom.dataset import Dataset

_CodeEnum = TypeVar("_CodeEnum", bound=IntEnum)

__all__ = ["Axis", "Region", "parse_regions", "axes_from_attrs"]

_AXIS_KEYWORDS = {
    "x": (
        "PhysicalUnitsXDirection",
        "PhysicalDeltaX",
        "ReferencePixelX0",
        "ReferencePixelPhysicalValueX",
    ),
    "y": (
        "PhysicalUnitsYDirection",
        "PhysicalDeltaY",
        "ReferencePixelY0",
        "ReferencePixelPhysicalValueY",
    ),
}


@dataclass(frozen=True)
class Axis:
    """The calibration of one region direction.

    Attributes
    ----------
    name
        ``"x"`` (image columns) or ``"y"`` (image rows).
    units
        Physical units, or None when the axis is uncalibrated (then values are pixel offsets
        from the region's top-left corner).
    units_code
        The raw (0018,6024/6026) code, None when absent.
    delta
        (0018,602C/602E) Physical Delta, signed, in ``units`` per pixel; None when absent.
    region_min
        The region's raw (0018,6018/601A) Min X0 / Y0, in image pixels.
    reference_pixel
        (0018,6020/6022) Reference Pixel X0 / Y0, relative to ``region_min`` (0 when absent).
    reference_value
        (0018,6028/602A) Reference Pixel Physical Value X / Y (0.0 when absent).
    long_name
        CF long_name of the axis ("depth", "time", "velocity", ...).
    uncalibrated_reason
        Why the axis fell back to pixels, naming the element; None when calibrated.
    """

    name: str
    units: PhysicalUnits | None
    units_code: int | None
    delta: float | None
    region_min: int
    reference_pixel: int
    reference_value: float
    long_name: str
    uncalibrated_reason: str | None = None

    @property
    def calibrated(self) -> bool:
        """True when the axis carries physical values."""
        return self.units is not None

    @property
    def unit(self) -> str:
        """The ``units`` attr string ("cm", "s", "cm/s", "Hz", ... or "pixel")."""
        return self.units.unit if self.units is not None else PIXEL_UNITS

    @property
    def reference_index(self) -> int:
        """Absolute image pixel index of the reference pixel (``region_min + reference_pixel``)."""
        return self.region_min + self.reference_pixel

    def values(self, pixels: np.ndarray | int | float) -> np.ndarray:
        """Physical values (or region pixel offsets when uncalibrated) at absolute image pixels."""
        pixels = np.asarray(pixels, dtype=np.float64)
        if self.units is None or self.delta is None:
            return pixels - self.region_min
        return self.reference_value + (pixels - self.reference_index) * self.delta

    def pixels(self, values: np.ndarray | float) -> np.ndarray:
        """Inverse of :meth:`values`: fractional absolute image pixel at physical ``values``."""
        values = np.asarray(values, dtype=np.float64)
        if self.units is None or self.delta is None:
            return values + self.region_min
        return self.reference_index + (values - self.reference_value) / self.delta

    def to_attrs(self, prefix: str = "") -> dict[str, Any]:
        """This axis' raw (0018,6011) values as attrs (keys of :mod:`echolab.conventions`, each
        prefixed with ``prefix``); :meth:`from_attrs` reads them back."""
        return {
            prefix + axis_key(PHYSICAL_UNITS_DIRECTION, self.name): self.units_code,
            prefix + axis_key(PHYSICAL_DELTA, self.name): self.delta,
            prefix + axis_key(REFERENCE_PIXEL, self.name): self.reference_pixel,
            prefix + axis_key(REFERENCE_PIXEL_PHYSICAL_VALUE, self.name): self.reference_value,
        }

    @classmethod
    def from_attrs(
        cls, attrs: Mapping[str, Any], name: str, region_min: int, kind: RegionKind, region_max: int | None = None
    ) -> Axis:
        """Rebuild axis ``name`` (``"x"`` or ``"y"``) of a region whose box starts at ``region_min``
        (and ends at ``region_max``, when known) from attrs written by :meth:`to_attrs`; the axis
        is calibrated exactly when :func:`parse_region` would have calibrated it (known units, a
        finite non-zero delta, a reference pixel within reach, finite values over the box)."""
        code = attrs.get(axis_key(PHYSICAL_UNITS_DIRECTION, name))
        delta = attrs.get(axis_key(PHYSICAL_DELTA, name))
        units = _enum_or_none(PhysicalUnits, None if code is None else int(code))
        reference_pixel = int(attrs.get(axis_key(REFERENCE_PIXEL, name), 0))
        reference_value = float(attrs.get(axis_key(REFERENCE_PIXEL_PHYSICAL_VALUE, name), 0.0))
        calibrated = (
            units not in (None, PhysicalUnits.NONE)
            and delta is not None
            and math.isfinite(delta)
            and delta != 0.0
            and abs(reference_pixel) <= _FARTHEST_REFERENCE
        )
        if calibrated and region_max is not None:
            box = (region_min, region_min, region_max, region_max)
            assert delta is not None
            calibrated = _finite_over(box, name, region_min, reference_pixel, reference_value, float(delta))
        return cls(
            name=name,
            units=units if calibrated else None,
            units_code=None if code is None else int(code),
            delta=None if delta is None else float(delta),
            region_min=region_min,
            reference_pixel=reference_pixel,
            reference_value=reference_value,
            long_name=axis_long_name(units if calibrated else None, name, kind),
            uncalibrated_reason=None if calibrated else f"{name} axis has no calibration in the attrs",
        )


@dataclass(frozen=True)
class Region:
    """One item of (0018,6011) Sequence of Ultrasound Regions.

    Attributes
    ----------
    index
        Item index in the sequence (the index users pass to ``region(i)``).
    spatial_format_code, data_type_code
        Raw (0018,6012) / (0018,6014) codes (None when absent).
    flags
        (0018,6016) Region Flags with bit fields decoded.
    box
        Raw (x0, y0, x1, y1): absolute, inclusive image pixel coordinates; None when absent.
    clipped_box
        ``box`` clipped to the image, None when the region is unusable.
    x, y
        Calibration of columns and rows.
    problems
        Reasons the region cannot be used (empty when usable).
    notes
        Recoverable oddities (clipping, uncalibrated axes), emitted as warnings on use.
    corrections
        Calibration rules applied to make the axes match the screen, each with its evidence
        (see :mod:`echolab.corrections`); empty when the axes are the header's.
    original
        The region as the header describes it, when ``corrections`` changed it; else None.
    duplicate_of
        For an item identical to an earlier one: that item's index (this one is unusable, the
        region is listed once); else None.
    acquisition
        How the region was acquired: transducer frequency (kHz), pulse repetition frequency (Hz),
        Doppler correction and steering angles (degrees), sample volume and TM-line (pixels), each
        None when the item does not carry it (see :mod:`echolab.reading.acquisition`).
    """

    index: int
    spatial_format_code: int | None
    data_type_code: int | None
    flags: RegionFlags
    box: tuple[int, int, int, int] | None
    clipped_box: tuple[int, int, int, int] | None
    x: Axis | None
    y: Axis | None
    problems: tuple[str, ...] = ()
    notes: tuple[tuple[RegionNote, str], ...] = field(default=())
    corrections: tuple[tuple[Rule, str], ...] = field(default=())
    original: Region | None = field(default=None, repr=False)
    duplicate_of: int | None = None
    acquisition: Acquisition = field(default_factory=Acquisition)

    @property
    def spatial_format(self) -> SpatialFormat | None:
        """Decoded (0018,6012) Region Spatial Format, None when absent or unknown."""
        return _enum_or_none(SpatialFormat, self.spatial_format_code)

    @property
    def data_type(self) -> DataType | None:
        """Decoded (0018,6014) Region Data Type, None when absent or unknown."""
        return _enum_or_none(DataType, self.data_type_code)

    @property
    def kind(self) -> RegionKind:
        """What the region shows (2D, M-mode, spectral Doppler, trace, bar, ...)."""
        return RegionKind.of(self.spatial_format, self.data_type)

    @property
    def spatial_format_name(self) -> str:
        """Label of the spatial format ("2D", "M-mode", "spectral", ...; "unknown (7)")."""
        fmt = self.spatial_format
        return fmt.label if fmt is not None else _unknown(self.spatial_format_code)

    @property
    def data_type_name(self) -> str:
        """Label of the data type ("tissue", "PW spectral Doppler", "ECG trace", ...)."""
        dtype = self.data_type
        return dtype.label if dtype is not None else _unknown(self.data_type_code)

    @property
    def doppler_positive_direction(self) -> str | None:
        """Where positive Doppler values lie on screen: ``"up"`` (the usual negative Delta Y, flow
        towards the probe above the baseline) or ``"down"``; None for other regions or an
        uncalibrated y."""
        if self.kind is not RegionKind.SPECTRAL_DOPPLER or self.y is None or not self.y.calibrated:
            return None
        assert self.y.delta is not None
        return DOPPLER_POSITIVE_UP if self.y.delta < 0 else DOPPLER_POSITIVE_DOWN

    @property
    def usable(self) -> bool:
        """True when ``region(i)`` can build a DataArray for this region."""
        return not self.problems

    @property
    def shape(self) -> tuple[int, int]:
        """(rows, columns) of the clipped region; (0, 0) when unusable."""
        if self.clipped_box is None:
            return (0, 0)
        x0, y0, x1, y1 = self.clipped_box
        return (y1 - y0 + 1, x1 - x0 + 1)

    def check_usable(self, source: str | None) -> None:
        """Raise :class:`RegionError` naming every problem when the region is unusable."""
        if self.problems:
            raise RegionError(f"region {self.index} is unusable: " + "; ".join(self.problems), source)


def _enum_or_none(enum_type: type[_CodeEnum], code: int | None) -> _CodeEnum | None:
    if code is None:
        return None
    try:
        return enum_type(code)
    except ValueError:
        return None


def _unknown(code: int | None) -> str:
    return "absent" if code is None else f"unknown ({code})"


def parse_regions(
    dataset: Dataset | RawDataSet, rows: int, columns: int, source: str | None, *, stacklevel: int = 4
) -> tuple[Region, ...]:
    """Parse the items of (0018,6011) Sequence of Ultrasound Regions, in sequence order.

    Items that cannot be used are still returned (with ``problems``), so that index ``i``
    always means item ``i`` of the sequence. An item identical to an earlier one is listed once:
    the copy is unusable, its problem naming the first. Only the first
    :attr:`~echolab.limits.Limits.max_regions` items are read (the others are ignored with a
    :class:`~echolab.errors.RegionWarning`; pydicom is not even asked to parse them).

    ``stacklevel`` points the warnings at the caller's caller's caller by default (``warn``'s count).

    Raises
    ------
    InvalidHeaderError
        When (0018,6011) is not a sequence of items (e.g. stored with VR OB, UT or LO).
    """
    items, more = _region_items(dataset, source)
    if more:
        warn(
            RegionWarning,
            f"{element_name('SequenceOfUltrasoundRegions')} holds more than {len(items)} items; echolab reads the "
            f"first {len(items)} (real files have 1 to 4; {raise_hint('max_regions')})",
            source,
            stacklevel=stacklevel,
        )
    regions: list[Region] = []
    first_of: dict[tuple[Any, ...], int] = {}
    copies: list[str] = []
    for index, item in enumerate(items):
        key = _item_key(item)
        if key is not None and key in first_of:
            first = first_of[key]
            problem = f"identical to region {first} (the same (0018,6011) item written again); use region {first}"
            regions.append(
                Region(
                    index, None, None, RegionFlags(0), None, None, None, None, problems=(problem,), duplicate_of=first
                )
            )
            copies.append(f"item {index} repeats item {first}")
            continue
        if key is not None:
            first_of[key] = index
        regions.append(parse_region(item, index, rows, columns, source))
    if copies:
        warn(
            RegionWarning,
            f"{element_name('SequenceOfUltrasoundRegions')} repeats items ({', '.join(copies[:5])}"
            f"{', ...' if len(copies) > 5 else ''}); each is listed once, the copies are unusable",
            source,
            stacklevel=stacklevel,
        )
    return tuple(regions)


def _item_key(item: Dataset | RawDataSet) -> tuple[Any, ...] | None:
    """What makes two items the same (every element's tag and raw value); None when unreadable."""
    if isinstance(item, RawDataSet):
        return item_key(item)
    try:
        return tuple((int(tag), _raw_bytes(item.get_item(tag))) for tag in sorted(item.keys()))
    except Exception:
        return None


def _raw_bytes(element: Any) -> Any:
    from pydicom.dataelem import RawDataElement

    value = element.value
    if isinstance(element, RawDataElement) or isinstance(value, (bytes, str, int, float)):
        return value
    return repr(value)


def _region_items(dataset: Dataset | RawDataSet, source: str | None) -> tuple[Sequence[Dataset | RawDataSet], bool]:
    """The first ``max_regions`` items of (0018,6011), and whether it holds more.

    A sequence read from a file is still raw bytes: it is cut after the items echolab reads before
    pydicom parses it, so that a header of a hundred thousand items costs no more than 64.
    """
    tag = 0x00186011
    limit = limits().max_regions
    if tag not in dataset:
        return [], False
    if isinstance(dataset, RawDataSet):  # its items are read already, never more than the limit
        items: list[RawDataSet] = dataset.values[tag]
        return items, False
    from pydicom.dataelem import RawDataElement, convert_raw_data_element
    from pydicom.dataset import Dataset
    from pydicom.sequence import Sequence as PydicomSequence

    more = False
    try:
        element: Any = dataset.get_item(tag)
        if isinstance(element, RawDataElement) and element.value is not None and element.VR in (None, "SQ"):
            cut = _end_of_items(element.value, limit, element.is_little_endian)
            if cut is not None:
                more = True
                element = convert_raw_data_element(
                    element._replace(value=element.value[:cut], length=cut),
                    encoding=dataset._character_set,
                    ds=dataset,
                )
            else:
                element = dataset[tag]
        else:
            element = dataset[tag]
        sequence = element.value
    except Exception as exc:
        raise InvalidHeaderError(
            f"{element_name('SequenceOfUltrasoundRegions')} cannot be read ({short_exception(exc)})", source
        ) from exc
    if sequence is None or (isinstance(sequence, (bytes, str)) and not sequence):
        return [], False
    if not isinstance(sequence, PydicomSequence) or not all(isinstance(item, Dataset) for item in sequence):
        raise InvalidHeaderError(
            f"{element_name('SequenceOfUltrasoundRegions')} is stored with VR {element.VR} "
            f"({type(sequence).__name__}); it must be a sequence (VR SQ) of items",
            source,
        )
    found = list(sequence)
    return found[:limit], more or len(found) > limit


_ITEM = 0xFFFEE000
_SEQUENCE_DELIMITER = 0xFFFEE0DD
_ITEM_DELIMITER = (b"\xfe\xff\x0d\xe0\x00\x00\x00\x00", b"\xff\xfe\xe0\x0d\x00\x00\x00\x00")


def _end_of_items(data: bytes, limit: int, little_endian: bool) -> int | None:
    """Byte offset in a sequence value where item ``limit`` starts, when it holds more than
    ``limit`` items; None when it holds no more (or its item headers cannot be walked: pydicom
    then parses it, and reports what is wrong)."""
    endian = "<" if little_endian else ">"
    delimiter = _ITEM_DELIMITER[0 if little_endian else 1]
    position, count = 0, 0
    while position + 8 <= len(data):
        group, element, length = struct.unpack_from(f"{endian}HHL", data, position)
        tag = group << 16 | element
        if tag != _ITEM:
            return None  # the sequence delimiter, or bytes pydicom will judge
        if count == limit:
            return position
        if length == 0xFFFFFFFF:  # undefined length: up to its item delimiter
            end = data.find(delimiter, position + 8)
            if end < 0:
                return None
            position = end + 8
        else:
            position += 8 + length
        count += 1
    return None


def parse_region(item: Dataset | RawDataSet, index: int, rows: int, columns: int, source: str | None) -> Region:
    """Parse one item of (0018,6011); never raises for bad values (see ``Region.problems``)."""
    problems: list[str] = []
    notes: list[tuple[RegionNote, str]] = []

    def read_int(keyword: str, required: bool = False) -> int | None:
        try:
            value = get_int(item, keyword, source)
        except InvalidHeaderError as exc:
            problems.append(exc.reason)
            return None
        if value is None and required:
            problems.append(f"{element_name(keyword)} is missing; it is required (Type 1)")
        return value

    spatial_format = read_int("RegionSpatialFormat")
    data_type = read_int("RegionDataType")
    flags = RegionFlags(read_int("RegionFlags") or 0)
    corner_keywords = ("RegionLocationMinX0", "RegionLocationMinY0", "RegionLocationMaxX1", "RegionLocationMaxY1")
    corners = [read_int(keyword, required=True) for keyword in corner_keywords]

    box: tuple[int, int, int, int] | None = None
    clipped: tuple[int, int, int, int] | None = None
    if all(c is not None for c in corners):
        x0, y0, x1, y1 = (int(c) for c in corners)  # type: ignore[arg-type]
        box = (x0, y0, x1, y1)
        clipped = _clip_box(box, rows, columns, problems, notes)

    kind = RegionKind.of(_enum_or_none(SpatialFormat, spatial_format), _enum_or_none(DataType, data_type))
    x_axis = _parse_axis(item, "x", kind, box, source, problems, notes)
    y_axis = _parse_axis(item, "y", kind, box, source, problems, notes)
    if kind is RegionKind.SPECTRAL_DOPPLER and y_axis is not None:
        _check_doppler_scale(flags, y_axis, notes)
    acquisition = parse_acquisition(item, source, notes)
    return Region(
        index=index,
        spatial_format_code=spatial_format,
        data_type_code=data_type,
        flags=flags,
        box=box,
        clipped_box=clipped if not problems else None,
        x=x_axis,
        y=y_axis,
        problems=tuple(problems),
        notes=tuple(notes),
        acquisition=acquisition,
    )


def _clip_box(
    box: tuple[int, int, int, int],
    rows: int,
    columns: int,
    problems: list[str],
    notes: list[tuple[RegionNote, str]],
) -> tuple[int, int, int, int] | None:
    x0, y0, x1, y1 = box
    if x1 < x0:
        problems.append(
            f"{element_name('RegionLocationMaxX1')} = {x1} is left of "
            f"{element_name('RegionLocationMinX0')} = {x0}; Max X1 must be >= Min X0"
        )
    if y1 < y0:
        problems.append(
            f"{element_name('RegionLocationMaxY1')} = {y1} is above "
            f"{element_name('RegionLocationMinY0')} = {y0}; Max Y1 must be >= Min Y0"
        )
    if problems:
        return None
    if x0 > columns - 1 or y0 > rows - 1:
        problems.append(
            f"the box columns {x0}..{x1}, rows {y0}..{y1} lies wholly outside the "
            f"{columns} x {rows} image (valid columns 0..{columns - 1}, rows 0..{rows - 1})"
        )
        return None
    cx1, cy1 = min(x1, columns - 1), min(y1, rows - 1)
    if (cx1, cy1) != (x1, y1):
        overhang = []
        if cx1 != x1:
            overhang.append(f"{element_name('RegionLocationMaxX1')} = {x1} (last column is {columns - 1})")
        if cy1 != y1:
            overhang.append(f"{element_name('RegionLocationMaxY1')} = {y1} (last row is {rows - 1})")
        notes.append((RegionNote.CLIPPED, "box overhangs the image and was clipped: " + ", ".join(overhang)))
    return (x0, y0, cx1, cy1)


def _check_doppler_scale(flags: RegionFlags, y_axis: Axis, notes: list[tuple[RegionNote, str]]) -> None:
    """Note a (0018,6016) Doppler scale type bit that contradicts the y units (the units win)."""
    expected = {
        DopplerScaleType.VELOCITY: PhysicalUnits.CM_PER_SECOND,
        DopplerScaleType.FREQUENCY: PhysicalUnits.HERTZ,
    }[flags.doppler_scale_type]
    if y_axis.units is not None and y_axis.units is not expected:
        notes.append(
            (
                RegionNote.CALIBRATION,
                f"{element_name('RegionFlags')} bit 2 says {flags.doppler_scale_type.name.lower()} but "
                f"{element_name('PhysicalUnitsYDirection')} is {y_axis.unit}; the y axis follows the units",
            )
        )


def _parse_axis(
    item: Dataset | RawDataSet,
    name: str,
    kind: RegionKind,
    box: tuple[int, int, int, int] | None,
    source: str | None,
    problems: list[str],
    notes: list[tuple[RegionNote, str]],
) -> Axis | None:
    units_kw, delta_kw, ref_pixel_kw, ref_value_kw = _AXIS_KEYWORDS[name]
    region_min = 0 if box is None else (box[0] if name == "x" else box[1])
    try:
        units_code = get_int(item, units_kw, source)
        delta = get_float(item, delta_kw, source)
        reference_pixel = get_int(item, ref_pixel_kw, source, default=0)
        reference_value = get_float(item, ref_value_kw, source, default=0.0)
    except InvalidHeaderError as exc:
        problems.append(exc.reason)
        return None
    assert reference_pixel is not None and reference_value is not None

    units = _enum_or_none(PhysicalUnits, units_code)
    reason: str | None = None
    if units_code is None:
        reason = f"{element_name(units_kw)} is missing"
    elif units is None:
        reason = f"{element_name(units_kw)} = {units_code:#x} is not a known unit code (valid: 0x0..0xC)"
    elif units is PhysicalUnits.NONE:
        reason = f"{element_name(units_kw)} = 0 (none)"
    elif delta is None:
        reason = f"{element_name(delta_kw)} is missing"
    elif delta == 0.0 or not math.isfinite(delta):
        reason = f"{element_name(delta_kw)} = {delta} (a calibrated axis needs a non-zero delta)"
    elif abs(reference_pixel) > _FARTHEST_REFERENCE:
        reason = (
            f"{element_name(ref_pixel_kw)} = {reference_pixel} lies farther from the region than any image "
            f"reaches (valid: -{_FARTHEST_REFERENCE}..{_FARTHEST_REFERENCE})"
        )
    elif box is not None and not _finite_over(box, name, region_min, reference_pixel, reference_value, delta):
        reason = (
            f"{element_name(delta_kw)} = {delta:g} with {element_name(ref_value_kw)} = {reference_value:g} "
            "gives values beyond the floating-point range over the region (infinite coordinates)"
        )
    if reason is not None:
        notes.append((RegionNote.UNCALIBRATED, f"{name} axis has no calibration, using pixel offsets: {reason}"))
        units = None
    return Axis(
        name=name,
        units=units,
        units_code=units_code,
        delta=delta,
        region_min=region_min,
        reference_pixel=reference_pixel,
        reference_value=reference_value,
        long_name=axis_long_name(units, name, kind),
        uncalibrated_reason=reason,
    )


#: Farthest a reference pixel can meaningfully lie from its region: the largest image dimension.
_FARTHEST_REFERENCE = 65535


def _finite_over(
    box: tuple[int, int, int, int], name: str, region_min: int, reference_pixel: int, value: float, delta: float
) -> bool:
    """True when the axis values at both ends of the box are finite numbers."""
    last = box[2] if name == "x" else box[3]
    reference = float(region_min + reference_pixel)
    # Python floats overflow to inf (and inf - inf to nan) as numpy's float64 does, without a warning
    return all(math.isfinite(value + (float(pixel) - reference) * delta) for pixel in (region_min, last))


def axes_from_attrs(attrs: Mapping[str, Any], source: str | None = None) -> tuple[Axis, Axis]:
    """Rebuild the (x, y) calibration of a region from the attrs of its DataArray.

    The attrs hold the raw (0018,6011) values (see :func:`echolab.arrays.region_attrs`), so the
    calibration survives slicing, ``.sel``, pickling and a round trip through netCDF or Zarr.

    Raises
    ------
    RegionError
        When ``attrs`` do not describe a region (e.g. the whole-image DataArray).
    """
    location = attrs.get(REGION_LOCATION)
    if location is None or len(np.atleast_1d(location)) != 4:
        raise RegionError(
            f"this array carries no region calibration (attrs lack {REGION_LOCATION!r}); "
            "use the DataArray of EchoFile.region(i), or the Region itself",
            source,
        )
    x0, y0, x1, y1 = (int(v) for v in np.atleast_1d(location)[:4])
    try:
        kind = RegionKind(attrs.get(REGION_KIND, RegionKind.OTHER.value))
    except ValueError:
        kind = RegionKind.OTHER
    return Axis.from_attrs(attrs, "x", x0, kind, x1), Axis.from_attrs(attrs, "y", y0, kind, y1)
