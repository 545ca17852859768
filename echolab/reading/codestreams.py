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


#: Application segments a decoder reads: marker -> (identifier its payload starts with, exact
#: segment length): JFIF (APP0, colour space; a thumbnail makes it longer), Adobe (APP14, the
#: colour transform), HP's JPEG-LS colour transform (APP8 "mrfx"). Every other APPn, and every
#: COM, only carries text or metadata.
_DECODER_APP_SEGMENTS = {0xE0: (b"JFIF\x00", 16), 0xEE: (b"Adobe", 14), 0xE8: (b"mrfx", 7)}
#: JPEG / JPEG-LS segments of decoding tables and frame structure, kept: SOFn, DHT (C4), DAC (CC),
#: DQT (DB), DRI (DD), and JPEG-LS's LSE (F8).
_JPEG_TABLES = _SOF_MARKERS | {0xC4, 0xCC, 0xDB, 0xDD, 0xF8}
#: Between and after scans: those tables (minus SOFn), another scan (DA) or DNL (DC).
_JPEG_BETWEEN_SCANS = {0xC4, 0xCC, 0xDB, 0xDD, 0xF8, 0xDA, 0xDC}
#: Where a marker may start inside entropy-coded data: 0xFF then anything but 0x00 (stuffing) and
#: 0xFF (fill) in JPEG; 0xFF then a byte with its high bit set in JPEG-LS (lower ones are data).
_JPEG_MARKER = re.compile(rb"\xff[\x01-\xfe]")
_JPEG_LS_MARKER = re.compile(rb"\xff[\x80-\xfe]")
#: JPEG 2000 marker segments kept (second byte): CAP, SIZ, COD, COC, TLM, PLM, PLT, CPF, QCD, QCC,
#: RGN, POC, PPM, PPT, CRG. COM (64) is dropped from the main header; any other is refused.
_J2K_SEGMENTS = {0x50, 0x51, 0x52, 0x53, 0x55, 0x57, 0x58, 0x59, 0x5C, 0x5D, 0x5E, 0x5F, 0x60, 0x61, 0x63}
#: Bytes that may follow the end of a frame's codestream: the pad byte of an odd length (0x00,
#: or 0xFF from some encoders) — too little to say anything.
_PADDING = 1


def without_text_segments(data: bytes, tsuid: str) -> bytes | None:
    """Compressed frame ``data`` without the segments that only carry text or metadata (see the
    module's description): the same pixels when decoded, and nothing else. None when that cannot
    be promised — a JFIF thumbnail, a decoder's segment longer than its fields, a comment after the
    first scan or inside a JPEG 2000 tile-part header, a marker not known to hold only decoding
    tables, bytes after the end of the codestream, a JP2 file, RLE (whose unused header offsets
    and segment tails can hold anything) or another syntax: the caller must not copy the frame.

    Parameters
    ----------
    data
        One frame's bitstream.
    tsuid
        (0002,0010) Transfer Syntax UID.
    """
    if tsuid in _JPEG_FAMILY:
        is_ls = tsuid in (syntaxes.JPEG_LS_LOSSLESS, syntaxes.JPEG_LS_NEAR_LOSSLESS)
        return _jpeg_without_text(data, _JPEG_LS_MARKER if is_ls else _JPEG_MARKER)
    if tsuid in _J2K_FAMILY:
        return _j2k_without_text(data)
    return None


def _jpeg_without_text(data: bytes, marker_pattern: re.Pattern[bytes]) -> bytes | None:
    if data[:2] != b"\xff\xd8":
        return None
    kept, position = [data[:2]], 2
    while position + 4 <= len(data):  # the tables before the first scan
        if data[position] != 0xFF:
            return None
        marker = data[position + 1]
        if marker == 0xFF:  # fill byte
            position += 1
            continue
        (length,) = struct.unpack(">H", data[position + 2 : position + 4])
        end = position + 2 + length
        if length < 2 or end > len(data):
            return None
        if marker == 0xDA:
            scan = _jpeg_scans_end(data, position, marker_pattern)
            return None if scan is None else b"".join(kept) + data[position:scan]
        if marker in _DECODER_APP_SEGMENTS:
            identifier, size = _DECODER_APP_SEGMENTS[marker]
            if data[position + 4 : position + 4 + len(identifier)] == identifier:
                # a decoder reads it: exactly its fields (a JFIF thumbnail, a picture of the frame, is refused)
                if length != size or (marker == 0xE0 and data[position + 16 : position + 18] != b"\x00\x00"):
                    return None
                kept.append(data[position:end])
                position = end
                continue
        if marker == 0xFE or 0xE0 <= marker <= 0xEF:
            position = end  # text or metadata: dropped
            continue
        if marker not in _JPEG_TABLES:
            return None
        kept.append(data[position:end])
        position = end
    return None


def _jpeg_scans_end(data: bytes, position: int, marker_pattern: re.Pattern[bytes]) -> int | None:
    """Where the frame's scans end (after EOI), from the first SOS at ``position``; None when a
    segment that is not a decoding table or scan follows, or anything but padding after EOI."""
    while True:  # at a segment with a length (the first: SOS)
        (length,) = struct.unpack(">H", data[position + 2 : position + 4])
        if length < 2 or position + 2 + length > len(data):
            return None
        found = marker_pattern.search(data, position + 2 + length)
        while found is not None and 0xD0 <= data[found.start() + 1] <= 0xD7:  # RSTn inside a scan
            found = marker_pattern.search(data, found.start() + 2)
        if found is None:
            return None
        position, marker = found.start(), data[found.start() + 1]
        if marker == 0xD9:  # EOI
            return position + 2 if len(data) - position - 2 <= _PADDING else None
        if marker not in _JPEG_BETWEEN_SCANS or position + 4 > len(data):
            return None


def _j2k_without_text(data: bytes) -> bytes | None:
    if data[:4] != b"\xff\x4f\xff\x51":  # a bare codestream (a JP2 file has boxes that can hold XML)
        return None
    kept, position = [data[:2]], 2
    while position + 4 <= len(data):  # the main header
        marker = data[position : position + 2]
        if marker == b"\xff\x90":  # the first tile-part: the main header ends
            break
        (length,) = struct.unpack(">H", data[position + 2 : position + 4])
        end = position + 2 + length
        if marker[0] != 0xFF or length < 2 or end > len(data):
            return None
        if marker[1] != 0x64:  # COM: dropped
            if marker[1] not in _J2K_SEGMENTS:
                return None
            kept.append(data[position:end])
        position = end
    tiles = position
    while data[position : position + 2] == b"\xff\x90":  # each tile-part, by its own length (Psot)
        if position + 12 > len(data):
            return None
        (tile_part_length,) = struct.unpack(">I", data[position + 6 : position + 10])
        if tile_part_length == 0:  # the last tile-part, which runs to EOC
            end = data.rfind(b"\xff\xd9", position)
        else:
            end = position + tile_part_length
        if end < position + 14 or end > len(data):
            return None
        header = position + 12
        while data[header : header + 2] != b"\xff\x93":  # the tile-part header, until SOD
            if header + 4 > end or data[header] != 0xFF or data[header + 1] not in _J2K_SEGMENTS:
                return None  # a comment here counts in Psot; anything unknown is refused
            (length,) = struct.unpack(">H", data[header + 2 : header + 4])
            if length < 2:
                return None
            header += 2 + length
        position = end
    if data[position : position + 2] != b"\xff\xd9" or len(data) - position - 2 > _PADDING:  # EOC, then padding
        return None
    return b"".join(kept) + data[tiles : position + 2]
