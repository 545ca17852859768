"""Checks run on every de-identified file after it is written, by reading it back.

- :func:`verify_header`: no identifying value of the input (each text value the profile removed
  or replaced, :data:`~echolab.deid.attributes.MIN_IDENTIFYING_LENGTH` characters or more) is
  in the output data set (nested sequences and file meta included), in the bytes of the file
  before its pixel data, or in its name; no private element is left; (0012,0062) Patient Identity
  Removed is YES and (0028,0301) Burned In Annotation is NO.
- :func:`verify_frames`: every frame decodes and is 0 outside the kept area.

Problems are said with element keywords, never with the values found.
"""

from __future__ import annotations

import os
import warnings
from functools import lru_cache
from typing import Any

import numpy as np
import pydicom
from pydicom.charset import convert_encodings, encode_string

from ..echofile import EchoFile
from ..echofile import open as open_file
from .attributes import identifying_strings, word_pattern, word_pattern_bytes

__all__ = ["verify_header", "verify_frames", "pack_mask", "unpack_mask"]


def pack_mask(mask: np.ndarray) -> bytes:
    """A boolean mask as bits (one eighth of the bytes), to send to worker processes."""
    return np.packbits(mask.ravel()).tobytes()


def unpack_mask(bits: bytes, shape: tuple[int, int]) -> np.ndarray[Any, np.dtype[np.bool_]]:
    """The inverse of :func:`pack_mask`."""
    flat = np.unpackbits(np.frombuffer(bits, dtype=np.uint8), count=shape[0] * shape[1])
    mask: np.ndarray[Any, np.dtype[np.bool_]] = flat.reshape(shape).astype(bool)
    return mask


@lru_cache(maxsize=4)
def _opened(path: str, mtime_ns: int, size: int) -> EchoFile:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return open_file(path)


def opened(path: str) -> EchoFile:
    """``echolab.open(path)``, cached per process while the file is unchanged (chunk tasks of one
    file then parse its header once)."""
    stat = os.stat(path)
    return _opened(os.fspath(path), stat.st_mtime_ns, stat.st_size)


def read_frames(path: str, start: int, stop: int) -> np.ndarray:
    """Frames ``start:stop`` of ``path`` as echolab decodes them (time, rows, columns[, samples]), as
    ``EchoFile.image()`` gives them but straight from its frame source: no xarray, whose first use
    in a process imports dask (half a second per worker)."""
    echo = opened(path)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        frames: np.ndarray = echo.pixels.read(range(start, stop), slice(None), slice(None))
    return frames


def verify_frames(path: str, start: int, stop: int, mask_bits: bytes, shape: tuple[int, int]) -> list[tuple[int, int]]:
    """Decode frames ``start:stop`` of the output ``path``; return ``(frame, pixels not 0 outside the
    kept area)`` for each frame that has any (an empty list when all are clean)."""
    mask = unpack_mask(mask_bits, shape)
    frames = read_frames(path, start, stop)
    outside = frames[:, ~mask].reshape(len(frames), -1)
    counts = np.count_nonzero(outside, axis=1)
    return [(start + int(i), int(counts[i])) for i in np.flatnonzero(counts)]


def verify_header(path: str, name: str, identifying: dict[str, str]) -> list[str]:
    """Problems of the written output ``path`` (its name relative to the output folder: ``name``).

    Parameters
    ----------
    path
        The output file.
    name
        Its path relative to the output folder (checked for identifying values too).
    identifying
        ``{value: keyword path it was removed from}``.
    """
    problems: list[str] = []
    with open(path, "rb") as handle, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        dataset = pydicom.dcmread(handle, stop_before_pixels=True)
        header_end = handle.tell()
        handle.seek(0)
        head = handle.read(header_end)
        has_pixels = handle.read(4) == b"\xe0\x7f\x10\x00"
        if not has_pixels:  # not stopped at (7FE0,0010) Pixel Data: search it all
            handle.seek(0)
            head = handle.read()
    texts = list(identifying_strings(dataset))
    if dataset.file_meta is not None:
        texts += [(f"file meta>{where}", text) for where, text in identifying_strings(dataset.file_meta)]
    try:
        encodings = convert_encodings(dataset.get("SpecificCharacterSet"))
    except Exception:
        encodings = ["iso8859"]
    for value, origin in identifying.items():
        pattern = word_pattern(value)
        found = next((where for where, text in texts if pattern.search(text)), None)
        if found is not None:
            problems.append(f"a value removed from {origin} is still in {found}")
        encoded = {value.encode("utf-8", "replace")}
        try:
            encoded.add(encode_string(value, encodings))
        except Exception:
            pass
        if any(word_pattern_bytes(form).search(head) for form in encoded):
            problems.append(f"a value removed from {origin} is still in the bytes of the file's header")
        if pattern.search(name):
            problems.append(f"a value removed from {origin} is in the output's file name")
    private = sorted({where for where, element in _elements_with_paths(dataset) if element.tag.is_private})
    if private:
        problems.append(f"private elements are left: {', '.join(private[:5])}")
    required = [("PatientIdentityRemoved", "YES")] + ([("BurnedInAnnotation", "NO")] if has_pixels else [])
    for keyword, wanted in required:  # a report has no pixels to say anything of
        value = str(dataset.get(keyword, "") or "")
        if value != wanted:
            tag = pydicom.datadict.tag_for_keyword(keyword) or 0
            problems.append(
                f"({tag >> 16:04X},{tag & 0xFFFF:04X}) {pydicom.datadict.dictionary_description(tag)} "
                f"is {value or 'absent'!r}; it must be {wanted}"
            )
    return problems


def _elements_with_paths(dataset: pydicom.Dataset, prefix: str = "") -> list[tuple[str, Any]]:
    found: list[tuple[str, Any]] = []
    for element in dataset:
        where = f"{prefix}>{element.keyword or element.tag}" if prefix else str(element.keyword or element.tag)
        found.append((where, element))
        if element.VR == "SQ":
            for item in element.value or []:
                found += _elements_with_paths(item, where)
    return found
