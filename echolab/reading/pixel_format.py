"""The Image Pixel module (DICOM PS3.3 C.7.6.3): what a frame is, checked once per file.

:func:`pixel_format` reads and validates (0028,0002) Samples per Pixel, (0028,0004) Photometric
Interpretation, (0028,0010/0011) Rows and Columns, (0028,0100-0103) bits and sign into a
:class:`PixelFormat`; :func:`palette_table` builds the RGB lookup of a PALETTE COLOR file once.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import Enum
from typing import Any

import numpy as np

from ..errors import InvalidHeaderError, PixelDataError, PixelDataWarning, warn
from ..limits import limits, mib, raise_hint
from . import tags
from .elements import element_name, element_tag, get_int, get_str
from .header import Header
from .raw_header import RawHeader

__all__ = ["PixelFormat", "Photometric", "pixel_format", "palette_table", "native_frame_nbytes", "decoded_frame_nbytes"]


class Photometric(str, Enum):
    """Values of (0028,0004) Photometric Interpretation (PS3.3 C.7.6.3.1.2), as pydicom's
    ``PhotometricInterpretation`` names them (here without importing pydicom)."""

    MONOCHROME1 = "MONOCHROME1"
    MONOCHROME2 = "MONOCHROME2"
    PALETTE_COLOR = "PALETTE COLOR"
    RGB = "RGB"
    YBR_FULL = "YBR_FULL"
    YBR_FULL_422 = "YBR_FULL_422"
    YBR_ICT = "YBR_ICT"
    YBR_RCT = "YBR_RCT"
    HSV = "HSV"  # retired
    ARGB = "ARGB"  # retired
    CMYK = "CMYK"  # retired
    YBR_PARTIAL_422 = "YBR_PARTIAL_422"  # retired
    YBR_PARTIAL_420 = "YBR_PARTIAL_420"  # retired

    def __str__(self) -> str:
        return str.__str__(self)


#: The photometric interpretations echolab decodes, with the samples per pixel each has.
_SAMPLES_PER_INTERPRETATION: dict[Photometric, int] = {
    Photometric.MONOCHROME1: 1,
    Photometric.MONOCHROME2: 1,
    Photometric.PALETTE_COLOR: 1,
    Photometric.RGB: 3,
    Photometric.YBR_FULL: 3,
    Photometric.YBR_FULL_422: 3,
    Photometric.YBR_ICT: 3,
    Photometric.YBR_RCT: 3,
    Photometric.YBR_PARTIAL_420: 3,
}


@dataclass(frozen=True)
class PixelFormat:
    """The Image Pixel module values a decoder needs (DICOM PS3.3 C.7.6.3).

    ``frame_shape`` and ``dtype`` describe the *output*: RGB for colour and palette images,
    grey (MONOCHROME2 orientation) otherwise.
    """

    rows: int
    columns: int
    samples_per_pixel: int
    bits_allocated: int
    bits_stored: int
    pixel_representation: int
    planar_configuration: int
    photometric_interpretation: Photometric
    #: bits per entry of the palette table actually used (8 unless its entries need 16)
    palette_bits: int = 8

    def with_palette_bits(self, bits: int) -> PixelFormat:
        """The same format with palette entries of ``bits`` (the table decides the output depth)."""
        return replace(self, palette_bits=bits)

    @property
    def is_palette(self) -> bool:
        return self.photometric_interpretation is Photometric.PALETTE_COLOR

    @property
    def is_colour(self) -> bool:
        """True when frames come out as RGB (colour or palette)."""
        return self.samples_per_pixel == 3 or self.is_palette

    @property
    def frame_shape(self) -> tuple[int, ...]:
        shape: tuple[int, ...] = (self.rows, self.columns)
        return shape + (3,) if self.is_colour else shape

    @property
    def stored_dtype(self) -> np.dtype:
        """dtype of the decoded samples before any palette lookup."""
        size = 1 if self.bits_allocated <= 8 else 2 if self.bits_allocated <= 16 else 4
        return np.dtype(f"{'i' if self.pixel_representation else 'u'}{size}")

    @property
    def dtype(self) -> np.dtype:
        """dtype of output frames."""
        if self.is_palette:
            return np.dtype(np.uint8 if self.palette_bits <= 8 else np.uint16)
        return self.stored_dtype

    @property
    def stored_shape(self) -> tuple[int, ...]:
        """Shape of a decoded frame before any palette lookup."""
        if self.samples_per_pixel == 1:
            return (self.rows, self.columns)
        return (self.rows, self.columns, self.samples_per_pixel)

    def pydicom_options(self) -> dict[str, Any]:
        """Keyword options for :meth:`pydicom.pixels.decoders.base.Decoder.as_array`."""
        return {
            "rows": self.rows,
            "columns": self.columns,
            "samples_per_pixel": self.samples_per_pixel,
            "bits_allocated": self.bits_allocated,
            "bits_stored": self.bits_stored,
            "pixel_representation": self.pixel_representation,
            "photometric_interpretation": self.photometric_interpretation.value,
            "planar_configuration": self.planar_configuration,
            "number_of_frames": 1,
            "pixel_keyword": "PixelData",
        }


def pixel_format(header: Header | RawHeader) -> PixelFormat:
    """Read and validate the Image Pixel module (DICOM PS3.3 C.7.6.3)."""
    ds, src = header.dataset, header.source
    rows = get_int(ds, "Rows", src, minimum=1, maximum=65535)
    columns = get_int(ds, "Columns", src, minimum=1, maximum=65535)
    samples = get_int(ds, "SamplesPerPixel", src, default=1, minimum=1, maximum=4)
    bits_allocated = get_int(ds, "BitsAllocated", src, default=8, minimum=1, maximum=64)
    bits_stored = get_int(ds, "BitsStored", src, default=bits_allocated, minimum=1, maximum=64)
    representation = get_int(ds, "PixelRepresentation", src, default=0, minimum=0, maximum=1)
    planar = get_int(ds, "PlanarConfiguration", src, default=0, minimum=0, maximum=1)
    photometric = get_str(ds, "PhotometricInterpretation", src)
    if rows is None or columns is None:
        missing = "Rows" if rows is None else "Columns"
        raise InvalidHeaderError(f"{element_name(missing)} is missing; an image needs it", src)
    assert samples is not None and bits_allocated is not None and bits_stored is not None
    written = (photometric or ("MONOCHROME2" if samples == 1 else "RGB")).upper()
    interpretation = next((p for p in _SAMPLES_PER_INTERPRETATION if p.value == written), None)
    if interpretation is None:
        raise InvalidHeaderError(
            f"{element_name('PhotometricInterpretation')} = {written!r} is not supported "
            f"(valid: {', '.join(sorted(p.value for p in _SAMPLES_PER_INTERPRETATION))})",
            src,
        )
    if _SAMPLES_PER_INTERPRETATION[interpretation] != samples:
        if samples not in (1, 3):
            raise InvalidHeaderError(
                f"{element_name('SamplesPerPixel')} = {samples} is not supported (valid: 1 or 3)", src
            )
        # a mislabelled file: trust the sample count, which fixes the pixel data layout
        replacement = Photometric.MONOCHROME2 if samples == 1 else Photometric.RGB
        warn(
            PixelDataWarning,
            f"{element_name('PhotometricInterpretation')} = {written} does not fit "
            f"{element_name('SamplesPerPixel')} = {samples}; reading the pixels as {replacement.value}",
            src,
            stacklevel=3,
        )
        interpretation = replacement
    if bits_allocated not in (8, 16, 32):
        raise InvalidHeaderError(
            f"{element_name('BitsAllocated')} = {bits_allocated} is not supported (valid: 8, 16, 32)", src
        )
    if bits_stored > bits_allocated:
        raise InvalidHeaderError(
            f"{element_name('BitsStored')} = {bits_stored} exceeds {element_name('BitsAllocated')} = {bits_allocated}",
            src,
        )
    fmt = PixelFormat(
        int(rows),
        int(columns),
        samples,
        bits_allocated,
        bits_stored,
        int(representation or 0),
        int(planar or 0),
        interpretation,
    )
    # palette entries may be 16-bit: bound the decoded frame by the widest output it can have
    frame_bytes = decoded_frame_nbytes(fmt)
    limit = limits().max_frame_bytes
    if frame_bytes > limit:
        raise InvalidHeaderError(
            f"{element_name('Rows')} = {rows} x {element_name('Columns')} = {columns} x "
            f"{element_name('SamplesPerPixel')} = {samples} gives a {mib(frame_bytes)} frame decoded, above "
            f"echolab's {mib(limit)} limit for one frame (real ultrasound frames take 1 to 6 MiB; "
            f"{raise_hint('max_frame_bytes')})",
            src,
        )
    return fmt


def decoded_frame_nbytes(fmt: PixelFormat) -> int:
    """The most bytes one decoded frame of ``fmt`` can take (RGB, 16-bit palette entries counted)."""
    itemsize = max(fmt.stored_dtype.itemsize, 2 if fmt.is_palette else 1)
    return fmt.rows * fmt.columns * (3 if fmt.is_colour else 1) * itemsize


def palette_table(header: Header | RawHeader, fmt: PixelFormat) -> np.ndarray:
    """The RGB value of every possible stored index, built once with pydicom's apply_color_lut
    (for a header read without pydicom, with :func:`_plain_palette`, which does the same)."""
    if fmt.bits_stored > 16:
        raise InvalidHeaderError(
            f"{element_name('BitsStored')} = {fmt.bits_stored} is too deep for a palette (valid: up to 16)",
            header.source,
        )
    indices = np.arange(1 << fmt.bits_stored, dtype=fmt.stored_dtype if not fmt.pixel_representation else np.int64)
    try:
        if isinstance(header, RawHeader):
            table = _plain_palette(indices, header)
        else:
            from pydicom.pixels.processing import apply_color_lut

            table = apply_color_lut(indices, header.dataset)
    except Exception as exc:
        raise PixelDataError(
            f"the PALETTE COLOR lookup table cannot be used ({type(exc).__name__}: {str(exc)[:150]}); "
            "(0028,1101-1103) descriptors and (0028,1201-1203) or (0028,1221-1223) data are needed",
            header.source,
        ) from exc
    table = table[..., :3]
    has_data = element_tag("RedPaletteColorLookupTableData") in header.dataset
    if not header.is_little_endian and has_data and table.dtype.itemsize > 1:
        # pydicom 3.0 reads non-segmented OW LUT data in native byte order; the file's is big endian
        table = table.byteswap()
    return np.ascontiguousarray(_as_8bit_if_exact(table))


def _plain_palette(indices: np.ndarray, header: RawHeader) -> np.ndarray:
    """What pydicom's ``apply_color_lut(indices, dataset)`` returns for a palette of plain (not
    segmented) red, green and blue data of 8 or 16 bits per entry, its steps followed one by one.
    :func:`.raw_header.read_raw_header` reads no other palette (pydicom reads those).
    """
    values = header.dataset.values
    descriptor = values[tags.ENTRIES["RedPaletteColorLookupTableDescriptor"].tag]
    entries, first_map = descriptor[0] or 2**16, descriptor[1]
    data = [values[tags.ENTRIES[f"{colour}PaletteColorLookupTableData"].tag] for colour in ("Red", "Green", "Blue")]
    dtype = np.dtype(f"uint{len(data[0]) * 8 // entries}")
    luts = [np.frombuffer(lut, dtype=dtype) for lut in data]
    clipped = np.zeros(indices.shape, dtype=dtype)
    mapped = indices >= first_map
    clipped[mapped] = indices[mapped] - np.int32(first_map)
    np.clip(clipped, 0, entries - 1, out=clipped)
    table = np.empty(list(indices.shape) + [len(luts)], dtype=dtype)
    for channel, lut in enumerate(luts):
        table[..., channel] = lut[clipped]
    return table


def _as_8bit_if_exact(table: np.ndarray) -> np.ndarray:
    """16-bit palette entries that are exact 8-bit values (v * 256 or v * 257) become uint8.

    Scanners write 8-bit colours into 16-bit LUTs; as uint8 the RGB frames display directly
    (matplotlib, widgets) and take half the memory, with no value lost.
    """
    if table.dtype != np.uint16:
        return table
    if not np.any(table & 0xFF):
        return (table >> 8).astype(np.uint8)
    if not np.any(table % 257):
        return (table // 257).astype(np.uint8)
    return table


def native_frame_nbytes(fmt: PixelFormat) -> int:
    """Bytes of one uncompressed frame as stored (YBR_FULL_422 keeps 2 of 3 samples per pixel)."""
    nbytes = fmt.rows * fmt.columns * fmt.samples_per_pixel * (fmt.bits_allocated // 8)
    if fmt.photometric_interpretation is Photometric.YBR_FULL_422:
        nbytes = nbytes // 3 * 2
    return nbytes
