"""Pixels of a de-identified file: blank outside the kept area, encode losslessly, describe.

Frames are decoded by echolab (grey in MONOCHROME2 orientation, colour and palette as RGB), set
to 0 outside the kept area and encoded frame by frame with pydicom's encoders: JPEG-LS Lossless
(pyjpegls, CharLS) by default, or RLE Lossless (pylibjpeg-rle). Never a second lossy generation: a
lossy input keeps (0028,2110) Lossy Image Compression = 01 with its ratio and method.
"""

from __future__ import annotations

import enum
import os
from dataclasses import dataclass
from typing import Any

import numpy as np
import pydicom.uid as uids
from pydicom.dataset import Dataset

from ..echofile import EchoFile
from ..errors import DeidentificationError

__all__ = [
    "Codec",
    "Photometric",
    "LossyImageCompression",
    "CompressionMethod",
    "BurnedInAnnotation",
    "OutputFormat",
    "output_format",
    "blank",
    "encode_frame",
    "lossy_history",
    "PALETTE_KEYWORDS",
]


class Codec(enum.Enum):
    """The lossless transfer syntax of the output."""

    #: JPEG-LS Lossless (1.2.840.10008.1.2.4.80) through pyjpegls: smaller files (a cine with a
    #: blanked banner shrinks to about a sixth of its decoded size) and as fast to write.
    JPEG_LS = "jpeg-ls"
    #: RLE Lossless (1.2.840.10008.1.2.5) through pylibjpeg-rle: read by every DICOM viewer.
    RLE = "rle"

    @property
    def transfer_syntax_uid(self) -> uids.UID:
        return uids.JPEGLSLossless if self is Codec.JPEG_LS else uids.RLELossless

    @property
    def plugin(self) -> str:
        """The pydicom encoding plugin used."""
        return "pyjpegls" if self is Codec.JPEG_LS else "pylibjpeg"


class Photometric(enum.Enum):
    """(0028,0004) Photometric Interpretation of the output (what echolab decodes to)."""

    MONOCHROME2 = "MONOCHROME2"
    RGB = "RGB"


class LossyImageCompression(enum.Enum):
    """(0028,2110) Lossy Image Compression."""

    NEVER = "00"
    LOSSY = "01"


class CompressionMethod(enum.Enum):
    """Defined terms of (0028,2114) Lossy Image Compression Method."""

    JPEG = "ISO_10918_1"
    JPEG_LS = "ISO_14495_1"
    JPEG_2000 = "ISO_15444_1"
    HTJ2K = "ISO_15444_15"
    MPEG2 = "ISO_13818_2"
    MPEG4 = "ISO_14496_10"
    HEVC = "ISO_23008_2"
    JPEG_XL = "ISO_18181_1"


class BurnedInAnnotation(enum.Enum):
    """(0028,0301) Burned In Annotation: NO is written only after the pixels are cleaned."""

    YES = "YES"
    NO = "NO"


#: Lossy transfer syntaxes and the compression they apply.
_LOSSY: dict[str, CompressionMethod] = {
    **{f"1.2.840.10008.1.2.4.{n}": CompressionMethod.JPEG for n in (50, 51, 52, 53, 54, 55, 56, *range(59, 65))},
    uids.JPEGLSNearLossless: CompressionMethod.JPEG_LS,
    uids.JPEG2000: CompressionMethod.JPEG_2000,
    "1.2.840.10008.1.2.4.93": CompressionMethod.JPEG_2000,  # JPEG 2000 Part 2 multi-component
    "1.2.840.10008.1.2.4.203": CompressionMethod.HTJ2K,
    **{f"1.2.840.10008.1.2.4.{n}": CompressionMethod.MPEG2 for n in (100, 101)},
    **{f"1.2.840.10008.1.2.4.{n}": CompressionMethod.MPEG4 for n in (102, 103, 104, 105, 106)},
    **{f"1.2.840.10008.1.2.4.{n}": CompressionMethod.HEVC for n in (107, 108)},
    **{f"1.2.840.10008.1.2.4.{n}": CompressionMethod.JPEG_XL for n in (111, 112)},
}

#: Palette elements dropped when palette frames are written as RGB.
PALETTE_KEYWORDS = (
    "RedPaletteColorLookupTableDescriptor",
    "GreenPaletteColorLookupTableDescriptor",
    "BluePaletteColorLookupTableDescriptor",
    "AlphaPaletteColorLookupTableDescriptor",
    "RedPaletteColorLookupTableData",
    "GreenPaletteColorLookupTableData",
    "BluePaletteColorLookupTableData",
    "AlphaPaletteColorLookupTableData",
    "SegmentedRedPaletteColorLookupTableData",
    "SegmentedGreenPaletteColorLookupTableData",
    "SegmentedBluePaletteColorLookupTableData",
    "SegmentedAlphaPaletteColorLookupTableData",
    "PaletteColorLookupTableUID",
    "LargePaletteColorLookupTableUID",
)


@dataclass(frozen=True)
class OutputFormat:
    """The Image Pixel module of the output (PS3.3 C.7.6.3)."""

    rows: int
    columns: int
    samples_per_pixel: int
    bits_allocated: int
    bits_stored: int
    pixel_representation: int
    photometric: Photometric

    def encoder_options(self) -> dict[str, Any]:
        """Keyword options of :meth:`pydicom.pixels.encoders.base.Encoder.encode` for one frame."""
        return {
            "rows": self.rows,
            "columns": self.columns,
            "samples_per_pixel": self.samples_per_pixel,
            "bits_allocated": self.bits_allocated,
            "bits_stored": self.bits_stored,
            "pixel_representation": self.pixel_representation,
            "photometric_interpretation": self.photometric.value,
            "planar_configuration": 0,
            "number_of_frames": 1,
        }

    def apply(self, dataset: Dataset) -> None:
        """Write these values into ``dataset`` (and drop palette tables and min/max pixel values)."""
        dataset.SamplesPerPixel = self.samples_per_pixel
        dataset.PhotometricInterpretation = self.photometric.value
        dataset.Rows = self.rows
        dataset.Columns = self.columns
        dataset.BitsAllocated = self.bits_allocated
        dataset.BitsStored = self.bits_stored
        dataset.HighBit = self.bits_stored - 1
        dataset.PixelRepresentation = self.pixel_representation
        if self.samples_per_pixel > 1:
            dataset.PlanarConfiguration = 0
        elif "PlanarConfiguration" in dataset:
            del dataset.PlanarConfiguration
        if self.photometric is Photometric.RGB:
            for keyword in PALETTE_KEYWORDS:
                if keyword in dataset:
                    delattr(dataset, keyword)
        # blanking changes the range; the values would be wrong (and their VR depends on the sign)
        for keyword in ("SmallestImagePixelValue", "LargestImagePixelValue"):
            if keyword in dataset:
                delattr(dataset, keyword)

    def frame_nbytes(self) -> int:
        """Bytes of one decoded frame."""
        return self.rows * self.columns * self.samples_per_pixel * (self.bits_allocated // 8)


def output_format(echo: EchoFile, dtype: np.dtype[Any], frame_shape: tuple[int, ...]) -> OutputFormat:
    """The output's pixel format for frames echolab decodes as ``dtype`` / ``frame_shape``."""
    samples = frame_shape[2] if len(frame_shape) == 3 else 1
    bits_allocated = dtype.itemsize * 8
    declared = echo.dataset.get("BitsStored")
    palette = echo.photometric_interpretation == "PALETTE COLOR"
    try:
        bits_stored = bits_allocated if palette or declared is None else min(int(declared), bits_allocated)
    except (TypeError, ValueError):
        bits_stored = bits_allocated
    if dtype.kind not in "ui" or bits_allocated not in (8, 16):
        raise DeidentificationError(
            f"frames decode as {dtype} samples; only 8- and 16-bit integer pixels can be written "
            "losslessly as JPEG-LS or RLE",
            echo.source,
        )
    return OutputFormat(
        rows=echo.rows,
        columns=echo.columns,
        samples_per_pixel=samples,
        bits_allocated=bits_allocated,
        bits_stored=max(1, bits_stored),
        pixel_representation=1 if dtype.kind == "i" else 0,
        photometric=Photometric.RGB if samples == 3 else Photometric.MONOCHROME2,
    )


def blank(frames: np.ndarray, mask: np.ndarray) -> None:
    """Set every pixel of ``frames`` (time, rows, columns[, samples]) outside ``mask`` to 0, in place."""
    frames[:, ~mask] = 0


def encode_frame(frame: np.ndarray, fmt: OutputFormat, codec: Codec) -> bytes:
    """One frame encoded losslessly by pydicom's encoder for ``codec``."""
    from pydicom.pixels.encoders.base import JPEGLSLosslessEncoder, RLELosslessEncoder

    encoder = JPEGLSLosslessEncoder if codec is Codec.JPEG_LS else RLELosslessEncoder
    encoded: bytes = encoder.encode(
        np.ascontiguousarray(frame), encoding_plugin=codec.plugin, validate=False, **fmt.encoder_options()
    )
    return encoded


def lossy_history(echo: EchoFile) -> tuple[CompressionMethod, float] | None:
    """The lossy compression the input's own transfer syntax applied: (method, ratio), None when
    lossless. The ratio is the decoded size over the compressed frames' size."""
    method = _LOSSY.get(echo.transfer_syntax_uid)
    if method is None:
        return None
    frames = echo.pixels.number_of_frames
    decoded = frames * echo.rows * echo.columns * _samples(echo) * _bytes_per_sample(echo)
    spans = getattr(echo.pixels, "spans", None)
    compressed = sum(length for _, length in spans) if spans else 0
    if not compressed and echo.source is not None:
        compressed = os.path.getsize(echo.source)
    return method, decoded / max(1, compressed)


def _samples(echo: EchoFile) -> int:
    try:
        return int(echo.dataset.get("SamplesPerPixel", 1))
    except (TypeError, ValueError):
        return 1


def _bytes_per_sample(echo: EchoFile) -> int:
    try:
        return max(1, (int(echo.dataset.get("BitsAllocated", 8)) + 7) // 8)
    except (TypeError, ValueError):
        return 1


def record_lossy(dataset: Dataset, history: tuple[CompressionMethod, float] | None) -> bool:
    """Keep (0028,2110) Lossy Image Compression = 01 for a lossy input, adding the method and ratio
    of its transfer syntax when the header does not list any. Returns True when the output
    carries lossy-compressed pixels."""
    said = str(dataset.get("LossyImageCompression", "") or "").strip()
    if history is None:
        return said == LossyImageCompression.LOSSY.value
    methods = [m for m in _values(dataset.get("LossyImageCompressionMethod")) if m]
    ratios = [r for r in _values(dataset.get("LossyImageCompressionRatio")) if r]
    method, ratio = history
    if said != LossyImageCompression.LOSSY.value or not methods:
        methods.append(method.value)
        ratios.append(f"{ratio:.2f}"[:16])
        dataset.LossyImageCompressionMethod = methods if len(methods) > 1 else methods[0]
        dataset.LossyImageCompressionRatio = ratios if len(ratios) > 1 else ratios[0]
    dataset.LossyImageCompression = LossyImageCompression.LOSSY.value
    return True


def _values(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, (list, tuple)) or (hasattr(value, "__iter__") and not isinstance(value, (str, bytes))):
        return [str(v).strip() for v in value]
    return [str(value).strip()]
