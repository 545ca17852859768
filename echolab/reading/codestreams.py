"""Checking a compressed frame against the header before any decoder touches it.

A compressed frame carries its own size: a JPEG or JPEG-LS frame header (SOF), a JPEG 2000 SIZ
marker, an RLE header with its segment count. When that disagrees with (0028,0010) Rows,
(0028,0011) Columns or (0028,0002) Samples per Pixel, decoders misbehave in their own ways —
allocate what the header claims, return a wrongly shaped array, or (GDCM) abort the process —
so echolab refuses the frame first, with a :class:`~echolab.errors.PixelDataError` that says what
the stream holds and what the header claims. An RLE frame too short for the claimed size (RLE
expands at most 64 times) is refused the same way.

A frame can also carry text no decoder needs: JPEG and JPEG-LS comment (COM) and application
(APPn) segments, JPEG 2000 comment (COM) marker segments. Encoders fill them with their own name,
and any program may write anything there. :func:`without_text_segments` gives the frame without
them, the same pixels, for copies that must not carry identifiers.
"""

from __future__ import annotations

import re
import struct

from ..errors import PixelDataError
from . import syntaxes

__all__ = ["check_stream", "jpeg_frame_header", "j2k_size", "without_text_segments"]

_JPEG_FAMILY = {
    syntaxes.JPEG_BASELINE_8BIT,
    syntaxes.JPEG_EXTENDED_12BIT,
    syntaxes.JPEG_LOSSLESS,
    syntaxes.JPEG_LOSSLESS_SV1,
    syntaxes.JPEG_LS_LOSSLESS,
    syntaxes.JPEG_LS_NEAR_LOSSLESS,
}
_J2K_FAMILY = {
    syntaxes.JPEG_2000_LOSSLESS,
    syntaxes.JPEG_2000,
    syntaxes.HTJ2K_LOSSLESS,
    syntaxes.HTJ2K_LOSSLESS_RPCL,
    syntaxes.HTJ2K,
}
#: SOF markers of every JPEG process (not DHT C4, JPG C8, DAC CC) and JPEG-LS's SOF55 (F7).
_SOF_MARKERS = {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF, 0xF7}
#: Markers without a length field.
_STANDALONE = {0x01, 0xD0, 0xD1, 0xD2, 0xD3, 0xD4, 0xD5, 0xD6, 0xD7, 0xD8}
#: How far into a frame echolab looks for its header (tables come before it; 64 KiB is ample).
_SEARCH = 1 << 16


def jpeg_frame_header(data: bytes) -> tuple[int, int, int] | None:
    """(rows, columns, components) from the first SOF marker of a JPEG / JPEG-LS stream."""
    position = 2 if data[:2] == b"\xff\xd8" else None
    if position is None:
        return None
    end = min(len(data), _SEARCH)
    while position + 4 <= end:
        if data[position] != 0xFF:
            return None
        marker = data[position + 1]
        if marker == 0xFF:  # fill byte
            position += 1
            continue
        if marker in _STANDALONE:
            position += 2
            continue
        (length,) = struct.unpack(">H", data[position + 2 : position + 4])
        if marker in _SOF_MARKERS:
            if position + 10 > len(data):
                return None
            rows, columns = struct.unpack(">HH", data[position + 5 : position + 9])
            return rows, columns, data[position + 9]
        if length < 2:
            return None
        position += 2 + length
    return None


def j2k_size(data: bytes) -> tuple[int, int, int] | None:
    """(rows, columns, components) from the SIZ marker of a JPEG 2000 codestream (or JP2 file)."""
    position = data.find(b"\xff\x4f\xff\x51", 0, _SEARCH)
    if position < 0 or position + 42 > len(data):
        return None
    siz = position + 4
    xsiz, ysiz, x_offset, y_offset = struct.unpack(">IIII", data[siz + 4 : siz + 20])
    (components,) = struct.unpack(">H", data[siz + 36 : siz + 38])
    return ysiz - y_offset, xsiz - x_offset, components


def check_stream(
    data: bytes,
    tsuid: str,
    rows: int,
    columns: int,
    samples_per_pixel: int,
    bytes_per_sample: int,
    index: int,
    source: str | None,
) -> None:
    """Raise :class:`PixelDataError` when compressed frame ``index`` cannot be what the header says."""
    name = syntaxes.name(tsuid)
    if tsuid in _JPEG_FAMILY:
        found, what = jpeg_frame_header(data), "JPEG frame header (SOF)"
    elif tsuid in _J2K_FAMILY:
        found, what = j2k_size(data), "JPEG 2000 SIZ marker"
    elif tsuid == syntaxes.RLE_LOSSLESS:
        _check_rle(data, rows * columns, samples_per_pixel * bytes_per_sample, index, source)
        return
    else:
        return
    if found is None:
        raise PixelDataError(f"frame {index}: no {what} in its {len(data)} bytes of {name} data", source)
    if found != (rows, columns, samples_per_pixel):
        raise PixelDataError(
            f"frame {index}: the {what} says {found[0]} x {found[1]} with {found[2]} component(s) but "
            f"(0028,0010) Rows, (0028,0011) Columns, (0028,0002) Samples per Pixel say "
            f"{rows} x {columns} with {samples_per_pixel}",
            source,
        )


def _check_rle(data: bytes, pixels: int, segments_expected: int, index: int, source: str | None) -> None:
    if len(data) < 64:
        raise PixelDataError(f"frame {index}: {len(data)} bytes cannot hold an RLE header (64 bytes)", source)
    (segments,) = struct.unpack("<L", data[:4])
    if segments != segments_expected:
        raise PixelDataError(
            f"frame {index}: the RLE header has {segments} segment(s) but the Image Pixel module needs "
            f"{segments_expected} (samples per pixel x bytes per sample)",
            source,
        )
    if pixels > 64 * len(data):
        raise PixelDataError(
            f"frame {index}: {len(data)} bytes of RLE data cannot expand to {segments} segment(s) of "
            f"{pixels} bytes (RLE expands at most 64 times)",
            source,
        )


#: Application segments a decoder reads, by marker and the identifier their payload starts with:
#: JFIF (APP0: colour space), Adobe (APP14: the colour transform), HP's JPEG-LS colour transform
#: (APP8 "mrfx"). Every other APPn, and every COM, only carries text or metadata.
_DECODER_APP_SEGMENTS = {0xE0: b"JFIF\x00", 0xEE: b"Adobe", 0xE8: b"mrfx"}
_LATER_TEXT_SEGMENT = re.compile(rb"\xff[\xe0-\xef\xfe]")


def without_text_segments(data: bytes, tsuid: str) -> bytes | None:
    """Compressed frame ``data`` without the segments that only carry text or metadata (see the
    module's description): the same pixels when decoded. None when that cannot be promised (a JFIF
    thumbnail, a comment after the first scan or inside a JPEG 2000 tile-part header, a JP2 file,
    an unknown syntax): the caller must not copy the frame then.

    Parameters
    ----------
    data
        One frame's bitstream.
    tsuid
        (0002,0010) Transfer Syntax UID.
    """
    if tsuid in _JPEG_FAMILY:
        return _jpeg_without_text(data)
    if tsuid in _J2K_FAMILY:
        return _j2k_without_text(data)
    if tsuid == syntaxes.RLE_LOSSLESS:  # a header of offsets and byte runs: no place for text
        return data
    return None


def _jpeg_without_text(data: bytes) -> bytes | None:
    if data[:2] != b"\xff\xd8":
        return None
    kept, position = [data[:2]], 2
    while position + 4 <= len(data):
        if data[position] != 0xFF:
            return None
        marker = data[position + 1]
        if marker == 0xFF:  # fill byte
            position += 1
            continue
        if marker in _STANDALONE:
            kept.append(data[position : position + 2])
            position += 2
            continue
        (length,) = struct.unpack(">H", data[position + 2 : position + 4])
        end = position + 2 + length
        if length < 2 or end > len(data):
            return None
        if marker == 0xDA:  # start of scan: entropy-coded data follows
            rest = data[position:]
            # in entropy-coded data 0xFF is followed by 0x00 or RSTn (JPEG) or a byte below 0x80
            # (JPEG-LS), so 0xFF then 0xFE or 0xE0-0xEF is a real COM / APPn segment after the first scan
            if _LATER_TEXT_SEGMENT.search(rest):
                return None
            return b"".join(kept) + rest
        payload = data[position + 4 : end]
        if marker == 0xFE or (
            0xE0 <= marker <= 0xEF and not payload.startswith(_DECODER_APP_SEGMENTS.get(marker, b"-"))
        ):
            position = end  # text or metadata: dropped
            continue
        if marker == 0xE0 and len(payload) >= 14 and (payload[12] or payload[13]):
            return None  # a JFIF thumbnail: a small picture of the frame, banner included
        kept.append(data[position:end])
        position = end
    return None


def _j2k_without_text(data: bytes) -> bytes | None:
    if data[:4] != b"\xff\x4f\xff\x51":  # a bare codestream (a JP2 file has boxes that can hold XML)
        return None
    kept, position = [data[:2]], 2
    while position + 4 <= len(data):
        marker = data[position : position + 2]
        if marker == b"\xff\x90":  # the first tile-part: the main header ends
            break
        (length,) = struct.unpack(">H", data[position + 2 : position + 4])
        end = position + 2 + length
        if marker[0] != 0xFF or length < 2 or end > len(data):
            return None
        if marker != b"\xff\x64":  # COM: dropped
            kept.append(data[position:end])
        position = end
    tiles = position
    while position + 12 <= len(data) and data[position : position + 2] == b"\xff\x90":  # each tile-part header
        (tile_part_length,) = struct.unpack(">I", data[position + 6 : position + 10])
        header = position + 12
        while header + 4 <= len(data) and data[header : header + 2] != b"\xff\x93":  # until SOD
            if data[header : header + 2] == b"\xff\x64":
                return None  # a comment inside a tile-part: its length counts in Psot
            (length,) = struct.unpack(">H", data[header + 2 : header + 4])
            if length < 2:
                return None
            header += 2 + length
        if tile_part_length == 0:  # the last tile-part runs to the end
            break
        position += tile_part_length
    return b"".join(kept) + data[tiles:]
