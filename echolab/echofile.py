"""What :func:`echolab.open` returns: header fields, regions, region DataArrays, the image."""

from __future__ import annotations

import html
import os
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pydicom.uid as uids
import xarray as xr
from pydicom.dataset import Dataset

from .arrays import cached, file_attrs, image_dataarray, region_dataarray
from .codes import DataType, RegionNote, SpatialFormat, TimingSource
from .conventions import DOPPLER_POSITIVE_UP
from .errors import (
    CalibrationWarning,
    EcholabError,
    EcholabWarning,
    GeometryError,
    NotDicomError,
    PixelDataError,
    RegionClippedWarning,
    RegionIndexError,
    UncalibratedAxisWarning,
    warn,
)
from .reading.elements import get_str
from .reading.fields import header_fields
from .reading.frame_source import PixelSource, pixel_source
from .reading.header import Header, header_from_dataset, read_header
from .reading.problems import Problem, frames_problem, pixel_problems
from .reading.regions import Region
from .reading.timing import FrameTiming

if TYPE_CHECKING:
    from .corrections import Quirk
    from .geometry import Sector

__all__ = ["EchoFile", "open", "Opened", "open_collecting"]

_NOTE_WARNINGS: dict[RegionNote, type[EcholabWarning]] = {
    RegionNote.CLIPPED: RegionClippedWarning,
    RegionNote.UNCALIBRATED: UncalibratedAxisWarning,
    RegionNote.CALIBRATION: CalibrationWarning,
}


Calibration = Literal["screen", "header"]


def open(  # noqa: A001 - public API name
    path_or_dataset: str | os.PathLike[str] | Dataset, *, calibration: Calibration = "screen"
) -> EchoFile:
    """Open an ultrasound DICOM file (header only; pixels are decoded on demand).

    Parameters
    ----------
    path_or_dataset
        A path to a DICOM file, or a :class:`pydicom.dataset.Dataset` already in memory.
    calibration
        ``"screen"`` (default): vendor quirks whose header contradicts the screen are corrected,
        each by a named rule with a :class:`~echolab.CalibrationWarning` (see
        :mod:`echolab.corrections`); ``"header"``: the letter of (0018,6011).

    Raises
    ------
    FileNotFoundError
        When the path does not exist.
    EcholabError
        When the file is not DICOM or its header is unusable.
    """
    if isinstance(path_or_dataset, Dataset):
        header = header_from_dataset(path_or_dataset)
    elif isinstance(path_or_dataset, (str, os.PathLike)):
        header = read_header(path_or_dataset)
    else:
        raise TypeError(f"echolab.open expects a path or a pydicom Dataset, not {type(path_or_dataset).__name__}")
    if calibration not in ("screen", "header"):
        raise ValueError(f"calibration must be 'screen' or 'header', not {calibration!r}")
    return EchoFile(header, calibration=calibration)


class EchoFile:
    """An opened ultrasound DICOM file.

    Use :attr:`regions` to see the (0018,6011) items, :meth:`region` to get one as a DataArray
    in physical coordinates and :meth:`image` for whole frames in pixel coordinates.
    """

    def __init__(self, header: Header, *, calibration: Calibration = "screen") -> None:
        self._header = header
        #: ``"screen"`` (vendor quirks corrected) or ``"header"`` (the letter of (0018,6011)).
        self.calibration: Calibration = calibration
        fields = header_fields(header, stacklevel=3)
        #: (0008,0018) SOP Instance UID.
        self.sop_instance_uid: str | None = fields.sop_instance_uid
        #: (0028,0010) Rows.
        self.rows: int = fields.rows
        #: (0028,0011) Columns.
        self.columns: int = fields.columns
        #: (0028,0008) Number of Frames, 1 when absent.
        self.number_of_frames: int = fields.number_of_frames
        #: (0018,0040) Cine Rate; None when absent or unreadable.
        self.cine_rate: float | None = fields.cine_rate
        #: (0018,1088) Heart Rate in beats/min; None when absent or not positive (0 and -1 mean
        #: "not recorded" in real files).
        self.heart_rate: float | None = fields.heart_rate
        self.timing: FrameTiming = fields.timing
        #: One :class:`~echolab.Region` per item of (0018,6011) as the header writes it, in order.
        #: Corrections change only axes: boxes, kinds and usability are the same in :attr:`regions`.
        self.header_regions: tuple[Region, ...] = fields.regions
        #: Why a vendor quirk found in the header could not be corrected (set when :attr:`regions`
        #: is first read with ``calibration="screen"``).
        self.correction_failures: tuple[tuple[Quirk, str], ...] = ()

    @cached_property
    def regions(self) -> tuple[Region, ...]:
        """One :class:`~echolab.Region` per item of (0018,6011), in sequence order, with vendor
        quirks corrected when opened with ``calibration="screen"`` (see :mod:`echolab.corrections`;
        a depth-origin quirk decodes a few frames, once, to find the probe face)."""
        from .corrections import correct, detect

        if self.calibration == "header":
            return self.header_regions
        quirks = detect(self.manufacturer, self.header_regions)
        if not quirks:
            return self.header_regions

        def header_array(index: int) -> xr.DataArray:
            return region_dataarray(self.header_regions[index], self.pixels, self.timing, self.attrs)

        regions, failures = correct(self.header_regions, quirks, header_array)
        self.correction_failures = tuple(failures)
        for quirk, reason in failures:
            message = f"region {quirk.region}: {quirk.rule.value} not corrected ({reason}); {quirk.evidence}"
            warn(CalibrationWarning, message, self.source, stacklevel=3)
        return regions

    @property
    def burned_in_annotation(self) -> str | None:
        """(0028,0301) Burned In Annotation: "YES", "NO" or None when absent."""
        value = get_str(self.dataset, "BurnedInAnnotation", self.source)
        return value.strip().upper() if value else None

    # --- header fields -----------------------------------------------------------------------

    @property
    def source(self) -> str | None:
        """Path of the file (None for an in-memory data set)."""
        return self._header.source

    @property
    def dataset(self) -> Dataset:
        """The pydicom data set of the header (without pixel data for files)."""
        return self._header.dataset

    @property
    def transfer_syntax_uid(self) -> str:
        """(0002,0010) Transfer Syntax UID."""
        return self._header.transfer_syntax_uid

    @property
    def photometric_interpretation(self) -> str | None:
        """(0028,0004) Photometric Interpretation as stored (pixels come out grey or RGB)."""
        return get_str(self.dataset, "PhotometricInterpretation", self.source)

    @property
    def frame_times(self) -> np.ndarray:
        """Time of each frame in seconds from the first (frame indices when untimed)."""
        return self.timing.times

    @property
    def timing_source(self) -> TimingSource:
        """The element frame times came from (its value e.g. "(0018,1063) Frame Time"), or NONE."""
        return self.timing.source

    @property
    def frame_rate(self) -> float | None:
        """Mean frames per second from the timing source (None when untimed or one frame)."""
        return self.timing.frame_rate

    @property
    def manufacturer(self) -> str | None:
        """(0008,0070) Manufacturer."""
        return get_str(self.dataset, "Manufacturer", self.source)

    @property
    def model(self) -> str | None:
        """(0008,1090) Manufacturer's Model Name."""
        return get_str(self.dataset, "ManufacturerModelName", self.source)

    # --- pixels and arrays -------------------------------------------------------------------

    @cached_property
    def pixels(self) -> PixelSource:
        """The lazy frame source, located on first use: the whole frames present, which may be
        fewer than :attr:`number_of_frames` (see :attr:`problems`).

        Raises
        ------
        PixelDataError
            When there is no pixel data or not one whole frame, or it cannot be located.
        MissingDecoderError
            When no installed package decodes the transfer syntax.
        """
        source = pixel_source(self._header, self.number_of_frames)
        if source is None:
            raise PixelDataError("the file has no (7FE0,0010) Pixel Data", self.source)
        if source.number_of_frames == 0:
            shortfall = frames_problem(source, self.number_of_frames, self._header.file_size)
            assert shortfall is not None
            raise PixelDataError(f"not one whole frame: {shortfall.message}", self.source)
        return source

    @cached_property
    def problems(self) -> tuple[Problem, ...]:
        """What keeps this file from giving every frame its header promises, found from the header,
        the pixel element's length and the fragment table only (see :mod:`echolab.reading.problems`)."""
        return pixel_problems(self._header, self.number_of_frames)

    @property
    def attrs(self) -> dict[str, Any]:
        """Attrs every array of this file carries (no patient or institution identifiers)."""
        return file_attrs(
            source=self.source,
            sop_instance_uid=self.sop_instance_uid,
            timing=self.timing,
            transfer_syntax_uid=self.transfer_syntax_uid,
            photometric_interpretation=self.photometric_interpretation,
        )

    def region(
        self, index: int, *, chunks: int | Mapping[str, int] | str | None = None, cache: bool = True
    ) -> xr.DataArray:
        """Region ``index`` (item ``index`` of (0018,6011)) as a lazy DataArray.

        Dims are ``("time", "y", "x")`` plus ``"channel"`` for colour; ``y``/``x`` hold physical
        values (see their ``units`` / ``long_name`` attrs), ``row``/``column`` the image pixel
        each sample came from. The region's notes (clipping, uncalibrated axes) are warned here.

        Parameters
        ----------
        index
            Item of (0018,6011); negative counts from the end.
        chunks
            E.g. ``{"time": 1}``: a dask-backed array instead.
        cache
            Keep the values in memory once loaded (as xarray's ``open_dataset(cache=True)``);
            False leaves the array for a caller that adds its own caching (the xarray engine).

        Raises
        ------
        RegionIndexError
            When there is no item ``index`` (an :class:`IndexError` too).
        RegionError
            When the item is unusable (inverted or outside box, missing elements).
        """
        if not isinstance(index, (int, np.integer)) or isinstance(index, bool):
            raise TypeError(f"region index must be an int, not {type(index).__name__}")
        count = len(self.header_regions)
        if not -count <= index < count:
            raise RegionIndexError(
                f"region {index} does not exist; (0018,6011) Sequence of Ultrasound Regions has "
                f"{count} item(s)" + (f" (valid: 0..{count - 1})" if count else ""),
                self.source,
            )
        region = self.regions[index]
        region.check_usable(self.source)
        for kind, note in region.notes:
            warn(_NOTE_WARNINGS[kind], f"region {region.index}: {note}", self.source)
        for _, correction in region.corrections:
            warn(CalibrationWarning, f"region {region.index}: {correction}", self.source)
        array = region_dataarray(region, self.pixels, self.timing, self.attrs)
        return _finish(array, chunks, cache)

    def sector(self, index: int, *, frames: int | Sequence[int] = 16) -> Sector:
        """The scan area of 2D region ``index``, estimated from its pixels (see :mod:`echolab.geometry`).

        Parameters
        ----------
        index
            Item of (0018,6011), a 2D (tissue or colour-flow) region.
        frames
            How many frames to decode, spread over the cine (default 16), or their positions.

        Raises
        ------
        GeometryError
            When the region is not 2D or its pixels hold no scan area (the message says why).
        """
        from .geometry import estimate_sector

        if isinstance(index, (int, np.integer)) and -len(self.header_regions) <= index < len(self.header_regions):
            region = self.header_regions[index]
            if not region.kind.is_two_d:
                raise GeometryError(
                    f"region {region.index} is {region.kind.value} ({region.spatial_format_name} / "
                    f"{region.data_type_name}), not a 2D scan area",
                    self.source,
                )
        return estimate_sector(self.region(index), frames=frames)

    def image(
        self,
        *,
        chunks: int | Mapping[str, int] | str | None = None,
        cache: bool = True,
        blank_outside_regions: bool = False,
    ) -> xr.DataArray:
        """Whole frames as a lazy DataArray, dims ``("time", "row", "column"[, "channel"])``;
        ``chunks`` and ``cache`` as for :meth:`region`. ``blank_outside_regions`` sets every pixel
        outside the union of the usable region boxes to 0 as frames are read — the banners with
        names and dates scanners burn into the picture lie there (a file without regions comes
        out blank)."""
        keep = self.region_mask() if blank_outside_regions else None
        return _finish(image_dataarray(self.pixels, self.timing, self.attrs, keep), chunks, cache)

    def region_mask(self) -> np.ndarray:
        """Boolean (rows, columns) image mask, true inside the union of the usable region boxes."""
        mask = np.zeros((self.rows, self.columns), dtype=bool)
        for region in self.header_regions:  # boxes are the header's whatever the calibration
            if region.usable and region.clipped_box is not None:
                x0, y0, x1, y1 = region.clipped_box
                mask[y0 : y1 + 1, x0 : x1 + 1] = True
        return mask

    def find_regions(
        self, *, spatial_format: SpatialFormat | None = None, data_type: DataType | None = None
    ) -> list[int]:
        """Indices of the regions with the given format and/or data type (never by position)."""
        return [
            r.index
            for r in self.header_regions
            if (spatial_format is None or r.spatial_format == spatial_format)
            and (data_type is None or r.data_type == data_type)
        ]

    # --- summaries ---------------------------------------------------------------------------

    def region_table(self) -> list[dict[str, Any]]:
        """One row per region: format, type, box, size, axes, flags and notes."""
        rows = []
        for r in self.regions:
            row: dict[str, Any] = {
                "index": r.index,
                "kind": r.kind.value,
                "spatial format": r.spatial_format_name,
                "data type": r.data_type_name,
                "box (x0, y0, x1, y1)": r.box,
                "shape (rows, columns)": r.shape if r.usable else None,
            }
            for axis_name, axis in (("x", r.x), ("y", r.y)):
                if axis is None:
                    row[f"{axis_name} axis"] = "invalid"
                    continue
                spacing = f"{abs(axis.delta):.5g} {axis.unit}/pixel" if axis.calibrated and axis.delta else "pixel"
                row[f"{axis_name} axis"] = f"{axis.long_name} [{axis.unit}], {spacing}"
            direction = r.doppler_positive_direction
            if direction is not None:
                row["y axis"] += f", positive {'above' if direction == DOPPLER_POSITIVE_UP else 'below'} the baseline"
            row["scrolling"] = r.flags.scrolling.label
            row["notes"] = "; ".join([*r.problems, *(note for _, note in r.notes), *(c for _, c in r.corrections)])
            rows.append(row)
        return rows

    def summary(self) -> dict[str, Any]:
        """Header summary (no patient or institution identifiers)."""
        return {
            "file": os.path.basename(self.source) if self.source else "<in-memory dataset>",
            "SOP Instance UID": self.sop_instance_uid,
            "manufacturer": self.manufacturer,
            "model": self.model,
            "image": f"{self.rows} x {self.columns} ({self.photometric_interpretation})",
            "transfer syntax": _ts_name(self.transfer_syntax_uid),
            "frames": self.number_of_frames,
            "frame rate": f"{self.frame_rate:.3f} /s" if self.frame_rate else None,
            "timing source": self.timing_source.value,
            "cine rate": self.cine_rate,
            "heart rate": self.heart_rate,
            "regions": len(self.header_regions),
        }

    def __repr__(self) -> str:
        summary = ", ".join(f"{k}={v}" for k, v in self.summary().items() if v is not None)
        lines = [f"<echolab.EchoFile {summary}>"]
        for row in self.region_table():
            lines.append(
                f"  region {row['index']}: {row['spatial format']} / {row['data type']}, "
                f"box {row['box (x0, y0, x1, y1)']}, x: {row['x axis']}; y: {row['y axis']}"
                + (f" [{row['notes']}]" if row["notes"] else "")
            )
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        summary = "".join(
            f"<tr><th style='text-align:left'>{html.escape(k)}</th><td style='text-align:left'>"
            f"{html.escape(str(v))}</td></tr>"
            for k, v in self.summary().items()
            if v is not None
        )
        table = self.region_table()
        head = "".join(f"<th>{html.escape(k)}</th>" for k in (table[0] if table else {}))
        body = "".join(
            "<tr>" + "".join(f"<td style='text-align:left'>{html.escape(str(v))}</td>" for v in row.values()) + "</tr>"
            for row in table
        )
        regions = (
            f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
            if table
            else "<p>No (0018,6011) Sequence of Ultrasound Regions: only <code>image()</code> is available.</p>"
        )
        return f"<div><b>echolab.EchoFile</b><table>{summary}</table>{regions}</div>"


def _finish(array: xr.DataArray, chunks: int | Mapping[str, int] | str | None, cache: bool) -> xr.DataArray:
    """Wrap a freshly built array once: dask chunks, else the in-memory cache when asked."""
    if chunks is not None:
        return array.chunk({"time": chunks} if isinstance(chunks, int) and not isinstance(chunks, bool) else chunks)
    return cached(array) if cache else array


@dataclass(frozen=True)
class Opened:
    """What :func:`open_collecting` found: the file (None when it cannot be opened), the warnings
    opening it raised, and the error that stopped it."""

    echofile: EchoFile | None
    warnings: tuple[EcholabWarning, ...]
    error: EcholabError | None


def open_collecting(
    path_or_dataset: str | os.PathLike[str] | Dataset, *, calibration: Calibration = "screen"
) -> Opened:
    """Open a file the way tables and apps need it: echolab's warnings collected instead of shown,
    an :class:`EcholabError` returned instead of raised (other errors still raise).

    A missing file is an :class:`~echolab.errors.EcholabError` here too (``NotDicomError``), so
    a caller listing many files gets one reason per file.
    """
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", EcholabWarning)
        try:
            opened = open(path_or_dataset, calibration=calibration)
            opened.regions  # noqa: B018 - a correction's warnings belong to opening the file
            echofile: EchoFile | None = opened
            error = None
        except EcholabError as exc:
            echofile, error = None, exc
        except OSError as exc:  # a path that vanished or cannot be read (never raised for a Dataset)
            source = None if isinstance(path_or_dataset, Dataset) else os.fspath(path_or_dataset)
            echofile, error = None, NotDicomError(f"cannot read the file ({exc.strerror or exc})", source)
    found = tuple(w.message for w in caught if isinstance(w.message, EcholabWarning))
    for other in caught:  # anything not echolab's is shown as usual
        if not isinstance(other.message, EcholabWarning):
            warnings.warn_explicit(other.message, other.category, other.filename, other.lineno)
    return Opened(echofile, found, error)


def _ts_name(tsuid: str) -> str:
    try:
        name = uids.UID(tsuid).name
    except Exception:
        return tsuid
    return name if name and name != tsuid else tsuid
