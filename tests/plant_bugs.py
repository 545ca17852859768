"""Plant classic calibration bugs in a copy of echolab, one at a time, and see which notebooks fail.

The teaching notebooks are meant to be checks a course can rely on: a student's tool that reads a
region box as exclusive, the reference pixel as absolute, a delta without its sign, the Cine Rate
before the Frame Time, or a velocity in the wrong unit must not pass them. This script proves it:

1. it copies the committed repository (``git archive HEAD``) to a temporary folder and runs the
   notebooks there unchanged: they must all pass (else a failure below would prove nothing);
2. for each bug, it copies that folder again, applies one textual patch to the copy's
   ``echolab/reading/regions.py`` or ``echolab/reading/timing.py``, and runs
   ``python -m pytest notebooks -q -p no:cacheprovider`` in the copy (nbval, with the copy's
   pyproject options) with ``PYTHONPATH`` pointing at the copy and an empty ``ECHOLAB_DATA_DIR``;
3. it reports, per bug, the notebooks that failed and their failing cells.

The exit status is 0 only when the unpatched copy passes and every bug makes at least one notebook
fail. A patch that no longer applies (the code it targets moved) is an error, not a pass.

Usage (from the repository root; it takes several minutes, one notebook run per bug)::

    python tests/plant_bugs.py                       # every bug
    python tests/plant_bugs.py --bug unsigned-delta  # one bug (repeatable)
    python tests/plant_bugs.py --list                # the bugs and their patches
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Bug:
    """One planted bug: ``old`` (found exactly once in ``file``) is replaced by ``new``."""

    name: str
    description: str
    file: str
    old: str
    new: str


_FORMULA = "return self.reference_value + (pixels - self.reference_index) * self.delta"

BUGS = (
    Bug(
        "exclusive-bounds",
        "region bounds read as exclusive: a box's last column and row dropped (width X1 - X0)",
        "echolab/reading/regions.py",
        "clipped = _clip_box(box, rows, columns, problems, notes)",
        "clipped = _clip_box((x0, y0, x1 - 1, y1 - 1), rows, columns, problems, notes)",
    ),
    Bug(
        "absolute-reference-pixel",
        "the reference pixel read as an absolute image pixel, not relative to the box corner",
        "echolab/reading/regions.py",
        _FORMULA,
        "return self.reference_value + (pixels - self.reference_pixel) * self.delta",
    ),
    Bug(
        "unsigned-delta",
        "the physical delta's sign dropped (values always grow right and down)",
        "echolab/reading/regions.py",
        _FORMULA,
        "return self.reference_value + (pixels - self.reference_index) * abs(self.delta)",
    ),
    Bug(
        "cine-rate-first",
        "(0018,0040) Cine Rate preferred to (0018,1063) Frame Time and the Frame Time Vector",
        "echolab/reading/timing.py",
        "    for tag in _preferred_tags(dataset, source, notes):\n",
        "    if cine_rate is not None:  # planted\n"
        "        return FrameTiming(np.arange(n, dtype=np.float64) / cine_rate, TimingSource.CINE_RATE, tuple(notes))\n"
        "    for tag in _preferred_tags(dataset, source, notes):\n",
    ),
    Bug(
        "velocity-times-ten",
        "Doppler velocity off by x10 (a cm/s delta taken for mm/s)",
        "echolab/reading/regions.py",
        "    units = _enum_or_none(PhysicalUnits, units_code)\n",
        "    units = _enum_or_none(PhysicalUnits, units_code)\n"
        "    if units is PhysicalUnits.CM_PER_SECOND and delta is not None:  # planted\n"
        "        delta *= 10\n",
    ),
)


@dataclass(frozen=True)
class Run:
    """The notebooks' result in one copy."""

    seconds: float
    notebooks: tuple[str, ...]
    failed: dict[str, list[str]]
    returncode: int
    output: str


def export_head(target: Path) -> str:
    """Write the committed tree of HEAD into ``target``; return the short commit id."""
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=REPO, check=True, capture_output=True, text=True
    ).stdout.strip()
    target.mkdir()
    archive = subprocess.run(["git", "archive", "--format=tar", "HEAD"], cwd=REPO, check=True, capture_output=True)
    subprocess.run(["tar", "-x", "-C", str(target)], input=archive.stdout, check=True)
    return commit


def plant(copy: Path, bug: Bug) -> None:
    """Apply ``bug`` to the copy; raise when its target text is not there exactly once."""
    path = copy / bug.file
    text = path.read_text()
    count = text.count(bug.old)
    if count != 1:
        raise SystemExit(f"{bug.name}: the text to patch occurs {count} times in {bug.file}, not once: {bug.old!r}")
    path.write_text(text.replace(bug.old, bug.new))


def run_notebooks(copy: Path, scratch: Path, timeout: float) -> Run:
    """Run nbval over the copy's notebooks, with the copy's echolab and an empty sample cache."""
    notebooks = tuple(sorted(p.stem for p in (copy / "notebooks").glob("*.ipynb")))
    data = Path(tempfile.mkdtemp(prefix="samples-", dir=scratch))
    env = {**os.environ, "PYTHONPATH": str(copy), "ECHOLAB_DATA_DIR": str(data), "MPLBACKEND": "Agg"}
    command = [sys.executable, "-m", "pytest", "notebooks", "-q", "-p", "no:cacheprovider", "-rfE"]
    start = time.monotonic()
    done = subprocess.run(command, cwd=copy, env=env, capture_output=True, text=True, timeout=timeout)
    seconds = time.monotonic() - start
    failed: dict[str, list[str]] = {}
    for match in re.finditer(r"^(?:FAILED|ERROR) notebooks/([^:\s]+)\.ipynb(?:::(Cell \d+))?", done.stdout, re.M):
        failed.setdefault(match.group(1), []).append(match.group(2) or "collection")
    shutil.rmtree(data, ignore_errors=True)
    return Run(seconds, notebooks, failed, done.returncode, done.stdout + done.stderr)


def describe(run: Run) -> str:
    if not run.failed:
        return f"no notebook failed  [{run.seconds:.0f} s]"
    caught = ", ".join(f"{name} ({', '.join(cells)})" for name, cells in sorted(run.failed.items()))
    return f"caught by {len(run.failed)} of {len(run.notebooks)} notebooks: {caught}  [{run.seconds:.0f} s]"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--bug", action="append", choices=[b.name for b in BUGS], help="plant only this bug")
    parser.add_argument("--list", action="store_true", help="list the bugs and their patches, run nothing")
    parser.add_argument("--timeout", type=float, default=1800, help="seconds allowed for one notebook run")
    args = parser.parse_args(argv)
    bugs = [b for b in BUGS if not args.bug or b.name in args.bug]
    if args.list:
        for bug in bugs:
            print(f"{bug.name}: {bug.description}\n  {bug.file}\n  - {bug.old.strip()}\n  + {bug.new.strip()}")
        return 0

    with tempfile.TemporaryDirectory(prefix="echolab-plant-") as folder:
        scratch = Path(folder)
        pristine = scratch / "pristine"
        commit = export_head(pristine)
        baseline = run_notebooks(pristine, scratch, args.timeout)
        print(f"copies of HEAD ({commit}); notebooks: {', '.join(baseline.notebooks)}", flush=True)
        if baseline.failed or baseline.returncode != 0:
            print(f"without a planted bug the notebooks already fail: {describe(baseline)}")
            print(baseline.output[-4000:])
            return 1
        print(f"no bug planted: all {len(baseline.notebooks)} notebooks pass  [{baseline.seconds:.0f} s]", flush=True)

        uncaught = []
        for bug in bugs:
            copy = scratch / bug.name
            shutil.copytree(pristine, copy)
            plant(copy, bug)
            result = run_notebooks(copy, scratch, args.timeout)
            print(f"{bug.name}: {bug.description}\n  {describe(result)}", flush=True)
            if not result.failed:
                uncaught.append(bug.name)
            shutil.rmtree(copy, ignore_errors=True)

    if uncaught:
        print("NOT caught by any notebook:", ", ".join(uncaught))
        return 1
    print(f"every planted bug ({len(bugs)}) makes at least one notebook fail")
    return 0


if __name__ == "__main__":
    sys.exit(main())
