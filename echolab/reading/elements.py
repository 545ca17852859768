"""Reading single header values safely, and naming elements in messages.

The ``get_*`` helpers read one element and turn every malformed value (wrong VR, several values,
NaN, text in a number) into an :class:`~echolab.errors.InvalidHeaderError` that names the element
as "(gggg,eeee) Description". Numeric and ASCII values are decoded straight from the raw bytes,
without pydicom's conversion machinery (the bulk of header-reading time).
"""

from __future__ import annotations

import functools
import math
import struct
import warnings
from typing import Any

from pydicom.datadict import dictionary_description, tag_for_keyword
from pydicom.dataelem import RawDataElement
from pydicom.dataset import Dataset
from pydicom.multival import MultiValue
from pydicom.sequence import Sequence as PydicomSequence

from ..errors import InvalidHeaderError

__all__ = ["element_name", "get_int", "get_float", "get_float_list", "get_str", "short_exception"]


def element_name(keyword: str) -> str:
    """Return ``"(gggg,eeee) Description"`` for a DICOM keyword, as used in messages."""
    tag = tag_for_keyword(keyword)
    if tag is None:
        return keyword
    return f"({tag >> 16:04X},{tag & 0xFFFF:04X}) {dictionary_description(tag)}"


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
        raise InvalidHeaderError(f"{element_name(keyword)} cannot be read ({short_exception(exc)})", source) from exc
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
        raise InvalidHeaderError(f"{element_name(keyword)} cannot be read ({short_exception(exc)})", source) from exc
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
    """A short text of a header value for a message; never raises (a sequence's items may not
    even parse: it is named by its size)."""
    if isinstance(value, (Dataset, PydicomSequence)):
        return f"a sequence of {len(value)} item(s)" if isinstance(value, PydicomSequence) else "a data set"
    try:
        text = repr(value) if isinstance(value, (str, bytes)) else str(value)
    except Exception:
        text = f"<{type(value).__name__}>"
    return text if len(text) <= 60 else text[:57] + "..."


def short_exception(exc: BaseException) -> str:
    """``"Type: first line of the message"`` of an exception from a library, at most 200 characters."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {text}"[:200] if text else type(exc).__name__
