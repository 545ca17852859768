"""The ``echolab`` command: ``info``, ``scan``, ``check``, ``convert``, ``deid``, ``clips``, ``browse``
and ``catalogue``::

    echolab info FILE                     header summary and region table
    echolab scan DIR [--csv OUT]          inventory of every DICOM file under DIR (headers only)
    echolab check SRC... [--json F]       findings per file, by rule id (see echolab.checks)
    echolab convert SRC... OUT.zarr       every file to one Zarr group per SOP Instance UID (Dask)
    echolab deid SRC... OUT --salt S      de-identified copies: header by PS3.15, banners blanked
    echolab clips SRC... OUT --spacing CM --size PIXELS --fps N | --phases N
                                          2D regions as clips on a cm grid and true times (Zarr, MP4)
    echolab browse [DIR]                  the browser widget as a local web app (Voila)
    echolab catalogue SRC... --out DIR    instances and report measurements as Parquet (or --csv)

Identifiers (patient, operator, institution) are left out unless ``--keep-identifiers`` is given.

``info`` and ``scan`` name the problems of a file's pixel data by rule id and message (cut short,
frames missing, no pixel data, no installed decoder: see :mod:`echolab.reading.problems`). ``convert``
lists on stderr the files it converted with problems, skipped as duplicates or could not convert,
then ends with one line such as ``3 converted (1 with problems), 1 already in archive.zarr,
2 duplicate SOP Instance UIDs, 1 failed``.

An error ends in one line on stderr, ``echolab: error: <file>: <what is wrong, what would be
valid>``, never a traceback; ``--debug`` (before or after the command) prints the traceback first.

Exit status:

- 0: success. ``scan`` lists unreadable files and files with problems and still succeeds.
- 1: a failure: ``info`` on a file that is not DICOM or cannot be read, a file ``convert`` could
  not convert, a ``check`` finding of severity error, an unexpected error.
- 2: a usage error: an unknown option, a path that does not exist, a folder where a file is
  needed (or the reverse).
- 130: interrupted (Ctrl-C).
"""

from __future__ import annotations

import argparse
import itertools
import os
import re
import signal
import sys
import traceback
from collections.abc import Iterator, Sequence
from typing import Any

from . import __version__
from .errors import EcholabError

__all__ = ["main", "format_table", "printable", "UsageError"]

#: What ``scan`` and ``convert`` take, said in their errors.
_SOURCES = "give folders or DICOM files"


class UsageError(EcholabError):
    """The command line cannot be run as given (a path that is not there, a folder for a file);
    ``echolab`` exits with status 2."""


#: Characters a terminal acts on instead of showing (escape sequences, bidirectional overrides).
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def printable(text: object) -> str:
    """``text`` safe to print on a terminal: control characters from file headers and names
    (an ESC starting an escape sequence, a bidirectional override) are shown escaped, as
    ``\\x1b``, instead of acting on the terminal."""
    return _CONTROL.sub(lambda match: repr(match.group())[1:-1], str(text))


def format_table(rows: Sequence[dict[str, Any]], columns: Sequence[str] | None = None) -> str:
    """Rows as a plain-text table with aligned columns (None shown as ``-``; control characters
    escaped, see :func:`printable`)."""
    if not rows:
        return "(none)"
    names = [printable(n) for n in (list(columns) if columns is not None else list(rows[0]))]
    keys = list(columns) if columns is not None else list(rows[0])
    cells = [[("-" if row.get(k) is None else printable(row.get(k)).replace("\n", " ")) for k in keys] for row in rows]
    widths = [max(len(n), *(len(c[i]) for c in cells)) for i, n in enumerate(names)]
    lines = ["  ".join(n.ljust(w) for n, w in zip(names, widths, strict=True))]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(c.ljust(w) for c, w in zip(cell, widths, strict=True)) for cell in cells]
    return "\n".join(line.rstrip() for line in lines)


def _require(paths: Sequence[str], valid: str) -> None:
    """Raise :class:`UsageError` for the first of ``paths`` that does not exist."""
    for path in paths:
        if not os.path.exists(path):
            raise UsageError(f"no such file or folder; {valid}", path)


def _sources_and_output(paths: Sequence[str], valid: str, output: str) -> tuple[list[str], str]:
    """Split ``SRC... OUT``: every source must exist and ``OUT``, when it exists, be a folder.

    ``valid`` says what the command takes; ``output`` names the last path ("the archive", ...).
    """
    sources, out = list(paths[:-1]), paths[-1]
    if not sources:
        raise UsageError(f"no source before {output}; {valid}", out)
    _require(sources, valid)
    if os.path.exists(out) and not os.path.isdir(out):
        raise UsageError(f"exists and is not a folder; {output} (the last path) is a folder", out)
    return sources, out


def _info(args: argparse.Namespace) -> int:
    from .archive.datasets import identifying_attrs
    from .echofile import open_collecting

    if os.path.isdir(args.file):
        raise UsageError("is a folder; `echolab info` reads one DICOM file (`echolab scan` lists a folder)", args.file)
    if not os.path.exists(args.file):
        raise UsageError("no such file; give the path of a DICOM file", args.file)
    opened = open_collecting(args.file)
    if opened.echofile is None:
        assert opened.error is not None
        raise opened.error
    f = opened.echofile
    summary = [{"": key, "value": value} for key, value in f.summary().items()]
    if args.keep_identifiers:
        summary += [{"": key, "value": value} for key, value in identifying_attrs(f.dataset).items()]
    print(format_table(summary))
    print()
    columns = ["index", "kind", "data type", "box (x0, y0, x1, y1)", "x axis", "y axis", "scrolling", "notes"]
    print(format_table(f.region_table(), columns) if f.regions else "no (0018,6011) Sequence of Ultrasound Regions")
    for note in f.timing.notes:
        print(printable(f"timing: {note}"))
    for problem in f.problems:
        print(printable(f"problem: {problem}"))
    for warning in opened.warnings:
        print(printable(f"warning: {warning}"), file=sys.stderr)
    return 0


def _scan(args: argparse.Namespace) -> int:
    from .archive.inventory import InventoryRow, scan, write_csv

    _require(args.paths, f"{_SOURCES} to scan")
    found = scan(args.paths, workers=args.workers, absolute_paths=args.absolute_paths)
    rows = list(itertools.islice(found, 1))  # the checks of scan() before a file is opened for writing
    if args.csv:

        def kept() -> Iterator[InventoryRow]:
            yield from rows
            for row in found:
                rows.append(row)
                yield row

        write_csv(kept(), args.csv)  # written as the rows come, while the workers read headers
        print(f"{len(rows)} file(s) written to {args.csv}")
    else:
        rows += found
    columns = ["path", "frames", "frame_rate", "timing_source", "heart_rate", "region_kinds", "problems", "error"]
    table = [
        {name: getattr(r, name) for name in columns} | {"problems": ";".join(p.rule for p in r.problems)} for r in rows
    ]
    print(format_table(table, columns))
    details = [f"{r.path}: {problem}" for r in rows for problem in r.problems]
    if details:
        print("\n" + "\n".join(printable(line) for line in details))
    failed = sum(1 for r in rows if r.error)
    with_problems = sum(1 for r in rows if r.problems)
    print(f"\n{len(rows)} DICOM file(s), {failed} unreadable, {with_problems} with problems")
    return 0


def _convert(args: argparse.Namespace) -> int:
    from .archive.convert import convert, read_key

    sources, store = _sources_and_output(args.paths, f"{_SOURCES} to convert, then OUT.zarr", "the archive")
    results = convert(
        sources,
        store,
        workers=args.workers,
        scheduler=args.scheduler,
        keep_identifiers=args.keep_identifiers,
        dashboard_address=args.dashboard,
        pseudonym_key=None if args.pseudonymise is None else read_key(args.pseudonymise),
        security=_scheduler_security(args),
    )
    for result in results:
        if result.status == "failed" or result.duplicate_of is not None:
            print(printable(f"{result.status}: {result.path}: {result.reason}"), file=sys.stderr)
        for problem in result.problems:
            print(printable(f"problem: {result.path}: {problem}"), file=sys.stderr)
    converted = [r for r in results if r.status == "converted"]
    with_problems = sum(1 for r in converted if r.problems)
    in_archive = sum(1 for r in results if r.status == "skipped" and r.duplicate_of is None)
    duplicates = sum(1 for r in results if r.duplicate_of is not None)
    failed = sum(1 for r in results if r.status == "failed")
    print(
        f"{len(converted)} converted" + (f" ({with_problems} with problems)" if with_problems else ""),
        f"{in_archive} already in {store}",
        f"{duplicates} duplicate SOP Instance UID{'' if duplicates == 1 else 's'}",
        f"{failed} failed",
        sep=", ",
    )
    return 1 if failed else 0


def _clips(args: argparse.Namespace) -> int:
    from .clips import export
    from .clips.export import KINDS

    sources, out = _sources_and_output(args.paths, f"{_SOURCES} to make clips of, then OUT", "the output")
    kinds = tuple(kind.strip().lower() for kind in args.kinds.split(",") if kind.strip())
    unknown = [kind for kind in kinds if kind not in KINDS]
    if unknown or not kinds:
        raise UsageError(f"--kinds {args.kinds!r}: valid kinds are {', '.join(KINDS)} (comma-separated)", out)
    for option, value in (
        ("--spacing", args.spacing),
        ("--fps", args.fps),
        ("--size", args.size),
        ("--phases", args.phases),
    ):
        if value is not None and not value > 0:
            raise UsageError(f"{option} {value} must be positive", out)
    if args.size < 2:
        raise UsageError(f"--size {args.size}: a clip is at least 2 x 2 pixels", out)
    if args.salt is None:
        print(
            "echolab: note: no --salt: clip names are a plain hash of each SOP Instance UID, which anyone holding "
            "the DICOM files can recompute",
            file=sys.stderr,
        )
    results = export(
        sources,
        out,
        spacing=args.spacing,
        size=args.size,
        fps=args.fps,
        phases=args.phases,
        kinds=kinds,
        mask=args.mask,
        format=args.format,
        salt=args.salt,
        workers=args.workers,
        scheduler=args.scheduler,
    )
    for result in results:
        if result.status == "failed" or (result.status == "skipped" and not result.existing):
            print(f"{result.status}: {result.path}: {result.reason}", file=sys.stderr)
    written = sum(len(r.clips) for r in results)
    existing = sum(len(r.existing) for r in results)
    skipped = sum(1 for r in results if r.status == "skipped" and not r.existing)
    failed = sum(1 for r in results if r.status == "failed")
    print(
        f"{written} clip{'' if written == 1 else 's'} written from {len(results)} file(s)",
        f"{existing} already in {out}",
        f"{skipped} file(s) without clips",
        f"{failed} failed",
        sep=", ",
    )
    return 1 if failed else 0


def _scheduler_security(args: argparse.Namespace) -> Any:
    """The TLS files given for ``--scheduler`` as a ``distributed.Security``; None: Dask's configuration."""
    files = (args.tls_ca_file, args.tls_cert, args.tls_key)
    if not any(files):
        return None
    if args.scheduler is None:
        raise UsageError("--tls-* options are for a remote --scheduler; the local cluster makes its own", None)
    _require([f for f in files if f], "give the files of the scheduler's TLS CA, client certificate and key")
    from dask.distributed import Security

    return Security(
        tls_ca_file=args.tls_ca_file,
        tls_client_cert=args.tls_cert,
        tls_client_key=args.tls_key,
        require_encryption=True,
    )


def _check(args: argparse.Namespace) -> int:
    import csv
    import json

    from .checks import check
    from .codes import Severity

    _require(args.paths, f"{_SOURCES} to check")
    findings = list(check(args.paths, workers=args.workers, pixels=not args.headers_only))
    rows = [finding.to_dict() for finding in findings]
    if args.json:
        with open(args.json, "w", encoding="utf-8") as handle:
            json.dump(rows, handle, indent=1)
    if args.csv:
        with open(args.csv, "w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=["file", "rule", "severity", "message"])
            writer.writeheader()
            writer.writerows(rows)
    for row in rows:
        print(printable(f"{row['file']}: {row['severity']}: {row['rule']}: {row['message']}"))
    errors = sum(1 for finding in findings if finding.severity is Severity.ERROR)
    files = len({finding.file for finding in findings})
    print(f"{len(findings)} finding(s) in {files} file(s), {errors} error(s)")
    return 1 if errors else 0


def _deid(args: argparse.Namespace) -> int:
    from .deid import AUDIT_FILE, DeidStatus, deidentify

    valid = "give DICOM files or folders to de-identify, then the output folder"
    sources, out = _sources_and_output(args.paths, valid, "the output folder")
    salt = args.salt or os.environ.get("ECHOLAB_DEID_SALT")
    if not salt:
        raise UsageError(
            "no salt: give --salt SECRET or set $ECHOLAB_DEID_SALT (a secret kept for later runs: the same salt "
            "gives the same new UIDs and date shifts)",
            out,
        )
    box = None
    if args.box is not None:
        try:
            x0, y0, x1, y1 = (int(part) for part in args.box.split(","))
        except ValueError:
            raise UsageError(f"--box {args.box!r} is not x0,y0,x1,y1 (four integers, inclusive image pixels)") from None
        box = (x0, y0, x1, y1)
    results = deidentify(
        sources, out, keep=args.keep, salt=salt, dates=args.dates, box=box, workers=args.workers, codec=args.codec
    )
    for result in results:
        if result.status is DeidStatus.FAILED:
            print(f"failed: {result.source}: {result.reason}", file=sys.stderr)
    counts = {status: sum(1 for r in results if r.status is status) for status in DeidStatus}
    print(
        f"{counts[DeidStatus.DONE]} de-identified, {counts[DeidStatus.SKIPPED]} skipped (done before, or a copy), "
        f"{counts[DeidStatus.FAILED]} failed; audit: {os.path.join(out, AUDIT_FILE)}"
    )
    return 1 if counts[DeidStatus.FAILED] else 0


def _catalogue(args: argparse.Namespace) -> int:
    """``echolab catalogue``: :func:`echolab.studies.catalogue` written as two tables."""
    from .studies import catalogue

    _require(args.paths, f"{_SOURCES} to catalogue")
    found = catalogue(*args.paths, workers=args.workers)
    for path in found.write(args.out, csv=args.csv):
        print(printable(path))
    instances, reports = found.instances, found.instances[found.instances["kind"] == "report"]
    unreadable = int((instances["error"] != "").sum())
    print(
        f"{len(instances)} instance(s) in {instances['study_instance_uid'].nunique()} study(ies), "
        f"{len(reports)} report(s) with {len(found.measurements)} measurement(s), {unreadable} unreadable"
    )
    return 0


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def _browse(args: argparse.Namespace) -> int:
    from .ui.browse import start, stop, wait_until_up

    if args.folder is not None and not os.path.isdir(args.folder):
        raise UsageError("no such folder; give a folder of DICOM files (or none, for the sample files)", args.folder)
    server = start(args.folder, args.port)  # binds the port first: a port in use is refused here
    previous = signal.signal(signal.SIGTERM, _interrupt)  # `kill` stops Voila too, like Ctrl-C
    try:
        wait_until_up(server)
        where = printable(args.folder or "the sample files")
        print(f"echolab browser for {where}: {server.url}  (Ctrl-C stops it)", flush=True)
        if not args.no_browser:
            import webbrowser

            webbrowser.open(server.url)
        return server.process.wait()
    except KeyboardInterrupt:
        return 0
    finally:
        stop(server)
        signal.signal(signal.SIGTERM, previous)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="echolab", description="Ultrasound DICOM regions with physical coordinates.")
    parser.add_argument("--version", action="version", version=f"echolab {__version__}")
    debug_help = "show the traceback of an error"
    parser.add_argument("--debug", action="store_true", help=debug_help)
    # --debug after the command too; SUPPRESS keeps a subcommand from resetting one given before it
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help=debug_help)
    commands = parser.add_subparsers(dest="command", required=True)

    def add_command(name: str, summary: str) -> argparse.ArgumentParser:
        return commands.add_parser(name, help=summary, parents=[common])

    info = add_command("info", "header summary and region table of one file")
    info.add_argument("file")
    info.add_argument("--keep-identifiers", action="store_true", help="also show patient/institution elements")
    info.set_defaults(run=_info)

    scan = add_command("scan", "inventory of every DICOM file under folders (headers only)")
    scan.add_argument("paths", nargs="+", metavar="DIR")
    scan.add_argument("--csv", metavar="OUT", help="also write the inventory as CSV")
    scan.add_argument("--workers", type=int, default=None, help="processes reading headers (default: CPUs)")
    scan.add_argument(
        "--absolute-paths", action="store_true", help="absolute paths (default: relative to the folder scanned)"
    )
    scan.set_defaults(run=_scan)

    check = add_command("check", "findings of every DICOM file: calibration, timing, pixel data, quirks")
    check.add_argument("paths", nargs="+", metavar="SRC")
    check.add_argument("--json", metavar="FILE", help="also write the findings as a JSON list")
    check.add_argument("--csv", metavar="FILE", help="also write the findings as CSV")
    check.add_argument("--workers", type=int, default=None, help="processes checking files (default: CPUs)")
    check.add_argument("--headers-only", action="store_true", help="skip the rules that decode pixels")
    check.set_defaults(run=_check)

    convert = add_command("convert", "files to a Zarr archive, one group per SOP Instance UID")
    convert.add_argument("paths", nargs="+", metavar="SRC... OUT.zarr")
    convert.add_argument("--workers", type=int, default=None, help="local Dask workers (default: CPUs)")
    convert.add_argument("--scheduler", metavar="ADDRESS", help="a running dask.distributed scheduler")
    for option, what in (("ca-file", "CA certificate"), ("cert", "client certificate"), ("key", "client key")):
        convert.add_argument(f"--tls-{option}", metavar="FILE", help=f"the --scheduler's TLS {what}")
    convert.add_argument("--keep-identifiers", action="store_true", help="copy identifying elements into attrs")
    convert.add_argument(
        "--pseudonymise",
        metavar="KEYFILE",
        help="name groups by a keyed hash of the SOP Instance UID (the key is kept in KEYFILE, created if missing)",
    )
    convert.add_argument(
        "--dashboard", metavar="HOST:PORT", help="serve the local cluster's Dask dashboard there (default: none)"
    )
    convert.set_defaults(run=_convert)

    deid = add_command("deid", "de-identified copies: header by PS3.15 E.1-1, pixels outside the regions blanked")
    deid.add_argument("paths", nargs="+", metavar="SRC... OUT")
    deid.add_argument(
        "--keep", choices=["regions", "scan-area"], default="regions", help="pixels kept (default: region boxes)"
    )
    deid.add_argument("--salt", metavar="SECRET", help="key of the new UIDs and date shifts (or $ECHOLAB_DEID_SALT)")
    deid.add_argument("--dates", choices=["shift", "keep", "remove"], default="shift", help="default: shift")
    deid.add_argument("--box", metavar="x0,y0,x1,y1", help="keep this rectangle (files without regions)")
    deid.add_argument("--workers", type=int, default=None, help="processes (default: CPUs)")
    deid.add_argument("--codec", choices=["jpeg-ls", "rle"], default="jpeg-ls", help="default: jpeg-ls (lossless)")
    deid.set_defaults(run=_deid)

    clips = add_command("clips", "2D regions as clips for learning: a cm grid, true times, per beat (Zarr or MP4)")
    clips.add_argument("paths", nargs="+", metavar="SRC... OUT")
    clips.add_argument("--spacing", type=float, required=True, metavar="CM", help="grid step, cm per pixel")
    clips.add_argument("--size", type=int, required=True, metavar="PIXELS", help="pixels per side")
    timing = clips.add_mutually_exclusive_group(required=True)
    timing.add_argument("--fps", type=float, metavar="N", help="frames per second over each cine's real duration")
    timing.add_argument("--phases", type=int, metavar="N", help="one clip per complete heartbeat, N phases each")
    clips.add_argument("--kinds", default="2d", help="region kinds, comma-separated: 2d, colour-flow (default: 2d)")
    clips.add_argument("--mask", choices=["scan-area", "none"], default="scan-area", help="default: scan-area")
    clips.add_argument("--format", choices=["zarr", "mp4"], default="zarr", help="default: zarr")
    clips.add_argument("--salt", metavar="TEXT", help="key of the clip names' hash (keep it secret)")
    clips.add_argument("--workers", type=int, default=None, help="local Dask workers (default: CPUs; 0: no cluster)")
    clips.add_argument("--scheduler", metavar="ADDRESS", help="a running dask.distributed scheduler")
    clips.set_defaults(run=_clips)

    browse = add_command("browse", "the browser widget as a web app on 127.0.0.1 (Voila)")
    browse.add_argument("folder", nargs="?", metavar="DIR", help="folder to browse (default: the sample files)")
    browse.add_argument(
        "--port", type=int, default=0, help="port of 127.0.0.1 (default: a free one); one in use is refused"
    )
    browse.add_argument("--no-browser", action="store_true", help="print the URL without opening a web browser")
    browse.set_defaults(run=_browse)

    catalogue = add_command("catalogue", "instances by study and kind, and every report's measurements (Parquet)")
    catalogue.add_argument("paths", nargs="+", metavar="SRC")
    catalogue.add_argument("--out", required=True, metavar="DIR", help="folder of instances.* and measurements.*")
    catalogue.add_argument("--csv", action="store_true", help="write CSV instead of Parquet")
    catalogue.add_argument("--workers", type=int, default=None, help="processes reading headers (default: CPUs)")
    catalogue.set_defaults(run=_catalogue)
    return parser


def _error_line(exc: Exception) -> str:
    """One line saying what went wrong: the file and the reason, or the unexpected exception."""
    if isinstance(exc, EcholabError):
        text = str(exc)
    elif isinstance(exc, OSError) and exc.filename is not None:
        text = f"{exc.filename}: {exc.strerror or exc}"
    elif isinstance(exc, OSError) and exc.strerror:  # a write that failed (disk full, read-only medium)
        text = exc.strerror
    else:
        text = f"unexpected {type(exc).__name__}: {exc} (--debug shows the traceback)"
    return "echolab: error: " + printable(" ".join(line.strip() for line in text.splitlines() if line.strip()))


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status (see the module docstring)."""
    args = _parser().parse_args(argv)
    try:
        return int(args.run(args))
    except KeyboardInterrupt:
        print("echolab: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # every error ends in one line; --debug adds the traceback
        if args.debug:
            traceback.print_exc()
        print(_error_line(exc), file=sys.stderr)
        return 2 if isinstance(exc, UsageError) else 1


if __name__ == "__main__":
    sys.exit(main())
