"""Locating frames in (7FE0,0010) Pixel Data without reading the pixel data into memory.

Native (uncompressed) frames sit at fixed offsets. Encapsulated frames are found from the Extended
Offset Table (7FE0,0001), else the Basic Offset Table, else a scan of the fragment item headers
by seeking (8 bytes read per fragment). Each frame is described by one byte span of whole items,
read in one system call at decode time.
"""

from __future__ import annotations

import struct
from collections.abc import Sequence
from dataclasses import dataclass

from ..codes import FrameLocation
from ..errors import PixelDataError, PixelDataWarning, warn
from .byte_io import ByteReader

__all__ = [
    "EncapsulatedFrames",
    "Fragments",
    "locate_encapsulated",
    "scan_fragments",
    "join_fragments",
]

ITEM = 0xFFFEE000
SEQUENCE_DELIMITER = 0xFFFEE0DD
UNDEFINED = 0xFFFFFFFF
# first bytes of a JPEG / JPEG-LS frame (SOI) and of a JPEG 2000 codestream (SOC)
_FRAME_START_MARKERS = (b"\xff\xd8", b"\xff\x4f")


@dataclass(frozen=True)
class EncapsulatedFrames:
    """Where each whole frame of encapsulated pixel data lies.

    Attributes
    ----------
    spans
        Per frame, the byte span ``(offset, length)`` of the whole items making it up. A frame
        the end of the data cuts into is not listed.
    method
        How the frames were found (extended or basic offset table, or a scan of the fragments).
    cut_short
        True when the pixel data ends before its sequence delimiter (the file ends inside it) or
        inside a fragment: the frames after the cut are missing.
    """

    spans: tuple[tuple[int, int], ...]
    method: FrameLocation
    cut_short: bool = False


@dataclass(frozen=True)
class Fragments:
    """The whole fragment items found by reading item headers from ``start`` on.

    Attributes
    ----------
    start
        Byte offset where the scan started (an item tag).
    items
        ``(value_offset, length)`` of each whole item, in file order.
    cut_short
        True when the data ended before the sequence delimiter, or inside an item (that item is
        not listed).
    """

    start: int
    items: tuple[tuple[int, int], ...]
    cut_short: bool

    @property
    def end(self) -> int:
        """Byte offset just past the last whole item (``start`` when there is none)."""
        if not self.items:
            return self.start
        value_offset, length = self.items[-1]
        return value_offset + length


def _item_header(reader: ByteReader, offset: int, endian: str) -> tuple[int, int] | None:
    head = reader.read(offset, 8)
    if len(head) < 8:
        return None
    group, element, length = struct.unpack(f"{endian}HHL", head)
    return (group << 16 | element, length)


def locate_encapsulated(
    reader: ByteReader,
    start: int,
    end: int,
    number_of_frames: int,
    *,
    endian: str = "<",
    extended_offsets: list[int] | None = None,
    extended_lengths: list[int] | None = None,
    source: str | None = None,
) -> EncapsulatedFrames:
    """Find the item spans of every whole frame of encapsulated pixel data.

    Parameters
    ----------
    reader
        Random access to the file.
    start
        Offset of the Basic Offset Table item tag (the start of the Pixel Data value).
    end
        Offset past which no pixel data can lie (the file size for an undefined length).
    number_of_frames
        (0028,0008) Number of Frames (1 when absent).

    Returns
    -------
    EncapsulatedFrames
        At most ``number_of_frames`` frames; fewer (even none) when the data holds fewer whole
        ones, with a :class:`~echolab.errors.PixelDataWarning`.
    """
    header = _item_header(reader, start, endian)
    if header is None or header[0] != ITEM:
        found = "the end of the file" if header is None else f"tag ({header[0] >> 16:04X},{header[0] & 0xFFFF:04X})"
        raise PixelDataError(
            f"encapsulated (7FE0,0010) Pixel Data does not start with a Basic Offset Table item "
            f"(FFFE,E000); found {found} at byte {start}",
            source,
        )
    bot_length = header[1]
    if bot_length == UNDEFINED or bot_length % 4:
        raise PixelDataError(f"the Basic Offset Table item has an impossible length {bot_length}", source)
    if start + 8 + bot_length > end:
        if end < reader.size:
            raise PixelDataError(f"the Basic Offset Table item has an impossible length {bot_length}", source)
        return _check_count(
            EncapsulatedFrames((), FrameLocation.BASIC_OFFSET_TABLE, cut_short=True), number_of_frames, source
        )
    first_fragment = start + 8 + bot_length

    if extended_offsets and extended_lengths and len(extended_offsets) == len(extended_lengths):
        spans = tuple((first_fragment + o, n + 8) for o, n in zip(extended_offsets, extended_lengths, strict=True))
        if not all(o + n <= end for o, n in spans):
            _warn("(7FE0,0001) Extended Offset Table points past the pixel data; scanning fragments instead", source)
        elif not _disjoint_and_increasing(spans):
            # one fragment listed a thousand times would be decoded a thousand times
            _warn(
                "(7FE0,0001) Extended Offset Table lists frames that repeat or overlap (each frame's "
                "offset must lie past the end of the previous one); scanning fragments instead",
                source,
            )
        else:
            return _check_count(
                EncapsulatedFrames(spans, FrameLocation.EXTENDED_OFFSET_TABLE), number_of_frames, source
            )

    fragments: Fragments | None = None
    if bot_length:
        count = bot_length // 4
        offsets = list(struct.unpack(f"{endian}{count}L", reader.read(start + 8, bot_length)))
        if offsets[0] == 0 and all(b > a for a, b in zip(offsets, offsets[1:], strict=False)):
            starts = [first_fragment + o for o in offsets]
            last = scan_fragments(reader, starts[-1], end, endian, source)
            if last.items and not last.cut_short:
                spans = tuple((s, e - s) for s, e in zip(starts, starts[1:] + [last.end], strict=True))
                return _check_count(
                    EncapsulatedFrames(spans, FrameLocation.BASIC_OFFSET_TABLE), number_of_frames, source
                )
            if last.cut_short:  # the data may end inside or before the last frame: keep the frames before the cut
                fragments = scan_fragments(reader, first_fragment, end, endian, source)
                frames = _whole_frames_of_table(starts, fragments) if fragments.cut_short else None
                if frames is not None:
                    return _check_count(frames, number_of_frames, source)
        _warn("the Basic Offset Table is inconsistent with the fragments; scanning fragments instead", source)

    if fragments is None:
        fragments = scan_fragments(reader, first_fragment, end, endian, source)
    items = fragments.items
    if number_of_frames == 1:  # every fragment belongs to the one frame, so a cut takes its end
        whole = bool(items) and not fragments.cut_short
        spans = ((items[0][0] - 8, items[-1][0] + items[-1][1] - items[0][0] + 8),) if whole else ()
    elif len(items) <= number_of_frames:
        spans = tuple((offset - 8, length + 8) for offset, length in items)  # one fragment per frame
    else:
        spans = _group_by_start_marker(reader, items)
        spans = spans[:-1] if fragments.cut_short else spans  # the fragments after the cut may belong to the last
    return _check_count(
        EncapsulatedFrames(spans, FrameLocation.FRAGMENT_SCAN, fragments.cut_short), number_of_frames, source
    )


def _disjoint_and_increasing(spans: Sequence[tuple[int, int]]) -> bool:
    """True when every span starts at or after the end of the one before it."""
    return all(start >= previous + length for (previous, length), (start, _) in zip(spans, spans[1:], strict=False))


def _whole_frames_of_table(starts: list[int], fragments: Fragments) -> EncapsulatedFrames | None:
    """The frames of a Basic Offset Table lying wholly in the whole items before a cut; None when
    the table's frame starts are not item boundaries (the table is wrong, not the file)."""
    boundaries = {value_offset - 8 for value_offset, _ in fragments.items} | {fragments.end}
    if any(s not in boundaries for s in starts if s <= fragments.end):
        return None
    ends = [e for e in starts[1:] if e <= fragments.end]  # the last frame's end is past the cut
    spans = tuple((s, e - s) for s, e in zip(starts, ends, strict=False))
    return EncapsulatedFrames(spans, FrameLocation.BASIC_OFFSET_TABLE, cut_short=True)


def scan_fragments(reader: ByteReader, offset: int, end: int, endian: str, source: str | None) -> Fragments:
    """The whole fragment items from ``offset`` to the sequence delimiter.

    The scan also stops at stray data (with a warning: the items after it are ignored), and
    where the data ends: at ``end``, or when an item is longer than what is left (that item is
    not listed, and the result is marked ``cut_short``).
    """
    start = offset
    items: list[tuple[int, int]] = []
    while offset + 8 <= end:
        header = _item_header(reader, offset, endian)
        if header is None:
            break
        tag, length = header
        if tag == SEQUENCE_DELIMITER:
            return Fragments(start, tuple(items), cut_short=False)
        if tag != ITEM or length == UNDEFINED:
            _warn(f"stray data in the pixel data fragments at byte {offset}; fragments after it are ignored", source)
            return Fragments(start, tuple(items), cut_short=False)
        if offset + 8 + length > end:
            return Fragments(start, tuple(items), cut_short=True)
        items.append((offset + 8, length))
        offset += 8 + length
    # no delimiter: cut short when the data ran to the end of the file (a defined length may end sooner)
    return Fragments(start, tuple(items), cut_short=end >= reader.size)


def _group_by_start_marker(reader: ByteReader, fragments: Sequence[tuple[int, int]]) -> tuple[tuple[int, int], ...]:
    groups: list[list[tuple[int, int]]] = []
    for offset, length in fragments:
        starts_frame = reader.read(offset, 2) in _FRAME_START_MARKERS
        if starts_frame or not groups:
            groups.append([])
        groups[-1].append((offset, length))
    return tuple((g[0][0] - 8, g[-1][0] + g[-1][1] - g[0][0] + 8) for g in groups)


def _check_count(frames: EncapsulatedFrames, number_of_frames: int, source: str | None) -> EncapsulatedFrames:
    found = len(frames.spans)
    cut = "; the file ends inside the pixel data" if frames.cut_short else ""
    if found < number_of_frames:
        _warn(
            f"(0028,0008) Number of Frames = {number_of_frames} but the pixel data holds {found} whole "
            f"frame(s) ({frames.method}{cut}); only {found} are used",
            source,
        )
    elif frames.cut_short:
        _warn("the encapsulated pixel data has no sequence delimiter (the file may be truncated)", source)
    if found > number_of_frames:
        _warn(
            f"the pixel data holds {found} frames but (0028,0008) Number of Frames = {number_of_frames}; "
            f"the extra frames are ignored",
            source,
        )
        frames = EncapsulatedFrames(frames.spans[:number_of_frames], frames.method, frames.cut_short)
    return frames


def join_fragments(data: bytes, endian: str, source: str | None) -> bytes:
    """Return the concatenated fragment values of a span of whole items."""
    view = memoryview(data)
    parts: list[memoryview] = []
    offset = 0
    while offset + 8 <= len(view):
        group, element, length = struct.unpack_from(f"{endian}HHL", view, offset)
        if (group << 16 | element) != ITEM:
            break
        parts.append(view[offset + 8 : offset + 8 + length])
        offset += 8 + length
    if not parts:
        raise PixelDataError("a frame's pixel data fragment is corrupt (no item tag where one must be)", source)
    return parts[0].tobytes() if len(parts) == 1 else b"".join(parts)


def _warn(message: str, source: str | None) -> None:
    warn(PixelDataWarning, message, source, stacklevel=4)
