"""Export many files' clips with Dask: a Zarr store (one group per clip) or lossless MP4 files.

Every usable 2D region of every file becomes one clip (:func:`echolab.clips.clip`), or one clip
per complete heartbeat with ``phases`` (:func:`echolab.clips.beat_clips`). Clips are named
pseudonymously: ``<file key>_r<region>[_b<beat>]``, the file key being a keyed hash (HMAC-SHA-256)
of the (0008,0018) SOP Instance UID with ``salt`` — without the salt nobody can tell which file a
clip came from, and with it the owner of the files can (:func:`clip_name`). No identifier is
written: no UID, file name, patient, operator or institution element, and only the region (never
the banner around it).

``format="zarr"``: the output folder is a Zarr group; each clip is the group ``<name>`` holding the
variable ``clip`` (time, y, x, channel), chunked along time, with its coordinates (``time`` s,
``y`` / ``x`` cm, ``row`` / ``column``, ``source_frame``, ``phase`` for a beat) and attrs: spacing,
fps or phases, timing source, calibration, corrections, geometry, beat, and the processing
history. ``format="mp4"``: each clip is ``<name>.mp4`` — lossless H.264 (``libx264`` grey or
``libx264rgb`` for colour, ``qp=0``: the decoded frames are the clip's values exactly) at the
clip's frame rate — and ``<name>.json``, the same attrs with the coordinates, for video-based
loaders.

Each clip is written into a scratch folder beside the output and renamed into place when complete
(a crash or Ctrl-C never leaves half a clip); a rerun skips the clips already there (the export
resumes). The settings are kept in the output's root (``clips.json`` or the group's attrs); a
rerun with other settings is refused rather than mixing grids. A file that cannot give its clips
is reported with its reason; the others go on.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import os
import shutil
import uuid
import warnings
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from fractions import Fraction
from typing import Any, Literal

import numpy as np
import xarray as xr

from .. import __version__
from ..analysis.beats import beats as heartbeats
from ..archive.inventory import find_files
from ..codes import RegionKind
from ..conventions import BEAT_INDEX, CLIP_FILE_KEY, CLIP_NAME, CLIP_SETTINGS, HISTORY, LONG_NAME, PROCESSING_FUNCTION
from ..echofile import EchoFile
from ..echofile import open as open_file
from ..errors import EcholabError, require
from ..parallel import check_script_guard
from ..reading.frame_source import decode_threads
from .resample import MASKS, ClipError, Mask, _check_timing, beat_clips, clip, complete_beats

__all__ = [
    "ClipResult",
    "ClipSettings",
    "KINDS",
    "SETTINGS_ATTR",
    "SETTINGS_FILE",
    "clip_name",
    "export",
    "export_file",
    "file_key",
]

Format = Literal["zarr", "mp4"]
FORMATS: tuple[Format, ...] = ("zarr", "mp4")
Status = Literal["exported", "skipped", "failed"]

#: Region kinds by their command-line names.
KINDS: dict[str, RegionKind] = {"2d": RegionKind.TWO_D, "colour-flow": RegionKind.COLOR_FLOW}
#: Frames per Zarr chunk along ``time``.
TIME_CHUNK = 16
#: FFmpeg's AVCOL_RANGE_JPEG: pixel values use the whole 0..255 range.
FULL_RANGE = 2
#: The file in an MP4 output folder that keeps the settings.
SETTINGS_FILE = "clips.json"
#: Attr of a Zarr output's root group that keeps the settings.
SETTINGS_ATTR = CLIP_SETTINGS


@dataclass(frozen=True)
class ClipSettings:
    """What every clip of one output shares; kept in the output and checked on a rerun.

    Attributes
    ----------
    spacing
        Grid step, cm per pixel.
    size
        Pixels per side.
    fps
        Frames per second of a whole-cine clip; None with ``phases``.
    phases
        Phases per heartbeat: one clip per complete beat; None for whole cines.
    kinds
        Region kinds to export (names of :data:`KINDS`).
    mask
        ``"scan-area"`` or ``"none"``.
    format
        ``"zarr"`` or ``"mp4"``.
    """

    spacing: float
    size: int
    fps: float | None
    phases: int | None
    kinds: tuple[str, ...] = ("2d",)
    mask: Mask = "scan-area"
    format: Format = "zarr"

    def __post_init__(self) -> None:
        if (self.fps is None) == (self.phases is None):
            raise ValueError("give exactly one of fps (whole cines) and phases (one clip per beat)")
        unknown = [kind for kind in self.kinds if kind not in KINDS]
        if unknown or not self.kinds:
            raise ValueError(f"kinds must be among {', '.join(KINDS)}, not {', '.join(unknown) or 'none'}")
        if self.mask not in MASKS:
            raise ValueError(f"mask must be one of {', '.join(MASKS)}, not {self.mask!r}")
        if self.format not in FORMATS:
            raise ValueError(f"format must be one of {', '.join(FORMATS)}, not {self.format!r}")

    def describe(self) -> str:
        """The settings as a phrase, for messages."""
        timing = f"{self.fps:g} frames/s" if self.fps is not None else f"{self.phases} phases per beat"
        kinds = ",".join(self.kinds)
        return (
            f"spacing {self.spacing:g} cm, size {self.size}, {timing}, kinds {kinds}, mask {self.mask}, {self.format}"
        )

    def to_json(self) -> dict[str, Any]:
        """The settings as JSON-ready values."""
        values = asdict(self)
        values["kinds"] = list(self.kinds)
        return values


@dataclass(frozen=True)
class ClipResult:
    """What happened to one file.

    Attributes
    ----------
    path
        The source file.
    status
        ``"exported"`` (at least one clip written), ``"skipped"`` (nothing to write: every clip
        already in the output, no usable region of the kinds asked, no complete beat) or
        ``"failed"`` (``reason`` says why; clips of its other regions may have been written).
    clips
        Names of the clips written by this run.
    existing
        Names of this file's clips that were already in the output.
    reason
        Why it failed or was skipped.
    """

    path: str
    status: Status
    clips: tuple[str, ...] = ()
    existing: tuple[str, ...] = ()
    reason: str = ""


def file_key(sop_instance_uid: str, salt: str | None = None) -> str:
    """The pseudonym of a file: HMAC-SHA-256 of its SOP Instance UID keyed with ``salt`` (20 hex
    digits). Without a salt it is a plain hash, which anyone holding the DICOM files can recompute."""
    digest = hmac.new((salt or "").encode(), sop_instance_uid.encode(), hashlib.sha256).hexdigest()
    return digest[:20]


def clip_name(sop_instance_uid: str, region: int, beat: int | None = None, *, salt: str | None = None) -> str:
    """The name of a clip: ``<file key>_r<region>``, with ``_b<beat>`` for a clip per beat
    (``beat`` is the beat's row in :func:`echolab.analysis.beats.beats`)."""
    name = f"{file_key(sop_instance_uid, salt)}_r{region}"
    return name if beat is None else f"{name}_b{beat}"


def _scratch(out: str) -> str:
    return out.rstrip("/\\") + ".partial"


def _exists(out: str, name: str, fmt: Format) -> bool:
    if fmt == "mp4":
        return os.path.isfile(os.path.join(out, f"{name}.json"))
    folder = os.path.join(out, name)
    return os.path.isfile(os.path.join(folder, "zarr.json")) or os.path.isfile(os.path.join(folder, ".zgroup"))


def _history(array: xr.DataArray, step: str) -> str:
    stamp = datetime.now(timezone.utc).isoformat(timespec="seconds")
    previous = str(array.attrs.get(HISTORY, ""))
    return "\n".join(line for line in (previous, f"{stamp} echolab {__version__}: {step}") if line)


def _json_value(value: Any) -> Any:
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    return value


def _write_zarr(array: xr.DataArray, target: str) -> None:
    dataset = array.to_dataset(promote_attrs=True)
    dataset["clip"].attrs = {key: dataset.attrs[key] for key in (LONG_NAME,) if key in dataset.attrs}
    chunks = (min(TIME_CHUNK, array.sizes["time"]),) + tuple(array.shape[1:])  # whole frames, TIME_CHUNK at a time
    dataset.to_zarr(target, mode="w", consolidated=False, encoding={"clip": {"chunks": chunks}})


def _write_mp4(array: xr.DataArray, video: str, sidecar: str) -> None:
    av = require("av", extra="clips", purpose="writing clips as MP4")
    values = np.ascontiguousarray(array.transpose("time", "y", "x", "channel").values)
    if values.dtype != np.uint8:
        raise ClipError(f"MP4 clips hold 8-bit pixels; this region is {values.dtype}: use the Zarr format")
    colour = values.shape[-1] == 3
    times = array["time"].values
    span = float(times[-1] - times[0])
    rate = Fraction((times.size - 1) / span).limit_denominator(1001) if times.size > 1 and span > 0 else Fraction(1)
    pixel_format = "rgb24" if colour else "gray"
    with av.open(video, mode="w", format="mp4") as container:
        # qp 0: lossless H.264 (High 4:4:4 Predictive); libx264rgb codes R, G, B as they are. A grey
        # clip is coded as luma only, marked full range (0..255, as JPEG): decoders then hand the
        # values back unchanged (limited range would rescale them to 16..235 and back, with rounding)
        stream = container.add_stream(
            "libx264rgb" if colour else "libx264",
            rate=rate,
            pix_fmt=pixel_format,
            width=values.shape[2],
            height=values.shape[1],
            options={"qp": "0", "preset": "ultrafast"},
        )
        if not colour:
            stream.codec_context.color_range = FULL_RANGE
        for frame in values:
            picture = av.VideoFrame.from_ndarray(frame if colour else frame[..., 0], format=pixel_format)
            if not colour:
                picture.color_range = FULL_RANGE
            for packet in stream.encode(picture):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    description = {
        "attrs": {key: _json_value(value) for key, value in array.attrs.items()},
        "dims": list(array.dims),
        "shape": list(array.shape),
        "video_frame_rate": str(rate),
        "coords": {
            name: {"dims": list(coord.dims), "values": _json_value(coord.values), "attrs": dict(coord.attrs)}
            for name, coord in array.coords.items()
        },
    }
    with open(sidecar, "w", encoding="utf-8") as handle:
        json.dump(description, handle, indent=1)


def _write(array: xr.DataArray, out: str, name: str, fmt: Format) -> bool:
    """Write one clip atomically; False when another writer put it there first."""
    scratch = os.path.join(_scratch(out), uuid.uuid4().hex)
    os.makedirs(scratch, exist_ok=True)
    try:
        if fmt == "zarr":
            partial = os.path.join(scratch, f"{name}.zarr")
            _write_zarr(array, partial)
            try:
                os.rename(partial, os.path.join(out, name))
            except OSError:
                if _exists(out, name, fmt):
                    return False
                raise
        else:
            video, sidecar = os.path.join(scratch, f"{name}.mp4"), os.path.join(scratch, f"{name}.json")
            _write_mp4(array, video, sidecar)
            os.replace(video, os.path.join(out, f"{name}.mp4"))
            os.replace(sidecar, os.path.join(out, f"{name}.json"))  # last: its presence says the clip is whole
        return True
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _file_clips(
    f: EchoFile, path: str, out: str, settings: ClipSettings, salt: str | None
) -> tuple[list[str], list[str], list[str]]:
    """Write the clips of one opened file: (written, existing, region failures)."""
    uid = f.sop_instance_uid
    if not uid:
        raise ClipError("(0008,0018) SOP Instance UID is missing: clips are named by its keyed hash", path)
    wanted = {KINDS[kind] for kind in settings.kinds}
    regions = [region.index for region in f.header_regions if region.usable and region.kind in wanted]
    if not regions:
        kinds = ", ".join(settings.kinds)
        raise _Skip(f"no usable region of the kinds asked ({kinds}) in (0018,6011) Sequence of Ultrasound Regions")
    _check_timing(f)
    beats = None
    if settings.phases is not None:
        table = heartbeats(f)
        if not len(table):
            raise _Skip("no heartbeat: no (0018,6060) R Wave Time Vector and no R peaks in an ECG trace region")
        try:
            beats = complete_beats(f, table)
        except ClipError as exc:  # beats on an ECG region's own clock: nothing to cut the cine with
            raise _Skip(exc.reason) from None
        if not len(beats):
            span = f.frame_times[: f.pixels.number_of_frames]
            raise _Skip(
                f"no complete heartbeat inside the cine ({span[0]:g} .. {span[-1]:.3f} s): the R waves of "
                f"(0018,6060) R Wave Time Vector are at {', '.join(f'{t:.3f}' for t in table['start'])} and "
                f"{float(table['stop'].iloc[-1]):.3f} s"
            )
    written: list[str] = []
    existing: list[str] = []
    failures: list[str] = []
    for index in regions:
        key = file_key(uid, salt)
        common = {CLIP_FILE_KEY: key}
        try:
            if beats is None:
                name = clip_name(uid, index, salt=salt)
                if _exists(out, name, settings.format):
                    existing.append(name)
                    continue
                assert settings.fps is not None
                made = [
                    (
                        name,
                        clip(
                            f, index, spacing=settings.spacing, size=settings.size, fps=settings.fps, mask=settings.mask
                        ),
                    )
                ]
            else:
                names = {int(row): clip_name(uid, index, int(row), salt=salt) for row in beats.index}
                existing += [name for name in names.values() if _exists(out, name, settings.format)]
                todo = beats.loc[[row for row, name in names.items() if not _exists(out, name, settings.format)]]
                todo.attrs.update(beats.attrs)
                assert settings.phases is not None
                arrays = (
                    beat_clips(
                        f,
                        index,
                        spacing=settings.spacing,
                        size=settings.size,
                        phases=settings.phases,
                        mask=settings.mask,
                        table=todo,
                    )
                    if len(todo)
                    else []
                )
                made = [(names[int(array.attrs[BEAT_INDEX])], array) for array in arrays]
            for name, array in made:
                array.attrs.update({**common, CLIP_NAME: name, PROCESSING_FUNCTION: "echolab.clips.export"})
                array.attrs[HISTORY] = _history(
                    array, f"written by echolab.clips.export as {name} ({settings.format}; {settings.describe()})"
                )
                if _write(array, out, name, settings.format):
                    written.append(name)
                else:
                    existing.append(name)
        except EcholabError as exc:
            failures.append(f"region {index}: {exc.reason}")
    return written, existing, failures


class _Skip(Exception):
    """Internal: the file gives no clip, for a reason that is not a failure."""


def export_file(path: str, out: str, settings: ClipSettings, *, salt: str | None = None) -> ClipResult:
    """Write the clips of one file into ``out``; never raises for a bad file (the result says why)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            f = open_file(path)
            written, existing, failures = _file_clips(f, path, out, settings, salt)
    except _Skip as skip:
        return ClipResult(path, "skipped", reason=str(skip))
    except EcholabError as exc:
        return ClipResult(path, "failed", reason=exc.reason)
    except Exception as exc:  # reported with the file's name; the other files go on
        return ClipResult(path, "failed", reason=f"{type(exc).__name__}: {exc}")
    if failures:
        return ClipResult(path, "failed", tuple(written), tuple(existing), "; ".join(failures))
    if written:
        return ClipResult(path, "exported", tuple(written), tuple(existing))
    return ClipResult(path, "skipped", (), tuple(existing), f"its {len(existing)} clip(s) are already in the output")


def _export_in_worker(path: str, out: str, settings: ClipSettings, salt: str | None) -> ClipResult:
    with decode_threads(1):  # parallelism comes from the files
        return export_file(path, out, settings, salt=salt)


def _prepare_output(out: str, settings: ClipSettings) -> None:
    """Create the output (or check that it was made with the same settings) and a clean scratch folder."""
    wanted = settings.to_json()
    found: Any
    if settings.format == "zarr":
        import zarr

        if os.path.exists(out) and not os.path.isdir(out):
            raise ClipError("exists and is not a folder; the clips' Zarr store is a folder", out)
        group = zarr.open_group(out, mode="a")
        found = group.attrs.get(SETTINGS_ATTR)
        if found is None:
            group.attrs[SETTINGS_ATTR] = wanted
    else:
        os.makedirs(out, exist_ok=True)
        settings_path = os.path.join(out, SETTINGS_FILE)
        found = None
        if os.path.isfile(settings_path):
            with open(settings_path, encoding="utf-8") as handle:
                found = json.load(handle)
        else:
            with open(settings_path, "w", encoding="utf-8") as handle:
                json.dump(wanted, handle, indent=1)
    if found is not None and dict(found) != wanted:
        try:
            made = ClipSettings(**{**dict(found), "kinds": tuple(found.get("kinds", ()))}).describe()
        except (TypeError, ValueError):
            made = json.dumps(found)
        raise ClipError(
            f"was made with {made}; this run asks {settings.describe()}: write to another folder (one grid per output)",
            out,
        )
    shutil.rmtree(_scratch(out), ignore_errors=True)
    os.makedirs(_scratch(out), exist_ok=True)


def export(
    sources: Sequence[str | os.PathLike[str]],
    out: str | os.PathLike[str],
    *,
    spacing: float,
    size: int,
    fps: float | None = None,
    phases: int | None = None,
    kinds: Sequence[str] = ("2d",),
    mask: Mask = "scan-area",
    format: Format = "zarr",  # noqa: A002 - the command line's word
    salt: str | None = None,
    workers: int | None = None,
    scheduler: str | None = None,
    progress: bool = True,
    on_result: Callable[[ClipResult], Any] | None = None,
) -> list[ClipResult]:
    """Export the clips of every DICOM file under ``sources`` into ``out`` (see the module docstring).

    Parameters
    ----------
    sources
        Files and folders (searched recursively for DICOM files).
    out
        The output folder: a Zarr store (``format="zarr"``) or a folder of MP4 + JSON files.
    spacing
        Grid step, cm per pixel.
    size
        Pixels per side.
    fps
        Frames per second of whole-cine clips; give this or ``phases``.
    phases
        Phases per heartbeat: one clip per complete beat from (0018,6060) R Wave Time Vector.
    kinds
        Region kinds to export: ``"2d"`` (tissue), ``"colour-flow"``.
    mask
        ``"scan-area"`` (pixels outside the scan area are 0) or ``"none"``.
    format
        ``"zarr"`` or ``"mp4"`` (lossless H.264 + a JSON sidecar per clip; needs ``av``).
    salt
        Key of the names' hash (see :func:`file_key`); keep it secret and the same across runs.
    workers
        Worker processes of the local Dask cluster (default: one per CPU); 0 exports in this
        process, one file after another (no cluster). Ignored with ``scheduler``.
    scheduler
        Address of a running ``dask.distributed`` scheduler; its workers must see the same paths.
    progress
        Show a progress bar (tqdm) on stderr.
    on_result
        Called with each file's result as it arrives.

    Returns
    -------
    list of ClipResult
        One per file, in the order the files were found.

    Raises
    ------
    ClipError
        When ``out`` was made with other settings (nothing is written).
    UnguardedScriptError
        When a script calls this at its top level without ``if __name__ == "__main__":`` and
        worker processes would run it again (see :mod:`echolab.parallel`).
    ValueError
        For settings that cannot be met (both or neither of ``fps`` and ``phases``, unknown kinds).
    """
    from tqdm.auto import tqdm

    settings = ClipSettings(spacing, size, fps, phases, tuple(kinds), mask, format)
    local = scheduler is None and workers != 0
    if local:  # at once, before anything is read, started or written
        import dask
        import dask.distributed  # noqa: F401 - loads the distributed configuration read below

        check_script_guard("echolab.clips.export()", dask.config.get("distributed.worker.multiprocessing-method"))
    out = os.path.abspath(os.fspath(out))
    files = [os.path.abspath(p) for p in find_files(sources)]
    _prepare_output(out, settings)
    results: dict[str, ClipResult] = {}

    def record(result: ClipResult) -> None:
        results[result.path] = result
        if on_result is not None:
            on_result(result)

    with contextlib.ExitStack() as stack:
        stack.callback(shutil.rmtree, _scratch(out), ignore_errors=True)
        bar = stack.enter_context(tqdm(total=len(files), unit="file", disable=not progress, desc="clips"))
        if scheduler is None and workers == 0 or not files:
            for path in files:
                record(export_file(path, out, settings, salt=salt))
                bar.update()
        else:
            from dask.distributed import Client, as_completed

            from ..archive.convert import local_cluster

            if scheduler is None:
                client = stack.enter_context(Client(stack.enter_context(local_cluster(workers))))
            else:
                client = stack.enter_context(Client(scheduler))
            futures = client.map(_export_in_worker, files, out=out, settings=settings, salt=salt, pure=False)
            origin = {future.key: path for future, path in zip(futures, files, strict=True)}
            for future in as_completed(futures):
                try:
                    result = future.result()
                except Exception as exc:  # a worker lost, a task killed: still one file's failure
                    result = ClipResult(origin[future.key], "failed", reason=f"{type(exc).__name__}: {exc}")
                record(result)
                bar.update()
    return [results[path] for path in files]
