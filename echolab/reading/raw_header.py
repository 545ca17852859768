"""Reading a DICOM header straight from the file's bytes, without pydicom, when it reads the same.

``echolab scan`` needs a few dozen elements of each file (:mod:`.tags`). pydicom takes a quarter
of a second to import — longer than scanning a few hundred files should take — and then builds an
element object for every element of the header (``dcmread(specific_tags=...)`` still walks and
imports everything); dicomsdl reads headers fast, in C++, but is no dependency of echolab, and
its values and errors are not pydicom's, on which every rule and message of the reading path is
built. No library reads just those elements the way pydicom would, so this module walks the data
set itself, keeps the bytes of the elements echolab reads and converts them as pydicom does.

It reads only what it can read exactly as pydicom would: a Part 10 file (the 'DICM' preamble,
explicit VR little endian file meta with a Transfer Syntax UID), implicit or explicit VR little
endian or explicit VR big endian, every element in bounds with a known VR, every sequence of
undefined length walked item by item (as pydicom parses it), and every value echolab reads clean
(numbers that parse, plain ASCII text, the lengths its VR needs). For any other file
:func:`read_raw_header` returns None and the caller reads the file with
:func:`.header.read_header` (pydicom), whose values and errors are the reference: a file reads
here exactly as there, or not at all. The tests compare both on every real and fuzzed file.
"""

from __future__ import annotations

import os
import re
import struct
from dataclasses import dataclass
from typing import Any, NamedTuple

from ..errors import EcholabError
from ..limits import limits
from . import syntaxes, tags
from .byte_io import open_regular
from .header import PixelElement, parse_pixel_element

__all__ = [
    "RawElement",
    "RawDataSet",
    "RawHeader",
    "read_raw_header",
    "decode_value",
    "item_key",
    "ASCII_VRS",
    "BINARY_VRS",
]

#: Text VRs whose values are ASCII by the standard (no Specific Character Set applies).
ASCII_VRS = frozenset({"IS", "DS", "UI", "CS", "DA", "TM", "DT", "AS"})
#: Binary numeric VRs: struct code and item size.
BINARY_VRS = {"US": ("H", 2), "SS": ("h", 2), "UL": ("L", 4), "SL": ("l", 4), "FL": ("f", 4), "FD": ("d", 8)}


def decode_value(vr: str | None, data: bytes, little_endian: bool) -> Any:
    """A numeric or ASCII element's value from its bytes, without pydicom's conversion machinery:
    one number or string, or a list of them; ``NotImplemented`` for other VRs and for a binary
    value whose length is not a whole number of items, or ASCII text that is not ASCII (pydicom
    converts those, and reports what is wrong)."""
    if vr in BINARY_VRS:
        code, size = BINARY_VRS[vr]
        if len(data) % size:
            return NotImplemented
        values = struct.unpack(("<" if little_endian else ">") + code * (len(data) // size), data)
        return values[0] if len(values) == 1 else list(values)
    if vr in ASCII_VRS:  # numbers as text, UIDs and codes: plain ASCII by definition
        try:
            parts = [p.strip(" \x00") for p in data.decode("ascii").split("\\")]
        except UnicodeDecodeError:
            return NotImplemented
        parts = [p for p in parts if p] if len(parts) > 1 else parts
        return parts[0] if len(parts) == 1 else parts
    return NotImplemented


class RawElement(NamedTuple):
    """One element as the file holds it.

    Attributes
    ----------
    vr
        The VR written (explicit VR), or the dictionary's for the elements of :mod:`.tags`
        (implicit VR; ``""`` for others).
    value
        The value's bytes (empty for a sequence whose items were parsed).
    items
        The items of a sequence echolab reads; None for any other element.
    """

    vr: str
    value: bytes
    items: tuple[RawDataSet, ...] | None = None


class RawDataSet:
    """A data set or sequence item read by :func:`read_raw_header`.

    Attributes
    ----------
    elements
        Every element kept, by tag: at the top level the elements of :mod:`.tags`, in a sequence
        item all of them.
    values
        The value of each element of :mod:`.tags` held, converted as pydicom converts it (a
        number or text, a list of them, a tag, bytes, or a list of items for a sequence); None
        for an empty value.
    """

    __slots__ = ("elements", "values")

    def __init__(self, elements: dict[int, RawElement], values: dict[int, Any]) -> None:
        self.elements = elements
        self.values = values

    def __contains__(self, tag: object) -> bool:
        return tag in self.elements

    def __len__(self) -> int:
        return len(self.elements)


def item_key(item: RawDataSet) -> tuple[Any, ...]:
    """What makes two sequence items the same: every element's tag and bytes (an empty value by
    its VR, as pydicom gives empty values of different VRs different values)."""
    return tuple((tag, element.value or ("", element.vr)) for tag, element in sorted(item.elements.items()))


@dataclass(frozen=True, kw_only=True)
class RawHeader:
    """What :func:`read_raw_header` read: the header's elements and where the pixels are (the
    same attributes as :class:`.header.Header`, whose ``dataset`` is pydicom's).

    Attributes
    ----------
    dataset
        The elements echolab reads.
    source
        Path of the file.
    transfer_syntax_uid
        (0002,0010) Transfer Syntax UID.
    is_little_endian
        Byte order of the data set (and of encapsulated item headers).
    pixel_element
        Where (7FE0,0010) Pixel Data's value lies in the file; None without pixel data.
    file_size
        Bytes in the file when it was opened.
    """

    dataset: RawDataSet
    source: str
    transfer_syntax_uid: str
    is_little_endian: bool
    pixel_element: PixelElement | None = None
    file_size: int

    @property
    def name(self) -> str:
        """The file path."""
        return self.source


def read_raw_header(path: str | os.PathLike[str]) -> RawHeader | None:
    """Read the header of the DICOM file at ``path`` as pydicom would read it, without pydicom.

    Returns None for a file it cannot vouch for (anything but a well-formed header, see the
    module docstring) and for one that cannot be opened: read those with
    :func:`.header.read_header`, which says what is wrong. Never raises.
    """
    source = os.fspath(path)
    try:
        fd = open_regular(source)
    except (OSError, EcholabError, ValueError):
        return None
    try:
        return _Reader(fd, os.fstat(fd).st_size).header(source)
    except (_Unsure, struct.error, EcholabError, ValueError, OSError, IndexError, KeyError, RecursionError):
        return None
    finally:
        os.close(fd)


class _Unsure(Exception):
    """The file is not one this module reads exactly as pydicom does."""


_CHUNK = 8192
#: Every VR pydicom knows, and those with a 4-byte length in explicit VR.
_VRS = frozenset(
    b"AE AS AT CS DA DS DT FD FL IS LO LT OB OD OF OL OV OW PN SH SL SQ SS ST SV TM UC UI UL UN UR US UT UV".split()
)
_LONG_VRS = frozenset(b"OB OD OF OL OV OW SQ SV UC UN UR UT UV".split())
#: Bytes before the value of an explicit VR element, by VR.
_HEAD_LENGTHS = {vr: 12 if vr in _LONG_VRS else 8 for vr in _VRS}
_ITEM, _ITEM_END, _SEQUENCE_END, _UNDEFINED = 0xFFFEE000, 0xFFFEE00D, 0xFFFEE0DD, 0xFFFFFFFF
_PIXEL_TAGS = frozenset({0x7FE00010, 0x7FE00008, 0x7FE00009})
_REGIONS = tags.ENTRIES["SequenceOfUltrasoundRegions"].tag
#: Sequences nested deeper than this are left to pydicom.
_MAX_DEPTH = 8
#: The top-level elements kept: those the reading path reads (the meta and pixel elements aside).
_KEPT = frozenset(tags.BY_TAG) - {
    tags.ENTRIES[k].tag for k in ("TransferSyntaxUID", "PixelData", "FloatPixelData", "DoubleFloatPixelData")
}
_NOTHING: frozenset[int] = frozenset()
#: The VRs of the file meta elements pydicom may convert while reading.
_META_VRS = {0x0000: b"UL", 0x0001: b"OB", 0x0010: b"UI"}
_CHARACTER_SET = tags.ENTRIES["SpecificCharacterSet"].tag


class _Reader:
    """The file's bytes by offset, read in windows of 8 KiB (a small header is one read)."""

    def __init__(self, fd: int, size: int) -> None:
        self.fd = fd
        self.size = size
        self.base = 0
        self.data = b""
        self.implicit = False
        self.little = True
        self.endian = "<"

    def window(self, offset: int, length: int) -> tuple[bytes, int]:
        """A buffer holding the ``length`` bytes at ``offset``, and where they start in it."""
        end = offset + length
        if end > self.size:
            raise _Unsure  # pydicom would read a short value here
        if offset >= self.base and end <= self.base + len(self.data):
            return self.data, offset - self.base
        data = os.pread(self.fd, max(length, _CHUNK), offset)
        if len(data) < length:
            raise _Unsure  # the file shrank while it was read
        self.base, self.data = offset, data
        return data, 0

    def bytes_at(self, offset: int, length: int) -> bytes:
        data, at = self.window(offset, length)
        return data[at : at + length]

    def header(self, source: str) -> RawHeader:
        if self.size < 140 or self.bytes_at(128, 4) != b"DICM":
            raise _Unsure  # no preamble: pydicom is asked to force its way through
        position, tsuid = self._file_meta(132)
        if tsuid == syntaxes.DEFLATED_EXPLICIT_VR_LITTLE_ENDIAN:
            raise _Unsure  # not addressable by file offsets: pydicom inflates it
        self.implicit = tsuid == syntaxes.IMPLICIT_VR_LITTLE_ENDIAN
        self.little = tsuid != syntaxes.EXPLICIT_VR_BIG_ENDIAN
        self.endian = "<" if self.little else ">"
        data, at = self.window(position, 6)
        if _looks_explicit(data, at) == self.implicit:
            raise _Unsure  # pydicom switches to the encoding the data set has
        elements, stop = self.elements(position, None, _KEPT, 0)
        _check_character_set(elements.get(_CHARACTER_SET))
        values = _values(elements, self.implicit, self.little)
        _check_palette(values)
        pixel = parse_pixel_element(
            self.bytes_at(stop, min(12, self.size - stop)), stop, self.implicit, self.little, source
        )
        return RawHeader(
            dataset=RawDataSet(elements, values),
            source=source,
            transfer_syntax_uid=tsuid,
            is_little_endian=self.little,
            pixel_element=pixel,
            file_size=self.size,
        )

    def _file_meta(self, position: int) -> tuple[int, str]:
        """Group 0002 (explicit VR little endian): where the data set starts, and its syntax.

        pydicom converts two of its elements while reading: the first (its test of the meta's
        encoding) and (0002,0010); each must be what the standard says, so that it converts."""
        tsuid: str | None = None
        first = True
        while True:
            data, at = self.window(position, 8)
            group, element = struct.unpack_from("<HH", data, at)
            if group != 2:
                break
            code = data[at + 4 : at + 6]
            if code not in _VRS or (element in _META_VRS and code != _META_VRS[element]):
                raise _Unsure
            if first and not (element == 0x0000 and data[at + 6 : at + 8] == b"\x04\x00") and element != 0x0001:
                raise _Unsure  # pydicom converts the first element of the meta to test its encoding
            first = False
            if code in _LONG_VRS:
                (length,) = struct.unpack("<L", self.bytes_at(position + 8, 4))
                start = position + 12
            else:
                (length,) = struct.unpack_from("<H", data, at + 6)
                start = position + 8
            if length == _UNDEFINED:
                raise _Unsure
            if element == 0x0010:
                tsuid = _transfer_syntax(self.bytes_at(start, length))
            position = start + length
        if group == 0 or tsuid is None:
            raise _Unsure  # a command set, or no (0002,0010): pydicom guesses the encoding
        return position, tsuid

    def elements(
        self, position: int, end: int | None, kept: frozenset[int] | None, depth: int
    ) -> tuple[dict[int, RawElement], int]:
        """The elements from ``position``: at the top level (``end`` None) up to the pixel data or
        the end of the file; in an item of defined length up to ``end``; in one of undefined
        length (``end`` -1) up to its delimiter. ``kept``: the tags whose values are kept (None:
        every one). Returns them and where reading stopped."""
        found: dict[int, RawElement] = {}
        implicit = self.implicit
        explicit_head, implicit_head, long_length = _STRUCTS[self.endian][4:7]
        bound = end if end is not None and end >= 0 else self.size  # no element may end past it
        stops = _PIXEL_TAGS if end is None else _NOTHING
        data, base = self.data, self.base
        available = base + len(data)
        while True:
            if position + 8 > bound:
                if position == end or end is None:
                    return found, position  # the item's end; at the top level, the end of the file
                raise _Unsure
            if position < base or position + 12 > available:  # the element's head lies outside the buffer
                data, at = self.window(position, min(12, self.size - position))
                base, available = position - at, position - at + len(data)
            at = position - base
            if implicit:
                group, element, length = implicit_head.unpack_from(data, at)
                start = position + 8
                code = b""
            else:
                group, element, code, length = explicit_head.unpack_from(data, at)
                head = _HEAD_LENGTHS.get(code)
                if head == 12:
                    (length,) = long_length.unpack_from(data, at + 8)
                    start = position + 12
                elif head is not None:
                    start = position + 8
                elif not b"AA" <= code <= b"ZZ":
                    # no VR there (pydicom's test): it reads this element as implicit VR (a 4-byte length)
                    group, element, length = implicit_head.unpack_from(data, at)
                    if group != 0xFFFE and (kept is None or (group << 16 | element) in kept):
                        raise _Unsure  # its value would be converted as in an implicit VR file
                    start = position + 8
                    code = b""
                else:
                    raise _Unsure  # an unknown VR: pydicom guesses a 2-byte length
            tag = group << 16 | element
            if group == 0xFFFE:
                if tag == _ITEM_END and end == -1:
                    return found, position + 8
                if tag == _ITEM_END:
                    raise _Unsure  # pydicom would end the data set here
            elif tag in stops:
                return found, position
            keep = kept is None or tag in kept
            if length == _UNDEFINED:
                if kept is None:
                    raise _Unsure  # in an item echolab reads, pydicom's value would be parsed items
                want = keep and tag == _REGIONS
                vr = _vr(code, tag)
                items, position = self._undefined_length(tag, vr, start, depth, want)
                data, base = self.data, self.base
                available = base + len(data)
                if keep:
                    if tag in found:
                        raise _Unsure
                    found[tag] = RawElement("SQ" if want else vr, b"", _comparable(items) if want else None)
                continue
            position = start + length
            if position > bound:
                raise _Unsure  # past the end of its item, or of the file
            if not keep:
                continue
            if tag in found:
                raise _Unsure  # twice in one data set: pydicom keeps the last
            vr = _vr(code, tag)
            if tag == _REGIONS and kept is not None:  # pydicom parses it when it is read
                if vr != "SQ":
                    raise _Unsure
                items, _ = self.sequence(start, position, depth + 1, want=True)
                found[tag] = RawElement(vr, b"", _comparable(items))
            elif start >= base and position <= available:
                found[tag] = RawElement(vr, data[start - base : position - base])
                continue
            else:
                found[tag] = RawElement(vr, self.bytes_at(start, length))
            data, base = self.data, self.base
            available = base + len(data)

    def _undefined_length(self, tag: int, vr: str, start: int, depth: int, want: bool) -> tuple[list[RawDataSet], int]:
        """Walk an element of undefined length, a sequence, as pydicom parses it; return its items
        (when ``want``) and where it ends."""
        if not self.implicit and vr != "SQ":
            raise _Unsure  # UN of undefined length holds implicit VR items; other VRs are read raw
        items, end = self.sequence(start, None, depth + 1, want)
        if self.implicit and vr != "SQ":
            # pydicom reads an element its dictionary does not call SQ as raw bytes up to the first
            # sequence delimiter: the walk must end there too, whichever way pydicom reads it
            delimiter = struct.pack(f"{self.endian}HH", 0xFFFE, 0xE0DD)
            data, at = self.window(start, end - start)
            if data.find(delimiter, at, at + end - start) != at + end - start - 8:
                raise _Unsure
        return items, end

    def sequence(self, position: int, end: int | None, depth: int, want: bool) -> tuple[list[RawDataSet], int]:
        """The items of a sequence from ``position`` to ``end`` (None: up to its delimiter), as
        data sets of every element when ``want`` (else none are kept); and where it ends."""
        if depth > _MAX_DEPTH:
            raise _Unsure
        item_head = _STRUCTS[self.endian][3]
        items: list[RawDataSet] = []
        limit = limits().max_regions if want else 0
        while True:
            if end is not None and position >= end:
                if position > end:
                    raise _Unsure
                return items, position
            data, at = self.window(position, 8)
            group, element, length = item_head.unpack_from(data, at)
            tag = group << 16 | element
            if tag == _SEQUENCE_END:
                if end is not None:
                    raise _Unsure  # a delimiter inside a sequence of defined length
                return items, position + 8
            if tag != _ITEM:
                raise _Unsure
            start = position + 8
            if not self.implicit:
                self._check_item_encoding(start, length)
            if length == _UNDEFINED:
                elements, position = self.elements(start, -1, None if want else _NOTHING, depth)
            else:
                position = start + length
                if position > (self.size if end is None else end):
                    raise _Unsure
                elements, _ = self.elements(start, position, None if want else _NOTHING, depth)
            if want:
                if len(items) == limit:
                    raise _Unsure  # more items than echolab reads: pydicom reads them, with a warning
                items.append(RawDataSet(elements, _values(elements, self.implicit, self.little)))

    def _check_item_encoding(self, start: int, length: int) -> None:
        """pydicom reads an item of an explicit VR data set as implicit VR when its first element
        looks so: leave such items to it."""
        if length == 0 or start + 8 > self.size:
            return
        data, at = self.window(start, 8)
        if _STRUCTS[self.endian][0].unpack_from(data, at) == (0xFFFE, 0xE00D):
            return  # an empty item of undefined length
        if not _looks_explicit(data, at):
            raise _Unsure


def _comparable(items: list[RawDataSet]) -> tuple[RawDataSet, ...]:
    """``items``, when :func:`item_key` tells them apart exactly as pydicom's values would: items
    differing only in the VR of an empty value are left to pydicom."""
    if len(items) < 2 or all(element.value for item in items for element in item.elements.values()):
        return tuple(items)  # no empty value to tell apart
    loose = {tuple((tag, element.value) for tag, element in sorted(item.elements.items())) for item in items}
    if len(loose) != len({item_key(item) for item in items}):
        raise _Unsure
    return tuple(items)


def _vr(code: bytes, tag: int) -> str:
    """The VR written (explicit VR), else the dictionary's for the elements of :mod:`.tags`."""
    if code:
        return code.decode("ascii")
    entry = tags.BY_TAG.get(tag)
    return entry.vr if entry is not None else ""


def _looks_explicit(data: bytes, at: int) -> bool:
    """pydicom's test of an element's encoding: two capital letters where an explicit VR would be."""
    return 0x40 < data[at + 4] < 0x5B and 0x40 < data[at + 5] < 0x5B


#: Per byte order: tag, 4- and 2-byte lengths, item head, explicit and implicit element heads, 4-byte length.
_STRUCTS = {
    endian: (
        struct.Struct(f"{endian}HH"),
        struct.Struct(f"{endian}L"),
        struct.Struct(f"{endian}H"),
        struct.Struct(f"{endian}HHL"),
        struct.Struct(f"{endian}HH2sH"),
        struct.Struct(f"{endian}HHL"),
        struct.Struct(f"{endian}L"),
    )
    for endian in "<>"
}


def _transfer_syntax(value: bytes) -> str:
    """(0002,0010) as pydicom compares it: digits and dots, padded with one NUL or space."""
    text = value[:-1] if value[-1:] in (b"\x00", b" ") else value
    if not _UID.fullmatch(text):
        raise _Unsure
    return text.decode("ascii")


# --- values, converted as pydicom converts them ----------------------------------------------------

_UID = re.compile(rb"[0-9]+(\.[0-9]+)*")


def _patterns(value: bytes) -> tuple[re.Pattern[bytes], re.Pattern[bytes]]:
    """One value and several, each padded with spaces, the whole padded at the end with NULs."""
    one = rb" *(?:" + value + rb") *"
    return re.compile(one + rb"[\x00 ]*"), re.compile(one + rb"(?:\\" + one + rb")+[\x00 ]*")


#: What each ASCII VR's values must look like to convert alike here and in pydicom.
_CLEAN_TEXT = {
    "IS": _patterns(rb"[+-]?[0-9]+"),
    "DS": _patterns(rb"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?"),
    "UI": _patterns(rb"[0-9]+(?:\.[0-9]+)*"),
    "CS": _patterns(rb"[A-Z0-9_]+(?: +[A-Z0-9_]+)*"),
}
#: Printable ASCII, padded at the end with spaces or NULs.
_PRINTABLE = re.compile(rb"[\x20-\x7e]*[\x00 ]*")
#: The terms of (0008,0005) whose decoding of plain ASCII is plain ASCII (or the default's).
_CHARACTER_SET_TERM = re.compile(r"(?:ISO[ _-]IR [0-9]+|ISO 2022 IR [0-9]+|GB18030|GBK)?")
#: An empty value; plain ASCII text (no backslash), padded at the end with spaces or NULs.
_BLANK = re.compile(rb"[\x00 ]*")
_PLAIN_TEXT = re.compile(rb"[\x20-\x5b\x5d-\x7e]*[\x00 ]*")
_ONE_NUMBER = {
    (vr, little): struct.Struct(("<" if little else ">") + code)
    for vr, (code, _) in BINARY_VRS.items()
    for little in (True, False)
}
#: Text VRs pydicom decodes with the character set (plain ASCII decodes alike in every one).
_TEXT_VRS = frozenset({"LO", "SH", "LT", "ST", "UT", "UC"})
_BYTE_VRS = frozenset({"OB", "OW", "OV", "UN"})


def _kinds() -> dict[int, str]:
    """How the reading path reads each element of :mod:`.tags` that is not one number or text."""
    kinds = {tags.ENTRIES[k].tag: "list" for k in ("FrameTimeVector", "RWaveTimeVector")}
    kinds[tags.ENTRIES["FrameIncrementPointer"].tag] = "tags"
    kinds[_REGIONS] = "items"
    for colour in ("Red", "Green", "Blue"):
        kinds[tags.ENTRIES[f"{colour}PaletteColorLookupTableDescriptor"].tag] = "descriptor"
    for keyword in tags.ENTRIES:
        if keyword.endswith("PaletteColorLookupTableData") or keyword.startswith("ExtendedOffsetTable"):
            kinds[tags.ENTRIES[keyword].tag] = "bytes"
    return kinds


_KINDS = _kinds()
_PIXEL_REPRESENTATION = tags.ENTRIES["PixelRepresentation"].tag


def _values(elements: dict[int, RawElement], implicit: bool, little: bool) -> dict[int, Any]:
    """The values of the elements of :mod:`.tags` among ``elements``, as pydicom gives them.

    Raises
    ------
    _Unsure
        For a value this module cannot convert exactly as pydicom does.
    """
    values: dict[int, Any] = {}
    for tag, element in elements.items():
        if tag in tags.BY_TAG and tag != _CHARACTER_SET:
            values[tag] = _value(tag, element, implicit, little, elements)
    return values


def _check_character_set(element: RawElement | None) -> None:
    """(0008,0005) Specific Character Set as pydicom reads it without fail, and decodes plain ASCII
    with: ASCII text of defined terms (``ISO_IR 100``, ``ISO 2022 IR 87``, ``GB18030``, ...), or
    their common misspelling (``ISO-IR 100``), each decoding ASCII as ASCII."""
    if element is None:
        return
    if element.vr != "CS" or not _PRINTABLE.fullmatch(element.value):
        raise _Unsure
    terms = element.value.decode("ascii").rstrip("\x00 ").split("\\")
    if not all(_CHARACTER_SET_TERM.fullmatch(term.strip()) for term in terms):
        raise _Unsure


def _value(tag: int, element: RawElement, implicit: bool, little: bool, elements: dict[int, RawElement]) -> Any:
    """The value of one element of :mod:`.tags` as pydicom gives it (see :class:`RawDataSet`)."""
    vr, data = element.vr, element.value
    kind = _KINDS.get(tag, "single")
    if kind == "items" or element.items is not None:
        if kind != "items" or vr != "SQ" or element.items is None:
            raise _Unsure
        return list(element.items)
    if kind == "bytes":
        if vr not in _BYTE_VRS:
            raise _Unsure
        return data or None
    if kind == "descriptor":
        if vr == "US or SS":  # implicit VR: pydicom decides by (0028,0103) Pixel Representation
            if _PIXEL_REPRESENTATION not in elements:
                raise _Unsure
            representation = _value(_PIXEL_REPRESENTATION, elements[_PIXEL_REPRESENTATION], implicit, little, elements)
            vr = "US" if representation == 0 else "SS"
        if vr != "US":
            raise _Unsure
    if kind == "tags":
        if vr != "AT" or len(data) % 4:
            raise _Unsure
        if not data:
            return None
        pairs = struct.unpack(("<" if little else ">") + "HH" * (len(data) // 4), data)
        found = [group << 16 | element for group, element in zip(pairs[::2], pairs[1::2], strict=True)]
        return found[0] if len(found) == 1 else found
    several = kind != "single" or not implicit  # pydicom's MultiValue of one read alone shows otherwise
    binary = BINARY_VRS.get(vr)
    if binary is not None:
        count, rest = divmod(len(data), binary[1])
        if rest or (count > 1 and not several):
            raise _Unsure
        if count == 1:
            return _ONE_NUMBER[vr, little].unpack(data)[0]
        return decode_value(vr, data, little) if count else None
    patterns = _CLEAN_TEXT.get(vr)
    if patterns is not None:  # as decode_value gives them, when they convert alike in pydicom
        if _BLANK.fullmatch(data):
            return None
        if patterns[0].fullmatch(data):
            return data.decode("ascii").strip(" \x00")
        if several and patterns[1].fullmatch(data):
            return [part.strip(" \x00") for part in data.decode("ascii").split("\\")]
        raise _Unsure  # empty values among several, or what pydicom converts otherwise
    if vr in _TEXT_VRS and kind == "single":
        if not _PLAIN_TEXT.fullmatch(data):
            raise _Unsure
        return data.decode("ascii").rstrip("\x00 ") or None
    raise _Unsure


def _tag(keyword: str) -> int:
    return tags.ENTRIES[keyword].tag


def _check_palette(values: dict[int, Any]) -> None:
    """A PALETTE COLOR image needs its lookup table built: read here only a plain palette (no
    segments, no alpha, no Pixel Presentation) of red, green and blue data of the same length, 8
    or 16 bits per entry as (0028,1101) says, which pydicom's ``apply_color_lut`` builds without
    fail (:func:`.pixel_format.palette_table` builds it the same way); other palettes, and the
    reasons they fail, are pydicom's."""
    if values.get(_tag("PhotometricInterpretation")) != "PALETTE COLOR":
        return
    present = {keyword for keyword in tags.ENTRIES if "Palette" in keyword and _tag(keyword) in values}
    if _tag("PixelPresentation") in values or any("Segmented" in k or "Alpha" in k for k in present):
        raise _Unsure
    descriptor = values.get(_tag("RedPaletteColorLookupTableDescriptor"))
    data: list[bytes] = [
        values.get(_tag(f"{colour}PaletteColorLookupTableData")) or b"" for colour in "Red Green Blue".split()
    ]
    if not isinstance(descriptor, list) or len(descriptor) != 3 or not all(data):
        raise _Unsure
    entries, depth = descriptor[0] or 2**16, descriptor[2]
    length = len(data[0])
    if depth not in (8, 16) or any(len(lut) != length for lut in data):
        raise _Unsure
    if length not in (entries, 2 * entries) or (length == entries and entries > 256):
        raise _Unsure
