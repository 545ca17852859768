"""Every speed goal of "Fast where users wait" in one run: decode, scan and archive benchmarks.

Usage::

    python benchmarks/speed.py [--data ../shared/data/ultrasound]

Runs ``benchmarks/decode.py`` (full-cine decode and scattered frames against libjpeg-turbo, and
dicomsdl when installed), ``benchmarks/scan.py`` (``echolab scan`` against a bare pydicom loop,
whole processes) and ``benchmarks/archive_format.py`` (archive size, bit-identity and frame reads
against the DICOM files) one after the other, each printing its figures against the anchors it
measured in the same run; then prints the machine and every PASS/FAIL line together, and exits 1
when a goal failed. Run it on a quiet machine: the figures are ratios, but two cores shared with
other work still move them.
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def machine() -> str:
    """CPU model, cores, memory, Python and operating system of this machine."""
    model = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo", encoding="ascii", errors="replace") as handle:
            model = next((line.split(":", 1)[1].strip() for line in handle if line.startswith("model name")), model)
    except OSError:
        pass
    try:
        memory = f"{os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30:.0f} GiB"
    except (ValueError, OSError, AttributeError):
        memory = "unknown memory"
    return (
        f"{model}, {os.cpu_count()} cores, {memory}; Python {platform.python_version()} on "
        f"{platform.system()} {platform.release()}; {time.strftime('%Y-%m-%d')}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=HERE.parents[1] / "shared" / "data" / "ultrasound")
    args = parser.parse_args()
    verdicts: list[tuple[str, str]] = []
    for script, options in (
        ("decode.py", []),
        ("scan.py", ["--data", str(args.data)]),
        ("archive_format.py", ["--data", str(args.data)]),
    ):
        print(f"\n===== {script} =====", flush=True)
        run = subprocess.run([sys.executable, str(HERE / script), *options], capture_output=True, text=True)
        print(run.stdout, end="")
        if run.returncode not in (0, 1):  # 1: a goal failed, which its own lines say
            print(run.stderr[-3000:], end="")
            verdicts.append((script, f"FAIL  {script} ended with status {run.returncode}"))
        verdicts += [(script, line) for line in run.stdout.splitlines() if line.startswith(("PASS", "FAIL"))]
    print(f"\n===== every goal, one run =====\nmachine: {machine()}")
    for script, line in verdicts:
        print(f"{line}  [{script}]")
    return 1 if any(line.startswith("FAIL") for _, line in verdicts) else 0


if __name__ == "__main__":
    sys.exit(main())
