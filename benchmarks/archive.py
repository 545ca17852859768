"""Dataset-scale speed: ``convert`` with 2 workers against 1, in one run.

Usage::

    python benchmarks/archive.py [--data ../shared/data/ultrasound]

Every multi-frame file of the folder (plus pydicom-data's SonoSite cine), copied twice with new
SOP Instance UIDs so that each copy is its own group, is converted to Zarr by a ``local_cluster``
of 1 worker and then of 2 (cluster start-up not timed). Goal: 2 workers >= 1.7 x faster.

``echolab scan`` has a benchmark of its own, whole processes against a bare pydicom loop:
``benchmarks/scan.py`` (its goal, 1.5 x faster, supersedes the 0.8 x scan goal this file had).

Prints PASS/FAIL and exits 1 when the goal is not met.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
import warnings
from pathlib import Path

import pydicom
import pydicom.uid as uids
from dask.distributed import Client
from pydicom.data import get_testdata_file

from echolab.archive.convert import convert, local_cluster
from echolab.reading.header import looks_like_dicom

REPO = Path(__file__).resolve().parents[1]
CONVERT_GOAL = 1.7


def dicom_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.is_file() and looks_like_dicom(p))


def cine_copies(files: list[Path], workdir: Path) -> Path:
    folder = workdir / "cines"
    folder.mkdir()
    sonosite = get_testdata_file("color3d_jpeg_baseline.dcm", download=False)
    candidates = [*files, *([Path(sonosite)] if sonosite else [])]
    for path in candidates:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ds = pydicom.dcmread(path)
        if int(ds.get("NumberOfFrames", 1) or 1) < 8:
            continue
        for copy in range(2):
            ds.SOPInstanceUID = uids.generate_uid()
            ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
            try:
                ds.save_as(folder / f"{copy}_{path.name}")
            except Exception:  # a file pydicom cannot write back (odd syntax or elements): not a candidate
                break
    return folder


def timed_convert(folder: Path, workers: int, store: Path) -> tuple[float, int]:
    with local_cluster(workers) as cluster:
        with Client(cluster) as client:
            client.run(lambda: __import__("echolab.archive.convert"))  # imports done before timing
            start = time.perf_counter()
            results = convert([str(folder)], store, scheduler=cluster, progress=False)
            elapsed = time.perf_counter() - start
    converted = sum(r.status == "converted" for r in results)
    failed = [r for r in results if r.status == "failed"]
    for result in failed:
        print(f"  (not converted: {Path(result.path).name}: {result.reason[:80]})")
    return elapsed, converted


def bench_convert(files: list[Path], workdir: Path) -> float:
    folder = cine_copies(files, workdir)
    one, converted = timed_convert(folder, 1, workdir / "one.zarr")
    two, converted_two = timed_convert(folder, 2, workdir / "two.zarr")
    assert converted == converted_two
    ratio = one / two
    print(f"convert: {converted} cines; 1 worker {one:6.2f} s, 2 workers {two:6.2f} s")
    print(f"{'PASS' if ratio >= CONVERT_GOAL else 'FAIL'}: 2 workers {ratio:.2f} x faster (goal >= {CONVERT_GOAL})")
    return ratio


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data" / "ultrasound")
    args = parser.parse_args()
    warnings.simplefilter("ignore")  # odd real headers: not what is measured here
    files = dicom_files(args.data) if args.data.is_dir() else []
    if not files:
        print(f"no DICOM files in {args.data}; give --data FOLDER")
        return 1
    with tempfile.TemporaryDirectory() as tmp:
        convert_ratio = bench_convert(files, Path(tmp))
    return 0 if convert_ratio >= CONVERT_GOAL else 1


if __name__ == "__main__":
    sys.exit(main())
