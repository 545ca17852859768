"""Random access to the bytes of a file or of a buffer, with no file handle kept between reads.

:class:`FileReader` uses positional reads (``os.pread``), so several decode threads can share one
open file without a lock; :class:`BufferReader` gives the same interface over an in-memory data set.
"""

from __future__ import annotations

import os
from typing import Protocol

__all__ = ["ByteReader", "FileReader", "BufferReader"]


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
        self.fd = os.open(path, os.O_RDONLY)
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
