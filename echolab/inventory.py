"""An inventory of a folder of ultrasound DICOM files, from their headers only.

One row per file — SOP Instance UID, size, frames, frame rate and where it came from, heart
rate, region kinds and units, and the problems of its pixel data (cut short, missing, no
decoder: see :mod:`echolab.reading.problems`) — or, for a file whose header cannot be read, the reason.
No pixel is decoded and no identifier (patient, operator, institution) is read into the rows.
"""

from __future__ import annotations

import csv
import multiprocessing
import os
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, fields, replace
from typing import Any

from .echofile import open_collecting
from .errors import EcholabError
from .reading.byte_io import is_regular_file
from .reading.header import looks_like_dicom
from .reading.problems import Problem
from .workers import check_script_guard

__all__ = ["InventoryRow", "find_files", "inventory_row", "scan", "write_csv"]


@dataclass(frozen=True)
class InventoryRow:
    """What the header of one file says (or why it could not be read).

    Attributes
    ----------
    path
        The file, relative to the scanned folder (folder names often carry patient names), or
        absolute when asked for.
    frames
        (0028,0008) Number of Frames as the header says (see ``problems`` for frames missing).
    problems
        What keeps the pixel data from giving every frame the header promises (empty when
        nothing does), from headers only; see :mod:`echolab.reading.problems` for the rules.
    error
        Empty when the header was read; otherwise the reason (the rest is empty).
    """

    path: str
    size_bytes: int
    sop_instance_uid: str = ""
    manufacturer: str = ""
    model: str = ""
    rows: int | None = None
    columns: int | None = None
    frames: int | None = None
    frame_rate: float | None = None
    timing_source: str = ""
    heart_rate: float | None = None
    regions: int | None = None
    region_kinds: str = ""
    region_units: str = ""
    transfer_syntax_uid: str = ""
    problems: tuple[Problem, ...] = ()
    warnings: str = ""
    error: str = ""

    def as_text(self) -> dict[str, str]:
        """Every column as text, as written to CSV: "" for a missing value, problems as
        ``"<rule>: <message>"`` joined by ``" | "``."""
        return {field.name: _text(getattr(self, field.name)) for field in fields(self)}


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, tuple):
        return " | ".join(str(item) for item in value)
    return str(value)


def find_files(paths: Iterable[str | os.PathLike[str]]) -> list[str]:
    """Every DICOM file under ``paths``: files are taken as given; folders are searched
    recursively for ``*.dcm`` files (listed even when broken, so that the reason is reported) and
    for files of any other name that start like DICOM; sorted by path. Only regular files are
    listed from folders: a named pipe, a socket or a device is never opened."""
    found: list[str] = []
    for path in paths:
        path = os.fspath(path)
        if os.path.isdir(path):
            inside = [os.path.join(root, name) for root, _, names in os.walk(path) for name in names]
            regular = [p for p in inside if is_regular_file(p)]
            found += sorted(p for p in regular if p.lower().endswith(".dcm") or looks_like_dicom(p))
        else:
            found.append(path)
    return found


def inventory_row(path: str, root: str | None = None) -> InventoryRow:
    """Read one file's header into an :class:`InventoryRow`; never raises for a bad file."""
    shown = os.path.relpath(path, root) if root else path
    try:
        size = os.path.getsize(path)
    except OSError as exc:
        return InventoryRow(path=shown, size_bytes=0, error=f"cannot read the file ({exc.strerror})")
    try:
        # the header's calibration: a quirk's correction may need pixels, and scan reads none
        opened = open_collecting(path, calibration="header")
        if opened.echofile is None:
            assert opened.error is not None
            return InventoryRow(path=shown, size_bytes=size, error=opened.error.reason)
        f = opened.echofile
        kinds = ";".join(r.kind.value if r.usable else f"unusable {r.kind.value}" for r in f.regions)
        units = ";".join(f"{r.x.unit} x {r.y.unit}" if r.x is not None and r.y is not None else "-" for r in f.regions)
        row = InventoryRow(
            path=shown,
            size_bytes=size,
            sop_instance_uid=f.sop_instance_uid or "",
            manufacturer=f.manufacturer or "",
            model=f.model or "",
            rows=f.rows,
            columns=f.columns,
            frames=f.number_of_frames,
            frame_rate=round(f.frame_rate, 4) if f.frame_rate else None,
            timing_source=f.timing_source.value,
            heart_rate=f.heart_rate,
            regions=len(f.regions),
            region_kinds=kinds,
            region_units=units,
            transfer_syntax_uid=f.transfer_syntax_uid,
        )
    except EcholabError as exc:
        return InventoryRow(path=shown, size_bytes=size, error=exc.reason)
    except Exception as exc:  # the inventory lists every file; an unexpected failure is a reason too
        return InventoryRow(path=shown, size_bytes=size, error=f"unexpected {type(exc).__name__}: {exc}")
    notes = sorted({warning.reason for warning in opened.warnings})
    try:
        problems = f.problems
    except Exception as exc:  # never raises for a bad file; an unexpected failure is still listed
        return replace(row, error=f"unexpected {type(exc).__name__}: {exc}")
    return replace(row, problems=problems, warnings=" | ".join(notes))


def _row(args: tuple[str, str | None]) -> InventoryRow:
    return inventory_row(*args)


def _rows(jobs: list[tuple[str, str | None]]) -> list[InventoryRow]:
    return [inventory_row(*job) for job in jobs]


#: The reason given for a file whose reading killed the process reading it.
CRASHED = (
    "reading its header killed the process reading it (a crash in a library, or the file changed "
    "while it was read); the other files are listed"
)


def _crashed_row(path: str, root: str | None) -> InventoryRow:
    shown = os.path.relpath(path, root) if root else path
    try:
        size = os.path.getsize(path)
    except OSError:
        size = 0
    return InventoryRow(path=shown, size_bytes=size, error=CRASHED)


def _rows_one_by_one(jobs: list[tuple[str, str | None]], context: Any) -> Iterator[InventoryRow]:
    """Each job in a worker process of its own lifetime: the job that kills it gets a row saying
    so, and a new process takes the next."""
    pool: ProcessPoolExecutor | None = None
    try:
        for job in jobs:
            if pool is None:
                pool = ProcessPoolExecutor(max_workers=1, mp_context=context)
            try:
                yield pool.submit(_row, job).result()
            except BrokenProcessPool:
                pool.shutdown(wait=True, cancel_futures=True)
                pool = None
                yield _crashed_row(*job)
    finally:
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)


def _common_folder(paths: Sequence[str | os.PathLike[str]]) -> str | None:
    """The deepest folder holding every one of ``paths`` (a file counts as its folder)."""
    folders = [os.path.abspath(p if os.path.isdir(p) else os.path.dirname(os.path.abspath(p))) for p in paths]
    try:
        return os.path.commonpath(folders) if folders else None
    except ValueError:  # paths on different drives (Windows)
        return None


def scan(
    paths: Sequence[str | os.PathLike[str]],
    *,
    workers: int | None = None,
    root: str | None = None,
    absolute_paths: bool = False,
) -> Iterator[InventoryRow]:
    """Inventory rows for every DICOM file under ``paths``, in file order.

    ``workers`` processes read headers in parallel (default: one per CPU; 1 reads in this
    process). Row paths are relative to ``root`` (default: the folder holding every path given,
    so that the folders above it, whose names often carry patient names, stay out of the rows);
    ``absolute_paths=True`` gives absolute paths instead. A file
    whose reading kills its worker process (a crash in a library) gets a row with that reason;
    the other files are read as usual.

    Raises
    ------
    UnguardedScriptError
        When a script calls this at its top level without ``if __name__ == "__main__":`` and the
        processes would run the script again (see :mod:`echolab.workers`).
    """
    files = find_files(paths)
    if absolute_paths:
        files, root = [os.path.abspath(path) for path in files], None
    elif root is None:
        root = _common_folder(paths)
    count = workers or os.cpu_count() or 1
    jobs = [(path, root) for path in files]
    if count <= 1 or len(jobs) < 8:
        yield from map(_row, jobs)
        return
    context = multiprocessing.get_context()
    check_script_guard("echolab.inventory.scan()", context.get_start_method())
    size = max(1, min(64, len(jobs) // (4 * count)))
    chunks = [jobs[start : start + size] for start in range(0, len(jobs), size)]
    done = 0
    while done < len(chunks):  # a crash breaks the pool: its chunk is read file by file, the rest anew
        with ProcessPoolExecutor(max_workers=count, mp_context=context) as pool:
            futures: list[Future[list[InventoryRow]]] = [pool.submit(_rows, chunk) for chunk in chunks[done:]]
            try:
                for future in futures:
                    rows = future.result()
                    done += 1
                    yield from rows
            except BrokenProcessPool:
                pass
        if done < len(chunks):
            yield from _rows_one_by_one(chunks[done], context)
            done += 1


def write_csv(rows: Iterable[InventoryRow], path: str | os.PathLike[str]) -> int:
    """Write rows to a CSV file with a header line; return the number of rows."""
    names = [f.name for f in fields(InventoryRow)]
    count = 0
    try:
        with open(path, "w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=names)
            writer.writeheader()
            for row in rows:
                writer.writerow(row.as_text())
                count += 1
    except OSError as exc:
        if exc.filename is None:  # a write that failed (disk full): name the file
            raise OSError(exc.errno, exc.strerror, os.fspath(path)) from exc
        raise
    return count
