"""Structured Report files written byte by byte (explicit VR little endian), for hostile cases that
pydicom will not write: trees nested thousands of levels deep, millions of bytes of items,
elements with the wrong VR or values that do not parse."""

from __future__ import annotations

import struct
from pathlib import Path

#: VRs whose explicit length field is 4 bytes (after two reserved bytes).
_LONG = {"OB", "OW", "OF", "OD", "OL", "OV", "SQ", "UC", "UR", "UT", "UN"}
_ITEM, _ITEM_END, _SEQUENCE_END = 0xFFFEE000, 0xFFFEE00D, 0xFFFEE0DD
COMPREHENSIVE_SR = "1.2.840.10008.5.1.4.1.1.88.33"


def element(tag: int, vr: str, value: bytes) -> bytes:
    """One element; ``value`` is padded to an even length."""
    if len(value) % 2:
        value += b"\x00" if vr in ("UI", "OB", "UN") else b" "
    head = struct.pack("<HH", tag >> 16, tag & 0xFFFF) + vr.encode()
    if vr in _LONG:
        return head + b"\x00\x00" + struct.pack("<L", len(value)) + value
    return head + struct.pack("<H", len(value)) + value


def text(tag: int, vr: str, value: str) -> bytes:
    return element(tag, vr, value.encode("ascii"))


def sequence(tag: int, items: list[bytes]) -> bytes:
    """A sequence of undefined length whose items are of undefined length."""
    head = struct.pack("<HH", tag >> 16, tag & 0xFFFF) + b"SQ\x00\x00" + struct.pack("<L", 0xFFFFFFFF)
    body = b"".join(
        _tag(_ITEM) + struct.pack("<L", 0xFFFFFFFF) + item + _tag(_ITEM_END) + b"\0\0\0\0" for item in items
    )
    return head + body + _tag(_SEQUENCE_END) + b"\0\0\0\0"


def _tag(tag: int) -> bytes:
    return struct.pack("<HH", tag >> 16, tag & 0xFFFF)


def code(value: str, scheme: str, meaning: str) -> bytes:
    """A code sequence item's elements."""
    return text(0x00080100, "SH", value) + text(0x00080102, "SH", scheme) + text(0x00080104, "LO", meaning)


def item(
    value_type: str | None,
    relationship: str | None = "CONTAINS",
    concept: tuple[str, str, str] | None = ("1234", "99TEST", "Test concept"),
    *,
    between: bytes = b"",
    children: list[bytes] | None = None,
) -> bytes:
    """A content item's elements, in tag order: (0040,A010), (0040,A040), (0040,A043), the
    value elements ``between`` (tags between (0040,A043) and (0040,A730)), (0040,A730)."""
    data = b""
    if relationship is not None:
        data += text(0x0040A010, "CS", relationship)
    if value_type is not None:
        data += text(0x0040A040, "CS", value_type)
    if concept is not None:
        data += sequence(0x0040A043, [code(*concept)])
    data += between
    if children is not None:
        data += sequence(0x0040A730, children)
    return data


def numeric(value: bytes, unit: str = "cm") -> bytes:
    """(0040,A300) Measured Value Sequence holding a (0040,A30A) Numeric Value given as bytes."""
    units = sequence(0x004008EA, [code(unit, "UCUM", unit)])
    return sequence(0x0040A300, [units + element(0x0040A30A, "DS", value)])


def nested(depth: int) -> bytes:
    """A chain of CONTAINER items ``depth`` levels deep below the root, a NUM at the bottom
    (built in linear time: every level is the same prefix and suffix around the one below)."""
    marker = b"\xde\xad\xbe\xef"
    prefix, suffix = item("CONTAINER", children=[marker]).split(marker)
    return prefix * (depth - 1) + item("NUM", between=numeric(b"1.5")) + suffix * (depth - 1)


def document(children: list[bytes], *, sop_class: str = COMPREHENSIVE_SR, root_extra: bytes = b"") -> bytes:
    """A Part 10 file of an SR document whose root CONTAINER holds ``children``."""
    dataset = (
        text(0x00080016, "UI", sop_class)
        + text(0x00080018, "UI", "1.2.826.0.1.3680043.8.498.1")
        + text(0x00080060, "CS", "SR")
        + text(0x0020000D, "UI", "1.2.826.0.1.3680043.8.498.2")
        + text(0x0020000E, "UI", "1.2.826.0.1.3680043.8.498.3")
        + text(0x0040A040, "CS", "CONTAINER")
        + sequence(0x0040A043, [code("125200", "DCM", "Adult Echocardiography Procedure Report")])
        + text(0x0040A050, "CS", "SEPARATE")
        + text(0x0040A491, "CS", "COMPLETE")
        + text(0x0040A493, "CS", "UNVERIFIED")
        + root_extra
        + sequence(0x0040A730, children)
    )
    meta_body = (
        element(0x00020001, "OB", b"\x00\x01")
        + text(0x00020002, "UI", sop_class)
        + text(0x00020003, "UI", "1.2.826.0.1.3680043.8.498.1")
        + text(0x00020010, "UI", "1.2.840.10008.1.2.1")
    )
    meta = element(0x00020000, "UL", struct.pack("<L", len(meta_body))) + meta_body
    return b"\0" * 128 + b"DICM" + meta + dataset


def write(path: Path, children: list[bytes], **options: object) -> str:
    path.write_bytes(document(children, **options))  # type: ignore[arg-type]
    return str(path)
