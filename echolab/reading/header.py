"""Reading a DICOM header without its pixels, and reading single header values safely.

:func:`read_header` parses everything before (7FE0,0010) Pixel Data and records where the pixel
data element starts in the file, so pixels can later be read frame by frame without ever holding
the whole Pixel Data value in memory. The ``get_*`` helpers read one element and turn every
malformed value (wrong VR, several values, NaN, text in a number) into an
:class:`~echolab.errors.InvalidHeaderError` that names the element.
"""

from __future__ import annotations

import functools
import math
import mmap
import os
import struct
import warnings
from dataclasses import dataclass
from typing import IO, Any, cast

import pydicom
from pydicom.datadict import dictionary_description, tag_for_keyword
from pydicom.dataelem import RawDataElement
from pydicom.dataset import Dataset
from pydicom.errors import InvalidDicomError
from pydicom.multival import MultiValue

from .errors import InvalidHeaderError, NotDicomError

__all__ = [
    "Header",
    "PixelElement",
    "read_header",
    "looks_like_dicom",
    "element_name",
    "get_int",
    "get_float",
    "get_str",
    "get_float_list",
]

PIXEL_DATA_TAG = 0x7FE00010
_FLOAT_PIXEL_TAGS = (0x7FE00008, 0x7FE00009)
_UNDEFINED_LENGTH = 0xFFFFFFFF
_LONG_LENGTH_VRS = {b"OB", b"OW", b"OF", b"OD", b"OL", b"OV", b"SQ", b"UC", b"UR", b"UT", b"UN"}


def element_name(keyword: str) -> str:
    """Return ``"(gggg,eeee) Description"`` for a DICOM keyword, as used in messages."""
    tag = tag_for_keyword(keyword)
    if tag is None:
        return keyword
    return f"({tag >> 16:04X},{tag & 0xFFFF:04X}) {dictionary_description(tag)}"


@dataclass(frozen=True)
class PixelElement:
    """Where (7FE0,0010) Pixel Data's value lies in the file.

    Attributes
    ----------
    value_offset
        Byte offset of the first byte of the value (for encapsulated data: of the Basic Offset
        Table item tag).
    length
        Value length in bytes, or None for an undefined length (encapsulated pixel data).
    vr
        The value representation ("OB" / "OW"), or "" for implicit VR files.
    """

    value_offset: int
    length: int | None
    vr: str


@dataclass
class Header:
    """A parsed DICOM header: the data set without pixel values, and where the pixels are."""

    dataset: Dataset
    source: str | None
    transfer_syntax_uid: str
    is_little_endian: bool
    is_implicit_vr: bool
    pixel_element: PixelElement | None
    file_size: int | None

    @property
    def name(self) -> str:
        """The file path, or a placeholder for an in-memory data set."""
        return self.source if self.source is not None else "<in-memory dataset>"


def read_header(path: str | os.PathLike[str]) -> Header:
    """Parse the header of the DICOM file at ``path``, leaving the pixel data unread.

    Raises
    ------
    FileNotFoundError
        When ``path`` does not exist.
    NotDicomError
        When the file holds no DICOM data set (empty, text, an image of another format, ...).
    InvalidHeaderError
        When the header is truncated or corrupt.
    """
    source = os.fspath(path)
    if os.path.isdir(source):
        raise NotDicomError("is a directory, not a DICOM file", source)
    file_size = os.path.getsize(source)  # raises FileNotFoundError for a missing path
    if file_size == 0:
        raise NotDicomError("the file is empty (0 bytes); a DICOM file starts with a header", source)
    # a memory map reads no further than the file's end: a corrupt 4 GiB element length costs
    # nothing (a buffered file would allocate it before finding the end), and it is faster too
    with open(source, "rb") as raw_file, mmap.mmap(raw_file.fileno(), 0, access=mmap.ACCESS_READ) as mapped:
        fp = cast(IO[bytes], mapped)  # duck-typed: read, seek, tell
        dataset = _dcmread_header(fp, source)
        stop_position = fp.tell()
        is_implicit, is_little = dataset.original_encoding
        tsuid = _transfer_syntax(dataset, is_implicit, is_little)
        if is_implicit is None or is_little is None:
            raise InvalidHeaderError("cannot tell the data set's encoding (VR and byte order)", source)
        if tsuid == pydicom.uid.DeflatedExplicitVRLittleEndian:
            # a deflated data set cannot be addressed by file offsets: read it whole
            fp.seek(0)
            full = _dcmread_full(fp, source)
            return Header(full, source, tsuid, True, False, None, file_size)
        pixel_element = _read_pixel_element_header(fp, stop_position, is_implicit, is_little, source)
    return Header(dataset, source, tsuid, is_little, is_implicit, pixel_element, file_size)


def header_from_dataset(dataset: Dataset) -> Header:
    """Wrap an in-memory :class:`pydicom.dataset.Dataset` (pixels, if any, stay in it)."""
    if not isinstance(dataset, Dataset):
        raise NotDicomError(f"expected a path or a pydicom Dataset, got {type(dataset).__name__}")
    is_implicit, is_little = dataset.original_encoding
    if is_implicit is None:
        is_implicit, is_little = False, True
    tsuid = _transfer_syntax(dataset, is_implicit, is_little)
    source = getattr(dataset, "filename", None)
    source = source if isinstance(source, str) else None
    return Header(dataset, source, tsuid, bool(is_little), bool(is_implicit), None, None)


def _transfer_syntax(dataset: Dataset, is_implicit: bool | None, is_little: bool | None) -> str:
    meta = getattr(dataset, "file_meta", None)
    tsuid = meta.get("TransferSyntaxUID") if meta is not None else None
    if tsuid:
        return str(tsuid).strip("\x00 ")
    if is_implicit:
        return pydicom.uid.ImplicitVRLittleEndian
    return pydicom.uid.ExplicitVRLittleEndian if is_little else pydicom.uid.ExplicitVRBigEndian


def _dcmread_header(fp: IO[bytes], source: str) -> Dataset:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                dataset = pydicom.dcmread(fp, stop_before_pixels=True)
            except InvalidDicomError:
                # no preamble: accept only what starts like a raw data set
                fp.seek(0)
                if not _looks_like_raw_dataset(fp.read(8)):
                    raise NotDicomError(
                        "not a DICOM file: no 'DICM' preamble and no data set at the start", source
                    ) from None
                fp.seek(0)
                dataset = pydicom.dcmread(fp, stop_before_pixels=True, force=True)
    except NotDicomError:
        raise
    except Exception as exc:  # pydicom raises many types on corrupt headers
        raise InvalidHeaderError(f"cannot parse the DICOM header ({_short(exc)})", source) from exc
    if len(dataset) == 0:
        raise NotDicomError("not a DICOM file: the header holds no data elements", source)
    return dataset


def _dcmread_full(fp: IO[bytes], source: str) -> Dataset:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return pydicom.dcmread(fp, force=True)
    except Exception as exc:
        raise InvalidHeaderError(f"cannot parse the DICOM data set ({_short(exc)})", source) from exc


def looks_like_dicom(path: str | os.PathLike[str]) -> bool:
    """True when ``path`` is a file that starts like DICOM: the 'DICM' magic after the 128-byte
    preamble, or a raw data set without one. Reads at most 132 bytes; never raises."""
    try:
        with open(path, "rb") as handle:
            head = handle.read(132)
    except OSError:
        return False
    return head[128:132] == b"DICM" or _looks_like_raw_dataset(head[:8])


def _looks_like_raw_dataset(head: bytes) -> bool:
    """True when ``head`` starts with a plausible group 0002/0008 element (little endian)."""
    if len(head) < 8:
        return False
    group, element = struct.unpack("<HH", head[:4])
    if group not in (0x0002, 0x0008):
        return False
    vr = head[4:6]
    if vr.isalpha() and vr.isupper():
        return True  # explicit VR
    length: int = struct.unpack("<L", head[4:8])[0]
    return length < 0x10000  # implicit VR, a sane first length


def _read_pixel_element_header(
    fp: IO[bytes], position: int, is_implicit: bool, is_little: bool, source: str
) -> PixelElement | None:
    fp.seek(position)
    head = fp.read(8)
    if len(head) < 8:
        return None  # no pixel data element
    endian = "<" if is_little else ">"
    group, element = struct.unpack(f"{endian}HH", head[:4])
    tag = group << 16 | element
    if tag in _FLOAT_PIXEL_TAGS:
        raise InvalidHeaderError(
            f"holds ({group:04X},{element:04X}) float pixel data; ultrasound images use "
            "(7FE0,0010) Pixel Data with integer samples",
            source,
        )
    if tag != PIXEL_DATA_TAG:
        return None
    if is_implicit:
        (length,) = struct.unpack(f"{endian}L", head[4:8])
        vr = ""
        value_offset = position + 8
    else:
        vr_bytes = head[4:6]
        if vr_bytes in _LONG_LENGTH_VRS:
            extra = fp.read(4)
            if len(extra) < 4:
                return None
            (length,) = struct.unpack(f"{endian}L", extra)
            value_offset = position + 12
        else:
            (length,) = struct.unpack(f"{endian}H", head[6:8])
            value_offset = position + 8
        vr = vr_bytes.decode("ascii", "replace")
    return PixelElement(value_offset, None if length == _UNDEFINED_LENGTH else length, vr)


def _short(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {text}"[:200] if text else type(exc).__name__


# --- reading single values -------------------------------------------------------------------


#: Text VRs whose values are ASCII by the standard (no Specific Character Set applies).
_ASCII_VRS = frozenset({"IS", "DS", "UI", "CS", "DA", "TM", "DT", "AS"})
#: Binary numeric VRs decoded straight from the raw bytes: struct code and item size.
_BINARY_VRS = {"US": ("H", 2), "SS": ("h", 2), "UL": ("L", 4), "SL": ("l", 4), "FL": ("f", 4), "FD": ("d", 8)}


@functools.lru_cache(maxsize=512)
def _tag(keyword: str) -> int | None:
    return tag_for_keyword(keyword)


def _fast_value(element: Any) -> Any:
    """The value of a not-yet-converted numeric element, decoded without pydicom's conversion
    machinery (the bulk of header-reading time); ``NotImplemented`` for anything else."""
    if not isinstance(element, RawDataElement) or element.value is None:
        return NotImplemented
    data, vr = element.value, element.VR
    if vr in _BINARY_VRS:
        code, size = _BINARY_VRS[vr]
        if len(data) % size:
            return NotImplemented  # let pydicom report the odd length
        values = struct.unpack(("<" if element.is_little_endian else ">") + code * (len(data) // size), data)
        return values[0] if len(values) == 1 else list(values)
    if vr in _ASCII_VRS:  # numbers as text, UIDs and codes: plain ASCII by definition
        try:
            parts = [p.strip(" \x00") for p in data.decode("ascii").split("\\")]
        except UnicodeDecodeError:
            return NotImplemented  # let pydicom apply the character set (and complain)
        parts = [p for p in parts if p] if len(parts) > 1 else parts
        return parts[0] if len(parts) == 1 else parts
    return NotImplemented


def _raw(dataset: Dataset, keyword: str, source: str | None) -> Any:
    tag = _tag(keyword)
    if tag is None or tag not in dataset:
        return None
    try:
        value = _fast_value(dataset.get_item(tag))
        if value is NotImplemented:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # pydicom's VR validation; echolab reports its own
                value = dataset[tag].value
    except Exception as exc:  # a value pydicom cannot convert from its VR
        raise InvalidHeaderError(f"{element_name(keyword)} cannot be read ({_short(exc)})", source) from exc
    if value is None or value == "" or (isinstance(value, (bytes, MultiValue, list)) and len(value) == 0):
        return None
    if isinstance(value, (MultiValue, list, tuple)):
        if len(value) != 1:
            raise InvalidHeaderError(
                f"{element_name(keyword)} = {_show(value)} has {len(value)} values; one is expected",
                source,
            )
        value = value[0]
    return value


def get_int(
    dataset: Dataset,
    keyword: str,
    source: str | None,
    *,
    default: int | None = None,
    minimum: int | None = None,
    maximum: int | None = None,
) -> int | None:
    """Return an integer element's value, ``default`` when absent.

    Raises :class:`InvalidHeaderError` for non-integers and values outside ``[minimum, maximum]``.
    """
    value = _raw(dataset, keyword, source)
    if value is None:
        return default
    number: int
    try:
        if isinstance(value, bytes):
            raise TypeError
        as_float = float(value)
        if not math.isfinite(as_float) or as_float != int(as_float):
            raise ValueError
        number = int(as_float)
    except (TypeError, ValueError, OverflowError):
        raise InvalidHeaderError(f"{element_name(keyword)} = {_show(value)} is not an integer", source) from None
    if (minimum is not None and number < minimum) or (maximum is not None and number > maximum):
        bounds = f"{minimum if minimum is not None else '-inf'}..{maximum if maximum is not None else 'inf'}"
        raise InvalidHeaderError(f"{element_name(keyword)} = {number} is outside the valid range {bounds}", source)
    return number


def get_float(dataset: Dataset, keyword: str, source: str | None, *, default: float | None = None) -> float | None:
    """Return a numeric element's value as a finite float, ``default`` when absent."""
    value = _raw(dataset, keyword, source)
    if value is None:
        return default
    try:
        if isinstance(value, bytes):
            raise TypeError
        number = float(value)
    except (TypeError, ValueError, OverflowError):
        raise InvalidHeaderError(f"{element_name(keyword)} = {_show(value)} is not a number", source) from None
    if not math.isfinite(number):
        raise InvalidHeaderError(f"{element_name(keyword)} = {number} is not a finite number", source)
    return number


def get_float_list(dataset: Dataset, keyword: str, source: str | None) -> list[float] | None:
    """Return a multi-valued numeric element as finite floats, None when absent."""
    try:
        value = dataset[keyword].value if keyword in dataset else None
    except Exception as exc:
        raise InvalidHeaderError(f"{element_name(keyword)} cannot be read ({_short(exc)})", source) from exc
    if value is None or value == "":
        return None
    values = list(value) if isinstance(value, (MultiValue, list, tuple)) else [value]
    try:
        numbers = [float(v) for v in values]
    except (TypeError, ValueError, OverflowError):
        raise InvalidHeaderError(f"{element_name(keyword)} = {_show(value)} holds a non-number", source) from None
    if not all(math.isfinite(n) for n in numbers):
        raise InvalidHeaderError(f"{element_name(keyword)} holds a non-finite number", source)
    return numbers


def get_str(dataset: Dataset, keyword: str, source: str | None, *, default: str | None = None) -> str | None:
    """Return a text element's value stripped of padding, ``default`` when absent."""
    value = _raw(dataset, keyword, source)
    if value is None:
        return default
    if isinstance(value, bytes):
        value = value.decode("ascii", "replace")
    text = str(value).strip("\x00 ")
    return text or default


def _show(value: Any) -> str:
    text = repr(value) if isinstance(value, (str, bytes)) else str(value)
    return text if len(text) <= 60 else text[:57] + "..."
