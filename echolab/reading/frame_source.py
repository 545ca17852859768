"""The frame source: where each frame of a file is and how to decode any set of them.

:class:`PixelSource` is a small picklable description (file path, frame table, pixel format,
palette table) holding no open file handle; :func:`pixel_source` builds it from a header, the
pixel element's length and the fragment table. :meth:`PixelSource.read` decodes the frames asked
for — each once — into one preallocated array, split across threads (the decoders release the GIL).
"""

from __future__ import annotations

import contextlib
import contextvars
import os
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from typing import Protocol

import numpy as np

from ..errors import PixelDataError, PixelDataWarning, warn
from ..limits import limits, mib, raise_hint
from . import syntaxes
from .byte_io import BufferReader, ByteReader, FileReader
from .decoders import check_decoder, decode_encapsulated, decode_native
from .elements import element_value, has_element
from .encapsulated import join_fragments, locate_encapsulated
from .header import Header
from .pixel_format import (
    Photometric,
    PixelFormat,
    decoded_frame_nbytes,
    native_frame_nbytes,
    palette_table,
    pixel_format,
)
from .raw_header import RawHeader

__all__ = ["PixelSource", "FrameReader", "pixel_source", "is_encapsulated", "decode_frames", "decode_threads"]

_NATIVE_SYNTAXES = syntaxes.NATIVE


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
    def frame_shape(self) -> tuple[int, ...]:
        return self.fmt.frame_shape

    @property
    def dtype(self) -> np.dtype:
        return self.fmt.dtype

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
            encoded = self.encoded_frame(reader, index)
            decode_encapsulated(encoded, self.transfer_syntax_uid, self.fmt, out, self.lut, self.source, index)
        else:
            offset = self.native_offset + index * self.frame_nbytes
            data = self._read_native(reader, offset)
            if len(data) < self.frame_nbytes:
                raise PixelDataError(
                    f"frame {index} is truncated: {len(data)} of {self.frame_nbytes} bytes present", self.source
                )
            decode_native(data, self.fmt, self.big_endian, out, self.lut, self.source)

    def encoded_frame(self, reader: ByteReader, index: int) -> bytes:
        """The compressed bitstream of frame ``index`` of encapsulated pixel data: its fragments
        joined, exactly as the file holds them (what a decoder is handed)."""
        if self.spans is None:
            raise PixelDataError("the pixel data is not encapsulated: its frames have no bitstream", self.source)
        if not 0 <= index < self.number_of_frames:
            raise IndexError(f"frame {index} out of range 0..{self.number_of_frames - 1}")
        offset, length = self.spans[index]
        data = reader.read(offset, length)
        if len(data) < length:
            raise PixelDataError(f"frame {index} is truncated: {len(data)} of {length} bytes present", self.source)
        return join_fragments(data, ">" if self.big_endian else "<", self.source)

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
        with self.open_reader() as reader:
            whole = (
                len(range(self.fmt.rows)[rows]) == self.fmt.rows
                and len(range(self.fmt.columns)[columns]) == self.fmt.columns
            )
            if self.spans is None and whole:
                out = np.empty((len(frames), *self.frame_shape), dtype=self.fmt.dtype)
                if self._read_native_block(reader, frames, out):
                    return out
            return decode_frames(
                self.fmt, frames, rows, columns, lambda index, frame: self.decode_frame(reader, index, frame)
            )

    def _read_native_block(self, reader: ByteReader, frames: Sequence[int], out: np.ndarray) -> bool:
        """Read consecutive plain frames with one positional read straight into ``out``."""
        fmt = self.fmt
        plain = (
            self.spans is None
            and not self.swap_ow_bytes
            and fmt.bits_allocated in (8, 16, 32)
            and fmt.photometric_interpretation in (Photometric.MONOCHROME2, Photometric.RGB)
            and (fmt.samples_per_pixel == 1 or fmt.planar_configuration == 0)
            and not (fmt.pixel_representation and fmt.bits_stored < fmt.bits_allocated)
            and len(frames) > 0
            and _consecutive(frames)
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


class FrameReader(Protocol):
    """What :class:`echolab.arrays.FrameArray` reads frames from: a file's :class:`PixelSource`,
    or the frames an archive keeps (:mod:`echolab.archive.layout`)."""

    @property
    def source(self) -> str | None: ...

    @property
    def number_of_frames(self) -> int: ...

    @property
    def frame_shape(self) -> tuple[int, ...]:
        """(rows, columns[, channels]) of one output frame."""
        ...

    @property
    def dtype(self) -> np.dtype: ...

    def read(self, frames: Sequence[int], rows: slice, columns: slice) -> np.ndarray: ...


def decode_frames(
    fmt: PixelFormat,
    frames: Sequence[int],
    rows: slice,
    columns: slice,
    decode_frame: Callable[[int, np.ndarray], None],
) -> np.ndarray:
    """Decode ``frames`` with ``decode_frame(index, out)`` (``out`` a whole frame) into one
    preallocated array cropped to ``rows`` x ``columns`` (unit-step slices), split across
    :func:`decode_threads` threads: the decoders release the GIL."""
    height = len(range(fmt.rows)[rows])
    width = len(range(fmt.columns)[columns])
    out = np.empty((len(frames), height, width) + fmt.frame_shape[2:], dtype=fmt.dtype)
    full = height == fmt.rows and width == fmt.columns

    def work(block: Sequence[int]) -> None:
        scratch = None if full else np.empty(fmt.frame_shape, dtype=fmt.dtype)
        for position in block:
            if scratch is None:
                decode_frame(frames[position], out[position])
            else:
                decode_frame(frames[position], scratch)
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


def _consecutive(frames: Sequence[int]) -> bool:
    """True when ``frames`` are consecutive ascending frame numbers (a ``range`` is checked at once)."""
    if isinstance(frames, range):
        return frames.step == 1
    return all(b == a + 1 for a, b in zip(frames, frames[1:], strict=False))


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


def is_encapsulated(tsuid: str) -> bool:
    """True when (0002,0010) Transfer Syntax UID ``tsuid`` is not a native (uncompressed) one."""
    return tsuid not in _NATIVE_SYNTAXES


def pixel_source(
    header: Header | RawHeader, number_of_frames: int, *, require_decoder: bool = True
) -> PixelSource | None:
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
    if in_memory and not has_element(ds, "PixelData"):
        return None
    fmt = pixel_format(header)
    tsuid = header.transfer_syntax_uid
    encapsulated = is_encapsulated(tsuid)
    big_endian = not header.is_little_endian
    lut = palette_table(header, fmt) if fmt.is_palette else None
    if lut is not None:  # the table decides the output depth (8-bit unless its entries need 16)
        fmt = fmt.with_palette_bits(8 * lut.dtype.itemsize)
    if encapsulated and require_decoder:
        check_decoder(tsuid, src)

    buffer: bytes | None
    value_length: int | None
    if in_memory:
        try:
            buffer = bytes(element_value(ds, "PixelData"))
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
            _check_decoded_size(fmt, len(frames.spans), src)
            return _replace(base, number_of_frames=len(frames.spans), spans=frames.spans, cut_short=frames.cut_short)
        frame_nbytes = native_frame_nbytes(fmt)
        cut_short = value_offset + value_length > reader.size
        available = min(value_length, max(0, reader.size - value_offset)) // frame_nbytes
    if available < number_of_frames:
        cut = "; the file ends inside the pixel data" if cut_short else ""
        warn(
            PixelDataWarning,
            f"(0028,0008) Number of Frames = {number_of_frames} but the pixel data holds "
            f"only {available} whole frame(s) of {frame_nbytes} bytes{cut}; only those are used",
            src,
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


def _check_decoded_size(fmt: PixelFormat, frames: int, source: str | None) -> None:
    """Refuse compressed pixel data whose frames, all decoded, would exceed ``max_decoded_bytes``:
    a few kilobytes of highly compressed frames can claim gigabytes (see :mod:`echolab.limits`)."""
    total, limit = frames * decoded_frame_nbytes(fmt), limits().max_decoded_bytes
    if total > limit:
        raise PixelDataError(
            f"{frames} compressed frames of {fmt.rows} x {fmt.columns} ((0028,0010) Rows x (0028,0011) Columns) "
            f"take {mib(total)} decoded, above echolab's {mib(limit)} limit for one file "
            f"({raise_hint('max_decoded_bytes')})",
            source,
        )


def _replace(source: PixelSource, **changes: object) -> PixelSource:
    return replace(source, **changes)  # type: ignore[arg-type]


def _extended_offsets(header: Header | RawHeader) -> tuple[list[int] | None, list[int] | None]:
    ds = header.dataset
    if not has_element(ds, "ExtendedOffsetTable") or not has_element(ds, "ExtendedOffsetTableLengths"):
        return None, None
    endian = ">" if not header.is_little_endian else "<"
    try:
        raw_offsets = bytes(element_value(ds, "ExtendedOffsetTable"))
        raw_lengths = bytes(element_value(ds, "ExtendedOffsetTableLengths"))
        offsets = list(np.frombuffer(raw_offsets, dtype=f"{endian}u8").tolist())
        lengths = list(np.frombuffer(raw_lengths, dtype=f"{endian}u8").tolist())
    except Exception:
        return None, None
    return offsets, lengths
