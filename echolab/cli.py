"""The ``echolab`` command: ``info``, ``scan`` and ``convert``.

    echolab info FILE                     header summary and region table
    echolab scan DIR [--csv OUT]          inventory of every DICOM file under DIR (headers only)
    echolab convert SRC... OUT.zarr       every file to one Zarr group per SOP Instance UID (Dask)
    echolab browse [DIR]                  the browser widget as a local web app (Voila)

Identifiers (patient, operator, institution) are left out unless ``--keep-identifiers`` is given.
Exit status: 0 on success, 1 when a file failed, 2 for a usage error.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import warnings
from collections.abc import Sequence
from dataclasses import asdict
from typing import Any

from . import __version__
from .errors import EcholabError

__all__ = ["main", "format_table"]


def format_table(rows: Sequence[dict[str, Any]], columns: Sequence[str] | None = None) -> str:
    """Rows as a plain-text table with aligned columns (None shown as ``-``)."""
    if not rows:
        return "(none)"
    names = list(columns) if columns is not None else list(rows[0])
    cells = [[("-" if row.get(n) is None else str(row.get(n))) for n in names] for row in rows]
    widths = [max(len(n), *(len(c[i]) for c in cells)) for i, n in enumerate(names)]
    lines = ["  ".join(n.ljust(w) for n, w in zip(names, widths, strict=True))]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(c.ljust(w) for c, w in zip(cell, widths, strict=True)) for cell in cells]
    return "\n".join(line.rstrip() for line in lines)


def _info(args: argparse.Namespace) -> int:
    from .datasets import identifying_attrs
    from .echofile import open as open_file

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        f = open_file(args.file)
    summary = [{"": key, "value": value} for key, value in f.summary().items()]
    if args.keep_identifiers:
        summary += [{"": key, "value": value} for key, value in identifying_attrs(f.dataset).items()]
    print(format_table(summary))
    print()
    columns = ["index", "kind", "data type", "box (x0, y0, x1, y1)", "x axis", "y axis", "scrolling", "notes"]
    print(format_table(f.region_table(), columns) if f.regions else "no (0018,6011) Sequence of Ultrasound Regions")
    for note in f.timing.notes:
        print(f"timing: {note}")
    for warning in caught:
        print(f"warning: {warning.message}", file=sys.stderr)
    return 0


def _scan(args: argparse.Namespace) -> int:
    from .inventory import scan, write_csv

    rows = list(scan(args.paths, workers=args.workers))
    if args.csv:
        write_csv(rows, args.csv)
        print(f"{len(rows)} file(s) written to {args.csv}")
    columns = ["path", "frames", "frame_rate", "timing_source", "heart_rate", "region_kinds", "error"]
    print(format_table([asdict(r) for r in rows], columns))
    failed = sum(1 for r in rows if r.error)
    print(f"\n{len(rows)} DICOM file(s), {failed} unreadable")
    return 0


def _convert(args: argparse.Namespace) -> int:
    from .convert import convert

    sources, store = args.paths[:-1], args.paths[-1]
    if not sources:
        print("echolab convert: give at least one source file or folder before OUT.zarr", file=sys.stderr)
        return 2
    if os.path.exists(store) and not os.path.isdir(store):
        print(f"echolab convert: {store} exists and is not a folder (a Zarr archive is one)", file=sys.stderr)
        return 2
    results = convert(
        sources,
        store,
        workers=args.workers,
        scheduler=args.scheduler,
        keep_identifiers=args.keep_identifiers,
        dashboard_address=args.dashboard,
    )
    for result in results:
        if result.status == "failed":
            print(f"failed: {result.path}: {result.reason}", file=sys.stderr)
    counts = {status: sum(1 for r in results if r.status == status) for status in ("converted", "skipped", "failed")}
    print(f"{counts['converted']} converted, {counts['skipped']} already in {store}, {counts['failed']} failed")
    return 1 if counts["failed"] else 0


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def _browse(args: argparse.Namespace) -> int:
    from .browse import free_port, start, stop, wait_until_up

    port = args.port or free_port()
    url = f"http://127.0.0.1:{port}/"
    process = start(args.folder, port)
    previous = signal.signal(signal.SIGTERM, _interrupt)  # `kill` stops Voila too, like Ctrl-C
    try:
        wait_until_up(url, process)
        print(f"echolab browser for {args.folder or 'the sample files'}: {url}  (Ctrl-C stops it)", flush=True)
        if not args.no_browser:
            import webbrowser

            webbrowser.open(url)
        return process.wait()
    except KeyboardInterrupt:
        return 0
    finally:
        stop(process)
        signal.signal(signal.SIGTERM, previous)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="echolab", description="Ultrasound DICOM regions with physical coordinates.")
    parser.add_argument("--version", action="version", version=f"echolab {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)

    info = commands.add_parser("info", help="header summary and region table of one file")
    info.add_argument("file")
    info.add_argument("--keep-identifiers", action="store_true", help="also show patient/institution elements")
    info.set_defaults(run=_info)

    scan = commands.add_parser("scan", help="inventory of every DICOM file under folders (headers only)")
    scan.add_argument("paths", nargs="+", metavar="DIR")
    scan.add_argument("--csv", metavar="OUT", help="also write the inventory as CSV")
    scan.add_argument("--workers", type=int, default=None, help="processes reading headers (default: CPUs)")
    scan.set_defaults(run=_scan)

    convert = commands.add_parser("convert", help="files to a Zarr archive, one group per SOP Instance UID")
    convert.add_argument("paths", nargs="+", metavar="SRC... OUT.zarr")
    convert.add_argument("--workers", type=int, default=None, help="local Dask workers (default: CPUs)")
    convert.add_argument("--scheduler", metavar="ADDRESS", help="a running dask.distributed scheduler")
    convert.add_argument("--keep-identifiers", action="store_true", help="copy identifying elements into attrs")
    convert.add_argument(
        "--dashboard", metavar="HOST:PORT", help="serve the local cluster's Dask dashboard there (default: none)"
    )
    convert.set_defaults(run=_convert)

    browse = commands.add_parser("browse", help="the browser widget as a web app on 127.0.0.1 (Voila)")
    browse.add_argument("folder", nargs="?", metavar="DIR", help="folder to browse (default: the sample files)")
    browse.add_argument("--port", type=int, default=0, help="port (default: a free one)")
    browse.add_argument("--no-browser", action="store_true", help="print the URL without opening a web browser")
    browse.set_defaults(run=_browse)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    args = _parser().parse_args(argv)
    try:
        return int(args.run(args))
    except EcholabError as exc:
        print(f"echolab {args.command}: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"echolab {args.command}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
