"""Lazy pixels: where each frame is, how to decode it, and an xarray ``BackendArray`` over them.

:class:`PixelSource` is a small picklable description (file path, frame table, pixel format,
palette table) holding no open file handle. :class:`FrameArray` exposes the frames of the whole
image or of one region box as a lazy array: indexing one frame decodes only that frame; a full
load decodes every frame into one preallocated array, split across threads (the decoders release
the GIL).
"""

from __future__ import annotations

import contextlib
import contextvars
import os
import warnings
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace

import numpy as np
import pydicom.uid as uids
from xarray.backends import BackendArray
from xarray.core import indexing

from .decoders import PixelFormat, check_decoder, decode_encapsulated, decode_native
from .errors import InvalidHeaderError, PixelDataError, PixelDataWarning
from .frames import BufferReader, ByteReader, FileReader, join_fragments, locate_encapsulated
from .header import Header, element_name, get_int, get_str

__all__ = ["PixelSource", "FrameArray", "pixel_source", "is_encapsulated", "lazy_variable_data", "MAX_FRAME_BYTES"]

#: Largest decoded frame echolab will allocate (bytes); larger headers are refused as corrupt.
MAX_FRAME_BYTES = 1 << 30
_NATIVE_SYNTAXES = frozenset(
    {
        uids.ImplicitVRLittleEndian,
        uids.ExplicitVRLittleEndian,
        uids.ExplicitVRBigEndian,
        uids.DeflatedExplicitVRLittleEndian,
    }
)
_KNOWN_PHOTOMETRIC = {
    "MONOCHROME1": 1,
    "MONOCHROME2": 1,
    "PALETTE COLOR": 1,
    "RGB": 3,
    "YBR_FULL": 3,
    "YBR_FULL_422": 3,
    "YBR_ICT": 3,
    "YBR_RCT": 3,
    "YBR_PARTIAL_420": 3,
}


@dataclass(frozen=True)
class PixelSource:
    """Everything needed to decode any frame of one file, picklable and handle-free.

    Attributes
    ----------
    source
        Path of the file, None for an in-memory data set (then ``buffer`` holds the pixel data).
    transfer_syntax_uid
        (0002,0010) Transfer Syntax UID.
    fmt
        The Image Pixel module values.
    number_of_frames
        Whole frames actually present: fewer than (0028,0008) says (with a warning) when the
        pixel data falls short of it, and 0 when not even one frame is whole.
    native_offset, frame_nbytes
        For uncompressed data: byte offset of frame 0 and bytes per frame.
    spans
        For encapsulated data: per frame, the ``(offset, length)`` of its whole items.
    lut
        PALETTE COLOR lookup table, shape (2**bits_stored, 3), or None.
    swap_ow_bytes
        8-bit samples stored as OW in a big endian file: bytes are swapped in 16-bit words.
    cut_short
        The file ends inside (7FE0,0010) Pixel Data: the frames past the cut are missing.
    """

    source: str | None
    buffer: bytes | None
    transfer_syntax_uid: str
    fmt: PixelFormat
    number_of_frames: int
    big_endian: bool
    native_offset: int = 0
    frame_nbytes: int = 0
    spans: tuple[tuple[int, int], ...] | None = None
    lut: np.ndarray | None = None
    swap_ow_bytes: bool = False
    cut_short: bool = False

    @property
    def encapsulated(self) -> bool:
        return self.spans is not None

    @property
    def frame_shape(self) -> tuple[int, ...]:
        return self.fmt.frame_shape

    def open_reader(self) -> ByteReader:
        """Open random access to the pixel bytes (close it after use)."""
        if self.buffer is not None:
            return BufferReader(self.buffer)
        assert self.source is not None
        return FileReader(self.source)

    def decode_frame(self, reader: ByteReader, index: int, out: np.ndarray) -> None:
        """Decode frame ``index`` into ``out`` (shape :attr:`frame_shape`)."""
        if not 0 <= index < self.number_of_frames:
            raise IndexError(f"frame {index} out of range 0..{self.number_of_frames - 1}")
        if self.spans is not None:
            offset, length = self.spans[index]
            data = reader.read(offset, length)
            if len(data) < length:
                raise PixelDataError(f"frame {index} is truncated: {len(data)} of {length} bytes present", self.source)
            encoded = join_fragments(data, ">" if self.big_endian else "<", self.source)
            decode_encapsulated(encoded, self.transfer_syntax_uid, self.fmt, out, self.lut, self.source, index)
        else:
            offset = self.native_offset + index * self.frame_nbytes
            data = self._read_native(reader, offset)
            if len(data) < self.frame_nbytes:
                raise PixelDataError(
                    f"frame {index} is truncated: {len(data)} of {self.frame_nbytes} bytes present", self.source
                )
            decode_native(data, self.fmt, self.big_endian, out, self.lut, self.source)

    def _read_native(self, reader: ByteReader, offset: int) -> bytes:
        if not self.swap_ow_bytes:
            return reader.read(offset, self.frame_nbytes)
        start = self.native_offset + ((offset - self.native_offset) & ~1)
        raw = reader.read(start, (offset - start + self.frame_nbytes + 1) & ~1)
        swapped = np.frombuffer(raw[: len(raw) & ~1], dtype=np.uint16).byteswap().tobytes()
        frame: bytes = swapped[offset - start : offset - start + self.frame_nbytes]
        return frame

    def read(self, frames: Sequence[int], rows: slice, columns: slice) -> np.ndarray:
        """Decode ``frames`` and return them cropped to ``rows`` x ``columns`` (unit-step slices).

        Several frames are decoded in parallel into one preallocated array.
        """
        height = len(range(self.fmt.rows)[rows])
        width = len(range(self.fmt.columns)[columns])
        out = np.empty((len(frames), height, width) + self.frame_shape[2:], dtype=self.fmt.dtype)
        full = height == self.fmt.rows and width == self.fmt.columns
        with self.open_reader() as reader:
            if full and self._read_native_block(reader, frames, out):
                return out

            def work(block: Sequence[int]) -> None:
                scratch = None if full else np.empty(self.frame_shape, dtype=self.fmt.dtype)
                for position in block:
                    if scratch is None:
                        self.decode_frame(reader, frames[position], out[position])
                    else:
                        self.decode_frame(reader, frames[position], scratch)
                        out[position] = scratch[rows, columns]

            workers = min(_worker_count(), len(frames))
            if workers <= 1:
                work(range(len(frames)))
            else:
                blocks = [range(len(frames))[k::workers] for k in range(workers)]
                with ThreadPoolExecutor(workers, thread_name_prefix="echolab-decode") as pool:
                    for future in [pool.submit(work, block) for block in blocks]:
                        future.result()
        return out

    def _read_native_block(self, reader: ByteReader, frames: Sequence[int], out: np.ndarray) -> bool:
        """Read consecutive plain frames with one positional read straight into ``out``."""
        fmt = self.fmt
        plain = (
            self.spans is None
            and not self.swap_ow_bytes
            and fmt.bits_allocated in (8, 16, 32)
            and fmt.photometric_interpretation in ("MONOCHROME2", "RGB")
            and (fmt.samples_per_pixel == 1 or fmt.planar_configuration == 0)
            and not (fmt.pixel_representation and fmt.bits_stored < fmt.bits_allocated)
            and len(frames) > 0
            and list(frames) == list(range(frames[0], frames[0] + len(frames)))
            and self.frame_nbytes == out[0].nbytes
        )
        if not plain:
            return False
        offset = self.native_offset + frames[0] * self.frame_nbytes
        got = reader.readinto(offset, memoryview(out.reshape(-1).view(np.uint8)))  # type: ignore[arg-type]
        if got < out.nbytes:
            raise PixelDataError(f"the pixel data is truncated: {got} of {out.nbytes} bytes present", self.source)
        if self.big_endian and out.dtype.itemsize > 1:
            out.byteswap(inplace=True)
        return True


#: Decode threads for reads in the current context (None: ``$ECHOLAB_DECODE_THREADS`` or the CPUs).
_DECODE_THREADS: contextvars.ContextVar[int | None] = contextvars.ContextVar("echolab_decode_threads", default=None)


@contextlib.contextmanager
def decode_threads(count: int) -> Iterator[None]:
    """Decode frames with at most ``count`` threads inside the ``with`` block (this thread only).

    Used where parallelism comes from elsewhere, e.g. one Dask task per file.
    """
    token = _DECODE_THREADS.set(max(1, int(count)))
    try:
        yield
    finally:
        _DECODE_THREADS.reset(token)


def _worker_count() -> int:
    chosen = _DECODE_THREADS.get()
    if chosen is not None:
        return chosen
    configured = os.environ.get("ECHOLAB_DECODE_THREADS")
    if configured and configured.isdigit() and int(configured) > 0:
        return int(configured)
    return max(1, min(8, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1))


def pixel_format(header: Header) -> PixelFormat:
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
    if photometric is None:
        photometric = "MONOCHROME2" if samples == 1 else "RGB"
    photometric = photometric.upper()
    if photometric not in _KNOWN_PHOTOMETRIC:
        raise InvalidHeaderError(
            f"{element_name('PhotometricInterpretation')} = {photometric!r} is not supported "
            f"(valid: {', '.join(sorted(_KNOWN_PHOTOMETRIC))})",
            src,
        )
    if _KNOWN_PHOTOMETRIC[photometric] != samples:
        if samples not in (1, 3):
            raise InvalidHeaderError(
                f"{element_name('SamplesPerPixel')} = {samples} is not supported (valid: 1 or 3)", src
            )
        # a mislabelled file: trust the sample count, which fixes the pixel data layout
        replacement = "MONOCHROME2" if samples == 1 else "RGB"
        warnings.warn(
            f"{header.name}: {element_name('PhotometricInterpretation')} = {photometric} does not fit "
            f"{element_name('SamplesPerPixel')} = {samples}; reading the pixels as {replacement}",
            PixelDataWarning,
            stacklevel=3,
        )
        photometric = replacement
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
        photometric,
    )
    # palette entries may be 16-bit: bound the decoded frame by the widest output it can have
    frame_bytes = rows * columns * 3 * max(fmt.stored_dtype.itemsize, 2 if fmt.is_palette else 1)
    if frame_bytes > MAX_FRAME_BYTES:
        raise InvalidHeaderError(
            f"{element_name('Rows')} = {rows} x {element_name('Columns')} = {columns} gives a "
            f"{frame_bytes / 2**20:.0f} MiB frame, above echolab's {MAX_FRAME_BYTES >> 20} MiB limit",
            src,
        )
    return fmt


def _palette_table(header: Header, fmt: PixelFormat) -> np.ndarray:
    """The RGB value of every possible stored index, built once with pydicom's apply_color_lut."""
    from pydicom.pixels.processing import apply_color_lut

    if fmt.bits_stored > 16:
        raise InvalidHeaderError(
            f"{element_name('BitsStored')} = {fmt.bits_stored} is too deep for a palette (valid: up to 16)",
            header.source,
        )
    indices = np.arange(1 << fmt.bits_stored, dtype=fmt.stored_dtype if not fmt.pixel_representation else np.int64)
    try:
        table = apply_color_lut(indices, header.dataset)
    except Exception as exc:
        raise PixelDataError(
            f"the PALETTE COLOR lookup table cannot be used ({type(exc).__name__}: {str(exc)[:150]}); "
            "(0028,1101-1103) descriptors and (0028,1201-1203) or (0028,1221-1223) data are needed",
            header.source,
        ) from exc
    table = table[..., :3]
    if not header.is_little_endian and "RedPaletteColorLookupTableData" in header.dataset and table.dtype.itemsize > 1:
        # pydicom 3.0 reads non-segmented OW LUT data in native byte order; the file's is big endian
        table = table.byteswap()
    return np.ascontiguousarray(_as_8bit_if_exact(table))


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


def is_encapsulated(tsuid: str) -> bool:
    """True when (0002,0010) Transfer Syntax UID ``tsuid`` is not a native (uncompressed) one."""
    return tsuid not in _NATIVE_SYNTAXES


def pixel_source(header: Header, number_of_frames: int, *, require_decoder: bool = True) -> PixelSource | None:
    """Describe how to decode each whole frame of ``header``'s file; None when it has no pixel data.

    Only the header, the pixel element's length and the fragment table are read. The source
    holds the whole frames present, at most ``number_of_frames`` ((0028,0008) Number of Frames)
    and possibly none: a frame the end of the file cuts into is left out.

    Raises
    ------
    MissingDecoderError
        When no installed package decodes the transfer syntax (unless ``require_decoder`` is False).
    EcholabError
        When the Image Pixel module is unusable or the pixel data cannot be located.
    """
    ds, src = header.dataset, header.source
    in_memory = header.pixel_element is None
    if in_memory and "PixelData" not in ds:
        return None
    fmt = pixel_format(header)
    tsuid = header.transfer_syntax_uid
    encapsulated = is_encapsulated(tsuid)
    big_endian = not header.is_little_endian
    lut = _palette_table(header, fmt) if fmt.is_palette else None
    if lut is not None:  # the table decides the output depth (8-bit unless its entries need 16)
        fmt = _replace_format(fmt, palette_bits=8 * lut.dtype.itemsize)
    if encapsulated and require_decoder:
        check_decoder(tsuid, src)

    buffer: bytes | None
    value_length: int | None
    if in_memory:
        try:
            buffer = bytes(ds.PixelData)
        except Exception as exc:
            raise PixelDataError(f"(7FE0,0010) Pixel Data cannot be read ({type(exc).__name__})", src) from exc
        value_offset, value_length = 0, len(buffer)
    else:
        buffer = None
        element = header.pixel_element
        assert element is not None
        value_offset, value_length = element.value_offset, element.length

    base = PixelSource(src, buffer, tsuid, fmt, number_of_frames, big_endian, lut=lut)
    with base.open_reader() as reader:
        if encapsulated or value_length is None:
            if not encapsulated:
                raise PixelDataError(
                    f"(7FE0,0010) Pixel Data has an undefined length but (0002,0010) Transfer Syntax UID = "
                    f"{tsuid} is not a compressed syntax",
                    src,
                )
            end = reader.size if value_length is None else min(reader.size, value_offset + value_length)
            offsets, lengths = _extended_offsets(header)
            frames = locate_encapsulated(
                reader,
                value_offset,
                end,
                number_of_frames,
                endian=">" if big_endian else "<",
                extended_offsets=offsets,
                extended_lengths=lengths,
                source=src,
            )
            return _replace(base, number_of_frames=len(frames.spans), spans=frames.spans, cut_short=frames.cut_short)
        frame_nbytes = _native_frame_nbytes(fmt)
        cut_short = value_offset + value_length > reader.size
        available = min(value_length, max(0, reader.size - value_offset)) // frame_nbytes
    if available < number_of_frames:
        cut = "; the file ends inside the pixel data" if cut_short else ""
        warnings.warn(
            f"{header.name}: (0028,0008) Number of Frames = {number_of_frames} but the pixel data holds "
            f"only {available} whole frame(s) of {frame_nbytes} bytes{cut}; only those are used",
            PixelDataWarning,
            stacklevel=3,
        )
    swap = (
        big_endian and fmt.bits_allocated == 8 and header.pixel_element is not None and header.pixel_element.vr == "OW"
    )
    return _replace(
        base,
        number_of_frames=min(available, number_of_frames),
        native_offset=value_offset,
        frame_nbytes=frame_nbytes,
        swap_ow_bytes=swap,
        cut_short=cut_short,
    )


def _replace(source: PixelSource, **changes: object) -> PixelSource:
    return replace(source, **changes)  # type: ignore[arg-type]


def _replace_format(fmt: PixelFormat, **changes: object) -> PixelFormat:
    return replace(fmt, **changes)  # type: ignore[arg-type]


def _native_frame_nbytes(fmt: PixelFormat) -> int:
    nbytes = fmt.rows * fmt.columns * fmt.samples_per_pixel * (fmt.bits_allocated // 8)
    if fmt.photometric_interpretation == "YBR_FULL_422":
        nbytes = nbytes // 3 * 2
    return nbytes


def _extended_offsets(header: Header) -> tuple[list[int] | None, list[int] | None]:
    ds = header.dataset
    if "ExtendedOffsetTable" not in ds or "ExtendedOffsetTableLengths" not in ds:
        return None, None
    endian = ">" if not header.is_little_endian else "<"
    try:
        raw_offsets, raw_lengths = bytes(ds.ExtendedOffsetTable), bytes(ds.ExtendedOffsetTableLengths)
        offsets = list(np.frombuffer(raw_offsets, dtype=f"{endian}u8").tolist())
        lengths = list(np.frombuffer(raw_lengths, dtype=f"{endian}u8").tolist())
    except Exception:
        return None, None
    return offsets, lengths


class FrameArray(BackendArray):
    """Lazy ``(time, rows, columns[, channel])`` frames of the whole image or one region box.

    Parameters
    ----------
    pixels
        The file's :class:`PixelSource`.
    box
        Inclusive (x0, y0, x1, y1) image pixel box to crop every frame to; None for the image.
    """

    def __init__(self, pixels: PixelSource, box: tuple[int, int, int, int] | None = None) -> None:
        self.pixels = pixels
        x0, y0, x1, y1 = box if box is not None else (0, 0, pixels.fmt.columns - 1, pixels.fmt.rows - 1)
        self.box = (x0, y0, x1, y1)
        self.shape = (pixels.number_of_frames, y1 - y0 + 1, x1 - x0 + 1) + pixels.frame_shape[2:]
        self.dtype = pixels.fmt.dtype

    def __getitem__(self, key: indexing.ExplicitIndexer) -> np.ndarray:
        # OUTER indexing: a list of frames reaches _raw_indexing_method as it is, so that exactly
        # those frames are decoded (BASIC would turn [3, 597] into the slice 3..597)
        values: np.ndarray = indexing.explicit_indexing_adapter(
            key, self.shape, indexing.IndexingSupport.OUTER, self._raw_indexing_method
        )
        return values

    def _raw_indexing_method(self, key: tuple[int | slice | np.ndarray, ...]) -> np.ndarray:
        key = tuple(key) + (slice(None),) * (len(self.shape) - len(key))
        time_key, row_key, column_key = key[:3]
        frames = _positions(time_key, self.shape[0])
        rows = _positions(row_key, self.shape[1])
        columns = _positions(column_key, self.shape[2])
        x0, y0 = self.box[0], self.box[1]
        if not frames or not rows or not columns:
            data = np.empty((len(frames), len(rows), len(columns)) + self.shape[3:], self.dtype)
        else:
            distinct = sorted(set(frames))  # each frame decoded once, however often it is asked for
            row_lo, row_hi = min(rows), max(rows)
            col_lo, col_hi = min(columns), max(columns)
            data = self.pixels.read(distinct, slice(y0 + row_lo, y0 + row_hi + 1), slice(x0 + col_lo, x0 + col_hi + 1))
            if distinct != frames:
                data = np.take(data, np.searchsorted(distinct, frames), axis=0)
            data = _subselect(data, rows, row_lo, 1)
            data = _subselect(data, columns, col_lo, 2)
        result_key = tuple(0 if isinstance(k, (int, np.integer)) else slice(None) for k in key[:3])
        return data[result_key + tuple(key[3:])]


def _positions(key: int | np.integer | slice | np.ndarray, size: int) -> list[int]:
    """The non-negative positions an outer-indexing key selects along an axis of ``size``."""
    if isinstance(key, slice):
        return list(range(size)[key])
    indices = np.atleast_1d(np.asarray(key, dtype=np.int64))
    return [int(i) for i in np.where(indices < 0, indices + size, indices)]


def _subselect(data: np.ndarray, positions: list[int], low: int, axis: int) -> np.ndarray:
    relative = [p - low for p in positions]
    if relative == list(range(relative[0], relative[0] + len(relative))):
        return data[(slice(None),) * axis + (slice(relative[0], relative[0] + len(relative)),)]
    return np.take(data, relative, axis=axis)


def lazy_variable_data(array: FrameArray) -> indexing.MemoryCachedArray:
    """Wrap a :class:`FrameArray` the way xarray's own backends do (lazy, cached once loaded)."""
    lazy = indexing.LazilyIndexedArray(array)
    return indexing.MemoryCachedArray(indexing.CopyOnWriteArray(lazy))  # type: ignore[arg-type]
