"""Convert many files into one Zarr archive with Dask: one group per SOP Instance UID.

Each file becomes the group ``<SOP Instance UID>`` holding its ``image`` and ``region_<i>`` groups
(see :mod:`echolab.archive.datasets`), laid out by :mod:`echolab.archive.layout`: a compressed file's frames kept
as its own bitstreams when nothing must be blanked, regions as views of the image. Files are
converted in parallel by a :mod:`dask.distributed` cluster — a local one by default, or any
scheduler address — one task per file. A group is written into a scratch folder beside the archive,
checked complete (every group's and array's metadata written) and renamed into place, so a crash or
Ctrl-C never leaves a half-written group, and a rerun skips the files whose group exists ("already
in the archive": the conversion resumes); a group folder without its root metadata, left by a crash
of an older version, is replaced. A file that cannot be converted is reported with its reason and
skipped; the others go on. Headers are read first (in parallel, see
:func:`echolab.archive.inventory.scan`): a file whose SOP Instance UID an earlier file (in path order)
already has is skipped as a "duplicate SOP Instance UID of <that file>", so the same input always
gives the same archive; a file whose headers show it gives no image (no pixel data, no installed
decoder) fails there and claims no group. A file converted with problems (frames missing from a
copy cut short, see :mod:`echolab.reading.problems`) says so in its result and in the group's
attrs.

The local cluster (:func:`local_cluster`) takes free ports chosen by the system on 127.0.0.1 and
prints nothing: no dashboard unless asked for, so another program on Dask's usual port 8787 (a
Jupyter server, another cluster) is no concern.

One conversion writes an archive at a time: :func:`archive_lock` holds a lock file inside it
(``flock``, released when the run ends or its process dies) for the whole run, and a second
conversion of the same archive stops at once with an :class:`~echolab.errors.ArchiveBusyError`
naming the first, before it reads, deletes or writes anything. Under the lock, the scratch folder
left by a run that crashed is cleared.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import logging
import os
import re
import secrets
import shutil
import socket
import time
import uuid
import warnings
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import xarray as xr

from ..conventions import SOP_INSTANCE_UID
from ..echofile import open as open_file
from ..errors import ArchiveBusyError, EcholabError, require
from ..parallel import check_script_guard
from ..reading.frame_source import decode_threads
from ..reading.problems import NO_IMAGE_RULES, Problem
from .datasets import file_datatree
from .inventory import find_files, scan
from .layout import CHUNK_BYTES, frames_per_chunk, open_archive, write_file_group

if TYPE_CHECKING:
    from dask.distributed import LocalCluster, Security
    from distributed.deploy.cluster import Cluster

__all__ = [
    "ConvertResult",
    "convert",
    "convert_file",
    "frames_per_chunk",
    "group_exists",
    "group_name",
    "pseudonym",
    "read_key",
    "local_cluster",
    "scratch_dir",
    "CHUNK_BYTES",
    "open_archive",
    "LOCK_NAME",
    "archive_lock",
    "missing_metadata",
]

Status = Literal["converted", "skipped", "failed"]

#: The reason of a file skipped because its group is in the archive from an earlier run.
ALREADY_IN_ARCHIVE = "already in the archive"


@dataclass(frozen=True)
class ConvertResult:
    """What happened to one file.

    Attributes
    ----------
    path
        The source file.
    status
        ``"converted"``, ``"skipped"`` or ``"failed"``. A file is skipped when its group was in
        the archive before this run (reason ``"already in the archive"``), or when an earlier file
        of this run (in path order) has the same SOP Instance UID (``duplicate_of`` names it).
    group
        The archive group (the SOP Instance UID), None when the header could not be read.
    reason
        Why it failed or was skipped: ``"already in the archive"``, ``"duplicate SOP Instance
        UID of <file name>"``, or what made it fail.
    problems
        For a converted file: what the stored group lacks, e.g. the frames of a file cut short
        (see :mod:`echolab.reading.problems`); empty when it holds every frame the header promises.
    duplicate_of
        For a file skipped as a duplicate: the path of the file whose group has its SOP
        Instance UID; None otherwise.
    """

    path: str
    status: Status
    group: str | None = None
    reason: str = ""
    problems: tuple[Problem, ...] = ()
    duplicate_of: str | None = None


#: A UID as DICOM PS3.5 9.1 writes it: digits in dot-separated components, at most 64 characters
#: (a leading zero in a component, which real scanners write, is tolerated).
_UID = re.compile(r"[0-9]+(\.[0-9]+)*")


def _unfit_group_name(uid: str | None) -> str:
    """Why (0008,0018) SOP Instance UID ``uid`` cannot name an archive group ("" when it can)."""
    if not uid or len(uid) > 64 or not _UID.fullmatch(uid):
        shown = repr(uid if uid is None or len(uid) <= 80 else uid[:77] + "...")
        return (
            f"(0008,0018) SOP Instance UID = {shown} is not a UID and cannot name a group (valid: digits in "
            "dot-separated components, at most 64 characters, such as 1.2.840.10008.1)"
        )
    return ""


def pseudonym(uid: str, key: bytes) -> str:
    """The group name of SOP Instance UID ``uid`` in a pseudonymised archive: a keyed hash
    (HMAC-SHA-256 with ``key``), the same for the same UID and key, that tells nothing of the UID
    (real UIDs embed a device serial number and a date) to whoever lacks the key."""
    return "p" + hmac.new(key, uid.encode("ascii"), hashlib.sha256).hexdigest()[:40]


def group_name(uid: str, key: bytes | None = None) -> str:
    """The archive group of SOP Instance UID ``uid``: the UID itself, or its :func:`pseudonym`."""
    return uid if key is None else pseudonym(uid, key)


def read_key(path: str | os.PathLike[str], *, create: bool = True) -> bytes:
    """The pseudonymisation key kept in the file at ``path`` (hex text), created with 32 random
    bytes, readable by its owner only, when missing and ``create`` is true.

    Raises
    ------
    EcholabError
        When the file holds no key of at least 16 bytes in hex.
    """
    source = os.fspath(path)
    if create and not os.path.exists(source):
        descriptor = os.open(source, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w", encoding="ascii") as handle:
            handle.write(secrets.token_hex(32) + "\n")
    with open(source, encoding="ascii", errors="replace") as handle:
        text = handle.read(4096).strip()
    try:
        key = bytes.fromhex(text)
    except ValueError:
        key = b""
    if len(key) < 16:
        raise EcholabError("holds no pseudonymisation key (valid: at least 32 hex digits on one line)", source)
    return key


def _pseudonymised(tree: xr.DataTree, group: str) -> xr.DataTree:
    """``tree`` with every SOP Instance UID attr replaced by the group's pseudonym."""

    def replace(dataset: xr.Dataset) -> xr.Dataset:
        dataset = dataset.copy()
        for holder in (dataset, *dataset.data_vars.values()):
            if SOP_INSTANCE_UID in holder.attrs:
                holder.attrs[SOP_INSTANCE_UID] = group
        return dataset

    result = tree.map_over_datasets(replace)
    result.attrs = {**tree.attrs, SOP_INSTANCE_UID: group}
    return result


def scratch_dir(store: str | os.PathLike[str]) -> str:
    """The folder beside ``store`` where groups are written before being renamed into it."""
    return os.fspath(store).rstrip("/\\") + ".partial"


def group_exists(store: str | os.PathLike[str], group: str) -> bool:
    """True when ``group`` is complete in the archive (its metadata file exists)."""
    return _has_metadata(os.path.join(os.fspath(store), group))


def _has_metadata(folder: str) -> bool:
    return any(os.path.isfile(os.path.join(folder, name)) for name in ("zarr.json", ".zgroup", ".zarray"))


def missing_metadata(folder: str | os.PathLike[str], tree: xr.DataTree) -> list[str]:
    """The groups and arrays of ``tree`` whose metadata the Zarr folder ``folder`` lacks (empty
    when every one was written): a group renamed into the archive must have them all."""
    missing = []
    for node in tree.subtree:
        path = node.path.strip("/")
        names = [path, *(f"{path}/{name}".strip("/") for name in node.to_dataset(inherit=False).variables)]
        missing += [name or "/" for name in names if not _has_metadata(os.path.join(os.fspath(folder), name))]
    return missing


#: The lock file inside an archive while a conversion writes it.
LOCK_NAME = ".echolab-convert.lock"


@contextlib.contextmanager
def archive_lock(store: str | os.PathLike[str]) -> Iterator[None]:
    """Hold the archive ``store`` (an existing folder) for one writer until the ``with`` block ends.

    An exclusive ``flock`` on the file :data:`LOCK_NAME` inside it: the system releases it when
    the process ends, even killed, so a crash never leaves the archive locked. The file names its
    holder (process, host, start) and is removed when the block ends, so that a finished archive
    holds nothing but Zarr's own files.

    Raises
    ------
    ArchiveBusyError
        When another process holds the archive; the message names it.
    """
    try:
        import fcntl
    except ImportError:  # not a POSIX system: no advisory locks to take
        yield
        return
    path = os.path.join(os.fspath(store), LOCK_NAME)
    while True:
        descriptor = os.open(path, os.O_RDWR | os.O_CREAT | getattr(os, "O_CLOEXEC", 0), 0o644)
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(descriptor, 4096, 0).decode("utf-8", "replace").strip()
            os.close(descriptor)
            raise ArchiveBusyError(
                f"another conversion is writing this archive ({_describe_holder(holder)}); one writer at a time: "
                "wait until it ends, or convert into another archive",
                os.fspath(store),
            ) from None
        try:  # the holder before us may have removed the file between our open and our lock
            if os.fstat(descriptor).st_ino == os.stat(path).st_ino:
                break
        except FileNotFoundError:
            pass
        os.close(descriptor)
    try:
        me = {"pid": os.getpid(), "host": socket.gethostname(), "started": time.strftime("%Y-%m-%d %H:%M:%S %Z")}
        os.ftruncate(descriptor, 0)
        os.pwrite(descriptor, json.dumps(me).encode(), 0)
        yield
    finally:
        with contextlib.suppress(OSError):
            os.unlink(path)
        os.close(descriptor)  # releases the lock


def _describe_holder(text: str) -> str:
    try:
        holder = json.loads(text)
        return f"process {int(holder['pid'])} on {holder['host']}, started {holder['started']}"
    except (ValueError, KeyError, TypeError):
        return "a process that has not said who it is yet"


def convert_file(
    path: str,
    store: str,
    *,
    keep_identifiers: bool = False,
    time_chunk: int | None = None,
    pseudonym_key: bytes | None = None,
) -> ConvertResult:
    """Convert one file into group ``<SOP Instance UID>`` of the Zarr ``store``; never raises
    for a bad file (the result says why). Frames are decoded on one thread: parallelism comes
    from converting several files at once. The image keeps the file's bitstreams when
    :func:`~echolab.archive.layout.keeps_bitstreams` (identifiers kept, or nothing outside the regions
    to blank; see :func:`~echolab.archive.layout.write_file_group`); decoded frames go in shards of
    about ``time_chunk`` frames (default: :func:`frames_per_chunk`, about :data:`CHUNK_BYTES`;
    rounded to whole chunks). With ``pseudonym_key`` the group and every SOP Instance UID attr are the UID's
    :func:`pseudonym`."""
    import dask

    group: str | None = None
    partial = os.path.join(scratch_dir(store), f"{uuid.uuid4().hex}.zarr")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            f = open_file(path)
            unfit = _unfit_group_name(f.sop_instance_uid)
            if unfit:
                return ConvertResult(path, "failed", None, unfit)
            assert f.sop_instance_uid is not None
            group = group_name(f.sop_instance_uid, pseudonym_key)
            if group_exists(store, group):
                return ConvertResult(path, "skipped", group, ALREADY_IN_ARCHIVE)
            tree = file_datatree(f, keep_identifiers=keep_identifiers, cache=False)
            if pseudonym_key is not None:
                tree = _pseudonymised(tree, group)
            # inside a worker: no nested cluster tasks, and one decode thread per file
            with dask.config.set(scheduler="synchronous"), decode_threads(1):
                tree = write_file_group(f, tree, partial, keep_identifiers=keep_identifiers, time_chunk=time_chunk)
        missing = missing_metadata(partial, tree)
        if missing:  # never rename a half-written group into the archive
            return ConvertResult(
                path,
                "failed",
                group,
                f"the group was not written completely (no metadata for {', '.join(missing[:3])}"
                f"{', ...' if len(missing) > 3 else ''}); it was left out of the archive",
            )
        target = os.path.join(store, group)
        if os.path.isdir(target) and not group_exists(store, group):
            # a half-written group left by a crash of an older version: set aside, then replaced
            os.rename(target, partial + ".broken")
            shutil.rmtree(partial + ".broken", ignore_errors=True)
        try:
            os.rename(partial, target)
        except OSError:
            if group_exists(store, group):  # the same UID written meanwhile, by another conversion of the archive
                return ConvertResult(path, "skipped", group, ALREADY_IN_ARCHIVE)
            raise
        return ConvertResult(path, "converted", group, problems=f.problems)
    except EcholabError as exc:
        return ConvertResult(path, "failed", group, exc.reason)
    except Exception as exc:  # reported with the file's name; the other files go on
        return ConvertResult(path, "failed", group, f"{type(exc).__name__}: {exc}")
    finally:
        shutil.rmtree(partial, ignore_errors=True)


def local_cluster(workers: int | None = None, *, dashboard_address: str | None = None) -> LocalCluster:
    """Start a local Dask cluster as :func:`convert` uses it: private, quiet, and on free ports only.

    Worker processes with one thread each listen on 127.0.0.1, and every connection (client,
    scheduler, workers) is TLS with a certificate made for this cluster alone
    (:meth:`distributed.Security.temporary`): another program or user of the machine cannot join
    it or run code in it without the cluster's ``security`` (a :class:`~dask.distributed.Client`
    of the cluster object has it). Every port is a free one the system picks, and nothing is
    printed on stderr (Dask's logs below ERROR are silenced). Dask's scheduler and workers always
    open an HTTP server: without ``dashboard_address`` each listens on a free loopback port and
    serves no page at all (no dashboard, no status, metrics or profiling pages). Close the
    cluster after use (it is a context manager).

    Parameters
    ----------
    workers
        Worker processes (default: one per CPU).
    dashboard_address
        Where to serve Dask's dashboard and status pages, e.g. ``"127.0.0.1:8787"`` (the port
        must be free; the pages are plain HTTP); None serves none.

    Raises
    ------
    MissingDependencyError
        When ``cryptography`` (which makes the certificates) is not installed.
    """
    import dask
    from dask.distributed import LocalCluster, Security

    require("cryptography", extra="dask", purpose="a private (TLS) local Dask cluster")
    options: dict[str, Any] = {
        "n_workers": workers or os.cpu_count() or 1,
        "threads_per_worker": 1,
        "processes": True,
        "host": "127.0.0.1",
        "protocol": "tls://",
        "security": Security.temporary(),
        "silence_logs": logging.ERROR,
    }
    if dashboard_address is not None:
        return LocalCluster(dashboard_address=dashboard_address, **options)
    # no routes: the HTTP server Dask starts anyway serves nothing; the workers get the same
    # configuration (a Nanny passes its configuration on to its worker process)
    no_pages: dict[str, list[str]] = {"distributed.scheduler.http.routes": [], "distributed.worker.http.routes": []}
    with dask.config.set(no_pages):
        return LocalCluster(
            dashboard_address=None,  # no dashboard...
            scheduler_kwargs={"dashboard_address": "127.0.0.1:0"},  # ...and the HTTP server on a free port, not 8787
            worker_dashboard_address="127.0.0.1:0",
            **options,
        )


def _prepare_store(store: str) -> None:
    """The archive's root group, and an empty scratch folder (with the archive held, what is left
    there belongs to a run that crashed)."""
    import zarr

    zarr.open_group(store, mode="a")
    shutil.rmtree(scratch_dir(store), ignore_errors=True)
    os.makedirs(scratch_dir(store), exist_ok=True)


def convert(
    sources: Sequence[str | os.PathLike[str]],
    store: str | os.PathLike[str],
    *,
    workers: int | None = None,
    scheduler: str | Cluster | None = None,
    keep_identifiers: bool = False,
    progress: bool = True,
    on_result: Callable[[ConvertResult], Any] | None = None,
    dashboard_address: str | None = None,
    pseudonym_key: bytes | None = None,
    security: Security | None = None,
) -> list[ConvertResult]:
    """Convert every DICOM file under ``sources`` into the Zarr archive ``store`` with Dask.

    Parameters
    ----------
    sources
        Files and folders (searched recursively for DICOM files).
    store
        The Zarr archive (a folder), created when missing.
    workers
        Worker processes of the local cluster (default: one per CPU); ignored with ``scheduler``.
    scheduler
        Address of a running ``dask.distributed`` scheduler (``tls://host:8786``), or a cluster
        object (such as :func:`local_cluster`'s, which carries its own ``security``); its workers
        must see the same paths.
    security
        How to connect to ``scheduler`` (a :class:`distributed.Security` with its CA, client
        certificate and key); default: Dask's configuration (``distributed.comm.tls``). The local
        cluster makes its own (see :func:`local_cluster`).
    keep_identifiers
        Copy patient, operator and institution elements and the file name into the attrs.
    progress
        Show a progress bar (tqdm) on stderr.
    on_result
        Called with each result as it arrives.
    dashboard_address
        Serve the local cluster's Dask dashboard there (e.g. ``"127.0.0.1:8787"``); by default
        it has none (see :func:`local_cluster`). Ignored with ``scheduler``.
    pseudonym_key
        Name each group by the keyed hash of its SOP Instance UID (:func:`pseudonym`, see
        :func:`read_key`) instead of the UID, which embeds a device serial number and a date;
        the UID attrs hold the pseudonym too. Keep the key to add files to the archive later.

    Returns
    -------
    list of ConvertResult
        One per file, in the order the files were found.

    Raises
    ------
    UnguardedScriptError
        When a script calls this at its top level without ``if __name__ == "__main__":``: the
        local cluster's worker processes would run the script again (see :mod:`echolab.parallel`).
        Raised at once; nothing is written.
    ArchiveBusyError
        When another conversion is writing ``store`` (see :func:`archive_lock`). Raised at once;
        nothing is read, deleted or written.
    """
    import dask
    import dask.distributed  # noqa: F401  (registers its configuration, read next)

    if scheduler is None:  # at once, before anything is read, started or written
        check_script_guard(
            "echolab.archive.convert.convert()", dask.config.get("distributed.worker.multiprocessing-method")
        )
    store = os.path.abspath(os.fspath(store))
    created = not os.path.exists(store)
    os.makedirs(store, exist_ok=True)
    try:
        with archive_lock(store):  # one writer at a time, from before the first header is read
            return _convert_held(
                sources,
                store,
                workers=workers,
                scheduler=scheduler,
                keep_identifiers=keep_identifiers,
                progress=progress,
                on_result=on_result,
                dashboard_address=dashboard_address,
                pseudonym_key=pseudonym_key,
                security=security,
            )
    finally:
        if created:  # a run that wrote nothing (no file, no cluster) leaves no folder behind
            with contextlib.suppress(OSError):
                os.rmdir(store)


def _convert_held(
    sources: Sequence[str | os.PathLike[str]],
    store: str,
    *,
    workers: int | None,
    scheduler: str | Cluster | None,
    keep_identifiers: bool,
    progress: bool,
    on_result: Callable[[ConvertResult], Any] | None,
    dashboard_address: str | None,
    pseudonym_key: bytes | None,
    security: Security | None,
) -> list[ConvertResult]:
    """:func:`convert` with the archive held by this process."""
    from dask.distributed import Client, as_completed
    from tqdm.auto import tqdm

    files = [os.path.abspath(p) for p in find_files(sources)]
    results: dict[str, ConvertResult] = {}
    owners: dict[str, str] = {}  # SOP Instance UID -> the file that holds its group
    tasks: list[str] = []
    for row in scan(files, workers=workers, absolute_paths=True):  # headers first: what needs no task is settled here
        uid = row.sop_instance_uid
        no_image = [str(problem) for problem in row.problems if problem.rule in NO_IMAGE_RULES]
        unfit = row.error or _unfit_group_name(uid) or "; ".join(no_image)
        if unfit:  # fails without claiming its group: a copy of the same file may still give it
            results[row.path] = ConvertResult(row.path, "failed", None, unfit)
        elif uid in owners:
            reason = f"duplicate SOP Instance UID of {os.path.basename(owners[uid])}"
            results[row.path] = ConvertResult(
                row.path, "skipped", group_name(uid, pseudonym_key), reason, duplicate_of=owners[uid]
            )
        else:
            owners[uid] = row.path
            if group_exists(store, group_name(uid, pseudonym_key)):
                results[row.path] = ConvertResult(
                    row.path, "skipped", group_name(uid, pseudonym_key), ALREADY_IN_ARCHIVE
                )
            else:
                tasks.append(row.path)
    for result in results.values():
        if on_result is not None:
            on_result(result)
    if not tasks:
        _prepare_store(store)
        shutil.rmtree(scratch_dir(store), ignore_errors=True)
        return [results[path] for path in files]
    with contextlib.ExitStack() as stack:
        stack.callback(shutil.rmtree, scratch_dir(store), ignore_errors=True)  # last, after the cluster
        if scheduler is None:
            cluster = stack.enter_context(local_cluster(workers, dashboard_address=dashboard_address))
            client = stack.enter_context(Client(cluster))
        else:
            client = stack.enter_context(Client(scheduler, security=security))
        _prepare_store(store)  # only now: a cluster that cannot start leaves nothing behind
        futures = client.map(
            convert_file,
            tasks,
            store=store,
            keep_identifiers=keep_identifiers,
            pseudonym_key=pseudonym_key,
            pure=False,
        )
        origin = {future.key: path for future, path in zip(futures, tasks, strict=True)}
        with tqdm(total=len(tasks), unit="file", disable=not progress, desc="converting") as bar:
            for future in as_completed(futures):
                try:
                    result = future.result()
                except Exception as exc:  # a worker lost, a task killed: still one file's failure
                    result = ConvertResult(origin[future.key], "failed", None, f"{type(exc).__name__}: {exc}")
                results[result.path] = result
                if on_result is not None:
                    on_result(result)
                bar.update()
    return [results[path] for path in files if path in results]
