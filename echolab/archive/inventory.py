"""An inventory of a folder of ultrasound DICOM files, from their headers only.

One row per file — SOP Instance UID, size, frames, frame rate and where it came from, heart
rate, region kinds and units, and the problems of its pixel data (cut short, missing, no
decoder: see :mod:`echolab.reading.problems`) — or, for a file whose header cannot be read, the reason.
No pixel is decoded and no identifier (patient, operator, institution) is read into the rows.

Fast where users wait: a header is read by :func:`echolab.reading.raw_header.read_raw_header`,
without pydicom, whenever it reads exactly as pydicom would read it (pydicom reads the others,
and the rows are the same either way); neither pydicom, xarray nor dask is imported for a folder
of well-formed files; each such file is opened once (the header reader tells DICOM from others);
and a folder large enough for it is read by one process per CPU, forked with echolab already
imported, in chunks of files.
"""

from __future__ import annotations

import csv
import multiprocessing
import os
import sys
import threading
import warnings
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, fields, replace
from typing import TYPE_CHECKING, Any

from ..errors import EcholabError, EcholabWarning
from ..parallel import check_script_guard
from ..reading.byte_io import is_regular_file
from ..reading.elements import get_str
from ..reading.fields import HeaderFields, header_fields
from ..reading.header import looks_like_dicom
from ..reading.problems import Problem, pixel_problems
from ..reading.raw_header import read_raw_header

if TYPE_CHECKING:
    from ..reading.regions import Region

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
        return {name: _text(getattr(self, name)) for name in _COLUMNS}


#: The columns of a row, in order.
_COLUMNS = tuple(field.name for field in fields(InventoryRow))


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
    return [path for path, listed in _candidates(paths) if listed or looks_like_dicom(path)]


def _candidates(paths: Iterable[str | os.PathLike[str]]) -> list[tuple[str, bool]]:
    """The files :func:`find_files` considers, in its order, each with whether it is listed
    whatever it holds (files given, ``*.dcm``); the others are listed when they start like DICOM,
    which reading them tells (so that no file is opened twice)."""
    found: list[tuple[str, bool]] = []
    for path in paths:
        path = os.fspath(path)
        if os.path.isdir(path):
            inside = [os.path.join(root, name) for root, _, names in os.walk(path) for name in names]
            found += [(p, p.lower().endswith(".dcm")) for p in sorted(inside) if is_regular_file(p)]
        else:
            found.append((path, True))
    return found


def inventory_row(path: str, root: str | None = None) -> InventoryRow:
    """Read one file's header into an :class:`InventoryRow`; never raises for a bad file."""
    shown = os.path.relpath(path, root) if root else path
    return _quick_row(path, shown) or _full_row(path, shown)


def _quick_row(path: str, shown: str) -> InventoryRow | None:
    """The row from a header read without pydicom; None when that reader cannot vouch for the
    file, or anything is wrong with it (:func:`_full_row` then says what)."""
    header = read_raw_header(path)
    if header is None:
        return None
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", EcholabWarning)
            found = header_fields(header)
            manufacturer = get_str(header.dataset, "Manufacturer", header.source)
            model = get_str(header.dataset, "ManufacturerModelName", header.source)
        problems = pixel_problems(header, found.number_of_frames)
    except Exception:  # the reader with pydicom gives the reason
        return None
    _show_others(caught)
    notes = sorted({w.message.reason for w in caught if isinstance(w.message, EcholabWarning)})
    syntax = header.transfer_syntax_uid
    return _described(shown, header.file_size, found, manufacturer, model, syntax, problems, " | ".join(notes))


def _show_others(caught: list[warnings.WarningMessage]) -> None:
    """Show the warnings that are not echolab's as usual (as :func:`echolab.echofile.open_collecting`)."""
    for other in caught:
        if not isinstance(other.message, EcholabWarning):
            warnings.warn_explicit(other.message, other.category, other.filename, other.lineno)


def _described(
    shown: str,
    size: int,
    found: HeaderFields,
    manufacturer: str | None,
    model: str | None,
    syntax: str,
    problems: tuple[Problem, ...] = (),
    notes: str = "",
) -> InventoryRow:
    """The row of a file whose header was read."""
    regions: tuple[Region, ...] = found.regions
    kinds = ";".join(r.kind.value if r.usable else f"unusable {r.kind.value}" for r in regions)
    units = ";".join(f"{r.x.unit} x {r.y.unit}" if r.x is not None and r.y is not None else "-" for r in regions)
    rate = found.timing.frame_rate
    return InventoryRow(
        path=shown,
        size_bytes=size,
        sop_instance_uid=found.sop_instance_uid or "",
        manufacturer=manufacturer or "",
        model=model or "",
        rows=found.rows,
        columns=found.columns,
        frames=found.number_of_frames,
        frame_rate=round(rate, 4) if rate else None,
        timing_source=found.timing.source.value,
        heart_rate=found.heart_rate,
        regions=len(regions),
        region_kinds=kinds,
        region_units=units,
        transfer_syntax_uid=syntax,
        problems=problems,
        warnings=notes,
    )


def _full_row(path: str, shown: str) -> InventoryRow:
    """The row from :func:`echolab.open` (pydicom's reading of the header), or the reason."""
    from ..echofile import open_collecting

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
        found = HeaderFields(
            f.sop_instance_uid, f.rows, f.columns, f.number_of_frames, f.cine_rate, f.heart_rate, f.timing, f.regions
        )
        row = _described(shown, size, found, f.manufacturer, f.model, f.transfer_syntax_uid)
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


#: A file to read: its path, the folder row paths are relative to, and whether it is listed
#: whatever it holds (else only when it starts like DICOM).
_Job = tuple[str, "str | None", bool]


def _job_row(job: _Job) -> InventoryRow | None:
    """The row of one file; None for a file that is not listed and does not start like DICOM."""
    path, root, listed = job
    if listed:
        return inventory_row(path, root)
    shown = os.path.relpath(path, root) if root else path
    row = _quick_row(path, shown)  # read: it starts like DICOM (opened once to tell and to read)
    if row is not None:
        return row
    return _full_row(path, shown) if looks_like_dicom(path) else None


def _rows(jobs: list[_Job]) -> list[InventoryRow]:
    return [row for row in map(_job_row, jobs) if row is not None]


#: The reason given for a file whose reading killed the process reading it.
CRASHED = (
    "reading its header killed the process reading it (a crash in a library, or the file changed "
    "while it was read); the other files are listed"
)


def _crashed_row(job: _Job) -> InventoryRow:
    path, root, _ = job
    shown = os.path.relpath(path, root) if root else path
    try:
        size = os.path.getsize(path)
    except OSError:
        size = 0
    return InventoryRow(path=shown, size_bytes=size, error=CRASHED)


def _rows_one_by_one(jobs: list[_Job], context: Any) -> Iterator[InventoryRow]:
    """Each job in a worker process of its own lifetime: the job that kills it gets a row saying
    so, and a new process takes the next."""
    pool: ProcessPoolExecutor | None = None
    try:
        for job in jobs:
            if pool is None:
                pool = ProcessPoolExecutor(max_workers=1, mp_context=context)
            try:
                row = pool.submit(_job_row, job).result()
            except BrokenProcessPool:
                pool.shutdown(wait=True, cancel_futures=True)
                pool = None
                row = _crashed_row(job)
            if row is not None:
                yield row
    finally:
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)


#: Fewer files than this are read in this process unless ``workers`` is given: starting worker
#: processes would cost more than they save (``benchmarks/scan.py`` measures both).
POOL_FROM = 128


def _context() -> Any:
    """The start method of scan's workers: "fork" on Linux when no start method was chosen and
    this process runs no other thread (the workers start at once, with echolab imported, and run
    no script again); otherwise the one in force ("forkserver" preloads this module)."""
    if (
        sys.platform.startswith("linux")
        and multiprocessing.get_start_method(allow_none=True) is None
        and "fork" in multiprocessing.get_all_start_methods()
        and threading.active_count() == 1
    ):
        return multiprocessing.get_context("fork")
    context = multiprocessing.get_context()
    if context.get_start_method() == "forkserver":
        context.set_forkserver_preload([__name__])
    return context


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

    ``workers`` processes read headers in parallel (default: one per CPU for a folder of
    :data:`POOL_FROM` files or more, else this process; 1 reads in this process). Row paths are
    relative to ``root`` (default: the folder holding every path given, so that the folders above
    it, whose names often carry patient names, stay out of the rows);
    ``absolute_paths=True`` gives absolute paths instead. A file
    whose reading kills its worker process (a crash in a library) gets a row with that reason;
    the other files are read as usual.

    Raises
    ------
    UnguardedScriptError
        When a script calls this at its top level without ``if __name__ == "__main__":`` and the
        processes would run the script again (see :mod:`echolab.parallel`).
    """
    files = _candidates(paths)
    if absolute_paths:
        files, root = [(os.path.abspath(path), listed) for path, listed in files], None
    elif root is None:
        root = _common_folder(paths)
    count = workers or os.cpu_count() or 1
    jobs: list[_Job] = [(path, root, listed) for path, listed in files]
    if count <= 1 or len(jobs) < (8 if workers else POOL_FROM):
        yield from _rows(jobs)
        return
    context = _context()
    check_script_guard("echolab.archive.inventory.scan()", context.get_start_method())
    size = max(1, min(64, len(jobs) // (16 * count)))
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
    names = list(_COLUMNS)
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
