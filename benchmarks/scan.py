"""Whole-process speed of ``echolab scan`` against a bare pydicom loop over the same files, in one run.

Usage::

    python benchmarks/scan.py [--data ../shared/data/ultrasound] [--copies 5 80] [--repeat 5]

The folder's DICOM files are hard-linked ``--copies`` times into a temporary folder (with the 62
shared files: 5 copies make 310 files, 80 make 4,960). For each folder, every contender is a
fresh process, timed from its start to its exit, the contenders alternating, best of ``--repeat``:

- the reference: ``python -c`` walking the folder and calling
  ``pydicom.dcmread(path, stop_before_pixels=True)`` on each file, in one process;
- ``echolab scan FOLDER --csv OUT`` (``python -m echolab.cli`` from this checkout): interpreter
  start, imports, worker processes, every row read, printed and written to CSV;
- dicomsdl reading the same headers in one process (``dicomsdl.open`` up to the pixel data),
  printed for reference when it is installed (``pip install dicomsdl``), not a goal.

Every process runs with its modules byte-compiled, as installed packages are: a first untimed
run of each compiles them into a temporary ``PYTHONPYCACHEPREFIX``. The files are read once
before timing, so that all contenders find them in the page cache.

Goals (issue 18, "Fast where users wait"): echolab scan at least 1.5 x faster than the bare
pydicom loop at each folder size, and its cost per file flat as the folder grows (ms/file of the
largest folder no higher than of the smallest). Prints each figure against the reference
measured in the same run, PASS/FAIL per goal, and exits 1 when one fails.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
RATIO_GOAL = 1.5

BARE = """
import os, sys
import pydicom

count = 0
for root, _, names in os.walk(sys.argv[1]):
    for name in names:
        pydicom.dcmread(os.path.join(root, name), stop_before_pixels=True)
        count += 1
print(count)
"""

DICOMSDL = """
import os, sys
import dicomsdl

count = 0
for root, _, names in os.walk(sys.argv[1]):
    for name in names:
        dicomsdl.open(os.path.join(root, name), 0x7FE0000F)
        count += 1
print(count)
"""


def environment(cache: Path) -> dict[str, str]:
    """The processes' environment: this checkout first on the path, modules byte-compiled into
    ``cache`` (whatever ``PYTHONDONTWRITEBYTECODE`` says here)."""
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]).rstrip(os.pathsep))
    env["PYTHONPYCACHEPREFIX"] = str(cache)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def dicom_files(folder: Path) -> list[Path]:
    """The folder's DICOM files: its ``*.dcm`` files (MANIFEST.tsv and README.md are not)."""
    return sorted(path for path in folder.iterdir() if path.is_file() and path.suffix.lower() == ".dcm")


def linked_folder(files: list[Path], copies: int, workdir: Path) -> Path:
    """``copies`` hard links of every file in a folder of their own, read once into the page cache."""
    folder = workdir / f"x{copies}"
    folder.mkdir()
    for copy in range(copies):
        for path in files:
            target = folder / f"{copy:03d}_{path.name}"
            os.link(path, target)
    for path in folder.iterdir():
        path.read_bytes()
    return folder


def run(command: list[str], env: dict[str, str]) -> float:
    """Wall seconds of one process, from its start to its exit."""
    started = time.perf_counter()
    done = subprocess.run(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command[:4])} failed:\n{done.stderr[-2000:]}")
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data" / "ultrasound")
    parser.add_argument("--copies", type=int, nargs="+", default=[5, 80])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    files = dicom_files(args.data) if args.data.is_dir() else []
    if not files:
        print(f"no DICOM files in {args.data}; give --data FOLDER")
        return 1
    python = sys.executable
    has_dicomsdl = importlib.util.find_spec("dicomsdl") is not None
    passed = True
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        env = environment(workdir / "pycache")
        imported = subprocess.run(
            [python, "-c", "import echolab; print(echolab.__file__)"], env=env, capture_output=True, text=True
        ).stdout.strip()
        print(f"echolab from {imported}; {len(files)} files in {args.data}; best of {args.repeat} alternating runs")
        if not imported.startswith(str(REPO)):
            print(f"FAIL: echolab is not imported from this checkout ({REPO})")
            return 1
        per_file: dict[int, float] = {}
        for copies in sorted(args.copies):
            folder = linked_folder(files, copies, workdir)
            count = len(files) * copies
            contenders = {
                "bare pydicom loop": [python, "-c", BARE, str(folder)],
                "echolab scan": [python, "-m", "echolab.cli", "scan", str(folder), "--csv", str(workdir / "out.csv")],
            }
            if has_dicomsdl:
                contenders["dicomsdl (reference)"] = [python, "-c", DICOMSDL, str(folder)]
            best = {name: float("inf") for name in contenders}
            for command in contenders.values():  # compiles every module into the cache, untimed
                run(command, env)
            for _ in range(args.repeat):
                for name, command in contenders.items():
                    best[name] = min(best[name], run(command, env))
            reference = best["bare pydicom loop"]
            print(f"\n{count} files ({copies} x {len(files)}), whole processes:")
            for name, seconds in best.items():
                against = "reference" if name == "bare pydicom loop" else f"{reference / seconds:.2f} x faster"
                print(f"  {name:22s} {seconds:7.3f} s  {1000 * seconds / count:6.3f} ms/file  ({against})")
            ratio = reference / best["echolab scan"]
            verdict = "PASS" if ratio >= RATIO_GOAL else "FAIL"
            print(f"{verdict}: echolab scan {ratio:.2f} x faster than the bare pydicom loop (goal >= {RATIO_GOAL})")
            passed &= ratio >= RATIO_GOAL
            per_file[count] = best["echolab scan"] / count
    if len(per_file) > 1:
        (small, small_cost), (large, large_cost) = min(per_file.items()), max(per_file.items())
        marginal = (large_cost * large - small_cost * small) / (large - small)
        flat = large_cost <= small_cost
        print(
            f"\n{'PASS' if flat else 'FAIL'}: echolab scan costs {1000 * large_cost:.3f} ms/file at {large} files, "
            f"{1000 * small_cost:.3f} at {small} (goal: no higher as the folder grows); each file past the "
            f"first {small} costs {1000 * marginal:.3f} ms"
        )
        passed &= flat
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
