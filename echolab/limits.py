"""Bounds on the work one file can cause, whatever its header claims (in the spirit of Pillow's
``Image.MAX_IMAGE_PIXELS``).

A header of a few bytes can claim frames of gigabytes or a hundred thousand regions; echolab
refuses such files with an :class:`~echolab.errors.EcholabError` that names the limit and how to
raise it, before any decoder or allocation sees them:

``max_frame_bytes``
    One decoded frame (rows x columns x samples x bytes per sample, RGB for palettes), default
    256 MiB: a 4K RGB frame is 25 MiB, real ultrasound frames are 1 to 6 MiB.
``max_decoded_bytes``
    Every frame of one compressed file decoded, default 4 GiB (real cines decode to well under
    1 GiB). Uncompressed files are not bound by it: their pixels are in the file already.
``max_regions``
    Items of (0018,6011) Sequence of Ultrasound Regions that are read, default 64 (real files
    have 1 to 4); the items after them are ignored with a warning.
``max_sr_depth``
    Levels of nesting of a Structured Report's content tree, default 64 (the root is level 1; a
    TID 5200 echo report is about six levels deep).
``max_sr_items``
    Content items of one Structured Report, default 100,000 (a comprehensive echo report holds a
    few thousand).

Each is read from the environment (``ECHOLAB_MAX_FRAME_BYTES``, ``ECHOLAB_MAX_DECODED_BYTES``,
``ECHOLAB_MAX_REGIONS``, ``ECHOLAB_MAX_SR_DEPTH``, ``ECHOLAB_MAX_SR_ITEMS``), so worker processes
(Dask, ``echolab scan``) started afterwards follow the same limits; :func:`set_limits` sets them
there.
"""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass

__all__ = ["Limits", "limits", "set_limits", "DEFAULT_LIMITS", "raise_hint", "mib"]


@dataclass(frozen=True)
class Limits:
    """The limits in force (see the module docstring)."""

    max_frame_bytes: int = 256 << 20
    max_decoded_bytes: int = 4 << 30
    max_regions: int = 64
    max_sr_depth: int = 64
    max_sr_items: int = 100_000


#: The limits when nothing is set.
DEFAULT_LIMITS = Limits()

_ENVIRONMENT = {
    "max_frame_bytes": "ECHOLAB_MAX_FRAME_BYTES",
    "max_decoded_bytes": "ECHOLAB_MAX_DECODED_BYTES",
    "max_regions": "ECHOLAB_MAX_REGIONS",
    "max_sr_depth": "ECHOLAB_MAX_SR_DEPTH",
    "max_sr_items": "ECHOLAB_MAX_SR_ITEMS",
}


def limits() -> Limits:
    """The limits in force: the environment's where set to a positive integer, else the defaults."""
    return _limits(tuple(os.environ.get(variable, "") for variable in _ENVIRONMENT.values()))


@functools.lru_cache(maxsize=16)
def _limits(texts: tuple[str, ...]) -> Limits:
    """The limits the environment's values ``texts`` (in the order of ``_ENVIRONMENT``) set."""
    values: dict[str, int] = {}
    for name, text in zip(_ENVIRONMENT, texts, strict=True):
        text = text.strip()
        if text.isdigit() and int(text) > 0:
            values[name] = int(text)
    return Limits(**values)


def set_limits(
    *,
    max_frame_bytes: int | None = None,
    max_decoded_bytes: int | None = None,
    max_regions: int | None = None,
    max_sr_depth: int | None = None,
    max_sr_items: int | None = None,
) -> Limits:
    """Change the limits for this process and the worker processes it starts afterwards; return
    the limits in force before (to restore them with ``set_limits(**dataclasses.asdict(old))``).

    Examples
    --------
    >>> import echolab
    >>> old = echolab.set_limits(max_decoded_bytes=16 << 30)  # a 16 GiB cine
    >>> _ = echolab.set_limits(max_decoded_bytes=old.max_decoded_bytes)
    """
    previous = limits()
    for name, value in (
        ("max_frame_bytes", max_frame_bytes),
        ("max_decoded_bytes", max_decoded_bytes),
        ("max_regions", max_regions),
        ("max_sr_depth", max_sr_depth),
        ("max_sr_items", max_sr_items),
    ):
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
            raise ValueError(f"{name} must be a positive integer, not {value!r}")
        os.environ[_ENVIRONMENT[name]] = str(value)
    return previous


def raise_hint(name: str) -> str:
    """How to raise limit ``name``, as error messages say it."""
    return f"raise it with echolab.set_limits({name}=...) or ${_ENVIRONMENT[name]}"


def mib(count: int) -> str:
    """``count`` bytes in MiB (or GiB from 1 GiB), as messages show sizes."""
    return f"{count / 2**30:.1f} GiB" if count >= 1 << 30 else f"{count / 2**20:.0f} MiB"
