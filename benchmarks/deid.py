"""De-identification speed: a 600-frame 640 x 480 colour cine, header to verified output.

Usage::

    python benchmarks/deid.py [--frames 600] [--workers N] [--repeat 2] [--codec jpeg-ls]

The cine is pydicom-data's SonoSite ``color3d_jpeg_baseline.dcm`` (JPEG Baseline, YBR_FULL_422),
its 120 frames repeated to ``--frames`` as ``benchmarks/decode.py`` builds it. Timed: the whole
:func:`echolab.deid.deidentify` call (hash, header, every frame decoded, blanked outside the
regions and encoded JPEG-LS Lossless, file written, read back and verified), best of
``--repeat`` runs into fresh output folders. Printed: frames/s with ``--workers`` processes
(default: the CPUs) and with one, and the output size.

Goal (issue "Share safely"): >= 100 frames/s with the default workers. The script prints
PASS/FAIL and exits 1 when it fails.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import warnings
from pathlib import Path

from decode import make_long_cine  # the same 600-frame cine as the decode benchmark (same folder)

from echolab.deid import DeidStatus, deidentify

GOAL_FRAMES_PER_SECOND = 100.0


def frames_per_second(source: Path, folder: Path, workers: int | None, repeat: int, codec: str) -> tuple[float, int]:
    """Best frames/s of ``repeat`` runs, and the output's size in bytes."""
    best = 0.0
    size = 0
    for attempt in range(repeat):
        out = folder / f"out-{workers}-{attempt}"
        start = time.perf_counter()
        results = deidentify([source], out, salt="benchmark", workers=workers, codec=codec)
        elapsed = time.perf_counter() - start
        (result,) = results
        if result.status is not DeidStatus.DONE or result.output is None:
            raise SystemExit(f"de-identification failed: {result.reason}")
        best = max(best, result.frames / elapsed)
        size = os.path.getsize(result.output)
    return best, size


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--frames", type=int, default=600)
    parser.add_argument("--workers", type=int, default=None, help="processes (default: the CPUs)")
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--codec", default="jpeg-ls", choices=["jpeg-ls", "rle"])
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        source, _ = make_long_cine(args.frames, folder)
        decoded = args.frames * 480 * 640 * 3
        print(f"cine: {args.frames} frames 640 x 480 RGB, {os.path.getsize(source) / 1e6:.1f} MB JPEG Baseline")
        print(f"machine: {cpus} CPU(s) available; codec {args.codec}")
        one, _ = frames_per_second(source, folder, 1, args.repeat, args.codec)
        print(f"workers=1: {one:.1f} frames/s")
        fps, size = frames_per_second(source, folder, args.workers, args.repeat, args.codec)
        label = args.workers if args.workers is not None else f"{cpus} (default)"
        print(f"workers={label}: {fps:.1f} frames/s")
        print(f"output: {size / 1e6:.1f} MB ({size / decoded:.1%} of the decoded frames)")
    passed = fps >= GOAL_FRAMES_PER_SECOND
    print(f"{'PASS' if passed else 'FAIL'}: {fps:.1f} frames/s (goal >= {GOAL_FRAMES_PER_SECOND:.0f})")
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
