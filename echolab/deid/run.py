""":func:`deidentify`: many files, a process pool, one audit line per file.

Each file goes through five steps; the heavy ones run in worker processes, chunks of frames in
parallel, so one long cine uses every worker as well as many short files do:

1. hash (worker): the input's sha256; a file the audit already lists with the same options is
   skipped, as is a second copy of one input;
2. prepare (worker): open, find the area to keep, clean the header (:mod:`~echolab.deid.attributes`);
3. encode (workers, by chunks of frames): decode, blank outside the area, encode losslessly;
4. write (this process): assemble the file in memory, write it under its new name;
5. verify (workers): read the output back, every frame and the header
   (:mod:`~echolab.deid.verify`); a file failing it is deleted and reported.

Inputs are only ever read.
"""

from __future__ import annotations

import copy
import datetime as dt
import enum
import hashlib
import multiprocessing
import os
import threading
import time
import warnings
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import FIRST_COMPLETED, Executor, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pydicom
from pydicom.dataset import Dataset

from .. import __version__
from ..errors import DeidentificationError, EcholabError, EcholabWarning
from .area import Box, KeepArea, kept_area
from .attributes import DateOption, Secret, clean_dataset, mark_deidentified, patient_key
from .audit import Audit
from .encoding import (
    BurnedInAnnotation,
    Codec,
    OutputFormat,
    blank,
    encode_frame,
    lossy_history,
    output_format,
    record_lossy,
)
from .profile import EDITION
from .structured import is_report, prepare_report, report_file, verify_report
from .verify import opened, pack_mask, read_frames, unpack_mask, verify_frames, verify_header
from .writer import assemble, output_name, write_atomic

__all__ = ["deidentify", "DeidResult", "DeidStatus", "PROFILE", "CHUNK_FRAMES"]

#: The profile applied, as the audit names it.
PROFILE = f"DICOM PS3.15 {EDITION} Table E.1-1 Basic Application Level Confidentiality Profile"
#: Frames per encode / verify task.
CHUNK_FRAMES = 16
_READ_BLOCK = 1 << 20


class DeidStatus(enum.Enum):
    """What happened to one input."""

    DONE = "de-identified"
    SKIPPED = "skipped"
    FAILED = "failed"


@dataclass(frozen=True)
class DeidResult:
    """The outcome for one input file.

    Attributes
    ----------
    source
        The input path, as found.
    status
        De-identified, skipped (already in the audit with the same options, or a copy of another
        input) or failed.
    output
        The output file (None when failed).
    reason
        Why it failed or was skipped; empty when de-identified.
    input_sha256
        The input's sha256 (None when it could not be read).
    frames
        Frames cleaned and written.
    audit
        The audit line written for it (or found, for a skipped file).
    """

    source: str
    status: DeidStatus
    output: str | None = None
    reason: str = ""
    input_sha256: str | None = None
    frames: int = 0
    audit: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)


@dataclass(frozen=True)
class _Options:
    keep: KeepArea
    dates: DateOption
    box: Box | None
    codec: Codec
    secret: Secret

    def describe(self) -> dict[str, Any]:
        return {
            "keep": self.keep.value,
            "dates": self.dates.value,
            "box": None if self.box is None else list(self.box),
            "codec": self.codec.value,
            "salt": self.secret.fingerprint,
        }


@dataclass
class _Plan:
    """What the prepare step hands over: everything but the frames."""

    header: Dataset
    identifying: dict[str, str]
    mask_bits: bytes
    shape: tuple[int, int]
    frames: int
    fmt: OutputFormat | None  # None for a Structured Report (no pixels)
    name: str
    audit: dict[str, Any]


def _sha256(path: str) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(_READ_BLOCK):
            digest.update(block)
    return digest.hexdigest()


def _identify(path: str) -> tuple[str, str | None]:
    """The file's sha256 and its (0008,0018) SOP Instance UID (None when unreadable)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            header = pydicom.dcmread(path, stop_before_pixels=True, specific_tags=["SOPInstanceUID"], force=True)
        uid = str(header.get("SOPInstanceUID", "") or "").strip(" \x00") or None
    except Exception:
        uid = None
    return _sha256(path), uid


def _prepare(source: str, sha256: str, options: _Options) -> _Plan:
    if is_report(source):  # a Structured Report: no pixels, its content cleaned (deid/structured.py)
        cleaned, identifying, output, described = prepare_report(source, sha256, options.secret, options.dates)
        return _Plan(cleaned, identifying, b"", (0, 0), 0, None, output, {"profile": PROFILE, **described})
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        echo = opened(source)
        pixels = echo.pixels
        area = kept_area(echo, options.keep, options.box)
        fmt = output_format(echo, np.dtype(pixels.fmt.dtype), tuple(pixels.frame_shape))
        header = _copy_header(echo.dataset)
        shift_per = patient_key(header)[0]
        report = clean_dataset(header, options.secret, options.dates)
        for keyword in ("StudyInstanceUID", "SeriesInstanceUID", "SOPInstanceUID"):
            if not str(header.get(keyword, "") or "").strip():  # absent in the input: made from its content
                setattr(header, keyword, options.secret.uid(f"{keyword} of sha256:{sha256}"))
        codes = mark_deidentified(header, options.dates, tool=f"echolab {__version__}")
        fmt.apply(header)
        lossy = record_lossy(header, lossy_history(echo))
        header.BurnedInAnnotation = BurnedInAnnotation.NO.value
        frames = pixels.number_of_frames
        if "NumberOfFrames" in header or frames > 1:
            header.NumberOfFrames = frames
    name = output_name(header)
    # echolab's own warnings only (pydicom's may quote values), without the input's name or any removed value
    hidden = [os.fspath(source), os.path.basename(source)]
    notes = sorted(
        {
            _without(_without(str(w.message), hidden), list(report.identifying), "<removed>")
            for w in caught
            if issubclass(w.category, EcholabWarning)
        }
    )
    audit: dict[str, Any] = {
        "profile": PROFILE,
        "method_codes": [{"code": c.code_value, "scheme": "DCM", "meaning": c.meaning} for c in codes],
        "date_shift_per": shift_per if options.dates is DateOption.SHIFT else None,
        "elements": report.summary(),
        "area": area.describe(),
        "frames_cleaned": frames,
        "frames_in_header": echo.number_of_frames,
        "transfer_syntax": {"input": str(echo.transfer_syntax_uid), "output": str(options.codec.transfer_syntax_uid)},
        "photometric": {"input": echo.photometric_interpretation, "output": fmt.photometric.value},
        "lossy_compression": {
            "input_lossy": lossy,
            "method": _list(header.get("LossyImageCompressionMethod")),
            "ratio": _list(header.get("LossyImageCompressionRatio")),
        },
        "notes": notes,
    }
    return _Plan(header, report.identifying, pack_mask(area.mask), area.mask.shape, frames, fmt, name, audit)


def _copy_header(dataset: Dataset) -> Dataset:
    """A deep copy of the header's elements, still unparsed where they were (a bad value then
    fails in the cleaning, which removes and reports it), without the file buffer they came from
    (which ``copy.deepcopy`` of the data set would try, and warn about, to copy)."""
    copied = Dataset()
    for tag in dataset.keys():
        copied[tag] = copy.deepcopy(dataset.get_item(tag))
    return copied


def _list(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, (str, bytes)) or not isinstance(value, Iterable):
        return [str(value)]
    return [str(v) for v in value]


def _without(text: str, hidden: Sequence[str], instead: str = "<input>") -> str:
    for part in sorted(hidden, key=len, reverse=True):
        if part:
            text = text.replace(part, instead)
    return text


def _encode(
    source: str, start: int, stop: int, mask_bits: bytes, shape: tuple[int, int], fmt: OutputFormat, codec: Codec
) -> list[bytes]:
    frames = read_frames(source, start, stop)
    blank(frames, unpack_mask(mask_bits, shape))
    return [encode_frame(frame, fmt, codec) for frame in frames]


def _verify_written(path: str, name: str, identifying: dict[str, str]) -> tuple[list[str], str]:
    """The header's problems (:func:`verify_header`) and the written file's sha256."""
    return verify_header(path, name, identifying) + verify_report(path), _sha256(path)


def _worker_init() -> None:
    # parallelism comes from the processes: one decode thread each
    os.environ["ECHOLAB_DECODE_THREADS"] = "1"
    warnings.simplefilter("ignore")


class _Inline(Executor):
    """Runs each task at once in this process (``workers=1``)."""

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        future: Future[Any] = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except Exception as exc:
            future.set_exception(exc)
        return future


@dataclass
class _Job:
    index: int
    source: str
    started: float = 0.0
    sha256: str | None = None
    plan: _Plan | None = None
    encoded: list[list[bytes] | None] = field(default_factory=list)
    waiting: int = 0
    output: Path | None = None
    output_sha256: str | None = None
    dirty: list[tuple[int, int]] = field(default_factory=list)
    header_problems: list[str] = field(default_factory=list)
    futures: list[Future[Any]] = field(default_factory=list)
    result: DeidResult | None = None


def _chunks(frames: int, size: int) -> list[tuple[int, int]]:
    return [(start, min(frames, start + size)) for start in range(0, frames, size)]


class _Runner:
    def __init__(self, sources: list[str], out: Path, options: _Options, workers: int) -> None:
        self.jobs = [_Job(i, s) for i, s in enumerate(sources)]
        self.out = out
        self.options = options
        self.workers = workers
        self.audit = Audit(out)
        self.described = options.describe()
        self.finished = self.audit.finished(self.described)
        self.owners = self.audit.owners()
        self.seen: dict[str, str] = {}
        self.sop_instances: dict[str, str] = {}
        self.identities: dict[int, tuple[str, str | None] | None] = {}
        self.next_identity = 0
        self.running: set[int] = set()
        self.claimed: dict[str, str] = {}
        self.futures: dict[Future[Any], tuple[_Job, str, int]] = {}
        self.pool: Executor = _Inline()

    # --- scheduling ----------------------------------------------------------------------------

    def run(self) -> list[DeidResult]:
        if self.workers > 1 and self.jobs:
            self.pool = ProcessPoolExecutor(self.workers, mp_context=_context(), initializer=_worker_init)
        try:
            pending = deque(self.jobs)
            while pending or self.futures:
                while pending and len(self.running) < self.workers + 1:
                    job = pending.popleft()
                    job.started = time.perf_counter()
                    self.running.add(job.index)
                    self._submit(job, "hash", 0, _identify, job.source)
                done, _ = wait(list(self.futures), return_when=FIRST_COMPLETED) if self.futures else (set(), set())
                for future in done:
                    job, step, index = self.futures.pop(future)
                    if job.result is not None:
                        continue
                    try:
                        value = future.result()
                    except Exception as exc:
                        self._fail(job, exc)
                    else:
                        try:
                            self._advance(job, step, index, value)
                        except Exception as exc:
                            self._fail(job, exc)
        finally:
            self.pool.shutdown(wait=True, cancel_futures=True)
        return [job.result if job.result is not None else self._failed(job, "not processed") for job in self.jobs]

    def _submit(self, job: _Job, step: str, index: int, fn: Callable[..., Any], *args: Any) -> None:
        try:
            future = self.pool.submit(fn, *args)
        except BrokenProcessPool as exc:
            future = Future()
            future.set_exception(exc)
        self.futures[future] = (job, step, index)
        job.futures.append(future)

    def _advance(self, job: _Job, step: str, index: int, value: Any) -> None:
        if step == "hash":
            self._hashed(job, value)
        elif step == "prepare":
            self._prepared(job, value)
        elif step == "encode":
            job.encoded[index] = value
            job.waiting -= 1
            if job.waiting == 0:
                self._write(job)
        elif step in ("verify frames", "verify header"):
            if step == "verify frames":
                job.dirty += value
            else:
                problems, job.output_sha256 = value
                job.header_problems += problems
            job.waiting -= 1
            if job.waiting == 0:
                self._conclude(job)

    def _hashed(self, job: _Job, identity: tuple[str, str | None] | None) -> None:
        """Take the hash results in input order, so that of two inputs with the same content or
        the same SOP Instance UID the first in order always wins."""
        self.identities[job.index] = identity
        self._release()

    def _release(self) -> None:
        while self.next_identity in self.identities:
            job = self.jobs[self.next_identity]
            found = self.identities.pop(self.next_identity)
            self.next_identity += 1
            if found is not None and job.result is None:
                try:
                    self._start(job, *found)
                except Exception as exc:
                    self._fail(job, exc)

    def _start(self, job: _Job, sha256: str, sop_instance_uid: str | None) -> None:
        job.sha256 = sha256
        first = self.sop_instances.setdefault(sop_instance_uid, sha256) if sop_instance_uid else sha256
        previous = self.finished.get(sha256)
        if previous is not None:
            output = str(self.out / previous["output"])
            self._finish(job, DeidStatus.SKIPPED, "already de-identified with these options (in the audit)", output)
            return
        if sha256 in self.seen:
            self._finish(job, DeidStatus.SKIPPED, f"same content as {self.seen[sha256]}")
            return
        self.seen[sha256] = job.source
        if first != sha256:
            raise DeidentificationError(
                f"(0008,0018) SOP Instance UID is that of an earlier input with other content (sha256 {first}); "
                "its output would take the same name and UID: every instance needs its own SOP Instance UID",
                job.source,
            )
        self._submit(job, "prepare", 0, _prepare, job.source, sha256, self.options)

    def _prepared(self, job: _Job, plan: _Plan) -> None:
        job.plan = plan
        owner = self.claimed.get(plan.name) or self.owners.get(plan.name)
        self.claimed.setdefault(plan.name, job.sha256 or "")
        if owner is not None and owner != job.sha256:
            raise DeidentificationError(
                f"its output {plan.name} holds another input (sha256 {owner}, an earlier run) with the same "
                "(0008,0018) SOP Instance UID: every instance needs its own SOP Instance UID",
                job.source,
            )
        ranges = _chunks(plan.frames, CHUNK_FRAMES)
        job.encoded = [None] * len(ranges)
        job.waiting = len(ranges)
        if not ranges:  # a report: nothing to encode
            self._write(job)
        for k, (start, stop) in enumerate(ranges):
            args = (job.source, start, stop, plan.mask_bits, plan.shape, plan.fmt, self.options.codec)
            self._submit(job, "encode", k, _encode, *args)

    def _write(self, job: _Job) -> None:
        plan = job.plan
        assert plan is not None
        frames = [frame for chunk in job.encoded for frame in (chunk or [])]
        job.encoded = []
        job.output = self.out / plan.name
        if job.output.resolve() == Path(job.source).resolve():
            raise DeidentificationError("the output would overwrite the input; give another output folder", job.source)
        if plan.fmt is None:
            write_atomic(report_file(plan.header), job.output)
        else:
            write_atomic(assemble(plan.header, frames, self.options.codec), job.output)
        del frames
        ranges = _chunks(plan.frames, CHUNK_FRAMES)
        job.waiting = len(ranges) + 1
        output = os.fspath(job.output)
        for start, stop in ranges:
            self._submit(job, "verify frames", 0, verify_frames, output, start, stop, plan.mask_bits, plan.shape)
        self._submit(job, "verify header", 0, _verify_written, output, plan.name, plan.identifying)

    def _conclude(self, job: _Job) -> None:
        plan = job.plan
        assert plan is not None and job.output is not None
        problems = list(job.header_problems)
        if job.dirty:
            frames = ", ".join(str(frame) for frame, _ in job.dirty[:5])
            problems.append(f"{len(job.dirty)} frame(s) are not 0 outside the kept area (frames {frames})")
        verification = {
            "passed": not problems,
            "frames_checked": plan.frames,
            "frames_not_clean": len(job.dirty),
            "identifying_values_checked": len(plan.identifying),
            "problems": problems,
        }
        if problems:
            job.output.unlink(missing_ok=True)
            reason = "the output failed its verification and was deleted: " + "; ".join(problems)
            self._finish(job, DeidStatus.FAILED, reason, None, {**plan.audit, "verification": verification})
            return
        extra = {"output_sha256": job.output_sha256, **plan.audit, "verification": verification}
        self._finish(job, DeidStatus.DONE, "", os.fspath(job.output), extra)

    # --- outcomes ------------------------------------------------------------------------------

    def _fail(self, job: _Job, exc: BaseException) -> None:
        for future in job.futures:
            future.cancel()
        if job.output is not None:
            job.output.unlink(missing_ok=True)
        if isinstance(exc, EcholabError):
            reason = exc.reason
        elif isinstance(exc, BrokenProcessPool):
            reason = "a worker process died (out of memory?)"
        elif isinstance(exc, OSError):
            reason = f"cannot read or write ({exc.strerror or exc})"
        else:
            reason = f"unexpected {type(exc).__name__}: {exc}"
        extra = dict(job.plan.audit) if job.plan is not None else {}
        if not isinstance(exc, (EcholabError, BrokenProcessPool, OSError)):
            # a library's message may quote a value of the file: the audit keeps only its type
            extra["reason"] = f"unexpected {type(exc).__name__} (the result's reason has the message)"
        self._finish(job, DeidStatus.FAILED, reason, None, extra)
        if job.sha256 is None and job.index >= self.next_identity and job.index not in self.identities:
            self.identities[job.index] = None  # its hash failed: the inputs after it go on
            self._release()

    def _failed(self, job: _Job, reason: str) -> DeidResult:
        return DeidResult(job.source, DeidStatus.FAILED, None, reason, job.sha256)

    def _finish(
        self,
        job: _Job,
        status: DeidStatus,
        reason: str,
        output: str | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        self.running.discard(job.index)
        hidden = [job.source, os.path.basename(job.source)]
        if status is DeidStatus.SKIPPED:
            previous = self.finished.get(job.sha256 or "", {})
            frames = int(previous.get("frames_cleaned", 0))
            job.result = DeidResult(job.source, status, output, reason, job.sha256, frames, previous)
            return
        entry: dict[str, Any] = {
            "input_sha256": job.sha256,
            "status": status.value,
            "output": None if output is None else os.path.relpath(output, self.out),
            "reason": _without(reason, hidden) or None,
            "options": self.described,
            **(extra or {}),
            "echolab": __version__,
            "pydicom": pydicom.__version__,
            "finished": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
            "seconds": round(time.perf_counter() - job.started, 3),
        }
        self.audit.append(entry)
        frames = job.plan.frames if job.plan is not None and status is DeidStatus.DONE else 0
        job.result = DeidResult(job.source, status, output, reason, job.sha256, frames, entry)


def _context() -> Any:
    """fork when this process runs one thread (fast: no re-import), else spawn (safe)."""
    methods = multiprocessing.get_all_start_methods()
    if "fork" in methods and threading.active_count() == 1:
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context("spawn")


def _find(sources: str | os.PathLike[str] | Iterable[str | os.PathLike[str]], out: Path) -> list[str]:
    from ..archive.inventory import find_files

    if isinstance(sources, (str, os.PathLike)):
        sources = [sources]
    paths = [os.fspath(s) for s in sources]
    for path in paths:
        if not os.path.exists(path):
            raise FileNotFoundError(2, "No such file or directory", path)
    inside_out = out.resolve()
    found = []
    for path in find_files(paths):
        resolved = Path(path).resolve()
        if resolved == inside_out or inside_out in resolved.parents:
            continue  # the outputs of an earlier run inside a source folder
        found.append(path)
    return found


def _enum(kind: type[enum.Enum], value: Any, name: str) -> Any:
    if isinstance(value, kind):
        return value
    try:
        return kind(value)
    except ValueError:
        valid = ", ".join(repr(member.value) for member in kind)
        raise ValueError(f"{name}={value!r} is not one of {valid}") from None


def deidentify(
    sources: str | os.PathLike[str] | Iterable[str | os.PathLike[str]],
    out: str | os.PathLike[str],
    *,
    keep: KeepArea | str = KeepArea.REGIONS,
    salt: str | bytes,
    dates: DateOption | str = DateOption.SHIFT,
    box: tuple[int, int, int, int] | None = None,
    workers: int | None = None,
    codec: Codec | str = Codec.JPEG_LS,
) -> list[DeidResult]:
    """De-identify ultrasound DICOM files: header by PS3.15 Table E.1-1, burned-in pixels blanked.

    Parameters
    ----------
    sources
        Files, or folders searched recursively for DICOM files (as ``echolab scan`` does). Never
        written.
    out
        Output folder: ``<Study Instance UID>/<SOP Instance UID>.dcm`` per file (new UIDs) and
        the audit ``deid-audit.jsonl``. Created if needed.
    keep
        ``"regions"`` (default): the union of the (0018,6011) region boxes; ``"scan-area"``: the
        sector or linear scan area of each 2D region plus the spectral Doppler, M-mode and trace
        boxes. Every pixel outside is set to 0 on every frame.
    salt
        Secret key of the UID hashes and date shifts: the same salt gives the same new UIDs and
        shifts in every run, so studies and series stay together across runs. Keep it secret and
        keep it.
    dates
        ``"shift"`` (default): dates move back by 1 to 10 years, the same number of days for every
        file of a patient, times of day kept; ``"keep"``; ``"remove"``: the table's action.
    box
        (x0, y0, x1, y1) inclusive image pixels: keep this rectangle instead of the regions
        (needed for files without (0018,6011)).
    workers
        Processes (default: the CPUs available); 1 runs everything in this process.
    codec
        ``"jpeg-ls"`` (default, JPEG-LS Lossless) or ``"rle"`` (RLE Lossless).

    Returns
    -------
    list of DeidResult
        One per input file found, in order. A file that cannot be de-identified is reported there
        and in the audit (``status`` failed, ``reason`` why) and the others go on.

    Raises
    ------
    FileNotFoundError
        When a source does not exist.
    ValueError
        For an unknown option value or an empty salt.
    """
    options = _Options(
        keep=_enum(KeepArea, keep, "keep"),
        dates=_enum(DateOption, dates, "dates"),
        box=None if box is None else tuple(int(v) for v in box),  # type: ignore[arg-type]
        codec=_enum(Codec, codec, "codec"),
        secret=Secret.from_salt(salt),
    )
    if options.box is not None and len(options.box) != 4:
        raise ValueError(f"box={box!r} must be four integers (x0, y0, x1, y1), inclusive image pixels")
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    files = _find(sources, folder)
    count = os.process_cpu_count() if hasattr(os, "process_cpu_count") else None
    if count is None:
        count = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    chosen = max(1, int(workers) if workers is not None else count)
    return _Runner(files, folder, options, chosen).run()
