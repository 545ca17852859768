"""Reading single header values safely, and naming elements in messages.

The ``get_*`` helpers read one element and turn every malformed value (wrong VR, several values,
NaN, text in a number) into an :class:`~echolab.errors.InvalidHeaderError` that names the element
as "(gggg,eeee) Description". Numeric and ASCII values are decoded straight from the raw bytes,
without pydicom's conversion machinery (the bulk of header-reading time).

Each reads a pydicom :class:`~pydicom.dataset.Dataset` or a :class:`.raw_header.RawDataSet` read
without pydicom, whose values are already converted as pydicom converts them: the same rules and
messages serve both, and pydicom is imported only where a pydicom data set is read.
"""

from __future__ import annotations

import functools
import math
import warnings
from typing import TYPE_CHECKING, Any

from ..errors import InvalidHeaderError, short_exception
from . import tags
from .raw_header import RawDataSet, decode_value

if TYPE_CHECKING:
    from pydicom.dataset import Dataset

__all__ = [
    "element_name",
    "element_tag",
    "element_value",
    "get_int",
    "get_float",
    "get_float_list",
    "get_str",
    "has_element",
    "is_multi_value",
    "short_exception",
]


def element_name(keyword: str) -> str:
    """Return ``"(gggg,eeee) Description"`` for a DICOM keyword, as used in messages."""
    entry = tags.entry(keyword)
    if entry is not None:
        return f"({entry.tag >> 16:04X},{entry.tag & 0xFFFF:04X}) {entry.name}"
    from pydicom.datadict import dictionary_description, tag_for_keyword

    tag = tag_for_keyword(keyword)
    if tag is None:
        return keyword
    return f"({tag >> 16:04X},{tag & 0xFFFF:04X}) {dictionary_description(tag)}"


@functools.lru_cache(maxsize=512)
def element_tag(keyword: str) -> int | None:
    """The tag of a DICOM keyword (None for an unknown keyword)."""
    entry = tags.entry(keyword)
    if entry is not None:
        return entry.tag
    from pydicom.datadict import tag_for_keyword

    return tag_for_keyword(keyword)


def is_multi_value(value: Any) -> bool:
    """True for several values: a list or tuple, or pydicom's ``MultiValue``."""
    if isinstance(value, (list, tuple)):
        return True
    if type(value).__module__.startswith("pydicom."):  # only pydicom's own values can be one
        from pydicom.multival import MultiValue

        return isinstance(value, MultiValue)
    return False


def _fast_value(element: Any) -> Any:
    """The value of a not-yet-converted numeric element, decoded without pydicom's conversion
    machinery (the bulk of header-reading time); ``NotImplemented`` for anything else."""
    from pydicom.dataelem import RawDataElement

    if not isinstance(element, RawDataElement) or element.value is None:
        return NotImplemented
    return decode_value(element.VR, element.value, element.is_little_endian)


def has_element(dataset: Dataset | RawDataSet, keyword: str) -> bool:
    """True when ``dataset`` holds the element ``keyword`` (even empty)."""
    tag = element_tag(keyword)
    return tag is not None and tag in dataset


def element_value(dataset: Dataset | RawDataSet, keyword: str) -> Any:
    """The value of element ``keyword`` as pydicom converts it (a number or text, a list of them,
    a tag, bytes, a sequence); None when absent. May raise what pydicom raises for a value it
    cannot convert."""
    tag = element_tag(keyword)
    if tag is None or tag not in dataset:
        return None
    if isinstance(dataset, RawDataSet):
        return dataset.values.get(tag)
    return dataset[tag].value


#: Values a data set read without pydicom holds that need no further look (never ``""``).
_PLAIN = (int, float, str)
_MISSING = object()


def _raw(dataset: Dataset | RawDataSet, keyword: str, source: str | None) -> Any:
    tag = element_tag(keyword)
    if type(dataset) is RawDataSet and tag is not None:  # its values are converted already
        value = dataset.values.get(tag, _MISSING)
        if value is None or type(value) in _PLAIN:
            return value
    if tag is None or tag not in dataset:
        return None
    try:
        if isinstance(dataset, RawDataSet):
            value = dataset.values[tag]
        else:
            value = _fast_value(dataset.get_item(tag))
            if value is NotImplemented:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")  # pydicom's VR validation; echolab reports its own
                    value = dataset[tag].value
    except Exception as exc:  # a value pydicom cannot convert from its VR
        raise InvalidHeaderError(f"{element_name(keyword)} cannot be read ({short_exception(exc)})", source) from exc
    multi = is_multi_value(value)
    if value is None or value == "" or ((multi or isinstance(value, bytes)) and len(value) == 0):
        return None
    if multi:
        if len(value) != 1:
            raise InvalidHeaderError(
                f"{element_name(keyword)} = {_show(value)} has {len(value)} values; one is expected",
                source,
            )
        value = value[0]
    return value


def get_int(
    dataset: Dataset | RawDataSet,
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
    if type(value) is int and -(2**53) <= value <= 2**53:  # what float() and back would give
        number = value
    else:
        number = _integer(value, keyword, source)
    if (minimum is not None and number < minimum) or (maximum is not None and number > maximum):
        bounds = f"{minimum if minimum is not None else '-inf'}..{maximum if maximum is not None else 'inf'}"
        raise InvalidHeaderError(f"{element_name(keyword)} = {number} is outside the valid range {bounds}", source)
    return number


def _integer(value: Any, keyword: str, source: str | None) -> int:
    """``value`` as an integer, through a float (as text, DS and floats are given)."""
    try:
        if isinstance(value, bytes):
            raise TypeError
        as_float = float(value)
        if not math.isfinite(as_float) or as_float != int(as_float):
            raise ValueError
        return int(as_float)
    except (TypeError, ValueError, OverflowError):
        raise InvalidHeaderError(f"{element_name(keyword)} = {_show(value)} is not an integer", source) from None


def get_float(
    dataset: Dataset | RawDataSet, keyword: str, source: str | None, *, default: float | None = None
) -> float | None:
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


def get_float_list(dataset: Dataset | RawDataSet, keyword: str, source: str | None) -> list[float] | None:
    """Return a multi-valued numeric element as finite floats, None when absent."""
    try:
        value = element_value(dataset, keyword)
    except Exception as exc:
        raise InvalidHeaderError(f"{element_name(keyword)} cannot be read ({short_exception(exc)})", source) from exc
    if value is None or value == "":
        return None
    values = list(value) if is_multi_value(value) else [value]
    try:
        numbers = [float(v) for v in values]
    except (TypeError, ValueError, OverflowError):
        raise InvalidHeaderError(f"{element_name(keyword)} = {_show(value)} holds a non-number", source) from None
    if not all(math.isfinite(n) for n in numbers):
        raise InvalidHeaderError(f"{element_name(keyword)} holds a non-finite number", source)
    return numbers


def get_str(
    dataset: Dataset | RawDataSet, keyword: str, source: str | None, *, default: str | None = None
) -> str | None:
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
    if type(value).__module__.startswith("pydicom."):  # only pydicom's own values can be these
        from pydicom.dataset import Dataset
        from pydicom.sequence import Sequence as PydicomSequence

        if isinstance(value, (Dataset, PydicomSequence)):
            return f"a sequence of {len(value)} item(s)" if isinstance(value, PydicomSequence) else "a data set"
    try:
        text = repr(value) if isinstance(value, (str, bytes)) else str(value)
    except Exception:
        text = f"<{type(value).__name__}>"
    return text if len(text) <= 60 else text[:57] + "..."
