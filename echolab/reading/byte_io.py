"""Random access to the bytes of a file or of a buffer, with no file handle kept between reads.

:class:`FileReader` uses positional reads (``os.pread``), so several decode threads can share one
open file without a lock; :class:`BufferReader` gives the same interface over an in-memory data set.
:func:`open_regular` is the one way files are opened: only regular files (a named pipe would block
the reader forever, a device never ends), never blocking while the check is made.
"""

from __future__ import annotations

import os
import stat
from typing import Protocol

from ..errors import NotDicomError

__all__ = ["ByteReader", "FileReader", "BufferReader", "open_regular", "is_regular_file"]

#: What a path that is not a regular file is, by its ``stat`` type, as messages say it.
_KINDS = (
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISFIFO, "a named pipe (FIFO)"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
)


def _not_regular(path: str, mode: int) -> NotDicomError:
    kind = next((name for test, name in _KINDS if test(mode)), "not a regular file")
    if kind == "a directory":
        return NotDicomError("is a directory, not a DICOM file", path)
    return NotDicomError(f"is {kind}, not a regular file; a DICOM file is a regular file", path)


def is_regular_file(path: str | os.PathLike[str]) -> bool:
    """True when ``path`` is a regular file (symbolic links followed); never raises, never opens it."""
    try:
        return stat.S_ISREG(os.stat(path).st_mode)
    except (OSError, ValueError):
        return False


def open_regular(path: str | os.PathLike[str]) -> int:
    """Open ``path`` for reading and return the file descriptor, refusing anything but a regular file.

    The file is opened without blocking (a named pipe with no writer would block ``open`` itself)
    and checked on the open descriptor, so a path swapped for a pipe after a check cannot block.

    Raises
    ------
    NotDicomError
        When ``path`` is a directory, a named pipe, a socket or a device.
    OSError
        When it cannot be opened (``FileNotFoundError`` when it does not exist).
    """
    source = os.fspath(path)
    try:
        fd = os.open(source, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        if not os.path.exists(source) or isinstance(exc, PermissionError):
            raise
        raise _not_regular(source, os.stat(source).st_mode) from None  # e.g. a socket (ENXIO)
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise _not_regular(source, mode)
        os.set_blocking(fd, True)
    except BaseException:
        os.close(fd)
        raise
    return fd


class ByteReader(Protocol):
    """Random access to the bytes of a file or buffer."""

    size: int

    def read(self, offset: int, length: int) -> bytes:
        """Return up to ``length`` bytes at ``offset`` (fewer at the end)."""

    def readinto(self, offset: int, view: memoryview) -> int:
        """Fill ``view`` from ``offset``; return the number of bytes read."""

    def close(self) -> None:
        """Release the underlying resource."""

    def __enter__(self) -> ByteReader: ...

    def __exit__(self, *exc: object) -> None: ...


class FileReader:
    """Thread-safe positional reads (``os.pread``) from a file."""

    def __init__(self, path: str) -> None:
        self.fd = open_regular(path)
        self.size = os.fstat(self.fd).st_size

    def read(self, offset: int, length: int) -> bytes:
        return os.pread(self.fd, max(0, length), offset)

    def readinto(self, offset: int, view: memoryview) -> int:
        total = 0
        while total < len(view):
            count = os.preadv(self.fd, [view[total:]], offset + total)
            if count == 0:
                break
            total += count
        return total

    def close(self) -> None:
        os.close(self.fd)

    def __enter__(self) -> FileReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class BufferReader:
    """The same interface over bytes held in memory (a data set that is not a file)."""

    def __init__(self, data: bytes) -> None:
        self.data = memoryview(data)
        self.size = len(data)

    def read(self, offset: int, length: int) -> bytes:
        return bytes(self.data[offset : offset + max(0, length)])

    def readinto(self, offset: int, view: memoryview) -> int:
        chunk = self.data[offset : offset + len(view)]
        view[: len(chunk)] = chunk
        return len(chunk)

    def close(self) -> None:
        pass

    def __enter__(self) -> BufferReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
