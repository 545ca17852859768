"""Clips for learning: echolab's export against an EchoNet-style conversion of the same cines, in one run.

Usage::

    python benchmarks/clips.py [--files 24] [--workers 2]

The cines are copies of pydicom-data's SonoSite ``color3d_jpeg_baseline.dcm`` (120 frames of
640 x 480 JPEG Baseline, YBR_FULL_422), each with its own SOP Instance UID, in a temporary folder.

The reference is what deep-learning pipelines commonly run (in the manner of EchoNet-Dynamic's
DICOM-to-AVI script, written here from its description): one process, ``pydicom``'s
``pixel_array`` for the whole cine, channel 0, a fixed 10 % crop, OpenCV's cubic resize to
112 x 112 whatever the aspect, and an MJPG AVI at (0018,0040) Cine Rate else 30 frames/s.

echolab: :func:`echolab.clips.export` to a Zarr store, 112 x 112 pixels of 0.16 cm (the
SonoSite's 18 cm field of view), 30 frames/s from the true frame times, scan-area mask, with a
local Dask cluster of ``--workers`` processes (the cluster's start is included); then the same to
lossless MP4.

Printed: seconds and cines/s of each, the ratio, and the output size of each relative to the
reference's AVI. Goal (issue "Clips for learning"): the Zarr export at least 3 x faster than the
reference on the 2-core development machine. The script prints PASS/FAIL and exits 1 on a FAIL.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
import warnings
from pathlib import Path

import cv2
import pydicom
import pydicom.uid as uids
from pydicom.data import get_testdata_file

from echolab.clips import export

SIZE = 112


def make_cines(count: int, folder: Path) -> list[Path]:
    """``count`` copies of the SonoSite cine, each with its own SOP Instance UID."""
    source = get_testdata_file("color3d_jpeg_baseline.dcm")
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(count):
        ds = pydicom.dcmread(source)
        ds.SOPInstanceUID = ds.file_meta.MediaStorageSOPInstanceUID = uids.generate_uid(
            entropy_srcs=[f"echolab clips benchmark {i}"]
        )
        path = folder / f"cine{i}.dcm"
        ds.save_as(path)
        paths.append(path)
    return paths


def echonet_style(path: Path, out: Path) -> None:
    """DICOM to a 112 x 112 AVI as common training pipelines do it (the physics thrown away)."""
    ds = pydicom.dcmread(path)
    frames = ds.pixel_array  # (time, rows, columns, 3), every frame decoded by pydicom
    fps = float(ds.get("CineRate", 30) or 30)  # "Cine Rate, else 30"
    height = frames.shape[1]
    crop = height // 10  # a fixed 10 % crop, square, from the top left
    writer = cv2.VideoWriter(str(out / f"{path.stem}.avi"), cv2.VideoWriter_fourcc(*"MJPG"), fps, (SIZE, SIZE))
    for frame in frames:
        grey = frame[crop : height - crop, crop : height - crop, 0]  # channel 0 only
        small = cv2.resize(grey, (SIZE, SIZE), interpolation=cv2.INTER_CUBIC)  # aspect not kept
        writer.write(cv2.merge([small, small, small]))
    writer.release()


def folder_bytes(folder: Path) -> int:
    return sum(f.stat().st_size for f in folder.rglob("*") if f.is_file())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--files", type=int, default=24)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        cines = make_cines(args.files, folder / "dicom")
        print(f"{len(cines)} cines of 120 frames, 640 x 480 JPEG Baseline; {args.workers} Dask workers for echolab")

        reference_out = folder / "echonet"
        reference_out.mkdir()
        start = time.perf_counter()
        for path in cines:
            echonet_style(path, reference_out)
        reference = time.perf_counter() - start

        timings = {}
        sizes = {}
        for fmt in ("zarr", "mp4"):
            out = folder / f"clips.{fmt}"
            start = time.perf_counter()
            results = export(
                [folder / "dicom"],
                out,
                spacing=0.16,
                size=SIZE,
                fps=30,
                format=fmt,
                workers=args.workers,
                progress=False,
            )
            timings[fmt] = time.perf_counter() - start
            failed = [r for r in results if r.status != "exported"]
            if failed:
                print(f"FAIL: {fmt} export: {failed[0].path}: {failed[0].reason}")
                return 1
            sizes[fmt] = folder_bytes(out)
            shutil.rmtree(out)
        reference_size = folder_bytes(reference_out)

    n = len(cines)
    print(f"{'conversion':52s} {'seconds':>8s} {'cines/s':>8s} {'size / AVI':>11s}")
    label = "EchoNet-style (pydicom, cv2.resize, MJPG AVI), 1 process"
    print(f"{label:52s} {reference:8.2f} {n / reference:8.2f} {1:11.2f}")
    for fmt, label in (("zarr", "echolab clips, Zarr (lossless)"), ("mp4", "echolab clips, MP4 (lossless H.264)")):
        print(f"{label:52s} {timings[fmt]:8.2f} {n / timings[fmt]:8.2f} {sizes[fmt] / reference_size:11.2f}")
    speedup = reference / timings["zarr"]
    print(
        f"echolab Zarr export vs EchoNet-style: {speedup:.1f} x faster; MP4 export {reference / timings['mp4']:.1f} x"
    )
    passed = speedup >= 3.0
    print(
        f"{'PASS' if passed else 'FAIL'}: Zarr export >= 3 x faster than the EchoNet-style conversion ({speedup:.1f} x)"
    )
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
