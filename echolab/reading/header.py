"""Reading a DICOM header without its pixels.

:func:`read_header` parses everything before (7FE0,0010) Pixel Data and records where the pixel
data element starts in the file, so pixels can later be read frame by frame without ever holding
the whole Pixel Data value in memory. Single values are read with :mod:`.elements`.
"""

from __future__ import annotations

import os
import struct
import warnings
from dataclasses import dataclass
from typing import IO, TYPE_CHECKING, BinaryIO, cast

from ..errors import InvalidHeaderError, NotDicomError, short_exception
from . import syntaxes
from .byte_io import open_regular

if TYPE_CHECKING:  # pydicom is imported when a header is parsed with it, not before
    from pydicom.dataset import Dataset

__all__ = [
    "Header",
    "PixelElement",
    "read_header",
    "header_from_dataset",
    "looks_like_dicom",
    "looks_like_raw_dataset",
    "parse_pixel_element",
]

PIXEL_DATA_TAG = 0x7FE00010
_FLOAT_PIXEL_TAGS = (0x7FE00008, 0x7FE00009)
_UNDEFINED_LENGTH = 0xFFFFFFFF
_LONG_LENGTH_VRS = {b"OB", b"OW", b"OF", b"OD", b"OL", b"OV", b"SQ", b"UC", b"UR", b"UT", b"UN"}


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


@dataclass(frozen=True, kw_only=True)
class Header:
    """A parsed DICOM header: the data set without pixel values, and where the pixels are.

    Attributes
    ----------
    dataset
        The data set, pixel data deferred (a deflated file's is read whole).
    source
        Path of the file; None for an in-memory data set.
    transfer_syntax_uid
        (0002,0010) Transfer Syntax UID (implied from the encoding when the meta is missing).
    is_little_endian
        Byte order of the data set (and of encapsulated item headers).
    pixel_element
        Where (7FE0,0010) Pixel Data's value lies in the file; None in memory or without pixels.
    file_size
        Bytes in the file; None for an in-memory data set.
    """

    dataset: Dataset
    source: str | None
    transfer_syntax_uid: str
    is_little_endian: bool
    pixel_element: PixelElement | None = None
    file_size: int | None = None

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
    # only a regular file (a named pipe would block forever); FileNotFoundError for a missing path
    with os.fdopen(open_regular(source), "rb") as handle:
        file_size = os.fstat(handle.fileno()).st_size
        if file_size == 0:
            raise NotDicomError("the file is empty (0 bytes); a DICOM file starts with a header", source)
        # reads never ask for more than the file held when opened: a corrupt 4 GiB element length
        # costs nothing, and a file cut short meanwhile gives short reads (a memory map would
        # kill the process with SIGBUS), which pydicom reports as a truncated header
        fp = cast(IO[bytes], _BoundedReader(handle, file_size))
        dataset = _dcmread_header(fp, source)
        stop_position = fp.tell()
        is_implicit, is_little = dataset.original_encoding
        tsuid = _transfer_syntax(dataset, is_implicit, is_little)
        if is_implicit is None or is_little is None:
            raise InvalidHeaderError("cannot tell the data set's encoding (VR and byte order)", source)
        if tsuid == syntaxes.DEFLATED_EXPLICIT_VR_LITTLE_ENDIAN:
            # a deflated data set cannot be addressed by file offsets: read it whole
            fp.seek(0)
            full = _dcmread_full(fp, source)
            return Header(
                dataset=full, source=source, transfer_syntax_uid=tsuid, is_little_endian=True, file_size=file_size
            )
        fp.seek(stop_position)
        pixel_element = parse_pixel_element(fp.read(12), stop_position, is_implicit, is_little, source)
    return Header(
        dataset=dataset,
        source=source,
        transfer_syntax_uid=tsuid,
        is_little_endian=is_little,
        pixel_element=pixel_element,
        file_size=file_size,
    )


class _BoundedReader:
    """A file read no further than ``size`` bytes, its size when opened (what pydicom needs of a
    file object: ``read``, ``seek``, ``tell``).

    A read asks the file for at most the bytes left before ``size``: a corrupt element length of
    4 GiB allocates nothing (a buffered file allocates what is asked before finding the end), and
    a file that shrinks while it is read gives short reads instead of a crash.
    """

    def __init__(self, handle: BinaryIO, size: int) -> None:
        self._handle = handle
        self._size = size
        self._position = handle.tell()

    def read(self, size: int | None = -1) -> bytes:
        left = max(0, self._size - self._position)
        data = self._handle.read(left if size is None or size < 0 or size > left else size)
        self._position += len(data)
        return data

    def seek(self, offset: int, whence: int = os.SEEK_SET) -> int:
        self._position = self._handle.seek(offset, whence)
        return self._position

    def tell(self) -> int:
        return self._position


def header_from_dataset(dataset: Dataset) -> Header:
    """Wrap an in-memory :class:`pydicom.dataset.Dataset` (pixels, if any, stay in it)."""
    from pydicom.dataset import Dataset

    if not isinstance(dataset, Dataset):
        raise NotDicomError(f"expected a path or a pydicom Dataset, got {type(dataset).__name__}")
    is_implicit, is_little = dataset.original_encoding
    if is_implicit is None:
        is_implicit, is_little = False, True
    tsuid = _transfer_syntax(dataset, is_implicit, is_little)
    source = getattr(dataset, "filename", None)
    source = source if isinstance(source, str) else None
    return Header(dataset=dataset, source=source, transfer_syntax_uid=tsuid, is_little_endian=bool(is_little))


def _transfer_syntax(dataset: Dataset, is_implicit: bool | None, is_little: bool | None) -> str:
    meta = getattr(dataset, "file_meta", None)
    tsuid = meta.get("TransferSyntaxUID") if meta is not None else None
    if tsuid:
        return str(tsuid).strip("\x00 ")
    if is_implicit:
        return syntaxes.IMPLICIT_VR_LITTLE_ENDIAN
    return syntaxes.EXPLICIT_VR_LITTLE_ENDIAN if is_little else syntaxes.EXPLICIT_VR_BIG_ENDIAN


def _dcmread_header(fp: IO[bytes], source: str) -> Dataset:
    import pydicom
    from pydicom.errors import InvalidDicomError

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                dataset = pydicom.dcmread(fp, stop_before_pixels=True)
            except InvalidDicomError:
                # no preamble: accept only what starts like a raw data set
                fp.seek(0)
                if not looks_like_raw_dataset(fp.read(8)):
                    raise NotDicomError(
                        "not a DICOM file: no 'DICM' preamble and no data set at the start", source
                    ) from None
                fp.seek(0)
                dataset = pydicom.dcmread(fp, stop_before_pixels=True, force=True)
    except NotDicomError:
        raise
    except Exception as exc:  # pydicom raises many types on corrupt headers
        raise InvalidHeaderError(f"cannot parse the DICOM header ({short_exception(exc)})", source) from exc
    if len(dataset) == 0:
        raise NotDicomError("not a DICOM file: the header holds no data elements", source)
    return dataset


def _dcmread_full(fp: IO[bytes], source: str) -> Dataset:
    import pydicom

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return pydicom.dcmread(fp, force=True)
    except Exception as exc:
        raise InvalidHeaderError(f"cannot parse the DICOM data set ({short_exception(exc)})", source) from exc


def looks_like_dicom(path: str | os.PathLike[str]) -> bool:
    """True when ``path`` is a file that starts like DICOM: the 'DICM' magic after the 128-byte
    preamble, or a raw data set without one. Reads at most 132 bytes of a regular file (never a
    named pipe or a device: False); never raises."""
    try:
        with os.fdopen(open_regular(path), "rb") as handle:
            head = handle.read(132)
    except (OSError, NotDicomError):  # missing, unreadable, or not a regular file (never opened)
        return False
    return head[128:132] == b"DICM" or looks_like_raw_dataset(head[:8])


def looks_like_raw_dataset(head: bytes) -> bool:
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


def parse_pixel_element(
    head: bytes, position: int, is_implicit: bool, is_little: bool, source: str
) -> PixelElement | None:
    """Where the value of (7FE0,0010) Pixel Data lies, from the (up to) 12 bytes at ``position``,
    where the data set read before the pixels ended; None when no pixel data element starts there.

    Raises
    ------
    InvalidHeaderError
        When the file holds float pixel data (7FE0,0008/0009) instead.
    """
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
            if len(head) < 12:
                return None
            (length,) = struct.unpack(f"{endian}L", head[8:12])
            value_offset = position + 12
        else:
            (length,) = struct.unpack(f"{endian}H", head[6:8])
            value_offset = position + 8
        vr = vr_bytes.decode("ascii", "replace")
    return PixelElement(value_offset, None if length == _UNDEFINED_LENGTH else length, vr)
