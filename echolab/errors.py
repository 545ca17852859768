"""The errors and warnings echolab raises for bad or odd input.

Every error derives from :class:`EcholabError`, every warning from :class:`EcholabWarning`, so
callers can catch or filter the whole family at once. Messages name the file, the DICOM element
(as "(0018,601C) Region Location Max X1 = 800") and what would have been valid.
"""

from __future__ import annotations

import importlib
import os
import warnings
from types import ModuleType

__all__ = [
    "EcholabError",
    "NotDicomError",
    "InvalidHeaderError",
    "PixelDataError",
    "MissingDecoderError",
    "RegionError",
    "RegionIndexError",
    "EcholabWarning",
    "RegionClippedWarning",
    "UncalibratedAxisWarning",
    "TimingWarning",
    "PixelDataWarning",
    "CalibrationWarning",
    "RegionWarning",
    "MeasurementError",
    "MissingDependencyError",
    "missing_dependency",
    "require",
    "GeometryError",
    "warn",
    "UnguardedScriptError",
    "DeidentificationError",
    "ArchiveBusyError",
    "short_exception",
    "ReportError",
    "ReportWarning",
]


def short_exception(exc: BaseException) -> str:
    """``"Type: first line of the message"`` of an exception from a library, at most 200 characters."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {text}"[:200] if text else type(exc).__name__


def describe_source(source: str | os.PathLike[str] | None) -> str:
    """Return a short name for the file an error is about ("<dataset>" when there is none)."""
    return os.fspath(source) if source is not None else "<in-memory dataset>"


class _AboutAFile(Exception):
    """What echolab's errors and warnings share: the file (``source``) and what happened
    (``reason``); ``str()`` is ``"<file>: <reason>"``."""

    def __init__(self, message: str, source: str | os.PathLike[str] | None = None) -> None:
        self.source = None if source is None else os.fspath(source)
        self.reason = message
        super().__init__(f"{describe_source(source)}: {message}")

    def __reduce__(self) -> tuple[type, tuple[str, str | None]]:
        # keep errors and warnings picklable across dask / multiprocessing workers
        return (type(self), (self.reason, self.source))


class EcholabError(_AboutAFile):
    """Base class of every error echolab raises for bad input.

    Parameters
    ----------
    message
        What is wrong, naming the element and what would be valid.
    source
        The file the error is about, if any; it is prefixed to the message.
    """


class NotDicomError(EcholabError):
    """The input is not a DICOM file (no preamble, no readable data set)."""


class InvalidHeaderError(EcholabError):
    """A header element echolab needs is missing or holds an impossible value."""


class PixelDataError(EcholabError):
    """The pixel data cannot be located or decoded (truncated, corrupt, inconsistent)."""


class MissingDecoderError(PixelDataError):
    """No installed decoder handles this transfer syntax; the message names what to install."""


class RegionError(EcholabError):
    """One item of (0018,6011) Sequence of Ultrasound Regions cannot be used."""


class RegionIndexError(RegionError, IndexError):
    """``region(i)`` names an item (0018,6011) does not have; also an :class:`IndexError`."""


class MeasurementError(EcholabError):
    """A measurement cannot be made as asked (mixed units, uncalibrated axis, point outside the region)."""


class MissingDependencyError(EcholabError, ImportError):
    """An optional package a feature needs is not installed; the message says what to install.

    Also an :class:`ImportError`, so ``except ImportError`` keeps working. It is about the
    environment, not a file: the message carries no file name.
    """

    def __init__(self, message: str, source: str | os.PathLike[str] | None = None) -> None:
        Exception.__init__(self, message)
        self.source = None if source is None else os.fspath(source)
        self.reason = message


def missing_dependency(exc: ModuleNotFoundError, *, extra: str, purpose: str) -> MissingDependencyError:
    """The :class:`MissingDependencyError` for a failed import of an optional package: it names
    the package and the extra that installs it (``pip install "echolab[extra]"``)."""
    package = (exc.name or "a package").split(".")[0]
    return MissingDependencyError(f'{purpose} needs {package}, which is not installed: pip install "echolab[{extra}]"')


def require(module: str, *, extra: str, purpose: str) -> ModuleType:
    """Import optional ``module`` for ``purpose``, or raise :func:`missing_dependency`'s error."""
    try:
        return importlib.import_module(module)
    except ModuleNotFoundError as exc:
        raise missing_dependency(exc, extra=extra, purpose=purpose) from exc


class GeometryError(EcholabError):
    """A region's scan-area geometry cannot be estimated (not a 2D region, or no scan area in its pixels)."""


class UnguardedScriptError(EcholabError):
    """A script starts worker processes that would run it again and repeat the call starting
    them: the call belongs under ``if __name__ == "__main__":`` (see :mod:`echolab.parallel`)."""


class DeidentificationError(EcholabError):
    """A file cannot be de-identified as asked (no area to keep, a scan area not found, an output
    that fails its verification); :mod:`echolab.deid` reports it and skips the file."""


class ArchiveBusyError(EcholabError):
    """Another conversion is writing the archive: one writer at a time (see
    :func:`echolab.archive.convert.archive_lock`); the message names the writer holding it."""


class EcholabWarning(_AboutAFile, UserWarning):
    """Base class of every warning echolab emits for recoverable oddities.

    Like :class:`EcholabError` it carries the file it is about (``source``) and what happened
    (``reason``); ``str(warning)`` is ``"<file>: <reason>"``. Emit one with :func:`warn`.

    Parameters
    ----------
    message
        What is odd, naming the element, and what echolab does about it.
    source
        The file the warning is about, if any; it is prefixed to the message.
    """


def warn(
    category: type[EcholabWarning], message: str, source: str | os.PathLike[str] | None, *, stacklevel: int = 2
) -> None:
    """Emit ``category(message, source)``; ``stacklevel`` counts from the caller of :func:`warn`
    (2 points at the caller's caller, as for :func:`warnings.warn`)."""
    warnings.warn(category(message, source), stacklevel=stacklevel + 1)


class RegionClippedWarning(EcholabWarning):
    """A region box overhangs the image and was clipped to it."""


class UncalibratedAxisWarning(EcholabWarning):
    """A region axis has no usable calibration and falls back to pixel units."""


class TimingWarning(EcholabWarning):
    """Frame timing tags disagree with each other or with the number of frames."""


class PixelDataWarning(EcholabWarning):
    """The pixel data is odd but readable (e.g. excess fragments, padding, mislabelled colour)."""


class CalibrationWarning(EcholabWarning):
    """A region's calibration elements contradict each other; echolab says which one it follows."""


class RegionWarning(EcholabWarning):
    """(0018,6011) Sequence of Ultrasound Regions holds more items than echolab reads (see
    :mod:`echolab.limits`) or the same item more than once."""


class ReportError(EcholabError):
    """A DICOM Structured Report cannot be read (not an SR document, a content tree beyond the
    limits of :mod:`echolab.reading.content_tree`, a unit conversion that means nothing)."""


class ReportWarning(EcholabWarning):
    """A content item of a Structured Report is odd but the rest of the report is readable (a
    missing concept name, a number that does not parse, a unit that is not UCUM); echolab says
    what it does with the item."""
